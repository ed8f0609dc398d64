"""Application preferences (never patient data): a small JSON file in the user config folder.

Typed with defaults merged on load; a corrupt or unreadable file is set aside and defaults are
used, so the program always starts. Writes are atomic.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any


@dataclass
class Preferences:
    last_database: str = ""
    last_user: str = ""
    language: str = ""  # "" = follow the system locale
    user_languages: dict[str, str] = field(default_factory=dict)  # per user: "zh" / "en"
    casebook_width: int = 0  # px of the casebook beside a form; 0 = a share of the window

    def language_for(self, username: str) -> str:
        return self.user_languages.get(username) or self.language


def config_path() -> Path:
    from tnt_desktop.paths import APP_AUTHOR, APP_DIR_NAME, env_folder

    override = env_folder("TNT_CONFIG_DIR")
    if override is not None:
        return override / "preferences.json"
    from platformdirs import user_config_path

    return user_config_path(APP_DIR_NAME, APP_AUTHOR) / "preferences.json"


def load_preferences(path: Path | None = None) -> Preferences:
    path = path or config_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Preferences()
    except (OSError, ValueError):
        _set_aside(path)
        return Preferences()
    if not isinstance(data, dict):
        _set_aside(path)
        return Preferences()
    known = {f.name: f for f in fields(Preferences)}
    defaults = Preferences()
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in known and isinstance(value, type(getattr(defaults, name))):
            values[name] = value
    return Preferences(**values)


def save_preferences(preferences: Preferences, path: Path | None = None) -> None:
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # not at import time: the login window shows first (issue 4)

    fd, tmp = tempfile.mkstemp(prefix=".preferences-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(preferences), handle, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _set_aside(path: Path) -> None:
    try:
        path.replace(path.with_suffix(".corrupt.json"))
    except OSError:
        pass
