"""D-05 eligibility: ELIGFL and IEFAIL."""

from datetime import date

import pytest

from tnt_desktop.study.derivations import derive_all
from tnt_desktop.study.derivations.eligibility import (
    CRITERIA,
    EXCLUSION,
    INCLUSION,
    EligibilityVerdict,
    eligibility,
)
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS as P
from tnt_desktop.study.subject import FormRecord, SubjectData

pytestmark = pytest.mark.req("REQ-VAL-01")


def _all_met() -> dict:
    values = {code: "Y" for code in INCLUSION}
    values.update({code: "N" for code in EXCLUSION})
    values.update({"INC01A": "Y", "INC01B": "Y", "INC01C": "N", "INC01D": "N",
                   "INC01MDT": date(2025, 1, 20), "RFICDAT": date(2025, 2, 1)})
    return values


def _subject(values: dict, missing: dict | None = None) -> SubjectData:
    return SubjectData("S", [FormRecord("SE.SCR", "IE", values=values, missing=missing or {})])


def test_all_criteria_met_is_eligible():
    verdict = eligibility(_subject(_all_met()), P)
    assert verdict == EligibilityVerdict(True, (), ())
    assert verdict.flag == "Y"


@pytest.mark.parametrize("code", CRITERIA)
def test_each_single_failing_criterion(code):
    values = _all_met()
    values[code] = "N" if code in INCLUSION else "Y"
    verdict = eligibility(_subject(values), P)
    assert verdict.eligible is False
    assert verdict.failing == (code,)
    assert verdict.unanswered == ()
    assert verdict.flag == "N"


@pytest.mark.parametrize(
    ("changes", "failing"),
    [
        ({"INC01A": "N"}, ("INC01",)),  # recurrent tumour
        ({"INC01B": "N", "INC01C": "N", "INC01D": "N"}, ("INC01",)),  # no risk factor
        ({"INC01B": "N", "INC01D": "Y"}, ()),  # deep alone is enough
    ],
)
def test_inc01_needs_its_sub_items(changes, failing):
    values = _all_met() | changes
    verdict = eligibility(_subject(values), P)
    assert verdict.failing == failing
    assert verdict.eligible is (not failing)


def test_inc01_without_mdt_date_is_open_and_with_a_missing_reason_fails():
    values = _all_met()
    del values["INC01MDT"]
    open_verdict = eligibility(_subject(values), P)
    assert open_verdict == EligibilityVerdict(None, (), ("INC01",))
    assert open_verdict.flag is None
    failed = eligibility(_subject(values, {"INC01MDT": "UNKNOWN"}), P)
    assert failed.failing == ("INC01",)


def test_unanswered_criteria_give_no_verdict_but_a_failure_decides():
    values = _all_met()
    del values["INC04"], values["EXC07"]
    verdict = eligibility(_subject(values), P)
    assert verdict == EligibilityVerdict(None, (), ("INC04", "EXC07"))
    values["EXC09"] = "Y"
    verdict = eligibility(_subject(values), P)
    assert verdict == EligibilityVerdict(False, ("EXC09",), ("INC04", "EXC07"))


def test_several_failures_are_listed_in_criterion_order():
    values = _all_met() | {"EXC03": "Y", "INC05": "N", "INC02": "N"}
    assert eligibility(_subject(values), P).failing == ("INC02", "INC05", "EXC03")


def test_no_ie_form():
    verdict = eligibility(SubjectData("S"), P)
    assert verdict.eligible is None and verdict.unanswered == CRITERIA


def test_derive_all_writes_eligfl_and_iefail():
    eligible = derive_all(_subject(_all_met()), P).form("IE").values
    assert eligible["ELIGFL"] == "Y"
    assert "IEFAIL" not in eligible
    failing = derive_all(_subject(_all_met() | {"EXC06": "Y", "INC03": "N"}), P).form("IE")
    assert failing.values["ELIGFL"] == "N"
    assert failing.values["IEFAIL"] == ("INC03", "EXC06")
