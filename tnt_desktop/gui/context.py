"""What every screen receives through its constructor: the logged-in session, the language and
a way to run slow work. Built once by the composition root (gui/app.py); no globals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from tnt_desktop.gui.i18n import Translations

if TYPE_CHECKING:  # the login window must show before SQLAlchemy and the services load
    from tnt_desktop.services.session import AppSession
    from tnt_desktop.study.model import Text


@dataclass(eq=False)
class GuiContext:
    session: AppSession
    translations: Translations
    today: Callable[[], date] = field(default=date.today)

    @property
    def lang(self) -> str:
        return self.translations.lang

    def text(self, text: Text | None) -> str:
        """A study label in the current language."""
        return "" if text is None else text.get(self.lang)

    def run(self, parent: QWidget, title: str, work: Callable[..., Any],
            on_success: Callable[[Any], None] | None = None,
            on_failure: Callable[[BaseException], None] | None = None) -> Any:  # fmt: skip
        """Run `work(progress)` off the GUI thread (see gui/tasks.py)."""
        from tnt_desktop.gui.tasks import BackgroundTask

        return BackgroundTask(parent, title, work, on_success, on_failure).start()
