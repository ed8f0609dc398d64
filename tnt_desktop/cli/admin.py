"""`tnt-desktop admin …` and `tnt-desktop demo`: their parsers and handlers.

Passwords follow cli.common; they are never printed, logged or put in an exception — except the
demo password, which `demo` prints on purpose.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tnt_desktop.cli.common import (
    NEW_PASSWORD_ENV,
    PASSWORD_ENV,
    default_db_path,
    login,
    read_password,
    say,
)
from tnt_desktop.errors import UsageError
from tnt_desktop.study.model import Text


def admin_init(args: argparse.Namespace) -> int:
    from tnt_desktop.services import auth

    password = read_password(
        PASSWORD_ENV, Text(f"New password for {args.admin}", f"{args.admin} 的新密码"),
        confirm=True,
    )  # fmt: skip
    auth.initialise(Path(args.db), site_id=args.site, admin_username=args.admin,
                    admin_password=password, workstation=args.workstation,
                    screening_block=args.screening_block, id_block=args.id_block)  # fmt: skip
    where = f"site {args.site}, workstation {args.workstation}"
    say(Text(f"created the encrypted database {args.db} ({where}) with administrator "
             f"{args.admin}; its key file is {args.db}.keys — keep both together",
             f"已创建加密数据库 {args.db}（中心 {args.site}，工作站 {args.workstation}），"
             f"管理员 {args.admin}；密钥文件为 {args.db}.keys，请与数据库一同保管"))  # fmt: skip
    return 0


def user_add(args: argparse.Namespace) -> int:
    from tnt_desktop.services import auth

    app = login(args)
    try:
        temp = read_password(
            NEW_PASSWORD_ENV, Text(f"Temporary password for {args.name}",
                                   f"{args.name} 的临时密码"), confirm=True,
        )  # fmt: skip
        auth.add_user(app, args.name, args.role, temp, display_name=args.display_name)
    finally:
        auth.logout(app)
    say(Text(f"added {args.name} ({args.role}); they must change the password at first login",
             f"已添加 {args.name}（{args.role}）；首次登录时必须修改密码"))  # fmt: skip
    return 0


def user_reset(args: argparse.Namespace) -> int:
    from tnt_desktop.services import auth

    app = login(args)
    try:
        temp = read_password(
            NEW_PASSWORD_ENV, Text(f"Temporary password for {args.name}",
                                   f"{args.name} 的临时密码"), confirm=True,
        )  # fmt: skip
        auth.reset_password(app, args.name, temp)
    finally:
        auth.logout(app)
    say(Text(f"reset the password of {args.name}; they must change it at next login",
             f"已重置 {args.name} 的密码；下次登录时必须修改"))  # fmt: skip
    return 0


def user_deactivate(args: argparse.Namespace) -> int:
    from tnt_desktop.services import auth

    app = login(args)
    try:
        auth.deactivate_user(app, args.name)
    finally:
        auth.logout(app)
    say(Text(f"deactivated {args.name}; their key slot is removed",
             f"已停用 {args.name}；其密钥槽已删除"))  # fmt: skip
    return 0


def user_list(args: argparse.Namespace) -> int:
    from tnt_desktop.services import auth

    app = login(args)
    try:
        for user in auth.list_users(app):
            state = "active" if user["active"] else "inactive"
            print(f"{user['username']:<16} {user['role']:<13} {state}")
    finally:
        auth.logout(app)
    return 0


def icf_version_add(args: argparse.Namespace) -> int:
    from tnt_desktop.services import auth, consent_versions

    app = login(args)
    try:
        version = consent_versions.add_version(app, args.label, args.version_date,
                                               args.approval_date)  # fmt: skip
    finally:
        auth.logout(app)
    say(Text(f"recorded consent version {version.decode.en}",
             f"已记录知情同意书版本 {version.decode.zh}"))  # fmt: skip
    return 0


def icf_version_list(args: argparse.Namespace) -> int:
    from tnt_desktop.cli.common import ui_language
    from tnt_desktop.services import auth, consent_versions

    app = login(args)
    try:
        versions = consent_versions.list_versions(app)
    finally:
        auth.logout(app)
    for version in versions:
        print(f"{version.label:<16} {version.decode.get(ui_language())}")
    return 0


def admin_verify(args: argparse.Namespace) -> int:
    from tnt_desktop.services import auth, integrity

    app = login(args)
    try:
        report = integrity.verify(app)
    finally:
        auth.logout(app)
    say(report.message(), None if report.ok else sys.stderr)
    return 0 if report.ok else 8


def admin_backup(args: argparse.Namespace) -> int:
    from tnt_desktop.services import auth, backups

    app = login(args)
    try:
        path = backups.backup_now(app, Path(args.out) if args.out else None)
    finally:
        auth.logout(app)
    say(Text(f"backup written: {path}", f"备份已写入：{path}"))
    return 0


def admin_restore(args: argparse.Namespace) -> int:
    from tnt_desktop.services import backups

    password = read_password(PASSWORD_ENV, Text(f"Password for {args.user}", f"{args.user} 的密码"))
    report = backups.restore(Path(args.db), Path(args.file), args.user, password)
    say(report.message())
    return 0


def demo(args: argparse.Namespace) -> int:
    from tnt_desktop.demo import generate_demo

    if args.subjects < 1:
        raise UsageError(Text("--subjects must be at least 1", "--subjects 至少为 1"))

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

    report = generate_demo(Path(args.db), args.subjects, seed=args.seed,
                           password=os.environ.get(PASSWORD_ENV) or None,
                           progress=progress, site_id=args.site,
                           workstation=args.workstation)  # fmt: skip
    if sys.stderr.isatty():
        print(file=sys.stderr)
    say(Text(f"demo database {args.db}: {args.subjects} subjects; accounts admin, coordinator, "
             "investigator, monitor, datamanager",
             f"演示数据库 {args.db}：{args.subjects} 名受试者；账户 admin、coordinator、"
             "investigator、monitor、datamanager"))  # fmt: skip
    print(f"password: {report.password}")
    return 0


def add_workstation_arguments(parser) -> None:
    parser.add_argument("--workstation", type=int, default=1, metavar="W",
                        help="this workstation's number within the site, 1-99 (default 1); it "
                        "picks the number blocks and names the workstation's export packages")

def add_admin_parsers(commands, parser_class) -> None:
    db_help = "database file (default: the per-user data folder)"
    admin = commands.add_parser("admin", help="database administration: init, users, verify, "
                                "backup, restore")  # fmt: skip
    sub = admin.add_subparsers(dest="admin_command", metavar="SUBCOMMAND")
    admin.set_defaults(handler=lambda a: (admin.print_help(), 0)[1])

    def with_db(p, user: bool = True):
        p.add_argument("--db", type=Path, default=default_db_path(), help=db_help)
        if user:
            p.add_argument("--user", required=True, metavar="NAME",
                           help=f"your user name (password from a prompt or {PASSWORD_ENV})")
        return p

    init = with_db(sub.add_parser("init", help="create the encrypted database and its first "
                                  "admin account"), user=False)  # fmt: skip
    init.add_argument("--site", required=True, help="site number, e.g. 01")
    init.add_argument("--admin", required=True, metavar="NAME", help="first admin's user name")
    add_workstation_arguments(init)
    init.add_argument("--screening-block", default=None, metavar="FIRST-LAST",
                      help="this workstation's screening numbers (default by workstation: "
                      "W1 1-999, W2 1000-1999, …)")  # fmt: skip
    init.add_argument("--id-block", default=None, metavar="FIRST-LAST",
                      help="this workstation's study IDs (default by workstation: W1 1-99, "
                      "W2 100-199, …)")  # fmt: skip
    init.set_defaults(handler=admin_init)

    user = sub.add_parser("user", help="user accounts: add, reset, deactivate, list")
    users = user.add_subparsers(dest="user_command", metavar="ACTION")
    user.set_defaults(handler=lambda a: (user.print_help(), 0)[1])
    add = with_db(users.add_parser("add", help="add an account (temporary password)"))
    add.add_argument("name")
    add.add_argument("--role", required=True,
                     choices=["admin", "coordinator", "investigator", "monitor", "datamanager"])
    add.add_argument("--display-name", default=None)
    add.set_defaults(handler=user_add)
    reset = with_db(users.add_parser("reset", help="reset a password (forced change)"))
    reset.add_argument("name")
    reset.set_defaults(handler=user_reset)
    deactivate = with_db(users.add_parser("deactivate", help="deactivate an account"))
    deactivate.add_argument("name")
    deactivate.set_defaults(handler=user_deactivate)
    listing = with_db(users.add_parser("list", help="list accounts"))
    listing.set_defaults(handler=user_list)

    icf = sub.add_parser("icf-version", help="informed consent form versions approved by the "
                         "ethics committee: add, list")  # fmt: skip
    icfs = icf.add_subparsers(dest="icf_command", metavar="ACTION")
    icf.set_defaults(handler=lambda a: (icf.print_help(), 0)[1])
    icf_add = with_db(icfs.add_parser("add", help="record an approved version (audited)"))
    icf_add.add_argument("label", metavar="LABEL", help="the version's code, e.g. V1.1")
    icf_add.add_argument("--version-date", required=True, metavar="YYYY-MM-DD")
    icf_add.add_argument("--approval-date", required=True, metavar="YYYY-MM-DD",
                         help="ethics committee approval date")
    icf_add.set_defaults(handler=icf_version_add)
    icf_list = with_db(icfs.add_parser("list", help="list the approved versions"))
    icf_list.set_defaults(handler=icf_version_list)

    verify = with_db(sub.add_parser("verify", help="check database integrity and the audit "
                                    "chain (exit 8 on a problem)"))  # fmt: skip
    verify.set_defaults(handler=admin_verify)
    backup = with_db(sub.add_parser("backup", help="write an encrypted backup now"))
    backup.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="backup folder (default: the configured one)")
    backup.set_defaults(handler=admin_backup)
    restore = with_db(sub.add_parser("restore", help="restore a backup (the replaced file is "
                                     "kept)"))  # fmt: skip
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.set_defaults(handler=admin_restore)

    demo_parser = commands.add_parser(
        "demo", help="create a database of synthetic subjects at every stage (prints the "
        "accounts' password)")  # fmt: skip
    demo_parser.add_argument("--db", type=Path, required=True)
    demo_parser.add_argument("--subjects", type=int, default=60)
    demo_parser.add_argument("--seed", type=int, default=1)
    demo_parser.add_argument("--site", default=None, help="site number (default: the study's)")
    add_workstation_arguments(demo_parser)
    demo_parser.set_defaults(handler=demo)
