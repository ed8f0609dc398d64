"""Packaging benchmark (issue 7): bundle size, build time, frozen start against start from source.

    .venv/bin/python benchmarks/packaging.py [--repeat 7] [--bundle DIST/tnt-desktop]

1. Build: packaging/build.py builds the one-folder bundle from build.spec into a temporary
   folder (a clean PyInstaller build: its cache in the temporary folder too); the build time
   and the size of every file in the bundle (symbolic links not counted).
2. Start: fresh processes, `--repeat` times each, frozen and from source alternating, median
   wall time from just before the start to the exit:
   - CLI: `tnt-desktop-cli --version` against `python -m tnt_desktop --version`;
   - GUI: the first window after a login, `tnt-desktop --smoke-screenshot` against
     `python -m tnt_desktop --smoke-screenshot` (start, log in as the coordinator — the same
     scrypt unlock both ways —, main window shown and painted, PNG saved, exit) on a small demo
     database that the bundle makes first.
   From source, the project's modules are byte-compiled first, as an installed program's are.
   Both run offscreen in an empty folder, with the per-user folders in a temporary folder.

Prints a table with the goals (bundle ≤ 180 MB, frozen start ≤ 1.1× the start from source);
asserts nothing. `--bundle` measures an existing bundle instead of building one (no build row).
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MB = 180.0
GOAL_RATIO = 1.1


def load_build():
    spec = importlib.util.spec_from_file_location("tnt_packaging_build",
                                                  ROOT / "packaging" / "build.py")  # fmt: skip
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} → {result.returncode}\n{result.stderr[-2000:]}")
    return elapsed


def environment(scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(QT_QPA_PLATFORM="offscreen", TNT_LANG="en", LANG="C.UTF-8",
               TNT_CONFIG_DIR=str(scratch / "config"), TNT_DATA_DIR=str(scratch / "data"),
               TNT_LOG_DIR=str(scratch / "log"))  # fmt: skip
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--bundle", type=Path, default=None,
                        help="an existing bundle folder (skip the build)")
    args = parser.parse_args(argv)
    build = load_build()

    with tempfile.TemporaryDirectory(prefix="tnt-bench-pkg-") as scratch_name:
        scratch = Path(scratch_name)
        rows: list[tuple[str, str, str, str]] = []
        if args.bundle is None:
            print("building the bundle…", flush=True)
            result = build.build_bundle(scratch / "dist")
            folder, seconds = result.folder, result.seconds
            size_mb = result.size_mb
            rows.append(("build time", f"{seconds:.1f} s", "", ""))
        else:
            folder = args.bundle.resolve()
            size_mb = build.folder_size(folder) / 1e6
        verdict = "ok" if size_mb <= GOAL_MB else "OVER"
        rows.insert(0, ("bundle size", f"{size_mb:.1f} MB", f"≤ {GOAL_MB:.0f} MB", verdict))

        cli = folder / ("tnt-desktop-cli" + build.EXE_SUFFIX)
        gui = folder / ("tnt-desktop" + build.EXE_SUFFIX)
        work = scratch / "work"
        work.mkdir()
        env = environment(scratch)
        compileall.compile_dir(str(ROOT / "tnt_desktop"), quiet=1)

        demo = subprocess.run([str(cli), "demo", "--db", "bench.db", "--subjects", "3"],
                              cwd=work, env=env, capture_output=True, text=True, check=True)
        password = re.search(r"password: (\S+)", demo.stdout).group(1)  # type: ignore[union-attr]
        gui_env = {**env, "TNT_PASSWORD": password}
        shot = ["--db", "bench.db", "--lang", "zh", "--smoke-user", "coordinator",
                "--smoke-screenshot", "shot.png"]  # fmt: skip
        source = [sys.executable, "-m", "tnt_desktop"]
        cases = [
            ("CLI --version", [str(cli), "--version"], [*source, "--version"], env),
            ("GUI first window (login + main window)", [str(gui), *shot], [*source, *shot],
             gui_env),
        ]  # fmt: skip
        for label, frozen_cmd, source_cmd, case_env in cases:
            timed(frozen_cmd, work, case_env)  # warm the file cache both ways
            timed(source_cmd, work, case_env)
            frozen_times, source_times = [], []
            for _ in range(args.repeat):
                frozen_times.append(timed(frozen_cmd, work, case_env))
                source_times.append(timed(source_cmd, work, case_env))
            frozen_s = statistics.median(frozen_times)
            source_s = statistics.median(source_times)
            ratio = frozen_s / source_s
            rows.append((f"{label}: frozen", f"{frozen_s * 1000:.0f} ms", "", ""))
            rows.append((f"{label}: from source", f"{source_s * 1000:.0f} ms", "", ""))
            rows.append((f"{label}: frozen / source", f"{ratio:.2f}×", f"≤ {GOAL_RATIO}×",
                         "ok" if ratio <= GOAL_RATIO else "OVER"))  # fmt: skip

    print(f"\nPackaging benchmark — {args.repeat} runs each (median), Python "
          f"{sys.version.split()[0]}, {sys.platform}")  # fmt: skip
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure'.ljust(width)} | value | goal | |")
    print(f"|{'-' * (width + 2)}|---|---|---|")
    for name, value, goal, verdict in rows:
        print(f"| {name.ljust(width)} | {value} | {goal} | {verdict} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
