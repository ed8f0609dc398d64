"""The shape of the CSV export: which files, which columns, of which type (no I/O).

One file per form for its non-repeating items (one row per form instance) and one file per
repeating group (one row per group row), named `<FORM>.csv` and `<FORM>_<GROUP>.csv`. Every file
starts with the key columns; then, item by item in screen order, the coded value, its labels
(`<NAME>_LABEL_EN`, `<NAME>_LABEL_ZH`, for codelist and Y/N items when labels are on) and the
reason for missing (`<NAME>_MISSING`, for required and conditional items). The CSV writer and the
R and SAS programs all read this layout, so the three always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tnt_desktop.services.export_read import ExportProfile, removed_items
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import DataType, Form, Item, ItemGroup
from tnt_desktop.study.subject_items import REASONED_ITEMS, SUBJECT_FORM

SITE_COLUMN = "SITEID"
# the study ID once enrolled, the screening number before (and for screen failures)
SUBJECT_COLUMN = "SUBJID_OR_SCRNUM"
KEY_COLUMNS: tuple[str, ...] = (SITE_COLUMN, SUBJECT_COLUMN, "EVENT", "REPEAT")
ROW_COLUMN = "ROWKEY"  # the stored, never reused key of a repeating-group row
STATUS_COLUMN = "FORMSTATUS"
SUBJECT_STATUS_COLUMN = "SUBJSTATUS"  # key of SUBJECT_LEVEL.csv: the subject's status
LABEL_SUFFIXES: dict[str, str] = {"label_en": "_LABEL_EN", "label_zh": "_LABEL_ZH"}
MISSING_SUFFIX = "_MISSING"
DICTIONARY_FILE = "data_dictionary.csv"


class Kind(StrEnum):
    KEY = "key"
    VALUE = "value"
    LABEL_EN = "label_en"
    LABEL_ZH = "label_zh"
    MISSING = "missing"


class ColumnType(StrEnum):
    """How a reader should type a column (R colClasses, SAS informat)."""

    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"  # YYYY-MM-DD
    PARTIAL_DATE = "partial_date"  # YYYY, YYYY-MM or YYYY-MM-DD: kept as text
    TIME = "time"  # HH:MM


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    type: ColumnType
    item: Item | None = None  # None for key columns


@dataclass(frozen=True)
class Layout:
    """One CSV file: a form's non-repeating items (group None) or one repeating group."""

    form: Form
    group: ItemGroup | None
    columns: tuple[Column, ...]

    @property
    def name(self) -> str:
        return self.form.code if self.group is None else f"{self.form.code}_{self.group.name}"

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(c.item for c in self.columns if c.kind is Kind.VALUE and c.item)

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]


def value_type(item: Item) -> ColumnType:
    if item.multiple:
        return ColumnType.TEXT  # codes joined with "|"
    return {
        DataType.INTEGER: ColumnType.INTEGER,
        DataType.FLOAT: ColumnType.NUMBER,
        DataType.DATE: ColumnType.DATE,
        DataType.PARTIAL_DATE: ColumnType.PARTIAL_DATE,
        DataType.TIME: ColumnType.TIME,
    }.get(item.data_type, ColumnType.TEXT)


def has_labels(item: Item) -> bool:
    return bool(item.codelist) or item.data_type is DataType.BOOLEAN


def _key_columns(repeating: bool) -> list[Column]:
    keys = [Column(SITE_COLUMN, Kind.KEY, ColumnType.TEXT),
            Column(SUBJECT_COLUMN, Kind.KEY, ColumnType.TEXT),
            Column("EVENT", Kind.KEY, ColumnType.TEXT),
            Column("REPEAT", Kind.KEY, ColumnType.INTEGER)]  # fmt: skip
    if repeating:
        keys.append(Column(ROW_COLUMN, Kind.KEY, ColumnType.INTEGER))
    keys.append(Column(STATUS_COLUMN, Kind.KEY, ColumnType.TEXT))
    return keys


def _item_columns(item: Item, labels: bool) -> list[Column]:
    columns = [Column(item.name, Kind.VALUE, value_type(item), item)]
    if labels and has_labels(item):
        columns += [Column(item.name + LABEL_SUFFIXES["label_en"], Kind.LABEL_EN,
                           ColumnType.TEXT, item),
                    Column(item.name + LABEL_SUFFIXES["label_zh"], Kind.LABEL_ZH,
                           ColumnType.TEXT, item)]  # fmt: skip
    if item.allows_missing_reason:
        columns.append(Column(item.name + MISSING_SUFFIX, Kind.MISSING, ColumnType.TEXT, item))
    return columns


def layouts(study: Study, profile: ExportProfile = ExportProfile.SPONSOR_CODED,
            labels: bool = True) -> list[Layout]:  # fmt: skip
    """Every file of the export in form order; items the profile removes have no column.

    An item named like a key column (DM.SITEID) is that key column: it is not repeated."""
    removed = removed_items(study, profile)
    key_names = {c.name for c in _key_columns(True)}
    result: list[Layout] = []
    for form in study.forms:
        main: list[Column] = []
        groups: list[Layout] = []
        for group in form.groups:
            kept = [item for item in group.items
                    if (form.code, item.name) not in removed and item.name not in key_names]
            if not kept:
                continue
            columns = [c for item in kept for c in _item_columns(item, labels)]
            if group.repeating:
                groups.append(Layout(form, group, tuple(_key_columns(True) + columns)))
            else:
                main += columns
        if main:
            result.append(Layout(form, None, tuple(_key_columns(False) + main)))
        result += groups
    result.append(subject_layout(labels))
    return result


def subject_layout(labels: bool = True) -> Layout:
    """SUBJECT_LEVEL.csv: one row per subject with the subject-level derived values (the
    primary endpoint RESP_AC, populations, wound complications, OS/LC times)."""
    keys = [Column(SITE_COLUMN, Kind.KEY, ColumnType.TEXT),
            Column(SUBJECT_COLUMN, Kind.KEY, ColumnType.TEXT),
            Column(SUBJECT_STATUS_COLUMN, Kind.KEY, ColumnType.TEXT)]  # fmt: skip
    items = []
    for _group, item in SUBJECT_FORM.items():
        items += _item_columns(item, labels)
        if item.name in REASONED_ITEMS:  # empty with a reason: NOT EVALUABLE (clarification 22)
            items.append(Column(item.name + MISSING_SUFFIX, Kind.MISSING, ColumnType.TEXT, item))
    return Layout(SUBJECT_FORM, None, tuple(keys + items))
