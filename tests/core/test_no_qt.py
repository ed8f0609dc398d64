"""The core (study, storage, services, exports, sponsor, cli) never imports Qt (DESIGN.md
principle 3): every module of the package outside `tnt_desktop/gui/` is imported, listed from the
files, in one fresh interpreter, and no PySide6/shiboken6 module may be loaded afterwards."""

import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tnt_desktop"
# Qt's own home, and the modules that are scripts run by tools rather than imported
EXCLUDED_PARTS = {"gui", "migrations", "_resources"}
SCRIPTS = {"tnt_desktop.__main__"}


def core_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        if EXCLUDED_PARTS & set(rel.parts):
            continue
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        name = ".".join(parts)
        if name not in SCRIPTS:
            names.append(name)
    return names


def test_every_core_module_imports_without_pyside6():
    modules = core_modules()
    assert len(modules) > 80  # the scan sees the whole core, not a hand-picked list
    for expected in ("tnt_desktop.services.form_entry", "tnt_desktop.exports.run_export",
                     "tnt_desktop.storage.keyslots", "tnt_desktop.study.checks.timing"):
        assert expected in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "from tnt_desktop.study.definition import get_study\n"
        "get_study()\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(qt))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"core imported Qt modules: {result.stdout}"


def test_the_scan_would_see_a_qt_import_in_a_core_module(tmp_path):
    # a core module that imports Qt makes the check above fail (the check can fail)
    bad = tmp_path / "qt_in_core.py"
    bad.write_text("import PySide6.QtCore\n", encoding="utf-8")
    code = ("import sys, importlib\n"
            f"sys.path.insert(0, {str(tmp_path)!r})\n"
            "importlib.import_module('qt_in_core')\n"
            "print(any(m.startswith('PySide6') for m in sys.modules))\n")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "True", result.stderr
