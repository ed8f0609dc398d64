"""The consolidated store read by the workstation's own export modules.

The store's clinical tables are the workstation's models, so the exports (CSV with its R/SAS
readers, CDISC ODM, PDF casebooks and report) run on it unchanged through a reader session: an
`AppSession` over `StoreDatabase` in the data manager's role (read and export; the store takes
no data entry — its clinical tables change only by importing packages). The export log and its
audit entry are written to the store's own tables, attributed to the operating-system account
that ran the command.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from tnt_desktop.errors import UsageError
from tnt_desktop.services.permissions import Role
from tnt_desktop.services.session import AppSession
from tnt_desktop.sponsor.store import StoreDatabase, who
from tnt_desktop.study.model import Text


def reader_session(store: StoreDatabase) -> AppSession:
    """A data manager's session over the store, with the sites' configured consent versions
    (the ICVER decodes), as a login at a workstation would give it."""
    from tnt_desktop.services.consent_versions import apply_configured

    name = f"sponsor:{who()}"[:64]
    app = AppSession(store, b"", name, Role.DATA_MANAGER.value, name)  # type: ignore[arg-type]
    with store.transaction(write=False) as session:
        apply_configured(app, session)
    return app


def export_store(store: StoreDatabase, out: Path, *, formats: Iterable[str],
                 cutoff: date | None = None, lang: str = "en"):  # fmt: skip
    """The consolidated export (the same files a workstation's plain export writes)."""
    from tnt_desktop.exports.run_export import run_export

    options = {}
    if cutoff is not None:
        if "cutoff" not in inspect.signature(run_export).parameters:
            raise UsageError(Text("this release's exports take no data cut-off yet (--cutoff)",
                                  "此版本的导出尚不支持数据截止日期（--cutoff）"))  # fmt: skip
        options["cutoff"] = cutoff
    return run_export(reader_session(store), Path(out), formats=formats, lang=lang,
                      purpose="sponsor consolidated export", **options)  # fmt: skip
