"""Every password rule at once, ticked off live while the user types (issue 16): ✓ in green for
a rule met, ○ for one not yet met, and whether the two entries match. The rules themselves are
the services' (services.passwords.password_rules); saving still goes through check_password."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from tnt_desktop.services.passwords import password_rules

MET = "#1e7b34"
NOT_MET = "#6b6b6b"
WRONG = "#b3261e"


class PasswordRules(QLabel):
    """A rich-text list of the rules; `update_for(user, password, again)` re-ticks them."""

    def __init__(self, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passwordRules")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(True)
        self.lang = lang
        self.met = False
        self.update_for("", "", "")

    def update_for(self, username: str, password: str, again: str | None = None) -> bool:
        """Show the rules for this password; True when every rule is met (and both match)."""
        lines = []
        ok = True
        for text, met in password_rules(username, password):
            ok = ok and met
            mark, colour = ("✓", MET) if met else ("○", NOT_MET)
            lines.append(f"<span style='color:{colour}'>{mark} {escape(text.get(self.lang))}"
                         "</span>")  # fmt: skip
        if again is not None:
            same = bool(password) and password == again
            ok = ok and same
            if again and not same:
                lines.append(f"<span style='color:{WRONG}'>✗ {escape(self._mismatch())}</span>")
            else:
                mark, colour = ("✓", MET) if same else ("○", NOT_MET)
                lines.append(f"<span style='color:{colour}'>{mark} {escape(self._match())}"
                             "</span>")  # fmt: skip
        self.setText("<br>".join(lines))
        self.met = ok
        return ok

    def _match(self) -> str:
        return self.tr("both entries the same")

    def _mismatch(self) -> str:
        return self.tr("the two entries differ")
