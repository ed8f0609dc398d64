"""Consolidation: what the store makes of what the workstations said, field by field.

Each workstation reports, per item (subject, event, repeat, form, group, row, item), its current
value and the states its audit trail went through (`history`). The consolidated value is a pure
function of all reports, so packages imported in any order give the same store:

- all reports agree → that value;
- workstation Y *has moved on from* X when X's current state appears earlier in Y's history (Y
  saw X's value, then changed it): X is superseded. One state left among the workstations no
  other has moved on from → that value (a change made on one workstation since the common base);
- two or more states left → both changed the value since their common base: a conflict goes to
  the review queue with both histories, and the store keeps the **common base** (the last state
  both histories share; none if they share none) until someone resolves it: no side overwrites
  the other, whatever the order of import. A resolution (`--keep A|B` with a reason) holds while
  the two sides still stand where they stood when it was made; a later change on either side
  is judged again.

Derived values (BSA, BMI, …) follow their sources: when workstations disagree on one, the most
recent computation is kept and no separate conflict is opened (the source item has one).

A subject is the same subject on two workstations when at most one of them screened it (the
other holds a copy it received, e.g. by ODM import); two workstations that each screened a
subject under the same number have a clash: a SUBJECT_CLASH conflict, and only the first
workstation's record (by site, workstation) is consolidated — the other's stays in store_field
for the review.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from tnt_desktop.sponsor.models import (
    StoreConflict,
    StoreField,
    StoreForm,
    StoreRecord,
    StoreSubject,
)
from tnt_desktop.sponsor.store import utc_now
from tnt_desktop.storage.models import (
    DataQuery,
    ESignature,
    EventInstance,
    FormInstance,
    ItemValue,
    QueryMessage,
    Subject,
)

Place = tuple[str, int, str, str, int, str]  # event, repeat, form, group, row, item


def state_of(value: str | None, missing: str | None) -> str | None:
    """The text an audit entry records for a value (services.form_values.shown)."""
    return f"[{missing}]" if missing else value


def cell_of(state: str | None) -> tuple[str | None, str | None]:
    if state is not None and len(state) > 2 and state.startswith("[") and state.endswith("]"):
        return None, state[1:-1]
    return state, None


@dataclass
class Report:
    site: str
    workstation: int
    value: str | None
    missing: str | None
    derived: bool
    history: list[list]  # [[ts, state], …] in chain order

    @property
    def who(self) -> tuple[str, int]:
        return self.site, self.workstation

    @property
    def state(self) -> str | None:
        return state_of(self.value, self.missing)

    def states(self) -> list[str | None]:
        states = [state for _ts, state in self.history]
        if not states or states[-1] != self.state:
            states.append(self.state)
        return states

    def moved_on_from(self, other: Report) -> bool:
        return self.state != other.state and other.state in self.states()[:-1]

    def last_ts(self) -> str:
        return self.history[-1][0] if self.history else ""

    def side(self) -> dict:
        return {"site": self.site, "workstation": self.workstation, "value": self.state,
                "history": self.history}  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """What the reports of one item consolidate to: a state, or (`sides` set) a conflict
    between two workstations, with `state` their common base."""

    state: str | None
    derived: bool
    sides: tuple[Report, Report] | None = None


def decide(reports: list[Report]) -> Outcome:
    """The merge rule of the module docstring, as a pure function of the reports (their order
    does not matter)."""
    reports = sorted(reports, key=lambda r: r.who)
    if len({r.state for r in reports}) == 1:
        return Outcome(reports[0].state, reports[0].derived)
    standing = [r for r in reports if not any(o.moved_on_from(r) for o in reports)]
    if len({r.state for r in standing}) == 1:
        return Outcome(standing[0].state, standing[0].derived)
    if all(r.derived for r in reports):
        latest = max(reports, key=lambda r: (r.last_ts(), r.who))
        return Outcome(latest.state, True)
    if not standing:  # every one moved on from another (values went back and forth)
        standing = reports
    a = standing[0]
    b = next(r for r in standing if r.state != a.state)
    in_b = set(b.states())
    base = next((s for s in reversed(a.states()[:-1]) if s in in_b), None)
    return Outcome(base, a.derived and b.derived, (a, b))


def fingerprint(*parts) -> str:
    text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Consolidator:
    """Rebuilds the consolidated rows of the given subjects inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.opened = 0

    # ---- conflicts ------------------------------------------------------------------------------
    def _conflict(self, kind: str, subject: str, place: dict, a: dict, b: dict,
                  base: str | None) -> StoreConflict:  # fmt: skip
        key = fingerprint(kind, subject, place, [a["site"], a["workstation"], a["value"]],
                          [b["site"], b["workstation"], b["value"]])  # fmt: skip
        found = self.session.scalar(select(StoreConflict).where(StoreConflict.fingerprint == key))
        open_others = self.session.scalars(select(StoreConflict).where(
            StoreConflict.kind == kind, StoreConflict.subject == subject,
            StoreConflict.place == json.dumps(place, sort_keys=True),
            StoreConflict.status == "OPEN", StoreConflict.fingerprint != key))  # fmt: skip
        for other in open_others:
            other.status = "SUPERSEDED"  # a side has changed since: judged again below
        if found is not None:
            if found.status == "SUPERSEDED":
                found.status = "OPEN"
            found.side_a, found.side_b = json.dumps(a, ensure_ascii=False), json.dumps(
                b, ensure_ascii=False)  # histories grow; the sides' current states are the same
            return found
        conflict = StoreConflict(
            fingerprint=key, kind=kind, subject=subject, place=json.dumps(place, sort_keys=True),
            side_a=json.dumps(a, ensure_ascii=False), side_b=json.dumps(b, ensure_ascii=False),
            base=base, status="OPEN", opened_utc=utc_now())  # fmt: skip
        self.session.add(conflict)
        self.session.flush()
        self.opened += 1
        return conflict

    def _settle_stale(self, subject: str, live: set[str]) -> None:
        """Open conflicts of this subject no longer produced (the sides now agree)."""
        for conflict in self.session.scalars(select(StoreConflict).where(
                StoreConflict.subject == subject, StoreConflict.status == "OPEN")):  # fmt: skip
            if conflict.fingerprint not in live:
                conflict.status = "SUPERSEDED"

    def merge_value(self, subject: str, place: Place, reports: list[Report],
                    live: set[str]) -> tuple[str | None, bool]:  # fmt: skip
        """The consolidated (value state, derived) of one item, opening a conflict if needed."""
        outcome = decide(reports)
        if outcome.sides is None:
            return outcome.state, outcome.derived
        a, b = outcome.sides
        names = ("event_oid", "repeat_key", "form_code", "group_name", "row_key", "item_name")
        conflict = self._conflict("VALUE", subject, dict(zip(names, place, strict=True)),
                                  a.side(), b.side(), outcome.state)  # fmt: skip
        live.add(conflict.fingerprint)
        if conflict.status == "RESOLVED":
            kept = a if conflict.kept == "A" else b
            return kept.state, kept.derived
        return outcome.state, outcome.derived

    # ---- subjects -------------------------------------------------------------------------------
    def consolidate(self, numbers: Iterable[str]) -> None:
        """Rebuild the consolidated rows of these subjects (screening numbers) in a few
        multi-row statements: their reports are read at once, their old rows deleted, and
        subjects, events, forms and values inserted in batches."""
        numbers = sorted(set(numbers))
        if not numbers:
            return
        s = self.session
        subjects = defaultdict(list)
        # plain rows (attribute access like the models), no ORM identity map to fill
        for row in s.execute(select(StoreSubject.__table__).where(
                StoreSubject.screening_number.in_(numbers))):  # fmt: skip
            subjects[row.screening_number].append(row)
        forms = defaultdict(list)
        for row in s.execute(select(StoreForm.__table__).where(StoreForm.subject.in_(numbers))):
            forms[row.subject].append(row)
        fields = defaultdict(list)
        for row in s.execute(select(StoreField.__table__).where(
                StoreField.subject.in_(numbers))):  # fmt: skip
            fields[row.subject].append(row)
        latest: dict[tuple, object] = {}  # the last version of each query and signature
        for row in s.execute(select(StoreRecord.__table__).where(
                StoreRecord.subject.in_(numbers))):  # fmt: skip
            key = (row.site, row.workstation, row.kind, row.local_id)
            if key not in latest or latest[key].package_sequence < row.package_sequence:
                latest[key] = row
        records = defaultdict(list)
        for row in latest.values():
            records[row.subject].append(row)
        self._clear(numbers)
        live: set[str] = set()
        plans = [plan for number in numbers if (plan := self._plan(
            number, subjects.get(number, []), forms.get(number, []), fields.get(number, []),
            live)) is not None]  # fmt: skip
        for plan in plans:
            plan["records"] = _records(records.get(plan["number"], []), plan["who"])
        self._id_clashes(plans, live)
        self._settle_stale(numbers, live)
        self._insert(plans)

    def _id_clashes(self, plans: list[dict], live: set[str]) -> None:
        """One study ID on two different subjects (overlapping number blocks): the subject with
        the lower screening number keeps it, whatever the order of import; the other is
        consolidated without a study ID and a SUBJECT_CLASH conflict names both."""
        s = self.session
        by_id: dict[str, list[str]] = defaultdict(list)
        for plan in plans:
            if plan["record"]["subject_id"]:
                by_id[plan["record"]["subject_id"]].append(plan["number"])
        if not by_id:
            return
        holders = s.execute(select(Subject.subject_id, Subject.screening_number).where(
            Subject.subject_id.in_(list(by_id))))  # fmt: skip
        for subject_id, number in holders:
            by_id[subject_id].append(number)
        planned = {plan["number"]: plan for plan in plans}
        for subject_id, numbers in by_id.items():
            if len(numbers) < 2:
                continue
            keeper, *others = sorted(numbers)
            for other in others:
                side_a = {"site": "", "workstation": 0, "value": keeper, "history": []}
                side_b = {"site": "", "workstation": 0, "value": other, "history": []}
                live.add(self._conflict("SUBJECT_CLASH", other, {"subject_id": subject_id},
                                        side_a, side_b, None).fingerprint)  # fmt: skip
                if other in planned:
                    planned[other]["record"]["subject_id"] = None
                else:  # consolidated earlier: it gives the ID up now
                    s.execute(_nosync(update(Subject).where(
                        Subject.screening_number == other).values(subject_id=None)))

    def _clear(self, numbers: list[str]) -> None:
        s = self.session
        pks = select(Subject.id).where(Subject.screening_number.in_(numbers))
        events = select(EventInstance.id).where(EventInstance.subject_pk.in_(pks))
        form_pks = select(FormInstance.id).where(FormInstance.event_pk.in_(events))
        queries = select(DataQuery.id).where(DataQuery.subject_pk.in_(pks))
        s.execute(_nosync(delete(QueryMessage).where(QueryMessage.query_pk.in_(queries))))
        s.execute(_nosync(delete(DataQuery).where(DataQuery.subject_pk.in_(pks))))
        s.execute(_nosync(delete(ESignature).where(ESignature.subject_pk.in_(pks))))
        s.execute(_nosync(delete(ItemValue).where(ItemValue.form_pk.in_(form_pks))))
        s.execute(_nosync(delete(FormInstance).where(FormInstance.event_pk.in_(events))))
        s.execute(_nosync(delete(EventInstance).where(EventInstance.subject_pk.in_(pks))))
        s.execute(_nosync(delete(Subject).where(Subject.screening_number.in_(numbers))))

    def _settle_stale(self, numbers: list[str], live: set[str]) -> None:
        """Open conflicts of these subjects no longer produced (the sides now agree)."""
        for conflict in self.session.scalars(select(StoreConflict).where(
                StoreConflict.subject.in_(numbers), StoreConflict.status == "OPEN")):  # fmt: skip
            if conflict.fingerprint not in live:
                conflict.status = "SUPERSEDED"

    def _plan(self, number: str, reports: list[StoreSubject], forms: list[StoreForm],
              fields: list[StoreField], live: set[str]) -> dict | None:  # fmt: skip
        """What one subject consolidates to (None: no workstation reports it any more)."""
        if not reports:
            return None
        reports.sort(key=lambda r: (r.site, r.workstation))
        creators = [r for r in reports if r.created_hash]
        home = creators[0] if creators else reports[0]
        clashing = {(r.site, r.workstation) for r in creators
                    if r.created_hash != home.created_hash}  # fmt: skip
        for other in creators:
            if (other.site, other.workstation) in clashing:
                mine = {"site": home.site, "workstation": home.workstation,
                        "value": home.subject_id or number, "history": []}  # fmt: skip
                side = {"site": other.site, "workstation": other.workstation,
                        "value": other.subject_id or number, "history": []}  # fmt: skip
                live.add(self._conflict("SUBJECT_CLASH", number, {}, mine, side,
                                        None).fingerprint)  # fmt: skip
        merged = [r for r in reports if (r.site, r.workstation) not in clashing]
        latest = max(merged, key=lambda r: (r.changed_ts or "", r.site, r.workstation))
        record = json.loads(latest.record)
        who = {(r.site, r.workstation) for r in merged}
        by_form: dict[tuple[str, int, str], list[dict]] = defaultdict(list)
        for form in forms:
            if (form.site, form.workstation) in who:
                meta = json.loads(form.record)
                meta["_who"] = (form.site, form.workstation)
                by_form[(form.event_oid, form.repeat_key, form.form_code)].append(meta)
        by_place: dict[Place, list[Report]] = defaultdict(list)
        for f in fields:
            if (f.site, f.workstation) in who:
                by_place[(f.event_oid, f.repeat_key, f.form_code, f.group_name, f.row_key,
                          f.item_name)].append(Report(f.site, f.workstation, f.value,
                                                      f.missing_reason, f.derived,
                                                      json.loads(f.history)))  # fmt: skip
        form_rows = {place: max(metas, key=lambda m: (m["updated_utc"], m["_who"]))
                     for place, metas in by_form.items()}  # fmt: skip
        values = []
        for place in sorted(by_place, key=str):
            if place[:3] not in form_rows:
                continue
            state, derived = self.merge_value(number, place, by_place[place], live)
            value, missing = cell_of(state)
            if value is not None or missing is not None:
                values.append((place, value, missing, derived))
        return {"number": number, "record": record, "forms": form_rows, "values": values,
                "who": who}

    def _insert(self, plans: list[dict]) -> None:
        if not plans:
            return
        s = self.session
        subject_rows = [{
            "screening_number": p["number"], "site_id": p["record"]["site_id"],
            "subject_id": p["record"]["subject_id"], "status": p["record"]["status"],
            "status_reason": p["record"]["status_reason"],
            "data_state": p["record"]["data_state"] or "OPEN",
            "created_utc": _dt(p["record"]["created_utc"]),
            "enrolled_utc": _dt(p["record"]["enrolled_utc"])} for p in plans]  # fmt: skip
        subject_pk = dict((number, pk) for pk, number in _returning(
            s, Subject, subject_rows, Subject.id, Subject.screening_number))  # fmt: skip
        event_rows = [{"subject_pk": subject_pk[p["number"]], "event_oid": event, "repeat_key": rep}
                      for p in plans for event, rep in sorted({k[:2] for k in p["forms"]})]
        event_pk = {(subject, event, rep): pk for pk, subject, event, rep in _returning(
            s, EventInstance, event_rows, EventInstance.id, EventInstance.subject_pk,
            EventInstance.event_oid, EventInstance.repeat_key)}  # fmt: skip
        form_rows = []
        for p in plans:
            for (event, rep, code), meta in sorted(p["forms"].items()):
                form_rows.append({
                    "event_pk": event_pk[(subject_pk[p["number"]], event, rep)],
                    "form_code": code, "status": meta["status"],
                    "metadata_version": meta["metadata_version"],
                    "has_errors": meta["has_errors"], "has_warnings": meta["has_warnings"],
                    "created_utc": _dt(meta["created_utc"]),
                    "updated_utc": _dt(meta["updated_utc"]), "version": meta["version"]})
        form_pk = {(event, code): pk for pk, event, code in _returning(
            s, FormInstance, form_rows, FormInstance.id, FormInstance.event_pk,
            FormInstance.form_code)}  # fmt: skip
        value_rows = []
        for p in plans:
            for place, value, missing, derived in p["values"]:
                event = event_pk[(subject_pk[p["number"]], place[0], place[1])]
                value_rows.append({"form_pk": form_pk[(event, place[2])], "group_name": place[3],
                                   "row_key": place[4], "item_name": place[5], "value": value,
                                   "missing_reason": missing, "derived": derived})  # fmt: skip
        insert_rows(s, ItemValue, value_rows)
        self._insert_records(plans, subject_pk, event_pk, form_pk)

    def _insert_records(self, plans: list[dict], subject_pk: dict, event_pk: dict,
                        form_pk: dict) -> None:  # fmt: skip
        """Queries (with their messages) and e-signatures of the consolidated subjects, as the
        workstations last sent them, so that the exports list them as a workstation's do."""
        queries, messages, signatures = [], [], []
        for p in plans:
            subject = subject_pk[p["number"]]
            for kind, body in p["records"]:
                if kind == "QUERY":
                    queries.append(({
                        "subject_pk": subject, "event_oid": body["event_oid"],
                        "repeat_key": body["repeat_key"], "form_code": body["form_code"],
                        "group_name": body["group_name"], "row_key": body["row_key"],
                        "item_name": body["item_name"], "status": body["status"],
                        "origin": body["origin"], "check_id": body["check_id"],
                        "raised_by": body["raised_by"], "raised_role": body["raised_role"],
                        "raised_utc": body["raised_utc"], "updated_utc": body["updated_utc"]},
                        body["messages"]))  # fmt: skip
                    continue
                event = event_pk.get((subject, body["event_oid"], body["repeat_key"]))
                form = form_pk.get((event, body["form_code"]))
                if form is None:
                    continue
                signatures.append({
                    "subject_pk": subject, "form_pk": form, "point": body["point"],
                    "scope": body["scope"], "username": body["signer"],
                    "printed_name": body["role"], "role": body["role"],
                    "ts_utc": body["ts_utc"], "meaning_en": body["meaning_en"],
                    "meaning_zh": body["meaning_zh"], "data_hash": body["data_hash"],
                    "hash_method": body["hash_method"], "broken_utc": body["broken_utc"],
                    "superseded_by": None})  # fmt: skip
        ids = _returning(self.session, DataQuery, [q for q, _m in queries], DataQuery.id)
        for (pk,), (_query, steps) in zip(ids, queries, strict=True):
            messages += [{"query_pk": pk, "ts_utc": ts, "username": user, "role": role,
                          "kind": kind, "text": text_} for ts, user, role, kind, text_ in steps]
        insert_rows(self.session, QueryMessage, messages)
        insert_rows(self.session, ESignature, signatures)


def _records(rows: list, who: set[tuple[str, int]]) -> list[tuple[str, dict]]:
    """The queries and signatures of the merged workstations, each once: a query or signature
    both workstations hold (shared history) is the same one, in its most advanced version."""
    chosen: dict[tuple, tuple[tuple, str, dict]] = {}
    for row in rows:
        if (row.site, row.workstation) not in who:
            continue
        body = json.loads(row.body)
        if row.kind == "QUERY":
            key = ("QUERY", body["raised_utc"], body["raised_role"], body["event_oid"],
                   body["repeat_key"], body["form_code"], body["group_name"], body["row_key"],
                   body["item_name"], body["check_id"])  # fmt: skip
            rank = (body["updated_utc"], len(body["messages"]), row.site, row.workstation)
        else:
            key = ("SIGNATURE", body["ts_utc"], body["point"], body["data_hash"])
            rank = (body["broken_utc"] or "", row.site, row.workstation)
        if key not in chosen or chosen[key][0] < rank:
            chosen[key] = (rank, row.kind, body)
    return [(kind, body) for _key, (_rank, kind, body) in sorted(chosen.items(), key=str)]


def _nosync(statement):
    """A bulk DELETE that does not look for the deleted rows among loaded objects."""
    return statement.execution_options(synchronize_session=False)


def insert_rows(session: Session, model, rows: list[dict]) -> None:
    """Rows into a table with PostgreSQL's COPY, on the session's own connection (inside its
    transaction): one stream instead of a statement per row."""
    if not rows:
        return
    columns = list(rows[0])
    table = model.__table__.name
    raw = session.connection().connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # fmt: skip
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _returning(session: Session, model, rows: list[dict], *columns) -> list[tuple]:
    """insert_rows with ids drawn from the table's sequence first; returns (id, *columns)."""
    if not rows:
        return []
    table = model.__table__.name
    ids = session.execute(text(
        "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table, "n": len(rows)}).scalars().all()  # fmt: skip
    for row, pk in zip(rows, ids, strict=True):
        row["id"] = pk
    insert_rows(session, model, rows)
    return [(row["id"], *(row[c.key] for c in columns[1:])) for row in rows]


def _dt(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text)
