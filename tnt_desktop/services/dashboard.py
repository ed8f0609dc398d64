"""The dashboard: enrolment against the target, subjects by stage, visits due and overdue,
forms with problems, last backup and export. One read transaction over the same bulk read as the
subject list (`subject_list.overview`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from tnt_desktop.services.backups import LAST_FORMAT, LAST_KEY
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.queries import NO_QUERIES, QueryCounts
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.settings import read_setting
from tnt_desktop.services.subject_list import SubjectOverview, bulk_work, overview
from tnt_desktop.study.model import Text
from tnt_desktop.study.schedule import PlannedVisit, Stage, VisitState

EXPORT_LAST_KEY = "export.last_utc"
DUE_HORIZON_DAYS = 14


@dataclass(frozen=True)
class MonthCount:
    month: str  # "YYYY-MM"
    count: int  # subjects enrolled that month
    cumulative: int  # enrolled up to the end of that month


@dataclass(frozen=True)
class VisitAlert:
    subject_key: str
    visit: PlannedVisit  # label, window, state


@dataclass(frozen=True)
class ProblemForm:
    subject_key: str
    event: str
    repeat: int
    form: str
    form_label: Text
    event_label: Text
    has_errors: bool
    has_warnings: bool
    updated_utc: datetime | None


@dataclass(frozen=True)
class Dashboard:
    today: date
    screened: int  # every subject ever screened
    enrolled: int  # subjects given a study ID (withdrawn and died included)
    target: int  # params.target_enrolment
    enrolment_by_month: tuple[MonthCount, ...]  # first enrolment month → this month, no gaps
    by_stage: dict[str, int]  # every schedule.Stage, in order, zeros included
    due_soon: tuple[VisitAlert, ...]  # window open now or opening within the horizon
    overdue: tuple[VisitAlert, ...]
    problem_forms: tuple[ProblemForm, ...]  # has_errors or has_warnings
    last_backup_utc: datetime | None
    last_export_utc: datetime | None  # exports come later; None until one is recorded
    queries: QueryCounts = NO_QUERIES  # study-wide open / answered / closed queries


def dashboard(app: AppSession, today: date | None = None,
              horizon_days: int = DUE_HORIZON_DAYS) -> Dashboard:  # fmt: skip
    """Permission VIEW_DATA; one read transaction."""
    app.require(Permission.VIEW_DATA)
    today = today or date.today()
    study = app.study
    with bulk_work():
        with app.transaction(write=False) as session:
            subjects = overview(session, study, today)
            backup = _stamp(read_setting(session, LAST_KEY))
            export = _stamp(read_setting(session, EXPORT_LAST_KEY))
        board = _summarise(app, subjects, today, horizon_days)
        del subjects  # freed here, before the collector runs again
    return replace(board, last_backup_utc=backup, last_export_utc=export)


def _summarise(app: AppSession, subjects: list[SubjectOverview], today: date,
               horizon_days: int) -> Dashboard:  # fmt: skip
    study = app.study
    enrolled = [s for s in subjects if s.subject_id is not None]
    horizon = today + timedelta(days=horizon_days)
    due, overdue = [], []
    problems: list[ProblemForm] = []
    for s in subjects:
        for visit in s.visits:
            if visit.state is VisitState.OVERDUE:
                overdue.append(VisitAlert(s.key, visit))
            elif visit.state is VisitState.DUE or (
                visit.state is VisitState.UPCOMING and visit.window_start is not None
                and visit.window_start <= horizon
            ):  # fmt: skip
                due.append(VisitAlert(s.key, visit))
        if s.open_problems:
            for info in s.form_infos():
                if info.has_errors or info.has_warnings:
                    problems.append(ProblemForm(
                        s.key, info.event, info.repeat, info.form, study.form(info.form).label,
                        study.event(info.event).label, info.has_errors, info.has_warnings,
                        info.updated_utc))  # fmt: skip
    due.sort(key=lambda a: (a.visit.window_start or date.min, a.subject_key))
    overdue.sort(key=lambda a: (a.visit.window_end or date.min, a.subject_key))
    stages = Counter(s.stage for s in subjects)
    queries = NO_QUERIES
    for s in subjects:
        if s.queries.total:
            queries = queries + s.queries
    return Dashboard(
        today=today,
        screened=len(subjects),
        enrolled=len(enrolled),
        target=app.params.target_enrolment,
        enrolment_by_month=_by_month(enrolled, today),
        by_stage={stage.value: stages.get(stage, 0) for stage in Stage},
        due_soon=tuple(due),
        overdue=tuple(overdue),
        problem_forms=tuple(problems),
        last_backup_utc=None,
        last_export_utc=None,
        queries=queries,
    )


def _by_month(enrolled: list[SubjectOverview], today: date) -> tuple[MonthCount, ...]:
    months = Counter(
        (d.year, d.month) for s in enrolled if (d := s.enrolment_date) is not None
    )
    if not months:
        return ()
    year, month = min(months)
    last = max(max(months), (today.year, today.month))
    result, total = [], 0
    while (year, month) <= last:
        count = months.get((year, month), 0)
        total += count
        result.append(MonthCount(f"{year:04d}-{month:02d}", count, total))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(result)


def _stamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, LAST_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
