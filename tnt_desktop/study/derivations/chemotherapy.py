"""Chemotherapy (form CT in SE.C1/SE.C2/SE.C3, rows DOXADM and IFOADM).

D-CT-CYCNUM, D-CT-CYPLDAT (CYPLDAT, CYDELAY), D-CT-CYBSA, D-CT-CONFIG, D-09 (planned and actual
doses, cumulative doxorubicin, relative dose intensity, CYDOSEDEV), D-10 CHEMOEND and D-11
CHEMOPERIODEND (with clarification 15).

Rounding follows clarification 17: every dose derivation uses the stored, rounded CYBSA of its
cycle; the dose functions return exact values and the derivation rounds once, to the item's
decimals; cumulative sums add unrounded per-cycle values and round once at the end.

`chemo_end` and `chemo_period_end` are imported by the timing checks; keep their signatures.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tnt_desktop.study.derivations._common import (
    YES,
    as_date,
    as_decimal,
    latest,
    out,
    subject_value,
    yn,
)
from tnt_desktop.study.derivations.demographics import bsa
from tnt_desktop.study.derivations.radiotherapy import rt_dates
from tnt_desktop.study.model import Derivation, DerivedValue, T
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import FormRecord, SubjectData
from tnt_desktop.study.values import round_half_up

DOX_ROWS = "DOXADM"
IFO_ROWS = "IFOADM"
_CYCLE_EVENT = re.compile(r"^SE\.C(\d+)$")

# chemo_period_end bases
BASIS_C3 = "C3"
BASIS_LAST_CYCLE = "LAST_CYCLE"
BASIS_RT = "RT"
BASIS_NONE = "NONE"


# --- cycles --------------------------------------------------------------------------------


def cycle_number(event: str) -> int | None:
    """SE.C1 → 1, SE.C2 → 2, SE.C3 → 3; None for any other event."""
    match = _CYCLE_EVENT.match(event)
    return int(match.group(1)) if match else None


def cycle_records(subject: SubjectData) -> list[FormRecord]:
    """The CT instances of the cycle events, in cycle order."""
    records = [r for r in subject.forms("CT") if cycle_number(r.event) is not None]
    return sorted(records, key=lambda r: cycle_number(r.event) or 0)


def cycle_given(record: FormRecord) -> bool:
    return record.values.get("CYGIVEN") == YES


def given_cycles(subject: SubjectData) -> list[FormRecord]:
    """The cycles recorded as started (CYGIVEN = Y), in cycle order."""
    return [r for r in cycle_records(subject) if cycle_given(r)]


# --- dose arithmetic (exact; the derivations round) -----------------------------------------


def reduction_fraction(reduced: object, level: object, other: object = None) -> Decimal | None:
    """The documented reduction as a fraction: 0 unless reduced = "Y"; the REDPCT level
    ("20" → 0.20) or, for "OTHER", the percentage typed in `other`. None when unknown."""
    if reduced != YES:
        return Decimal(0)
    pct = as_decimal(other) if level == "OTHER" else as_decimal(level)
    if pct is None or not Decimal(0) <= pct < Decimal(100):
        return None
    return pct / Decimal(100)


def planned_dose(
    per_m2: object, bsa_m2: object, reduction: Decimal | None = Decimal(0)
) -> Decimal | None:
    """Planned per m² × BSA × (1 − reduction), exact."""
    dose, area = as_decimal(per_m2), as_decimal(bsa_m2)
    if dose is None or area is None or reduction is None:
        return None
    return dose * area * (Decimal(1) - reduction)


def total_administered(rows: Sequence[Mapping[str, Any]]) -> Decimal | None:
    """Σ EXDOSE of the administration rows; None with no rows or a row without a dose."""
    doses = [as_decimal(row.get("EXDOSE")) for row in rows]
    if not doses or None in doses:
        return None
    return sum(doses, Decimal(0))  # type: ignore[arg-type]


def dose_per_m2(total: object, bsa_m2: object) -> Decimal | None:
    amount, area = as_decimal(total), as_decimal(bsa_m2)
    if amount is None or area is None or area <= 0:
        return None
    return amount / area


def deviates(actual: Decimal | None, planned: Decimal | None, pct: Decimal) -> bool | None:
    """|actual − planned| / planned > pct %; None when either is unknown."""
    if actual is None or planned is None or planned <= 0:
        return None
    return abs(actual - planned) / planned * Decimal(100) > pct


def relative_dose_intensity(
    actual_per_m2: Decimal, planned_per_m2: Decimal, planned_days: int, actual_days: int
) -> Decimal | None:
    """(Σ actual per m²) ÷ (Σ planned per m²) × (planned elapsed days ÷ actual elapsed days)."""
    if planned_per_m2 <= 0 or actual_days <= 0:
        return None
    return actual_per_m2 / planned_per_m2 * Decimal(planned_days) / Decimal(actual_days)


def computed_cycle_bsa(
    record: FormRecord, subject: SubjectData, params: StudyParameters
) -> Decimal | None:
    """CYBSA: the configured formula from CYWEIGHT and the baseline height, capped if the study
    parameter `bsa_cap_m2` is set."""
    dm = subject.form("DM")
    height = as_decimal(dm.values.get("HEIGHT")) if dm else None
    weight = as_decimal(record.values.get("CYWEIGHT"))
    if height is None or weight is None or height <= 0 or weight <= 0:
        return None
    return bsa(height, weight, params.bsa_formula, params.bsa_cap_m2)


def cycle_bsa(record: FormRecord, subject: SubjectData, params: StudyParameters) -> Decimal | None:
    """The stored, rounded CYBSA of the cycle (clarification 17); computed when not stored."""
    stored = as_decimal(record.values.get("CYBSA"))
    return stored if stored is not None else computed_cycle_bsa(record, subject, params)


@dataclass(frozen=True)
class CycleDoses:
    """One cycle's doses, exact (mg doxorubicin, g ifosfamide)."""

    cycle: int
    given: bool
    d1: date | None
    bsa: Decimal | None
    dox_planned: Decimal | None
    dox_actual: Decimal | None
    ifo_planned: Decimal | None
    ifo_actual: Decimal | None

    @property
    def dox_actual_m2(self) -> Decimal | None:
        return dose_per_m2(self.dox_actual, self.bsa)

    @property
    def ifo_actual_m2(self) -> Decimal | None:
        return dose_per_m2(self.ifo_actual, self.bsa)


def cycle_doses(record: FormRecord, subject: SubjectData, params: StudyParameters) -> CycleDoses:
    v = record.values
    area = cycle_bsa(record, subject, params)
    dox_red = reduction_fraction(v.get("DOXRED"), v.get("DOXREDPCT"), v.get("DOXREDOTH"))
    ifo_red = reduction_fraction(v.get("IFORED"), v.get("IFOREDPCT"), v.get("IFOREDOTH"))
    return CycleDoses(
        cycle=cycle_number(record.event) or 0,
        given=cycle_given(record),
        d1=as_date(v.get("CYD1DAT")),
        bsa=area,
        dox_planned=planned_dose(params.dox_mg_m2_per_cycle, area, dox_red),
        dox_actual=total_administered(record.group_rows(DOX_ROWS)),
        ifo_planned=planned_dose(params.ifo_g_m2_per_cycle, area, ifo_red),
        ifo_actual=total_administered(record.group_rows(IFO_ROWS)),
    )


@dataclass(frozen=True)
class DoseSummary:
    """D-09 for one cycle (exact values; `as_values` rounds to the items' decimals)."""

    dox_planned: Decimal | None = None  # DOXPLMG, mg
    dox_actual: Decimal | None = None  # DOXACTMG, mg
    dox_actual_m2: Decimal | None = None  # DOXACTM2
    dox_cumulative_m2: Decimal | None = None  # DOXCUM
    ifo_planned: Decimal | None = None  # IFOPLG, g
    ifo_actual: Decimal | None = None  # IFOACTG, g
    ifo_actual_m2: Decimal | None = None  # IFOACTM2
    deviation: bool | None = None  # CYDOSEDEV
    dox_rdi: Decimal | None = None
    ifo_rdi: Decimal | None = None

    @property
    def rdi(self) -> Decimal | None:
        """CYRDI: the lower of the two drugs' RDI (None unless both are known)."""
        if self.dox_rdi is None or self.ifo_rdi is None:
            return None
        return min(self.dox_rdi, self.ifo_rdi)

    def as_values(self) -> dict[str, Any]:
        def r(number: Decimal | None, decimals: int) -> Decimal | None:
            return None if number is None else round_half_up(number, decimals)

        return {
            "DOXPLMG": r(self.dox_planned, 1),
            "DOXACTMG": r(self.dox_actual, 1),
            "DOXACTM2": r(self.dox_actual_m2, 1),
            "DOXCUM": r(self.dox_cumulative_m2, 1),
            "IFOPLG": r(self.ifo_planned, 2),
            "IFOACTG": r(self.ifo_actual, 2),
            "IFOACTM2": r(self.ifo_actual_m2, 2),
            "CYDOSEDEV": yn(self.deviation),
            "DOXRDI": r(self.dox_rdi, 2),
            "IFORDI": r(self.ifo_rdi, 2),
            "CYRDI": r(self.rdi, 2),
        }


D09_ITEMS = ("DOXPLMG", "DOXACTMG", "DOXACTM2", "DOXCUM", "IFOPLG", "IFOACTG", "IFOACTM2",
             "CYDOSEDEV", "DOXRDI", "IFORDI", "CYRDI")  # fmt: skip


def _cumulative(values: list[Decimal | None]) -> Decimal | None:
    if not values or None in values:
        return None
    return sum(values, Decimal(0))  # type: ignore[arg-type]


def _rdi(
    history: list[CycleDoses], current: CycleDoses, per_m2: list[Decimal | None],
    planned_per_cycle: Decimal, params: StudyParameters,
) -> Decimal | None:
    """Cumulative RDI from the first given cycle to `current` (history = given cycles up to
    and including current, in order; per_m2 = their actual doses per m²)."""
    first = history[0]
    actual_sum = _cumulative(per_m2)
    if actual_sum is None or first.d1 is None or current.d1 is None:
        return None
    span = current.cycle - first.cycle + 1
    planned_days = span * params.cycle_length_days
    actual_days = (current.d1 - first.d1).days + params.cycle_length_days
    return relative_dose_intensity(
        actual_sum, planned_per_cycle * span, planned_days, actual_days
    )


def dose_summary(
    subject: SubjectData, params: StudyParameters, cycle: int
) -> DoseSummary | None:
    """D-09 for cycle `cycle`; None when that cycle is absent or was not given."""
    doses = [cycle_doses(r, subject, params) for r in cycle_records(subject)]
    current = next((d for d in doses if d.cycle == cycle), None)
    if current is None or not current.given:
        return None
    history = [d for d in doses if d.given and d.cycle <= cycle]
    dox_m2 = [d.dox_actual_m2 for d in history]
    ifo_m2 = [d.ifo_actual_m2 for d in history]
    pct = params.dose_deviation_pct
    flags = [deviates(current.dox_actual, current.dox_planned, pct),
             deviates(current.ifo_actual, current.ifo_planned, pct)]
    deviation = True if True in flags else (None if None in flags else False)
    return DoseSummary(
        dox_planned=current.dox_planned,
        dox_actual=current.dox_actual,
        dox_actual_m2=current.dox_actual_m2,
        dox_cumulative_m2=_cumulative(dox_m2),
        ifo_planned=current.ifo_planned,
        ifo_actual=current.ifo_actual,
        ifo_actual_m2=current.ifo_actual_m2,
        deviation=deviation,
        dox_rdi=_rdi(history, current, dox_m2, params.dox_mg_m2_per_cycle, params),
        ifo_rdi=_rdi(history, current, ifo_m2, params.ifo_g_m2_per_cycle, params),
    )


def planned_day1(
    subject: SubjectData, params: StudyParameters, cycle: int
) -> date | None:
    """CYPLDAT: C1 = RTENDAT + `rt_to_c1_target` days; Cn = D1 of cycle n−1 + cycle length."""
    if cycle == 1:
        _, rt_end = rt_dates(subject)
        return None if rt_end is None else rt_end + timedelta(days=params.rt_to_c1_target)
    previous = next(
        (r for r in cycle_records(subject) if cycle_number(r.event) == cycle - 1), None
    )
    if previous is None or not cycle_given(previous):
        return None
    d1 = as_date(previous.values.get("CYD1DAT"))
    return None if d1 is None else d1 + timedelta(days=params.cycle_length_days)


def administration_dates(record: FormRecord) -> list[date]:
    return [
        day
        for group in (DOX_ROWS, IFO_ROWS)
        for row in record.group_rows(group)
        if (day := as_date(row.get("EXSTDAT"))) is not None
    ]


def chemo_end(subject: SubjectData) -> date | None:
    """D-10 CHEMOEND: the last doxorubicin/ifosfamide administration date of the last cycle
    given; None when no cycle was given or that cycle has no dated row yet."""
    given = given_cycles(subject)
    if not given:
        return None
    return latest(administration_dates(given[-1]))


def chemo_period_end(subject: SubjectData, params: StudyParameters) -> tuple[date | None, str]:
    """D-11 CHEMOPERIODEND with clarification 15: (reference date, basis).

    - "C3": cycle 3 (the last planned cycle, `n_cycles`) was given → its D1 + `chemo_period_days`;
    - "LAST_CYCLE": fewer cycles were given → the last given cycle's D1 + `chemo_period_days`;
    - "RT": no cycle was given → the last RT fraction + `no_chemo_reference_days`;
    - "NONE": the date needed is not known. The date is None exactly when the basis is NONE.
    """
    given = given_cycles(subject)
    if given:
        last = given[-1]
        d1 = as_date(last.values.get("CYD1DAT"))
        if d1 is None:
            return None, BASIS_NONE
        number = cycle_number(last.event) or 0
        basis = BASIS_C3 if number >= params.n_cycles else BASIS_LAST_CYCLE
        return d1 + timedelta(days=params.chemo_period_days), basis
    _, rt_end = rt_dates(subject)
    if rt_end is not None:
        return rt_end + timedelta(days=params.no_chemo_reference_days), BASIS_RT
    return None, BASIS_NONE


# --- derivations ---------------------------------------------------------------------------


def _derive_cycnum(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    return [out(r, "CYCNUM", cycle_number(r.event)) for r in subject.forms("CT")]


def _derive_config(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("CT"):
        results += [
            out(record, "DOXPLM2", round_half_up(params.dox_mg_m2_per_cycle, 1)),
            out(record, "DOXSCHED", params.dox_schedule),
            out(record, "IFOPLM2", round_half_up(params.ifo_g_m2_per_cycle, 2)),
            out(record, "IFODAYS", params.ifo_days),
        ]
    return results


def _derive_cybsa(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    return [
        out(r, "CYBSA", computed_cycle_bsa(r, subject, params)) for r in subject.forms("CT")
    ]


def _derive_planned_date(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("CT"):
        number = cycle_number(record.event)
        planned = None if number is None else planned_day1(subject, params, number)
        d1 = as_date(record.values.get("CYD1DAT"))
        delay = None if planned is None or d1 is None else (d1 - planned).days
        results += [out(record, "CYPLDAT", planned), out(record, "CYDELAY", delay)]
    return results


def _derive_doses(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("CT"):
        number = cycle_number(record.event)
        summary = None if number is None else dose_summary(subject, params, number)
        values = (summary or DoseSummary()).as_values()
        results += [out(record, name, values[name]) for name in D09_ITEMS]
    return results


def _derive_chemo_end(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    return [subject_value("CHEMOEND", chemo_end(subject))]


def _derive_period_end(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    reference, basis = chemo_period_end(subject, params)
    return [subject_value("CHEMOPERIODEND", reference),
            subject_value("CHEMOPERIODBASIS", basis)]


D_CT_CYCNUM = Derivation(
    id="D-CT-CYCNUM",
    label=T("Cycle number", "化疗周期数"),
    outputs=("CT.CYCNUM",),
    inputs=(),
    method=T("From the event: SE.C1 → 1, SE.C2 → 2, SE.C3 → 3.",
             "由访视决定：SE.C1 → 1，SE.C2 → 2，SE.C3 → 3。"),
    function=_derive_cycnum,
)

D_CT_CONFIG = Derivation(
    id="D-CT-CONFIG",
    label=T("Planned regimen (study parameters)", "计划方案（研究参数）"),
    outputs=("CT.DOXPLM2", "CT.DOXSCHED", "CT.IFOPLM2", "CT.IFODAYS"),
    inputs=(),
    method=T(
        "Copied from the study parameters: doxorubicin mg/m² per cycle and schedule, "
        "ifosfamide g/m² per cycle and number of days.",
        "取自研究参数：多柔比星每周期 mg/m² 及给药方案、异环磷酰胺每周期 g/m² 及给药天数。",
    ),
    function=_derive_config,
)

D_CT_CYBSA = Derivation(
    id="D-CT-CYBSA",
    label=T("BSA used for dosing", "用于计算剂量的体表面积"),
    outputs=("CT.CYBSA",),
    inputs=("CT.CYWEIGHT", "DM.HEIGHT"),
    method=T(
        "BSA formula of the study parameters (Mosteller by default) from CYWEIGHT and the "
        "baseline HEIGHT, rounded half up to 2 decimals, then limited to the BSA cap if one "
        "is set.",
        "按研究参数规定的体表面积公式（默认 Mosteller），由 CYWEIGHT 及基线身高 HEIGHT 计算，"
        "四舍五入保留 2 位小数；如设置了体表面积上限则不超过该上限。",
    ),
    function=_derive_cybsa,
)

D_CT_CYPLDAT = Derivation(
    id="D-CT-CYPLDAT",
    label=T("Planned day 1 and delay", "计划 D1 日期及延迟天数"),
    outputs=("CT.CYPLDAT", "CT.CYDELAY"),
    inputs=("RT.RTENDAT", "RT.FX.FXDAT", "RT.FX.FXGIVEN", "CT.CYGIVEN", "CT.CYD1DAT"),
    method=T(
        "CYPLDAT: cycle 1 = RTENDAT + 7 days; cycle n = CYD1DAT of cycle n−1 + 21 days "
        "(study parameters). CYDELAY = CYD1DAT − CYPLDAT in days.",
        "CYPLDAT：第 1 周期 = RTENDAT + 7 天；第 n 周期 = 第 n−1 周期 CYD1DAT + 21 天"
        "（研究参数）。CYDELAY = CYD1DAT − CYPLDAT（天）。",
    ),
    function=_derive_planned_date,
)

D09 = Derivation(
    id="D-09",
    label=T("Chemotherapy doses and dose intensity", "化疗剂量与剂量强度"),
    outputs=tuple(f"CT.{name}" for name in D09_ITEMS),
    inputs=(
        "CT.CYGIVEN", "CT.CYD1DAT", "CT.CYBSA", "CT.DOXRED", "CT.DOXREDPCT", "CT.DOXREDOTH",
        "CT.IFORED", "CT.IFOREDPCT", "CT.IFOREDOTH", "CT.DOXADM.EXDOSE", "CT.IFOADM.EXDOSE",
    ),
    method=T(
        "With the stored CYBSA of the cycle: DOXPLMG = DOXPLM2 × CYBSA × (1 − reduction %); "
        "IFOPLG likewise; DOXACTMG / IFOACTG = Σ administration rows; DOXACTM2 = DOXACTMG / "
        "CYBSA, IFOACTM2 = IFOACTG / CYBSA. DOXCUM = Σ over the cycles given so far of the "
        "unrounded mg/m², rounded once. CYDOSEDEV = Y when either drug's actual dose differs "
        "from the planned dose by more than 10 % (study parameter). DOXRDI / IFORDI = (Σ actual "
        "per m²) ÷ (Σ planned per m²) × (planned elapsed days ÷ actual elapsed days), from "
        "cycle 1 to this cycle, elapsed days = D1 of this cycle − D1 of cycle 1 + 21; CYRDI = "
        "the lower of the two. Rounded half up to the item's decimals.",
        "使用本周期已保存的 CYBSA：DOXPLMG = DOXPLM2 × CYBSA × （1 − 减量 %）；IFOPLG 同理；"
        "DOXACTMG / IFOACTG = 各给药记录之和；DOXACTM2 = DOXACTMG / CYBSA，IFOACTM2 = "
        "IFOACTG / CYBSA。DOXCUM = 截至本周期各已给药周期未经舍入的 mg/m² 之和，最后一次"
        "舍入。任一药物实际剂量与计划剂量相差超过 10 %（研究参数）时 CYDOSEDEV = Y。"
        "DOXRDI / IFORDI = （Σ 实际每平方米剂量）÷（Σ 计划每平方米剂量）×（计划经过天数 ÷ "
        "实际经过天数），自第 1 周期累计至本周期，经过天数 = 本周期 D1 − 第 1 周期 D1 + 21；"
        "CYRDI 取两者较低值。按各项目小数位四舍五入。",
    ),
    function=_derive_doses,
)

D10 = Derivation(
    id="D-10",
    label=T("Last chemotherapy administration date", "末次化疗给药日期"),
    outputs=(),
    inputs=("CT.CYGIVEN", "CT.DOXADM.EXSTDAT", "CT.IFOADM.EXSTDAT"),
    method=T(
        "CHEMOEND = the latest EXSTDAT of the doxorubicin and ifosfamide rows of the last "
        "cycle given.",
        "CHEMOEND = 最后一个已给药周期的多柔比星和异环磷酰胺给药记录中最晚的 EXSTDAT。",
    ),
    function=_derive_chemo_end,
    subject_outputs=("CHEMOEND",),
)

D11 = Derivation(
    id="D-11",
    label=T("End of the chemotherapy period", "化疗期结束日期"),
    outputs=(),
    inputs=("CT.CYGIVEN", "CT.CYD1DAT", "RT.FX.FXDAT", "RT.FX.FXGIVEN", "RT.RTENDAT"),
    method=T(
        "CHEMOPERIODEND = C3D1 + 20 days when cycle 3 was given; with fewer cycles, D1 of the "
        "last cycle given + 20 days; with no cycle, the last RT fraction + 7 days (study "
        "parameters). CHEMOPERIODBASIS records which rule applied: C3, LAST_CYCLE, RT or NONE.",
        "第 3 周期已给药时 CHEMOPERIODEND = C3D1 + 20 天；给药周期较少时为最后一个已给药周期 "
        "D1 + 20 天；未给任何周期时为末次放疗 + 7 天（研究参数）。CHEMOPERIODBASIS 记录所用"
        "规则：C3、LAST_CYCLE、RT 或 NONE。",
    ),
    function=_derive_period_end,
    subject_outputs=("CHEMOPERIODEND", "CHEMOPERIODBASIS"),
)

DERIVATIONS = (D_CT_CYCNUM, D_CT_CONFIG, D_CT_CYBSA, D_CT_CYPLDAT, D09, D10, D11)
