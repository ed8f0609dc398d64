"""CSV export benchmark (issue 5, benchmarks): 51 and 5,000 subjects.

    .venv/bin/python benchmarks/export_csv.py [--subjects 5000] [--demo 51] [--keep DIR]

The demo generator enters `--demo` subjects through the services and the CSV export of that
database is timed. Then the same database grows to `--subjects` subjects: every demo subject's
rows (subject, event_instance, form_instance, item_value; not the audit trail) are copied in turn
with raw SQL (a benchmark may; the export itself reads through the services), and the export is
timed again. Each export runs in a fresh child process, so its peak resident memory
(getrusage ru_maxrss) is the export's own. Prints a table; asserts nothing.
Goals: 5,000-subject time ≤ 120 × the 51-subject time; peak memory ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tnt_desktop.services import auth  # noqa: E402
from tnt_desktop.services.demo import generate_demo  # noqa: E402
from tnt_desktop.storage.engine import connect_raw  # noqa: E402
from tnt_desktop.storage.keyslots import KeySlotFile, keyslot_path  # noqa: E402

PASSWORD = "Bench-Export-2026!"
TODAY = date(2026, 3, 16)
GOAL_RATIO = 120
GOAL_MB = 500


def _max_id(connection, table: str) -> int:
    return connection.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]


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
            s_off, e_off = _max_id(connection, "subject"), _max_id(connection, "event_instance")
            f_off, v_off = _max_id(connection, "form_instance"), _max_id(connection, "item_value")
            tag = f"-{n:05d}"
            connection.execute(
                "INSERT INTO subject (id, site_id, screening_number, subject_id, status,"
                " status_reason, created_utc, enrolled_utc) SELECT ?, site_id,"
                " screening_number || ?, CASE WHEN subject_id IS NULL THEN NULL ELSE"
                " subject_id || ? END, status, status_reason, created_utc, enrolled_utc"
                " FROM subject WHERE id = ?", (s_off + 1, tag, tag, template))  # fmt: skip
            connection.execute(
                "INSERT INTO event_instance (id, subject_pk, event_oid, repeat_key)"
                " SELECT id + ?, ?, event_oid, repeat_key FROM event_instance"
                " WHERE subject_pk = ?", (e_off, s_off + 1, template))  # fmt: skip
            connection.execute(
                "INSERT INTO form_instance (id, event_pk, form_code, status, metadata_version,"
                " has_errors, has_warnings, created_utc, updated_utc, version)"
                " SELECT f.id + ?, f.event_pk + ?, f.form_code, f.status, f.metadata_version,"
                " f.has_errors, f.has_warnings, f.created_utc, f.updated_utc, f.version"
                " FROM form_instance f JOIN event_instance e ON e.id = f.event_pk"
                " WHERE e.subject_pk = ?", (f_off, e_off, template))  # fmt: skip
            connection.execute(
                "INSERT INTO item_value (id, form_pk, group_name, row_key, item_name, value,"
                " missing_reason, derived) SELECT v.id + ?, v.form_pk + ?, v.group_name,"
                " v.row_key, v.item_name, v.value, v.missing_reason, v.derived"
                " FROM item_value v JOIN form_instance f ON f.id = v.form_pk"
                " JOIN event_instance e ON e.id = f.event_pk WHERE e.subject_pk = ?",
                (v_off, f_off, template))  # fmt: skip
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return connection.execute("SELECT count(*) FROM subject").fetchone()[0]
    finally:
        connection.close()


def child(db: Path, out: Path) -> None:
    """Run one export in this (fresh) process and print its figures as JSON."""
    from tnt_desktop.exports.csv_export import export_csv

    app = auth.login(db, "datamanager", PASSWORD)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu = time.perf_counter(), time.process_time()
    result = export_csv(app, out, purpose="benchmark")
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    auth.logout(app)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    rows = sum(f.rows or 0 for f in result.data_files)
    size = sum(f.bytes for f in result.files)
    print(json.dumps({"wall": wall, "cpu": cpu, "subjects": result.subjects, "rows": rows,
                      "bytes": size, "peak_mb": peak_kb / 1024,
                      "before_mb": before / 1024}))  # fmt: skip


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
        started = time.perf_counter()
        count = replicate(db, args.subjects)
        print(f"copied to {count} subjects in {time.perf_counter() - started:.1f} s")
        large = run_export(db, work / "out-large")
    print()
    print(f"{'database':>10} {'exported':>9} {'rows':>9} {'MB out':>7} {'wall s':>8} "
          f"{'cpu s':>7} {'ms/subj':>8} {'peak MB':>8}")  # fmt: skip
    for label, r in ((f"{args.demo}", small), (f"{count}", large)):
        print(f"{label:>10} {r['subjects']:>9} {r['rows']:>9} {r['bytes'] / 1e6:>7.1f} "
              f"{r['wall']:>8.2f} {r['cpu']:>7.2f} {1000 * r['wall'] / max(1, r['subjects']):>8.1f}"
              f" {r['peak_mb']:>8.0f}")  # fmt: skip
    ratio = large["wall"] / small["wall"]
    print(f"\ngrowth: {ratio:.0f}x the time of {args.demo} subjects (goal ≤ {GOAL_RATIO}x; "
          f"subjects ×{count / args.demo:.0f}); peak memory {large['peak_mb']:.0f} MB "
          f"(goal ≤ {GOAL_MB} MB; {large['before_mb']:.0f} MB before the export started)")


if __name__ == "__main__":
    main()
