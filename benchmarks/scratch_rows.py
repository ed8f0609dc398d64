"""Growing a scratch database for the benchmarks: a subject's rows copied under new keys with raw
SQL (a benchmark may; what it measures reads through the services). Shared by subject_list.py,
export_csv.py, export_odm.py and export_pdf.py."""

from __future__ import annotations


def max_id(connection, table: str) -> int:
    return connection.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]


def copy_subject(connection, template: int, tag: str) -> tuple[int, int, int, int]:
    """Copy subject `template` with its events, forms and values; screening number and study ID
    get `tag` appended. Returns the id offsets used (subject, event, form, value): the new
    subject's id is the first + 1, a copied row's id is the original's + its offset."""
    s_off, e_off = max_id(connection, "subject"), max_id(connection, "event_instance")
    f_off, v_off = max_id(connection, "form_instance"), max_id(connection, "item_value")
    connection.execute(
        "INSERT INTO subject (id, site_id, screening_number, subject_id, status,"
        " status_reason, created_utc, enrolled_utc) SELECT ?, site_id,"
        " screening_number || ?, CASE WHEN subject_id IS NULL THEN NULL ELSE"
        " subject_id || ? END, status, status_reason, created_utc, enrolled_utc"
        " FROM subject WHERE id = ?", (s_off + 1, tag, tag, template))  # fmt: skip
    connection.execute(
        "INSERT INTO event_instance (id, subject_pk, event_oid, repeat_key)"
        " SELECT id + ?, ?, event_oid, repeat_key FROM event_instance"
        " WHERE subject_pk = ?", (e_off, s_off + 1, template))  # fmt: skip
    connection.execute(
        "INSERT INTO form_instance (id, event_pk, form_code, status, metadata_version,"
        " has_errors, has_warnings, created_utc, updated_utc, version)"
        " SELECT f.id + ?, f.event_pk + ?, f.form_code, f.status, f.metadata_version,"
        " f.has_errors, f.has_warnings, f.created_utc, f.updated_utc, f.version"
        " FROM form_instance f JOIN event_instance e ON e.id = f.event_pk"
        " WHERE e.subject_pk = ?", (f_off, e_off, template))  # fmt: skip
    connection.execute(
        "INSERT INTO item_value (id, form_pk, group_name, row_key, item_name, value,"
        " missing_reason, derived) SELECT v.id + ?, v.form_pk + ?, v.group_name,"
        " v.row_key, v.item_name, v.value, v.missing_reason, v.derived"
        " FROM item_value v JOIN form_instance f ON f.id = v.form_pk"
        " JOIN event_instance e ON e.id = f.event_pk WHERE e.subject_pk = ?",
        (v_off, f_off, template))  # fmt: skip
    return s_off, e_off, f_off, v_off
