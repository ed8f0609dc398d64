"""The demo generator (tnt_desktop.demo): a small demo database, built once per module."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tnt_desktop.demo import USERNAMES, generate_demo, new_password
from tnt_desktop.demo.data import Stage, choose_stages, make_plan
from tnt_desktop.errors import PasswordRejected
from tnt_desktop.services import auth, subjects
from tnt_desktop.services.clinical_data import find_subject, load_subject
from tnt_desktop.services.passwords import check_password
from tnt_desktop.storage.audit import verify_chain
from tnt_desktop.storage.models import AuditEntry, FormInstance

TODAY = date(2026, 3, 16)
SEED = 7
PASSWORD = "Demo-Pass-2468"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    calls: list[tuple[int, int]] = []
    report = generate_demo(path, 12, seed=SEED, password=PASSWORD, today=TODAY,
                           progress=lambda done, total: calls.append((done, total)))  # fmt: skip
    return report, calls


@pytest.fixture(scope="module")
def coordinator(demo):
    report, _calls = demo
    app = auth.login(report.db_path, "coordinator", report.password)
    yield app
    auth.logout(app)


def test_every_stage_is_present(demo):
    report, calls = demo
    assert report.subjects == 12
    assert sum(report.stages.values()) == 12
    assert all(report.stages[stage.value] >= 1 for stage in Stage), report.stages
    assert calls[-1] == (12, 12) and len(calls) == 12


def test_subject_statuses_follow_the_stages(demo, coordinator):
    report, _calls = demo
    status = {s.subject_id or s.screening_number: s.status
              for s in subjects.list_subjects(coordinator)}  # fmt: skip
    expected = {
        Stage.SCREENING: "SCREENING", Stage.SCREEN_FAILED: "SCREEN_FAILED",
        Stage.WITHDRAWN: "WITHDRAWN",
    }  # fmt: skip
    for key, stage in report.subject_stages:
        assert status[key] == expected.get(Stage(stage), "ENROLLED"), (key, stage)


def test_forms_were_saved_and_completed(demo, coordinator):
    report, _calls = demo
    assert report.saves > 100
    with coordinator.transaction() as session:
        forms = session.scalar(select(func.count()).select_from(FormInstance))
        errors = session.scalar(select(func.count()).select_from(FormInstance).where(
            FormInstance.has_errors.is_(True)))  # fmt: skip
        complete = session.scalar(select(func.count()).select_from(FormInstance).where(
            FormInstance.status == "COMPLETE"))  # fmt: skip
    assert forms > 100 and complete > forms // 2
    assert errors == 0  # no cross-form hard finding left on any form


@pytest.mark.req("REQ-AT-02", "REQ-DQ-02")
def test_audit_chain_verifies_and_shows_corrections_and_overrides(demo, coordinator):
    report, _calls = demo
    with coordinator.transaction() as session:
        chain = verify_chain(session)
        actions = dict(
            session.execute(
                select(AuditEntry.action, func.count()).group_by(AuditEntry.action)
            ).all()
        )
        reasons = session.scalars(select(AuditEntry.reason_code).where(
            AuditEntry.action == "DATA_CHANGED")).all()  # fmt: skip
        users = set(session.scalars(select(AuditEntry.username).distinct()))
    assert chain.ok, chain
    assert report.corrections > 0 and reasons and all(reasons)  # every change has a reason
    assert actions.get("CHECK_OVERRIDDEN", 0) == report.overrides > 0
    assert {"SUBJECT_SCREENED", "SUBJECT_ENROLLED", "SCREEN_FAILED", "SUBJECT_WITHDRAWN",
            "DERIVED_VALUE", "PASSWORD_CHANGED"} <= set(actions)  # fmt: skip
    assert {"admin", "coordinator", "investigator", "SYSTEM"} <= users


def test_chinese_free_text_is_stored(demo, coordinator):
    report, _calls = demo
    enrolled = [key for key, stage in report.subject_stages
                if stage in (Stage.FOLLOW_UP.value, Stage.COMPLETED.value)]  # fmt: skip
    with coordinator.transaction() as session:
        data = load_subject(session, coordinator.study, find_subject(session, enrolled[0])).data
    terms = [row["AETERM"] for row in data.form("AE").rows["AE"]]
    assert terms and all(CJK.search(term) for term in terms)
    assert CJK.search(data.form("DM").values["SUBJNAME"])


def test_same_seed_same_subjects(demo, tmp_path):
    report, _calls = demo
    again = generate_demo(tmp_path / "again.db", 12, seed=SEED, password=PASSWORD, today=TODAY)
    assert again.subject_stages == report.subject_stages
    assert again.stages == report.stages
    assert (again.saves, again.overrides, again.corrections) == (
        report.saves,
        report.overrides,
        report.corrections,
    )
    app = auth.login(again.db_path, "monitor", PASSWORD)
    try:
        statuses = [(s.screening_number, s.subject_id, s.status)
                    for s in subjects.list_subjects(app)]  # fmt: skip
    finally:
        auth.logout(app)
    first = auth.login(report.db_path, "monitor", PASSWORD)
    try:
        assert statuses == [(s.screening_number, s.subject_id, s.status)
                            for s in subjects.list_subjects(first)]  # fmt: skip
    finally:
        auth.logout(first)


def test_every_role_logs_in_with_the_password(demo):
    report, _calls = demo
    assert report.password == PASSWORD and PASSWORD in report.summary()
    for username in USERNAMES:
        app = auth.login(report.db_path, username, report.password)
        try:
            assert app.role == username and not app.must_change_password
        finally:
            auth.logout(app)


def test_stage_plans_are_pure_and_placed_in_their_stage():
    import random

    rng = random.Random(3)
    stages = choose_stages(rng, 40)
    assert set(stages) == set(Stage)
    for index, stage in enumerate(stages):
        plan = make_plan(rng, index, stage, TODAY)
        first, last = plan.window(TODAY)
        assert first <= TODAY <= last, (stage, first, last)
        assert plan.consent <= plan.screening < plan.enrolment < plan.rt_days[0]
        assert all(day.weekday() < 5 for day in plan.rt_days)


def test_generated_password_passes_the_rules():
    password = new_password()
    assert len(password) >= 10
    for username in USERNAMES:
        check_password(username, password)


def test_a_password_containing_a_user_name_is_refused_before_anything_is_created(tmp_path):
    with pytest.raises(PasswordRejected):
        generate_demo(tmp_path / "x.db", 1, password="monitor-2024-pw")
    assert not (tmp_path / "x.db").exists()


@pytest.mark.req("REQ-DQ-01", "REQ-DQ-03", "REQ-ES-03")
def test_the_demo_is_reviewed_queries_sdv_and_signatures_one_broken(demo, coordinator):
    """Issue 6 item 6: queries in every state, verified forms, signed eligibility and
    casebooks, one casebook signature broken by a later correction — all through services."""
    from tnt_desktop.services import queries, signatures

    report, _calls = demo
    review = report.review
    assert review is not None and review.summary() in report.summary()
    by_status: dict[str, int] = {}
    for q in queries.list_queries(coordinator):
        if q.origin == "MANUAL":
            by_status[q.status] = by_status.get(q.status, 0) + 1
    assert by_status == review.queries
    assert {"OPEN", "ANSWERED", "CLOSED"} <= set(by_status)
    with coordinator.transaction(write=False) as session:
        verified = session.scalar(select(func.count()).select_from(FormInstance)
                                  .where(FormInstance.status == "VERIFIED"))  # fmt: skip
    assert verified > 0 and review.verified_forms >= verified
    states: dict[tuple[str, str], str] = {}
    for key, _stage in report.subject_stages:
        for view in signatures.signatures(coordinator, key):
            if view.current:
                states[(key, view.point)] = view.state
    assert sum(1 for (_k, p) in states if p == "IESIG") > 0
    broken = [k for (k, p), s in states.items() if s == signatures.SignatureState.BROKEN]
    assert len(broken) == 1 and broken == review.broken
    assert states[(broken[0], "EOSSIG")] == signatures.SignatureState.BROKEN
    assert states[(broken[0], "IESIG")] == signatures.SignatureState.VALID


def test_the_deviation_log_holds_the_candidates_the_data_imply(demo, coordinator):
    """Clarification 20: every deviation candidate the demo's data imply is in its DV log,
    once, as a system-detected entry — counted against a recomputation from the stored data
    (the edit checks run afresh, not the log's own bookkeeping)."""
    from tnt_desktop.storage.models import Subject
    from tnt_desktop.study.checks import run_checks

    expected: set[tuple[str, str, str]] = set()
    recorded: list[tuple[str, str, str]] = []
    with coordinator.transaction(write=False) as session:
        for subject in session.scalars(select(Subject)):
            data = load_subject(session, coordinator.study, subject).data
            for f in run_checks(data, coordinator.params, today=TODAY):
                if f.dv_category is not None:
                    visit = "" if f.event is None else (
                        f"{f.event}#{f.repeat}" if f.repeat and f.repeat > 1 else f.event)
                    expected.add((subject.key, f.check_id, visit))
            ie = data.form("IE")
            if subject.subject_id and ie is not None and ie.values.get("ELIGFL") == "N":
                expected.add((subject.key, "IE-ELIGFL", ""))
            log = data.form("DV")
            for row in log.group_rows("DV") if log is not None else []:
                if row.get("DVCHKID") and not row.get("DVWDRSN"):
                    assert row["DVSRC"] in ("AUTO_TIMING_CHECK", "AUTO_DOSE_CHECK")
                    recorded.append((subject.key, row["DVCHKID"], row.get("DVCHKREF", "")))
    assert expected, "the demo plans out-of-window data: some candidates must be implied"
    assert sorted(recorded) == sorted(expected)  # each exactly once


def test_a_demo_larger_than_a_default_block_numbers_on_to_the_formats_capacity():
    # 300 subjects do not fit workstation 1's default study-ID block (TNT-01-001…099)
    from tnt_desktop.demo.generator import _demo_blocks

    assert _demo_blocks(300, 1) == {"screening_block": None, "id_block": "1-999"}
    assert _demo_blocks(51, 1) == {"screening_block": None, "id_block": None}
    assert _demo_blocks(60, 3) == {"screening_block": None, "id_block": None}
