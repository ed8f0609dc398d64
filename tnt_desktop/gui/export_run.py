"""The sponsor-export dialog's run: what was chosen, the export off the GUI thread with its
progress and cancel, and what a finished, cancelled or failed run shows. A part of
`ExportDialog` (gui/export_dialog.py); its texts keep the dialog's translation context."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QDesktopServices

from tnt_desktop.errors import TntError
from tnt_desktop.exports.run_export import (
    MIN_PASSPHRASE,
    ExportCancelled,
    ExportRunResult,
    run_export,
)
from tnt_desktop.gui.errors import show_error
from tnt_desktop.gui.tasks import BackgroundTask
from tnt_desktop.study.model import Text

translate = QCoreApplication.translate  # the texts keep the context "ExportDialog"


def _sentence(text: str) -> str:
    """The services' messages start in lower case (they are also clauses of the CLI's)."""
    return text[:1].upper() + text[1:]


class ExportRun:
    """Mixin of `ExportDialog`: see the module docstring."""

    def _chosen(self) -> dict[str, Any] | None:
        """The run's arguments from the widgets, or None after saying what is missing."""
        formats = [key for key, box in self.format_boxes.items() if box.isChecked()]
        if not formats:
            self._say(translate("ExportDialog", "Choose at least one format."))
            return None
        folder = self.folder.text().strip()
        if not folder:
            self._say(translate("ExportDialog", "Choose the folder to export to."))
            self.folder.setFocus()
            return None
        package = self.as_package.isChecked()
        key_file: Path | None = None
        passphrase: str | None = None
        if package and self.use_key_file.isChecked():
            if not self.key_file.text().strip():
                self._say(translate("ExportDialog", "Choose the recipient's public key file."))
                self.key_file.setFocus()
                return None
            key_file = Path(self.key_file.text().strip())
        elif package and self.use_passphrase.isChecked():
            passphrase = self.passphrase.text()
            if len(passphrase) < MIN_PASSPHRASE:
                self._say(translate("ExportDialog",
                                    "The passphrase must have at least {n} characters.").format(
                    n=MIN_PASSPHRASE))  # fmt: skip
                self.passphrase.setFocus()
                return None
            if passphrase != self.passphrase_again.text():
                self._say(translate("ExportDialog", "The two passphrases do not match."))
                self.passphrase_again.clear()
                self.passphrase_again.setFocus()
                return None
        elif package and self.sponsor is None:
            self._say(translate("ExportDialog",
                                "No sponsor key is set: choose a public key file or a "
                              "passphrase."))  # fmt: skip
            return None
        purpose = self.purpose.text().strip() or None
        return {"out_dir": Path(folder).expanduser(), "formats": formats, "package": package,
                "recipient_key": key_file, "passphrase": passphrase, "purpose": purpose,
                "cutoff": self.cutoff.date().toPython()}

    def start_export(self) -> bool:
        """Start a run (False when the input is not complete or a run is under way)."""
        if self.running or not self.can_export:
            return False
        chosen = self._chosen()
        if chosen is None:
            return False
        self._say()
        self.show_button.hide()
        self.close_button.setDefault(False)  # Enter = Export again (Close after a success)
        self.export_button.setDefault(True)
        self.result = None
        self._cancel = threading.Event()
        cancel = self._cancel
        secret = {"passphrase": chosen.pop("passphrase")}
        session, lang, bridge = self.session, self.context.lang, self._bridge
        out_dir = chosen.pop("out_dir")

        def work(_progress: Any) -> ExportRunResult:
            passphrase = secret.pop("passphrase", None)  # the holder keeps no copy
            return run_export(session, out_dir, progress=bridge.progressed.emit,
                              cancel=cancel.is_set, lang=lang, passphrase=passphrase,
                              **chosen)  # fmt: skip

        self.progress.setValue(0)
        self.status.setText(translate("ExportDialog", "Starting the export…"))
        self.task = BackgroundTask(self, self.windowTitle(), work, self._succeeded,
                                   self._failed, show_progress=False)  # fmt: skip
        self._sync()
        self.cancel_button.setFocus()
        self.task.start()
        return True

    def _progress(self, percent: int, text: Text) -> None:
        if self._cancel.is_set():
            return  # keep "Cancelling…" in view
        self.progress.setValue(int(percent))
        self.status.setText(text.get(self.context.lang))

    def request_cancel(self) -> None:
        """Ask the run to stop at its next step (it then removes what it had written)."""
        if self.running and not self._cancel.is_set():
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.status.setText(translate("ExportDialog", "Cancelling…"))

    def _ended(self) -> None:
        self.passphrase.clear()
        self.passphrase_again.clear()
        self._sync()
        self.runEnded.emit()
        if self._close_when_stopped:
            self._close_when_stopped = False
            super().reject()

    def _succeeded(self, result: ExportRunResult) -> None:
        self.result = result
        self.progress.setValue(100)
        self.status.setText(translate("ExportDialog", "Export finished."))
        lines = [_sentence(result.message().get(self.context.lang)), ""]
        if result.package is not None:
            lines.append(translate("ExportDialog", "Package: {path}").format(path=result.package))
            lines.append(translate("ExportDialog",
                                   "SHA-256: {sha}").format(sha=result.package_sha256))
        if result.folder is not None:
            lines.append(translate("ExportDialog", "Folder: {path}").format(path=result.folder))
        self._say(result="\n".join(lines))
        self.show_button.show()
        self.export_button.setDefault(False)
        self.close_button.setDefault(True)
        self.exported.emit(result)
        self._ended()
        self.close_button.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self.progress.setValue(0)
        if isinstance(exc, ExportCancelled):
            self.status.setText("")
            self._say(result=translate("ExportDialog", "Export cancelled; nothing was written."))
        elif isinstance(exc, TntError):
            self.status.setText("")
            self._say(exc.message.get(self.context.lang))
        else:
            self.status.setText("")
            self._say()
            show_error(self, exc)
        self._ended()

    def _show_folder(self) -> None:
        result = self.result
        if result is None:
            return
        where = result.folder if result.folder is not None else result.package.parent
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(where)))
