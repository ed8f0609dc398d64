"""Backups and restore: the use cases (permissions, audit entries, settings).

Backups (storage/backup.py does the file mechanics):
- `backup_now(app)` — `admin backup` and the menu command; needs Permission.BACKUP.
- `maybe_daily_backup(app)` — call it after login and from a timer while the app is in use
  (every few minutes is fine): it writes at most one backup per local calendar day.
- `backup_at_logout(app)` — call it before `auth.logout` (at logout and at exit). It never
  raises a TntError: logging out must always work. On failure it returns None and hands the
  error to `on_error` (the GUI shows `error.message` as a warning); the failure is also logged.
Automatic backups (daily, logout) run for every role — they protect the data, they do not
disclose it — and are audited as SYSTEM; a manual backup is audited as the user.

The BACKUP_CREATED entry is written *before* the copy, so the backup contains its own entry.
If the copy then fails (full disk…) a BACKUP_FAILED entry follows; a folder that cannot be
written at all (read-only, drive missing) fails before anything is audited. Every successful
backup records its time in the setting "backup.last_utc" (bookkeeping, not audited) and rotates
the folder: only the newest `keep` backups of this database are kept.

Settings: "backup.folder" (default `<database folder>/backups`) and "backup.keep" (default 14),
changed by Permission.CHANGE_SETTINGS with SETTING_CHANGED old → new.

Restore (`restore(db_path, backup_file, username, password)`, `admin restore`) needs no open
database — it is how a damaged one is replaced — so it authenticates itself like a login
(key slot + password, with the same failure counting and lock-out). Run it with the app closed.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from tnt_desktop.errors import (
    AccountInactive,
    AccountLocked,
    BackupMismatch,
    DatabaseTooNew,
    IntegrityFailure,
    NotATntDatabase,
    NotFound,
    PermissionDenied,
    TntError,
    UnknownUser,
    WrongPassword,
)
from tnt_desktop.services.permissions import ACTION_TEXT, Permission, allowed
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.settings import read_setting, write_setting
from tnt_desktop.storage import backup as files
from tnt_desktop.storage import schema
from tnt_desktop.storage.audit import verify_chain
from tnt_desktop.storage.database import open_database, os_error_to_tnt
from tnt_desktop.storage.engine import make_engine
from tnt_desktop.storage.keyslots import (
    MAX_FAILURES_BEFORE_LOCK,
    BadPassword,
    KeySlotError,
    KeySlotFile,
    keyslot_path,
)
from tnt_desktop.storage.models import Setting, User
from tnt_desktop.study.model import Text

log = logging.getLogger(__name__)

FOLDER_KEY = "backup.folder"
KEEP_KEY = "backup.keep"
LAST_KEY = "backup.last_utc"
DEFAULT_FOLDER_NAME = "backups"
DEFAULT_KEEP = 14
MAX_KEEP = 1000
LAST_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


# ---- settings ---------------------------------------------------------------------------------
def default_folder(db_path: Path) -> Path:
    return Path(db_path).resolve().parent / DEFAULT_FOLDER_NAME


def _read_settings(app: AppSession) -> tuple[Path, int]:
    with app.transaction() as session:
        folder = read_setting(session, FOLDER_KEY)
        keep = read_setting(session, KEEP_KEY)
    try:
        keep_n = max(1, int(keep)) if keep else DEFAULT_KEEP
    except ValueError:
        keep_n = DEFAULT_KEEP
    return (Path(folder) if folder else default_folder(app.db.path)), keep_n


def backup_settings(app: AppSession) -> tuple[Path, int]:
    """(folder, keep) — readable by every user (the automatic backups need them)."""
    return _read_settings(app)


def _probe_folder(folder: Path) -> None:
    """Refuse a folder that cannot be written now (creates it if needed)."""
    files.make_temp(folder, ".probe").unlink()


def set_backup_settings(app: AppSession, folder: Path | str | None = None,
                        keep: int | None = None) -> None:  # fmt: skip
    """Change the backup folder and/or how many backups to keep (audited, old → new)."""
    app.require(Permission.CHANGE_SETTINGS)
    new_folder: str | None = None
    if folder is not None:
        if not str(folder).strip():
            raise TntError(Text("the backup folder must not be empty", "备份文件夹不能为空"))
        path = Path(folder).expanduser().absolute()
        _probe_folder(path)
        new_folder = str(path)
    if keep is not None:
        if isinstance(keep, bool) or not isinstance(keep, int) or not 1 <= keep <= MAX_KEEP:
            raise TntError(
                Text(f"the number of backups to keep must be between 1 and {MAX_KEEP}",
                     f"保留的备份数须为 1–{MAX_KEEP}")
            )  # fmt: skip
    with app.transaction() as session:
        if new_folder is not None:
            write_setting(app, session, FOLDER_KEY, new_folder)
        if keep is not None:
            write_setting(app, session, KEEP_KEY, str(keep))


def last_backup_utc(app: AppSession) -> datetime | None:
    with app.transaction() as session:
        value = read_setting(session, LAST_KEY)
    if not value:
        return None
    try:
        return datetime.strptime(value, LAST_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


# ---- backups ----------------------------------------------------------------------------------
def _aware(when: datetime | None) -> datetime:
    if when is None:
        return datetime.now(UTC)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _backup(app: AppSession, folder: Path | None, reason: str, now: datetime | None,
            *, system: bool) -> Path:  # fmt: skip
    configured, keep = _read_settings(app)
    target = Path(folder) if folder is not None else configured
    when = _aware(now)
    name = files.backup_name(app.db.database_id, when)
    audited = False

    def write_audit_entry() -> None:
        nonlocal audited
        with app.transaction() as session:
            app.audit(session, "BACKUP_CREATED", system=system,
                      detail=f"{name}; {reason}; folder {target}")  # fmt: skip
        audited = True

    try:
        path = files.create_backup(app.db.path, app.key, target, name,
                                   before_copy=write_audit_entry)  # fmt: skip
    except TntError as exc:
        if audited:
            with contextlib.suppress(Exception):  # the disk may be full: the original error wins
                with app.transaction() as session:
                    app.audit(session, "BACKUP_FAILED", system=system,
                              detail=f"{name}; {exc.message.en}"[:500])  # fmt: skip
        raise
    with app.transaction() as session:
        row = session.get(Setting, LAST_KEY)
        stamp = when.astimezone(UTC).strftime(LAST_FORMAT)
        if row is None:
            session.add(Setting(key=LAST_KEY, value=stamp))
        else:
            row.value = stamp
    removed = files.rotate(target, app.db.database_id, keep)
    if removed:
        log.info("backup rotation removed %s", ", ".join(p.name for p in removed))
    return path


def backup_now(app: AppSession, folder: Path | None = None, reason: str = "manual",
               *, now: datetime | None = None) -> Path:  # fmt: skip
    """Write an encrypted backup now (into `folder`, else the configured folder)."""
    app.require(Permission.BACKUP)
    return _backup(app, folder, reason, now, system=False)


def _local_day(when: datetime):
    return when.astimezone().date()


def maybe_daily_backup(app: AppSession, now: datetime | None = None) -> Path | None:
    """The once-a-day backup: writes one unless a backup was already made today (local
    calendar day); returns its path, or None when none was due. Raises like backup_now."""
    when = _aware(now)
    last = last_backup_utc(app)
    if last is not None and _local_day(last) == _local_day(when):
        return None
    return _backup(app, None, "daily", when, system=True)


def backup_at_logout(
    app: AppSession, *, on_error: Callable[[TntError], None] | None = None
) -> Path | None:
    """The backup at logout/exit; call it before auth.logout. Never raises a TntError (full
    disk, read-only folder, missing drive…): returns None and passes the error to `on_error`."""
    try:
        return _backup(app, None, "logout", None, system=True)
    except TntError as exc:
        log.warning("backup at logout failed: %s", exc.message.en)
        if on_error is not None:
            on_error(exc)
        return None


# ---- restore ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RestoreReport:
    db_path: Path
    backup_file: Path
    replaced: Path | None  # the previous database file, kept (None when there was none)
    database_id: str
    audit_entries: int  # after the DATABASE_RESTORED entry
    keys_from_backup: bool  # the live key file was missing/damaged: the backup's copy was used

    def message(self) -> Text:
        kept = str(self.replaced) if self.replaced else "-"
        return Text(
            f"restored {self.backup_file.name} into {self.db_path}; audit trail verified "
            f"({self.audit_entries} entries); the replaced file was kept as {kept}",
            f"已将 {self.backup_file.name} 恢复到 {self.db_path}；稽查轨迹校验通过"
            f"（{self.audit_entries} 条记录）；被替换的文件保存为 {kept}",
        )


def _try_load(path: Path) -> KeySlotFile | None:
    try:
        return KeySlotFile.load(path)
    except KeySlotError:
        return None


def _unwrap(slots: KeySlotFile, slots_path: Path, live: bool, username: str,
            password: str) -> bytes:  # fmt: skip
    """auth.login's password check and throttling, on the chosen key slot file."""

    def save() -> None:
        try:
            slots.save(slots_path)
        except OSError as exc:
            if live:  # the backup's copy may sit on read-only media: counting is best effort
                raise os_error_to_tnt(exc, slots_path) from None

    if username not in slots.slots:
        raise UnknownUser(username)
    locked = slots.seconds_locked(username)
    if locked:
        raise AccountLocked(username, locked)
    try:
        return slots.unwrap(username, password)
    except BadPassword:
        started = slots.record_failure(username)
        save()
        if started:
            raise AccountLocked(username, started) from None
        remaining = MAX_FAILURES_BEFORE_LOCK - slots.slots[username].failures
        raise WrongPassword(username, remaining) from None
    except KeySlotError:
        raise NotATntDatabase(slots_path, "its key file is damaged") from None


def _damaged_backup(backup_file: Path, why: str) -> IntegrityFailure:
    return IntegrityFailure(
        Text(f"the backup {backup_file} cannot be trusted ({why}); nothing was restored",
             f"备份 {backup_file} 不可信（{why}），未执行恢复")
    )  # fmt: skip


def _judge(report: files.BackupReport, database_id: str, backup_file: Path,
           username: str) -> files.BackupUser:  # fmt: skip
    """Refuse a foreign, damaged or broken backup and a user who may not restore it."""
    if not report.opens:
        raise _damaged_backup(backup_file, "it is damaged or is not a backup of this database")
    if report.database_id is not None and report.database_id != database_id:
        raise BackupMismatch(backup_file)
    if report.problems:
        raise _damaged_backup(backup_file, f"integrity check: {report.problems[0]}")
    chain = report.chain
    if chain is None or report.database_id is None:
        raise _damaged_backup(backup_file, "unreadable")
    if not chain.ok:
        raise IntegrityFailure(
            Text(f"the audit trail in the backup {backup_file} is broken at entry "
                 f"{chain.first_bad_id} ({chain.problem}); nothing was restored",
                 f"备份 {backup_file} 中的稽查轨迹在第 {chain.first_bad_id} 条记录处断裂"
                 f"（{chain.problem}），未执行恢复")
        )  # fmt: skip
    user = report.users.get(username)
    if user is None:
        raise UnknownUser(username)
    if not user.active:
        raise AccountInactive(username)
    if not allowed(user.role, Permission.BACKUP):
        raise PermissionDenied(username, user.role, ACTION_TEXT[Permission.BACKUP])
    return user


def _signing_keys(session, slots: KeySlotFile, username: str, password: str):
    """The restoring user's signing key, if the restored database certifies it (so the
    DATABASE_RESTORED entry is signed like any other); None otherwise."""
    from tnt_desktop.services import trust
    from tnt_desktop.storage.signing import public_hex

    with contextlib.suppress(BadPassword, KeySlotError, KeyError):
        opened = slots.open_slot(username, password)
        row = trust.current_key(session, username)
        if row is not None and opened.signing_key is not None and (
                public_hex(opened.signing_key) == row.public_key):  # fmt: skip
            return trust.SessionKeys(opened.signing_key, row.id, opened.site_key,
                                     opened.site_pgp, opened.box_key)  # fmt: skip
    return None


def _rekey_file(path: Path, old: bytes, new: bytes) -> None:
    from tnt_desktop.storage.engine import connect_raw

    connection = connect_raw(path, old)
    try:
        connection.execute(f"PRAGMA rekey = \"x'{new.hex()}'\"").fetchall()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        connection.close()


def _refuse_too_new(path: Path, key: bytes) -> None:
    engine = make_engine(path, key)
    try:
        schema.needs_upgrade(engine)
    except schema.SchemaTooNew as exc:
        raise DatabaseTooNew(exc.revision) from None
    finally:
        engine.dispose()


_SIDES = ("", "-wal", "-shm", "-journal")


def _move_aside(db_path: Path) -> tuple[Path | None, list[tuple[Path, Path]]]:
    """Rename the live file and its side files to `<db>.replaced-<UTC stamp>[-n]…`."""
    stamp = files.utc_stamp()
    base, n = Path(f"{db_path}.replaced-{stamp}"), 2
    while any(Path(str(base) + side).exists() for side in (*_SIDES, ".keys")):
        base, n = Path(f"{db_path}.replaced-{stamp}-{n}"), n + 1
    moved: list[tuple[Path, Path]] = []
    try:
        for side in _SIDES:
            source = Path(str(db_path) + side)
            if source.exists():
                target = Path(str(base) + side)
                os.replace(source, target)
                moved.append((source, target))
    except OSError as exc:
        _move_back(moved)
        raise os_error_to_tnt(exc, db_path) from None
    live_keys = keyslot_path(db_path)
    if moved and live_keys.exists():  # the kept file stays openable on its own
        with contextlib.suppress(OSError):
            kept_keys = files.make_temp(db_path.parent, ".keys.tmp")
            try:
                files.copy_file_durably(live_keys, kept_keys)
                os.replace(kept_keys, keyslot_path(base))
            finally:
                kept_keys.unlink(missing_ok=True)
    main_moved = any(source == db_path for source, _ in moved)
    return (base if main_moved else None), moved


def _move_back(moved: list[tuple[Path, Path]]) -> None:
    for source, target in reversed(moved):
        with contextlib.suppress(OSError):
            os.replace(target, source)


def restore(db_path: Path, backup_file: Path, username: str, password: str) -> RestoreReport:
    """Replace the database with a verified backup; the replaced file is kept, never deleted.

    Works when the live file is damaged or missing. Order: authenticate with the live key file
    (or the backup's `.keys` copy if the live one is missing/damaged) → refuse a backup of
    another database (BackupMismatch) → copy the backup into a temporary file beside the
    database and check that copy (integrity, audit chain, schema not newer than this release,
    user active with Permission.BACKUP in the backup's own user table) → move the live file and
    its -wal/-shm aside → rename the checked copy into place → audit DATABASE_RESTORED.
    """
    db_path, backup_file = Path(db_path).absolute(), Path(backup_file).absolute()
    if not backup_file.is_file():
        raise NotFound(Text(f"no backup file {backup_file}", f"未找到备份文件 {backup_file}"))
    live_keys = keyslot_path(db_path)
    backup_slots = _try_load(files.backup_keys_path(backup_file))
    slots = _try_load(live_keys)
    keys_from_backup = slots is None
    if slots is None:
        if backup_slots is None:
            raise NotATntDatabase(
                backup_file, "neither the database nor the backup has a readable key file"
            )
        slots = backup_slots
    prefix = files.name_database_prefix(backup_file)
    if (backup_slots is not None and backup_slots.database_id != slots.database_id) or (
        prefix is not None and prefix != slots.database_id[: files.ID_CHARS]
    ):
        raise BackupMismatch(backup_file)
    slots_path = live_keys if not keys_from_backup else files.backup_keys_path(backup_file)
    key = _unwrap(slots, slots_path, not keys_from_backup, username, password)

    temp = files.make_temp(db_path.parent, ".restore.tmp")
    replaced: Path | None = None
    try:
        try:
            files.copy_file_durably(backup_file, temp)
        except OSError as exc:
            raise os_error_to_tnt(exc, db_path.parent) from None
        report = files.inspect_in_place(temp, key, report_as=backup_file)
        backup_key = key
        if not report.opens and backup_slots is not None and not keys_from_backup:
            # made before a re-key (deactivation, reset): it opens with its own key file
            with contextlib.suppress(BadPassword, KeySlotError, KeyError):
                backup_key = backup_slots.unwrap(username, password)
                report = files.inspect_in_place(temp, backup_key, report_as=backup_file)
        user = _judge(report, slots.database_id, backup_file, username)
        _refuse_too_new(temp, backup_key)
        if backup_key != key:  # the live key file must open the restored database
            _rekey_file(temp, backup_key, key)
        files.fsync_file(temp)
        replaced, moved = _move_aside(db_path)
        try:
            os.replace(temp, db_path)
        except OSError as exc:
            _move_back(moved)
            raise os_error_to_tnt(exc, db_path) from None
        files.fsync_folder(db_path.parent)
    except BaseException:
        files.remove_temp(temp)
        raise
    files.remove_temp(temp)  # side files only: the file itself is now the database

    slots.record_success(username)
    try:
        slots.save(live_keys)  # also recreates a missing live key file from the backup's copy
    except OSError as exc:
        raise os_error_to_tnt(exc, live_keys) from None

    db = open_database(db_path, key)
    try:
        with db.transaction() as session:
            account = session.scalar(select(User).where(User.username == username))
            display = account.display_name if account is not None else username
            app = AppSession(db, key, username, user.role, display,
                             keys=_signing_keys(session, slots, username, password))
            kept = replaced.name if replaced else "none (no database file)"
            app.audit(session, "DATABASE_RESTORED",
                      detail=f"backup {backup_file.name}; replaced {kept}")  # fmt: skip
        with db.transaction() as session:
            chain = verify_chain(session)
    finally:
        db.close()
    return RestoreReport(db_path, backup_file, replaced, slots.database_id, chain.entries,
                         keys_from_backup)  # fmt: skip


def backup_before_migration(db_path: Path, key: bytes, database_id: str):
    """The hook `open_database` runs before it migrates an older schema: an encrypted copy of
    the database as it was, in the configured backup folder (issue 3: migrate after a backup)."""

    def hook(engine) -> None:
        folder = default_folder(db_path)
        with engine.connect() as connection:
            row = connection.exec_driver_sql(
                "SELECT value FROM setting WHERE key = ?", (FOLDER_KEY,)).first()  # fmt: skip
        if row is not None and row[0]:
            folder = Path(row[0])
        path = files.create_backup(db_path, key, folder, files.backup_name(database_id))
        log.info("backup before schema migration written")
        return path

    return hook
