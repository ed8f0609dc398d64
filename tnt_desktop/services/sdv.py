"""Source data verification (issue 6, CRF_SPEC.md REQ-DQ-03, REQ-AT-06).

A monitor marks item values as verified against the source documents (`mark_sdv`), or a whole
form (`verify_form`, which marks every stored item of the form). A mark stores the
SHA-256 of the value and missing reason it verified: when the value changes later the mark is
*stale* (shown, but no longer counted as verified) until the monitor verifies it again.
The critical items of the risk-based plan (study.sdv_plan) need 100 % SDV; `sdv_progress`
counts them for one subject or the whole study.

Only items a person enters count: derived values (system-computed, audited as SYSTEM) and
assigned identifiers are verified through their sources and are neither listed nor markable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tnt_desktop.errors import TntError
from tnt_desktop.services.clinical_data import find_subject
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.workflow import (
    FormStatus,
    check_writable,
    find_form_instance,
    form_transition,
)
from tnt_desktop.storage.audit import utc_now_text
from tnt_desktop.storage.models import EventInstance, FormInstance, ItemValue, SdvMark, Subject
from tnt_desktop.study.model import Text
from tnt_desktop.study.sdv_plan import is_critical


@dataclass(frozen=True)
class SdvItem:
    group_name: str
    row_key: int
    item_name: str
    critical: bool
    verified: bool  # marked, and the value is the one verified
    stale: bool  # marked, but the value changed since
    username: str | None
    ts_utc: str | None


@dataclass(frozen=True)
class SdvProgress:
    critical_total: int = 0
    critical_verified: int = 0
    total: int = 0
    verified: int = 0


class SdvError(TntError):
    """An SDV mark the data do not allow."""


def value_hash(value: str | None, missing: str | None) -> str:
    """SHA-256 of one stored value as verified (its canonical text and its missing reason)."""
    text = json.dumps([value, missing], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _where(subject_key: str, event: str, repeat: int, form_code: str) -> str:
    return f"{subject_key} {event} #{repeat} {form_code}"


def _instance(session: Session, subject: Subject, event: str, repeat: int,
              form_code: str) -> FormInstance:  # fmt: skip
    instance = find_form_instance(session, subject, event, repeat, form_code)
    if instance is None:
        what = _where(subject.key, event, repeat, form_code)
        raise SdvError(Text(f"{what} has no data to verify", f"{what} 没有可核查的数据"))
    return instance


def _values(session: Session, form_pks: Iterable[int]) -> list:
    """(form_pk, group, row, item, value, missing) of every stored, person-entered value."""
    table = ItemValue.__table__
    pks = list(form_pks)
    if not pks:
        return []
    return list(session.execute(
        select(table.c.form_pk, table.c.group_name, table.c.row_key, table.c.item_name,
               table.c.value, table.c.missing_reason)
        .where(table.c.form_pk.in_(pks), table.c.derived.is_(False),
               (table.c.value.is_not(None)) | (table.c.missing_reason.is_not(None)))
        .order_by(table.c.form_pk, table.c.group_name, table.c.row_key, table.c.item_name)
    ))  # fmt: skip


def _marks(session: Session, form_pks: Iterable[int]) -> dict[tuple, SdvMark]:
    pks = list(form_pks)
    if not pks:
        return {}
    return {(m.form_pk, m.group_name, m.row_key, m.item_name): m
            for m in session.scalars(select(SdvMark).where(SdvMark.form_pk.in_(pks)))}


def _show(value: str | None, missing: str | None) -> str | None:
    return f"[{missing}]" if missing else value


def _mark(app: AppSession, session: Session, subject: Subject, instance: FormInstance,
          event: str, repeat: int, items: Iterable[tuple[str, int, str]] | None, *,
          audit_each: bool = True) -> int:  # fmt: skip
    """Mark items of one form instance verified. `items` None: every stored item of the form.
    Returns how many marks were set or renewed (a current mark is left as it is)."""
    stored = {(g, r, n): (v, m) for _pk, g, r, n, v, m in _values(session, [instance.id])}
    wanted = list(stored) if items is None else [(g or "", int(r or 0), n) for g, r, n in items]
    marks = _marks(session, [instance.id])
    now = utc_now_text()
    count = 0
    for key in wanted:
        if key not in stored:
            group, row, name = key
            where = name + (f" ({group} row {row})" if group else "")
            code = instance.form_code
            raise SdvError(Text(f"{where} of {code} has no stored value to verify",
                                f"{code} 的 {where} 没有可核查的已保存值"))  # fmt: skip
        value, missing = stored[key]
        digest = value_hash(value, missing)
        mark = marks.get((instance.id, *key))
        if mark is not None and mark.value_hash == digest:
            continue
        if mark is None:
            mark = SdvMark(form_pk=instance.id, group_name=key[0], row_key=key[1],
                           item_name=key[2], value_hash=digest, username=app.username,
                           ts_utc=now)  # fmt: skip
            session.add(mark)
            marks[(instance.id, *key)] = mark
        else:
            mark.value_hash, mark.username, mark.ts_utc = digest, app.username, now
        count += 1
        if audit_each:
            app.audit(session, "ITEM_SDV", subject_key=subject.key, event_oid=event,
                      repeat_key=repeat, form_code=instance.form_code,
                      group_name=key[0] or None, row_key=key[1] or None, item_name=key[2],
                      new_value=_show(value, missing),
                      detail="critical item (100 % SDV)" if is_critical(
                          instance.form_code, key[2]) else None)  # fmt: skip
    if count and not audit_each:
        app.audit(session, "ITEM_SDV", subject_key=subject.key, event_oid=event,
                  repeat_key=repeat, form_code=instance.form_code,
                  detail=f"form verified: {count} item(s) marked")  # fmt: skip
    return count


def mark_sdv(app: AppSession, subject_key: str, event: str, repeat: int, form_code: str,
             items: Iterable[tuple[str, int, str]] | None, *,
             audit_each: bool = True) -> int:  # fmt: skip
    """Mark items (group_name, row_key, item_name) of one form instance as verified against
    source (monitor). Only items with a stored value or missing reason; each mark audited —
    or, with `audit_each` False, one entry for the form. `items` None marks every stored item
    (form-level SDV: `verify_form` calls it inside its own transaction)."""
    app.require(Permission.VERIFY)
    items = None if items is None else list(items)
    with app.transaction() as session:
        subject = find_subject(session, subject_key)
        check_writable(session, subject, data_entry=False)  # allowed on a frozen subject
        instance = _instance(session, subject, event, repeat, form_code)
        return _mark(app, session, subject, instance, event, repeat, items,
                     audit_each=audit_each)  # fmt: skip


def unmark_sdv(app: AppSession, subject_key: str, event: str, repeat: int, form_code: str,
               items: Iterable[tuple[str, int, str]], reason: str) -> int:  # fmt: skip
    """Remove SDV marks (monitor, with a reason); each removal audited. Returns the count."""
    app.require(Permission.VERIFY)
    text = (reason or "").strip()
    if not text:
        raise SdvError(Text("removing an SDV mark needs a reason",
                            "撤销源数据核查标记需要填写原因"))  # fmt: skip
    items = [(g or "", int(r or 0), n) for g, r, n in items]
    with app.transaction() as session:
        subject = find_subject(session, subject_key)
        check_writable(session, subject, data_entry=False)
        instance = _instance(session, subject, event, repeat, form_code)
        marks = _marks(session, [instance.id])
        count = 0
        for key in items:
            mark = marks.pop((instance.id, *key), None)
            if mark is None:
                continue
            session.delete(mark)
            count += 1
            app.audit(session, "ITEM_SDV_REMOVED", subject_key=subject.key, event_oid=event,
                      repeat_key=repeat, form_code=form_code, group_name=key[0] or None,
                      row_key=key[1] or None, item_name=key[2],
                      old_value=f"verified by {mark.username} {mark.ts_utc}",
                      reason_text=text)  # fmt: skip
        return count


def _items(values: list, marks: dict[tuple, SdvMark], form_code: str) -> list[SdvItem]:
    result = []
    for form_pk, group, row, name, value, missing in values:
        mark = marks.get((form_pk, group, row, name))
        current = mark is not None and mark.value_hash == value_hash(value, missing)
        result.append(SdvItem(
            group, row, name, is_critical(form_code, name), current,
            mark is not None and not current, mark.username if mark else None,
            mark.ts_utc if mark else None))  # fmt: skip
    return result


def form_sdv(app: AppSession, subject_key: str, event: str, repeat: int,
             form_code: str) -> list[SdvItem]:  # fmt: skip
    """Every stored, person-entered item of one form instance with its SDV state."""
    app.require(Permission.VIEW_DATA)
    with app.transaction(write=False) as session:
        subject = find_subject(session, subject_key)
        instance = find_form_instance(session, subject, event, repeat, form_code)
        if instance is None:
            return []
        return _items(_values(session, [instance.id]), _marks(session, [instance.id]),
                      form_code)  # fmt: skip


def _progress(session: Session, subject_pk: int | None = None) -> SdvProgress:
    """SDV progress of one subject (its pk) or of the study. The stored values are counted in
    SQL, per form and item; only the marked ones are read, to compare each mark's hash with the
    value as it is now (a study of 5,000 subjects holds millions of values and, typically, far
    fewer marks)."""
    table = ItemValue.__table__
    entered = (table.c.derived.is_(False)
               & (table.c.value.is_not(None) | table.c.missing_reason.is_not(None)))

    def scoped(query):
        query = query.join(FormInstance, FormInstance.id == table.c.form_pk).where(entered)
        if subject_pk is None:
            return query
        return query.join(EventInstance, FormInstance.event_pk == EventInstance.id).where(
            EventInstance.subject_pk == subject_pk)  # fmt: skip

    critical_total = critical_verified = total = verified = 0
    for code, name, count in session.execute(scoped(
            select(FormInstance.form_code, table.c.item_name, func.count()).select_from(table))
            .group_by(FormInstance.form_code, table.c.item_name)):  # fmt: skip
        total += count
        critical_total += count if is_critical(code, name) else 0
    marked = select(FormInstance.form_code, table.c.item_name, table.c.value,
                    table.c.missing_reason, SdvMark.value_hash).select_from(table).join(
        SdvMark, (SdvMark.form_pk == table.c.form_pk) & (SdvMark.group_name == table.c.group_name)
        & (SdvMark.row_key == table.c.row_key) & (SdvMark.item_name == table.c.item_name))
    for code, name, value, missing, digest in session.execute(scoped(marked)):
        if digest == value_hash(value, missing):  # a stale mark does not count
            verified += 1
            critical_verified += is_critical(code, name)
    return SdvProgress(critical_total, critical_verified, total, verified)


def sdv_progress(app: AppSession, subject_key: str | None = None) -> SdvProgress:
    """Critical items verified / critical items stored, and all items, for one subject or the
    whole study. A stale mark does not count as verified."""
    app.require(Permission.VIEW_DATA)
    with app.transaction(write=False) as session:
        pk = find_subject(session, subject_key).id if subject_key is not None else None
        return _progress(session, pk)


def verify_form(app: AppSession, subject_key: str, event: str, repeat: int,
                form_code: str) -> str:  # fmt: skip
    """COMPLETE → VERIFIED (source data verification, monitor) and every stored item of the form
    marked verified (one ITEM_SDV audit entry for the form), in one transaction."""
    with app.transaction():
        status = form_transition(app, Permission.VERIFY, subject_key, event, repeat, form_code,
                                 frozenset({FormStatus.COMPLETE.value}), FormStatus.VERIFIED,
                                 "FORM_VERIFIED")  # fmt: skip
        mark_sdv(app, subject_key, event, repeat, form_code, None, audit_each=False)
    return status
