"""Form status machine, subject freeze and lock, database lock (issue 6, CRF_SPEC.md REQ-DQ-04,
REQ-AT-06).

Form instance: NOT_STARTED → IN_PROGRESS → COMPLETE (set by `form_entry.save_form`) →
VERIFIED (`sdv.verify_form`, a monitor's source data verification; it also marks every stored
item verified, services.sdv) → SIGNED (`signatures.sign`, the investigator's e-signature of a
COMPLETE or VERIFIED form; a later change to the signed data breaks the signature and returns
the form to COMPLETE) → LOCKED (`lock_form`, a data manager, from any started state);
`unlock_form` returns a locked form to the status it had, and needs a reason. Saving a
VERIFIED or SIGNED form that changes data returns it to COMPLETE (or IN_PROGRESS), needs a
reason for change and is audited (form_entry); a LOCKED form refuses every save.

Subject: OPEN → FROZEN (no data entry; queries still possible) → OPEN again with a reason;
OPEN or FROZEN → LOCKED (no change at all) → OPEN with a reason. Database: a setting row; while
it is LOCKED nothing changes anywhere until an unlock with a reason.

Every transition is one transaction with its audit entry (old → new value, the reason). The
guards (`check_writable`, `check_database_open`) are called by the one write path and by the
subject services, so the GUI, the CLI and the ODM import all meet them.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from tnt_desktop.errors import TntError
from tnt_desktop.services.clinical_data import find_subject
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.session import AppSession
from tnt_desktop.storage.models import EventInstance, FormInstance, Setting, Subject
from tnt_desktop.study.model import Text


class FormStatus(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETE = "COMPLETE"
    VERIFIED = "VERIFIED"  # source data verified by a monitor (SDV)
    SIGNED = "SIGNED"  # signed by the investigator (services.signatures)
    LOCKED = "LOCKED"


FORM_STATUS_LABELS: dict[FormStatus, Text] = {
    FormStatus.NOT_STARTED: Text("not started", "未开始"),
    FormStatus.IN_PROGRESS: Text("in progress", "录入中"),
    FormStatus.COMPLETE: Text("complete", "已完成"),
    FormStatus.VERIFIED: Text("verified (SDV)", "已核查（SDV）"),
    FormStatus.SIGNED: Text("signed", "已签名"),
    FormStatus.LOCKED: Text("locked", "已锁定"),
}

def status_label(status: str, lang: str) -> str:
    """A form status in the user's language (the raw code for one this release does not know)."""
    try:
        text = FORM_STATUS_LABELS[FormStatus(status)].get(lang)
    except ValueError:
        return status
    return text[:1].upper() + text[1:]


# saving a form in one of these states with a change returns it to COMPLETE / IN_PROGRESS
REOPENED_BY_EDIT = frozenset({FormStatus.VERIFIED.value, FormStatus.SIGNED.value})
# states from which a form counts as complete (for keeping COMPLETE after an edit)
COMPLETE_OR_BEYOND = frozenset(
    {FormStatus.COMPLETE.value, FormStatus.VERIFIED.value, FormStatus.SIGNED.value}
)
LOCKABLE = frozenset({FormStatus.IN_PROGRESS.value, *COMPLETE_OR_BEYOND})


class SubjectDataState(StrEnum):
    OPEN = "OPEN"
    FROZEN = "FROZEN"  # no data entry; queries still possible
    LOCKED = "LOCKED"  # no change at all


SUBJECT_STATE_LABELS: dict[SubjectDataState, Text] = {
    SubjectDataState.OPEN: Text("open", "开放"),
    SubjectDataState.FROZEN: Text("frozen", "已冻结"),
    SubjectDataState.LOCKED: Text("locked", "已锁定"),
}

DATABASE_LOCK = "workflow.database_lock"  # setting row: LOCKED or OPEN (absent: OPEN)


# ---- errors -----------------------------------------------------------------------------------
class WorkflowError(TntError):
    """A workflow step or an edit the current state does not allow."""


def _label(status: str) -> Text:
    try:
        return FORM_STATUS_LABELS[FormStatus(status)]
    except ValueError:
        return Text(status, status)


def _subject_label(state: str) -> Text:
    try:
        return SUBJECT_STATE_LABELS[SubjectDataState(state)]
    except ValueError:
        return Text(state, state)


class IllegalTransition(WorkflowError):
    def __init__(self, what: str, current: Text, wanted: Text) -> None:
        super().__init__(
            Text(f"{what} is {current.en}: it cannot become {wanted.en}",
                 f"{what} 当前为{current.zh}，不能变为{wanted.zh}")
        )  # fmt: skip


class UnlockReasonRequired(WorkflowError):
    def __init__(self, what: str) -> None:
        super().__init__(
            Text(f"unlocking {what} needs a reason", f"解锁 {what} 需要填写原因")
        )  # fmt: skip


class FormLocked(WorkflowError):
    def __init__(self, what: str) -> None:
        super().__init__(
            Text(f"not saved: {what} is locked; a data manager must unlock it with a reason",
                 f"未保存：{what} 已锁定，须由数据管理员填写原因后解锁")
        )  # fmt: skip


class SubjectFrozen(WorkflowError):
    def __init__(self, subject: str) -> None:
        super().__init__(
            Text(f"not saved: subject {subject} is frozen (no data entry; queries are still "
                 "possible)",
                 f"未保存：受试者 {subject} 已冻结（不可录入数据，仍可发起质疑）")
        )  # fmt: skip


class SubjectLocked(WorkflowError):
    def __init__(self, subject: str) -> None:
        super().__init__(
            Text(f"not saved: subject {subject} is locked; nothing can change until a data "
                 "manager unlocks it with a reason",
                 f"未保存：受试者 {subject} 已锁定，须由数据管理员填写原因解锁后才能修改")
        )  # fmt: skip


class DatabaseLocked(WorkflowError):
    def __init__(self) -> None:
        super().__init__(
            Text("not saved: the database is locked; nothing can change until a data manager "
                 "unlocks it with a reason",
                 "未保存：数据库已锁定，须由数据管理员填写原因解锁后才能修改")
        )  # fmt: skip


# ---- guards (called by the write path and the subject services) -------------------------------
def database_locked(session: Session) -> bool:
    row = session.get(Setting, DATABASE_LOCK)
    return row is not None and row.value == "LOCKED"


def check_database_open(session: Session) -> None:
    if database_locked(session):
        raise DatabaseLocked()


def check_writable(session: Session, subject: Subject, *, data_entry: bool = True) -> None:
    """Refuse a change to `subject` while the database or the subject is locked, and data
    entry (`data_entry=True`) while the subject is frozen."""
    check_database_open(session)
    if subject.data_state == SubjectDataState.LOCKED.value:
        raise SubjectLocked(subject.key)
    if data_entry and subject.data_state == SubjectDataState.FROZEN.value:
        raise SubjectFrozen(subject.key)


def check_form_writable(instance: FormInstance | None, what: str) -> None:
    if instance is not None and instance.status == FormStatus.LOCKED.value:
        raise FormLocked(what)


# ---- form transitions -------------------------------------------------------------------------
def _where(subject_key: str, event: str, repeat: int, form_code: str) -> str:
    return f"{subject_key} {event} #{repeat} {form_code}"


def find_form_instance(session: Session, subject: Subject, event: str, repeat: int,
                       form_code: str) -> FormInstance | None:  # fmt: skip
    return session.scalar(
        select(FormInstance).join(EventInstance, FormInstance.event_pk == EventInstance.id)
        .where(EventInstance.subject_pk == subject.id, EventInstance.event_oid == event,
               EventInstance.repeat_key == repeat, FormInstance.form_code == form_code)
    )  # fmt: skip


def _reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise UnlockReasonRequired(what)
    return text


def form_transition(app: AppSession, permission: Permission, subject_key: str, event: str,
                     repeat: int, form_code: str, allowed: frozenset[str], target: FormStatus,
                     action: str, reason: str | None = None, *, need_reason: bool = False,
                     wanted: Text | None = None) -> str:  # fmt: skip
    app.require(permission)
    with app.transaction() as session:
        subject = find_subject(session, subject_key)
        what = _where(subject.key, event, repeat, form_code)
        text = _reason(reason, what) if need_reason else ((reason or "").strip() or None)
        check_writable(session, subject, data_entry=False)
        instance = find_form_instance(session, subject, event, repeat, form_code)
        current = instance.status if instance is not None else FormStatus.NOT_STARTED.value
        if instance is None or current not in allowed:
            raise IllegalTransition(what, _label(current), wanted or _label(target.value))
        if target is FormStatus.LOCKED:
            instance.status_before_lock = current
            new = target.value
        elif current == FormStatus.LOCKED.value:  # unlock: back to where it was
            new = instance.status_before_lock or FormStatus.COMPLETE.value
            instance.status_before_lock = None
        else:
            new = target.value
        instance.status = new
        instance.version += 1  # a window opened before this sees a conflict, not a stale save
        app.audit(session, action, subject_key=subject.key, event_oid=event, repeat_key=repeat,
                  form_code=form_code, old_value=current, new_value=new,
                  reason_text=text)  # fmt: skip
        return new


def lock_form(app: AppSession, subject_key: str, event: str, repeat: int, form_code: str,
              reason: str | None = None) -> str:  # fmt: skip
    """Any started, unlocked state → LOCKED (data manager)."""
    return form_transition(app, Permission.FREEZE_LOCK, subject_key, event, repeat, form_code,
                            LOCKABLE, FormStatus.LOCKED, "FORM_LOCKED", reason)  # fmt: skip


def unlock_form(app: AppSession, subject_key: str, event: str, repeat: int, form_code: str,
                reason: str) -> str:  # fmt: skip
    """LOCKED → the status it had before the lock (data manager, with a reason)."""
    return form_transition(app, Permission.FREEZE_LOCK, subject_key, event, repeat, form_code,
                            frozenset({FormStatus.LOCKED.value}), FormStatus.COMPLETE,
                            "FORM_UNLOCKED", reason, need_reason=True,
                            wanted=Text("unlocked", "已解锁"))  # fmt: skip


# ---- subject freeze and lock ------------------------------------------------------------------
def _subject_transition(app: AppSession, subject_key: str, allowed: frozenset[str],
                        target: SubjectDataState, action: str, reason: str | None = None, *,
                        need_reason: bool = False) -> None:  # fmt: skip
    app.require(Permission.FREEZE_LOCK)
    with app.transaction() as session:
        subject = find_subject(session, subject_key)
        what = f"subject {subject.key}"
        text = _reason(reason, what) if need_reason else ((reason or "").strip() or None)
        check_database_open(session)
        current = subject.data_state
        if current not in allowed:
            raise IllegalTransition(what, _subject_label(current), _subject_label(target.value))
        subject.data_state = target.value
        app.audit(session, action, subject_key=subject.key, old_value=current,
                  new_value=target.value, reason_text=text)  # fmt: skip


_S = SubjectDataState


def freeze_subject(app: AppSession, subject_key: str, reason: str | None = None) -> None:
    _subject_transition(app, subject_key, frozenset({_S.OPEN.value}), _S.FROZEN,
                        "SUBJECT_FROZEN", reason)  # fmt: skip


def unfreeze_subject(app: AppSession, subject_key: str, reason: str) -> None:
    _subject_transition(app, subject_key, frozenset({_S.FROZEN.value}), _S.OPEN,
                        "SUBJECT_UNFROZEN", reason, need_reason=True)  # fmt: skip


def lock_subject(app: AppSession, subject_key: str, reason: str | None = None) -> None:
    _subject_transition(app, subject_key, frozenset({_S.OPEN.value, _S.FROZEN.value}),
                        _S.LOCKED, "SUBJECT_LOCKED", reason)  # fmt: skip


def unlock_subject(app: AppSession, subject_key: str, reason: str) -> None:
    """LOCKED → OPEN (a subject frozen before the lock is open again after the unlock)."""
    _subject_transition(app, subject_key, frozenset({_S.LOCKED.value}), _S.OPEN,
                        "SUBJECT_UNLOCKED", reason, need_reason=True)  # fmt: skip


def subject_state(app: AppSession, subject_key: str) -> str:
    app.require(Permission.VIEW_DATA)
    with app.transaction(write=False) as session:
        return find_subject(session, subject_key).data_state


# ---- database lock ----------------------------------------------------------------------------
def _database_transition(app: AppSession, lock: bool, reason: str | None) -> None:
    app.require(Permission.FREEZE_LOCK)
    what = "the database"
    text = (reason or "").strip() or None
    if not lock and text is None:
        raise UnlockReasonRequired(what)
    with app.transaction() as session:
        current = "LOCKED" if database_locked(session) else "OPEN"
        new = "LOCKED" if lock else "OPEN"
        if current == new:
            labels = {"LOCKED": Text("locked", "已锁定"), "OPEN": Text("open", "开放")}
            raise IllegalTransition(what, labels[current], labels[new])
        row = session.get(Setting, DATABASE_LOCK)
        if row is None:
            session.add(Setting(key=DATABASE_LOCK, value=new))
        else:
            row.value = new
        app.audit(session, "DATABASE_LOCKED" if lock else "DATABASE_UNLOCKED",
                  old_value=current, new_value=new, reason_text=text)  # fmt: skip


def lock_database(app: AppSession, reason: str | None = None) -> None:
    _database_transition(app, True, reason)


def unlock_database(app: AppSession, reason: str) -> None:
    _database_transition(app, False, reason)


def is_database_locked(app: AppSession) -> bool:
    with app.transaction(write=False) as session:
        return database_locked(session)
