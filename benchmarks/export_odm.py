"""ODM export benchmark (issue 5, item 3): CDISC ODM 1.3.2 export of 51 and 5,000 subjects.

    .venv/bin/python benchmarks/export_odm.py [--small 51] [--large 5000] [--demo 12]
                                              [--snapshot-only] [--keep DIR] [--db FILE]

Builds a scratch database: the demo generator enters `--demo` subjects (every stage) through the
services, then their rows (subject, event_instance, form_instance, item_value and, for the
transactional file, their audit entries) are copied with raw SQL, every demo subject in turn,
until there are `--small` subjects; each file type is exported and measured; the copying goes on
to `--large` subjects and the exports are measured again. Copied audit entries keep their (now
wrong) hashes: the export reads the trail, it does not verify it. `--db FILE` measures a scratch
database an earlier `--keep` run left (`DIR/odm.db`) instead of building one (with `--keep DIR`
the exported files are left in DIR).

Each export runs in a child process (`--child`), and its peak memory is the child's own high-water
mark (VmHWM in /proc/self/status). Not ru_maxrss: on Linux a child started with fork/vfork + exec
inherits the parent's maximum RSS at the fork in ru_maxrss, so it never reads below what the
benchmark process itself held (the demo generator: ~150 MB). Prints a table; asserts nothing.
Goals (issue 5): growth close to linear, 5,000 subjects ≤ 120× the time of 51; peak memory
≤ 500 MB at 5,000 (streamed output). ("MB" is the size of the file, "peak MB" the memory.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import peak_mb  # noqa: E402  (benchmarks/measure.py)
from scratch_rows import copy_subject, max_id  # noqa: E402  (benchmarks/scratch_rows.py)

from tnt_desktop.storage.engine import connect_raw  # noqa: E402
from tnt_desktop.storage.keyslots import KeySlotFile, keyslot_path  # noqa: E402

PASSWORD = "Bench-Pass-2026!"
AUDIT_COLUMNS = (
    "ts_utc, username, role, action, event_oid, repeat_key, form_code, group_name, row_key,"
    " item_name, old_value, new_value, reason_code, reason_text, detail, app_version,"
    " metadata_version, prev_hash, hash"
)



def replicate(db: Path, total: int, audit: bool) -> tuple[int, int, int, int]:
    """Copy the demo subjects in turn with raw SQL until there are `total`;
    returns (subjects, form instances, item values, audit entries)."""
    key = KeySlotFile.load(keyslot_path(db)).unwrap("admin", PASSWORD)
    connection = connect_raw(db, key)
    try:
        connection.execute("BEGIN IMMEDIATE")
        templates = [row[0] for row in connection.execute(
            "SELECT id FROM subject WHERE screening_number NOT LIKE '%-%-%' ORDER BY id")]
        existing = connection.execute("SELECT count(*) FROM subject").fetchone()[0]
        n = existing
        while n < total:
            template = templates[n % len(templates)]
            n += 1
            tag = f"-{n:05d}"
            scr, sid = connection.execute("SELECT screening_number, subject_id FROM subject"
                                          " WHERE id = ?", (template,)).fetchone()  # fmt: skip
            copy_subject(connection, template, tag)
            if audit:
                a_off = max_id(connection, "audit_entry")
                connection.execute(
                    f"INSERT INTO audit_entry (id, subject_key, {AUDIT_COLUMNS})"
                    f" SELECT ? + row_number() OVER (ORDER BY id), CASE subject_key"
                    f" WHEN ? THEN ? ELSE ? END, {AUDIT_COLUMNS} FROM audit_entry"
                    f" WHERE subject_key IN (?, ?) ORDER BY id",
                    (a_off, scr, scr + tag, (sid or scr) + tag, scr, sid or scr))  # fmt: skip
        if audit:  # the chain head must name the last entry, or the next append collides
            last_id, last_hash = connection.execute(
                "SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()
            connection.execute("UPDATE setting SET value = ? WHERE key = 'audit.head'",
                               (f"{last_id}:{last_hash}",))  # fmt: skip
        connection.execute("COMMIT")
        counts = tuple(
            connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("subject", "form_instance", "item_value", "audit_entry")
        )
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return counts  # type: ignore[return-value]
    finally:
        connection.close()


def child(db: Path, out: Path, transactional: bool) -> None:
    """Run one export in this process and print its measures as JSON."""
    from tnt_desktop.exports.odm_export import export_odm
    from tnt_desktop.services import auth

    app = auth.login(db, "datamanager", PASSWORD)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        result = export_odm(app, out, transactional=transactional)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        app.db.close()
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": peak_mb(),
                      "size_mb": out.stat().st_size / 1e6, "subjects": result.subjects,
                      "items": result.item_data, "audit": result.audit_records}))  # fmt: skip


def measure(db: Path, out: Path, transactional: bool) -> dict:
    command = [sys.executable, __file__, "--child", str(db), str(out)]
    if transactional:
        command.append("--transactional")
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def baseline_mb() -> float:
    """Peak memory of a child that only imports the application (the floor)."""
    code = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'benchmarks')!r}];"
            " import tnt_desktop.exports.odm_export, export_odm;"
            " print(export_odm.peak_mb())")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)  # fmt: skip
    return float(done.stdout.strip())


def database_counts(db: Path) -> tuple[int, int, int, int]:
    key = KeySlotFile.load(keyslot_path(db)).unwrap("admin", PASSWORD)
    connection = connect_raw(db, key)
    try:
        return tuple(  # type: ignore[return-value]
            connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("subject", "form_instance", "item_value", "audit_entry"))
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=51)
    parser.add_argument("--large", type=int, default=5000)
    parser.add_argument("--demo", type=int, default=12)
    parser.add_argument("--snapshot-only", action="store_true")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--db", type=Path, help="measure this scratch database (from --keep)")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--transactional", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.transactional)
        return 0

    from tnt_desktop.demo import generate_demo

    kinds = [False] if args.snapshot_only else [False, True]
    rows: dict[tuple[int, bool], dict] = {}
    demo_s = 0.0
    if args.db:  # an existing scratch database: measure it as it is
        counts = database_counts(args.db)
        print(f"scratch database {args.db}: {counts[0]} subjects, {counts[1]} forms, "
              f"{counts[2]} values, {counts[3]} audit entries", flush=True)  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            work = args.keep or Path(tmp)  # --keep: where the files go
            work.mkdir(parents=True, exist_ok=True)
            for transactional in kinds:
                name = f"odm-{counts[0]}-{'tx' if transactional else 'snap'}.xml"
                rows[(counts[0], transactional)] = measure(args.db, work / name, transactional)
                print(f"  {name}: {rows[(counts[0], transactional)]}", flush=True)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            work = args.keep or Path(tmp)
            work.mkdir(parents=True, exist_ok=True)
            db = work / "odm.db"
            started = time.perf_counter()
            generate_demo(db, args.demo, seed=5, password=PASSWORD, today=date.today())
            demo_s = time.perf_counter() - started
            for total in (args.small, args.large):
                started = time.perf_counter()
                counts = replicate(db, total, audit=not args.snapshot_only)
                copy_s = time.perf_counter() - started
                print(f"scratch database: {counts[0]} subjects, {counts[1]} forms, "
                      f"{counts[2]} values, {counts[3]} audit entries "
                      f"(copied in {copy_s:.0f} s)", flush=True)  # fmt: skip
                for transactional in kinds:
                    name = f"odm-{total}-{'tx' if transactional else 'snap'}.xml"
                    rows[(total, transactional)] = measure(db, work / name, transactional)
                    print(f"  {name}: {rows[(total, transactional)]}", flush=True)
    floor = baseline_mb()
    print()
    built = "" if args.db else f"demo of {args.demo} subjects in {demo_s:.0f} s; "
    print(f"TNT Desktop ODM export benchmark ({os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.2f}; {built}"
          f"interpreter + application alone: {floor:.0f} MB peak)")  # fmt: skip
    print(f"{'file':<14} {'subjects':>8} {'ItemData':>10} {'MB':>8} {'wall s':>8} {'CPU s':>8}"
          f" {'ms/subj':>8} {'peak MB':>8}")  # fmt: skip
    for (_total, transactional), r in rows.items():
        kind = "transactional" if transactional else "snapshot"
        print(f"{kind:<14} {r['subjects']:>8} {r['items']:>10} {r['size_mb']:>8.1f} "
              f"{r['wall']:>8.2f} {r['cpu']:>8.2f} {1000 * r['wall'] / r['subjects']:>8.1f} "
              f"{r['peak_mb']:>8.0f}")  # fmt: skip
    for transactional in [] if args.db else kinds:
        small, large = rows[(args.small, transactional)], rows[(args.large, transactional)]
        ratio = large["wall"] / small["wall"]
        kind = "transactional" if transactional else "snapshot"
        print(f"{kind}: {args.large} subjects took {ratio:.0f}× the time of {args.small} "
              f"(subjects ×{args.large / args.small:.0f}; goal ≤ 120×); peak "
              f"{large['peak_mb']:.0f} MB (goal ≤ 500 MB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
