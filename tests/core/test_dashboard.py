"""The dashboard (services.dashboard)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.core.conftest import screen_eligible
from tests.core.test_subject_list import enrolled, radiotherapy, save, treated
from tnt_desktop.errors import PermissionDenied
from tnt_desktop.services import backups, subjects
from tnt_desktop.services.dashboard import MonthCount, dashboard
from tnt_desktop.study.schedule import Stage, VisitState


def test_an_empty_study(coordinator):
    board = dashboard(coordinator, date(2025, 3, 1))
    assert (board.screened, board.enrolled, board.target) == (0, 0, 51)
    assert board.enrolment_by_month == ()
    assert list(board.by_stage) == [stage.value for stage in Stage]
    assert set(board.by_stage.values()) == {0}
    assert board.due_soon == board.overdue == board.problem_forms == ()
    assert board.last_backup_utc is None and board.last_export_utc is None


def test_enrolment_stages_visits_and_problems(coordinator):
    app = coordinator
    screen_eligible(app)
    failed = screen_eligible(app, INC02="N")
    subjects.screen_fail(app, failed, "INCL_NOT_MET")
    february = enrolled(app, "2025-02-10")
    radiotherapy(app, february)  # RT ends 18 Feb: C1 due 23–28 Feb
    april = enrolled(app, "2025-04-02")  # RT due 3–16 April
    late = enrolled(app, "2025-01-06")  # RT window 7–20 Jan: overdue
    save(app, late, "SE.SCR", "DM", reason="SOURCE_CORRECTED", HEIGHT="205.0")  # a warning
    in_follow_up = treated(app)

    today = date(2025, 2, 20)
    board = dashboard(app, today)
    assert (board.screened, board.enrolled) == (6, 4)
    assert board.enrolment_by_month == (
        MonthCount("2025-01", 1, 1), MonthCount("2025-02", 2, 3), MonthCount("2025-03", 0, 3),
        MonthCount("2025-04", 1, 4),
    )  # fmt: skip
    assert board.by_stage[Stage.SCREENING] == 1 and board.by_stage[Stage.SCREEN_FAILED] == 1
    assert board.by_stage[Stage.ON_RT] == 1 and board.by_stage[Stage.ENROLLED] == 2
    assert board.by_stage[Stage.FOLLOW_UP] == 1
    assert sum(board.by_stage.values()) == 6

    due = {(a.subject_key, a.visit.event) for a in board.due_soon}
    assert (february, "SE.C1") in due  # opens 23 Feb, within 14 days
    assert (april, "SE.RT") not in due  # opens 3 April
    assert all(a.visit.state in (VisitState.DUE, VisitState.UPCOMING) for a in board.due_soon)
    starts = [a.visit.window_start for a in board.due_soon]
    assert starts == sorted(starts)
    overdue = {(a.subject_key, a.visit.event) for a in board.overdue}
    assert (late, "SE.RT") in overdue
    assert all(a.visit.state is VisitState.OVERDUE for a in board.overdue)
    assert in_follow_up not in {a.subject_key for a in board.overdue if a.visit.event == "SE.C1"}

    problems = [(p.subject_key, p.event, p.form) for p in board.problem_forms]
    assert (late, "SE.SCR", "DM") in problems
    [dm] = [p for p in board.problem_forms if p.subject_key == late and p.form == "DM"]
    assert dm.has_warnings and dm.form_label.en and dm.event_label.en == "Screening"
    assert isinstance(dm.updated_utc, datetime)

    wider = dashboard(app, today, horizon_days=60)
    assert (april, "SE.RT") in {(a.subject_key, a.visit.event) for a in wider.due_soon}


def test_last_backup_time(trial, tmp_path):
    coordinator = trial.user("coordinator")
    backups.backup_now(trial.admin, tmp_path / "backups",
                       now=datetime(2025, 3, 1, 8, 30, tzinfo=UTC))  # fmt: skip
    board = dashboard(coordinator, date(2025, 3, 1))
    assert board.last_backup_utc == backups.last_backup_utc(trial.admin)
    assert board.last_backup_utc.tzinfo is not None
    assert board.last_export_utc is None


def test_the_dashboard_needs_view_data(trial):
    with pytest.raises(PermissionDenied):
        dashboard(trial.admin)
