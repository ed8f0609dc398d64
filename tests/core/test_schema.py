"""Schema and foreign files (issue 3, items 3 and 10): a new database is at the Alembic head; a
database written by a newer release is refused; a file that is not a TNT database, or a damaged
one, gets a clear message — and is left as it was."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect

from tests.core.conftest import ADMIN, ADMIN_PASSWORD, Trial
from tnt_desktop.errors import (
    DatabaseDamaged,
    DatabaseNotFound,
    DatabaseTooNew,
    NotATntDatabase,
    TntError,
)
from tnt_desktop.services import auth
from tnt_desktop.storage import database, schema
from tnt_desktop.storage.engine import connect_raw
from tnt_desktop.storage.models import Base


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def closed_copy(trial: Trial, tmp_path: Path, name: str) -> Path:
    """A checkpointed copy of the trial database (and its key file) under a new name."""
    trial.close()
    target = tmp_path / name
    shutil.copy(trial.path, target)
    shutil.copy(trial.keys_path, Path(str(target) + ".keys"))
    return target


# ---- the schema version -----------------------------------------------------------------------
def test_a_fresh_database_is_at_the_alembic_head(trial):
    engine = trial.admin.db.engine
    assert schema.current_revision(engine) == schema.head_revision()
    assert not schema.needs_upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_the_version_lives_in_the_database(trial):
    raw = connect_raw(trial.path, trial.key())
    try:
        rows = raw.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        raw.close()
    assert rows == [(schema.head_revision(),)]


def test_opening_a_current_database_runs_no_migration_and_no_backup_hook(trial, tmp_path):
    path = closed_copy(trial, tmp_path, "current.db")
    calls = []
    app = auth.login(path, ADMIN, ADMIN_PASSWORD, before_migration=calls.append)
    try:
        assert calls == []
    finally:
        app.db.close()


@pytest.mark.req("REQ-VAL-02")
def test_a_database_from_a_newer_release_is_refused(trial, tmp_path):
    path = closed_copy(trial, tmp_path, "newer.db")
    raw = connect_raw(path, trial.key())
    try:
        raw.execute("UPDATE alembic_version SET version_num = '9999_future'")
    finally:
        raw.close()
    before = digest(path)
    with pytest.raises(DatabaseTooNew) as info:
        auth.login(path, ADMIN, ADMIN_PASSWORD)
    message = info.value.message
    assert "newer release" in message.en and "9999_future" in message.en
    assert "9999_future" in message.zh and "更新版本" in message.zh
    with pytest.raises(DatabaseTooNew):
        database.open_database(path, trial.key())
    assert digest(path) == before  # never "downgraded" or touched
    raw = connect_raw(path, trial.key())
    try:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            "9999_future"
        )
    finally:
        raw.close()


# ---- files that are not TNT databases ---------------------------------------------------------
def test_a_missing_database_is_not_found(tmp_path):
    with pytest.raises(DatabaseNotFound):
        auth.login(tmp_path / "nothing.db", ADMIN, ADMIN_PASSWORD)
    with pytest.raises(DatabaseNotFound):
        database.open_database(tmp_path / "nothing.db", bytes(32))


def test_a_text_file_without_a_key_file_is_not_a_tnt_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("minutes of the investigator meeting\n" * 50, encoding="utf-8")
    before = digest(path)
    with pytest.raises(NotATntDatabase) as info:
        auth.login(path, ADMIN, ADMIN_PASSWORD)
    assert "not a TNT Desktop database" in info.value.message.en
    assert "TNT Desktop" in info.value.message.zh
    assert digest(path) == before


def test_a_text_file_with_a_key_file_is_refused_clearly(trial, tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("minutes of the investigator meeting\n" * 50, encoding="utf-8")
    shutil.copy(trial.keys_path, Path(str(path) + ".keys"))
    before = digest(path)
    with pytest.raises((NotATntDatabase, DatabaseDamaged)) as info:
        auth.login(path, ADMIN, ADMIN_PASSWORD)
    assert str(path) in info.value.message.en
    with pytest.raises((NotATntDatabase, DatabaseDamaged)):
        database.open_database(path, trial.key())
    assert digest(path) == before


def _plain_sqlite(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE patient (name TEXT)")
    connection.execute("INSERT INTO patient VALUES ('张三')")
    connection.commit()
    connection.close()


def test_a_plain_sqlite_file_is_not_a_tnt_database(trial, tmp_path):
    path = tmp_path / "plain.db"
    _plain_sqlite(path)
    shutil.copy(trial.keys_path, Path(str(path) + ".keys"))
    before = digest(path)
    with pytest.raises(NotATntDatabase) as info:
        auth.login(path, ADMIN, ADMIN_PASSWORD)
    assert "unencrypted SQLite" in info.value.message.en
    with pytest.raises(NotATntDatabase):
        database.open_database(path, trial.key())
    assert digest(path) == before


def test_a_plain_sqlite_file_without_a_key_file_is_not_a_tnt_database(tmp_path):
    path = tmp_path / "plain.db"
    _plain_sqlite(path)
    with pytest.raises(NotATntDatabase):
        auth.login(path, ADMIN, ADMIN_PASSWORD)


# ---- damaged databases ------------------------------------------------------------------------
@pytest.mark.parametrize("keep", ["half", "one page", "odd bytes", "nothing"])
def test_a_truncated_database_is_damaged_restore_from_a_backup(trial, tmp_path, keep):
    path = closed_copy(trial, tmp_path, "cut.db")
    size = path.stat().st_size
    new_size = {"half": size // 2, "one page": 4096, "odd bytes": 10_000, "nothing": 0}[keep]
    with path.open("r+b") as handle:
        handle.truncate(new_size)
    with pytest.raises(DatabaseDamaged) as info:
        auth.login(path, ADMIN, ADMIN_PASSWORD)
    assert "restore from a backup" in info.value.message.en
    assert "从备份恢复" in info.value.message.zh


@pytest.mark.parametrize("keep", ["half", "nothing"])
def test_a_refused_damaged_file_is_left_as_it_was(trial, tmp_path, keep):
    path = closed_copy(trial, tmp_path, "cut.db")
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2 if keep == "half" else 0)
    before = digest(path)
    with pytest.raises(TntError):
        auth.login(path, ADMIN, ADMIN_PASSWORD)
    assert digest(path) == before  # opening must not write into it (left for inspection)
    assert not Path(str(path) + "-wal").exists() or not Path(str(path) + "-wal").stat().st_size


def test_a_corrupted_page_is_damage_not_a_traceback(trial, tmp_path):
    path = closed_copy(trial, tmp_path, "flipped.db")
    data = bytearray(path.read_bytes())
    for offset in range(5000, 5100):  # inside page 2
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    key = trial.key()
    assert database.integrity_problems(path, key)  # the page HMAC catches it
    try:
        app = auth.login(path, ADMIN, ADMIN_PASSWORD)
    except TntError as exc:
        assert isinstance(exc, DatabaseDamaged)
    else:  # page 2 may not be read at login; then the check must still report it
        app.db.close()
        assert database.integrity_problems(path, key)


def test_an_intact_database_has_no_integrity_problems(trial):
    assert database.integrity_problems(trial.path, trial.key()) == []
    assert database.integrity_problems(trial.path, bytes(32))  # wrong key: reported, no raise


@pytest.mark.req("REQ-VAL-02")
def test_an_older_database_is_backed_up_then_migrated_at_login(tmp_path, monkeypatch):
    """A database written by an older release (schema 0001) is copied to the backup folder,
    encrypted, before the migration runs; the copy keeps the old schema, the live file is at
    head, and nothing entered before is lost."""
    from functools import partial

    from tests.core.conftest import ADMIN, ADMIN_PASSWORD
    from tnt_desktop.services import auth
    from tnt_desktop.storage import schema as schema_module
    from tnt_desktop.storage.engine import connect_raw
    from tnt_desktop.storage.keyslots import KeySlotFile, keyslot_path

    db = tmp_path / "old.db"
    with monkeypatch.context() as patch:
        patch.setattr(schema_module, "upgrade", partial(schema_module.upgrade, target="0001"))
        auth.initialise(db, site_id="01", admin_username=ADMIN, admin_password=ADMIN_PASSWORD)
    key = KeySlotFile.load(keyslot_path(db)).unwrap(ADMIN, ADMIN_PASSWORD)

    def revision(path):
        connection = connect_raw(path, key)
        try:
            return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        finally:
            connection.close()

    assert revision(db) == "0001"
    app = auth.login(db, ADMIN, ADMIN_PASSWORD)
    app.db.close()
    assert revision(db) == schema_module.head_revision() != "0001"
    [backup] = sorted((tmp_path / "backups").glob("*.tntbak"))
    assert revision(backup) == "0001"


@pytest.mark.req("REQ-VAL-02")
def test_models_and_migrations_describe_the_same_schema(trial):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from tnt_desktop.storage.models import Base

    app = trial.admin
    with app.db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diffs == []


def test_the_schedule_index_names_exactly_the_items_the_schedule_reads():
    """Migration 0003 froze SCHEDULE_ITEM_NAMES into a partial index: a change of the list
    needs a new revision, and this test says so."""
    from tnt_desktop.storage.models import SCHEDULE_INDEX_WHERE
    from tnt_desktop.study.schedule import SCHEDULE_ITEM_NAMES

    frozen = re.findall(r"'([A-Z0-9_]+)'", SCHEDULE_INDEX_WHERE)
    assert tuple(frozen) == SCHEDULE_ITEM_NAMES
