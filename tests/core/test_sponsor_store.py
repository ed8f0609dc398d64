"""The sponsor's consolidated store on a real PostgreSQL server (issue 17, points 3 and 4).

One history is built once for the module (a few subjects, so the suite stays fast):
- workstation 1 enrols A1 and A2 and sends package 1;
- workstation 2 is set up from a copy of workstation 1's database (they share that history),
  renumbered as workstation 2, and enrols B1;
- both change A1's ECOG, to different values (a conflict); workstation 1 also corrects A2's
  weight (a change on one side only) and enrols A3; packages ws1#2, ws2#1, ws2#2, ws1#3.
Each test imports some of those packages into a fresh PostgreSQL database.
"""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import create_engine, text

from tests.core.sponsor_fixtures import clone_workstation, make_package, make_workstation
from tnt_desktop import cli
from tnt_desktop.exports.run_export import run_export
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.services.queries import raise_query
from tnt_desktop.sponsor import review
from tnt_desktop.sponsor.importer import PackageRefused, import_package, skip_sequence
from tnt_desktop.sponsor.payload import build_payload
from tnt_desktop.sponsor.reader import export_store
from tnt_desktop.sponsor.store import init_store, normalise_url, open_store
from tnt_desktop.storage.audit import entry_hash


def change(ws, subject_id: str, **values: str) -> None:
    save_form(ws.coordinator, FormEntry(subject_id, "SE.SCR", "DM", values=values,
                                        reason="SOURCE_CORRECTED"))  # fmt: skip


class History:
    def __init__(self, folder: Path, key) -> None:
        out = folder / "packages"
        self.key = key
        self.ws1 = make_workstation(folder, 1)
        self.a1, self.a2 = self.ws1.enrol(2)
        # a query both workstations will hold (raised before the copy): the store lists it once
        raise_query(self.ws1.manager, self.a1, "SE.SCR", 1, "DM", "Height 170 cm? Source: 172",
                    item_name="HEIGHT")  # fmt: skip
        self.p = {("1", 1): self.ws1.package(out, key)}
        self.ws2 = clone_workstation(self.ws1, folder, 2)
        (self.b1,) = self.ws2.enrol(1)
        raise_query(self.ws2.manager, self.b1, "SE.SCR", 1, "DM", "Weight?", item_name="WEIGHT")
        change(self.ws1, self.a1, ECOG="2")
        change(self.ws2, self.a1, ECOG="0")
        change(self.ws1, self.a2, WEIGHT="72.0")
        (self.a3,) = self.ws1.enrol(1)
        self.p[("1", 2)] = self.ws1.package(out, key)
        self.p[("2", 1)] = self.ws2.package(out, key)
        change(self.ws2, self.b1, ECOG="0")
        self.p[("2", 2)] = self.ws2.package(out, key)
        self.p[("1", 3)] = self.ws1.package(out, key)
        self.folder = folder

    def all(self) -> list[Path]:
        return list(self.p.values())


@pytest.fixture(scope="module")
def history(tmp_path_factory, sponsor_key):
    from tests.core.conftest import FAST_KDF
    from tnt_desktop.storage import keyslots

    saved = dict(keyslots.DEFAULT_KDF)  # the autouse fast_kdf fixture is function-scoped
    keyslots.DEFAULT_KDF.clear()
    keyslots.DEFAULT_KDF.update(FAST_KDF)
    try:
        built = History(tmp_path_factory.mktemp("workstations"), sponsor_key)
    finally:
        keyslots.DEFAULT_KDF.clear()
        keyslots.DEFAULT_KDF.update(saved)
    yield built
    built.ws1.close()
    built.ws2.close()


def fresh(pg_server) -> str:
    import uuid

    url = pg_server.create_database(f"tnt_{uuid.uuid4().hex[:12]}")
    init_store(url)
    return url


def load(url: str, packages, key) -> list:
    store = open_store(url)
    try:
        return [import_package(store, p, key.decryptor()) for p in packages]
    finally:
        store.close()


def snapshot(url: str) -> dict:
    """Everything the store holds, without serial ids and clock times."""
    queries = {
        "subjects": "SELECT screening_number, subject_id, site_id, status, data_state "
                    "FROM subject",
        "forms": "SELECT s.screening_number, e.event_oid, e.repeat_key, f.form_code, f.status, "
                 "f.version FROM form_instance f JOIN event_instance e ON e.id = f.event_pk "
                 "JOIN subject s ON s.id = e.subject_pk",
        "values": "SELECT s.screening_number, e.event_oid, e.repeat_key, f.form_code, "
                  "v.group_name, v.row_key, v.item_name, v.value, v.missing_reason, v.derived "
                  "FROM item_value v JOIN form_instance f ON f.id = v.form_pk JOIN "
                  "event_instance e ON e.id = f.event_pk JOIN subject s ON s.id = e.subject_pk",
        "conflicts": "SELECT kind, subject, place, side_a, side_b, base, status, fingerprint "
                     "FROM store_conflict",
        "packages": "SELECT site, workstation, sequence, state, sha256 FROM store_package",
        "audit": "SELECT site, workstation, entry_id, hash, content FROM store_audit",
        "fields": "SELECT site, workstation, subject, form_code, item_name, value, history "
                  "FROM store_field",
        "records": "SELECT site, workstation, kind, local_id, body FROM store_record",
        "stations": "SELECT site, workstation, applied_sequence, chain_entries, chain_hash "
                    "FROM store_workstation",
    }  # fmt: skip
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            return {name: sorted(tuple(map(str, row)) for row in connection.execute(text(sql)))
                    for name, sql in queries.items()}  # fmt: skip
    finally:
        engine.dispose()


# ---- order, idempotence ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reference(history, pg_server) -> tuple[str, dict]:
    url = fresh(pg_server)
    results = load(url, history.all(), history.key)
    assert [r.outcome for r in results] == ["APPLIED"] * 5
    return url, snapshot(url)


# Hypothesis: a handful of import orders of the five packages (each one a fresh database on the
# real server, about a second), fixed max_examples, no deadline.
@settings(max_examples=2, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(order=st.permutations(range(5)))
def test_packages_imported_in_any_order_give_the_same_store(history, pg_server, reference,
                                                            order):  # fmt: skip
    url = fresh(pg_server)
    packages = history.all()
    results = load(url, [packages[i] for i in order], history.key)
    assert {r.outcome for r in results} <= {"APPLIED", "WAITING"}
    assert snapshot(url) == reference[1]


def test_the_reverse_order_waits_then_applies_everything(history, pg_server, reference):
    url = fresh(pg_server)
    results = load(url, list(reversed(history.all())), history.key)
    outcomes = [(r.workstation, r.sequence, r.outcome, r.then_applied) for r in results]
    assert outcomes == [(1, 3, "WAITING", []), (2, 2, "WAITING", []), (2, 1, "APPLIED", [2]),
                        (1, 2, "WAITING", []), (1, 1, "APPLIED", [2, 3])]  # fmt: skip
    assert snapshot(url) == reference[1]


def test_re_importing_any_package_changes_nothing(history, reference):
    url, before = reference
    results = load(url, history.all(), history.key)
    assert [r.outcome for r in results] == ["ALREADY"] * 5
    assert all("nothing changed" in r.line().en for r in results)
    assert snapshot(url) == before


# ---- gaps --------------------------------------------------------------------------------------
def test_a_missing_sequence_is_reported_and_later_packages_wait_until_it_is_skipped(
        history, pg_server):  # fmt: skip
    url = fresh(pg_server)
    results = load(url, [history.p[("1", 1)], history.p[("1", 3)]], history.key)
    assert [r.outcome for r in results] == ["APPLIED", "WAITING"]
    assert results[1].waiting_for == [2] and "waits for sequence 2" in results[1].line().en
    store = open_store(url)
    try:
        (row,) = review.status(store)
        assert (row.last_sequence, row.gaps, row.waiting) == (1, [2], [3])
        assert "2" in review.status_lines([row])[1]
        with pytest.raises(Exception, match="reason"):
            skip_sequence(store, "01", 1, 2, "  ")
        assert skip_sequence(store, "01", 1, 2, "lost with the USB stick") == [3]
        (row,) = review.status(store)
        assert (row.last_sequence, row.gaps, row.waiting, row.skipped) == (3, [], [], [2])
    finally:
        store.close()
    with pytest.raises(PackageRefused, match="skipped"):
        load(url, [history.p[("1", 2)]], history.key)


def test_a_late_package_fills_the_gap_and_releases_the_waiting_ones(history, pg_server):
    url = fresh(pg_server)
    load(url, [history.p[("1", 1)], history.p[("1", 3)]], history.key)
    (filled,) = load(url, [history.p[("1", 2)]], history.key)
    assert (filled.outcome, filled.then_applied) == ("APPLIED", [3])
    store = open_store(url)
    try:
        (row,) = review.status(store)
        assert (row.last_sequence, row.gaps, row.waiting) == (3, [], [])
    finally:
        store.close()


# ---- conflicts ---------------------------------------------------------------------------------
def value_of(url: str, subject: str, item: str) -> str | None:
    """The consolidated value of a non-repeating item of a subject (by study ID)."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT v.value FROM item_value v JOIN form_instance f ON f.id = v.form_pk "
                "JOIN event_instance e ON e.id = f.event_pk JOIN subject s ON s.id = "
                "e.subject_pk WHERE s.subject_id = :subject AND v.item_name = :item"),
                {"subject": subject, "item": item}).all()  # fmt: skip
    finally:
        engine.dispose()
    assert len(rows) <= 1
    return rows[0][0] if rows else None


def test_one_item_changed_on_two_workstations_is_one_conflict_and_neither_overwrites(
        history, pg_server):  # fmt: skip
    url = fresh(pg_server)
    load(url, history.all(), history.key)
    store = open_store(url)
    try:
        (conflict,) = review.conflicts(store)
        assert conflict.kind == "VALUE" and conflict.place["item_name"] == "ECOG"
        sides = {(s["workstation"], s["value"]) for s in (conflict.side_a, conflict.side_b)}
        assert sides == {(1, "2"), (2, "0")}
        assert [state for _ts, state in conflict.side_a["history"]] == ["1", "2"]
        assert conflict.base == "1"
        # the store keeps the common base; both workstations' values are kept for the review
        assert value_of(url, history.a1, "ECOG") == "1"
        fields = {(r[1], r[5]) for r in snapshot(url)["fields"] if r[4] == "ECOG"
                  and r[2] == "SCR-0001"}  # fmt: skip
        assert fields == {("1", "2"), ("2", "0")}
        # a change made on one workstation only is applied, derived values with it
        assert value_of(url, history.a2, "WEIGHT") == "72.0"
        assert value_of(url, history.b1, "ECOG") == "0"
        assert review.status(store)[0].open_conflicts == 1
        with pytest.raises(Exception, match="reason"):
            review.resolve(store, conflict.id, "A", "")
        resolved = review.resolve(store, conflict.id, "A", "source document checked")
        assert resolved.status == "RESOLVED" and resolved.resolved_by
        assert value_of(url, history.a1, "ECOG") == "2"
        assert review.conflicts(store) == []
    finally:
        store.close()
    # re-importing after the resolution keeps it
    load(url, history.all(), history.key)
    assert value_of(url, history.a1, "ECOG") == "2"


# ---- exports -----------------------------------------------------------------------------------
def csv_rows(folder: Path) -> dict[str, list[tuple[str, ...]]]:
    rows = {}
    for path in sorted((folder / "csv").glob("*.csv")):
        if path.name == "data_dictionary.csv":
            continue
        reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))
        header = next(reader)
        rows[path.name] = [tuple((h, c) for h, c in zip(header, row, strict=True)
                                 if h != "QUERYID")  # the store numbers queries itself
                           for row in reader]  # fmt: skip
    return rows


def cell_differences(rows: list[tuple], expected: list[tuple]) -> list:
    """The cells that differ, by subject and column (for a readable failure)."""
    ours = {subject_of(r) + dict(r).get("EVENT", ""): dict(r) for r in rows}
    theirs = {subject_of(r) + dict(r).get("EVENT", ""): dict(r) for r in expected}
    return [(key, column, ours.get(key, {}).get(column), theirs.get(key, {}).get(column))
            for key in sorted(set(ours) | set(theirs))
            for column in sorted(set(ours.get(key, {})) | set(theirs.get(key, {})))
            if ours.get(key, {}).get(column) != theirs.get(key, {}).get(column)][:20]


def subject_of(row: tuple) -> str:
    return dict(row)["SUBJID_OR_SCRNUM"]


def test_the_consolidated_csv_and_odm_count_every_subject_once_and_match_the_workstations(
        history, pg_server, tmp_path):  # fmt: skip
    url = fresh(pg_server)
    load(url, history.all(), history.key)
    store = open_store(url)
    try:
        (conflict,) = review.conflicts(store)
        review.resolve(store, conflict.id, "A" if conflict.side_a["workstation"] == 1 else "B",
                       "workstation 1 holds the source")  # fmt: skip
        result = export_store(store, tmp_path / "store", formats=["csv", "odm"])
    finally:
        store.close()
    ws1 = run_export(history.ws1.manager, tmp_path / "ws1", formats=["csv", "odm"])
    ws2 = run_export(history.ws2.manager, tmp_path / "ws2", formats=["csv", "odm"])
    assert result.subjects == 4  # A1, A2, A3 and B1, each once
    consolidated = csv_rows(result.folder)
    home = {history.a1: 1, history.a2: 1, history.a3: 1, history.b1: 2}
    per_station = {1: csv_rows(ws1.folder), 2: csv_rows(ws2.folder)}
    assert set(consolidated) == set(per_station[1])
    for name, rows in consolidated.items():
        expected = [row for n, station in per_station.items() for row in station[name]
                    if home.get(subject_of(row)) == n]  # fmt: skip
        assert sorted(rows) == sorted(expected), (name, cell_differences(rows, expected))
    keys = [subject_of(row) for row in consolidated["SUBJECT_LEVEL.csv"]]
    assert sorted(keys) == sorted(home)
    odm = etree.parse(str(next((result.folder / "odm").glob("*snapshot.xml"))))
    subject_keys = [e.get("SubjectKey") for e in odm.iter("{*}SubjectData")]
    assert sorted(subject_keys) == sorted(home)


# ---- chains ------------------------------------------------------------------------------------
def test_the_chains_verify_in_the_store_and_rewritten_history_is_refused(history, pg_server,
                                                                         tmp_path):  # fmt: skip
    url = fresh(pg_server)
    load(url, [history.p[("1", 1)], history.p[("1", 2)]], history.key)
    store = open_store(url)
    try:
        findings = review.verify_chains(store)
        assert [(f.workstation, f.ok) for f in findings] == [(1, True)]
        assert findings[0].entries > 10
    finally:
        store.close()
    # the workstation's history rewritten and re-chained consistently: the package holds
    # together, but it does not extend what the store received before
    payload = build_payload(history.ws1.manager)
    audit = payload["audit"]
    audit[4][4]["new_value"] = "forged"
    prev = audit[3][2]
    for entry in audit[4:]:
        entry[1] = prev
        entry[2] = prev = entry_hash(prev, {"id": entry[0], **entry[4]})
    forged, _sha = make_package(history.ws1.manager, tmp_path, history.key.cert, sequence=3,
                                previous_sha256=history.ws1.shas[1], payload=payload)  # fmt: skip
    with pytest.raises(PackageRefused, match="differs from the one received before"):
        load(url, [forged], history.key)
    # a broken link inside a package is refused before anything is applied
    audit[7][1] = "0" * 64
    broken, _sha = make_package(history.ws1.manager, tmp_path, history.key.cert, sequence=3,
                                previous_sha256=history.ws1.shas[1], payload=payload)  # fmt: skip
    with pytest.raises(PackageRefused, match="broken at entry 8"):
        load(url, [broken], history.key)
    assert snapshot(url)["packages"] == sorted(
        r for r in snapshot(url)["packages"] if r[3] == "APPLIED")


# ---- two importers at once ---------------------------------------------------------------------
def test_two_importers_at_once_lose_and_duplicate_nothing(history, pg_server, reference):
    url = fresh(pg_server)
    errors: list[BaseException] = []
    outcomes: list[str] = []

    def run(packages) -> None:
        try:
            outcomes.extend(r.outcome for r in load(url, packages, history.key))
        except BaseException as exc:  # reported below
            errors.append(exc)

    packages = history.all()
    threads = [threading.Thread(target=run, args=(packages,)),
               threading.Thread(target=run, args=(list(reversed(packages)),))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and len(outcomes) == 10
    assert outcomes.count("ALREADY") >= 5
    assert snapshot(url) == reference[1]


# ---- the commands ------------------------------------------------------------------------------
def test_the_sponsor_commands(history, pg_server, tmp_path, capsys, monkeypatch):
    import uuid

    monkeypatch.setenv("TNT_LANG", "en")
    url = pg_server.create_database(f"tnt_{uuid.uuid4().hex[:12]}")
    assert cli.main(["sponsor", "status", "--pg", url]) == 5  # not initialised yet
    assert "sponsor init" in capsys.readouterr().err
    assert cli.main(["sponsor", "init", "--pg", url]) == 0
    assert "sponsor store ready" in capsys.readouterr().out
    packages = [str(p) for p in (history.p[("1", 1)], history.p[("1", 3)], history.p[("2", 1)])]
    assert cli.main(["sponsor", "import", "--pg", url, "--key", str(history.key.secret_file),
                     *packages]) == 0  # fmt: skip
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and "waits for sequence 2" in " ".join(lines)
    assert cli.main(["sponsor", "status", "--pg", url]) == 0
    table = capsys.readouterr().out.splitlines()
    assert len(table) == 3 and table[1].split()[:4] == ["01", "1", "1", "2"]
    assert cli.main(["sponsor", "skip", "--pg", url, "--site", "01", "--workstation", "1",
                     "--sequence", "2", "--reason", "lost"]) == 0  # fmt: skip
    assert "#3" in capsys.readouterr().out
    assert cli.main(["sponsor", "conflicts", "--pg", url]) == 0
    out = capsys.readouterr().out
    assert "ECOG" in out and "A: site 01 ws 1" in out and "B: site 01 ws 2" in out
    conflict_id = out.split()[0].lstrip("#")
    assert cli.main(["sponsor", "conflicts", "--pg", url, "resolve", conflict_id, "--keep", "B",
                     "--reason", "checked the source"]) == 0  # fmt: skip
    assert cli.main(["sponsor", "verify", "--pg", url]) == 0
    assert capsys.readouterr().out.count(", ok") == 2
    assert cli.main(["sponsor", "export", "--pg", url, "--out", str(tmp_path / "x"),
                     "--formats", "csv"]) == 0  # fmt: skip
    assert "Exported 4 subjects" in capsys.readouterr().out
    assert cli.main(["sponsor", "export", "--pg", url, "--out", str(tmp_path / "y"),
                     "--cutoff", "not-a-date"]) == 2  # fmt: skip
    assert cli.main(["sponsor", "export", "--pg", url, "--out", str(tmp_path / "z"),
                     "--formats", "csv", "--cutoff", "2026-06-30"]) == 0  # fmt: skip
    assert "2026-06-30" in capsys.readouterr().out
    assert cli.main(["sponsor", "import", "--pg", "mysql://x", "--key",
                     str(history.key.secret_file), packages[0]]) == 2  # fmt: skip
    import pysequoia

    stranger = tmp_path / "stranger.asc"
    stranger.write_text(str(pysequoia.Tsk.generate("Stranger <x@example.org>",
                                                   profile=pysequoia.Profile.RFC4880)))
    capsys.readouterr()
    assert cli.main(["sponsor", "import", "--pg", url, "--key", str(stranger),
                     str(history.p[("2", 2)])]) == 8  # fmt: skip
    assert "not encrypted for this key" in capsys.readouterr().err


# ---- numbers naming two subjects ---------------------------------------------------------------
def test_a_number_naming_two_subjects_is_a_conflict_never_a_merge(pg_server, sponsor_key,
                                                                  tmp_path):  # fmt: skip
    """Workstations given overlapping blocks by mistake: the same screening number screened on
    two workstations, and the same study ID on two different subjects."""
    ws1 = make_workstation(tmp_path, 1)
    same = make_workstation(tmp_path, 2, screening_block="1-999", id_block="1-99")
    ids = make_workstation(tmp_path, 3, screening_block="3000-3999", id_block="1-99")
    try:
        assert ws1.enrol(1, ECOG="1") == same.enrol(1, ECOG="3") == ids.enrol(1) == ["TNT-01-001"]
        packages = [ws.package(tmp_path / "out", sponsor_key) for ws in (ws1, same, ids)]
    finally:
        for ws in (ws1, same, ids):
            ws.close()
    stores = []
    for order in (packages, list(reversed(packages))):
        url = fresh(pg_server)
        load(url, order, sponsor_key)
        stores.append(snapshot(url))
        store = open_store(url)
        try:
            kinds = sorted((c.kind, c.subject, c.place.get("subject_id")) for c in
                           review.conflicts(store))  # fmt: skip
        finally:
            store.close()
        assert kinds == [("SUBJECT_CLASH", "SCR-0001", None),
                         ("SUBJECT_CLASH", "SCR-3000", "TNT-01-001")]  # fmt: skip
    assert stores[0] == stores[1]
    subjects = {row[0]: row[1] for row in stores[0]["subjects"]}
    assert subjects == {"SCR-0001": "TNT-01-001", "SCR-3000": "None"}
    # workstation 1's record is consolidated, the other one's is kept for the review
    ecog = {(r[1], r[5]) for r in stores[0]["fields"] if r[4] == "ECOG" and r[2] == "SCR-0001"}
    assert ecog == {("1", "1"), ("2", "3")}
    assert value_of(url, "TNT-01-001", "ECOG") == "1"


# ---- packages as `export --package` makes them ---------------------------------------------------
def test_real_packages_are_signed_chained_and_import_with_the_site_key(pg_server, sponsor_key,
                                                                       tmp_path):  # fmt: skip
    from tnt_desktop.errors import TntError
    from tnt_desktop.services import trust
    from tnt_desktop.sponsor.importer import load_site_cert

    ws = make_workstation(tmp_path, 5)
    other = make_workstation(tmp_path / "other", 6)
    public = tmp_path / "sponsor.asc"
    public.write_text(str(sponsor_key.cert))
    try:
        ws.enrol(1)
        first = run_export(ws.manager, tmp_path / "out", formats=["csv"], package=True,
                           recipient_key=public).package  # fmt: skip
        ws.enrol(1)
        second = run_export(ws.manager, tmp_path / "out", formats=["csv"], package=True,
                            recipient_key=public).package  # fmt: skip
        foreign = run_export(other.manager, tmp_path / "out6", formats=["csv"], package=True,
                             recipient_key=public).package  # fmt: skip
        site_file = tmp_path / "site.asc"
        site_file.write_text(trust.site_pgp_public(ws.admin))
    finally:
        ws.close()
        other.close()
    url = fresh(pg_server)
    store = open_store(url)
    try:
        site = load_site_cert(site_file)
        results = [import_package(store, p, sponsor_key.decryptor(), site)
                   for p in (second, first)]  # fmt: skip
        assert [(r.workstation, r.sequence, r.outcome) for r in results] == [
            (5, 2, "WAITING"), (5, 1, "APPLIED")]
        assert results[1].then_applied == [2]
        with pytest.raises(TntError):  # signed by another workstation's site key
            import_package(store, foreign, sponsor_key.decryptor(), site)
        (row,) = review.status(store)
        assert (row.workstation, row.last_sequence, row.gaps) == (5, 2, [])
        assert all(f.ok for f in review.verify_chains(store))
    finally:
        store.close()
    assert len(snapshot(url)["subjects"]) == 2
