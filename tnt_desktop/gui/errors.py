"""Errors in dialogs: a TntError says what happened and what to do in the user's language; an
unexpected exception is logged (type and location, no values) and the dialog says where the log
is and what to do next. Nothing fails silently."""

from __future__ import annotations

import sys
from types import TracebackType

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from tnt_desktop.errors import TntError
from tnt_desktop.logs import get_logger

log = get_logger("gui")
_language = {"lang": "en"}


def set_error_language(lang: str) -> None:
    _language["lang"] = lang


def error_text(exc: BaseException) -> str:
    if isinstance(exc, TntError):
        return exc.message.get(_language["lang"])
    return QCoreApplication.translate(
        "Errors",
        "An unexpected error occurred ({kind}). Your saved data are safe. Please note what you "
        "were doing and send the log file to support: {log}",
    ).format(kind=type(exc).__name__, log=_log_path())


def _log_path() -> str:
    from tnt_desktop.paths import user_log_dir

    return str(user_log_dir() / "tnt-desktop.log")


def show_error(parent: QWidget | None, exc: BaseException, title: str | None = None) -> None:
    if not isinstance(exc, TntError):
        log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    heading = title or QCoreApplication.translate("Errors", "TNT Desktop")
    box = QMessageBox(QMessageBox.Icon.Warning, heading, error_text(exc),
                      QMessageBox.StandardButton.Ok, parent)  # fmt: skip
    box.setObjectName("errorDialog")
    box.exec()


def install_excepthook() -> None:
    """Unexpected exceptions in slots: log them and show a dialog instead of a silent crash."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        log.critical("uncaught exception", exc_info=(kind, value, tb))
        if QApplication.instance() is not None:
            show_error(QApplication.activeWindow(), value)
        else:  # pragma: no cover - before the application exists
            sys.__excepthook__(kind, value, tb)

    sys.excepthook = hook
