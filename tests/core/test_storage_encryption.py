"""Encryption at rest (issue 3, items 1–2 and the acceptance scan): nothing entered is readable
in the database, its WAL or the key file; nothing but the random key opens the database; the
files are owner-only; the engine is configured as documented in docs/storage.md."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
import sqlcipher3
from sqlalchemy.pool import QueuePool

from tests.core.conftest import (
    ADMIN_PASSWORD,
    DM_VALUES,
    ELIGIBLE_IE,
    PASSWORD,
    Trial,
    mh_row,
)
from tnt_desktop.services import subjects
from tnt_desktop.services.form_entries import FormEntry, RowEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.storage.engine import WrongKeyError, connect_raw

# Values distinctive enough that finding their bytes anywhere means a leak, Chinese included.
SECRET_VALUES = {
    "SUBJNAME": "欧阳明轩",
    "SUBJPINYIN": "OUYANG MINGXUAN",
    "MRN": "ZY20250203117",
    "NATIONALID": "35010219700505123X",
    "PHONE": "13905917788",
    "ADDRESS": "福建省福州市鼓楼区新权路二十九号",
}
MH_TERMS = ("陈旧性肺结核病灶", "Quixotic-Gastritis-Marker")


def _enter_known_values(app) -> list[str]:
    """Enter identifying values and free text; return every string that must not leak."""
    number = subjects.screen_subject(app)
    save_form(app, FormEntry(number, "SE.SCR", "IE", values=dict(ELIGIBLE_IE)))
    subject_id = subjects.enrol(app, number)
    save_form(app, FormEntry(subject_id, "SE.SCR", "DM", values={**DM_VALUES, **SECRET_VALUES}))
    save_form(app, FormEntry(subject_id, "SE.SCR", "MH",
                             rows={"MH": [RowEntry(values=mh_row(t)) for t in MH_TERMS]}))
    return [*SECRET_VALUES.values(), *MH_TERMS, number, subject_id, "1970-05-05",
            "TNT-01-", "SCR-00", "SUBJNAME", "audit_entry", "CREATE TABLE"]  # fmt: skip


def _files(db: Path) -> list[Path]:
    return [p for p in db.parent.iterdir() if p.name.startswith(db.name)]


def _leaks(paths: list[Path], needles: list[str]) -> list[tuple[str, str]]:
    found = []
    for path in paths:
        data = path.read_bytes()
        for needle in needles:
            if needle.encode("utf-8") in data:
                found.append((path.name, needle))
    return found


@pytest.fixture
def filled(trial: Trial):
    coordinator = trial.user("coordinator")
    return trial, coordinator, _enter_known_values(coordinator)


@pytest.mark.req("REQ-SEC-01")
def test_no_entered_value_is_readable_in_the_db_its_wal_or_the_key_file(filled):
    trial, coordinator, needles = filled
    wal = Path(str(trial.path) + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the values are (also) in the WAL now
    paths = _files(trial.path)
    assert {trial.path, wal, trial.keys_path} <= set(paths)
    secrets = [*needles, PASSWORD, ADMIN_PASSWORD]
    assert _leaks(paths, secrets) == []
    # nor the database key itself, raw or as hex, in any file
    key = coordinator.key
    for path in paths:
        data = path.read_bytes()
        assert key not in data and key.hex().encode() not in data
        assert key.hex().upper().encode() not in data
    trial.close()  # checkpoint: everything lands in the main file
    assert _leaks(_files(trial.path), secrets) == []


@pytest.mark.req("REQ-SEC-01")
def test_stdlib_sqlite3_cannot_open_the_database(filled):
    trial, _coordinator, _needles = filled
    trial.close()
    connection = sqlite3.connect(f"file:{trial.path}?mode=ro", uri=True)
    try:
        with pytest.raises(sqlite3.DatabaseError):
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        connection.close()
    assert not trial.path.read_bytes().startswith(b"SQLite format 3\x00")


@pytest.mark.parametrize("guess", ["password", PASSWORD, ADMIN_PASSWORD, "admin", "coordinator"])
@pytest.mark.req("REQ-SEC-01")
def test_sqlcipher_with_a_guessed_passphrase_cannot_read_it(filled, guess):
    trial, _coordinator, _needles = filled
    connection = sqlcipher3.connect(str(trial.path))
    try:
        escaped = guess.replace("'", "''")
        connection.execute(f"PRAGMA key = '{escaped}'")
        with pytest.raises(sqlcipher3.DatabaseError):
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        connection.close()


@pytest.mark.req("REQ-SEC-01")
def test_the_key_hex_as_a_passphrase_does_not_open_it_only_the_raw_key_does(filled):
    trial, coordinator, _needles = filled
    connection = sqlcipher3.connect(str(trial.path))
    try:
        connection.execute(f"PRAGMA key = '{coordinator.key.hex()}'")  # derived, not raw
        with pytest.raises(sqlcipher3.DatabaseError):
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        connection.close()
    raw = connect_raw(trial.path, coordinator.key)
    try:
        assert raw.execute("SELECT count(*) FROM subject").fetchone()[0] == 1
    finally:
        raw.close()


@pytest.mark.req("REQ-SEC-01")
def test_a_wrong_raw_key_is_refused_and_sqlcipher_writes_nothing_to_stderr(filled, capfd):
    trial, _coordinator, _needles = filled
    capfd.readouterr()
    with pytest.raises(WrongKeyError):
        connect_raw(trial.path, os.urandom(32))
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.req("REQ-SEC-01")
def test_files_are_owner_only_even_under_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        trial = Trial(tmp_path / "open.db")
        try:
            coordinator = trial.user("coordinator")
            subjects.screen_subject(coordinator)
            paths = _files(trial.path)
            names = {p.name for p in paths}
            assert {"open.db", "open.db.keys", "open.db-wal"} <= names
            for path in paths:
                assert _mode(path) == 0o600, (path.name, oct(_mode(path)))
        finally:
            trial.close()
    finally:
        os.umask(old)
    assert _mode(trial.path) == 0o600 and _mode(trial.keys_path) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".keys-")]  # no temp left


def test_engine_uses_an_explicit_queue_pool_and_hides_the_key(coordinator):
    engine = coordinator.db.engine
    assert isinstance(engine.pool, QueuePool)
    assert coordinator.key.hex() not in str(engine.url)
    assert coordinator.key.hex() not in repr(coordinator)


def test_every_connection_is_wal_with_foreign_keys_and_full_sync(coordinator):
    with coordinator.db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    raw = connect_raw(coordinator.db.path, coordinator.key)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        raw.close()


def test_foreign_keys_are_enforced(coordinator):
    raw = connect_raw(coordinator.db.path, coordinator.key)
    try:
        with pytest.raises(sqlcipher3.IntegrityError):
            raw.execute(
                "INSERT INTO item_value (form_pk, group_name, row_key, item_name, value, derived)"
                " VALUES (987654, '', 0, 'SEX', 'M', 0)"
            )
    finally:
        raw.close()
