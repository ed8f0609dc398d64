"""Never a traceback (issue 14 point 8): `admin verify` on page-damaged databases, a foreign
`.keys` file, a full disk without a file name, and the production KDF (issue 14 point 9).
The commands run in-process through `cli.main` (what `tnt-desktop` runs): an exception other
than the typed errors would escape and fail the test."""

from __future__ import annotations

import errno
import shutil
import time

import pytest

from tests.core.conftest import ADMIN, ADMIN_PASSWORD, PRODUCTION_KDF, Trial, enrol_one
from tnt_desktop import cli
from tnt_desktop.cli.common import run_guarded
from tnt_desktop.errors import KeyFileMismatch, StorageFull, UnknownUser, WrongPassword
from tnt_desktop.services import auth
from tnt_desktop.storage import keyslots

PAGE = 4096


def verify_cli(path, capsys) -> tuple[int, str]:
    code = cli.main(["admin", "verify", "--db", str(path), "--user", ADMIN])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def filled(trial, monkeypatch):
    coordinator = trial.user("coordinator")
    for _ in range(3):
        enrol_one(coordinator)
    trial.close()
    monkeypatch.setenv("TNT_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("TNT_LANG", "en")
    return trial


@pytest.mark.parametrize("page", [1, 2, 3, 5, 8, 13, 21, -1])
def test_verify_on_a_page_damaged_database_exits_cleanly(filled, capsys, page):
    """One page overwritten (the auditor's 12 damaged files: 10 gave a traceback)."""
    data = bytearray(filled.path.read_bytes())
    pages = len(data) // PAGE
    index = (pages - 1 if page == -1 else min(page, pages - 1))
    data[index * PAGE + 100:index * PAGE + 400] = bytes(300)
    filled.path.write_bytes(bytes(data))
    code, text = verify_cli(filled.path, capsys)
    assert code in (5, 8), text
    assert str(filled.path) in text and "restore" in text


def test_a_foreign_key_file_names_the_file_and_the_next_step(filled, tmp_path, capsys):
    other = Trial(tmp_path / "other.db")  # same admin name and password, another database
    other.close()
    shutil.copy(other.keys_path, filled.keys_path)
    with pytest.raises(KeyFileMismatch) as info:
        auth.login(filled.path, ADMIN, ADMIN_PASSWORD)
    assert str(filled.keys_path) in info.value.message.en
    assert "tntbak.keys" in info.value.message.en and "密钥文件" in info.value.message.zh
    code, text = verify_cli(filled.path, capsys)
    assert code == 5 and str(filled.keys_path) in text


def test_a_full_disk_without_a_file_name_names_the_folder(tmp_path):
    class Args:
        out = tmp_path / "exports"
        db = tmp_path / "site.db"

    def handler(_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(StorageFull) as info:
        run_guarded(handler, Args())
    assert f"nothing was written to {tmp_path / 'exports'};" in info.value.message.en
    assert "written to ;" not in StorageFull("").message.en


def test_verify_reports_each_finding_with_its_place(filled, capsys):
    from tnt_desktop.storage.engine import connect_raw

    c = connect_raw(filled.path, filled.key())
    try:
        c.execute("UPDATE item_value SET value = '12.0' WHERE item_name = 'WEIGHT'")
    finally:
        c.close()
    code, text = verify_cli(filled.path, capsys)
    assert code == 8
    assert text.count("DM WEIGHT: stored '12.0'") == 3 and "next step" in text


# ---- passwords --------------------------------------------------------------------------------
@pytest.mark.parametrize("weak", ["password123", "Password1!"])
def test_common_passwords_are_refused_in_both_languages(trial, weak):
    from tnt_desktop.errors import PasswordRejected

    with pytest.raises(PasswordRejected) as info:
        auth.add_user(trial.admin, "carol", "coordinator", weak)
    assert "too easy to guess" in info.value.message.en
    assert "太容易被猜到" in info.value.message.zh and weak not in info.value.message.en


def test_unknown_users_get_the_same_words_and_the_same_work(trial):
    def timed(name: str, password: str) -> tuple[float, str]:
        start = time.perf_counter()
        with pytest.raises((UnknownUser, WrongPassword)) as info:
            auth.login(trial.path, name, password)
        return time.perf_counter() - start, info.value.message.en

    auth.add_user(trial.admin, "carol", "coordinator", "Temp-Word-7731")
    known, known_text = timed("carol", "Wrong-Guess-4410")
    unknown, unknown_text = timed("mallory", "Wrong-Guess-4410")
    assert known_text.startswith("wrong user name or password for carol")
    assert unknown_text == "wrong user name or password for mallory"
    # the unknown name ran the KDF too: not answered in a fraction of the known one's time
    assert unknown > known / 4


def test_the_production_kdf_is_memory_hard_and_slow_enough(tmp_path):
    """One real guess with the production parameters (not the tests' cheap ones): ≥ 64 MiB of
    scrypt memory (128·N·r bytes) and the work of p sequential passes; benchmarks/storage.py
    prints the seconds on this machine (timing is not asserted here)."""
    params = PRODUCTION_KDF
    assert params["name"] == "scrypt"
    assert 128 * params["n"] * params["r"] >= 64 * 2**20
    assert params["n"] * params["p"] >= 2**17  # twice the work of the 0.2 s setting
    slots = keyslots.KeySlotFile("abc")
    slots.add("u", b"k" * 32, "Garden-Path-92", kdf=params)
    assert slots.slots["u"].kdf == params
    assert slots.unwrap("u", "Garden-Path-92") == b"k" * 32
