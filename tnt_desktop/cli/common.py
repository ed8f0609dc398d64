"""What every `tnt-desktop` command shares: the user's language, printing a bilingual message,
passwords from a prompt or the environment, logging in, the parser class whose every
sub-command answers --version, and the guard that turns OS errors into clear messages.

Passwords come from a prompt (no echo) or, for scripts, from TNT_PASSWORD (the user's own
password) and TNT_NEW_PASSWORD (a new account's temporary password). They are never printed,
logged or put in an exception.
"""

from __future__ import annotations

import argparse
import getpass
import locale
import os
import sys
from pathlib import Path

from tnt_desktop import APP_NAME, __version__
from tnt_desktop.errors import TntError, UsageError
from tnt_desktop.paths import default_db_path  # noqa: F401 - the commands' --db default
from tnt_desktop.study.model import Text

PASSWORD_ENV = "TNT_PASSWORD"
NEW_PASSWORD_ENV = "TNT_NEW_PASSWORD"


def ui_language() -> str:
    chosen = os.environ.get("TNT_LANG") or os.environ.get("LANG") or ""
    if not chosen:
        chosen = (locale.getlocale()[0] or "") if hasattr(locale, "getlocale") else ""
    return "zh" if chosen.lower().startswith("zh") else "en"


def say(text: Text, stream=None) -> None:
    print(text.get(ui_language()), file=stream or sys.stdout)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose every sub-command also answers --version."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_argument(
            "--version", action="version", version=f"{APP_NAME} {__version__}",
            help="print the version and exit",
        )  # fmt: skip


def read_password(env: str, prompt: Text, *, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise UsageError(
            Text(f"no password: set {env} or run the command in a terminal",
                 f"未提供密码：请设置 {env} 或在终端中运行该命令")
        )  # fmt: skip
    first = getpass.getpass(prompt.get(ui_language()) + ": ")
    if confirm:
        again = getpass.getpass(
            Text("Repeat the password", "再次输入密码").get(ui_language()) + ": "
        )
        if again != first:
            raise UsageError(Text("the passwords do not match", "两次输入的密码不一致"))
    return first


def login(args: argparse.Namespace):
    from tnt_desktop.services import auth

    password = read_password(PASSWORD_ENV, Text(f"Password for {args.user}", f"{args.user} 的密码"))
    return auth.login(Path(args.db), args.user, password)


def run_guarded(handler, args) -> int:
    """Map OS errors the user can cause to clear messages; TntError passes through."""
    try:
        return int(handler(args))
    except TntError:
        raise
    except PermissionError as exc:
        raise TntError(Text(f"permission denied: {exc.filename}",
                            f"无权限：{exc.filename}")) from None  # fmt: skip
    except OSError as exc:
        from tnt_desktop.storage.database import os_error_to_tnt

        where = exc.filename or getattr(args, "out", None) or Path(
            getattr(args, "db", None) or Path.cwd() / "x").parent  # name a folder, never ""
        mapped = os_error_to_tnt(exc, where)
        if isinstance(mapped, TntError):
            raise mapped from None
        raise TntError(Text(f"cannot complete: {exc.strerror or exc}",
                            f"无法完成：{exc.strerror or exc}")) from None  # fmt: skip
