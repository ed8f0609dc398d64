"""Issue 16: the administrator's first day in the GUI — accounts, consent versions, backups,
export settings and "Verify database"; the admin's home is this, not clinical cards."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from tests.core.conftest import PASSWORD
from tnt_desktop.errors import WrongPassword
from tnt_desktop.services import auth

TEMP = "Start-Here-4821"


def _fill_new_user(username: str, role: str, temporary: str = TEMP, again: str | None = None):
    def fill(dialog) -> int:
        dialog.user.setText(username)
        dialog.display.setText(username.title())
        dialog.role.setCurrentIndex(dialog.role.findData(role))
        dialog.password.setText(temporary)
        dialog.again.setText(temporary if again is None else again)
        dialog.buttons.accepted.emit()  # OK: the dialog saves through the services itself
        return int(dialog.result())

    return fill


def test_the_admin_creates_a_coordinator_and_an_investigator_who_can_log_in(
        qtbot, trial, context_for, monkeypatch):  # fmt: skip
    from tnt_desktop.gui.admin_dialogs import NewUserDialog
    from tnt_desktop.gui.main_window import MainWindow

    window = MainWindow(context_for(trial.admin))
    qtbot.addWidget(window)
    admin_home = window.dashboard
    assert type(admin_home).__name__ == "AdminView"  # not the clinical dashboard
    assert not window.act_subjects.isVisible() and not window.status_export.isVisibleTo(window)
    users = admin_home.users
    for name, role in (("li.na", "coordinator"), ("wang.wei", "investigator")):
        monkeypatch.setattr(NewUserDialog, "exec", _fill_new_user(name, role))
        assert users.add_user()
    listed = {u["username"]: u for u in users.users}
    assert listed["li.na"]["role"] == "coordinator" and listed["li.na"]["must_change_password"]
    assert listed["wang.wei"]["role"] == "investigator"
    assert users.table.rowCount() == 3
    for name, role in (("li.na", "coordinator"), ("wang.wei", "investigator")):
        app = trial.login(name, TEMP)
        assert app.role == role and app.must_change_password
        auth.change_password(app, TEMP, PASSWORD)
        assert trial.login(name, PASSWORD).role == role
    with pytest.raises(WrongPassword):
        trial.login("li.na", "Wrong-Pass-000")


def test_password_rules_show_together_and_live(qtbot, trial, context_for):
    from tnt_desktop.gui.admin_dialogs import NewUserDialog

    dialog = NewUserDialog(context_for(trial.admin))
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    dialog.user.setText("zhao")
    dialog.password.setText("zhao")
    text = dialog.rules.text()
    assert text.count("○") == 4  # four rules (length, name, kinds, variety) and "the same"
    assert "at least 10 characters" in text and "not the user name" in text
    assert not ok.isEnabled()
    dialog.password.setText("Long-enough-77")
    assert dialog.rules.text().count("✓") == 4 and not ok.isEnabled()  # not repeated yet
    dialog.again.setText("Long-enough-78")
    assert "differ" in dialog.rules.text() and not ok.isEnabled()
    dialog.again.setText("Long-enough-77")
    assert ok.isEnabled()


def test_a_refused_account_keeps_the_dialog_open_with_the_reason(qtbot, trial, context_for):
    from tnt_desktop.gui.admin_dialogs import NewUserDialog

    dialog = NewUserDialog(context_for(trial.admin))
    qtbot.addWidget(dialog)
    _fill_new_user("admin", "coordinator")(dialog)  # the administrator's own name: exists
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "already exists" in dialog.message.text()


def test_reset_role_and_deactivate_from_the_users_tab(qtbot, trial, context_for, monkeypatch):
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    from tnt_desktop.gui.admin_dialogs import ResetPasswordDialog
    from tnt_desktop.gui.admin_view import AdminView

    trial.add_user("coordinator", "nurse")
    view = AdminView(context_for(trial.admin))
    qtbot.addWidget(view)
    users = view.users
    users.table.selectRow([u["username"] for u in users.users].index("nurse"))

    def reset(dialog) -> int:
        dialog.password.setText("Fresh-Start-93")
        dialog.again.setText("Fresh-Start-93")
        dialog.buttons.accepted.emit()
        return int(dialog.result())

    monkeypatch.setattr(ResetPasswordDialog, "exec", reset)
    assert users.reset_password()
    assert trial.login("nurse", "Fresh-Start-93").must_change_password
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(
        lambda *a, **k: ("Monitor", True)))  # fmt: skip
    users.change_role()
    assert {u["username"]: u["role"] for u in users.users}["nurse"] == "monitor"
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    users.deactivate()
    assert not {u["username"]: u["active"] for u in users.users}["nurse"]
    with pytest.raises(Exception):  # noqa: B017 - deactivated: no key slot any more
        trial.login("nurse", "Fresh-Start-93")


def test_settings_and_verify_database(qtbot, trial, context_for, tmp_path):
    from tnt_desktop.gui.admin_view import AdminView
    from tnt_desktop.services import backups, export_settings

    view = AdminView(context_for(trial.admin))
    qtbot.addWidget(view)
    view.backup.folder.setText(str(tmp_path / "usb"))
    view.backup.keep.setValue(7)
    assert view.backup.save()
    assert backups.backup_settings(trial.admin) == ((tmp_path / "usb").absolute(), 7)
    view.export.every.setValue(14)
    assert view.export.save_schedule()
    assert export_settings.export_settings(trial.admin).every_days == 14
    assert view.verify.verify() is True
    assert "audit trail verified" in view.verify.report.toPlainText()


def test_the_wizard_ticks_the_rules_and_creates_the_database_off_the_gui_thread(
        qtbot, tmp_path):  # fmt: skip
    from tnt_desktop.gui.setup_wizard import SetupWizard

    wizard = SetupWizard(tmp_path / "new.db", "en")
    qtbot.addWidget(wizard)
    page = wizard.page(wizard.pageIds()[1])
    page.username.setText("boss")
    page.password.setText("boss-short")
    assert not page.isComplete() and "○" in page.rules.text()
    page.password.setText("Chief-Key-2024!")
    page.again.setText("Chief-Key-2024!")
    assert page.isComplete()
    assert page.validatePage(), page.message.text()
    app = auth.login(tmp_path / "new.db", "boss", "Chief-Key-2024!")
    assert app.role == "admin"
    app.db.close()


def test_the_admin_lists_and_adds_a_consent_version(qtbot, trial, context_for, monkeypatch):
    from datetime import date

    from PySide6.QtCore import QDate

    from tnt_desktop.gui.admin_view import ConsentVersionDialog
    from tnt_desktop.services import consent_versions

    view_context = context_for(trial.admin)
    from tnt_desktop.gui.admin_view import AdminView

    view = AdminView(view_context)
    qtbot.addWidget(view)
    consent = view.consent
    before = consent.table.rowCount()
    assert before == len(consent_versions.list_versions(trial.admin))

    def fill(dialog) -> int:
        dialog.label.setText("V2.0")
        dialog.version.setDate(QDate(2025, 3, 1))
        dialog.approval.setDate(QDate(2025, 3, 20))
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(ConsentVersionDialog, "exec", fill)
    assert consent.add_version()
    assert consent.table.rowCount() == before + 1
    added = next(v for v in consent_versions.list_versions(trial.admin) if v.label == "V2.0")
    assert (added.version_date, added.approval_date) == (date(2025, 3, 1), date(2025, 3, 20))
    shown = [consent.table.item(r, 0).text() for r in range(consent.table.rowCount())]
    assert "V2.0" in shown


def test_the_site_key_goes_to_a_file_for_the_sponsor(qtbot, trial, context_for, tmp_path):
    from tnt_desktop.gui.admin_view import AdminView
    from tnt_desktop.services import trust

    view = AdminView(context_for(trial.admin))
    qtbot.addWidget(view)
    out = tmp_path / "site.asc"
    assert view.export.write_site_key(out)
    text = out.read_text(encoding="utf-8")
    assert text == trust.site_pgp_public(trial.admin)
    assert "BEGIN PGP PUBLIC KEY BLOCK" in text and "PRIVATE" not in text
    assert not view.export.write_site_key(tmp_path / "missing" / "site.asc")
    assert "Cannot write" in view.export.status.text()
