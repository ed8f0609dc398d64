"""The authenticated user context every service function takes."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tnt_desktop.errors import PasswordChangeRequired, SessionLocked
from tnt_desktop.services.permissions import Permission, require
from tnt_desktop.storage import audit
from tnt_desktop.storage.database import Database
from tnt_desktop.study.definition import Study, get_study
from tnt_desktop.study.parameters import StudyParameters

SYSTEM_USER = "SYSTEM"
_LOCAL = threading.local()  # per thread: database file → (its open Session, write?)
DEFAULT_IDLE_MINUTES = 15


@dataclass(eq=False)
class AppSession:
    """One logged-in user on one open database. The key stays in memory only (repr=False)."""

    db: Database
    key: bytes = field(repr=False)
    username: str
    role: str
    display_name: str
    must_change_password: bool = False
    idle_minutes: int = DEFAULT_IDLE_MINUTES
    locked: bool = False
    study: Study = field(default_factory=get_study, repr=False)
    last_activity: float = field(default_factory=time.monotonic)
    # issue 14: the private keys this login unwrapped (services.trust.SessionKeys); memory only
    keys: Any = field(default=None, repr=False)

    @property
    def params(self) -> StudyParameters:
        return self.study.parameters

    @property
    def metadata_version(self) -> str:
        return self.study.parameters.metadata_version

    def require(self, permission: Permission) -> None:
        if self.locked:
            raise SessionLocked(self.username)
        if self.must_change_password:
            raise PasswordChangeRequired(self.username)
        require(self.username, self.role, permission)
        self.touch()

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def idle_seconds_left(self, now: float | None = None) -> float:
        elapsed = (time.monotonic() if now is None else now) - self.last_activity
        return max(0.0, self.idle_minutes * 60 - elapsed)

    def is_idle(self, now: float | None = None) -> bool:
        return self.idle_seconds_left(now) <= 0

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction on this database; re-entrant. The outermost call opens it and
        commits once at its end; a call made inside it (a service calling another, in this
        thread, by any user session on the same database) joins it. An exception that leaves
        the outermost call rolls everything back. A joined write runs in a SAVEPOINT: if its
        exception is caught inside the outer call, exactly the joined call's writes — its
        values and its audit entries — are undone, never part of them. A write cannot join a
        read transaction (a programming error)."""
        opened = _open_transactions()
        where = _where(self.db)
        current = opened.get(where)
        if current is not None:
            session, outer_write = current
            if write and not outer_write:
                raise RuntimeError("a write transaction cannot join a read transaction")
            if not write:
                yield session
                return
            with _savepoint(session):
                yield session
            return
        with self.db.transaction(write=write) as session:
            opened[where] = (session, write)
            try:
                yield session
            finally:
                opened.pop(where, None)

    def audit(self, session: Session, action: str, *, system: bool = False, **fields: Any):
        """Append an audit entry as this user (or as SYSTEM for derivations). The transaction's
        new chain head is signed with this user's key (SYSTEM entries included: the user whose
        action caused them signs them)."""
        if self.keys is not None and self.keys.signing_key is not None:
            audit.set_signer(session, self.username, self.keys.key_id, self.keys.signing_key)
        return audit.append(
            session,
            username=SYSTEM_USER if system else self.username,
            role=SYSTEM_USER if system else self.role,
            action=action,
            metadata_version=self.metadata_version,
            **fields,
        )


def _where(db: Database) -> str:
    return str(Path(db.path).resolve())


def _open_transactions() -> dict[str, tuple[Session, bool]]:
    opened = getattr(_LOCAL, "opened", None)
    if opened is None:
        opened = _LOCAL.opened = {}
    return opened


@contextmanager
def _savepoint(session: Session) -> Iterator[None]:
    """A joined write: SAVEPOINT, and on an exception ROLLBACK TO it and restore what this
    transaction keeps beside the database (`session.info`: the audit entries chained in memory
    and not yet inserted, the chain head, values waiting to be written)."""
    saved = {key: copy.copy(value) for key, value in session.info.items()}
    nested = session.begin_nested()
    try:
        yield
    except BaseException:
        if nested.is_active:
            nested.rollback()
        session.info.clear()
        session.info.update(saved)
        raise
    else:
        if nested.is_active:
            nested.commit()
