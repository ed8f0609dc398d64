"""D-01 AGE, D-02 BSA (Mosteller or DuBois) and BSAMETH, D-03 BMI (form DM)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tnt_desktop.study.derivations._common import as_date, as_decimal, out, value
from tnt_desktop.study.model import Derivation, DerivedValue, T
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import SubjectData
from tnt_desktop.study.values import round_half_up

Number = Decimal | int | float | str

MOSTELLER = "MOSTELLER"
DUBOIS = "DUBOIS"


def age_at(birth: date, on: date) -> int:
    """Completed calendar years from `birth` to `on` (not days / 365).

    The birthday counts as reached when (month, day) of `on` is not before that of `birth`; a
    29 February birthday is therefore reached on 1 March in a non-leap year.
    """
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def _positive(name: str, number: Number) -> Decimal:
    result = as_decimal(number)
    if result is None or result <= 0:
        raise ValueError(f"{name} must be a positive number, not {number!r}")
    return result


def bsa_mosteller_exact(height_cm: Number, weight_kg: Number) -> Decimal:
    """√(height cm × weight kg / 3600), unrounded."""
    h, w = _positive("height", height_cm), _positive("weight", weight_kg)
    return (h * w / Decimal(3600)).sqrt()


def bsa_dubois_exact(height_cm: Number, weight_kg: Number) -> Decimal:
    """0.007184 × H^0.725 × W^0.425, unrounded."""
    h, w = _positive("height", height_cm), _positive("weight", weight_kg)
    return Decimal("0.007184") * h ** Decimal("0.725") * w ** Decimal("0.425")


def bsa_mosteller(height_cm: Number, weight_kg: Number) -> Decimal:
    """Mosteller BSA in m², 2 decimals, round half up."""
    return round_half_up(bsa_mosteller_exact(height_cm, weight_kg), 2)


def bsa_dubois(height_cm: Number, weight_kg: Number) -> Decimal:
    """DuBois BSA in m², 2 decimals, round half up."""
    return round_half_up(bsa_dubois_exact(height_cm, weight_kg), 2)


def bsa(
    height_cm: Number, weight_kg: Number, formula: str = MOSTELLER, cap: Decimal | None = None
) -> Decimal:
    """BSA by the configured formula (MOSTELLER or DUBOIS), 2 decimals, then capped if a cap
    is given (the cap applies to the dosing BSA only)."""
    if formula == MOSTELLER:
        result = bsa_mosteller(height_cm, weight_kg)
    elif formula == DUBOIS:
        result = bsa_dubois(height_cm, weight_kg)
    else:
        raise ValueError(f"unknown BSA formula {formula!r}")
    if cap is not None and result > cap:
        return round_half_up(cap, 2)
    return result


def bmi(height_cm: Number, weight_kg: Number) -> Decimal:
    """Weight kg / (height m)², 1 decimal, round half up."""
    h, w = _positive("height", height_cm), _positive("weight", weight_kg)
    metres = h / Decimal(100)
    return round_half_up(w / (metres * metres), 1)


# --- derivations ---------------------------------------------------------------------------


def _derive_age(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    consent = as_date(value(subject, "IE", "RFICDAT"))
    results = []
    for record in subject.forms("DM"):
        birth = as_date(record.values.get("BRTHDAT"))
        age = age_at(birth, consent) if birth and consent else None
        results.append(out(record, "AGE", age))
    return results


def _height_weight(record_values: dict) -> tuple[Decimal | None, Decimal | None]:
    height = as_decimal(record_values.get("HEIGHT"))
    weight = as_decimal(record_values.get("WEIGHT"))
    if height is None or weight is None or height <= 0 or weight <= 0:
        return None, None
    return height, weight


def _derive_bsa(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("DM"):
        height, weight = _height_weight(record.values)
        result = bsa(height, weight, params.bsa_formula) if height is not None else None
        results.append(out(record, "BSA", result))
        results.append(out(record, "BSAMETH", params.bsa_formula if result is not None else None))
    return results


def _derive_bmi(subject: SubjectData, params: StudyParameters) -> list[DerivedValue]:
    results = []
    for record in subject.forms("DM"):
        height, weight = _height_weight(record.values)
        results.append(out(record, "BMI", bmi(height, weight) if height is not None else None))
    return results


D01 = Derivation(
    id="D-01",
    label=T("Age at informed consent", "签署知情同意时年龄"),
    outputs=("DM.AGE",),
    inputs=("DM.BRTHDAT", "IE.RFICDAT"),
    method=T(
        "Completed calendar years between BRTHDAT and RFICDAT: one less when the birthday has "
        "not yet been reached in the consent year (a 29 February birthday is reached on "
        "1 March in a non-leap year).",
        "BRTHDAT 至 RFICDAT 之间的足岁周岁数：签署知情同意当年尚未过生日者减 1"
        "（2 月 29 日出生者在非闰年以 3 月 1 日为生日）。",
    ),
    function=_derive_age,
)

D02 = Derivation(
    id="D-02",
    label=T("Body surface area", "体表面积"),
    outputs=("DM.BSA", "DM.BSAMETH"),
    inputs=("DM.HEIGHT", "DM.WEIGHT"),
    method=T(
        "Study parameter BSA formula: Mosteller √(height cm × weight kg / 3600) or DuBois "
        "0.007184 × height^0.725 × weight^0.425; rounded half up to 2 decimals. BSAMETH "
        "stores the formula used.",
        "按研究参数规定的公式：Mosteller √（身高 cm × 体重 kg / 3600）或 DuBois "
        "0.007184 × 身高^0.725 × 体重^0.425；四舍五入保留 2 位小数。BSAMETH 记录所用公式。",
    ),
    function=_derive_bsa,
)

D03 = Derivation(
    id="D-03",
    label=T("Body-mass index", "体重指数"),
    outputs=("DM.BMI",),
    inputs=("DM.HEIGHT", "DM.WEIGHT"),
    method=T(
        "Weight kg / (height m)², rounded half up to 1 decimal.",
        "体重 kg / 身高 m²，四舍五入保留 1 位小数。",
    ),
    function=_derive_bmi,
)

DERIVATIONS = (D01, D02, D03)
