"""D-08 RT summary and D-RT-RTPLDPF."""

from datetime import date
from decimal import Decimal

from tnt_desktop.study.derivations import derive_all
from tnt_desktop.study.derivations.radiotherapy import (
    RtSummary,
    planned_dose_per_fraction,
    rt_summary,
)
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS as P
from tnt_desktop.study.subject import FormRecord, SubjectData


def fx(day: int | None, dose: str | None = "5.00", given: str | None = "Y", month: int = 3):
    row: dict = {"FXGIVEN": given}
    if day is not None:
        row["FXDAT"] = date(2025, month, day)
    if dose is not None:
        row["FXDOSE"] = Decimal(dose)
    return row


def test_on_time_course():
    rows = [fx(d) for d in (3, 4, 5, 6, 7)]  # Monday to Friday
    assert rt_summary(rows, P) == RtSummary(
        start=date(2025, 3, 3), end=date(2025, 3, 7), fractions=5,
        total_dose=Decimal("25.00"), ott=5, interrupted="N", completed="Y",
    )


def test_weekend_is_not_an_interruption():
    rows = [fx(d) for d in (6, 7, 10, 11, 12)]  # Thu, Fri, Mon, Tue, Wed: gap of 3 days
    summary = rt_summary(rows, P)
    assert (summary.ott, summary.interrupted, summary.completed) == (7, "N", "Y")


def test_interrupted_course():
    rows = [fx(d) for d in (3, 4, 5, 11, 12)]  # Wed 5 → Tue 11: 6 days apart
    summary = rt_summary(rows, P)
    assert summary.start == date(2025, 3, 3) and summary.end == date(2025, 3, 12)
    assert (summary.fractions, summary.total_dose, summary.ott) == (5, Decimal("25.00"), 10)
    assert (summary.interrupted, summary.completed) == ("Y", "N")  # OTT 10 > 7


def test_incomplete_course():
    rows = [fx(d) for d in (3, 4, 5, 6)] + [{"FXGIVEN": "N", "FXNGRSN": "TOXICITY"}]
    summary = rt_summary(rows, P)
    assert (summary.fractions, summary.total_dose, summary.ott) == (4, Decimal("20.00"), 4)
    assert (summary.interrupted, summary.completed) == ("Y", "N")


def test_total_dose_tolerance():
    within = [fx(3, "4.50")] + [fx(d) for d in (4, 5, 6, 7)]  # 24.50: 0.5 Gy below
    assert rt_summary(within, P).completed == "Y"
    outside = [fx(3, "4.40")] + [fx(d) for d in (4, 5, 6, 7)]  # 24.40
    summary = rt_summary(outside, P)
    assert (summary.total_dose, summary.completed) == (Decimal("24.40"), "N")


ZERO = RtSummary(fractions=0, total_dose=Decimal("0.00"), completed="N")


def test_nothing_given_is_still_a_summary():
    """Clarification 19: no fraction given → RTNFX 0, RTTOTDOSE 0.00, RTCOMPL N; the dates
    and RTOTT stay empty (rows not answered yet count as not given)."""
    assert rt_summary([], P) == ZERO
    assert rt_summary([{"FXNUM": 1}], P) == ZERO  # FXGIVEN not answered yet
    refused = rt_summary([{"FXGIVEN": "N", "FXNGRSN": "PATIENT_DECISION"}], P)
    assert refused == RtSummary(fractions=0, total_dose=Decimal("0.00"), interrupted="Y",
                                completed="N")  # fmt: skip


def test_zero_fraction_summary_makes_the_reason_for_not_completing_required():
    from tnt_desktop.study.definition import get_study
    from tnt_desktop.study.validation import validate_form

    record = FormRecord("SE.RT", "RT", values={"RTPLDOSE": Decimal("25.0"), "RTPLFX": 5})
    derived = derive_all(SubjectData("TNT-01-001", [record]), P)
    values = derived.form("RT").values
    assert (values["RTNFX"], values["RTTOTDOSE"], values["RTCOMPL"]) == (0, Decimal("0.00"), "N")
    assert not {"RTSTDAT", "RTENDAT", "RTOTT"} & set(values)
    findings = validate_form(get_study().form("RT"), derived.form("RT"), derived, complete=True)
    assert "RT.RTNCRSN" in {ref for f in findings if f.check_id == "REQUIRED" for ref in f.items}


def test_missing_data():
    no_date = rt_summary([fx(3), fx(4), fx(None), fx(6), fx(7)], P)
    assert (no_date.start, no_date.end, no_date.ott) == (None, None, None)
    assert (no_date.fractions, no_date.total_dose) == (5, Decimal("25.00"))
    assert (no_date.interrupted, no_date.completed) == (None, None)
    no_dose = rt_summary([fx(3), fx(4, None), fx(5), fx(6), fx(7)], P)
    assert (no_dose.total_dose, no_dose.ott, no_dose.completed) == (None, 5, None)


def test_planned_dose_per_fraction():
    assert planned_dose_per_fraction(Decimal("25.0"), 5) == Decimal("5.00")
    assert planned_dose_per_fraction(Decimal("25.0"), 3) == Decimal("8.33")
    assert planned_dose_per_fraction(None, 5) is None


def test_derive_all_writes_the_summary_and_clears_stale_values():
    record = FormRecord("SE.RT", "RT", values={"RTPLDOSE": Decimal("25.0"), "RTPLFX": 5},
                        rows={"FX": [fx(d) for d in (3, 4, 5, 6, 7)]})
    derived = derive_all(SubjectData("S", [record]), P).form("RT")
    assert derived.values["RTPLDPF"] == Decimal("5.00")
    assert derived.values["RTSTDAT"] == date(2025, 3, 3)
    assert derived.values["RTCOMPL"] == "Y"
    derived.rows["FX"] = []
    cleared = derive_all(SubjectData("S", [derived]), P).form("RT").values
    assert "RTSTDAT" not in cleared and "RTOTT" not in cleared
    assert (cleared["RTNFX"], cleared["RTCOMPL"]) == (0, "N")  # clarification 19
