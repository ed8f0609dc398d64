"""What exports read: subjects one at a time (streamed, never all in memory), filtered by an
export profile, plus the export log. Exports never read SQL themselves; they call these.

Profiles (CRF_SPEC.md §10):
- SPONSOR_CODED — the default transfer: direct identifiers (items flagged `identifier`) and
  genetic data (`hgr`) are removed before anything is serialised; subjects whose consent
  forbids transfer to third parties (ICXFER = N) are left out (REQ-PI-06).
- SITE_ARCHIVE — the site's own archive: everything, identifiers included (never sent).

Under SPONSOR_CODED every free-text value (and the audit trail's values and reasons) also passes
the REQ-PI-04 scan (services.free_text_scan) before anything is serialised: a value that holds
the subject's own identifiers or an identifier pattern is replaced by a marker. Pass one
`FreeTextScan` to every read of an export run to collect its hits for the export log and the
site queries (`scan.finish`); without one, each read withholds on its own and raises the queries
when it has read every subject.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from tnt_desktop.services.clinical_data import find_subject, load_subject
from tnt_desktop.services.free_text_scan import FreeTextScan, Identifiers
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.queries import QueryStep, QueryView, read_views
from tnt_desktop.services.session import AppSession
from tnt_desktop.storage.audit import utc_now_text
from tnt_desktop.storage.models import AuditEntry, ExportLog, Subject
from tnt_desktop.study.definition import Study
from tnt_desktop.study.subject import SubjectData

CHUNK = 200  # subjects whose ids are fetched at a time


class ExportProfile(StrEnum):
    SPONSOR_CODED = "SPONSOR_CODED"
    SITE_ARCHIVE = "SITE_ARCHIVE"


@dataclass(frozen=True)
class FormMeta:
    status: str
    version: int
    metadata_version: str
    updated_utc: datetime
    has_errors: bool
    has_warnings: bool


@dataclass
class ExportSubject:
    key: str  # study ID, or screening number before enrolment
    screening_number: str
    subject_id: str | None
    site_id: str
    status: str
    data: SubjectData  # typed values, already filtered by the profile
    forms: dict[tuple[str, int, str], FormMeta] = field(default_factory=dict)
    row_keys: dict[tuple[str, int, str], dict[str, list[int]]] = field(default_factory=dict)
    position: int = 0  # 1-based place among all subjects read (some may be left out)
    total: int = 0  # subjects in the database when the read began


def removed_items(study: Study, profile: ExportProfile) -> set[tuple[str, str]]:
    """(form code, item name) of the items a profile never serialises."""
    if profile is ExportProfile.SITE_ARCHIVE:
        return set()
    return {(d.form.code, d.item.name) for d in study.item_definitions()
            if d.item.identifier or d.item.hgr}  # fmt: skip


def _allowed(data: SubjectData, profile: ExportProfile) -> bool:
    if profile is ExportProfile.SITE_ARCHIVE:
        return True
    return data.value("IE.ICXFER") != "N"


def _filter(data: SubjectData, removed: set[tuple[str, str]]) -> None:
    for record in data.records:
        for name in [n for n in record.values if (record.form, n) in removed]:
            del record.values[name]
        for name in [n for n in record.missing if (record.form, n) in removed]:
            del record.missing[name]
        for rows in record.rows.values():
            for row in rows:
                for name in [n for n in row if (record.form, n) in removed]:
                    del row[name]
        for by_row in record.row_missing.values():
            for reasons in by_row.values():
                for name in [n for n in reasons if (record.form, n) in removed]:
                    del reasons[name]


def require_profile(app: AppSession, profile: ExportProfile) -> None:
    """SPONSOR_CODED needs EXPORT; SITE_ARCHIVE, which holds names, birth dates, phone and ID
    numbers, needs VIEW_IDENTIFIERS (the site staff who may see them, issue 14)."""
    app.require(Permission.EXPORT if profile is ExportProfile.SPONSOR_CODED
                else Permission.VIEW_IDENTIFIERS)  # fmt: skip


def _scan_for(app: AppSession, profile: ExportProfile, scan: FreeTextScan | None
              ) -> tuple[FreeTextScan | None, bool]:  # fmt: skip
    if profile is not ExportProfile.SPONSOR_CODED:
        return None, False
    if scan is not None:
        return scan, False
    return FreeTextScan(app), True


def export_subjects(app: AppSession, profile: ExportProfile = ExportProfile.SPONSOR_CODED,
                    *, scan: FreeTextScan | None = None) -> Iterator[ExportSubject]:  # fmt: skip
    """Subjects in screening-number order, loaded one by one (memory stays flat); free text
    scanned (REQ-PI-04) under the sponsor profile."""
    require_profile(app, profile)
    removed = removed_items(app.study, profile)
    scan, own_scan = _scan_for(app, profile, scan)
    with app.transaction(write=False) as session:
        ids = list(session.scalars(select(Subject.id).order_by(Subject.screening_number)))
    position = 0
    for start in range(0, len(ids), CHUNK):
        with app.transaction(write=False) as session:
            subjects = session.scalars(
                select(Subject).where(Subject.id.in_(ids[start:start + CHUNK]))
                .order_by(Subject.screening_number)
            ).all()  # fmt: skip
            for subject in subjects:
                position += 1
                loaded = load_subject(session, app.study, subject)
                if not _allowed(loaded.data, profile):
                    continue
                row_keys = {where: {g: list(k) for g, k in form.row_keys.items()}
                            for where, form in loaded.forms.items()}  # fmt: skip
                if scan is not None:
                    scan.subject(subject.key, loaded.data, row_keys)
                    for other in (subject.screening_number, subject.subject_id):
                        if other:
                            scan.identifiers[other] = scan.identifiers[subject.key]
                _filter(loaded.data, removed)
                item = ExportSubject(subject.key, subject.screening_number, subject.subject_id,
                                     subject.site_id, subject.status, loaded.data,
                                     position=position, total=len(ids))  # fmt: skip
                for where, form in loaded.forms.items():
                    instance = form.instance
                    item.forms[where] = FormMeta(
                        instance.status, instance.version, instance.metadata_version,
                        instance.updated_utc, instance.has_errors, instance.has_warnings,
                    )  # fmt: skip
                    item.row_keys[where] = row_keys[where]
                yield item
    if own_scan and scan is not None:
        scan.finish(app)


@dataclass(frozen=True, slots=True)
class AuditView:
    """An audit entry as an export shows it: `username` is the user name in the site archive,
    the stable user OID (USR.nnn, `user_oids`) in a sponsor export."""

    id: int
    ts_utc: str
    username: str
    role: str
    action: str
    event_oid: str | None
    repeat_key: int | None
    form_code: str | None
    group_name: str | None
    row_key: int | None
    item_name: str | None
    old_value: str | None
    new_value: str | None
    reason_code: str | None
    reason_text: str | None
    # the row-key map of a ROW_KEYS_RENUMBERED entry (migration 0006), else None
    renumbered: str | None = None


RENUMBERED = "ROW_KEYS_RENUMBERED"
AUDIT_BATCH = 1000  # audit rows fetched from the database at a time
SYSTEM_OID = "USR.SYSTEM"


def user_oids(app: AppSession) -> dict[str, str]:
    """User name → its stable user OID, USR.<database id, 3 digits> (SYSTEM → USR.SYSTEM): the
    same person has the same OID in every file of every export (REQ-PI-05 — sponsor exports
    name people by OID and role, never by name)."""
    from tnt_desktop.storage.models import User

    with app.transaction(write=False) as session:
        rows = session.execute(select(User.username, User.id)).all()
    return {"SYSTEM": SYSTEM_OID} | {name: f"USR.{pk:03d}" for name, pk in rows}

_AUDIT_COLUMNS = (
    AuditEntry.id, AuditEntry.ts_utc, AuditEntry.username, AuditEntry.role, AuditEntry.action,
    AuditEntry.event_oid, AuditEntry.repeat_key, AuditEntry.form_code, AuditEntry.group_name,
    AuditEntry.row_key, AuditEntry.item_name, AuditEntry.old_value, AuditEntry.new_value,
    AuditEntry.reason_code, AuditEntry.reason_text, AuditEntry.detail,
)  # fmt: skip


def iter_subject_audit(
    app: AppSession, subject_keys: Iterable[str | None],
    profile: ExportProfile = ExportProfile.SPONSOR_CODED, *, scan: FreeTextScan | None = None,
) -> Iterator[AuditView]:  # fmt: skip
    """The data-change history filed under any of `subject_keys` (a subject's screening number
    and study ID), in chain order, read AUDIT_BATCH rows at a time: plain rows, no ORM objects,
    never the whole trail at once. Values of identifier items are masked for the sponsor."""
    app.require(Permission.VIEW_DATA)
    keys = list(dict.fromkeys(k for k in subject_keys if k))
    if not keys:
        return
    removed = {name for _form, name in removed_items(app.study, profile)}
    site_archive = profile is ExportProfile.SITE_ARCHIVE
    scan, _own = _scan_for(app, profile, scan)
    if scan is not None and not any(k in scan.identifiers for k in keys):
        _learn_identifiers(app, scan, keys)
    oids = {} if site_archive else user_oids(app)
    query = (select(*_AUDIT_COLUMNS).where(AuditEntry.subject_key.in_(keys))
             .order_by(AuditEntry.id).execution_options(yield_per=AUDIT_BATCH))  # fmt: skip
    with app.transaction(write=False) as session:
        for (id_, ts, username, role, action, event_oid, repeat_key, form_code, group_name,
             row_key, item_name, old_value, new_value, reason_code, reason_text, detail
             ) in session.execute(query):  # fmt: skip
            hidden = item_name in removed
            if scan is not None and not hidden:  # REQ-PI-04: free text in the trail as well
                where = {"event": event_oid or "", "repeat": repeat_key or 1,
                         "group": group_name or "", "row_key": row_key or 0, "where": "audit"}
                if action.startswith("QUERY_"):  # its new value is a query's message
                    where["where"] = "query"
                free = (form_code, item_name) in scan.free_text or where["where"] == "query"
                if free:
                    old_value = scan.audit_text(keys, form_code, item_name, old_value, where)
                    new_value = scan.audit_text(keys, form_code, item_name, new_value, where)
                reason_text = scan.audit_text(keys, form_code, item_name, reason_text, where)
            # REQ-PI-05: sponsor exports name a user OID and role, not people; names stay in the
            # site archive
            yield AuditView(
                id_, ts, username if site_archive else oids.get(username, role), role, action,
                event_oid,
                repeat_key, form_code, group_name, row_key, item_name,
                None if hidden else old_value, None if hidden else new_value,
                reason_code, None if hidden else reason_text,
                detail if action == RENUMBERED else None,
            )  # fmt: skip


def _learn_identifiers(app: AppSession, scan: FreeTextScan, keys: list[str]) -> None:
    with app.transaction(write=False) as session:
        for key in keys:
            try:
                row = find_subject(session, key)
            except Exception:  # no such subject: nothing to learn
                continue
            ids = Identifiers.of(load_subject(session, app.study, row).data)
            for other in (row.screening_number, row.subject_id, *keys):
                if other:
                    scan.identifiers[other] = ids
            return


def subject_audit(
    app: AppSession, subject_key: str, profile: ExportProfile = ExportProfile.SPONSOR_CODED,
    *, scan: FreeTextScan | None = None,
) -> list[AuditView]:
    """A subject's data-change history; values of identifier items are masked for the sponsor,
    free text scanned (REQ-PI-04)."""
    return list(iter_subject_audit(app, [subject_key], profile, scan=scan))


def record_export(
    app: AppSession, *, profile: ExportProfile, subject_count: int, files: str,
    purpose: str | None = None, recipient: str | None = None, origin: dict | None = None,
    package_sha256: str | None = None,
) -> None:  # fmt: skip
    """The export log row and its audit entry (REQ-PI-07), in one transaction — with a
    package's place in this workstation's chain of packages (services.anchors)."""
    with app.transaction() as session:
        if origin is not None and package_sha256 is not None:
            from tnt_desktop.services.anchors import record_package

            record_package(session, origin, package_sha256)
        session.add(ExportLog(ts_utc=utc_now_text(), username=app.username, profile=profile,
                              purpose=purpose, recipient=recipient, subject_count=subject_count,
                              files=files))  # fmt: skip
        app.audit(session, "EXPORT", detail=f"{profile}: {subject_count} subjects; {files}"[:2000],
                  reason_text=purpose)  # fmt: skip
        from tnt_desktop.services.settings import write_setting

        write_setting(app, session, "export.last_utc", utc_now_text())


def export_log(app: AppSession) -> list[ExportLog]:
    app.require(Permission.VIEW_DATA)
    with app.transaction(write=False) as session:
        return list(session.scalars(select(ExportLog).order_by(ExportLog.id)))


# ---- queries ----------------------------------------------------------------------------------
def export_queries(app: AppSession, profile: ExportProfile = ExportProfile.SPONSOR_CODED,
                   subject_keys: Iterable[str] | None = None, *,
                   subject_key: str | None = None,
                   scan: FreeTextScan | None = None) -> list[QueryView]:  # fmt: skip
    """Queries as an export shows them. SPONSOR_CODED: queries on items the profile removes
    (identifiers, genetic data) are left out, and people are named by role only (REQ-PI-05:
    `raised_by` and each step's `username` hold the stable user OID, export_read.user_oids;
    user names only in SITE_ARCHIVE).
    `subject_keys`: only these subjects (those the export's profile let through);
    `subject_key`: one subject (read with one statement, for a casebook).
    Under SPONSOR_CODED every step's text passes the REQ-PI-04 scan as well (`scan`, the run's;
    one of its own without): a text holding an identifier is replaced by the marker and logged.
    No site query is raised for it: a query's messages are a permanent record nobody edits."""
    app.require(Permission.EXPORT if profile is ExportProfile.SPONSOR_CODED
                else Permission.VIEW_DATA)  # fmt: skip
    wanted = None if subject_keys is None else set(subject_keys)
    removed = removed_items(app.study, profile)
    site_archive = profile is ExportProfile.SITE_ARCHIVE
    with app.transaction(write=False) as session:
        views = read_views(session, subject_key)
    oids = {} if site_archive else user_oids(app)
    scan, _own = _scan_for(app, profile, scan)
    result = []
    for view in views:
        if wanted is not None and view.subject_key not in wanted:
            continue
        if view.item_name is not None and (view.form_code, view.item_name) in removed:
            continue
        if not site_archive:
            view = QueryView(
                view.id, view.subject_key, view.event_oid, view.repeat_key, view.form_code,
                view.group_name, view.row_key, view.item_name, view.status, view.origin,
                view.check_id, oids.get(view.raised_by, view.raised_role), view.raised_role,
                view.raised_utc, view.updated_utc,
                tuple(QueryStep(s.ts_utc, oids.get(s.username, s.role), s.role, s.kind,
                                _query_text(app, scan, view, s.text))
                      for s in view.steps),
            )  # fmt: skip
        result.append(view)
    return result


def _query_text(app: AppSession, scan: FreeTextScan | None, view: QueryView, text: str) -> str:
    """A query step's text as the sponsor may see it (REQ-PI-04)."""
    if scan is None or not text:
        return text
    if view.subject_key not in scan.identifiers:
        _learn_identifiers(app, scan, [view.subject_key])
    where = {"event": view.event_oid or "", "repeat": view.repeat_key or 1,
             "group": view.group_name or "", "row_key": view.row_key or 0, "where": "query"}
    return scan.audit_text([view.subject_key], view.form_code, view.item_name, text,
                           where) or text  # fmt: skip
