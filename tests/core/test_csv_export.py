"""CSV export (issue 5, item 1): a demo study exported and read back with pandas.

One demo database (generate_demo, 12 subjects, fixed seed) is built per module; before the
export an AE verbatim term is changed to a formula ("=cmd…") and one subject's consent to
transfer (ICXFER) is set to N, both through save_form with a reason for change.
"""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
import subprocess
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tnt_desktop.demo import generate_demo
from tnt_desktop.errors import PermissionDenied
from tnt_desktop.exports import csv_export
from tnt_desktop.exports.analysis_scripts import PY_READER, R_CLASSES, R_SCRIPT, SAS_PROGRAM
from tnt_desktop.exports.csv_export import (
    ExportCancelled,
    ExportLeak,
    export_csv,
    neutralise,
    value_cell,
)
from tnt_desktop.exports.csv_layout import (
    DICTIONARY_FILE,
    KEY_COLUMNS,
    SUBJECT_COLUMN,
    ColumnType,
    Kind,
    layouts,
)
from tnt_desktop.exports.dictionary import QUERY_COLUMNS
from tnt_desktop.services import auth
from tnt_desktop.services.export_read import ExportProfile, export_log, export_subjects
from tnt_desktop.services.form_entries import FormEntry, RowEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.study.derivations import subject_level
from tnt_desktop.study.dictionary import COLUMNS
from tnt_desktop.study.model import MISSING_REASONS, DataType
from tnt_desktop.study.subject_items import SUBJECT_FORM_CODE

from .conftest import audit_entries

TODAY = date(2026, 3, 16)
SEED = 7
PASSWORD = "Csv-Export-2026!"
INJECTION = "=cmd|' /C calc'!A0"
IDENTIFIERS = ("BRTHDAT", "SUBJNAME", "SUBJPINYIN", "MRN", "NATIONALID", "PHONE", "ADDRESS",
               "ETHNICSP", "MOLTEST", "MOLMETH", "MOLRES")  # fmt: skip
CJK = re.compile(r"[\u4e00-\u9fff]")
KEY_DTYPES = {"SITEID": str, SUBJECT_COLUMN: str}


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=KEY_DTYPES, keep_default_na=False,
                       na_values=[""])  # fmt: skip


@pytest.fixture(scope="module")
def study_db(tmp_path_factory):
    """The demo database after the two edits; returns (path, AE subject, ICXFER=N subject)."""
    path = tmp_path_factory.mktemp("csv") / "demo.db"
    generate_demo(path, 12, seed=SEED, password=PASSWORD, today=TODAY)
    investigator = auth.login(path, "investigator", PASSWORD)
    try:
        enrolled = [s for s in export_subjects(investigator, ExportProfile.SITE_ARCHIVE)
                    if s.subject_id and s.data.value("IE.ICXFER") == "Y"]  # fmt: skip
        with_ae = next(s for s in enrolled if s.data.form("AE"))
        keys = with_ae.row_keys[("SE.LOG", 1, "AE")]["AE"]
        rows = [RowEntry(key=k, values={"AETERM": INJECTION} if i == 0 else {})
                for i, k in enumerate(keys)]  # fmt: skip
        save_form(investigator, FormEntry(with_ae.key, "SE.LOG", "AE", rows={"AE": rows},
                                          reason="TRANSCRIPTION_ERROR"))  # fmt: skip
        blocked = next(s for s in enrolled if s.key != with_ae.key)
        save_form(investigator, FormEntry(blocked.key, "SE.SCR", "IE", values={"ICXFER": "N"},
                                          reason="OTHER",
                                          reason_text="consent to transfer withdrawn"))
    finally:
        auth.logout(investigator)
    return path, with_ae.key, blocked.key


@pytest.fixture(scope="module")
def manager(study_db):
    app = auth.login(study_db[0], "datamanager", PASSWORD)
    yield app
    auth.logout(app)


@pytest.fixture(scope="module")
def site_user(study_db):
    """Reads the SITE_ARCHIVE profile (identifiers included): a site role, which may view
    identifying information (the data manager may not)."""
    app = auth.login(study_db[0], "investigator", PASSWORD)
    yield app
    auth.logout(app)


@pytest.fixture(scope="module")
def exported(study_db, manager, tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    calls: list[tuple[int, int]] = []
    result = export_csv(manager, out, progress=lambda done, total: calls.append((done, total)),
                        purpose="unit test", recipient="sponsor statistician")  # fmt: skip
    return result, out, calls


@pytest.fixture(scope="module")
def frames(exported):
    result, out, _calls = exported
    return {f.name[:-4]: read(out / f.name) for f in result.data_files}


@pytest.fixture(scope="module")
def sponsor_subjects(manager):
    """What the services hand out under the sponsor profile (the reference for counts)."""
    return list(export_subjects(manager, ExportProfile.SPONSOR_CODED))


# ---- files -----------------------------------------------------------------------------------
def test_files_have_bom_hashes_and_no_leftovers(exported, manager):
    result, out, _calls = exported
    names = {f.name for f in result.files}
    plan = layouts(manager.study)
    assert names == {lo.file_name for lo in plan} | {DICTIONARY_FILE, R_SCRIPT, SAS_PROGRAM,
                                                     PY_READER, "QUERIES.csv"}  # fmt: skip
    assert {"CT.csv", "CT_DOXADM.csv", "CT_IFOADM.csv", "AE_AE.csv", "DM.csv"} <= names
    assert sorted(p.name for p in out.iterdir()) == sorted(names)  # no .part files left
    for f in result.files:
        data = (out / f.name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f.sha256 and len(data) == f.bytes
        if f.name.endswith(".csv"):
            assert data.startswith(b"\xef\xbb\xbf"), f.name
            assert data.count(b"\r\n") >= (f.rows or 0) + 1


def test_row_counts_match_the_services(exported, frames, sponsor_subjects):
    result, _out, calls = exported
    assert result.subjects == len(sponsor_subjects)
    # one call per exported subject; `done` counts the subjects read (issue 15: "15/51" when 47
    # were exported meant the counter skipped the ones left out)
    assert len(calls) == len(sponsor_subjects)
    assert [done for done, _total in calls] == [s.position for s in sponsor_subjects]
    assert all(total == sponsor_subjects[0].total for _done, total in calls)
    forms: Counter[str] = Counter()
    rows: Counter[str] = Counter()
    for subject in sponsor_subjects:
        for record in subject.data.records:
            forms[record.form] += 1
            for group, group_rows in record.rows.items():
                rows[f"{record.form}_{group}"] += len(group_rows)
    for name, frame in frames.items():
        if name == SUBJECT_FORM_CODE:  # one row per subject, see its own test
            assert len(frame) == len(sponsor_subjects) == result.file(f"{name}.csv").rows
            continue
        expected = rows[name] if "_" in name else forms[name]
        assert len(frame) == expected == result.file(f"{name}.csv").rows, name
    assert forms["CT"] >= 3 and rows["CT_DOXADM"] >= 9 and rows["LB_LB"] > 0
    assert set(frames["DM"][SUBJECT_COLUMN]) == {s.key for s in sponsor_subjects if
                                                 s.data.form("DM")}  # fmt: skip


STARTED = ["IN_PROGRESS", "COMPLETE", "VERIFIED", "SIGNED", "LOCKED"]


def test_key_columns(frames, sponsor_subjects):
    for name, frame in frames.items():
        if name == SUBJECT_FORM_CODE:
            assert list(frame.columns[:3]) == ["SITEID", SUBJECT_COLUMN, "SUBJSTATUS"]
            continue
        keys = [*KEY_COLUMNS, *(["ROWKEY"] if "_" in name else []), "FORMSTATUS"]
        assert list(frame.columns[: len(keys)]) == keys, name
        if len(frame):
            assert frame["EVENT"].str.startswith("SE.").all()
            assert pd.api.types.is_integer_dtype(frame["REPEAT"])
            assert frame["FORMSTATUS"].isin(STARTED).all(), name
            assert (frame["SITEID"] == "01").all()
    doxadm = frames["CT_DOXADM"]
    assert pd.api.types.is_integer_dtype(doxadm["ROWKEY"])
    assert not doxadm.duplicated([SUBJECT_COLUMN, "EVENT", "REPEAT", "ROWKEY"]).any()
    screened = {s.screening_number for s in sponsor_subjects if s.subject_id is None}
    assert screened and screened <= set(frames["IE"][SUBJECT_COLUMN])  # screening number
    assert set(frames["FU"]["EVENT"]) == {"SE.FU"} and frames["FU"]["REPEAT"].max() > 1
    # the demo's review (issue 6): verified screening forms, signed eligibility
    assert {"VERIFIED", "SIGNED"} <= set(frames["IE"]["FORMSTATUS"]) | set(frames["DM"][
        "FORMSTATUS"])  # fmt: skip


# ---- values ----------------------------------------------------------------------------------
def test_numbers_are_numeric_and_dates_parse(exported, frames, manager):
    checked = Counter()
    for layout in layouts(manager.study):
        frame = frames[layout.name]
        for column in layout.columns:
            if column.kind is not Kind.VALUE or frame[column.name].isna().all():
                continue
            series = frame[column.name]
            if column.type in (ColumnType.INTEGER, ColumnType.NUMBER):
                assert pd.api.types.is_numeric_dtype(series), (layout.name, column.name)
                checked["number"] += 1
            elif column.type is ColumnType.DATE:
                parsed = pd.to_datetime(series, format="%Y-%m-%d", errors="raise")
                assert parsed.notna().sum() == series.notna().sum()
                checked["date"] += 1
    assert checked["number"] > 50 and checked["date"] > 40
    assert pd.api.types.is_float_dtype(frames["DM"]["BSA"])
    assert pd.api.types.is_integer_dtype(frames["DM"]["AGE"])
    # a negative value stays a number: percent change of the tumour, cycle delay
    assert pd.api.types.is_float_dtype(frames["TUPRE"]["TUPCHG"])
    assert frames["TUPRE"]["TUPCHG"].min() < 0
    raw = (exported[1] / "TUPRE.csv").read_text(encoding="utf-8-sig")
    assert re.search(r",-\d+\.\d,", raw) and ",'-" not in raw


@pytest.mark.req("REQ-PI-01", "REQ-PI-02", "REQ-PI-08")
def test_no_identifier_anywhere(exported, frames, manager, site_user, tmp_path):
    result, out, _calls = exported
    for name, frame in frames.items():
        for column in frame.columns:
            assert column.split("_LABEL_")[0].removesuffix("_MISSING") not in IDENTIFIERS, (
                name, column)  # fmt: skip
    with (out / DICTIONARY_FILE).open(encoding="utf-8-sig", newline="") as handle:
        dictionary = list(csv.DictReader(handle))
    assert not {r["variable"] for r in dictionary} & set(IDENTIFIERS)
    assert {(r["identifier"], r["hgr"]) for r in dictionary} == {("N", "N")}
    # the identifiers the site holds appear in no byte of the sponsor export
    archive = export_csv(site_user, tmp_path / "archive", ExportProfile.SITE_ARCHIVE,
                         record=False)  # fmt: skip
    assert archive.profile is ExportProfile.SITE_ARCHIVE
    site_dm = read(tmp_path / "archive" / "DM.csv")
    secrets = [str(v) for column in ("SUBJNAME", "SUBJPINYIN", "MRN", "PHONE", "ADDRESS")
               for v in site_dm[column].dropna()]  # fmt: skip
    assert len(secrets) > 20
    text = "".join((out / f.name).read_text(encoding="utf-8-sig") for f in result.files)
    assert not [s for s in secrets if s in text]


def test_labels_in_both_languages(frames, exported, manager, tmp_path):
    dm, ae = frames["DM"], frames["AE_AE"]
    assert set(dm["SEX_LABEL_EN"].dropna()) <= {"Male", "Female"}
    assert set(dm["SEX_LABEL_ZH"].dropna()) <= {"男", "女"}
    assert ae["AECTC_LABEL_ZH"].dropna().map(lambda t: bool(CJK.search(t))).all()
    assert set(ae["AESER_LABEL_EN"].dropna()) <= {"Yes", "No"}
    assert set(ae["AESER_LABEL_ZH"].dropna()) <= {"是", "否"}
    assert ae["AETERM"].dropna().map(lambda t: bool(CJK.search(t))).any()  # Chinese verbatim
    # multi-select codes joined with "|", labels likewise
    ie = frames["IE"]
    fail = ie.dropna(subset=["IEFAIL"])
    if len(fail):
        assert (fail["IEFAIL"].str.count(r"\|") == fail["IEFAIL_LABEL_EN"].str.count(r"\|")).all()
    plain = export_csv(manager, tmp_path / "plain", labels=False, record=False)
    header = (tmp_path / "plain" / "DM.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert "_LABEL_" not in header and "SEX_MISSING" in header
    assert plain.file("DM.csv").rows == exported[0].file("DM.csv").rows


def test_missing_reasons_in_their_own_columns(frames):
    fu = frames["FU"]
    reasons = fu.dropna(subset=["LOCIMGDAT_MISSING"])
    assert len(reasons) and set(reasons["LOCIMGDAT_MISSING"]) <= set(MISSING_REASONS)
    assert reasons["LOCIMGDAT"].isna().all()
    for name, frame in frames.items():
        for column in frame.columns:
            if column.endswith("_MISSING") or frame[column].dtype != object:
                continue
            assert not frame[column].isin(MISSING_REASONS).any(), (name, column)


def test_formula_injection_neutralised(exported, frames, manager, study_db):
    ae = frames["AE_AE"]
    mine = ae[ae[SUBJECT_COLUMN] == study_db[1]]
    assert ("'" + INJECTION) in set(mine["AETERM"])
    raw = (exported[1] / "AE_AE.csv").read_text(encoding="utf-8-sig")
    assert f',"\'{INJECTION}",' in raw  # quoted: SAS (DSD) must not take ' for a quote
    numeric = {c.name for lo in layouts(manager.study) for c in lo.columns
               if c.type in (ColumnType.INTEGER, ColumnType.NUMBER)}  # fmt: skip
    for name, frame in frames.items():
        for column in frame.columns:
            if column in numeric or frame[column].dtype != object:
                continue
            cells = frame[column].dropna().astype(str)
            assert not cells.str.match(r"[=+\-@\t\r]").any(), (name, column)
    definition = manager.study.resolve("TUPRE.TUPCHG").item
    assert value_cell(definition, Decimal("-0.5")) == "-0.5"
    assert neutralise("-0.5") == "'-0.5"  # the same text in a text item is neutralised
    assert [neutralise(t) for t in ("+1", "@SUM(A1)", "\tx", "\rx", "a=b", "")] == [
        "'+1", "'@SUM(A1)", "'\tx", "'\nx", "a=b", ""]  # fmt: skip
    assert neutralise("line 1\r\nline 2") == "line 1\nline 2"


@pytest.mark.req("REQ-PI-06")
def test_subjects_without_consent_to_transfer_are_absent(exported, frames, study_db, site_user,
                                                         sponsor_subjects):  # fmt: skip
    blocked = study_db[2]
    keys = {s.key for s in sponsor_subjects}
    assert blocked not in keys
    for frame in frames.values():
        assert blocked not in set(frame[SUBJECT_COLUMN])
    assert "N" not in set(frames["IE"]["ICXFER"])
    everyone = list(export_subjects(site_user, ExportProfile.SITE_ARCHIVE))
    refused = {s.key for s in everyone if s.data.value("IE.ICXFER") == "N"}
    assert blocked in refused and len(refused) >= 2  # one N in the demo, one set here
    assert exported[0].subjects == len(everyone) - len(refused)


def test_derived_columns_are_present_and_marked(exported, frames):
    _result, out, _calls = exported
    for form, column in (("DM", "AGE"), ("DM", "BSA"), ("DM", "BMI"), ("CT", "DOXRDI"),
                         ("CT", "CYRDI"), ("RT", "RTTOTDOSE"), ("PATH", "EORTCDER")):
        assert frames[form][column].notna().any(), (form, column)
    with (out / DICTIONARY_FILE).open(encoding="utf-8-sig", newline="") as handle:
        dictionary = {(r["form"], r["variable"]): r for r in csv.DictReader(handle)}
    assert dictionary[("CT", "CYRDI")]["required"] == "D"
    assert dictionary[("CT", "CYRDI")]["derivation"] == "D-09"
    assert dictionary[("DM", "SEX")]["required"] != "D"


def test_subject_level_file_holds_the_endpoints_of_every_subject(exported, frames, manager,
                                                                 sponsor_subjects):  # fmt: skip
    frame = frames[SUBJECT_FORM_CODE].set_index(SUBJECT_COLUMN)
    assert sorted(frame.index) == sorted(s.key for s in sponsor_subjects)
    assert frame.index.is_unique
    for subject in sponsor_subjects:
        expected = subject_level(subject.data, manager.params)
        row = frame.loc[subject.key]
        assert row["SUBJSTATUS"] == subject.status
        for name in ("RESP_AC", "TRTFL", "MWC90", "EORTCFIN", "OSENRCNSR", "OSTCDAYS"):
            value = expected[name]
            cell = row[name]
            if value is None:
                assert pd.isna(cell), (subject.key, name)
            elif isinstance(value, int):  # pandas reads an integer column with gaps as float
                assert float(cell) == value, (subject.key, name)
            else:
                assert str(cell) == str(value), (subject.key, name)
    assert set(frame["RESP_AC"].dropna()) <= {"Y", "N"} and frame["RESP_AC"].notna().any()
    assert set(frame["RESP_AC_LABEL_ZH"].dropna()) <= {"是", "否"}
    for days in ("OSTCDAYS", "OSENRDAYS", "LCTCDAYS", "LCENRDAYS"):
        whole = frame[days].astype("Int64")  # raises unless every value is a whole number
        assert (whole.dropna() >= 0).all(), days  # never a negative time
    assert frame["OSENRDAYS"].notna().any()
    assert pd.to_datetime(frame["RFSTDAT"].dropna(), format="%Y-%m-%d").notna().all()
    with (exported[1] / DICTIONARY_FILE).open(encoding="utf-8-sig", newline="") as handle:
        described = {r["variable"]: r for r in csv.DictReader(handle)
                     if r["form"] == SUBJECT_FORM_CODE}  # fmt: skip
    assert described["RESP_AC"]["derivation"] == "D-13" and described["RESP_AC"]["required"] == "D"


@pytest.mark.req("REQ-ARC-02")
def test_dictionary_describes_exactly_the_exported_columns(exported, manager):
    _result, out, _calls = exported
    with (out / DICTIONARY_FILE).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        rows = {(r["form"], r["group"], r["variable"]) for r in reader}
    # every column of every file (issue 15): items, their decodes and reasons for missing,
    # the key columns (form KEYS) and QUERIES.csv
    columns = {(lo.form.code, c.name) for lo in layouts(manager.study)
               for c in lo.columns if c.kind is not Kind.KEY}  # fmt: skip
    keys = {("KEYS", c.name) for lo in layouts(manager.study) for c in lo.columns
            if c.kind is Kind.KEY}  # fmt: skip
    queries = {("QUERIES", name) for name, *_ in QUERY_COLUMNS}  # QUERIES.csv (issue 6)
    assert {(f, v) for f, _g, v in rows} == columns | {("DM", "SITEID")} | queries | keys
    assert ("CT", "DOXADM", "EXDOSE") in rows and ("CT", "IFOADM", "EXDOSE") in rows


@pytest.mark.req("REQ-PI-07")
def test_export_is_logged(exported, manager):
    result, _out, _calls = exported
    logs = [e for e in export_log(manager) if e.purpose == "unit test"]
    assert len(logs) == 1
    log = logs[0]
    assert log.profile == "SPONSOR_CODED" and log.subject_count == result.subjects
    assert log.recipient == "sponsor statistician" and log.username == "datamanager"
    assert result.file("CT_DOXADM.csv").sha256 in (log.files or "")
    entries = audit_entries(manager, action="EXPORT")
    assert any("SPONSOR_CODED" in (e.detail or "") and e.username == "datamanager"
               for e in entries)  # fmt: skip


# ---- the R script and the SAS program --------------------------------------------------------
@pytest.mark.req("REQ-ARC-02")
def test_r_script_reads_every_file_with_its_types(exported, manager, tmp_path):
    result, out, _calls = exported
    script = (out / R_SCRIPT).read_text(encoding="utf-8")
    plan = layouts(manager.study)
    for layout in plan:
        block = script.split(f"\n  {layout.name} = list(", 1)[1].split("))", 1)[0]
        for column in layout.columns:  # every typed column named with its class; text default
            typed = re.search(rf'(^| ){column.name} = "(\w+)"(,|$)', block, re.M)
            if R_CLASSES[column.type] == "character":
                assert typed is None, column.name
            else:
                assert typed and typed.group(2) == R_CLASSES[column.type], column.name
    assert '"Date"' in script and DICTIONARY_FILE in script and "factor(" in script
    reader = script.split("read_tnt_sts <- function", 1)[1]
    assert "colClasses = classes" in reader and "spec$types" in reader
    assert set(re.findall(r"spec\$(\w+)", reader)) == {"types", "form", "group"}
    assert script.count("= list(form =") == len(result.data_files) + 1  # + QUERIES.csv
    rscript = shutil.which("Rscript")
    if rscript is None:  # no R here: the static checks above are the test
        return
    probe = tmp_path / "probe.R"
    probe.write_text(
        f'source("{(out / R_SCRIPT).as_posix()}")\n'
        f'tnt <- read_tnt_sts("{out.as_posix()}")\n'
        'cat(class(tnt$DM$ENRDAT), class(tnt$DM$AGE), class(tnt$CT_DOXADM$EXDOSE),\n'
        '    levels(tnt$DM$SEX.factor)[1], nrow(tnt$CT_DOXADM), length(tnt), "\\n")\n',
        encoding="utf-8")  # fmt: skip
    done = subprocess.run([rscript, str(probe)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    words = done.stdout.split()
    assert words[:3] == ["Date", "integer", "numeric"]
    assert int(words[-2]) == result.file("CT_DOXADM.csv").rows
    assert int(words[-1]) == len(result.data_files) + 1  # QUERIES.csv as well


@pytest.mark.req("REQ-ARC-02")
def test_sas_program_reads_every_file_with_formats(exported, manager):
    _result, out, _calls = exported
    program = (out / SAS_PROGRAM).read_text(encoding="utf-8")
    for layout in layouts(manager.study):
        step = program.split(f"data work.{layout.name};", 1)[1].split("run;", 1)[0]
        assert f"&tntdir/{layout.file_name}" in step
        input_part = step.split("  input\n", 1)[1]
        for column in layout.columns:
            assert re.search(rf"(^| ){column.name}( \$)?( |;|$)", input_part, re.M), column.name
            if column.type is ColumnType.DATE:
                assert f"{column.name} yymmdd10." in step
    assert "value $SEX_F" in program and "value ECOG_F" in program
    assert "value GRADE1_5_F" in program  # a format name may not end in a digit
    assert "termstr=crlf" in program and "encoding='utf-8'" in program


# ---- safeguards ------------------------------------------------------------------------------
@pytest.mark.req("REQ-PI-01")
def test_identifier_reaching_the_writer_stops_the_export(manager, site_user, monkeypatch,
                                                         tmp_path):  # fmt: skip
    real = csv_export.export_subjects

    def leaky(app, profile, **_kw):
        # the profile "forgot" its filter
        for subject in real(site_user, ExportProfile.SITE_ARCHIVE):
            if subject.data.value("IE.ICXFER") != "N":
                yield subject

    monkeypatch.setattr(csv_export, "export_subjects", leaky)
    logged = len(export_log(manager))
    with pytest.raises(ExportLeak) as raised:
        export_csv(manager, tmp_path / "leak")
    assert "DM." in raised.value.message.en
    assert list((tmp_path / "leak").iterdir()) == []
    assert len(export_log(manager)) == logged


def test_cancel_leaves_nothing(manager, tmp_path):
    logged = len(export_log(manager))
    with pytest.raises(ExportCancelled):
        export_csv(manager, tmp_path / "cancel", progress=lambda done, total: done < 3)
    assert list((tmp_path / "cancel").iterdir()) == []
    assert len(export_log(manager)) == logged


@pytest.mark.req("REQ-AC-02")
def test_only_the_data_manager_exports(study_db):
    monitor = auth.login(study_db[0], "monitor", PASSWORD)
    try:
        with pytest.raises(PermissionDenied):
            export_csv(monitor, study_db[0].parent / "monitor-export")
    finally:
        auth.logout(monitor)


def test_layout_types_follow_the_definition(manager):
    for layout in layouts(manager.study):
        for column in layout.columns:
            item = column.item
            if column.kind is Kind.VALUE and item and not item.multiple:
                if item.data_type is DataType.DATE:
                    assert column.type is ColumnType.DATE
                if item.data_type is DataType.FLOAT:
                    assert column.type is ColumnType.NUMBER
