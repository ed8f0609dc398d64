"""Render every main screen in English and Chinese to PNG, from a fresh demo database.

    .venv/bin/python packaging/screenshots.py OUTPUT_FOLDER [--subjects 20] [--seed 1] [--db P]
    .venv/bin/python packaging/screenshots.py --size 1280x800 --lang en|zh --out DIR

With --size (issue 16): every form F01–F16 of a treated subject, the casebooks, dashboard,
subject list, idle lock, the administrator's tabs and the new-user dialog at that window size.

Builds a throwaway demo database (tnt_desktop.demo.generate_demo, synthetic subjects), logs in as
the coordinator and grabs: login, dashboard, subject list, the casebook of a subject in
screening (eligibility panel) and of a treated subject, the chemotherapy-cycle form (CT), an
adverse-event form (AE) and the idle-lock overlay — each as `NN-screen-LANG.png`. Runs offscreen
(no display needed); preferences go to a temporary folder, never the user's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSWORD = "Shot-Pass-2026!"
WINDOW_SIZE = (1280, 820)


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not finish loading")
        QApplication.processEvents()
        time.sleep(0.01)


def settle(ms: int = 150) -> None:
    """Let timers (the form's live preview, layouts) run."""
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


class Shooter:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.files: list[Path] = []

    def save(self, widget, name: str, lang: str) -> Path:
        settle()
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}-{lang}.png"
        if not widget.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        self.files.append(path)
        return path


def pick_subjects(session) -> tuple[str, str]:
    """(a subject in screening, a subject with chemotherapy data) from the subject list."""
    from tnt_desktop.services.subject_list import subject_rows

    rows = subject_rows(session)
    screening = next(r.key for r in rows if r.stage == "SCREENING")
    treated = next((r.key for r in rows if r.stage in ("AWAITING_SURGERY", "FOLLOW_UP")),
                   next(r.key for r in rows if r.subject_id))  # fmt: skip
    return screening, treated


def shoot_language(lang: str, db: Path, shooter: Shooter, translations) -> None:
    from tnt_desktop.gui.context import GuiContext
    from tnt_desktop.gui.errors import set_error_language
    from tnt_desktop.gui.login import LoginDialog
    from tnt_desktop.gui.main_window import MainWindow
    from tnt_desktop.services import auth

    translations.install(lang)
    set_error_language(lang)
    login = LoginDialog(db, translations, username="coordinator", demo_password=PASSWORD)
    login.show()
    shooter.save(login, "login", lang)
    login.close()
    login.deleteLater()

    session = auth.login(db, "coordinator", PASSWORD)
    window = MainWindow(GuiContext(session, translations))
    window.resize(*WINDOW_SIZE)
    window.show()
    wait_until(lambda: not window.dashboard.loading)
    shooter.save(window, "dashboard", lang)

    window.show_subjects()
    wait_until(lambda: not window.subject_list.loading)
    shooter.save(window, "subject-list", lang)

    screening, treated = pick_subjects(session)
    window.open_subject(screening)
    shooter.save(window, "casebook-screening", lang)
    window.casebook.select_form("SE.SCR", 1, "IE")
    window.open_form("SE.SCR", 1, "IE")
    settle(500)
    shooter.save(window, "form-ie", lang)

    window.open_subject(treated)
    shooter.save(window, "casebook", lang)
    window.casebook.select_form("SE.C1", 1, "CT")
    window.open_form("SE.C1", 1, "CT")
    settle(500)
    shooter.save(window, "form-ct", lang)
    window.casebook.select_form("SE.LOG", 1, "AE")
    window.open_form("SE.LOG", 1, "AE")
    settle(500)
    shooter.save(window, "form-ae", lang)

    window.idle.lock_now()
    shooter.save(window, "idle-lock", lang)
    window.idle.overlay.password.setText(PASSWORD)
    window.idle._unlock()
    window.close()
    window.deleteLater()
    settle(50)


def shoot_review(lang: str, db: Path, shooter: Shooter, translations) -> None:
    """Issue 6: the monitor's query panel and SDV ticks on F02, the investigator's signature
    dialog for F01 (a query is raised first when the demo has none there)."""
    from tnt_desktop.gui.context import GuiContext
    from tnt_desktop.gui.form.view import FormView
    from tnt_desktop.gui.signature_dialog import SignatureDialog
    from tnt_desktop.services import auth, queries

    translations.install(lang)
    monitor = auth.login(db, "monitor", PASSWORD)
    _screening, treated = pick_subjects(monitor)
    if not queries.list_queries(monitor, treated, event="SE.SCR", form_code="DM"):
        queries.raise_query(monitor, treated, "SE.SCR", 1, "DM",
                            "Weight differs from the source document (72 kg)? / "
                            "体重与源文件不一致（72 kg）？", item_name="WEIGHT")  # fmt: skip
    view = FormView(GuiContext(monitor, translations), treated, "SE.SCR", 1, "DM")
    view.resize(*WINDOW_SIZE)
    view.show()
    panel = view.review.panel
    if panel.queries:
        panel.select(panel.queries[0].id)
    settle(400)
    shooter.save(view, "form-queries-monitor", lang)
    view.close()
    view.deleteLater()

    investigator = auth.login(db, "investigator", PASSWORD)
    form = investigator.study.form("IE")
    point = next(p for p in form.signatures if p.name == "IESIG")
    dialog = SignatureDialog(GuiContext(investigator, translations), treated, "SE.SCR", 1, form,
                             point)  # fmt: skip
    dialog.show()
    shooter.save(dialog, "signature-dialog", lang)
    dialog.close()
    dialog.deleteLater()
    settle(50)


FORMS = ("IE", "DM", "MH", "TUBL", "TUPRE", "RT", "CT", "SURG", "PATH", "WND", "AE", "FU",
         "LTOX", "MSTS", "DTH", "EOS", "DV", "LB", "CM")  # F01–F16 with their parts b and c


def form_places(session, key: str, code: str) -> tuple[str, int] | None:
    """The first event and repeat of a subject's casebook that holds a form."""
    from tnt_desktop.services.casebook import open_casebook

    for event in open_casebook(session, key).events:
        if any(f.form == code for f in event.forms):
            return event.event, event.repeat
    return None


def shoot_review_set(lang: str, db: Path, shooter: Shooter, translations,
                     size: tuple[int, int]) -> None:  # fmt: skip
    """Issue 16: every form F01–F16, the casebook, dashboard, administration and dialogs at
    one window size in one language (the reviewer looks at each PNG)."""
    from tnt_desktop.gui.admin_dialogs import NewUserDialog
    from tnt_desktop.gui.context import GuiContext
    from tnt_desktop.gui.errors import set_error_language
    from tnt_desktop.gui.main_window import MainWindow
    from tnt_desktop.services import auth

    translations.install(lang)
    set_error_language(lang)
    session = auth.login(db, "coordinator", PASSWORD)
    window = MainWindow(GuiContext(session, translations))
    window.resize(*size)
    window.show()
    wait_until(lambda: not window.dashboard.loading)
    shooter.save(window, "dashboard", lang)
    window.show_subjects()
    wait_until(lambda: not window.subject_list.loading)
    shooter.save(window, "subject-list", lang)
    screening, treated = pick_subjects(session)
    window.open_subject(screening)
    shooter.save(window, "casebook-screening", lang)
    window.open_subject(treated)
    shooter.save(window, "casebook", lang)
    for code in FORMS:
        place = form_places(session, treated, code)
        if place is None:
            continue
        window.casebook.select_form(place[0], place[1], code)
        window.open_form(place[0], place[1], code)
        settle(300)
        shooter.save(window, f"form-{code.lower()}", lang)
    window.idle.lock_now()
    shooter.save(window, "idle-lock", lang)
    window.idle.overlay.password.setText(PASSWORD)
    window.idle._unlock()
    window.close()
    window.deleteLater()

    admin = auth.login(db, "admin", PASSWORD)
    home = MainWindow(GuiContext(admin, translations))
    home.resize(*size)
    home.show()
    admin_view = home.dashboard
    for index in range(admin_view.tabs.count()):
        admin_view.tabs.setCurrentIndex(index)
        shooter.save(home, f"admin-tab{index + 1}", lang)
    dialog = NewUserDialog(home.context, home)
    dialog.user.setText("li.na")
    dialog.password.setText("li.na-2026")
    dialog.show()
    shooter.save(dialog, "dialog-new-user", lang)
    dialog.close()
    home.close()
    home.deleteLater()
    settle(50)
    shoot_export_dialog(lang, db, shooter, translations)


def shoot_export_dialog(lang: str, db: Path, shooter: Shooter, translations) -> None:
    """The data manager's export for the sponsor: formats, destination, data cut-off."""
    from tnt_desktop.gui.context import GuiContext
    from tnt_desktop.gui.export_dialog import ExportDialog
    from tnt_desktop.services import auth

    manager = auth.login(db, "datamanager", PASSWORD)
    dialog = ExportDialog(GuiContext(manager, translations))
    dialog.show()
    shooter.save(dialog, "dialog-export", lang)
    dialog.close()
    dialog.deleteLater()
    auth.logout(manager)
    settle(50)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", help="output folder (or --out)")
    parser.add_argument("--out", type=Path, help="output folder")
    parser.add_argument("--size", default="", help="WIDTHxHEIGHT, e.g. 1280x800: every form "
                        "F01–F16, casebook, dashboard, administration and dialogs at that size")
    parser.add_argument("--lang", choices=("en", "zh"), help="one language (default both)")
    parser.add_argument("--subjects", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="keep the demo database here and reuse it when "
                        "it exists (made by this script: same password)")  # fmt: skip
    args = parser.parse_args(argv)
    folder = args.out or args.folder
    if folder is None:
        parser.error("give an output folder (--out DIR)")
    folder.mkdir(parents=True, exist_ok=True)
    size = None
    if args.size:
        try:
            width, height = (int(n) for n in args.size.lower().split("x"))
        except ValueError:
            parser.error("--size is WIDTHxHEIGHT, e.g. 1280x800")
        size = (width, height)
    langs = (args.lang,) if args.lang else ("en", "zh")

    with tempfile.TemporaryDirectory(prefix="tnt-shots-") as scratch:
        os.environ["TNT_CONFIG_DIR"] = str(Path(scratch) / "config")
        from tnt_desktop.demo import generate_demo
        from tnt_desktop.gui.app import make_application
        from tnt_desktop.gui.i18n import Translations

        app = make_application()
        db = args.db or Path(scratch) / "tnt-demo.db"
        if not db.exists():
            print(f"building a demo database with {args.subjects} subjects…", flush=True)
            report = generate_demo(db, args.subjects, seed=args.seed, password=PASSWORD)
            print(f"  done in {report.seconds:.1f} s", flush=True)
        translations = Translations()
        shooter = Shooter(folder)
        for lang in langs:
            if size is not None:
                shoot_review_set(lang, db, shooter, translations, size)
            else:
                shoot_language(lang, db, shooter, translations)
                shoot_review(lang, db, shooter, translations)
        app.processEvents()
    for path in shooter.files:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
