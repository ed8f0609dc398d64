"""D-01 AGE, D-02 BSA, D-03 BMI and derive_all on form DM."""

import copy
from datetime import date
from decimal import Decimal

import pytest

from tnt_desktop.study.derivations import derive_all
from tnt_desktop.study.derivations.demographics import (
    age_at,
    bmi,
    bsa,
    bsa_dubois,
    bsa_mosteller,
)
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS
from tnt_desktop.study.subject import FormRecord, SubjectData


@pytest.mark.parametrize(
    ("birth", "on", "expected"),
    [
        (date(1980, 6, 15), date(2025, 6, 14), 44),  # day before the birthday
        (date(1980, 6, 15), date(2025, 6, 15), 45),  # on the birthday
        (date(1980, 6, 15), date(2025, 6, 16), 45),
        (date(1980, 6, 15), date(2025, 5, 31), 44),  # earlier month
        (date(1980, 6, 15), date(2025, 12, 31), 45),
        (date(2007, 3, 1), date(2025, 2, 28), 17),  # 18th birthday not yet reached
        (date(2007, 3, 1), date(2025, 3, 1), 18),
    ],
)
def test_age_around_birthdays(birth, on, expected):
    assert age_at(birth, on) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2023, 2, 28), 22),  # non-leap consent year: not yet on 28 Feb
        (date(2023, 3, 1), 23),  # … reached on 1 March
        (date(2024, 2, 28), 23),  # leap consent year: the day before
        (date(2024, 2, 29), 24),  # … reached on 29 February
        (date(2024, 3, 1), 24),
    ],
)
def test_age_for_a_29_february_birthday(on, expected):
    assert age_at(date(2000, 2, 29), on) == expected


@pytest.mark.parametrize(
    ("height", "weight", "mosteller", "dubois"),
    [
        # √(170 × 70 / 3600) = √3.30556 = 1.81812; DuBois 0.007184 × 170^0.725 × 70^0.425 = 1.80971
        ("170.0", "70.0", "1.82", "1.81"),
        # √(180 × 80 / 3600) = √4 = 2; DuBois 1.99642
        ("180.0", "80.0", "2.00", "2.00"),
        # √(160 × 50 / 3600) = √2.22222 = 1.49071; DuBois 1.50112
        ("160.0", "50.0", "1.49", "1.50"),
    ],
)
@pytest.mark.req("REQ-VAL-01")
def test_bsa_mosteller_and_dubois(height, weight, mosteller, dubois):
    assert bsa_mosteller(Decimal(height), Decimal(weight)) == Decimal(mosteller)
    assert bsa_dubois(Decimal(height), Decimal(weight)) == Decimal(dubois)
    assert bsa(Decimal(height), Decimal(weight), "DUBOIS") == Decimal(dubois)


@pytest.mark.req("REQ-VAL-01")
def test_bsa_is_exactly_two_decimals_and_capped():
    assert str(bsa_mosteller(180, 80)) == "2.00"
    assert bsa(Decimal("180"), Decimal("80"), cap=Decimal("1.9")) == Decimal("1.90")
    with pytest.raises(ValueError):
        bsa(170, 70, "HAYCOCK")
    with pytest.raises(ValueError):
        bsa_mosteller(0, 70)


@pytest.mark.parametrize(
    ("height", "weight", "expected"),
    [
        ("170.0", "70.0", "24.2"),  # 70 / 1.7² = 24.2215
        ("200.0", "70.6", "17.7"),  # 70.6 / 4 = 17.65 → half up (not half even) → 17.7
        ("160.0", "50.0", "19.5"),  # 50 / 2.56 = 19.53125
    ],
)
def test_bmi(height, weight, expected):
    assert bmi(Decimal(height), Decimal(weight)) == Decimal(expected)


def _subject() -> SubjectData:
    return SubjectData(
        "TNT-01-001",
        [
            FormRecord("SE.SCR", "IE", values={"RFICDAT": date(2025, 2, 10)}),
            FormRecord(
                "SE.SCR", "DM",
                values={"BRTHDAT": date(1970, 2, 11), "HEIGHT": Decimal("170.0"),
                        "WEIGHT": Decimal("70.0")},
            ),
        ],
    )


def test_derive_all_fills_dm_and_leaves_the_input_unchanged():
    subject = _subject()
    before = copy.deepcopy(subject)
    derived = derive_all(subject, DEFAULT_PARAMETERS)
    dm = derived.form("DM")
    assert dm.values["AGE"] == 54  # birthday 11 Feb not reached on 10 Feb 2025
    assert dm.values["BSA"] == Decimal("1.82")
    assert dm.values["BSAMETH"] == "MOSTELLER"
    assert dm.values["BMI"] == Decimal("24.2")
    assert subject == before
    assert "AGE" not in subject.form("DM").values
    assert derived is not subject and derived.form("DM") is not subject.form("DM")


def test_dubois_when_configured_and_cleared_when_inputs_disappear():
    params = DEFAULT_PARAMETERS.with_changes(bsa_formula="DUBOIS")
    derived = derive_all(_subject(), params)
    assert derived.form("DM").values["BSA"] == Decimal("1.81")
    assert derived.form("DM").values["BSAMETH"] == "DUBOIS"

    del derived.form("DM").values["WEIGHT"]
    del derived.form("IE").values["RFICDAT"]
    again = derive_all(derived, params)
    for name in ("BSA", "BSAMETH", "BMI", "AGE"):
        assert name not in again.form("DM").values
