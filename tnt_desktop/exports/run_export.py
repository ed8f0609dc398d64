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

import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tnt_desktop import APP_NAME, __version__
from tnt_desktop.errors import FolderNotWritable, UsageError
from tnt_desktop.exports.package import (
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
from tnt_desktop.exports.package_open import site_signer
from tnt_desktop.exports.run_files import RunFiles
from tnt_desktop.services.anchors import package_origin
from tnt_desktop.services.export_read import (
    ExportProfile,
    record_export,
    require_profile,
)
from tnt_desktop.services.session import AppSession
from tnt_desktop.study.model import Text

FORMATS = ("csv", "odm", "odm_transactional", "pdf", "define", "dsjson")
DEFAULT_FORMATS = frozenset({"csv", "odm", "pdf"})
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
    run = RunFiles(app, profile, chosen, lang, steps, cutoff)
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

            payload = payload_bytes(build_payload(app, profile, run.scan))  # the store's data
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


def _manifest(app: AppSession, run: RunFiles, name: str, started: datetime,
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
