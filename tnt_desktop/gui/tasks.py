"""One helper for slow work off the GUI thread (backups, big lists, exports).

The work function runs in a worker thread and must not touch widgets; it may report progress
through the callable it receives. Success and failure callbacks run on the GUI thread. A
TntError shows its message in the user's language; anything else is logged and shown as an
unexpected error (never a silent failure).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from tnt_desktop.logs import get_logger

log = get_logger("tasks")


class _Signals(QObject):
    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(object)


class _Runnable(QRunnable):
    def __init__(self, work: Callable[[Callable[[int, int], None]], Any]) -> None:
        super().__init__()
        self.work = work
        self.signals = _Signals()

    @Slot()
    def run(self) -> None:
        try:
            result = self.work(lambda done, total: self.signals.progress.emit(done, total))
        except BaseException as exc:
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)


class BackgroundTask(QObject):
    """Run `work(progress)`; call `on_success(result)` or `on_failure(exc)` on the GUI thread."""

    def __init__(self, parent: QWidget | None, title: str,
                 work: Callable[[Callable[[int, int], None]], Any],
                 on_success: Callable[[Any], None] | None = None,
                 on_failure: Callable[[BaseException], None] | None = None,
                 *, show_progress: bool = True) -> None:  # fmt: skip
        super().__init__(parent)
        self._runnable = _Runnable(work)
        self._runnable.setAutoDelete(False)
        self._on_success = on_success
        self._on_failure = on_failure
        self._dialog: QProgressDialog | None = None
        if show_progress and parent is not None:
            self._dialog = QProgressDialog(title, "", 0, 0, parent)
            self._dialog.setCancelButton(None)
            self._dialog.setMinimumDuration(300)
            self._dialog.setWindowTitle(title)
        signals = self._runnable.signals
        signals.progress.connect(self._progress)
        signals.finished.connect(self._finished)
        signals.failed.connect(self._failed)
        self.done = False

    def start(self) -> BackgroundTask:
        QThreadPool.globalInstance().start(self._runnable)
        return self

    def _progress(self, done: int, total: int) -> None:
        if self._dialog is not None:
            self._dialog.setMaximum(max(total, 0))
            self._dialog.setValue(done)

    def _close(self) -> None:
        self.done = True
        if self._dialog is not None:
            self._dialog.reset()
            self._dialog.deleteLater()
            self._dialog = None

    def _finished(self, result: Any) -> None:
        self._close()
        if self._on_success is not None:
            self._on_success(result)

    def _failed(self, exc: BaseException) -> None:
        self._close()
        if self._on_failure is not None:
            self._on_failure(exc)
            return
        from tnt_desktop.gui.errors import show_error

        show_error(self.parent(), exc)


def run_busy(parent: QWidget | None, title: str, work: Callable[[], Any]) -> Any:
    """Run `work()` off the GUI thread and wait for it, the window still painting and a busy
    dialog ("title", an indeterminate bar) showing after 300 ms: for steps the next line of code
    needs (create the database, add a user — the key derivation takes a while). Returns the
    result or raises what `work` raised. Input to the parent is blocked meanwhile."""
    from PySide6.QtCore import QEventLoop, Qt

    outcome: dict[str, Any] = {}
    loop = QEventLoop()

    def finished(result: Any) -> None:
        outcome["result"] = result
        loop.quit()

    def failed(exc: BaseException) -> None:
        outcome["error"] = exc
        loop.quit()

    task = BackgroundTask(parent, title, lambda _progress: work(), finished, failed)
    if task._dialog is not None:
        task._dialog.setWindowModality(Qt.WindowModality.WindowModal)
        task._dialog.setObjectName("busyDialog")
    task.start()
    if not task.done and not outcome:
        loop.exec()
    task.deleteLater()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")
