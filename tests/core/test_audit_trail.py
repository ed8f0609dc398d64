"""The audit trail (issue 3, item 6): append-only by SQL triggers, hash-chained, and tampering
through a keyed connection (edit, delete, reorder, insert) is detected by `verify_chain`, which
names the first bad entry."""

from __future__ import annotations

import itertools

import pytest
import sqlcipher3

from tests.core.conftest import audit_entries, enrol_one
from tnt_desktop.storage import audit
from tnt_desktop.storage.engine import connect_raw


@pytest.fixture
def trail(coordinator):
    """A coordinator session with a realistic trail (logins, screening, enrolment, forms)."""
    enrol_one(coordinator)
    entries = audit_entries(coordinator)
    assert len(entries) > 40
    return coordinator, entries


@pytest.fixture
def raw(trail):
    app, _entries = trail
    connection = connect_raw(app.db.path, app.key)
    yield connection
    connection.close()


def verify(app) -> audit.ChainReport:
    with app.transaction() as session:
        return audit.verify_chain(session)


def drop_triggers(connection) -> None:
    connection.execute("DROP TRIGGER audit_entry_no_update")
    connection.execute("DROP TRIGGER audit_entry_no_delete")


# ---- append-only ------------------------------------------------------------------------------
@pytest.mark.req("REQ-AT-02")
def test_an_intact_trail_verifies(trail):
    app, entries = trail
    report = verify(app)
    assert report.ok and report.entries == len(entries) and report.first_bad_id is None
    assert [e.id for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == audit.GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash


@pytest.mark.req("REQ-AT-01", "REQ-AT-04", "REQ-VAL-02")
def test_every_entry_carries_time_user_version_and_keys(trail):
    _app, entries = trail
    for entry in entries:
        assert entry.ts_utc.endswith("Z") and entry.ts_utc[:2] == "20"
        assert entry.username and entry.role and entry.action
        assert entry.app_version and entry.metadata_version
    enrolled = next(e for e in entries if e.action == "SUBJECT_ENROLLED")
    assert enrolled.subject_key == "TNT-01-001"


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entry SET new_value = 'forged' WHERE id = 5",
    "UPDATE audit_entry SET id = id + 1000",
    "DELETE FROM audit_entry WHERE id = 5",
    "DELETE FROM audit_entry",
])  # fmt: skip
@pytest.mark.req("REQ-AT-02")
def test_update_and_delete_are_refused_by_the_triggers(trail, raw, statement):
    app, entries = trail
    with pytest.raises(sqlcipher3.DatabaseError) as info:
        raw.execute(statement)
    assert "append-only" in str(info.value)
    assert [(e.id, e.hash, e.new_value) for e in audit_entries(app)] == [
        (e.id, e.hash, e.new_value) for e in entries]  # fmt: skip
    assert verify(app).ok


@pytest.mark.req("REQ-AT-02")
def test_the_triggers_exist_in_the_schema(raw):
    names = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert {"audit_entry_no_update", "audit_entry_no_delete"} <= names


# ---- tampering with the triggers dropped ------------------------------------------------------
@pytest.mark.req("REQ-AT-02")
def test_an_edited_value_is_detected_at_that_entry(trail, raw):
    app, entries = trail
    target = next(e for e in entries if e.item_name == "HEIGHT")
    drop_triggers(raw)
    raw.execute("UPDATE audit_entry SET new_value = '190.0' WHERE id = ?", (target.id,))
    report = verify(app)
    assert not report.ok and report.first_bad_id == target.id
    assert "hash" in report.problem


@pytest.mark.parametrize("column", ["username", "ts_utc", "reason_code", "action", "hash"])
@pytest.mark.req("REQ-AT-02")
def test_any_edited_column_is_detected(trail, raw, column):
    app, entries = trail
    target = entries[len(entries) // 2]
    drop_triggers(raw)
    raw.execute(f"UPDATE audit_entry SET {column} = 'X' WHERE id = ?", (target.id,))
    report = verify(app)
    assert not report.ok and report.first_bad_id == target.id


@pytest.mark.req("REQ-AT-02")
def test_a_deleted_entry_is_detected_and_named(trail, raw):
    app, entries = trail
    gone = entries[10].id
    drop_triggers(raw)
    raw.execute("DELETE FROM audit_entry WHERE id = ?", (gone,))
    report = verify(app)
    assert not report.ok
    assert report.first_bad_id == gone + 1  # the entry after the gap no longer follows
    assert f"entry {gone} is missing" in report.problem


@pytest.mark.req("REQ-AT-02")
def test_a_deleted_last_entry_is_detected_by_the_chain_head(trail, raw):
    app, entries = trail
    last = entries[-1].id
    drop_triggers(raw)
    raw.execute("DELETE FROM audit_entry WHERE id = ?", (last,))
    report = verify(app)
    assert not report.ok and report.first_bad_id == last


@pytest.mark.req("REQ-AT-02")
def test_two_entries_swapped_are_detected_at_the_first(trail, raw):
    app, entries = trail
    a, b = entries[20].id, entries[21].id
    drop_triggers(raw)
    raw.execute("UPDATE audit_entry SET id = -1 WHERE id = ?", (a,))
    raw.execute("UPDATE audit_entry SET id = ? WHERE id = ?", (a, b))
    raw.execute("UPDATE audit_entry SET id = ? WHERE id = -1", (b,))
    report = verify(app)
    assert not report.ok and report.first_bad_id == a


def _columns(raw) -> list[str]:
    return [row[1] for row in raw.execute("PRAGMA table_info(audit_entry)")]


def _insert(raw, values: dict) -> None:
    names = list(values)
    raw.execute(f"INSERT INTO audit_entry ({', '.join(names)}) VALUES "
                f"({', '.join('?' for _ in names)})", [values[n] for n in names])  # fmt: skip


def _forged_after(entries, **overrides) -> dict:
    last = entries[-1]
    fields = {name: getattr(last, name) for name in audit.HASHED_FIELDS}
    fields.update(id=last.id + 1, action="DATA_CHANGED", username="coordinator",
                  item_name="WEIGHT", old_value="70.0", new_value="60.0", **overrides)
    return fields


@pytest.mark.req("REQ-AT-02")
def test_a_forged_entry_with_a_made_up_hash_is_detected(trail, raw):
    app, entries = trail
    forged = _forged_after(entries)
    _insert(raw, {**forged, "prev_hash": entries[-1].hash, "hash": "f" * 64})
    report = verify(app)
    assert not report.ok and report.first_bad_id == entries[-1].id + 1


@pytest.mark.req("REQ-AT-02")
def test_a_forged_entry_chained_correctly_is_still_detected_and_named(trail, raw):
    # Someone with the key who knows the hashing appends a well-formed entry but cannot
    # move the chain head without it showing: the forged entry itself must be named.
    app, entries = trail
    forged = _forged_after(entries)
    digest = audit.entry_hash(entries[-1].hash, forged)
    _insert(raw, {**forged, "prev_hash": entries[-1].hash, "hash": digest})
    report = verify(app)
    assert not report.ok
    assert report.first_bad_id == forged["id"], report


@pytest.mark.req("REQ-AT-02")
def test_a_forged_entry_in_the_middle_is_detected(trail, raw):
    app, entries = trail
    drop_triggers(raw)
    # make room by moving the last entries up by one, then insert a forged entry in the gap
    middle = entries[15].id
    for entry in reversed(entries[15:]):
        raw.execute("UPDATE audit_entry SET id = ? WHERE id = ?", (entry.id + 1, entry.id))
    forged = {name: getattr(entries[14], name) for name in audit.HASHED_FIELDS}
    forged.update(id=middle, new_value="forged")
    digest = audit.entry_hash(entries[14].hash, forged)
    _insert(raw, {**forged, "prev_hash": entries[14].hash, "hash": digest})
    report = verify(app)
    assert not report.ok and report.first_bad_id == middle + 1


@pytest.mark.req("REQ-AT-02")
def test_the_canonical_form_hashes_every_field_and_the_id():
    base = {name: None for name in audit.HASHED_FIELDS}
    base.update(id=1, ts_utc="2025-01-01T00:00:00.000000Z", username="u", role="r", action="A",
                app_version="0", metadata_version="1")
    reference = audit.entry_hash(audit.GENESIS, base)
    for name in audit.HASHED_FIELDS:
        changed = {**base, name: (base[name] or "") + "x" if name != "id" else 2}
        assert audit.entry_hash(audit.GENESIS, changed) != reference, name
    assert audit.entry_hash("1" * 64, base) != reference
    zh = {**base, "new_value": "出生"}
    assert audit.entry_hash(audit.GENESIS, zh) != reference
