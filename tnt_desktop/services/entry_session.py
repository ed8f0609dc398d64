"""The entry session: the one conversation for changing clinical data (no Qt, no I/O of its own).

Saving a form can need more than the values: a reason for change when saved data change, a
justification for each soft finding that is to stand as entered. Every caller — the form view,
the screening and enrolment flows, the ODM import, the demo generator — holds that conversation
through this class, in the spirit of a UI-agnostic wizard: the session reports where it stands
as data, its caller answers, and the caller asks it to go on. The session never loops by itself
and never invents an answer.

    session = EntrySession.open(app, "TNT-01-001", "SE.SCR", 1, "DM")   # loads the stored form
    session.change({"WEIGHT": "71"})        # the screen's values → the diff against the stored
    session.preview()                       # live derived values and findings (preview_form)
    step = session.submit()                 # ONE attempt to save
    if step.state is EntryState.NEEDS_REASON:       # step.items: the saved items that change
        session.answer(GiveReason("TRANSCRIPTION_ERROR"))
    elif step.state is EntryState.NEEDS_OVERRIDES:  # step.findings: (key, finding) to confirm
        session.answer(Confirm({f.key: "checked against the source" for f in step.findings}))
    step = session.submit()                 # … until SAVED, REFUSED or ABANDONED

    step = session.run(ask)                 # the same conversation: ask(step) → Answer | None

Public names (stable; other modules build on them):

- `EntrySession(app, entry, *, today=None, write=None, loaded=None)`; `EntrySession.open(app,
  subject, event, repeat, form, *, today=None, snapshot=None)` loads the stored form (or takes
  the snapshot the caller read) and expects its version. Attributes `app`, `loaded` (the
  `casebook.FormSnapshot`, or None), `entry` (the `FormEntry` as it stands, answers included),
  `step` (the last `EntryStep`), `state`.
- `change(values=None, missing=None, rows=None, *, complete=False) -> FormEntry`: what the form
  should become; only what differs from `loaded` goes into the entry. A new change starts a new
  conversation (answers given for the previous one are dropped). `diff(…)`: the same entry,
  computed without touching the session (for "are there unsaved changes?" and previews).
- `has_changes`, `preview(entry=None) -> Preview` (`form_entry.preview_form`).
- `submit() -> EntryStep`: one save attempt through `write` (default `form_entry.save_form`;
  a flow that saves a form as part of a larger step — screen failure, withdrawal, an import in
  a SAVEPOINT — passes its own `write(entry)`, which must raise the `form_entry` exceptions).
- `answer(GiveReason(code, text) | Confirm({finding key: justification}))`, `abandon()`.
- `run(ask) -> EntryStep`: submit, and while a question is open call `ask(step)` for an answer
  (None abandons); ends SAVED, REFUSED or ABANDONED. An answer that does not answer the open
  question ends the conversation REFUSED (Refusal.UNANSWERED), so it always ends.
- `EntryState`: OPEN, NEEDS_REASON, NEEDS_OVERRIDES, REFUSED, SAVED, ABANDONED.
- `EntryStep(state, items, findings, refusal, messages, error, result)`; `PendingFinding(key,
  finding)` with `.message`; `Refusal`: INVALID (hard findings), CONFLICT (saved by someone else
  since loaded: reload), LOCKED (database, subject or form locked or frozen), PERMISSION,
  UNANSWERED, ERROR (any other typed error; `error` holds it).
- Sessions of the subject flows, whose `write` is the whole step: `screen_failure(app, number,
  reason, specify)`, `withdrawal(app, subject_id, scope, date, last_known_alive)`,
  `enrolment(app, number)` (asks nothing: SAVED with the study ID as result, or REFUSED).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from tnt_desktop.errors import ConflictError, PermissionDenied, TntError
from tnt_desktop.services import subjects
from tnt_desktop.services.casebook import FormSnapshot, form_values
from tnt_desktop.services.form_entries import (
    ChangeReason,
    FormEntry,
    OverrideRequired,
    ReasonRequired,
    RowEntry,
    ValidationFailed,
)
from tnt_desktop.services.form_entry import Preview, preview_form, save_form
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.workflow import WorkflowError
from tnt_desktop.study.model import Finding, Text
from tnt_desktop.study.values import ValueError_, format_value, parse_value


class EntryState(StrEnum):
    OPEN = "open"  # nothing asked (yet, or the last question was answered): submit
    NEEDS_REASON = "needs_reason"  # saved values change: GiveReason
    NEEDS_OVERRIDES = "needs_overrides"  # soft findings to confirm: Confirm
    REFUSED = "refused"  # final: see refusal, messages, findings
    SAVED = "saved"  # final: see result
    ABANDONED = "abandoned"  # final: the caller gave up; nothing was written


FINAL = frozenset({EntryState.REFUSED, EntryState.SAVED, EntryState.ABANDONED})


class Refusal(StrEnum):
    INVALID = "invalid"  # hard findings: correct the values
    CONFLICT = "conflict"  # the form was saved by someone else since it was loaded
    LOCKED = "locked"  # database, subject or form locked or frozen; or a workflow refusal
    PERMISSION = "permission"  # this role may not
    UNANSWERED = "unanswered"  # the answer did not answer the question asked
    ERROR = "error"  # any other typed error


@dataclass(frozen=True)
class PendingFinding:
    key: str  # the finding key (FormEntry.overrides); "" for a hard finding
    finding: Finding

    @property
    def message(self) -> Text:
        return self.finding.message


@dataclass(frozen=True)
class EntryStep:
    state: EntryState
    items: tuple[str, ...] = ()  # NEEDS_REASON: the saved items that change ("AE.AETERM[2]")
    findings: tuple[PendingFinding, ...] = ()  # NEEDS_OVERRIDES: to confirm; INVALID: hard ones
    refusal: Refusal | None = None
    messages: tuple[Text, ...] = ()  # REFUSED: what to tell the person, in both languages
    error: TntError | None = None  # REFUSED: the typed error, for callers that react to its type
    result: Any = None  # SAVED: what `write` returned (a SaveResult for a form save)

    @property
    def done(self) -> bool:
        return self.state in FINAL


@dataclass(frozen=True)
class GiveReason:
    """The reason for change: a ChangeReason code, and a text (required for OTHER)."""

    code: str
    text: str = ""


@dataclass(frozen=True)
class Confirm:
    """Soft findings confirmed as they stand: finding key → the person's justification."""

    justifications: Mapping[str, str] = field(default_factory=dict)


Answer = GiveReason | Confirm
Writer = Callable[[FormEntry], Any]
_UNANSWERED = Text("not saved: the question was not answered", "未保存：问题未得到回答")
_ABANDONED = EntryStep(EntryState.ABANDONED)


def same_value(item, a: str | None, b: str | None) -> bool:
    """Equal as values of the item (170 and 170.0 are the same weight)."""
    a, b = a or "", b or ""
    if a == b:
        return True
    if not a or not b or item is None:
        return False
    try:
        return format_value(item, parse_value(item, a)) == format_value(item, parse_value(item, b))
    except (ValueError_, ValueError, ArithmeticError):
        return False


class EntrySession:
    """One conversation about one form instance (see the module docstring)."""

    def __init__(
        self, app: AppSession, entry: FormEntry, *, today: date | None = None,
        write: Writer | None = None, loaded: FormSnapshot | None = None,
    ) -> None:  # fmt: skip
        self.app = app
        self.today = today
        self.loaded = loaded
        self.entry = entry
        self._write = write
        self.step = EntryStep(EntryState.OPEN)

    @classmethod
    def open(
        cls, app: AppSession, subject: str, event: str, repeat: int, form: str, *,
        today: date | None = None, snapshot: FormSnapshot | None = None,
    ) -> EntrySession:  # fmt: skip
        """A session on the stored form instance (read now, or the snapshot the caller read):
        saves expect its version, so a save by someone else since is a CONFLICT."""
        if snapshot is None:
            snapshot = form_values(app, subject, event, repeat, form, today=today)
        entry = FormEntry(subject=snapshot.subject_key, event=event, form=form, repeat=repeat,
                          expected_version=snapshot.version)  # fmt: skip
        return cls(app, entry, today=today, loaded=snapshot)

    @property
    def state(self) -> EntryState:
        return self.step.state

    # ---- what the form should become -------------------------------------------------------
    def change(self, values: Mapping[str, str] | None = None,
               missing: Mapping[str, str | None] | None = None,
               rows: Mapping[str, list[RowEntry]] | None = None, *,
               complete: bool = False) -> FormEntry:  # fmt: skip
        """Set what the form should become (`diff`) and start a new conversation about it."""
        self.entry = self.diff(values, missing, rows, complete=complete)
        self.step = EntryStep(EntryState.OPEN)
        return self.entry

    def diff(self, values: Mapping[str, str] | None = None,
             missing: Mapping[str, str | None] | None = None,
             rows: Mapping[str, list[RowEntry]] | None = None, *,
             complete: bool = False) -> FormEntry:  # fmt: skip
        """The entry that would make the form stand as given — `values` item → text, `missing`
        item → reason (or ""/None) —, keeping only what differs from what was loaded; `rows`
        (group → RowEntry list) pass as they are. Changes nothing in the session."""
        old = self.entry
        snapshot = self.loaded
        form = self.app.study.form(old.form)
        new_values: dict[str, str] = {}
        new_missing: dict[str, str] = {}
        for name, text in (values or {}).items():
            stored = snapshot.values.get(name, "") if snapshot is not None else None
            if stored is None or not same_value(form.item(name), text, stored):
                new_values[name] = text or ""
        for name, reason in (missing or {}).items():
            stored = snapshot.missing.get(name) if snapshot is not None else None
            if snapshot is None or (reason or None) != (stored or None):
                new_missing[name] = reason or ""
        return replace(old, values=new_values, missing=new_missing,
                       rows={g: list(r) for g, r in (rows or {}).items()},
                       complete=complete, reason=None, reason_text="", overrides={})  # fmt: skip

    @property
    def has_changes(self) -> bool:
        entry = self.entry
        return bool(entry.values or entry.missing or entry.rows)

    def preview(self, entry: FormEntry | None = None) -> Preview:
        """What a save of the entry (or of `entry`, a `diff`) would do: derived values and
        findings, writing nothing."""
        return preview_form(self.app, entry or self.entry, today=self.today)

    # ---- the conversation ------------------------------------------------------------------
    def submit(self) -> EntryStep:
        """One attempt to save; the step says what happened or what is needed."""
        if self.step.done:
            return self.step
        try:
            if self._write is not None:
                result = self._write(self.entry)
            else:
                result = save_form(self.app, self.entry, today=self.today)
        except ReasonRequired as exc:
            self.step = EntryStep(EntryState.NEEDS_REASON, items=tuple(exc.items),
                                  messages=(exc.message,))  # fmt: skip
        except OverrideRequired as exc:
            self.step = EntryStep(EntryState.NEEDS_OVERRIDES, findings=tuple(
                PendingFinding(key, finding) for key, finding in exc.findings),
                messages=(exc.message,))  # fmt: skip
        except ValidationFailed as exc:
            self.step = _refused(Refusal.INVALID, exc, tuple(
                PendingFinding("", f) for f in exc.findings))  # fmt: skip
        except ConflictError as exc:
            self.step = _refused(Refusal.CONFLICT, exc)
        except WorkflowError as exc:
            self.step = _refused(Refusal.LOCKED, exc)
        except PermissionDenied as exc:
            self.step = _refused(Refusal.PERMISSION, exc)
        except TntError as exc:
            self.step = _refused(Refusal.ERROR, exc)
        else:
            self.step = EntryStep(EntryState.SAVED, result=result)
        return self.step

    def answer(self, answer: Answer) -> EntryStep:
        """Apply the caller's answer; the next `submit` uses it. A reason may be given before it
        is asked (an import's own reason); justifications must not be blank."""
        if self.step.done:
            return self.step
        if isinstance(answer, GiveReason):
            ChangeReason(answer.code)  # ValueError for an unknown code: a caller's mistake
            self.entry.reason, self.entry.reason_text = answer.code, answer.text.strip()
        elif isinstance(answer, Confirm):
            for key, text in answer.justifications.items():
                if not (text or "").strip():
                    raise ValueError(f"blank justification for {key}")
                self.entry.overrides[key] = text.strip()
        else:
            raise TypeError(f"not an answer: {answer!r}")
        self.step = EntryStep(EntryState.OPEN)
        return self.step

    def abandon(self) -> EntryStep:
        """End the conversation without saving (nothing was written)."""
        if not self.step.done:
            self.step = _ABANDONED
        return self.step

    def run(self, ask: Callable[[EntryStep], Answer | None]) -> EntryStep:
        """Submit and hold the conversation with `ask` until SAVED, REFUSED or ABANDONED."""
        step = self.submit()
        while not step.done:
            answer = ask(step)
            if answer is None:
                return self.abandon()
            if not _answers(step, answer, self.entry):
                self.step = EntryStep(EntryState.REFUSED, refusal=Refusal.UNANSWERED,
                                      messages=(_UNANSWERED,))  # fmt: skip
                return self.step
            self.answer(answer)
            step = self.submit()
        return step


def _answers(step: EntryStep, answer: Answer, entry: FormEntry) -> bool:
    """Does `answer` answer the open question (and so move the conversation on)?"""
    if step.state is EntryState.NEEDS_REASON:
        return isinstance(answer, GiveReason) and bool(answer.code)
    if step.state is EntryState.NEEDS_OVERRIDES and isinstance(answer, Confirm):
        asked = {f.key for f in step.findings}
        return any(key in asked and key not in entry.overrides and (text or "").strip()
                   for key, text in answer.justifications.items())  # fmt: skip
    return False


def _refused(refusal: Refusal, exc: TntError,
             findings: tuple[PendingFinding, ...] = ()) -> EntryStep:  # fmt: skip
    return EntryStep(EntryState.REFUSED, findings=findings, refusal=refusal,
                     messages=(exc.message,), error=exc)  # fmt: skip


# ---- the subject flows that save a form as part of a larger step ----------------------------
def screen_failure(app: AppSession, screening_number: str, reason: str, specify: str = "", *,
                   today: date | None = None) -> EntrySession:  # fmt: skip
    """The conversation of `subjects.screen_fail` (SFREAS, SFREASSP on F01 and the status):
    its F01 save may need a reason for change and confirmations like any other."""
    entry = FormEntry(screening_number, "SE.SCR", "IE",
                      values={"SFREAS": reason, "SFREASSP": specify})  # fmt: skip

    def write(entry: FormEntry) -> None:
        subjects.screen_fail(app, screening_number, reason, specify, change_reason=entry.reason,
                             reason_text=entry.reason_text,
                             overrides=dict(entry.overrides))  # fmt: skip

    return EntrySession(app, entry, today=today, write=write)


def withdrawal(app: AppSession, subject_id: str, scope: str, withdrawal_date: date,
               last_known_alive: date | None = None) -> EntrySession:  # fmt: skip
    """The conversation of `subjects.withdraw` (EOS fields and the status; its reason for
    change is always late data, so only confirmations can be asked)."""
    entry = FormEntry(subject_id, "SE.EOS", "EOS", reason="LATE_DATA")

    def write(entry: FormEntry) -> None:
        subjects.withdraw(app, subject_id, scope, withdrawal_date, last_known_alive,
                          overrides=dict(entry.overrides))  # fmt: skip

    return EntrySession(app, entry, write=write)


def enrolment(app: AppSession, screening_number: str) -> EntrySession:
    """The conversation of `subjects.enrol`: it asks nothing, it saves (the result is the new
    study ID) or is refused (not eligible, locked, …)."""
    return EntrySession(app, FormEntry(screening_number, "SE.SCR", "DM"),
                        write=lambda _entry: subjects.enrol(app, screening_number))
