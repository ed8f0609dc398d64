"""Backups and restore (issue 3 item 7): encrypted, atomic, rotated, audited; the restore drill."""

import errno
import hashlib
import os
import re
import shutil
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlcipher3
from sqlalchemy import select
from sqlalchemy.orm import Session

from tnt_desktop.errors import (
    AccountLocked,
    BackupMismatch,
    DatabaseDamaged,
    FolderNotWritable,
    IntegrityFailure,
    PermissionDenied,
    StorageFull,
    TntError,
    WrongPassword,
)
from tnt_desktop.services import auth, backups, subjects
from tnt_desktop.storage import backup as files
from tnt_desktop.storage import keyslots
from tnt_desktop.storage.audit import verify_chain
from tnt_desktop.storage.engine import connect_raw, make_engine
from tnt_desktop.storage.keyslots import KeySlotFile, keyslot_path
from tnt_desktop.storage.models import AuditEntry, Setting

ADMIN_PW = "Admin-Pass-77"
TEMP_PW = "Temp-Pass-123"
USER_PW = "User-Pass-456"
MARKER = "Marker-Qx7Zv9-Unique"
FAST_KDF = {"name": "scrypt", "n": 2**10, "r": 8, "p": 1}
NAME = re.compile(r"^tnt-[0-9a-f]{8}-\d{8}T\d{6}Z\.tntbak$")
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
    monkeypatch.setattr(keyslots, "DEFAULT_KDF", FAST_KDF)


@pytest.fixture()
def db(tmp_path) -> Path:
    path = tmp_path / "live" / "site.db"
    auth.initialise(path, site_id="01", admin_username="boss", admin_password=ADMIN_PW)
    return path


@pytest.fixture()
def admin(db):
    app = auth.login(db, "boss", ADMIN_PW)
    yield app
    app.db.close()


@pytest.fixture()
def folder(tmp_path) -> Path:
    return tmp_path / "usb"


def make_user(admin_app, db: Path, name: str, role: str, display_name: str | None = None):
    auth.add_user(admin_app, name, role, TEMP_PW, display_name=display_name)
    app = auth.login(db, name, TEMP_PW)
    auth.change_password(app, TEMP_PW, USER_PW)
    return app


def entries(db_path: Path, key: bytes) -> list[AuditEntry]:
    engine = make_engine(db_path, key)
    try:
        with Session(engine) as session:
            rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
            session.expunge_all()
            return rows
    finally:
        engine.dispose()


def backup_entries(backup_file: Path, key: bytes, tmp_path: Path) -> list[AuditEntry]:
    copy = tmp_path / "inspect-copy.db"
    shutil.copyfile(backup_file, copy)
    return entries(copy, key)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


# ---- writing backups --------------------------------------------------------------------------
@pytest.mark.req("REQ-SEC-01", "REQ-SEC-02")
def test_backup_is_encrypted_self_sufficient_and_holds_its_audit_entry(db, admin, folder,
                                                                      tmp_path):  # fmt: skip
    auth.add_user(admin, "carol", "coordinator", TEMP_PW, display_name=MARKER)
    path = backups.backup_now(admin, folder)

    assert path.parent == folder and NAME.match(path.name)
    assert path.name.startswith(f"tnt-{admin.db.database_id[:8]}-")
    assert listing(folder) == [path.name, path.name + ".keys"]
    raw = path.read_bytes()
    assert MARKER.encode() not in raw and not raw.startswith(b"SQLite format 3")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT * FROM sqlite_master").fetchall()
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # the key file travels with it and opens it with the same password
    keys = KeySlotFile.load(files.backup_keys_path(path))
    assert keys.database_id == admin.db.database_id
    assert keys.unwrap("boss", ADMIN_PW) == admin.key

    before = digest(path)
    report = files.inspect_backup(path, admin.key)
    assert report.ok and report.database_id == admin.db.database_id
    assert report.problems == [] and report.chain.ok and report.users["carol"].role == "coordinator"
    assert digest(path) == before and listing(folder) == [path.name, path.name + ".keys"]

    trail = backup_entries(path, admin.key, tmp_path)
    assert trail[-1].action == "BACKUP_CREATED" and path.name in trail[-1].detail
    assert trail[-1].username == "boss"
    assert any(e.action == "USER_ADDED" and e.new_value == "carol:coordinator" for e in trail)
    live = entries(db, admin.key)
    assert [e.action for e in live].count("BACKUP_CREATED") == 1


@pytest.mark.req("REQ-SEC-02")
def test_wrong_key_does_not_open_a_backup(admin, folder):
    path = backups.backup_now(admin, folder)
    report = files.inspect_backup(path, bytes(32))
    assert not report.ok and not report.opens and report.database_id is None


@pytest.mark.req("REQ-SEC-02")
def test_rotation_keeps_exactly_the_newest_n_of_this_database(admin, folder):
    backups.set_backup_settings(admin, folder=folder, keep=3)
    folder.mkdir(exist_ok=True)
    foreign = folder / "tnt-ffffffff-20200101T000000Z.tntbak"
    foreign.write_bytes(b"another database's backup")
    unrelated = folder / "notes.txt"
    unrelated.write_text("keep me")
    made = [backups.backup_now(admin, now=T0 + timedelta(minutes=i)) for i in range(5)]

    kept = files.list_backups(folder, admin.db.database_id)
    assert kept == made[-3:]
    assert all(files.backup_keys_path(p).exists() for p in kept)
    assert not any(p.exists() or files.backup_keys_path(p).exists() for p in made[:2])
    assert foreign.exists() and unrelated.exists()
    assert len(listing(folder)) == 3 * 2 + 2


def test_unwritable_folder_simulated(admin, folder, monkeypatch):
    """A read-only folder, simulated: tests run as root here, which ignores permissions."""
    folder.mkdir()

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    with pytest.raises(FolderNotWritable) as caught:
        backups.backup_now(admin, folder)
    assert str(folder) in caught.value.message.en and caught.value.message.zh
    assert listing(folder) == []
    assert "BACKUP_CREATED" not in [e.action for e in entries(admin.db.path, admin.key)]


def test_a_file_where_the_folder_should_be(admin, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    with pytest.raises(FolderNotWritable):
        backups.backup_now(admin, blocker / "backups")


def test_full_disk_is_storage_full_with_nothing_left_behind(admin, folder, monkeypatch):
    def full(path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "fsync_file", full)
    with pytest.raises(StorageFull) as caught:
        backups.backup_now(admin, folder)
    assert "disk is full" in caught.value.message.en and "磁盘已满" in caught.value.message.zh
    assert listing(folder) == []
    actions = [e.action for e in entries(admin.db.path, admin.key)]
    assert actions[-2:] == ["BACKUP_CREATED", "BACKUP_FAILED"]
    assert backups.last_backup_utc(admin) is None


def test_full_disk_reported_by_sqlite_during_the_copy(admin, folder, monkeypatch):
    def copy(db_path, key, target):
        Path(target).write_bytes(b"\0" * 8192)  # a partial copy
        raise sqlcipher3.OperationalError("database or disk is full")

    monkeypatch.setattr(files, "copy_database", copy)
    with pytest.raises(StorageFull):
        backups.backup_now(admin, folder)
    assert listing(folder) == []


@pytest.mark.req("REQ-SEC-02")
def test_daily_backup_only_once_per_day(admin, folder):
    backups.set_backup_settings(admin, folder=folder)
    first = backups.maybe_daily_backup(admin, now=T0)
    assert first is not None and first.exists()
    assert backups.maybe_daily_backup(admin, now=T0 + timedelta(minutes=1)) is None
    assert backups.last_backup_utc(admin) == T0
    second = backups.maybe_daily_backup(admin, now=T0 + timedelta(days=1))
    assert second is not None and second != first
    assert len(files.list_backups(folder, admin.db.database_id)) == 2
    daily = [e for e in entries(admin.db.path, admin.key) if e.action == "BACKUP_CREATED"]
    assert len(daily) == 2 and all(e.username == "SYSTEM" and "daily" in e.detail for e in daily)
    # a manual backup today also counts as today's backup
    backups.backup_now(admin)
    assert backups.maybe_daily_backup(admin) is None


@pytest.mark.req("REQ-SEC-02")
def test_daily_backup_runs_for_any_role(db, admin, folder):
    backups.set_backup_settings(admin, folder=folder)
    monitor = make_user(admin, db, "mona", "monitor")
    try:
        assert backups.maybe_daily_backup(monitor, now=T0) is not None
        with pytest.raises(PermissionDenied):
            backups.backup_now(monitor)
    finally:
        monitor.db.close()


@pytest.mark.req("REQ-SEC-02")
def test_settings_defaults_changes_are_audited_and_validated(db, admin, folder):
    assert backups.backup_settings(admin) == (db.resolve().parent / "backups", 14)
    backups.set_backup_settings(admin, folder=folder, keep=5)
    assert backups.backup_settings(admin) == (folder, 5)
    backups.set_backup_settings(admin, keep=5)  # unchanged: no entry
    changes = [e for e in entries(db, admin.key) if e.action == "SETTING_CHANGED"]
    assert [(e.detail, e.old_value, e.new_value) for e in changes] == [
        ("backup.folder", None, str(folder)),
        ("backup.keep", None, "5"),
    ]
    backups.set_backup_settings(admin, keep=7)
    last = entries(db, admin.key)[-1]
    assert (last.action, last.old_value, last.new_value) == ("SETTING_CHANGED", "5", "7")
    for bad in (0, -1, 1001, True, "3"):
        with pytest.raises(TntError):
            backups.set_backup_settings(admin, keep=bad)
    blocker = folder / "file"
    blocker.write_text("x")
    with pytest.raises(FolderNotWritable):
        backups.set_backup_settings(admin, folder=blocker)
    assert backups.backup_settings(admin) == (folder, 7)
    coordinator = make_user(admin, db, "carol", "coordinator")
    try:
        with pytest.raises(PermissionDenied):
            backups.set_backup_settings(coordinator, keep=3)
    finally:
        coordinator.db.close()


def test_backup_at_logout_never_raises(admin, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    backups.set_backup_settings(admin, folder=tmp_path / "usb")
    with admin.transaction() as session:  # the drive went away: the folder is now a file
        session.get(Setting, backups.FOLDER_KEY).value = str(blocker / "backups")
    errors = []
    assert backups.backup_at_logout(admin, on_error=errors.append) is None
    assert len(errors) == 1 and isinstance(errors[0], FolderNotWritable)
    auth.logout(admin)  # logging out still works


@pytest.mark.req("REQ-SEC-02")
def test_backup_at_logout_writes_a_system_audited_backup(admin, folder):
    backups.set_backup_settings(admin, folder=folder)
    path = backups.backup_at_logout(admin)
    assert path is not None and path.exists()
    last = entries(admin.db.path, admin.key)[-1]
    assert (last.action, last.username) == ("BACKUP_CREATED", "SYSTEM") and "logout" in last.detail
    auth.logout(admin)


# ---- restore ----------------------------------------------------------------------------------
def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _overwrite_middle_onwards(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:] = b"\xab" * (len(data) - middle)
    path.write_bytes(bytes(data))


def _overwrite_first_page(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[100:164] = b"\xff" * 64
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_truncate, _overwrite_middle_onwards, _overwrite_first_page])
@pytest.mark.req("REQ-SEC-02")
def test_the_drill_backup_damage_restore_verify(db, admin, folder, damage):
    coordinator = make_user(admin, db, "carol", "coordinator")
    number = subjects.screen_subject(coordinator)
    auth.logout(coordinator)
    backup_file = backups.backup_now(admin, folder)
    auth.logout(admin)

    damage(db)
    damaged = digest(db)
    with pytest.raises(DatabaseDamaged):
        auth.login(db, "carol", USER_PW)

    report = backups.restore(db, backup_file, "boss", ADMIN_PW)

    assert report.replaced is not None and report.replaced.exists()
    assert report.replaced.name.startswith("site.db.replaced-")
    assert digest(report.replaced) == damaged  # kept as it was, never deleted
    assert keyslot_path(report.replaced).exists()
    assert report.database_id == admin.db.database_id and not report.keys_from_backup
    assert str(report.replaced) in report.message().en and report.message().zh
    app = auth.login(db, "carol", USER_PW)
    try:
        assert [s.screening_number for s in subjects.list_subjects(app)] == [number]
        with app.transaction() as session:
            chain = verify_chain(session)
        assert chain.ok and chain.entries == report.audit_entries + 1  # + this LOGIN
    finally:
        auth.logout(app)
    trail = entries(db, admin.key)
    restored = [e for e in trail if e.action == "DATABASE_RESTORED"]
    assert len(restored) == 1 and restored[0].username == "boss"
    assert backup_file.name in restored[0].detail and report.replaced.name in restored[0].detail
    assert not [n for n in listing(db.parent) if n.startswith(".tnt-backup-")]
    assert backup_file.exists()  # the backup itself is untouched


@pytest.mark.req("REQ-SEC-02")
def test_restore_works_without_the_live_key_file_or_database(db, admin, folder):
    backup_file = backups.backup_now(admin, folder)
    auth.logout(admin)
    db.unlink()
    keyslot_path(db).unlink()
    report = backups.restore(db, backup_file, "boss", ADMIN_PW)
    assert report.replaced is None and report.keys_from_backup
    assert keyslot_path(db).exists()
    app = auth.login(db, "boss", ADMIN_PW)
    auth.logout(app)


@pytest.fixture()
def drill(db, admin, folder):
    """A live database, a good backup of it, and the live file's digest."""
    mona = make_user(admin, db, "mona", "monitor")
    mona.db.close()
    backup_file = backups.backup_now(admin, folder)
    auth.logout(admin)
    return db, backup_file, digest(db)


def assert_untouched(db: Path, before: str) -> None:
    assert digest(db) == before
    names = listing(db.parent)
    assert not [n for n in names if ".replaced-" in n or n.startswith(".tnt-backup-")], names


@pytest.mark.req("REQ-SEC-02")
def test_restore_refuses_a_backup_of_another_database(drill, tmp_path, folder):
    db, _, before = drill
    other = tmp_path / "other" / "other.db"
    auth.initialise(other, site_id="02", admin_username="boss", admin_password=ADMIN_PW)
    app = auth.login(other, "boss", ADMIN_PW)
    foreign = backups.backup_now(app, tmp_path / "other-backups")
    auth.logout(app)
    with pytest.raises(BackupMismatch) as caught:
        backups.restore(db, foreign, "boss", ADMIN_PW)
    assert "another database" in caught.value.message.en and caught.value.message.zh
    assert_untouched(db, before)
    # renamed and without its key file, it still does not get in (it does not open)
    renamed = tmp_path / "renamed.tntbak"
    shutil.copyfile(foreign, renamed)
    with pytest.raises(IntegrityFailure):
        backups.restore(db, renamed, "boss", ADMIN_PW)
    assert_untouched(db, before)


@pytest.mark.req("REQ-SEC-02")
def test_restore_refuses_a_damaged_backup(drill):
    db, backup_file, before = drill
    data = bytearray(backup_file.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = b"\0" * 64
    backup_file.write_bytes(bytes(data))
    with pytest.raises(IntegrityFailure) as caught:
        backups.restore(db, backup_file, "boss", ADMIN_PW)
    assert "nothing was restored" in caught.value.message.en
    assert_untouched(db, before)


@pytest.mark.req("REQ-SEC-02")
def test_restore_refuses_a_truncated_backup(drill):
    db, backup_file, before = drill
    _truncate(backup_file)
    with pytest.raises(IntegrityFailure):
        backups.restore(db, backup_file, "boss", ADMIN_PW)
    assert_untouched(db, before)


@pytest.mark.req("REQ-SEC-02", "REQ-AT-02")
def test_restore_refuses_a_backup_whose_audit_chain_is_broken(drill, db):
    _, backup_file, before = drill
    key = KeySlotFile.load(keyslot_path(db)).unwrap("boss", ADMIN_PW)
    tampered = connect_raw(backup_file, key)
    tampered.execute("DROP TRIGGER audit_entry_no_update")
    tampered.execute("UPDATE audit_entry SET detail = 'site 99' WHERE id = 1")
    tampered.close()
    with pytest.raises(IntegrityFailure) as caught:
        backups.restore(db, backup_file, "boss", ADMIN_PW)
    assert "entry 1" in caught.value.message.en and "第 1 条" in caught.value.message.zh
    assert_untouched(db, before)


@pytest.mark.req("REQ-AC-03")
def test_restore_refuses_a_wrong_password_and_counts_it(drill):
    db, backup_file, before = drill
    with pytest.raises(WrongPassword) as caught:
        backups.restore(db, backup_file, "boss", "Not-The-Pass-1")
    assert "Not-The-Pass-1" not in caught.value.message.en
    assert KeySlotFile.load(keyslot_path(db)).slots["boss"].failures == 1
    for _ in range(3):
        with pytest.raises(WrongPassword):
            backups.restore(db, backup_file, "boss", "Not-The-Pass-1")
    with pytest.raises(AccountLocked):
        backups.restore(db, backup_file, "boss", "Not-The-Pass-1")
    with pytest.raises(AccountLocked):  # even the right password waits for the lock-out
        backups.restore(db, backup_file, "boss", ADMIN_PW)
    assert_untouched(db, before)


@pytest.mark.req("REQ-AC-02")
def test_restore_refuses_a_user_without_the_backup_permission(drill):
    db, backup_file, before = drill
    with pytest.raises(PermissionDenied) as caught:
        backups.restore(db, backup_file, "mona", USER_PW)
    assert "mona (monitor)" in caught.value.message.en
    assert_untouched(db, before)
