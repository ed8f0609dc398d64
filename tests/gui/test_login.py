"""The login screen: clear messages, the demo credentials, the language switch."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.core.conftest import ADMIN, ADMIN_PASSWORD
from tnt_desktop.gui.login import LoginDialog


def test_wrong_password_says_so_and_keeps_the_dialog_open(qtbot, trial, translations):
    dialog = LoginDialog(trial.path, translations, username=ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.ui.passwordEdit, "Not-The-Password-1")
    qtbot.keyClick(dialog.ui.passwordEdit, Qt.Key.Key_Return)
    assert dialog.session is None and dialog.isVisible()
    assert "wrong user name or password" in dialog.ui.messageLabel.text()
    assert dialog.ui.passwordEdit.text() == ""


def test_right_password_opens_a_session(qtbot, trial, translations):
    dialog = LoginDialog(trial.path, translations, username=ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.ui.passwordEdit, ADMIN_PASSWORD)
    qtbot.keyClick(dialog.ui.passwordEdit, Qt.Key.Key_Return)
    assert dialog.session is not None and dialog.session.username == ADMIN
    dialog.session.db.close()


def test_damaged_database_message(qtbot, trial, translations):
    data = bytearray(trial.path.read_bytes())
    data[5000:9000] = b"\0" * 4000
    trial.path.write_bytes(bytes(data))
    dialog = LoginDialog(trial.path, translations, username=ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.ui.passwordEdit, ADMIN_PASSWORD)
    qtbot.keyClick(dialog.ui.passwordEdit, Qt.Key.Key_Return)
    assert "damaged" in dialog.ui.messageLabel.text() and dialog.session is None


def test_demo_credentials_and_chinese(qtbot, trial, translations):
    dialog = LoginDialog(trial.path, translations, demo_password="Demo-xyz-123")
    qtbot.addWidget(dialog)
    dialog.show()
    assert "Demo-xyz-123" in dialog.ui.demoLabel.text()
    dialog.ui.languageCombo.setCurrentIndex(0)  # 中文
    assert translations.lang == "zh"
    qtbot.keyClicks(dialog.ui.userEdit, "nobody")
    qtbot.keyClicks(dialog.ui.passwordEdit, "Whatever-123")
    qtbot.keyClick(dialog.ui.passwordEdit, Qt.Key.Key_Return)
    assert "用户名或密码错误" in dialog.ui.messageLabel.text()
