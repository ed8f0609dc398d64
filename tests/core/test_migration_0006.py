"""Migration 0006 (issue 13, item 2): repeating-group rows are renumbered per item group, in
place, in a database whose rows carry form-wide keys (a CT form's DOX rows 1–3 and IFO rows 4–7,
as every release before 0006 numbered them).

The old database is made by this release's services with the IFO rows saved under the keys the
old numbering gave them (RowEntry.create), so its rows, SDV marks, queries and audit trail are
the ones an old release wrote; 0006's `upgrade()` then runs on it through Alembic's operations,
as `schema.upgrade` runs it. (Building the whole database at revision 0005 would need this
release's services to write an older schema: the migrations after 0005 — consent versions,
signing keys — are what they rely on.) That a database at 0005 does run 0006 on its way to the
head is asserted on the migration chain itself.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from lxml import etree
from sqlalchemy import select

from tests.core.conftest import Trial, audit_entries, enrol_one
from tests.core.replay import replay_mismatches
from tnt_desktop.exports.odm_export import export_odm
from tnt_desktop.exports.odm_import import import_odm
from tnt_desktop.exports.odm_metadata import ODM_NS
from tnt_desktop.services import queries, sdv, signatures, trust
from tnt_desktop.services.clinical_data import find_subject, load_subject
from tnt_desktop.services.export_read import ExportProfile
from tnt_desktop.services.form_entries import FormEntry, OverrideRequired, RowEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.storage import schema
from tnt_desktop.storage.audit import verify_chain
from tnt_desktop.storage.models import ESignature, ItemValue, Setting

CT_VALUES = {"CYGIVEN": "Y", "CYD1DAT": "2025-02-24", "CYWEIGHT": "70.0", "CYECOG": "1",
             "DOXRED": "N", "IFORED": "N", "MESNA": "Y", "MESNATOT": "18200",
             "MESNARTE": "IV", "GCSF": "N"}  # fmt: skip
DOX = [{"EXSTDAT": f"2025-02-{24 + d}", "EXDOSE": "45.5", "EXROUTE": "IV"} for d in range(3)]
IFO = [{"EXSTDAT": f"2025-02-{24 + d}", "EXDOSE": "4.55", "EXDUR": "3.0"} for d in range(4)]


def save(app, entry: FormEntry):
    for _ in range(4):
        try:
            return save_form(app, entry)
        except OverrideRequired as exc:
            entry.overrides.update({key: "as in the source" for key, _f in exc.findings})
    raise AssertionError("overrides not accepted")


@pytest.fixture
def old_database(tmp_path):
    """A database holding one subject with a CT form numbered the old way, an SDV mark and a
    query on IFO rows, and a casebook signature over it."""
    trial = Trial(tmp_path / "old.db")
    coordinator = trial.user("coordinator")
    monitor = trial.user("monitor")
    subject = enrol_one(coordinator)
    rows = {"DOXADM": [RowEntry(key=k, create=True, values=v) for k, v in enumerate(DOX, 1)],
            "IFOADM": [RowEntry(key=k, create=True, values=v)
                       for k, v in enumerate(IFO, 4)]}  # fmt: skip
    save(coordinator, FormEntry(subject, "SE.C1", "CT", values=dict(CT_VALUES), rows=rows))
    sdv.mark_sdv(monitor, subject, "SE.C1", 1, "CT", [("IFOADM", 5, "EXDOSE")])
    queries.raise_query(monitor, subject, "SE.C1", 1, "CT", "dose day 3?",
                        item_name="EXDOSE", group_name="IFOADM", row_key=6)  # fmt: skip
    with coordinator.transaction() as session:
        who = find_subject(session, subject)
        ct = load_subject(session, coordinator.study, who).form("SE.C1", 1, "CT").instance
        digest = signatures.signed_data_hash(session, who, "CASEBOOK", ct, "SE.C1", 1)
        signature = ESignature(
            subject_pk=who.id, form_pk=ct.id, point="CBSIG", scope="CASEBOOK",
            username="investigator", printed_name="Dr Test", role="investigator",
            ts_utc="2025-03-01T00:00:00.000000Z", meaning_en="approved",
            meaning_zh="批准", data_hash=digest, hash_method="TNT-SIG-1")  # fmt: skip
        session.add(signature)
        session.flush()
        # a signature of a release before signing keys (0008): hash-only, as they all were
        session.merge(Setting(key=trust.LEGACY_ESIG, value=str(signature.id)))
    assert keys_of(coordinator, subject) == {"DOXADM": [1, 2, 3], "IFOADM": [4, 5, 6, 7]}
    return trial, coordinator, subject


def run_0006(app) -> None:
    """0006's upgrade() on the open database, as Alembic runs it (storage.schema.upgrade)."""
    with app.db.engine.connect() as connection:
        with Operations.context(MigrationContext.configure(connection)):
            _migration().upgrade()
        connection.commit()


def test_a_database_at_0005_runs_0006_on_its_way_to_the_head():
    script = ScriptDirectory.from_config(schema._config())
    path = [r.revision for r in script.iterate_revisions(schema.head_revision(), "0005")]
    assert "0006" in path


def keys_of(app, subject: str) -> dict[str, list[int]]:
    with app.transaction(write=False) as session:
        loaded = load_subject(session, app.study, find_subject(session, subject))
        return loaded.form("SE.C1", 1, "CT").row_keys


def test_an_old_database_is_renumbered_per_group_in_place(old_database):
    trial, app, subject = old_database
    run_0006(app)
    assert keys_of(app, subject) == {"DOXADM": [1, 2, 3], "IFOADM": [1, 2, 3, 4]}
    with app.transaction(write=False) as session:
        ct = load_subject(session, app.study, find_subject(session, subject)).form(
            "SE.C1", 1, "CT")  # fmt: skip
        assert [str(r["EXDOSE"]) for r in ct.record.rows["IFOADM"]] == ["4.55"] * 4
        assert str(ct.record.values["IFOACTG"]) == "18.20"
        stored = session.scalars(select(ItemValue.row_key).where(
            ItemValue.form_pk == ct.instance.id, ItemValue.group_name == "IFOADM")).all()
        assert set(stored) == {1, 2, 3, 4}
        assert verify_chain(session).ok
    marks = {(i.group_name, i.row_key, i.item_name) for i in sdv.form_sdv(
        app, subject, "SE.C1", 1, "CT") if i.verified}  # fmt: skip
    assert marks == {("IFOADM", 2, "EXDOSE")}
    [query] = queries.list_queries(app, subject)
    assert (query.group_name, query.row_key) == ("IFOADM", 3)
    [entry] = audit_entries(app, action="ROW_KEYS_RENUMBERED")
    assert entry.username == "SYSTEM" and entry.form_code == "CT"
    assert json.loads(entry.detail) == {"IFOADM": {"4": 1, "5": 2, "6": 3, "7": 4}}
    assert replay_mismatches(app) == []  # the trail, renumbering applied, gives every value
    [signature] = signatures.signatures(app, subject)
    assert signature.state == "VALID"  # same data, new keys: still the data that was signed
    # the exports key the rows as the database now does, the history (written with the old
    # keys) included: each imports back into this database as a no-op
    for transactional in (False, True):
        path = export_odm(app, trial.path.parent / f"after-{transactional}.xml",
                          profile=ExportProfile.SITE_ARCHIVE, transactional=transactional).path
        tree = etree.parse(str(path))
        keys = [g.get("ItemGroupRepeatKey") for g in tree.iter(f"{{{ODM_NS}}}ItemGroupData")
                if g.get("ItemGroupOID", "").endswith("IFOADM")]  # fmt: skip
        assert set(keys) == {"1", "2", "3", "4"}, (transactional, keys)
        entries = len(audit_entries(app))
        report = import_odm(app, path)
        assert report.imported and not report.changed, report.summary()
        assert len(audit_entries(app)) == entries
    # and the form now saves as it did: another IFO row is row 5 of IFO, not row 8 of the form
    rows = [RowEntry(key=k) for k in (1, 2, 3, 4)] + [RowEntry(values=dict(IFO[0]))]
    save(app, FormEntry(subject, "SE.C1", "CT", rows={"IFOADM": rows}, reason="LATE_DATA"))
    assert keys_of(app, subject)["IFOADM"] == [1, 2, 3, 4, 5]


def _migration():
    path = schema.MIGRATIONS / "versions" / "0006_row_keys_per_group.py"
    spec = importlib.util.spec_from_file_location("migration_0006", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("key, expected", [
    ("S-CT-EXDOSE|SE.C1#1|CT.IFOADM.EXDOSE|6", "S-CT-EXDOSE|SE.C1#1|CT.IFOADM.EXDOSE|3"),
    ("S-CT-EXDOSE|SE.C1#1|CT.EXDOSE|5", "S-CT-EXDOSE|SE.C1#1|CT.EXDOSE|2"),  # group by the key
    ("S-CT-EXDOSE|SE.C1#1|CT.EXDOSE|2", "S-CT-EXDOSE|SE.C1#1|CT.EXDOSE|2"),  # DOX: unchanged
    ("S-DM-WEIGHT|SE.SCR#1|DM.WEIGHT|", "S-DM-WEIGHT|SE.SCR#1|DM.WEIGHT|"),
])  # fmt: skip
def test_confirmed_findings_follow_their_row(key, expected):
    groups = {"IFOADM": {4: 1, 5: 2, 6: 3, 7: 4}}
    by_key = {4: "IFOADM", 5: "IFOADM", 6: "IFOADM", 7: "IFOADM"}
    assert _migration()._renumber_finding_key(key, "CT", groups, by_key) == expected
