"""CDISC ODM 1.3.2: metadata, snapshot and transactional export, import (issue 5, item 3).

Every file is validated against the official schema (shipped by odmlib) with lxml. The demo
database (10 subjects, fixed seed) is built once per module; imports go into fresh databases made
by the conftest `trial` fixture (auth.initialise + a coordinator).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from tests.core.conftest import FAST_KDF, audit_count, audit_entries, enrol_one
from tnt_desktop.demo import generate_demo
from tnt_desktop.errors import PermissionDenied
from tnt_desktop.exports.odm_export import export_odm, verify_sha256
from tnt_desktop.exports.odm_extension import extended_schema
from tnt_desktop.exports.odm_import import OdmFileError, import_odm
from tnt_desktop.exports.odm_metadata import ODM_NS, write_metadata
from tnt_desktop.exports.odm_schema import odm_schema_path
from tnt_desktop.services import auth, subjects
from tnt_desktop.services.export_read import ExportProfile, export_log
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.storage import keyslots
from tnt_desktop.study.definition import get_study

SCHEMA_DIR = odm_schema_path().parent
TODAY = date(2026, 3, 16)
SEED = 11
PASSWORD = "Odm-Pass-2468"
N = f"{{{ODM_NS}}}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CJK = re.compile(r"[\u4e00-\u9fff]")
SITE, SPONSOR = ExportProfile.SITE_ARCHIVE, ExportProfile.SPONSOR_CODED


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    # the official schema with the TNT extension (tnt:Query, issue 6) redefined in
    return extended_schema(SCHEMA_DIR / "ODM1-3-2.xsd")


def assert_valid(schema: etree.XMLSchema, path: Path) -> etree._ElementTree:
    tree = etree.parse(str(path))
    ok = schema.validate(tree)
    errors = [f"line {e.line}: {e.message}" for e in list(schema.error_log)[:5]]
    assert ok, f"{path.name} does not validate: {errors}"
    return tree


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("odm-demo") / "demo.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyslots, "DEFAULT_KDF", dict(FAST_KDF))
        report = generate_demo(path, 10, seed=SEED, password=PASSWORD, today=TODAY)
    return report


@pytest.fixture(scope="module")
def exports(demo, tmp_path_factory):
    """Every kind of file, exported once: {(profile, transactional): result}."""
    out = tmp_path_factory.mktemp("odm-out")
    datamanager = auth.login(demo.db_path, "datamanager", demo.password)
    coordinator = auth.login(demo.db_path, "coordinator", demo.password)
    results = {}
    try:
        for profile, app in ((SPONSOR, datamanager), (SITE, coordinator)):
            for transactional in (False, True):
                name = f"{profile.value.lower()}-{'tx' if transactional else 'snap'}.xml"
                results[(profile, transactional)] = export_odm(
                    app, out / name, profile=profile, transactional=transactional)
        results["log"] = export_log(datamanager)
    finally:
        auth.logout(datamanager)
        auth.logout(coordinator)
    return results


# ---- helpers -------------------------------------------------------------------------------
REVIEWED = {"VERIFIED": "COMPLETE", "SIGNED": "COMPLETE", "LOCKED": "COMPLETE"}


def canonical(path: Path) -> dict:
    """(subject, event, repeat, form, group, row, item) → (value, IsNull, reason), plus the
    subject and form status flags: what a round trip must keep. Review states (verified,
    signed, locked) read as complete: an import does not carry them (odm_import docstring)."""
    out: dict = {}
    for subject in etree.parse(str(path)).iter(f"{N}SubjectData"):
        key = subject.get("SubjectKey")
        out[(key, "status")] = subject.findtext(f"{N}Annotation/{N}Flag/{N}FlagValue")
        for event in subject.iter(f"{N}StudyEventData"):
            for form in event.iter(f"{N}FormData"):
                where = (key, event.get("StudyEventOID"), event.get("StudyEventRepeatKey"),
                         form.get("FormOID"))  # fmt: skip
                status = form.findtext(f"{N}Annotation/{N}Flag/{N}FlagValue")
                out[(*where, "status")] = REVIEWED.get(status, status)
                for group in form.iter(f"{N}ItemGroupData"):
                    for item in group.iter(f"{N}ItemData"):
                        cell = (*where, group.get("ItemGroupOID"),
                                group.get("ItemGroupRepeatKey"), item.get("ItemOID"))
                        out[cell] = (item.get("Value"), item.get("IsNull"),
                                     item.findtext(f"{N}Annotation/{N}Comment"))  # fmt: skip
    return out


def keep_subjects(source: Path, target: Path, keys: list[str]) -> etree._ElementTree:
    tree = etree.parse(str(source))
    for subject in list(tree.iter(f"{N}SubjectData")):
        if subject.get("SubjectKey") not in keys:
            subject.getparent().remove(subject)
    tree.write(str(target), encoding="UTF-8", xml_declaration=True)
    return tree


def item_data(tree: etree._ElementTree, subject: str, oid: str) -> etree._Element:
    for element in tree.iter(f"{N}SubjectData"):
        if element.get("SubjectKey") == subject:
            found = element.find(f".//{N}ItemData[@ItemOID='{oid}']")
            if found is not None:
                return found
    raise AssertionError(f"{subject} has no {oid}")


def subject_with(path: Path, oid: str) -> str:
    for subject in etree.parse(str(path)).iter(f"{N}SubjectData"):
        if subject.find(f".//{N}ItemData[@ItemOID='{oid}']") is not None:
            return subject.get("SubjectKey")
    raise AssertionError(f"no subject has {oid}")


# ---- metadata ------------------------------------------------------------------------------
@pytest.mark.parametrize("profile", list(ExportProfile))
def test_metadata_file_validates(schema, tmp_path, profile):
    path = write_metadata(get_study(), tmp_path / "metadata.xml", profile=profile)
    tree = assert_valid(schema, path)
    root = tree.getroot()
    assert root.get("ODMVersion") == "1.3.2" and root.get("Granularity") == "Metadata"
    mdv = root.find(f"{N}Study/{N}MetaDataVersion")
    assert mdv.get("OID") == get_study().parameters.metadata_version
    refs = [r.get("StudyEventOID") for r in mdv.iterfind(f"{N}Protocol/{N}StudyEventRef")]
    assert refs == [e.oid for e in get_study().events]


def test_every_item_is_an_itemdef_with_english_and_chinese_text(schema, tmp_path):
    tree = assert_valid(schema, write_metadata(get_study(), tmp_path / "m.xml", profile=SITE))
    defs = {d.get("OID"): d for d in tree.iter(f"{N}ItemDef")}
    study = get_study()
    assert set(defs) == {d.oid for d in study.item_definitions()}
    for definition in study.item_definitions():
        element = defs[definition.oid]
        texts = {t.get(XML_LANG): t.text for t in element.iterfind(
            f"{N}Question/{N}TranslatedText")}  # fmt: skip
        assert texts == {"en": definition.item.label.en, "zh": definition.item.label.zh}
        assert CJK.search(texts["zh"]) or texts["zh"] == texts["en"], definition.oid
        assert element.get("DataType") in ("text", "integer", "float", "date", "partialDate",
                                           "time", "datetime")  # fmt: skip
        if definition.item.data_type.value == "float":
            assert element.get("SignificantDigits") == str(definition.item.decimals)
        if definition.item.unit:
            assert element.find(f"{N}MeasurementUnitRef") is not None, definition.oid
    # every ItemRef points at an ItemDef, every CodeListRef at a CodeList with en + zh decodes
    assert {r.get("ItemOID") for r in tree.iter(f"{N}ItemRef")} == set(defs)
    codelists = {c.get("OID"): c for c in tree.iter(f"{N}CodeList")}
    for ref in tree.iter(f"{N}CodeListRef"):
        codelist = codelists[ref.get("CodeListOID")]
        for decode in codelist.iter(f"{N}Decode"):
            assert {t.get(XML_LANG) for t in decode} == {"en", "zh"}
    # hard and soft ranges are both there (PATH.PCTVIAB is hard 0–100)
    checks = defs["IT.PATH.PCTVIAB"].findall(f"{N}RangeCheck")
    assert {(c.get("Comparator"), c.get("SoftHard"), c.findtext(f"{N}CheckValue"))
            for c in checks} >= {("GE", "Hard", "0"), ("LE", "Hard", "100")}  # fmt: skip
    assert any(c.get("SoftHard") == "Soft" for c in tree.iter(f"{N}RangeCheck"))


def test_groups_domains_conditions_and_derivations(schema, tmp_path):
    tree = assert_valid(schema, write_metadata(get_study(), tmp_path / "m.xml", profile=SITE))
    study = get_study()
    groups = {g.get("OID"): g for g in tree.iter(f"{N}ItemGroupDef")}
    assert groups["IG.PATH.MAIN"].get("Domain") == "MI"
    assert groups["IG.PATH.MAIN"].get("SASDatasetName") == "MI"
    assert groups["IG.AE.AE"].get("Repeating") == "Yes"
    methods = {m.get("OID") for m in tree.iter(f"{N}MethodDef")}
    conditions = {c.get("OID"): c for c in tree.iter(f"{N}ConditionDef")}
    refs = {r.get("ItemOID"): r for r in tree.iter(f"{N}ItemRef")}
    for definition in study.item_definitions():
        ref = refs[definition.oid]
        if definition.item.is_derived:
            assert ref.get("MethodOID") in methods, definition.oid
        else:
            assert ref.get("MethodOID") is None
        if definition.item.condition:
            condition = conditions[ref.get("CollectionExceptionConditionOID")]
            assert condition.findtext(f"{N}FormalExpression").startswith("!(")
    assert refs["IT.PATH.EORTCDER"].get("MethodOID") == "MT.D-12"
    assert {f"MT.{d.id}" for d in study.derivations} <= methods


def test_sponsor_metadata_leaves_identifiers_out(tmp_path):
    text = write_metadata(get_study(), tmp_path / "m.xml", profile=SPONSOR).read_text("utf-8")
    for definition in get_study().item_definitions():
        if definition.item.identifier or definition.item.hgr:
            assert f'"{definition.oid}"' not in text
    assert "IG.DM.IDENTITY" not in text


# ---- export --------------------------------------------------------------------------------
@pytest.mark.req("REQ-ARC-01", "REQ-ARC-02")
@pytest.mark.parametrize("profile", [SPONSOR, SITE])
@pytest.mark.parametrize("transactional", [False, True])
def test_exports_validate_and_carry_their_hash(schema, exports, profile, transactional):
    result = exports[(profile, transactional)]
    tree = assert_valid(schema, result.path)
    root = tree.getroot()
    assert root.get("FileType") == ("Transactional" if transactional else "Snapshot")
    assert (root.get("Archival") == "Yes") is transactional
    assert verify_sha256(result.path)
    assert result.sha256_path.read_text().split() == [result.sha256, result.path.name]
    assert sorted(p.name for p in result.path.parent.iterdir() if p.name.startswith(
        result.path.name) or p.name.startswith("." + result.path.name)) == [
        result.path.name, result.path.name + ".sha256"]  # no part or temporary file left
    subjects_in_file = list(tree.iter(f"{N}SubjectData"))
    assert len(subjects_in_file) == result.subjects > 0
    clinical = root.find(f"{N}ClinicalData")
    assert clinical.get("StudyOID") == get_study().oid
    # the metadata travels with the data, and every ItemData names a defined item
    defined = {d.get("OID") for d in tree.iter(f"{N}ItemDef")}
    assert {i.get("ItemOID") for i in tree.iter(f"{N}ItemData")} <= defined
    logged = [entry for entry in exports["log"] if result.sha256 in (entry.files or "")]
    assert len(logged) == 1 and logged[0].profile == profile.value


@pytest.mark.req("REQ-PI-01", "REQ-PI-05")
def test_sponsor_export_has_no_identifier_and_no_staff_name(exports):
    site = etree.parse(str(exports[(SITE, False)].path))
    identifiers = {d.oid for d in get_study().item_definitions() if d.item.identifier}
    names = {i.get("Value") for i in site.iter(f"{N}ItemData") if i.get("ItemOID") in (
        "IT.DM.SUBJNAME", "IT.DM.NATIONALID", "IT.DM.PHONE", "IT.DM.MRN")}  # fmt: skip
    names.discard(None)
    assert names, "the site archive should hold the identifiers the demo entered"
    for transactional in (False, True):
        path = exports[(SPONSOR, transactional)].path
        text = path.read_text("utf-8")
        tree = etree.parse(str(path))
        assert not {i.get("ItemOID") for i in tree.iter(f"{N}ItemData")} & identifiers
        assert not [name for name in names if name in text]
        assert tree.find(f".//{N}User/{N}LoginName") is None
        assert "coordinator" not in {e.text for e in tree.iter(f"{N}LoginName")}
    site_users = {e.text for e in site.iter(f"{N}LoginName")}
    assert "coordinator" in site_users  # login names only in the site archive


@pytest.mark.req("REQ-PI-06")
def test_sponsor_export_leaves_out_subjects_without_transfer_consent(exports):
    site = canonical(exports[(SITE, False)].path)
    sponsor = canonical(exports[(SPONSOR, False)].path)
    refused = {k[0] for k, v in site.items() if len(k) == 7 and k[6] == "IT.IE.ICXFER"
               and v[0] == "N"}  # fmt: skip
    assert not refused & {k[0] for k in sponsor}


def test_snapshot_derived_values_and_repeat_keys(exports):
    tree = etree.parse(str(exports[(SITE, False)].path))
    ae_rows = [g for g in tree.iter(f"{N}ItemGroupData") if g.get("ItemGroupOID") == "IG.AE.AE"]
    assert ae_rows and all(g.get("ItemGroupRepeatKey") for g in ae_rows)
    assert any(i.get("ItemOID") == "IT.DM.AGE" for i in tree.iter(f"{N}ItemData"))
    follow_up = [e for e in tree.iter(f"{N}StudyEventData") if e.get("StudyEventOID") == "SE.FU"]
    assert follow_up and all(e.get("StudyEventRepeatKey") for e in follow_up)


@pytest.mark.req("REQ-AT-07", "REQ-ARC-01")
def test_transactional_every_item_data_has_an_audit_record(exports):
    tree = etree.parse(str(exports[(SITE, True)].path))
    items = list(tree.iter(f"{N}ItemData"))
    assert items
    users = {u.get("OID") for u in tree.iter(f"{N}User")}
    for item in items:
        record = item.find(f"{N}AuditRecord")
        assert record is not None, item.get("ItemOID")
        assert record.find(f"{N}UserRef").get("UserOID") in users
        assert record.find(f"{N}LocationRef").get("LocationOID") == "LOC.01"
        assert record.findtext(f"{N}DateTimeStamp").endswith("Z")
        assert re.fullmatch(r"AUD-\d{6}", record.findtext(f"{N}SourceID"))
        assert item.get("TransactionType") in ("Insert", "Update", "Remove")
    for element in tree.iter():  # CRF_SPEC §8: a TransactionType always comes with its record
        if element.get("TransactionType"):
            assert element.find(f"{N}AuditRecord") is not None, element.tag
    reasons = [r.text for r in tree.iter(f"{N}ReasonForChange")]
    assert any(r.startswith(("TRANSCRIPTION_ERROR", "SOURCE_CORRECTED", "OTHER", "LATE_DATA",
                             "QUERY_RESPONSE")) for r in reasons)  # the demo's corrections
    assert any("MT.D-" in r for r in reasons)  # derivations, by the SYSTEM user
    assert tree.find(f".//{N}User[@OID='USR.SYSTEM']") is not None


def test_null_values_carry_the_reason(trial, coordinator, tmp_path, schema):
    subject_id = enrol_one(coordinator)
    save_form(coordinator, FormEntry(subject_id, "SE.SCR", "DM",
                                     missing={"ECOG": "NOT DONE"}, values={"ECOGDAT": ""},
                                     reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    result = export_odm(coordinator, tmp_path / "site.xml", profile=SITE)
    tree = assert_valid(schema, result.path)
    ecog = item_data(tree, subject_id, "IT.DM.ECOG")
    assert ecog.get("IsNull") == "Yes" and ecog.get("Value") is None
    assert ecog.findtext(f"{N}Annotation/{N}Comment") == "NOT DONE"


def test_sponsor_export_needs_the_export_permission(trial, coordinator, tmp_path):
    with pytest.raises(PermissionDenied):
        export_odm(coordinator, tmp_path / "out" / "x.xml")
    assert not (tmp_path / "out").exists()


# ---- import --------------------------------------------------------------------------------
@pytest.mark.req("REQ-ARC-02", "REQ-DQ-02")
@pytest.mark.parametrize("transactional", [False, True], ids=["snapshot", "transactional"])
def test_round_trip_gives_the_same_clinical_data(exports, trial, coordinator, tmp_path,
                                                 schema, transactional):  # fmt: skip
    source = exports[(SITE, transactional)].path
    report = import_odm(coordinator, source)
    assert report.imported, report.summary()
    assert not report.refused
    file_subjects = [s.get("SubjectKey") for s in etree.parse(str(source)).iter(
        f"{N}SubjectData")]  # fmt: skip
    assert [file_key for file_key, _db in report.created] == file_subjects
    assert report.key_map == {k: k for k in file_subjects}
    # nothing confirmed on the site's behalf, no assigned or derived value came out different
    assert not report.warnings, [w.message.en for w in report.warnings]
    again = export_odm(coordinator, tmp_path / "again.xml", profile=SITE)
    assert_valid(schema, again.path)
    before = canonical(exports[(SITE, False)].path)
    after = canonical(again.path)
    assert after == before
    assert {s.status for s in subjects.list_subjects(coordinator)} >= {"ENROLLED", "SCREENING"}
    imported = audit_entries(coordinator, action="ODM_IMPORTED")
    assert len(imported) == 1 and report.sha256 in imported[0].detail


def test_one_refused_value_imports_nothing(exports, trial, coordinator, tmp_path):
    source = exports[(SITE, False)].path
    keys = [s.get("SubjectKey") for s in etree.parse(str(source)).iter(f"{N}SubjectData")]
    with_path = subject_with(source, "IT.PATH.PCTVIAB")
    target = tmp_path / "bad.xml"
    tree = keep_subjects(source, target, [keys[0], with_path])
    item_data(tree, with_path, "IT.PATH.PCTVIAB").set("Value", "150.0")  # hard range 0–100
    tree.write(str(target), encoding="UTF-8", xml_declaration=True)
    entries = audit_count(coordinator)

    report = import_odm(coordinator, target)

    assert not report.imported
    assert not report.created and not report.changed
    assert subjects.list_subjects(coordinator) == []  # the first subject was rolled back too
    assert audit_count(coordinator) == entries
    refusal = [m for m in report.refused if "PATH.PCTVIAB" in m.where]
    assert refusal, report.summary()
    assert refusal[0].subject == with_path
    assert "PCTVIAB" in refusal[0].message.en and CJK.search(refusal[0].message.zh)
    assert "PCTVIAB" in report.summary("zh") and "回滚" in report.summary("zh")


def test_a_change_to_saved_data_takes_the_importing_users_reason(
        trial, coordinator, tmp_path):  # fmt: skip
    subject_id = enrol_one(coordinator)
    exported = export_odm(coordinator, tmp_path / "site.xml", profile=SITE).path
    tree = etree.parse(str(exported))
    item_data(tree, subject_id, "IT.DM.WEIGHT").set("Value", "72.0")
    changed = tmp_path / "changed.xml"
    tree.write(str(changed), encoding="UTF-8", xml_declaration=True)

    refused = import_odm(coordinator, changed)  # no reason anywhere: refused, nothing written
    assert not refused.imported
    assert any("DM" in m.where and "reason" in m.message.en for m in refused.refused)

    report = import_odm(coordinator, changed, reason="TRANSCRIPTION_ERROR")
    assert report.imported and report.matched == [(subject_id, subject_id)]
    assert [(c.form, c.changed) for c in report.changed] == [("DM", 1)]
    entry = audit_entries(coordinator, action="DATA_CHANGED", item_name="WEIGHT")[-1]
    assert (entry.old_value, entry.new_value) == ("70.0", "72.0")
    assert entry.reason_code == "TRANSCRIPTION_ERROR" and "changed.xml" in entry.reason_text

    # the file's own ReasonForChange is quoted, but the reason is the importing user's: a file
    # with a ReasonForChange and no import reason is refused like any other
    weight = item_data(tree, subject_id, "IT.DM.WEIGHT")
    weight.set("Value", "73.0")
    record = etree.SubElement(weight, f"{N}AuditRecord")
    etree.SubElement(record, f"{N}UserRef", UserOID="USR.001")
    etree.SubElement(record, f"{N}LocationRef", LocationOID="LOC.01")
    etree.SubElement(record, f"{N}DateTimeStamp").text = "2025-05-02T03:14:07Z"
    etree.SubElement(record, f"{N}ReasonForChange").text = "SOURCE_CORRECTED: scale recalibrated"
    tree.write(str(changed), encoding="UTF-8", xml_declaration=True)
    refused = import_odm(coordinator, changed)
    assert not refused.imported
    [refusal] = refused.refused
    assert "--reason" in refusal.message.en and "--reason" in refusal.message.zh
    assert CJK.search(refusal.message.zh)
    assert import_odm(coordinator, changed, reason="LATE_DATA").imported
    entry = audit_entries(coordinator, action="DATA_CHANGED", item_name="WEIGHT")[-1]
    assert entry.reason_code == "LATE_DATA" and "scale recalibrated" in entry.reason_text
    assert entry.username == coordinator.username


@pytest.mark.parametrize("content, english", [
    (b"<ODM xmlns='http://www.cdisc.org/ns/odm/v1.3'><ClinicalData", "not well-formed XML"),
    (b"", "not well-formed XML"),
    (b"this is not xml at all", "not well-formed XML"),
    (b"<?xml version='1.0'?><ODM xmlns='http://www.cdisc.org/ns/odm/v1.3' FileType='Snapshot'"
     b" FileOID='F' CreationDateTime='2025-01-01T00:00:00Z'><ClinicalData StudyOID='S'"
     b" MetaDataVersionOID='M'><SubjectData SubjectKey='X'><Bogus/></SubjectData>"
     b"</ClinicalData></ODM>", "not valid CDISC ODM 1.3.2"),
    (b"<?xml version='1.0'?><ODM xmlns='http://www.cdisc.org/ns/odm/v1.3' FileType='Snapshot'"
     b" FileOID='F' CreationDateTime='2025-01-01T00:00:00Z'><ClinicalData StudyOID='ST.OTHER'"
     b" MetaDataVersionOID='MDV.1.0'/></ODM>", "clinical data are for ST.OTHER"),
], ids=["truncated", "empty", "text", "schema", "other-study"])  # fmt: skip
def test_a_bad_file_gives_a_clear_bilingual_error(trial, coordinator, tmp_path, content,
                                                  english):  # fmt: skip
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    with pytest.raises(OdmFileError) as caught:
        import_odm(coordinator, path)
    message = caught.value.message
    assert english in message.en and "bad.xml" in message.en
    assert CJK.search(message.zh) and "bad.xml" in message.zh
    assert subjects.list_subjects(coordinator) == []


def test_an_unknown_item_is_refused_by_name(exports, trial, coordinator, tmp_path):
    source = exports[(SITE, False)].path
    first = next(etree.parse(str(source)).iter(f"{N}SubjectData")).get("SubjectKey")
    target = tmp_path / "unknown.xml"
    tree = keep_subjects(source, target, [first])
    item_data(tree, first, "IT.IE.INC01").set("ItemOID", "IT.IE.NOSUCH")
    tree.write(str(target), encoding="UTF-8", xml_declaration=True)
    report = import_odm(coordinator, target)
    assert not report.imported
    assert any("IT.IE.NOSUCH" in m.message.en and CJK.search(m.message.zh)
               for m in report.refused)  # fmt: skip
    assert subjects.list_subjects(coordinator) == []


def test_a_truncated_export_is_refused_before_anything_is_written(exports, trial, coordinator,
                                                                  tmp_path):  # fmt: skip
    data = exports[(SITE, False)].path.read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: len(data) * 2 // 3])  # inside ClinicalData: the metadata is fine
    with pytest.raises(OdmFileError) as caught:
        import_odm(coordinator, path)
    assert "not well-formed XML (line" in caught.value.message.en
    assert "格式正确的 XML" in caught.value.message.zh
    assert subjects.list_subjects(coordinator) == []
