"""The core (study, storage, services, exports, cli) never imports Qt (DESIGN.md principle 3)."""

import importlib.util
import subprocess
import sys

CORE_PACKAGES = [
    "tnt_desktop",
    "tnt_desktop.study",
    "tnt_desktop.study.definition",
    "tnt_desktop.study.selfcheck",
    "tnt_desktop.study.validation",
    "tnt_desktop.study.derivations",
    "tnt_desktop.study.checks",
    "tnt_desktop.exports",
    "tnt_desktop.exports.dictionary",
    "tnt_desktop.cli",
    "tnt_desktop.storage",
    "tnt_desktop.services",
]


def test_core_packages_import_without_pyside6():
    present = [name for name in CORE_PACKAGES if importlib.util.find_spec(name) is not None]
    assert "tnt_desktop.study" in present and "tnt_desktop.cli" in present
    code = (
        "import importlib, sys\n"
        f"for name in {present!r}:\n"
        "    importlib.import_module(name)\n"
        "from tnt_desktop.study.definition import get_study\n"
        "get_study()\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(qt))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"core imported Qt modules: {result.stdout}"
