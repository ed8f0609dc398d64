"""The one resolver for resource files and per-user folders.

Resources are found beside the package in a checkout or an installed wheel, and under
`sys._MEIPASS` in a PyInstaller bundle. User folders come from platformdirs so that data,
backups and logs live where each platform expects them (and an upgrade never touches them).
"""

from __future__ import annotations

import sys
from pathlib import Path

APP_DIR_NAME = "TNT-Desktop"
APP_AUTHOR = "FJMUUH"


def resource_root() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resource_root().joinpath(*parts)


def user_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_DIR_NAME, APP_AUTHOR)


def user_log_dir() -> Path:
    from platformdirs import user_log_path

    return user_log_path(APP_DIR_NAME, APP_AUTHOR)
