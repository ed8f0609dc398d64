"""Form status, freeze and lock in the GUI (issue 6): each step by the role allowed changes the
state (read back through the services), other roles neither see nor can use it, an unlock needs
a reason (cancel leaves everything as it was), a locked form / frozen or locked subject / locked
database opens read-only with a banner, a save refused by the service shows its message, the
database lock in the main menu and the subject list's data-state column."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from tests.core.conftest import audit_entries, enrol_one
from tests.core.test_workflow import DM, complete_dm, status_of
from tests.gui.test_casebook_view import make_view
from tests.gui.test_form_view import enter, open_form
from tests.gui.test_main_window import open_window
from tnt_desktop.gui import workflow_actions
from tnt_desktop.gui.casebook_tree import EVENT_ROLE, FORM_ROLE
from tnt_desktop.gui.form import saving as form_saving_module
from tnt_desktop.gui.subject_list_view import SubjectListView
from tnt_desktop.gui.subject_table import Column
from tnt_desktop.gui.workflow_actions import ReasonDialog
from tnt_desktop.services import workflow
from tnt_desktop.services.casebook import form_values
from tnt_desktop.services.workflow import FormStatus

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def team(trial):
    return {role: trial.user(role) for role in ("coordinator", "monitor", "datamanager")}


def reason_answer(monkeypatch, reason: str | None, asked: list | None = None) -> None:
    """The unlock-reason dialog: typed `reason` and OK (only possible with a reason), or Cancel
    when `reason` is None."""

    def exec_(dialog: ReasonDialog) -> int:
        if asked is not None:
            asked.append(dialog.windowTitle())
        ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
        assert not ok.isEnabled()  # nothing typed yet: OK is not possible
        if reason is None:
            return int(QDialog.DialogCode.Rejected)
        dialog.set_reason(reason)
        assert ok.isEnabled()
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(ReasonDialog, "exec", exec_)


def confirm_answer(monkeypatch, yes: bool, asked: list | None = None) -> None:
    def question(*args, **kwargs):
        if asked is not None:
            asked.append(args[2])
        return QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)


def capture_errors(monkeypatch) -> list:
    shown: list = []
    monkeypatch.setattr(workflow_actions, "show_error", lambda parent, exc: shown.append(exc))
    monkeypatch.setattr(form_saving_module, "show_error", lambda parent, exc: shown.append(exc))
    return shown


def form_item(view, event: str, repeat: int, code: str):
    tree = view.tree
    for i in range(tree.topLevelItemCount()):
        parent = tree.topLevelItem(i)
        for j in range(parent.childCount()):
            child = parent.child(j)
            if tuple(child.data(0, EVENT_ROLE)) == (event, repeat) and (
                    child.data(0, FORM_ROLE) == code):  # fmt: skip
                return child
    raise AssertionError(f"no form item {event} {code}")


def menu_actions(menu) -> dict[str, bool]:
    return {a.objectName(): a.isEnabled() for a in menu.actions() if a.objectName()}


def visible_buttons(bar) -> set[str]:
    return {name for name, button in bar.buttons.items() if button.isVisibleTo(bar)}


# ---- forms ------------------------------------------------------------------------------------
@pytest.mark.req("REQ-DQ-04")
def test_monitor_verifies_a_complete_form_and_no_one_else_sees_verify(
        qtbot, team, context_for):  # fmt: skip
    coordinator, monitor = team["coordinator"], team["monitor"]
    subject_id = complete_dm(coordinator)

    site_view = open_form(qtbot, context_for(coordinator), subject_id, "SE.SCR", "DM")
    assert not site_view.workflow_bar.isVisibleTo(site_view)  # no workflow step for the site

    view = open_form(qtbot, context_for(monitor), subject_id, "SE.SCR", "DM")
    assert visible_buttons(view.workflow_bar) == {"verify"}  # no lock for the monitor
    assert "Status: complete" in view.info.text()
    with qtbot.waitSignal(view.workflowChanged):
        view.workflow_bar.buttons["verify"].click()
    assert status_of(monitor, subject_id) == FormStatus.VERIFIED
    assert "Status: verified (SDV)" in view.info.text()
    assert visible_buttons(view.workflow_bar) == set()  # verified: nothing more to verify
    assert audit_entries(monitor, action="FORM_VERIFIED")


@pytest.mark.req("REQ-DQ-04", "REQ-AT-06")
def test_data_manager_locks_a_form_and_unlocks_it_only_with_a_reason(
        qtbot, team, context_for, monkeypatch):  # fmt: skip
    dm = team["datamanager"]
    subject_id = complete_dm(team["coordinator"])
    view = open_form(qtbot, context_for(dm), subject_id, "SE.SCR", "DM")
    assert visible_buttons(view.workflow_bar) == {"lock"}  # no SDV for the data manager
    assert not view.save_button.isVisibleTo(view)  # and no data entry

    view.workflow_bar.buttons["lock"].click()
    assert status_of(dm, subject_id) == FormStatus.LOCKED
    assert view.lock_banner.isVisibleTo(view)
    assert "this form is locked" in view.lock_banner.text.text()
    assert "Status: locked" in view.info.text()
    assert visible_buttons(view.workflow_bar) == {"unlock"}

    asked: list = []
    reason_answer(monkeypatch, None, asked)  # cancel: nothing happens
    view.workflow_bar.buttons["unlock"].click()
    assert asked == ["Unlock form"]
    assert status_of(dm, subject_id) == FormStatus.LOCKED
    assert not audit_entries(dm, action="FORM_UNLOCKED")

    reason_answer(monkeypatch, "correction requested by the sponsor")
    view.workflow_bar.buttons["unlock"].click()
    assert status_of(dm, subject_id) == FormStatus.COMPLETE
    entry = audit_entries(dm, action="FORM_UNLOCKED")[-1]
    assert entry.reason_text == "correction requested by the sponsor"
    assert not view.lock_banner.isVisibleTo(view)


@pytest.mark.req("REQ-DQ-04")
def test_casebook_shows_the_lock_and_offers_each_role_only_its_steps(
        qtbot, team, context_for, monkeypatch):  # fmt: skip
    coordinator, monitor, dm = team["coordinator"], team["monitor"], team["datamanager"]
    subject_id = complete_dm(coordinator)

    view = make_view(qtbot, context_for(dm), subject_id)
    item = form_item(view, *DM)
    assert item.text(2) == "Complete"
    menu = view.form_menu_for(item)
    assert menu_actions(menu) == {"form_lock": True, "form_unlock": False}
    menu.actions()[0].trigger()  # Lock form
    assert status_of(dm, subject_id) == FormStatus.LOCKED
    item = form_item(view, *DM)  # the tree was read again
    assert item.text(2) == "Locked" and not item.icon(2).isNull()
    assert menu_actions(view.form_menu_for(item)) == {"form_lock": False, "form_unlock": True}

    monitor_view = make_view(qtbot, context_for(monitor), subject_id)
    monitor_menu = monitor_view.form_menu_for(form_item(monitor_view, *DM))
    assert menu_actions(monitor_menu) == {"form_verify": False}  # locked: not verifiable
    site_view = make_view(qtbot, context_for(coordinator), subject_id)
    assert site_view.form_menu_for(form_item(site_view, *DM)) is None
    assert form_item(site_view, *DM).text(2) == "Locked"

    reason_answer(monkeypatch, "reopened for a query")
    view.form_menu_for(form_item(view, *DM)).actions()[1].trigger()  # Unlock form…
    assert status_of(dm, subject_id) == FormStatus.COMPLETE


@pytest.mark.req("REQ-DQ-04", "REQ-AT-06")
def test_data_manager_freezes_locks_and_unlocks_a_subject_in_the_casebook(
        qtbot, team, context_for, monkeypatch):  # fmt: skip
    coordinator, dm = team["coordinator"], team["datamanager"]
    subject_id = enrol_one(coordinator)
    view = make_view(qtbot, context_for(dm), subject_id)
    bar = view.state_bar
    assert visible_buttons(bar) == {"freeze", "lock"}

    bar.buttons["freeze"].click()
    assert workflow.subject_state(dm, subject_id) == "FROZEN"
    assert "Frozen" in bar.label.text() and "queries still possible" in bar.label.text()
    assert visible_buttons(bar) == {"unfreeze", "lock"}

    reason_answer(monkeypatch, None)
    bar.buttons["unfreeze"].click()
    assert workflow.subject_state(dm, subject_id) == "FROZEN"

    asked: list = []
    confirm_answer(monkeypatch, False, asked)  # lock subject asks first: No leaves it frozen
    bar.buttons["lock"].click()
    assert asked and subject_id in asked[0]
    assert workflow.subject_state(dm, subject_id) == "FROZEN"
    confirm_answer(monkeypatch, True)
    bar.buttons["lock"].click()
    assert workflow.subject_state(dm, subject_id) == "LOCKED"
    assert "Locked" in bar.label.text()
    assert visible_buttons(bar) == {"unlock"}

    # the site sees the state, not the buttons
    site = make_view(qtbot, context_for(coordinator), subject_id)
    assert site.state_bar.isVisibleTo(site) and "Locked" in site.state_bar.label.text()
    assert visible_buttons(site.state_bar) == set()

    reason_answer(monkeypatch, "data clarified with the site")
    bar.buttons["unlock"].click()
    assert workflow.subject_state(dm, subject_id) == "OPEN"
    assert audit_entries(dm, action="SUBJECT_UNLOCKED")[-1].reason_text == (
        "data clarified with the site")  # fmt: skip
    assert not bar.label.text()


# ---- read-only forms --------------------------------------------------------------------------
@pytest.mark.req("REQ-DQ-04")
def test_a_locked_form_opens_read_only_with_a_banner(qtbot, team, context_for):
    coordinator, dm = team["coordinator"], team["datamanager"]
    subject_id = complete_dm(coordinator)
    workflow.lock_form(dm, subject_id, *DM)

    view = open_form(qtbot, context_for(coordinator), subject_id, "SE.SCR", "DM")
    assert view.lock_banner.isVisibleTo(view)
    assert "Read-only: this form is locked" in view.lock_banner.text.text()
    assert view.save_button.isVisibleTo(view) and not view.save_button.isEnabled()
    assert not view.complete_button.isEnabled()
    assert not view.field("WEIGHT").is_editable()
    assert view.save() is False
    assert "read-only" in view.state_label.text()
    assert status_of(coordinator, subject_id) == FormStatus.LOCKED


@pytest.mark.req("REQ-DQ-04")
@pytest.mark.parametrize("lock", ["freeze", "lock_subject", "lock_database"])
def test_a_form_locked_while_open_refuses_the_save_with_the_services_message(
        qtbot, team, context_for, monkeypatch, lock):  # fmt: skip
    coordinator, dm = team["coordinator"], team["datamanager"]
    subject_id = enrol_one(coordinator)
    view = open_form(qtbot, context_for(coordinator), subject_id, "SE.SCR", "DM")
    assert not view.lock_banner.isVisibleTo(view) and view.save_button.isEnabled()
    before = form_values(coordinator, subject_id, "SE.SCR", 1, "DM").values.get("WEIGHT")

    if lock == "freeze":
        workflow.freeze_subject(dm, subject_id)
    elif lock == "lock_subject":
        workflow.lock_subject(dm, subject_id)
    else:
        workflow.lock_database(dm)
    shown = capture_errors(monkeypatch)
    enter(qtbot, view.field("WEIGHT"), "81.5")
    assert view.save() is False
    assert len(shown) == 1 and isinstance(shown[0], workflow.WorkflowError)
    assert form_values(coordinator, subject_id, "SE.SCR", 1, "DM").values.get("WEIGHT") == before
    # the form turned read-only and says why
    assert view.lock_banner.isVisibleTo(view) and not view.save_button.isEnabled()
    banner = view.lock_banner.text.text()
    expected = {"freeze": "is frozen", "lock_subject": "is locked",
                "lock_database": "the database is locked"}[lock]  # fmt: skip
    assert expected in banner
    if lock == "freeze":
        assert "Queries can still be raised" in banner
    assert not view.field("WEIGHT").is_editable()

    again = open_form(qtbot, context_for(coordinator), subject_id, "SE.SCR", "DM")
    assert again.lock_banner.text.text() == banner and not again.save_button.isEnabled()


@pytest.mark.req("REQ-DQ-04")
def test_the_banner_is_chinese_in_chinese(qtbot, team, context_for):
    coordinator, dm = team["coordinator"], team["datamanager"]
    subject_id = enrol_one(coordinator)
    workflow.freeze_subject(dm, subject_id)
    view = open_form(qtbot, context_for(coordinator, "zh"), subject_id, "SE.SCR", "DM")
    assert CJK.search(view.lock_banner.text.text())
    assert "frozen" not in view.lock_banner.text.text()
    casebook = make_view(qtbot, context_for(dm, "zh"), subject_id)
    assert "已冻结" in casebook.state_bar.label.text()
    assert CJK.search(casebook.state_bar.buttons["unfreeze"].text())


# ---- the database -----------------------------------------------------------------------------
@pytest.mark.req("REQ-DQ-04", "REQ-AT-06")
def test_database_lock_from_the_main_menu(qtbot, team, context_for, monkeypatch):
    coordinator, dm = team["coordinator"], team["datamanager"]
    subject_id = enrol_one(coordinator)
    window = open_window(qtbot, context_for(dm))
    assert window.menu_data.menuAction().isVisible()
    assert window.act_lock_db.isEnabled() and not window.act_unlock_db.isEnabled()
    assert not window.status_db_lock.isVisibleTo(window)

    confirm_answer(monkeypatch, False)
    window.act_lock_db.trigger()
    assert not workflow.is_database_locked(dm)
    asked: list = []
    confirm_answer(monkeypatch, True, asked)
    window.act_lock_db.trigger()
    assert asked and "Lock the whole database" in asked[0]
    assert workflow.is_database_locked(dm)
    assert window.status_db_lock.isVisibleTo(window)
    assert window.act_unlock_db.isEnabled() and not window.act_lock_db.isEnabled()

    # the site: no menu, but the lock is shown and a form opens read-only
    site = open_window(qtbot, context_for(coordinator))
    assert not site.menu_data.menuAction().isVisible()
    assert not site.act_lock_db.isEnabled() and not site.act_unlock_db.isEnabled()
    assert site.status_db_lock.isVisibleTo(site)
    site.open_subject(subject_id)
    site.open_form("SE.SCR", 1, "DM")
    assert "the database is locked" in site.form_view.lock_banner.text.text()
    assert "database locked" in site.casebook.state_bar.label.text()

    reason_answer(monkeypatch, None)
    window.act_unlock_db.trigger()
    assert workflow.is_database_locked(dm)
    reason_answer(monkeypatch, "end of the interim analysis")
    window.act_unlock_db.trigger()
    assert not workflow.is_database_locked(dm)
    assert not window.status_db_lock.isVisibleTo(window)
    assert audit_entries(dm, action="DATABASE_UNLOCKED")[-1].reason_text == (
        "end of the interim analysis")  # fmt: skip


@pytest.mark.req("REQ-DQ-04")
def test_a_step_the_service_refuses_shows_its_message(qtbot, team, context_for, monkeypatch):
    dm = team["datamanager"]
    subject_id = complete_dm(team["coordinator"])
    view = make_view(qtbot, context_for(dm), subject_id)
    menu = view.form_menu_for(form_item(view, *DM))
    workflow.lock_database(dm)  # since the menu was built
    shown = capture_errors(monkeypatch)
    menu.actions()[0].trigger()
    assert len(shown) == 1 and isinstance(shown[0], workflow.DatabaseLocked)
    assert status_of(dm, subject_id) == FormStatus.COMPLETE


# ---- the subject list -------------------------------------------------------------------------
@pytest.mark.req("REQ-DQ-04")
def test_subject_list_shows_the_data_state_and_the_data_managers_menu(
        qtbot, team, context_for):  # fmt: skip
    coordinator, dm = team["coordinator"], team["datamanager"]
    first = enrol_one(coordinator)
    second = enrol_one(coordinator)
    third = enrol_one(coordinator)
    workflow.freeze_subject(dm, second)
    workflow.lock_subject(dm, third)

    view = SubjectListView(context_for(dm))
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=15000):
        view.refresh()
    model = view.model
    states = {row.key: model.index(i, Column.DATA_STATE).data()
              for i, row in enumerate(model.rows)}  # fmt: skip
    assert states == {first: "Open", second: "Frozen", third: "Locked"}
    locked_row = next(i for i, row in enumerate(model.rows) if row.key == third)
    assert model.index(locked_row, Column.DATA_STATE).data(1) is not None  # the lock mark

    assert view.select_key(second)
    assert menu_actions(view.subject_menu()) == {
        "subject_freeze": False, "subject_unfreeze": True, "subject_lock": True,
        "subject_unlock": False}  # fmt: skip
    assert view.select_key(first)
    freeze = next(a for a in view.subject_menu().actions() if a.objectName() == "subject_freeze")
    with qtbot.waitSignal(view.loaded, timeout=15000):  # the list reads its rows again
        freeze.trigger()
    assert workflow.subject_state(dm, first) == "FROZEN"
    assert {row.key: row.data_state for row in view.model.rows}[first] == "FROZEN"

    site = SubjectListView(context_for(coordinator))
    qtbot.addWidget(site)
    site.show()
    with qtbot.waitSignal(site.loaded, timeout=15000):
        site.refresh()
    assert site.select_key(first)
    assert site.subject_menu() is None  # no freeze / lock for the site
