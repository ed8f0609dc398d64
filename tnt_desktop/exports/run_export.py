"""One export run: the chosen formats, the data dictionary and a manifest (issue 5, items 4–6).

    result = run_export(app, Path("exports"))                         # plain folder
    result = run_export(app, Path("exports"), package=True)           # encrypted package only
    result = run_export(app, Path("exports"), package=True, passphrase="…")

Formats: "csv" (one file per form, dictionary, R/SAS readers), "odm" (CDISC ODM 1.3.2 snapshot),
"odm_transactional" (the archive with an AuditRecord per change), "pdf" (subject casebooks, the
blank annotated CRF and, where the module exists, the study status report), "define"
(`define.xml`, Define-XML 2.1 of the CSV datasets: exports.define_xml) and "dsjson" (`dsjson/`,
CDISC Dataset-JSON 1.1 of every CSV dataset: exports.dataset_json). A data dictionary
(`data_dictionary.csv`, profile-filtered) and `manifest.json` are always included.

Two ways out:

- **Plain folder** (`package=False`, or `keep_plain=True`): the exporters stream into
  `out_dir/.<name>.part/`, which is renamed to `out_dir/<name>/` once everything is written and
  logged (a failed or cancelled run leaves nothing). `SHA256SUMS` covers every file.
- **Encrypted package** (`package=True`): nothing in clear text is written. Every file goes
  straight into the package's ZIP, built in memory and deflated as it goes
  (`package.PackageWriter`): casebooks and the blank CRF through the PDF writers' file-like
  targets, CSV rows through the CSV exporter's row writer, ODM files streamed into their entry by
  the same writer as the plain export (`odm_export.write_odm`). The archive is then sealed into
  `out_dir/<name>.zip.gpg.part` (only ciphertext reaches the disk), which becomes
  `out_dir/<name>.zip.gpg` (+ `.sha256`) once the run is logged; a failed run leaves nothing.
  The key: `recipient_key` (a public key file), else `passphrase` (symmetric, ≥ 10 characters),
  else the sponsor key of the study settings.
  With `keep_plain=True` the package is made from the plain folder the user also asked for, file
  by file, each checked against the hash it had when it was written.

Subjects are read once for the casebooks and the counts (subjects by status, form instances by
form) — one subject in memory at a time. The data cut-off (`cutoff`, clarification 23; default
the export date) caps every censoring date and "as of" statement of SUBJECT_LEVEL.csv, the
casebooks and the study report, and decides evaluability; the manifest states it.

Under SPONSOR_CODED one REQ-PI-04 scan (services.free_text_scan) serves every reader of the run:
free text that may hold a personal identifier is withheld from every file, listed in the export
log, and raised to the site as a query once the files are written.
Every run is recorded once at the end (`record_export`: export log + EXPORT audit entry) with the
package's SHA-256 (or the manifest's for a plain folder), before the result becomes visible.
(`export_odm`, used for the plain folder, also records its own file.)

`progress(percent, message)` reports 0–100 with a bilingual Text; `cancel()` returning True stops
the run at the next subject or step (ExportCancelled; nothing is left behind).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tnt_desktop import APP_NAME, __version__
from tnt_desktop.errors import FolderNotWritable, UsageError
from tnt_desktop.exports.package import (
    HASH_SUFFIX,
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    PACKAGE_SUFFIX,
    FileEntry,
    PackageWriter,
    manifest_bytes,
    owner_only,
    publish,
    remove_stale_parts,
    sha256_file,
)
from tnt_desktop.exports.package_memory import MemoryFolder
from tnt_desktop.exports.package_open import site_signer
from tnt_desktop.services.anchors import package_origin
from tnt_desktop.services.export_read import (
    AuditView,
    ExportProfile,
    ExportSubject,
    export_subjects,
    record_export,
    require_profile,
    subject_audit,
)
from tnt_desktop.services.free_text_scan import FreeTextScan
from tnt_desktop.services.session import AppSession
from tnt_desktop.study.dictionary import COLUMNS
from tnt_desktop.study.model import Text

FORMATS = ("csv", "odm", "odm_transactional", "pdf", "define", "dsjson")
DEFAULT_FORMATS = frozenset({"csv", "odm", "pdf"})
DICTIONARY = "data_dictionary.csv"
SUMS = "SHA256SUMS"
MIN_PASSPHRASE = 10
Progress = Callable[[int, Text], object]


class ExportCancelled(UsageError):
    def __init__(self) -> None:
        super().__init__(Text("export cancelled; nothing was written",
                              "导出已取消；未写出任何文件"))  # fmt: skip


@dataclass
class ExportRunResult:
    name: str  # <study>-export-<UTC stamp>
    folder: Path | None  # the plain export folder, if one was written
    package: Path | None  # the encrypted package, if one was written
    package_sha256: str | None
    manifest: dict
    files: list[FileEntry]
    subjects: int
    forms: int
    formats: tuple[str, ...]
    left_out: dict[str, Text] = field(default_factory=dict)  # format → why it is missing
    encryption: str | None = None  # "public key <FPR>" | "passphrase"
    cutoff: date | None = None  # the data cut-off (clarification 23)
    withheld: int = 0  # free-text values withheld (REQ-PI-04)

    def message(self) -> Text:
        where = self.package or self.folder
        subjects = "1 subject" if self.subjects == 1 else f"{self.subjects} subjects"
        forms = "1 form" if self.forms == 1 else f"{self.forms} forms"
        en = f"Exported {subjects}, {forms} ({', '.join(self.formats)})"
        zh = f"已导出 {self.subjects} 名受试者、{self.forms} 份表单（{'、'.join(self.formats)}）"
        if self.package is not None:
            en += f" to the encrypted package {where} (SHA-256 {self.package_sha256})"
            zh += f"，加密数据包：{where}（SHA-256 {self.package_sha256}）"
        if self.folder is not None:
            en += f"; folder {self.folder}"
            zh += f"；文件夹：{self.folder}"
        if self.cutoff is not None:
            en += f"; data cut-off {self.cutoff}"
            zh += f"；数据截止日 {self.cutoff}"
        if self.withheld:
            en += (f"; {self.withheld} free-text value(s) withheld as possible personal "
                   "identifiers (listed in the export log, queried to the site)")
            zh += (f"；{self.withheld} 个可能含个人身份信息的自由文本已隐去"
                   "（见导出日志，已向研究中心发起质疑）")
        for fmt, why in self.left_out.items():
            en += f"; {fmt} left out: {why.en}"
            zh += f"；未包含 {fmt}：{why.zh}"
        return Text(en, zh)


# ---- the run -------------------------------------------------------------------------------------
def run_export(
    app: AppSession, out_dir: Path, *, formats: Iterable[str] = DEFAULT_FORMATS,
    package: bool = False, recipient_key: Path | None = None, passphrase: str | None = None,
    purpose: str | None = None, recipient: str | None = None, progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    profile: ExportProfile = ExportProfile.SPONSOR_CODED, keep_plain: bool = False,
    lang: str = "en", cutoff: date | None = None,
) -> ExportRunResult:  # fmt: skip
    """Export the chosen formats into a fresh folder and/or one encrypted package (see the
    module docstring). Needs Permission.EXPORT (the sponsor profile)."""
    require_profile(app, profile)
    chosen = _check_formats(formats)
    if not package and (recipient_key is not None or passphrase):
        raise UsageError(Text("a recipient key or passphrase only applies to a package",
                              "接收方公钥或口令仅用于加密数据包"))  # fmt: skip
    key = _Key.resolve(app, recipient_key, passphrase) if package else None
    signer = site_signer(app.keys.site_pgp if app.keys else None) if package else None
    origin, chain_link = package_origin(app) if package else (None, None)
    if key is not None and not recipient:
        recipient = key.label
    started = datetime.now(UTC)
    cutoff = cutoff or datetime.now().astimezone().date()
    if cutoff > datetime.now().astimezone().date():
        raise UsageError(Text(f"the data cut-off {cutoff} is in the future",
                              f"数据截止日 {cutoff} 晚于今天"))  # fmt: skip
    name = f"{app.study.parameters.study_name}-export-{started:%Y%m%dT%H%M%SZ}"
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FolderNotWritable(out_dir) from error
    remove_stale_parts(out_dir, f"{app.study.parameters.study_name}-export-")
    name = _free_name(out_dir, name)
    steps = _Steps(progress, cancel)
    run = _Run(app, profile, chosen, lang, steps, cutoff)
    plain = not package or keep_plain
    part = out_dir / f".{name}.part"
    package_path = out_dir / f"{name}{PACKAGE_SUFFIX}" if package else None
    sealed = out_dir / f"{name}{PACKAGE_SUFFIX}.part"
    writer = PackageWriter(name) if package else None
    try:
        if plain:
            part.mkdir(mode=0o700)
            run.to_folder(part)
            files = _folder_entries(part)
        else:
            run.to_package(writer)
            files = writer.files()
        steps.check()
        manifest = _manifest(app, run, name, started, files, key, purpose, recipient)
        if origin is not None:  # issue 14/17: where the package comes from, signed head
            manifest = {**manifest, "origin": origin, "chain_link": chain_link}
        package_sha = None
        if writer is not None:
            steps.report(90, Text("encrypting the package", "正在加密数据包"))
            if plain:  # the package is made from the folder, each file checked against its hash
                for entry in files:
                    writer.add_file(entry.path, part / entry.path, entry.sha256)
                    steps.check()
            from tnt_desktop.sponsor.payload import PAYLOAD_NAME, build_payload, payload_bytes

            payload = payload_bytes(build_payload(app, profile))  # the sponsor store's data
            writer.write(PAYLOAD_NAME, payload)
            if plain:
                (part / PAYLOAD_NAME).parent.mkdir(exist_ok=True)
                (part / PAYLOAD_NAME).write_bytes(payload)
            del payload
            manifest = writer.finish(manifest)
            package_sha = writer.seal(sealed, recipient=key.cert, passphrase=key.passphrase,
                                      signer=signer)  # fmt: skip
        if plain:
            (part / MANIFEST_NAME).write_bytes(manifest_bytes(manifest))
            _write_sums(part)
            owner_only(part)
        steps.check()
        logged = (f"{package_path.name} sha256:{package_sha}" if package_path else
                  f"{name}/{MANIFEST_NAME} sha256:{sha256_file(part / MANIFEST_NAME)}")
        withheld = "".join(f"\n{line}" for line in run.scan_lines())
        record_export(app, profile=profile, subject_count=run.subjects, purpose=purpose,
                      recipient=recipient, files=f"{logged}\nformats: {', '.join(chosen)}; "
                      f"{len(files)} files; {run.forms} forms; data cut-off {cutoff}"
                      f"{withheld}", origin=origin, package_sha256=package_sha)  # fmt: skip
        if package_path is not None:
            publish(sealed, package_path, package_sha)
        folder = None
        if plain:
            folder = out_dir / name
            os.replace(part, folder)
        run.raise_queries()
    except BaseException:
        shutil.rmtree(part, ignore_errors=True)
        sealed.unlink(missing_ok=True)
        raise
    finally:
        if writer is not None:
            writer.discard()
    steps.report(100, Text("export finished", "导出完成"))
    return ExportRunResult(
        name=name, folder=folder, package=package_path, package_sha256=package_sha,
        manifest=manifest, files=files, subjects=run.subjects, forms=run.forms,
        formats=tuple(f for f in chosen if f not in run.left_out), left_out=dict(run.left_out),
        encryption=None if key is None else key.description, cutoff=cutoff,
        withheld=len(run.scan_lines()),
    )  # fmt: skip


def _check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    wanted = {str(f).strip().lower() for f in formats if str(f).strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown:
        raise UsageError(Text(f"unknown export format(s): {', '.join(unknown)} "
                              f"(choose from {', '.join(FORMATS)})",
                              f"未知的导出格式：{'、'.join(unknown)}（可选：{'、'.join(FORMATS)}）"))
    if not wanted:
        raise UsageError(Text("choose at least one export format", "请至少选择一种导出格式"))
    return tuple(f for f in FORMATS if f in wanted)


def _free_name(out_dir: Path, name: str) -> str:
    candidate, n = name, 1
    while any((out_dir / p).exists() for p in (candidate, f".{candidate}.part",
                                                f"{candidate}{PACKAGE_SUFFIX}",
                                                f"{candidate}{PACKAGE_SUFFIX}.part")):  # fmt: skip
        n += 1
        candidate = f"{name}-{n}"
    return candidate


class _Steps:
    def __init__(self, progress: Progress | None, cancel: Callable[[], bool] | None) -> None:
        self.progress, self.cancel = progress, cancel

    def check(self) -> None:
        if self.cancel is not None and self.cancel():
            raise ExportCancelled()

    def report(self, percent: int, message: Text) -> None:
        self.check()
        if self.progress is not None:
            self.progress(max(0, min(100, int(percent))), message)


@dataclass
class _Key:
    cert: Any  # pysequoia.Cert | None
    passphrase: str | None
    label: str | None
    description: str

    @classmethod
    def resolve(cls, app: AppSession, recipient_key: Path | None,
                passphrase: str | None) -> _Key:  # fmt: skip
        from tnt_desktop.services.export_settings import (
            BadSponsorKey,
            parse_public_key,
            sponsor_key,
        )

        if recipient_key is not None:
            path = Path(recipient_key)
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise UsageError(Text(f"cannot read the key file {path}: {exc.strerror or exc}",
                                      f"无法读取密钥文件 {path}：{exc.strerror or exc}")
                                 ) from None  # fmt: skip
            try:
                parsed = parse_public_key(raw)
            except BadSponsorKey as exc:
                raise BadSponsorKey(exc.why, path) from None
            return cls(parsed.cert(), None, parsed.label, f"public key {parsed.fingerprint}")
        if passphrase:
            if len(passphrase) < MIN_PASSPHRASE:
                raise UsageError(Text(f"the package passphrase must have at least "
                                      f"{MIN_PASSPHRASE} characters",
                                      f"数据包口令至少需要 {MIN_PASSPHRASE} 个字符"))  # fmt: skip
            return cls(None, passphrase, None, "passphrase")
        parsed = sponsor_key(app)
        if parsed is not None:
            return cls(parsed.cert(), None, parsed.label, f"public key {parsed.fingerprint}")
        raise UsageError(Text("no sponsor public key is configured: give a recipient key file "
                              "or a passphrase for the package",
                              "未配置申办方公钥：请提供接收方公钥文件或数据包口令"))  # fmt: skip


# ---- producing the files -------------------------------------------------------------------------
class _Run:
    """What one run produces; `to_folder` streams to disk, `to_package` into the package's ZIP."""

    def __init__(self, app: AppSession, profile: ExportProfile, formats: tuple[str, ...],
                 lang: str, steps: _Steps, cutoff: date) -> None:  # fmt: skip
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
                       queries=casebook_queries(self.app, subject, self.profile),
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
        csv_out = (_MemoryCsv(self.app, self.profile, writer, self.cutoff)
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


class _MemoryCsv:
    """export_csv's files, written into memory: the same layouts, guard, cells and readers.
    export_csv itself writes to disk (part files renamed at the end), so the package-only path
    mirrors its loop here; test_package checks that both give byte-identical files."""

    def __init__(self, app: AppSession, profile: ExportProfile, memory: MemoryFolder,
                 cutoff: date | None = None) -> None:  # fmt: skip
        from tnt_desktop.exports import csv_export
        from tnt_desktop.exports.csv_layout import layouts

        self.cx, self.app, self.profile, self.memory = csv_export, app, profile, memory
        self.plan_list = layouts(app.study, profile, True)
        self.guard = csv_export._Guard(app.study, profile, self.plan_list)
        self.plan = {(lo.form.code, lo.group.name if lo.group else None): lo
                     for lo in self.plan_list}  # fmt: skip
        self.sinks: dict[str, _MemorySink] = {}
        self.sites: dict[str, str] = {}  # exported subject key → site (QUERIES.csv)
        self.cutoff = cutoff

    def _sink(self, layout) -> _MemorySink:
        found = self.sinks.get(layout.name)
        if found is None:
            found = self.sinks[layout.name] = _MemorySink(
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
        queries, _rows = self.cx.queries_csv(self.app, self.profile, self.sites)
        self.memory.write(f"csv/{QUERIES_FILE}", queries)
        for name, script in analysis_scripts.scripts(self.app.study, self.plan_list,
                                                     self.profile).items():  # fmt: skip
            self.memory.write(f"csv/{name}", script.encode("utf-8"))


class _MemorySink:
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


# ---- manifest and sums ---------------------------------------------------------------------------
def _folder_entries(folder: Path) -> list[FileEntry]:
    entries = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel in (MANIFEST_NAME, SUMS):
            continue
        entries.append(FileEntry(rel, sha256_file(path), path.stat().st_size))
    return entries


def _write_sums(folder: Path) -> None:
    lines = [f"{sha256_file(folder / e.path)}  {e.path}" for e in _folder_entries(folder)]
    lines.append(f"{sha256_file(folder / MANIFEST_NAME)}  {MANIFEST_NAME}")
    (folder / SUMS).write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def _manifest(app: AppSession, run: _Run, name: str, started: datetime,
              files: list[FileEntry], key: _Key | None, purpose: str | None,
              recipient: str | None) -> dict:  # fmt: skip
    params = app.study.parameters
    exported_by: dict[str, str] = {"role": app.role}
    if run.profile is ExportProfile.SITE_ARCHIVE:  # staff names stay at the site (REQ-PI-05)
        exported_by["user"] = app.username
    encryption: dict[str, str] = {"method": "none"}
    if key is not None and key.cert is not None:
        encryption = {"method": "OpenPGP public key", "recipient": key.label or "",
                      "fingerprint": key.cert.fingerprint.upper()}  # fmt: skip
    elif key is not None:
        encryption = {"method": "OpenPGP passphrase (symmetric)"}
    return {
        "format": MANIFEST_FORMAT,
        "export": name,
        "study": {"oid": app.study.oid, "name": params.study_name,
                  "protocol": params.protocol_name},
        "site": app.db.site_id,
        "app": {"name": APP_NAME, "version": __version__},
        "metadata_version": app.metadata_version,
        "profile": run.profile.value,
        "data_cutoff": run.cutoff.isoformat(),  # clarification 23
        "data_cutoff_utc": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "exported_by": exported_by,
        "purpose": purpose,
        "recipient": recipient,
        "formats": [f for f in run.formats if f not in run.left_out],
        "not_included": {fmt: why.en for fmt, why in run.left_out.items()},
        "language": run.lang,
        "subjects": {"count": run.subjects, "by_status": dict(sorted(run.by_status.items()))},
        "forms": {"count": run.forms, "by_form": dict(sorted(run.by_form.items()))},
        "encryption": encryption,
        "files": [e.as_dict() for e in files],
    }
