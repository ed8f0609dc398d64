"""The sponsor's store on PostgreSQL: connecting, creating (Alembic), one transaction at a time.

    store = open_store("postgresql://dm@dbhost/tnt_sts")   # or postgresql+psycopg://…
    init_store(url)                                         # `tnt-desktop sponsor init`

`StoreDatabase` offers the part of storage.database.Database the services and the exports use
(`transaction()`, `site_id`, `workstation`, `path`, `database_id`), so a reader session over the
consolidated tables runs the workstation's export modules unchanged (sponsor.reader).
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError
from sqlalchemy.exc import DBAPIError as SADBAPIError
from sqlalchemy.orm import Session, sessionmaker

from tnt_desktop.errors import DatabaseError, TntError, UsageError
from tnt_desktop.study.model import Text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "store_alembic_version"
APPLY_LOCK = 0x544E54  # pg_advisory_xact_lock key: one importer applies at a time ("TNT")


class StoreUnavailable(DatabaseError):
    def __init__(self, why: str) -> None:
        super().__init__(Text(f"cannot reach the sponsor store: {why}",
                              f"无法连接申办方数据库：{why}"))  # fmt: skip


class StoreNotInitialised(DatabaseError):
    def __init__(self) -> None:
        super().__init__(Text("this PostgreSQL database is not a TNT sponsor store yet; run "
                              "`tnt-desktop sponsor init --pg URL` first",
                              "该 PostgreSQL 数据库尚未初始化为 TNT 申办方数据库；"
                              "请先运行 `tnt-desktop sponsor init --pg URL`"))  # fmt: skip


class StoreTooNew(DatabaseError):
    def __init__(self, revision: str) -> None:
        super().__init__(Text(f"the sponsor store was made by a newer release ({revision}); "
                              "update TNT Desktop",
                              f"申办方数据库由更新的版本创建（{revision}）；请升级 TNT Desktop"))


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def who() -> str:
    """The person acting in the store: the operating-system account running the command."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "unknown"


def normalise_url(url: str) -> str:
    """postgresql://… and postgres://… use psycopg 3; other schemes are refused."""
    url = str(url).strip()
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    raise UsageError(Text("--pg takes a PostgreSQL URL: postgresql://USER@HOST/DATABASE",
                          "--pg 需要 PostgreSQL 地址：postgresql://用户@主机/数据库"))  # fmt: skip


def _masked(url: str) -> str:
    """The URL without its password, for messages."""
    head, sep, tail = url.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, credentials = head.partition("//")
    return f"{scheme}//{credentials.split(':', 1)[0]}:***@{tail}"


def make_engine(url: str) -> Engine:
    try:
        return create_engine(normalise_url(url), pool_pre_ping=True, future=True)
    except ArgumentError:
        raise UsageError(Text(f"not a database URL: {_masked(url)}",
                              f"不是有效的数据库地址：{_masked(url)}")) from None  # fmt: skip


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _connect_error(exc: Exception, url: str) -> StoreUnavailable:
    first = (str(getattr(exc, "orig", exc)).strip().splitlines() or ["?"])[0]
    return StoreUnavailable(f"{_masked(url)} ({first})")


def init_store(url: str) -> str:
    """Create or upgrade the store's schema (Alembic); returns the revision it is at."""
    engine = make_engine(url)
    try:
        config = _config()
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
        return ScriptDirectory.from_config(config).get_current_head() or ""
    except OperationalError as exc:
        raise _connect_error(exc, url) from None
    finally:
        engine.dispose()


class StoreDatabase:
    """An open sponsor store (Database-like for the services' readers)."""

    database_id = "sponsor-store"
    site_id = "ALL"  # the store consolidates every site
    workstation = 0

    def __init__(self, url: str) -> None:
        import hashlib

        self.url = url
        # services key their re-entrant transactions by a database's path: one per store
        self.path = Path(f"/sponsor-store-{hashlib.sha256(url.encode()).hexdigest()[:16]}")
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        try:
            with self.engine.connect() as connection:
                current = MigrationContext.configure(
                    connection, opts={"version_table": VERSION_TABLE}).get_current_revision()
        except OperationalError as exc:
            self.engine.dispose()
            raise _connect_error(exc, url) from None
        script = ScriptDirectory.from_config(_config())
        if current is None:
            self.engine.dispose()
            raise StoreNotInitialised()
        if current not in {rev.revision for rev in script.walk_revisions()}:
            self.engine.dispose()
            raise StoreTooNew(current)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            if write:
                from tnt_desktop.storage import audit

                audit.flush_pending(session)
                session.commit()
            else:
                session.rollback()
        except OperationalError as exc:
            session.rollback()
            raise _connect_error(exc, self.url) from None
        except (ProgrammingError, SADBAPIError) as exc:
            session.rollback()
            if isinstance(exc, ProgrammingError) and "does not exist" in str(exc.orig):
                raise StoreNotInitialised() from None
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def lock_for_apply(self, session: Session) -> None:
        """Serialise appliers (two importers at once: the second waits, nothing interleaves)."""
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPLY_LOCK})

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str) -> StoreDatabase:
    return StoreDatabase(url)


__all__ = ["StoreDatabase", "StoreNotInitialised", "StoreUnavailable", "TntError", "init_store",
           "open_store", "utc_now", "who"]  # fmt: skip
