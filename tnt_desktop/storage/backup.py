"""Backup files: encrypted copies of a keyed database, written atomically, rotated.

A backup is the database copied page by page with SQLite's online backup API (sqlcipher3),
source and destination keyed with the same raw key: it is as encrypted as the live file and
opens with the same user passwords. The live database may be in use while it is copied (WAL:
the copy is one consistent snapshot and writers are not blocked).

Writing is atomic: the copy goes to a temporary file *in the target folder*, is checked
(SQLite integrity check + SQLCipher page HMACs), switched to a single-file journal mode,
fsynced and only then renamed (os.replace) to its final name — a crash, a full disk or a pulled
USB drive leaves either the complete backup or nothing (no half-written `.tntbak`).

Names: `tnt-<first 8 chars of the database id>-<UTC YYYYmmddTHHMMSSZ>.tntbak`; UTC stamps sort
chronologically as text, so "newest" is "last by name". The key slot file is copied beside it
as `<name>.keys`, so that a backup carried away on a USB drive is self-sufficient (restorable
with any password that opened the database when it was made). Two backups in the same second
share a name: the later one replaces the earlier (it contains everything the earlier did).

Only this module touches backup files; services/backups.py adds permissions, audit entries,
settings and the restore procedure.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlcipher3
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tnt_desktop.errors import DatabaseDamaged, FolderNotWritable, NotATntDatabase, StorageFull
from tnt_desktop.storage import audit
from tnt_desktop.storage.database import DATABASE_ID_KEY, integrity_problems, os_error_to_tnt
from tnt_desktop.storage.engine import WrongKeyError, connect_raw, make_engine
from tnt_desktop.storage.keyslots import keyslot_path
from tnt_desktop.storage.models import Setting, User

SUFFIX = ".tntbak"
PREFIX = "tnt-"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
ID_CHARS = 8
TEMP_PREFIX = ".tnt-backup-"
NAME_RE = re.compile(r"^tnt-(?P<id>[0-9A-Za-z]{1,8})-(?P<stamp>\d{8}T\d{6}Z)\.tntbak$")
_SIDE_FILES = ("-wal", "-shm", "-journal")


# ---- names ------------------------------------------------------------------------------------
def utc_stamp(when: datetime | None = None) -> str:
    """`YYYYmmddTHHMMSSZ` of `when` (aware datetimes are converted to UTC; naive = UTC)."""
    when = datetime.now(UTC) if when is None else when
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime(STAMP_FORMAT)


def backup_name(database_id: str, when: datetime | None = None) -> str:
    return f"{PREFIX}{database_id[:ID_CHARS]}-{utc_stamp(when)}{SUFFIX}"


def backup_keys_path(backup_file: Path) -> Path:
    """The copy of the key slot file that travels with a backup: `<name>.keys`."""
    return keyslot_path(Path(backup_file))


def name_database_prefix(backup_file: Path) -> str | None:
    """The database-id prefix in a backup's file name, None when the name is not ours."""
    match = NAME_RE.match(Path(backup_file).name)
    return match.group("id") if match else None


def list_backups(folder: Path, database_id: str) -> list[Path]:
    """This database's backups in `folder`, oldest first (newest last)."""
    folder = Path(folder)
    prefix = database_id[:ID_CHARS]
    try:
        entries = list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise _folder_error(exc, folder) from None
    found = []
    for path in entries:
        match = NAME_RE.match(path.name)
        if match and match.group("id") == prefix and path.is_file():
            found.append(path)
    return sorted(found, key=lambda p: p.name)


def rotate(folder: Path, database_id: str, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups of this database (and their `.keys`).

    Best effort: a file that cannot be deleted is left and skipped (the next rotation retries).
    Returns the backups removed. Other databases' backups and other files are never touched.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    removed = []
    for path in list_backups(folder, database_id)[:-keep]:
        try:
            path.unlink()
        except OSError:
            continue
        with contextlib.suppress(OSError):
            backup_keys_path(path).unlink(missing_ok=True)
        removed.append(path)
    return removed


# ---- writing ----------------------------------------------------------------------------------
def _folder_error(exc: OSError, folder: Path) -> Exception:
    """A full disk → StorageFull; anything else about the folder → FolderNotWritable."""
    mapped = os_error_to_tnt(exc, folder)
    return mapped if mapped is not exc else FolderNotWritable(folder)


def _sqlite_error(exc: Exception, folder: Path, db_path: Path) -> Exception:
    text = str(exc).lower()
    code = getattr(exc, "sqlite_errorcode", None)
    if code == 13 or "full" in text:  # SQLITE_FULL
        return StorageFull(folder)
    if code in (8, 14) or "readonly" in text or "unable to open" in text:
        return FolderNotWritable(folder)  # SQLITE_READONLY, SQLITE_CANTOPEN
    if "malformed" in text or "not a database" in text or code in (11, 26):
        return DatabaseDamaged(db_path)  # SQLITE_CORRUPT, SQLITE_NOTADB: the live file
    return exc


def remove_temp(path: Path) -> None:
    for name in (str(path), *(str(path) + side for side in _SIDE_FILES)):
        with contextlib.suppress(OSError):
            Path(name).unlink(missing_ok=True)


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); not possible (nor needed) on Windows."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


STALE_SECONDS = 3600  # a temporary file this old belongs to a run that was killed


def remove_stale_temps(folder: Path, now: float | None = None) -> list[Path]:
    """Remove what killed runs left in `folder`: our temporary files (`.tnt-backup-…tntbak.tmp`,
    `….keys.tmp`, `….restore.tmp` and their -wal/-shm/-journal) older than STALE_SECONDS —
    younger ones may belong to a backup running right now in another window. Best effort."""
    import time

    cutoff = (time.time() if now is None else now) - STALE_SECONDS
    removed = []
    with contextlib.suppress(OSError):
        for path in Path(folder).glob(f"{TEMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed.append(path)
    return removed


def make_temp(folder: Path, suffix: str = ".tmp") -> Path:
    """An empty owner-only temporary file in `folder` (created if needed); mapped errors."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix, dir=folder)
        os.close(fd)
    except OSError as exc:
        raise _folder_error(exc, folder) from None
    return Path(name)


def copy_database(db_path: Path, key: bytes, target: Path) -> None:
    """Online backup of the keyed database into `target` (keyed with the same raw key)."""
    source = connect_raw(Path(db_path), key)
    try:
        destination = connect_raw(Path(target), key)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()


def _seal(target: Path, key: bytes) -> None:
    """Leave the copy as one self-contained file (rollback journal, no -wal/-shm)."""
    connection = connect_raw(target, key)
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
    finally:
        connection.close()


def copy_file_durably(source: Path, target: Path) -> None:
    """Copy bytes into an existing (temporary) file and fsync it."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1024 * 1024)
        dst.flush()
        os.fsync(dst.fileno())


def create_backup(
    db_path: Path,
    key: bytes,
    folder: Path,
    name: str,
    *,
    before_copy: Callable[[], None] | None = None,
) -> Path:
    """Write `folder/name` (and `folder/name.keys`) atomically; returns the backup's path.

    `before_copy()` runs once the temporary files exist in the folder (so a read-only folder or
    a missing drive fails before it) and before the copy starts: the services write the audit
    entry there, so that the backup contains it. Raises FolderNotWritable, StorageFull or
    DatabaseDamaged (the live file failed to copy, or the copy failed its check); on any failure
    nothing is left in the folder.
    """
    db_path, folder = Path(db_path), Path(folder)
    final = folder / name
    final_keys = backup_keys_path(final)
    remove_stale_temps(folder)
    remove_stale_temps(db_path.parent)  # a killed restore's copy beside the database
    temp = make_temp(folder, SUFFIX + ".tmp")
    temp_keys: Path | None = None
    keys_placed = False
    try:
        temp_keys = make_temp(folder, ".keys.tmp")
        if before_copy is not None:
            before_copy()
        try:
            copy_database(db_path, key, temp)
        except WrongKeyError:
            raise DatabaseDamaged(db_path) from None
        problems = integrity_problems(temp, key)
        if problems:
            raise DatabaseDamaged(db_path)
        _seal(temp, key)
        fsync_file(temp)
        try:
            copy_file_durably(keyslot_path(db_path), temp_keys)
        except FileNotFoundError:
            raise NotATntDatabase(db_path, "its key file is missing") from None
        os.replace(temp_keys, final_keys)
        keys_placed = True
        os.replace(temp, final)
        fsync_folder(folder)
        return final
    except OSError as exc:
        _cleanup(temp, temp_keys, final_keys if keys_placed else None)
        raise _folder_error(exc, folder) from None
    except (sqlcipher3.Error, sqlite3.Error) as exc:
        _cleanup(temp, temp_keys, final_keys if keys_placed else None)
        mapped = _sqlite_error(exc, folder, db_path)
        if mapped is exc:
            raise
        raise mapped from None
    except BaseException:
        _cleanup(temp, temp_keys, final_keys if keys_placed else None)
        raise


def _cleanup(temp: Path, temp_keys: Path | None, placed_keys: Path | None) -> None:
    remove_temp(temp)
    if temp_keys is not None:
        remove_temp(temp_keys)
    if placed_keys is not None:
        with contextlib.suppress(OSError):
            placed_keys.unlink(missing_ok=True)


# ---- checking ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class BackupUser:
    username: str
    role: str
    active: bool


@dataclass(frozen=True)
class BackupReport:
    """What a backup file holds, and whether it can be trusted.

    `opens` False: the file does not open with this key (damaged, or another database's).
    `problems`: SQLite/SQLCipher integrity problems ([] = intact). `chain`: the audit chain
    (None when the file could not be read far enough to walk it).
    """

    file: Path
    opens: bool
    database_id: str | None
    problems: list[str] = field(default_factory=list)
    chain: audit.ChainReport | None = None
    users: dict[str, BackupUser] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.opens and not self.problems and self.chain is not None and self.chain.ok


def inspect_in_place(path: Path, key: bytes, *, report_as: Path | None = None) -> BackupReport:
    """Check a database file that may be modified (journal mode) — a private copy."""
    path = Path(path)
    shown = Path(report_as) if report_as is not None else path
    try:
        connect_raw(path, key).close()
    except WrongKeyError:
        return BackupReport(shown, False, None, ["the file does not open with this key"])
    except sqlcipher3.Error as exc:
        return BackupReport(shown, False, None, [f"unreadable: {exc}"])
    problems = integrity_problems(path, key)
    database_id: str | None = None
    chain: audit.ChainReport | None = None
    users: dict[str, BackupUser] = {}
    engine = make_engine(path, key)
    try:
        with Session(engine) as session:
            row = session.get(Setting, DATABASE_ID_KEY)
            database_id = None if row is None else row.value
            users = {
                u.username: BackupUser(u.username, u.role, bool(u.active))
                for u in session.scalars(select(User))
            }
            chain = audit.verify_chain(session)
    except (SQLAlchemyError, sqlcipher3.Error, ValueError) as exc:
        problems = [*problems, f"unreadable: {exc}"]
    finally:
        engine.dispose()
    return BackupReport(shown, True, database_id, problems, chain, users)


def inspect_backup(file: Path, key: bytes) -> BackupReport:
    """Database id, integrity problems and audit chain of a backup file, left untouched.

    The check runs on a private temporary copy: opening a file with SQLite may change it (WAL
    mode, side files), and a backup on read-only media must be checkable too.
    """
    file = Path(file)
    with tempfile.TemporaryDirectory(prefix="tnt-inspect-") as scratch:
        copy = Path(scratch) / "backup.db"
        try:
            shutil.copyfile(file, copy)
        except FileNotFoundError:
            return BackupReport(file, False, None, ["the backup file does not exist"])
        except IsADirectoryError:
            return BackupReport(file, False, None, ["not a file"])
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFull(scratch) from None
            return BackupReport(file, False, None, [f"unreadable: {exc.strerror}"])
        return inspect_in_place(copy, key, report_as=file)
