"""The casebook of one subject: every event instance in schedule order with its planned window
and state (study.schedule) and the forms collected there with their status; and the stored
values of one form instance with the findings to show when it is opened.

Both read in one read transaction and need VIEW_DATA. Identifier items (name, record numbers,
full date of birth…) are left out of `form_values` for a role without VIEW_IDENTIFIERS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from tnt_desktop.services.clinical_data import (
    MAIN,
    LoadedSubject,
    collected_form,
    find_subject,
    load_subject,
)
from tnt_desktop.services.form_entries import finding_key, row_key_of
from tnt_desktop.services.permissions import Permission, allowed
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.workflow import FormStatus
from tnt_desktop.storage.models import CheckOverride
from tnt_desktop.study.checks import run_checks
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import Event, Finding, Text
from tnt_desktop.study.schedule import (
    STAGE_LABELS,
    PlannedVisit,
    VisitState,
    next_due,
    plan_and_stage,
)
from tnt_desktop.study.subject import FormRecord
from tnt_desktop.study.validation import validate_form


@dataclass(frozen=True)
class CasebookForm:
    form: str  # form code
    label: Text
    status: str  # FormStatus.NOT_STARTED when no instance, else the stored status
    has_errors: bool
    has_warnings: bool
    version: int  # 0 when not started; pass it as FormEntry.expected_version
    updated_utc: datetime | None

    @property
    def started(self) -> bool:
        return self.status != FormStatus.NOT_STARTED


@dataclass(frozen=True)
class CasebookEvent:
    visit: PlannedVisit  # label, target, window, actual date, state
    forms: tuple[CasebookForm, ...]
    scheduled: bool  # False for unscheduled visits, the subject-level logs and death

    @property
    def event(self) -> str:
        return self.visit.event

    @property
    def repeat(self) -> int:
        return self.visit.repeat

    @property
    def label(self) -> Text:
        return self.visit.label


@dataclass(frozen=True)
class Casebook:
    subject_key: str
    screening_number: str
    subject_id: str | None
    status: str  # SubjectStatus value
    stage: str  # schedule.Stage value
    events: tuple[CasebookEvent, ...]  # schedule order (CRF_SPEC.md §2)
    next_visit: PlannedVisit | None
    next_unscheduled_repeat: int  # repeat key for a new unscheduled visit

    @property
    def stage_label(self) -> Text:
        return STAGE_LABELS[self.stage]

    def event(self, event: str, repeat: int = 1) -> CasebookEvent | None:
        return next((e for e in self.events if (e.event, e.repeat) == (event, repeat)), None)


@dataclass(frozen=True)
class SnapshotRow:
    key: int  # stable row key: pass it back as RowEntry.key
    values: dict[str, str]
    missing: dict[str, str]


@dataclass(frozen=True)
class ShownFinding:
    finding: Finding
    key: str  # the finding key save_form uses (FormEntry.overrides)
    override_reason: str | None  # the reason given when it was confirmed, if it was


@dataclass(frozen=True)
class FormSnapshot:
    subject_key: str
    event: str
    repeat: int
    form: str
    status: str  # FormStatus value (NOT_STARTED when there is no instance)
    version: int  # 0 when not started
    values: dict[str, str]  # canonical text of the main (non-repeating) items
    missing: dict[str, str]  # item → reason for missing
    rows: dict[str, list[SnapshotRow]]  # repeating group → rows, in stored order
    derived: frozenset[str]  # items whose stored value the system computed
    hidden: tuple[str, ...]  # identifier items withheld from this role
    has_errors: bool
    has_warnings: bool
    updated_utc: datetime | None
    findings: tuple[ShownFinding, ...] = field(default=())


# --- the casebook ---------------------------------------------------------------------------------


def open_casebook(app: AppSession, subject_key: str, today: date | None = None) -> Casebook:
    """Permission VIEW_DATA; one read transaction."""
    app.require(Permission.VIEW_DATA)
    today = today or date.today()
    study = app.study
    with app.transaction(write=False) as session:
        loaded = load_subject(session, study, find_subject(session, subject_key))
        subject = loaded.subject
        visits, stage = plan_and_stage(loaded.data, subject.status, study.parameters, today)
        events = _events(study, loaded, visits)
        unscheduled = [e.repeat for e in events if e.event == "SE.UNS" and e.forms
                       and any(f.started for f in e.forms)]  # fmt: skip
        return Casebook(
            subject_key=subject.key,
            screening_number=subject.screening_number,
            subject_id=subject.subject_id,
            status=subject.status,
            stage=stage,
            events=tuple(events),
            next_visit=next_due(visits),
            next_unscheduled_repeat=max(unscheduled, default=0) + 1,
        )


def _events(study: Study, loaded: LoadedSubject, visits: list[PlannedVisit]
            ) -> list[CasebookEvent]:  # fmt: skip
    planned: dict[str, list[PlannedVisit]] = {}
    for visit in visits:
        planned.setdefault(visit.event, []).append(visit)
    stored: dict[str, set[int]] = {}
    for event_oid, repeat, _code in loaded.forms:
        stored.setdefault(event_oid, set()).add(repeat)
    started = {(event_oid, repeat) for event_oid, repeat, _code in loaded.forms}
    result = []
    for event in study.events:
        mine = list(planned.get(event.oid, []))
        scheduled = event.oid in planned
        known = {v.repeat for v in mine}
        # stored instances the plan does not list (an extra repeat, an unscheduled visit,
        # the logs, death): shown after the planned ones, in repeat order
        extra = sorted(stored.get(event.oid, set()) - known)
        if event.oid in ("SE.LOG", "SE.DTH") and 1 not in known | set(extra):
            extra = [1, *extra]  # always open for entry
        for repeat in extra:
            state = VisitState.DONE if (event.oid, repeat) in started else VisitState.NOT_APPLICABLE
            mine.append(PlannedVisit(event.oid, repeat, _label(event, repeat), None, None, None,
                                     None, state))  # fmt: skip
        for visit in mine:
            forms = _forms(study, event, visit.repeat, loaded)
            result.append(CasebookEvent(_visit_state(event, visit, forms, loaded), forms,
                                        scheduled and visit.repeat in known))  # fmt: skip
    return result


def _visit_state(event: Event, visit: PlannedVisit, forms: tuple[CasebookForm, ...],
                 loaded: LoadedSubject) -> PlannedVisit:  # fmt: skip
    """A documented visit is Done only when every form it expects is complete (issue 16):
    RT with fractions still to enter, or screening with forms not started, is In progress.
    A visit documented as not done (a cycle not given, no surgery) expects nothing more; a
    screen failure's screening expects F01 only; an unscheduled visit and the logs expect the
    forms that were started."""
    if visit.state is not VisitState.DONE or visit.note is not None:
        return visit
    expected = [f for f in forms if not (visit.event == "SE.SCR" and f.form != "IE"
                                         and loaded.subject.status == "SCREEN_FAILED")]
    if not event.mandatory or event.type != "Scheduled":
        expected = [f for f in expected if f.started]
    if all(f.status in _FORM_DONE for f in expected):
        return visit
    return visit._replace(state=VisitState.IN_PROGRESS)


_FORM_DONE = frozenset({FormStatus.COMPLETE.value, FormStatus.VERIFIED.value,
                        FormStatus.SIGNED.value, FormStatus.LOCKED.value})  # fmt: skip


def _label(event: Event, repeat: int) -> Text:
    if not event.repeating:
        return event.label
    return Text(f"{event.label.en} {repeat}", f"{event.label.zh} {repeat}")


def _forms(study: Study, event: Event, repeat: int, loaded: LoadedSubject
           ) -> tuple[CasebookForm, ...]:  # fmt: skip
    forms = []
    for code in event.forms:
        if not event.has_form_at(code, repeat):
            continue
        label = study.form(code).label
        found = loaded.form(event.oid, repeat, code)
        if found is None:
            forms.append(CasebookForm(code, label, FormStatus.NOT_STARTED.value, False, False, 0,
                                      None))  # fmt: skip
            continue
        instance = found.instance
        forms.append(CasebookForm(code, label, instance.status, bool(instance.has_errors),
                                  bool(instance.has_warnings), instance.version,
                                  instance.updated_utc))  # fmt: skip
    return tuple(forms)


# --- one form -------------------------------------------------------------------------------------


def form_values(app: AppSession, subject_key: str, event: str, repeat: int, form_code: str,
                today: date | None = None) -> FormSnapshot:  # fmt: skip
    """The stored values of one form instance (empty when not started) with the current
    findings: item-level validation (required answers only once the form is complete) and the
    edit checks the form triggers, for this instance."""
    app.require(Permission.VIEW_DATA)
    today = today or date.today()
    study = app.study
    definition, _event = collected_form(study, event, repeat, form_code)
    identifiers = {item.name for _g, item in definition.items() if item.identifier}
    hide = identifiers if not allowed(app.role, Permission.VIEW_IDENTIFIERS) else set()
    with app.transaction(write=False) as session:
        loaded = load_subject(session, study, find_subject(session, subject_key))
        found = loaded.form(event, repeat, form_code)
        values: dict[str, str] = {}
        missing: dict[str, str] = {}
        rows: dict[str, list[SnapshotRow]] = {}
        derived: set[str] = set()
        overrides: dict[str, str] = {}
        if found is not None:
            for (group, _row_key, name), stored in found.stored.items():
                if group != MAIN or name in hide:
                    continue
                if stored.value is not None:
                    values[name] = stored.value
                    if stored.derived:
                        derived.add(name)
                if stored.missing_reason:
                    missing[name] = stored.missing_reason
            for group, keys in found.row_keys.items():
                rows[group] = [_row(found.stored, group, key, hide) for key in keys]
            overrides = {
                o.finding_key: o.reason
                for o in session.scalars(
                    select(CheckOverride).where(CheckOverride.form_pk == found.instance.id))
            }  # fmt: skip
        record = found.record if found is not None else FormRecord(event, form_code, repeat)
        status = found.instance.status if found is not None else FormStatus.NOT_STARTED.value
        findings = validate_form(definition, record, loaded.data, study=study,
                                 complete=status == FormStatus.COMPLETE.value)  # fmt: skip
        findings += [f for f in run_checks(loaded.data, study.parameters, forms=[form_code],
                                           today=today)
                     if _concerns(f, event, repeat)]  # fmt: skip
        row_keys = found.row_keys if found is not None else {}
        shown = []
        for finding in findings:
            key = finding_key(finding, row_key_of(finding, row_keys, definition))
            shown.append(ShownFinding(finding, key, overrides.get(key)))
        instance = None if found is None else found.instance
        return FormSnapshot(
            subject_key=loaded.subject.key,
            event=event,
            repeat=repeat,
            form=form_code,
            status=status,
            version=0 if instance is None else instance.version,
            values=values,
            missing=missing,
            rows=rows,
            derived=frozenset(derived),
            hidden=tuple(sorted(hide)),
            has_errors=False if instance is None else bool(instance.has_errors),
            has_warnings=False if instance is None else bool(instance.has_warnings),
            updated_utc=None if instance is None else instance.updated_utc,
            findings=tuple(shown),
        )


def _row(stored: dict, group: str, key: int, hide: set[str]) -> SnapshotRow:
    values, missing = {}, {}
    for (g, k, name), value in stored.items():
        if g != group or k != key or name in hide:
            continue
        if value.value is not None:
            values[name] = value.value
        if value.missing_reason:
            missing[name] = value.missing_reason
    return SnapshotRow(key, values, missing)


def _concerns(finding: Finding, event: str, repeat: int) -> bool:
    """A check finding about this instance (or about the subject as a whole)."""
    if finding.event is None:
        return True
    return finding.event == event and (finding.repeat is None or finding.repeat == repeat)
