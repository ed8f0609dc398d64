"""Laboratory (form LB, rows LB): D-LB-LBORRESU, D-LB-LBNRIND (LBNRIND and the CTCAE v5.0 grade
LBCTCGR where CTCAE defines the grade by the value) and D-16 CrCl (Cockcroft–Gault).

The grade thresholds are those of CTCAE v5.0 (a published grading scale, not protocol
parameters), in the fixed SI units of F15.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from tnt_desktop.study.derivations._common import as_date, as_decimal, as_int, out, row_out
from tnt_desktop.study.derivations.chemotherapy import cycle_number
from tnt_desktop.study.derivations.demographics import age_at
from tnt_desktop.study.model import Derivation, DerivedValue, T
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import FormRecord, SubjectData
from tnt_desktop.study.values import round_half_up

LB = "LB"
D = Decimal


@dataclass(frozen=True)
class _Decrease:
    """Grade 1 below LLN, then grade g below each absolute threshold."""

    thresholds: tuple[tuple[Decimal, int], ...]


@dataclass(frozen=True)
class _Increase:
    """Grade 1 above ULN, then grade g above each multiple of ULN."""

    multiples: tuple[tuple[Decimal, int], ...]


@dataclass(frozen=True)
class _AtLeast:
    """Grade 1 at or above ULN, then grade g at or above each absolute threshold."""

    thresholds: tuple[tuple[Decimal, int], ...]


_Rule = _Decrease | _Increase | _AtLeast

# CTCAE v5.0 terms graded by value (units: 10⁹/L, g/L, µmol/L, U/L, mmol/L, g/24 h)
CTCAE_RULES: dict[str, _Rule] = {
    "NEUT": _Decrease(((D("1.5"), 2), (D("1.0"), 3), (D("0.5"), 4))),  # neutrophil count decr.
    "WBC": _Decrease(((D("3.0"), 2), (D("2.0"), 3), (D("1.0"), 4))),  # WBC decreased
    "PLAT": _Decrease(((D("75"), 2), (D("50"), 3), (D("25"), 4))),  # platelet count decreased
    "HGB": _Decrease(((D("100"), 2), (D("80"), 3))),  # anaemia (grade 4 is clinical)
    "ALB": _Decrease(((D("30"), 2), (D("20"), 3))),  # hypoalbuminaemia
    "GLUC": _Decrease(((D("3.0"), 2), (D("2.2"), 3), (D("1.7"), 4))),  # hypoglycaemia
    "ALT": _Increase(((D("3"), 2), (D("5"), 3), (D("20"), 4))),
    "AST": _Increase(((D("3"), 2), (D("5"), 3), (D("20"), 4))),
    "BILI": _Increase(((D("1.5"), 2), (D("3"), 3), (D("10"), 4))),
    "CREAT": _Increase(((D("1.5"), 2), (D("3"), 3), (D("6"), 4))),
    "UPROT": _AtLeast(((D("1.0"), 2), (D("3.5"), 3))),  # proteinuria, g/24 h
}


def normal_range_indicator(result: object, low: object, high: object) -> str | None:
    """LBNRIND: LOW below LLN, HIGH above ULN, NORMAL within; None without a result or range."""
    value, lln, uln = as_decimal(result), as_decimal(low), as_decimal(high)
    if value is None or (lln is None and uln is None):
        return None
    if lln is not None and value < lln:
        return "LOW"
    if uln is not None and value > uln:
        return "HIGH"
    return "NORMAL"


def ctcae_grade(test: str | None, result: object, low: object, high: object) -> int | None:
    """LBCTCGR: CTCAE v5.0 grade 0–4 for tests graded by value (baseline assumed normal);
    None for other tests or when the reference limit needed is missing."""
    rule = CTCAE_RULES.get(test or "")
    value, lln, uln = as_decimal(result), as_decimal(low), as_decimal(high)
    if rule is None or value is None:
        return None
    if isinstance(rule, _Decrease):
        grade = 0
        for threshold, g in rule.thresholds:
            if value < threshold:
                grade = g
        if grade == 0:
            if lln is None:
                return None
            grade = 1 if value < lln else 0
        return grade
    if uln is None or uln <= 0:
        if isinstance(rule, _AtLeast):
            grades = [g for threshold, g in rule.thresholds if value >= threshold]
            return max(grades) if grades else None
        return None
    if isinstance(rule, _Increase):
        grade = 1 if value > uln else 0
        for multiple, g in rule.multiples:
            if value > multiple * uln:
                grade = g
        return grade
    grade = 1 if value >= uln else 0
    for threshold, g in rule.thresholds:
        if value >= threshold:
            grade = g
    return grade


def crcl_cockcroft_gault(
    age_years: object, weight_kg: object, sex: str | None, creatinine_umol_l: object
) -> Decimal | None:
    """((140 − age) × weight kg × 1.23 for men | 1.04 for women) ÷ creatinine µmol/L, in mL/min,
    1 decimal."""
    age, weight, creat = as_int(age_years), as_decimal(weight_kg), as_decimal(creatinine_umol_l)
    factor = {"M": D("1.23"), "F": D("1.04")}.get(sex or "")
    if age is None or weight is None or creat is None or factor is None or creat <= 0:
        return None
    return round_half_up(D(140 - age) * weight * factor / creat, 1)


@cache
def test_units() -> dict[str, str]:
    """LBTEST code → its fixed unit key (the codelist's `unit` attribute, F15)."""
    from tnt_desktop.study.forms.f15_lb import CODELISTS

    for codelist in CODELISTS:
        if codelist.name == "LBTEST":
            return {item.code: unit for item in codelist.items
                    if (unit := item.attr("unit")) is not None}
    return {}


def _lab_age(subject: SubjectData, on: date | None) -> int | None:
    dm = subject.form("DM")
    if dm is None:
        return None
    birth = as_date(dm.values.get("BRTHDAT"))
    if birth is not None and on is not None:
        return age_at(birth, on)
    return as_int(dm.values.get("AGE"))


def _lab_weight(subject: SubjectData, record: FormRecord) -> Decimal | None:
    """The weight of the cycle for labs of a cycle event, otherwise the baseline weight."""
    if cycle_number(record.event) is not None:
        ct = subject.form("CT", record.event)
        weight = None if ct is None else as_decimal(ct.values.get("CYWEIGHT"))
        if weight is not None:
            return weight
    dm = subject.form("DM")
    return None if dm is None else as_decimal(dm.values.get("WEIGHT"))


def lab_crcl(subject: SubjectData, record: FormRecord) -> Decimal | None:
    """CRCL of one LB instance, from its CREAT row, age on the sample date, weight and sex."""
    creat = next((row.get("LBORRES") for row in record.group_rows(LB)
                  if row.get("LBTESTCD") == "CREAT"), None)
    dm = subject.form("DM")
    sex = None if dm is None else dm.values.get("SEX")
    age = _lab_age(subject, as_date(record.values.get("LBDAT")))
    return crcl_cockcroft_gault(age, _lab_weight(subject, record), sex, creat)


# --- derivations ---------------------------------------------------------------------------


def _derive_units(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    units = test_units()
    return [
        row_out(record, LB, index, "LBORRESU", units.get(row.get("LBTESTCD") or ""))
        for record in subject.forms("LB")
        for index, row in enumerate(record.group_rows(LB))
    ]


def _derive_indicators(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("LB"):
        for index, row in enumerate(record.group_rows(LB)):
            result, low, high = row.get("LBORRES"), row.get("LBORNRLO"), row.get("LBORNRHI")
            results += [
                row_out(record, LB, index, "LBNRIND", normal_range_indicator(result, low, high)),
                row_out(record, LB, index, "LBCTCGR",
                        ctcae_grade(row.get("LBTESTCD"), result, low, high)),
            ]
    return results


def _derive_crcl(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    return [out(r, "CRCL", lab_crcl(subject, r)) for r in subject.forms("LB")]


D_LB_LBORRESU = Derivation(
    id="D-LB-LBORRESU",
    label=T("Unit of the laboratory result", "检验结果单位"),
    outputs=("LB.LB.LBORRESU",),
    inputs=("LB.LB.LBTESTCD",),
    method=T("The fixed SI unit of the test (the LBTEST code's unit).",
             "该检查项目的固定国际单位（取自 LBTEST 编码的单位）。"),
    function=_derive_units,
)

D_LB_LBNRIND = Derivation(
    id="D-LB-LBNRIND",
    label=T("Reference range indicator and CTCAE grade", "参考范围判定及 CTCAE 分级"),
    outputs=("LB.LB.LBNRIND", "LB.LB.LBCTCGR"),
    inputs=("LB.LB.LBTESTCD", "LB.LB.LBORRES", "LB.LB.LBORNRLO", "LB.LB.LBORNRHI"),
    method=T(
        "LBNRIND: LOW if LBORRES < LBORNRLO, HIGH if > LBORNRHI, otherwise NORMAL. LBCTCGR: "
        "CTCAE v5.0 grade 0–4 by value for neutrophils, WBC, platelets, haemoglobin, albumin, "
        "glucose (low), ALT, AST, bilirubin, creatinine (× ULN) and urine protein; blank for "
        "other tests.",
        "LBNRIND：LBORRES < LBORNRLO 为 LOW，> LBORNRHI 为 HIGH，否则为 NORMAL。LBCTCGR：按 "
        "CTCAE 5.0 版数值标准分级（0–4 级），适用于中性粒细胞、白细胞、血小板、血红蛋白、白蛋白、"
        "血糖（降低）、ALT、AST、胆红素、肌酐（× ULN）及尿蛋白；其他项目为空。",
    ),
    function=_derive_indicators,
)

D16 = Derivation(
    id="D-16",
    label=T("Creatinine clearance (Cockcroft–Gault)", "肌酐清除率（Cockcroft–Gault 公式）"),
    outputs=("LB.CRCL",),
    inputs=("LB.LBDAT", "LB.LB.LBTESTCD", "LB.LB.LBORRES", "DM.BRTHDAT", "DM.AGE", "DM.SEX",
            "DM.WEIGHT", "CT.CYWEIGHT"),
    method=T(
        "((140 − age on the sample date) × weight kg × 1.23 for men or 1.04 for women) ÷ serum "
        "creatinine µmol/L, 1 decimal; weight of the cycle for cycle labs, otherwise baseline.",
        "（140 − 采样日年龄）× 体重 kg × 1.23（男性）或 1.04（女性）÷ 血清肌酐 µmol/L，保留 "
        "1 位小数；化疗周期的检查用该周期体重，其余用基线体重。",
    ),
    function=_derive_crcl,
)

DERIVATIONS = (D_LB_LBORRESU, D_LB_LBNRIND, D16)
