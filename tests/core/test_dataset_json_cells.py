"""Dataset-JSON cells against CSV cells, as an invariant over generated values (issue 18).

For every column of six CSV layouts (codes, Y/N, dates, partial dates, times, integers,
decimals, multiple choices, free text and reasons for missing among them), generated typed values
go through the CSV export's RowFormatter and the Dataset-JSON row writer; each JSON cell must
give back the CSV cell:
null ↔ empty, an integer as its digits, a decimal as the exact CSV text, any other text through
the CSV's formula guard (`neutralise`). Hypothesis: 60 examples per layout, no deadline (the
first call builds the study), fixed in the decorator so the run is short and repeatable.
"""

from __future__ import annotations

import json
from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnt_desktop.exports.cdisc_metadata import REASONS, layout_dataset
from tnt_desktop.exports.csv_export import RowFormatter, neutralise
from tnt_desktop.exports.csv_layout import Kind, layouts
from tnt_desktop.exports.dataset_json import _Rows
from tnt_desktop.study.definition import get_study
from tnt_desktop.study.model import DataType, Item

STUDY = get_study()
LAYOUTS = {lo.name: lo for lo in layouts(STUDY)}
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


def value_of(item: Item) -> st.SearchStrategy:
    if item.codelist:
        codes = list(STUDY.codelist(item.codelist).codes())
        if item.multiple:
            return st.lists(st.sampled_from(codes), min_size=1, max_size=3, unique=True).map(tuple)
        if item.data_type is DataType.INTEGER:
            return st.sampled_from([int(c) for c in codes])
        return st.sampled_from(codes)
    return {
        DataType.BOOLEAN: st.sampled_from(["Y", "N"]),
        DataType.INTEGER: st.integers(-10**6, 10**6),
        DataType.FLOAT: st.decimals(-10**5, 10**5, places=item.decimals or 0,
                                    allow_nan=False, allow_infinity=False),
        DataType.DATE: st.dates(date(1900, 1, 1), date(2100, 12, 31)),
        DataType.PARTIAL_DATE: st.sampled_from(["2024", "2024-05", "2024-05-17"]),
        DataType.TIME: st.times().map(lambda t: time(t.hour, t.minute)),
    }.get(item.data_type, TEXT)


def row_of(name: str) -> st.SearchStrategy:
    layout = LAYOUTS[name]
    items = layout.items
    values = st.fixed_dictionaries({}, optional={i.name: value_of(i) for i in items})
    reasons = st.fixed_dictionaries({}, optional={
        i.name: st.sampled_from(REASONS) for i in items if i.allows_missing_reason})
    keys = st.tuples(st.sampled_from(["01", "02"]), st.sampled_from(["TNT-01-001", "SCR-0002"]),
                     st.sampled_from([e.oid for e in STUDY.events]), st.integers(1, 9),
                     *([st.integers(1, 99)] if layout.group else []),
                     st.sampled_from(["", "COMPLETE", "IN_PROGRESS"]))  # fmt: skip
    return st.tuples(keys.map(list), values, reasons)


@pytest.mark.parametrize("name", ["DM", "LB_LB", "MH_MH", "AE_AE", "SURG", "FU"])
def test_every_json_cell_gives_back_the_csv_cell(name):
    layout = LAYOUTS[name]
    dataset = layout_dataset(STUDY, layout)
    csv_cells = RowFormatter(STUDY, layout)
    assert [c.name for c in dataset.columns] == layout.header
    assert any(c.kind is Kind.MISSING for c in layout.columns)

    @settings(max_examples=60, deadline=None)
    @given(row_of(name))
    def check(row):
        keys, values, missing = row
        sink = _Rows(STUDY, dataset)
        sink.write(keys, values, missing)
        mine = json.loads(sink.lines[-1])
        theirs = csv_cells.cells(keys, values, missing)
        for column, value, cell in zip(dataset.columns, mine, theirs, strict=True):
            cell = "" if cell is None else str(cell)
            if value is None:
                assert cell == "", column.name
            elif column.dsj_type == "integer":
                assert type(value) is int and str(value) == cell, column.name
            elif column.dsj_type == "decimal":
                assert value == cell and Decimal(value) == Decimal(cell), column.name
            else:
                assert neutralise(value) == cell, column.name

    check()


def test_every_column_of_every_profile_has_cdisc_metadata():
    """A key column the CSV layout gains needs a planned length here (KEY_LENGTHS) and a label
    in the data dictionary; a new column type needs its Define-XML and Dataset-JSON types
    (cdisc_metadata.TYPES raises)."""
    from tnt_desktop.exports.cdisc_metadata import KEY_LENGTHS, datasets
    from tnt_desktop.exports.dictionary import KEY_COLUMNS
    from tnt_desktop.services.export_read import ExportProfile

    for profile in ExportProfile:
        for layout in layouts(STUDY, profile):
            keys = [c.name for c in layout.columns if c.kind is Kind.KEY]
            assert set(keys) <= set(KEY_LENGTHS) & set(KEY_COLUMNS), (layout.name, keys)
        for dataset in datasets(STUDY, profile):
            for column in dataset.columns:
                assert column.label.en and column.label.zh, column.oid
                if column.data_type in ("text", "integer", "float"):
                    assert column.length, column.oid
