"""Build the one-folder bundle from build.spec with PyInstaller.

    .venv/bin/python packaging/build.py [DIST]       (default DIST: ./dist)

Writes DIST/tnt-desktop/ (the executables `tnt-desktop` and `tnt-desktop-cli`, and `_internal/`)
and prints the build time and the bundle's size. PyInstaller's work folder is a temporary
folder, deleted afterwards, so a build never leaves `build/` behind in the checkout.
`build_bundle()` is what the frozen-app smoke test (tests/packaging) and benchmarks/packaging.py
call.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "build.spec"
NAME = "tnt-desktop"
EXE_SUFFIX = ".exe" if os.name == "nt" else ""


@dataclass(frozen=True)
class Build:
    folder: Path  # DIST/tnt-desktop
    seconds: float
    size_bytes: int

    @property
    def size_mb(self) -> float:
        return self.size_bytes / 1e6

    def executable(self, name: str) -> Path:
        return self.folder / (name + EXE_SUFFIX)


def folder_size(folder: Path) -> int:
    """Bytes of every file under `folder` (symlinks not followed: a link costs no space)."""
    total = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total


def build_bundle(dist: Path, *, quiet: bool = True) -> Build:
    """Run PyInstaller on build.spec; returns the bundle folder, build time and size."""
    dist = Path(dist).resolve()
    dist.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tnt-pyi-") as work:
        env = dict(os.environ)
        # PyInstaller's cache of binary analyses lives in the temp folder too: clean builds.
        env["PYINSTALLER_CONFIG_DIR"] = str(Path(work) / "config")
        cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
               "--log-level", "WARN" if quiet else "INFO",
               "--distpath", str(dist), "--workpath", str(Path(work) / "build"), str(SPEC)]
        started = time.perf_counter()
        result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=quiet, text=True)
        seconds = time.perf_counter() - started
    if result.returncode != 0:
        output = ((result.stdout or "") + (result.stderr or ""))[-6000:] if quiet else ""
        raise RuntimeError(f"PyInstaller failed (exit {result.returncode})\n{output}")
    folder = dist / NAME
    return Build(folder, seconds, folder_size(folder))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", nargs="?", type=Path, default=ROOT / "dist",
                        help="output folder (the bundle is DIST/tnt-desktop)")
    parser.add_argument("--verbose", action="store_true", help="show PyInstaller's log")
    args = parser.parse_args(argv)
    if (args.dist / NAME).exists():
        shutil.rmtree(args.dist / NAME)
    build = build_bundle(args.dist, quiet=not args.verbose)
    print(f"bundle: {build.folder}")
    print(f"build time: {build.seconds:.1f} s")
    print(f"size: {build.size_mb:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
