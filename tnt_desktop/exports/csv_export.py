"""CSV export for the sponsor's statistician (issue 5, item 1; CRF_SPEC.md §0.2, §7, §10).

    result = export_csv(app, Path("export"))            # SPONSOR_CODED, labels on
    for f in result.files: print(f.name, f.rows, f.sha256)

Long format, one file per form (one row per form instance, non-repeating items) and one per
repeating group (one row per row: CT_DOXADM.csv), laid out by `exports.csv_layout`. Cells hold the
canonical text of `study.values` (codes, ISO 8601 dates, plain decimals, multi-select codes
joined with "|"); reasons for missing are in `<NAME>_MISSING`, never in the value column. Files
are UTF-8 with a BOM (Excel shows Chinese) and CRLF line ends; a line break inside a cell is
written as LF so that SAS (TERMSTR=CRLF) reads it as data. Text that a spreadsheet would run as a
formula (=, +, -, @, tab, CR first) — or that begins with a single quote — gets a leading single
quote, which the three readers remove; times are HH:MM; numbers of numeric items are
written as numbers (-0.5 stays -0.5).

Beside the data: the data dictionary (profile-filtered, `data_dictionary.csv`), `read_tnt_sts.R`
and `read_tnt_sts.sas`. Subjects are read one at a time through `services.export_read` and
written as they come (memory stays flat); each file is written under a temporary name and renamed
when everything succeeded, so a failed or cancelled export leaves no partial data. The export is
logged once at the end (export log + EXPORT audit entry).
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from tnt_desktop.errors import FolderNotWritable, StorageFull, TntError
from tnt_desktop.exports import analysis_scripts
from tnt_desktop.exports.csv_layout import (
    DICTIONARY_FILE,
    Kind,
    Layout,
    layouts,
)
from tnt_desktop.exports.dictionary import (
    QUERIES_FILE,
    QUERY_COLUMNS,
    QUERY_USER_COLUMNS,
    write_dictionary_csv,
)
from tnt_desktop.services.export_read import (
    ExportProfile,
    ExportSubject,
    export_subjects,
    record_export,
    removed_items,
)
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.subjects import count_subjects
from tnt_desktop.study.definition import Study
from tnt_desktop.study.derivations import subject_level_record
from tnt_desktop.study.model import DataType, Item, Text
from tnt_desktop.study.parameters import StudyParameters
from tnt_desktop.study.subject import FormRecord
from tnt_desktop.study.subject_items import SUBJECT_FORM_CODE
from tnt_desktop.study.values import MULTI_SEPARATOR, format_value

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"  # a text beginning with the guard itself gets one too, so readers strip exactly one
_NEEDS_QUOTES = re.compile(r"[,\"\r\n]|^[' ]|\s$")
BOOLEAN_LABELS = {"Y": Text("Yes", "是"), "N": Text("No", "否")}
# progress(subjects read, subjects in the database — some may be left out by the profile);
# returning False cancels the export
Progress = Callable[[int, int], bool | None]


class ExportLeak(TntError):
    """The profile filter let through something the sponsor must never receive."""

    def __init__(self, what: str) -> None:
        super().__init__(Text(f"export stopped: {what} reached the CSV writer; nothing was "
                              "written", f"导出已停止：{what}进入了 CSV 写入程序；未写出任何文件"))


class ExportCancelled(TntError):
    def __init__(self) -> None:
        super().__init__(Text("export cancelled; no files were written",
                              "导出已取消；未写出任何文件"))  # fmt: skip


@dataclass(frozen=True)
class ExportedFile:
    name: str
    kind: str  # "data", "dictionary", "script"
    rows: int | None  # data rows (header excluded); None for scripts
    sha256: str
    bytes: int


@dataclass
class CsvExportResult:
    out_dir: Path
    profile: ExportProfile
    subjects: int
    files: list[ExportedFile] = field(default_factory=list)

    def file(self, name: str) -> ExportedFile:
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def data_files(self) -> list[ExportedFile]:
        return [f for f in self.files if f.kind == "data"]

    def manifest(self) -> str:
        """One line per file: name, rows, SHA-256 (what the export log keeps)."""
        return "\n".join(f"{f.name} rows={'' if f.rows is None else f.rows} sha256={f.sha256}"
                         for f in self.files)  # fmt: skip


# ---- cells -----------------------------------------------------------------------------------
def neutralise(text: str) -> str:
    """Text as a spreadsheet shows it, never as a formula: a leading ' where Excel or LibreOffice
    would evaluate the cell — and before a text that itself begins with ', so that the readers
    (R, SAS, Python) remove exactly one leading ' and every value round-trips; line breaks
    inside the cell become LF."""
    if text.startswith((*FORMULA_STARTS, GUARD)):
        text = GUARD + text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def value_cell(item: Item, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, time) and item.data_type is DataType.TIME:
        return value.strftime("%H:%M")  # the spec's HH:MM
    numeric = item.data_type in (DataType.INTEGER, DataType.FLOAT) and not item.multiple
    if numeric and isinstance(value, int | Decimal) and not isinstance(value, bool):
        return format_value(item, value)  # a number, even when negative
    return neutralise(format_value(item, value))


def _decodes(study: Study, item: Item, lang: str) -> dict[str, str]:
    if item.codelist:
        return {c.code: c.label.get(lang) for c in study.codelist(item.codelist).items}
    return {code: text.get(lang) for code, text in BOOLEAN_LABELS.items()}


class RowFormatter:
    """Turns one form instance or group row into the cells of a layout (decodes looked up
    once per export, not once per cell)."""

    def __init__(self, study: Study, layout: Layout) -> None:
        self.keys = sum(1 for c in layout.columns if c.kind is Kind.KEY)
        self.plan: list[tuple[Kind, Item, dict[str, str] | None]] = []
        for column in layout.columns[self.keys:]:
            assert column.item is not None
            decodes = None
            if column.kind in (Kind.LABEL_EN, Kind.LABEL_ZH):
                lang = "en" if column.kind is Kind.LABEL_EN else "zh"
                decodes = _decodes(study, column.item, lang)
            self.plan.append((column.kind, column.item, decodes))

    def cells(self, keys: list[Any], values: dict[str, Any], missing: dict[str, str]
              ) -> list[Any]:  # fmt: skip
        assert len(keys) == self.keys
        cells = list(keys)
        for kind, item, decodes in self.plan:
            if kind is Kind.MISSING:
                reason = missing.get(item.name)
                cells.append(neutralise(reason) if reason else "")
                continue
            value = values.get(item.name)
            if value is None:
                cells.append("")
            elif kind is Kind.VALUE:
                cells.append(value_cell(item, value))
            else:
                assert decodes is not None
                codes = value if item.multiple else (value,)
                labels = [decodes.get(str(code), str(code)) for code in codes]
                cells.append(neutralise(MULTI_SEPARATOR.join(labels)))
        return cells


# ---- files -----------------------------------------------------------------------------------
class _HashingFile:
    """A text sink: UTF-8 bytes to disk, hashed and counted on the way."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.raw: BinaryIO = open(path, "wb")  # closed by close()
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, text: str) -> int:
        data = text.encode("utf-8")
        self.sha.update(data)
        self.raw.write(data)
        self.size += len(data)
        return len(text)

    def close(self) -> None:
        self.raw.close()


def _quoted(cell: Any) -> str:
    text = cell if isinstance(cell, str) else str(cell)
    if text and _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(cells: list[Any]) -> str:
    """One CSV record (RFC 4180, CRLF). A field is quoted when it holds a comma, quote or line
    break, or begins with a single quote or a space: SAS (DSD) would otherwise take a leading '
    for a quote character."""
    return ",".join(_quoted(c) for c in cells) + "\r\n"


class _Sink:
    """One CSV file being written under a temporary name."""

    def __init__(self, study: Study, out_dir: Path, layout: Layout) -> None:
        self.layout = layout
        self.formatter = RowFormatter(study, layout)
        self.final = out_dir / layout.file_name
        self.file = _HashingFile(out_dir / f".{layout.file_name}.part")
        self.file.write("\ufeff" + csv_line(layout.header))
        self.rows = 0

    def write(self, keys: list[Any], values: dict[str, Any], missing: dict[str, str]) -> None:
        self.file.write(csv_line(self.formatter.cells(keys, values, missing)))
        self.rows += 1

    def close(self) -> None:
        self.file.close()


def file_sha256(path: Path) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def profile_study(study: Study, profile: ExportProfile) -> Study:
    """The study as the profile shows it: the items it removes are not in any form (for the
    data dictionary). Item OIDs are unchanged (checked)."""
    removed = removed_items(study, profile)
    if not removed:
        return study
    forms = []
    for form in study.forms:
        groups = []
        for group in form.groups:
            items = tuple(i for i in group.items if (form.code, i.name) not in removed)
            if items:
                groups.append(dataclasses.replace(group, items=items))
        forms.append(dataclasses.replace(form, groups=tuple(groups)))
    filtered = dataclasses.replace(study, forms=tuple(forms))
    before = {(d.form.code, d.item.name, d.group.name): d.oid for d in study.item_definitions()}
    for d in filtered.item_definitions():
        if before[(d.form.code, d.item.name, d.group.name)] != d.oid:  # pragma: no cover
            raise RuntimeError(f"filtering the dictionary changed the OID of {d.oid}")
    return filtered


# ---- queries ---------------------------------------------------------------------------------
def query_rows(app: AppSession, profile: ExportProfile, sites: dict[str, str],
               scan: Any = None) -> Iterator[list[Any]]:  # fmt: skip
    """The cells of QUERIES.csv, one list per step of every query of the exported subjects
    (`sites`: subject key → site), before neutralising (the Dataset-JSON writer reads them too).
    People by role; user names only in the SITE_ARCHIVE profile (REQ-PI-05); times ISO 8601
    UTC. Texts pass the run's REQ-PI-04 `scan` (services.export_read.export_queries)."""
    from tnt_desktop.services.export_read import export_queries
    from tnt_desktop.services.queries import iso_utc

    names = profile is ExportProfile.SITE_ARCHIVE
    for q in export_queries(app, profile, subject_keys=sites, scan=scan):
        for number, step in enumerate(q.steps, 1):
            cells = [q.id, sites.get(q.subject_key, ""), q.subject_key,
                     q.event_oid, q.repeat_key, q.form_code, q.group_name, q.row_key,
                     q.item_name or "", q.status, q.origin, q.check_id or "",
                     q.raised_role, iso_utc(q.raised_utc), iso_utc(q.updated_utc), number,
                     step.kind, step.role, iso_utc(step.ts_utc), step.text]
            if names:
                cells += [q.raised_by, step.username]
            yield cells


def queries_csv(app: AppSession, profile: ExportProfile, sites: dict[str, str],
                scan: Any = None) -> tuple[bytes, int]:  # fmt: skip
    """QUERIES.csv: one row per step of every query of the exported subjects (`query_rows`),
    read through services.queries; texts neutralised like every other cell. Returns (bytes with
    BOM, data rows)."""
    names = profile is ExportProfile.SITE_ARCHIVE
    header = [c[0] for c in QUERY_COLUMNS] + ([c[0] for c in QUERY_USER_COLUMNS] if names else [])
    lines = ["\ufeff" + csv_line(header)]
    for cells in query_rows(app, profile, sites, scan):
        lines.append(csv_line([neutralise(c) if isinstance(c, str) else c for c in cells]))
    return "".join(lines).encode("utf-8"), len(lines) - 1


# ---- the export ------------------------------------------------------------------------------
class _Guard:
    """Defence in depth: the profile already removed these; refuse if any got through."""

    def __init__(self, study: Study, profile: ExportProfile, plan: list[Layout]) -> None:
        self.profile = profile
        self.removed = {(d.form.code, d.item.name) for d in study.item_definitions()
                        if d.item.identifier or d.item.hgr}  # fmt: skip
        if profile is ExportProfile.SPONSOR_CODED:
            for layout in plan:
                for item in layout.items:
                    if (layout.form.code, item.name) in self.removed:
                        raise ExportLeak(f"{layout.form.code}.{item.name}")

    def check(self, subject: ExportSubject) -> None:
        if self.profile is not ExportProfile.SPONSOR_CODED:
            return
        if subject.data.value("IE.ICXFER") == "N":
            raise ExportLeak(f"subject {subject.key} (ICXFER = N)")
        for record in subject.data.records:
            names = set(record.values) | set(record.missing)
            for rows in record.rows.values():
                for row in rows:
                    names.update(row)
            for by_row in record.row_missing.values():
                for reasons in by_row.values():
                    names.update(reasons)
            for name in names:
                if (record.form, name) in self.removed:
                    raise ExportLeak(f"{record.form}.{name}")


def write_subject(subject: ExportSubject, plan: dict[tuple[str, str | None], Layout],
                  sink: Callable[[Layout], Any], params: StudyParameters,
                  cutoff: date | None = None) -> None:  # fmt: skip
    """Every row of one subject: its form instances, their repeating-group rows and its
    subject-level derived values as of the data cut-off (`sink(layout).write(keys, values,
    missing)`)."""
    for record in subject.data.records:
        where = (record.event, record.repeat, record.form)
        meta = subject.forms.get(where)
        status = meta.status if meta else ""
        base = [subject.site_id, subject.key, record.event, record.repeat]
        layout = plan.get((record.form, None))
        if layout is not None:
            sink(layout).write([*base, status], record.values, record.missing)
        _write_rows(subject, record, plan, sink, base, status)
    layout = plan.get((SUBJECT_FORM_CODE, None))
    if layout is not None:
        values, reasons = subject_level_record(subject.data, params, cutoff=cutoff)
        sink(layout).write([subject.site_id, subject.key, subject.status], values, reasons)


def _write_rows(subject: ExportSubject, record: FormRecord,
                plan: dict[tuple[str, str | None], Layout], sink: Callable[[Layout], Any],
                base: list[Any], status: str) -> None:  # fmt: skip
    keys_by_group = subject.row_keys.get((record.event, record.repeat, record.form), {})
    for group, rows in record.rows.items():
        layout = plan.get((record.form, group))
        if layout is None:
            continue
        keys = keys_by_group.get(group, [])
        reasons = record.row_missing.get(group, {})
        for index, row in enumerate(rows):
            key = keys[index] if index < len(keys) else ""
            sink(layout).write([*base, key, status], row, reasons.get(index, {}))


def export_csv(
    app: AppSession, out_dir: Path, profile: ExportProfile = ExportProfile.SPONSOR_CODED,
    progress: Progress | None = None, *, labels: bool = True, purpose: str | None = None,
    recipient: str | None = None, record: bool = True, cutoff: date | None = None,
    scan: Any = None,
) -> CsvExportResult:  # fmt: skip
    """Write the CSV files, the data dictionary and the R and SAS readers into `out_dir`.

    `labels=False` leaves out the `_LABEL_EN`/`_LABEL_ZH` columns. `progress(done, total)` is
    called after each subject (total: subjects in the database, some of whom the profile may
    leave out); when it returns False the export stops and nothing is left behind.
    `record=False` skips the export log (for a caller that logs a larger export once).
    `cutoff`: the data cut-off of the subject-level values (default: today)."""
    # the same permission export_subjects asks for, checked before anything touches the disk
    app.require(Permission.EXPORT if profile is ExportProfile.SPONSOR_CODED
                else Permission.VIEW_DATA)  # fmt: skip
    study = app.study
    plan_list = layouts(study, profile, labels)
    guard = _Guard(study, profile, plan_list)
    plan = {(lo.form.code, lo.group.name if lo.group else None): lo for lo in plan_list}
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FolderNotWritable(out_dir) from error
    total = count_subjects(app)
    cutoff = cutoff or date.today()
    own_scan = scan is None and profile is ExportProfile.SPONSOR_CODED
    if own_scan:  # REQ-PI-04: one scan for the files, the log and the site queries
        from tnt_desktop.services.free_text_scan import FreeTextScan

        scan = FreeTextScan(app)
    sinks: dict[str, _Sink] = {}

    def sink(layout: Layout) -> _Sink:
        found = sinks.get(layout.name)
        if found is None:
            found = sinks[layout.name] = _Sink(study, out_dir, layout)
        return found

    subjects = 0
    sites: dict[str, str] = {}  # exported subject key → site (QUERIES.csv)
    files: list[ExportedFile] = []
    others: list[Path] = []  # dictionary and scripts, under temporary names
    try:
        stream = export_subjects(app, profile, scan=scan)
        try:
            for subject in stream:
                guard.check(subject)
                write_subject(subject, plan, sink, study.parameters, cutoff)
                sites[subject.key] = subject.site_id
                subjects += 1
                if progress is not None and progress(subject.position, total) is False:
                    raise ExportCancelled()
        finally:
            stream.close()
        for layout in plan_list:  # forms nobody has yet: a header-only file (stable schema)
            sink(layout).close()
            s = sinks[layout.name]
            files.append(ExportedFile(layout.file_name, "data", s.rows, s.file.sha.hexdigest(),
                                      s.file.size))  # fmt: skip
        files += _beside(study, profile, plan_list, out_dir, others)
        query_part = out_dir / f".{QUERIES_FILE}.part"
        others.append(query_part)
        data, query_rows = queries_csv(app, profile, sites, scan)
        query_part.write_bytes(data)
        files.append(ExportedFile(QUERIES_FILE, "queries", query_rows, *file_sha256(query_part)))
        result = CsvExportResult(out_dir, profile, subjects, files)
        if record:  # logged before the files appear: no export without its log entry
            withheld = "".join(f"\n{line}" for line in (scan.log_lines() if scan else []))
            record_export(app, profile=profile, subject_count=subjects, purpose=purpose,
                          recipient=recipient, files="CSV\n" + result.manifest()
                          + f"\ndata cut-off {cutoff}" + withheld)  # fmt: skip
        for s in sinks.values():
            os.replace(s.file.path, s.final)
        for path in others:
            os.replace(path, path.with_name(path.name[1:-len(".part")]))
        if own_scan and scan is not None:
            scan.finish(app)
    except BaseException as error:
        for s in sinks.values():
            s.close()
            s.file.path.unlink(missing_ok=True)
        for path in others:
            path.unlink(missing_ok=True)
        if isinstance(error, OSError):
            full = error.errno == errno.ENOSPC
            raise (StorageFull if full else FolderNotWritable)(out_dir) from error
        raise
    return result


def _beside(study: Study, profile: ExportProfile, plan: list[Layout], out_dir: Path,
            others: list[Path]) -> list[ExportedFile]:  # fmt: skip
    """The data dictionary and the two analysis programs, under temporary names."""
    written: list[ExportedFile] = []
    part = out_dir / f".{DICTIONARY_FILE}.part"
    others.append(part)
    rows = write_dictionary_csv(profile_study(study, profile), part,
                                user_names=profile is ExportProfile.SITE_ARCHIVE)
    written.append(ExportedFile(DICTIONARY_FILE, "dictionary", rows, *file_sha256(part)))
    for name, text in analysis_scripts.scripts(study, plan, profile).items():
        path = out_dir / f".{name}.part"
        others.append(path)
        path.write_bytes(text.encode("utf-8"))
        written.append(ExportedFile(name, "script", None, *file_sha256(path)))
    return written


__all__ = [
    "CsvExportResult",
    "ExportCancelled",
    "ExportLeak",
    "ExportedFile",
    "export_csv",
    "neutralise",
]
