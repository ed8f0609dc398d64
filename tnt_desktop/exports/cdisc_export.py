"""The CDISC submission files of an export run: `define.xml` and `dsjson/` (issue 18, item 3).

    writer = cdisc_writer(app, profile, formats)        # None unless "dsjson" is chosen
    for subject in export_subjects(app, profile): writer.subject(subject)
    files = cdisc_files(app, profile, formats, writer, with_pdf=True)   # path → bytes

`run_export` calls these from both of its ways out (plain folder, encrypted package), so the
files, and therefore the manifest and SHA256SUMS that list them, are the same either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from tnt_desktop.exports.dataset_json import DSJ_FOLDER, DatasetJsonWriter
from tnt_desktop.exports.define_xml import DEFINE_FILE, define_xml
from tnt_desktop.services.export_read import ExportProfile
from tnt_desktop.services.session import AppSession

ANNOTATED_CRF = "pdf/blank_crf.pdf"


def cdisc_writer(app: AppSession, profile: ExportProfile, formats: Iterable[str],
                 cutoff: date | None = None) -> DatasetJsonWriter | None:  # fmt: skip
    """The Dataset-JSON writer of a run that exports "dsjson" (else None); its files name
    `../define.xml` as their metadata when "define" is exported too; `cutoff`: the run's data
    cut-off (subject-level values), as for the CSV files."""
    chosen = set(formats)
    if "dsjson" not in chosen:
        return None
    ref = f"../{DEFINE_FILE}" if "define" in chosen else None
    return DatasetJsonWriter(app, profile, metadata_ref=ref, cutoff=cutoff)


def cdisc_files(app: AppSession, profile: ExportProfile, formats: Iterable[str],
                writer: DatasetJsonWriter | None, *, with_pdf: bool = False,
                created: datetime | None = None) -> dict[str, bytes]:  # fmt: skip
    """`dsjson/<dataset>.json|.ndjson` (when `writer` was fed) and `define.xml` (when "define"
    is chosen). define.xml's leaves point at the Dataset-JSON files when they are exported, else
    at the CSV files (`csv/<dataset>.csv`); it names the blank annotated CRF when `with_pdf`."""
    files: dict[str, bytes] = {}
    hrefs: dict[str, str] = {}
    rows = lengths = None
    if writer is not None:
        for name, data in writer.finish(created).items():
            files[f"{DSJ_FOLDER}/{name}"] = data
            hrefs[name.rsplit(".", 1)[0]] = f"{DSJ_FOLDER}/{name}"
        rows, lengths = writer.counts(), writer.lengths()
    if "define" in set(formats):
        files[DEFINE_FILE] = define_xml(app.study, profile, hrefs=hrefs, rows=rows,
                                        lengths=lengths,
                                        annotated_crf=ANNOTATED_CRF if with_pdf else None)
    return files
