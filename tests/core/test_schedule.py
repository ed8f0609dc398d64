"""The visit plan (study.schedule): windows from actual dates, states, stages, next visit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tnt_desktop.study.parameters import DEFAULT_PARAMETERS as P
from tnt_desktop.study.schedule import (
    STAGE_LABELS,
    VISIT_STATE_LABELS,
    PlannedVisit,
    Stage,
    VisitState,
    needs_administration_dates,
    next_due,
    plan_and_stage,
    plan_visits,
    subject_stage,
)
from tnt_desktop.study.subject import FormRecord, PartialDate, SubjectData

D = date
DONE, DUE, OVERDUE = VisitState.DONE, VisitState.DUE, VisitState.OVERDUE
UPCOMING, NA, UNKNOWN = VisitState.UPCOMING, VisitState.NOT_APPLICABLE, VisitState.UNKNOWN

SCRDAT, ENRDAT = D(2025, 2, 3), D(2025, 2, 10)
RTSTDAT, RTENDAT = D(2025, 2, 12), D(2025, 2, 18)
C1, C2, C3 = D(2025, 2, 25), D(2025, 3, 18), D(2025, 4, 8)  # on time: RT end + 7, then + 21
SURGDAT = D(2025, 5, 8)  # C3 + 20 = 28 Apr (end of the chemotherapy period) + 10


def rec(event: str, form: str, repeat: int = 1, rows=None, **values) -> FormRecord:
    return FormRecord(event, form, repeat, dict(values), dict(rows or {}))


def subject(*records: FormRecord) -> SubjectData:
    return SubjectData("TNT-01-001", list(records))


def cycle(number: int, day1: date | None, given: str = "Y", **values) -> FormRecord:
    if day1 is not None:
        values["CYD1DAT"] = day1
    return rec(f"SE.C{number}", "CT", CYGIVEN=given, **values)


def screened() -> list[FormRecord]:
    return [rec("SE.SCR", "IE", SCRDAT=SCRDAT), rec("SE.SCR", "DM", ENRDAT=ENRDAT)]


def treated(surgery: date | None = SURGDAT) -> list[FormRecord]:
    records = [*screened(), rec("SE.RT", "RT", RTSTDAT=RTSTDAT, RTENDAT=RTENDAT),
               cycle(1, C1), cycle(2, C2), cycle(3, C3),
               rec("SE.PREOP", "TUPRE", IMGDAT=SURGDAT - timedelta(days=5))]  # fmt: skip
    if surgery is not None:
        records.append(rec("SE.SURG", "SURG", SURGYN="Y", SURGDAT=surgery))
    return records


def by_key(visits: list[PlannedVisit]) -> dict[tuple[str, int], PlannedVisit]:
    return {v.key: v for v in visits}


def window(visit: PlannedVisit) -> tuple[date | None, date | None]:
    return visit.window_start, visit.window_end


# --- windows --------------------------------------------------------------------------------------


def test_every_scheduled_instance_in_schedule_order():
    visits = plan_visits(subject(), P, D(2025, 1, 1))
    assert [v.key for v in visits] == [
        ("SE.SCR", 1), ("SE.ENR", 1), ("SE.RT", 1), ("SE.C1", 1), ("SE.C2", 1), ("SE.C3", 1),
        ("SE.PREOP", 1), ("SE.SURG", 1), ("SE.PATH", 1),
        *[("SE.WND", k) for k in range(1, 6)], *[("SE.FU", k) for k in range(1, 9)],
        ("SE.EOS", 1),
    ]  # fmt: skip
    labels = by_key(visits)
    assert labels[("SE.C2", 1)].label.en == "AI cycle 2"
    assert labels[("SE.C2", 1)].label.zh == "AI 化疗第 2 周期"
    assert labels[("SE.FU", 2)].label.en == "Follow-up 6 months"
    assert labels[("SE.FU", 2)].label.zh == "随访 6 个月"
    assert labels[("SE.WND", 2)].label.en == "Wound check day 30"
    assert labels[("SE.WND", 2)].label.zh == "术后第 30 天伤口评估"


def test_windows_of_an_on_time_subject():
    today = D(2025, 5, 20)
    v = by_key(plan_visits(subject(*treated()), P, today))
    assert window(v[("SE.SCR", 1)]) == (ENRDAT - timedelta(days=28), ENRDAT)
    assert window(v[("SE.ENR", 1)]) == (SCRDAT, SCRDAT + timedelta(days=28))
    assert window(v[("SE.RT", 1)]) == (D(2025, 2, 11), D(2025, 2, 24))
    c1 = v[("SE.C1", 1)]
    assert (c1.target, *window(c1)) == (D(2025, 2, 25), D(2025, 2, 23), D(2025, 2, 28))
    c2 = v[("SE.C2", 1)]
    assert (c2.target, *window(c2)) == (D(2025, 3, 18), D(2025, 3, 16), D(2025, 3, 21))
    assert v[("SE.C3", 1)].target == D(2025, 4, 8)
    # surgery 7–14 days after the end of the chemotherapy period (C3D1 + 20 = 28 Apr)
    assert window(v[("SE.SURG", 1)]) == (D(2025, 5, 5), D(2025, 5, 12))
    assert window(v[("SE.PREOP", 1)]) == (SURGDAT - timedelta(days=14), SURGDAT)
    assert window(v[("SE.PATH", 1)]) == (SURGDAT, SURGDAT + timedelta(days=30))
    wnd = v[("SE.WND", 1)]
    assert (wnd.target, *window(wnd)) == (D(2025, 5, 22), D(2025, 5, 17), D(2025, 5, 27))
    assert v[("SE.WND", 5)].target == SURGDAT + timedelta(days=120)
    fu = v[("SE.FU", 1)]
    assert (fu.target, *window(fu)) == (D(2025, 8, 8), D(2025, 7, 25), D(2025, 8, 22))
    assert v[("SE.FU", 8)].target == D(2027, 5, 8)
    assert window(v[("SE.EOS", 1)]) == window(v[("SE.FU", 8)])
    # states
    for key in [("SE.SCR", 1), ("SE.ENR", 1), ("SE.RT", 1), ("SE.C1", 1), ("SE.C2", 1),
                ("SE.C3", 1), ("SE.PREOP", 1), ("SE.SURG", 1)]:  # fmt: skip
        assert v[key].state is DONE
    assert v[("SE.C1", 1)].actual == C1 and v[("SE.SURG", 1)].actual == SURGDAT
    assert v[("SE.RT", 1)].actual == RTSTDAT
    assert v[("SE.PATH", 1)].state is DUE
    assert v[("SE.WND", 1)].state is DUE
    assert v[("SE.WND", 2)].state is UPCOMING
    assert v[("SE.FU", 1)].state is UPCOMING


def test_a_delayed_cycle_moves_the_next_window_and_becomes_overdue():
    late = C1 + timedelta(days=9)
    records = [*screened(), rec("SE.RT", "RT", RTSTDAT=RTSTDAT, RTENDAT=RTENDAT),
               cycle(1, late)]  # fmt: skip
    v = by_key(plan_visits(subject(*records), P, D(2025, 3, 20)))
    assert v[("SE.C1", 1)].state is DONE  # late, but documented: timing is TIM-02's business
    c2 = v[("SE.C2", 1)]
    assert c2.target == late + timedelta(days=21)
    assert window(c2) == (late + timedelta(days=19), late + timedelta(days=24))
    assert c2.state is UPCOMING
    assert by_key(plan_visits(subject(*records), P, late + timedelta(days=19)))[
        ("SE.C2", 1)].state is DUE  # fmt: skip
    overdue = plan_visits(subject(*records), P, late + timedelta(days=25))
    assert by_key(overdue)[("SE.C2", 1)].state is OVERDUE
    assert next_due(overdue).key == ("SE.C2", 1)


def test_missing_reference_dates_leave_later_visits_unknown():
    v = by_key(plan_visits(subject(), P, D(2025, 2, 5)))
    assert v[("SE.SCR", 1)].state is DUE  # screening is under way
    for key in [("SE.ENR", 1), ("SE.RT", 1), ("SE.C1", 1), ("SE.SURG", 1), ("SE.WND", 1),
                ("SE.FU", 1), ("SE.EOS", 1)]:  # fmt: skip
        assert v[key].state is UNKNOWN
        assert v[key].window_start is None and v[key].note is not None
    v = by_key(plan_visits(subject(*screened()), P, D(2025, 2, 11)))
    assert v[("SE.RT", 1)].state is DUE
    assert v[("SE.C1", 1)].state is UNKNOWN
    # RT not entered, enrolment window long past: overdue
    assert by_key(plan_visits(subject(*screened()), P, D(2025, 3, 1)))[
        ("SE.RT", 1)].state is OVERDUE  # fmt: skip


def test_surgery_waits_for_the_last_cycle():
    """With C1 and C2 given and C3 not yet documented, the surgery window is not known."""
    records = [*screened(), rec("SE.RT", "RT", RTSTDAT=RTSTDAT, RTENDAT=RTENDAT),
               cycle(1, C1), cycle(2, C2)]  # fmt: skip
    v = by_key(plan_visits(subject(*records), P, D(2025, 4, 7)))
    assert v[("SE.C3", 1)].state is DUE
    assert v[("SE.SURG", 1)].state is UNKNOWN and v[("SE.PREOP", 1)].state is UNKNOWN


def test_before_surgery_restaging_window_precedes_the_surgery_window():
    records = [*screened(), rec("SE.RT", "RT", RTSTDAT=RTSTDAT, RTENDAT=RTENDAT),
               cycle(1, C1), cycle(2, C2), cycle(3, C3)]  # fmt: skip
    v = by_key(plan_visits(subject(*records), P, D(2025, 4, 22)))
    assert window(v[("SE.PREOP", 1)]) == (D(2025, 4, 21), D(2025, 5, 12))
    assert v[("SE.PREOP", 1)].state is DUE
    assert v[("SE.SURG", 1)].state is UPCOMING


def test_cycle_not_given_stops_later_cycles():
    records = [*screened(), rec("SE.RT", "RT", RTSTDAT=RTSTDAT, RTENDAT=RTENDAT),
               cycle(1, C1), cycle(2, None, given="N", CYNGRSN="TOXICITY")]  # fmt: skip
    v = by_key(plan_visits(subject(*records), P, D(2025, 3, 25)))
    assert v[("SE.C2", 1)].state is DONE and v[("SE.C2", 1)].actual is None
    assert v[("SE.C2", 1)].note.en == "Cycle not given"
    assert v[("SE.C3", 1)].state is NA
    # clarification 15: the reference is the last given cycle's D1 + 20
    period_end = C1 + timedelta(days=20)
    assert window(v[("SE.SURG", 1)]) == (period_end + timedelta(days=7),
                                         period_end + timedelta(days=14))  # fmt: skip


@pytest.mark.parametrize(("surgery", "months", "expected"), [
    (D(2025, 1, 31), 1, D(2025, 2, 28)),
    (D(2024, 1, 31), 1, D(2024, 2, 29)),
    (D(2025, 1, 31), 2, D(2025, 3, 31)),
    (D(2025, 1, 31), 3, D(2025, 4, 30)),
    (D(2025, 5, 8), 24, D(2027, 5, 8)),
    (D(2025, 11, 30), 3, D(2026, 2, 28)),
])  # fmt: skip
def test_follow_up_is_due_by_calendar_month_after_surgery(surgery, months, expected):
    params = P.with_changes(fu_months=(months,))
    records = [*treated(surgery=surgery)]
    v = by_key(plan_visits(subject(*records), params, surgery))
    fu = v[("SE.FU", 1)]
    assert fu.target == expected
    assert window(fu) == (expected - timedelta(days=14), expected + timedelta(days=14))
    assert fu.label.en == f"Follow-up {months} months"


def test_follow_up_dates_come_from_the_form():
    records = [*treated(), rec("SE.FU", "FU", 1, FUDAT=D(2025, 8, 10), SSSTAT="ALIVE")]
    v = by_key(plan_visits(subject(*records), P, D(2025, 11, 1)))
    assert v[("SE.FU", 1)].state is DONE and v[("SE.FU", 1)].actual == D(2025, 8, 10)
    assert v[("SE.FU", 2)].state is DUE  # 8 Nov ± 14


def test_no_surgery_anchors_follow_up_at_eotdat_and_drops_wound_checks():
    eot = D(2025, 4, 11)
    records = [*treated(surgery=None), rec("SE.SURG", "SURG", SURGYN="N",
                                           SURGNRSN="PATIENT_REFUSAL"),
               rec("SE.EOS", "EOS", EOTDAT=eot)]  # fmt: skip
    v = by_key(plan_visits(subject(*records), P, D(2025, 6, 1)))
    surgery = v[("SE.SURG", 1)]
    assert surgery.state is DONE and surgery.actual is None
    assert surgery.note.en == "No protocol surgery"
    assert v[("SE.PATH", 1)].state is NA
    assert all(v[("SE.WND", k)].state is NA for k in range(1, 6))
    assert v[("SE.FU", 1)].target == D(2025, 7, 11)
    assert v[("SE.FU", 1)].state is UPCOMING


def test_no_surgery_without_eos_derives_eotdat_from_the_administration_dates():
    rows = {"DOXADM": [{"EXSTDAT": C3}, {"EXSTDAT": C3 + timedelta(days=2)}],
            "IFOADM": [{"EXSTDAT": C3 + timedelta(days=3)}]}  # fmt: skip
    records = [*screened(), rec("SE.RT", "RT", RTSTDAT=RTSTDAT, RTENDAT=RTENDAT),
               cycle(1, C1), cycle(2, C2), rec("SE.C3", "CT", rows=rows, CYGIVEN="Y",
                                               CYD1DAT=C3),
               rec("SE.SURG", "SURG", SURGYN="N")]  # fmt: skip
    data = subject(*records)
    assert needs_administration_dates(data)
    v = by_key(plan_visits(data, P, D(2025, 5, 1)))
    assert v[("SE.FU", 1)].target == D(2025, 7, 11)  # last dose 11 Apr + 3 months
    assert not needs_administration_dates(subject(*treated()))


def test_no_restaging_without_surgery_is_not_applicable():
    records = [*screened(), rec("SE.RT", "RT", RTSTDAT=RTSTDAT, RTENDAT=RTENDAT),
               cycle(1, C1), cycle(2, C2), cycle(3, C3), rec("SE.SURG", "SURG", SURGYN="N")]
    v = by_key(plan_visits(subject(*records), P, D(2025, 6, 1)))
    assert v[("SE.PREOP", 1)].state is NA


def test_death_stops_the_plan():
    death = D(2025, 9, 1)
    records = [*treated(), rec("SE.PATH", "PATH", PATHDAT=D(2025, 5, 20)),
               *[rec("SE.WND", "WND", k, WNDDAT=SURGDAT + timedelta(days=d))
                 for k, d in enumerate((14, 30, 60, 90, 120), start=1)],
               rec("SE.DTH", "DTH", DTHDAT=PartialDate(2025, 9, 1))]  # fmt: skip
    v = by_key(plan_visits(subject(*records), P, D(2025, 12, 1)))
    for k in range(1, 9):  # FU 3 months (8 Aug ± 14) was missed while alive: no longer chased
        assert v[("SE.FU", k)].state is NA
        assert v[("SE.FU", k)].note.en == "After the subject's death"
    eos = v[("SE.EOS", 1)]
    assert eos.state is DUE and eos.window_start == death and eos.window_end is None
    # a follow-up reporting death without a death form stops the plan too
    records = [*treated(), rec("SE.FU", "FU", 1, FUDAT=D(2025, 8, 8), SSSTAT="DEAD")]
    v = by_key(plan_visits(subject(*records), P, D(2025, 12, 1)))
    assert v[("SE.FU", 1)].state is DONE and v[("SE.FU", 2)].state is NA
    # a partial date of death counts from its first possible day
    records = [*treated(), rec("SE.DTH", "DTH", DTHDAT=PartialDate(2025, 11))]
    v = by_key(plan_visits(subject(*records), P, D(2025, 12, 1)))
    assert v[("SE.FU", 2)].state is NA
    assert v[("SE.EOS", 1)].window_start == D(2025, 11, 1)


def test_screen_failure_ends_the_plan_at_screening():
    records = [rec("SE.SCR", "IE", SCRDAT=SCRDAT, SFREAS="INCLUSION_NOT_MET")]
    visits = plan_visits(subject(*records), P, D(2025, 3, 1))
    assert visits[0].state is DONE
    assert all(v.state is NA for v in visits[1:])
    assert next_due(visits) is None


def test_end_of_study_ends_the_plan():
    records = [*treated(), rec("SE.EOS", "EOS", EOSDAT=D(2025, 10, 1),
                               EOSSTAT="LOST_TO_FOLLOW_UP")]  # fmt: skip
    v = by_key(plan_visits(subject(*records), P, D(2025, 12, 1)))
    assert v[("SE.EOS", 1)].state is DONE
    for k in range(1, 9):  # FU 3 months was missed before the end: no longer chased either
        assert v[("SE.FU", k)].state is NA
        assert v[("SE.FU", k)].note.en == "After the end of study"
    assert next_due(list(v.values())) is None


def test_withdrawal_from_treatment_only_keeps_follow_up():
    eos = rec("SE.EOS", "EOS", EOSDAT=D(2025, 3, 10), EOSSTAT="CONSENT_WITHDRAWN",
              WDSCOPE="TREATMENT_ONLY", EOTDAT=C1)  # fmt: skip
    records = [*screened(), rec("SE.RT", "RT", RTSTDAT=RTSTDAT, RTENDAT=RTENDAT),
               cycle(1, C1), eos]  # fmt: skip
    v = by_key(plan_visits(subject(*records), P, D(2025, 4, 1)))
    for key in [("SE.C2", 1), ("SE.C3", 1), ("SE.PREOP", 1), ("SE.SURG", 1), ("SE.PATH", 1),
                ("SE.WND", 1)]:  # fmt: skip
        assert v[key].state is NA, key
    assert v[("SE.FU", 1)].target == D(2025, 5, 25)  # EOTDAT + 3 months
    assert v[("SE.FU", 1)].state is UPCOMING


def test_wound_check_windows_and_states():
    records = [*treated(), rec("SE.WND", "WND", 1, WNDDAT=D(2025, 5, 21))]
    today = SURGDAT + timedelta(days=36)
    v = by_key(plan_visits(subject(*records), P, today))
    assert v[("SE.WND", 1)].state is DONE
    assert v[("SE.WND", 2)].state is OVERDUE  # day 30 ± 5 closed on day 35
    assert v[("SE.WND", 3)].state is UPCOMING
    assert window(v[("SE.WND", 3)]) == (SURGDAT + timedelta(days=55),
                                        SURGDAT + timedelta(days=65))  # fmt: skip


# --- stages ---------------------------------------------------------------------------------------


RT_ONLY = [*screened(), rec("SE.RT", "RT", RTSTDAT=RTSTDAT, RTENDAT=RTENDAT)]


@pytest.mark.parametrize(("status", "records", "today", "expected"), [
    ("SCREENING", [rec("SE.SCR", "IE", SCRDAT=SCRDAT)], SCRDAT, Stage.SCREENING),
    ("SCREEN_FAILED", [rec("SE.SCR", "IE", SFREAS="OTHER")], SCRDAT, Stage.SCREEN_FAILED),
    ("ENROLLED", screened(), ENRDAT, Stage.ENROLLED),
    ("ENROLLED", RT_ONLY, RTSTDAT, Stage.ON_RT),
    ("ENROLLED", [*RT_ONLY, cycle(1, C1)], C1, Stage.ON_CHEMO),
    ("ENROLLED", [*RT_ONLY, cycle(1, C1), cycle(2, C2), cycle(3, C3)], C3,
     Stage.AWAITING_SURGERY),
    ("ENROLLED", [*RT_ONLY, cycle(1, C1), cycle(2, None, given="N")], C2,
     Stage.AWAITING_SURGERY),
    ("ENROLLED", treated(), SURGDAT, Stage.FOLLOW_UP),
    ("ENROLLED", [*treated(surgery=None), rec("SE.SURG", "SURG", SURGYN="N")], SURGDAT,
     Stage.FOLLOW_UP),
    ("ENROLLED", [*treated(), rec("SE.EOS", "EOS", EOSDAT=D(2027, 5, 8),
                                  EOSSTAT="COMPLETED_24M_FU")], D(2027, 5, 8),
     Stage.COMPLETED),
    ("ENROLLED", [*treated(), rec("SE.DTH", "DTH", DTHDAT=PartialDate(2025, 9))],
     D(2025, 10, 1), Stage.DIED),
    ("WITHDRAWN", [*RT_ONLY, rec("SE.EOS", "EOS", EOSDAT=D(2025, 3, 1),
                                 EOSSTAT="CONSENT_WITHDRAWN")], D(2025, 3, 2),
     Stage.WITHDRAWN),
    ("WITHDRAWN", [*RT_ONLY, rec("SE.EOS", "EOS", EOSSTAT="DEATH", EOSDAT=D(2025, 4, 1))],
     D(2025, 4, 2), Stage.DIED),
])  # fmt: skip
def test_stage_for_each_status(status, records, today, expected):
    data = subject(*records)
    assert subject_stage(data, status, today) == expected
    assert plan_and_stage(data, status, P, today)[1] == expected


def test_every_stage_and_state_has_both_labels():
    assert set(STAGE_LABELS) == set(Stage)
    assert set(VISIT_STATE_LABELS) == set(VisitState)
    for text in [*STAGE_LABELS.values(), *VISIT_STATE_LABELS.values()]:
        assert text.en and text.zh and text.en != text.zh


# --- next visit -----------------------------------------------------------------------------------


def _v(event: str, state: VisitState, start: date | None, repeat: int = 1) -> PlannedVisit:
    end = None if start is None else start + timedelta(days=10)
    return PlannedVisit(event, repeat, STAGE_LABELS[Stage.ENROLLED], None, start, end, None,
                        state)  # fmt: skip


def test_next_due_prefers_open_visits_then_the_earliest_upcoming():
    assert next_due([]) is None
    done = _v("SE.SCR", DONE, D(2025, 1, 1))
    upcoming_late = _v("SE.FU", UPCOMING, D(2025, 9, 1), 2)
    upcoming_early = _v("SE.WND", UPCOMING, D(2025, 8, 1), 5)
    unknown = _v("SE.EOS", UNKNOWN, None)
    assert next_due([done, upcoming_late, upcoming_early, unknown]) is upcoming_early
    due = _v("SE.FU", DUE, D(2025, 7, 1), 1)
    overdue = _v("SE.WND", OVERDUE, D(2025, 6, 1), 4)
    assert next_due([done, overdue, upcoming_early, due]) is overdue
    assert next_due([done, due, upcoming_early]) is due
    assert next_due([done, unknown, _v("SE.C3", NA, None)]) is None
