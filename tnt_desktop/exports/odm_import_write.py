"""Writing one parsed SubjectData through the services: the third pass of exports.odm_import.

Identity first. A SubjectKey is this site's study ID (TNT-01-NNN) or a screening number
(SCR-NNNN), and it names the subject with exactly that key here; every other key the file gives
(IE.SCRNUM, DM.SUBJID) must agree with it, else the subject is refused as someone else. A key
not found here is created under that key (the sequences move past it): an import never
renumbers. A key seen twice in one file, or two keys of the file that name one subject here,
are refused with the line of the SubjectData.

Then values, through the one write path: each form is one conversation of the entry session
(`services.entry_session`), answered up front — the importing user's reason, the file's own
confirmations — and submitted once; it ends SAVED or is refused (a question the import cannot
answer, NEEDS_REASON, is a refusal that says to give `--reason`). The services join the file's
transaction (`AppSession.transaction` is re-entrant), each call in a SAVEPOINT: a refused call
leaves nothing behind, and a call that wrote no audit entry changed nothing and is undone too (a
form saved without a change keeps its version), so the same file imported twice changes
nothing. Row keys are the file's ItemGroupRepeatKeys (row keys count per item group); a key a
removed row had here is refused rather than brought back. Soft findings become open queries
raised by the importing user, except those the file carries as the site's own confirmations
(`tnt:Confirmation`), which are applied as they were given.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from sqlalchemy.orm import Session

from tnt_desktop.errors import NotFound, TntError
from tnt_desktop.exports.odm_import_read import ParsedForm, ParsedSubject, has_data
from tnt_desktop.exports.odm_import_report import FormChange, ImportMessage, ImportReport
from tnt_desktop.exports.odm_metadata import ASSIGNED
from tnt_desktop.exports.odm_subject import value_text
from tnt_desktop.services import deviation_candidates, subjects
from tnt_desktop.services.clinical_data import LoadedSubject, find_subject, load_subject
from tnt_desktop.services.entry_session import (
    EntrySession,
    EntryState,
    EntryStep,
    GiveReason,
    Refusal,
    same_value,
)
from tnt_desktop.services.form_entries import (
    ChangeReason,
    FormEntry,
    RowEntry,
    SaveResult,
    ValidationFailed,
)
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.workflow import COMPLETE_OR_BEYOND
from tnt_desktop.storage import audit
from tnt_desktop.storage.models import Subject
from tnt_desktop.study.model import Finding, Text

MAX_PASSES = 6  # forms refused only because another form was not in yet are retried
_T = TypeVar("_T")

# form states of the file that mean "complete" here (review states are not imported)
COMPLETE_IN_FILE = frozenset({"COMPLETE", "VERIFIED", "SIGNED", "LOCKED"})


class _Conflict(Exception):
    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


def _reason_code(text: str) -> tuple[str, str]:
    code, _, rest = text.partition(":")
    if code.strip() in ChangeReason.__members__:
        return code.strip(), rest.strip()
    return ChangeReason.OTHER.value, text.strip()


class ReasonNeeded(TntError):
    """The file changes saved data and the importing user gave no reason."""

    def __init__(self, message: Text) -> None:
        super().__init__(Text(
            f"{message.en}: the file changes saved data; give the import a reason "
            "(tnt-desktop import --reason TEXT)",
            f"{message.zh}：该文件会修改已保存的数据，请提供导入原因"
            "（tnt-desktop import --reason 原因）"))  # fmt: skip


def _step_error(step: EntryStep) -> TntError:
    """The typed error for an entry step that did not end SAVED."""
    if step.state is EntryState.NEEDS_REASON:
        return ReasonNeeded(step.messages[0])
    if step.state is EntryState.REFUSED and step.refusal is Refusal.INVALID:
        return step.error  # ValidationFailed: save_forms retries it after the other forms
    if step.error is not None:
        return step.error
    return TntError(step.messages[0] if step.messages else Text(
        "not saved", "未保存"))  # fmt: skip


def _finding_where(form: ParsedForm, finding: Finding) -> str:
    items = ", ".join(finding.items)
    row = f" row {finding.row + 1}" if finding.row is not None else ""
    return f"{form.where}" + (f" {items}{row}" if items else "")


class SubjectImporter:
    """Writes the subjects of one file inside the file's transaction (`session`)."""

    def __init__(self, app: AppSession, session: Session, report: ImportReport,
                 reason: str | None, file_name: str) -> None:  # fmt: skip
        self.app = app
        self.session = session
        self.report = report
        self.reason = reason.strip() if reason and reason.strip() else None
        self.file_name = file_name
        self.study = app.study
        self.prefix = app.params.subject_id_prefix
        self.keys_seen: dict[str, int] = {}  # file key → line
        self.subjects_seen: dict[int, tuple[str, int]] = {}  # subject pk → (file key, line)

    # -- helpers ----------------------------------------------------------------------------
    def attempt(self, function: Callable[[], _T]) -> _T:
        """One service call in a SAVEPOINT: a refusal leaves nothing behind, and a call that
        appended no audit entry changed nothing and is undone as well."""
        mark = audit.pending_mark(self.session)
        savepoint = self.session.begin_nested()
        try:
            result = function()
        except BaseException:
            savepoint.rollback()
            audit.rewind(self.session, mark)
            raise
        if audit.pending_mark(self.session)[0] == mark[0]:
            savepoint.rollback()
        else:
            savepoint.commit()
        return result

    def refuse(self, subject: str, where: str, message: Text) -> None:
        self.report.refused.append(ImportMessage(subject, where, message))

    def warn(self, subject: str, where: str, message: Text) -> None:
        self.report.warnings.append(ImportMessage(subject, where, message))

    def reason_for(self, form: ParsedForm) -> tuple[str | None, str]:
        """The importing user's reason (a ChangeReason code, "CODE: text" or free text →
        OTHER); the text names the file and quotes the file's own ReasonForChange."""
        note = f"ODM import {self.file_name}"
        if self.reason is None:
            return None, note
        code, detail = _reason_code(self.reason)
        text = f"{note}: {detail}" if detail else note
        texts = list(dict.fromkeys(form.reasons))
        if texts:
            text += f" (the file's reason: {'; '.join(texts)})"
        return code, text[:2000]

    def converse(self, entry: FormEntry, parsed: ParsedSubject,
                 write: Callable[[FormEntry], object] | None = None) -> EntryStep:  # fmt: skip
        """One entry-session conversation about `entry`, answered before it is asked: the
        file's confirmations for this form (every soft finding they do not confirm becomes an
        open query raised by the importing user) and the importing user's reason, if any. One
        submit; the step is SAVED, or a question the import cannot answer, or REFUSED."""
        confirmed = parsed.confirmations.get((entry.event, entry.repeat, entry.form), {})
        entry.overrides.update(confirmed)
        entry.findings_as_queries = True
        reason, text = entry.reason, entry.reason_text
        entry.reason, entry.reason_text = None, ""
        session = EntrySession(self.app, entry, write=lambda e: self.attempt(
            lambda: (write or (lambda x: save_form(self.app, x)))(e)))  # fmt: skip
        if reason is not None:
            session.answer(GiveReason(reason, text))
        return session.submit()

    def save(self, entry: FormEntry, parsed: ParsedSubject) -> SaveResult:
        """`converse`, and any end but SAVED raised as the typed error (ReasonNeeded for a
        change to saved data without the importing user's reason)."""
        step = self.converse(entry, parsed)
        if step.state is EntryState.SAVED:
            return step.result
        raise _step_error(step)

    # -- who ----------------------------------------------------------------------------------
    def _lookup(self, key: str | None) -> Subject | None:
        if not key:
            return None
        try:
            return find_subject(self.session, key)
        except NotFound:
            return None

    def resolve(self, parsed: ParsedSubject) -> tuple[Subject | None, str | None, str | None]:
        """(the subject here or None, its screening number, its study ID) by the file's keys;
        raises _Conflict when they name someone else here."""
        key = parsed.key
        file_scr = parsed.value("IE", "SCRNUM") or None
        file_sid = parsed.value("DM", "SUBJID") or None
        is_sid = re.fullmatch(re.escape(self.prefix) + r"\d{3}", key) is not None
        is_scr = subjects.SCREENING_NUMBER.fullmatch(key) is not None
        if not (is_sid or is_scr):
            raise _Conflict(Text(
                f"SubjectKey {key} is neither a study ID of this site ({self.prefix}NNN) nor a "
                "screening number (SCR-NNNN)",
                f"SubjectKey {key} 既不是本中心的研究编号（{self.prefix}NNN），也不是筛选号"
                "（SCR-NNNN）"))  # fmt: skip
        screening = key if is_scr else file_scr
        study_id = key if is_sid else file_sid
        if (is_sid and file_sid and file_sid != key) or (is_scr and file_scr and file_scr != key):
            raise _Conflict(Text(
                f"SubjectKey {key} contradicts the file's own keys (SCRNUM {file_scr}, SUBJID "
                f"{file_sid})",
                f"SubjectKey {key} 与文件自身的编号矛盾（SCRNUM {file_scr}，SUBJID {file_sid}）"))
        here = self._lookup(key)
        if here is not None:
            if screening and here.screening_number != screening:
                raise _Conflict(Text(
                    f"{key} is the subject with screening number {here.screening_number} here, "
                    f"the file says {screening}: not the same subject",
                    f"{key} 在本数据库中的筛选号为 {here.screening_number}，文件中为 "
                    f"{screening}：不是同一受试者"))  # fmt: skip
            if study_id and here.subject_id and here.subject_id != study_id:
                raise _Conflict(Text(
                    f"{key} is {here.subject_id} here, the file says {study_id}: not the same "
                    "subject",
                    f"{key} 在本数据库中为 {here.subject_id}，文件中为 {study_id}：不是同一受试者"))
            return here, here.screening_number, study_id or here.subject_id
        other = self._lookup(screening) if screening != key else None
        if other is not None:
            if other.subject_id is not None:
                raise _Conflict(Text(
                    f"{screening} is {other.subject_id} here, the file calls it {key}: not the "
                    "same subject",
                    f"{screening} 在本数据库中为 {other.subject_id}，文件中为 {key}："
                    "不是同一受试者"))  # fmt: skip
            return other, screening, study_id
        if study_id:
            other = self._lookup(study_id) if study_id != key else None
            if other is not None:
                raise _Conflict(Text(
                    f"{study_id} is screening number {other.screening_number} here, the file "
                    f"says {key}: not the same subject",
                    f"{study_id} 在本数据库中的筛选号为 {other.screening_number}，文件中为 "
                    f"{key}：不是同一受试者"))  # fmt: skip
        return None, screening, study_id

    # -- one subject --------------------------------------------------------------------------
    def subject(self, parsed: ParsedSubject) -> None:
        """One SubjectData (import_odm holds the deviation hook meanwhile: `_subject` settles
        the subject's candidates and kept queries once, after all its forms are in)."""
        self._subject(parsed)

    def _subject(self, parsed: ParsedSubject) -> str | None:
        report = self.report
        report.subjects += 1
        file_key = parsed.key
        if parsed.problems:
            report.refused.extend(parsed.problems)
            return None
        first = self.keys_seen.get(file_key)
        if first is not None:
            self.refuse(file_key, parsed.where, Text(
                f"SubjectKey {file_key} appears twice in the file (first at line {first})",
                f"SubjectKey {file_key} 在文件中出现两次（第一次在第 {first} 行）"))  # fmt: skip
            return None
        self.keys_seen[file_key] = parsed.line
        try:
            existing, screening_here, study_id = self.resolve(parsed)
        except _Conflict as conflict:
            self.refuse(file_key, parsed.where, conflict.message)
            return None
        if existing is not None:
            seen = self.subjects_seen.get(existing.id)
            if seen is not None:
                self.refuse(file_key, parsed.where, Text(
                    f"{file_key} names the same subject here as {seen[0]} (line {seen[1]})",
                    f"{file_key} 与 {seen[0]}（第 {seen[1]} 行）在本数据库中是同一受试者"))
                return None
        wants_enrolled = parsed.status in ("ENROLLED", "WITHDRAWN") or bool(study_id)
        forms = list(parsed.forms.values())
        ie = [f for f in forms if f.form == "IE" and f.event == "SE.SCR"]
        rest = [f for f in forms if f not in ie]
        if existing is None:
            try:
                screening = self.attempt(lambda: subjects.screen_subject(
                    self.app, number=screening_here))  # fmt: skip
            except TntError as exc:
                self.refuse(file_key, parsed.where, exc.message)
                return None
            loaded = None
        else:
            screening = existing.screening_number
            loaded = load_subject(self.session, self.study, existing)
        self.subjects_seen[find_subject(self.session, screening).id] = (file_key, parsed.line)
        if not self.save_forms(parsed, screening, ie, loaded):
            return None
        subject = find_subject(self.session, screening)
        if wants_enrolled and subject.status == subjects.SubjectStatus.SCREENING.value:
            try:
                self.attempt(lambda: subjects.enrol(self.app, screening, subject_id=study_id))
            except TntError as exc:
                self.refuse(file_key, "SE.SCR/IE", exc.message)
                return None
        self.save_forms(parsed, screening, rest, loaded)
        self.apply_status(parsed, screening)
        subject = find_subject(self.session, screening)
        # all of the subject's forms are in (its DV log too): candidates and kept queries once
        deviation_candidates.settle(self.app, self.session, subject, date.today(), save_form)
        (report.created if existing is None else report.matched).append((file_key, subject.key))
        if subject.key != file_key:
            self.warn(file_key, parsed.where, Text(
                f"the file gives no study ID: stored as {subject.key} in this database",
                f"文件中没有研究编号：在本数据库中的编号为 {subject.key}"))  # fmt: skip
        self.after(parsed, screening, forms, existing is None)
        return screening

    def entry_for(self, form: ParsedForm, screening: str,
                  loaded: LoadedSubject | None) -> FormEntry:  # fmt: skip
        """What the file wants the form instance to become. Rows keep the file's keys: a row
        stored under that key is updated, a new key makes a new row under it; rows of this
        database the file does not name are kept. A key a removed row had is refused."""
        stored = loaded.form(form.event, form.repeat, form.form) if loaded else None
        live = stored.row_keys if stored is not None else {}
        ever: dict[str, set[int]] = {}
        for group, key, _name in (stored.stored if stored is not None else {}):
            ever.setdefault(group, set()).add(key)
        rows: dict[str, list[RowEntry]] = {}
        for group in self.study.form(form.form).groups:
            if not group.repeating or group.name not in form.rows:
                continue
            existing = live.get(group.name, [])
            entries = []
            for key, row in sorted(form.rows[group.name].items()):
                if key in existing:
                    entries.append(RowEntry(key=key, values=dict(row.values),
                                            missing=dict(row.missing)))  # fmt: skip
                elif key in ever.get(group.name, set()):
                    if has_data(row):
                        raise _Conflict(Text(
                            f"row {key} of {group.name} was removed in this database; the file "
                            "still has it",
                            f"{group.name} 的第 {key} 行已在本数据库中删除，文件中仍有该行"))
                elif has_data(row):
                    entries.append(RowEntry(key=key, create=True, missing=dict(row.missing),
                                            values={k: v for k, v in row.values.items() if v}))
            named = {e.key for e in entries}
            entries += [RowEntry(key=k) for k in existing if k not in named]
            rows[group.name] = entries
        code, text = self.reason_for(form)
        return FormEntry(screening, form.event, form.form, form.repeat,
                         values=dict(form.values), missing=dict(form.missing), rows=rows,
                         reason=code, reason_text=text if code else "")  # fmt: skip

    def save_forms(self, parsed: ParsedSubject, screening: str, forms: list[ParsedForm],
                   loaded: LoadedSubject | None) -> bool:  # fmt: skip
        """Save forms, retrying those refused only because another form was not in yet;
        returns False when some form stays refused."""
        file_key = parsed.key
        pending, last_error = [], {}
        for form in forms:
            if self.already_here(form, loaded):
                self.report.unchanged += 1
            else:
                pending.append(form)
        for _ in range(MAX_PASSES):
            still = []
            for form in pending:
                try:
                    result = self.save(self.entry_for(form, screening, loaded), parsed)
                except ValidationFailed as exc:
                    last_error[id(form)] = exc
                    still.append(form)
                    continue
                except _Conflict as conflict:
                    self.refuse(file_key, form.where, conflict.message)
                    continue
                except TntError as exc:
                    self.refuse(file_key, form.where, exc.message)
                    continue
                self.record(screening, form, result)
            if not still or len(still) == len(pending):
                pending = still
                break
            pending = still
        for form in pending:
            for finding in last_error[id(form)].findings:
                self.refuse(file_key, _finding_where(form, finding), finding.message)
        return not pending

    def already_here(self, form: ParsedForm, loaded: LoadedSubject | None) -> bool:
        """Does the form instance hold exactly what the file gives, value for value (as values of
        their items: 70 is 70.0) and row for row under the same keys? Then there is nothing to
        save — the cheap path of a re-import."""
        stored = loaded.form(form.event, form.repeat, form.form) if loaded else None
        if stored is None:
            return False
        definition = self.study.form(form.form)
        record = stored.record

        def same(group: str | None, given: dict[str, str], why: dict[str, str],
                 values: dict, missing: dict) -> bool:  # fmt: skip
            for name, text in given.items():
                item = definition.item(name, group)
                current = values.get(name)
                if item is None or name in why:
                    return False
                if not same_value(item, text, None if current is None else value_text(
                        item, current)) or (not text and missing.get(name)):  # fmt: skip
                    return False
            return all(missing.get(name) == reason for name, reason in why.items())

        if not same(None, form.values, form.missing, record.values, record.missing):
            return False
        for group, rows in form.rows.items():
            keys = stored.row_keys.get(group, [])
            for key, row in rows.items():
                if key not in keys:
                    return False
                at = keys.index(key)
                if not same(group, row.values, row.missing, record.rows[group][at],
                            record.row_missing.get(group, {}).get(at, {})):  # fmt: skip
                    return False
        return True

    def record(self, screening: str, form: ParsedForm, result: SaveResult) -> None:
        if result.changed or result.derived_changed:
            key = find_subject(self.session, screening).key
            self.report.changed.append(FormChange(key, form.event, form.repeat, form.form,
                                                  result.changed, result.derived_changed))
        else:
            self.report.unchanged += 1

    def apply_status(self, parsed: ParsedSubject, screening: str) -> None:
        file_key = parsed.key
        subject = find_subject(self.session, screening)
        status = subjects.SubjectStatus
        try:
            if parsed.status == status.SCREEN_FAILED and subject.status == status.SCREENING:
                reason = parsed.value("IE", "SFREAS") or ""
                specify = parsed.value("IE", "SFREASSP") or ""
                self.status_step(parsed, FormEntry(screening, "SE.SCR", "IE"),
                                 lambda e: subjects.screen_fail(
                                     self.app, screening, reason, specify,
                                     overrides=dict(e.overrides),
                                     findings_as_queries=True))  # fmt: skip
            elif parsed.status == status.WITHDRAWN and subject.status == status.ENROLLED:
                scope = parsed.value("EOS", "WDSCOPE") or ""
                when = date.fromisoformat(parsed.value("EOS", "EOSDAT") or "")
                alive = parsed.value("EOS", "LASTCONT")
                key = subject.subject_id or screening
                self.status_step(parsed, FormEntry(key, "SE.EOS", "EOS"),
                                 lambda e: subjects.withdraw(
                                     self.app, key, scope, when,
                                     date.fromisoformat(alive) if alive else None,
                                     overrides=dict(e.overrides),
                                     findings_as_queries=True))  # fmt: skip
        except ValueError:
            self.refuse(file_key, "SE.EOS/EOS", Text(
                "withdrawn in the file but EOSDAT is not a date",
                "文件中为已退出，但 EOSDAT 不是日期"))  # fmt: skip
        except TntError as exc:
            self.refuse(file_key, parsed.where, exc.message)

    def status_step(self, parsed: ParsedSubject, entry: FormEntry,
                    write: Callable[[FormEntry], object]) -> None:  # fmt: skip
        """Screen failure or withdrawal: the service's own conversation, answered likewise."""
        step = self.converse(entry, parsed, write)
        if step.state is not EntryState.SAVED:
            raise _step_error(step)

    def after(self, parsed: ParsedSubject, screening: str, forms: list[ParsedForm],
              new: bool) -> None:  # fmt: skip
        """Form status, editable derived values and the comparison of assigned and derived
        values with the file, on the subject as it now stands."""
        file_key = parsed.key
        loaded = load_subject(self.session, self.study, find_subject(self.session, screening))
        for form in forms:
            definition = self.study.form(form.form)
            stored = loaded.form(form.event, form.repeat, form.form)
            if stored is None:
                continue
            for name, value in form.editable.items():
                item = definition.item(name)
                current = stored.record.values.get(name)
                if not value or item is None or (
                        current is not None and value_text(item, current) == value):
                    continue
                code, text = self.reason_for(form)
                if code is None and new:  # the subject's first data: no saved value is changed
                    code, text = ChangeReason.OTHER.value, (
                        f"ODM import {self.file_name}: {name} as overridden in the source")
                entry = FormEntry(screening, form.event, form.form, form.repeat,
                                  values={name: value}, reason=code, reason_text=text)
                try:
                    self.record(screening, form, self.save(entry, parsed))
                except TntError as exc:
                    self.refuse(file_key, f"{form.where} {form.form}.{name}", exc.message)
            if form.status in COMPLETE_IN_FILE and (
                    stored.instance.status not in COMPLETE_OR_BEYOND):  # fmt: skip
                entry = FormEntry(screening, form.event, form.form, form.repeat, complete=True)
                try:
                    self.save(entry, parsed)
                except TntError as exc:
                    self.warn(file_key, form.where, Text(
                        f"left in progress: {exc.message.en}", f"保持为填写中：{exc.message.zh}"))
            self.compare(file_key, form, definition, stored)

    def compare(self, file_key: str, form: ParsedForm, definition, stored) -> None:
        record = stored.record
        for (group, row_key, name), expected in form.derived.items():
            item = definition.item(name, group or None)
            if item is None or item.name in ("SUBJID", "SCRNUM"):
                continue  # the subject's keys are checked by resolve
            if group:
                keys = stored.row_keys.get(group, [])
                rows = record.rows.get(group, [])
                position = keys.index(row_key) if row_key in keys else None
                value = rows[position].get(name) if position is not None and position < len(
                    rows) else None  # fmt: skip
            else:
                value = record.values.get(name)
            actual = value_text(item, value) if value is not None else ""
            if actual != expected:
                where = f"{form.where} {form.form}.{name}" + (f" row {row_key}" if group else "")
                kind = Text("assigned", "分配") if item.derivation == ASSIGNED else Text(
                    "derived", "计算")  # fmt: skip
                self.warn(file_key, where, Text(
                    f"{kind.en} value here is {actual or 'empty'}, the file has "
                    f"{expected or 'empty'}",
                    f"本数据库{kind.zh}的值为 {actual or '空'}，文件中为 {expected or '空'}"))
