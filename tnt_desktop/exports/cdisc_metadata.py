"""Column metadata shared by define.xml and Dataset-JSON (issue 18), generated from the CSV layout.

    for dataset in datasets(study, profile):
        for column in dataset.columns:
            column.oid, column.name, column.label, column.data_type, column.dsj_type, column.length

One `DatasetMeta` per CSV file of the export (`csv_layout.layouts` and QUERIES.csv from
`exports.dictionary.QUERY_COLUMNS`), one `ColumnMeta` per CSV column, in CSV order. define.xml
(`exports.define_xml`) and the Dataset-JSON files (`exports.dataset_json`) both read these objects,
so their OIDs, names, labels, types, lengths and key sequences cannot disagree; when the CSV layout
gains or loses a column, both follow.

Decisions:
- Labels: an item column has the item's label; every other column (keys, decodes, reasons for
  missing) the label the data dictionary gives it (`dictionary_labels`), in both languages.
- OIDs: the dataset is `IG.<file stem>` (IG.DM, IG.LB_LB: a CSV file merges a form's
  non-repeating ODM item groups, so it is not an ODM ItemGroupDef). A value column keeps its
  ODM item OID (`IT.LB.LBORRES`, `IT.CT.DOXADM.EXDOSE`); its label and missing-reason columns add
  the column's suffix (`IT.DM.SEX_LABEL_EN`, `IT.LB.LBORRES_MISSING`). Key columns are shared
  across datasets (`IT.SITEID`); QUERIES.csv columns are `IT.QUERIES.<NAME>`.
- Types (Define-XML DataType / Dataset-JSON dataType): text → text/string, integer →
  integer/integer, number → float/decimal (targetDataType decimal: the value travels as a string,
  exactly as entered, never through a binary float), date → date/date, partial date →
  partialDate/string (YYYY or YYYY-MM is ISO 8601 but not a complete date), time → time/time,
  datetime → datetime/datetime. Y/N items stay text with the codelist CL.NY (CDISC flags).
- Length and SignificantDigits of a value column are those of the ODM export
  (`odm_metadata.odm_length`); a label column's length is its longest decode, a missing-reason
  column's the longest reason; key columns have the lengths of `KEY_LENGTHS` below. Free text has
  no maximum in the study definition (planned 200, query steps 4000): when an export holds a
  longer value, the column's Length is raised to it in both files (`with_lengths`).
- keySequence: the identifying key columns in CSV order (SITEID, SUBJID_OR_SCRNUM, EVENT,
  REPEAT[, ROWKEY]; QUERIES: QUERYID, STEP). The form and subject status columns are not keys.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from tnt_desktop.exports.csv_export import BOOLEAN_LABELS
from tnt_desktop.exports.csv_layout import (
    LABEL_SUFFIXES,
    ROW_COLUMN,
    SITE_COLUMN,
    STATUS_COLUMN,
    SUBJECT_COLUMN,
    SUBJECT_STATUS_COLUMN,
    Column,
    ColumnType,
    Kind,
    Layout,
    layouts,
)
from tnt_desktop.exports.dictionary import (
    KEY_FORM,
    QUERIES_FILE,
    QUERY_COLUMNS,
    QUERY_USER_COLUMNS,
    column_dictionary_rows,
)
from tnt_desktop.exports.odm_metadata import (
    ASSIGNED,
    DEFAULT_INTEGER_LENGTH,
    DEFAULT_TEXT_LENGTH,
    FORM_STATUS_CL,
    FORM_STATUS_LABELS,
    SUBJECT_STATUS_CL,
    SUBJECT_STATUS_LABELS,
    ny_codelist,
    odm_length,
)
from tnt_desktop.services.export_read import ExportProfile
from tnt_desktop.services.queries import MAX_TEXT
from tnt_desktop.study.definition import Study
from tnt_desktop.study.derivations.wound import NOT_EVALUABLE
from tnt_desktop.study.model import MISSING_REASONS, DataType, Item, ItemGroup
from tnt_desktop.study.subject_items import SUBJECT_FORM_CODE
from tnt_desktop.study.values import MULTI_SEPARATOR
from tnt_desktop.text import Text

MISSING_REASON_CL = "CL.MISSING_REASON"
MISSING_REASON_LABELS: dict[str, Text] = {
    "NOT DONE": Text("Not done", "未做"),
    "UNKNOWN": Text("Unknown", "不详"),
    "NOT APPLICABLE": Text("Not applicable", "不适用"),
    NOT_EVALUABLE: Text("Not evaluable (subject-level rate, clarification 22)", "不可评估"),
}
REASONS = (*MISSING_REASONS, NOT_EVALUABLE)  # what a <NAME>_MISSING column may hold
COMMENT_MISSING = "COM.MISSING_REASON"  # on every <NAME>_MISSING column
COMMENT_HAS_REASON = "COM.REASON_IN_MISSING_COLUMN"  # on the value column of an R/C item
COMMENT_MULTI = "COM.MULTI_SELECT"  # on a multi-select value column
METHOD_DECODE = {Kind.LABEL_EN: "MT.DECODE_EN", Kind.LABEL_ZH: "MT.DECODE_ZH"}
QUERY_KEYS = ("QUERYID", "STEP")
QUERY_TEXT_COLUMN = "STEPTEXT"  # the text of a query step: up to services.queries.MAX_TEXT

# Planned Length of the key columns (their labels are the data dictionary's, exports.dictionary
# KEY_COLUMNS): SITEID is a short site number such as 01; SUBJID_OR_SCRNUM a study ID TNT-01-NNN
# or a screening number SCR-NNNN; None: computed (the longest event OID or status code).
KEY_LENGTHS: dict[str, int | None] = {
    SITE_COLUMN: 10, SUBJECT_COLUMN: 20, "EVENT": None, "REPEAT": DEFAULT_INTEGER_LENGTH,
    ROW_COLUMN: DEFAULT_INTEGER_LENGTH, STATUS_COLUMN: None, SUBJECT_STATUS_COLUMN: None,
}  # fmt: skip
STATUS_CODELISTS = {STATUS_COLUMN: FORM_STATUS_CL, SUBJECT_STATUS_COLUMN: SUBJECT_STATUS_CL}

# ColumnType → (Define-XML DataType, Dataset-JSON dataType, targetDataType)
TYPES: dict[str, tuple[str, str, str | None]] = {
    ColumnType.TEXT: ("text", "string", None),
    ColumnType.INTEGER: ("integer", "integer", None),
    ColumnType.NUMBER: ("float", "decimal", "decimal"),
    ColumnType.DATE: ("date", "date", None),
    ColumnType.PARTIAL_DATE: ("partialDate", "string", None),
    ColumnType.TIME: ("time", "time", None),
    "datetime": ("datetime", "datetime", None),  # QUERIES.csv time stamps
}


@dataclass(frozen=True)
class ColumnMeta:
    oid: str
    name: str
    label: Text
    data_type: str  # Define-XML ItemDef DataType
    dsj_type: str  # Dataset-JSON dataType
    target_type: str | None  # Dataset-JSON targetDataType
    length: int | None
    digits: int | None  # SignificantDigits
    key_sequence: int | None
    kind: Kind  # QUERIES.csv columns: KEY or VALUE
    item: Item | None = None  # the study item of a value, label or missing-reason column
    group: ItemGroup | None = None
    origin: str = "Collected"  # def:Origin Type: Collected, Derived, Assigned
    method: str | None = None  # MethodDef OID
    codelist: str | None = None  # CodeList OID
    comment: str | None = None  # CommentDef OID

    @property
    def mandatory(self) -> bool:
        return self.key_sequence is not None


@dataclass(frozen=True)
class DatasetMeta:
    name: str  # the CSV file's stem: DM, LB_LB, SUBJECT_LEVEL, QUERIES
    label: Text
    domain: str | None
    structure: Text
    columns: tuple[ColumnMeta, ...]
    layout: Layout | None  # None for QUERIES.csv

    @property
    def oid(self) -> str:
        return f"IG.{self.name}"

    @property
    def csv_file(self) -> str:
        return f"{self.name}.csv"

    @property
    def keys(self) -> list[ColumnMeta]:
        return sorted((c for c in self.columns if c.key_sequence),
                      key=lambda c: c.key_sequence or 0)  # fmt: skip

    def column(self, name: str) -> ColumnMeta:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def dictionary_labels(study: Study) -> dict[tuple[str, str], Text]:
    """(file stem or "KEYS", column name) → the label the data dictionary gives a column that is
    not an item (key columns, decodes, reasons for missing: exports.dictionary), so that
    define.xml and Dataset-JSON label every column as the dictionary does."""
    labels: dict[tuple[str, str], Text] = {}
    for row in column_dictionary_rows(study):
        stem = row["form"] if row["repeating"] != "Y" else f"{row['form']}_{row['group']}"
        labels[(stem, row["variable"])] = Text(row["label_en"], row["label_zh"])
    return labels


def _types(column_type: str) -> tuple[str, str, str | None]:
    try:
        return TYPES[column_type]
    except KeyError:  # a new ColumnType must be given its CDISC types here
        raise ValueError(f"no Define-XML/Dataset-JSON type for column type {column_type!r}"
                         ) from None  # fmt: skip


def _group_of(layout: Layout, item: Item) -> ItemGroup:
    if layout.group is not None:
        return layout.group
    for group in layout.form.groups:
        if not group.repeating and any(i is item for i in group.items):
            return group
    for group in layout.form.groups:  # pragma: no cover - every layout item is in a group
        if any(i is item for i in group.items):
            return group
    raise KeyError(item.name)  # pragma: no cover


def _decodes(study: Study, item: Item) -> dict[str, Text]:
    """code → decode, as the CSV writer decodes (codelist, or Y/N of a boolean)."""
    if item.codelist:
        return {c.code: c.label for c in study.codelist(item.codelist).items}
    return dict(BOOLEAN_LABELS)


def _origin(item: Item) -> tuple[str, str | None]:
    if item.is_derived and item.derivation == ASSIGNED:
        return "Assigned", None
    if item.derivation and (item.is_derived or item.editable_derived):
        return "Derived", f"MT.{item.derivation}"
    return "Collected", None


def _item_column(study: Study, layout: Layout, column: Column,
                 labels: dict[tuple[str, str], Text]) -> ColumnMeta:  # fmt: skip
    item = column.item
    assert item is not None
    group = _group_of(layout, item)
    base = layout.form.item_oid(group, item)
    oid = base + column.name[len(item.name):]
    types = _types(column.type)
    if column.kind is Kind.VALUE:
        length, digits = odm_length(study, item)
        origin, method = _origin(item)
        codelist = None
        if not item.multiple and item.codelist:
            codelist = f"CL.{item.codelist}"
        elif not item.multiple and item.data_type is DataType.BOOLEAN:
            codelist = ny_codelist(study).oid
        comment = (COMMENT_MULTI if item.multiple else
                   COMMENT_HAS_REASON if item.allows_missing_reason else None)  # fmt: skip
        return ColumnMeta(oid, column.name, item.label, *types, length, digits, None, column.kind,
                          item, group, origin, method, codelist, comment)  # fmt: skip
    if column.kind in METHOD_DECODE:
        lang = "en" if column.kind is Kind.LABEL_EN else "zh"
        decodes = [t.get(lang) for t in _decodes(study, item).values()]
        longest = max((len(d) for d in decodes), default=1)
        if item.multiple:  # every decode joined by "|"
            longest = max(sum(len(d) for d in decodes) + len(decodes) - 1, 1)
        assert column.name.endswith(LABEL_SUFFIXES[column.kind.value])
        language = "English" if lang == "en" else "Chinese"
        label = labels.get((layout.name, column.name), Text(
            f"{item.label.en}: decode in {language}",
            f"{item.label.zh}：{'英文' if lang == 'en' else '中文'}解码"))  # fmt: skip
        return ColumnMeta(oid, column.name, label, *types, longest, None, None, column.kind,
                          item, group, "Derived", METHOD_DECODE[column.kind])  # fmt: skip
    if column.kind is Kind.MISSING:
        label = labels.get((layout.name, column.name), Text(
            f"{item.label.en}: reason for missing", f"{item.label.zh}：缺失原因"))
        return ColumnMeta(oid, column.name, label, *types, max(len(r) for r in REASONS),
                          None, None, column.kind, item, group, "Collected", None,
                          MISSING_REASON_CL, COMMENT_MISSING)  # fmt: skip
    raise ValueError(f"no CDISC metadata for column kind {column.kind!r}")  # pragma: no cover


def _key_column(study: Study, column: Column, sequence: int | None,
                labels: dict[tuple[str, str], Text]) -> ColumnMeta:  # fmt: skip
    label = labels.get((KEY_FORM, column.name), Text(column.name, column.name))
    length = KEY_LENGTHS.get(column.name)
    if column.name == "EVENT":
        length = max(len(e.oid) for e in study.events)
    elif column.name in STATUS_CODELISTS:
        labels = FORM_STATUS_LABELS if column.name == STATUS_COLUMN else SUBJECT_STATUS_LABELS
        length = max(len(code) for code in labels)
    data_type, dsj_type, target = _types(column.type)
    return ColumnMeta(f"IT.{column.name}", column.name, label, data_type, dsj_type, target,
                      length, None, sequence, Kind.KEY, origin="Assigned",
                      codelist=STATUS_CODELISTS.get(column.name))  # fmt: skip


def _structure(layout: Layout) -> Text:
    if layout.form.code == SUBJECT_FORM_CODE:
        return Text("One record per subject", "每名受试者一条记录")
    if layout.group is not None:
        return Text(f"One record per row of {layout.group.label.en} per form instance "
                    "(subject, event, repeat)",
                    f"每个表单实例（受试者、访视、重复）中“{layout.group.label.zh}”的每一行一条记录")
    return Text("One record per form instance (subject, event, repeat)",
                "每个表单实例（受试者、访视、重复）一条记录")  # fmt: skip


def layout_dataset(study: Study, layout: Layout,
                   labels: dict[tuple[str, str], Text] | None = None) -> DatasetMeta:  # fmt: skip
    labels = dictionary_labels(study) if labels is None else labels
    columns: list[ColumnMeta] = []
    sequence = 0
    for column in layout.columns:
        if column.kind is Kind.KEY:
            key = column.name not in STATUS_CODELISTS
            sequence += key
            columns.append(_key_column(study, column, sequence if key else None, labels))
        else:
            columns.append(_item_column(study, layout, column, labels))
    if layout.group is None:
        label = Text(f"{layout.form.number} {layout.form.label.en}",
                     f"{layout.form.number} {layout.form.label.zh}")  # fmt: skip
        domain = layout.form.domain
    else:
        label = Text(f"{layout.form.number} {layout.form.label.en}: {layout.group.label.en}",
                     f"{layout.form.number} {layout.form.label.zh}：{layout.group.label.zh}")
        domain = layout.group.domain or layout.form.domain
    if layout.form.code == SUBJECT_FORM_CODE:
        label = layout.form.label
    return DatasetMeta(layout.name, label, domain, _structure(layout), tuple(columns), layout)


def queries_dataset(profile: ExportProfile) -> DatasetMeta:
    """QUERIES.csv as a dataset: its columns are those of exports.dictionary."""
    specs = QUERY_COLUMNS + (QUERY_USER_COLUMNS if profile is ExportProfile.SITE_ARCHIVE else ())
    columns = []
    for name, kind, en, zh in specs:
        data_type, dsj_type, target = _types(kind)
        length = {"text": DEFAULT_TEXT_LENGTH, "integer": DEFAULT_INTEGER_LENGTH}.get(kind)
        if name == QUERY_TEXT_COLUMN:
            length = MAX_TEXT
        if name in QUERY_KEYS:
            sequence = QUERY_KEYS.index(name) + 1
        else:
            sequence = None
        columns.append(ColumnMeta(f"IT.QUERIES.{name}", name, Text(en, zh), data_type, dsj_type,
                                  target, length, None, sequence,
                                  Kind.KEY if sequence else Kind.VALUE, origin="Assigned"))
    stem = QUERIES_FILE.removesuffix(".csv")
    return DatasetMeta(stem, Text("Queries: one row per step of each query",
                                  "质疑：每个质疑的每一步一行"), None,
                       Text("One record per step of a query", "每个质疑步骤一条记录"),
                       tuple(columns), None)  # fmt: skip


def datasets(study: Study, profile: ExportProfile = ExportProfile.SPONSOR_CODED,
             labels: bool = True) -> list[DatasetMeta]:  # fmt: skip
    """Every dataset of the CSV export, in its order, QUERIES.csv last."""
    described = dictionary_labels(study)
    result = [layout_dataset(study, layout, described)
              for layout in layouts(study, profile, labels)]  # fmt: skip
    result.append(queries_dataset(profile))
    return result


def with_lengths(sets: list[DatasetMeta], lengths: Mapping[str, int]) -> list[DatasetMeta]:
    """The datasets with the Length of some columns raised (column OID → length): a free text
    longer than its planned length is described by the length it has, in define.xml and in
    Dataset-JSON alike."""
    if not lengths:
        return sets
    return [dataclasses.replace(ds, columns=tuple(
        dataclasses.replace(c, length=max(c.length or 0, lengths[c.oid]))
        if c.oid in lengths else c for c in ds.columns)) for ds in sets]  # fmt: skip


def decoded(study: Study, item: Item, codes: tuple[str, ...] | str, lang: str) -> str:
    """The label cell of a code (or of several codes, joined by '|')."""
    decodes = {code: text.get(lang) for code, text in _decodes(study, item).items()}
    many = codes if isinstance(codes, tuple) else (codes,)
    return MULTI_SEPARATOR.join(decodes.get(str(code), str(code)) for code in many)
