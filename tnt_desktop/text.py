"""A user-visible text in both languages of the study.

Its own small module so that the error types (and with them the login window) load without the
study vocabulary (`study/model.py` re-exports it; the first-window benchmark of issue 4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Text:
    """A user-visible text in both languages of the study (build decision 10)."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang.lower().startswith("zh") else self.en

    def format(self, **values: Any) -> Text:
        return Text(self.en.format(**values), self.zh.format(**values))
