"""SQLCipher engine factory: one encrypted SQLite file, opened with a raw 32-byte key.

The key is the random database key unwrapped from a user's key slot (storage.keyslots); it is
given to SQLCipher in its raw form (`x'…'`) so that no second key derivation runs per
connection. Every connection gets WAL, foreign keys, a busy timeout and SQLCipher's own stderr
logging switched off. The pool is explicit (QueuePool), not the dialect's SingletonThreadPool.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

KEY_BYTES = 32
WRITE_OPTION = "tnt_write"  # execution option: this transaction will write
BUSY_TIMEOUT_MS = 5000


class WrongKeyError(Exception):
    """The file is not a database for this key (wrong key, not SQLCipher, or damaged)."""


def _key_pragma(key: bytes) -> str:
    if len(key) != KEY_BYTES:
        raise ValueError("database key must be 32 bytes")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect_raw(path: Path, key: bytes, *, timeout: float = BUSY_TIMEOUT_MS / 1000):
    """A keyed DB-API connection (for the engine, backups and integrity checks)."""
    connection = sqlcipher3.connect(str(path), timeout=timeout, check_same_thread=False)
    connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (see make_engine)
    try:
        connection.execute("PRAGMA cipher_log_level = NONE")
        connection.execute(_key_pragma(key))
        # Reading the schema is the first statement that needs the key: a wrong key fails here.
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        connection.close()
        raise WrongKeyError(str(exc)) from None
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    return connection


def create_owner_only(path: Path) -> None:
    """Create an empty file readable and writable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, stat.S_IRUSR | stat.S_IWUSR)
    os.close(fd)


def make_engine(path: Path, key: bytes) -> Engine:
    """An SQLAlchemy engine over the encrypted file; the key never appears in the URL."""
    path = Path(path)
    engine = create_engine(
        "sqlite://",
        module=sqlcipher3,  # so SQLAlchemy wraps sqlcipher3's exceptions (OperationalError…)
        creator=lambda: connect_raw(path, key),
        poolclass=QueuePool,
        pool_size=2,
        max_overflow=2,
        pool_pre_ping=False,
        hide_parameters=True,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # Writers take the write lock up front (no deadlock upgrading a read lock); readers use
        # a deferred BEGIN so that, under WAL, they read while another process writes.
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
