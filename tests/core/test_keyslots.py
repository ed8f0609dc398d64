"""Key slots (issue 3, items 2 and 4): one slot per user wraps the random database key; wrong
passwords are counted and throttled in the slot file (persisted, growing back-off); a password
change rewraps one slot; deactivation removes it; an admin reset forces a change; the slot's
AEAD binds it to its user and its database."""

from __future__ import annotations

import itertools
import json

import pytest

from tests.core.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    ELIGIBLE_IE,
    FAST_KDF,
    PASSWORD,
    PRODUCTION_KDF,
    TEMPORARY,
    Trial,
    audit_entries,
)
from tnt_desktop.errors import (
    AccountLocked,
    LoginError,
    NotATntDatabase,
    PasswordChangeRequired,
    UnknownUser,
    WrongPassword,
)
from tnt_desktop.services import auth, subjects
from tnt_desktop.services.form_entries import FormEntry
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.storage import keyslots
from tnt_desktop.storage.keyslots import (
    BASE_LOCK_SECONDS,
    MAX_FAILURES_BEFORE_LOCK,
    MAX_LOCK_SECONDS,
    BadPassword,
    KeySlotError,
    KeySlotFile,
    Slot,
)

WRONG = "Not-The-Password-1"


def _slots(trial: Trial) -> KeySlotFile:
    return KeySlotFile.load(trial.keys_path)


def _raw(trial: Trial) -> dict:
    return json.loads(trial.keys_path.read_text(encoding="utf-8"))


def _expire_lock(trial: Trial, username: str) -> None:
    """What waiting out the lock-out does (without waiting)."""
    slots = _slots(trial)
    slots.slots[username].locked_until = 0.0
    slots.save(trial.keys_path)


# ---- the slot itself --------------------------------------------------------------------------
def test_a_slot_round_trips_and_stores_its_kdf_parameters():
    key = bytes(range(32))
    slots = KeySlotFile("db-1")
    slots.add("alice", key, PASSWORD)
    assert slots.unwrap("alice", PASSWORD) == key
    assert slots.slots["alice"].kdf == FAST_KDF
    with pytest.raises(BadPassword):
        slots.unwrap("alice", WRONG)


def test_a_slot_made_with_other_parameters_still_opens_with_its_own(monkeypatch):
    key = bytes(32)
    slots = KeySlotFile("db-1")
    slots.add("alice", key, PASSWORD, kdf={"name": "scrypt", "n": 2**10, "r": 8, "p": 1})
    monkeypatch.setattr(keyslots, "DEFAULT_KDF", {"name": "scrypt", "n": 2**11, "r": 8, "p": 1})
    assert slots.unwrap("alice", PASSWORD) == key


@pytest.mark.req("REQ-SEC-01")
def test_the_production_kdf_is_memory_hard_scrypt():
    kdf = PRODUCTION_KDF
    assert kdf["name"] == "scrypt"
    assert 128 * kdf["n"] * kdf["r"] >= 32 * 2**20  # at least 32 MiB per guess
    assert keyslots.DEFAULT_KDF == FAST_KDF  # the tests run with the small one


@pytest.mark.req("REQ-SEC-01")
def test_the_key_file_holds_no_secret_in_the_clear(trial):
    key = trial.key()
    text = trial.keys_path.read_text(encoding="utf-8")
    assert key.hex() not in text and ADMIN_PASSWORD not in text
    data = _raw(trial)
    assert data["format"] == keyslots.FORMAT and data["version"] == keyslots.VERSION
    assert set(data["slots"][ADMIN]) == {"kdf", "salt", "nonce", "wrapped", "created_utc",
                                        "failures", "locked_until", "public", "box_public",
                                        "signer", "signature"}  # fmt: skip
    assert set(data["envelopes"][ADMIN][0]) == {"epoch", "ephemeral", "nonce", "sealed"}


@pytest.mark.parametrize("content", ["", "{not json", '{"format": "other"}', "[]",
                                     '{"format": "tnt-desktop-keyslots", "version": 99}'])
def test_a_damaged_or_foreign_key_file_is_refused(tmp_path, content):
    path = tmp_path / "x.db.keys"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(KeySlotError):
        KeySlotFile.load(path)


def test_a_damaged_key_file_makes_login_say_not_a_tnt_database(trial):
    trial.keys_path.write_text("garbage", encoding="utf-8")
    with pytest.raises(NotATntDatabase) as info:
        auth.login(trial.path, ADMIN, ADMIN_PASSWORD)
    assert "key file" in info.value.message.en


# ---- wrong passwords, lock-out and back-off ---------------------------------------------------
@pytest.mark.req("REQ-AC-03")
def test_a_wrong_password_says_how_many_attempts_are_left(trial):
    with pytest.raises(WrongPassword) as info:
        auth.login(trial.path, ADMIN, WRONG)
    left = MAX_FAILURES_BEFORE_LOCK - 1
    assert f"{left} attempt(s) left" in info.value.message.en
    assert f"再错 {left} 次" in info.value.message.zh
    assert WRONG not in info.value.message.en and WRONG not in info.value.message.zh
    assert _slots(trial).slots[ADMIN].failures == 1
    with pytest.raises(WrongPassword) as info:
        auth.login(trial.path, ADMIN, WRONG)
    assert f"{left - 1} attempt(s) left" in info.value.message.en


@pytest.mark.req("REQ-AC-03")
def test_five_failures_lock_the_account_and_the_lock_survives_a_fresh_load(trial):
    for _ in range(MAX_FAILURES_BEFORE_LOCK - 1):
        with pytest.raises(WrongPassword):
            auth.login(trial.path, ADMIN, WRONG)
    with pytest.raises(AccountLocked) as info:
        auth.login(trial.path, ADMIN, WRONG)
    assert info.value.seconds == BASE_LOCK_SECONDS
    # a fresh load of the file (a restart) still knows the lock
    fresh = KeySlotFile.load(trial.keys_path)
    assert fresh.slots[ADMIN].failures == MAX_FAILURES_BEFORE_LOCK
    assert 0 < fresh.seconds_locked(ADMIN) <= BASE_LOCK_SECONDS
    # even the right password is refused while locked
    with pytest.raises(AccountLocked) as info:
        auth.login(trial.path, ADMIN, ADMIN_PASSWORD)
    assert "locked" in info.value.message.en and "锁定" in info.value.message.zh


@pytest.mark.req("REQ-AC-03")
def test_the_back_off_grows_after_each_further_failure(trial):
    for _ in range(MAX_FAILURES_BEFORE_LOCK - 1):
        with pytest.raises(WrongPassword):
            auth.login(trial.path, ADMIN, WRONG)
    seen = []
    for _ in range(4):
        with pytest.raises(AccountLocked) as info:
            auth.login(trial.path, ADMIN, WRONG)
        seen.append(info.value.seconds)
        _expire_lock(trial, ADMIN)
    assert seen == [BASE_LOCK_SECONDS * 2**i for i in range(4)]


@pytest.mark.req("REQ-AC-03")
def test_the_back_off_doubles_up_to_the_cap():
    slots = KeySlotFile("db")
    slots.add("bob", bytes(32), PASSWORD)
    started = [slots.record_failure("bob", now=1000.0) for _ in range(20)]
    assert started[: MAX_FAILURES_BEFORE_LOCK - 1] == [0] * (MAX_FAILURES_BEFORE_LOCK - 1)
    locks = started[MAX_FAILURES_BEFORE_LOCK - 1 :]
    assert locks[:4] == [30, 60, 120, 240]
    assert all(b >= a for a, b in itertools.pairwise(locks))
    assert locks[-1] == MAX_LOCK_SECONDS
    assert slots.seconds_locked("bob", now=1000.0) == MAX_LOCK_SECONDS
    assert slots.seconds_locked("bob", now=1000.0 + MAX_LOCK_SECONDS) == 0


@pytest.mark.req("REQ-AC-03", "REQ-AT-05")
def test_a_success_resets_the_counters_and_the_failures_reach_the_audit_trail(trial):
    for _ in range(3):
        with pytest.raises(WrongPassword):
            auth.login(trial.path, ADMIN, WRONG)
    app = trial.login(ADMIN, ADMIN_PASSWORD)
    slot = _slots(trial).slots[ADMIN]
    assert slot.failures == 0 and slot.locked_until == 0.0
    failed = audit_entries(app, action="LOGIN_FAILED")
    assert len(failed) == 1 and "3 failed attempt(s)" in failed[0].detail
    # after the reset a single wrong password again leaves four attempts
    with pytest.raises(WrongPassword) as info:
        auth.login(trial.path, ADMIN, WRONG)
    assert f"{MAX_FAILURES_BEFORE_LOCK - 1} attempt(s) left" in info.value.message.en


def test_an_unknown_user_is_a_login_error(trial):
    with pytest.raises(UnknownUser):
        auth.login(trial.path, "nobody", PASSWORD)


# ---- password change, deactivation, reset -----------------------------------------------------
def test_a_password_change_rewraps_only_that_slot(trial):
    trial.add_user("investigator")
    monitor = trial.user("monitor")
    before = _raw(trial)["slots"]
    auth.change_password(monitor, PASSWORD, "Brand-New-Pass-9")
    after = _raw(trial)["slots"]
    for name in (ADMIN, "investigator"):
        assert after[name] == before[name]  # untouched
    assert after["monitor"]["wrapped"] != before["monitor"]["wrapped"]
    assert after["monitor"]["salt"] != before["monitor"]["salt"]
    # the other slots still open; the new password opens; the old one does not
    assert trial.key(ADMIN, ADMIN_PASSWORD) == monitor.key
    assert _slots(trial).unwrap("investigator", TEMPORARY) == monitor.key
    assert _slots(trial).unwrap("monitor", "Brand-New-Pass-9") == monitor.key
    with pytest.raises(WrongPassword):
        auth.login(trial.path, "monitor", PASSWORD)
    assert trial.login("monitor", "Brand-New-Pass-9").username == "monitor"
    assert audit_entries(monitor, action="PASSWORD_CHANGED")


@pytest.mark.req("REQ-AC-03")
def test_a_password_change_needs_the_old_password(trial):
    monitor = trial.user("monitor")
    before = _raw(trial)
    with pytest.raises(WrongPassword):
        auth.change_password(monitor, WRONG, "Brand-New-Pass-9")
    assert _raw(trial) == before


@pytest.mark.req("REQ-AT-01")
def test_a_deactivated_user_loses_the_slot_and_cannot_log_in(trial):
    trial.user("monitor")
    auth.deactivate_user(trial.admin, "monitor")
    assert "monitor" not in _raw(trial)["slots"]
    with pytest.raises(LoginError):
        auth.login(trial.path, "monitor", PASSWORD)
    assert audit_entries(trial.admin, action="USER_DEACTIVATED")[0].old_value == (
        "monitor:monitor"
    )
    users = {u["username"]: u for u in auth.list_users(trial.admin)}
    assert users["monitor"]["active"] is False
    assert trial.login(ADMIN, ADMIN_PASSWORD)  # the others still open


@pytest.mark.req("REQ-AC-03")
def test_a_reset_forces_a_change_before_any_service_call(trial):
    coordinator = trial.user("coordinator")
    number = subjects.screen_subject(coordinator)
    auth.reset_password(trial.admin, "coordinator", "Reset-Temp-4455")
    with pytest.raises(WrongPassword):
        auth.login(trial.path, "coordinator", PASSWORD)  # the old password is gone
    app = trial.login("coordinator", "Reset-Temp-4455")
    assert app.must_change_password
    calls = [
        lambda: subjects.screen_subject(app),
        lambda: subjects.list_subjects(app),
        lambda: subjects.enrol(app, number),
        lambda: save_form(app, FormEntry(number, "SE.SCR", "IE", values=dict(ELIGIBLE_IE))),
    ]
    for call in calls:
        with pytest.raises(PasswordChangeRequired):
            call()
    assert subjects.count_subjects(app) == 1  # nothing was written
    auth.change_password(app, "Reset-Temp-4455", "Chosen-Again-321")
    assert not app.must_change_password
    assert subjects.screen_subject(app) == "SCR-0002"
    assert trial.login("coordinator", "Chosen-Again-321").must_change_password is False


@pytest.mark.req("REQ-AC-03")
def test_a_new_user_must_change_the_temporary_password(trial):
    trial.add_user("datamanager")
    app = trial.login("datamanager", TEMPORARY)
    with pytest.raises(PasswordChangeRequired):
        subjects.list_subjects(app)


@pytest.mark.req("REQ-AC-03")
def test_a_reset_also_lifts_a_lock_out(trial):
    trial.user("monitor")
    for _ in range(MAX_FAILURES_BEFORE_LOCK):
        with pytest.raises((WrongPassword, AccountLocked)):
            auth.login(trial.path, "monitor", WRONG)
    with pytest.raises(AccountLocked):
        auth.login(trial.path, "monitor", PASSWORD)
    auth.reset_password(trial.admin, "monitor", "Reset-Temp-4455")
    assert trial.login("monitor", "Reset-Temp-4455").must_change_password


# ---- the AEAD binds a slot to its user and its database ---------------------------------------
@pytest.mark.req("REQ-SEC-01")
def test_swapping_two_users_slots_opens_neither(trial):
    trial.user("monitor")
    data = _raw(trial)
    data["slots"][ADMIN], data["slots"]["monitor"] = data["slots"]["monitor"], data["slots"][ADMIN]
    trial.keys_path.write_text(json.dumps(data), encoding="utf-8")
    for username, password in ((ADMIN, ADMIN_PASSWORD), ("monitor", PASSWORD),
                               (ADMIN, PASSWORD), ("monitor", ADMIN_PASSWORD)):  # fmt: skip
        with pytest.raises(WrongPassword):
            auth.login(trial.path, username, password)


@pytest.mark.req("REQ-SEC-01")
def test_a_slot_copied_into_another_databases_key_file_does_not_open(tmp_path):
    first = Trial(tmp_path / "a.db")
    second = Trial(tmp_path / "b.db")
    try:
        data = _raw(second)
        data["slots"][ADMIN] = _raw(first)["slots"][ADMIN]  # same user, same password
        second.keys_path.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(WrongPassword):
            auth.login(second.path, ADMIN, ADMIN_PASSWORD)
    finally:
        first.close()
        second.close()


def test_the_aad_names_the_database_and_the_user():
    key = bytes(32)
    slot = Slot.wrap(key, PASSWORD, KeySlotFile.aad("db-1", "alice"))
    assert slot.unwrap(PASSWORD, KeySlotFile.aad("db-1", "alice")) == key
    for aad in (KeySlotFile.aad("db-2", "alice"), KeySlotFile.aad("db-1", "bob")):
        with pytest.raises(BadPassword):
            slot.unwrap(PASSWORD, aad)
