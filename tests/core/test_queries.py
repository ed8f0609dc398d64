"""Queries (issue 6, point 2; CRF_SPEC.md REQ-DQ-01, REQ-AT-01, REQ-AT-06): the life cycle, every
illegal transition with a clear bilingual error and nothing written, every step audited, freeze
and lock, the automatic query of an overridden soft check, and the counts of the dashboard and
the subject list."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.core.conftest import audit_count, audit_entries, enrol_one
from tnt_desktop.errors import NotFound, PermissionDenied
from tnt_desktop.services import queries, workflow
from tnt_desktop.services.dashboard import dashboard
from tnt_desktop.services.form_entries import ChangeReason, FormEntry, OverrideRequired
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.services.queries import (
    QueryCounts,
    QueryStatus,
    QueryTarget,
    QueryTextRequired,
    answer_query,
    close_query,
    list_queries,
    raise_query,
    reopen_query,
)
from tnt_desktop.services.subject_list import subject_rows
from tnt_desktop.services.workflow import (
    DatabaseLocked,
    IllegalTransition,
    SubjectFrozen,
    SubjectLocked,
)
from tnt_desktop.storage.models import DataQuery, QueryMessage

CJK = re.compile(r"[\u4e00-\u9fff]")
DM = ("SE.SCR", 1, "DM")
SOFT_HEIGHT = "SOFT-RANGE|SE.SCR#1|DM.HEIGHT|"


@pytest.fixture
def team(trial):
    return {role: trial.user(role) for role in
            ("coordinator", "investigator", "monitor", "datamanager")}  # fmt: skip


@pytest.fixture
def subject_id(team) -> str:
    return enrol_one(team["coordinator"])


def bilingual(exc: pytest.ExceptionInfo) -> None:
    assert exc.value.message.en and CJK.search(exc.value.message.zh)


def db_rows(app) -> tuple[int, int]:
    with app.transaction(write=False) as session:
        return (session.scalar(select(func.count()).select_from(DataQuery)) or 0,
                session.scalar(select(func.count()).select_from(QueryMessage)) or 0)


def status(app, query_id: int) -> str:
    return queries.get_query(app, query_id).status


# ---- the life cycle ---------------------------------------------------------------------------
@pytest.mark.req("REQ-DQ-01", "REQ-AT-01", "REQ-AT-06")
def test_life_cycle_every_step_stored_and_audited(team, subject_id):
    monitor, site, dm = team["monitor"], team["coordinator"], team["datamanager"]
    qid = raise_query(monitor, subject_id, *DM, "  Weight 70 kg? Source says 75 kg.  ",
                      item_name="WEIGHT")  # fmt: skip
    assert status(monitor, qid) == QueryStatus.OPEN
    answer_query(site, qid, "Transcription error, corrected to 75 kg")
    assert status(monitor, qid) == QueryStatus.ANSWERED
    close_query(monitor, qid, "Correction verified")
    assert status(monitor, qid) == QueryStatus.CLOSED
    reopen_query(dm, qid, "Height should be checked as well")
    assert status(monitor, qid) == QueryStatus.OPEN
    answer_query(team["investigator"], qid, "Height 170 cm confirmed")
    close_query(dm, qid)  # the closing text is optional
    view = queries.get_query(site, qid)
    assert view.status == QueryStatus.CLOSED and view.origin == "MANUAL"
    assert (view.subject_key, view.event_oid, view.repeat_key, view.form_code,
            view.item_name) == (subject_id, *DM, "WEIGHT")  # fmt: skip
    assert (view.raised_by, view.raised_role) == ("monitor", "monitor")
    assert [(s.kind, s.username, s.role) for s in view.steps] == [
        ("RAISE", "monitor", "monitor"), ("ANSWER", "coordinator", "coordinator"),
        ("CLOSE", "monitor", "monitor"), ("REOPEN", "datamanager", "datamanager"),
        ("ANSWER", "investigator", "investigator"), ("CLOSE", "datamanager", "datamanager")]
    assert view.steps[0].text == "Weight 70 kg? Source says 75 kg."  # stripped
    assert view.updated_utc == view.steps[-1].ts_utc >= view.raised_utc

    trail = [e for e in audit_entries(site) if e.action.startswith("QUERY_")]
    assert [(e.action, e.username, e.old_value) for e in trail] == [
        ("QUERY_OPENED", "monitor", None), ("QUERY_ANSWERED", "coordinator", "OPEN"),
        ("QUERY_CLOSED", "monitor", "ANSWERED"), ("QUERY_REOPENED", "datamanager", "CLOSED"),
        ("QUERY_ANSWERED", "investigator", "OPEN"), ("QUERY_CLOSED", "datamanager", "ANSWERED")]
    for entry in trail:
        assert entry.detail.startswith(f"query #{qid}:")
        assert (entry.subject_key, entry.event_oid, entry.form_code, entry.item_name) == (
            subject_id, "SE.SCR", "DM", "WEIGHT")
    assert trail[0].new_value == "Weight 70 kg? Source says 75 kg."
    assert trail[1].new_value == "Transcription error, corrected to 75 kg"
    assert trail[-1].new_value is None  # closed without a text


@pytest.mark.req("REQ-DQ-01")
def test_correction_in_answer_to_a_query_names_it(team, subject_id):
    monitor, site = team["monitor"], team["coordinator"]
    qid = raise_query(monitor, subject_id, *DM, "Weight?", item_name="WEIGHT")
    save_form(site, FormEntry(subject_id, "SE.SCR", "DM", values={"WEIGHT": "75.0"},
                              reason=ChangeReason.QUERY_RESPONSE.value,
                              reason_text=f"Query #{qid}: source says 75 kg"))  # fmt: skip
    answer_query(site, qid, "Corrected to 75 kg")
    change = audit_entries(site, action="DATA_CHANGED", item_name="WEIGHT")[-1]
    assert change.reason_code == "QUERY_RESPONSE" and change.reason_text.startswith(f"Query #{qid}")


@pytest.mark.req("REQ-DQ-01")
def test_form_level_and_group_row_queries(team, subject_id):
    monitor = team["monitor"]
    form_q = raise_query(monitor, subject_id, *DM, "Please complete the form")
    assert queries.get_query(monitor, form_q).item_name is None
    with pytest.raises(QueryTarget) as exc:
        raise_query(monitor, subject_id, *DM, "?", item_name="NOPE")
    bilingual(exc)
    with pytest.raises(QueryTarget):
        raise_query(monitor, subject_id, "SE.SCR", 1, "F99", "?")
    with pytest.raises(QueryTarget):  # a row key without a repeating group
        raise_query(monitor, subject_id, *DM, "?", item_name="WEIGHT", row_key=3)
    with pytest.raises(NotFound):
        raise_query(monitor, "99-999", *DM, "?")
    assert [q.id for q in list_queries(monitor, subject_id)] == [form_q]


# ---- illegal transitions ----------------------------------------------------------------------
@pytest.mark.req("REQ-DQ-01", "REQ-AT-06")
def test_illegal_transitions_refused_with_nothing_written(team, subject_id):
    monitor, site, dm = team["monitor"], team["coordinator"], team["datamanager"]
    qid = raise_query(monitor, subject_id, *DM, "Weight?", item_name="WEIGHT")
    before_audit, before_rows = audit_count(monitor), db_rows(monitor)

    def refused(error, call, *args):
        with pytest.raises(error) as exc:
            call(*args)
        bilingual(exc)
        assert audit_count(monitor) == before_audit and db_rows(monitor) == before_rows
        return exc

    # roles: the site neither raises nor closes nor re-opens; monitors and DMs do not answer
    for role in ("coordinator", "investigator"):
        refused(PermissionDenied, raise_query, team[role], subject_id, *DM, "?")
        refused(PermissionDenied, close_query, team[role], qid)
        refused(PermissionDenied, reopen_query, team[role], qid, "again")
    for app in (monitor, dm):
        refused(PermissionDenied, answer_query, app, qid, "answer")
    # states
    refused(IllegalTransition, reopen_query, monitor, qid, "an open query cannot be re-opened")
    # empty texts
    refused(QueryTextRequired, raise_query, monitor, subject_id, *DM, "   ")
    refused(QueryTextRequired, answer_query, site, qid, "")
    answer_query(site, qid, "75 kg")
    before_audit, before_rows = audit_count(monitor), db_rows(monitor)
    refused(IllegalTransition, answer_query, site, qid, "answered twice")
    refused(QueryTextRequired, reopen_query, monitor, qid, " ")
    close_query(monitor, qid)
    before_audit, before_rows = audit_count(monitor), db_rows(monitor)
    exc = refused(IllegalTransition, answer_query, site, qid, "too late")
    assert "closed" in exc.value.message.en and "已关闭" in exc.value.message.zh
    refused(IllegalTransition, close_query, dm, qid, "closed twice")
    # unknown query id
    exc = refused(NotFound, answer_query, site, 9999, "who?")
    assert "#9999" in exc.value.message.en
    refused(NotFound, close_query, monitor, 9999)
    refused(NotFound, reopen_query, monitor, 9999, "x")


# ---- freeze and lock --------------------------------------------------------------------------
@pytest.mark.req("REQ-DQ-01", "REQ-DQ-04")
def test_queries_on_a_frozen_subject_but_not_a_locked_one(team, subject_id):
    monitor, site, dm = team["monitor"], team["coordinator"], team["datamanager"]
    qid = raise_query(monitor, subject_id, *DM, "Weight?", item_name="WEIGHT")
    workflow.freeze_subject(dm, subject_id)
    frozen_q = raise_query(monitor, subject_id, *DM, "Height?", item_name="HEIGHT")
    answer_query(site, qid, "confirmed")  # the site still answers
    close_query(monitor, qid)
    with pytest.raises(SubjectFrozen):  # but cannot correct data
        save_form(site, FormEntry(subject_id, "SE.SCR", "DM", values={"WEIGHT": "71.0"},
                                  reason="QUERY_RESPONSE"))  # fmt: skip

    workflow.lock_subject(dm, subject_id)
    before = audit_count(monitor)
    for call, app, args in ((raise_query, monitor, (subject_id, *DM, "x")),
                            (answer_query, site, (frozen_q, "x")),
                            (close_query, monitor, (frozen_q,)),
                            (reopen_query, dm, (qid, "x"))):  # fmt: skip
        with pytest.raises(SubjectLocked) as exc:
            call(app, *args)
        bilingual(exc)
    assert audit_count(monitor) == before

    workflow.unlock_subject(dm, subject_id, "query follow-up")
    workflow.lock_database(dm, "interim analysis")
    with pytest.raises(DatabaseLocked):
        raise_query(monitor, subject_id, *DM, "x")
    with pytest.raises(DatabaseLocked):
        answer_query(site, frozen_q, "x")
    assert audit_count(monitor) == before + 2  # the unlock and the database lock only
    workflow.unlock_database(dm, "analysis done")
    answer_query(site, frozen_q, "170 cm")
    assert status(monitor, frozen_q) == QueryStatus.ANSWERED


# ---- the automatic query ----------------------------------------------------------------------
@pytest.mark.req("REQ-DQ-01", "REQ-DQ-02", "REQ-AT-06")
def test_overridden_soft_check_raises_an_auto_query(team, subject_id):
    site, monitor = team["coordinator"], team["monitor"]
    change = FormEntry(subject_id, "SE.SCR", "DM", values={"HEIGHT": "210"},
                       reason="TRANSCRIPTION_ERROR")  # fmt: skip
    save_form(site, change)  # in progress: shown, no question, no query (issue 16, item 4)
    assert db_rows(site) == (0, 0)
    change = FormEntry(subject_id, "SE.SCR", "DM", complete=True)  # marked complete: asked
    with pytest.raises(OverrideRequired):
        save_form(site, change)
    assert db_rows(site) == (0, 0)  # refused save: no query either
    change.overrides = {SOFT_HEIGHT: "very tall patient, measured twice"}
    save_form(site, change)
    [auto] = list_queries(monitor, subject_id)
    assert (auto.origin, auto.check_id, auto.status) == ("AUTO", "SOFT-RANGE", "OPEN")
    assert (auto.form_code, auto.item_name, auto.raised_by, auto.raised_role) == (
        "DM", "HEIGHT", "SYSTEM", "SYSTEM")
    text = auto.steps[0].text
    en, _, rest = text.partition(" / ")
    assert en and CJK.search(rest)
    assert text.endswith("\nSite's reason: very tall patient, measured twice")
    opened = audit_entries(site, action="QUERY_OPENED")
    assert [(e.username, e.role, e.item_name) for e in opened] == [("SYSTEM", "SYSTEM", "HEIGHT")]
    assert "SOFT-RANGE" in opened[0].detail
    # a later save keeps the override and raises no second query
    save_form(site, FormEntry(subject_id, "SE.SCR", "DM", values={"WEIGHT": "71.0"},
                              reason="TRANSCRIPTION_ERROR"))  # fmt: skip
    assert len(list_queries(monitor, subject_id)) == 1
    # the monitor works it like any other
    answer_query(site, auto.id, "measured twice, 210 cm is right")
    close_query(monitor, auto.id, "ok")
    assert status(monitor, auto.id) == QueryStatus.CLOSED


# ---- counts -----------------------------------------------------------------------------------
@pytest.mark.req("REQ-DQ-01")
def test_counts_on_dashboard_and_subject_list(team, subject_id):
    monitor, site = team["monitor"], team["coordinator"]
    other = enrol_one(site)
    assert dashboard(monitor).queries == QueryCounts()
    a = raise_query(monitor, subject_id, *DM, "a", item_name="WEIGHT")
    b = raise_query(monitor, subject_id, *DM, "b", item_name="HEIGHT")
    raise_query(monitor, subject_id, *DM, "c")
    d = raise_query(monitor, other, *DM, "d", item_name="SEX")
    answer_query(site, a, "x")
    answer_query(site, b, "x")
    close_query(monitor, b)
    close_query(monitor, d)

    assert queries.subject_query_counts(monitor, subject_id) == QueryCounts(1, 1, 1)
    assert queries.subject_query_counts(monitor, other) == QueryCounts(0, 0, 1)
    assert queries.query_counts(monitor) == {subject_id: QueryCounts(1, 1, 1),
                                             other: QueryCounts(0, 0, 1)}  # fmt: skip
    assert queries.study_query_counts(monitor) == QueryCounts(1, 1, 2)
    assert dashboard(monitor).queries == QueryCounts(open=1, answered=1, closed=2)
    rows = {r.key: r for r in subject_rows(site)}
    assert (rows[subject_id].open_queries, rows[subject_id].answered_queries) == (1, 1)
    assert (rows[other].open_queries, rows[other].answered_queries) == (0, 0)
    assert [q.id for q in list_queries(site, status=QueryStatus.OPEN)] == [
        q.id for q in list_queries(site, subject_id, form_code="DM", status="OPEN")]
    assert len(list_queries(site, status=["OPEN", "ANSWERED"])) == 2


def test_subject_list_reads_query_counts_in_one_statement(team, subject_id, monkeypatch):
    """The per-subject counts are one grouped query for all subjects, not one per subject."""
    monitor = team["monitor"]
    for _ in range(3):
        enrol_one(team["coordinator"])
    raise_query(monitor, subject_id, *DM, "a")
    calls = []
    real = queries.counts_by_subject_pk

    def spy(session):
        calls.append(1)
        return real(session)

    import tnt_desktop.services.subject_list as subject_list

    monkeypatch.setattr(subject_list, "counts_by_subject_pk", spy)
    statements = []
    from sqlalchemy import event

    engine = monitor.db.engine

    def count(conn, cursor, statement, *args):
        if "data_query" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        subject_rows(monitor)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(calls) == 1 and len(statements) == 1
