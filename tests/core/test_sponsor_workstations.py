"""Several workstations at one site (issue 17, point 1): each numbers screening numbers and
study IDs from its own block, fixed at `admin init --workstation W`, so that numbers stay
unique across the site's workstations with no network (services.sequences)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.conftest import ADMIN, ADMIN_PASSWORD, PASSWORD, TEMPORARY, screen_eligible
from tnt_desktop import cli
from tnt_desktop.errors import TntError, UsageError
from tnt_desktop.services import auth, subjects
from tnt_desktop.services.sequences import (
    CAPACITY,
    MAX_DEFAULT_WORKSTATION,
    SCREENING,
    STUDY_ID,
    default_block,
    parse_block,
)
from tnt_desktop.storage.models import Setting


def coordinator_on(path, **init) -> object:
    auth.initialise(path, site_id="01", admin_username=ADMIN, admin_password=ADMIN_PASSWORD,
                    **init)  # fmt: skip
    admin = auth.login(path, ADMIN, ADMIN_PASSWORD)
    auth.add_user(admin, "coordinator", "coordinator", TEMPORARY)
    app = auth.login(path, "coordinator", TEMPORARY)
    auth.change_password(app, TEMPORARY, PASSWORD)
    admin.db.close()
    return app


def test_workstation_two_numbers_from_its_own_blocks(tmp_path):
    app = coordinator_on(tmp_path / "ws2.db", workstation=2)
    try:
        assert app.db.workstation == 2
        first = screen_eligible(app)
        assert first == "SCR-1000"
        assert subjects.enrol(app, first) == "TNT-01-100"
        assert subjects.screen_subject(app) == "SCR-1001"
        with app.transaction(write=False) as session:
            blocks = {s.key: s.value for s in session.query(Setting)
                      if s.key.startswith("numbering.")}  # fmt: skip
        assert blocks == {"numbering.SCRNUM": "1000-1999", "numbering.SUBJID": "100-199"}
    finally:
        app.db.close()


def test_workstation_one_numbers_as_a_single_workstation_site_always_did(tmp_path):
    app = coordinator_on(tmp_path / "ws1.db")
    try:
        assert [subjects.screen_subject(app) for _ in range(2)] == ["SCR-0001", "SCR-0002"]
    finally:
        app.db.close()


def test_an_explicit_block_is_used_and_a_used_up_block_refuses_without_reusing(tmp_path):
    app = coordinator_on(tmp_path / "ws12.db", workstation=12, screening_block="9990-9991",
                         id_block="990-990")  # fmt: skip
    try:
        first = screen_eligible(app)
        assert first == "SCR-9990"
        assert subjects.enrol(app, first) == "TNT-01-990"
        second = screen_eligible(app)
        assert second == "SCR-9991"
        with pytest.raises(TntError) as info:
            subjects.enrol(app, second)
        assert "990–990" in info.value.message.en and "990–990" in info.value.message.zh
        with pytest.raises(TntError):
            subjects.screen_subject(app)
        assert [s.screening_number for s in subjects.list_subjects(app)] == [first, second]
    finally:
        app.db.close()


def test_a_workstation_beyond_the_default_blocks_must_name_its_blocks(tmp_path):
    with pytest.raises(UsageError):
        auth.initialise(tmp_path / "x.db", site_id="01", admin_username=ADMIN,
                        admin_password=ADMIN_PASSWORD, workstation=11)  # fmt: skip
    with pytest.raises(UsageError):
        auth.initialise(tmp_path / "y.db", site_id="01", admin_username=ADMIN,
                        admin_password=ADMIN_PASSWORD, workstation=2,
                        id_block="50-1200")  # fmt: skip
    assert not (tmp_path / "x.db").exists() and not (tmp_path / "y.db").exists()


# Hypothesis: a modest, fixed number of examples (pure arithmetic, no database), no deadline.
@settings(max_examples=60, deadline=None)
@given(st.integers(1, MAX_DEFAULT_WORKSTATION), st.integers(1, MAX_DEFAULT_WORKSTATION))
def test_default_blocks_of_two_workstations_never_overlap_and_fit_the_format(a, b):
    for name in (SCREENING, STUDY_ID):
        first_a, last_a = default_block(name, a)
        first_b, last_b = default_block(name, b)
        assert 1 <= first_a <= last_a <= CAPACITY[name]
        if a != b:
            assert last_a < first_b or last_b < first_a
        assert parse_block(name, f"{first_a}-{last_a}") == (first_a, last_a)


def test_cli_admin_init_takes_the_workstation(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TNT_PASSWORD", ADMIN_PASSWORD)
    db = tmp_path / "ws3.db"
    code = cli.main(["admin", "init", "--db", str(db), "--site", "01", "--workstation", "3",
                     "--admin", ADMIN])  # fmt: skip
    assert code == 0
    assert "workstation 3" in capsys.readouterr().out
    app = auth.login(db, ADMIN, ADMIN_PASSWORD)
    try:
        assert (app.db.site_id, app.db.workstation) == ("01", 3)
    finally:
        app.db.close()
    code = cli.main(["admin", "init", "--db", str(tmp_path / "bad.db"), "--site", "01",
                     "--workstation", "0", "--admin", ADMIN])  # fmt: skip
    assert code == 2 and not (tmp_path / "bad.db").exists()


def test_a_copy_of_another_workstation_is_renumbered_by_its_administrator(tmp_path, monkeypatch,
                                                                          capsys):  # fmt: skip
    import shutil

    source = coordinator_on(tmp_path / "ws1.db")
    try:
        assert subjects.screen_subject(source) == "SCR-0001"
    finally:
        source.db.close()
    for suffix in ("", ".keys"):
        shutil.copy2(f"{tmp_path / 'ws1.db'}{suffix}", f"{tmp_path / 'copy.db'}{suffix}")
    monkeypatch.setenv("TNT_PASSWORD", ADMIN_PASSWORD)
    assert cli.main(["admin", "workstation", "--db", str(tmp_path / "copy.db"), "--user", ADMIN,
                     "--workstation", "4"]) == 0  # fmt: skip
    assert "workstation 4" in capsys.readouterr().out
    app = auth.login(tmp_path / "copy.db", "coordinator", PASSWORD)
    try:
        assert app.db.workstation == 4
        assert subjects.screen_subject(app) == "SCR-3000"  # its own block, from its start
        assert [s.screening_number for s in subjects.list_subjects(app)] == ["SCR-0001",
                                                                              "SCR-3000"]
    finally:
        app.db.close()
    refused = cli.main(["admin", "workstation", "--db", str(tmp_path / "copy.db"), "--user",
                        ADMIN, "--workstation", "12"])  # fmt: skip
    assert refused == 2  # beyond the default blocks without explicit ones
