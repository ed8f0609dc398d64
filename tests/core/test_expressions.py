from datetime import date
from decimal import Decimal

import pytest

from tnt_desktop.study.expressions import ExpressionError, parse


def test_equality_and_membership():
    expr = parse("RSTAT in ('R0', 'R1') and CENTREV == 'Y'")
    assert expr.names == {"RSTAT", "CENTREV"}
    assert expr.evaluate({"RSTAT": "R1", "CENTREV": "Y"})
    assert not expr.evaluate({"RSTAT": "R2", "CENTREV": "Y"})


def test_missing_values_make_comparisons_false_not_errors():
    assert not parse("CYDELAY > 3").evaluate({})
    assert not parse("SEX == 'F'").evaluate({"SEX": None})
    assert parse("not SEX == 'F'").evaluate({})


def test_numbers_compare_exactly_with_decimals():
    assert parse("PCTVIAB < 10").evaluate({"PCTVIAB": Decimal("9.9")})
    assert not parse("PCTVIAB < 10").evaluate({"PCTVIAB": Decimal("10.0")})
    assert parse("PCTVIAB >= 0.5").evaluate({"PCTVIAB": Decimal("0.5")})


def test_qualified_names_and_present():
    expr = parse("DM.SEX == 'F' and present(DRAINRMDAT)")
    assert expr.names == {"DM.SEX", "DRAINRMDAT"}
    values = {"DM.SEX": "F", "DRAINRMDAT": date(2025, 1, 2)}
    assert expr.evaluate(values)
    assert not expr.evaluate({"DM.SEX": "F"})
    assert parse("absent(X)").evaluate({"X": ""})


def test_multi_select_membership_means_any_selected():
    expr = parse("DMSITE in ('LUNG', 'BONE')")
    assert expr.evaluate({"DMSITE": ("LIVER", "LUNG")})
    assert not expr.evaluate({"DMSITE": ("LIVER",)})


def test_dates_never_compare_with_text():
    assert not parse("X < '2025-01-01'").evaluate({"X": date(2024, 1, 1)})


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os')",
        "X.__class__ == 1",
        "open('f')",
        "X + 1 > 2",
        "lambda: 1",
        "X == True",
        "present(X, Y)",
        "X ==",
    ],
)
def test_unsafe_or_unsupported_syntax_is_refused(source):
    with pytest.raises(ExpressionError):
        parse(source)


def test_javascript_rendering_for_odm():
    assert parse("A == 'Y' and not B == 'N'").to_javascript() == "A == 'Y' && !B == 'N'"
