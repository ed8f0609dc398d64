"""The login screen: clear messages for a wrong password, a locked account, a damaged database;
the demo credentials when running on the demo database; the language switch."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from tnt_desktop.errors import PasswordRejected, TntError
from tnt_desktop.gui.i18n import Translations
from tnt_desktop.gui.styles import apply_style
from tnt_desktop.gui.ui_login import Ui_LoginDialog

if TYPE_CHECKING:
    from tnt_desktop.services.session import AppSession

WARM_UP_DELAY_MS = 200  # nobody types a password faster


def warm_up_services() -> threading.Thread:
    """Import the services (SQLAlchemy, SQLCipher, the study definition) in a worker thread while
    the user types: the login window shows without waiting for them (issue 4 benchmark)."""

    def load() -> None:
        import tnt_desktop.services.auth  # noqa: F401
        from tnt_desktop.study.definition import get_study

        get_study()

    thread = threading.Thread(target=load, name="warm-up", daemon=True)
    thread.start()
    return thread


class LoginDialog(QDialog):
    """Returns an AppSession in `self.session` when accepted."""

    def __init__(
        self, db_path: Path, translations: Translations, *, username: str = "",
        demo_password: str | None = None, parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.translations = translations
        self.demo_password = demo_password
        self.session: AppSession | None = None
        self.ui = Ui_LoginDialog()
        self.ui.setupUi(self)
        self.setObjectName("loginDialog")
        apply_style(self)
        self.ui.languageCombo.addItem("中文", "zh")
        self.ui.languageCombo.addItem("English", "en")
        self.ui.languageCombo.setCurrentIndex(0 if translations.lang == "zh" else 1)
        self.ui.languageCombo.currentIndexChanged.connect(self._language_changed)
        # Two push buttons, not a QDialogButtonBox: that class makes PySide6 build the whole
        # `Qt` namespace (~20 ms) before the first window can show (issue 4's benchmark).
        self.ui.signInButton.clicked.connect(self._try_login)
        self.ui.cancelButton.clicked.connect(self.reject)
        self.ui.userEdit.setText(username)
        (self.ui.passwordEdit if username else self.ui.userEdit).setFocus()
        self._retranslate()
        self._warmed = False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._warmed:  # after the first paint: the thread would compete for the GIL
            self._warmed = True
            QTimer.singleShot(WARM_UP_DELAY_MS, self._after_first_paint)

    def _after_first_paint(self) -> None:
        """What can wait until the window is on screen: the `Qt` namespace alone costs ~20 ms."""
        from PySide6.QtCore import Qt

        for label in (self.ui.databaseLabel, self.ui.demoLabel):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        warm_up_services()

    # ---- language ----------------------------------------------------------------------------
    def _language_changed(self) -> None:
        self.translations.install(self.ui.languageCombo.currentData())
        self._retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.ui.retranslateUi(self)
            self._retranslate()
        super().changeEvent(event)

    def _retranslate(self) -> None:
        self.ui.databaseLabel.setText(self.tr("Database: {path}").format(path=self.db_path))
        if self.demo_password:
            self.ui.demoLabel.setText(
                self.tr("Demo database (synthetic data). Accounts: admin, coordinator, "
                        "investigator, monitor, datamanager — password: {password}")
                .format(password=self.demo_password)
            )  # fmt: skip
        else:
            self.ui.demoLabel.hide()

    # ---- login -------------------------------------------------------------------------------
    def _try_login(self) -> None:
        username = self.ui.userEdit.text().strip()
        password = self.ui.passwordEdit.text()
        if not username or not password:
            self._show_message(self.tr("Enter your user name and password."))
            return
        from PySide6.QtCore import Qt

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            from tnt_desktop.services import auth

            session = auth.login(self.db_path, username, password)
        except TntError as exc:
            self.ui.passwordEdit.clear()
            self._show_message(exc.message.get(self.translations.lang))
            return
        finally:
            QApplication.restoreOverrideCursor()
        if session.must_change_password:
            from tnt_desktop.gui.password_dialog import PasswordDialog

            dialog = PasswordDialog(session, self.translations.lang, forced=True, parent=self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                session.db.close()
                self._show_message(self.tr("You must choose a new password to continue."))
                return
        self.session = session
        self.accept()

    def _show_message(self, text: str) -> None:
        self.ui.messageLabel.setText(text)
        self.ui.messageLabel.setProperty("error", True)
        self.ui.messageLabel.style().polish(self.ui.messageLabel)


__all__ = ["LoginDialog", "PasswordRejected"]
