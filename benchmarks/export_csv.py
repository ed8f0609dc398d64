"""CSV export benchmark (issue 5, benchmarks): 51 and 5,000 subjects.

    .venv/bin/python benchmarks/export_csv.py [--subjects 5000] [--demo 51] [--keep DIR]

The demo generator enters `--demo` subjects through the services and the CSV export of that
database is timed. Then the same database grows to `--subjects` subjects: every demo subject's
rows (subject, event_instance, form_instance, item_value; not the audit trail) are copied in turn
with raw SQL (a benchmark may; the export itself reads through the services), and the export is
timed again; then a copy of the first database is exported once more, so that the
51-subject time is the mean of one run before and one after the large one (on a shared
machine the load changes while the large export runs; bracketing it keeps the ratio honest).
Each export runs in a fresh child process, so its peak resident memory
(VmHWM, benchmarks/measure.py) is the export's own. Prints a table; asserts nothing.
Goals: 5,000-subject time ≤ 120 × the 51-subject time; peak memory ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import peak_mb  # noqa: E402  (benchmarks/measure.py)
from scratch_rows import copy_subject  # noqa: E402  (benchmarks/scratch_rows.py)

from tnt_desktop.demo import generate_demo  # noqa: E402
from tnt_desktop.services import auth  # noqa: E402
from tnt_desktop.storage.engine import connect_raw  # noqa: E402
from tnt_desktop.storage.keyslots import KeySlotFile, keyslot_path  # noqa: E402

PASSWORD = "Bench-Export-2026!"
TODAY = date(2026, 3, 16)
GOAL_RATIO = 120
GOAL_MB = 500



def replicate(db: Path, total: int) -> int:
    """Copy the existing subjects, each in turn, until there are `total`; returns the count."""
    key = KeySlotFile.load(keyslot_path(db)).unwrap("admin", PASSWORD)
    connection = connect_raw(db, key)
    try:
        connection.execute("BEGIN IMMEDIATE")
        templates = [r[0] for r in connection.execute("SELECT id FROM subject ORDER BY id")]
        existing = len(templates)
        n = 0
        while existing + n < total:
            template = templates[n % len(templates)]
            n += 1
            tag = f"-{n:05d}"
            copy_subject(connection, template, tag)
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return connection.execute("SELECT count(*) FROM subject").fetchone()[0]
    finally:
        connection.close()


def child(db: Path, out: Path) -> None:
    """Run one export in this (fresh) process and print its figures as JSON."""
    from tnt_desktop.exports.csv_export import export_csv

    app = auth.login(db, "datamanager", PASSWORD)
    before = peak_mb()
    started, cpu = time.perf_counter(), time.process_time()
    result = export_csv(app, out, purpose="benchmark")
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    auth.logout(app)
    rows = sum(f.rows or 0 for f in result.data_files)
    size = sum(f.bytes for f in result.files)
    print(json.dumps({"wall": wall, "cpu": cpu, "subjects": result.subjects, "rows": rows,
                      "bytes": size, "peak_mb": peak_mb(),
                      "before_mb": before}))  # fmt: skip


def run_export(db: Path, out: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", str(db), str(out)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subjects", type=int, default=5000)
    parser.add_argument("--demo", type=int, default=51)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="tnt-bench-csv-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        db = work / "bench.db"
        started = time.perf_counter()
        generate_demo(db, args.demo, seed=1, password=PASSWORD, today=TODAY)
        print(f"demo: {args.demo} subjects generated in {time.perf_counter() - started:.1f} s")
        small = run_export(db, work / "out-small")
        small_db = work / "small.db"
        for suffix in ("", ".keys", "-wal"):
            if Path(f"{db}{suffix}").exists():
                shutil.copyfile(f"{db}{suffix}", f"{small_db}{suffix}")
        started = time.perf_counter()
        count = replicate(db, args.subjects)
        print(f"copied to {count} subjects in {time.perf_counter() - started:.1f} s")
        large = run_export(db, work / "out-large")
        after = run_export(small_db, work / "out-small-after")
    print(f"51-subject export: {small['wall']:.2f} s before the large one, {after['wall']:.2f} s "
          "after it")
    small = {**small, "wall": (small["wall"] + after["wall"]) / 2,
             "cpu": (small["cpu"] + after["cpu"]) / 2}
    print()
    print(f"{'database':>10} {'exported':>9} {'rows':>9} {'MB out':>7} {'wall s':>8} "
          f"{'cpu s':>7} {'ms/subj':>8} {'peak MB':>8}")  # fmt: skip
    for label, r in ((f"{args.demo}", small), (f"{count}", large)):
        print(f"{label:>10} {r['subjects']:>9} {r['rows']:>9} {r['bytes'] / 1e6:>7.1f} "
              f"{r['wall']:>8.2f} {r['cpu']:>7.2f} {1000 * r['wall'] / max(1, r['subjects']):>8.1f}"
              f" {r['peak_mb']:>8.0f}")  # fmt: skip
    ratio = large["wall"] / small["wall"]
    print(f"cpu time growth: {large['cpu'] / small['cpu']:.0f}x")
    print(f"\ngrowth: {ratio:.0f}x the time of {args.demo} subjects (goal ≤ {GOAL_RATIO}x; "
          f"subjects ×{count / args.demo:.0f}); peak memory {large['peak_mb']:.0f} MB "
          f"(goal ≤ {GOAL_MB} MB; {large['before_mb']:.0f} MB before the export started)")


if __name__ == "__main__":
    main()
