"""Repeating-group row keys count per item group (issue 13, item 2).

Until 0005 a form numbered its repeating-group rows across the whole form (a CT form's DOX rows
1–3, then IFO rows 4–7), while CDISC ODM keys ItemGroupData per item group; a file keyed the ODM
way then named rows that did not exist and an import added them again. From 0006 every group
counts its own rows from 1. This migration renumbers the rows already stored, in place, by their
order: the n-th key a group ever used (removed rows included, so a removed row keeps an identity
of its own) becomes n. Keys were unique across the form, so (form, old key) names one row and
the same map renumbers everything that points at a row: item values, SDV marks, queries and the
finding keys of confirmed soft checks.

The audit trail is append-only and hash-chained, so its entries keep the keys they were written
with; for each form renumbered the migration appends one entry (action ROW_KEYS_RENUMBERED, user
SYSTEM) whose detail is the map, as JSON {"IFO": {"4": 1, …}, …}: whoever replays the trail
applies it at that point. Signature hashes cover row keys: a signature that was valid before the
renumbering gets the hash of the same data under the new keys (its `hash_method` is unchanged,
the signed values are), one that was already broken stays broken.

Revision ID: 0006
Revises: 0007 (written on 0005)
Create Date: 2026-12-07
"""

import hashlib
import json
from collections import defaultdict

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0006"
down_revision = "0007"  # written on 0005; re-chained after main's 0007 (consent versions)
branch_labels = None
depends_on = None

ACTION = "ROW_KEYS_RENUMBERED"


def _maps(connection) -> dict[int, dict[str, dict[int, int]]]:
    """form_pk → group → old key → new key, only for groups whose keys change."""
    keys: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for form_pk, group, row_key in connection.execute(sa.text(
            "SELECT DISTINCT form_pk, group_name, row_key FROM item_value "
            "WHERE group_name <> ''")):  # fmt: skip
        keys[form_pk][group].add(row_key)
    maps: dict[int, dict[str, dict[int, int]]] = {}
    for form_pk, groups in keys.items():
        for group, used in groups.items():
            ranks = {old: new for new, old in enumerate(sorted(used), start=1)}
            if any(old != new for old, new in ranks.items()):
                maps.setdefault(form_pk, {})[group] = ranks
    return maps


# ---- signatures: a frozen copy of services.signatures' TNT-SIG-1 canonical form ----------------
def _canonical(header: list, rows) -> bytes:
    lines = [json.dumps(header, ensure_ascii=False, separators=(",", ":"))]
    lines += sorted(json.dumps(list(r), ensure_ascii=False, separators=(",", ":")) for r in rows)
    return "\n".join(lines).encode("utf-8")


def _signature_hash(connection, signature) -> str:
    if signature.scope == "CASEBOOK":
        rows = connection.execute(sa.text(
            "SELECT e.event_oid, e.repeat_key, f.form_code, v.group_name, v.row_key, "
            "v.item_name, v.value, v.missing_reason FROM item_value v "
            "JOIN form_instance f ON f.id = v.form_pk JOIN event_instance e ON e.id = f.event_pk "
            "WHERE e.subject_pk = :s AND (v.value IS NOT NULL OR v.missing_reason IS NOT NULL)"),
            {"s": signature.subject_pk}).all()  # fmt: skip
        header = ["TNT-SIG-1", "CASEBOOK", signature.screening_number]
    else:
        rows = connection.execute(sa.text(
            "SELECT group_name, row_key, item_name, value, missing_reason FROM item_value "
            "WHERE form_pk = :f AND (value IS NOT NULL OR missing_reason IS NOT NULL)"),
            {"f": signature.form_pk}).all()  # fmt: skip
        header = ["TNT-SIG-1", "FORM", signature.screening_number, signature.event_oid,
                  signature.repeat_key, signature.form_code]  # fmt: skip
    return hashlib.sha256(_canonical(header, [tuple(r) for r in rows])).hexdigest()


def _valid_signatures(connection, maps) -> list:
    """Current, unbroken signatures over data that is about to be renumbered, whose stored hash
    still matches the data."""
    if not maps:
        return []
    subjects = {row.subject_pk for row in connection.execute(sa.text(
        "SELECT DISTINCT e.subject_pk FROM form_instance f JOIN event_instance e "
        "ON e.id = f.event_pk WHERE f.id IN (" + ",".join(map(str, maps)) + ")"))}  # fmt: skip
    signatures = connection.execute(sa.text(
        "SELECT g.id, g.subject_pk, g.form_pk, g.scope, g.data_hash, s.screening_number, "
        "e.event_oid, e.repeat_key, f.form_code FROM e_signature g "
        "JOIN subject s ON s.id = g.subject_pk JOIN form_instance f ON f.id = g.form_pk "
        "JOIN event_instance e ON e.id = f.event_pk "
        "WHERE g.broken_utc IS NULL AND g.superseded_by IS NULL")).all()  # fmt: skip
    return [s for s in signatures
            if (s.form_pk in maps or (s.scope == "CASEBOOK" and s.subject_pk in subjects))
            and _signature_hash(connection, s) == s.data_hash]  # fmt: skip


def _renumber_finding_key(key: str, form_code: str, groups: dict[str, dict[int, int]],
                          by_key: dict[int, str]) -> str:  # fmt: skip
    """finding keys are CHECK|EVENT#REPEAT|ITEM|ROWKEY (form_entry.finding_key)."""
    head, sep, row = key.rpartition("|")
    if not sep or not row.isdigit():
        return key
    old = int(row)
    item = head.rpartition("|")[2]
    parts = item.split(".")
    group = parts[1] if len(parts) == 3 and parts[0] == form_code else by_key.get(old)
    new = groups.get(group or "", {}).get(old)
    return key if new is None else f"{head}|{new}"


def upgrade() -> None:
    connection = op.get_bind()
    maps = _maps(connection)
    if not maps:
        return
    signatures = _valid_signatures(connection, maps)
    forms = {row.id: row for row in connection.execute(sa.text(
        "SELECT f.id, f.form_code, f.metadata_version, e.event_oid, e.repeat_key, "
        "e.subject_pk, COALESCE(s.subject_id, s.screening_number) AS subject_key "
        "FROM form_instance f JOIN event_instance e ON e.id = f.event_pk "
        "JOIN subject s ON s.id = e.subject_pk"))}  # fmt: skip
    session = Session(bind=connection)
    from tnt_desktop.storage import audit

    for form_pk in sorted(maps):
        groups = maps[form_pk]
        form = forms[form_pk]
        by_key = {old: group for group, ranks in groups.items() for old in ranks}
        for group, ranks in groups.items():
            for old in sorted(ranks):  # ascending: a new key is never above its old key, and the
                new = ranks[old]  # lower keys were moved first, so the target is free
                if old == new:
                    continue
                for table in ("item_value", "sdv_mark"):
                    connection.execute(sa.text(
                        f"UPDATE {table} SET row_key = :new WHERE form_pk = :f AND "
                        "group_name = :g AND row_key = :old"),
                        {"new": new, "f": form_pk, "g": group, "old": old})  # fmt: skip
                connection.execute(sa.text(
                    "UPDATE data_query SET row_key = :new WHERE subject_pk = :s AND "
                    "event_oid = :e AND repeat_key = :r AND form_code = :c AND "
                    "group_name = :g AND row_key = :old"),
                    {"new": new, "s": form.subject_pk, "e": form.event_oid,
                     "r": form.repeat_key, "c": form.form_code, "g": group,
                     "old": old})  # fmt: skip
        for override_id, key in connection.execute(sa.text(
                "SELECT id, finding_key FROM check_override WHERE form_pk = :f"),
                {"f": form_pk}).all():  # fmt: skip
            renamed = _renumber_finding_key(key, form.form_code, groups, by_key)
            if renamed != key:
                connection.execute(sa.text(
                    "UPDATE check_override SET finding_key = :k WHERE id = :i"),
                    {"k": renamed, "i": override_id})  # fmt: skip
        detail = {group: {str(old): new for old, new in sorted(ranks.items()) if old != new}
                  for group, ranks in sorted(groups.items())}  # fmt: skip
        audit.append(session, username="SYSTEM", role="SYSTEM", action=ACTION,
                     metadata_version=form.metadata_version, subject_key=form.subject_key,
                     event_oid=form.event_oid, repeat_key=form.repeat_key,
                     form_code=form.form_code,
                     detail=json.dumps(detail, sort_keys=True, separators=(",", ":")),
                     reason_text="schema 0006: repeating-group rows are numbered per item group")
    for signature in signatures:
        connection.execute(sa.text("UPDATE e_signature SET data_hash = :h WHERE id = :i"),
                           {"h": _signature_hash(connection, signature), "i": signature.id})
    audit.flush_pending(session)
    session.close()


def downgrade() -> None:
    raise NotImplementedError("TNT Desktop migrations only go forward; restore a backup instead")
