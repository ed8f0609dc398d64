"""Compile the Designer files in ui/ into tnt_desktop/gui/ui_<name>.py.

    .venv/bin/python packaging/uic.py

pyside6-uic, then its import block trimmed to the names the module uses: uic imports some thirty
QtCore/QtGui names whatever the form needs, and touching a PySide6 name (above all the `Qt`
namespace, ~20 ms) costs start-up time before the login window shows (issue 4's benchmark).
tests/gui/test_generated_files.py checks that the committed modules equal this output.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORT = re.compile(r"^from (PySide6\.\w+) import (\([^)]*\)|[^\n]*)\n", re.M)


def uic_tool() -> str:
    return str(Path(sys.executable).parent / "pyside6-uic")


def trim_imports(source: str) -> str:
    """Keep in each `from PySide6.X import (...)` only the names the rest of the file uses."""
    used = {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}

    def keep(match: re.Match[str]) -> str:
        listed = match.group(2).strip("()").replace("\n", " ")
        names = [n.strip() for n in listed.split(",") if n.strip()]
        wanted = [n for n in names if n in used]
        return f"from {match.group(1)} import {', '.join(wanted)}\n" if wanted else ""

    return IMPORT.sub(keep, source)


def compile_ui(ui: Path) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.py"
        subprocess.run([uic_tool(), str(ui), "-o", str(out)], check=True)
        return trim_imports(out.read_text(encoding="utf-8"))


def target(ui: Path) -> Path:
    return ROOT / "tnt_desktop" / "gui" / f"ui_{ui.stem}.py"


def main() -> int:
    for ui in sorted((ROOT / "ui").glob("*.ui")):
        target(ui).write_text(compile_ui(ui), encoding="utf-8")
        print(f"{ui.relative_to(ROOT)} → {target(ui).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
