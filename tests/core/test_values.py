from datetime import date, time
from decimal import Decimal

import pytest

from tnt_desktop.study.forms._build import R, boolean, date_, floatn, integer, multi, pdate, time_
from tnt_desktop.study.subject import PartialDate
from tnt_desktop.study.values import ValueError_, format_value, parse_value, round_half_up


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [("2.345", 2, "2.35"), ("2.344", 2, "2.34"), ("0.05", 1, "0.1"), ("-0.05", 1, "-0.1"),
     ("1.25", 1, "1.3"), ("24.999", 2, "25.00")],
)  # fmt: skip
def test_round_half_up(value, decimals, expected):
    assert str(round_half_up(Decimal(value), decimals)) == expected


def test_parse_typed_values():
    assert parse_value(integer("N", "n", "数", R), " 42 ") == 42
    assert parse_value(floatn("W", "w", "重", 1, R), "70.5") == Decimal("70.5")
    assert parse_value(date_("D", "d", "日", R), "2024-02-29") == date(2024, 2, 29)
    assert parse_value(pdate("P", "p", "日", R), "2023-07") == PartialDate(2023, 7)
    assert parse_value(time_("T", "t", "时", R), "23:05") == time(23, 5)
    assert parse_value(boolean("B", "b", "是", R), "y") == "Y"
    assert parse_value(multi("M", "m", "多", "METSITE"), "LUNG|BONE") == ("LUNG", "BONE")


@pytest.mark.parametrize(
    ("item", "raw"),
    [
        (integer("N", "n", "数", R), "4.2"),
        (floatn("W", "w", "重", 1, R), "70.55"),
        (floatn("W", "w", "重", 1, R), "abc"),
        (date_("D", "d", "日", R), "2023-02-29"),
        (date_("D", "d", "日", R), "2023-2-3"),
        (pdate("P", "p", "日", R), "2023-13"),
        (time_("T", "t", "时", R), "25:00"),
        (boolean("B", "b", "是", R), "yes"),
    ],
)
def test_bad_values_are_refused_in_both_languages(item, raw):
    with pytest.raises(ValueError_) as info:
        parse_value(item, raw)
    assert item.name in info.value.message.en and item.name in info.value.message.zh
    assert info.value.message.en != info.value.message.zh


def test_format_uses_item_decimals_and_iso():
    assert format_value(floatn("B", "b", "b", 2, R), Decimal("1.8")) == "1.80"
    assert format_value(date_("D", "d", "日", R), date(2025, 1, 2)) == "2025-01-02"
    assert format_value(multi("M", "m", "多", "METSITE"), ("LUNG", "BONE")) == "LUNG|BONE"
    assert format_value(date_("D", "d", "日", R), None) == ""


def test_partial_date_bounds():
    assert PartialDate(2024, 2).latest() == date(2024, 2, 29)
    assert PartialDate(2023).earliest() == date(2023, 1, 1)
    assert PartialDate(2023, 12).latest() == date(2023, 12, 31)
    assert str(PartialDate.parse("2023-07-04")) == "2023-07-04"
    with pytest.raises(ValueError):
        PartialDate(2023, None, 4)
