"""Composition root of the desktop application: one place that builds everything and passes it
down (no globals). `tnt-desktop` without a command lands here; `--demo` opens a throwaway demo
database built by the `demo` generator and shows its credentials on the login screen."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QProgressBar, QProgressDialog

from tnt_desktop import APP_NAME, __version__
from tnt_desktop.config import load_preferences, save_preferences
from tnt_desktop.gui.context import GuiContext
from tnt_desktop.gui.errors import install_excepthook, set_error_language, show_error
from tnt_desktop.gui.fonts import register_fonts
from tnt_desktop.gui.i18n import Translations
from tnt_desktop.logs import get_logger, setup_logging

log = get_logger("app")
DEMO_SUBJECTS = 24


@dataclass
class LaunchOptions:
    db: Path | None = None
    demo: bool = False
    demo_subjects: int = DEMO_SUBJECTS
    lang: str = ""
    smoke_screenshot: Path | None = None  # support: log in, save the main window as PNG, exit
    smoke_user: str = "coordinator"


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    QCoreApplication.setOrganizationName("FJMUUH")
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    register_fonts(app)
    app.setWindowIcon(application_icon())
    app.setDesktopFileName("tnt-desktop")  # Linux: windows belong to tnt-desktop.desktop
    return app


def application_icon() -> QIcon:
    """The TNT icon (resources/icons, drawn by packaging/make_icons.py): every window's icon.
    PNG sizes only (no SVG plugin needed); QIcon reads a file only when a size is painted."""
    from tnt_desktop.paths import resource

    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        path = resource("icons", f"tnt-desktop-{size}.png")
        if path.exists():
            icon.addFile(str(path), QSize(size, size))
    return icon


# no l/I/1 and no 0/O: the password is read off the login screen and typed (issue 16)
DEMO_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def demo_password(choice) -> str:
    """"Demo-xxxx-xxxx-xxxx" from characters nobody confuses; `choice` is secrets.choice."""
    groups = ("".join(choice(DEMO_ALPHABET) for _ in range(4)) for _ in range(3))
    return "Demo-" + "-".join(groups)


def build_demo(folder: Path, subjects: int, translations: Translations) -> tuple[Path, str]:
    """Generate the demo database with a progress dialog; returns (path, password)."""
    import secrets

    from tnt_desktop.demo import generate_demo
    from tnt_desktop.gui.tasks import BackgroundTask

    password = demo_password(secrets.choice)
    db = folder / "tnt-demo.db"
    dialog = QProgressDialog(
        QCoreApplication.translate("App", "Preparing the demo database (synthetic data)…"),
        "", 0, subjects)  # fmt: skip
    dialog.setCancelButton(None)
    dialog.setWindowTitle(APP_NAME)
    bar = QProgressBar(dialog)
    bar.setObjectName("demoProgress")
    bar.setTextVisible(True)  # "7 of 24 subjects": the bar says how far it is (issue 16)
    bar.setFormat(QCoreApplication.translate("App", "%v of %m subjects"))
    dialog.setBar(bar)
    dialog.setMinimumDuration(0)
    dialog.show()
    loop = QEventLoop()
    outcome: dict[str, object] = {}

    def work(progress):
        return generate_demo(db, subjects, seed=1, password=password, progress=progress)

    def progressed(done: int, total: int) -> None:
        dialog.setMaximum(total)
        dialog.setValue(done)

    task = BackgroundTask(None, "", work, lambda r: (outcome.update(ok=r), loop.quit()),
                          lambda e: (outcome.update(error=e), loop.quit()),
                          show_progress=False)  # fmt: skip
    task._runnable.signals.progress.connect(progressed)
    task.start()
    loop.exec()
    dialog.close()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return db, password


def run(options: LaunchOptions) -> int:
    app = make_application()
    setup_logging()
    install_excepthook()
    prefs = load_preferences()
    translations = Translations()
    translations.install(options.lang or prefs.language)
    set_error_language(translations.lang)
    if options.smoke_screenshot is not None:
        return smoke_screenshot(app, options, translations)
    import shutil  # here, not at import: start-up time (issue 4)
    import tempfile

    demo_folder: Path | None = None
    demo_password: str | None = None
    try:
        if options.demo:
            demo_folder = Path(tempfile.mkdtemp(prefix="tnt-demo-"))
            db_path, demo_password = build_demo(demo_folder, options.demo_subjects, translations)
        else:
            db_path = options.db or Path(prefs.last_database or default_database())
            if not db_path.exists():
                from tnt_desktop.gui.setup_wizard import SetupWizard

                wizard = SetupWizard(db_path, translations.lang)
                if wizard.exec() != QDialog.DialogCode.Accepted:
                    return 1
                prefs.last_user = wizard.admin_username
        return _session_loop(app, db_path, translations, prefs, demo_password,
                             remember=not options.demo)  # fmt: skip
    except Exception as exc:
        show_error(None, exc)
        return 1
    finally:
        if demo_folder is not None:
            shutil.rmtree(demo_folder, ignore_errors=True)


# one of Qt's own strings (qtbase_zh_CN.qm): the smoke test reads it to prove that the bundle
# carries Qt's translations; passed as variables so that lupdate does not take it for ours
QT_PROBE = ("QPlatformTheme", "Cancel")


def smoke_screenshot(app: QApplication, options: LaunchOptions,
                     translations: Translations) -> int:  # fmt: skip
    """Support and the frozen-app smoke test (`--smoke-screenshot FILE.png`): log in as
    `options.smoke_user` with the password in TNT_PASSWORD (no dialog), show the main window,
    wait for the dashboard, save the window as PNG after its first paint, print one line of
    JSON (file, language, application font families, Qt's own translation of "Cancel") and
    return 0. Exit 1 with a message when the login or the picture fails."""
    import json
    import os
    import time

    from tnt_desktop.gui.main_window import MainWindow
    from tnt_desktop.services import auth

    out = Path(options.smoke_screenshot or "tnt-smoke.png")
    try:
        db = options.db or default_database()
        session = auth.login(db, options.smoke_user, os.environ.get("TNT_PASSWORD", ""))
        window = MainWindow(GuiContext(session, translations))
        window.resize(1280, 820)
        window.show()
        deadline = time.monotonic() + 60
        while window.dashboard.loading and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        app.processEvents()
        if not window.grab().save(str(out)):
            raise OSError(f"could not write {out}")
    except Exception as exc:
        print(f"smoke screenshot failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"screenshot": str(out), "lang": translations.lang,
                      "fonts": app.font().families(),
                      "qt_cancel": QCoreApplication.translate(*QT_PROBE)},
                     ensure_ascii=False), flush=True)  # fmt: skip
    window.close()
    return 0


def default_database() -> Path:
    from tnt_desktop.paths import default_db_path

    return default_db_path()


def _session_loop(app: QApplication, db_path: Path, translations: Translations, prefs,
                  demo_password: str | None, remember: bool) -> int:  # fmt: skip
    """Login → main window → (sign out → login again) until the user quits."""
    from tnt_desktop.gui.login import LoginDialog
    from tnt_desktop.gui.main_window import MainWindow

    username = prefs.last_user if remember else "coordinator"
    while True:
        login = LoginDialog(db_path, translations, username=username,
                            demo_password=demo_password)  # fmt: skip
        if login.exec() != QDialog.DialogCode.Accepted or login.session is None:
            return 0
        session = login.session
        chosen = prefs.language_for(session.username)
        if chosen and chosen != translations.lang:
            translations.install(chosen)
        set_error_language(translations.lang)
        if remember:
            prefs.last_database, prefs.last_user = str(db_path), session.username
            save_preferences(prefs)
        window = MainWindow(GuiContext(session, translations))
        signed_out = {"again": False}
        window.signedOut.connect(lambda flag=signed_out: flag.update(again=True))
        window.show()
        app.exec()
        if not signed_out["again"]:
            return 0
        username = session.username
