"""`AppSession.transaction()` is re-entrant: a service called inside an open transaction joins
it (one commit, at the outermost level); an exception that leaves the outermost call rolls back
everything; a joined call whose exception is caught inside undoes exactly its own writes, and
the audit chain stays whole either way (`admin verify`'s chain check)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.core.conftest import DM_VALUES, audit_count, enrol_one
from tnt_desktop.services import subjects
from tnt_desktop.services.clinical_data import find_subject, load_subject
from tnt_desktop.services.form_entries import FormEntry, ReasonRequired
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.storage import audit


class Boom(Exception):
    pass


def weight(app, subject: str) -> str | None:
    with app.transaction(write=False) as session:
        loaded = load_subject(session, app.study, find_subject(session, subject))
        return loaded.form("SE.SCR", 1, "DM").stored[("", 0, "WEIGHT")].value


def chain_ok(app) -> bool:
    with app.transaction(write=False) as session:
        return audit.verify_chain(session).ok


def change(subject: str, value: str) -> FormEntry:
    return FormEntry(subject, "SE.SCR", "DM", values={"WEIGHT": value},
                     reason="TRANSCRIPTION_ERROR")  # fmt: skip


@pytest.fixture
def enrolled(coordinator) -> str:
    return enrol_one(coordinator)


def test_a_nested_call_joins_the_open_transaction_and_commits_once(coordinator, enrolled):
    commits = []
    engine = coordinator.db.engine
    listener = lambda _conn: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        with coordinator.transaction() as outer:
            save_form(coordinator, change(enrolled, "71"))
            with coordinator.transaction() as inner:
                assert inner is outer
            save_form(coordinator, change(enrolled, "72"))
            assert commits == []  # nothing committed inside
    finally:
        event.remove(engine, "commit", listener)
    assert commits == [1]
    assert weight(coordinator, enrolled) == "72.0"
    assert chain_ok(coordinator)


def test_a_failure_anywhere_inside_rolls_back_the_whole(coordinator, enrolled):
    before = audit_count(coordinator)
    number = None
    with pytest.raises(Boom), coordinator.transaction():
        save_form(coordinator, change(enrolled, "71"))
        number = subjects.screen_subject(coordinator)  # a whole service, joined
        raise Boom()
    assert weight(coordinator, enrolled) == "70.0"
    assert audit_count(coordinator) == before
    assert number not in [s.screening_number for s in subjects.list_subjects(coordinator)]
    assert chain_ok(coordinator)


def test_an_inner_refusal_propagating_rolls_back_the_outer_work_too(coordinator, enrolled):
    """screen_fail saves F01 inside its own transaction: a refused save leaves neither the
    status nor anything else behind."""
    number = subjects.screen_subject(coordinator)
    before = audit_count(coordinator)
    with pytest.raises(ReasonRequired), coordinator.transaction():
        save_form(coordinator, change(enrolled, "71"))
        save_form(coordinator, FormEntry(enrolled, "SE.SCR", "DM", values={"WEIGHT": "75"}))
    assert weight(coordinator, enrolled) == "70.0" and audit_count(coordinator) == before
    with pytest.raises(ReasonRequired), coordinator.transaction():
        subjects.screen_fail(coordinator, number, "OTHER", "moved away")  # IE saved before?
        save_form(coordinator, FormEntry(enrolled, "SE.SCR", "DM", values={"WEIGHT": "75"}))
    assert [s.status for s in subjects.list_subjects(coordinator)
            if s.screening_number == number] == ["SCREENING"]
    assert chain_ok(coordinator)


def test_a_caught_inner_failure_undoes_exactly_the_inner_call(coordinator, enrolled):
    before = audit_count(coordinator)
    with coordinator.transaction():
        save_form(coordinator, change(enrolled, "71"))  # 1 value change
        with pytest.raises(Boom), coordinator.transaction():
            save_form(coordinator, change(enrolled, "99"))
            raise Boom()  # after the inner save wrote values and audit entries
        with pytest.raises(ReasonRequired):
            save_form(coordinator, FormEntry(enrolled, "SE.SCR", "DM", values={"WEIGHT": "80"}))
    assert weight(coordinator, enrolled) == "71.0"
    trail = audit_count(coordinator) - before
    assert trail >= 1  # the first save and its derived values, nothing of the undone one
    assert chain_ok(coordinator)
    with coordinator.transaction(write=False) as session:
        from sqlalchemy import select

        from tnt_desktop.storage.models import AuditEntry

        news = [e.new_value for e in session.scalars(
            select(AuditEntry).where(AuditEntry.item_name == "WEIGHT",
                                     AuditEntry.id > before))]  # fmt: skip
    assert news == ["71.0"]


def test_a_write_cannot_join_a_read(coordinator, enrolled):
    with coordinator.transaction(write=False), pytest.raises(RuntimeError):
        save_form(coordinator, FormEntry(enrolled, "SE.SCR", "DM", values=dict(DM_VALUES)))


def test_another_user_session_on_the_same_database_joins_too(trial, coordinator, enrolled):
    """Two users' sessions on one database in one thread share the open transaction (a second
    connection would wait for the first's write lock)."""
    investigator = trial.user("investigator")
    with coordinator.transaction() as outer:
        with investigator.transaction() as inner:
            assert inner is outer
