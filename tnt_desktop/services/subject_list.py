"""The subject list: one row per subject with stage, next visit, missing forms and problems.

Built for thousands of subjects: no per-subject `load_subject`. A handful of bulk queries read
the subjects, every form instance with its event, and only the stored values the schedule reads
(`study.schedule.SCHEDULE_ITEMS`, plus the latest chemotherapy administration date of each CT
form, only for the few subjects whose plan needs it); light `SubjectData` objects holding just
those values go through the same schedule functions as the casebook, so both show the same plan
(a test compares them). Measured with benchmarks/subject_list.py.

`overview(session, study, today)` is the shared bulk read (the dashboard uses it too); run it
inside `bulk_work()`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import String, bindparam, func, select, type_coerce
from sqlalchemy.orm import Session

from tnt_desktop.services.clinical_data import MAIN, typed
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.queries import NO_QUERIES, QueryCounts, counts_by_subject_pk
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.workflow import FormStatus
from tnt_desktop.storage.models import EventInstance, FormInstance, ItemValue, Subject
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import DataType, Text
from tnt_desktop.study.schedule import (
    SCHEDULE_ITEM_NAMES,
    SCHEDULE_ITEMS,
    SCHEDULE_ROW_ITEMS,
    STAGE_LABELS,
    PlannedVisit,
    Stage,
    VisitState,
    needs_administration_dates,
    next_due,
    plan_and_stage,
)
from tnt_desktop.study.subject import FormRecord, SubjectData

# statuses that still need work; COMPLETE and anything later (verified, signed, locked) do not
INCOMPLETE = frozenset({FormStatus.NOT_STARTED.value, FormStatus.IN_PROGRESS.value})
_EXPECTED = (VisitState.DONE, VisitState.DUE, VisitState.OVERDUE)


class FormInfo(NamedTuple):
    """One stored form instance, without its values."""

    pk: int
    event: str
    repeat: int
    form: str
    status: str
    has_errors: bool
    has_warnings: bool
    updated_text: str | None  # as stored (ISO text sorts as times do); parsed on demand

    @property
    def updated_utc(self) -> datetime | None:
        return _parse_time(self.updated_text)


def _parse_time(text: str | datetime | None) -> datetime | None:
    if not text or isinstance(text, datetime):
        return text or None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@contextmanager
def bulk_work() -> Iterator[None]:
    """Pause the cyclic garbage collector while 10⁵–10⁶ small objects are made: its full passes
    over them cost a third of the time, and nothing made here forms reference cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _rows(connection, statement, batch: int = 200) -> Iterator[tuple]:
    """The DB-API rows of a Core statement, without SQLAlchemy's per-row processing (10⁵ rows:
    booleans and timestamps arrive as the driver gives them; the callers allow for that).
    In batches, each freed as the next is read: not 10⁵ tuples made or freed in one C call
    that holds the GIL (the GUI thread would stall while the list loads off it)."""
    result = connection.execute(statement)
    try:
        while rows := result.cursor.fetchmany(batch):
            yield from rows
    finally:
        result.close()


@dataclass
class SubjectOverview:
    """What the list and the dashboard know about one subject."""

    pk: int
    screening_number: str
    subject_id: str | None
    status: str
    enrolled_utc: datetime | None
    created_utc: datetime | None
    data: SubjectData
    # (event, repeat, form) → (pk, status, has_errors, has_warnings, updated text): plain
    # tuples, there are 10⁵ of them; form_infos() gives them names
    forms: dict[tuple[str, int, str], tuple] = field(default_factory=dict)
    visits: list[PlannedVisit] = field(default_factory=list)
    stage: str = Stage.SCREENING
    last_update_text: str | None = None
    queries: QueryCounts = NO_QUERIES  # by status (services.queries)
    data_state: str = "OPEN"  # workflow.SubjectDataState: OPEN, FROZEN or LOCKED

    @property
    def key(self) -> str:
        return self.subject_id or self.screening_number

    @property
    def enrolment_date(self) -> date | None:
        """ENRDAT; without it, the day the study ID was assigned (UTC)."""
        dm = self.data.form("DM", "SE.SCR")
        value = None if dm is None else dm.values.get("ENRDAT")
        if isinstance(value, date):
            return value
        return None if self.enrolled_utc is None else self.enrolled_utc.date()

    @property
    def last_update(self) -> datetime | None:
        return _parse_time(self.last_update_text) or self.created_utc

    def form_status(self, event: str, repeat: int, form: str) -> str:
        found = self.forms.get((event, repeat, form))
        return FormStatus.NOT_STARTED.value if found is None else found[1]

    @property
    def open_problems(self) -> int:
        return sum(1 for f in self.forms.values() if f[2] or f[3])

    def form_infos(self) -> list[FormInfo]:
        """The form instances, in the order they were created."""
        return sorted((FormInfo(pk, event, repeat, form, status, bool(errors), bool(warnings),
                                updated)
                       for (event, repeat, form), (pk, status, errors, warnings, updated)
                       in self.forms.items()), key=lambda f: f.pk)  # fmt: skip


@dataclass(frozen=True)
class SubjectRow:
    """One row of the subject list."""

    key: str  # subject ID when enrolled, else screening number
    screening_number: str
    subject_id: str | None
    status: str  # SubjectStatus value
    stage: str  # schedule.Stage value
    next_visit: PlannedVisit | None  # schedule.next_due
    overdue: bool  # any visit overdue
    overdue_count: int
    missing_forms: int
    open_problems: int  # form instances with errors or warnings
    enrolment_date: date | None
    last_update: datetime | None  # latest form save (UTC, naive as stored), else screening
    open_queries: int = 0  # queries waiting for the site's answer
    answered_queries: int = 0  # answered, waiting for the raiser to close or re-open
    data_state: str = "OPEN"  # workflow.SubjectDataState: OPEN, FROZEN or LOCKED

    @property
    def stage_label(self) -> Text:
        return STAGE_LABELS[self.stage]

    @property
    def next_label(self) -> Text | None:
        return None if self.next_visit is None else self.next_visit.label

    @property
    def next_window(self) -> tuple[date | None, date | None] | None:
        v = self.next_visit
        return None if v is None else (v.window_start, v.window_end)


def subject_rows(app: AppSession, today: date | None = None) -> list[SubjectRow]:
    """Every subject, in screening order (permission VIEW_DATA; one read transaction)."""
    app.require(Permission.VIEW_DATA)
    today = today or date.today()
    with bulk_work():
        with app.transaction(write=False) as session:
            subjects = overview(session, app.study, today)
        expected: ExpectedForms = {}
        # each overview is freed as soon as its row is made: freeing all 10⁵ objects in one go
        # holds the GIL for ~80 ms, a stall of the GUI thread while this runs in a worker
        rows: list[SubjectRow] = []
        subjects.reverse()
        while subjects:
            rows.append(row_of(subjects.pop(), app.study, expected))
    return rows


ExpectedForms = dict[tuple[str, int], tuple[str, ...]]  # (event, repeat) → form codes


def row_of(s: SubjectOverview, study: Study, expected: ExpectedForms | None = None) -> SubjectRow:
    overdue = sum(1 for v in s.visits if v.state is VisitState.OVERDUE)
    return SubjectRow(
        key=s.key,
        screening_number=s.screening_number,
        subject_id=s.subject_id,
        status=s.status,
        stage=s.stage,
        next_visit=next_due(s.visits),
        overdue=overdue > 0,
        overdue_count=overdue,
        missing_forms=missing_forms(s, study, expected),
        open_problems=s.open_problems,
        enrolment_date=s.enrolment_date,
        last_update=s.last_update,
        open_queries=s.queries.open,
        answered_queries=s.queries.answered,
        data_state=s.data_state,
    )


def missing_forms(s: SubjectOverview, study: Study, expected: ExpectedForms | None = None) -> int:
    """Forms of visits that are done, due or overdue with no instance or not yet complete. A
    visit documented as not done (cycle not given, no surgery) and a screen failure count only
    the forms already started. `expected` caches `expected_forms` across subjects."""
    expected = {} if expected is None else expected
    count = 0
    started_only_subject = s.stage == Stage.SCREEN_FAILED
    forms = s.forms
    for visit in s.visits:
        if visit.state not in _EXPECTED:
            continue
        key = (visit.event, visit.repeat)
        codes = expected.get(key)
        if codes is None:
            codes = expected[key] = expected_forms(study, visit.event, visit.repeat)
        started_only = started_only_subject or (
            visit.state is VisitState.DONE and visit.actual is None)  # fmt: skip
        for code in codes:
            info = forms.get((visit.event, visit.repeat, code))
            if info is None:
                if not started_only:
                    count += 1
            elif info[1] in INCOMPLETE:
                count += 1
    return count


def expected_forms(study: Study, event: str, repeat: int) -> tuple[str, ...]:
    """The forms collected at one event instance (Event.forms / has_form_at)."""
    definition = study.event(event)
    return tuple(code for code in definition.forms if definition.has_form_at(code, repeat))


# --- the bulk read ----------------------------------------------------------------------------


def overview(session: Session, study: Study, today: date) -> list[SubjectOverview]:
    """Every subject with its form instances, schedule values, visit plan and stage."""
    params = study.parameters
    subjects: dict[int, SubjectOverview] = {}
    connection = session.connection()  # Core: no ORM row processing for 10⁵ rows
    subject_t = Subject.__table__
    for pk, scr, sid, status, enrolled, created, data_state in connection.execute(
        select(subject_t.c.id, subject_t.c.screening_number, subject_t.c.subject_id,
               subject_t.c.status, subject_t.c.enrolled_utc, subject_t.c.created_utc,
               subject_t.c.data_state)
        .order_by(subject_t.c.id)
    ):  # fmt: skip
        subjects[pk] = SubjectOverview(pk, scr, sid, status, enrolled, created,
                                       SubjectData(sid or scr),
                                       data_state=data_state or "OPEN")  # fmt: skip

    # every form instance with its event (updated_utc as text: parsed only when shown)
    records: dict[int, FormRecord] = {}
    wanted = {code: frozenset(names) for code, names in SCHEDULE_ITEMS.items()}
    event_t, form_t = EventInstance.__table__, FormInstance.__table__
    for subject_pk, event, repeat, pk, code, status, errors, warnings, updated in _rows(
        connection,
        select(event_t.c.subject_pk, event_t.c.event_oid, event_t.c.repeat_key, form_t.c.id,
               form_t.c.form_code, form_t.c.status, form_t.c.has_errors,
               form_t.c.has_warnings, type_coerce(form_t.c.updated_utc, String))
        .join(event_t, event_t.c.id == form_t.c.event_pk),
    ):  # fmt: skip
        s = subjects.get(subject_pk)
        if s is None:
            continue
        s.forms[(event, repeat, code)] = (pk, status, errors, warnings, updated)
        if updated and (s.last_update_text is None or updated > s.last_update_text):
            s.last_update_text = updated
        if code in wanted and event != "SE.UNS":  # the plan reads no unscheduled visit
            record = FormRecord(event, code, repeat)
            s.data.records.append(record)
            records[pk] = record

    # the schedule's values: one pass over item_value. The constants are rendered inline (they
    # come from the study definition) so that an index on item_name — even a partial index
    # WHERE group_name = '' AND item_name IN (SCHEDULE_ITEM_NAMES) — can serve the query.
    parsers = _parsers(study)
    value = ItemValue.__table__
    for form_pk, name, text in _rows(
        connection,
        select(value.c.form_pk, value.c.item_name, value.c.value).where(
            value.c.group_name == bindparam("main", MAIN, literal_execute=True),
            value.c.item_name.in_(bindparam("names", list(SCHEDULE_ITEM_NAMES),
                                            literal_execute=True))),
    ):  # fmt: skip
        record = records.get(form_pk)
        if record is None or text is None or name not in wanted[record.form]:
            continue
        parsed = parsers[(record.form, name)](text)
        if parsed is not None:
            record.values[name] = parsed

    # chemotherapy administration dates: only for the few subjects whose plan needs them
    need = [s for s in subjects.values() if s.data.records and needs_administration_dates(s.data)]
    for code, (groups, name) in SCHEDULE_ROW_ITEMS.items():
        by_pk = {s.forms[(r.event, r.repeat, r.form)][0]: r
                 for s in need for r in s.data.records if r.form == code}  # fmt: skip
        parse = _parser(study.form(code).item(name, groups[0]))
        pks = sorted(by_pk)
        for start in range(0, len(pks), 500):
            for form_pk, latest in connection.execute(
                select(value.c.form_pk, func.max(value.c.value))
                .where(value.c.form_pk.in_(pks[start:start + 500]),
                       value.c.group_name.in_(list(groups)), value.c.item_name == name)
                .group_by(value.c.form_pk)
            ):  # fmt: skip
                parsed = None if latest is None else parse(latest)
                if parsed is not None:
                    by_pk[form_pk].rows[groups[0]] = [{name: parsed}]

    for pk, counts in counts_by_subject_pk(session).items():  # one grouped query
        found = subjects.get(pk)
        if found is not None:
            found.queries = counts

    for s in subjects.values():
        s.visits, s.stage = plan_and_stage(s.data, s.status, params, today)
    return list(subjects.values())


def _parser(item) -> Callable[[str], object]:
    """Canonical text → typed value; dates take the fast path (storage holds ISO dates)."""
    if item.data_type is DataType.DATE:

        def parse_date(text: str) -> object:
            try:
                return date.fromisoformat(text)
            except ValueError:
                return typed(item, text)

        return parse_date
    return lambda text: typed(item, text)


def _parsers(study: Study) -> dict[tuple[str, str], Callable[[str], object]]:
    return {(code, name): _parser(study.form(code).item(name))
            for code, names in SCHEDULE_ITEMS.items() for name in names}  # fmt: skip
