"""CDISC ODM 1.3.2 export of the clinical data (CRF_SPEC.md §8, §10).

    result = export_odm(app, Path("out/tnt-sts.xml"))                       # snapshot, coded
    result = export_odm(app, Path("archive.xml"), profile=ExportProfile.SITE_ARCHIVE,
                        transactional=True)                                 # site archive

One file holds the metadata (odm_metadata.build_study_element, same profile), AdminData and
ClinicalData:

- **Snapshot** (default): the current value of every item of every form instance; derived
  values included (their ItemRef carries the MethodOID); a value missing for a reason is
  `IsNull="Yes"` with the reason in Annotation/Comment; repeating-group rows carry their stored
  row key as ItemGroupRepeatKey; repeating events their repeat key as StudyEventRepeatKey.
- **Transactional** (`transactional=True`, `Archival="Yes"`): the history from the audit trail.
  Every entry that set, changed or cleared a value (by a person, a derivation as SYSTEM or an
  identifier assignment) is one ItemData with TransactionType Insert / Update / Remove and its own
  AuditRecord: UserRef, LocationRef, DateTimeStamp (UTC), ReasonForChange (code and text; for
  SYSTEM the MethodOID) and SourceID (AUD-<audit entry id>). SubjectData and FormData carry
  TransactionType="Insert" with the AuditRecord of their creation (SUBJECT_SCREENED,
  FORM_CREATED) where the trail has it. Entries are in audit order within each ItemGroupData.
- Form status and subject status travel as Annotation Flags (odm_metadata).
- AdminData: the users the file refers to as USR.001, USR.002… in order of first appearance
  (USR.SYSTEM for derivations) with their role; login names only in the SITE_ARCHIVE profile
  (REQ-PI-05). One Location per site; a SignatureDef per signature point of the forms.
- E-signatures (services.signatures): the FormData of a signed form carries a Signature
  (UserRef, LocationRef, SignatureRef to SD.<FORM>.<POINT>, DateTimeStamp) in both file types;
  a broken one adds an Annotation Comment "signature broken — re-signature required".

The profile is applied before any XML is produced (export_read filters subjects and items; this
module also drops audit entries of removed items). There is one writer, `write_odm`, and it writes
to any binary file object: `export_odm` gives it a file, a package (run_export) a ZIP entry.
Subjects are read one at a time — for the transactional file with their audit entries, which are
read from the database in batches and grouped by form — and each SubjectData is built, written
with `lxml.etree.xmlfile` and freed before the next subject is read. ClinicalData goes first into
a spool: a part file in the destination folder (`FileSpool`, export_odm) or a deflated buffer in
memory (`MemorySpool`, about a tenth of the XML: a package may put no clear text on the disk).
The final file is then assembled (header, metadata, AdminData, the spooled ClinicalData) —
AdminData precedes ClinicalData in ODM, and its user list is known only at the end. Memory holds
one subject (and the spool's deflated buffer, for a package). A SHA-256 file (`<name>.sha256`,
sha256sum format) is written beside the export, and `record_export` logs it (export log + audit
entry).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from tnt_desktop.errors import OutputError
from tnt_desktop.exports.odm_metadata import (
    NSMAP,
    OdmIndex,
    build_study_element,
    location_oid,
    odm_root_attributes,
    q,
    sub,
    utc_stamp,
)
from tnt_desktop.exports.odm_subject import (
    OdmStats,
    OdmUsers,
    snapshot_subject,
    subject_history,
    transactional_subject,
)
from tnt_desktop.services.export_read import (
    ExportProfile,
    ExportSubject,
    export_subjects,
    record_export,
)
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.session import AppSession
from tnt_desktop.study.definition import Study
from tnt_desktop.study.model import Text

SPONSOR_CODED = ExportProfile.SPONSOR_CODED
USER_TYPES = {"investigator": "Investigator", "coordinator": "Investigator",
              "monitor": "Sponsor", "datamanager": "Sponsor"}  # fmt: skip
LEGAL_REASON = "21 CFR 11.50; ICH E6(R3) 4.2 investigator endorsement of data"
_MARKER = "TNT-CLINICAL-DATA"
CHUNK = 1 << 20  # bytes copied at a time


@dataclass
class OdmExportResult:
    path: Path
    sha256: str
    sha256_path: Path
    file_type: str  # Snapshot | Transactional
    profile: ExportProfile
    subjects: int = 0
    forms: int = 0
    item_data: int = 0
    audit_records: int = 0
    seconds: float = 0.0


# ---- AdminData -----------------------------------------------------------------------------
def admin_data(study: Study, index: OdmIndex, users: OdmUsers, stats: OdmStats, site_id: str,
               profile: ExportProfile) -> etree._Element:  # fmt: skip
    element = etree.Element(q("AdminData"), {"StudyOID": study.oid}, nsmap=NSMAP)
    for username, (oid, role) in users.oids.items():
        user = sub(element, "User", {"OID": oid, "UserType": USER_TYPES.get(role, "Other")})
        if profile is ExportProfile.SITE_ARCHIVE:
            sub(user, "LoginName", text=username)
            sub(user, "DisplayName", text=f"{username} ({role})")
        else:
            sub(user, "DisplayName", text=role)  # the role only: no staff names (REQ-PI-05)
    effective = stats.earliest or date.today().isoformat()
    for site in sorted(stats.sites | {site_id}):
        location = sub(element, "Location", {"OID": location_oid(site), "Name": f"Site {site}",
                                             "LocationType": "Site"})  # fmt: skip
        sub(location, "MetaDataVersionRef", {
            "StudyOID": study.oid, "MetaDataVersionOID": study.parameters.metadata_version,
            "EffectiveDate": effective})  # fmt: skip
    for form in study.forms:
        if not any(index.kept(form, g) for g in form.groups):
            continue
        for point in form.signatures:
            sig = sub(element, "SignatureDef", {"OID": f"SD.{form.code}.{point.name}",
                                                "Methodology": "Electronic"})  # fmt: skip
            sub(sig, "Meaning", text=f"{point.meaning.en} / {point.meaning.zh}")
            sub(sig, "LegalReason", text=LEGAL_REASON)
    return element


# ---- where ClinicalData waits for the header -----------------------------------------------
class FileSpool:
    """ClinicalData in a part file of the destination folder (`.NAME.XXXX.part`, owner-only),
    for a plain export: the file written there is clear text anyway. Removed by `close`."""

    def __init__(self, folder: Path, name: str) -> None:
        fd, part = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        os.close(fd)
        self.path = Path(part)
        self.target: Any = str(self.path)  # lxml writes to a path with its own C I/O

    def chunks(self) -> Iterator[bytes]:
        with open(self.path, "rb") as source:
            while block := source.read(CHUNK):
                yield block

    def close(self) -> None:
        self.path.unlink(missing_ok=True)


class MemorySpool:
    """ClinicalData in memory, deflated as it is written (zlib level 1: an ODM file shrinks
    about tenfold, at ~200 MB/s), for a package, where no clear text may reach the disk."""

    def __init__(self) -> None:
        self._compressor = zlib.compressobj(1)
        self._parts: deque[bytes] = deque()
        self.target: Any = self  # lxml calls write()
        self.compressed = 0

    def write(self, data: bytes) -> int:
        if part := self._compressor.compress(data):
            self._parts.append(part)
            self.compressed += len(part)
        return len(data)

    def chunks(self) -> Iterator[bytes]:
        """The clear text again, at most CHUNK bytes at a time; each part is freed once read."""
        self._parts.append(self._compressor.flush())
        inflater = zlib.decompressobj()
        while self._parts:
            data = self._parts.popleft()
            while data:
                if block := inflater.decompress(data, CHUNK):
                    yield block
                data = inflater.unconsumed_tail
        if rest := inflater.flush():
            yield rest

    def close(self) -> None:
        self._parts.clear()


Spool = FileSpool | MemorySpool


# ---- the file ------------------------------------------------------------------------------
@dataclass
class OdmWritten:
    """What write_odm wrote: the file's SHA-256 and size, its type and its counts."""

    sha256: str
    size: int
    file_type: str  # Snapshot | Transactional
    stats: OdmStats


def _require(app: AppSession, profile: ExportProfile) -> None:
    app.require(Permission.EXPORT if profile is ExportProfile.SPONSOR_CODED
                else Permission.VIEW_DATA)  # fmt: skip


# ---- queries (TNT extension, exports.odm_extension) --------------------------------------------
def append_queries(element: etree._Element, views: Iterable[Any], study: Study, index: OdmIndex,
                   users: OdmUsers) -> int:  # fmt: skip
    """One tnt:Query (with its tnt:QueryStep elements) per query, at the end of SubjectData.
    `views`: services.queries.QueryView, already filtered by the profile (export_queries)."""
    from tnt_desktop.exports.odm_extension import TNT_NS, TNT_PREFIX, tnt
    from tnt_desktop.services.queries import iso_utc

    count = 0
    for view in views:
        try:
            form = study.form(view.form_code)
        except KeyError:
            continue
        attrs = {"QueryID": str(view.id), "StudyEventOID": view.event_oid,
                 "StudyEventRepeatKey": str(view.repeat_key) if study.event(
                     view.event_oid).repeating else None, "FormOID": form.oid}  # fmt: skip
        if view.item_name:
            odm_item = index.item_for(form, view.group_name or None, view.item_name)
            if odm_item is None:  # removed by the profile
                continue
            attrs["ItemGroupOID"] = odm_item.group_oid
            if view.group_name and view.row_key:
                attrs["ItemGroupRepeatKey"] = str(view.row_key)
            attrs["ItemOID"] = odm_item.oid
        attrs.update(Status=view.status, Origin=view.origin, CheckID=view.check_id or None,
                     RaisedBy=users.oid(view.raised_by, view.raised_role),
                     RaisedRole=view.raised_role, DateTimeStamp=iso_utc(view.raised_utc))
        query = etree.SubElement(element, tnt("Query"),
                                 {k: v for k, v in attrs.items() if v is not None},
                                 nsmap={TNT_PREFIX: TNT_NS})  # fmt: skip
        for step in view.steps:
            etree.SubElement(query, tnt("QueryStep"), {
                "Kind": step.kind, "UserOID": users.oid(step.username, step.role),
                "Role": step.role, "DateTimeStamp": iso_utc(step.ts_utc)}).text = step.text
        count += 1
    return count


def append_confirmations(element: etree._Element, views: Iterable[Any], study: Study,
                         index: OdmIndex, users: OdmUsers) -> int:  # fmt: skip
    """One tnt:Confirmation per soft finding the site confirmed (services.confirmations
    .ConfirmationView), after the queries; one about an item the profile removes is left out."""
    from tnt_desktop.exports.odm_extension import TNT_NS, TNT_PREFIX, tnt
    from tnt_desktop.services.queries import iso_utc

    count = 0
    for view in views:
        try:
            form = study.form(view.form_code)
            repeating = study.event(view.event_oid).repeating
        except KeyError:
            continue
        attrs = {"StudyEventOID": view.event_oid,
                 "StudyEventRepeatKey": str(view.repeat_key) if repeating else None,
                 "FormOID": form.oid, "FindingKey": view.finding_key,
                 "CheckID": view.check_id}  # fmt: skip
        if view.item_ref:
            parts = view.item_ref.split(".")
            odm_item = index.item_for(form, parts[1] if len(parts) == 3 else None, parts[-1])
            if odm_item is None:  # removed by the profile
                continue
            attrs["ItemOID"] = odm_item.oid
            if odm_item.group.repeating and view.row_key:
                attrs["ItemGroupRepeatKey"] = str(view.row_key)
        attrs.update(UserOID=users.oid(view.username, view.role), Role=view.role,
                     DateTimeStamp=iso_utc(view.ts_utc))
        etree.SubElement(element, tnt("Confirmation"),
                         {k: v for k, v in attrs.items() if v is not None},
                         nsmap={TNT_PREFIX: TNT_NS}).text = view.reason  # fmt: skip
        count += 1
    return count


def _subject_confirmations(app: AppSession, subject: ExportSubject) -> list:
    from tnt_desktop.services.confirmations import subject_confirmations

    return subject_confirmations(app, subject.screening_number)


# ---- e-signatures (services.signatures) ---------------------------------------------------------
BROKEN_SIGNATURE = "signature broken — re-signature required / 签名已失效 — 需重新签名"


def _subject_signatures(app: AppSession, subject: ExportSubject) -> list:
    from tnt_desktop.services.signatures import signatures

    return signatures(app, subject.screening_number)


def append_signatures(element: etree._Element, views: Iterable[Any], users: OdmUsers,
                      site: str) -> int:  # fmt: skip
    """Put each current signature (services.signatures.SignatureView) into the FormData it signs
    in a built SubjectData: Signature after the FormData's AuditRecord, and for a broken one an
    Annotation Comment after the FormData's other Annotations."""
    count = 0
    for view in views:
        if view.superseded_by is not None:
            continue
        form_data = None
        for event_data in element.iterfind(q("StudyEventData")):
            repeat = event_data.get("StudyEventRepeatKey")
            if event_data.get("StudyEventOID") != view.event_oid or (
                    repeat is not None and repeat != str(view.repeat_key)):  # fmt: skip
                continue
            form_data = event_data.find(f"{q('FormData')}[@FormOID='F.{view.form_code}']")
            if form_data is not None:
                break
        if form_data is None or form_data.find(q("Signature")) is not None:
            continue
        signature = etree.Element(q("Signature"), {"ID": f"SIG.{view.id}"}, nsmap=NSMAP)
        sub(signature, "UserRef", {"UserOID": users.oid(view.username, view.role)})
        sub(signature, "LocationRef", {"LocationOID": location_oid(site)})
        sub(signature, "SignatureRef", {"SignatureOID": f"SD.{view.form_code}.{view.point}"})
        sub(signature, "DateTimeStamp", text=view.ts_utc)
        audit = form_data.find(q("AuditRecord"))
        form_data.insert(0 if audit is None else form_data.index(audit) + 1, signature)
        if view.state == "BROKEN":
            annotations = form_data.findall(q("Annotation"))
            at = form_data.index(annotations[-1] if annotations else signature) + 1
            annotation = etree.Element(q("Annotation"), {"SeqNum": str(len(annotations) + 1)},
                                       nsmap=NSMAP)  # fmt: skip
            sub(annotation, "Comment", {"SponsorOrSite": "Site"},
                f"{BROKEN_SIGNATURE} ({view.point}, SIG.{view.id}"
                + (f", broken {view.broken_utc}" if view.broken_utc else "") + ")")
            form_data.insert(at, annotation)
        count += 1
    return count


def _write_clinical(app: AppSession, target: str | BinaryIO, index: OdmIndex,
                    profile: ExportProfile, transactional: bool, users: OdmUsers, stats: OdmStats,
                    check: Callable[[], None]) -> None:  # fmt: skip
    """ClinicalData, one SubjectData at a time: each subject (and, for the transactional file,
    its audit entries) is read, built, written and freed before the next."""
    study = app.study
    with etree.xmlfile(target, encoding="UTF-8") as xf:
        with xf.element(q("ClinicalData"), {"StudyOID": study.oid,
                                            "MetaDataVersionOID": app.metadata_version},
                        nsmap=NSMAP):  # fmt: skip
            from tnt_desktop.services.export_read import export_queries

            queries: dict[str, list] = {}  # subject key → its queries (TNT extension)
            for view in export_queries(app, profile):
                queries.setdefault(view.subject_key, []).append(view)
            for subject in export_subjects(app, profile):
                check()
                if transactional:
                    history = subject_history(app, subject, profile)
                    element = transactional_subject(study, index, subject, history, users, stats)
                else:
                    element = snapshot_subject(study, index, subject, stats)
                append_signatures(element, _subject_signatures(app, subject), users,
                                  subject.site_id)  # fmt: skip
                append_queries(element, queries.pop(subject.key, ()), study, index, users)
                append_confirmations(element, _subject_confirmations(app, subject), study,
                                     index, users)  # fmt: skip
                xf.write(element)
                xf.flush()
                del element


def _frame(app: AppSession, index: OdmIndex, profile: ExportProfile, file_type: str,
           transactional: bool, users: OdmUsers, stats: OdmStats
           ) -> tuple[bytes, bytes]:  # fmt: skip
    """The document around ClinicalData: (declaration, ODM start tag, Study, AdminData) and
    (the ODM end tag). AdminData comes before ClinicalData in ODM, but its user list is known
    only once ClinicalData has been written."""
    study = app.study
    now = datetime.now(UTC)
    root = etree.Element(q("ODM"), odm_root_attributes(
        f"{study.parameters.study_name}.{file_type.upper()}.{profile.value}."
        f"{now:%Y%m%dT%H%M%SZ}", file_type, "AllClinicalData", archival=transactional,
        created=utc_stamp(now), description=f"TNT Desktop export, profile {profile.value}, "
        f"by {users.oid(app.username, app.role)}"), nsmap=NSMAP)  # fmt: skip
    root.append(build_study_element(study, profile, index))
    root.append(admin_data(study, index, users, stats, app.db.site_id, profile))
    root.append(etree.Comment(_MARKER))
    head, tail = etree.tostring(root, encoding="UTF-8", xml_declaration=True,
                                pretty_print=True).split(f"<!--{_MARKER}-->".encode())
    return head + b"\n", tail


def write_odm(app: AppSession, sink: BinaryIO, *, profile: ExportProfile = SPONSOR_CODED,
              transactional: bool = False, spool: Spool | None = None,
              check: Callable[[], None] | None = None) -> OdmWritten:  # fmt: skip
    """Write one ODM 1.3.2 file (metadata, AdminData, ClinicalData) to `sink`, any binary file
    object (a file, a ZIP entry), and return its SHA-256, size and counts. This is the one ODM
    writer: export_odm gives it a file, a package gives it a ZIP entry.

    ClinicalData is written first, subject by subject, into `spool` (default: a MemorySpool;
    export_odm uses a FileSpool), then copied to `sink` after the header. `check()` is called
    before each subject (a cancel raises there). The spool is closed in any case."""
    spool = MemorySpool() if spool is None else spool
    try:
        _require(app, profile)
        file_type = "Transactional" if transactional else "Snapshot"
        index = OdmIndex(app.study, profile)
        from tnt_desktop.services.export_read import user_oids

        users, stats = OdmUsers(stable=user_oids(app)), OdmStats()
        users.oid(app.username, app.role)  # the exporting user is the file's originator
        _write_clinical(app, spool.target, index, profile, transactional, users, stats,
                        check or (lambda: None))  # fmt: skip
        head, tail = _frame(app, index, profile, file_type, transactional, users, stats)
        digest, size = hashlib.sha256(), 0
        for chunk in chain((head,), spool.chunks(), (tail,)):
            sink.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    finally:
        spool.close()
    return OdmWritten(digest.hexdigest(), size, file_type, stats)


def export_odm(app: AppSession, out: Path, *, profile: ExportProfile = SPONSOR_CODED,
               transactional: bool = False) -> OdmExportResult:  # fmt: skip
    """Write one ODM 1.3.2 file (metadata, AdminData, ClinicalData) and its SHA-256 file, and
    record the export. See the module docstring for the two file types."""
    _require(app, profile)
    started = time.monotonic()
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        spool = FileSpool(out.parent, out.name)
    except OSError as exc:
        raise OutputError(Text(f"cannot write in {out.parent}: {exc.strerror}",
                               f"无法写入 {out.parent}：{exc.strerror}")) from None  # fmt: skip
    final = out.with_name(f".{out.name}.tmp")
    try:
        descriptor = os.open(final, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:  # clinical data: owner-only, like the db
            written = write_odm(app, handle, profile=profile, transactional=transactional,
                                spool=spool)  # fmt: skip
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(final, out)
        sha_path = out.with_name(out.name + ".sha256")
        sha_path.write_text(f"{written.sha256}  {out.name}\n", encoding="ascii")
    except OSError as exc:
        raise OutputError(Text(f"cannot write {out}: {exc.strerror or exc}",
                               f"无法写入 {out}：{exc.strerror or exc}")) from None  # fmt: skip
    finally:
        spool.close()
        final.unlink(missing_ok=True)
    stats = written.stats
    record_export(app, profile=profile, subject_count=stats.subjects,
                  files=f"{out.name} sha256:{written.sha256}",
                  purpose=f"CDISC ODM 1.3.2 {written.file_type}")  # fmt: skip
    return OdmExportResult(out, written.sha256, sha_path, written.file_type, profile,
                           stats.subjects, stats.forms, stats.item_data, stats.audit_records,
                           time.monotonic() - started)  # fmt: skip


def verify_sha256(path: Path) -> bool:
    """Does `path` still match the hash written beside it?"""
    path = Path(path)
    expected = path.with_name(path.name + ".sha256").read_text(encoding="ascii").split()[0]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest() == expected

