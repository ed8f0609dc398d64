"""Encrypted package benchmark (issue 5, item 4): peak memory of `run_export(package=True)`.

    .venv/bin/python benchmarks/export_package.py --db DIR/odm.db [--formats csv,odm,...]
                                                  [--modes stream,bytes] [--keep DIR]
    .venv/bin/python benchmarks/export_package.py [--subjects 5000] [--demo 12] [--keep DIR]

The database is a scratch database of benchmarks/export_odm.py (`--keep DIR` there leaves
`DIR/odm.db`, 5,000 subjects with their audit trail), or one built here the same way (demo
subjects copied with raw SQL up to `--subjects`). Each package export runs in a child process
(`--child`) with a passphrase; its peak memory is the child's own high-water mark (VmHWM, see
export_odm.py).

Modes: "stream" — the archive is built in an anonymous memory file (memfd) that pysequoia
encrypts straight into the package file (Linux); "bytes" — the archive in a BytesIO, encrypted by
`pysequoia.encrypt` (what Windows and macOS do). A memfd's pages are not mapped into the process,
so VmHWM does not count them: the table shows the archive's size beside the peak, and
"peak + archive" bounds the memory the export needed. (Run against an older tree, which has no
modes, the child reports "old".)

PDF casebooks are left out by default (5,000 of them take a long while; add "pdf" to --formats).
Prints a table; asserts nothing. Goal (issue 5): peak memory ≤ 500 MB at 5,000 subjects.
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
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from export_odm import PASSWORD, database_counts, replicate  # noqa: E402
from measure import peak_mb  # noqa: E402

PHRASE = "benchmark package passphrase"


def child(db: Path, out: Path, formats: list[str], mode: str) -> None:
    """Run one package export in this process and print its measures as JSON."""
    from tnt_desktop.exports import package
    from tnt_desktop.exports.run_export import run_export
    from tnt_desktop.services import auth

    archive: dict[str, int] = {}
    writer_class = getattr(package, "PackageWriter", None)
    if writer_class is None:  # an older tree: MemoryFolder → build_archive → seal
        mode = "old"
        build = package.build_archive

        def measured_build(root, files, manifest):
            result = build(root, files, manifest)
            archive["bytes"] = len(result.data)
            return result

        package.build_archive = measured_build
        import tnt_desktop.exports.run_export as run_module

        run_module.build_archive = measured_build
    else:
        package.STREAM_ENCRYPTION = mode == "stream"
        seal = writer_class.seal

        def measured_seal(self, part, **kwargs):
            archive["bytes"] = self._plain.file.seek(0, os.SEEK_END)
            archive["streaming"] = int(self.streaming)
            return seal(self, part, **kwargs)

        writer_class.seal = measured_seal
    app = auth.login(db, "datamanager", PASSWORD)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        result = run_export(app, out, package=True, passphrase=PHRASE, formats=formats)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        app.db.close()
    if mode == "stream" and not archive.get("streaming"):
        mode = "bytes (no memfd)"
    print(json.dumps({"mode": mode, "wall": wall, "cpu": cpu, "peak_mb": peak_mb(),
                      "archive_mb": archive.get("bytes", 0) / 1e6,
                      "package_mb": result.package.stat().st_size / 1e6,
                      "files": len(result.files), "subjects": result.subjects,
                      "plain_mb": sum(e.bytes for e in result.files) / 1e6}))  # fmt: skip


def measure(db: Path, out: Path, formats: list[str], mode: str) -> dict:
    command = [sys.executable, __file__, "--child", str(db), str(out), ",".join(formats), mode]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the {mode} export failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def baseline_mb() -> float:
    """Peak memory of a child that only imports the application's export modules."""
    code = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'benchmarks')!r}];"
            " import tnt_desktop.exports.run_export, tnt_desktop.exports.odm_export,"
            " tnt_desktop.exports.csv_export, export_odm; print(export_odm.peak_mb())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)  # fmt: skip
    return float(done.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, help="a scratch database (export_odm.py --keep)")
    parser.add_argument("--subjects", type=int, default=5000)
    parser.add_argument("--demo", type=int, default=12)
    parser.add_argument("--formats", default="csv,odm,odm_transactional")
    parser.add_argument("--modes", default="stream,bytes")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        db, out, formats, mode = args.child
        child(Path(db), Path(out), formats.split(","), mode)
        return 0

    formats = [f for f in args.formats.split(",") if f]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        db = args.db
        if db is None:
            from tnt_desktop.demo import generate_demo

            db = work / "odm.db"
            generate_demo(db, args.demo, seed=5, password=PASSWORD, today=date.today())
            replicate(db, args.subjects, audit=True)
        counts = database_counts(db)
        print(f"scratch database {db}: {counts[0]} subjects, {counts[1]} forms, {counts[2]} "
              f"values, {counts[3]} audit entries; formats {', '.join(formats)}", flush=True)
        for mode in args.modes.split(","):
            out = work / f"package-{mode}"
            rows.append(measure(db, out, formats, mode))
            print(f"  {mode}: {rows[-1]}", flush=True)
    floor = baseline_mb()
    print()
    print(f"TNT Desktop package export benchmark ({os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.2f}; interpreter + application alone: {floor:.0f} MB peak)")
    print(f"{'mode':<16} {'subjects':>8} {'files':>6} {'plain MB':>9} {'ZIP MB':>8} "
          f"{'.gpg MB':>8} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'+ ZIP':>8}")
    for r in rows:
        in_memfd = r["archive_mb"] if r["mode"] == "stream" else 0.0
        print(f"{r['mode']:<16} {r['subjects']:>8} {r['files']:>6} {r['plain_mb']:>9.1f} "
              f"{r['archive_mb']:>8.1f} {r['package_mb']:>8.1f} {r['wall']:>8.1f} "
              f"{r['cpu']:>8.1f} {r['peak_mb']:>8.0f} {r['peak_mb'] + in_memfd:>8.0f}")
    print("peak MB: the child's VmHWM; + ZIP: with the archive held in a memfd (stream mode), "
          "which VmHWM does not count — an upper bound of the memory used (goal ≤ 500 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
