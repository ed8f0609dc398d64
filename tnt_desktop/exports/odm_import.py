"""Import of CDISC ODM 1.3.2 ClinicalData through the same write path as the GUI.

    report = import_odm(app, Path("archive.xml"), reason="LATE_DATA: archive of site 01")
    print(report.summary("zh"))

Order of work:

1. **The file is checked before anything is written**: read in one streaming pass, validated
   against the official ODM 1.3.2 schema (found by `schema_path`), root `ODM`, every
   ClinicalData for this study and this metadata version. A file that is not XML, not valid ODM
   or for another study raises `OdmFileError` with a bilingual message (line and reason) — never
   a traceback.
2. **One transaction for the whole file**, subject by subject (SubjectData are streamed, read by
   `odm_import_read`; memory holds one), written by `odm_import_write.SubjectImporter` through
   the entry session (`services.entry_session`, one conversation per form, answered up front)
   and the services (`form_entry.save_form`, `subjects.screen_subject` / `enrol` /
   `screen_fail` / `withdraw`). They join the file's transaction (`AppSession.transaction` is
   re-entrant), each call in a SAVEPOINT: a refused call leaves nothing behind, and a call that
   wrote no audit entry changed nothing and is undone.
3. **All-or-nothing**: any refusal anywhere rolls the whole file back; the report then lists
   every refusal (the import carries on after the first one to find them all) and nothing is
   created or changed.
4. **Idempotent**: a file whose data are already here changes nothing — "0 forms changed", and
   not even the ODM_IMPORTED audit entry is written. A sponsor snapshot, a site archive or a
   transactional file re-imported into the database it came from is such a file.

How keys map (SubjectKey ↔ this database), odm_import_write in detail:
- SubjectKey is this site's study ID or a screening number and names exactly the subject with
  that key here; IE.SCRNUM and DM.SUBJID in the file must agree, else the subject is refused as
  someone else, with the line of its SubjectData. A key twice in one file, or two keys naming
  one subject, are refused likewise.
- A subject not found is created under the file's keys (`screen_subject(number=…)`, its F01
  saved, `enrol(subject_id=…)` when the file shows it enrolled); the sequences move past them.
  An import never renumbers. Enrolment refused (not eligible on the imported F01) refuses the
  file.
- Identifiers the services assign (SCRNUM, SUBJID, SITEID, AESPID, DVSPID) and derived values are
  never written from the file: they are assigned or recomputed, and a difference from the file is
  a warning. An editable derived value (AJCC_T) that differs from the computed one is saved as
  the person's override it was in the source.
- StudyEventRepeatKey is the event repeat; ItemGroupRepeatKey the row key of a repeating group,
  which counts per item group: a row stored under that key is updated, a new key makes a new
  row under that key, a key a removed row had here is refused; rows of this database the file
  does not name are kept. Items the file does not name keep their value. The last ItemData of
  an item wins (transactional files: its final state; TransactionType="Remove" clears it);
  `IsNull="Yes"` with a reason (Annotation/Comment) is a reason for missing.
- Form status COMPLETE (Annotation flag) is applied after all values are in; if the form cannot be
  completed here it stays in progress, with a warning. VERIFIED, SIGNED and LOCKED count as
  COMPLETE: source data verification, signatures, queries and locks certify work done in the
  database the file came from, so an import never re-creates them (the file's Signature and
  tnt:Query elements are read past).

Reason for change: the importing user's `reason` (a ChangeReason code, "CODE: text", or free
text → OTHER), required when the file changes saved data (`tnt-desktop import --reason`); the
audit text names the file and quotes the file's own ReasonForChange, if any. Without it a change
to saved data is refused with a bilingual message saying so.

Soft edit-check findings: the importer never confirms one on the site's behalf. The file's
`tnt:Confirmation` elements (the source database's confirmed findings, exports.odm_extension)
are applied as the site gave them; every other soft finding of the imported data becomes an open
query raised by the importing user (once: a finding that has its query gets no second one).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

from tnt_desktop.errors import TntError
from tnt_desktop.exports.odm_import_read import iter_subjects, parse_options, parse_subject
from tnt_desktop.exports.odm_import_report import FormChange, ImportMessage, ImportReport
from tnt_desktop.exports.odm_import_write import SubjectImporter
from tnt_desktop.exports.odm_metadata import OdmIndex, q
from tnt_desktop.exports.odm_schema import SCHEMA_ENV
from tnt_desktop.services import deviation_candidates
from tnt_desktop.services.export_read import ExportProfile
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.workflow import check_database_open
from tnt_desktop.storage import audit
from tnt_desktop.study.model import Text

__all__ = ["FormChange", "ImportMessage", "ImportReport", "OdmFileError", "check_file",
           "import_odm", "load_schema", "parse_subject", "schema_path"]  # fmt: skip



class OdmFileError(TntError):
    """The file cannot be imported at all: unreadable, not XML, not valid ODM 1.3.2, or for
    another study or metadata version."""


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
                                  **parse_options())  # fmt: skip
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
            tree = etree.parse(str(file), etree.XMLParser(**parse_options()))
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


# ---- pass 3: into the database ----------------------------------------------------------------
class _RollBack(Exception):
    """Raised inside the transaction to undo the whole file."""


class _NothingChanged(Exception):
    """Raised inside the transaction when the file's data were all here already."""


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
            # a locked database refuses every import, even one that would change nothing: the
            # user learns the lock now, not after unlocking (services.workflow)
            check_database_open(session)
            importer = SubjectImporter(app, session, report, reason, file.name)
            start = audit.pending_mark(session)
            with deviation_candidates.deferred(session):  # settled once per subject
                for element in iter_subjects(file):
                    importer.subject(parse_subject(element, index))
            if report.refused:
                raise _RollBack()
            if audit.pending_mark(session)[0] == start[0]:
                raise _NothingChanged()  # the trail gains no entry: nothing happened
            app.audit(session, "ODM_IMPORTED", detail=(
                f"{file.name} sha256:{report.sha256}; {len(report.created)} created, "
                f"{len(report.matched)} updated, {len(report.changed)} forms changed")[:2000],
                reason_text=reason)  # fmt: skip
    except _NothingChanged:
        pass
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
