"""`tnt-desktop sponsor …`: the sponsor's consolidated store on PostgreSQL (issue 17).

    tnt-desktop sponsor init --pg URL
    tnt-desktop sponsor import --pg URL --key SECRETKEY [--site-key FILE] PACKAGE…
    tnt-desktop sponsor status --pg URL
    tnt-desktop sponsor conflicts --pg URL [--all] [resolve ID --keep A|B --reason TEXT]
    tnt-desktop sponsor skip --pg URL --site S --workstation W --sequence N --reason TEXT
    tnt-desktop sponsor verify --pg URL
    tnt-desktop sponsor export --pg URL --out DIR [--formats csv,odm,pdf] [--cutoff DATE]

URL: postgresql://USER@HOST/DATABASE (a password in the URL is never printed; prefer
~/.pgpass or PGPASSWORD). `--key` is the sponsor's OpenPGP secret key file (its passphrase, if
any, from the environment variable named by --key-passphrase-env). Exit codes as everywhere: 2
usage, 5 the store cannot be reached or is not initialised, 8 a package refused or a chain
check failed (every other package of the same run is still imported).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from tnt_desktop.cli.common import say
from tnt_desktop.errors import TntError, UsageError
from tnt_desktop.study.model import Text


def _store(args: argparse.Namespace):
    from tnt_desktop.sponsor.store import open_store

    return open_store(args.pg)


def sponsor_init(args: argparse.Namespace) -> int:
    from tnt_desktop.sponsor.store import init_store

    revision = init_store(args.pg)
    say(Text(f"sponsor store ready (schema {revision})", f"申办方数据库已就绪（结构 {revision}）"))
    return 0


def sponsor_import(args: argparse.Namespace) -> int:
    from tnt_desktop.exports.package_open import read_secret_key
    from tnt_desktop.sponsor.importer import import_package, load_site_cert

    passphrase = os.environ.get(args.key_passphrase_env) if args.key_passphrase_env else None
    decryptor = read_secret_key(Path(args.key), passphrase)
    site_cert = load_site_cert(Path(args.site_key)) if args.site_key else None
    store = _store(args)
    worst = 0
    try:
        for path in sorted(args.packages, key=_package_order):
            try:
                result = import_package(store, path, decryptor, site_cert)
                say(result.line())
            except TntError as exc:  # one bad package does not stop the others
                say(exc.message, sys.stderr)
                if isinstance(exc, UsageError):
                    raise
                worst = max(worst, exc.exit_code)
    finally:
        store.close()
    return worst


def _package_order(path: Path) -> str:
    return Path(path).name


def sponsor_status(args: argparse.Namespace) -> int:
    from tnt_desktop.sponsor.review import status, status_lines

    store = _store(args)
    try:
        rows = status(store)
    finally:
        store.close()
    if not rows:
        say(Text("no package imported yet", "尚未导入任何数据包"))
        return 0
    for line in status_lines(rows):
        print(line)
    return 0


def sponsor_conflicts(args: argparse.Namespace) -> int:
    from tnt_desktop.sponsor import review

    store = _store(args)
    try:
        if getattr(args, "conflict_command", None) == "resolve":
            view = review.resolve(store, args.id, args.keep, args.reason)
            say(Text(f"conflict #{view.id} resolved: kept {view.kept}",
                     f"冲突 #{view.id} 已解决：保留 {view.kept}"))  # fmt: skip
            return 0
        views = review.conflicts(store, include_closed=args.all)
    finally:
        store.close()
    if not views:
        say(Text("no open conflict", "没有待处理的冲突"))
    for view in views:
        for line in view.lines():
            print(line)
    return 0


def sponsor_skip(args: argparse.Namespace) -> int:
    from tnt_desktop.sponsor.importer import skip_sequence

    store = _store(args)
    try:
        applied = skip_sequence(store, args.site, args.workstation, args.sequence, args.reason)
    finally:
        store.close()
    then = ", ".join(f"#{n}" for n in applied) or "-"
    say(Text(f"sequence {args.sequence} of site {args.site} workstation {args.workstation} "
             f"skipped; then applied: {then}",
             f"已跳过中心 {args.site} 工作站 {args.workstation} 第 {args.sequence} 号；"
             f"随后应用：{then}"))  # fmt: skip
    return 0


def sponsor_verify(args: argparse.Namespace) -> int:
    from tnt_desktop.sponsor.review import verify_chains

    store = _store(args)
    try:
        findings = verify_chains(store)
    finally:
        store.close()
    bad = [f for f in findings if not f.ok]
    for f in findings:
        state = "ok" if f.ok else f"BROKEN: {f.problem}"
        print(f"site {f.site} workstation {f.workstation}: {f.entries} entries, {state}")
    return 8 if bad else 0


def sponsor_export(args: argparse.Namespace) -> int:
    from tnt_desktop.cli.common import ui_language
    from tnt_desktop.sponsor.reader import export_store

    cutoff = None
    if args.cutoff:
        try:
            cutoff = date.fromisoformat(args.cutoff)
        except ValueError:
            raise UsageError(Text("--cutoff takes a date: YYYY-MM-DD",
                                  "--cutoff 需要日期：YYYY-MM-DD")) from None  # fmt: skip
    formats = [f for f in args.formats.split(",") if f.strip()]
    store = _store(args)
    try:
        result = export_store(store, Path(args.out), formats=formats, cutoff=cutoff,
                              lang=ui_language())  # fmt: skip
    finally:
        store.close()
    say(result.message())
    return 0


def add_sponsor_parsers(commands, parser_class) -> None:
    sponsor = commands.add_parser("sponsor", help="the sponsor's consolidated store on "
                                  "PostgreSQL: init, import, status, conflicts, skip, verify, "
                                  "export")  # fmt: skip
    sub = sponsor.add_subparsers(dest="sponsor_command", metavar="SUBCOMMAND",
                                 parser_class=parser_class)  # fmt: skip
    sponsor.set_defaults(handler=lambda a: (sponsor.print_help(), 0)[1])

    def with_pg(p):
        p.add_argument("--pg", required=True, metavar="URL",
                       help="the store: postgresql://USER@HOST/DATABASE")
        return p

    init = with_pg(sub.add_parser("init", help="create or upgrade the store's tables"))
    init.set_defaults(handler=sponsor_init)
    imp = with_pg(sub.add_parser("import", help="verify, decrypt and apply packages (one "
                                 "summary line each; re-importing changes nothing)"))
    imp.add_argument("--key", required=True, metavar="SECRETKEY",
                     help="the sponsor's OpenPGP secret key file")
    imp.add_argument("--key-passphrase-env", default=None, metavar="VAR",
                     help="environment variable holding the secret key's passphrase")
    imp.add_argument("--site-key", default=None, metavar="FILE",
                     help="the site's public key: refuse packages it did not sign")
    imp.add_argument("packages", nargs="+", type=Path, metavar="PACKAGE")
    imp.set_defaults(handler=sponsor_import)
    stat = with_pg(sub.add_parser("status", help="per site and workstation: last sequence, "
                                  "gaps, open conflicts, last import"))
    stat.set_defaults(handler=sponsor_status)
    conf = with_pg(sub.add_parser("conflicts", help="the review queue (values changed on two "
                                  "workstations since their common base)"))
    conf.add_argument("--all", action="store_true", help="also resolved and superseded ones")
    conf.set_defaults(handler=sponsor_conflicts)
    actions = conf.add_subparsers(dest="conflict_command", metavar="ACTION",
                                  parser_class=parser_class)  # fmt: skip
    resolve = actions.add_parser("resolve", help="keep side A or B, with a reason")
    resolve.add_argument("id", type=int)
    resolve.add_argument("--keep", required=True, choices=["A", "B", "a", "b"])
    resolve.add_argument("--reason", required=True)
    resolve.set_defaults(handler=sponsor_conflicts)
    skip = with_pg(sub.add_parser("skip", help="give up a missing package, with a reason, so "
                                  "the packages waiting behind it are applied"))
    skip.add_argument("--site", required=True)
    skip.add_argument("--workstation", required=True, type=int)
    skip.add_argument("--sequence", required=True, type=int)
    skip.add_argument("--reason", required=True)
    skip.set_defaults(handler=sponsor_skip)
    verify = with_pg(sub.add_parser("verify", help="check every workstation's audit chain in "
                                    "the store (exit 8 if broken)"))
    verify.set_defaults(handler=sponsor_verify)
    export = with_pg(sub.add_parser("export", help="the consolidated export (the files a "
                                    "workstation's export writes, across workstations)"))
    export.add_argument("--out", required=True, type=Path, metavar="DIR")
    export.add_argument("--formats", default="csv,odm,pdf", metavar="LIST")
    export.add_argument("--cutoff", default=None, metavar="DATE")
    export.set_defaults(handler=sponsor_export)
