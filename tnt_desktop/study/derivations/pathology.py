"""Pathology and the primary endpoint: D-PATH-PCTSUM, D-12 EORTCDER (form PATH) and D-13
(subject level: EORTCFIN, RESP_AC, plus PCRFL, TRTFL and PPROTFL of CRF_SPEC.md §6.1)."""

from __future__ import annotations

from decimal import Decimal

from tnt_desktop.study.derivations._common import NO, YES, as_decimal, out, subject_value
from tnt_desktop.study.derivations.chemotherapy import cycle_records, given_cycles
from tnt_desktop.study.derivations.radiotherapy import rt_summary, rt_treated
from tnt_desktop.study.model import Derivation, DerivedValue, T
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import SubjectData
from tnt_desktop.study.values import round_half_up

RESPONDER_SCORES = ("A", "B", "C")
NON_RESPONDER_SCORES = ("D", "E")
SCORES = RESPONDER_SCORES + NON_RESPONDER_SCORES


def pct_sum(viable: object, necrosis: object, fibrosis: object, other: object = None
            ) -> Decimal | None:
    """PCTVIAB + PCTNECR + PCTFIB (+ PCTOTH when entered), 1 decimal; None while one of the
    three required components is missing."""
    parts = [as_decimal(viable), as_decimal(necrosis), as_decimal(fibrosis)]
    if None in parts:
        return None
    extra = as_decimal(other) or Decimal(0)
    return round_half_up(sum(parts, extra), 1)  # type: ignore[arg-type]


def eortc_class(pct_viable: object) -> str | None:
    """EORTC-STBSG response score from % stainable (viable) tumour cells:
    0 → A; 0 < x < 1 → B; 1 ≤ x < 10 → C; 10 ≤ x < 50 → D; ≥ 50 → E (None when missing)."""
    pct = as_decimal(pct_viable)
    if pct is None:
        return None
    if pct < 0 or pct > 100:
        raise ValueError(f"% viable tumour must be 0–100, not {pct_viable!r}")
    if pct == 0:
        return "A"
    if pct < 1:
        return "B"
    if pct < 10:
        return "C"
    if pct < 50:
        return "D"
    return "E"


def final_eortc_score(subject: SubjectData) -> str | None:
    """EORTCFIN: the reviewer's CENTREVSC when present, otherwise the site's EORTCSC."""
    record = subject.form("PATH")
    if record is None:
        return None
    for name in ("CENTREVSC", "EORTCSC"):
        score = record.values.get(name)
        if score in SCORES:
            return score
    return None


def _no_surgery(subject: SubjectData) -> bool:
    record = subject.form("SURG")
    return record is not None and record.values.get("SURGYN") == NO


def _pathology_not_evaluable(subject: SubjectData) -> bool:
    """A PATH form whose score is recorded as missing (NOT DONE, UNKNOWN…) with no reviewer
    score, or a surgery without pathology at the end of the study."""
    record = subject.form("PATH")
    if record is not None:
        return "EORTCSC" in record.missing
    surg = subject.form("SURG")
    return (
        surg is not None
        and surg.values.get("SURGYN") == YES
        and subject.form("EOS") is not None
    )


def resp_ac(subject: SubjectData, params: StudyParameters | None = None) -> str | None:
    """RESP_AC, the primary-endpoint flag (D-13, §6.1, build decision 5).

    None for a subject outside the treated population (no RT fraction delivered). Otherwise Y
    when the final score is A, B or C and N when it is D or E. A treated subject without a
    final score is a non-responder (N) once it is known there will be none: SURGYN = N,
    pathology not evaluable, or the study ended (EOS) or the subject died without a score.
    While surgery or pathology is still pending the flag stays None.
    """
    if not rt_treated(subject):
        return None
    final = final_eortc_score(subject)
    if final is not None:
        return YES if final in RESPONDER_SCORES else NO
    if _no_surgery(subject) or _pathology_not_evaluable(subject):
        return NO
    if subject.form("EOS") is not None:
        return NO
    surg = subject.form("SURG")
    surgery_done = surg is not None and surg.values.get("SURGYN") == YES
    if subject.form("DTH") is not None and not surgery_done:
        return NO
    return None


def pcr_flag(subject: SubjectData, params: StudyParameters | None = None) -> str | None:
    """PCRFL: pathological complete response (final score A); N for every other outcome of a
    treated subject, including non-responders by rule."""
    response = resp_ac(subject, params)
    if response is None:
        return None
    return YES if final_eortc_score(subject) == "A" else NO


def per_protocol(subject: SubjectData, params: StudyParameters) -> str | None:
    """PPROTFL (§6.1 sensitivity population): RT completed per protocol, all `n_cycles` cycles
    given, protocol surgery done and an evaluable final score. N as soon as one is known to
    fail, None while one is still unknown."""
    rt = subject.form("RT")
    completed = None if rt is None else rt_summary(rt.group_rows("FX"), params).completed
    if completed is None and rt is not None:
        completed = rt.values.get("RTCOMPL")
    cycles = given_cycles(subject)
    surg = subject.form("SURG")
    conditions: list[bool | None] = [
        None if completed is None else completed == YES,
        True if len(cycles) >= params.n_cycles
        else (False if _chemo_over(subject) else None),
        None if surg is None or surg.values.get("SURGYN") not in (YES, NO)
        else surg.values.get("SURGYN") == YES,
        True if final_eortc_score(subject) is not None
        else (False if _pathology_not_evaluable(subject) else None),
    ]
    if False in conditions:
        return NO
    if None in conditions:
        return None
    return YES


def _chemo_over(subject: SubjectData) -> bool:
    """Fewer cycles than planned can no longer change: a cycle was recorded as not given, or
    surgery or the end of study was reached."""
    if any(r.values.get("CYGIVEN") == NO for r in cycle_records(subject)):
        return True
    surg = subject.form("SURG")
    surgery_answered = surg is not None and surg.values.get("SURGYN") in (YES, NO)
    return subject.form("EOS") is not None or surgery_answered


# --- derivations ---------------------------------------------------------------------------


def _derive_sum(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("PATH"):
        v = record.values
        total = pct_sum(v.get("PCTVIAB"), v.get("PCTNECR"), v.get("PCTFIB"), v.get("PCTOTH"))
        results.append(out(record, "PCTSUM", total))
    return results


def _derive_class(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("PATH"):
        try:
            score = eortc_class(record.values.get("PCTVIAB"))
        except ValueError:
            score = None
        results.append(out(record, "EORTCDER", score))
    return results


def _derive_endpoint(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    return [
        subject_value("EORTCFIN", final_eortc_score(subject)),
        subject_value("RESP_AC", resp_ac(subject, params)),
        subject_value("PCRFL", pcr_flag(subject, params)),
        subject_value("TRTFL", YES if rt_treated(subject) else NO),
        subject_value("PPROTFL", per_protocol(subject, params)),
    ]


D_PATH_PCTSUM = Derivation(
    id="D-PATH-PCTSUM",
    label=T("Sum of tumour-bed components", "瘤床各成分之和"),
    outputs=("PATH.PCTSUM",),
    inputs=("PATH.PCTVIAB", "PATH.PCTNECR", "PATH.PCTFIB", "PATH.PCTOTH"),
    method=T(
        "PCTVIAB + PCTNECR + PCTFIB + PCTOTH (PCTOTH counts as 0 when not entered), 1 decimal.",
        "PCTVIAB + PCTNECR + PCTFIB + PCTOTH（PCTOTH 未填写时按 0 计），保留 1 位小数。",
    ),
    function=_derive_sum,
)

D12 = Derivation(
    id="D-12",
    label=T("EORTC-STBSG score derived from % viable tumour",
            "根据存活肿瘤比例推导的 EORTC-STBSG 评分"),
    outputs=("PATH.EORTCDER",),
    inputs=("PATH.PCTVIAB",),
    method=T(
        "PCTVIAB = 0 → A; 0 < x < 1 → B; 1 ≤ x < 10 → C; 10 ≤ x < 50 → D; ≥ 50 → E.",
        "存活肿瘤比例 PCTVIAB = 0 → A；0 < x < 1 → B；1 ≤ x < 10 → C；10 ≤ x < 50 → D；"
        "≥ 50 → E。",
    ),
    function=_derive_class,
)

D13 = Derivation(
    id="D-13",
    label=T("Primary endpoint: EORTC-STBSG response A–C", "主要终点：EORTC-STBSG 反应 A–C"),
    outputs=(),
    inputs=(
        "PATH.EORTCSC", "PATH.CENTREVSC", "SURG.SURGYN", "RT.FX.FXGIVEN", "RT.RTCOMPL",
        "CT.CYGIVEN",
    ),
    method=T(
        "EORTCFIN = the reviewer's CENTREVSC if present, otherwise EORTCSC. For subjects who "
        "received ≥1 RT fraction (TRTFL = Y): RESP_AC = Y if EORTCFIN ∈ {A, B, C}, N if ∈ "
        "{D, E}; no surgery, no evaluable pathology, or end of study or death without a score "
        "→ N (non-responder). PCRFL = Y if EORTCFIN = A. PPROTFL = Y if RT complete, all "
        "cycles given, surgery done and a final score exists.",
        "EORTCFIN = 复核者评分 CENTREVSC（如有），否则为 EORTCSC。对接受 ≥1 次放疗的受试者"
        "（TRTFL = Y）：EORTCFIN ∈ {A, B, C} 时 RESP_AC = Y，∈ {D, E} 时为 N；未手术、无可评估"
        "病理、或研究结束/死亡时仍无评分 → N（无反应者）。EORTCFIN = A 时 PCRFL = Y。放疗完成、"
        "全部周期已给药、已手术且有最终评分时 PPROTFL = Y。",
    ),
    function=_derive_endpoint,
    subject_outputs=("EORTCFIN", "RESP_AC", "PCRFL", "TRTFL", "PPROTFL"),
)

DERIVATIONS = (D_PATH_PCTSUM, D12, D13)
