"""Producing the files of one export run (exports.run_export runs it): the subjects read once
through the services and written as CSV, ODM, PDF casebooks, the status report and the CDISC
files, either into a folder (unencrypted) or straight into the package writer, with the CSV
files built in memory."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from tnt_desktop.exports.package import (
    HASH_SUFFIX,
    PackageWriter,
)
from tnt_desktop.exports.package_memory import MemoryFolder
from tnt_desktop.services.export_read import (
    AuditView,
    ExportProfile,
    ExportSubject,
    export_subjects,
    subject_audit,
)
from tnt_desktop.services.free_text_scan import FreeTextScan
from tnt_desktop.services.session import AppSession
from tnt_desktop.study.dictionary import COLUMNS
from tnt_desktop.study.model import Text

# ---- producing the files -------------------------------------------------------------------------
DICTIONARY = "data_dictionary.csv"


class Steps(Protocol):
    """The run's progress and cancel button (run_export's steps): `check` raises
    ExportCancelled when the user cancelled; `report` checks, then shows the progress."""

    def check(self) -> None: ...

    def report(self, percent: int, message: Text) -> None: ...


class RunFiles:
    """What one run produces; `to_folder` streams to disk, `to_package` into the package's ZIP."""

    def __init__(self, app: AppSession, profile: ExportProfile, formats: tuple[str, ...],
                 lang: str, steps: Steps, cutoff: date) -> None:  # fmt: skip
        self.app, self.profile, self.formats, self.lang, self.steps = (
            app, profile, formats, lang, steps)  # fmt: skip
        self.cutoff = cutoff
        self.scan: FreeTextScan | None = None
        if profile is ExportProfile.SPONSOR_CODED:
            self.scan = FreeTextScan(app)
        self.subjects = 0
        self.forms = 0
        self.by_status: Counter[str] = Counter()
        self.by_form: Counter[str] = Counter()
        self.left_out: dict[str, Text] = {}
        self.generated = datetime.now().astimezone()

    # -- shared --
    def _count(self, subject: ExportSubject) -> None:
        self.subjects += 1
        self.forms += len(subject.forms)
        self.by_status[subject.status] += 1
        for (_event, _repeat, form_code) in subject.forms:
            self.by_form[form_code] += 1

    def scan_lines(self) -> list[str]:
        return [] if self.scan is None else self.scan.log_lines()

    def raise_queries(self) -> None:
        """The site queries of REQ-PI-04, once the export is written and logged."""
        if self.scan is not None:
            self.scan.finish(self.app)

    def _subjects(self):
        return export_subjects(self.app, self.profile, scan=self.scan)

    def _progress(self, subject: ExportSubject, start: int, span: int, what: Text) -> None:
        """A stage's progress: subjects read of all subjects (some may be left out), and how
        many were exported so far."""
        total = max(1, subject.total)
        self.steps.report(start + span * subject.position // total, Text(
            f"{what.en}: subject {subject.position}/{subject.total} read, "
            f"{self.subjects} exported",
            f"{what.zh}：已读取 {subject.position}/{subject.total} 名受试者，"
            f"已导出 {self.subjects} 名"))

    def _casebook(self, out: Any, subject: ExportSubject) -> None:
        from tnt_desktop.exports.pdf_casebook import (
            casebook_queries,
            casebook_signatures,
            write_casebook,
        )

        signed, progress = casebook_signatures(self.app, subject)
        write_casebook(out, self.app.study, subject, self._audit(subject), lang=self.lang,
                       profile=self.profile, generated=self.generated,
                       queries=casebook_queries(self.app, subject, self.profile, self.scan),
                       signatures=signed, sdv=progress, cutoff=self.cutoff)  # fmt: skip

    def dictionary_bytes(self) -> bytes:
        from tnt_desktop.exports.csv_export import profile_study

        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        from tnt_desktop.exports.dictionary import export_dictionary_rows

        writer.writerows(export_dictionary_rows(
            profile_study(self.app.study, self.profile),
            user_names=self.profile is ExportProfile.SITE_ARCHIVE))  # fmt: skip
        return text.getvalue().encode("utf-8-sig")

    def _pdf_modules(self):
        try:
            from tnt_desktop.exports import pdf_blank_crf, pdf_casebook
        except ImportError as exc:  # pragma: no cover - depends on the build
            self.left_out["pdf"] = Text(f"the PDF writer is not available ({exc.name})",
                                        f"PDF 生成模块不可用（{exc.name}）")  # fmt: skip
            return None
        return pdf_casebook, pdf_blank_crf

    def _audit(self, subject: ExportSubject) -> list[AuditView]:
        keys = dict.fromkeys(k for k in (subject.screening_number, subject.subject_id) if k)
        views: dict[int, AuditView] = {}
        for key in keys:
            for view in subject_audit(self.app, key, self.profile, scan=self.scan):
                views[view.id] = view
        return [views[i] for i in sorted(views)]

    def _report_pdf(self, out: Any) -> bool:
        """The study status report; False (and a note) when its module is not available."""
        try:
            from tnt_desktop.exports.pdf_report import study_report_pdf
        except ImportError as exc:  # pragma: no cover - depends on the build
            self.left_out["pdf report"] = Text(
                f"the study status report is not available ({exc.name})",
                f"研究状态报告不可用（{exc.name}）")  # fmt: skip
            return False
        study_report_pdf(self.app, out, lang=self.lang, profile=self.profile,
                         generated=self.generated, cutoff=self.cutoff, scan=self.scan)
        return True

    def _cdisc(self):
        """The Dataset-JSON writer (fed one subject at a time) when dsjson is chosen."""
        from tnt_desktop.exports.cdisc_export import cdisc_writer

        return cdisc_writer(self.app, self.profile, self.formats, self.cutoff)

    def _cdisc_files(self, cdisc, with_pdf: bool) -> dict[str, bytes]:
        from tnt_desktop.exports.cdisc_export import cdisc_files

        if cdisc is not None or "define" in self.formats:
            self.steps.report(72, Text("writing define.xml and Dataset-JSON",
                                       "正在写出 define.xml 和 Dataset-JSON"))  # fmt: skip
        return cdisc_files(self.app, self.profile, self.formats, cdisc, with_pdf=with_pdf,
                           created=self.generated)  # fmt: skip

    # -- plain folder --
    def to_folder(self, folder: Path) -> None:
        study = self.app.study
        (folder / DICTIONARY).write_bytes(self.dictionary_bytes())
        if "csv" in self.formats:
            from tnt_desktop.exports.csv_export import export_csv

            def csv_progress(done: int, total: int) -> bool:
                self.steps.report(5 + 30 * done // max(1, total),
                                  Text(f"CSV: subject {done}/{total} read",
                                       f"CSV：已读取 {done}/{total} 名受试者"))  # fmt: skip
                return True

            export_csv(self.app, folder / "csv", self.profile, csv_progress, record=False,
                       cutoff=self.cutoff, scan=self.scan)  # fmt: skip
        pdfs = self._pdf_modules() if "pdf" in self.formats else None
        casebooks = folder / "pdf" / "casebooks"
        if pdfs:
            casebooks.mkdir(parents=True)
        cdisc = self._cdisc()
        for subject in self._subjects():
            self._count(subject)
            if cdisc is not None:
                cdisc.subject(subject)
            if pdfs:
                from tnt_desktop.exports.pdf_common import safe_name

                self._casebook(casebooks / f"casebook_{safe_name(subject.key)}.pdf", subject)
            self._progress(subject, 35, 35, Text("casebooks", "病例报告") if pdfs
                           else Text("subjects", "受试者"))  # fmt: skip
        if pdfs:
            self.steps.report(70, Text("blank CRF and study report",
                                       "空白病例报告表及研究进展报告"))  # fmt: skip
            pdfs[1].blank_crf_pdf(study, folder / "pdf" / "blank_crf.pdf", lang=self.lang,
                                  generated=self.generated)
            self._report_pdf(folder / "pdf" / "study_report.pdf")
        for path, data in self._cdisc_files(cdisc, pdfs is not None).items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(data)
        for fmt, transactional in (("odm", False), ("odm_transactional", True)):
            if fmt in self.formats:
                from tnt_desktop.exports.odm_export import export_odm

                self.steps.report(75 if not transactional else 82,
                                  Text("writing the CDISC ODM file", "正在写出 CDISC ODM 文件"))
                export_odm(self.app, folder / "odm" / self.odm_name(transactional),
                           profile=self.profile, transactional=transactional)
        if self.writes_odm:
            from tnt_desktop.exports.odm_extension import KIT_FOLDER, validation_kit

            kit = folder / "odm" / KIT_FOLDER
            kit.mkdir(parents=True, exist_ok=True)
            for name, data in validation_kit().items():
                (kit / name).write_bytes(data)

    @property
    def writes_odm(self) -> bool:
        """ODM files go out: so does what a sponsor needs to validate them (odm/schema/)."""
        return bool({"odm", "odm_transactional"} & set(self.formats))

    def odm_name(self, transactional: bool) -> str:
        kind = "transactional" if transactional else "snapshot"
        return f"{self.app.study.parameters.study_name}_odm_{kind}.xml"

    # -- package only --
    def to_package(self, writer: PackageWriter) -> None:
        """Every file straight into the package's ZIP (package.PackageWriter), none on disk:
        casebooks and the blank CRF through the PDF writers' file-like targets, CSV rows into
        memory, ODM files streamed into their entry by the one ODM writer (odm_export.write_odm).
        A file's clear bytes are dropped as soon as they are compressed into the archive."""
        study = self.app.study
        writer.write(DICTIONARY, self.dictionary_bytes())
        csv_out = (MemoryCsv(self.app, self.profile, writer, self.cutoff, self.scan)
                   if "csv" in self.formats else None)  # fmt: skip
        pdfs = self._pdf_modules() if "pdf" in self.formats else None
        if pdfs:
            from tnt_desktop.exports.pdf_common import safe_name
        cdisc = self._cdisc()
        for subject in self._subjects():
            self._count(subject)
            if csv_out is not None:
                csv_out.subject(subject)
            if cdisc is not None:
                cdisc.subject(subject)
            if pdfs:
                buffer = io.BytesIO()
                self._casebook(buffer, subject)
                writer.write(f"pdf/casebooks/casebook_{safe_name(subject.key)}.pdf",
                             buffer.getvalue())  # fmt: skip
            self._progress(subject, 5, 60, Text("subjects", "受试者"))
        if csv_out is not None:
            csv_out.finish()
            del csv_out
        if pdfs:
            buffer = io.BytesIO()
            pdfs[1].blank_crf_pdf(study, buffer, lang=self.lang, generated=self.generated)
            writer.write("pdf/blank_crf.pdf", buffer.getvalue())
            buffer = io.BytesIO()
            if self._report_pdf(buffer):
                writer.write("pdf/study_report.pdf", buffer.getvalue())
            del buffer
        for path, data in self._cdisc_files(cdisc, pdfs is not None).items():
            writer.write(path, data)
        del cdisc
        for fmt, transactional in (("odm", False), ("odm_transactional", True)):
            if fmt in self.formats:
                from tnt_desktop.exports.odm_export import write_odm

                self.steps.report(70 if not transactional else 80,
                                  Text("building the CDISC ODM file", "正在生成 CDISC ODM 文件"))
                name = self.odm_name(transactional)
                with writer.open(f"odm/{name}") as entry:
                    written = write_odm(self.app, entry, profile=self.profile,
                                        transactional=transactional, check=self.steps.check)
                writer.write(f"odm/{name}{HASH_SUFFIX}", f"{written.sha256}  {name}\n".encode())
        if self.writes_odm:
            from tnt_desktop.exports.odm_extension import KIT_FOLDER, validation_kit

            for name, data in validation_kit().items():
                writer.write(f"odm/{KIT_FOLDER}/{name}", data)


class MemoryCsv:
    """export_csv's files, written into memory: the same layouts, guard, cells and readers.
    export_csv itself writes to disk (part files renamed at the end), so the package-only path
    mirrors its loop here; test_package checks that both give byte-identical files."""

    def __init__(self, app: AppSession, profile: ExportProfile, memory: MemoryFolder,
                 cutoff: date | None = None, scan: FreeTextScan | None = None
                 ) -> None:  # fmt: skip
        from tnt_desktop.exports import csv_export
        from tnt_desktop.exports.csv_layout import layouts

        self.cx, self.app, self.profile, self.memory = csv_export, app, profile, memory
        self.plan_list = layouts(app.study, profile, True)
        self.guard = csv_export._Guard(app.study, profile, self.plan_list)
        self.plan = {(lo.form.code, lo.group.name if lo.group else None): lo
                     for lo in self.plan_list}  # fmt: skip
        self.sinks: dict[str, MemorySink] = {}
        self.sites: dict[str, str] = {}  # exported subject key → site (QUERIES.csv)
        self.cutoff = cutoff
        self.scan = scan  # the run's REQ-PI-04 scan (QUERIES.csv texts)

    def _sink(self, layout) -> MemorySink:
        found = self.sinks.get(layout.name)
        if found is None:
            found = self.sinks[layout.name] = MemorySink(
                self.cx.RowFormatter(self.app.study, layout), self.cx.csv_line(layout.header))
        return found

    def subject(self, subject: ExportSubject) -> None:
        """The same rows as export_csv, through the same writer."""
        self.guard.check(subject)
        self.cx.write_subject(subject, self.plan, self._sink, self.app.study.parameters,
                              self.cutoff)  # fmt: skip
        self.sites[subject.key] = subject.site_id

    def finish(self) -> None:
        from tnt_desktop.exports import analysis_scripts
        from tnt_desktop.exports.csv_layout import DICTIONARY_FILE

        for layout in self.plan_list:  # forms nobody has yet: a header-only file
            self.memory.write(f"csv/{layout.file_name}", self._sink(layout).value())
        study = self.cx.profile_study(self.app.study, self.profile)
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        from tnt_desktop.exports.dictionary import QUERIES_FILE, export_dictionary_rows

        writer.writerows(export_dictionary_rows(
            study, user_names=self.profile is ExportProfile.SITE_ARCHIVE))  # fmt: skip
        self.memory.write(f"csv/{DICTIONARY_FILE}", text.getvalue().encode("utf-8-sig"))
        queries, _rows = self.cx.queries_csv(self.app, self.profile, self.sites,
                                            self.scan)  # fmt: skip
        self.memory.write(f"csv/{QUERIES_FILE}", queries)
        for name, script in analysis_scripts.scripts(self.app.study, self.plan_list,
                                                     self.profile).items():  # fmt: skip
            self.memory.write(f"csv/{name}", script.encode("utf-8"))


class MemorySink:
    def __init__(self, formatter: Any, header: str) -> None:
        from tnt_desktop.exports.csv_export import csv_line

        self.formatter, self.csv_line = formatter, csv_line
        self.buffer = io.BytesIO()
        self.buffer.write(("\ufeff" + header).encode("utf-8"))
        self.rows = 0

    def write(self, keys: list[Any], values: dict[str, Any], missing: dict[str, str]) -> None:
        self.buffer.write(self.csv_line(self.formatter.cells(keys, values, missing))
                          .encode("utf-8"))  # fmt: skip
        self.rows += 1

    def value(self) -> bytes:
        return self.buffer.getvalue()
