"""Shared fixtures for the storage and service tests: a temporary initialised database, logged-in
users of every role, and the form values the tests enter.

Logging in runs the key-slot KDF; where timing is not the point the tests swap the production
scrypt parameters (n = 2**16, about 0.3 s) for n = 2**12 (`fast_kdf`, autouse). The parameters
are stored with each slot, so a slot made here opens with its own, small, parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tnt_desktop.services import auth, subjects
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.services.session import AppSession
from tnt_desktop.storage import keyslots
from tnt_desktop.storage.models import AuditEntry

FAST_KDF = {"name": "scrypt", "n": 2**12, "r": 8, "p": 1}
PRODUCTION_KDF = dict(keyslots.DEFAULT_KDF)  # read before any test swaps it

SITE = "01"
ADMIN = "admin"
ADMIN_PASSWORD = "Boss-Key-2024!"
PASSWORD = "Tnt-Study-2024!"  # every other user's own password, after the first change
TEMPORARY = "Temp-Word-7731"  # what the admin gives a new user
ROLES = ("admin", "coordinator", "investigator", "monitor", "datamanager")

# F01 answers of an eligible subject (every inclusion criterion Y, every exclusion N)
ELIGIBLE_IE: dict[str, str] = {
    "RFICDAT": "2025-02-03", "SCRDAT": "2025-02-03", "ICVER": "V1.0", "ICPIPL": "Y",
    "ICXFER": "Y", "INC01": "Y", "INC01A": "Y", "INC01B": "Y", "INC01C": "Y", "INC01D": "Y",
    "INC01MDT": "2025-01-28", "INC02": "Y", "INC03": "Y", "INC04": "Y", "INC05": "Y",
    "INC06": "Y", **{f"EXC0{i}": "N" for i in range(1, 10)},
}  # fmt: skip

# F02 answers: born 1970-05-05, consent 2025-02-03 → AGE 54; 170 cm, 70 kg → BSA 1.82, BMI 24.2
DM_VALUES: dict[str, str] = {
    "ENRDAT": "2025-02-10", "BRTHDAT": "1970-05-05", "SEX": "M", "ECOGDAT": "2025-02-05",
    "ECOG": "1", "VSDAT": "2025-02-05", "HEIGHT": "170.0", "WEIGHT": "70.0",
}  # fmt: skip


def mh_row(term: str, start: str = "2010") -> dict[str, str]:
    """One row of the F03 medical-history log."""
    return {"MHTERM": term, "MHCAT": "GENERAL", "MHSTDAT": start, "MHONGO": "Y",
            "MHTOXGR": "1"}  # fmt: skip


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
    monkeypatch.setattr(keyslots, "DEFAULT_KDF", dict(FAST_KDF))


@pytest.fixture(autouse=True)
def state_dir(monkeypatch, tmp_path):
    """The second copy of the lock-out counters (keyslots.ThrottleStore) stays in the test's
    own folder, never in the user's real state folder."""
    monkeypatch.setenv(keyslots.ThrottleStore.ENV, str(tmp_path / "state"))
    return tmp_path / "state"


class Trial:
    """One initialised database and the sessions opened on it (closed at teardown)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.keys_path = keyslots.keyslot_path(self.path)
        self.sessions: list[AppSession] = []
        self._admin: AppSession | None = None
        auth.initialise(self.path, site_id=SITE, admin_username=ADMIN,
                        admin_password=ADMIN_PASSWORD)  # fmt: skip

    def login(self, username: str, password: str) -> AppSession:
        app = auth.login(self.path, username, password)
        self.sessions.append(app)
        return app

    @property
    def admin(self) -> AppSession:
        if self._admin is None:
            self._admin = self.login(ADMIN, ADMIN_PASSWORD)
        return self._admin

    def add_user(self, role: str, username: str | None = None,
                 temporary: str = TEMPORARY) -> str:  # fmt: skip
        username = username or role
        auth.add_user(self.admin, username, role, temporary)
        return username

    def user(self, role: str, username: str | None = None) -> AppSession:
        """A logged-in user of `role` who has replaced the temporary password with PASSWORD."""
        if role == "admin" and username is None:
            return self.admin
        username = self.add_user(role, username)
        app = self.login(username, TEMPORARY)
        auth.change_password(app, TEMPORARY, PASSWORD)
        return app

    def key(self, username: str = ADMIN, password: str = ADMIN_PASSWORD) -> bytes:
        return keyslots.KeySlotFile.load(self.keys_path).unwrap(username, password)

    def close(self) -> None:
        for app in self.sessions:
            app.db.close()
        self.sessions.clear()


@pytest.fixture
def trial(tmp_path) -> Iterator[Trial]:
    t = Trial(tmp_path / "trial.db")
    yield t
    t.close()


@pytest.fixture
def db_path(trial) -> Path:
    """A temporary, initialised database (admin only)."""
    return trial.path


@pytest.fixture
def admin(trial) -> AppSession:
    return trial.admin


@pytest.fixture
def coordinator(trial) -> AppSession:
    """A logged-in research coordinator (password already changed)."""
    return trial.user("coordinator")


# ---- helpers the tests share -----------------------------------------------------------------
def audit_count(app: AppSession) -> int:
    with app.transaction() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def audit_entries(app: AppSession, **where) -> list[AuditEntry]:
    """Audit entries in chain order, filtered by equality on any column."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    with app.transaction() as session:
        return list(session.scalars(query))


def screen_eligible(app: AppSession, **changes: str) -> str:
    """Screen a subject and save an (eligible unless `changes` say otherwise) F01."""
    number = subjects.screen_subject(app)
    save_form(app, FormEntry(number, "SE.SCR", "IE", values={**ELIGIBLE_IE, **changes}))
    return number


def enrol_one(app: AppSession, with_dm: bool = True) -> str:
    """Screen, enrol and (by default) save F02 of one eligible subject; returns the study ID."""
    subject_id = subjects.enrol(app, screen_eligible(app))
    if with_dm:
        save_form(app, FormEntry(subject_id, "SE.SCR", "DM", values=dict(DM_VALUES)))
    return subject_id


# the sponsor-store fixtures: a real PostgreSQL server per session, a database per test (last:
# they use the names above)
from tests.core.sponsor_fixtures import pg_server, pg_url, sponsor_key  # noqa: E402,F401
