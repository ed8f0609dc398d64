"""GUI tests: real widgets, offscreen, registered with qtbot; a temporary encrypted database
built through the services (the same Trial helper as the core tests)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests.core.conftest import PASSWORD, Trial, fast_kdf, state_dir  # noqa: F401


@pytest.fixture(autouse=True)
def _isolated_preferences(tmp_path, monkeypatch):
    monkeypatch.setenv("TNT_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def trial(tmp_path):
    t = Trial(tmp_path / "trial.db")
    yield t
    t.close()


@pytest.fixture
def translations(qapp):
    from tnt_desktop.gui.app import make_application
    from tnt_desktop.gui.i18n import Translations

    make_application()
    t = Translations()
    t.install("en")
    yield t
    t.install("en")  # a test that switched to Chinese must not leak it into the next one


@pytest.fixture(autouse=True)
def english(translations, qapp):
    """Every GUI test starts in English even if an earlier one left translators installed (a
    dialog can install its own), and leaves English behind."""
    from PySide6.QtCore import QTranslator

    for translator in qapp.findChildren(QTranslator):
        qapp.removeTranslator(translator)
    translations.install("en")
    yield
    translations.install("en")


@pytest.fixture
def context_for(translations):
    """context_for(session) → a GuiContext in English."""
    from tnt_desktop.gui.context import GuiContext

    def make(session, lang: str = "en"):
        translations.install(lang)
        return GuiContext(session, translations)

    return make


@pytest.fixture(autouse=True)
def _no_blocking_message_boxes(monkeypatch):
    """A message box left open by a failing test would block the offscreen run for ever (the
    window's close guard asks about unsaved changes at teardown). Tests that want a particular
    answer patch these themselves."""
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "exec", lambda self: int(QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
