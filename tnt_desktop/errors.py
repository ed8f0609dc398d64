"""Typed errors that carry a user-facing message in both languages.

Every error the user can cause (a wrong password, a malformed file, a full disk) is one of these;
the CLI and the GUI show `message` in the user's language and never a traceback. Messages must
never contain a secret (password, key) — build them from names and counts only.
"""

from __future__ import annotations

from tnt_desktop.study.model import Text


class TntError(Exception):
    """Base class: a failure the user can understand and act on."""

    exit_code = 2

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


class UsageError(TntError):
    """A command was called with arguments it cannot use."""


class StudyDefinitionError(TntError):
    """The study definition failed its self-check."""

    exit_code = 3


class OutputError(TntError):
    """A file could not be written (read-only folder, full disk…)."""

    exit_code = 4
