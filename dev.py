#!/usr/bin/env python3
"""One-command set-up for TNT Desktop developers and CI.

    python3 dev.py run [ARGS...]   set up .venv if needed, then start tnt-desktop
    python3 dev.py test [ARGS...]  set up .venv if needed, then lint and run the whole test suite

Only Python 3.11+ and access to PyPI are assumed. The virtual environment lives in `.venv`
beside this file; it is (re)installed whenever pyproject.toml or constraints.txt change, with
versions pinned by constraints.txt so that every machine gets the same build.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
EXTRAS = "test"
STAMP = VENV / ".tnt-installed"


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def wanted_stamp() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        path = ROOT / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    digest.update(sys.version.encode())
    return digest.hexdigest()


def ensure_venv() -> Path:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may run under any python3
        sys.exit("TNT Desktop needs Python 3.11 or newer; this is " + sys.version.split()[0])
    python = venv_python()
    if not python.exists():
        print(f"dev.py: creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    stamp = wanted_stamp()
    if STAMP.exists() and STAMP.read_text(encoding="utf-8") == stamp:
        return python
    print("dev.py: installing dependencies (pinned by constraints.txt)", flush=True)
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "install", "--upgrade", "pip>=24"], check=True)
    cmd = [*pip, "install", "-c", str(ROOT / "constraints.txt"), "-e", f"{ROOT}[{EXTRAS}]"]
    subprocess.run(cmd, check=True, cwd=ROOT)
    STAMP.write_text(stamp, encoding="utf-8")
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    python = str(ensure_venv())
    command, rest = argv[0], argv[1:]
    env = dict(os.environ)
    if command == "run":  # no arguments: the desktop application on the embedded demo database
        return subprocess.call([python, "-m", "tnt_desktop", *(rest or ["--demo"])], cwd=ROOT,
                               env=env)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    lint = subprocess.call([python, "-m", "ruff", "check", "."], cwd=ROOT, env=env)
    tests = subprocess.call([python, "-m", "pytest", *rest], cwd=ROOT, env=env)
    return tests or lint


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
