"""Idempotent, identity-safe ODM import (issue 13, items 2 and 3).

A small demo database (4 subjects, fixed seed) is built once per module; a test that writes works
on a copy of it. Hostile files are the demo's own export, edited by hand the way a person (or
another system) could: a SubjectKey repeated, a key pointing at someone else, two keys for one
person, rows keyed the ODM way, confirmations stripped.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from tests.core.conftest import FAST_KDF, audit_count, audit_entries
from tests.core.replay import replay_mismatches, stored
from tnt_desktop.demo import generate_demo
from tnt_desktop.exports.odm_export import export_odm
from tnt_desktop.exports.odm_extension import TNT_NS, extension_schema
from tnt_desktop.exports.odm_import import import_odm, load_schema
from tnt_desktop.exports.odm_metadata import ODM_NS
from tnt_desktop.services import auth, queries, subjects
from tnt_desktop.services.export_read import ExportProfile
from tnt_desktop.storage import keyslots
from tnt_desktop.storage.models import CheckOverride

SEED, N_SUBJECTS = 11, 4
TODAY = date(2026, 3, 16)
PASSWORD = "Odm-Pass-2468"
N = f"{{{ODM_NS}}}"
T = f"{{{TNT_NS}}}"
SITE, SPONSOR = ExportProfile.SITE_ARCHIVE, ExportProfile.SPONSOR_CODED
REASON = "TRANSCRIPTION_ERROR: checked against the source"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("identity") / "demo.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyslots, "DEFAULT_KDF", dict(FAST_KDF))
        generate_demo(path, N_SUBJECTS, seed=SEED, password=PASSWORD, today=TODAY)
    return path


def copy_of(source: Path, target: Path) -> Path:
    shutil.copy(source, target)
    shutil.copy(keyslots.keyslot_path(source), keyslots.keyslot_path(target))
    return target


@pytest.fixture
def sessions():
    opened = []

    def login(path: Path, user: str = "coordinator"):
        app = auth.login(path, user, PASSWORD)
        opened.append(app)
        return app

    yield login
    for app in opened:
        auth.logout(app)


@pytest.fixture
def site(demo, tmp_path, sessions):
    """A copy of the demo, its coordinator, and its site snapshot."""
    app = sessions(copy_of(demo, tmp_path / "site.db"))
    return app, export_odm(app, tmp_path / "site.xml", profile=SITE).path


@pytest.fixture
def fresh(demo, tmp_path, sessions):
    """An empty database of the same study (the demo's users, no subjects)."""
    path = tmp_path / "fresh.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyslots, "DEFAULT_KDF", dict(FAST_KDF))
        generate_demo(path, 0, seed=SEED, password=PASSWORD, today=TODAY)
    return sessions(path)


def subject_elements(tree) -> list[etree._Element]:
    return list(tree.iter(f"{N}SubjectData"))


def write(tree, path: Path) -> Path:
    tree.write(str(path), encoding="UTF-8", xml_declaration=True)
    return path


def enrolled_key(tree) -> str:
    return next(s.get("SubjectKey") for s in subject_elements(tree)
                if s.get("SubjectKey").startswith("TNT-"))  # fmt: skip


# ---- a file imported again changes nothing ----------------------------------------------------
def test_reimporting_every_export_of_the_demo_changes_nothing(site, sessions, tmp_path):
    coordinator, _ = site
    datamanager = sessions(coordinator.db.path, "datamanager")
    before = stored(coordinator)
    for profile, app in ((SITE, coordinator), (SPONSOR, datamanager)):
        for transactional in (False, True):
            exported = export_odm(app, tmp_path / f"{profile.value}-{transactional}.xml",
                                  profile=profile, transactional=transactional).path
            entries = audit_count(coordinator)
            report = import_odm(coordinator, exported)  # no reason: none is needed
            assert report.imported, report.summary()
            assert not report.created and not report.changed and not report.warnings, (
                profile, transactional, report.summary())  # fmt: skip
            assert [k for k, _ in report.matched] == [d for _, d in report.matched]
            assert "0 subjects created" in report.summary() and "0 forms changed" in (
                report.summary())  # fmt: skip
            assert audit_count(coordinator) == entries, (profile, transactional)
    assert stored(coordinator) == before
    assert replay_mismatches(coordinator) == []


def test_rows_are_keyed_per_group_and_a_ct_form_imports_once(site, fresh):
    coordinator, source = site
    tree = etree.parse(str(source))
    ct = next(f for f in tree.iter(f"{N}FormData") if f.get("FormOID") == "F.CT")
    keys: dict[str, list[str]] = {}
    for group in ct.iter(f"{N}ItemGroupData"):
        if group.get("ItemGroupRepeatKey"):
            keys.setdefault(group.get("ItemGroupOID"), []).append(group.get("ItemGroupRepeatKey"))
    assert sorted(keys.values()) == [["1", "2", "3"], ["1", "2", "3", "4"]]  # DOX, IFO
    first = import_odm(fresh, source)
    assert first.imported and not first.refused, first.summary()
    entries = audit_count(fresh)
    again = import_odm(fresh, source)
    assert again.imported and not again.changed and audit_count(fresh) == entries
    assert stored(fresh) == stored(coordinator)  # IFOACTG not doubled, every row once


# ---- who is who ------------------------------------------------------------------------------
def test_a_subject_key_twice_in_one_file_is_refused_with_its_line(site, fresh, tmp_path):
    _, source = site
    tree = etree.parse(str(source))
    first = subject_elements(tree)[0]
    first.getparent().append(etree.fromstring(etree.tostring(first)))
    path = write(tree, tmp_path / "twice.xml")
    second_line = subject_elements(etree.parse(str(path)))[-1].sourceline
    first_line = subject_elements(etree.parse(str(path)))[0].sourceline
    report = import_odm(fresh, path)
    assert not report.imported and subjects.list_subjects(fresh) == []
    [refusal] = report.refused
    assert refusal.where == f"SubjectData (line {second_line})"
    assert "appears twice" in refusal.message.en and f"line {first_line}" in refusal.message.en
    assert f"第 {first_line} 行" in refusal.message.zh


def test_a_key_that_names_another_subject_is_refused(site, tmp_path):
    coordinator, source = site
    tree = etree.parse(str(source))
    enrolled = [s for s in subject_elements(tree) if s.get("SubjectKey").startswith("TNT-")]
    victim = enrolled[1].get("SubjectKey")
    enrolled[1].getparent().remove(enrolled[1])
    enrolled[0].set("SubjectKey", victim)  # someone else's data under the victim's key
    entries, before = audit_count(coordinator), stored(coordinator)
    # the file contradicts itself (its DM.SUBJID is the first subject's)
    report = import_odm(coordinator, write(tree, tmp_path / "other.xml"), reason=REASON)
    assert not report.imported
    [refusal] = report.refused
    assert refusal.subject == victim and "contradicts the file's own keys" in refusal.message.en
    assert refusal.where == f"SubjectData (line {enrolled[0].sourceline})"
    # without the SUBJID, the screening number shows whose data they are
    subjid = enrolled[0].find(f".//{N}ItemData[@ItemOID='IT.DM.SUBJID']")
    subjid.getparent().remove(subjid)
    report = import_odm(coordinator, write(tree, tmp_path / "other.xml"), reason=REASON)
    assert not report.imported
    [refusal] = report.refused
    assert "not the same subject" in refusal.message.en and "不是同一受试者" in refusal.message.zh
    assert audit_count(coordinator) == entries and stored(coordinator) == before


def test_two_keys_of_one_person_are_refused(site, tmp_path):
    coordinator, source = site
    tree = etree.parse(str(source))
    enrolled = next(s for s in subject_elements(tree) if s.get("SubjectKey").startswith("TNT-"))
    twin = etree.fromstring(etree.tostring(enrolled))
    scrnum = twin.find(f".//{N}ItemData[@ItemOID='IT.IE.SCRNUM']").get("Value")
    twin.set("SubjectKey", scrnum)  # the same person under the screening number
    enrolled.getparent().append(twin)
    report = import_odm(coordinator, write(tree, tmp_path / "twin.xml"))
    assert not report.imported
    [refusal] = report.refused
    assert refusal.subject == scrnum and enrolled.get("SubjectKey") in refusal.message.en


def test_an_import_never_renumbers(site, fresh, tmp_path):
    _, source = site
    tree = etree.parse(str(source))
    keep = [s for s in subject_elements(tree) if s.get("SubjectKey").startswith("TNT-")][-1]
    key = keep.get("SubjectKey")
    scrnum = keep.find(f".//{N}ItemData[@ItemOID='IT.IE.SCRNUM']").get("Value")
    for other in subject_elements(tree):
        if other is not keep:
            other.getparent().remove(other)
    report = import_odm(fresh, write(tree, tmp_path / "one.xml"))
    assert report.imported and report.created == [(key, key)] and not report.warnings
    [summary] = subjects.list_subjects(fresh)
    assert (summary.subject_id, summary.screening_number) == (key, scrnum)
    # this database's own numbering goes on after the imported keys, never reusing them
    number = subjects.screen_subject(fresh)
    assert int(number.removeprefix("SCR-")) == int(scrnum.removeprefix("SCR-")) + 1
    again = import_odm(fresh, tmp_path / "one.xml")
    assert again.imported and again.matched == [(key, key)] and not again.changed


def test_a_key_of_another_site_is_refused(site, fresh, tmp_path):
    _, source = site
    tree = etree.parse(str(source))
    subject = subject_elements(tree)[0]
    subject.set("SubjectKey", "PATIENT-7")
    report = import_odm(fresh, write(tree, tmp_path / "foreign.xml"))
    assert not report.imported
    assert any("neither a study ID" in m.message.en and m.subject == "PATIENT-7"
               for m in report.refused)  # fmt: skip


# ---- confirmations are the site's, never the importer's ----------------------------------------
def overrides(app) -> list[CheckOverride]:
    with app.transaction(write=False) as session:
        return list(session.scalars(select(CheckOverride).order_by(CheckOverride.id)))


def test_the_sites_confirmations_travel_and_only_they_are_applied(site, fresh, tmp_path):
    coordinator, source = site
    tree = etree.parse(str(source))
    assert load_schema().validate(tree), list(load_schema().error_log)[:3]
    confirmations = list(tree.iter(f"{T}Confirmation"))
    source_overrides = overrides(coordinator)
    assert len(confirmations) == len(source_overrides) > 0
    assert {c.get("FindingKey") for c in confirmations} == {
        o.finding_key for o in source_overrides}  # fmt: skip
    report = import_odm(fresh, source)
    assert report.imported, report.summary()
    applied = overrides(fresh)
    assert sorted(o.finding_key for o in applied) == sorted(
        o.finding_key for o in source_overrides)  # fmt: skip
    by_key = {o.finding_key: o.reason for o in source_overrides}
    for override in applied:
        assert override.reason.startswith(by_key[override.finding_key])
        assert "confirmed in the source database by USR." in override.reason
        assert override.username == fresh.username
    assert not any("confirmed in the source system" in (e.reason_text or "")
                   for e in audit_entries(fresh))  # fmt: skip


def test_unconfirmed_soft_findings_become_open_queries_of_the_importer(site, fresh, tmp_path):
    _, source = site
    tree = etree.parse(str(source))
    for element in list(tree.iter(f"{T}Confirmation")):
        element.getparent().remove(element)
    path = write(tree, tmp_path / "unconfirmed.xml")
    report = import_odm(fresh, path)
    assert report.imported, report.summary()
    assert overrides(fresh) == [] and audit_entries(fresh, action="CHECK_OVERRIDDEN") == []
    raised = [q for q in queries.list_queries(fresh) if q.origin == "AUTO"]
    assert raised and all(q.status == "OPEN" and q.raised_by == fresh.username for q in raised)
    assert len({(q.subject_key, q.event_oid, q.repeat_key, q.form_code, q.group_name,
                 q.row_key, q.item_name, q.check_id) for q in raised}) == len(raised)
    entries = audit_count(fresh)
    again = import_odm(fresh, path)  # the findings have their queries: nothing new
    assert again.imported and not again.changed and audit_count(fresh) == entries


def test_the_extension_schema_admits_a_confirmation_and_nothing_loose():
    schema = extension_schema()
    good = etree.fromstring(
        f'<tnt:Confirmation xmlns:tnt="{TNT_NS}" StudyEventOID="SE.C1" FormOID="F.CT" '
        'FindingKey="S-1|SE.C1#1|CT.IFOADM.EXDOSE|2" CheckID="S-1" ItemOID="IT.CT.EXDOSE" '
        'ItemGroupRepeatKey="2" UserOID="USR.001" Role="coordinator" '
        'DateTimeStamp="2025-02-03T10:11:12Z">as prescribed</tnt:Confirmation>')
    assert schema.validate(good), schema.error_log
    for attribute in ("FindingKey", "UserOID", "DateTimeStamp"):
        bad = etree.fromstring(etree.tostring(good))
        del bad.attrib[attribute]
        assert not schema.validate(bad), attribute
    empty = etree.fromstring(etree.tostring(good))
    empty.text = ""
    assert not schema.validate(empty)  # a confirmation without the site's reason
