"""First run: create the encrypted database and the first administrator, and say where the
database and its backups live."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from tnt_desktop.errors import TntError
from tnt_desktop.gui.password_rules import PasswordRules
from tnt_desktop.gui.styles import apply_style
from tnt_desktop.gui.tasks import run_busy
from tnt_desktop.services import auth
from tnt_desktop.services.passwords import check_password


class _WelcomePage(QWizardPage):
    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.setTitle(self.tr("Welcome to TNT Desktop"))
        text = QLabel(
            self.tr(
                "This workstation has no TNT-STS database yet. The wizard creates an encrypted "
                "database and its first administrator.\n\nDatabase: {db}\nKey file: {keys}\n"
                "Backups: {backups}\n\nKeep the database and its key file together. The "
                "administrator can move backups to another folder (a USB drive, say) later."
            ).format(db=db_path, keys=f"{db_path}.keys", backups=db_path.parent / "backups")
        )
        text.setWordWrap(True)
        text.setObjectName("locationsLabel")
        layout = QVBoxLayout(self)
        layout.addWidget(text)


class _AdminPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setTitle(self.tr("Site and administrator"))
        self.site = QLineEdit("01")
        self.username = QLineEdit("admin")
        self.password = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.again = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("messageLabel")
        form = QFormLayout(self)
        form.addRow(self.tr("Site number"), self.site)
        form.addRow(self.tr("Administrator user name"), self.username)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Repeat password"), self.again)
        self.rules = PasswordRules(wizard.lang, self)  # every rule at once, live (issue 16)
        form.addRow(self.rules)
        form.addRow(self.message)
        for edit in (self.site, self.username, self.password, self.again):
            edit.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:
        met = self.rules.update_for(self.username.text().strip(), self.password.text(),
                                    self.again.text())  # fmt: skip
        return met and all(e.text() for e in (self.site, self.username))

    def validatePage(self) -> bool:
        if self.password.text() != self.again.text():
            self.message.setText(self.tr("The passwords do not match."))
            return False
        try:
            check_password(self.username.text().strip(), self.password.text())
            site, user, password = (self.site.text().strip(), self.username.text().strip(),
                                    self.password.text())  # fmt: skip
            run_busy(self, self.tr("Creating the encrypted database…"),
                     lambda: auth.initialise(self.wizard_.db_path, site_id=site,
                                             admin_username=user, admin_password=password))
        except TntError as exc:
            self.message.setText(exc.message.get(self.wizard_.lang))
            return False
        self.wizard_.admin_username = self.username.text().strip()
        return True


class SetupWizard(QWizard):
    def __init__(self, db_path: Path, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        apply_style(self)
        self.setObjectName("setupWizard")
        self.db_path, self.lang = Path(db_path), lang
        self.admin_username = ""
        self.setWindowTitle(self.tr("TNT Desktop — first run"))
        self.addPage(_WelcomePage(self.db_path))
        self.addPage(_AdminPage(self))
