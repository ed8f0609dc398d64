"""Change one's own password (forced after an administrator's reset)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.errors import TntError
from tnt_desktop.gui.password_rules import PasswordRules
from tnt_desktop.gui.styles import apply_style
from tnt_desktop.services import auth
from tnt_desktop.services.session import AppSession


class PasswordDialog(QDialog):
    def __init__(self, session: AppSession, lang: str, *, forced: bool = False,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        apply_style(self)
        self.setObjectName("passwordDialog")
        self.session, self.lang = session, lang
        self.setWindowTitle(self.tr("Change password"))
        self.old = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.new = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.again = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("Current password"), self.old)
        form.addRow(self.tr("New password"), self.new)
        form.addRow(self.tr("Repeat new password"), self.again)
        intro = QLabel(
            self.tr("An administrator reset your password: choose your own to continue.")
            if forced else self.tr("At least 10 characters, not your user name.")
        )  # fmt: skip
        intro.setWordWrap(True)
        self.rules = PasswordRules(lang, self)  # every rule at once, live (issue 16)
        for edit in (self.new, self.again):
            edit.textChanged.connect(
                lambda _t: self.rules.update_for(session.username, self.new.text(),
                                                 self.again.text()))  # fmt: skip
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("messageLabel")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        buttons.accepted.connect(self._change)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.rules)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _change(self) -> None:
        if self.new.text() != self.again.text():
            self.message.setText(self.tr("The new passwords do not match."))
            return
        try:
            auth.change_password(self.session, self.old.text(), self.new.text())
        except TntError as exc:
            self.message.setText(exc.message.get(self.lang))
            return
        self.accept()
