"""CDISC Dataset-JSON v1.1 of every dataset of the CSV export (issue 18, item 2).

    writer = DatasetJsonWriter(app, ExportProfile.SPONSOR_CODED, metadata_ref="../define.xml")
    for subject in export_subjects(app, profile):
        writer.subject(subject)
    for name, data in writer.finish().items(): ...        # "DM.json", "LB_LB.json", …

One file per CSV file (`cdisc_metadata.datasets`: the forms, their repeating groups,
SUBJECT_LEVEL and QUERIES), with the same rows in the same order: the rows are produced by the CSV
export's own `csv_export.write_subject` (and `query_rows`), behind the same guard against
identifiers. Column metadata (itemOID, name, label, dataType, targetDataType, length,
keySequence) comes from the objects define.xml is written from, so the two always agree.

Cells: a missing value (an empty CSV cell) is null; integers are JSON integers; numbers of a
`float` item are strings of the exact entered decimal (dataType "decimal", targetDataType
"decimal"), never a binary float; dates, partial dates, times (HH:MM, as in the CSV) and
date-times are ISO 8601 strings; codes, labels and reasons for missing are strings. Text is the
stored value: the CSV's spreadsheet guard (a leading ' before =, +, -, @ or ') is a CSV matter and
is not applied here, so `csv_export.neutralise(json_value) == csv_cell` for every text cell. The
subject-level values are those of the run's data cut-off (`cutoff`, as the CSV export).

File form: `.json` (one object, "rows" last), or `.ndjson` (line 1 the metadata, then one row array
per line) for a dataset with more than `ndjson_rows` records (default `NDJSON_ROWS` = 10 000; 0
writes every dataset as NDJSON). UTF-8 without BOM; the creation time and the database's last
change (`dbLastModifiedDateTime`, the latest update of an exported form) are UTC with Z. Rows are
kept in memory as encoded JSON until the end (the record count comes before them in the file), as
the CSV export does for a package.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from tnt_desktop import __version__
from tnt_desktop.exports import csv_export
from tnt_desktop.exports.cdisc_metadata import (
    ColumnMeta,
    DatasetMeta,
    datasets,
    decoded,
    with_lengths,
)
from tnt_desktop.exports.csv_layout import Kind, Layout
from tnt_desktop.exports.odm_metadata import SOURCE_SYSTEM
from tnt_desktop.services.export_read import ExportProfile, ExportSubject
from tnt_desktop.services.session import AppSession
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import Item
from tnt_desktop.study.values import format_value

DSJ_VERSION = "1.1.0"
DSJ_FOLDER = "dsjson"
NDJSON_ROWS = 10_000


def iso_z(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def column_json(column: ColumnMeta) -> dict[str, Any]:
    """One element of "columns", attributes in the order of the standard."""
    entry: dict[str, Any] = {"itemOID": column.oid, "name": column.name,
                             "label": column.label.en, "dataType": column.dsj_type}
    if column.target_type:
        entry["targetDataType"] = column.target_type
    if column.length is not None:
        entry["length"] = column.length
    if column.key_sequence is not None:
        entry["keySequence"] = column.key_sequence
    return entry


def value_text(item: Item, value: Any) -> str:
    """The text of a value as the CSV writes it (`csv_export.value_cell`: times HH:MM, numbers
    as entered), but without the CSV's spreadsheet guard: where the CSV cell is only the guarded
    stored text, the stored text itself (formula-like text, CR line breaks kept)."""
    cell = csv_export.value_cell(item, value)
    stored = format_value(item, value)
    return stored if csv_export.neutralise(stored) == cell else cell


def _typed(column: ColumnMeta, text: Any) -> Any:
    """A cell as JSON: '' and None → null, an integer column → int, else the text."""
    if text is None or text == "":
        return None
    if column.dsj_type == "integer":
        return int(text)
    return text if isinstance(text, str) else str(text)


class _Rows:
    """The rows of one dataset, encoded as they come (the sink `write_subject` writes into)."""

    def __init__(self, study: Study, dataset: DatasetMeta) -> None:
        self.dataset = dataset
        self.lines: list[str] = []
        self.longest = [0] * len(dataset.columns)  # characters of the longest text value
        self.cells: list[Callable[[Any, dict[str, Any], dict[str, str]], Any]] = []
        self.keys = sum(1 for c in dataset.columns if c.kind is Kind.KEY)
        for column in dataset.columns[self.keys:] if dataset.layout is not None else ():
            self.cells.append(self._cell(study, column))

    @staticmethod
    def _cell(study: Study, column: ColumnMeta) -> Callable[..., Any]:
        item = column.item
        assert item is not None
        if column.kind is Kind.VALUE:
            return lambda _k, values, _m: _typed(column, value_text(item, values.get(item.name)))
        if column.kind in (Kind.LABEL_EN, Kind.LABEL_ZH):
            lang = "en" if column.kind is Kind.LABEL_EN else "zh"

            def label(_k: Any, values: dict[str, Any], _m: dict[str, str]) -> Any:
                value = values.get(item.name)
                return None if value is None else decoded(study, item, value, lang)

            return label
        if column.kind is Kind.MISSING:
            return lambda _k, _v, missing: missing.get(item.name) or None
        raise ValueError(f"no Dataset-JSON cell for a {column.kind!r} column")  # pragma: no cover

    def write(self, keys: list[Any], values: dict[str, Any], missing: dict[str, str]) -> None:
        assert len(keys) == self.keys
        row = [_typed(c, k) for c, k in zip(self.dataset.columns, keys, strict=False)]
        row += [cell(keys, values, missing) for cell in self.cells]
        self.add(row)

    def add(self, row: list[Any]) -> None:
        for index, value in enumerate(row):
            if isinstance(value, str) and len(value) > self.longest[index]:
                self.longest[index] = len(value)
        self.lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))


class DatasetJsonWriter:
    """The Dataset-JSON files of one export, fed one subject at a time (see the module doc)."""

    def __init__(self, app: AppSession, profile: ExportProfile = ExportProfile.SPONSOR_CODED,
                 *, metadata_ref: str | None = None, ndjson_rows: int = NDJSON_ROWS,
                 labels: bool = True, cutoff: date | None = None) -> None:  # fmt: skip
        self.app, self.profile, self.study = app, profile, app.study
        self.cutoff = cutoff or date.today()  # of the subject-level values, as export_csv
        self.metadata_ref, self.ndjson_rows = metadata_ref, ndjson_rows
        self.planned = datasets(self.study, profile, labels)
        self.datasets = self.planned  # with the lengths the data raise, once finished
        plan_list = [ds.layout for ds in self.datasets if ds.layout is not None]
        self.guard = csv_export._Guard(self.study, profile, plan_list)
        self.plan = {(lo.form.code, lo.group.name if lo.group else None): lo for lo in plan_list}
        self.rows = {ds.name: _Rows(self.study, ds) for ds in self.datasets}
        self.sites: dict[str, str] = {}  # exported subject key → site (QUERIES)
        self.last_modified: datetime | None = None

    def _sink(self, layout: Layout) -> _Rows:
        return self.rows[layout.name]

    def subject(self, subject: ExportSubject) -> None:
        """Every row of one subject, through the CSV export's row writer."""
        self.guard.check(subject)
        csv_export.write_subject(subject, self.plan, self._sink, self.study.parameters,
                                 self.cutoff)
        self.sites[subject.key] = subject.site_id
        for meta in subject.forms.values():
            stamp = meta.updated_utc
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=UTC)
            if self.last_modified is None or stamp > self.last_modified:
                self.last_modified = stamp

    def file_name(self, dataset: DatasetMeta) -> str:
        rows = len(self.rows[dataset.name].lines)
        return f"{dataset.name}.{'ndjson' if rows > self.ndjson_rows else 'json'}"

    def lengths(self) -> dict[str, int]:
        """Column OID → the longest value, for the columns whose planned Length it exceeds
        (complete after `finish`; define.xml takes the same numbers)."""
        raised: dict[str, int] = {}
        for ds in self.planned:
            for column, longest in zip(ds.columns, self.rows[ds.name].longest, strict=True):
                if column.length is not None and longest > column.length:
                    raised[column.oid] = max(raised.get(column.oid, 0), longest)
        return raised

    def counts(self) -> dict[str, int]:
        return {name: len(rows.lines) for name, rows in self.rows.items()}

    def finish(self, created: datetime | None = None) -> dict[str, bytes]:
        """The QUERIES rows, then every file: file name → UTF-8 bytes, in dataset order."""
        queries = next(ds for ds in self.datasets if ds.layout is None)
        sink = self.rows[queries.name]
        for cells in csv_export.query_rows(self.app, self.profile, self.sites):
            sink.add([_typed(c, v) for c, v in zip(queries.columns, cells, strict=True)])
        created = created or datetime.now(UTC)
        self.datasets = with_lengths(self.datasets, self.lengths())
        files: dict[str, bytes] = {}
        for dataset in self.datasets:
            files[self.file_name(dataset)] = self._file(dataset, created)
        return files

    def _metadata(self, dataset: DatasetMeta, created: datetime) -> dict[str, Any]:
        params = self.study.parameters
        meta: dict[str, Any] = {
            "datasetJSONCreationDateTime": iso_z(created),
            "datasetJSONVersion": DSJ_VERSION,
            "fileOID": f"{params.study_name}.DSJ.{dataset.name}.{created:%Y%m%dT%H%M%SZ}",
        }
        if self.last_modified is not None:
            meta["dbLastModifiedDateTime"] = iso_z(min(self.last_modified, created))
        meta.update({
            "originator": f"{params.study_name} site {self.app.db.site_id}",
            "sourceSystem": {"name": SOURCE_SYSTEM, "version": __version__},
            "studyOID": self.study.oid,
            "metaDataVersionOID": params.metadata_version,  # = define.xml's MetaDataVersion
        })  # fmt: skip
        if self.metadata_ref:
            meta["metaDataRef"] = self.metadata_ref
        meta.update({
            "itemGroupOID": dataset.oid,
            "records": len(self.rows[dataset.name].lines),
            "name": dataset.name,
            "label": dataset.label.en,
            "columns": [column_json(c) for c in dataset.columns],
        })  # fmt: skip
        return meta

    def _file(self, dataset: DatasetMeta, created: datetime) -> bytes:
        lines = self.rows[dataset.name].lines
        head = json.dumps(self._metadata(dataset, created), ensure_ascii=False)
        if len(lines) > self.ndjson_rows:
            return (head + "\n" + "".join(line + "\n" for line in lines)).encode("utf-8")
        body = ",\n".join(lines)
        return f'{head[:-1]}, "rows": [\n{body}\n]}}\n'.encode() if lines else (
            f'{head[:-1]}, "rows": []}}\n'.encode())  # fmt: skip


__all__ = ["DSJ_FOLDER", "DSJ_VERSION", "NDJSON_ROWS", "DatasetJsonWriter", "column_json"]
