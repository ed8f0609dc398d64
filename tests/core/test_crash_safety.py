"""Crash safety and concurrency (issue 3, item 8).

A child process saves forms in a loop and reports each save after `save_form` returns; the test
kills it with SIGKILL and then shows that the integrity check passes, every reported save is
present and the audit chain verifies. A second process using the database while another one
writes gets safe access or DatabaseBusy — never another error, never corruption.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from tests.core.conftest import ELIGIBLE_IE, PASSWORD, Trial
from tnt_desktop.errors import DatabaseBusy
from tnt_desktop.services import auth, subjects
from tnt_desktop.services.clinical_data import find_subject, load_subject
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.storage import audit, engine
from tnt_desktop.storage.database import integrity_problems

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

ROOT = Path(__file__).resolve().parents[2]
CHILD = ROOT / "tests" / "data" / "storage_child.py"
WAIT = 60.0  # seconds before a stuck child fails the test (never reached when all is well)


class Child:
    """A child process whose stdout lines arrive on a queue (read by a thread)."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, str(CHILD), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )  # fmt: skip
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, predicate, count: int = 1) -> None:
        """Wait until `count` lines satisfy `predicate`."""
        deadline = time.monotonic() + WAIT
        matched = sum(1 for line in self.seen if predicate(line))
        while matched < count:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.kill()
                pytest.fail(f"child stuck; saw {self.seen[-5:]}")
            if line is None:
                err = self.process.stderr.read() if self.process.stderr else ""
                pytest.fail(f"child ended early (rc={self.process.wait()}):\n{err[-3000:]}")
            self.seen.append(line)
            matched += bool(predicate(line))

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=WAIT)
        self._reader.join(timeout=WAIT)
        while True:  # lines printed before the kill were acknowledged saves too
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.seen.append(line)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def saves(self) -> list[tuple[str, str]]:
        return [tuple(line.split()[1:3]) for line in self.seen if line.startswith("SAVED ")]


def _saved(line: str) -> bool:
    return line.startswith("SAVED ")


@pytest.fixture
def crash_trial(tmp_path) -> Trial:
    trial = Trial(tmp_path / "crash.db")
    trial.user("coordinator")
    trial.user("investigator")
    trial.close()  # the child is the only process with the database open
    yield trial
    trial.close()


def check_database(trial: Trial, saves: list[tuple[str, str]]) -> None:
    """Integrity clean, every acknowledged save present, audit chain intact."""
    assert integrity_problems(trial.path, trial.key()) == []
    app = trial.login("coordinator", PASSWORD)
    with app.transaction() as session:
        for number, day in saves:
            subject = find_subject(session, number)
            form = load_subject(session, app.study, subject).form("SE.SCR", 1, "IE")
            assert form is not None, number
            assert form.record.values["RFICDAT"] == date.fromisoformat(day), number
            assert form.record.values["ELIGFL"] == "Y", number
        report = audit.verify_chain(session)
    assert report.ok, report
    numbers = [s.screening_number for s in subjects.list_subjects(app)]
    assert numbers == [f"SCR-{i:04d}" for i in range(1, len(numbers) + 1)]  # no gap, no reuse
    assert integrity_problems(trial.path, trial.key()) == []


def test_a_killed_writer_loses_nothing_it_acknowledged(crash_trial):
    acknowledged: list[tuple[str, str]] = []
    for round_saves in (5, 15, 30):  # kill twice: the database must reopen after a crash, too
        child = Child("write", str(crash_trial.path), "coordinator", PASSWORD)
        try:
            child.expect(lambda line: line == "READY")
            child.expect(_saved, round_saves)
        finally:
            child.kill()  # SIGKILL, most likely in the middle of the next save
        assert child.process.returncode == -signal.SIGKILL
        assert len(child.saves()) >= round_saves
        acknowledged += child.saves()
        check_database(crash_trial, acknowledged)
        crash_trial.close()
    assert len({number for number, _day in acknowledged}) == len(acknowledged)


def test_a_second_process_gets_safe_access_or_database_busy_while_another_writes(crash_trial):
    child = Child("write", str(crash_trial.path), "coordinator", PASSWORD, "40")
    done_here: list[str] = []
    busy = 0
    try:
        child.expect(lambda line: line == "READY")
        child.expect(_saved, 2)
        app = None
        deadline = time.monotonic() + 4.0
        while time.monotonic() < deadline and len(done_here) < 6:
            try:
                if app is None:
                    app = auth.login(crash_trial.path, "investigator", PASSWORD)
                    crash_trial.sessions.append(app)
                number = subjects.screen_subject(app)
                save_form(app, FormEntry(number, "SE.SCR", "IE", values=dict(ELIGIBLE_IE)))
                subjects.list_subjects(app)
                done_here.append(number)
            except DatabaseBusy as exc:
                busy += 1
                assert "in use" in exc.message.en
        child.expect(lambda line: line == "DONE")
        child.process.wait(timeout=WAIT)
    finally:
        child.kill()
    assert child.process.returncode == 0
    assert done_here, f"the second process never got access ({busy} busy)"
    crash_trial.close()
    check_database(crash_trial, child.saves())
    app = crash_trial.login("coordinator", PASSWORD)
    with app.transaction() as session:
        for number in done_here:
            form = load_subject(session, app.study, find_subject(session, number)).form(
                "SE.SCR", 1, "IE")  # fmt: skip
            assert form is not None and form.record.values["ELIGFL"] == "Y"


@pytest.fixture
def short_busy_timeout(monkeypatch):
    """Give up waiting for a lock after 0.3 s instead of 5 s (the test waits for it)."""
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 300)


def test_a_write_while_another_process_holds_the_lock_is_database_busy(
    crash_trial, short_busy_timeout
):
    app = crash_trial.login("coordinator", PASSWORD)
    number = subjects.screen_subject(app)
    holder = Child("hold", str(crash_trial.path), "investigator", PASSWORD)
    try:
        holder.expect(lambda line: line == "LOCKED")
        with pytest.raises(DatabaseBusy) as info:
            subjects.screen_subject(app)
        assert "in use" in info.value.message.en and info.value.message.zh
        with pytest.raises(DatabaseBusy):
            save_form(app, FormEntry(number, "SE.SCR", "IE", values=dict(ELIGIBLE_IE)))
    finally:
        if holder.process.poll() is None and holder.process.stdin:
            holder.process.stdin.write("release\n")
            holder.process.stdin.flush()
            holder.expect(lambda line: line == "RELEASED")
        holder.kill()
    # once the lock is gone the same calls work, and nothing was damaged
    assert subjects.screen_subject(app) == "SCR-0002"
    save_form(app, FormEntry(number, "SE.SCR", "IE", values=dict(ELIGIBLE_IE)))
    crash_trial.close()
    check_database(crash_trial, [(number, ELIGIBLE_IE["RFICDAT"])])


def test_logging_in_while_another_process_holds_the_lock_is_database_busy(
    crash_trial, short_busy_timeout
):
    holder = Child("hold", str(crash_trial.path), "investigator", PASSWORD)
    try:
        holder.expect(lambda line: line == "LOCKED")
        with pytest.raises(DatabaseBusy):
            crash_trial.login("coordinator", PASSWORD)
    finally:
        if holder.process.poll() is None and holder.process.stdin:
            holder.process.stdin.write("release\n")
            holder.process.stdin.flush()
            holder.expect(lambda line: line == "RELEASED")
        holder.kill()
    crash_trial.close()
    check_database(crash_trial, [])


def test_a_killed_lock_holder_leaves_the_database_usable(crash_trial, short_busy_timeout):
    holder = Child("hold", str(crash_trial.path), "investigator", PASSWORD)
    try:
        holder.expect(lambda line: line == "LOCKED")
    finally:
        holder.kill()  # SIGKILL while holding the write lock
    app = crash_trial.login("coordinator", PASSWORD)
    assert subjects.screen_subject(app) == "SCR-0001"
    crash_trial.close()
    check_database(crash_trial, [])
