"""`python -m tnt_desktop` runs the same entry point as the `tnt-desktop` command; it is also the
entry script of both executables of the PyInstaller bundle (build.spec)."""

import os
import sys

if sys.stdout is None or sys.stderr is None:  # the windowed executable on Windows: no console
    _devnull = open(os.devnull, "w", encoding="utf-8")  # kept open for the whole run
    sys.stdout = sys.stdout or _devnull
    sys.stderr = sys.stderr or _devnull

from tnt_desktop.cli import main

raise SystemExit(main())
