"""The subject list (services.subject_list): one row per subject from a few bulk queries, with
the same visit plan the casebook computes from the fully loaded subject."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.core.conftest import screen_eligible
from tnt_desktop.errors import PermissionDenied
from tnt_desktop.services import subjects
from tnt_desktop.services.clinical_data import find_subject, load_subject
from tnt_desktop.services.form_entries import FormEntry, OverrideRequired, RowEntry, SaveResult
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.subject_list import overview, subject_rows
from tnt_desktop.study.schedule import Stage, VisitState, plan_visits, subject_stage

TODAY = date(2026, 1, 1)  # after every date entered below
RT_DAYS = ("2025-02-12", "2025-02-13", "2025-02-14", "2025-02-17", "2025-02-18")
CYCLES = ("2025-02-25", "2025-03-18", "2025-04-08")  # RT end + 7, then every 21 days
SURGDAT = "2025-05-08"  # end of the chemotherapy period (28 Apr) + 10


# ---- helpers shared with test_casebook and test_dashboard --------------------------------------
def save(app: AppSession, key: str, event: str, form: str, repeat: int = 1,
         rows: dict[str, list[dict[str, str]]] | None = None, today: date = TODAY,
         reason: str | None = None, **values: str) -> SaveResult:  # fmt: skip
    """save_form through the write path; soft findings are confirmed with a reason."""
    entry = FormEntry(key, event, form, repeat, values=dict(values), rows={
        group: [RowEntry(values=dict(row)) for row in group_rows]
        for group, group_rows in (rows or {}).items()}, reason=reason)  # fmt: skip
    return save_entry(app, entry, today)


def save_entry(app: AppSession, entry: FormEntry, today: date = TODAY) -> SaveResult:
    """save_form, confirming every soft finding it asks about with a reason."""
    for _attempt in range(4):
        try:
            return save_form(app, entry, today=today)
        except OverrideRequired as exc:
            for finding_key, _finding in exc.findings:
                entry.overrides[finding_key] = "Checked against the source document"
    raise AssertionError("soft findings kept coming back")


def enrolled(app: AppSession, enrdat: str = "2025-02-10") -> str:
    """An eligible, enrolled subject with F02 (ENRDAT) saved; returns the study ID."""
    subject_id = subjects.enrol(app, screen_eligible(app))
    save(app, subject_id, "SE.SCR", "DM", ENRDAT=enrdat, BRTHDAT="1970-05-05", SEX="M",
         HEIGHT="170.0", WEIGHT="70.0")  # fmt: skip
    return subject_id


def radiotherapy(app: AppSession, key: str, days: tuple[str, ...] = RT_DAYS) -> None:
    fx = [{"FXNUM": str(n), "FXDAT": day, "FXGIVEN": "Y", "FXDOSE": "5.00"}
          for n, day in enumerate(days, start=1)]  # fmt: skip
    save(app, key, "SE.RT", "RT", rows={"FX": fx})


def chemotherapy(app: AppSession, key: str, days: tuple[str, ...] = CYCLES,
                 administrations: bool = False) -> None:  # fmt: skip
    for number, day in enumerate(days, start=1):
        rows = None
        if administrations:
            rows = {"DOXADM": [{"EXSTDAT": day, "EXDOSE": "45.0", "EXROUTE": "IV"}]}
        save(app, key, f"SE.C{number}", "CT", rows=rows, CYGIVEN="Y", CYD1DAT=day)


def treated(app: AppSession, surgery: str | None = SURGDAT) -> str:
    """Enrolled, RT, three cycles and (unless None) surgery on `surgery`."""
    key = enrolled(app)
    radiotherapy(app, key)
    chemotherapy(app, key)
    if surgery is not None:
        save(app, key, "SE.SURG", "SURG", SURGYN="Y", SURGDAT=surgery)
    return key


def rows_by_key(app: AppSession, today: date = TODAY):
    return {row.key: row for row in subject_rows(app, today)}


# ---- tests ---------------------------------------------------------------------------------------
def test_no_subjects_no_rows(coordinator):
    assert subject_rows(coordinator, TODAY) == []


def test_one_row_per_subject_in_screening_order_with_stage_and_next_visit(coordinator):
    app = coordinator
    screening = screen_eligible(app)
    failed = screen_eligible(app, INC02="N")
    subjects.screen_fail(app, failed, "INCL_NOT_MET")
    on_chemo = enrolled(app)
    radiotherapy(app, on_chemo)
    chemotherapy(app, on_chemo, CYCLES[:1])
    in_follow_up = treated(app)
    withdrawn = enrolled(app)
    subjects.withdraw(app, withdrawn, "ALL_FURTHER_DATA_COLLECTION", date(2025, 3, 1))

    rows = subject_rows(app, date(2025, 3, 17))
    assert [r.key for r in rows] == [screening, failed, on_chemo, in_follow_up, withdrawn]
    by_key = {r.key: r for r in rows}
    assert by_key[screening].stage == Stage.SCREENING and by_key[screening].subject_id is None
    assert by_key[failed].stage == Stage.SCREEN_FAILED and by_key[failed].next_visit is None
    assert by_key[withdrawn].stage == Stage.WITHDRAWN and by_key[withdrawn].next_visit is None
    chemo = by_key[on_chemo]
    assert chemo.stage == Stage.ON_CHEMO and chemo.status == "ENROLLED"
    assert chemo.screening_number.startswith("SCR-") and chemo.subject_id == on_chemo
    assert chemo.next_visit.key == ("SE.C2", 1)
    assert chemo.next_visit.state is VisitState.DUE  # 16–21 March
    assert chemo.next_window == (date(2025, 3, 16), date(2025, 3, 21))
    assert chemo.next_label.en == "AI cycle 2" and chemo.stage_label.zh == "化疗中"
    assert chemo.enrolment_date == date(2025, 2, 10)
    assert isinstance(chemo.last_update, datetime)
    assert by_key[in_follow_up].stage == Stage.FOLLOW_UP


def test_overdue_flag_and_count(coordinator):
    key = enrolled(coordinator)
    radiotherapy(coordinator, key)
    row = rows_by_key(coordinator, date(2025, 2, 27))[key]
    assert not row.overdue and row.next_visit.key == ("SE.C1", 1)
    row = rows_by_key(coordinator, date(2025, 3, 10))[key]  # C1 window closed on 28 Feb
    assert row.overdue and row.overdue_count == 1
    assert row.next_visit.key == ("SE.C1", 1) and row.next_visit.state is VisitState.OVERDUE


def test_missing_forms_count_forms_of_visits_done_due_or_overdue(coordinator):
    number = screen_eligible(coordinator)  # IE saved (in progress), nothing else
    row = rows_by_key(coordinator, date(2025, 2, 5))[number]
    # screening done (SCRDAT): IE in progress + DM, MH, TUBL, LB not started;
    # enrolment due (within 28 days of screening): MSTS not started
    assert row.missing_forms == 6
    save(coordinator, number, "SE.SCR", "MH", PVD="N")
    assert rows_by_key(coordinator, date(2025, 2, 5))[number].missing_forms == 6  # in progress


def test_screen_failure_counts_only_forms_started(coordinator):
    failed = screen_eligible(coordinator, INC02="N")
    subjects.screen_fail(coordinator, failed, "INCL_NOT_MET")
    assert rows_by_key(coordinator)[failed].missing_forms == 1  # the IE form in progress


def test_open_problems_count_forms_with_findings(coordinator):
    key = enrolled(coordinator)
    radiotherapy(coordinator, key)
    before = rows_by_key(coordinator)[key].open_problems
    chemotherapy(coordinator, key, ("2025-03-02",))  # RT end + 12: TIM-02 query, confirmed
    assert rows_by_key(coordinator)[key].open_problems == before + 1


def test_the_light_read_plans_like_the_full_load(coordinator):
    """The bulk read loads only the schedule's values; the plan must not differ from the one
    made from the fully loaded subject (what the casebook shows)."""
    app = coordinator
    keys = [screen_eligible(app), treated(app), treated(app, surgery=None)]
    no_surgery = enrolled(app)
    radiotherapy(app, no_surgery)
    chemotherapy(app, no_surgery, administrations=True)
    save(app, no_surgery, "SE.SURG", "SURG", SURGYN="N", SURGNRSN="PATIENT_REFUSAL")
    save(app, keys[1], "SE.WND", "WND", 1, WNDDAT="2025-05-22")
    save(app, keys[1], "SE.FU", "FU", 1, FUDAT="2025-08-08", SSSTAT="ALIVE")
    died = treated(app)
    save(app, died, "SE.DTH", "DTH", DTHDAT="2025-09-01")
    for today in (date(2025, 2, 20), date(2025, 5, 1), TODAY):
        with app.transaction(write=False) as session:
            light = {s.key: s for s in overview(session, app.study, today)}
            for key, s in light.items():
                subject = find_subject(session, key)
                full = load_subject(session, app.study, subject).data
                assert s.visits == plan_visits(full, app.params, today), (key, today)
                assert s.stage == subject_stage(full, subject.status, today, app.params)
    with app.transaction(write=False) as session:
        light = {s.key: s for s in overview(session, app.study, TODAY)}
    fu = {v.key: v for v in light[no_surgery].visits}[("SE.FU", 1)]
    assert fu.target == date(2025, 7, 8)  # last administration 8 Apr + 3 months


def test_the_list_needs_view_data(trial):
    with pytest.raises(PermissionDenied):
        subject_rows(trial.admin)


def test_a_monitor_sees_the_list(trial):
    coordinator = trial.user("coordinator")
    key = enrolled(coordinator)
    monitor = trial.user("monitor")
    assert [r.key for r in subject_rows(monitor, TODAY)] == [key]
