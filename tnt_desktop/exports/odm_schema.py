"""Where the official CDISC schemas come from: the `odmlib` package (CDISC community, MIT), which
ships ODM 1.3.2 and Define-XML 2.1 as files. They are CDISC's, not ours, so the project never
copies them: a checkout or an installed wheel reads them from the installed package, a
PyInstaller bundle from `resources/odm1-3-2` and `resources/define2-1` (build.spec collects the
same files there). `$TNT_ODM_SCHEMA` (ODM1-3-2.xsd or its folder) overrides, for support.

odmlib's ODM foundation differs from CDISC's original by one optional attribute; the strict
extended schema compiled in `odm_extension` is built on it either way.

The package is located without importing it (odmlib's `__init__` loads its validators), so
asking for a path costs a directory look-up only.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

SCHEMA_ENV = "TNT_ODM_SCHEMA"
ODM_FILE = "ODM1-3-2.xsd"
DEFINE_FILE = "define2-1-0.xsd"
ODM_BUNDLE_DIR = "odm1-3-2"
DEFINE_BUNDLE_DIR = "define2-1"
ODMLIB_ODM = ("schemas", "odm", "1.3.2")
ODMLIB_DEFINE = ("schemas", "define", "2.1")


def odmlib_folder(*parts: str) -> Path | None:
    """A folder inside the installed odmlib package, or None when odmlib is not installed."""
    spec = importlib.util.find_spec("odmlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    return folder if folder.is_dir() else None


def _first_file(name: str, bundle_dir: str, odmlib_parts: tuple[str, ...],
                override: str | None = None) -> Path | None:
    from tnt_desktop.paths import resource

    candidates: list[Path] = []
    if override:
        candidates.append(Path(override))
    candidates.append(resource(bundle_dir))
    packaged = odmlib_folder(*odmlib_parts)
    if packaged is not None:
        candidates.append(packaged)
    for candidate in candidates:
        path = candidate / name if candidate.is_dir() else candidate
        if path.is_file():
            return path
    return None


def odm_schema_path() -> Path | None:
    """ODM1-3-2.xsd (with its foundation, xml.xsd and xmldsig beside it), or None."""
    return _first_file(ODM_FILE, ODM_BUNDLE_DIR, ODMLIB_ODM, os.environ.get(SCHEMA_ENV) or None)


def define_schema_path() -> Path | None:
    """define2-1-0.xsd (Define-XML 2.1, with the ODM foundation it extends beside it), or None."""
    return _first_file(DEFINE_FILE, DEFINE_BUNDLE_DIR, ODMLIB_DEFINE)
