"""The administrator's tabs about the data: backups (now, the daily one, restore), the sponsor
export (its history, the sponsor's key, the site's key) and the integrity verification. The
screen that holds them, with the users and consent-version tabs, is gui/admin_view.py."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.errors import TntError
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.errors import show_error
from tnt_desktop.gui.form.item_widgets import HARD_COLOUR
from tnt_desktop.gui.styles import set_text_colour
from tnt_desktop.gui.tasks import run_busy
from tnt_desktop.services import backups, export_settings

OK_COLOUR = "#1e7b34"


class BackupTab(QWidget):
    def __init__(self, context: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        self.folder = QLineEdit()
        self.folder.setObjectName("backupFolder")
        self.browse = QPushButton()
        self.browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        self.keep = QSpinBox()
        self.keep.setObjectName("backupKeep")
        self.keep.setRange(1, backups.MAX_KEEP)
        self.folder_label, self.keep_label = QLabel(), QLabel()
        form.addRow(self.folder_label, folder_row)
        form.addRow(self.keep_label, self.keep)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.save_button = QPushButton()
        self.save_button.setObjectName("saveBackupSettings")
        self.save_button.clicked.connect(self.save)
        self.now_button = QPushButton()
        self.now_button.setObjectName("backupNow")
        self.now_button.clicked.connect(self.backup_now)
        row.addWidget(self.save_button)
        row.addWidget(self.now_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.status = QLabel()
        self.status.setObjectName("backupStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.intro.setText(self.tr("The database is backed up, encrypted, once a day while "
                                   "someone is signed in and at every sign-out; the newest "
                                   "backups are kept."))  # fmt: skip
        self.folder_label.setText(self.tr("Backup folder"))
        self.keep_label.setText(self.tr("Backups to keep"))
        self.browse.setText(self.tr("Choose…"))
        self.save_button.setText(self.tr("Save settings"))
        self.now_button.setText(self.tr("Back up now"))
        self.refresh()

    def refresh(self) -> None:
        folder, keep = backups.backup_settings(self.context.session)
        self.folder.setText(str(folder))
        self.keep.setValue(keep)
        last = backups.last_backup_utc(self.context.session)
        self.status.setText(self.tr("Last backup: {when}").format(
            when=last.astimezone().strftime("%Y-%m-%d %H:%M") if last else self.tr("none")))

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Backup folder"),
                                                  self.folder.text())  # fmt: skip
        if chosen:
            self.folder.setText(chosen)

    def save(self) -> bool:
        try:
            backups.set_backup_settings(self.context.session, self.folder.text(),
                                        self.keep.value())  # fmt: skip
        except TntError as exc:
            show_error(self, exc)
            return False
        self.refresh()
        self.status.setText(self.status.text() + " · " + self.tr("Settings saved."))
        return True

    def backup_now(self) -> None:
        try:
            path = run_busy(self, self.tr("Backing up…"),
                            lambda: backups.backup_now(self.context.session))  # fmt: skip
        except TntError as exc:
            show_error(self, exc)
            return
        self.refresh()
        self.status.setText(self.tr("Backup written: {path}").format(path=path))


class ExportTab(QWidget):
    def __init__(self, context: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        self.every = QSpinBox()
        self.every.setObjectName("exportEveryDays")
        self.every.setRange(1, export_settings.MAX_EVERY_DAYS)
        self.key_text = QLabel()
        self.key_text.setObjectName("sponsorKey")
        self.key_text.setWordWrap(True)
        self.key_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.every_label, self.key_label = QLabel(), QLabel()
        form.addRow(self.every_label, self.every)
        form.addRow(self.key_label, self.key_text)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.save_button = QPushButton()
        self.save_button.setObjectName("saveExportSchedule")
        self.save_button.clicked.connect(self.save_schedule)
        self.load_button = QPushButton()
        self.load_button.setObjectName("loadSponsorKey")
        self.load_button.clicked.connect(self.load_key)
        self.remove_button = QPushButton()
        self.remove_button.clicked.connect(self.remove_key)
        self.site_key_button = QPushButton()
        self.site_key_button.setObjectName("exportSiteKey")
        self.site_key_button.clicked.connect(self.export_site_key)
        for button in (self.save_button, self.load_button, self.remove_button,
                       self.site_key_button):  # fmt: skip
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.intro.setText(self.tr("How often the data manager sends the sponsor an export, "
                                   "and the sponsor's public key the export packages are "
                                   "encrypted to."))  # fmt: skip
        self.every_label.setText(self.tr("Export every (days)"))
        self.key_label.setText(self.tr("Sponsor's public key"))
        self.save_button.setText(self.tr("Save schedule"))
        self.load_button.setText(self.tr("Load key from file…"))
        self.remove_button.setText(self.tr("Remove key"))
        self.site_key_button.setText(self.tr("Save the site's public key…"))
        self.site_key_button.setToolTip(self.tr("The sponsor needs it once, to check that "
                                                "packages come from this site."))  # fmt: skip
        self.refresh()

    def refresh(self) -> None:
        settings = export_settings.export_settings(self.context.session)
        self.every.setValue(settings.every_days)
        key = settings.sponsor_key
        self.key_text.setText(key.label if key else self.tr("none — packages cannot be made"))
        self.remove_button.setEnabled(key is not None)

    def save_schedule(self) -> bool:
        try:
            export_settings.set_export_schedule(self.context.session, self.every.value())
        except TntError as exc:
            show_error(self, exc)
            return False
        self.status.setText(self.tr("Schedule saved."))
        return True

    def load_key(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Sponsor's public key"), "",
                                              self.tr("OpenPGP keys (*.asc *.pgp *.gpg);;"
                                                      "All files (*)"))  # fmt: skip
        if name:
            self.set_key_from(Path(name))

    def set_key_from(self, path: Path) -> bool:
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.status.setText(str(exc.strerror or exc))
            return False
        try:
            key = export_settings.set_sponsor_key(self.context.session, data)
        except TntError as exc:
            show_error(self, exc)
            return False
        self.refresh()
        self.status.setText(self.tr("Key saved: {key}").format(key=key.label if key else ""))
        return True

    def export_site_key(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the site's public key"),
            f"tnt-site-{self.context.session.db.site_id}.asc",
            self.tr("OpenPGP keys (*.asc *.pgp *.gpg);;All files (*)"))  # fmt: skip
        if name:
            self.write_site_key(Path(name))

    def write_site_key(self, path: Path) -> bool:
        """The site's OpenPGP public key (services.trust) into a file for the sponsor."""
        from tnt_desktop.services import trust

        try:
            armored = trust.site_pgp_public(self.context.session)
        except TntError as exc:
            show_error(self, exc)
            return False
        try:
            path.write_text(armored, encoding="utf-8")
        except OSError as exc:
            self.status.setText(self.tr("Cannot write {path}: {why}").format(
                path=path, why=exc.strerror or exc))  # fmt: skip
            return False
        self.status.setText(self.tr("The site's public key is in {path}; give it to the "
                                    "sponsor once.").format(path=path))  # fmt: skip
        return True

    def remove_key(self) -> None:
        try:
            export_settings.set_sponsor_key(self.context.session, None)
        except TntError as exc:
            show_error(self, exc)
        self.refresh()


class VerifyTab(QWidget):
    def __init__(self, context: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        row = QHBoxLayout()
        self.verify_button = QPushButton()
        self.verify_button.setObjectName("verifyDatabase")
        self.verify_button.clicked.connect(self.verify)
        row.addWidget(self.verify_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.verdict = QLabel()
        self.verdict.setObjectName("verifyVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.verdict)
        self.report = QPlainTextEdit()
        self.report.setObjectName("verifyReport")
        self.report.setReadOnly(True)
        layout.addWidget(self.report, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.intro.setText(self.tr("Check the database file (every encrypted page) and the "
                                   "audit trail's chain, entry by entry. The check itself is "
                                   "recorded in the audit trail."))  # fmt: skip
        self.verify_button.setText(self.tr("&Verify database"))

    def verify(self) -> bool | None:
        from tnt_desktop.services import integrity

        try:
            report = run_busy(self, self.tr("Verifying the database…"),
                              lambda: integrity.verify(self.context.session))  # fmt: skip
        except TntError as exc:
            show_error(self, exc)
            return None
        set_text_colour(self.verdict, OK_COLOUR if report.ok else HARD_COLOUR, bold=True)
        self.verdict.setText(self.tr("Database intact") if report.ok
                             else self.tr("Problems found"))  # fmt: skip
        lang = self.context.lang
        lines = [report.message().get(lang)]
        shown = integrity.SHOWN
        if len(report.damage) > shown:  # the message lists the first ones; here, all of them
            lines += [""] + [f"• {f.text(lang)}" for f in report.damage[shown:]]
        self.report.setPlainText("\n".join(lines))
        return bool(report.ok)
