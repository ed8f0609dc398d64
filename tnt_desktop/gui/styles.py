"""The stylesheet (resources/styles/app.qss), set on the few small windows that use it.

Not on the application: an application-wide stylesheet makes Qt style every widget through
QStyleSheetStyle, and a generated form has hundreds of them (the CT form rendered ~40 % slower
with a four-rule sheet). Data-entry screens use the platform style and palettes
(`set_text_colour`); a widget that needs a rule of app.qss (the query badge) gets the sheet on
itself only. No CSS strings anywhere else in Python (tests/gui/test_module_sizes.py)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from tnt_desktop.paths import resource


@cache
def stylesheet() -> str:
    path = resource("styles", "app.qss")
    return path.read_text(encoding="utf-8") if path.exists() else ""


def apply_style(widget: QWidget) -> None:
    widget.setStyleSheet(stylesheet())


def set_text_colour(widget: QWidget, colour: QColor | str | None, *, bold: bool = False) -> None:
    """A label's text in `colour` (None: the default colour again) and, with `bold`, bold —
    through its palette and font, not a stylesheet."""
    palette = QPalette(widget.palette())
    if colour is None:
        widget.setPalette(QPalette())  # inherit again
    else:
        palette.setColor(QPalette.ColorRole.WindowText, QColor(colour))
        widget.setPalette(palette)
    font = widget.font()
    if font.bold() != bold:
        font.setBold(bold)
        widget.setFont(font)


def repolish(widget: QWidget) -> None:
    """Apply the sheet's rules again after a dynamic property they select on has changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)
