"""The PyInstaller bundle, built once per test session for every packaging test.

`bundle` is the one-folder bundle (`…/tnt-desktop/` with `tnt-desktop`, `tnt-desktop-cli` and
`_internal/`), built by packaging/build.py from build.spec into a temporary folder (about a
minute). For local iteration, TNT_BUNDLE=/path/to/dist/tnt-desktop reuses a bundle built before
(`.venv/bin/python packaging/build.py`) instead of building one.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE_ENV = "TNT_BUNDLE"


def load_build_module():
    """packaging/build.py (packaging/ is a folder of scripts, not a package)."""
    if "tnt_packaging_build" in sys.modules:
        return sys.modules["tnt_packaging_build"]
    spec = importlib.util.spec_from_file_location("tnt_packaging_build",
                                                  ROOT / "packaging" / "build.py")  # fmt: skip
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def bundle(tmp_path_factory) -> Path:
    build = load_build_module()
    given = os.environ.get(BUNDLE_ENV, "").strip()
    if given:
        folder = Path(given).resolve()
    else:
        result = build.build_bundle(tmp_path_factory.mktemp("dist"))
        print(f"\nbundle built in {result.seconds:.0f} s: {result.size_mb:.1f} MB")
        folder = result.folder
    for name in ("tnt-desktop", "tnt-desktop-cli"):
        exe = folder / (name + build.EXE_SUFFIX)
        assert exe.is_file(), f"the bundle has no {exe.name}: {folder}"
    return folder
