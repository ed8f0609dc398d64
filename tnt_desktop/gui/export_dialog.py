"""Export for the sponsor (issue 5, items 5 and 6): the formats, the destination, an encrypted
package or a plain folder, the recipient (the sponsor key of the study settings, a public-key
file or a passphrase) and an optional purpose; `run_export` runs off the GUI thread with a
progress bar and a Cancel button.

A cancelled run leaves nothing behind (run_export removes its partial output) and says so; a
passphrase is never logged or shown, goes to the worker once and the fields are cleared after
the run. Closing the dialog while an export runs asks the run to cancel first and closes once it
has stopped. The run itself (progress, cancel, result) is gui/export_run.py.
"""

from __future__ import annotations

import threading
from itertools import pairwise
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, QStandardPaths, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from tnt_desktop.errors import TntError
from tnt_desktop.exports.run_export import (
    DEFAULT_FORMATS,
    FORMATS,
    MIN_PASSPHRASE,
    ExportRunResult,
)
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.export_run import ExportRun, _sentence
from tnt_desktop.gui.styles import apply_style
from tnt_desktop.gui.tasks import BackgroundTask
from tnt_desktop.services.permissions import Permission, allowed


def default_folder() -> str:
    """The user's Documents folder, else the home folder."""
    documents = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation)
    return documents if documents and Path(documents).is_dir() else str(Path.home())


class _Bridge(QObject):
    """Carries run_export's progress from the worker thread to the GUI thread (queued)."""

    progressed = Signal(int, object)  # percent, Text


class ExportDialog(ExportRun, QDialog):
    """See the module docstring. `exported` is emitted with the ExportRunResult of a run that
    finished; `runEnded` after every run (success, failure or cancel)."""

    exported = Signal(object)
    runEnded = Signal()

    def __init__(self, context: GuiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        apply_style(self)
        self.setObjectName("exportDialog")
        self.context = context
        self.session = context.session
        self.can_export = allowed(self.session.role, Permission.EXPORT)
        self.sponsor = self._read_sponsor_key()
        self.task: BackgroundTask | None = None  # kept until the next run: never collected early
        self.result: ExportRunResult | None = None
        self._cancel = threading.Event()
        self._close_when_stopped = False
        self._bridge = _Bridge(self)
        self._bridge.progressed.connect(self._progress)
        self._build()
        self.retranslate()
        self._sync()
        # the layout sets the minimum size (long labels and Chinese included); start larger
        hint = self.sizeHint()
        self.resize(max(hint.width(), 680), max(hint.height(), 600))

    # ---- building --------------------------------------------------------------------------------
    def _read_sponsor_key(self) -> Any:
        from tnt_desktop.services.export_settings import export_settings

        try:
            return export_settings(self.session).sponsor_key
        except TntError:
            return None

    def _build(self) -> None:
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)

        self.formats_box = QGroupBox(self)
        self.format_boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout(self.formats_box)
        for i, key in enumerate(("csv", "pdf", "odm", "odm_transactional", "define", "dsjson")):
            box = QCheckBox(self.formats_box)
            box.setObjectName(f"format_{key}")
            box.setChecked(key in DEFAULT_FORMATS)
            grid.addWidget(box, i // 2, i % 2)
            self.format_boxes[key] = box
        assert set(self.format_boxes) == set(FORMATS)

        self.output_box = QGroupBox(self)
        out = QGridLayout(self.output_box)
        self.folder_label = QLabel(self.output_box)
        self.folder = QLineEdit(default_folder(), self.output_box)
        self.folder.setObjectName("exportFolder")
        self.folder_label.setBuddy(self.folder)
        self.folder_button = QPushButton(self.output_box)
        self.folder_button.setObjectName("chooseFolder")
        self.folder_button.clicked.connect(self._choose_folder)
        self.as_package = QRadioButton(self.output_box)
        self.as_package.setObjectName("asPackage")
        self.as_folder = QRadioButton(self.output_box)
        self.as_folder.setObjectName("asFolder")
        self.output_group = QButtonGroup(self)
        self.output_group.addButton(self.as_package)
        self.output_group.addButton(self.as_folder)
        (self.as_package if self.sponsor is not None else self.as_folder).setChecked(True)
        self.output_hint = QLabel(self.output_box)
        self.output_hint.setWordWrap(True)
        out.addWidget(self.folder_label, 0, 0)
        out.addWidget(self.folder, 0, 1)
        out.addWidget(self.folder_button, 0, 2)
        kinds = QHBoxLayout()
        kinds.addWidget(self.as_package)
        kinds.addWidget(self.as_folder)
        kinds.addStretch(1)
        out.addLayout(kinds, 1, 0, 1, 3)
        out.addWidget(self.output_hint, 2, 0, 1, 3)
        out.setColumnStretch(1, 1)

        self.recipient_box = QGroupBox(self)
        rec = QGridLayout(self.recipient_box)
        self.use_sponsor = QRadioButton(self.recipient_box)
        self.use_sponsor.setObjectName("useSponsorKey")
        self.use_sponsor.setEnabled(self.sponsor is not None)
        self.use_key_file = QRadioButton(self.recipient_box)
        self.use_key_file.setObjectName("useKeyFile")
        self.use_passphrase = QRadioButton(self.recipient_box)
        self.use_passphrase.setObjectName("usePassphrase")
        self.recipient_group = QButtonGroup(self)
        for button in (self.use_sponsor, self.use_key_file, self.use_passphrase):
            self.recipient_group.addButton(button)
        (self.use_sponsor if self.sponsor is not None else self.use_passphrase).setChecked(True)
        self.sponsor_label = QLabel(self.recipient_box)
        self.sponsor_label.setObjectName("sponsorKeyLabel")
        self.sponsor_label.setWordWrap(True)
        self.sponsor_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_file = QLineEdit(self.recipient_box)
        self.key_file.setObjectName("keyFile")
        self.key_file_button = QPushButton(self.recipient_box)
        self.key_file_button.setObjectName("chooseKeyFile")
        self.key_file_button.clicked.connect(self._choose_key_file)
        self.key_file_label = QLabel(self.recipient_box)
        self.key_file_label.setObjectName("keyFileLabel")
        self.key_file_label.setWordWrap(True)
        self.passphrase = QLineEdit(self.recipient_box)
        self.passphrase.setObjectName("passphrase")
        self.passphrase_again = QLineEdit(self.recipient_box)
        self.passphrase_again.setObjectName("passphraseAgain")
        for edit in (self.passphrase, self.passphrase_again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.again_label = QLabel(self.recipient_box)
        self.again_label.setBuddy(self.passphrase_again)
        rec.addWidget(self.use_sponsor, 0, 0)
        rec.addWidget(self.sponsor_label, 0, 1, 1, 2)
        rec.addWidget(self.use_key_file, 1, 0)
        rec.addWidget(self.key_file, 1, 1)
        rec.addWidget(self.key_file_button, 1, 2)
        rec.addWidget(self.key_file_label, 2, 1, 1, 2)
        rec.addWidget(self.use_passphrase, 3, 0)
        rec.addWidget(self.passphrase, 3, 1, 1, 2)
        rec.addWidget(self.again_label, 4, 0, Qt.AlignmentFlag.AlignRight)
        rec.addWidget(self.passphrase_again, 4, 1, 1, 2)
        rec.setColumnStretch(1, 1)
        self.key_file_label.hide()

        purpose_row = QHBoxLayout()
        # the data cut-off (clarification 23): set by the data manager, today by default, never
        # in the future; the report's "as of" statements and censoring dates are capped by it
        self.cutoff_label = QLabel(self)
        self.cutoff = QDateEdit(QDate.currentDate(), self)
        self.cutoff.setObjectName("dataCutoff")
        self.cutoff.setCalendarPopup(True)
        self.cutoff.setDisplayFormat("yyyy-MM-dd")
        self.cutoff.setMaximumDate(QDate.currentDate())
        self.cutoff.setMinimumDate(QDate(2024, 1, 1))
        self.cutoff_label.setBuddy(self.cutoff)
        purpose_row.addWidget(self.cutoff_label)
        purpose_row.addWidget(self.cutoff)
        purpose_row.addSpacing(16)
        self.purpose_label = QLabel(self)
        self.purpose = QLineEdit(self)
        self.purpose.setObjectName("purpose")
        self.purpose.setMaxLength(500)
        self.purpose_label.setBuddy(self.purpose)
        purpose_row.addWidget(self.purpose_label)
        purpose_row.addWidget(self.purpose, 1)

        self.progress = QProgressBar(self)
        self.progress.setObjectName("exportProgress")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.status = QLabel(self)
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        self.message = QLabel(self)  # errors: red (app.qss)
        self.message.setObjectName("messageLabel")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("exportResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard)  # fmt: skip
        for label in (self.message, self.result_label):
            label.hide()

        self.export_button = QPushButton(self)
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.request_cancel)
        self.show_button = QPushButton(self)
        self.show_button.setObjectName("showFolderButton")
        self.show_button.setAutoDefault(False)
        self.show_button.clicked.connect(self._show_folder)
        self.show_button.hide()
        self.close_button = QPushButton(self)
        self.close_button.setObjectName("closeButton")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_button)
        buttons.addStretch(1)
        for button in (self.export_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.formats_box)
        layout.addWidget(self.output_box)
        layout.addWidget(self.recipient_box)
        layout.addLayout(purpose_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.message)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        layout.addLayout(buttons)

        for button in (self.as_package, self.as_folder, self.use_sponsor, self.use_key_file,
                       self.use_passphrase):  # fmt: skip
            button.toggled.connect(self._sync)
        order = [*self.format_boxes.values(), self.folder, self.folder_button, self.as_package,
                 self.as_folder, self.use_sponsor, self.use_key_file, self.key_file,
                 self.key_file_button, self.use_passphrase, self.passphrase,
                 self.passphrase_again, self.cutoff, self.purpose, self.export_button,
                 self.cancel_button, self.show_button, self.close_button]  # fmt: skip
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Export for the sponsor"))
        self.intro.setText(self.tr(
            "Exports the coded study data for the sponsor: no names or other identifiers. "
            "Every export is recorded in the export log and the audit trail."))
        self.formats_box.setTitle(self.tr("Formats"))
        labels = {
            "csv": self.tr("CSV tables (one file per form, with R and SAS readers)"),
            "pdf": self.tr("PDF (subject casebooks, blank annotated CRF)"),
            "odm": self.tr("CDISC ODM snapshot (current values)"),
            "odm_transactional": self.tr("CDISC ODM transactional (with the audit trail)"),
            "define": self.tr("CDISC Define-XML 2.1 (define.xml: metadata of the datasets)"),
            "dsjson": self.tr("CDISC Dataset-JSON 1.1 (one file per dataset)"),
        }
        for key, box in self.format_boxes.items():
            box.setText(labels[key])
        self.output_box.setTitle(self.tr("Destination"))
        self.folder_label.setText(self.tr("&Folder:"))
        self.folder_button.setText(self.tr("C&hoose…"))
        self.as_package.setText(self.tr("&Encrypted package (.zip.gpg)"))
        self.as_folder.setText(self.tr("Plain folder (&not encrypted)"))
        self.recipient_box.setTitle(self.tr("Encrypt for"))
        self.use_sponsor.setText(self.tr("Sponsor &key"))
        self.sponsor_label.setText(self.sponsor.label if self.sponsor is not None else
                                   self.tr("No sponsor key is set in the study settings."))
        self.use_key_file.setText(self.tr("Public key f&ile"))
        self.key_file_button.setText(self.tr("Choose…"))
        self.key_file.setPlaceholderText(self.tr("OpenPGP public key (.asc)"))
        self.use_passphrase.setText(self.tr("&Passphrase"))
        self.passphrase.setPlaceholderText(
            self.tr("At least {n} characters").format(n=MIN_PASSPHRASE))
        self.again_label.setText(self.tr("&Repeat:"))
        self.cutoff_label.setText(self.tr("Data cut-o&ff:"))
        self.cutoff.setToolTip(self.tr(
            "The data cut-off: the report counts follow-up, survival and wound checks up to "
            "this day. Today unless the data manager chose an earlier day."))
        self.purpose_label.setText(self.tr("P&urpose (optional):"))
        self.purpose.setPlaceholderText(self.tr("e.g. weekly transfer"))
        self.export_button.setText(self.tr("E&xport"))
        self.cancel_button.setText(self.tr("&Cancel export"))
        self.show_button.setText(self.tr("&Show in folder"))
        self.close_button.setText(self.tr("Close"))
        self._sync_hint()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _sync_hint(self) -> None:
        if self.as_package.isChecked():
            self.output_hint.setText(self.tr(
                "Only the encrypted file and its SHA-256 file are written; nothing readable "
                "reaches the disk."))
        else:
            self.output_hint.setText(self.tr(
                "A plain folder is not encrypted: keep it on this computer or an encrypted "
                "drive, and never send it by e-mail."))

    # ---- state -----------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done

    def _sync(self, *_args: object) -> None:
        """Enable what applies: nothing while a run is under way; the recipient only for a
        package; the key file or passphrase fields only when chosen."""
        idle = not self.running
        for widget in (*self.format_boxes.values(), self.folder, self.folder_button,
                       self.as_package, self.as_folder, self.cutoff,
                       self.purpose):  # fmt: skip
            widget.setEnabled(idle)
        package = self.as_package.isChecked()
        self.recipient_box.setEnabled(idle and package)
        self.use_sponsor.setEnabled(self.sponsor is not None)
        self.key_file.setEnabled(self.use_key_file.isChecked())
        self.key_file_button.setEnabled(self.use_key_file.isChecked())
        for edit in (self.passphrase, self.passphrase_again):
            edit.setEnabled(self.use_passphrase.isChecked())
        self.export_button.setEnabled(idle and self.can_export)
        self.cancel_button.setEnabled(not idle)
        self._sync_hint()

    def _say(self, error: str = "", result: str = "") -> None:
        self.message.setText(_sentence(error))
        self.message.setVisible(bool(error))
        self.result_label.setText(_sentence(result))
        self.result_label.setVisible(bool(result))
        self._fit()

    def _fit(self) -> None:
        """Grow to show a long message or result in full (wrapped labels ask for more height
        than the layout's minimum gives them)."""
        layout = self.layout()
        layout.activate()
        needed = (layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth()
                  else layout.totalSizeHint().height())  # fmt: skip
        if needed > self.height():
            self.resize(self.width(), needed)

    # ---- choosing --------------------------------------------------------------------------------
    def _choose_folder(self) -> None:
        start = self.folder.text().strip() or default_folder()
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Choose the export folder"),
                                                  start)  # fmt: skip
        if chosen:
            self.folder.setText(chosen)

    def _choose_key_file(self) -> None:
        start = str(Path(self.key_file.text().strip()).parent) if self.key_file.text().strip() \
            else default_folder()
        chosen, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Choose the recipient's public key"), start,
            self.tr("OpenPGP keys (*.asc *.gpg *.pgp *.key);;All files (*)"))  # fmt: skip
        if chosen:
            self.set_key_file(chosen)

    def set_key_file(self, path: str) -> None:
        """Take a key file and show whose key it is (or why it cannot be used)."""
        from tnt_desktop.services.export_settings import parse_public_key

        self.key_file.setText(path)
        self.use_key_file.setChecked(True)
        try:
            label = parse_public_key(Path(path).read_bytes()).label
        except OSError as exc:
            self._say(self.tr("Cannot read {path}: {why}").format(
                path=path, why=exc.strerror or type(exc).__name__))  # fmt: skip
            self.key_file_label.hide()
            return
        except TntError as exc:
            self._say(exc.message.get(self.context.lang))
            self.key_file_label.hide()
            return
        self._say()
        self.key_file_label.setText(label)
        self.key_file_label.show()

    # ---- running ---------------------------------------------------------------------------------
    # ---- closing ---------------------------------------------------------------------------------
    def reject(self) -> None:
        """Esc and Close: while a run is under way, cancel it and close once it has stopped."""
        if self.running:
            self._close_when_stopped = True
            self.request_cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            self._close_when_stopped = True
            self.request_cancel()
            event.ignore()
            return
        super().closeEvent(event)
