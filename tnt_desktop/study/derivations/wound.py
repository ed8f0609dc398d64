"""Wound complications (form WND in the repeating event SE.WND, rows WC): D-WND-WNDPOD and
D-14 (row level WCPOD, WCMAJ90, WCMAJ120, WCPACKDUR; subject level ANYWC90, MWC90, MWC120,
MWCDAT, WCEVAL, WCINCFU)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from tnt_desktop.study.derivations._common import (
    NO,
    YES,
    as_date,
    days_between,
    earliest,
    latest,
    out,
    row_out,
    subject_value,
    yn,
)
from tnt_desktop.study.derivations.surgery import surgery_date
from tnt_desktop.study.model import Derivation, DerivedValue, T
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import PartialDate, SubjectData

WC = "WC"
MWC_CRITERIA = ("WCREOP", "WCINVPR", "WCREADM", "WCPACK")  # SR2 criteria (a)–(d)


def post_op_day(day: date | None, surgery: date | None) -> int | None:
    """day − SURGDAT (the day of surgery is post-operative day 0)."""
    return days_between(surgery, day)


def is_major(row: Mapping[str, Any]) -> bool | None:
    """A complication meeting any SR2 criterion (a)–(d) is major; None while a criterion is
    unanswered and none is Y."""
    answers = [row.get(name) for name in MWC_CRITERIA]
    if YES in answers:
        return True
    if all(answer == NO for answer in answers):
        return False
    return None


def major_within(major: bool | None, pod: int | None, limit: int) -> bool | None:
    """WCMAJ90 / WCMAJ120: major and onset on or before post-operative day `limit`."""
    if major is False or (pod is not None and pod > limit):
        return False
    if major is None or pod is None:
        return None
    return True


def packing_duration(start: date | None, end: date | None) -> int | None:
    """WCPACKDUR: WCPACKENDAT − WCPACKSTDAT in days."""
    return days_between(start, end)


@dataclass(frozen=True)
class MwcSummary:
    """Subject-level wound-complication outcome (§6.2)."""

    evaluable: str | None = None  # WCEVAL: Y with surgery, N without
    any_wc90: str | None = None  # ANYWC90: any wound complication with onset ≤ day 90
    mwc90: str | None = None  # MWC90
    mwc120: str | None = None  # MWC120
    first_mwc: date | None = None  # MWCDAT: onset of the first MWC ≤ day 120
    incomplete_followup: str | None = None  # WCINCFU: < 90 days observed and no MWC90
    # clarification 22: why MWC90 / MWC120 are empty although the subject had surgery
    mwc90_reason: str | None = None
    mwc120_reason: str | None = None

    def reasons(self) -> dict[str, str]:
        """Reasons for missing of the subject-level values (`<NAME>_MISSING` in the export)."""
        pairs = (("MWC90", self.mwc90_reason), ("MWC120", self.mwc120_reason))
        return {name: reason for name, reason in pairs if reason}

    def as_values(self) -> dict[str, Any]:
        return {
            "WCEVAL": self.evaluable,
            "ANYWC90": self.any_wc90,
            "MWC90": self.mwc90,
            "MWC120": self.mwc120,
            "MWCDAT": self.first_mwc,
            "WCINCFU": self.incomplete_followup,
        }


NOT_EVALUABLE = "NOT EVALUABLE"  # the reason of clarification 22
SUMMARY_ITEMS = ("WCEVAL", "ANYWC90", "MWC90", "MWC120", "MWCDAT", "WCINCFU")


def _any(flags: list[bool | None]) -> bool | None:
    if True in flags:
        return True
    if None in flags:
        return None
    return False


def last_observation(subject: SubjectData, cutoff: date | None = None) -> date | None:
    """The last date the subject was observed after surgery: wound checks, follow-up
    contacts, the date last known alive, or death — never later than the data cut-off."""
    dates: list[date | None] = [as_date(r.values.get("WNDDAT")) for r in subject.forms("WND")]
    dates += [as_date(r.values.get("FUDAT")) for r in subject.forms("FU")]
    eos = subject.form("EOS")
    if eos is not None:
        dates.append(as_date(eos.values.get("LASTCONT")))
    dth = subject.form("DTH")
    if dth is not None:
        death = dth.values.get("DTHDAT")
        if isinstance(death, PartialDate):
            dates.append(death.earliest())
        else:
            dates.append(as_date(death))
    last = latest(dates)
    if last is not None and cutoff is not None and last > cutoff:
        return cutoff
    return last


def study_ended(subject: SubjectData) -> bool:
    """The subject's participation is over: end of study or withdrawal recorded on F13
    (EOSDAT, EOSSTAT or a treatment disposition of consent withdrawn)."""
    eos = subject.form("EOS")
    if eos is None:
        return False
    values = eos.values
    return bool(values.get("EOSDAT") or values.get("EOSSTAT")
                or values.get("EOTSTAT") == "CONSENT_WITHDRAWN")


def mwc_summary(subject: SubjectData, params: StudyParameters,
                cutoff: date | None = None) -> MwcSummary:  # fmt: skip
    """ANYWC90, MWC90, MWC120, first MWC date, WCEVAL and the incomplete follow-up flag.

    Complications count by their onset date (clarification 16), from the WC rows of every
    wound assessment; onsets after the data cut-off do not count (clarification 23).
    Subjects without surgery (SURGYN = N, or no SURGDAT at end of study or withdrawal,
    clarification 19) are not evaluable (WCEVAL = N, the rest blank). WCINCFU = Y for a subject
    with surgery, no MWC ≤ day 90 and less than 90 days observed.

    Clarification 22: MWC90 (MWC120) is empty, with the reason "NOT EVALUABLE", for a subject
    without a major complication in the window whose observation (up to the cut-off) covers
    fewer than 90 (120) post-operative days — operated fewer than 90 (120) days before the
    cut-off, or WCINCFU = Y. A complication that did occur in the window is known whatever
    the follow-up, so MWC90 = Y stays Y.
    """
    surg = subject.form("SURG")
    if surg is not None and surg.values.get("SURGYN") == NO:
        return MwcSummary(evaluable=NO)
    surgery = surgery_date(subject)
    if surgery is None:
        # clarification 19: no SURGDAT at end of study or withdrawal → not evaluable
        return MwcSummary(evaluable=NO) if study_ended(subject) else MwcSummary()
    if cutoff is not None and surgery > cutoff:
        return MwcSummary()
    short, long = params.mwc_days
    rows = [row for record in subject.forms("WND") for row in record.group_rows(WC)
            if cutoff is None or (as_date(row.get("WCSTDAT")) or cutoff) <= cutoff]
    pods = [post_op_day(as_date(row.get("WCSTDAT")), surgery) for row in rows]
    majors = [is_major(row) for row in rows]
    any_wc = _any([None if pod is None else pod <= short for pod in pods])
    mwc_short = _any([major_within(m, p, short) for m, p in zip(majors, pods, strict=True)])
    mwc_long = _any([major_within(m, p, long) for m, p in zip(majors, pods, strict=True)])
    first = earliest(
        as_date(row.get("WCSTDAT"))
        for row, m, p in zip(rows, majors, pods, strict=True)
        if major_within(m, p, long)
    )
    observed = days_between(surgery, last_observation(subject, cutoff))
    if cutoff is not None:
        since = days_between(surgery, cutoff)
        observed = since if observed is None else min(observed, since)
    if mwc_short is None:
        incomplete = None
    else:
        incomplete = not mwc_short and (observed is None or observed < short)
    reasons: dict[int, str | None] = {}
    for window, flag in ((short, mwc_short), (long, mwc_long)):
        short_of = observed is None or observed < window
        reasons[window] = NOT_EVALUABLE if flag is False and short_of else None
    return MwcSummary(
        evaluable=YES,
        any_wc90=yn(any_wc),
        mwc90=None if reasons[short] else yn(mwc_short),
        mwc120=None if reasons[long] else yn(mwc_long),
        first_mwc=first,
        incomplete_followup=yn(incomplete),
        mwc90_reason=reasons[short],
        mwc120_reason=reasons[long],
    )


# --- derivations ---------------------------------------------------------------------------


def _derive_wndpod(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    surgery = surgery_date(subject)
    return [
        out(r, "WNDPOD", post_op_day(as_date(r.values.get("WNDDAT")), surgery))
        for r in subject.forms("WND")
    ]


def _derive_wc(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    surgery = surgery_date(subject)
    short, long = params.mwc_days
    results = []
    for record in subject.forms("WND"):
        for index, row in enumerate(record.group_rows(WC)):
            pod = post_op_day(as_date(row.get("WCSTDAT")), surgery)
            major = is_major(row)
            duration = packing_duration(as_date(row.get("WCPACKSTDAT")),
                                        as_date(row.get("WCPACKENDAT")))
            results += [
                row_out(record, WC, index, "WCPOD", pod),
                row_out(record, WC, index, "WCMAJ90", yn(major_within(major, pod, short))),
                row_out(record, WC, index, "WCMAJ120", yn(major_within(major, pod, long))),
                row_out(record, WC, index, "WCPACKDUR", duration),
            ]
    results += [subject_value(k, v) for k, v in mwc_summary(subject, params).as_values().items()]
    return results


D_WND_WNDPOD = Derivation(
    id="D-WND-WNDPOD",
    label=T("Post-operative day of the wound assessment", "伤口评估的术后天数"),
    outputs=("WND.WNDPOD",),
    inputs=("WND.WNDDAT", "SURG.SURGDAT"),
    method=T("WNDDAT − SURGDAT in days.", "WNDDAT − SURGDAT（天）。"),
    function=_derive_wndpod,
)

D14 = Derivation(
    id="D-14",
    label=T("Major wound complications", "主要伤口并发症"),
    outputs=("WND.WC.WCPOD", "WND.WC.WCMAJ90", "WND.WC.WCMAJ120", "WND.WC.WCPACKDUR"),
    inputs=(
        "WND.WC.WCSTDAT", "WND.WC.WCREOP", "WND.WC.WCINVPR", "WND.WC.WCREADM", "WND.WC.WCPACK",
        "WND.WC.WCPACKSTDAT", "WND.WC.WCPACKENDAT", "WND.WNDDAT", "SURG.SURGYN", "SURG.SURGDAT",
        "FU.FUDAT", "EOS.LASTCONT", "DTH.DTHDAT", "EOS.EOSDAT", "EOS.EOSSTAT", "EOS.EOTSTAT",
    ),
    method=T(
        "Per event: WCPOD = WCSTDAT − SURGDAT; major if any of WCREOP, WCINVPR, WCREADM, "
        "WCPACK = Y; WCMAJ120 / WCMAJ90 = major with WCPOD ≤ 120 / ≤ 90 (study parameters); "
        "WCPACKDUR = WCPACKENDAT − WCPACKSTDAT. Per subject: ANYWC90 (any complication with "
        "onset ≤ day 90), MWC90, MWC120, MWCDAT (onset of the first MWC ≤ day 120); WCEVAL = N "
        "without surgery (SURGYN = N, or no SURGDAT at end of study or withdrawal); "
        "WCINCFU = Y when less than 90 days were observed after surgery and no MWC90 occurred. "
        "MWC90 (MWC120) is empty and NOT EVALUABLE when no MWC occurred in the window and "
        "fewer than 90 (120) post-operative days are observed up to the data cut-off; "
        "complications with onset after the cut-off do not count.",
        "每个事件：WCPOD = WCSTDAT − SURGDAT；WCREOP、WCINVPR、WCREADM、WCPACK 任一为“是”即为"
        "主要并发症；WCMAJ120 / WCMAJ90 = 主要并发症且 WCPOD ≤ 120 / ≤ 90（研究参数）；"
        "WCPACKDUR = WCPACKENDAT − WCPACKSTDAT。每位受试者：ANYWC90（术后 ≤90 天发生的任何"
        "并发症）、MWC90、MWC120、MWCDAT（≤120 天内首个主要并发症的发生日期）；未手术者"
        "（SURGYN = N，或研究结束/退出时仍无 SURGDAT）WCEVAL = N；"
        "术后观察不足 90 天且无 MWC90 时 WCINCFU = Y。"
        "窗口内无主要并发症且截至数据截止日观察不足 90（120）天时，MWC90（MWC120）为空，"
        "原因为“不可评估”（NOT EVALUABLE）；数据截止日之后发生的并发症不计入。",
    ),
    function=_derive_wc,
    subject_outputs=SUMMARY_ITEMS,
)

DERIVATIONS = (D_WND_WNDPOD, D14)
