"""A wheel is the whole program (issue 12): `python -m build` makes a wheel that carries
`resources/` (fonts, translations, styles, icons, the ODM extension schema), and that wheel,
installed into a fresh virtual environment with its pinned dependencies from PyPI, runs the
headless commands from an empty folder with no path into the checkout: `--version`,
`study check`, a demo database, its ODM export and the import of that file into a new database.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.packaging.test_frozen_smoke import ADMIN_PW, COORD_PW, Frozen
from tnt_desktop import __version__
from tnt_desktop.exports.odm_extension import EXTENSION_FILE, KIT_FOLDER

ROOT = Path(__file__).resolve().parents[2]
BIN = "Scripts" if os.name == "nt" else "bin"
RESOURCES = "tnt_desktop/_resources/"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("wheel-dist")
    # built from a clean copy of the sources: a build/ folder left in the checkout by an earlier
    # build would otherwise fill in files the packaging itself forgets
    source = tmp_path_factory.mktemp("wheel-src") / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache"))
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist),
                            str(source)], capture_output=True, text=True)  # fmt: skip
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheels = sorted(dist.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Frozen:
    """The wheel in a new virtual environment, and a runner with a clean environment."""
    scratch = tmp_path_factory.mktemp("wheel-venv")
    venv.EnvBuilder(with_pip=True).create(scratch / "venv")
    python = scratch / "venv" / BIN / ("python.exe" if os.name == "nt" else "python")
    pip = subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                          "--disable-pip-version-check", "-c", str(ROOT / "constraints.txt"),
                          str(wheel)], capture_output=True, text=True)  # fmt: skip
    assert pip.returncode == 0, pip.stdout[-3000:] + pip.stderr[-3000:]
    runner = Frozen(scratch / "venv" / BIN, scratch / "run")
    assert not any(k.startswith("PYTHON") or k == "VIRTUAL_ENV" for k in runner.env)
    return runner


def test_the_wheel_carries_the_resources(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in ("fonts/DroidSansFallbackFull.ttf", "fonts/LICENSE-DroidSansFallback.txt",
                "translations/tnt_desktop_zh_CN.qm", "styles/app.qss",
                "icons/tnt-desktop-64.png", f"schemas/{EXTENSION_FILE}"):  # fmt: skip
        assert RESOURCES + rel in names, rel
    every_resource = {p.relative_to(ROOT / "resources").as_posix()
                      for p in (ROOT / "resources").rglob("*")
                      if p.is_file() and p.suffix != ".ts" and not p.name.startswith(".")}
    assert {RESOURCES + rel for rel in every_resource} <= names
    assert "tnt_desktop/storage/migrations/script.py.mako" in names
    # every module of the package, namespace packages (no __init__.py) included
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tnt_desktop").rglob("*.py")
               if "__pycache__" not in p.parts}  # fmt: skip
    assert modules - names == set()
    assert any(n.startswith("tnt_desktop/storage/migrations/versions/0001") for n in names)


def test_the_installed_wheel_runs_from_anywhere(installed, tmp_path):
    version = installed.run("--version", exe="tnt-desktop")
    assert __version__ in version.stdout
    check = installed.run("study", "check", exe="tnt-desktop")
    assert check.returncode == 0

    demo = installed.run("demo", "--db", "demo.db", "--subjects", "2", "--seed", "5",
                         exe="tnt-desktop")  # fmt: skip
    password = re.search(r"password: (\S+)", demo.stdout)
    assert password, demo.stdout
    installed.run("export", "--db", "demo.db", "--user", "datamanager", "--out", "odm-export",
                  "--formats", "odm", exe="tnt-desktop", TNT_PASSWORD=password.group(1))
    exported = installed.cwd / "odm-export"
    files = sorted(exported.rglob("*_snapshot.xml"))
    assert len(files) == 1, files
    kit = next(exported.rglob(f"{KIT_FOLDER}/{EXTENSION_FILE}"))
    assert kit.read_bytes() == (ROOT / "resources" / "schemas" / EXTENSION_FILE).read_bytes()

    installed.run("admin", "init", "--db", "trial.db", "--site", "01", "--admin", "admin",
                  exe="tnt-desktop", TNT_PASSWORD=ADMIN_PW)  # fmt: skip
    installed.run("admin", "user", "add", "--db", "trial.db", "--user", "admin", "--role",
                  "coordinator", "coord", exe="tnt-desktop", TNT_PASSWORD=ADMIN_PW,
                  TNT_NEW_PASSWORD="Temporary-" + COORD_PW)  # fmt: skip
    installed.run("passwd", "--db", "trial.db", "--user", "coord", exe="tnt-desktop",
                  TNT_PASSWORD="Temporary-" + COORD_PW, TNT_NEW_PASSWORD=COORD_PW)
    imported = installed.run("import", "--db", "trial.db", "--user", "coord", str(files[0]),
                             exe="tnt-desktop", TNT_PASSWORD=COORD_PW)  # fmt: skip
    assert "2 subjects created" in imported.stdout, imported.stdout
