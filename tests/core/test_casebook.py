"""The casebook of one subject and the values of one form (services.casebook)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.core.conftest import screen_eligible
from tests.core.test_subject_list import (
    TODAY,
    chemotherapy,
    enrolled,
    radiotherapy,
    save,
    save_entry,
    treated,
)
from tnt_desktop.errors import NotFound, PermissionDenied
from tnt_desktop.services.casebook import form_values, open_casebook
from tnt_desktop.services.form_entries import FormEntry, RowEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.services.workflow import FormStatus
from tnt_desktop.study.schedule import Stage, VisitState


def test_events_in_schedule_order_with_their_forms(coordinator):
    key = treated(coordinator)
    save(coordinator, key, "SE.FU", "FU", 2, FUDAT="2025-11-08", SSSTAT="ALIVE")
    book = open_casebook(coordinator, key, TODAY)
    assert book.subject_key == key and book.subject_id == key
    assert book.screening_number.startswith("SCR-") and book.status == "ENROLLED"
    assert book.stage == Stage.FOLLOW_UP and book.stage_label.en == "Follow-up"
    assert [(e.event, e.repeat) for e in book.events] == [
        ("SE.SCR", 1), ("SE.ENR", 1), ("SE.RT", 1), ("SE.C1", 1), ("SE.C2", 1), ("SE.C3", 1),
        ("SE.PREOP", 1), ("SE.SURG", 1), ("SE.PATH", 1),
        *[("SE.WND", k) for k in range(1, 6)], *[("SE.FU", k) for k in range(1, 9)],
        ("SE.LOG", 1), ("SE.DTH", 1), ("SE.EOS", 1),
    ]  # fmt: skip
    forms = {(e.event, e.repeat): [f.form for f in e.forms] for e in book.events}
    assert forms[("SE.SCR", 1)] == ["IE", "DM", "MH", "TUBL", "LB"]
    assert forms[("SE.C1", 1)] == ["CT", "LB"]
    assert forms[("SE.FU", 1)] == ["FU"]
    assert forms[("SE.FU", 2)] == ["FU", "MSTS", "LTOX"]
    assert forms[("SE.FU", 8)] == ["FU", "MSTS", "LTOX"]
    assert forms[("SE.LOG", 1)] == ["AE", "CM", "DV"]
    c1 = book.event("SE.C1")
    assert c1.scheduled and c1.visit.state is VisitState.IN_PROGRESS  # CT in progress, no LB
    assert c1.visit.actual == date(2025, 2, 25) and c1.label.en == "AI cycle 1"
    ct, lb = c1.forms
    assert ct.status == FormStatus.IN_PROGRESS and ct.version >= 1 and ct.started
    assert isinstance(ct.updated_utc, datetime) and ct.label.en.startswith("Chemotherapy")
    assert lb.status == FormStatus.NOT_STARTED and lb.version == 0 and not lb.started
    assert book.event("SE.FU", 2).visit.state is VisitState.IN_PROGRESS  # MSTS, LTOX to do
    assert book.event("SE.FU", 1).visit.state is VisitState.OVERDUE  # 8 Aug ± 14
    assert not book.event("SE.LOG").scheduled and not book.event("SE.DTH").scheduled
    assert book.event("SE.DTH").visit.state is VisitState.NOT_APPLICABLE
    assert book.next_visit.key == ("SE.PREOP", 1)  # never entered; its window closed first


def test_a_visit_is_done_only_when_every_expected_form_is_complete(coordinator):
    """Issue 16: RT shows In progress while RT is ongoing; screening with forms not started is
    In progress; a visit whose forms are all complete is Done."""
    key = enrolled(coordinator)
    save(coordinator, key, "SE.RT", "RT", rows={"FX": [
        {"FXNUM": "1", "FXDAT": "2025-02-17", "FXGIVEN": "Y", "FXDOSE": "5.00"}]})  # fmt: skip
    book = open_casebook(coordinator, key, TODAY)
    rt = book.event("SE.RT")
    assert rt.visit.actual == date(2025, 2, 17) and rt.visit.state is VisitState.IN_PROGRESS
    screening = book.event("SE.SCR")
    assert [f.status for f in screening.forms][2:] == [FormStatus.NOT_STARTED] * 3
    assert screening.visit.state is VisitState.IN_PROGRESS
    save_entry(coordinator, FormEntry(key, "SE.SCR", "IE", complete=True), TODAY)
    save_entry(coordinator, FormEntry(key, "SE.SCR", "DM", complete=True,
                                      values={"ECOGDAT": "2025-02-05", "ECOG": "1",
                                              "VSDAT": "2025-02-05"}), TODAY)  # fmt: skip
    for form in ("MH", "TUBL", "LB"):
        save(coordinator, key, "SE.SCR", form)  # started, not complete
    assert open_casebook(coordinator, key, TODAY).event("SE.SCR").visit.state is (
        VisitState.IN_PROGRESS)


def test_the_casebook_opens_by_screening_number(coordinator):
    number = screen_eligible(coordinator)
    book = open_casebook(coordinator, number, date(2025, 2, 5))
    assert book.subject_key == number and book.subject_id is None
    assert book.stage == Stage.SCREENING
    ie = book.event("SE.SCR").forms[0]
    assert ie.form == "IE" and ie.status == FormStatus.IN_PROGRESS
    assert book.next_visit.key == ("SE.ENR", 1)
    with pytest.raises(NotFound):
        open_casebook(coordinator, "SCR-9999")


def test_unscheduled_visits_and_the_next_repeat(coordinator):
    key = enrolled(coordinator)
    assert open_casebook(coordinator, key, TODAY).next_unscheduled_repeat == 1
    save(coordinator, key, "SE.UNS", "FU", 1, FUDAT="2025-03-01", SSSTAT="ALIVE")
    book = open_casebook(coordinator, key, TODAY)
    unscheduled = book.event("SE.UNS", 1)
    assert unscheduled is not None and not unscheduled.scheduled
    assert unscheduled.visit.state is VisitState.IN_PROGRESS  # its FU form is in progress
    assert [f.form for f in unscheduled.forms] == ["LB", "TUPRE", "FU"]
    assert book.next_unscheduled_repeat == 2
    assert [e.event for e in book.events].index("SE.UNS") > [e.event for e in book.events].index(
        "SE.FU")  # fmt: skip


def test_form_values_are_the_stored_canonical_text(coordinator):
    key = enrolled(coordinator)
    radiotherapy(coordinator, key)
    snap = form_values(coordinator, key, "SE.RT", 1, "RT", TODAY)
    assert snap.status == FormStatus.IN_PROGRESS and snap.version >= 1
    assert snap.values["RTSTDAT"] == "2025-02-12" and snap.values["RTENDAT"] == "2025-02-18"
    assert {"RTSTDAT", "RTENDAT", "RTNFX"} <= snap.derived
    rows = snap.rows["FX"]
    assert [r.key for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].values == {"FXNUM": "1", "FXDAT": "2025-02-12", "FXGIVEN": "Y",
                              "FXDOSE": "5.00"}  # fmt: skip
    # the row keys and version go back into a save: change fraction 5, drop fraction 4
    entry = FormEntry(key, "SE.RT", "RT", rows={"FX": [
        RowEntry(key=r.key) for r in rows[:3]] + [RowEntry(key=5, values={"FXDAT": "2025-02-19"})]},
        reason="TRANSCRIPTION_ERROR", expected_version=snap.version)  # fmt: skip
    save_entry(coordinator, entry)
    again = form_values(coordinator, key, "SE.RT", 1, "RT", TODAY)
    assert [r.key for r in again.rows["FX"]] == [1, 2, 3, 5]
    assert again.values["RTENDAT"] == "2025-02-19" and again.version > snap.version


def test_missing_reasons_are_returned(coordinator):
    key = enrolled(coordinator)
    save_form(coordinator, FormEntry(key, "SE.SCR", "DM", missing={"WEIGHT": "NOT DONE"},
                                     reason="OTHER", reason_text="scale broken"),
              today=TODAY)  # fmt: skip
    snap = form_values(coordinator, key, "SE.SCR", 1, "DM", TODAY)
    assert snap.missing == {"WEIGHT": "NOT DONE"} and "WEIGHT" not in snap.values


@pytest.mark.req("REQ-DQ-04")
def test_a_form_not_started_is_empty(coordinator):
    key = enrolled(coordinator)
    snap = form_values(coordinator, key, "SE.C2", 1, "LB", TODAY)
    assert snap.status == FormStatus.NOT_STARTED and snap.version == 0
    assert snap.values == {} and snap.rows == {} and snap.updated_utc is None
    assert not snap.has_errors and not snap.has_warnings


def test_opening_a_form_shows_its_findings_and_the_reasons_given(coordinator):
    key = enrolled(coordinator)
    save(coordinator, key, "SE.SCR", "DM", reason="SOURCE_CORRECTED", HEIGHT="205.0")
    snap = form_values(coordinator, key, "SE.SCR", 1, "DM", TODAY)
    assert snap.has_warnings
    [height] = [f for f in snap.findings if f.finding.items == ("DM.HEIGHT",)]
    assert height.override_reason is None  # in progress: shown, not yet confirmed (issue 16)
    save_entry(coordinator, FormEntry(key, "SE.SCR", "DM", complete=True,
                                      values={"ECOGDAT": "2025-02-05", "ECOG": "1",
                                              "VSDAT": "2025-02-05"}), TODAY)  # fmt: skip
    snap = form_values(coordinator, key, "SE.SCR", 1, "DM", TODAY)
    [height] = [f for f in snap.findings if f.finding.items == ("DM.HEIGHT",)]
    assert height.override_reason == "Checked against the source document"
    radiotherapy(coordinator, key)
    chemotherapy(coordinator, key, ("2025-03-03",))  # RT end + 13: TIM-02 query
    c1 = form_values(coordinator, key, "SE.C1", 1, "CT", TODAY)
    assert c1.has_warnings
    assert [f.finding.check_id for f in c1.findings if f.finding.check_id == "TIM-02"]
    # the findings of another instance of the form are not this form's
    chemotherapy(coordinator, key, ("2025-03-03", "2025-04-10"))  # C2: D1 + 38: TIM-03
    c1 = form_values(coordinator, key, "SE.C1", 1, "CT", TODAY)
    assert not [f for f in c1.findings if f.finding.check_id == "TIM-03"]
    c2 = form_values(coordinator, key, "SE.C2", 1, "CT", TODAY)
    assert [f.finding.check_id for f in c2.findings if f.finding.check_id == "TIM-03"]


@pytest.mark.req("REQ-AC-04")
def test_identifiers_are_withheld_from_a_role_without_view_identifiers(trial):
    coordinator = trial.user("coordinator")
    key = enrolled(coordinator)
    mine = form_values(coordinator, key, "SE.SCR", 1, "DM", TODAY)
    assert mine.values["BRTHDAT"] == "1970-05-05" and mine.hidden == ()
    monitor = trial.user("monitor")
    theirs = form_values(monitor, key, "SE.SCR", 1, "DM", TODAY)
    assert "BRTHDAT" not in theirs.values and "BRTHDAT" in theirs.hidden
    assert theirs.values["ENRDAT"] == "2025-02-10"


def test_a_form_not_collected_at_the_event_is_refused(coordinator):
    key = enrolled(coordinator)
    with pytest.raises(NotFound):
        form_values(coordinator, key, "SE.C1", 1, "SURG")
    with pytest.raises(NotFound):
        form_values(coordinator, key, "SE.FU", 1, "MSTS")  # MSTS only at FU 6/12/24 months
    with pytest.raises(NotFound):
        form_values(coordinator, key, "SE.NOPE", 1, "FU")


@pytest.mark.req("REQ-AC-02")
def test_the_casebook_needs_view_data(trial):
    coordinator = trial.user("coordinator")
    key = enrolled(coordinator)
    with pytest.raises(PermissionDenied):
        open_casebook(trial.admin, key)
    with pytest.raises(PermissionDenied):
        form_values(trial.admin, key, "SE.SCR", 1, "DM")
