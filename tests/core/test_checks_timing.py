"""Protocol timing checks TIM-01 … TIM-10: on time, early, late and missing dates at the window
boundaries of StudyParameters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.core.test_checks_support import P, assert_names, outcome, record, run, subject
from tnt_desktop.study.model import Severity

pytestmark = pytest.mark.req("REQ-DQ-01")

RT_START = date(2025, 3, 3)
RT_END = date(2025, 3, 7)


def d(base: date, n: int) -> date:
    return base + timedelta(days=n)


def rt(**values):
    base = {"RTSTDAT": RT_START, "RTENDAT": RT_END, "RTOTT": 5, "RTNFX": 5}
    base.update(values)
    return record("SE.RT", "RT", **{k: v for k, v in base.items() if v is not None})


def ct(cycle: int, d1: date | None, given: str = "Y", **values):
    if d1 is not None:
        values["CYD1DAT"] = d1
    return record(f"SE.C{cycle}", "CT", CYGIVEN=given, **values)


def surg(day: date | None, **values):
    if day is not None:
        values["SURGDAT"] = day
    values.setdefault("SURGYN", "Y")
    return record("SE.SURG", "SURG", **values)


# --- TIM-01 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("ott", "expected"), [(5, "ok"), (7, "ok"), (8, "deviation")])
def test_tim01_overall_treatment_time(ott, expected):
    findings = run("TIM-01", subject(rt(RTOTT=ott)))
    assert outcome(findings) == expected
    if findings:
        [f] = findings
        assert f.dv_category == "RT_DOSE_SCHEDULE" and f.severity is Severity.SOFT
        assert f.items == ("RT.RTOTT",) and f.event == "SE.RT"
        assert "RT overall treatment time 8 days exceeds 7 days" in f.message.en
        assert "放疗总治疗时间 8 天，超过 7 天" in f.message.zh


def test_tim01_missing_fractions_is_a_query_and_missing_data_is_silent():
    [f] = run("TIM-01", subject(rt(RTNFX=4)))
    assert f.dv_category is None and f.items == ("RT.RTNFX",)
    assert_names(f, 4, 5)
    assert run("TIM-01", subject(rt(RTOTT=None, RTNFX=None))) == []
    assert run("TIM-01", subject()) == []


def test_tim01_reads_the_limit_from_the_parameters():
    params = P.with_changes(rt_max_ott_days=9)
    assert run("TIM-01", subject(rt(RTOTT=8)), params) == []


# --- TIM-02 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gap", "expected"),
    [(2, "deviation"), (3, "query"), (4, "query"), (5, "ok"), (7, "ok"), (10, "ok"),
     (11, "query"), (14, "query"), (15, "deviation")],
)
def test_tim02_rt_end_to_c1d1(gap, expected):
    findings = run("TIM-02", subject(rt(), ct(1, d(RT_END, gap))))
    assert outcome(findings) == expected
    for f in findings:
        assert f.event == "SE.C1" and set(f.items) == {"CT.CYD1DAT", "RT.RTENDAT"}
        assert_names(f, d(RT_END, gap), RT_END, gap)
        if expected == "deviation":
            assert f.dv_category == "CHEMO_TIMING"


def test_tim02_missing_dates_are_silent():
    assert run("TIM-02", subject(rt(RTENDAT=None), ct(1, d(RT_END, 20)))) == []
    assert run("TIM-02", subject(rt(), ct(1, None))) == []
    assert run("TIM-02", subject(rt())) == []


# --- TIM-03 ----------------------------------------------------------------------------------

C1 = date(2025, 3, 14)


@pytest.mark.parametrize(
    ("interval", "reason", "expected"),
    [
        (18, None, "deviation"),
        (19, None, "ok"),
        (21, None, "ok"),
        (24, None, "ok"),
        (25, None, "query"),
        (25, "HAEM_TOX", "ok"),
        (35, None, "query"),
        (35, "LOGISTIC", "ok"),
        (36, None, "deviation"),
        (36, "HAEM_TOX", "deviation"),
    ],
)
def test_tim03_cycle_interval(interval, reason, expected):
    extra = {"CYDLYRSN": reason} if reason else {}
    findings = run("TIM-03", subject(ct(1, C1), ct(2, d(C1, interval), **extra)))
    assert outcome(findings) == expected
    for f in findings:
        assert f.event == "SE.C2"
        assert_names(f, d(C1, interval), C1, interval)
        if expected == "query":
            assert "CT.CYDLYRSN" in f.items and "CYDLYRSN" in f.message.en
        else:
            assert f.dv_category == "CHEMO_TIMING"


def test_tim03_third_cycle_is_measured_from_the_second():
    c2 = d(C1, 21)
    [f] = run("TIM-03", subject(ct(1, C1), ct(2, c2), ct(3, d(c2, 40))))
    assert f.event == "SE.C3" and f.dv_category == "CHEMO_TIMING"
    assert_names(f, "C3D1", "C2D1", 40)


def test_tim03_missing_dates_are_silent():
    assert run("TIM-03", subject(ct(1, C1), ct(2, None))) == []
    assert run("TIM-03", subject(ct(1, None), ct(2, d(C1, 50)))) == []


# --- TIM-04 ----------------------------------------------------------------------------------

SURGDAT = date(2025, 6, 1)


def test_tim04_three_cycles_need_no_reason():
    data = subject(ct(1, C1), ct(2, d(C1, 21)), ct(3, d(C1, 42)), surg(SURGDAT))
    assert run("TIM-04", data) == []


def test_tim04_fewer_cycles_with_a_stop_reason_are_ok():
    data = subject(ct(1, C1), ct(2, d(C1, 21)), ct(3, None, given="N", CYNGRSN="TOXICITY"),
                   surg(SURGDAT))
    assert run("TIM-04", data) == []


@pytest.mark.parametrize("c3", [None, ct(3, None, given="N")])
def test_tim04_fewer_cycles_without_a_reason_raise_a_query(c3):
    data = subject(ct(1, C1), ct(2, d(C1, 21)), c3, surg(SURGDAT))
    [f] = run("TIM-04", data)
    assert f.severity is Severity.SOFT and f.dv_category is None
    assert f.event == "SE.C3" and "CT.CYNGRSN" in f.items
    assert_names(f, SURGDAT, "C3", "CYNGRSN")
    assert "2 of 3" in f.message.en and "2/3" in f.message.zh


def test_tim04_is_silent_before_surgery():
    assert run("TIM-04", subject(ct(1, C1))) == []
    assert run("TIM-04", subject(ct(1, C1), record("SE.SURG", "SURG", SURGYN="N"))) == []


# --- TIM-05 (reference from the chemotherapy derivation, clarification 15) ---------------------

C3 = date(2025, 4, 25)
REF_C3 = d(C3, 20)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [(-1, "deviation"), (0, "query"), (6, "query"), (7, "ok"), (14, "ok"), (15, "query"),
     (21, "query"), (22, "deviation")],
)
def test_tim05_from_c3d1_plus_20(delta, expected):
    dox = [{"EXSTDAT": d(C3, n), "EXDOSE": 40} for n in range(3)]
    data = subject(rt(), ct(1, d(C3, -42)), ct(2, d(C3, -21)),
                   ct(3, C3, rows={"DOXADM": dox}), surg(d(REF_C3, delta)))
    findings = run("TIM-05", data)
    assert outcome(findings) == expected
    for f in findings:
        assert f.event == "SE.SURG" and f.items == ("SURG.SURGDAT",)
        assert_names(f, d(REF_C3, delta), REF_C3, abs(delta), "C3D1 + 20")
        # the interval from the last dose is shown beside it
        last = d(C3, 2)
        assert_names(f, last, (d(REF_C3, delta) - last).days)
        if expected == "deviation":
            assert f.dv_category == "SURGERY_TIMING"


@pytest.mark.parametrize(("delta", "expected"), [(6, "query"), (7, "ok"), (22, "deviation")])
def test_tim05_two_cycles_use_the_last_given_cycle(delta, expected):
    c2 = date(2025, 4, 4)
    ref = d(c2, 20)
    data = subject(rt(), ct(1, d(c2, -21)), ct(2, c2), ct(3, None, given="N", CYNGRSN="TOXICITY"),
                   surg(d(ref, delta)))
    findings = run("TIM-05", data)
    assert outcome(findings) == expected
    for f in findings:
        assert_names(f, ref)
        assert "fewer than 3 cycles" in f.message.en and "给药周期少于 3 个" in f.message.zh


@pytest.mark.parametrize(("delta", "expected"), [(-1, "deviation"), (10, "ok"), (15, "query")])
def test_tim05_without_chemotherapy_uses_last_rt_plus_7(delta, expected):
    ref = d(RT_END, 7)
    data = subject(rt(), ct(1, None, given="N", CYNGRSN="PATIENT_DECISION"), surg(d(ref, delta)))
    findings = run("TIM-05", data)
    assert outcome(findings) == expected
    for f in findings:
        assert_names(f, ref)
        assert "no chemotherapy cycle given" in f.message.en and "未给予化疗" in f.message.zh


def test_tim05_missing_dates_are_silent():
    assert run("TIM-05", subject(rt(), ct(3, C3), surg(None))) == []
    assert run("TIM-05", subject(surg(SURGDAT))) == []
    assert run("TIM-05", subject(rt(), ct(3, C3), surg(d(C3, 90), SURGYN="N"))) == []


# --- TIM-06 … TIM-10 -------------------------------------------------------------------------


@pytest.mark.parametrize(("gap", "expected"), [(27, "query"), (28, "ok"), (80, "ok")])
def test_tim06_surgery_after_rt(gap, expected):
    findings = run("TIM-06", subject(rt(), surg(d(RT_END, gap))))
    assert outcome(findings) == expected
    for f in findings:
        assert_names(f, gap, 28, RT_END)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(-15, "deviation"), (-14, "ok"), (0, "ok"), (14, "ok"), (15, "deviation")],
)
def test_tim07_follow_up_window_by_calendar_month(offset, expected):
    start = date(2025, 1, 31)
    due = date(2025, 4, 30)  # + 3 calendar months, clamped to the month end
    fu = record("SE.FU", "FU", repeat=1, FUDAT=d(due, offset))
    findings = run("TIM-07", subject(surg(start), fu))
    assert outcome(findings) == expected
    for f in findings:
        assert f.dv_category == "VISIT_WINDOW" and f.repeat == 1 and f.event == "SE.FU"
        assert_names(f, d(due, offset), due, abs(offset))


def test_tim07_without_surgery_counts_from_end_of_treatment():
    eot = date(2025, 5, 10)
    fu = record("SE.FU", "FU", repeat=2, FUDAT=date(2025, 12, 1))  # month 6: due 2025-11-10
    [f] = run("TIM-07", subject(record("SE.SURG", "SURG", SURGYN="N"),
                                record("SE.EOS", "EOS", EOTDAT=eot), fu))
    assert_names(f, date(2025, 11, 10), 21)
    assert run("TIM-07", subject(fu)) == []


@pytest.mark.parametrize(("pod", "expected"), [(24, "deviation"), (25, "ok"), (35, "ok"),
                                               (36, "deviation")])
def test_tim08_wound_assessment_window(pod, expected):
    start = date(2025, 6, 1)
    wnd = record("SE.WND", "WND", repeat=2, WNDDAT=d(start, pod))  # second check: day 30
    findings = run("TIM-08", subject(surg(start), wnd))
    assert outcome(findings) == expected
    for f in findings:
        assert f.repeat == 2 and f.dv_category == "VISIT_WINDOW"
        assert_names(f, pod, 30)


@pytest.mark.parametrize(
    ("item", "form", "event", "days_before", "fires"),
    [
        ("IMGDAT", "TUBL", "SE.SCR", 28, False),
        ("IMGDAT", "TUBL", "SE.SCR", 29, True),
        ("CHESTDAT", "TUBL", "SE.SCR", 29, True),
        ("LBDAT", "LB", "SE.SCR", 14, False),
        ("LBDAT", "LB", "SE.SCR", 15, True),
        ("LBDAT", "LB", "SE.SCR", -1, True),
    ],
)
def test_tim09_screening_assessments_recent(item, form, event, days_before, fires):
    day = d(RT_START, -days_before)
    findings = run("TIM-09", subject(rt(), record(event, form, **{item: day})))
    assert bool(findings) is fires
    for f in findings:
        assert f.items[0] == f"{form}.{item}" and f.dv_category is None
        assert_names(f, day, RT_START)


def test_tim10_consent_enrolment_rt_order():
    consent = date(2025, 2, 1)
    ie = record("SE.SCR", "IE", RFICDAT=consent)
    assert run("TIM-10", subject(ie, record("SE.SCR", "DM", ENRDAT=consent), rt())) == []
    [f] = run("TIM-10", subject(ie, record("SE.SCR", "DM", ENRDAT=d(consent, -1)), rt()))
    assert f.severity is Severity.HARD
    assert_names(f, d(consent, -1), consent)
    [f] = run("TIM-10", subject(ie, record("SE.SCR", "DM", ENRDAT=d(RT_START, 1)), rt()))
    assert f.items == ("RT.RTSTDAT", "DM.ENRDAT")
    assert_names(f, RT_START, d(RT_START, 1))
