"""Screening, enrolment, screen failure and withdrawal.

A screening number (SCR-0001…) is assigned when a person is screened; a study ID
(TNT-01-001…) only at enrolment, only for a subject whose derived eligibility is Y, sequential
and never reused (a counter in the database, incremented inside the enrolling transaction).
Both come from this workstation's number block (services.sequences: unique across the site's
workstations without a network).
Form values these steps set (SCRNUM, SUBJID, SITEID, SFREAS, EOS fields) go through the same
write path as everything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tnt_desktop.errors import TntError
from tnt_desktop.services.clinical_data import MAIN, find_subject, load_subject
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.sequences import SCREENING, STUDY_ID, claim_number, next_in_block
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.workflow import (
    check_database_open,
    check_form_writable,
    check_writable,
)
from tnt_desktop.storage.models import EventInstance, FormInstance, ItemValue, Subject
from tnt_desktop.study.derivations.eligibility import EligibilityVerdict, eligibility
from tnt_desktop.study.model import Text


class SubjectStatus(StrEnum):
    SCREENING = "SCREENING"
    SCREEN_FAILED = "SCREEN_FAILED"
    ENROLLED = "ENROLLED"
    WITHDRAWN = "WITHDRAWN"


@dataclass(frozen=True)
class SubjectSummary:
    screening_number: str
    subject_id: str | None
    status: str


def _utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


SCREENING_NUMBER = re.compile(r"SCR-(\d{4})")


def _unused(session: Session, key: str) -> None:
    if session.scalar(select(Subject.id).where(
            (Subject.subject_id == key) | (Subject.screening_number == key))) is not None:
        raise TntError(Text(f"{key} is already another subject here",
                            f"{key} 在本数据库中已是另一受试者"))  # fmt: skip


def screen_subject(app: AppSession, *, number: str | None = None) -> str:
    """Open a screening record; returns the new screening number (SCR-0001…). `number`: the
    screening number this person already has (an ODM import keeps a file's keys); it must be
    unused here, and the sequence moves past it."""
    app.require(Permission.ENTER_DATA)
    with app.transaction() as session:
        check_database_open(session)
        if number is None:
            number = f"SCR-{next_in_block(session, SCREENING, app.db.workstation):04d}"
        else:
            match = SCREENING_NUMBER.fullmatch(number)
            if match is None:
                raise TntError(Text(f"{number} is not a screening number (SCR-NNNN)",
                                    f"{number} 不是筛选号（SCR-NNNN）"))  # fmt: skip
            _unused(session, number)
            claim_number(session, SCREENING, app.db.workstation, int(match.group(1)))
        subject = Subject(site_id=app.db.site_id, screening_number=number,
                          status=SubjectStatus.SCREENING.value, created_utc=_utc())  # fmt: skip
        session.add(subject)
        session.flush()
        app.audit(session, "SUBJECT_SCREENED", subject_key=number)
        _assign(app, session, subject, "SE.SCR", "IE", {"SCRNUM": number})
    return number


def _assign(app: AppSession, session: Session, subject: Subject, event_oid: str, form_code: str,
            values: dict[str, str]) -> None:  # fmt: skip
    """Write system-assigned identifiers (ASSIGNED items) with their audit entries."""
    event = session.scalar(select(EventInstance).where(
        EventInstance.subject_pk == subject.id, EventInstance.event_oid == event_oid,
        EventInstance.repeat_key == 1))  # fmt: skip
    if event is None:
        event = EventInstance(subject_pk=subject.id, event_oid=event_oid, repeat_key=1)
        session.add(event)
        session.flush()
    form = session.scalar(select(FormInstance).where(
        FormInstance.event_pk == event.id, FormInstance.form_code == form_code))  # fmt: skip
    if form is None:
        form = FormInstance(
            event_pk=event.id, form_code=form_code, status="IN_PROGRESS",
            metadata_version=app.metadata_version, has_errors=False, has_warnings=False,
            created_utc=_utc(), updated_utc=_utc(), version=0,
        )  # fmt: skip
        session.add(form)
        session.flush()
        app.audit(session, "FORM_CREATED", subject_key=subject.key, event_oid=event_oid,
                  repeat_key=1, form_code=form_code)  # fmt: skip
    check_form_writable(form, f"{subject.key} {event_oid} #1 {form_code}")
    for name, value in values.items():
        row = session.scalar(select(ItemValue).where(
            ItemValue.form_pk == form.id, ItemValue.group_name == MAIN,
            ItemValue.item_name == name))  # fmt: skip
        old = row.value if row is not None else None
        if row is None:
            row = ItemValue(form_pk=form.id, group_name=MAIN, row_key=0, item_name=name)
            session.add(row)
        row.value, row.missing_reason, row.derived = value, None, True
        form.version += 1
        app.audit(session, "ID_ASSIGNED", system=True, subject_key=subject.key,
                  event_oid=event_oid, repeat_key=1, form_code=form_code, item_name=name,
                  old_value=old, new_value=value)  # fmt: skip


@dataclass(frozen=True)
class ScreeningVerdict:
    """Eligibility (D-05) as `enrol` will judge it, with the F01 texts the panel shows."""

    verdict: EligibilityVerdict
    ie_values: dict[str, str]  # stored F01 values (screen-failure reason and its text)


def screening_verdict(app: AppSession, subject_key: str) -> ScreeningVerdict | None:
    """For a subject in screening or screen-failed, D-05 on the stored data, read the way
    `enrol` reads it (so the verdict shown is the one enrolment applies); None otherwise."""
    app.require(Permission.VIEW_DATA)
    with app.transaction(write=False) as session:
        subject = find_subject(session, subject_key)
        if subject.status not in (SubjectStatus.SCREENING.value,
                                  SubjectStatus.SCREEN_FAILED.value):  # fmt: skip
            return None
        loaded = load_subject(session, app.study, subject)
        ie = loaded.form("SE.SCR", 1, "IE")
        values = {} if ie is None else {
            name: stored.value for (group, _row, name), stored in ie.stored.items()
            if group == MAIN and stored.value is not None}  # fmt: skip
        return ScreeningVerdict(eligibility(loaded.data, app.params), values)


def enrol(app: AppSession, screening_number: str, *, subject_id: str | None = None) -> str:
    """Assign the next study ID to an eligible screened subject; returns it. `subject_id`: the
    study ID this person already has (an ODM import keeps a file's keys): it must be of this
    site's form and unused here, and the sequence moves past it."""
    app.require(Permission.ENTER_DATA)
    params = app.params
    with app.transaction() as session:
        subject = find_subject(session, screening_number)
        check_writable(session, subject)
        if subject.status != SubjectStatus.SCREENING.value:
            raise TntError(
                Text(f"{subject.key} cannot be enrolled: status {subject.status}",
                     f"{subject.key} 无法入组：当前状态 {subject.status}")
            )  # fmt: skip
        data = load_subject(session, app.study, subject).data
        verdict = eligibility(data, params)
        if verdict.eligible is not True:
            failing = ", ".join(verdict.failing) or ", ".join(verdict.unanswered) or "—"
            raise TntError(
                Text(f"{subject.key} is not eligible ({failing}); enrolment refused",
                     f"{subject.key} 不符合入组条件（{failing}），拒绝入组")
            )  # fmt: skip
        if subject_id is None:
            number = next_in_block(session, STUDY_ID, app.db.workstation)
            subject_id = f"{params.subject_id_prefix}{number:03d}"
        else:
            match = re.fullmatch(re.escape(params.subject_id_prefix) + r"(\d{3})", subject_id)
            if match is None:
                raise TntError(Text(
                    f"{subject_id} is not a study ID of this site ({params.subject_id_prefix}NNN)",
                    f"{subject_id} 不是本中心的研究编号（{params.subject_id_prefix}NNN）"))
            _unused(session, subject_id)
            number = int(match.group(1))
            claim_number(session, STUDY_ID, app.db.workstation, number)
        old_key = subject.key
        subject.subject_id = subject_id
        subject.status = SubjectStatus.ENROLLED.value
        subject.enrolled_utc = _utc()
        app.audit(session, "SUBJECT_ENROLLED", subject_key=subject_id, old_value=old_key,
                  new_value=subject_id,
                  detail=(f"above the target of {params.target_enrolment}"
                          if number > params.target_enrolment else None))  # fmt: skip
        _assign(app, session, subject, "SE.SCR", "DM",
                {"SUBJID": subject_id, "SITEID": subject.site_id})  # fmt: skip
    return subject_id


def screen_fail(app: AppSession, screening_number: str, reason: str, specify: str = "",
                *, change_reason: str | None = None, reason_text: str = "",
                overrides: dict[str, str] | None = None,
                findings_as_queries: bool = False) -> None:  # fmt: skip
    """Record a screen failure (SFREAS, SFREASSP on F01) and the status, in one transaction."""
    app.require(Permission.ENTER_DATA)
    with app.transaction() as session:
        subject = find_subject(session, screening_number)
        check_writable(session, subject)
        if subject.status != SubjectStatus.SCREENING.value:
            raise TntError(
                Text(f"{subject.key} is not in screening (status {subject.status})",
                     f"{subject.key} 不在筛选期（状态 {subject.status}）")
            )  # fmt: skip
        values = {"SFREAS": reason, "SFREASSP": specify}
        save_form(app, FormEntry(
            screening_number, "SE.SCR", "IE", values=values, reason=change_reason,
            reason_text=reason_text, overrides=dict(overrides or {}),
            findings_as_queries=findings_as_queries))  # fmt: skip
        subject.status = SubjectStatus.SCREEN_FAILED.value
        subject.status_reason = reason
        app.audit(session, "SCREEN_FAILED", subject_key=subject.key, new_value=reason,
                  reason_text=specify or None)  # fmt: skip


def withdraw(app: AppSession, subject_id: str, scope: str, withdrawal_date: date,
             last_known_alive: date | None = None, *,
             overrides: dict[str, str] | None = None,
             findings_as_queries: bool = False) -> None:  # fmt: skip
    """Consent withdrawal: EOS fields through the write path and the status, in one
    transaction. Data collected before the withdrawal are kept."""
    app.require(Permission.ENTER_DATA)
    with app.transaction() as session:
        subject = find_subject(session, subject_id)
        check_writable(session, subject)
        if subject.status != SubjectStatus.ENROLLED.value:
            raise TntError(
                Text(f"{subject.key} is not enrolled (status {subject.status})",
                     f"{subject.key} 未入组（状态 {subject.status}）")
            )  # fmt: skip
        values = {"EOSSTAT": "CONSENT_WITHDRAWN", "WDSCOPE": scope,
                  "EOSDAT": withdrawal_date.isoformat()}  # fmt: skip
        if last_known_alive is not None:
            values["LASTCONT"] = last_known_alive.isoformat()
        save_form(app, FormEntry(subject_id, "SE.EOS", "EOS", values=values,
                                 reason="LATE_DATA", overrides=dict(overrides or {}),
                                 findings_as_queries=findings_as_queries))  # fmt: skip
        subject.status = SubjectStatus.WITHDRAWN.value
        subject.status_reason = scope
        app.audit(session, "SUBJECT_WITHDRAWN", subject_key=subject.key, new_value=scope)


def list_subjects(app: AppSession) -> list[SubjectSummary]:
    app.require(Permission.VIEW_DATA)
    with app.transaction(write=False) as session:
        return [
            SubjectSummary(s.screening_number, s.subject_id, s.status)
            for s in session.scalars(select(Subject).order_by(Subject.id))
        ]


def count_subjects(app: AppSession) -> int:
    with app.transaction(write=False) as session:
        return session.scalar(select(func.count()).select_from(Subject)) or 0
