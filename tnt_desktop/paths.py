"""The one resolver for resource files and per-user folders.

Resources are found beside the package in a checkout or an installed wheel, and under
`sys._MEIPASS` in a PyInstaller bundle. User folders come from platformdirs so that data,
backups and logs live where each platform expects them, outside the installation folder (/opt,
Program Files), so that installing, upgrading or removing the program never touches them.

Both can be moved with an environment variable (a site that keeps trial data on a dedicated,
backed-up drive, or a support person who wants the log on a USB stick):

    TNT_DATA_DIR   the data folder: the default database `tnt-sts.db` (and so its `backups/`)
    TNT_LOG_DIR    the log folder
    TNT_CONFIG_DIR the preferences folder (read by tnt_desktop.config)

An empty variable counts as unset; `~` is expanded and a relative path is taken from the
current folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR_NAME = "TNT-Desktop"
APP_AUTHOR = "FJMUUH"
DATA_DIR_ENV = "TNT_DATA_DIR"
LOG_DIR_ENV = "TNT_LOG_DIR"


INSTALLED_RESOURCES = "_resources"  # where a wheel carries resources/ (setup.py maps it)


def resource_root() -> Path:
    """`resources/`: under sys._MEIPASS in a bundle, `tnt_desktop/_resources/` in an installed
    wheel, else the checkout's top-level folder (an editable install or a source tree)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    package = Path(__file__).resolve().parent
    installed = package / INSTALLED_RESOURCES
    if installed.is_dir():
        return installed
    return package.parent / "resources"


def resource(*parts: str) -> Path:
    return resource_root().joinpath(*parts)


def env_folder(name: str) -> Path | None:
    """The folder an environment variable names (absolute, `~` expanded), None when unset."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    return Path(os.path.abspath(os.path.expanduser(value)))


def user_data_dir() -> Path:
    """Where the default database lives (its backups go to `backups/` beside it)."""
    override = env_folder(DATA_DIR_ENV)
    if override is not None:
        return override
    from platformdirs import user_data_path

    return user_data_path(APP_DIR_NAME, APP_AUTHOR)


def default_db_path() -> Path:
    """The database used when none is named: `tnt-sts.db` in the per-user data folder."""
    return user_data_dir() / "tnt-sts.db"


def user_log_dir() -> Path:
    override = env_folder(LOG_DIR_ENV)
    if override is not None:
        return override
    from platformdirs import user_log_path

    return user_log_path(APP_DIR_NAME, APP_AUTHOR)
