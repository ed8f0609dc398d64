"""The main window's commands: a new screening, backups (now and the daily one), the sponsor
export, a password change and About. A part of `MainWindow` (gui/main_window.py); its texts keep
the window's translation context."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QMessageBox,
)

from tnt_desktop import APP_NAME, __version__
from tnt_desktop.gui.errors import show_error
from tnt_desktop.services import backups, subjects
from tnt_desktop.services.permissions import Permission, allowed

translate = QCoreApplication.translate  # the texts keep the context "MainWindow"


class MainCommands:
    """Mixin of `MainWindow`: see the module docstring."""

    def new_screening(self) -> None:
        if not self.confirm_leave_form():
            return
        try:
            number = subjects.screen_subject(self.session)
        except Exception as exc:
            show_error(self, exc)
            return
        self.statusBar().showMessage(translate("MainWindow",
                                               "Screening {number} opened").format(number=number),
                                     5000)  # fmt: skip
        self.subject_list.refresh()
        self.open_subject(number)
        if self.casebook.select_form("SE.SCR", 1, "IE"):  # the first thing to fill in: F01
            self.open_form("SE.SCR", 1, "IE")

    def backup_now(self) -> None:
        def done(path) -> None:
            self._update_backup_label()
            text = translate("MainWindow", "Backup written: {path}").format(path=path)
            self.statusBar().showMessage(text, 8000)

        self.context.run(self, translate("MainWindow", "Backing up…"),
                         lambda progress: backups.backup_now(self.session), done)  # fmt: skip

    def export_for_sponsor(self) -> None:
        """Open the export dialog (window-modal, not blocking: the export runs in a worker)."""
        if not allowed(self.session.role, Permission.EXPORT):
            return
        from tnt_desktop.gui.export_dialog import ExportDialog

        dialog = self.export_dialog
        if dialog is not None and dialog.isVisible():
            dialog.raise_()
            dialog.activateWindow()
            return
        if dialog is not None:  # the last one is closed and its run has ended
            dialog.deleteLater()
        try:
            dialog = self.export_dialog = ExportDialog(self.context, self)
        except Exception as exc:
            show_error(self, exc)
            return
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.exported.connect(self._exported)
        dialog.show()

    def _exported(self, result) -> None:
        self.update_export_due()
        if self.pages.currentWidget() is self.dashboard:
            self.dashboard.refresh()
        where = result.package or result.folder
        self.statusBar().showMessage(translate("MainWindow",
                                               "Export written: {path}").format(path=where), 8000)

    def _daily_backup(self) -> None:
        try:
            if backups.maybe_daily_backup(self.session) is not None:
                self._update_backup_label()
        except Exception as exc:
            self.statusBar().showMessage(str(getattr(exc, "message", exc)), 10000)

    def change_password(self) -> None:
        from tnt_desktop.gui.password_dialog import PasswordDialog

        PasswordDialog(self.session, self.context.lang, parent=self).exec()

    def about(self) -> None:
        """The hospital's name on a line of its own, never broken (issue 16)."""
        from html import escape

        lines = [translate("MainWindow",
                           "{app} {version}").format(app=APP_NAME, version=__version__),
                 translate("MainWindow",
                           "Electronic case report form of the TNT-STS trial (NCT06593899)."),
                 "<nobr>" + escape(translate("MainWindow",
                                             "Fujian Medical University Union Hospital"))
                 + "</nobr>"]  # fmt: skip
        QMessageBox.about(self, translate("MainWindow", "About TNT Desktop"),
                          "<p>" + "<br>".join(lines[:2]) + "</p><p>" + lines[2] + "</p>")
