"""The main window shell: menus, toolbar, status bar, and the screens it switches between.

Each screen is its own module (dashboard_view, subject_list_view, casebook_view, form/view);
this shell only wires them: navigation with the unsaved-changes guard, Ctrl+S, the idle lock,
backups, the sponsor export (Ctrl+E) and its "export due" indicator, language, sign-out. The
status bar is gui/main_status.py and the menu commands gui/main_commands.py (mixins: their texts
keep the "MainWindow" translation context).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from tnt_desktop import APP_NAME
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.errors import show_error
from tnt_desktop.gui.idle_lock import IdleLock
from tnt_desktop.gui.main_commands import MainCommands
from tnt_desktop.gui.main_status import MainStatusBar
from tnt_desktop.gui.workflow_actions import WorkflowActions
from tnt_desktop.services import auth, backups
from tnt_desktop.services.permissions import ROLE_LABELS, Permission, Role, allowed

EXPORT_DUE_REFRESH_MS = 60 * 60 * 1000  # the "export due" indicator is read again every hour


class MainWindow(MainStatusBar, MainCommands, QMainWindow):
    signedOut = Signal()

    def __init__(self, context: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.session = context.session
        self.setObjectName("mainWindow")
        self.resize(1280, 820)
        self.form_view = None
        self.export_dialog = None
        self._closing_for_signout = False

        from tnt_desktop.gui.casebook_view import CasebookView
        from tnt_desktop.gui.dashboard_view import DashboardView
        from tnt_desktop.gui.subject_list_view import SubjectListView

        self.clinical = allowed(self.session.role, Permission.VIEW_DATA)
        if self.clinical:
            self.dashboard = DashboardView(context, self)
        else:  # the administrator's home: accounts, backups, settings, verification
            from tnt_desktop.gui.admin_view import AdminView

            self.dashboard = AdminView(context, self)
        self.subject_list = SubjectListView(context, self)
        self.casebook = CasebookView(context, self)
        self.form_host = QStackedWidget(self)
        self.form_host.setObjectName("formHost")
        self.form_placeholder = QLabel()
        self.form_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.form_placeholder.setObjectName("formPlaceholder")
        self.form_host.addWidget(self.form_placeholder)
        self.casebook_page = QSplitter(Qt.Orientation.Horizontal, self)
        self.casebook_page.addWidget(self.casebook)
        self.casebook_page.addWidget(self.form_host)
        self.casebook_page.setObjectName("casebookSplitter")
        self.casebook_page.setChildrenCollapsible(False)
        self.casebook_page.setStretchFactor(0, 0)
        self.casebook_page.setStretchFactor(1, 1)
        self._casebook_sized = False
        self._splitter_timer = QTimer(self)
        self._splitter_timer.setSingleShot(True)
        self._splitter_timer.setInterval(600)
        self._splitter_timer.timeout.connect(self._remember_casebook_width)
        self.casebook_page.splitterMoved.connect(lambda *_: self._splitter_timer.start())

        self.pages = QStackedWidget(self)
        for page in (self.dashboard, self.subject_list, self.casebook_page):
            self.pages.addWidget(page)
        self.setCentralWidget(self.pages)

        self._build_actions()
        self._build_status_bar()
        self.subject_list.subjectActivated.connect(self.open_subject)
        self.dashboard.subjectActivated.connect(self.open_subject)
        self.casebook.formActivated.connect(self.open_form)
        self.casebook.subjectChanged.connect(self.subject_list.refresh)
        self.casebook.subjectChanged.connect(self._subject_renamed)
        self.casebook.workflowChanged.connect(self._workflow_changed)
        self.pages.currentChanged.connect(self._update_save)
        self.form_host.currentChanged.connect(self._update_save)

        self.idle = IdleLock(self, context)
        self.idle.tick.connect(self._update_idle_label)
        self._backup_timer = QTimer(self)
        self._backup_timer.timeout.connect(self._daily_backup)
        self._backup_timer.start(15 * 60 * 1000)
        self._export_timer = QTimer(self)
        self._export_timer.timeout.connect(self.update_export_due)
        self._export_timer.start(EXPORT_DUE_REFRESH_MS)
        self.retranslate()
        self.show_dashboard()

    # ---- actions -----------------------------------------------------------------------------
    def _action(self, shortcut: QKeySequence | str | None, slot, name: str) -> QAction:
        action = QAction(self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        can_enter = allowed(self.session.role, Permission.ENTER_DATA)
        self.act_dashboard = self._action("Ctrl+1", self.show_dashboard, "actDashboard")
        self.act_subjects = self._action("Ctrl+2", self.show_subjects, "actSubjects")
        self.act_screen = self._action("Ctrl+N", self.new_screening, "actScreen")
        self.act_screen.setEnabled(can_enter)
        self.act_save = self._action(QKeySequence.StandardKey.Save, self.save_form, "actSave")
        self.act_save.setEnabled(False)  # only while an open form has changes (_update_save)
        for action in (self.act_subjects, self.act_screen, self.act_save):
            action.setVisible(self.clinical)  # no clinical screens for the administrator
        self.act_backup = self._action(None, self.backup_now, "actBackup")
        self.act_backup.setEnabled(allowed(self.session.role, Permission.BACKUP))
        self.act_export = self._action("Ctrl+E", self.export_for_sponsor, "actExport")
        self.act_export.setEnabled(allowed(self.session.role, Permission.EXPORT))
        self.act_password = self._action(None, self.change_password, "actPassword")
        self.act_lock = self._action("Ctrl+L", lambda: self.idle.lock_now(manual=True),
                                     "actLock")  # fmt: skip
        self.act_signout = self._action(None, self.sign_out, "actSignOut")
        self.act_quit = self._action(QKeySequence.StandardKey.Quit, self.close, "actQuit")
        self.act_zh = self._action(None, lambda: self.set_language("zh"), "actChinese")
        self.act_en = self._action(None, lambda: self.set_language("en"), "actEnglish")
        self.act_about = self._action(None, self.about, "actAbout")
        # the database lock (data manager; issue 6)
        self.workflow = WorkflowActions(self.context, self)
        self.workflow.changed.connect(lambda _key: self._workflow_changed())
        self.act_lock_db = self._action(None, lambda: self.workflow.lock_database(self),
                                        "actLockDatabase")  # fmt: skip
        self.act_unlock_db = self._action(None, lambda: self.workflow.unlock_database(self),
                                          "actUnlockDatabase")  # fmt: skip

        bar = self.menuBar()
        self.menu_file = bar.addMenu("")
        file_actions = (self.act_screen, self.act_save, None, self.act_backup, self.act_export,
                        None, self.act_password, self.act_lock, self.act_signout, self.act_quit)
        for action in file_actions:
            self.menu_file.addSeparator() if action is None else self.menu_file.addAction(action)
        self.menu_view = bar.addMenu("")
        self.menu_view.addAction(self.act_dashboard)
        self.menu_view.addAction(self.act_subjects)
        self.menu_data = bar.addMenu("")
        self.menu_data.setObjectName("menuData")
        self.menu_data.addAction(self.act_lock_db)
        self.menu_data.addAction(self.act_unlock_db)
        self.menu_data.menuAction().setVisible(self.workflow.can_lock)
        self.menu_language = bar.addMenu("")
        self.menu_language.addAction(self.act_zh)
        self.menu_language.addAction(self.act_en)
        self.menu_help = bar.addMenu("")
        self.menu_help.addAction(self.act_about)

        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (self.act_dashboard, self.act_subjects, self.act_screen, self.act_save,
                       self.act_backup, self.act_export):  # fmt: skip
            if action is not self.act_export or allowed(self.session.role, Permission.EXPORT):
                self.toolbar.addAction(action)
        spacer = QWidget(self.toolbar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
        self.toolbar.addAction(self.act_signout)  # a shared workstation: the next person
        self.addToolBar(self.toolbar)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("{app} — TNT-STS eCRF").format(app=APP_NAME))
        names = (
            (self.act_dashboard, self.tr("&Dashboard") if self.clinical
             else self.tr("&Administration")), (self.act_subjects, self.tr("&Subjects")),
            (self.act_screen, self.tr("&New screening")), (self.act_save, self.tr("&Save form")),
            (self.act_backup, self.tr("&Back up now")),
            (self.act_export, self.tr("&Export for the sponsor…")),
            (self.act_password, self.tr("Change &password")),
            (self.act_lock, self.tr("&Lock screen")),
            (self.act_signout, self.tr("Sign &out / switch user")),
            (self.act_quit, self.tr("&Quit")), (self.act_zh, "中文"), (self.act_en, "English"),
            (self.act_about, self.tr("&About TNT Desktop")),
        )  # fmt: skip
        for action, text in names:
            action.setText(text)
        self.act_export.setIconText(self.tr("Export"))
        self.menu_file.setTitle(self.tr("&File"))
        self.menu_view.setTitle(self.tr("&View"))
        self.menu_data.setTitle(self.tr("&Data management"))
        self.act_lock_db.setText(self.tr("&Lock database…"))
        self.act_unlock_db.setText(self.tr("&Unlock database…"))
        self.menu_language.setTitle(self.tr("&Language"))
        self.menu_help.setTitle(self.tr("&Help"))
        self.form_placeholder.setText(self.tr("Choose a form in the casebook on the left."))
        role = ROLE_LABELS.get(Role(self.session.role))
        self.status_user.setText(self.tr("User: {name} ({role})").format(
            name=self.session.display_name, role=self.context.text(role)))  # fmt: skip
        self.status_site.setText(self.tr("Site {site}").format(site=self.session.db.site_id))
        self.status_db.setText(self.tr("Database: {name}").format(name=self.session.db.path.name))
        self.status_db.setToolTip(str(self.session.db.path))
        self._update_backup_label()
        self.update_export_due()
        self.update_database_lock()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _workflow_changed(self) -> None:
        """A form, a subject or the database changed state: every view reads again; an open
        form is opened again (it may have become read-only, or writable)."""
        self.update_database_lock()
        source = self.sender()
        view = self.form_view
        if source is not self.casebook and self.casebook.subject_key is not None:
            self.casebook.refresh()
        if view is not None and source is not view:
            self.open_form(view.event_oid, view.repeat, view.form.code)
        self.subject_list.refresh()

    # ---- navigation with the unsaved-changes guard -------------------------------------------
    def confirm_leave_form(self) -> bool:
        view = self.form_view
        if view is None or not view.has_unsaved_changes():
            return True
        answer = QMessageBox.question(
            self, self.tr("Unsaved changes"),
            self.tr("This form has changes that are not saved. Save them now?"),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save,
        )  # fmt: skip
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.Save:
            return bool(view.save())
        view.discard()  # Discard means discard: nothing of it stays behind to be saved later
        if view.has_unsaved_changes():  # the stored form could not be read again
            self._drop_form()
        return True

    def show_dashboard(self) -> None:
        if not self.confirm_leave_form():
            return
        self.dashboard.refresh()
        self.pages.setCurrentWidget(self.dashboard)

    def show_subjects(self) -> None:
        if not self.confirm_leave_form():
            return
        self.subject_list.refresh()
        self.pages.setCurrentWidget(self.subject_list)

    def open_subject(self, key: str) -> None:
        if not self.confirm_leave_form():
            return
        self._drop_form()
        self.update_database_lock()  # another user may have locked it meanwhile
        self.casebook.open_subject(key)
        self.pages.setCurrentWidget(self.casebook_page)
        self._size_casebook()

    def casebook_width_for(self, total: int) -> int:
        """The casebook's share beside a form: remembered, else about 30 % of the window
        (460 px at 1280, 600 px at 1920)."""
        from tnt_desktop.config import load_preferences

        remembered = load_preferences().casebook_width
        width = remembered if remembered > 0 else int(total * 0.34)
        if remembered:
            return max(340, min(width, total - 560, 900))
        return max(460, min(width, total - 560, 600))

    def _size_casebook(self) -> None:
        if self._casebook_sized:
            return
        total = self.casebook_page.width()
        if total < 900:  # not laid out yet: use the window's width
            total = self.width()
        width = self.casebook_width_for(total)
        self.casebook_page.setSizes([width, max(total - width, 560)])
        self._casebook_sized = True

    def _remember_casebook_width(self) -> None:
        from tnt_desktop.config import load_preferences, save_preferences

        width = self.casebook_page.sizes()[0]
        prefs = load_preferences()
        if width > 0 and prefs.casebook_width != width:
            prefs.casebook_width = width
            try:
                save_preferences(prefs)
            except OSError:
                pass  # a read-only profile: the width is not remembered, nothing else breaks

    def open_form(self, event: str, repeat: int, form_code: str) -> None:
        if not self.confirm_leave_form():
            return
        from tnt_desktop.gui.form.view import FormView

        self._drop_form()
        # building a long form (AE, CT) can take a moment: the busy cursor says so (issue 16)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            view = FormView(self.context, self.casebook.subject_key, event, repeat, form_code,
                            self.form_host)  # fmt: skip
        except Exception as exc:
            QApplication.restoreOverrideCursor()
            show_error(self, exc)
            return
        QApplication.restoreOverrideCursor()
        view.saved.connect(self.casebook.refresh)
        view.editsChanged.connect(self._update_save)
        view.workflowChanged.connect(self._workflow_changed)
        self.form_view = view
        self.form_host.addWidget(view)
        self.form_host.setCurrentWidget(view)
        view.setFocus()

    def _subject_renamed(self) -> None:
        """Enrolled (or screen failed) with a form open: open it again, so its header shows
        the study ID the subject now has (issue 16)."""
        view = self.form_view
        if view is not None and not view.has_unsaved_changes():
            self.open_form(view.event_oid, view.repeat, view.form.code)

    def _drop_form(self) -> None:
        if self.form_view is not None:
            self.form_host.removeWidget(self.form_view)
            self.form_view.deleteLater()
            self.form_view = None
        self.form_host.setCurrentWidget(self.form_placeholder)

    def _open_form_with_changes(self):
        """The form view on screen when it holds unsaved changes, else None."""
        view = self.form_view
        if view is None or self.pages.currentWidget() is not self.casebook_page or (
                self.form_host.currentWidget() is not view):  # fmt: skip
            return None
        return view if view.has_unsaved_changes() else None

    def _update_save(self, *_args: object) -> None:
        """Save form (Ctrl+S, the toolbar) is enabled only while a form with changes is open."""
        self.act_save.setEnabled(self._open_form_with_changes() is not None)

    def save_form(self) -> None:
        view = self._open_form_with_changes()
        if view is not None:
            view.save()
        self._update_save()

    # ---- commands ------------------------------------------------------------------------------
    def set_language(self, lang: str) -> None:
        from tnt_desktop.config import load_preferences, save_preferences
        from tnt_desktop.gui.errors import set_error_language

        self.context.translations.install(lang)
        set_error_language(self.context.lang)
        prefs = load_preferences()
        prefs.user_languages[self.session.username] = self.context.lang
        save_preferences(prefs)
        for view in (self.dashboard, self.subject_list, self.casebook, self.form_view):
            if view is not None and hasattr(view, "retranslate"):
                view.retranslate()

    def sign_out(self) -> None:
        self._closing_for_signout = True
        if self.close():
            self.signedOut.emit()
        self._closing_for_signout = False

    def closeEvent(self, event: QCloseEvent) -> None:
        dialog = self.export_dialog
        if dialog is not None and dialog.running:  # stop the export first (it cleans up)
            dialog.request_cancel()
            dialog.raise_()
            event.ignore()
            return
        if not self.confirm_leave_form():
            event.ignore()
            return
        self.idle.stop()
        self._backup_timer.stop()
        self._export_timer.stop()
        backups.backup_at_logout(self.session, on_error=lambda exc: None)
        try:
            auth.logout(self.session)
        except Exception as exc:
            show_error(self, exc)
        event.accept()
