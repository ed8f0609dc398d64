"""The data dictionary lists every item of F01–F16 with both languages."""

import csv

import pytest

from tnt_desktop.exports.dictionary import write_dictionary_csv
from tnt_desktop.study.definition import get_study
from tnt_desktop.study.dictionary import COLUMNS, dictionary_rows


@pytest.mark.req("REQ-ARC-02")
def test_one_row_per_item_with_both_languages():
    study = get_study()
    rows = dictionary_rows(study, subject_level=False)  # the forms' items (subject level:
    assert len(rows) == len(study.item_definitions())  # tests/core/test_subject_items.py)
    assert {r["form_number"] for r in rows} == {f.number for f in study.forms}
    for row in rows:
        assert row["label_en"].strip() and row["label_zh"].strip(), row["oid"]
        if row["codelist"]:
            assert row["codes_en"] and row["codes_zh"], row["oid"]
    assert len({r["oid"] for r in rows}) == len(rows)


def test_known_items_are_described_faithfully():
    rows = {r["oid"]: r for r in dictionary_rows(get_study()) if r["oid"]}
    viable = rows["IT.PATH.PCTVIAB"]
    assert viable["type"] == "float" and viable["decimals"] == "1"
    assert viable["hard_range"] == "0–100" and viable["unit"] == "%"
    assert viable["required"] == "R" and viable["identifier"] == "N"
    score = rows["IT.PATH.EORTCSC"]
    assert score["codelist"] == "CL.EORTCRS"
    assert score["codes_en"].startswith("A, A: no stainable tumour cells | B,")
    assert rows["IT.PATH.EORTCDER"]["derivation"] == "D-12"
    assert rows["IT.PATH.CLMARGMM"]["condition"] == "RSTAT in ('R0', 'R1')"
    assert rows["IT.DM.BRTHDAT"]["identifier"] == "Y"


def test_csv_has_bom_and_round_trips(tmp_path):
    out = tmp_path / "sub" / "dd.csv"
    count = write_dictionary_csv(get_study(), out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        read = list(csv.DictReader(handle))
    assert len(read) == count
    assert tuple(read[0].keys()) == COLUMNS
    assert any("病理" in r["form_label_zh"] for r in read)
    assert not list(out.parent.glob(".dictionary-*"))
