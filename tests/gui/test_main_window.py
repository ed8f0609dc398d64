"""The main window shell with its real screens: navigation dashboard → subjects → casebook →
form, Ctrl+S, the unsaved-changes guard, the idle lock keeping typed input, and a monitor's
read-only form."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLineEdit, QMessageBox

from tests.core.conftest import PASSWORD, enrol_one
from tests.gui.test_form_view import accept_dialog, enter
from tnt_desktop.gui.form.dialogs import ReasonForChangeDialog
from tnt_desktop.gui.main_window import MainWindow
from tnt_desktop.services.casebook import form_values


@pytest.fixture
def coordinator(trial):
    return trial.user("coordinator")


def open_window(qtbot, context) -> MainWindow:
    window = MainWindow(context)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.dashboard.loaded, timeout=15000):
        with qtbot.waitActive(window):
            window.show()
            window.activateWindow()
    return window


def to_form(qtbot, window: MainWindow, key: str, event: str, form: str):
    """Subjects page → the subject (Enter) → the form (Enter), as a user would."""
    with qtbot.waitSignal(window.subject_list.loaded, timeout=15000):
        window.act_subjects.trigger()
    assert window.pages.currentWidget() is window.subject_list
    assert window.subject_list.select_key(key)
    qtbot.keyClick(window.subject_list.table, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.casebook_page
    assert window.casebook.subject_key == key
    assert window.casebook.select_form(event, 1, form)
    qtbot.keyClick(window.casebook.tree, Qt.Key.Key_Return)
    view = window.form_view
    assert view is not None and view.form.code == form
    return view


def reason_for_change(monkeypatch, calls: list | None = None) -> None:
    """F02 already holds a weight: changing it asks why (answered: transcription error)."""
    accept_dialog(monkeypatch, ReasonForChangeDialog,
                  lambda dialog: dialog.set_reason("TRANSCRIPTION_ERROR"), calls)  # fmt: skip


def answer(monkeypatch, button, asked: list) -> None:
    def question(*args, **kwargs):
        asked.append(args[1] if len(args) > 1 else "")
        return button

    monkeypatch.setattr(QMessageBox, "question", question)


def test_navigation_and_ctrl_s_saves_the_open_form(qtbot, coordinator, context_for,
                                                    monkeypatch):  # fmt: skip
    reasons: list = []
    reason_for_change(monkeypatch, reasons)
    subject_id = enrol_one(coordinator)
    window = open_window(qtbot, context_for(coordinator))
    assert window.pages.currentWidget() is window.dashboard
    assert window.dashboard.numbers()["enrolled"].startswith("1 of 51")
    assert "coordinator" in window.status_user.text().lower()

    view = to_form(qtbot, window, subject_id, "SE.SCR", "DM")
    enter(qtbot, view.field("WEIGHT"), "72.0")
    assert view.has_unsaved_changes()
    qtbot.keyClick(view.field("WEIGHT").focus_target(), Qt.Key.Key_S,
                   Qt.KeyboardModifier.ControlModifier)  # fmt: skip
    assert len(reasons) == 1 and not view.has_unsaved_changes()
    assert form_values(coordinator, subject_id, "SE.SCR", 1, "DM").values["WEIGHT"] == "72.0"

    # back to the dashboard: nothing to ask
    window.act_dashboard.trigger()
    assert window.pages.currentWidget() is window.dashboard


def test_unsaved_changes_guard_asks_before_leaving(qtbot, coordinator, context_for,
                                                  monkeypatch):  # fmt: skip
    subject_id = enrol_one(coordinator)
    window = open_window(qtbot, context_for(coordinator))
    view = to_form(qtbot, window, subject_id, "SE.SCR", "DM")
    enter(qtbot, view.field("WEIGHT"), "73.0")
    asked: list[str] = []
    answer(monkeypatch, QMessageBox.StandardButton.Cancel, asked)
    window.act_dashboard.trigger()
    assert asked == ["Unsaved changes"]
    assert window.pages.currentWidget() is window.casebook_page and window.form_view is view
    assert view.field("WEIGHT").value_text() == "73.0"

    answer(monkeypatch, QMessageBox.StandardButton.Discard, asked)
    window.act_dashboard.trigger()
    assert len(asked) == 2 and window.pages.currentWidget() is window.dashboard
    assert "WEIGHT" not in form_values(coordinator, subject_id, "SE.SCR", 1, "DM").values or (
        form_values(coordinator, subject_id, "SE.SCR", 1, "DM").values["WEIGHT"] != "73.0")


@pytest.mark.req("REQ-AC-03")
def test_idle_lock_covers_the_window_and_keeps_typed_input(qtbot, coordinator, context_for,
                                                            monkeypatch):  # fmt: skip
    reason_for_change(monkeypatch)
    subject_id = enrol_one(coordinator)
    window = open_window(qtbot, context_for(coordinator))
    view = to_form(qtbot, window, subject_id, "SE.SCR", "DM")
    edit = view.field("WEIGHT").focus_target()
    assert isinstance(edit, QLineEdit)
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "74.5")  # typed, not committed, not saved

    coordinator.idle_minutes = 0  # the idle time passes
    qtbot.waitUntil(lambda: coordinator.locked, timeout=5000)
    overlay = window.idle.overlay
    assert overlay.isVisible() and overlay.geometry() == window.rect()
    # opaque: where the typed value was, the window now shows the overlay's background
    spot = edit.mapTo(window, edit.rect().topLeft()) + QPoint(4, 4)
    assert window.grab().toImage().pixelColor(spot) == overlay.palette().window().color()
    assert edit.text() == "74.5"

    coordinator.idle_minutes = 30
    qtbot.keyClicks(overlay.password, "Wrong-Password-1")
    qtbot.keyClick(overlay.password, Qt.Key.Key_Return)
    assert coordinator.locked and overlay.isVisible() and overlay.message.text()
    qtbot.keyClicks(overlay.password, PASSWORD)
    qtbot.keyClick(overlay.password, Qt.Key.Key_Return)
    assert not coordinator.locked and not overlay.isVisible()
    assert edit.text() == "74.5" and window.form_view is view
    assert view.save()
    assert form_values(coordinator, subject_id, "SE.SCR", 1, "DM").values["WEIGHT"] == "74.5"


@pytest.mark.req("REQ-AC-03")
def test_input_in_the_window_or_a_dialog_counts_as_activity(qtbot, coordinator, context_for):
    window = open_window(qtbot, context_for(coordinator))
    handle = window.windowHandle()
    assert handle is not None

    def idle_since(seconds: float) -> None:
        coordinator.last_activity = time.monotonic() - seconds

    idle_since(600)
    QTest.mouseMove(handle, QPoint(40, 40))  # through the QWindow, as the platform delivers it
    assert coordinator.idle_seconds_left() > coordinator.idle_minutes * 60 - 5
    idle_since(600)
    QTest.keyClick(handle, Qt.Key.Key_Tab)
    assert coordinator.idle_seconds_left() > coordinator.idle_minutes * 60 - 5

    dialog = QDialog(window)  # a dialog is another top-level window: watched once it has focus
    dialog.show()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is dialog.windowHandle())
    idle_since(600)
    QTest.keyClick(dialog.windowHandle(), Qt.Key.Key_Tab)
    assert coordinator.idle_seconds_left() > coordinator.idle_minutes * 60 - 5
    dialog.close()

    idle_since(600)  # events that are not input do not count
    window.resize(window.width() + 10, window.height())
    window.repaint()
    assert coordinator.idle_seconds_left() < coordinator.idle_minutes * 60 - 500


@pytest.mark.req("REQ-AC-03")
def test_lock_now_keeps_the_input_too(qtbot, coordinator, context_for, monkeypatch):
    reason_for_change(monkeypatch)
    subject_id = enrol_one(coordinator)
    window = open_window(qtbot, context_for(coordinator))
    view = to_form(qtbot, window, subject_id, "SE.SCR", "DM")
    enter(qtbot, view.field("WEIGHT"), "71.0")
    window.idle.lock_now()
    assert window.idle.overlay.isVisible()
    qtbot.keyClicks(window.idle.overlay.password, PASSWORD)
    qtbot.keyClick(window.idle.overlay.password, Qt.Key.Key_Return)
    assert view.field("WEIGHT").value_text() == "71.0" and view.has_unsaved_changes()
    assert view.save()


@pytest.mark.req("REQ-AC-02")
def test_a_monitor_gets_no_editable_field(qtbot, trial, coordinator, context_for):
    subject_id = enrol_one(coordinator)
    monitor = trial.user("monitor")
    window = open_window(qtbot, context_for(monitor))
    assert not window.act_save.isEnabled() and not window.act_screen.isEnabled()
    view = to_form(qtbot, window, subject_id, "SE.SCR", "DM")
    editors = [field.editor for field in view.fields.values()]
    assert editors and not any(editor.is_editable() for editor in editors)
    assert not view.save_button.isVisibleTo(view)
    # nor in the casebook: no enrolment buttons on a screening subject
    assert not window.casebook.enrol_button.isVisibleTo(window.casebook)
