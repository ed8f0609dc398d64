"""`tnt-desktop lock|unlock|freeze|unfreeze` (issue 6, item 5): the same services, permissions and
audit as the desktop application; a lock refuses the command-line edit path (ODM import)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tnt_desktop.demo import generate_demo
from tnt_desktop.services import auth, workflow
from tnt_desktop.services.export_read import subject_audit
from tnt_desktop.storage import keyslots

from .conftest import FAST_KDF, PASSWORD
from .test_cli_export import run


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cliwf") / "wf.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyslots, "DEFAULT_KDF", dict(FAST_KDF))
        generate_demo(path, 3, seed=11, password=PASSWORD)
    return path


@pytest.fixture(scope="module")
def odm(db, tmp_path_factory) -> Path:
    """The demo's clinical data as an ODM file (imported back, it changes nothing or is refused)."""
    out = tmp_path_factory.mktemp("cliwf-odm")
    done = run("export", "--db", db, "--user", "coordinator", "--out", out, "--formats", "odm",
               "--profile", "SITE_ARCHIVE")  # fmt: skip
    assert done.returncode == 0, done.stderr
    (file,) = out.glob("*/odm/*.xml")
    return file


def first_subject(db: Path) -> str:
    app = auth.login(db, "datamanager", PASSWORD)
    try:
        from tnt_desktop.services.subjects import list_subjects

        return next(s.subject_id for s in list_subjects(app) if s.subject_id)
    finally:
        auth.logout(app)


def state(db: Path, key: str) -> tuple[bool, str]:
    app = auth.login(db, "datamanager", PASSWORD)
    try:
        return workflow.is_database_locked(app), workflow.subject_state(app, key)
    finally:
        auth.logout(app)


def wf(*args, user="datamanager", db):
    return run(*args, "--db", db, "--user", user)


@pytest.mark.req("REQ-DQ-04", "REQ-AT-06")
def test_database_lock_refuses_an_import_until_unlocked_with_a_reason(db, odm):
    locked = wf("lock", "database", "--reason", "final analysis", db=db)
    assert locked.returncode == 0, locked.stderr
    assert "database locked" in locked.stdout
    assert state(db, first_subject(db))[0] is True
    refused = run("import", "--db", db, "--user", "coordinator", odm, "--reason", "again")
    assert refused.returncode != 0
    assert "database is locked" in refused.stderr
    no_reason = wf("unlock", "database", db=db)
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    assert state(db, first_subject(db))[0] is True
    unlocked = wf("unlock", "database", "--reason", "query resolution", db=db)
    assert unlocked.returncode == 0, unlocked.stderr
    assert state(db, first_subject(db))[0] is False


@pytest.mark.req("REQ-DQ-04", "REQ-AC-02")
def test_only_the_data_manager_locks_and_freezes(db):
    key = first_subject(db)
    for user in ("coordinator", "investigator", "monitor"):
        for args in (("lock", "database"), ("lock", "subject", key), ("freeze", key)):
            denied = wf(*args, user=user, db=db)
            assert denied.returncode == 7, (user, args, denied.stderr)
    assert state(db, key) == (False, "OPEN")


@pytest.mark.req("REQ-DQ-04", "REQ-AT-06")
def test_freeze_lock_and_unlock_a_subject_and_a_form_in_chinese(db):
    key = first_subject(db)
    frozen = wf("freeze", key, "--reason", "monitoring visit", db=db)
    assert frozen.returncode == 0 and f"subject {key} frozen" in frozen.stdout
    assert state(db, key)[1] == "FROZEN"
    unfrozen = run("unfreeze", key, "--db", db, "--user", "datamanager", "--reason", "done",
                   lang="zh")  # fmt: skip
    assert unfrozen.returncode == 0 and f"受试者 {key} 已解冻" in unfrozen.stdout
    assert wf("lock", "subject", key, db=db).returncode == 0
    assert state(db, key)[1] == "LOCKED"
    twice = wf("lock", "subject", key, db=db)
    assert twice.returncode != 0 and "cannot become locked" in twice.stderr
    assert wf("unlock", "subject", key, "--reason", "correction approved", db=db).returncode == 0
    form = wf("lock", "form", key, "SE.SCR", "IE", db=db)
    assert form.returncode == 0 and f"{key} SE.SCR #1 IE: locked" in form.stdout
    back = wf("unlock", "form", key, "SE.SCR", "IE", "--reason", "typo in source", db=db)
    assert back.returncode == 0, back.stderr
    assert "locked" not in back.stdout.split(":")[-1]
    app = auth.login(db, "datamanager", PASSWORD)
    try:
        actions = [(a.action, a.reason_text) for a in subject_audit(app, key)]
    finally:
        auth.logout(app)
    for expected in (("SUBJECT_FROZEN", "monitoring visit"), ("SUBJECT_UNFROZEN", "done"),
                     ("SUBJECT_LOCKED", None), ("SUBJECT_UNLOCKED", "correction approved"),
                     ("FORM_LOCKED", None), ("FORM_UNLOCKED", "typo in source")):  # fmt: skip
        assert expected in actions


def test_help():
    for args in (["lock", "--help"], ["unlock", "form", "--help"], ["freeze", "--help"]):
        result = run(*args, password=None)
        assert result.returncode == 0 and "usage:" in result.stdout
