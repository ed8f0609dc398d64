"""GUI benchmark (issue 4): time to first window, opening a casebook and rendering the largest
form (CT, the chemotherapy cycle), and the longest GUI stall while 5,000 subject rows load.

    .venv/bin/python benchmarks/gui.py [--subjects 5000] [--repeat 5] [--db PATH]

1. First window: a fresh interpreter started as a subprocess, timed from just before the start
   to the moment the window has been shown and painted (the child prints a line from a
   zero-timeout timer after `show()`; the parent notes when it arrives). The bare PySide6
   QMainWindow and the application's first window (the login dialog, built the way
   `gui.app.run` builds it: application, fonts, stylesheet, log file, exception hook,
   preferences, translations) alternate, `--repeat` times each, in the same run. The
   project's modules are byte-compiled first, as an installed program's are.
2. Casebook and CT form: in this process, logged in as the coordinator on a demo database,
   `MainWindow.open_subject` then `MainWindow.open_form("SE.C1", 1, "CT")`, each followed by
   processing events and a synchronous repaint, for a subject with three documented cycles.
3. Subject list: a scratch database of `--subjects` subjects (the demo generator, then rows
   copied with SQL by benchmarks/subject_list.py), loaded by `SubjectListView.refresh()` —
   the service call in a worker thread, the rows inserted in chunks — while a 5 ms QTimer
   heartbeat records the longest gap between its ticks (a gap is a stall of the GUI thread).
   The same for the chunked model fill alone (rows already in memory).

Prints a table with the goals (≤ 1.5× the bare window, ≤ 150 ms, ≤ 100 ms); asserts nothing.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import subject_list as list_bench  # noqa: E402  (benchmarks/subject_list.py)

PASSWORD = list_bench.PASSWORD

BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.resize(480, 320)
window.show()
QTimer.singleShot(0, lambda: (print("shown", flush=True), app.quit()))
app.exec()
"""

TNT = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from tnt_desktop.config import load_preferences
from tnt_desktop.gui.app import make_application
from tnt_desktop.gui.errors import install_excepthook
from tnt_desktop.gui.i18n import Translations
from tnt_desktop.gui.login import LoginDialog
from tnt_desktop.logs import setup_logging
app = make_application()
setup_logging()
install_excepthook()
prefs = load_preferences()
translations = Translations()
translations.install(prefs.language or "en")
dialog = LoginDialog(Path(sys.argv[1]), translations, username="coordinator")
dialog.show()
QTimer.singleShot(0, lambda: (print("shown", flush=True), app.quit()))
app.exec()
"""


def first_window(code: str, args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, cwd=ROOT, env=env, text=True)  # fmt: skip
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - start
    child.wait(timeout=60)
    if line.strip() != "shown":
        raise RuntimeError("the child process did not show its window")
    return elapsed


def measure_first_window(db: Path, repeat: int, scratch: Path) -> tuple[list[float], list[float]]:
    env = dict(os.environ, TNT_CONFIG_DIR=str(scratch / "config"), QT_QPA_PLATFORM=os.environ[
        "QT_QPA_PLATFORM"])  # fmt: skip
    # An installed program runs from compiled bytecode (pip compiles at install, PyInstaller
    # bundles .pyc); a checkout under PYTHONDONTWRITEBYTECODE would recompile every module on
    # every start, which is not what a user waits for. PySide6's own modules are compiled.
    compileall.compile_dir(str(ROOT / "tnt_desktop"), quiet=1)
    bare, tnt = [], []
    first_window(BARE, [], env)  # warm the disk cache for both
    first_window(TNT, [str(db)], env)
    for _ in range(repeat):
        bare.append(first_window(BARE, [], env))
        tnt.append(first_window(TNT, [str(db)], env))
    return bare, tnt


def repaint(widget) -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    widget.repaint()


def measure_casebook(db: Path, repeat: int) -> tuple[list[float], list[float], str]:
    from tnt_desktop.gui.context import GuiContext
    from tnt_desktop.gui.i18n import Translations
    from tnt_desktop.gui.main_window import MainWindow
    from tnt_desktop.services import auth
    from tnt_desktop.services.casebook import open_casebook
    from tnt_desktop.services.subject_list import subject_rows

    session = auth.login(db, "coordinator", PASSWORD)
    translations = Translations()
    translations.install("en")
    window = MainWindow(GuiContext(session, translations))
    window.resize(1280, 820)
    window.show()
    _wait(lambda: not window.dashboard.loading)
    key = ""
    for row in subject_rows(session):
        if row.subject_id is None:
            continue
        cycles = open_casebook(session, row.key).event("SE.C1")
        if cycles is not None and any(f.form == "CT" and f.started for f in cycles.forms):
            key = row.key
            break
    casebook_t, form_t = [], []
    for _ in range(repeat + 1):
        window._drop_form()
        start = time.perf_counter()
        window.open_subject(key)
        repaint(window)
        middle = time.perf_counter()
        window.open_form("SE.C1", 1, "CT")
        repaint(window)
        end = time.perf_counter()
        casebook_t.append(middle - start)
        form_t.append(end - middle)
    window.close()
    session.db.close()
    return casebook_t[1:], form_t[1:], key  # the first round warms caches


def _wait(condition, timeout: float = 120.0) -> None:
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError
        QApplication.processEvents()
        time.sleep(0.001)


class Heartbeat:
    """A 5 ms timer; the longest gap between two ticks is the longest GUI stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.longest = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def start(self) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0
        self.timer.start()

    def stop(self) -> float:
        self._tick()
        self.timer.stop()
        return self.longest


def run_loop_until(condition, done_signal=None, timeout: float = 300.0) -> None:
    """Run the event loop (not processEvents in a busy loop) until `condition()`: woken by
    `done_signal`, with a slow poll as a safety net. Not a fast polling timer: every Python slot
    waits for the GIL while a worker runs Python, and a 2 ms poll would crowd out the heartbeat
    it shares the event loop with, measuring the benchmark rather than the application."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    if done_signal is not None:
        done_signal.connect(loop.quit)
    check = QTimer()
    check.setInterval(100)
    check.timeout.connect(lambda: loop.quit() if condition() else None)
    check.start()
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        loop.exec()
    check.stop()
    if done_signal is not None:
        done_signal.disconnect(loop.quit)


def measure_list(db: Path, repeat: int) -> dict[str, list[float]]:
    from tnt_desktop.gui.context import GuiContext
    from tnt_desktop.gui.i18n import Translations
    from tnt_desktop.gui.subject_list_view import SubjectListView
    from tnt_desktop.services import auth
    from tnt_desktop.services.subject_list import subject_rows

    session = auth.login(db, "coordinator", PASSWORD)
    translations = Translations()
    translations.install("en")
    view = SubjectListView(GuiContext(session, translations))
    view.resize(1280, 760)
    view.show()
    beat = Heartbeat()
    results: dict[str, list[float]] = {"refresh": [], "refresh_stall": [], "fill": [],
                                       "fill_stall": []}  # fmt: skip
    rows = subject_rows(session)
    for _ in range(repeat):
        beat.start()
        start = time.perf_counter()
        view.refresh()
        run_loop_until(lambda: not view.loading, view.loaded)
        results["refresh"].append(time.perf_counter() - start)
        results["refresh_stall"].append(beat.stop())
        beat.start()
        start = time.perf_counter()
        view.load_rows(rows)
        run_loop_until(lambda: not view.loading, view.loaded)
        results["fill"].append(time.perf_counter() - start)
        results["fill_stall"].append(beat.stop())
    results["rows"] = [float(view.model.rowCount())]
    view.close()
    session.db.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=5000)
    parser.add_argument("--demo", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", type=Path, help="keep the 5,000-subject scratch database here "
                        "(reused if it exists)")  # fmt: skip
    args = parser.parse_args()
    from tnt_desktop.demo import generate_demo
    from tnt_desktop.gui.app import make_application

    with tempfile.TemporaryDirectory(prefix="tnt-gui-bench-") as tmp:
        scratch = Path(tmp)
        os.environ["TNT_CONFIG_DIR"] = str(scratch / "config")
        app = make_application()
        db = args.db or scratch / "bench.db"
        if not db.exists():
            print(f"building the scratch database ({args.demo} demo subjects)…", flush=True)
            generate_demo(db, args.demo, seed=3, password=PASSWORD, today=date.today())
        bare, tnt = measure_first_window(db, args.repeat, scratch)
        casebook_t, form_t, key = measure_casebook(db, args.repeat)
        print(f"copying rows up to {args.subjects} subjects…", flush=True)
        subjects, forms, _values = list_bench.replicate(db, args.subjects, mix=True)
        listing = measure_list(db, max(2, args.repeat // 2))
        app.processEvents()

    ratio = statistics.median(tnt) / statistics.median(bare)
    ms = 1000.0
    print()
    print(f"TNT Desktop GUI benchmark ({os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f}, QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']})")
    print(f"  casebook subject {key}; subject list: {subjects} subjects, {forms} form "
          f"instances, {int(listing['rows'][0])} rows shown")
    print(f"{'measure':<52} {'median':>10} {'worst':>10} {'goal':>16}")

    def line(name: str, values: list[float], goal: str, scale: float = ms,
             unit: str = "ms") -> None:  # fmt: skip
        print(f"{name:<52} {statistics.median(values) * scale:>8.0f}{unit} "
              f"{max(values) * scale:>8.0f}{unit} {goal:>16}")

    line("first window: bare PySide6 QMainWindow (subprocess)", bare, "reference")
    line("first window: TNT Desktop login (subprocess)", tnt, "≤ 1.5× bare")
    print(f"{'  ratio TNT / bare (medians)':<52} {ratio:>9.2f}× {'':>10} {'≤ 1.50×':>16}")
    line("open casebook (read + tree + paint)", casebook_t, "")
    line("render CT form (build + load + preview + paint)", form_t, "≤ 150 ms")
    line("  casebook + CT form together", [a + b for a, b in zip(casebook_t, form_t,
                                                                 strict=True)], "")
    line(f"subject list refresh, {subjects} subjects (total)", listing["refresh"], "", 1, "s ")
    line("  longest GUI stall during refresh", listing["refresh_stall"], "≤ 100 ms")
    line("chunked model fill alone (total)", listing["fill"], "")
    line("  longest GUI stall during the fill", listing["fill_stall"], "≤ 100 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
