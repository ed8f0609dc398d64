"""`tnt-desktop export`, `tnt-desktop import` and `tnt-desktop package open` (issue 5, item 6).

    tnt-desktop export --db PATH --user NAME --out DIR [--formats csv,pdf,odm,define,dsjson]
                       [--package] [--recipient KEYFILE] [--passphrase-env VAR] [--keep-plain]
                       [--cutoff YYYY-MM-DD] [--quiet]
    tnt-desktop import --db PATH --user NAME FILE.xml [--reason TEXT]   # reason: needed to change
                                                                       # saved data
    tnt-desktop package open FILE (--key SECRETKEYFILE | --passphrase-env VAR) --out DIR

The user's password comes from a prompt or TNT_PASSWORD (cli.common.read_password); a package
passphrase only from the environment variable named by --passphrase-env, never from the command
line (it would show in the process list and the shell history). `--recipient` or
`--passphrase-env` imply `--package`; without either, a package goes to the sponsor key of the
study settings. `package open` needs no database: it is what the sponsor (or the site, to check
a copy) runs; it decrypts in memory, verifies every manifest hash and writes nothing unless all
of them match (exit 8 otherwise).

`add_export_parsers(commands, parser_class)` adds the three commands to the main parser
(cli.main).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tnt_desktop.cli.common import PASSWORD_ENV, default_db_path, login, say
from tnt_desktop.errors import UsageError
from tnt_desktop.study.model import Text

IMPORT_REFUSED_EXIT = 10  # the file was read but refused as a whole (all or nothing)


def _passphrase(var: str | None, what: Text) -> str | None:
    if not var:
        return None
    value = os.environ.get(var)
    if not value:
        raise UsageError(Text(f"the environment variable {var} ({what.en}) is not set or empty",
                              f"环境变量 {var}（{what.zh}）未设置或为空"))  # fmt: skip
    return value


class _Progress:
    """Progress of a long export on stderr: on a terminal one line rewritten in place; otherwise
    (a script, a log file) one line per stage and at most one a second within a stage, so a
    scripted export is never silent. `--quiet` prints nothing."""

    def __init__(self, stream=None, clock=None) -> None:
        import time

        self.stream = stream or sys.stderr
        self.clock = clock or time.monotonic
        self.tty = self.stream.isatty()
        self.stage: str | None = None
        self.last = -1.0
        self.printed = False

    def __call__(self, percent: int, message: Text) -> None:
        from tnt_desktop.cli.common import ui_language

        text = message.get(ui_language())
        if self.tty:
            print(f"\r{percent:3d}% {text[:70]:<70}", end="", file=self.stream, flush=True)
            self.printed = True
            return
        stage = text.split(":", 1)[0].split("：", 1)[0]
        now = self.clock()
        if stage != self.stage or now - self.last >= 1.0 or percent >= 100:
            print(f"{percent:3d}% {text}", file=self.stream, flush=True)
            self.stage, self.last = stage, now

    def close(self) -> None:
        if self.tty and self.printed:
            print(file=self.stream)


def _progress_printer(quiet: bool = False) -> _Progress | None:
    return None if quiet else _Progress()


def _cutoff(text: str | None):
    """--cutoff YYYY-MM-DD (clarification 23; default: the export date)."""
    from datetime import date

    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(Text(f"--cutoff needs a date YYYY-MM-DD, not {text!r}",
                              f"--cutoff 需要日期 YYYY-MM-DD，而不是 {text!r}")) from None


# ---- handlers ----------------------------------------------------------------------------------
def export_command(args: argparse.Namespace) -> int:
    from tnt_desktop.exports.run_export import run_export
    from tnt_desktop.services import auth
    from tnt_desktop.services.export_read import ExportProfile

    formats = [f for f in (args.formats or "").split(",") if f.strip()]
    passphrase = _passphrase(args.passphrase_env, Text("package passphrase", "数据包口令"))
    package = bool(args.package or args.recipient or passphrase)
    if args.keep_plain and not package:
        raise UsageError(Text("--keep-plain only applies to a package",
                              "--keep-plain 仅用于数据包"))  # fmt: skip
    if args.recipient is not None and not Path(args.recipient).is_file():
        raise UsageError(Text(f"no key file at {args.recipient}",
                              f"未找到密钥文件：{args.recipient}"))  # fmt: skip
    cutoff = _cutoff(args.cutoff)
    app = login(args)
    show = _progress_printer(args.quiet)
    try:
        result = run_export(
            app, Path(args.out), formats=formats, package=package,
            recipient_key=Path(args.recipient) if args.recipient else None,
            passphrase=passphrase, purpose=args.purpose, recipient=args.recipient_name,
            progress=show, profile=ExportProfile(args.profile), keep_plain=args.keep_plain,
            lang=args.lang or "en", cutoff=cutoff,
        )  # fmt: skip
    finally:
        if show is not None:
            show.close()
        auth.logout(app)
    say(result.message())
    return 0


def import_command(args: argparse.Namespace) -> int:
    from tnt_desktop.exports.odm_import import import_odm
    from tnt_desktop.services import auth

    file = Path(args.file)
    if not file.is_file():
        raise UsageError(Text(f"no file at {file}", f"未找到文件：{file}"))
    app = login(args)
    try:
        report = import_odm(app, file, reason=args.reason)
    finally:
        auth.logout(app)
    _print_import_report(report, args.verbose)
    return 0 if report.imported else IMPORT_REFUSED_EXIT


def _print_import_report(report, verbose: bool) -> None:
    """The summary, every created subject and refusal; changed forms and warnings with
    --verbose (otherwise counted)."""
    lines = report.lines()
    stream = sys.stdout if report.imported else sys.stderr
    say(lines[0], stream)
    for file_key, db_key in report.created:
        say(Text(f"created {db_key} (file {file_key})", f"已新建 {db_key}（文件中为 {file_key}）"),
            stream)  # fmt: skip
    for m in report.refused:
        say(Text(f"refused: {m.subject or '-'} {m.where}: {m.message.en}",
                 f"拒绝：{m.subject or '-'} {m.where}：{m.message.zh}"), sys.stderr)  # fmt: skip
    if verbose:
        for change in report.changed:
            where = f"{change.subject} {change.event}#{change.repeat}/{change.form}"
            say(Text(f"changed {where}: {change.changed} value(s)",
                     f"已修改 {where}：{change.changed} 个数值"), stream)  # fmt: skip
        for m in report.warnings:
            say(Text(f"warning: {m.subject or '-'} {m.where}: {m.message.en}",
                     f"警告：{m.subject or '-'} {m.where}：{m.message.zh}"), stream)  # fmt: skip
    elif report.warnings:
        n = len(report.warnings)
        say(Text(f"{n} warning(s); --verbose lists them and every changed form",
                 f"{n} 条警告；使用 --verbose 列出警告及每份被修改的表单"), stream)  # fmt: skip


def package_open_command(args: argparse.Namespace) -> int:
    from tnt_desktop.exports.package_open import (
        check_chain,
        load_site_key,
        open_package,
        read_secret_key,
    )

    if args.key is None and not args.passphrase_env:
        raise UsageError(Text("give --key SECRETKEYFILE or --passphrase-env VAR",
                              "请提供 --key 私钥文件 或 --passphrase-env 环境变量"))  # fmt: skip
    decryptor = None
    passphrase = None
    if args.key is not None:
        key_pass = _passphrase(args.key_passphrase_env, Text("secret key passphrase", "私钥口令"))
        decryptor = read_secret_key(Path(args.key), key_pass)
    else:
        passphrase = _passphrase(args.passphrase_env, Text("package passphrase", "数据包口令"))
    site_key = load_site_key(args.site_key) if args.site_key else None
    opened = open_package(Path(args.file), decryptor=decryptor, passphrase=passphrase,
                          site_key=site_key, site_key_path=args.site_key)  # fmt: skip
    if args.previous is not None:  # the same workstation's package before this one
        previous = open_package(Path(args.previous), decryptor=decryptor, passphrase=passphrase,
                                site_key=site_key, site_key_path=args.site_key)  # fmt: skip
        check_chain(opened, previous)
    target = opened.extract(Path(args.out))
    m = opened.manifest
    subjects = m.get("subjects", {}).get("count", "?")
    forms = m.get("forms", {}).get("count", "?")
    checked = Text(" (and its .sha256 file)", "（含 .sha256 文件）") if opened.companion_checked \
        else Text("", "")
    say(Text(f"package verified{checked.en}: {len(opened.files)} files match the manifest; "
             f"{subjects} subjects, {forms} forms, profile {m.get('profile')}, data cut-off "
             f"{m.get('data_cutoff') or m.get('data_cutoff_utc')}, {m.get('app', {}).get('name')} "
             f"{m.get('app', {}).get('version')}, metadata {m.get('metadata_version')}; "
             f"extracted to {target}",
             f"数据包校验通过{checked.zh}：{len(opened.files)} 个文件与清单一致；"
             f"{subjects} 名受试者、{forms} 份表单，导出配置 {m.get('profile')}，数据截止 "
             f"{m.get('data_cutoff') or m.get('data_cutoff_utc')}，{m.get('app', {}).get('name')} "
             f"{m.get('app', {}).get('version')}，元数据版本 {m.get('metadata_version')}；"
             f"已解出到 {target}"))  # fmt: skip
    if opened.signed_by_site:
        chained = Text(f"; it continues {args.previous}", f"；并接续 {args.previous}") \
            if args.previous else Text("", "")
        say(Text(f"signed by the site key in {args.site_key}{chained.en}",
                 f"已由 {args.site_key} 中的中心密钥签署{chained.zh}"))  # fmt: skip
    else:
        say(Text("the site's signature was not checked: give --site-key FILE",
                 "未核验中心签名：请提供 --site-key 文件"))  # fmt: skip
    return 0


# ---- parsers -----------------------------------------------------------------------------------
def add_export_parsers(commands, parser_class) -> None:
    db_help = "database file (default: the per-user data folder)"
    user_help = f"your user name (password from a prompt or {PASSWORD_ENV})"

    export = commands.add_parser(
        "export", help="export CSV, CDISC ODM and PDF for the sponsor, as a folder or an "
        "encrypted package")  # fmt: skip
    export.add_argument("--db", type=Path, default=default_db_path(), help=db_help)
    export.add_argument("--user", required=True, metavar="NAME", help=user_help)
    export.add_argument("--out", required=True, type=Path, metavar="DIR",
                        help="folder that receives the export folder or package")
    export.add_argument("--formats", default="csv,odm,pdf", metavar="LIST",
                        help="comma-separated: csv, odm, odm_transactional, pdf, define "
                        "(Define-XML 2.1), dsjson (Dataset-JSON 1.1) (default csv,odm,pdf)"
                        )  # fmt: skip
    export.add_argument("--package", action="store_true",
                        help="write one OpenPGP-encrypted package instead of a plain folder "
                        "(to the sponsor key of the study settings unless --recipient)")
    export.add_argument("--recipient", type=Path, default=None, metavar="KEYFILE",
                        help="the sponsor's OpenPGP public key file (implies --package)")
    export.add_argument("--passphrase-env", default=None, metavar="VAR",
                        help="encrypt with the passphrase in this environment variable when no "
                        "public key is used (implies --package)")  # fmt: skip
    export.add_argument("--keep-plain", action="store_true",
                        help="with a package, also keep the plain export folder")
    export.add_argument("--profile", default="SPONSOR_CODED",
                        choices=["SPONSOR_CODED", "SITE_ARCHIVE"],
                        help="filter profile (default SPONSOR_CODED: no identifiers)")
    export.add_argument("--purpose", default=None, help="purpose, for the export log")
    export.add_argument("--recipient-name", default=None, metavar="TEXT",
                        help="who receives the export, for the export log "
                        "(default: the key's user ID)")  # fmt: skip
    export.add_argument("--lang", choices=["en", "zh"], default=None,
                        help="language of the PDFs (default en)")
    export.add_argument("--cutoff", default=None, metavar="YYYY-MM-DD",
                        help="data cut-off: caps every censoring date and 'as of' statement "
                        "and decides evaluability (default: today)")  # fmt: skip
    export.add_argument("--quiet", action="store_true",
                        help="no progress lines on stderr")
    export.set_defaults(handler=export_command)

    importer = commands.add_parser(
        "import", help="import the clinical data of a CDISC ODM 1.3.2 file (all or nothing)")
    importer.add_argument("--db", type=Path, default=default_db_path(), help=db_help)
    importer.add_argument("--user", required=True, metavar="NAME", help=user_help)
    importer.add_argument("file", type=Path, metavar="FILE.xml")
    importer.add_argument("--reason", default=None, metavar="TEXT",
                          help="your reason for the changes the file makes to saved data: a "
                          "code (TRANSCRIPTION_ERROR, SOURCE_CORRECTED, QUERY_RESPONSE, "
                          "LATE_DATA), 'CODE: text' or free text; required when the file "
                          "changes saved data")  # fmt: skip
    importer.add_argument("--verbose", action="store_true",
                          help="list every changed form and every warning")
    importer.set_defaults(handler=import_command)

    package = commands.add_parser("package", help="open an encrypted export package")
    sub = package.add_subparsers(dest="package_command", metavar="SUBCOMMAND",
                                 parser_class=parser_class)  # fmt: skip
    package.set_defaults(handler=lambda a: (package.print_help(), 0)[1])
    opener = sub.add_parser("open", help="decrypt a package, verify its manifest and extract it")
    opener.add_argument("file", type=Path, metavar="FILE")
    opener.add_argument("--key", type=Path, default=None, metavar="SECRETKEYFILE",
                        help="the recipient's OpenPGP secret key file")
    opener.add_argument("--key-passphrase-env", default=None, metavar="VAR",
                        help="environment variable holding the secret key's passphrase")
    opener.add_argument("--passphrase-env", default=None, metavar="VAR",
                        help="environment variable holding the package passphrase")
    opener.add_argument("--out", required=True, type=Path, metavar="DIR",
                        help="folder to extract the verified files into")
    opener.add_argument("--site-key", type=Path, default=None, metavar="FILE",
                        help="the site's OpenPGP public key (tnt-desktop admin site-key): refuse "
                        "a package it did not sign")  # fmt: skip
    opener.add_argument("--previous", type=Path, default=None, metavar="PACKAGE",
                        help="the same workstation's previous package: refuse this one unless "
                        "it continues that one (sequence, hash, unchanged audit history)")
    opener.set_defaults(handler=package_open_command)
