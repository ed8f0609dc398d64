"""D-04 FNCLCC score, D-06 AJCC T, D-07 AJCC stage (form TUBL), D-TUPRE-TUPCHG (form TUPRE).

The cut-offs here are those of the FNCLCC grading system and of AJCC 8th edition
(trunk and extremity), not protocol parameters.
"""

from __future__ import annotations

from decimal import Decimal

from tnt_desktop.study.derivations._common import as_decimal, as_int, out
from tnt_desktop.study.model import Derivation, DerivedValue, T
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import SubjectData
from tnt_desktop.study.values import round_half_up

_T_LIMITS: tuple[tuple[Decimal, str], ...] = (
    (Decimal("5"), "T1"),
    (Decimal("10"), "T2"),
    (Decimal("15"), "T3"),
)
_LOW_GRADE = ("G1", "GX")  # GX is grouped with G1 (AJCC 8th)
_HIGH_GRADE = ("G2", "G3")


def fnclcc_score(diff: object, mit: object, nec: object) -> int | None:
    """Differentiation (1–3) + mitotic count (1–3) + necrosis (0–2); None when a component is
    missing or not assessable. Components may be ints or their codes ("2")."""
    d, m, n = as_int(diff), as_int(mit), as_int(nec)
    if d is None or m is None or n is None:
        return None
    if not (1 <= d <= 3 and 1 <= m <= 3 and 0 <= n <= 2):
        raise ValueError(f"FNCLCC components out of range: {diff!r}, {mit!r}, {nec!r}")
    return d + m + n


def fnclcc_grade(score: int | None) -> str:
    """2–3 → G1, 4–5 → G2, 6–8 → G3; no score → GX."""
    if score is None:
        return "GX"
    if 2 <= score <= 3:
        return "G1"
    if 4 <= score <= 5:
        return "G2"
    if 6 <= score <= 8:
        return "G3"
    raise ValueError(f"FNCLCC score {score} is outside 2–8")


def ajcc_t(maxd_cm: Decimal | int | float | str | None) -> str:
    """≤5 cm → T1; >5 to ≤10 → T2; >10 to ≤15 → T3; >15 → T4; missing → TX."""
    size = as_decimal(maxd_cm)
    if size is None:
        return "TX"
    for limit, category in _T_LIMITS:
        if size <= limit:
            return category
    return "T4"


def ajcc_stage(t: str | None, n: str | None, m: str | None, grade: str | None) -> str | None:
    """AJCC 8th prognostic stage group (CRF_SPEC.md §3.2). M1 → IV; N1 → IV; otherwise by T
    and grade with NX staged as N0 and GX as G1. None when the inputs do not determine it
    (TX, missing M, N or grade)."""
    if m == "M1" or n == "N1":
        return "IV"
    if m != "M0" or n not in ("N0", "NX"):
        return None
    if t not in ("T1", "T2", "T3", "T4"):
        return None
    if grade in _LOW_GRADE:
        return "IA" if t == "T1" else "IB"
    if grade in _HIGH_GRADE:
        return {"T1": "II", "T2": "IIIA"}.get(t, "IIIB")
    return None


def tumour_change_pct(baseline_cm: object, current_cm: object) -> Decimal | None:
    """(current − baseline) / baseline × 100, 1 decimal; negative = shrinkage."""
    base, now = as_decimal(baseline_cm), as_decimal(current_cm)
    if base is None or now is None or base <= 0:
        return None
    return round_half_up((now - base) / base * Decimal(100), 1)


# --- derivations ---------------------------------------------------------------------------


def _derive_score(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("TUBL"):
        v = record.values
        try:
            score = fnclcc_score(v.get("FNDIFF"), v.get("FNMIT"), v.get("FNNEC"))
        except ValueError:
            score = None
        results.append(out(record, "FNSCORE", score))
    return results


def _derive_t(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    return [out(r, "AJCC_T", ajcc_t(r.values.get("TUMAXD"))) for r in subject.forms("TUBL")]


def _derive_stage(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("TUBL"):
        v = record.values
        stage = ajcc_stage(v.get("AJCC_T"), v.get("AJCC_N"), v.get("AJCC_M"), v.get("FNGRADE"))
        results.append(out(record, "AJCC_STG", stage))
    return results


def _derive_change(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    baseline = subject.form("TUBL")
    base = None if baseline is None else baseline.values.get("TUMAXD")
    return [
        out(record, "TUPCHG", tumour_change_pct(base, record.values.get("TUMAXD")))
        for record in subject.forms("TUPRE")
    ]


D04 = Derivation(
    id="D-04",
    label=T("FNCLCC total score", "FNCLCC 总分"),
    outputs=("TUBL.FNSCORE",),
    inputs=("TUBL.FNDIFF", "TUBL.FNMIT", "TUBL.FNNEC"),
    method=T(
        "FNDIFF + FNMIT + FNNEC; blank when a component is missing or not assessable. The "
        "grade follows from the score: 2–3 → G1, 4–5 → G2, 6–8 → G3.",
        "FNDIFF + FNMIT + FNNEC；任一组分缺失或无法评估时为空。分级由总分决定：2–3 → G1，"
        "4–5 → G2，6–8 → G3。",
    ),
    function=_derive_score,
)

D06 = Derivation(
    id="D-06",
    label=T("AJCC 8th cT", "AJCC 第 8 版 cT 分期"),
    outputs=("TUBL.AJCC_T",),
    inputs=("TUBL.TUMAXD",),
    method=T(
        "TUMAXD ≤5 cm → T1; >5 to ≤10 → T2; >10 to ≤15 → T3; >15 → T4; missing → TX. May be "
        "overridden with a reason.",
        "TUMAXD ≤5 cm → T1；>5 至 ≤10 → T2；>10 至 ≤15 → T3；>15 → T4；缺失 → TX。"
        "可说明理由后修改。",
    ),
    function=_derive_t,
)

D07 = Derivation(
    id="D-07",
    label=T("AJCC 8th stage group", "AJCC 第 8 版分期"),
    outputs=("TUBL.AJCC_STG",),
    inputs=("TUBL.AJCC_T", "TUBL.AJCC_N", "TUBL.AJCC_M", "TUBL.FNGRADE"),
    method=T(
        "M1 → IV; N1 → IV; otherwise N0/NX, M0 and: T1 G1/GX → IA; T2–T4 G1/GX → IB; "
        "T1 G2/G3 → II; T2 G2/G3 → IIIA; T3–T4 G2/G3 → IIIB. Blank for TX or missing inputs.",
        "M1 → IV 期；N1 → IV 期；否则 N0/NX、M0 时：T1 G1/GX → IA；T2–T4 G1/GX → IB；"
        "T1 G2/G3 → II；T2 G2/G3 → IIIA；T3–T4 G2/G3 → IIIB。TX 或输入缺失时为空。",
    ),
    function=_derive_stage,
)

D_TUPRE_TUPCHG = Derivation(
    id="D-TUPRE-TUPCHG",
    label=T("Change in maximum diameter from baseline", "最大径较基线变化"),
    outputs=("TUPRE.TUPCHG",),
    inputs=("TUPRE.TUMAXD", "TUBL.TUMAXD"),
    method=T(
        "(TUPRE.TUMAXD − TUBL.TUMAXD) / TUBL.TUMAXD × 100, rounded half up to 1 decimal.",
        "（TUPRE.TUMAXD − TUBL.TUMAXD）/ TUBL.TUMAXD × 100，四舍五入保留 1 位小数。",
    ),
    function=_derive_change,
)

DERIVATIONS = (D04, D06, D07, D_TUPRE_TUPCHG)
