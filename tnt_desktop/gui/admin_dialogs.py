"""The administrator's account dialogs: a new account and a password reset. Both show every
password rule at once, live (gui/password_rules.py), and do the slow part (the key derivation
of the new key slot) off the GUI thread behind a busy dialog (gui/tasks.run_busy). A refusal
from the services (user exists, a rule, a deactivated account) shows in the dialog, which stays
open with what was typed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.errors import TntError
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.errors import error_text
from tnt_desktop.gui.form.item_widgets import HARD_COLOUR
from tnt_desktop.gui.password_rules import PasswordRules
from tnt_desktop.gui.tasks import run_busy
from tnt_desktop.services import auth
from tnt_desktop.services.permissions import ROLE_LABELS, Role


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class _AccountDialog(QDialog):
    def __init__(self, context: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setMinimumWidth(460)
        self.layout_ = QVBoxLayout(self)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.layout_.addLayout(self.form)
        self.password = _password_edit()
        self.password.setObjectName("temporaryPassword")
        self.again = _password_edit()
        self.again.setObjectName("temporaryAgain")
        self.rules = PasswordRules(context.lang, self)
        self.message = QLabel(self)
        self.message.setObjectName("messageLabel")
        self.message.setWordWrap(True)
        palette = self.message.palette()
        palette.setColor(self.message.foregroundRole(), HARD_COLOUR)
        self.message.setPalette(palette)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        for edit in (self.password, self.again):
            edit.textChanged.connect(self._update)

    def _finish_layout(self) -> None:
        self.form.addRow(self.tr("Temporary password"), self.password)
        self.form.addRow(self.tr("Repeat it"), self.again)
        self.layout_.addWidget(self.rules)
        note = QLabel(self.tr("Give the temporary password to the person privately; they "
                              "choose their own at their first sign-in."))  # fmt: skip
        note.setWordWrap(True)
        self.layout_.addWidget(note)
        self.layout_.addWidget(self.message)
        self.layout_.addWidget(self.buttons)
        self._update()

    def username(self) -> str:
        raise NotImplementedError

    def _update(self, *_args: object) -> None:
        ok = self.rules.update_for(self.username(), self.password.text(), self.again.text())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            ok and bool(self.username()))

    def _work(self) -> None:
        raise NotImplementedError

    def _accept(self) -> None:
        self._update()
        if not self.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled():
            return
        try:
            run_busy(self, self.tr("Saving the account…"), self._work)
        except TntError as exc:
            self.message.setText(error_text(exc))
            return
        self.accept()


class NewUserDialog(_AccountDialog):
    """User name, display name, role and a temporary password."""

    def __init__(self, context: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("newUserDialog")
        self.setWindowTitle(self.tr("New user account"))
        self.user = QLineEdit()
        self.user.setObjectName("newUsername")
        self.user.setMaxLength(32)
        self.user.setPlaceholderText(self.tr("letters, digits, . _ -"))
        self.display = QLineEdit()
        self.display.setObjectName("newDisplayName")
        self.display.setMaxLength(80)
        self.role = QComboBox()
        self.role.setObjectName("newRole")
        for role in Role:
            self.role.addItem(context.text(ROLE_LABELS[role]), role.value)
        self.role.setCurrentIndex(self.role.findData(Role.COORDINATOR.value))
        self.form.addRow(self.tr("User name"), self.user)
        self.form.addRow(self.tr("Full name"), self.display)
        self.form.addRow(self.tr("Role"), self.role)
        self.user.textChanged.connect(self._update)
        self._finish_layout()

    def username(self) -> str:
        return self.user.text().strip()

    def _work(self) -> None:
        auth.add_user(self.context.session, self.username(), self.role.currentData(),
                      self.password.text(), self.display.text().strip() or None)  # fmt: skip


class ResetPasswordDialog(_AccountDialog):
    """A new temporary password for an account (after checking who asks)."""

    def __init__(self, context: GuiContext, username: str, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.setObjectName("resetPasswordDialog")
        self._username = username
        self.setWindowTitle(self.tr("Reset password"))
        intro = QLabel(self.tr("Reset the password of {user}. Check who is asking first; the "
                               "account must choose a new password at its next sign-in, and a "
                               "lock-out is lifted.").format(user=username))  # fmt: skip
        intro.setWordWrap(True)
        self.layout_.insertWidget(0, intro)
        self._finish_layout()

    def username(self) -> str:
        return self._username

    def _work(self) -> None:
        auth.reset_password(self.context.session, self._username, self.password.text())
