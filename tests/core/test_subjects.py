"""Screening, enrolment, screen failure and withdrawal (issue 3, item 5): sequential screening
numbers; a study ID only for an eligible subject, sequential and never reused; screen failure
and withdrawal audited and atomic."""

from __future__ import annotations

from datetime import date

import pytest

from tests.core.conftest import ELIGIBLE_IE, audit_count, audit_entries, screen_eligible
from tnt_desktop.errors import NotFound, TntError
from tnt_desktop.services import subjects
from tnt_desktop.services.clinical_data import find_subject, load_subject
from tnt_desktop.services.form_entries import FormEntry, ValidationFailed
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.storage import audit


def status(app, key: str) -> tuple[str, str | None, str]:
    summary = {s.screening_number: s for s in subjects.list_subjects(app)}
    by_id = {s.subject_id: s for s in summary.values() if s.subject_id}
    s = summary.get(key) or by_id[key]
    return s.screening_number, s.subject_id, s.status


def form_values(app, key: str, event: str, form: str) -> dict:
    with app.transaction() as session:
        lf = load_subject(session, app.study, find_subject(session, key)).form(event, 1, form)
        return {} if lf is None else dict(lf.record.values)


# ---- screening --------------------------------------------------------------------------------
@pytest.mark.req("REQ-AT-01", "REQ-DQ-02")
def test_screening_numbers_are_sequential_and_assigned_by_the_system(coordinator):
    numbers = [subjects.screen_subject(coordinator) for _ in range(3)]
    assert numbers == ["SCR-0001", "SCR-0002", "SCR-0003"]
    assert [s.status for s in subjects.list_subjects(coordinator)] == ["SCREENING"] * 3
    screened = audit_entries(coordinator, action="SUBJECT_SCREENED")
    assert [e.subject_key for e in screened] == numbers
    assigned = audit_entries(coordinator, action="ID_ASSIGNED", item_name="SCRNUM")
    assert [(e.new_value, e.username) for e in assigned] == [(n, "SYSTEM") for n in numbers]
    assert form_values(coordinator, "SCR-0002", "SE.SCR", "IE") == {"SCRNUM": "SCR-0002"}


# ---- enrolment --------------------------------------------------------------------------------
def test_enrolment_refuses_an_ineligible_subject_naming_the_failing_criteria(coordinator):
    number = screen_eligible(coordinator, INC02="N", EXC07="Y")
    before = audit_count(coordinator)
    with pytest.raises(TntError) as info:
        subjects.enrol(coordinator, number)
    for text in (info.value.message.en, info.value.message.zh):
        assert "INC02" in text and "EXC07" in text and number in text
    assert "INC01" not in info.value.message.en
    assert status(coordinator, number) == (number, None, "SCREENING")
    assert audit_count(coordinator) == before
    # the refusal used no study ID: the next eligible subject gets the first one
    assert subjects.enrol(coordinator, screen_eligible(coordinator)) == "TNT-01-001"


def test_the_screening_verdict_is_the_one_enrolment_applies(coordinator, trial):
    failing = screen_eligible(coordinator, INC02="N", EXC07="Y")
    shown = subjects.screening_verdict(coordinator, failing)
    assert shown is not None and shown.verdict.eligible is False
    assert {"INC02", "EXC07"} <= set(shown.verdict.failing)
    assert shown.ie_values["INC02"] == "N"
    with pytest.raises(TntError):
        subjects.enrol(coordinator, failing)

    unanswered = subjects.screen_subject(coordinator)
    shown = subjects.screening_verdict(coordinator, unanswered)
    assert shown is not None and shown.verdict.eligible is None and shown.verdict.unanswered

    eligible = screen_eligible(coordinator)
    shown = subjects.screening_verdict(coordinator, eligible)
    assert shown is not None and shown.verdict.eligible is True
    subject_id = subjects.enrol(coordinator, eligible)
    assert subjects.screening_verdict(coordinator, subject_id) is None  # enrolled: no panel
    monitor = trial.user("monitor")  # reading the verdict needs no data-entry right
    assert subjects.screening_verdict(monitor, failing).verdict.eligible is False


def test_enrolment_refuses_while_criteria_are_unanswered(coordinator):
    number = subjects.screen_subject(coordinator)
    save_form(coordinator, FormEntry(number, "SE.SCR", "IE",
                                     values={k: v for k, v in ELIGIBLE_IE.items()
                                             if k != "EXC05"}))  # fmt: skip
    with pytest.raises(TntError) as info:
        subjects.enrol(coordinator, number)
    assert "EXC05" in info.value.message.en
    assert status(coordinator, number)[2] == "SCREENING"


@pytest.mark.req("REQ-AT-06")
def test_enrolment_assigns_the_id_and_fills_subjid_and_siteid(coordinator):
    number = screen_eligible(coordinator)
    assert subjects.enrol(coordinator, number) == "TNT-01-001"
    assert status(coordinator, number) == (number, "TNT-01-001", "ENROLLED")
    dm = form_values(coordinator, "TNT-01-001", "SE.SCR", "DM")
    assert dm == {"SUBJID": "TNT-01-001", "SITEID": "01"}
    enrolled = audit_entries(coordinator, action="SUBJECT_ENROLLED")
    assert [(e.old_value, e.new_value, e.subject_key) for e in enrolled] == [
        (number, "TNT-01-001", "TNT-01-001")]  # fmt: skip
    # enrolling twice is refused, by either key
    with pytest.raises(TntError):
        subjects.enrol(coordinator, number)
    with pytest.raises(TntError):
        subjects.enrol(coordinator, "TNT-01-001")


def test_study_ids_are_sequential_and_never_reused(coordinator):
    first, second = screen_eligible(coordinator), screen_eligible(coordinator)
    failed = screen_eligible(coordinator, INC04="N")
    third = screen_eligible(coordinator)
    assert subjects.enrol(coordinator, first) == "TNT-01-001"
    assert subjects.enrol(coordinator, second) == "TNT-01-002"
    subjects.screen_fail(coordinator, failed, "INCL_NOT_MET")
    assert subjects.enrol(coordinator, third) == "TNT-01-003"
    # a withdrawn subject keeps the ID, and the next subject does not get it back
    subjects.withdraw(coordinator, "TNT-01-002", "ALL_FURTHER_DATA_COLLECTION", date(2025, 6, 1))
    assert subjects.enrol(coordinator, screen_eligible(coordinator)) == "TNT-01-004"
    ids = [s.subject_id for s in subjects.list_subjects(coordinator) if s.subject_id]
    assert ids == ["TNT-01-001", "TNT-01-002", "TNT-01-003", "TNT-01-004"]
    # the screen-failed subject can never be enrolled
    with pytest.raises(TntError):
        subjects.enrol(coordinator, failed)


def test_unknown_subjects_are_not_found(coordinator):
    with pytest.raises(NotFound):
        subjects.enrol(coordinator, "SCR-9999")
    with pytest.raises(NotFound):
        subjects.screen_fail(coordinator, "SCR-9999", "OTHER", "x")


# ---- screen failure ---------------------------------------------------------------------------
@pytest.mark.req("REQ-AT-01", "REQ-AT-06")
def test_screen_failure_is_saved_through_the_write_path_and_audited(coordinator):
    number = screen_eligible(coordinator, EXC07="Y")
    subjects.screen_fail(coordinator, number, "EXCL_MET")
    assert status(coordinator, number) == (number, None, "SCREEN_FAILED")
    assert form_values(coordinator, number, "SE.SCR", "IE")["SFREAS"] == "EXCL_MET"
    entries = audit_entries(coordinator, subject_key=number)
    assert [(e.action, e.new_value) for e in entries[-2:]] == [
        ("DATA_ENTERED", "EXCL_MET"), ("SCREEN_FAILED", "EXCL_MET")]  # fmt: skip
    assert entries[-2].item_name == "SFREAS"
    with pytest.raises(TntError):
        subjects.screen_fail(coordinator, number, "EXCL_MET")  # not in screening any more


def test_a_screen_failure_reason_other_keeps_its_specification(coordinator):
    number = screen_eligible(coordinator, INC05="N")
    subjects.screen_fail(coordinator, number, "OTHER", "患者拒绝化疗")
    assert form_values(coordinator, number, "SE.SCR", "IE")["SFREASSP"] == "患者拒绝化疗"
    failed = audit_entries(coordinator, action="SCREEN_FAILED")
    assert [(e.new_value, e.reason_text) for e in failed] == [("OTHER", "患者拒绝化疗")]


def test_an_eligible_subject_who_withdraws_consent_before_enrolment_can_be_screen_failed(
    coordinator,
):
    # SFREAS lists reasons that apply to eligible subjects (consent withdrawn, lost before
    # enrolment, death, physician decision); screen_fail must be able to record them.
    number = screen_eligible(coordinator)
    subjects.screen_fail(coordinator, number, "CONSENT_WITHDRAWN")
    assert status(coordinator, number) == (number, None, "SCREEN_FAILED")
    assert form_values(coordinator, number, "SE.SCR", "IE")["SFREAS"] == "CONSENT_WITHDRAWN"


def test_a_refused_screen_failure_writes_nothing(coordinator):
    number = screen_eligible(coordinator, INC02="N")
    before = audit_count(coordinator)
    with pytest.raises(ValidationFailed):
        subjects.screen_fail(coordinator, number, "NOT_A_REASON")
    assert status(coordinator, number) == (number, None, "SCREENING")
    assert "SFREAS" not in form_values(coordinator, number, "SE.SCR", "IE")
    assert audit_count(coordinator) == before
    assert not audit_entries(coordinator, action="SCREEN_FAILED")


# ---- withdrawal -------------------------------------------------------------------------------
@pytest.mark.req("REQ-AT-01", "REQ-AT-06")
def test_withdrawal_saves_eos_and_the_status_and_is_audited(coordinator):
    subject_id = subjects.enrol(coordinator, screen_eligible(coordinator))
    subjects.withdraw(coordinator, subject_id, "TREATMENT_ONLY", date(2025, 6, 1),
                      last_known_alive=date(2025, 6, 1))  # fmt: skip
    assert status(coordinator, subject_id)[2] == "WITHDRAWN"
    eos = form_values(coordinator, subject_id, "SE.EOS", "EOS")
    assert eos["EOSSTAT"] == "CONSENT_WITHDRAWN" and eos["WDSCOPE"] == "TREATMENT_ONLY"
    assert eos["EOSDAT"] == date(2025, 6, 1) and eos["LASTCONT"] == date(2025, 6, 1)
    withdrawn = audit_entries(coordinator, action="SUBJECT_WITHDRAWN")
    assert [(e.subject_key, e.new_value) for e in withdrawn] == [(subject_id, "TREATMENT_ONLY")]
    # data collected before the withdrawal are kept
    assert form_values(coordinator, subject_id, "SE.SCR", "IE")["RFICDAT"] == date(2025, 2, 3)
    with pytest.raises(TntError):
        subjects.withdraw(coordinator, subject_id, "TREATMENT_ONLY", date(2025, 6, 2))


def test_a_refused_withdrawal_writes_nothing(coordinator):
    subject_id = subjects.enrol(coordinator, screen_eligible(coordinator))
    before = audit_count(coordinator)
    with pytest.raises(ValidationFailed):
        subjects.withdraw(coordinator, subject_id, "NOT_A_SCOPE", date(2025, 6, 1))
    assert status(coordinator, subject_id)[2] == "ENROLLED"
    assert form_values(coordinator, subject_id, "SE.EOS", "EOS") == {}
    assert audit_count(coordinator) == before
    with coordinator.transaction() as session:
        assert audit.verify_chain(session).ok


def test_a_screening_subject_cannot_be_withdrawn(coordinator):
    number = subjects.screen_subject(coordinator)
    with pytest.raises(TntError):
        subjects.withdraw(coordinator, number, "TREATMENT_ONLY", date(2025, 6, 1))
