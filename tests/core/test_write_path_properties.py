"""Invariants of the write path under random sequences of use (issue 13, item 7; Hypothesis).

A state machine drives one small database through what sites and sponsors do to it: saves of
new values and edits of saved ones with a reason (through the entry session, answered like a
person would), repeating-group rows added and removed, edits opened and discarded, exports of
every kind (site snapshot, site transactional, sponsor snapshot) imported straight back, and
older exports imported again later (which change saved data back, with the importing user's
reason) — twice. After every step:

- replaying the audit trail reproduces every stored value (tests/core/replay.py);
- repeating-group rows are numbered per item group: the keys a group ever used are 1…n, each
  once (a row is never duplicated, nor keyed across the form);
- every query exists once (no two automatic queries on the same item for the same check);
- `admin verify` (services.integrity) passes;
- and at each export: importing what was just exported is a fixed point — no form changes, no
  audit entry, every stored value as it was.

Budget (the suite's time, on a shared 2-core machine): the template database (a demo of 2
subjects, fixed seed) is built once per module and copied for each example; Hypothesis runs
MAX_EXAMPLES examples of at most STEPS steps each, deadline=None (a step exports or imports a
whole database), derandomized so that a run in CI is the same run every time, with no example
database written. About 2–4 minutes here.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from datetime import date
from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import text

from tests.core.conftest import FAST_KDF, audit_count, mh_row
from tests.core.replay import replay_mismatches, stored
from tnt_desktop.exports.odm_export import export_odm
from tnt_desktop.exports.odm_import import import_odm
from tnt_desktop.services import auth, integrity, subjects
from tnt_desktop.services.clinical_data import find_subject, load_subject
from tnt_desktop.services.entry_session import (
    Confirm,
    EntrySession,
    EntryState,
    EntryStep,
    GiveReason,
)
from tnt_desktop.services.export_read import ExportProfile
from tnt_desktop.services.form_entries import RowEntry
from tnt_desktop.storage import keyslots

MAX_EXAMPLES = 15
STEPS = 6
SEED = 7
PASSWORD = "Prop-Pass-1357"
TODAY = date(2026, 3, 16)
REASON = "TRANSCRIPTION_ERROR"


@lru_cache(maxsize=1)
def template() -> Path:
    """The demo database every example starts from (built once per test run)."""
    from tnt_desktop.demo import generate_demo

    folder = Path(tempfile.mkdtemp(prefix="tnt-write-path-"))
    saved = keyslots.DEFAULT_KDF
    keyslots.DEFAULT_KDF = dict(FAST_KDF)
    try:
        generate_demo(folder / "template.db", 2, seed=SEED, password=PASSWORD, today=TODAY)
    finally:
        keyslots.DEFAULT_KDF = saved
    return folder / "template.db"


def answer_like_a_person(step: EntryStep):
    """What a coordinator answers: a transcription error; every soft finding checked."""
    if step.state is EntryState.NEEDS_REASON:
        return GiveReason(REASON)
    if step.state is EntryState.NEEDS_OVERRIDES:
        return Confirm({f.key: "checked against the source document" for f in step.findings})
    return None


class WritePath(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="tnt-write-path-"))
        path = self.folder / "db.db"
        shutil.copy(template(), path)
        shutil.copy(keyslots.keyslot_path(template()), keyslots.keyslot_path(path))
        self.app = auth.login(path, "coordinator", PASSWORD)
        self.dm = auth.login(path, "datamanager", PASSWORD)
        self.exports: list[Path] = []
        self.enrolled = [s.subject_id for s in subjects.list_subjects(self.app) if s.subject_id]

    def teardown(self) -> None:
        for app in (self.app, self.dm):
            auth.logout(app)
        shutil.rmtree(self.folder, ignore_errors=True)

    @initialize()
    def start(self) -> None:
        assert self.enrolled, "the template has an enrolled subject"

    # ---- helpers ---------------------------------------------------------------------------
    def converse(self, subject: str, event: str, form: str, **change) -> EntryStep:
        """One form edit through the entry session; if it is not saved, nothing was written."""
        before = audit_count(self.app)
        session = EntrySession.open(self.app, subject, event, 1, form, today=TODAY)
        session.change(**change)
        step = session.run(answer_like_a_person)
        if step.state is not EntryState.SAVED:
            assert audit_count(self.app) == before, step
        return step

    def mh_keys(self, subject: str) -> list[int]:
        with self.app.transaction(write=False) as session:
            loaded = load_subject(session, self.app.study, find_subject(session, subject))
            form = loaded.form("SE.SCR", 1, "MH")
            return [] if form is None else list(form.row_keys.get("MH", []))

    def export(self, name: str, profile: ExportProfile, transactional: bool) -> Path:
        app = self.dm if profile is ExportProfile.SPONSOR_CODED else self.app
        path = self.folder / f"{len(self.exports):02d}-{name}.xml"
        export_odm(app, path, profile=profile, transactional=transactional)
        self.exports.append(path)
        return path

    def fixed_point(self, path: Path) -> None:
        """Importing what was just exported changes nothing."""
        values, entries = stored(self.app), audit_count(self.app)
        report = import_odm(self.app, path)
        assert report.imported and not report.refused, report.summary()
        assert not report.created and not report.changed, report.summary()
        assert stored(self.app) == values and audit_count(self.app) == entries

    # ---- what people do ---------------------------------------------------------------------
    @rule(which=st.integers(0, 5), weight=st.integers(450, 950))
    def edit_weight(self, which: int, weight: int) -> None:
        subject = self.enrolled[which % len(self.enrolled)]
        self.converse(subject, "SE.SCR", "DM", values={"WEIGHT": f"{weight / 10:.1f}"})

    @rule(which=st.integers(0, 5), term=st.sampled_from(["Hypertension", "Gout", "Asthma"]))
    def add_history_row(self, which: int, term: str) -> None:
        subject = self.enrolled[which % len(self.enrolled)]
        keys = self.mh_keys(subject)
        rows = [RowEntry(key=k) for k in keys] + [RowEntry(values=mh_row(term, "2015"))]
        step = self.converse(subject, "SE.SCR", "MH", rows={"MH": rows})
        if step.state is EntryState.SAVED:
            assert self.mh_keys(subject)[:-1] == keys and self.mh_keys(subject)[-1] > max(
                keys, default=0)  # fmt: skip

    @rule(which=st.integers(0, 5))
    def remove_last_history_row(self, which: int) -> None:
        subject = self.enrolled[which % len(self.enrolled)]
        keys = self.mh_keys(subject)
        if keys:
            self.converse(subject, "SE.SCR", "MH", rows={"MH": [RowEntry(key=k)
                                                               for k in keys[:-1]]})

    @rule(which=st.integers(0, 5), weight=st.integers(450, 950))
    def discard_an_edit(self, which: int, weight: int) -> None:
        subject = self.enrolled[which % len(self.enrolled)]
        before, values = audit_count(self.app), stored(self.app)
        session = EntrySession.open(self.app, subject, "SE.SCR", 1, "DM", today=TODAY)
        session.change(values={"WEIGHT": f"{weight / 10:.1f}"})
        session.preview()
        assert session.abandon().state is EntryState.ABANDONED
        assert audit_count(self.app) == before and stored(self.app) == values

    @rule(kind=st.sampled_from([(ExportProfile.SITE_ARCHIVE, False),
                                (ExportProfile.SITE_ARCHIVE, True),
                                (ExportProfile.SPONSOR_CODED, False)]))  # fmt: skip
    def export_and_import_back(self, kind) -> None:
        profile, transactional = kind
        self.fixed_point(self.export(f"{profile.value}-{transactional}", profile, transactional))

    @rule(pick=st.integers(0, 20))
    def import_an_older_export_twice(self, pick: int) -> None:
        if not self.exports:
            return
        path = self.exports[pick % len(self.exports)]
        first = import_odm(self.app, path, reason=f"{REASON}: the archived state is right")
        assert first.imported or first.refused  # a report either way, never an exception
        values, entries = stored(self.app), audit_count(self.app)
        again = import_odm(self.app, path, reason=f"{REASON}: the archived state is right")
        assert not again.changed and not again.created, again.summary()
        assert stored(self.app) == values and audit_count(self.app) == entries

    # ---- after every step -------------------------------------------------------------------
    @invariant()
    def the_trail_replays_to_every_stored_value(self) -> None:
        assert replay_mismatches(self.app) == []

    @invariant()
    def rows_are_numbered_per_group_and_never_duplicated(self) -> None:
        with self.app.transaction(write=False) as session:
            rows = session.execute(text(
                "SELECT form_pk, group_name, COUNT(DISTINCT row_key), MIN(row_key), "
                "MAX(row_key) FROM item_value WHERE group_name <> '' "
                "GROUP BY form_pk, group_name")).all()  # fmt: skip
        for form_pk, group, count, low, high in rows:
            assert (low, high) == (1, count), (form_pk, group, low, high, count)

    @invariant()
    def every_query_exists_once(self) -> None:
        with self.app.transaction(write=False) as session:
            keys = session.execute(text(
                "SELECT subject_pk, event_oid, repeat_key, form_code, group_name, row_key, "
                "item_name, check_id FROM data_query WHERE origin = 'AUTO'")).all()  # fmt: skip
        twice = [key for key, n in Counter(map(tuple, keys)).items() if n > 1]
        assert not twice, twice

    @invariant()
    def admin_verify_passes(self) -> None:
        report = integrity.verify(self.dm)
        assert report.ok, report.message().en


WritePath.TestCase.settings = settings(
    max_examples=MAX_EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=True,
    database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestWritePath = WritePath.TestCase
