"""The casebook: events in schedule order with their windows and form statuses, Enter opens a
form, eligibility → enrolment, screen failure, and what a monitor may not do."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from tests.core.conftest import ELIGIBLE_IE, audit_entries, enrol_one, screen_eligible
from tnt_desktop.gui.casebook_enrolment import ScreenFailureDialog
from tnt_desktop.gui.casebook_tree import EVENT_ROLE, FORM_ROLE
from tnt_desktop.gui.casebook_view import CasebookView
from tnt_desktop.gui.subject_table import OVERDUE_BACKGROUND
from tnt_desktop.services import subjects
from tnt_desktop.services.casebook import form_values, open_casebook
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form


@pytest.fixture
def coordinator(trial):
    return trial.user("coordinator")


def make_view(qtbot, context, key: str) -> CasebookView:
    view = CasebookView(context)
    qtbot.addWidget(view)
    view.resize(520, 800)
    view.show()
    view.open_subject(key)
    return view


def form_items(view: CasebookView) -> dict[tuple[str, int, str], str]:
    found = {}
    tree = view.tree
    for i in range(tree.topLevelItemCount()):
        parent = tree.topLevelItem(i)
        for j in range(parent.childCount()):
            child = parent.child(j)
            event, repeat = child.data(0, EVENT_ROLE)
            found[(event, repeat, child.data(0, FORM_ROLE))] = child.text(2)
    return found


def answer_yes(monkeypatch, asked: list | None = None) -> None:
    def question(*args, **kwargs):
        if asked is not None:
            asked.append(args[2] if len(args) > 2 else "")
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)


@pytest.mark.req("REQ-DQ-04")
def test_events_in_schedule_order_with_form_statuses(qtbot, coordinator, context_for):
    subject_id = enrol_one(coordinator)
    view = make_view(qtbot, context_for(coordinator), subject_id)
    expected = [(e.event, e.repeat) for e in open_casebook(coordinator, subject_id).events]
    shown = view.event_rows()
    assert [(event, repeat) for event, repeat, _ in shown] == expected
    assert expected[0] == ("SE.SCR", 1) and ("SE.C1", 1) in expected
    assert expected.index(("SE.RT", 1)) < expected.index(("SE.C1", 1)) < expected.index(
        ("SE.SURG", 1))  # fmt: skip
    assert view.title.text() == subject_id
    assert "SCR-0001" in view.subtitle.text() and "Enrolled" in view.subtitle.text()

    forms = form_items(view)
    assert forms[("SE.SCR", 1, "IE")] == "In progress"
    assert forms[("SE.SCR", 1, "DM")] == "In progress"
    assert forms[("SE.RT", 1, "RT")] == "Not started"
    # the screening visit took place on its date but its forms are not complete (issue 16);
    # RT (1–14 days after ENRDAT 2025-02-10) is long overdue today and highlighted
    states = {(event, repeat): text for event, repeat, text in shown}
    assert states[("SE.SCR", 1)].startswith("In progress 2025-02-03")
    assert states[("SE.RT", 1)] == "Overdue"
    rt = next(view.tree.topLevelItem(i) for i in range(view.tree.topLevelItemCount())
              if view.tree.topLevelItem(i).data(0, EVENT_ROLE) == ("SE.RT", 1))  # fmt: skip
    assert rt.text(1) == "02-11 – 02-24"  # month-day in the narrow tree (issue 16)
    assert "2025-02-11" in rt.toolTip(1)  # the whole window in the tooltip
    assert rt.background(0).color() == OVERDUE_BACKGROUND
    assert not view.eligibility_box.isVisibleTo(view)


@pytest.mark.req("REQ-DQ-04")
def test_form_with_errors_or_complete_shows_it(qtbot, coordinator, context_for):
    subject_id = enrol_one(coordinator)
    save_form(coordinator, FormEntry(subject_id, "SE.SCR", "IE", complete=True))
    view = make_view(qtbot, context_for(coordinator), subject_id)
    assert form_items(view)[("SE.SCR", 1, "IE")].startswith("Complete")


def test_enter_on_a_form_emits_form_activated(qtbot, coordinator, context_for):
    subject_id = enrol_one(coordinator)
    view = make_view(qtbot, context_for(coordinator), subject_id)
    assert view.select_form("SE.SCR", 1, "DM")
    view.tree.setFocus()
    with qtbot.waitSignal(view.formActivated) as blocker:
        qtbot.keyClick(view.tree, Qt.Key.Key_Return)
    assert blocker.args == ["SE.SCR", 1, "DM"]
    # arrow keys move through the tree, Enter on an event folds it
    qtbot.keyClick(view.tree, Qt.Key.Key_Up)
    qtbot.keyClick(view.tree, Qt.Key.Key_Up)
    item = view.tree.currentItem()
    assert item.data(0, FORM_ROLE) is None and item.isExpanded()
    qtbot.keyClick(view.tree, Qt.Key.Key_Return)
    assert not item.isExpanded()


def test_enrol_only_when_eligible_and_assigns_the_first_study_id(qtbot, coordinator,
                                                                 context_for, monkeypatch):
    number = subjects.screen_subject(coordinator)
    view = make_view(qtbot, context_for(coordinator), number)
    assert view.eligibility_box.isVisibleTo(view)
    assert "not yet known" in view.verdict_label.text()
    assert view.enrol_button.isVisibleTo(view) and not view.enrol_button.isEnabled()

    save_form(coordinator, FormEntry(number, "SE.SCR", "IE", values=dict(ELIGIBLE_IE)))
    view.refresh()
    assert view.verdict_label.text().startswith("Eligible")
    # eligible, but F01 is still in progress: not yet (issue 16)
    assert not view.enrol_button.isEnabled() and "Mark F01" in view.verdict_label.text()
    view.enrol()
    assert view.subject_key == number
    save_form(coordinator, FormEntry(number, "SE.SCR", "IE", complete=True))
    view.refresh()
    assert view.enrol_button.isEnabled()

    asked: list[str] = []
    answer_yes(monkeypatch, asked)
    with qtbot.waitSignal(view.subjectChanged):
        qtbot.mouseClick(view.enrol_button, Qt.MouseButton.LeftButton)
    assert asked and number in asked[0]
    assert view.subject_key == "TNT-01-001"
    assert view.title.text() == "TNT-01-001"
    assert "TNT-01-001" in view.notice_label.text() and view.notice_label.isVisibleTo(view)
    assert not view.eligibility_box.isVisibleTo(view)
    assert [s.subject_id for s in subjects.list_subjects(coordinator)] == ["TNT-01-001"]


def test_not_eligible_lists_the_failing_criteria(qtbot, coordinator, context_for):
    number = screen_eligible(coordinator, INC02="N", EXC09="Y")
    view = make_view(qtbot, context_for(coordinator), number)
    text = view.verdict_label.text()
    assert text.startswith("Not eligible") and "INC02" in text and "EXC09" in text
    assert not view.enrol_button.isEnabled()
    assert view.fail_button.isEnabled()


def test_screen_failure_records_the_reason(qtbot, coordinator, context_for, monkeypatch):
    number = screen_eligible(coordinator, EXC07="Y")
    view = make_view(qtbot, context_for(coordinator), number)
    seen: list[ScreenFailureDialog] = []

    def fake_exec(dialog):
        seen.append(dialog)
        assert dialog.reason() == "EXCL_MET"  # pre-filled from the failing criterion
        assert "EXC07" in dialog.findChild(type(view.verdict_label), "failingCriteria").text()
        assert not dialog.specify_edit.isEnabled()
        dialog.set_reason("OTHER")
        assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        dialog.set_reason("OTHER", "Metastasis on staging CT")
        assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ScreenFailureDialog, "exec", fake_exec)
    with qtbot.waitSignal(view.subjectChanged):
        qtbot.mouseClick(view.fail_button, Qt.MouseButton.LeftButton)
    assert seen
    assert [s.status for s in subjects.list_subjects(coordinator)] == ["SCREEN_FAILED"]
    snapshot = form_values(coordinator, number, "SE.SCR", 1, "IE")
    assert snapshot.values["SFREAS"] == "OTHER"
    assert snapshot.values["SFREASSP"] == "Metastasis on staging CT"
    assert audit_entries(coordinator, action="SCREEN_FAILED")[-1].new_value == "OTHER"
    assert "Screen failed" in view.subtitle.text()
    assert "Other" in view.verdict_label.text()
    assert not view.fail_button.isVisibleTo(view) and not view.enrol_button.isVisibleTo(view)


def test_screen_failure_prefills_inclusion_not_met(qtbot, coordinator, context_for,
                                                   monkeypatch):  # fmt: skip
    number = screen_eligible(coordinator, INC03="N")
    view = make_view(qtbot, context_for(coordinator), number)

    def fake_exec(dialog):
        assert dialog.reason() == "INCL_NOT_MET"
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ScreenFailureDialog, "exec", fake_exec)
    view.screen_failure()
    assert form_values(coordinator, number, "SE.SCR", 1, "IE").values["SFREAS"] == "INCL_NOT_MET"


@pytest.mark.req("REQ-AC-02")
def test_a_monitor_sees_the_verdict_but_no_enrol_or_screen_failure(qtbot, trial, coordinator,
                                                                   context_for):  # fmt: skip
    number = screen_eligible(coordinator)
    monitor = trial.user("monitor")
    view = make_view(qtbot, context_for(monitor), number)
    assert view.verdict_label.text().startswith("Eligible")
    assert not view.enrol_button.isVisibleTo(view)
    assert not view.fail_button.isVisibleTo(view)
    view.enrol()  # refused quietly: the buttons are not there, and the method checks again
    assert subjects.list_subjects(coordinator)[0].subject_id is None


def test_refresh_keeps_the_current_form(qtbot, coordinator, context_for):
    subject_id = enrol_one(coordinator)
    view = make_view(qtbot, context_for(coordinator), subject_id)
    view.select_form("SE.RT", 1, "RT")
    view.refresh()
    item = view.tree.currentItem()
    assert item.data(0, FORM_ROLE) == "RT"


def test_chinese_labels(qtbot, coordinator, context_for, translations):
    subject_id = enrol_one(coordinator)
    try:
        view = make_view(qtbot, context_for(coordinator, "zh"), subject_id)
        first = view.tree.topLevelItem(0)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in first.text(0))  # the study's label
        assert "已入组" in view.subtitle.text()  # the status, from the study's stage labels
    finally:
        translations.install("en")  # the translators are application-wide
