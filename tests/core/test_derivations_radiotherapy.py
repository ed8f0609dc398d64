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


def test_missing_data():
    assert rt_summary([], P) == RtSummary()
    assert rt_summary([{"FXNUM": 1}], P) == RtSummary()  # FXGIVEN not answered yet
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
    assert "RTSTDAT" not in cleared and "RTCOMPL" not in cleared
