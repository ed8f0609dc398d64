"""Batched writes for the hot path of a save, straight to the driver's executemany.

A save writes a few dozen item values and as many audit entries; through the ORM or even Core's
insertmanyvalues that costs several milliseconds of Python per save. These statements are
fixed, parameterised and confined to the storage layer; the tables are the ORM's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from tnt_desktop.storage.models import AuditEntry, ItemValue

_VALUE_COLUMNS = ("form_pk", "group_name", "row_key", "item_name", "value", "missing_reason",
                  "derived")  # fmt: skip
_AUDIT_COLUMNS = tuple(c.name for c in AuditEntry.__table__.columns)


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


_INSERT_VALUE = _insert_sql(ItemValue.__tablename__, _VALUE_COLUMNS)
_UPDATE_VALUE = (
    f"UPDATE {ItemValue.__tablename__} SET value = ?, missing_reason = ?, derived = ? WHERE id = ?"
)
_INSERT_AUDIT = _insert_sql(AuditEntry.__tablename__, _AUDIT_COLUMNS)


def _driver_sql(session: Session, sql: str) -> str:
    """The statements are written with qmark placeholders (SQLite); PostgreSQL drivers (sponsor
    consolidation) take %s."""
    style = session.connection().dialect.paramstyle
    return sql if style == "qmark" else sql.replace("?", "%s")


def _executemany(session: Session, sql: str, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        session.connection().exec_driver_sql(_driver_sql(session, sql), rows)


def insert_item_values(session: Session, rows: list[dict[str, Any]]) -> None:
    _executemany(session, _INSERT_VALUE, [tuple(r[c] for c in _VALUE_COLUMNS) for r in rows])


def update_item_values(session: Session, rows: list[tuple[str | None, str | None, bool, int]]
                       ) -> None:  # fmt: skip
    """rows: (value, missing_reason, derived, id)."""
    _executemany(session, _UPDATE_VALUE, rows)


def read_setting_value(session: Session, key: str) -> str | None:
    sql = _driver_sql(session, "SELECT value FROM setting WHERE key = ?")
    row = session.connection().exec_driver_sql(sql, (key,)).first()
    return None if row is None else row[0]


def write_setting_value(session: Session, key: str, value: str) -> None:
    """Upsert one setting (the audit chain head) without the ORM; the caller's session must not
    hold that Setting as an ORM object with pending changes."""
    sql = _driver_sql(session, "INSERT INTO setting (key, value) VALUES (?, ?) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    session.connection().exec_driver_sql(sql, (key, value))


def insert_audit_entries(session: Session, rows: list[dict[str, Any]]) -> None:
    _executemany(session, _INSERT_AUDIT,
                 [tuple(r.get(c) for c in _AUDIT_COLUMNS) for r in rows])  # fmt: skip
