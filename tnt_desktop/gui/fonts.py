"""Register the bundled CJK font so Chinese renders on a workstation that has none."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from tnt_desktop.paths import resource

BUNDLED_FONT = "DroidSansFallbackFull.ttf"


def register_fonts(app: QApplication) -> str | None:
    """Add the bundled font and put it behind the default UI font as the CJK fallback."""
    font_id = QFontDatabase.addApplicationFont(str(resource("fonts", BUNDLED_FONT)))
    if font_id < 0:
        return None
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    base = app.font()
    families = [f for f in base.families() if f != family] + [family]
    font = QFont(base)
    font.setFamilies(families)
    app.setFont(font)
    return family
