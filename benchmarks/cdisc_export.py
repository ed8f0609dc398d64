"""Define-XML + Dataset-JSON benchmark (issue 18): what the two formats add to a CSV export.

    .venv/bin/python benchmarks/cdisc_export.py [--demo 51]

A demo database of `--demo` subjects is exported three times in this process through run_export
(plain folder): csv alone, csv + define + dsjson, and define + dsjson alone. Prints a table of
wall times and of the bytes each part of the export takes; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tnt_desktop.demo import generate_demo  # noqa: E402
from tnt_desktop.exports.run_export import run_export  # noqa: E402
from tnt_desktop.services import auth  # noqa: E402

PASSWORD = "Bench-Cdisc-2026!"


def size(folder: Path, pattern: str) -> int:
    return sum(p.stat().st_size for p in folder.glob(pattern) if p.is_file())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo", type=int, default=51)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        started = time.perf_counter()
        generate_demo(db, args.demo, seed=3, password=PASSWORD, today=date(2026, 3, 16))
        print(f"demo database: {args.demo} subjects in {time.perf_counter() - started:.1f} s")
        app = auth.login(db, "datamanager", PASSWORD)
        try:
            print(f"{'formats':<22}{'seconds':>9}{'csv/ KB':>10}{'define KB':>11}"
                  f"{'dsjson/ KB':>12}{'files':>7}")
            for formats in (("csv",), ("csv", "define", "dsjson"), ("define", "dsjson")):
                out = Path(tmp) / "-".join(formats)
                started = time.perf_counter()
                result = run_export(app, out, formats=set(formats))
                seconds = time.perf_counter() - started
                folder = result.folder
                assert folder is not None
                print(f"{','.join(formats):<22}{seconds:>9.2f}"
                      f"{size(folder, 'csv/*') / 1024:>10.0f}"
                      f"{size(folder, 'define.xml') / 1024:>11.0f}"
                      f"{size(folder, 'dsjson/*') / 1024:>12.0f}{len(result.files):>7}")
        finally:
            auth.logout(app)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
