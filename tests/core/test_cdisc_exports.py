"""Define-XML 2.1 and Dataset-JSON 1.1 beside the CSV export (issue 18), on a demo export.

One demo database (6 subjects, fixed seed) per module; before the export one adverse-event term
is changed to a formula, so that the Dataset-JSON text (the stored value) and the CSV cell (the
value with the spreadsheet guard ') differ exactly by `neutralise`. The export runs through
`run_export` with the formats csv, define and dsjson, as `tnt-desktop export --formats` does.

- define.xml is validated against the Define-XML 2.1 schema shipped by odmlib (define2-1-0.xsd,
  loaded from the installed package by `define_xml.define_schema`).
- every Dataset-JSON file (and, written with `ndjson_rows=0`, every NDJSON file line by line) is
  validated against `tests/data/dataset-json-1.1.schema.json`, a JSON Schema written for these
  tests from the published Dataset-JSON 1.1 specification (no maintained package ships one).
- the files are read back with odmlib's Dataset-JSON 1.1 reader (`odmlib.dataset_json_1_1`:
  `DatasetJSON.read_json` / `read_ndjson`) and compared with the CSV files cell by cell.
  PyPI's `dsjson` (writes Dataset-JSON from data frames) and `dsjconvert` (SAS → Dataset-JSON)
  are converters, not readers, so they are not used.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from lxml import etree
from odmlib.dataset_json_1_1 import DatasetJSON

from tnt_desktop.demo import generate_demo
from tnt_desktop.exports.cdisc_metadata import datasets
from tnt_desktop.exports.csv_export import neutralise
from tnt_desktop.exports.dataset_json import DatasetJsonWriter
from tnt_desktop.exports.define_xml import DEF_NS, ODM_NS, define_schema
from tnt_desktop.exports.package_open import open_package
from tnt_desktop.exports.run_export import run_export
from tnt_desktop.services import auth
from tnt_desktop.services.export_read import ExportProfile, export_subjects
from tnt_desktop.services.form_entries import FormEntry, RowEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.storage import keyslots
from tnt_desktop.study.definition import get_study

from .conftest import FAST_KDF

SCHEMA = Path(__file__).parent.parent / "data" / "dataset-json-1.1.schema.json"
PASSWORD = "Cdisc-Export-2026!"
PHRASE = "a long package passphrase"
INJECTION = "=cmd|' /C calc'!A0"
NS = {"odm": ODM_NS, "def": DEF_NS, "xlink": "http://www.w3.org/1999/xlink"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DEFINE_TO_DSJ = {"text": "string", "integer": "integer", "float": "decimal", "date": "date",
                 "partialDate": "string", "time": "time", "datetime": "datetime"}
DICTIONARY_TO_DEFINE = {"text": "text", "integer": "integer", "float": "float", "date": "date",
                        "partialDate": "partialDate", "time": "time", "datetime": "datetime",
                        "boolean": "text"}  # fmt: skip
ISO = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "time": re.compile(r"\d{2}:\d{2}(:\d{2})?"),
    "datetime": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?"),
    "decimal": re.compile(r"-?\d+(\.\d+)?"),
}


# ---- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cdisc") / "demo.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyslots, "DEFAULT_KDF", dict(FAST_KDF))
        generate_demo(path, 6, seed=11, password=PASSWORD, today=date(2026, 3, 16))
        investigator = auth.login(path, "investigator", PASSWORD)
        try:
            with_ae = next(s for s in export_subjects(investigator, ExportProfile.SITE_ARCHIVE)
                           if s.data.form("AE") and s.data.value("IE.ICXFER") == "Y")
            keys = with_ae.row_keys[("SE.LOG", 1, "AE")]["AE"]
            rows = [RowEntry(key=k, values={"AETERM": INJECTION} if i == 0 else {})
                    for i, k in enumerate(keys)]  # fmt: skip
            save_form(investigator, FormEntry(with_ae.key, "SE.LOG", "AE", rows={"AE": rows},
                                              reason="TRANSCRIPTION_ERROR"))  # fmt: skip
        finally:
            auth.logout(investigator)
    return path


@pytest.fixture(scope="module")
def manager(demo_db):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyslots, "DEFAULT_KDF", dict(FAST_KDF))
        app = auth.login(demo_db, "datamanager", PASSWORD)
    yield app
    auth.logout(app)


@pytest.fixture(scope="module")
def exported(manager, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export")
    result = run_export(manager, out, formats={"csv", "define", "dsjson"}, purpose="issue 18")
    assert result.formats == ("csv", "define", "dsjson")
    return result.folder


@pytest.fixture(scope="module")
def schema():
    return jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def define(exported):
    return etree.parse(str(exported / "define.xml"))


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def define_columns(tree) -> dict[str, list[dict]]:
    """ItemGroupDef Name → its columns as define.xml describes them, in ItemRef order."""
    defs = {e.get("OID"): e for e in tree.iterfind(".//odm:MetaDataVersion/odm:ItemDef", NS)}
    result = {}
    for group in tree.iterfind(".//odm:ItemGroupDef", NS):
        columns = []
        for ref in group.iterfind("odm:ItemRef", NS):
            item = defs[ref.get("ItemOID")]
            text = {t.get(XML_LANG): t.text for t in item.iterfind("odm:Description/*", NS)}
            codelist = item.find("odm:CodeListRef", NS)
            columns.append({
                "itemOID": item.get("OID"), "name": item.get("Name"), "label": text["en"],
                "label_zh": text["zh"], "dataType": item.get("DataType"),
                "length": item.get("Length"), "digits": item.get("SignificantDigits"),
                "keySequence": ref.get("KeySequence"), "method": ref.get("MethodOID"),
                "codelist": None if codelist is None else codelist.get("CodeListOID"),
                "origin": item.find("def:Origin", NS).get("Type"),
            })  # fmt: skip
        result[group.get("Name")] = columns
    return result


def dsjson_files(folder: Path) -> dict[str, Path]:
    return {p.name.rsplit(".", 1)[0]: p for p in sorted((folder / "dsjson").iterdir())}


# ---- define.xml ----------------------------------------------------------------------------------
def test_define_xml_is_valid_define_xml_2_1_and_plain_xml(exported, define):
    schema = define_schema()
    assert schema.validate(define), schema.error_log
    raw = (exported / "define.xml").read_bytes()
    assert raw.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert b"xml-stylesheet" not in raw  # a browser shows the tree, no stylesheet is needed
    root = define.getroot()
    assert root.get(f"{{{DEF_NS}}}Context") == "Other"
    assert root.find(".//odm:MetaDataVersion", NS).get(f"{{{DEF_NS}}}DefineVersion") == "2.1.0"
    # the schema is not a formality: a broken document is refused
    broken = etree.fromstring(raw)
    group = broken.find(".//odm:ItemGroupDef", NS)
    del group.attrib[f"{{{DEF_NS}}}Structure"]
    assert not schema.validate(broken)


def test_every_csv_dataset_has_an_item_group_whose_leaf_is_its_dataset_json_file(exported,
                                                                                 define):
    csv_names = {p.stem for p in (exported / "csv").glob("*.csv")} - {"data_dictionary"}
    groups = {g.get("Name"): g for g in define.iterfind(".//odm:ItemGroupDef", NS)}
    assert set(groups) == csv_names == set(dsjson_files(exported))
    for name, group in groups.items():
        leaf = group.find("def:leaf", NS)
        assert group.get(f"{{{DEF_NS}}}ArchiveLocationID") == leaf.get("ID")
        href = leaf.get(f"{{{NS['xlink']}}}href")
        assert href.startswith("dsjson/") and (exported / href).is_file(), name
        assert group.get(f"{{{DEF_NS}}}IsNonStandard") == "Yes"
        langs = [t.get(XML_LANG) for t in group.iterfind("odm:Description/*", NS)]
        assert langs == ["en", "zh"], name
    assert groups["LB_LB"].find("def:Class", NS).get("Name") == "FINDINGS"
    assert groups["AE_AE"].find("def:Class", NS).get("Name") == "EVENTS"


def test_define_describes_derivations_codes_missing_reasons_and_lab_value_lists(define):
    columns = define_columns(define)
    methods = {m.get("OID"): m for m in define.iterfind(".//odm:MethodDef", NS)}
    comments = {c.get("OID") for c in define.iterfind(".//def:CommentDef", NS)}
    codelists = {c.get("OID"): c for c in define.iterfind(".//odm:CodeList", NS)}
    derived = 0
    for name, cols in columns.items():
        for col in cols:
            if col["origin"] == "Derived":  # every derived column names a described method
                derived += 1
                method = methods[col["method"]]
                langs = {t.get(XML_LANG) for t in method.iterfind("odm:Description/*", NS)}
                assert langs == {"en", "zh"}, (name, col["name"])
            else:
                assert col["method"] is None, (name, col["name"])
            if col["codelist"]:
                assert col["codelist"] in codelists, (name, col["name"])
    assert derived > 50
    assert methods["MT.D-13"].find("odm:Description/odm:TranslatedText", NS).text
    sex = codelists["CL.SEX"].find("odm:CodeListItem/odm:Decode", NS)
    assert {t.get(XML_LANG) for t in sex} == {"en", "zh"}
    # reasons for missing: a codelist with Chinese decodes and a comment on every _MISSING column
    missing = [c for cols in columns.values() for c in cols if c["name"].endswith("_MISSING")]
    assert missing and all(c["codelist"] == "CL.MISSING_REASON" for c in missing)
    assert "COM.MISSING_REASON" in comments
    reasons = codelists["CL.MISSING_REASON"].iterfind("odm:CodeListItem", NS)
    assert [r.get("CodedValue") for r in reasons] == ["NOT DONE", "UNKNOWN", "NOT APPLICABLE",
                                                      "NOT EVALUABLE"]
    # LB: the result's meaning depends on the test → a value list selected by LBTESTCD
    lborres = define.find(".//odm:ItemDef[@OID='IT.LB.LBORRES']", NS)
    vl_oid = lborres.find("def:ValueListRef", NS).get("ValueListOID")
    value_list = define.find(f".//def:ValueListDef[@OID='{vl_oid}']", NS)
    tests = [c.get("CodedValue") for c in codelists["CL.LBTEST"].iterfind("odm:CodeListItem", NS)]
    refs = value_list.findall("odm:ItemRef", NS)
    assert len(refs) == len(tests)
    for ref, code in zip(refs, tests, strict=True):
        where = ref.find("def:WhereClauseRef", NS).get("WhereClauseOID")
        check = define.find(f".//def:WhereClauseDef[@OID='{where}']/odm:RangeCheck", NS)
        assert check.get("Comparator") == "EQ"
        assert check.get(f"{{{DEF_NS}}}ItemOID") == "IT.LB.LBTESTCD"
        assert check.find("odm:CheckValue", NS).text == code
        item = define.find(f".//odm:ItemDef[@OID='{ref.get('ItemOID')}']", NS)
        assert item.get("Name") == "LBORRES" and item.get("DataType") == "float"
    neut = define.find(".//odm:ItemDef[@OID='IT.LB.LBORRES.NEUT']/odm:Description/*", NS)
    assert "Neutrophils" in neut.text and "/L" in neut.text


def test_shared_item_defs_are_identical_wherever_they_are_used():
    """A key column's ItemDef (IT.SITEID…) is written once; every dataset must describe it
    alike (profile by profile)."""
    for profile in ExportProfile:
        seen: dict[str, object] = {}
        for ds in datasets(get_study(), profile):
            for column in ds.columns:
                described = (column.name, column.label, column.data_type, column.length,
                             column.digits, column.codelist, column.origin, column.comment)
                assert seen.setdefault(column.oid, described) == described, column.oid


# ---- Dataset-JSON ----------------------------------------------------------------------------
def test_every_dataset_json_file_is_schema_valid(exported, schema):
    files = dsjson_files(exported)
    assert files and all(p.suffix == ".json" for p in files.values())  # demo: far below NDJSON
    for name, path in files.items():
        document = json.loads(path.read_text(encoding="utf-8"))
        errors = sorted(schema.iter_errors(document), key=str)
        assert not errors, (name, [e.message for e in errors[:3]])
        assert document["datasetJSONVersion"] == "1.1.0"
        assert document["records"] == len(document["rows"])
        assert all(len(row) == len(document["columns"]) for row in document["rows"])
        assert document["metaDataRef"] == "../define.xml"
        assert document["dbLastModifiedDateTime"] <= document["datasetJSONCreationDateTime"]
    assert json.loads(files["DM"].read_text())["records"] > 0
    # the fixture schema is not a formality either
    bad = json.loads(files["DM"].read_text(encoding="utf-8"))
    bad["columns"][0]["dataType"] = "text"
    assert list(schema.iter_errors(bad))


def test_large_datasets_are_written_as_ndjson(manager, exported, schema, tmp_path):
    """`ndjson_rows=0`: every dataset as NDJSON; line 1 is the metadata, then one row per line;
    the same rows as the .json files of the export."""
    writer = DatasetJsonWriter(manager, ndjson_rows=0)
    for subject in export_subjects(manager, ExportProfile.SPONSOR_CODED):
        writer.subject(subject)
    files = writer.finish()
    assert files and all(name.endswith(".ndjson") for name in files)
    metadata = {"$ref": "#/$defs/metadata", "$defs": schema.schema["$defs"]}
    row = {"$ref": "#/$defs/row", "$defs": schema.schema["$defs"]}
    plain = dsjson_files(exported)
    for name, data in files.items():
        lines = data.decode("utf-8").splitlines()
        head = json.loads(lines[0])
        jsonschema.validate(head, metadata, cls=jsonschema.Draft202012Validator)
        for line in lines[1:]:
            jsonschema.validate(json.loads(line), row, cls=jsonschema.Draft202012Validator)
        assert head["records"] == len(lines) - 1
        path = tmp_path / name
        path.write_bytes(data)
        back = DatasetJSON.read_ndjson(str(path))
        stem = name.rsplit(".", 1)[0]
        assert (back.rows or []) == (DatasetJSON.read_json(str(plain[stem])).rows or []), stem


def test_column_metadata_identical_across_define_dataset_json_and_dictionary(exported, define):
    described = define_columns(define)
    study = define.find("odm:Study", NS)
    mdv = study.find("odm:MetaDataVersion", NS)
    groups = {g.get("Name"): g.get("OID") for g in define.iterfind(".//odm:ItemGroupDef", NS)}
    for name, path in dsjson_files(exported).items():
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["studyOID"] == study.get("OID")
        assert document["metaDataVersionOID"] == mdv.get("OID")
        assert document["itemGroupOID"] == groups[name] and document["name"] == name
        columns = document["columns"]
        header, _rows = read_csv(exported / "csv" / f"{name}.csv")
        assert [c["name"] for c in columns] == header == [c["name"] for c in described[name]]
        reader = DatasetJSON.read_json(str(path))  # odmlib's reader accepts every column
        assert [c.itemOID for c in reader.columns] == [c["itemOID"] for c in columns]
        for mine, theirs in zip(columns, described[name], strict=True):
            assert mine["itemOID"] == theirs["itemOID"]
            assert mine["label"] == theirs["label"]
            assert mine["dataType"] == DEFINE_TO_DSJ[theirs["dataType"]]
            assert mine.get("targetDataType") == ("decimal" if theirs["dataType"] == "float"
                                                  else None)  # fmt: skip
            assert str(mine.get("length", "")) == (theirs["length"] or "")
            assert str(mine.get("keySequence", "")) == (theirs["keySequence"] or "")
    # the data dictionary of the export describes every column alike: items with their OID,
    # type, length, decimals and codelist; key, decode and missing-reason columns by label
    with open(exported / "csv" / "data_dictionary.csv", encoding="utf-8-sig", newline="") as f:
        dictionary = list(csv.DictReader(f))
    keys = {row["variable"]: row for row in dictionary if row["form"] == "KEYS"}
    rows = {(row["form"] if row["repeating"] != "Y" else f"{row['form']}_{row['group']}",
             row["variable"]): row for row in dictionary if row["form"] != "KEYS"}  # fmt: skip
    compared = 0
    for dataset, cols in described.items():
        for column in cols:
            key = column["keySequence"] is not None or column["name"] in ("FORMSTATUS",
                                                                          "SUBJSTATUS")
            if key and dataset != "QUERIES":
                row = keys[column["name"]]
            else:
                row = rows[(dataset, column["name"])]
            compared += 1
            where = (dataset, column["name"])
            assert column["label"] == row["label_en"], where
            assert column["label_zh"] == row["label_zh"], where
            if dataset == "QUERIES" or row["form"] == "KEYS":
                assert column["dataType"] == DICTIONARY_TO_DEFINE[row["type"]], where
                continue
            if row["oid"]:
                assert column["itemOID"] == row["oid"], where
            kind = "text" if row["multiple"] == "Y" else DICTIONARY_TO_DEFINE[row["type"]]
            assert column["dataType"] == kind, where
            if row["length"]:
                assert column["length"] == row["length"], where
            if row["decimals"]:
                assert column["digits"] == row["decimals"], where
            if row["codelist"] and row["multiple"] == "N" and not column["name"].endswith(
                    ("_LABEL_EN", "_LABEL_ZH", "_MISSING")):
                assert column["codelist"] == row["codelist"], where
    assert compared == sum(len(cols) for cols in described.values()) > 1000
    names = {c["name"] for cols in described.values() for c in cols}
    assert not names & {"BRTHDAT", "SUBJNAME", "MRN", "NATIONALID", "PHONE", "RAISEDBY"}


def test_dataset_json_read_back_equals_the_csv_cell_by_cell(exported):
    """odmlib reads each file; every cell equals the CSV cell: null ↔ empty, integers as their
    digits, decimals as the exact CSV text, other text through the CSV's formula guard."""
    cells = 0
    for name, path in dsjson_files(exported).items():
        dataset = DatasetJSON.read_json(str(path))
        header, rows = read_csv(exported / "csv" / f"{name}.csv")
        assert dataset.column_names == header
        json_rows = dataset.rows or []
        assert dataset.records == len(json_rows) == len(rows), name
        types = [c.dataType for c in dataset.columns]
        for number, (mine, theirs) in enumerate(zip(json_rows, rows, strict=True)):
            for kind, column, value, cell in zip(types, header, mine, theirs, strict=True):
                if value is None:
                    expected = ""
                elif kind == "integer":
                    assert isinstance(value, int) and not isinstance(value, bool)
                    expected = str(value)
                elif kind == "decimal":
                    expected = value
                else:
                    expected = neutralise(value)
                assert expected == cell, (name, number, column, value, cell)
                cells += 1
    assert cells > 5000
    ae = json.loads((exported / "dsjson" / "AE_AE.json").read_text(encoding="utf-8"))
    term = [c["name"] for c in ae["columns"]].index("AETERM")
    assert INJECTION in {row[term] for row in ae["rows"]}  # the stored value, unguarded


def test_values_follow_their_declared_types(exported):
    for name, path in dsjson_files(exported).items():
        document = json.loads(path.read_text(encoding="utf-8"))
        for index, column in enumerate(document["columns"]):
            kind = column["dataType"]
            values = [row[index] for row in document["rows"] if row[index] is not None]
            for value in values:
                if kind == "integer":
                    assert isinstance(value, int), (name, column["name"], value)
                else:
                    assert isinstance(value, str), (name, column["name"], value)
                if kind in ISO:
                    assert ISO[kind].fullmatch(value), (name, column["name"], value)
                if "length" in column and kind in ("string", "decimal"):
                    assert len(value) <= column["length"], (name, column["name"], value)


def test_package_and_manifest_carry_define_and_dataset_json(manager, exported, tmp_path):
    packed = run_export(manager, tmp_path, package=True, passphrase=PHRASE,
                        formats={"define", "dsjson"})  # fmt: skip
    assert packed.manifest["formats"] == ["define", "dsjson"]
    listed = {entry["path"] for entry in packed.manifest["files"]}
    expected = {f"dsjson/{p.name}" for p in dsjson_files(exported).values()} | {"define.xml"}
    assert expected <= listed
    opened = open_package(packed.package, passphrase=PHRASE)
    assert define_schema().validate(etree.fromstring(opened.files["define.xml"]))
    for path in expected - {"define.xml"}:
        mine = json.loads(opened.files[path])
        theirs = json.loads((exported / path).read_text(encoding="utf-8"))
        assert mine["rows"] == theirs["rows"] and mine["columns"] == theirs["columns"], path


def test_the_command_line_exports_define_and_dataset_json(demo_db, tmp_path):
    """`tnt-desktop export --formats define,dsjson` in a real process: the files, listed in the
    manifest and SHA256SUMS; the help names the two formats."""
    from .test_cli_export import export, run

    result = export(demo_db, tmp_path, "--formats", "define,dsjson", password=PASSWORD)
    assert result.returncode == 0, result.stderr
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["formats"] == ["define", "dsjson"]
    listed = {entry["path"] for entry in manifest["files"]}
    assert "define.xml" in listed and "dsjson/DM.json" in listed
    sums = (folder / "SHA256SUMS").read_text(encoding="utf-8")
    assert "  define.xml\n" in sums and "  dsjson/LB_LB.json\n" in sums
    assert define_schema().validate(etree.parse(str(folder / "define.xml")))
    help_text = run("export", "--help", password=None).stdout
    assert "define" in help_text and "dsjson" in help_text


def test_a_text_longer_than_planned_raises_its_length_in_both_files(manager, monkeypatch):
    """Free text has no maximum in the study definition; a longer value is described by its own
    length, in Dataset-JSON and define.xml alike (here: query steps planned at 100 characters,
    while the demo's automatic queries are longer)."""
    from tnt_desktop.exports import cdisc_metadata
    from tnt_desktop.exports.cdisc_export import cdisc_files

    monkeypatch.setattr(cdisc_metadata, "MAX_TEXT", 100)
    writer = DatasetJsonWriter(manager)
    for subject in export_subjects(manager, ExportProfile.SPONSOR_CODED):
        writer.subject(subject)
    files = cdisc_files(manager, ExportProfile.SPONSOR_CODED, {"define", "dsjson"}, writer)
    queries = json.loads(files["dsjson/QUERIES.json"])
    index = [c["name"] for c in queries["columns"]].index("STEPTEXT")
    longest = max(len(row[index]) for row in queries["rows"] if row[index])
    assert longest > 100
    assert writer.lengths()["IT.QUERIES.STEPTEXT"] == longest
    assert queries["columns"][index]["length"] == longest
    tree = etree.fromstring(files["define.xml"])
    item = tree.find(".//odm:ItemDef[@OID='IT.QUERIES.STEPTEXT']", NS)
    assert item.get("Length") == str(longest)
    untouched = next(c for c in queries["columns"] if c["name"] == "STATUS")
    assert untouched["length"] == 200
