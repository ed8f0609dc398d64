"""`tnt-desktop admin …` and `tnt-desktop demo`: their parsers and handlers.

Passwords follow cli.common; they are never printed, logged or put in an exception — except the
demo password, which `demo` prints on purpose.
"""

from __future__ import annotations

import argparse
import contextlib
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
from tnt_desktop.errors import TntError, UsageError
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
        _logout_quietly(app)
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
        _logout_quietly(app)
    say(Text(f"reset the password of {args.name}; they must change it at next login",
             f"已重置 {args.name} 的密码；下次登录时必须修改"))  # fmt: skip
    return 0


def user_deactivate(args: argparse.Namespace) -> int:
    from tnt_desktop.services import auth

    app = login(args)
    try:
        auth.deactivate_user(app, args.name)
    finally:
        _logout_quietly(app)
    say(Text(f"deactivated {args.name}; their key slot is removed, their signing key revoked and "
             "the database re-keyed (no earlier copy of the key file opens it)",
             f"已停用 {args.name}；其密钥槽已删除、签名密钥已撤销，数据库已更换密钥"
             "（此前的密钥文件副本均无法打开它）"))  # fmt: skip
    return 0


def user_list(args: argparse.Namespace) -> int:
    from tnt_desktop.services import auth

    app = login(args)
    try:
        for user in auth.list_users(app):
            state = "active" if user["active"] else "inactive"
            print(f"{user['username']:<16} {user['role']:<13} {state}")
    finally:
        _logout_quietly(app)
    return 0


def _logout_quietly(app) -> None:
    """Log out without letting a second error (a damaged file, a full disk) hide the first."""

    try:
        _logout_quietly(app)
    except Exception:  # the command's own result or error is what matters
        with contextlib.suppress(Exception):
            app.db.close()


def icf_version_add(args: argparse.Namespace) -> int:
    from tnt_desktop.services import consent_versions

    app = login(args)
    try:
        version = consent_versions.add_version(app, args.label, args.version_date,
                                               args.approval_date)  # fmt: skip
    finally:
        _logout_quietly(app)
    say(Text(f"recorded consent version {version.decode.en}",
             f"已记录知情同意书版本 {version.decode.zh}"))  # fmt: skip
    return 0


def icf_version_list(args: argparse.Namespace) -> int:
    from tnt_desktop.cli.common import ui_language
    from tnt_desktop.services import consent_versions

    app = login(args)
    try:
        versions = consent_versions.list_versions(app)
    finally:
        _logout_quietly(app)
    for version in versions:
        print(f"{version.label:<16} {version.decode.get(ui_language())}")
    return 0


def admin_verify(args: argparse.Namespace) -> int:
    from tnt_desktop.errors import DatabaseDamaged
    from tnt_desktop.services import integrity

    app = login(args)
    try:
        report = integrity.verify(app)
    except DatabaseDamaged as exc:  # damage met while reading: that is verify's finding
        say(exc.message, sys.stderr)
        return 8
    finally:
        _logout_quietly(app)
    say(report.message(), None if report.ok else sys.stderr)
    if not report.ok:
        say(Text(f"next step: restore the database from a backup made before the damage "
                 f"(tnt-desktop admin restore --db {args.db} --user NAME FILE) and keep this "
                 "file for investigation",
                 f"下一步：用损坏之前的备份恢复数据库（tnt-desktop admin restore --db {args.db} "
                 "--user 用户名 备份文件），并保留此文件以供调查"), sys.stderr)  # fmt: skip
    return 0 if report.ok else 8


def admin_site_key(args: argparse.Namespace) -> int:
    """Write the site's OpenPGP public key: the sponsor checks packages with it."""
    from tnt_desktop.services import trust

    app = login(args)
    try:
        armored = trust.site_pgp_public(app)
    finally:
        _logout_quietly(app)
    out = Path(args.out)
    try:
        out.write_text(armored, encoding="utf-8")
    except OSError as exc:
        from tnt_desktop.storage.database import os_error_to_tnt

        mapped = os_error_to_tnt(exc, out.parent)
        raise (mapped if isinstance(mapped, TntError) else TntError(
            Text(f"cannot write {out}: {exc.strerror}", f"无法写入 {out}：{exc.strerror}")
        )) from None  # fmt: skip
    say(Text(f"the site's OpenPGP public key is in {out}; give it to the sponsor once (they "
             "open packages with --site-key)",
             f"中心的 OpenPGP 公钥已写入 {out}；请将其交给申办方一次（打开数据包时使用 "
             "--site-key）"))  # fmt: skip
    return 0


def admin_backup(args: argparse.Namespace) -> int:
    from tnt_desktop.services import backups

    app = login(args)
    try:
        path = backups.backup_now(app, Path(args.out) if args.out else None)
    finally:
        _logout_quietly(app)
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


def admin_workstation(args: argparse.Namespace) -> int:
    """Renumber a database set up from another workstation's backup (services.sequences)."""
    from tnt_desktop.services import auth
    from tnt_desktop.services.sequences import set_workstation

    app = login(args)
    try:
        blocks = set_workstation(app, args.workstation, args.screening_block, args.id_block)
    finally:
        auth.logout(app)
    shown = ", ".join(f"{k.split('.')[-1]} {v}" for k, v in blocks.items())
    say(Text(f"{args.db} is now workstation {args.workstation} ({shown})",
             f"{args.db} 现为工作站 {args.workstation}（{shown}）"))  # fmt: skip
    return 0


def add_workstation_arguments(parser, *, blocks: bool = False) -> None:
    parser.add_argument("--workstation", type=int, default=1, metavar="W",
                        help="this workstation's number within the site, 1-99 (default 1); it "
                        "picks the number blocks and names the workstation's export packages")
    if blocks:
        parser.add_argument("--screening-block", default=None, metavar="FIRST-LAST",
                            help="this workstation's screening numbers (default by "
                            "workstation: W1 1-999, W2 1000-1999, …)")  # fmt: skip
        parser.add_argument("--id-block", default=None, metavar="FIRST-LAST",
                            help="this workstation's study IDs (default by workstation: "
                            "W1 1-99, W2 100-199, …)")  # fmt: skip


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
    add_workstation_arguments(init, blocks=True)
    init.set_defaults(handler=admin_init)
    renumber = with_db(sub.add_parser("workstation", help="make a database set up from another "
                                      "workstation's backup this workstation (its number and "
                                      "number blocks)"))  # fmt: skip
    add_workstation_arguments(renumber, blocks=True)
    renumber.set_defaults(handler=admin_workstation)

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
    site_key = with_db(sub.add_parser("site-key", help="write the site's OpenPGP public key "
                                      "(the sponsor checks packages with it)"))  # fmt: skip
    site_key.add_argument("--out", type=Path, required=True, metavar="FILE")
    site_key.set_defaults(handler=admin_site_key)
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
