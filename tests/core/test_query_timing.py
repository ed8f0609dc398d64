"""Queries at the right time (issue 16, item 4): a soft finding on a form still in progress is
shown but asks nothing and raises no query; it becomes a question for the site when the form
is marked complete, or when the value is final by its own rule (RT: every planned fraction
answered)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.core.conftest import audit_entries, enrol_one
from tnt_desktop.services.form_entries import FormEntry, OverrideRequired, RowEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.services.queries import list_queries
from tnt_desktop.services.query_timing import soft_findings_are_final
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS
from tnt_desktop.study.subject import FormRecord

TODAY = date(2026, 12, 7)
DAY1 = date(2025, 2, 17)


def fraction(n: int, given: str = "Y") -> RowEntry:
    values = {"FXNUM": str(n), "FXGIVEN": given}
    if given == "Y":
        values |= {"FXDAT": (DAY1 + timedelta(days=n - 1)).isoformat(), "FXDOSE": "5.00"}
    else:
        values["FXNGRSN"] = "TOXICITY"
    return RowEntry(values=values)


def test_rt_with_four_of_five_fractions_asks_nothing_and_raises_no_query(coordinator):
    subject = enrol_one(coordinator)
    result = save_form(coordinator, FormEntry(subject, "SE.RT", "RT", values={
        "RTPLDOSE": "25.0", "RTPLFX": "5"}, rows={"FX": [fraction(n) for n in range(1, 5)]}),
        today=TODAY)  # fmt: skip
    shown = {f.check_id for f in result.findings}
    assert {"TIM-01", "RT-NOTCOMPL"} <= shown  # shown beside the fields
    assert list_queries(coordinator, subject) == []
    assert audit_entries(coordinator, action="CHECK_OVERRIDDEN") == []


def test_the_last_fraction_makes_rt_final_and_its_findings_need_the_site(coordinator):
    subject = enrol_one(coordinator)
    rows = [fraction(n) for n in range(1, 5)] + [fraction(5, given="N")]
    entry = FormEntry(subject, "SE.RT", "RT", values={"RTPLDOSE": "25.0", "RTPLFX": "5"},
                      rows={"FX": rows})  # fmt: skip
    with pytest.raises(OverrideRequired) as asked:
        save_form(coordinator, entry, today=TODAY)
    assert {f.check_id for _k, f in asked.value.findings} == {"TIM-01", "RT-NOTCOMPL"}
    entry.overrides = {key: "fraction 5 not given: grade 3 dermatitis"
                       for key, _f in asked.value.findings}  # fmt: skip
    save_form(coordinator, entry, today=TODAY)
    auto = [q for q in list_queries(coordinator, subject) if q.origin == "AUTO"]
    assert sorted(q.check_id for q in auto) == ["RT-NOTCOMPL", "TIM-01"]


def test_the_rule_itself():
    params = DEFAULT_PARAMETERS
    rows = [{"FXGIVEN": "Y"}] * 4
    record = FormRecord("SE.RT", "RT", values={"RTPLFX": 5}, rows={"FX": rows})
    assert not soft_findings_are_final("RT", record, params, completing=False)
    record.rows["FX"] = [*rows, {"FXGIVEN": "N"}]
    assert soft_findings_are_final("RT", record, params, completing=False)
    assert not soft_findings_are_final("DM", FormRecord("SE.SCR", "DM"), params,
                                       completing=False)  # fmt: skip
    assert soft_findings_are_final("DM", FormRecord("SE.SCR", "DM"), params, completing=True)
