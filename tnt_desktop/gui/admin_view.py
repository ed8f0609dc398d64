"""The administrator's home (issue 16): what an administrator does, not clinical cards an
administrator may not read. Tabs: user accounts (add, reset password, change role, deactivate),
consent versions (list, add), backups (folder, how many to keep, back up now), the sponsor
export (schedule, the sponsor's public key, the site's public key for the sponsor) and "Verify
database" with its report.

Everything goes through the services (auth, consent_versions, backups, export_settings,
integrity), each audited there; slow steps (a key slot's key derivation, a backup, the
verification) run off the GUI thread behind a busy indicator.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QEvent, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.errors import TntError
from tnt_desktop.gui.admin_data_tabs import BackupTab, ExportTab, VerifyTab
from tnt_desktop.gui.admin_dialogs import NewUserDialog, ResetPasswordDialog
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.errors import error_text, show_error
from tnt_desktop.services import auth
from tnt_desktop.services.permissions import ROLE_LABELS, Role


def consent_service() -> Any:
    """services.consent_versions when this build has it (None otherwise)."""
    try:
        from tnt_desktop.services import consent_versions
    except ImportError:
        return None
    return consent_versions


def _table(columns: int, name: str) -> QTableWidget:
    table = QTableWidget(0, columns)
    table.setObjectName(name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


class UsersTab(QWidget):
    changed = Signal()

    def __init__(self, context: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.users: list[dict[str, object]] = []
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = _table(4, "usersTable")
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("addUser")
        self.reset_button = QPushButton(self)
        self.reset_button.setObjectName("resetPassword")
        self.role_button = QPushButton(self)
        self.role_button.setObjectName("changeRole")
        self.deactivate_button = QPushButton(self)
        self.deactivate_button.setObjectName("deactivateUser")
        self.add_button.clicked.connect(self.add_user)
        self.reset_button.clicked.connect(self.reset_password)
        self.role_button.clicked.connect(self.change_role)
        self.deactivate_button.clicked.connect(self.deactivate)
        for button in (self.add_button, self.reset_button, self.role_button,
                       self.deactivate_button):  # fmt: skip
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.retranslate()

    def retranslate(self) -> None:
        self.intro.setText(self.tr("Each person has their own account. A new account starts "
                                   "with a temporary password the person replaces at the first "
                                   "sign-in."))  # fmt: skip
        self.table.setHorizontalHeaderLabels([self.tr("User name"), self.tr("Full name"),
                                              self.tr("Role"), self.tr("Status")])  # fmt: skip
        self.add_button.setText(self.tr("&New user…"))
        self.reset_button.setText(self.tr("&Reset password…"))
        self.role_button.setText(self.tr("Change r&ole…"))
        self.deactivate_button.setText(self.tr("&Deactivate…"))
        self.refresh()

    def refresh(self) -> None:
        try:
            self.users = auth.list_users(self.context.session)
        except TntError as exc:
            self.intro.setText(error_text(exc))
            return
        self.table.setRowCount(len(self.users))
        for index, user in enumerate(self.users):
            role = ROLE_LABELS.get(Role(str(user["role"])))
            if not user["active"]:
                status = self.tr("Deactivated")
            elif user["must_change_password"]:
                status = self.tr("Active — must choose a password at next sign-in")
            else:
                status = self.tr("Active")
            cells = (str(user["username"]), str(user["display_name"]),
                     self.context.text(role), status)  # fmt: skip
            for column, text in enumerate(cells):
                self.table.setItem(index, column, QTableWidgetItem(text))
        self._update_buttons()

    def selected(self) -> dict[str, object] | None:
        row = self.table.currentRow()
        return self.users[row] if 0 <= row < len(self.users) else None

    def _update_buttons(self) -> None:
        user = self.selected()
        own = user is not None and user["username"] == self.context.session.username
        active = user is not None and bool(user["active"])
        self.reset_button.setEnabled(active)
        self.role_button.setEnabled(active and not own)
        self.deactivate_button.setEnabled(active and not own)

    def add_user(self) -> bool:
        dialog = NewUserDialog(self.context, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self.refresh()
        self.changed.emit()
        return True

    def reset_password(self) -> bool:
        user = self.selected()
        if user is None:
            return False
        dialog = ResetPasswordDialog(self.context, str(user["username"]), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self.refresh()
        return True

    def change_role(self) -> None:
        user = self.selected()
        if user is None:
            return
        labels = [self.context.text(ROLE_LABELS[r]) for r in Role]
        current = [r.value for r in Role].index(str(user["role"]))
        text, ok = QInputDialog.getItem(self, self.tr("Change role"),
                                        self.tr("New role of {user}:").format(
                                            user=user["username"]),
                                        labels, current, False)  # fmt: skip
        if not ok:
            return
        role = list(Role)[labels.index(text)]
        try:
            auth.change_role(self.context.session, str(user["username"]), role.value)
        except TntError as exc:
            show_error(self, exc)
        self.refresh()

    def deactivate(self) -> None:
        user = self.selected()
        if user is None:
            return
        answer = QMessageBox.question(
            self, self.tr("Deactivate account"),
            self.tr("Deactivate {user}? The account can no longer open the database; its "
                    "entries and signatures stay in the audit trail.").format(
                user=user["username"]),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            auth.deactivate_user(self.context.session, str(user["username"]))
        except TntError as exc:
            show_error(self, exc)
        self.refresh()


class ConsentTab(QWidget):
    def __init__(self, context: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.service = consent_service()
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = _table(3, "consentTable")
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("addConsentVersion")
        self.add_button.clicked.connect(self.add_version)
        self.add_button.setEnabled(self.service is not None)
        row.addWidget(self.add_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.retranslate()

    def retranslate(self) -> None:
        if self.service is None:
            self.intro.setText(self.tr("Consent versions cannot be managed in this build."))
        else:
            self.intro.setText(self.tr("The informed-consent versions the ethics committee "
                                       "approved; F01 offers them."))  # fmt: skip
        self.table.setHorizontalHeaderLabels([self.tr("Version"), self.tr("Version date"),
                                              self.tr("Approved on")])  # fmt: skip
        self.add_button.setText(self.tr("&Add version…"))
        self.refresh()

    def refresh(self) -> None:
        if self.service is None:
            return
        try:
            versions = list(self.service.list_versions(self.context.session))
        except TntError as exc:
            self.intro.setText(error_text(exc))
            return
        self.table.setRowCount(len(versions))
        for index, version in enumerate(versions):
            cells = [_field(version, "label"), _field(version, "version_date"),
                     _field(version, "approval_date")]  # fmt: skip
            for column, text in enumerate(cells):
                self.table.setItem(index, column, QTableWidgetItem(text))

    def add_version(self) -> bool:
        if self.service is None:
            return False
        dialog = ConsentVersionDialog(self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                self.service.add_version(self.context.session, dialog.label.text().strip(),
                                         dialog.version_date(), dialog.approval_date())
            except TntError as exc:
                dialog.message.setText(error_text(exc))
                continue
            self.refresh()
            return True
        return False


def _field(value: object, name: str) -> str:
    found = value.get(name) if isinstance(value, dict) else getattr(value, name, "")
    if isinstance(found, date):
        return found.isoformat()
    return "" if found is None else str(found)


class ConsentVersionDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consentVersionDialog")
        self.setWindowTitle(self.tr("New consent version"))
        form = QFormLayout(self)
        self.label = QLineEdit()
        self.label.setObjectName("consentLabel")
        self.label.setPlaceholderText(self.tr("e.g. V2.0"))
        self.version = QDateEdit(QDate.currentDate())
        self.approval = QDateEdit(QDate.currentDate())
        for edit in (self.version, self.approval):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
        form.addRow(self.tr("Version"), self.label)
        form.addRow(self.tr("Version date"), self.version)
        form.addRow(self.tr("Ethics approval date"), self.approval)
        self.message = QLabel()
        self.message.setWordWrap(True)
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def version_date(self) -> date:
        return self.version.date().toPython()

    def approval_date(self) -> date:
        return self.approval.date().toPython()


class AdminView(QWidget):
    """The administrator's home: one tab per duty (see the module docstring)."""

    subjectActivated = Signal(str)  # never emitted: the shell connects it like the dashboard's

    def __init__(self, context: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adminView")
        self.context = context
        self.loading = False
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setObjectName("adminTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        layout.addWidget(self.title)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("adminTabs")
        self.users = UsersTab(context)
        self.consent = ConsentTab(context)
        self.backup = BackupTab(context)
        self.export = ExportTab(context)
        self.verify = VerifyTab(context)
        for tab in (self.users, self.consent, self.backup, self.export, self.verify):
            self.tabs.addTab(tab, "")
        layout.addWidget(self.tabs, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Administration — site {site}").format(
            site=self.context.session.db.site_id))  # fmt: skip
        for index, text in enumerate((self.tr("Users"), self.tr("Consent versions"),
                                      self.tr("Backups"), self.tr("Sponsor export"),
                                      self.tr("Verify database"))):  # fmt: skip
            self.tabs.setTabText(index, text)
        for tab in (self.users, self.consent, self.backup, self.export, self.verify):
            tab.retranslate()

    def refresh(self) -> None:
        for tab in (self.users, self.consent, self.backup):
            tab.refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
