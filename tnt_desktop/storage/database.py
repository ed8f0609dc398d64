"""The encrypted database file: create, open, integrity check, transactions.

`Database` is the handle the services hold after a successful login. Sessions never leave this
layer's functions except through `Database.transaction()`, a context manager that commits on
success and rolls back on any exception (one service call = one transaction).
"""

from __future__ import annotations

import errno
import secrets
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlcipher3
from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tnt_desktop.errors import (
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseExists,
    DatabaseNotFound,
    DatabaseTooNew,
    FolderNotWritable,
    NotATntDatabase,
    StorageFull,
)
from tnt_desktop.storage import audit, schema
from tnt_desktop.storage.engine import (
    KEY_BYTES,
    WRITE_OPTION,
    WrongKeyError,
    connect_raw,
    create_owner_only,
)
from tnt_desktop.storage.engine import make_engine as _make_engine
from tnt_desktop.storage.models import Setting

SQLITE_MAGIC = b"SQLite format 3\x00"
DATABASE_ID_KEY = "database.id"
SITE_KEY = "site.id"
WORKSTATION_KEY = "site.workstation"  # 1..99: this workstation's number within the site


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def new_database_id() -> str:
    return uuid.uuid4().hex


def classify_unopenable(path: Path) -> Exception:
    """Why a file with a valid key slot does not open: foreign file, or damage."""
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(16)
        size = Path(path).stat().st_size
    except FileNotFoundError:
        return DatabaseNotFound(path)
    except OSError:
        return DatabaseDamaged(path)
    if head == SQLITE_MAGIC:
        return NotATntDatabase(path, "an unencrypted SQLite file")
    if size == 0 or size % 1024:
        return DatabaseDamaged(path)
    return DatabaseDamaged(path)


def os_error_to_tnt(exc: OSError, path: Path) -> Exception:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull(path)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return FolderNotWritable(path)
    return exc


class Database:
    """An open, keyed, migrated database."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = Path(path)
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        with self.transaction(write=False) as session:
            self.database_id = _setting(session, DATABASE_ID_KEY)
            self.site_id = _setting(session, SITE_KEY)
            self.workstation = int(_setting(session, WORKSTATION_KEY) or 1)
        if not self.database_id:
            raise DatabaseDamaged(self.path)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction; `write=False` for reads, which then never wait for a writer."""
        session = self._sessions()
        try:
            session.connection(execution_options={WRITE_OPTION: write})
            yield session
            audit.flush_pending(session)
            session.commit()
        except OperationalError as exc:
            session.rollback()
            if "locked" in str(exc.orig) or "busy" in str(exc.orig):
                raise DatabaseBusy() from None
            if "disk is full" in str(exc.orig) or "database or disk is full" in str(exc.orig):
                raise StorageFull(self.path) from None
            if _is_damage(exc):
                raise DatabaseDamaged(self.path) from None
            raise
        except SADatabaseError as exc:
            session.rollback()
            if _is_damage(exc):
                raise DatabaseDamaged(self.path) from None
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


_DAMAGE_WORDS = ("malformed", "not a database", "hmac", "corrupt", "disk i/o error")


def _is_damage(exc: Exception) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return any(word in text for word in _DAMAGE_WORDS)


def _setting(session: Session, key: str) -> str:
    row = session.get(Setting, key)
    return "" if row is None else row.value


def _open_engine(path: Path, key: bytes, *, new: bool = False) -> Engine:
    """Open and prove the key on one connection before handing out an engine."""
    try:
        if Path(path).stat().st_size == 0 and not new:
            raise DatabaseDamaged(path)  # opening would write a fresh header into it
    except FileNotFoundError:
        raise DatabaseNotFound(path) from None
    try:
        probe = connect_raw(path, key)
    except WrongKeyError:
        raise classify_unopenable(path) from None
    except sqlcipher3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseBusy() from None
        raise classify_unopenable(path) from None
    probe.close()
    return _make_engine(path, key)


def create_database(path: Path, key: bytes, *, database_id: str, site_id: str,
                    workstation: int = 1) -> Database:
    """Create a new encrypted, owner-only database with the current schema."""
    path = Path(path)
    if path.exists():
        raise DatabaseExists(path)
    try:
        create_owner_only(path)
    except OSError as exc:
        raise os_error_to_tnt(exc, path.parent) from None
    try:
        engine = _open_engine(path, key, new=True)
        schema.upgrade(engine)
        with Session(engine) as session, session.begin():
            session.add(Setting(key=DATABASE_ID_KEY, value=database_id))
            session.add(Setting(key=SITE_KEY, value=site_id))
            session.add(Setting(key=WORKSTATION_KEY, value=str(workstation)))
        return Database(path, engine)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise os_error_to_tnt(exc, path) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def open_database(path: Path, key: bytes, *, before_migration=None) -> Database:
    """Open an existing database; migrate it (after `before_migration()`, the backup hook)."""
    path = Path(path)
    if not path.exists():
        raise DatabaseNotFound(path)
    engine = _open_engine(path, key)
    try:
        try:
            upgrade = schema.needs_upgrade(engine)
        except schema.SchemaTooNew as exc:
            raise DatabaseTooNew(exc.revision) from None
        except SADatabaseError:
            raise classify_unopenable(path) from None
        if upgrade:
            if schema.current_revision(engine) is None:
                # every TNT database has a revision from its creation: an empty or truncated
                # file that SQLCipher opened as "new" must never be migrated into a fresh one
                raise DatabaseDamaged(path)
            if before_migration is not None:
                before_migration(engine)
            schema.upgrade(engine)
        return Database(path, engine)
    except BaseException:
        engine.dispose()
        raise


def integrity_problems(path: Path, key: bytes) -> list[str]:
    """SQLite's integrity check plus SQLCipher's page HMAC check; [] means intact."""
    try:
        connection = connect_raw(Path(path), key)
    except WrongKeyError:
        return ["the file does not open with this key (damaged or not this database)"]
    try:
        problems = [
            row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()
        ]
        problems = [p for p in problems if p != "ok"]
        problems += [row[0] for row in connection.execute("PRAGMA cipher_integrity_check")]
        return problems
    except (sqlcipher3.DatabaseError, sqlite3.DatabaseError) as exc:
        return [f"damaged: {exc}"]
    finally:
        connection.close()
