"""Frozen-app smoke test (issue 7): the PyInstaller bundle, and nothing else, does the job.

Every command below runs one of the bundle's two executables (`tnt-desktop-cli`, and the
windowed `tnt-desktop` for the GUI) in an empty temporary folder, with an environment that holds
no virtual environment, no PYTHONPATH and no path into the checkout, and per-user folders
(data, preferences, logs, HOME) inside the temporary folder. The steps:

1. `--version` from both executables;
2. `demo` makes a small synthetic database, whose ODM export is the file to import;
3. `admin init` a new encrypted database, `admin user add` a coordinator and a data manager,
   each sets a password (`passwd`, the forced change of a new account), the coordinator
   `import`s the ODM file, the administrator `admin verify`s the audit chain;
4. the data manager exports CSV and PDF in an encrypted package (`--passphrase-env`), which
   `package open` decrypts and verifies;
5. the GUI starts offscreen (`--smoke-screenshot`: login without the dialog, main window, PNG
   after the first paint) in Chinese and in English, and once more in Chinese from a copy of the
   bundle without its CJK font: the bundled font is loaded, and it is what draws the Chinese
   (this machine has no CJK font of its own, so without it Qt draws empty boxes).

The bundle comes from the session fixture `bundle` (conftest.py: built once, or TNT_BUNDLE).
TNT_SMOKE_SHOTS=DIR keeps the three screenshots there, to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tnt_desktop import APP_NAME, __version__

pytestmark = pytest.mark.req("REQ-VAL-01", "REQ-SEC-01", "REQ-ARC-02")

EXE_SUFFIX = ".exe" if os.name == "nt" else ""
ADMIN_PW = "Trial-Setup-2026!"
COORD_PW = "Sarcoma-Entry-2026!"
DM_PW = "Sponsor-Data-2026!"
PACKAGE_PW = "Package-Pass-2026!"
BUNDLED_FONT = ("fonts", "DroidSansFallbackFull.ttf")
FONT_FAMILY = "Droid Sans Fallback"
SHOT_SIZE = (1280, 820)  # gui.app.smoke_screenshot
SHOTS_ENV = "TNT_SMOKE_SHOTS"


class Frozen:
    """Runs the bundle's executables with a clean environment in a scratch folder."""

    def __init__(self, bundle: Path, scratch: Path) -> None:
        self.bundle = bundle
        self.cwd = scratch / "work"
        self.cwd.mkdir(parents=True)
        home = scratch / "home"
        folders = {name: home / name for name in ("config", "data", "state", "cache", "tmp")}
        for folder in folders.values():
            folder.mkdir(parents=True)
        # Windows cannot start a process without these; nothing Python-related is kept.
        env = {k: v for k, v in os.environ.items()
               if k.upper() in {"SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT"}}  # fmt: skip
        system32 = os.path.join(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32")
        env.update(
            PATH=system32 if os.name == "nt" else os.defpath,
            HOME=str(home), USERPROFILE=str(home),
            APPDATA=str(folders["config"]), LOCALAPPDATA=str(folders["data"]),
            XDG_CONFIG_HOME=str(folders["config"]), XDG_DATA_HOME=str(folders["data"]),
            XDG_STATE_HOME=str(folders["state"]), XDG_CACHE_HOME=str(folders["cache"]),
            TNT_CONFIG_DIR=str(folders["config"] / "tnt"),
            TNT_DATA_DIR=str(folders["data"] / "tnt"), TNT_LOG_DIR=str(folders["state"] / "log"),
            TMPDIR=str(folders["tmp"]), TEMP=str(folders["tmp"]), TMP=str(folders["tmp"]),
            LANG="C.UTF-8", TNT_LANG="en", QT_QPA_PLATFORM="offscreen",
        )  # fmt: skip
        self.env = env

    def run(self, *args: str, exe: str = "tnt-desktop-cli", bundle: Path | None = None,
            check: bool = True, **env: str) -> subprocess.CompletedProcess:  # fmt: skip
        program = (bundle or self.bundle) / (exe + EXE_SUFFIX)
        result = subprocess.run([str(program), *args], cwd=self.cwd, env={**self.env, **env},
                                capture_output=True, text=True, encoding="utf-8",
                                errors="replace", timeout=180)  # fmt: skip
        if check:
            assert result.returncode == 0, (
                f"{exe} {' '.join(args)} → exit {result.returncode}\n"
                f"stdout: {result.stdout[-3000:]}\nstderr: {result.stderr[-3000:]}")  # fmt: skip
        return result


@pytest.fixture(scope="module")
def frozen(bundle, tmp_path_factory) -> Frozen:
    runner = Frozen(Path(bundle), tmp_path_factory.mktemp("frozen"))
    assert not any(k.startswith("PYTHON") or k == "VIRTUAL_ENV" for k in runner.env)
    return runner


@pytest.fixture(scope="module")
def odm_file(frozen) -> Path:
    """A small ODM ClinicalData file, made by the bundle: demo database → ODM export."""
    demo = frozen.run("demo", "--db", "demo.db", "--subjects", "3", "--seed", "7")
    password = re.search(r"password: (\S+)", demo.stdout)
    assert password, demo.stdout
    frozen.run("export", "--db", "demo.db", "--user", "datamanager", "--out", "odm-export",
               "--formats", "odm", TNT_PASSWORD=password.group(1))  # fmt: skip
    files = sorted((frozen.cwd / "odm-export").rglob("*.xml"))
    assert len(files) == 1, files
    return files[0]


@pytest.fixture(scope="module")
def trial(frozen, odm_file) -> Path:
    """`admin init` a new database; coordinator and data manager accounts with their own
    passwords; the ODM file imported by the coordinator."""
    db = "trial.db"
    init = frozen.run("admin", "init", "--db", db, "--site", "01", "--admin", "admin",
                      TNT_PASSWORD=ADMIN_PW)  # fmt: skip
    assert "created the encrypted database" in init.stdout
    for name, role, password in (("coord", "coordinator", COORD_PW),
                                 ("dm", "datamanager", DM_PW)):  # fmt: skip
        frozen.run("admin", "user", "add", "--db", db, "--user", "admin", "--role", role, name,
                   TNT_PASSWORD=ADMIN_PW, TNT_NEW_PASSWORD="Temporary-" + password)  # fmt: skip
        frozen.run("passwd", "--db", db, "--user", name,
                   TNT_PASSWORD="Temporary-" + password, TNT_NEW_PASSWORD=password)  # fmt: skip
    imported = frozen.run("import", "--db", db, "--user", "coord", str(odm_file),
                          TNT_PASSWORD=COORD_PW)  # fmt: skip
    assert "3 subjects created" in imported.stdout, imported.stdout
    return frozen.cwd / db


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def screenshot(frozen: Frozen, db: Path, lang: str, name: str, bundle: Path | None = None):
    out = frozen.cwd / name
    result = frozen.run("--db", str(db), "--lang", lang, "--smoke-screenshot", str(out),
                        "--smoke-user", "coord", exe="tnt-desktop", bundle=bundle,
                        TNT_PASSWORD=COORD_PW)  # fmt: skip
    info = json.loads(result.stdout.strip().splitlines()[-1])
    assert out.is_file() and png_size(out) == SHOT_SIZE
    assert out.stat().st_size > 20_000, "an empty window"
    return out, info


# ---- the tests ----------------------------------------------------------------------------------
def test_version_from_both_executables(frozen):
    for exe in ("tnt-desktop-cli", "tnt-desktop"):
        result = frozen.run("--version", exe=exe)
        assert result.stdout.strip() == f"{APP_NAME} {__version__}"


def test_bundle_carries_migrations_and_resources(bundle):
    """What is loaded from files by path is there as files (PyInstaller's _internal folder)."""
    internal = Path(bundle) / "_internal"
    versions = internal / "tnt_desktop" / "storage" / "migrations" / "versions"
    assert (versions.parent / "env.py").is_file()
    assert sorted(p.name for p in versions.glob("0*.py")) == sorted(
        p.name for p in (Path(__file__).resolve().parents[2] / "tnt_desktop" / "storage"
                         / "migrations" / "versions").glob("0*.py"))  # fmt: skip
    assert (internal / "resources" / "translations" / "tnt_desktop_zh_CN.qm").is_file()
    assert (internal / "resources" / "fonts" / "LICENSE-DroidSansFallback.txt").is_file()
    assert (internal / "resources").joinpath(*BUNDLED_FONT).is_file()
    qt_translations = {p.name for p in internal.rglob("PySide6/**/translations/*.qm")}
    assert qt_translations == {"qtbase_zh_CN.qm"}
    assert (internal / "resources" / "odm1-3-2" / "ODM1-3-2.xsd").is_file()  # ODM import
    assert (internal / "resources" / "define2-1" / "define2-1-0.xsd").is_file()
    assert (internal / "resources" / "schemas" / "tnt-odm-extension.xsd").is_file()
    # developer tools (tools/, e.g. the traceability generator) never reach a clinic workstation
    assert not list(internal.rglob("*traceability*")) and not (internal / "tools").exists()
    excluded = ("numpy", "pandas", "tkinter", "pygments", "PySide6/QtNetwork.abi3.so")
    assert not [name for name in excluded if (internal / name).exists()]
    assert not list(internal.rglob("_imagingft*")), "reportlab needs PIL.Image only"
    assert not list(internal.rglob("*qgtk3*")), "the gtk3 platform theme drags in gtk and cairo"


def test_admin_init_users_and_odm_import(frozen, trial):
    verify = frozen.run("admin", "verify", "--db", str(trial), "--user", "admin",
                        TNT_PASSWORD=ADMIN_PW)  # fmt: skip
    assert verify.returncode == 0
    # the database the bundle wrote is encrypted: no SQLite header, no readable subject key
    head = trial.read_bytes()
    assert not head.startswith(b"SQLite format 3") and b"TNT-01-001" not in head
    # a wrong password is refused with the login exit code, not a traceback
    wrong = frozen.run("export", "--db", str(trial), "--user", "dm", "--out", "x",
                       check=False, TNT_PASSWORD="Not-The-Password-1")  # fmt: skip
    assert wrong.returncode == 6 and "Traceback" not in wrong.stderr


def test_exports_csv_pdf_and_package(frozen, trial):
    out = frozen.cwd / "sponsor"
    frozen.run("export", "--db", str(trial), "--user", "dm", "--out", str(out),
               "--formats", "csv,pdf", "--package", "--passphrase-env", "TNT_PACKAGE_PASS",
               "--keep-plain", TNT_PASSWORD=DM_PW, TNT_PACKAGE_PASS=PACKAGE_PW)  # fmt: skip
    subject_level = sorted(out.rglob("SUBJECT_LEVEL.csv"))
    assert len(subject_level) == 1
    rows = subject_level[0].read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 1 + 3, rows[:2]  # header + the 3 imported subjects
    pdfs = sorted(out.rglob("*.pdf"))
    assert pdfs and all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    packages = [p for p in out.iterdir() if p.is_file() and p.suffix not in {".sha256", ".txt"}]
    assert len(packages) == 1, sorted(out.iterdir())
    opened = frozen.run("package", "open", str(packages[0]), "--passphrase-env", "PKG",
                        "--out", str(frozen.cwd / "opened"), PKG=PACKAGE_PW)  # fmt: skip
    assert "package verified" in opened.stdout and "3 subjects" in opened.stdout
    assert sorted((frozen.cwd / "opened").rglob("SUBJECT_LEVEL.csv"))


def _hardlink_copy(source: Path, target: Path) -> None:
    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, symlinks=True, copy_function=link)


def test_gui_main_window_in_chinese_with_the_bundled_font(frozen, trial, tmp_path):
    zh, zh_info = screenshot(frozen, trial, "zh", "main-window-zh.png")
    assert zh_info["lang"] == "zh"
    assert FONT_FAMILY in zh_info["fonts"], zh_info  # added only when the file loaded
    assert zh_info["qt_cancel"] == "取消", "Qt's own zh_CN catalogue (qtbase_zh_CN.qm)"
    en, en_info = screenshot(frozen, trial, "en", "main-window-en.png")
    assert en_info["lang"] == "en" and en_info["qt_cancel"] == "Cancel"
    assert zh.read_bytes() != en.read_bytes()
    # The same bundle without its CJK font draws the Chinese differently (boxes on a machine
    # without a CJK font): the Chinese in the first picture is the bundled font's.
    fontless = tmp_path / "tnt-desktop"
    _hardlink_copy(Path(frozen.bundle), fontless)
    (fontless / "_internal" / "resources").joinpath(*BUNDLED_FONT).unlink()
    boxes, boxes_info = screenshot(frozen, trial, "zh", "main-window-zh-nofont.png",
                                   bundle=fontless)  # fmt: skip
    assert FONT_FAMILY not in boxes_info["fonts"]
    assert boxes.read_bytes() != zh.read_bytes()
    keep = os.environ.get(SHOTS_ENV)
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for shot in (zh, en, boxes):
            shutil.copy2(shot, Path(keep) / shot.name)
