"""`tnt-desktop`: the parser and `main` — headless commands for administration, automation,
support and tests; without a command, the desktop application. Every command and sub-command
answers `--help` and `--version`. Errors the user can cause print a message in the user's
language (TNT_LANG=zh|en, else the locale) and exit non-zero; they never print a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tnt_desktop import APP_NAME
from tnt_desktop.cli.common import (
    NEW_PASSWORD_ENV,
    PASSWORD_ENV,
    Parser,
    read_password,
    run_guarded,
    say,
)
from tnt_desktop.errors import OutputError, StudyDefinitionError, TntError
from tnt_desktop.study.model import Text


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="tnt-desktop",
        description=f"{APP_NAME} — eCRF of the TNT-STS trial (NCT06593899). "
        "Without a command: start the desktop application.",
    )
    parser.add_argument("--demo", action="store_true",
                        help="open the desktop application on a throwaway demo database")
    parser.add_argument("--db", type=Path, default=None, help="database file for the desktop "
                        "application (default: the last one used, else the per-user data folder)")
    parser.add_argument("--lang", choices=["zh", "en"], default=None,
                        help="language of the desktop application")
    # Support / frozen-app smoke test (hidden): log in as NAME (password from TNT_PASSWORD)
    # without the dialog, show the main window, save it as PNG after the first paint, exit 0.
    parser.add_argument("--smoke-screenshot", type=Path, default=None, metavar="FILE.png",
                        help=argparse.SUPPRESS)
    parser.add_argument("--smoke-user", default="coordinator", metavar="NAME",
                        help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    study = commands.add_parser("study", help="inspect the study definition")
    study_commands = study.add_subparsers(dest="study_command", metavar="SUBCOMMAND")
    check = study_commands.add_parser(
        "check", help="validate the study definition itself (exit 3 on any problem)"
    )
    check.add_argument("--warnings", action="store_true", help="also list warnings")
    check.set_defaults(handler=_study_check)
    dictionary = study_commands.add_parser(
        "dictionary", help="write the data dictionary (one row per item) as CSV"
    )
    dictionary.add_argument("--out", required=True, type=Path, metavar="FILE.csv")
    dictionary.set_defaults(handler=_study_dictionary)
    study.set_defaults(handler=lambda args: _print_help(study))

    from tnt_desktop.cli.admin import add_admin_parsers
    from tnt_desktop.cli.export import add_export_parsers
    from tnt_desktop.cli.sponsor import add_sponsor_parsers
    from tnt_desktop.cli.workflow import add_workflow_parsers
    from tnt_desktop.paths import default_db_path

    add_admin_parsers(commands, Parser)
    add_export_parsers(commands, Parser)
    add_workflow_parsers(commands, Parser)
    add_sponsor_parsers(commands, Parser)
    passwd = commands.add_parser(
        "passwd", help=f"change your own password (also the forced change of a new account): "
        f"current password from a prompt or {PASSWORD_ENV}, new one from a prompt or "
        f"{NEW_PASSWORD_ENV}")  # fmt: skip
    passwd.add_argument("--db", type=Path, default=default_db_path(),
                        help="database file (default: the per-user data folder)")
    passwd.add_argument("--user", required=True, metavar="NAME", help="your user name")
    passwd.set_defaults(handler=_passwd)
    return parser


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _study_check(args: argparse.Namespace) -> int:
    from tnt_desktop.study.definition import get_study
    from tnt_desktop.study.selfcheck import check_study

    study = get_study()
    problems = check_study(study)
    errors = [p for p in problems if not p.warning]
    for problem in problems:
        if not problem.warning or args.warnings:
            print(problem, file=sys.stderr)
    items = len(study.item_definitions())
    summary = (
        f"{len(study.events)} events, {len(study.forms)} forms, {items} items, "
        f"{len(study.codelists)} codelists, {len(study.derivations)} derivations, "
        f"{len(study.checks)} edit checks"
    )
    if errors:
        raise StudyDefinitionError(
            Text(
                f"study check failed: {len(errors)} problem(s) in {summary}",
                f"研究定义检查未通过：{summary} 中有 {len(errors)} 个问题",
            )
        )
    warnings = len(problems) - len(errors)
    say(
        Text(
            f"study check passed: {summary}; {warnings} warning(s)",
            f"研究定义检查通过：{summary}；{warnings} 条警告",
        )
    )
    return 0


def _study_dictionary(args: argparse.Namespace) -> int:
    from tnt_desktop.exports.dictionary import write_dictionary_csv
    from tnt_desktop.study.definition import get_study

    out: Path = args.out
    try:
        count = write_dictionary_csv(get_study(), out)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OutputError(
            Text(f"cannot write {out}: {reason}", f"无法写入 {out}：{reason}")
        ) from None
    say(Text(f"data dictionary: {count} items written to {out}",
              f"数据字典：已写入 {count} 个条目到 {out}"))  # fmt: skip
    return 0


def _passwd(args: argparse.Namespace) -> int:
    from tnt_desktop.services import auth

    old = read_password(PASSWORD_ENV, Text(f"Current password for {args.user}",
                                           f"{args.user} 的当前密码"))  # fmt: skip
    session = auth.login(Path(args.db), args.user, old)  # a forced change is allowed here
    try:
        prompt = Text(f"New password for {args.user}", f"{args.user} 的新密码")
        new = read_password(NEW_PASSWORD_ENV, prompt, confirm=True)
        auth.change_password(session, old, new)
    finally:
        auth.logout(session)
    say(Text(f"password of {args.user} changed", f"已修改 {args.user} 的密码"))
    return 0


def _start_gui(args: argparse.Namespace) -> int:
    try:
        from tnt_desktop.gui.app import LaunchOptions, run
    except ImportError as exc:  # PySide6 missing or its system libraries absent
        say(Text(f"the desktop application cannot start ({exc}); the headless commands work",
                  f"桌面程序无法启动（{exc}）；命令行功能可用"), sys.stderr)  # fmt: skip
        return 9
    return run(LaunchOptions(db=args.db, demo=args.demo, lang=args.lang or "",
                             smoke_screenshot=args.smoke_screenshot,
                             smoke_user=args.smoke_user))  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    try:
        if handler is None:
            return _start_gui(args)
        return run_guarded(handler, args)
    except TntError as exc:
        say(exc.message, sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
