"""Import of CDISC ODM 1.3.2 ClinicalData through the same write path as the GUI.

    report = import_odm(app, Path("archive.xml"), reason="LATE_DATA")
    print(report.summary("zh"))

Order of work:

1. **The file is checked before anything is written**: read in one streaming pass, validated
   against the official ODM 1.3.2 schema (found by `schema_path`), root `ODM`, every
   ClinicalData for this study and this metadata version. A file that is not XML, not valid ODM
   or for another study raises `OdmFileError` with a bilingual message (line and reason) — never
   a traceback.
2. **One transaction for the whole file**, subject by subject (SubjectData are streamed; memory
   holds one). Every value goes through `form_entry.save_form`; subjects are created with
   `subjects.screen_subject` / `enrol` (and `screen_fail` / `withdraw` for those statuses). These
   services open their own transaction; here they join the file's (`AppSession.transaction` is
   re-entrant), so that they commit or roll back with the file. Each attempt runs in a
   SAVEPOINT, so a refused attempt leaves nothing behind (not even a consumed AE number) and the
   next attempt starts clean.
3. **All-or-nothing**: any refusal anywhere rolls the whole file back; the report then lists
   every refusal (the import carries on after the first one to find them all) and nothing is
   created or changed.

How keys map (SubjectKey ↔ this database):
- SubjectKey is looked up as a study ID or a screening number of this database; failing that,
  the file's IE.SCRNUM finds a subject still in screening. A match whose screening number
  contradicts the file's SCRNUM is refused (the file is about someone else).
- A subject not found is created: `screen_subject` (this database's next SCR number), its F01
  (IE) saved, then `enrol` when the file shows it enrolled (status flag ENROLLED/WITHDRAWN, a
  DM.SUBJID value, or a SubjectKey with this study's ID prefix). Enrolment refused (not eligible
  on the imported F01) refuses the file. Numbers are this database's own (never reused, never
  taken from a file): `ImportReport.key_map` gives file key → database key, and a key that
  differs is reported as a warning.
- Identifiers the services assign (SCRNUM, SUBJID, SITEID, AESPID, DVSPID) and derived values are
  never written from the file: they are assigned or recomputed, and a difference from the file is
  a warning. An editable derived value (AJCC_T) that differs from the computed one is saved as
  the person's override it was in the source.
- StudyEventRepeatKey is the event repeat; ItemGroupRepeatKey the row key of a repeating group
  (rows already stored under that key are updated; rows of this database the file does not name
  are kept; new rows get this database's keys, in the file's order). Items the file does not name
  keep their value. The last ItemData of an item wins (transactional files: its final state;
  TransactionType="Remove" clears it); `IsNull="Yes"` with a reason (Annotation/Comment) is a
  reason for missing.
- Form status COMPLETE (Annotation flag) is applied after all values are in; if the form cannot be
  completed here it stays in progress, with a warning. VERIFIED, SIGNED and LOCKED count as
  COMPLETE: source data verification, signatures, queries and locks certify work done in the
  database the file came from, so an import never re-creates them (the file's Signature and
  tnt:Query elements are read past).

Reason for change (only needed when a saved value changes): the ReasonForChange of the form's
ItemData AuditRecords — "CODE: text" with a ChangeReason code keeps the code, any other text is
OTHER with that text, several different ones are OTHER with the texts joined — else the
`reason` argument (a ChangeReason code, or free text → OTHER); the reason text always names the
file. Without one, changing a saved value is refused (ReasonRequired). Soft findings the import
raises are confirmed with the text "ODM import <file>: …" and listed as warnings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from lxml import etree
from sqlalchemy.orm import Session

from tnt_desktop.errors import NotFound, TntError
from tnt_desktop.exports.odm_export import value_text
from tnt_desktop.exports.odm_metadata import (
    ASSIGNED,
    FORM_STATUS_FLAG,
    SUBJECT_STATUS_FLAG,
    OdmIndex,
    q,
)
from tnt_desktop.exports.odm_schema import SCHEMA_ENV
from tnt_desktop.services import subjects
from tnt_desktop.services.clinical_data import LoadedSubject, find_subject, load_subject
from tnt_desktop.services.export_read import ExportProfile
from tnt_desktop.services.form_entry import (
    ChangeReason,
    FormEntry,
    OverrideRequired,
    ReasonRequired,
    RowEntry,
    SaveResult,
    ValidationFailed,
    save_form,
)
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.session import AppSession
from tnt_desktop.storage.models import Subject
from tnt_desktop.study.model import Finding, Text

MAX_PASSES = 6  # forms refused only because another form was not in yet are retried
_T = TypeVar("_T")

# form states of the file that mean "complete" here (review states are not imported)
_COMPLETE_IN_FILE = frozenset({"COMPLETE", "VERIFIED", "SIGNED", "LOCKED"})


class OdmFileError(TntError):
    """The file cannot be imported at all: unreadable, not XML, not valid ODM 1.3.2, or for
    another study or metadata version."""


# ---- the report ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportMessage:
    subject: str | None  # the SubjectKey of the file
    where: str  # "SE.SCR#1/IE" and the items concerned
    message: Text


@dataclass(frozen=True)
class FormChange:
    subject: str  # database key
    event: str
    repeat: int
    form: str
    changed: int
    derived_changed: int


@dataclass
class ImportReport:
    file: Path
    sha256: str = ""
    file_type: str = ""
    imported: bool = False
    subjects: int = 0  # SubjectData in the file
    created: list[tuple[str, str]] = field(default_factory=list)  # (file key, database key)
    matched: list[tuple[str, str]] = field(default_factory=list)
    changed: list[FormChange] = field(default_factory=list)
    unchanged: int = 0  # form instances the file left as they were
    refused: list[ImportMessage] = field(default_factory=list)
    warnings: list[ImportMessage] = field(default_factory=list)

    @property
    def key_map(self) -> dict[str, str]:
        return dict(self.created + self.matched)

    def lines(self) -> list[Text]:
        out = []
        name = self.file.name
        if self.imported:
            out.append(Text(
                f"{name}: imported — {len(self.created)} subjects created, "
                f"{len(self.matched)} updated, {len(self.changed)} forms changed, "
                f"{self.unchanged} unchanged",
                f"{name}：已导入 — 新建受试者 {len(self.created)} 例，更新 {len(self.matched)} 例，"
                f"修改表单 {len(self.changed)} 份，未变 {self.unchanged} 份"))  # fmt: skip
        else:
            out.append(Text(
                f"{name}: nothing imported — {len(self.refused)} refusal(s); the whole file was "
                "rolled back",
                f"{name}：未导入任何数据 — 共 {len(self.refused)} 处被拒绝，整个文件已回滚"))
        for file_key, db_key in self.created:
            out.append(Text(f"created {db_key} (file {file_key})",
                            f"已新建 {db_key}（文件中为 {file_key}）"))  # fmt: skip
        for change in self.changed:
            where = f"{change.subject} {change.event}#{change.repeat}/{change.form}"
            out.append(Text(f"changed {where}: {change.changed} value(s)",
                            f"已修改 {where}：{change.changed} 个数值"))  # fmt: skip
        for label, items in ((Text("refused", "拒绝"), self.refused),
                             (Text("warning", "警告"), self.warnings)):  # fmt: skip
            for m in items:
                out.append(Text(f"{label.en}: {m.subject or '-'} {m.where}: {m.message.en}",
                                f"{label.zh}：{m.subject or '-'} {m.where}：{m.message.zh}"))
        return out

    def summary(self, lang: str = "en") -> str:
        return "\n".join(line.get(lang) for line in self.lines())


# ---- the schema ----------------------------------------------------------------------------
def schema_path() -> Path | None:
    """The official ODM 1.3.2 schema (from the odmlib package; see exports.odm_schema)."""
    from tnt_desktop.exports.odm_schema import odm_schema_path

    return odm_schema_path()


@lru_cache(maxsize=4)
def _schema(path: Path) -> etree.XMLSchema:
    # the official schema with the TNT extension (tnt:Query in SubjectData) admitted: files
    # exported with queries validate strictly; the reader below ignores the extension elements
    from tnt_desktop.exports.odm_extension import extended_schema

    return extended_schema(path)


def load_schema() -> etree.XMLSchema:
    path = schema_path()
    if path is None:
        raise OdmFileError(Text(
            f"the CDISC ODM 1.3.2 schema was not found (set {SCHEMA_ENV}); import refused",
            f"未找到 CDISC ODM 1.3.2 模式文件（请设置 {SCHEMA_ENV}），拒绝导入"))
    return _schema(path)


# ---- pass 1: the file as a whole -------------------------------------------------------------
@dataclass
class _Header:
    file_type: str = ""
    clinical: list[tuple[str, str]] = field(default_factory=list)  # (StudyOID, MDV OID)
    subjects: int = 0


def _parse_options() -> dict[str, Any]:
    return {"resolve_entities": False, "no_network": True, "load_dtd": False,
            "remove_comments": True}  # fmt: skip


def _bad_file(name: str, en: str, zh: str) -> OdmFileError:
    return OdmFileError(Text(f"{name}: {en}", f"{name}：{zh}"))


def check_file(file: Path, schema: etree.XMLSchema) -> _Header:
    """Validate the whole file against the schema in one streaming pass; raises OdmFileError."""
    header = _Header()
    line = 0
    root_seen = root_closed = False
    etree.clear_error_log()  # lxml's log is per thread and would still hold earlier files' errors
    try:
        context = etree.iterparse(str(file), events=("start", "end"), schema=schema,
                                  **_parse_options())  # fmt: skip
        for event, element in context:
            if event == "start":
                line = element.sourceline or line
                if not root_seen:
                    root_seen = True
                    if element.tag != q("ODM"):
                        raise _bad_file(file.name, f"the root element is {element.tag}, not ODM",
                                        f"根元素为 {element.tag}，不是 ODM")  # fmt: skip
                    header.file_type = element.get("FileType", "")
                elif element.tag == q("ClinicalData"):
                    header.clinical.append((element.get("StudyOID", ""),
                                            element.get("MetaDataVersionOID", "")))  # fmt: skip
                continue
            if element.tag == q("ODM"):
                root_closed = True
            if element.tag == q("SubjectData"):
                header.subjects += 1
            if element.tag in (q("SubjectData"), q("Study"), q("AdminData"),
                               q("ReferenceData")):  # fmt: skip
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except OdmFileError:
        raise
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(file, exc, schema, line) from None
    except OSError as exc:
        raise _bad_file(file.name, f"cannot be read: {exc.strerror or exc}",
                        f"无法读取：{exc.strerror or exc}") from None  # fmt: skip
    if not root_closed:  # lxml's validating iterparse can stop quietly at a truncation
        raise _syntax_error(file, etree.XMLSyntaxError("the file ends before </ODM>: "
                                                       "truncated?", None, 0, 0), schema, line)
    return header


RELOCATE_LIMIT = 200 * 1024 * 1024  # re-read a file this small to give a schema error's line


def _syntax_error(file: Path, exc: etree.XMLSyntaxError, schema: etree.XMLSchema,
                  line: int) -> OdmFileError:  # fmt: skip
    """A bilingual message for the first problem: XML that is not well-formed first, else the
    first schema violation. Streaming validation gives no line numbers, so a file of moderate
    size is read again as a whole to find the line."""
    entries = list(exc.error_log)
    parser = [e for e in entries if not e.domain_name.startswith("SCHEMAS")]
    schema_errors = [e for e in entries if e.domain_name.startswith("SCHEMAS")]
    first = parser[0] if parser else (schema_errors[0] if schema_errors else None)
    well_formed = not parser and bool(schema_errors)
    where = (first.line if first is not None else 0) or exc.lineno or line
    message = first.message if first is not None else (exc.msg or str(exc))
    etree.clear_error_log()
    try:
        if file.stat().st_size <= RELOCATE_LIMIT:
            tree = etree.parse(str(file), etree.XMLParser(**_parse_options()))
            if not schema.validate(tree) and schema.error_log:
                error = schema.error_log[0]
                well_formed, where, message = True, error.line, error.message
    except etree.XMLSyntaxError as again:
        errors = [e for e in again.error_log if not e.domain_name.startswith("SCHEMAS")]
        error = errors[0] if errors else None
        well_formed = False
        where = (error.line if error is not None else 0) or again.lineno or where
        message = error.message if error is not None else (again.msg or message)
    except OSError:
        pass
    if well_formed:
        return _bad_file(file.name, f"not valid CDISC ODM 1.3.2 (line {where}): {message}",
                         f"不符合 CDISC ODM 1.3.2 规范（第 {where} 行）：{message}")
    return _bad_file(file.name, f"not well-formed XML (line {where}): {message}",
                     f"不是格式正确的 XML（第 {where} 行）：{message}")  # fmt: skip


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# ---- pass 2: one SubjectData at a time -------------------------------------------------------
@dataclass
class _Row:
    values: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


@dataclass
class _Form:
    event: str
    repeat: int
    form: str
    values: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    rows: dict[str, dict[int, _Row]] = field(default_factory=dict)  # group → row key → row
    derived: dict[tuple[str, int, str], str] = field(default_factory=dict)  # file's values
    editable: dict[str, str] = field(default_factory=dict)  # editable derived (AJCC_T)
    reasons: list[str] = field(default_factory=list)
    status: str | None = None

    @property
    def where(self) -> str:
        return f"{self.event}#{self.repeat}/{self.form}"


@dataclass
class _Subject:
    key: str
    status: str | None = None
    forms: dict[tuple[str, int, str], _Form] = field(default_factory=dict)
    problems: list[ImportMessage] = field(default_factory=list)

    def value(self, code: str, name: str) -> str | None:
        for form in self.forms.values():
            if form.form == code:
                found = form.values.get(name) or form.derived.get(("", 0, name))
                if found:
                    return found
        return None


def _flag(element: etree._Element, flag_type: str) -> str | None:
    for flag in element.iterfind(f"{q('Annotation')}/{q('Flag')}"):
        kind = flag.findtext(q("FlagType"))
        if kind is not None and kind.strip() == flag_type:
            value = flag.findtext(q("FlagValue"))
            return value.strip() if value else None
    return None


def _int(text: str | None, default: int | None = None) -> int | None:
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        return None


def parse_subject(element: etree._Element, index: OdmIndex) -> _Subject:
    """A SubjectData element → what each form instance should become (no database access)."""
    study = index.study
    subject = _Subject(element.get("SubjectKey", ""))
    subject.status = _flag(element, SUBJECT_STATUS_FLAG)

    def problem(where: str, en: str, zh: str) -> None:
        subject.problems.append(ImportMessage(subject.key, where, Text(en, zh)))

    for event_el in element.iterfind(q("StudyEventData")):
        event_oid = event_el.get("StudyEventOID", "")
        repeat = _int(event_el.get("StudyEventRepeatKey"), 1)
        try:
            study.event(event_oid)
        except KeyError:
            problem(event_oid, f"unknown event {event_oid}", f"未知的访视 {event_oid}")
            continue
        if repeat is None or repeat < 1:
            problem(event_oid, "StudyEventRepeatKey must be a whole number ≥ 1",
                    "StudyEventRepeatKey 必须为 ≥1 的整数")  # fmt: skip
            continue
        for form_el in event_el.iterfind(q("FormData")):
            _parse_form(subject, form_el, event_oid, repeat, index, problem)
    return subject


def _parse_form(subject: _Subject, form_el: etree._Element, event_oid: str, repeat: int,
                index: OdmIndex, problem: Callable[[str, str, str], None]) -> None:  # fmt: skip
    study = index.study
    form_oid = form_el.get("FormOID", "")
    where = f"{event_oid}#{repeat}/{form_oid}"
    try:
        form = study.form(form_oid.removeprefix("F."))
    except KeyError:
        problem(where, f"unknown form {form_oid}", f"未知的表单 {form_oid}")
        return
    if form_el.get("FormRepeatKey", "1") != "1":
        problem(where, "repeated forms within one event are not part of this study",
                "本研究的表单在同一访视内不重复")  # fmt: skip
        return
    target = subject.forms.setdefault((event_oid, repeat, form.code),
                                      _Form(event_oid, repeat, form.code))  # fmt: skip
    target.status = _flag(form_el, FORM_STATUS_FLAG) or target.status
    for group_el in form_el.iterfind(q("ItemGroupData")):
        group_oid = group_el.get("ItemGroupOID", "")
        found = index.groups.get(group_oid)
        if found is None or found[0].code != form.code:
            problem(f"{where}/{group_oid}", f"{group_oid} is not an item group of {form.code}",
                    f"{group_oid} 不是 {form.code} 的条目组")  # fmt: skip
            continue
        group = found[1]
        row_key = 0
        if group.repeating:
            row_key = _int(group_el.get("ItemGroupRepeatKey")) or 0
            if row_key < 1:
                problem(f"{where}/{group_oid}", "a row needs ItemGroupRepeatKey (a whole number)",
                        "重复组的行需要 ItemGroupRepeatKey（整数）")  # fmt: skip
                continue
        for item_el in group_el:
            if not isinstance(item_el.tag, str) or not item_el.tag.startswith(q("ItemData")):
                continue
            item_oid = item_el.get("ItemOID", "")
            if item_el.tag != q("ItemData"):
                problem(f"{where}/{item_oid}", "typed ItemData elements are not supported; use "
                        "ItemData with Value", "不支持带类型的 ItemData 元素，请使用带 Value 的 "
                        "ItemData")  # fmt: skip
                continue
            odm_item = index.items.get(item_oid)
            if odm_item is None or odm_item.form.code != form.code or (
                    odm_item.group.name != group.name):  # fmt: skip
                problem(f"{where}/{item_oid}", f"{item_oid} is not an item of {group_oid}",
                        f"{item_oid} 不是 {group_oid} 的条目")  # fmt: skip
                continue
            _parse_item(target, item_el, odm_item.item, group.name if group.repeating else "",
                        row_key)  # fmt: skip


def _parse_item(target: _Form, item_el: etree._Element, item, group: str, row_key: int) -> None:
    reason = item_el.findtext(f"{q('AuditRecord')}/{q('ReasonForChange')}")
    if reason and reason.strip():
        target.reasons.append(reason.strip())
    comment = item_el.findtext(f"{q('Annotation')}/{q('Comment')}")
    missing: str | None = None
    if item_el.get("TransactionType") == "Remove":
        value = ""
    elif item_el.get("IsNull") == "Yes":
        value = ""
        missing = comment.strip() if comment and comment.strip() else None
    else:
        value = item_el.get("Value", "")
    name = item.name
    if item.is_derived and not item.editable_derived:
        target.derived[(group, row_key, name)] = value
        return
    if item.editable_derived and not group:
        target.editable[name] = value
        return
    if group:
        row = target.rows.setdefault(group, {}).setdefault(row_key, _Row())
        values, missing_map = row.values, row.missing
    else:
        values, missing_map = target.values, target.missing
    if missing:
        missing_map[name] = missing
        values.pop(name, None)
    else:
        values[name] = value
        missing_map.pop(name, None)


def iter_subjects(file: Path) -> Iterator[etree._Element]:
    """SubjectData elements one by one; each is cleared once the caller is done with it."""
    context = etree.iterparse(str(file), events=("end",), tag=q("SubjectData"),
                              **_parse_options())  # fmt: skip
    for _event, element in context:
        yield element
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]


# ---- pass 3: into the database ----------------------------------------------------------------
class _RollBack(Exception):
    """Raised inside the transaction to undo the whole file."""


def _reason_code(text: str) -> tuple[str, str]:
    code, _, rest = text.partition(":")
    if code.strip() in ChangeReason.__members__:
        return code.strip(), rest.strip()
    return ChangeReason.OTHER.value, text.strip()


def _finding_where(form: _Form, finding: Finding) -> str:
    items = ", ".join(finding.items)
    row = f" row {finding.row + 1}" if finding.row is not None else ""
    return f"{form.where}" + (f" {items}{row}" if items else "")


class _Importer:
    def __init__(self, app: AppSession, session: Session, report: ImportReport,
                 reason: str | None, file_name: str) -> None:  # fmt: skip
        self.app = app
        self.session = session
        self.report = report
        self.reason = reason
        self.file_name = file_name
        self.study = app.study
        self.prefix = app.params.subject_id_prefix
        self.override_text = (f"ODM import {file_name}: "
                              + (reason or "confirmed in the source system"))  # fmt: skip

    # -- helpers ----------------------------------------------------------------------------
    def attempt(self, function: Callable[[], _T]) -> _T:
        """One service call in a SAVEPOINT: a refusal leaves nothing behind."""
        with self.session.begin_nested():
            return function()

    def refuse(self, subject: str, where: str, message: Text) -> None:
        self.report.refused.append(ImportMessage(subject, where, message))

    def warn(self, subject: str, where: str, message: Text) -> None:
        self.report.warnings.append(ImportMessage(subject, where, message))

    def reason_for(self, form: _Form) -> tuple[str | None, str]:
        texts = list(dict.fromkeys(form.reasons))
        note = f"ODM import {self.file_name}"
        if texts:
            parsed = [_reason_code(t) for t in texts]
            codes = {code for code, _ in parsed}
            code = codes.pop() if len(codes) == 1 else ChangeReason.OTHER.value
            detail = "; ".join(t for _, t in parsed if t) if code != ChangeReason.OTHER else (
                "; ".join(texts))  # fmt: skip
            return code, f"{note}: {detail}"[:2000] if detail else note
        if self.reason:
            code, detail = _reason_code(self.reason)
            return code, f"{note}: {detail}" if detail else note
        return None, note

    def save(self, entry: FormEntry, file_key: str, where: str) -> SaveResult:
        """save_form, confirming soft findings with the import text (each one a warning)."""
        for _ in range(3):
            try:
                return self.attempt(lambda: save_form(self.app, entry))
            except OverrideRequired as exc:
                for key, finding in exc.findings:
                    if key in entry.overrides:
                        raise
                    entry.overrides[key] = self.override_text
                    self.warn(file_key, f"{where} {', '.join(finding.items)}", Text(
                        f"confirmed on import: {finding.message.en}",
                        f"导入时已确认：{finding.message.zh}"))  # fmt: skip
        return self.attempt(lambda: save_form(self.app, entry))

    # -- one subject --------------------------------------------------------------------------
    def subject(self, parsed: _Subject) -> None:
        report = self.report
        report.subjects += 1
        if parsed.problems:
            report.refused.extend(parsed.problems)
            return
        file_key = parsed.key
        try:
            existing = self.find(parsed)
        except _Conflict as conflict:
            self.refuse(file_key, "SubjectData", conflict.message)
            return
        wants_enrolled = (parsed.status in ("ENROLLED", "WITHDRAWN")
                          or bool(parsed.value("DM", "SUBJID"))
                          or re.fullmatch(re.escape(self.prefix) + r"\d+", file_key) is not None)
        forms = list(parsed.forms.values())
        ie = [f for f in forms if f.form == "IE" and f.event == "SE.SCR"]
        rest = [f for f in forms if f not in ie]
        if existing is None:
            screening = self.attempt(lambda: subjects.screen_subject(self.app))
            loaded = None
        else:
            screening = existing.screening_number
            loaded = load_subject(self.session, self.study, existing)
        if not self.save_forms(file_key, screening, ie, loaded):
            return
        subject = find_subject(self.session, screening)
        if wants_enrolled and subject.status == subjects.SubjectStatus.SCREENING.value:
            try:
                self.attempt(lambda: subjects.enrol(self.app, screening))
            except TntError as exc:
                self.refuse(file_key, "SE.SCR/IE", exc.message)
                return
        self.save_forms(file_key, screening, rest, loaded)
        self.apply_status(file_key, screening, parsed)
        subject = find_subject(self.session, screening)
        (report.created if existing is None else report.matched).append((file_key, subject.key))
        if subject.key != file_key:
            self.warn(file_key, "SubjectData", Text(
                f"stored as {subject.key} in this database",
                f"在本数据库中的编号为 {subject.key}"))  # fmt: skip
        self.after(file_key, screening, forms, existing is None)

    def find(self, parsed: _Subject) -> Subject | None:
        file_scrnum = parsed.value("IE", "SCRNUM")
        try:
            subject = find_subject(self.session, parsed.key)
        except NotFound:
            subject = None
            if file_scrnum:
                try:
                    candidate = find_subject(self.session, file_scrnum)
                except NotFound:
                    candidate = None
                if candidate is not None and candidate.subject_id is None:
                    subject = candidate
        if subject is not None and file_scrnum and subject.screening_number != file_scrnum:
            raise _Conflict(Text(
                f"{parsed.key} exists here with screening number {subject.screening_number}, "
                f"the file says {file_scrnum}: not the same subject",
                f"{parsed.key} 在本数据库中的筛选号为 {subject.screening_number}，文件中为 "
                f"{file_scrnum}：不是同一受试者"))  # fmt: skip
        return subject

    def entry_for(self, form: _Form, screening: str, loaded: LoadedSubject | None) -> FormEntry:
        stored = loaded.form(form.event, form.repeat, form.form) if loaded else None
        stored_keys = stored.row_keys if stored is not None else {}
        rows: dict[str, list[RowEntry]] = {}
        definition = self.study.form(form.form)
        for group in definition.groups:  # definition order: row keys follow the source's
            if not group.repeating or group.name not in form.rows:
                continue
            existing = stored_keys.get(group.name, [])
            entries = []
            for key, row in sorted(form.rows[group.name].items()):
                if key in existing:
                    entries.append(RowEntry(key=key, values=dict(row.values),
                                            missing=dict(row.missing)))  # fmt: skip
                elif _has_data(row):
                    entries.append(RowEntry(values={k: v for k, v in row.values.items() if v},
                                            missing=dict(row.missing)))  # fmt: skip
            named = {e.key for e in entries if e.key is not None}
            entries += [RowEntry(key=k) for k in existing if k not in named]
            rows[group.name] = entries
        code, text = self.reason_for(form)
        return FormEntry(screening, form.event, form.form, form.repeat,
                         values=dict(form.values), missing=dict(form.missing), rows=rows,
                         reason=code, reason_text=text if code else "")  # fmt: skip

    def save_forms(self, file_key: str, screening: str, forms: list[_Form],
                   loaded: LoadedSubject | None) -> bool:  # fmt: skip
        """Save forms, retrying those refused only because another form was not in yet;
        returns False when some form stays refused."""
        pending, last_error = list(forms), {}
        for _ in range(MAX_PASSES):
            still = []
            for form in pending:
                try:
                    result = self.save(self.entry_for(form, screening, loaded), file_key,
                                       form.where)  # fmt: skip
                except ValidationFailed as exc:
                    last_error[id(form)] = exc
                    still.append(form)
                    continue
                except ReasonRequired as exc:
                    self.refuse(file_key, form.where, Text(
                        f"{exc.message.en} (give an import reason or a ReasonForChange)",
                        f"{exc.message.zh}（请提供导入原因或 ReasonForChange）"))  # fmt: skip
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

    def record(self, screening: str, form: _Form, result: SaveResult) -> None:
        if result.changed or result.derived_changed:
            key = find_subject(self.session, screening).key
            self.report.changed.append(FormChange(key, form.event, form.repeat, form.form,
                                                  result.changed, result.derived_changed))
        else:
            self.report.unchanged += 1

    def apply_status(self, file_key: str, screening: str, parsed: _Subject) -> None:
        subject = find_subject(self.session, screening)
        status = subjects.SubjectStatus
        overrides: dict[str, str] = {}

        def with_overrides(function: Callable[[], None]) -> None:
            for _ in range(3):
                try:
                    return self.attempt(function)
                except OverrideRequired as exc:
                    overrides.update({key: self.override_text for key, _f in exc.findings})
            self.attempt(function)

        try:
            if parsed.status == status.SCREEN_FAILED and subject.status == status.SCREENING:
                reason = parsed.value("IE", "SFREAS") or ""
                specify = parsed.value("IE", "SFREASSP") or ""
                with_overrides(lambda: subjects.screen_fail(
                    self.app, screening, reason, specify, overrides=overrides))
            elif parsed.status == status.WITHDRAWN and subject.status == status.ENROLLED:
                scope = parsed.value("EOS", "WDSCOPE") or ""
                when = date.fromisoformat(parsed.value("EOS", "EOSDAT") or "")
                alive = parsed.value("EOS", "LASTCONT")
                with_overrides(lambda: subjects.withdraw(
                    self.app, subject.subject_id or screening, scope, when,
                    date.fromisoformat(alive) if alive else None, overrides=overrides))
        except ValueError:
            self.refuse(file_key, "SE.EOS/EOS", Text(
                "withdrawn in the file but EOSDAT is not a date",
                "文件中为已退出，但 EOSDAT 不是日期"))  # fmt: skip
        except (ValidationFailed, TntError) as exc:
            self.refuse(file_key, "SubjectData", exc.message)

    def after(self, file_key: str, screening: str, forms: list[_Form], new: bool) -> None:
        """Form status, editable derived values and the comparison of assigned and derived
        values with the file, on the subject as it now stands."""
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
                if code is None and new:
                    code, text = ChangeReason.OTHER.value, (
                        f"ODM import {self.file_name}: {name} as overridden in the source")
                entry = FormEntry(screening, form.event, form.form, form.repeat,
                                  values={name: value}, reason=code, reason_text=text)
                try:
                    self.record(screening, form, self.save(entry, file_key, form.where))
                except TntError as exc:
                    self.refuse(file_key, f"{form.where} {form.form}.{name}", exc.message)
            if form.status in _COMPLETE_IN_FILE and stored.instance.status != "COMPLETE":
                entry = FormEntry(screening, form.event, form.form, form.repeat, complete=True)
                try:
                    self.save(entry, file_key, form.where)
                except TntError as exc:
                    self.warn(file_key, form.where, Text(
                        f"left in progress: {exc.message.en}", f"保持为填写中：{exc.message.zh}"))
            self.compare(file_key, form, definition, stored, new)

    def compare(self, file_key: str, form: _Form, definition, stored, new: bool) -> None:
        record = stored.record
        for (group, row_key, name), expected in form.derived.items():
            item = definition.item(name, group or None)
            if item is None or item.name in ("SUBJID", "SCRNUM"):
                continue  # the subject's keys are reported by key_map
            if group:
                if new:  # rows were created in the file's order, with this database's keys
                    keys = sorted(k for k, row in form.rows.get(group, {}).items()
                                  if _has_data(row))  # fmt: skip
                else:
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


def _has_data(row: _Row) -> bool:
    return any(v.strip() for v in row.values.values()) or bool(row.missing)


class _Conflict(Exception):
    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


def import_odm(app: AppSession, file: Path, *, reason: str | None = None) -> ImportReport:
    """Import the ClinicalData of an ODM 1.3.2 file, all or nothing (module docstring)."""
    app.require(Permission.ENTER_DATA)
    file = Path(file)
    report = ImportReport(file)
    schema = load_schema()
    header = check_file(file, schema)
    report.file_type = header.file_type
    study = app.study
    if not header.clinical:
        raise _bad_file(file.name, "contains no ClinicalData", "不包含 ClinicalData")
    for study_oid, mdv in header.clinical:
        if study_oid != study.oid or mdv != app.metadata_version:
            raise _bad_file(
                file.name,
                f"its clinical data are for {study_oid} {mdv}; this database holds "
                f"{study.oid} {app.metadata_version}",
                f"其临床数据属于 {study_oid} {mdv}；本数据库为 {study.oid} {app.metadata_version}")
    report.sha256 = _sha256(file)
    index = OdmIndex(study, ExportProfile.SITE_ARCHIVE)
    try:
        with app.transaction() as session:
            importer = _Importer(app, session, report, reason, file.name)
            for element in iter_subjects(file):
                importer.subject(parse_subject(element, index))
            if report.refused:
                raise _RollBack()
            app.audit(session, "ODM_IMPORTED", detail=(
                f"{file.name} sha256:{report.sha256}; {len(report.created)} created, "
                f"{len(report.matched)} updated, {len(report.changed)} forms changed")[:2000],
                reason_text=reason)  # fmt: skip
    except _RollBack:
        report.created.clear()
        report.matched.clear()
        report.changed.clear()
        report.unchanged = 0
        report.imported = False
        return report
    except etree.XMLSyntaxError as exc:  # the file changed after it was checked
        raise _bad_file(file.name, f"could not be read again: {exc.msg}",
                        f"再次读取失败：{exc.msg}") from None  # fmt: skip
    finally:
        app.touch()
    report.imported = True
    return report
