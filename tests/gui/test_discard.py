"""Discard means discard (issue 13): leaving a form with Discard in "Unsaved changes" drops its
edits, and Save form (Ctrl+S, the toolbar) is enabled only while a form with changes is open —
so a discarded edit can never be written later, silently, as a new version."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.core.conftest import audit_count, enrol_one
from tests.gui.test_form_view import enter
from tests.gui.test_main_window import answer, open_window, reason_for_change, to_form
from tnt_desktop.services.casebook import form_values


@pytest.fixture
def coordinator(trial):
    return trial.user("coordinator")


def ctrl_s(qtbot, widget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def test_discard_then_save_writes_nothing(qtbot, coordinator, context_for, monkeypatch):
    reasons: list = []
    reason_for_change(monkeypatch, reasons)  # a save that asked why would be answered
    subject_id = enrol_one(coordinator)
    stored = form_values(coordinator, subject_id, "SE.SCR", 1, "DM")
    window = open_window(qtbot, context_for(coordinator))
    save_button = window.toolbar.widgetForAction(window.act_save)
    assert not window.act_save.isEnabled() and not save_button.isEnabled()  # the dashboard

    view = to_form(qtbot, window, subject_id, "SE.SCR", "DM")
    assert not window.act_save.isEnabled()  # a form without changes
    enter(qtbot, view.field("WEIGHT"), "73.0")
    assert window.act_save.isEnabled() and save_button.isEnabled()

    asked: list[str] = []
    answer(monkeypatch, QMessageBox.StandardButton.Discard, asked)
    window.act_dashboard.trigger()
    assert asked == ["Unsaved changes"] and window.pages.currentWidget() is window.dashboard
    assert not view.has_unsaved_changes() and view.field("WEIGHT").value_text() == "70.0"
    assert not window.act_save.isEnabled() and not save_button.isEnabled()

    before = audit_count(coordinator)
    ctrl_s(qtbot, window)  # the shortcut
    qtbot.mouseClick(save_button, Qt.MouseButton.LeftButton)  # the toolbar
    window.act_save.trigger()  # the action
    window.save_form()  # and the slot itself
    assert reasons == [] and audit_count(coordinator) == before
    after = form_values(coordinator, subject_id, "SE.SCR", 1, "DM")
    assert after.values["WEIGHT"] == "70.0" and after.version == stored.version

    # back on the form nothing of the discarded edit is left either
    view = to_form(qtbot, window, subject_id, "SE.SCR", "DM")
    assert view.field("WEIGHT").value_text() == "70.0" and not window.act_save.isEnabled()
    # the same keys save a real change (so the checks above could have seen a write)
    enter(qtbot, view.field("WEIGHT"), "74.0")
    ctrl_s(qtbot, window)
    assert len(reasons) == 1 and audit_count(coordinator) > before
    assert form_values(coordinator, subject_id, "SE.SCR", 1, "DM").values["WEIGHT"] == "74.0"
    assert not window.act_save.isEnabled()  # saved: nothing left to save


def test_discard_when_leaving_for_the_subject_list_too(qtbot, coordinator, context_for,
                                                       monkeypatch):  # fmt: skip
    reasons: list = []
    reason_for_change(monkeypatch, reasons)
    subject_id = enrol_one(coordinator)
    window = open_window(qtbot, context_for(coordinator))
    view = to_form(qtbot, window, subject_id, "SE.SCR", "DM")
    enter(qtbot, view.field("HEIGHT"), "171.0")
    answer(monkeypatch, QMessageBox.StandardButton.Discard, [])
    window.act_subjects.trigger()
    assert window.pages.currentWidget() is window.subject_list
    before = audit_count(coordinator)
    ctrl_s(qtbot, window)
    window.act_save.trigger()
    assert reasons == [] and audit_count(coordinator) == before
    assert form_values(coordinator, subject_id, "SE.SCR", 1, "DM").values["HEIGHT"] == "170.0"
