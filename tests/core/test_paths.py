"""Per-user folders: platformdirs by default, TNT_DATA_DIR / TNT_LOG_DIR / TNT_CONFIG_DIR to move
them; the default database, its backups and the log follow the overrides everywhere."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from platformdirs import user_data_path, user_log_path

from tnt_desktop import logs, paths
from tnt_desktop.config import config_path
from tnt_desktop.paths import default_db_path

ADMIN_PW = "Admin-Pass-77"
pytestmark = pytest.mark.req("REQ-SEC-02")  # data and backups where the site expects them


@pytest.fixture(autouse=True)
def no_overrides(monkeypatch):
    for name in ("TNT_DATA_DIR", "TNT_LOG_DIR", "TNT_CONFIG_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_the_platform_folders():
    assert paths.user_data_dir() == user_data_path("TNT-Desktop", "FJMUUH")
    assert paths.user_log_dir() == user_log_path("TNT-Desktop", "FJMUUH")
    assert default_db_path() == paths.user_data_dir() / "tnt-sts.db"
    # never beside the program (an upgrade replaces the installation folder)
    program = Path(paths.__file__).resolve().parent.parent
    for folder in (paths.user_data_dir(), paths.user_log_dir(), config_path().parent):
        assert not folder.resolve().is_relative_to(program)


def test_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("TNT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TNT_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("TNT_CONFIG_DIR", str(tmp_path / "config"))
    assert paths.user_data_dir() == tmp_path / "data"
    assert default_db_path() == tmp_path / "data" / "tnt-sts.db"
    assert paths.user_log_dir() == tmp_path / "logs"
    assert config_path() == tmp_path / "config" / "preferences.json"


def test_override_forms(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TNT_DATA_DIR", "~/trial")
    assert paths.user_data_dir() == tmp_path / "trial"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TNT_LOG_DIR", "relative/logs")
    assert paths.user_log_dir() == tmp_path / "relative" / "logs"
    assert paths.user_log_dir().is_absolute()
    monkeypatch.setenv("TNT_DATA_DIR", "  ")  # blank counts as unset
    assert paths.user_data_dir() == user_data_path("TNT-Desktop", "FJMUUH")


def test_log_goes_to_the_overridden_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("TNT_LOG_DIR", str(tmp_path / "logs"))
    logger = logging.getLogger(logs.LOG_NAME)
    saved = [h for h in logger.handlers if isinstance(h, logs.RotatingLog)]
    for handler in saved:
        logger.removeHandler(handler)
    try:
        path = logs.setup_logging()
        logs.get_logger("test").info("hello from test_paths")
        assert path == tmp_path / "logs" / "tnt-desktop.log"
        assert "hello from test_paths" in path.read_text(encoding="utf-8")
    finally:
        for handler in [h for h in logger.handlers if isinstance(h, logs.RotatingLog)]:
            logger.removeHandler(handler)
            handler.close()
        for handler in saved:
            logger.addHandler(handler)


def _cli(*args, env):
    return subprocess.run([sys.executable, "-m", "tnt_desktop", *map(str, args)],
                          capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=300)  # fmt: skip


def test_commands_use_the_data_folder_and_backups_beside_it(tmp_path):
    """Without --db every command uses TNT_DATA_DIR/tnt-sts.db; a backup without --out goes to
    TNT_DATA_DIR/backups; nothing is written to the platform folder of HOME."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TNT_", "XDG_"))}
    env.update(HOME=str(home), TNT_LANG="en", TNT_PASSWORD=ADMIN_PW,
               TNT_DATA_DIR=str(tmp_path / "trial data"))  # fmt: skip
    init = _cli("admin", "init", "--site", "01", "--admin", "boss", env=env)
    assert init.returncode == 0, init.stderr
    data = tmp_path / "trial data"
    assert (data / "tnt-sts.db").is_file() and (data / "tnt-sts.db.keys").is_file()
    backup = _cli("admin", "backup", "--user", "boss", env=env)
    assert backup.returncode == 0, backup.stderr
    assert list((data / "backups").glob("*.tntbak"))
    assert not any(home.rglob("tnt-sts.db*"))
