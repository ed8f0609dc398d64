"""What a workstation's package carries for the sponsor's store: `sponsor/payload.json`.

The CSV, ODM and PDF files of a package are for people and analysis programs; the store needs
the workstation's state in its own coordinates, with the history that lets it merge field by
field. The payload holds, filtered by the export profile exactly as the other files are
(identifier and genetic items removed, subjects whose consent forbids transfer left out, user
names replaced by roles — REQ-PI-01/05/06):

- `subjects`: every subject with its forms (status, version, metadata version, times) and its
  item values (group, row, item, value, reason for missing, derived);
- `audit`: the workstation's whole audit chain, one entry per row: id, previous hash, hash and,
  for an entry about a transferable subject's non-identifier data, its content (user name
  replaced by the role; its detail only for a row-key renumbering). Other entries (logins, user
  administration, identifier items) keep only id, hashes, time and action: the store can still
  check that the chain is unbroken and that a later package extends the earlier one, without
  learning what the site keeps to itself;
- `queries` (with their messages) and `signatures`, verbatim but for user names;
- `consent_versions`: the site's configured consent form versions (clarification 24), which the
  exports' ICVER decodes read.

Under SPONSOR_CODED every free-text value, the audit trail's free-text values, reasons and
details, and every query message pass the export run's REQ-PI-04 scan (services.free_text_scan)
as the other files of the package do: a text holding an identifier travels as the marker. The
chain stays checkable: the store links entries by their hashes, it never recomputes them.

Deviation candidates are entries of the deviation log (F14) and travel as its item values.

`package_origin` reads the package's place in its workstation's history from the manifest
(`origin`: site, workstation, sequence, SHA-256 of the previous package, signed chain head; see
exports/package.py). It is the one function that knows those key names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from tnt_desktop.services.export_read import RENUMBERED, ExportProfile, removed_items
from tnt_desktop.services.free_text_scan import IDENTITY_ITEMS, FreeTextScan, Identifiers
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.session import AppSession
from tnt_desktop.storage.models import (
    AuditEntry,
    ConsentVersion,
    DataQuery,
    ESignature,
    EventInstance,
    FormInstance,
    ItemValue,
    Subject,
)

PAYLOAD_NAME = "sponsor/payload.json"
PAYLOAD_FORMAT = "tnt-sponsor-payload/1"
CONTENT_FIELDS = (
    "ts_utc", "username", "role", "action", "subject_key", "event_oid", "repeat_key",
    "form_code", "group_name", "row_key", "item_name", "old_value", "new_value", "reason_code",
    "reason_text", "detail", "app_version", "metadata_version",
)  # fmt: skip


@dataclass(frozen=True)
class ChainHead:
    sequence: int | None
    hash: str | None
    signature: str | None
    signer: str | None


@dataclass(frozen=True)
class Origin:
    """Where a package stands in its workstation's history."""

    site: str
    workstation: int
    sequence: int
    previous_sha256: str | None
    chain_head: ChainHead | None


class OriginMissing(ValueError):
    pass


def package_origin(manifest: dict) -> Origin:
    """The manifest's `origin` block (exports.package writes it); OriginMissing if absent."""
    origin = manifest.get("origin") if isinstance(manifest, dict) else None
    if not isinstance(origin, dict):
        raise OriginMissing("the manifest has no origin")
    try:
        head = origin.get("chain_head")
        chain = None if not isinstance(head, dict) else ChainHead(
            None if head.get("sequence") is None else int(head["sequence"]),
            head.get("hash"), head.get("signature"), head.get("signer"))  # fmt: skip
        return Origin(str(origin["site"]), int(origin["workstation"]), int(origin["sequence"]),
                      origin.get("previous_package_sha256") or None, chain)  # fmt: skip
    except (KeyError, TypeError, ValueError):
        raise OriginMissing("the manifest's origin is incomplete") from None


# ---- writing (at the workstation) --------------------------------------------------------------
def build_payload(app: AppSession, profile: ExportProfile = ExportProfile.SPONSOR_CODED,
                  scan: FreeTextScan | None = None) -> dict[str, Any]:  # fmt: skip
    """The payload (module docstring); `scan`: the export run's REQ-PI-04 scan (one of its own
    under SPONSOR_CODED without it; none for the site archive)."""
    app.require(Permission.EXPORT if profile is ExportProfile.SPONSOR_CODED
                else Permission.VIEW_DATA)  # fmt: skip
    removed = removed_items(app.study, profile)
    names = profile is ExportProfile.SITE_ARCHIVE
    if profile is ExportProfile.SPONSOR_CODED and scan is None:
        scan = FreeTextScan(app)
    if names:
        scan = None
    identity: dict[int, dict[str, str]] = {}  # subject pk → DM identity items (REQ-PI-04)
    with app.transaction(write=False) as session:
        subjects = list(session.scalars(select(Subject).order_by(Subject.id)))
        rows = session.execute(
            select(EventInstance.subject_pk, EventInstance.event_oid, EventInstance.repeat_key,
                   FormInstance, ItemValue)
            .join(FormInstance, FormInstance.event_pk == EventInstance.id)
            .outerjoin(ItemValue, ItemValue.form_pk == FormInstance.id)
            .order_by(FormInstance.id, ItemValue.id)).all()  # fmt: skip
        forms: dict[int, dict[int, dict]] = {}
        blocked: set[int] = set()
        for subject_pk, event_oid, repeat_key, form, value in rows:
            entry = forms.setdefault(subject_pk, {}).get(form.id)
            if entry is None:
                entry = forms[subject_pk][form.id] = {
                    "event_oid": event_oid, "repeat_key": repeat_key,
                    "form_code": form.form_code, "status": form.status,
                    "metadata_version": form.metadata_version, "version": form.version,
                    "created_utc": _iso(form.created_utc), "updated_utc": _iso(form.updated_utc),
                    "has_errors": form.has_errors, "has_warnings": form.has_warnings,
                    "values": []}  # fmt: skip
            if value is None:
                continue
            if form.form_code == "DM" and value.item_name in IDENTITY_ITEMS:
                identity.setdefault(subject_pk, {})[value.item_name] = value.value
            if (form.form_code, value.item_name) == ("IE", "ICXFER") and value.value == "N" \
                    and profile is ExportProfile.SPONSOR_CODED:
                blocked.add(subject_pk)
            if (form.form_code, value.item_name) in removed:
                continue
            entry["values"].append([value.group_name, value.row_key, value.item_name, value.value,
                                    value.missing_reason, bool(value.derived)])  # fmt: skip
        by_pk = {s.id: s.screening_number for s in subjects}
        withhold = _Withhold(scan, subjects, identity)
        withhold.values(forms)
        out_subjects, keys = [], {}
        for subject in subjects:
            if subject.id in blocked:
                continue
            for key in (subject.screening_number, subject.subject_id):
                if key:
                    keys[key] = subject.id
            out_subjects.append({
                "screening_number": subject.screening_number, "subject_id": subject.subject_id,
                "site_id": subject.site_id, "status": subject.status,
                "status_reason": subject.status_reason, "data_state": subject.data_state,
                "created_utc": _iso(subject.created_utc),
                "enrolled_utc": _iso(subject.enrolled_utc),
                "forms": list(forms.get(subject.id, {}).values())})  # fmt: skip
        removed_names = {(f, n) for f, n in removed}
        audit = []
        for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
            shown = entry.subject_key in keys and (entry.form_code, entry.item_name) \
                not in removed_names  # fmt: skip
            if shown:
                content = {name: getattr(entry, name) for name in CONTENT_FIELDS}
                if not names:
                    content["username"] = entry.role  # REQ-PI-05: roles, not people
                withhold.audit(content)
            else:
                content = {"ts_utc": entry.ts_utc, "action": entry.action}
            audit.append([entry.id, entry.prev_hash, entry.hash, shown, content])
        queries = []
        for query in session.scalars(select(DataQuery).order_by(DataQuery.id)):
            subject_key = by_pk.get(query.subject_pk)
            if query.subject_pk in blocked or subject_key is None:
                continue
            if (query.form_code, query.item_name) in removed_names:
                continue
            queries.append({
                "id": query.id, "subject": subject_key, "event_oid": query.event_oid,
                "repeat_key": query.repeat_key, "form_code": query.form_code,
                "group_name": query.group_name, "row_key": query.row_key,
                "item_name": query.item_name, "status": query.status, "origin": query.origin,
                "check_id": query.check_id, "raised_by": query.raised_role if not names
                else query.raised_by, "raised_role": query.raised_role,
                "raised_utc": query.raised_utc, "updated_utc": query.updated_utc,
                "messages": [[m.ts_utc, m.role if not names else m.username, m.role, m.kind,
                              withhold.query(query, subject_key, m.text)]
                             for m in query.messages]})  # fmt: skip
        signatures = []
        form_keys = {form_id: (pk, f) for pk, by_form in forms.items()
                     for form_id, f in by_form.items()}  # fmt: skip
        for sig in session.scalars(select(ESignature).order_by(ESignature.id)):
            if sig.subject_pk in blocked or sig.form_pk not in form_keys:
                continue
            form = form_keys[sig.form_pk][1]
            signatures.append({
                "id": sig.id, "subject": by_pk.get(sig.subject_pk),
                "event_oid": form["event_oid"], "repeat_key": form["repeat_key"],
                "form_code": form["form_code"], "point": sig.point, "scope": sig.scope,
                "signer": sig.role if not names else sig.username, "role": sig.role,
                "ts_utc": sig.ts_utc, "meaning_en": sig.meaning_en, "meaning_zh": sig.meaning_zh,
                "data_hash": sig.data_hash, "hash_method": sig.hash_method,
                "broken_utc": sig.broken_utc, "superseded_by": sig.superseded_by})  # fmt: skip
        consent_versions = [
            {"label": row.label, "version_date": row.version_date,
             "approval_date": row.approval_date, "added_by": row.added_by if names else "admin",
             "added_utc": row.added_utc}
            for row in session.scalars(select(ConsentVersion).order_by(ConsentVersion.label))
        ]  # fmt: skip
    return {"format": PAYLOAD_FORMAT, "site": app.db.site_id, "workstation": app.db.workstation,
            "profile": profile.value, "subjects": out_subjects, "audit": audit,
            "queries": queries, "signatures": signatures,
            "consent_versions": consent_versions}  # fmt: skip


class _Withhold:
    """REQ-PI-04 for the payload: the run's scan applied to its free texts (module docstring)."""

    def __init__(self, scan: FreeTextScan | None, subjects: list[Subject],
                 identity: dict[int, dict[str, str]]) -> None:  # fmt: skip
        self.scan = scan
        self.keys: dict[int, list[str]] = {}
        if scan is None:
            return
        for subject in subjects:
            keys = [k for k in (subject.screening_number, subject.subject_id) if k]
            self.keys[subject.id] = keys
            known = next((scan.identifiers[k] for k in keys if k in scan.identifiers), None)
            ids = known or Identifiers.from_items(identity.get(subject.id, {}))
            for key in keys:
                scan.identifiers.setdefault(key, ids)

    def _text(self, keys: list[str], form: str | None, item: str | None, text: Any,
              where: dict[str, Any]) -> Any:  # fmt: skip
        if self.scan is None or not isinstance(text, str):
            return text
        return self.scan.audit_text(keys, form, item, text, where)

    def values(self, forms: dict[int, dict[int, dict]]) -> None:
        if self.scan is None:
            return
        for subject_pk, by_form in forms.items():
            keys = self.keys.get(subject_pk, [])
            for form in by_form.values():
                for value in form["values"]:
                    group, row_key, item, text = value[0], value[1], value[2], value[3]
                    if (form["form_code"], item) in self.scan.free_text:
                        value[3] = self._text(keys, form["form_code"], item, text, {
                            "event": form["event_oid"], "repeat": form["repeat_key"],
                            "group": group or "", "row_key": row_key or 0, "where": "value"})

    def audit(self, content: dict[str, Any]) -> None:
        if self.scan is None:
            return
        keys = [content["subject_key"]]
        form, item = content["form_code"], content["item_name"]
        where = {"event": content["event_oid"] or "", "repeat": content["repeat_key"] or 1,
                 "group": content["group_name"] or "", "row_key": content["row_key"] or 0,
                 "where": "query" if content["action"].startswith("QUERY_")
                 else "audit"}  # fmt: skip
        if content["action"] != RENUMBERED:  # signers' names, check texts: kept at the site
            content["detail"] = None  # (REQ-PI-05; as services.export_read shows the trail)
        fields = ["reason_text", "detail"]
        if (form, item) in self.scan.free_text or where["where"] == "query":
            fields += ["old_value", "new_value"]  # a free text, or a query's message
        for name in fields:
            content[name] = self._text(keys, form, item, content[name], where)

    def query(self, query: DataQuery, subject_key: str, text: str) -> str:
        return self._text([subject_key], query.form_code, query.item_name, text, {
            "event": query.event_oid or "", "repeat": query.repeat_key or 1,
            "group": query.group_name or "", "row_key": query.row_key or 0, "where": "query"})


def _iso(moment) -> str | None:
    return None if moment is None else moment.isoformat()


def payload_bytes(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write_payload(app: AppSession, writer, profile: ExportProfile) -> None:
    """Add the payload to a package being written (exports.package.PackageWriter)."""
    writer.write(PAYLOAD_NAME, payload_bytes(build_payload(app, profile)))
