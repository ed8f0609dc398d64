"""The entry session (services/entry_session.py): the one conversation for changing clinical
data. It reports needs-a-reason / needs-overrides / refused / saved as data, applies only the
answers its caller gives, tries once per `submit`, and writes nothing until it saves."""

from __future__ import annotations

import pytest

from tests.core.conftest import DM_VALUES, audit_count, audit_entries, enrol_one
from tnt_desktop.services import workflow
from tnt_desktop.services.entry_session import (
    Confirm,
    EntrySession,
    EntryState,
    GiveReason,
    Refusal,
)
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form

SOFT_HEIGHT = "SOFT-RANGE|SE.SCR#1|DM.HEIGHT|"


@pytest.fixture
def enrolled(coordinator) -> str:
    return enrol_one(coordinator)


def dm(app, subject: str) -> EntrySession:
    return EntrySession.open(app, subject, "SE.SCR", 1, "DM")


def test_the_diff_holds_only_what_differs_from_what_was_loaded(coordinator, enrolled):
    session = dm(coordinator, enrolled)
    assert session.loaded is not None and session.loaded.version > 0
    entry = session.change({**DM_VALUES, "WEIGHT": "70", "HEIGHT": "171"})  # 70 == 70.0
    assert entry.values == {"HEIGHT": "171"} and entry.missing == {}
    assert entry.expected_version == session.loaded.version and session.has_changes
    session.change(dict(DM_VALUES))
    assert not session.has_changes
    assert session.preview().record.values["BMI"] is not None  # preview_form, nothing written


def test_a_change_asks_for_a_reason_then_saves_with_it(coordinator, enrolled):
    session = dm(coordinator, enrolled)
    session.change({"WEIGHT": "72"})
    before = audit_count(coordinator)
    step = session.submit()
    assert step.state is EntryState.NEEDS_REASON and step.items == ("DM.WEIGHT",)
    assert step.messages and "reason" in step.messages[0].en
    assert audit_count(coordinator) == before  # asking wrote nothing
    session.answer(GiveReason("TRANSCRIPTION_ERROR", "typed 70 for 72"))
    assert session.state is EntryState.OPEN
    step = session.submit()
    assert step.state is EntryState.SAVED and step.result.changed == 1
    change = audit_entries(coordinator, action="DATA_CHANGED", item_name="WEIGHT")[-1]
    assert (change.reason_code, change.reason_text) == ("TRANSCRIPTION_ERROR", "typed 70 for 72")
    assert session.submit() is step  # a finished conversation stays finished


def test_soft_findings_are_confirmed_only_as_the_caller_says(coordinator, enrolled):
    session = dm(coordinator, enrolled)
    session.change({"HEIGHT": "210"})  # in progress: saved as it is, nothing asked (issue 16)
    assert session.preview().findings and not session.entry.complete
    session = dm(coordinator, enrolled)
    session.change({"HEIGHT": "210"}, complete=True)  # marking complete asks
    step = session.submit()
    assert step.state is EntryState.NEEDS_OVERRIDES
    assert [f.key for f in step.findings] == [SOFT_HEIGHT]
    assert step.findings[0].message.en  # the finding's own message, to show
    with pytest.raises(ValueError):
        session.answer(Confirm({SOFT_HEIGHT: "  "}))  # a blank justification is no answer
    session.answer(Confirm({SOFT_HEIGHT: "measured twice"}))
    step = session.submit()
    assert step.state is EntryState.NEEDS_REASON  # the height was saved before
    session.answer(GiveReason("SOURCE_CORRECTED"))
    assert session.submit().state is EntryState.SAVED
    confirmed = audit_entries(coordinator, action="CHECK_OVERRIDDEN", item_name="HEIGHT")
    assert [e.reason_text for e in confirmed] == ["measured twice"]


def test_run_holds_the_conversation_through_the_callers_answers(coordinator, enrolled):
    asked = []

    def ask(step):
        asked.append(step.state)
        if step.state is EntryState.NEEDS_OVERRIDES:
            return Confirm({f.key: "checked" for f in step.findings})
        return GiveReason("OTHER", "re-measured")

    session = dm(coordinator, enrolled)
    session.change({"HEIGHT": "209"}, complete=True)
    step = session.run(ask)
    assert step.state is EntryState.SAVED
    assert asked == [EntryState.NEEDS_OVERRIDES, EntryState.NEEDS_REASON]


def test_abandoning_writes_nothing_and_ends_the_conversation(coordinator, enrolled):
    before = audit_count(coordinator)
    session = dm(coordinator, enrolled)
    session.change({"HEIGHT": "209"})
    step = session.run(lambda _step: None)
    assert step.state is EntryState.ABANDONED and step.done
    assert audit_count(coordinator) == before
    assert session.submit().state is EntryState.ABANDONED  # no save after an abandon


def test_an_answer_that_answers_nothing_ends_refused_instead_of_looping(coordinator, enrolled):
    calls = []

    def ask(step):
        calls.append(step)
        return Confirm({"not-a-finding": "why not"})

    session = dm(coordinator, enrolled)
    session.change({"WEIGHT": "73"})
    step = session.run(ask)
    assert step.state is EntryState.REFUSED and step.refusal is Refusal.UNANSWERED
    assert len(calls) == 1


def test_hard_findings_are_refused_with_the_findings(coordinator, enrolled):
    session = dm(coordinator, enrolled)
    session.change({"WEIGHT": "abc"})
    step = session.submit()
    assert step.state is EntryState.REFUSED and step.refusal is Refusal.INVALID
    assert step.findings and step.findings[0].finding.items == ("DM.WEIGHT",)


def test_a_save_by_someone_else_since_loading_is_a_conflict(coordinator, enrolled):
    session = dm(coordinator, enrolled)
    save_form(coordinator, FormEntry(enrolled, "SE.SCR", "DM", values={"ECOG": "0"},
                                     reason="LATE_DATA"))  # fmt: skip
    session.change({"ECOG": "2"})
    session.answer(GiveReason("LATE_DATA"))
    step = session.submit()
    assert step.state is EntryState.REFUSED and step.refusal is Refusal.CONFLICT


def test_locks_and_permissions_are_refusals(trial, coordinator, enrolled):
    monitor = trial.user("monitor")
    session = EntrySession(monitor, FormEntry(enrolled, "SE.SCR", "DM", values={"ECOG": "2"}))
    assert session.submit().refusal is Refusal.PERMISSION
    datamanager = trial.user("datamanager")
    workflow.freeze_subject(datamanager, enrolled)
    session = dm(coordinator, enrolled)
    session.change({"ECOG": "2"})
    session.answer(GiveReason("LATE_DATA"))
    step = session.submit()
    assert step.state is EntryState.REFUSED and step.refusal is Refusal.LOCKED
    assert step.messages[0].zh


def test_a_flow_passes_its_own_writer(coordinator, enrolled):
    """Screen failure or an import save the form as part of a larger step: the session drives
    whatever `write` they give it, with the answers in the entry."""
    seen = []

    def write(entry: FormEntry):
        seen.append((entry.reason, dict(entry.overrides)))
        return save_form(coordinator, entry)

    session = EntrySession(coordinator, FormEntry(enrolled, "SE.SCR", "DM", complete=True,
                                                  values={"HEIGHT": "208"}), write=write)
    step = session.run(lambda s: Confirm({f.key: "ok" for f in s.findings})
                       if s.state is EntryState.NEEDS_OVERRIDES else GiveReason("LATE_DATA"))
    assert step.state is EntryState.SAVED
    assert seen == [(None, {}), (None, {SOFT_HEIGHT: "ok"}),
                    ("LATE_DATA", {SOFT_HEIGHT: "ok"})]  # fmt: skip
