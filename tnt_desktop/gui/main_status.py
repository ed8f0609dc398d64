"""The main window's status bar: the database lock mark, user, site, database, last backup,
the "export due" indicator (only for a role that may export) and the idle-lock countdown. A part
of `MainWindow` (gui/main_window.py); its texts keep the window's translation context."""

from __future__ import annotations

from datetime import UTC

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QLabel,
)

from tnt_desktop.errors import PermissionDenied, TntError
from tnt_desktop.gui.workflow_actions import LOCK_COLOUR
from tnt_desktop.services import backups
from tnt_desktop.services.permissions import Permission, allowed

translate = QCoreApplication.translate  # the texts keep the context "MainWindow"


class MainStatusBar:
    """Mixin of `MainWindow`: see the module docstring."""

    def _build_status_bar(self) -> None:
        self.status_user = QLabel()
        self.status_site = QLabel()
        self.status_db = QLabel()
        self.status_backup = QLabel()
        self.status_export = QLabel()
        self.status_idle = QLabel()
        self.status_db_lock = QLabel()
        palette = self.status_db_lock.palette()
        palette.setColor(QPalette.ColorRole.WindowText, LOCK_COLOUR)
        self.status_db_lock.setPalette(palette)
        self.status_db_lock.hide()
        for name, label in (("statusDatabaseLock", self.status_db_lock),
                            ("statusUser", self.status_user), ("statusSite", self.status_site),
                            ("statusDatabase", self.status_db),
                            ("statusBackup", self.status_backup),
                            ("statusExport", self.status_export),
                            ("statusIdle", self.status_idle)):  # fmt: skip
            label.setObjectName(name)
            self.statusBar().addPermanentWidget(label)
        from tnt_desktop.gui.subject_table import OVERDUE_TEXT

        self._export_palettes = (QPalette(self.status_export.palette()),
                                 QPalette(self.status_export.palette()))  # (normal, due)
        self._export_palettes[1].setColor(QPalette.ColorRole.WindowText, OVERDUE_TEXT)
        # only whoever can make the export is told it is due (issue 16)
        self._export_due_shown = allowed(self.session.role, Permission.EXPORT)
        self.status_export.setVisible(self._export_due_shown)

    def _update_backup_label(self) -> None:
        last = None
        try:
            last = backups.last_backup_utc(self.session)
        except Exception:
            last = None
        if last is None:
            self.status_backup.setText(translate("MainWindow", "Last backup: none"))
        else:
            local = last.replace(tzinfo=UTC).astimezone() if last.tzinfo is None else last
            self.status_backup.setText(
                translate("MainWindow",
                          "Last backup: {when}").format(when=local.strftime("%Y-%m-%d %H:%M"))
            )

    def update_export_due(self) -> None:
        """The status-bar indicator: red "Export due since …" or "Next export …" (hidden for a
        role that may not read it)."""
        label = self.status_export
        if not self._export_due_shown:
            return
        from tnt_desktop.services.export_settings import export_due

        try:
            due = export_due(self.session, self.context.today())
        except PermissionDenied:
            self._export_due_shown = False
            label.hide()
            return
        except TntError:
            return  # keep what it said; the next refresh tries again
        if due and due.last_utc is None:
            text = translate("MainWindow", "Export due: none made yet")
        elif due:
            text = translate("MainWindow",
                             "Export due since {date}").format(date=due.since.isoformat())
        else:
            text = translate("MainWindow", "Next export {date}").format(date=due.since.isoformat())
        label.setText(text)
        label.setPalette(self._export_palettes[1 if due else 0])
        tip = due.message().get(self.context.lang)
        label.setToolTip(tip[:1].upper() + tip[1:])

    def update_database_lock(self) -> None:
        """The status-bar mark of a locked database and the Lock / Unlock actions."""
        from tnt_desktop.services.workflow import is_database_locked

        try:
            locked = is_database_locked(self.session)
        except TntError:
            return
        self.status_db_lock.setText("■ " + translate("MainWindow", "Database locked"))
        self.status_db_lock.setToolTip(translate("MainWindow",
                                                 "No data can change until a data manager unlocks "
                                                 "the database with a reason."))  # fmt: skip
        self.status_db_lock.setVisible(locked)
        self.act_lock_db.setEnabled(self.workflow.can_lock and not locked)
        self.act_unlock_db.setEnabled(self.workflow.can_lock and locked)

    def _update_idle_label(self, seconds: int) -> None:
        minutes, secs = divmod(max(0, seconds), 60)
        self.status_idle.setText(translate("MainWindow",
                                           "Locks in {m}:{s:02d}").format(m=minutes, s=secs))
