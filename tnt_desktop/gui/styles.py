"""The stylesheet (resources/styles/app.qss), set on the few small windows that use it.

Not on the application: an application-wide stylesheet makes Qt style every widget through
QStyleSheetStyle, and a generated form has hundreds of them (the CT form rendered ~40 % slower
with a four-rule sheet). Data-entry screens use the platform style and palettes."""

from __future__ import annotations

from functools import cache

from PySide6.QtWidgets import QWidget

from tnt_desktop.paths import resource


@cache
def stylesheet() -> str:
    path = resource("styles", "app.qss")
    return path.read_text(encoding="utf-8") if path.exists() else ""


def apply_style(widget: QWidget) -> None:
    widget.setStyleSheet(stylesheet())
