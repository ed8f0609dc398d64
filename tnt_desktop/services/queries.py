"""Queries — data clarification requests (issue 6; CRF_SPEC.md REQ-DQ-01, REQ-AT-01, REQ-AT-06).

A monitor or a data manager (Permission.RAISE_QUERY) raises a query on an item, a repeating-group
row or a whole form (`item_name` None); an overridden soft edit check raises one automatically
(origin AUTO, raised by SYSTEM, `raise_auto_query`, called by the one write path in the save's
own transaction). The site (Permission.ANSWER_QUERY) answers it, and may correct the data through
`form_entry.save_form` with reason `ChangeReason.QUERY_RESPONSE` and a reason text naming the
query ("Query #12: …"); the raiser's side (Permission.RAISE_QUERY) closes or re-opens it:

    OPEN → ANSWERED (answer_query, site)      OPEN | ANSWERED → CLOSED (close_query)
    ANSWERED | CLOSED → OPEN (reopen_query, with a text saying why)

Every step is a QueryMessage row and an audit entry in the same transaction (QUERY_OPENED,
QUERY_ANSWERED, QUERY_CLOSED, QUERY_REOPENED; old_value the previous status, new_value the text,
detail "query #N: OLD -> NEW"). Queries stay possible on a FROZEN subject (no data entry) and are
refused on a LOCKED subject and while the database is locked (workflow.check_writable).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tnt_desktop.errors import NotFound, TntError
from tnt_desktop.services.clinical_data import collected_form, find_subject
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.session import SYSTEM_USER, AppSession
from tnt_desktop.services.workflow import IllegalTransition, check_writable
from tnt_desktop.storage.audit import utc_now_text
from tnt_desktop.storage.models import DataQuery, QueryMessage, Subject
from tnt_desktop.study.model import Finding, Form, Text

MAX_TEXT = 4000  # characters of one query step's text


class QueryStatus(StrEnum):
    OPEN = "OPEN"
    ANSWERED = "ANSWERED"
    CLOSED = "CLOSED"


QUERY_STATUS_LABELS: dict[QueryStatus, Text] = {
    QueryStatus.OPEN: Text("open", "待回复"),
    QueryStatus.ANSWERED: Text("answered", "已回复"),
    QueryStatus.CLOSED: Text("closed", "已关闭"),
}


class QueryStepKind(StrEnum):
    RAISE = "RAISE"
    ANSWER = "ANSWER"
    CLOSE = "CLOSE"
    REOPEN = "REOPEN"


QUERY_STEP_LABELS: dict[QueryStepKind, Text] = {
    QueryStepKind.RAISE: Text("raised", "发起"),
    QueryStepKind.ANSWER: Text("answered", "回复"),
    QueryStepKind.CLOSE: Text("closed", "关闭"),
    QueryStepKind.REOPEN: Text("re-opened", "重新打开"),
}

ORIGIN_MANUAL = "MANUAL"
ORIGIN_AUTO = "AUTO"  # a soft check the site confirmed with a reason
ORIGIN_CHECK = "CHECK"  # a cross-form check kept as a query (clarification 20)

_AUDIT_ACTIONS = {
    QueryStepKind.RAISE: "QUERY_OPENED",
    QueryStepKind.ANSWER: "QUERY_ANSWERED",
    QueryStepKind.CLOSE: "QUERY_CLOSED",
    QueryStepKind.REOPEN: "QUERY_REOPENED",
}


def query_status_label(status: str, lang: str) -> str:
    """A query status in the user's language (the raw code for one this release does not know)."""
    try:
        return QUERY_STATUS_LABELS[QueryStatus(status)].get(lang)
    except ValueError:
        return status


@dataclass(frozen=True)
class QueryStep:
    ts_utc: str
    username: str
    role: str
    kind: str  # QueryStepKind value
    text: str


@dataclass(frozen=True)
class QueryView:
    id: int
    subject_key: str
    event_oid: str
    repeat_key: int
    form_code: str
    group_name: str
    row_key: int
    item_name: str | None  # None: a query on the whole form (or the group row)
    status: str  # QueryStatus value
    origin: str  # MANUAL | AUTO | CHECK
    check_id: str | None
    raised_by: str
    raised_role: str
    raised_utc: str
    updated_utc: str
    steps: tuple[QueryStep, ...]

    @property
    def last_step(self) -> QueryStep | None:
        return self.steps[-1] if self.steps else None

    @property
    def text(self) -> str:
        """The question (the text of the RAISE step)."""
        return self.steps[0].text if self.steps else ""


@dataclass(frozen=True)
class QueryCounts:
    open: int = 0
    answered: int = 0
    closed: int = 0

    @property
    def total(self) -> int:
        return self.open + self.answered + self.closed

    def __add__(self, other: QueryCounts) -> QueryCounts:
        return QueryCounts(self.open + other.open, self.answered + other.answered,
                           self.closed + other.closed)  # fmt: skip


NO_QUERIES = QueryCounts()


# ---- errors -----------------------------------------------------------------------------------
class QueryError(TntError):
    """A query step that cannot be taken."""


class QueryTextRequired(QueryError):
    def __init__(self, what: Text) -> None:
        super().__init__(Text(f"{what.en}: a text is required", f"{what.zh}：必须填写内容"))


class QueryTextTooLong(QueryError):
    def __init__(self) -> None:
        super().__init__(Text(f"the query text is longer than {MAX_TEXT} characters",
                              f"质疑内容超过 {MAX_TEXT} 个字符"))  # fmt: skip


class QueryNotFound(NotFound):
    def __init__(self, query_id: object) -> None:
        super().__init__(Text(f"no query #{query_id}", f"没有编号为 #{query_id} 的质疑"))


class QueryTarget(QueryError):
    """The form, event or item a query names does not exist in the study."""


def _status_text(status: str) -> Text:
    try:
        return QUERY_STATUS_LABELS[QueryStatus(status)]
    except ValueError:
        return Text(status, status)


def _text(text: str | None, what: Text, *, required: bool) -> str:
    clean = (text or "").strip()
    if required and not clean:
        raise QueryTextRequired(what)
    if len(clean) > MAX_TEXT:
        raise QueryTextTooLong()
    return clean


# ---- the target of a query ----------------------------------------------------------------------
def _check_target(app: AppSession, event: str, repeat: int, form_code: str, item_name: str | None,
                  group_name: str, row_key: int) -> None:  # fmt: skip
    try:
        form, _event = collected_form(app.study, event, repeat, form_code)
    except NotFound as exc:
        raise QueryTarget(exc.message) from None
    if group_name:
        group = next((g for g in form.groups if g.name == group_name and g.repeating), None)
        if group is None or row_key < 1:
            raise QueryTarget(Text(f"{group_name} row {row_key} is not a row of {form.code}",
                                   f"{group_name} 第 {row_key} 行不是 {form.code} 的重复组行"))
    elif row_key:
        raise QueryTarget(Text("a row key needs a repeating group", "行号须指定重复组"))
    if item_name is not None and form.item(item_name, group_name or None) is None:
        raise QueryTarget(Text(f"{item_name} is not an item of {form.code}"
                               + (f" {group_name}" if group_name else ""),
                               f"{item_name} 不是 {form.code} 的条目"))  # fmt: skip


def _where(query: DataQuery, subject_key: str) -> dict:
    return dict(subject_key=subject_key, event_oid=query.event_oid, repeat_key=query.repeat_key,
                form_code=query.form_code, group_name=query.group_name or None,
                row_key=query.row_key or None, item_name=query.item_name)  # fmt: skip


def _add_step(app: AppSession, session: Session, query: DataQuery, subject_key: str,
              kind: QueryStepKind, text: str, old_status: str | None, *,
              system: bool = False, cause: str = "") -> None:  # fmt: skip
    now = utc_now_text()
    username = SYSTEM_USER if system else app.username
    role = SYSTEM_USER if system else app.role
    session.add(QueryMessage(query_pk=query.id, ts_utc=now, username=username, role=role,
                             kind=kind.value, text=text))  # fmt: skip
    query.updated_utc = now
    detail = f"query #{query.id}: {old_status or '-'} -> {query.status}"
    if query.check_id:
        detail += f" ({query.check_id})"
    if cause:
        detail += f"; {cause}"
    app.audit(session, _AUDIT_ACTIONS[kind], system=system, **_where(query, subject_key),
              old_value=old_status, new_value=text or None, reason_text=None,
              detail=detail)  # fmt: skip


def _new_query(app: AppSession, session: Session, subject: Subject, event: str, repeat: int,
               form_code: str, item_name: str | None, group_name: str, row_key: int, text: str,
               origin: str, check_id: str | None, system: bool,
               cause: str = "") -> int:  # fmt: skip
    now = utc_now_text()
    query = DataQuery(
        subject_pk=subject.id, event_oid=event, repeat_key=repeat, form_code=form_code,
        group_name=group_name or "", row_key=row_key or 0, item_name=item_name,
        status=QueryStatus.OPEN.value, origin=origin, check_id=check_id,
        raised_by=SYSTEM_USER if system else app.username,
        raised_role=SYSTEM_USER if system else app.role, raised_utc=now, updated_utc=now,
    )  # fmt: skip
    session.add(query)
    session.flush()
    _add_step(app, session, query, subject.key, QueryStepKind.RAISE, text, None, system=system,
              cause=cause)  # fmt: skip
    return query.id


# ---- the steps --------------------------------------------------------------------------------
def raise_query(app: AppSession, subject_key: str, event: str, repeat: int, form_code: str,
                text: str, *, item_name: str | None = None, group_name: str = "",
                row_key: int = 0) -> int:  # fmt: skip
    """A monitor's or data manager's query on an item (or a whole form: `item_name` None).
    Allowed on a FROZEN subject; refused on a LOCKED subject or database. Returns the id."""
    app.require(Permission.RAISE_QUERY)
    clean = _text(text, Text("raising a query", "发起质疑"), required=True)
    _check_target(app, event, repeat, form_code, item_name, group_name, row_key)
    with app.transaction() as session:
        subject = find_subject(session, subject_key)
        check_writable(session, subject, data_entry=False)
        return _new_query(app, session, subject, event, repeat, form_code, item_name,
                          group_name, row_key, clean, ORIGIN_MANUAL, None, False)  # fmt: skip


def raise_auto_query(app: AppSession, session: Session, subject: Subject, event: str, repeat: int,
                     form_code: str, item_name: str | None, check_id: str, text: str, *,
                     group_name: str = "", row_key: int = 0) -> int:  # fmt: skip
    """The query an overridden soft edit check raises (origin AUTO, raised by SYSTEM), inside the
    caller's transaction (form_entry._save, which already checked permission and locks). When
    the system already keeps an open query of the same check on the same item (origin CHECK,
    clarification 20), the site's confirmation answers that one instead: one query per finding."""
    clean = (text or "").strip()[:MAX_TEXT] or check_id
    kept = session.scalar(select(DataQuery).where(
        DataQuery.subject_pk == subject.id, DataQuery.event_oid == event,
        DataQuery.repeat_key == repeat, DataQuery.form_code == form_code,
        DataQuery.group_name == (group_name or ""), DataQuery.row_key == (row_key or 0),
        DataQuery.item_name == item_name, DataQuery.check_id == check_id,
        DataQuery.origin == ORIGIN_CHECK, DataQuery.status == QueryStatus.OPEN.value))
    if kept is not None:
        kept.status = QueryStatus.ANSWERED.value
        _add_step(app, session, kept, subject.key, QueryStepKind.ANSWER, clean,
                  QueryStatus.OPEN.value)  # fmt: skip
        return kept.id
    return _new_query(app, session, subject, event, repeat, form_code, item_name, group_name,
                      row_key, clean, ORIGIN_AUTO, check_id, True)  # fmt: skip


def raise_finding_query(app: AppSession, session: Session, subject: Subject, event: str,
                        repeat: int, form_code: str, item_name: str | None, finding: Finding, *,
                        group_name: str = "", row_key: int = 0) -> int | None:  # fmt: skip
    """An open query, raised by this user (origin AUTO), for a soft finding nobody confirmed
    (data saved by the ODM import), inside the caller's transaction. A finding that already has
    its query (whatever its status) gets no second one; returns the new id or None."""
    existing = session.scalar(select(DataQuery.id).where(
        DataQuery.subject_pk == subject.id, DataQuery.event_oid == event,
        DataQuery.repeat_key == repeat, DataQuery.form_code == form_code,
        DataQuery.group_name == (group_name or ""), DataQuery.row_key == (row_key or 0),
        DataQuery.item_name.is_(None) if item_name is None else DataQuery.item_name == item_name,
        DataQuery.check_id == finding.check_id).limit(1))  # fmt: skip
    if existing is not None:
        return None
    text = f"{finding.message.en} / {finding.message.zh}"[:MAX_TEXT]
    return _new_query(app, session, subject, event, repeat, form_code, item_name, group_name,
                      row_key, text, ORIGIN_AUTO, finding.check_id, False)  # fmt: skip


def raise_check_query(app: AppSession, session: Session, subject: Subject, event: str,
                      repeat: int, form_code: str, item_name: str | None, check_id: str,
                      text: str, *, group_name: str = "", row_key: int = 0,
                      cause: str = "") -> int:  # fmt: skip
    """The query a cross-form edit check keeps (origin CHECK, raised by SYSTEM; clarification
    20), inside the save's transaction (services.deviation_candidates); `cause` names the save
    that raised it in the audit detail."""
    clean = (text or "").strip()[:MAX_TEXT] or check_id
    return _new_query(app, session, subject, event, repeat, form_code, item_name, group_name,
                      row_key, clean, ORIGIN_CHECK, check_id, True, cause)  # fmt: skip


def check_query_text(finding: Finding) -> str:
    """A kept check query's question: the finding's message in English / Chinese."""
    return f"{finding.message.en} / {finding.message.zh}"


def closed_by_system(query: DataQuery) -> bool:
    """Closed, and the last step was the system's (the data stopped triggering the check)."""
    last = query.messages[-1] if query.messages else None
    return (query.status == QueryStatus.CLOSED.value and last is not None
            and last.username == SYSTEM_USER and last.kind == QueryStepKind.CLOSE.value)


def system_step(app: AppSession, session: Session, query: DataQuery, subject_key: str, *,
                reopen: bool, text: str) -> None:
    """The system closes a kept check query its data no longer trigger, or re-opens one they
    trigger again (audited as SYSTEM, inside the save's transaction)."""
    old = query.status
    query.status = (QueryStatus.OPEN if reopen else QueryStatus.CLOSED).value
    kind = QueryStepKind.REOPEN if reopen else QueryStepKind.CLOSE
    _add_step(app, session, query, subject_key, kind, text, old, system=True)
    session.flush()
    session.refresh(query, ["messages"])


def finding_target(form: Form, finding: Finding, row_key: int | None
                   ) -> tuple[str | None, str, int]:  # fmt: skip
    """(item name, group name, row key) of the first item a finding names: where its automatic
    query goes. A repeating-group item without a known row is queried on the form."""
    if not finding.items:
        return None, "", 0
    parts = finding.items[0].split(".")
    name = parts[-1]
    group = parts[1] if len(parts) == 3 else None
    if group is None:
        found = form.group_of(name) if form.item(name) is not None else None
        group = found.name if found is not None and found.repeating else None
    if group is None:
        return name, "", 0
    if row_key:
        return name, group, row_key
    return None, "", 0


def auto_query_text(finding: Finding, site_reason: str) -> str:
    """The finding's message in English / Chinese, then the site's reason for the override."""
    return f"{finding.message.en} / {finding.message.zh}\nSite's reason: {site_reason.strip()}"


def _transition(app: AppSession, permission: Permission, query_id: int, text: str | None,
                allowed: frozenset[str], target: QueryStatus, kind: QueryStepKind,
                *, text_required: bool) -> None:  # fmt: skip
    app.require(permission)
    what = Text(f"query #{query_id}", f"质疑 #{query_id}")
    clean = _text(text, what, required=text_required)
    with app.transaction() as session:
        query = session.get(DataQuery, query_id) if isinstance(query_id, int) else None
        if query is None:
            raise QueryNotFound(query_id)
        subject = session.get(Subject, query.subject_pk)
        check_writable(session, subject, data_entry=False)
        if query.status not in allowed:
            raise IllegalTransition(f"query #{query_id}", _status_text(query.status),
                                    QUERY_STATUS_LABELS[target])  # fmt: skip
        old = query.status
        query.status = target.value
        _add_step(app, session, query, subject.key, kind, clean, old)


def answer_query(app: AppSession, query_id: int, text: str) -> None:
    """The site's answer: OPEN → ANSWERED (Permission.ANSWER_QUERY; text required)."""
    _transition(app, Permission.ANSWER_QUERY, query_id, text,
                frozenset({QueryStatus.OPEN.value}), QueryStatus.ANSWERED, QueryStepKind.ANSWER,
                text_required=True)  # fmt: skip


def close_query(app: AppSession, query_id: int, text: str = "") -> None:
    """OPEN or ANSWERED → CLOSED (Permission.RAISE_QUERY; the text is optional)."""
    _transition(app, Permission.RAISE_QUERY, query_id, text,
                frozenset({QueryStatus.OPEN.value, QueryStatus.ANSWERED.value}),
                QueryStatus.CLOSED, QueryStepKind.CLOSE, text_required=False)  # fmt: skip


def reopen_query(app: AppSession, query_id: int, text: str) -> None:
    """ANSWERED or CLOSED → OPEN (Permission.RAISE_QUERY; a text saying why is required)."""
    _transition(app, Permission.RAISE_QUERY, query_id, text,
                frozenset({QueryStatus.ANSWERED.value, QueryStatus.CLOSED.value}),
                QueryStatus.OPEN, QueryStepKind.REOPEN, text_required=True)  # fmt: skip


# ---- reading ----------------------------------------------------------------------------------
def _view(query: DataQuery, subject_key: str) -> QueryView:
    return QueryView(
        query.id, subject_key, query.event_oid, query.repeat_key, query.form_code,
        query.group_name or "", query.row_key or 0, query.item_name, query.status, query.origin,
        query.check_id, query.raised_by, query.raised_role, query.raised_utc, query.updated_utc,
        tuple(QueryStep(m.ts_utc, m.username, m.role, m.kind, m.text) for m in query.messages),
    )  # fmt: skip


def read_views(session: Session, subject_key: str | None = None, *, event: str | None = None,
               repeat: int | None = None, form_code: str | None = None,
               status: str | Iterable[str] | None = None) -> list[QueryView]:  # fmt: skip
    """The queries (with their steps) in the caller's transaction; no permission check."""
    statement = (select(DataQuery, Subject).join(Subject, Subject.id == DataQuery.subject_pk)
                 .options(selectinload(DataQuery.messages)))  # fmt: skip
    if subject_key is not None:
        subject = find_subject(session, subject_key)
        statement = statement.where(DataQuery.subject_pk == subject.id)
    if event is not None:
        statement = statement.where(DataQuery.event_oid == event)
    if repeat is not None:
        statement = statement.where(DataQuery.repeat_key == repeat)
    if form_code is not None:
        statement = statement.where(DataQuery.form_code == form_code)
    if status is not None:
        wanted = [status] if isinstance(status, str) else list(status)
        statement = statement.where(DataQuery.status.in_([str(s) for s in wanted]))
    statement = statement.order_by(Subject.screening_number, DataQuery.id)
    return [_view(query, subject.key) for query, subject in session.execute(statement)]


def list_queries(app: AppSession, subject_key: str | None = None, *, event: str | None = None,
                 repeat: int | None = None, form_code: str | None = None,
                 status: str | Iterable[str] | None = None) -> list[QueryView]:  # fmt: skip
    """Queries (of one subject, or the whole study) with their steps, in subject then id
    order; optionally of one event / repeat / form and in one or more statuses."""
    app.require(Permission.VIEW_DATA)
    with app.transaction(write=False) as session:
        return read_views(session, subject_key, event=event, repeat=repeat, form_code=form_code,
                     status=status)  # fmt: skip


def get_query(app: AppSession, query_id: int) -> QueryView:
    app.require(Permission.VIEW_DATA)
    with app.transaction(write=False) as session:
        query = session.get(DataQuery, query_id) if isinstance(query_id, int) else None
        if query is None:
            raise QueryNotFound(query_id)
        return _view(query, session.get(Subject, query.subject_pk).key)


def counts_by_subject_pk(session: Session) -> dict[int, QueryCounts]:
    """subject pk → counts by status: one grouped query for the whole study (the subject list
    and the dashboard read it inside their own transaction)."""
    tally: dict[int, dict[str, int]] = {}
    for subject_pk, status, count in session.execute(
        select(DataQuery.subject_pk, DataQuery.status, func.count())
        .group_by(DataQuery.subject_pk, DataQuery.status)
    ):  # fmt: skip
        tally.setdefault(subject_pk, {})[status] = count
    return {pk: _counts(by) for pk, by in tally.items()}


def _counts(by_status: dict[str, int]) -> QueryCounts:
    return QueryCounts(by_status.get(QueryStatus.OPEN.value, 0),
                       by_status.get(QueryStatus.ANSWERED.value, 0),
                       by_status.get(QueryStatus.CLOSED.value, 0))  # fmt: skip


def query_counts(app: AppSession) -> dict[str, QueryCounts]:
    """subject key → counts (subjects without queries are left out)."""
    app.require(Permission.VIEW_DATA)
    with app.transaction(write=False) as session:
        by_pk = counts_by_subject_pk(session)
        if not by_pk:
            return {}
        keys = {pk: sid or scr for pk, sid, scr in session.execute(
            select(Subject.id, Subject.subject_id, Subject.screening_number)
            .where(Subject.id.in_(list(by_pk))))}  # fmt: skip
    return {keys[pk]: counts for pk, counts in by_pk.items() if pk in keys}


def study_query_counts(app: AppSession) -> QueryCounts:
    """Counts over the whole study."""
    total = NO_QUERIES
    for counts in query_counts(app).values():
        total = total + counts
    return total


def subject_query_counts(app: AppSession, subject_key: str) -> QueryCounts:
    app.require(Permission.VIEW_DATA)
    with app.transaction(write=False) as session:
        subject = find_subject(session, subject_key)
        rows = session.execute(
            select(DataQuery.status, func.count()).where(DataQuery.subject_pk == subject.id)
            .group_by(DataQuery.status)
        ).all()  # fmt: skip
    return _counts({status: count for status, count in rows})


def counts_of(views: Iterable[QueryView]) -> QueryCounts:
    by_status: dict[str, int] = {}
    for view in views:
        by_status[view.status] = by_status.get(view.status, 0) + 1
    return _counts(by_status)


def iso_utc(ts: str | None) -> str:
    """A stored UTC time (2025-02-03T10:11:12.123456Z) as ISO 8601 to the second, with Z."""
    if not ts:
        return ""
    text = ts.replace(" ", "T")
    if "." in text:
        text = text.split(".")[0]
    return text.rstrip("Z") + "Z"


__all__ = [
    "NO_QUERIES",
    "QUERY_STATUS_LABELS",
    "QUERY_STEP_LABELS",
    "QueryCounts",
    "QueryError",
    "QueryNotFound",
    "QueryStatus",
    "QueryStep",
    "QueryStepKind",
    "QueryTarget",
    "QueryTextRequired",
    "QueryView",
    "answer_query",
    "close_query",
    "counts_by_subject_pk",
    "counts_of",
    "get_query",
    "list_queries",
    "query_counts",
    "raise_auto_query",
    "raise_check_query",
    "raise_query",
    "read_views",
    "reopen_query",
    "study_query_counts",
    "subject_query_counts",
]
