"""`tnt-desktop lock|unlock|freeze|unfreeze` — the data manager's freeze and lock from scripts
(issue 6, item 5; CRF_SPEC.md REQ-DQ-04).

    tnt-desktop lock database --db PATH --user NAME [--reason TEXT]
    tnt-desktop lock subject KEY --db PATH --user NAME [--reason TEXT]
    tnt-desktop lock form KEY EVENT FORM [--repeat N] --db PATH --user NAME [--reason TEXT]
    tnt-desktop unlock database|subject KEY|form KEY EVENT FORM … --reason TEXT
    tnt-desktop freeze KEY …  [--reason TEXT]      tnt-desktop unfreeze KEY … --reason TEXT

They call the same services as the desktop application (services.workflow): the permission
(data manager), the state machine, the reason an unlock needs and the audit entry are theirs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tnt_desktop.cli.common import PASSWORD_ENV, default_db_path, login, say
from tnt_desktop.study.model import Text

_TARGETS = ("database", "subject", "form")


def _run(args: argparse.Namespace, step) -> int:
    from tnt_desktop.services import auth

    app = login(args)
    try:
        done = step(app)
    finally:
        auth.logout(app)
    say(done)
    return 0


def lock_command(args: argparse.Namespace) -> int:
    from tnt_desktop.services import workflow as wf

    unlock = args.command == "unlock"
    target = args.target
    if target == "database":
        def step(app):
            (wf.unlock_database if unlock else wf.lock_database)(app, args.reason)
            return Text(f"database {'unlocked' if unlock else 'locked'}",
                        f"数据库已{'解锁' if unlock else '锁定'}")  # fmt: skip
    elif target == "subject":
        def step(app):
            (wf.unlock_subject if unlock else wf.lock_subject)(app, args.key, args.reason)
            return Text(f"subject {args.key} {'unlocked' if unlock else 'locked'}",
                        f"受试者 {args.key} 已{'解锁' if unlock else '锁定'}")  # fmt: skip
    else:
        def step(app):
            new = (wf.unlock_form if unlock else wf.lock_form)(
                app, args.key, args.event, args.repeat, args.form, args.reason)  # fmt: skip
            label = wf.FORM_STATUS_LABELS[wf.FormStatus(new)]
            where = f"{args.key} {args.event} #{args.repeat} {args.form}"
            return Text(f"{where}: {label.en}", f"{where}：{label.zh}")
    return _run(args, step)


def freeze_command(args: argparse.Namespace) -> int:
    from tnt_desktop.services import workflow as wf

    unfreeze = args.command == "unfreeze"

    def step(app):
        (wf.unfreeze_subject if unfreeze else wf.freeze_subject)(app, args.key, args.reason)
        return Text(f"subject {args.key} {'unfrozen' if unfreeze else 'frozen'}",
                    f"受试者 {args.key} 已{'解冻' if unfreeze else '冻结'}")  # fmt: skip

    return _run(args, step)


def _common(parser: argparse.ArgumentParser, *, reason_required: bool) -> None:
    parser.add_argument("--db", type=Path, default=default_db_path(),
                        help="database file (default: the per-user data folder)")
    parser.add_argument("--user", required=True, metavar="NAME",
                        help=f"your user name (password from a prompt or {PASSWORD_ENV})")
    parser.add_argument("--reason", required=reason_required, default=None, metavar="TEXT",
                        help="reason, kept in the audit trail" + (
                            " (required)" if reason_required else ""))  # fmt: skip


def add_workflow_parsers(commands, parser_class) -> None:
    for name, helptext in (("lock", "lock the database, a subject or a form (no change at all)"),
                           ("unlock", "unlock the database, a subject or a form (needs a "
                                      "reason)")):  # fmt: skip
        command = commands.add_parser(name, help=helptext)
        targets = command.add_subparsers(dest="target", metavar="TARGET",
                                         parser_class=parser_class)  # fmt: skip
        command.set_defaults(handler=lambda a, c=command: (c.print_help(), 0)[1])
        for target in _TARGETS:
            sub = targets.add_parser(target, help=f"{name} the {target}")
            if target != "database":
                sub.add_argument("key", metavar="SUBJECT", help="study ID or screening number")
            if target == "form":
                sub.add_argument("event", metavar="EVENT", help="event OID, e.g. SE.SCR")
                sub.add_argument("form", metavar="FORM", help="form code, e.g. IE")
                sub.add_argument("--repeat", type=int, default=1, help="event repeat (default 1)")
            _common(sub, reason_required=name == "unlock")
            sub.set_defaults(handler=lock_command)
    for name, helptext in (("freeze", "freeze a subject (no data entry; queries still possible)"),
                           ("unfreeze", "unfreeze a subject (needs a reason)")):  # fmt: skip
        command = commands.add_parser(name, help=helptext)
        command.add_argument("key", metavar="SUBJECT", help="study ID or screening number")
        _common(command, reason_required=name == "unfreeze")
        command.set_defaults(handler=freeze_command)
