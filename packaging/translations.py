"""Refresh and compile the application's translations (a build step; the .qm files it writes
are committed so that a checkout runs without it).

    .venv/bin/python packaging/translations.py           # lupdate (keeps translations) + lrelease
    .venv/bin/python packaging/translations.py --check   # fail if a .qm is older than its .ts

Sources: every tnt_desktop/gui/**/*.py (self.tr / QCoreApplication.translate) and ui/*.ui. The
Chinese catalogue is resources/translations/tnt_desktop_zh_CN.ts; fill its <translation>
elements (Qt Linguist, or by hand), then run this again.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "translations" / "tnt_desktop_zh_CN.ts"
QM = TS.with_suffix(".qm")


def tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    return found


def sources() -> list[str]:
    gui = sorted(str(p) for p in (ROOT / "tnt_desktop" / "gui").rglob("*.py")
                 if not p.name.startswith("ui_"))  # fmt: skip
    return gui + sorted(str(p) for p in (ROOT / "ui").glob("*.ui"))


def update() -> None:
    TS.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([tool("pyside6-lupdate"), *sources(), "-no-obsolete", "-locations", "none",
                    "-target-language", "zh_CN", "-ts", str(TS)], check=True)  # fmt: skip


def release() -> None:
    subprocess.run([tool("pyside6-lrelease"), str(TS), "-qm", str(QM)], check=True)


def main(argv: list[str]) -> int:
    if "--check" in argv:
        return 0 if QM.exists() and QM.stat().st_mtime >= TS.stat().st_mtime else 1
    update()
    release()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
