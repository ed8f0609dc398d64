"""Chemotherapy: CYCNUM, CYPLDAT/CYDELAY, CYBSA, config, D-09 doses and RDI, D-10, D-11."""

from datetime import date
from decimal import Decimal

import pytest

from tnt_desktop.study.derivations import derive_all, subject_level
from tnt_desktop.study.derivations.chemotherapy import (
    chemo_end,
    chemo_period_end,
    cycle_number,
    deviates,
    planned_dose,
    reduction_fraction,
    relative_dose_intensity,
)
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS as P
from tnt_desktop.study.subject import FormRecord, SubjectData

D = Decimal


def rt_record() -> FormRecord:
    # Mon 24 Feb – Fri 28 Feb 2025: RTENDAT 2025-02-28 → C1 planned 2025-03-07
    rows = [{"FXGIVEN": "Y", "FXDAT": date(2025, 2, day), "FXDOSE": D("5.00")}
            for day in range(24, 29)]
    return FormRecord("SE.RT", "RT", rows={"FX": rows})


def adm(start: date, *doses: str) -> list[dict]:
    return [{"EXSTDAT": date.fromordinal(start.toordinal() + i), "EXDOSE": D(dose)}
            for i, dose in enumerate(doses)]


def cycle(n: int, d1: date, weight: str, dox: list[dict], ifo: list[dict], **values
          ) -> FormRecord:
    return FormRecord(
        f"SE.C{n}", "CT",
        values={"CYGIVEN": "Y", "CYD1DAT": d1, "CYWEIGHT": D(weight), "DOXRED": "N",
                "IFORED": "N", **values},
        rows={"DOXADM": dox, "IFOADM": ifo},
    )


C1D1, C2D1, C3D1 = date(2025, 3, 10), date(2025, 3, 31), date(2025, 4, 28)


def three_cycles() -> SubjectData:
    """Height 170 cm. C1 70 kg → BSA 1.82; C2 and C3 65 kg → √(170 × 65 / 3600) = 1.75198 → 1.75.
    C3 is 7 days late and doxorubicin is reduced by 20 %; one ifosfamide day is omitted."""
    return SubjectData("S", [
        FormRecord("SE.SCR", "DM", values={"HEIGHT": D("170.0"), "WEIGHT": D("70.0")}),
        rt_record(),
        cycle(1, C1D1, "70.0", adm(C1D1, "45.5", "45.5", "45.5"),
              adm(C1D1, "4.55", "4.55", "4.55", "4.55")),
        cycle(2, C2D1, "65.0", adm(C2D1, "43.7", "43.8", "43.8"),
              adm(C2D1, "4.38", "4.37", "4.38", "4.37")),
        cycle(3, C3D1, "65.0", adm(C3D1, "35.0", "35.0", "35.0"),
              adm(C3D1, "4.38", "4.38", "4.38"), DOXRED="Y", DOXREDPCT="20"),
    ])


@pytest.fixture(scope="module")
def derived() -> dict[int, dict]:
    result = derive_all(three_cycles(), P)
    return {cycle_number(r.event): r.values for r in result.forms("CT")}


def test_cycle_number_bsa_and_config(derived):
    assert [derived[n]["CYCNUM"] for n in (1, 2, 3)] == [1, 2, 3]
    assert [derived[n]["CYBSA"] for n in (1, 2, 3)] == [D("1.82"), D("1.75"), D("1.75")]
    c1 = derived[1]
    assert (c1["DOXPLM2"], c1["DOXSCHED"], c1["IFOPLM2"], c1["IFODAYS"]) == (
        D("75.0"), "D1_D3", D("10.00"), 4)


def test_planned_dates_and_delays(derived):
    assert (derived[1]["CYPLDAT"], derived[1]["CYDELAY"]) == (date(2025, 3, 7), 3)
    assert (derived[2]["CYPLDAT"], derived[2]["CYDELAY"]) == (date(2025, 3, 31), 0)
    assert (derived[3]["CYPLDAT"], derived[3]["CYDELAY"]) == (date(2025, 4, 21), 7)


@pytest.mark.req("REQ-VAL-01")
def test_cycle_1_doses(derived):
    c1 = derived[1]
    # 75 × 1.82 = 136.5 mg planned and given; 136.5 / 1.82 = 75.0 with the stored, rounded BSA
    # (the unrounded 1.81812 would give 75.08 → 75.1)
    assert (c1["DOXPLMG"], c1["DOXACTMG"], c1["DOXACTM2"], c1["DOXCUM"]) == (
        D("136.5"), D("136.5"), D("75.0"), D("75.0"))
    assert (c1["IFOPLG"], c1["IFOACTG"], c1["IFOACTM2"]) == (D("18.20"), D("18.20"), D("10.00"))
    assert (c1["DOXRDI"], c1["IFORDI"], c1["CYRDI"], c1["CYDOSEDEV"]) == (
        D("1.00"), D("1.00"), D("1.00"), "N")


@pytest.mark.req("REQ-VAL-01")
def test_cycle_2_doses(derived):
    c2 = derived[2]
    # 75 × 1.75 = 131.25 → 131.3 (half up); actual 131.3 / 1.75 = 75.0286 → 75.0
    assert (c2["DOXPLMG"], c2["DOXACTMG"], c2["DOXACTM2"]) == (D("131.3"), D("131.3"), D("75.0"))
    # cumulative of the unrounded per-cycle values: 75 + 75.0286 = 150.0286 → 150.0
    assert c2["DOXCUM"] == D("150.0")
    assert (c2["IFOPLG"], c2["IFOACTG"], c2["IFOACTM2"]) == (D("17.50"), D("17.50"), D("10.00"))
    # 150.0286 / 150 × 42 / 42 = 1.0002 → 1.00
    assert (c2["DOXRDI"], c2["IFORDI"], c2["CYRDI"], c2["CYDOSEDEV"]) == (
        D("1.00"), D("1.00"), D("1.00"), "N")


@pytest.mark.req("REQ-VAL-01")
def test_cycle_3_doses_with_reduction_delay_and_deviation(derived):
    c3 = derived[3]
    # 75 × 1.75 × (1 − 0.20) = 105.0 mg planned and given → 60.0 mg/m²
    assert (c3["DOXPLMG"], c3["DOXACTMG"], c3["DOXACTM2"]) == (D("105.0"), D("105.0"), D("60.0"))
    # 75 + 75.0286 + 60 = 210.0286 → 210.0
    assert c3["DOXCUM"] == D("210.0")
    # ifosfamide 13.14 g given of 17.50 planned: 24.9 % short → deviation
    assert (c3["IFOPLG"], c3["IFOACTG"], c3["IFOACTM2"]) == (D("17.50"), D("13.14"), D("7.51"))
    assert c3["CYDOSEDEV"] == "Y"
    # elapsed: planned 3 × 21 = 63 days; actual 28 Apr − 10 Mar + 21 = 49 + 21 = 70 days
    # DOX: 210.0286 / 225 × 63 / 70 = 0.84011 → 0.84
    # IFO: (10 + 10 + 7.50857) / 30 × 63 / 70 = 0.82526 → 0.83
    assert (c3["DOXRDI"], c3["IFORDI"], c3["CYRDI"]) == (D("0.84"), D("0.83"), D("0.83"))


def test_cycle_not_given_has_no_doses():
    subject = three_cycles()
    subject.records[-1] = FormRecord("SE.C3", "CT", values={"CYGIVEN": "N",
                                                            "CYNGRSN": "TOXICITY"})
    c3 = derive_all(subject, P).form("CT", "SE.C3").values
    assert c3["CYCNUM"] == 3 and c3["CYPLDAT"] == date(2025, 4, 21)
    for name in ("CYBSA", "DOXPLMG", "DOXACTMG", "DOXCUM", "CYRDI", "CYDOSEDEV", "CYDELAY"):
        assert name not in c3


@pytest.mark.req("REQ-VAL-01")
def test_dose_helpers():
    assert reduction_fraction("N", None) == 0
    assert reduction_fraction("Y", "25") == D("0.25")
    assert reduction_fraction("Y", "OTHER", 30) == D("0.30")
    assert reduction_fraction("Y", "OTHER", None) is None
    assert planned_dose(D("75"), D("1.82"), D("0.30")) == D("95.5500")
    assert planned_dose(D("75"), None) is None
    assert deviates(D("110"), D("100"), D("10")) is False  # exactly 10 % is not > 10 %
    assert deviates(D("110.1"), D("100"), D("10")) is True
    assert deviates(D("89.9"), D("100"), D("10")) is True
    assert relative_dose_intensity(D("150"), D("150"), 42, 49) == D(42) / D(49)


def test_other_reduction_level_enters_the_planned_dose():
    subject = three_cycles()
    subject.form("CT", "SE.C1").values.update(DOXRED="Y", DOXREDPCT="OTHER", DOXREDOTH=30)
    c1 = derive_all(subject, P).form("CT", "SE.C1").values
    assert c1["DOXPLMG"] == D("95.6")  # 75 × 1.82 × 0.7 = 95.55 → 95.6
    assert c1["CYDOSEDEV"] == "Y"  # 136.5 given, 42.9 % above


def test_chemo_end():
    assert chemo_end(three_cycles()) == date(2025, 4, 30)
    assert chemo_end(SubjectData("S", [rt_record()])) is None


def test_chemo_period_end_cycle_3_given():
    assert chemo_period_end(three_cycles(), P) == (date(2025, 5, 18), "C3")  # 28 Apr + 20


def test_chemo_period_end_only_two_cycles():
    subject = three_cycles()
    subject.records[-1] = FormRecord("SE.C3", "CT", values={"CYGIVEN": "N"})
    assert chemo_period_end(subject, P) == (date(2025, 4, 20), "LAST_CYCLE")  # 31 Mar + 20
    assert chemo_end(subject) == date(2025, 4, 3)  # the last ifosfamide day of C2


def test_chemo_period_end_no_cycle():
    subject = SubjectData("S", [rt_record(), FormRecord("SE.C1", "CT", values={"CYGIVEN": "N"})])
    assert chemo_period_end(subject, P) == (date(2025, 3, 7), "RT")  # 28 Feb + 7
    assert chemo_period_end(SubjectData("S"), P) == (None, "NONE")
    no_date = SubjectData("S", [FormRecord("SE.C1", "CT", values={"CYGIVEN": "Y"})])
    assert chemo_period_end(no_date, P) == (None, "NONE")


def test_chemo_period_end_follows_the_parameters():
    params = P.with_changes(chemo_period_days=21, no_chemo_reference_days=10)
    assert chemo_period_end(three_cycles(), params) == (date(2025, 5, 19), "C3")
    subject = SubjectData("S", [rt_record()])
    assert chemo_period_end(subject, params) == (date(2025, 3, 10), "RT")


def test_subject_level_chemo_values():
    values = subject_level(three_cycles(), P)
    assert values["CHEMOEND"] == date(2025, 4, 30)
    assert (values["CHEMOPERIODEND"], values["CHEMOPERIODBASIS"]) == (date(2025, 5, 18), "C3")
