"""The trust model (issue 14): every entry, signature and key slot provably comes from the user
it names. One test per attack of the issue, each now refused or detected; the attacker is a
user of each role holding their own password (and so the raw database key), editing the files
with SQL and JSON as the auditor did."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.core.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    PASSWORD,
    TEMPORARY,
    audit_entries,
    enrol_one,
)
from tnt_desktop.errors import KeySlotNotTrusted, TntError
from tnt_desktop.services import auth, integrity
from tnt_desktop.services import signatures as sg
from tnt_desktop.services.form_entries import FormEntry, OverrideRequired
from tnt_desktop.services.form_entry import save_form
from tnt_desktop.storage import audit, keyslots
from tnt_desktop.storage.engine import connect_raw
from tnt_desktop.storage.signing import public_hex

ROLES = ("coordinator", "investigator", "monitor", "datamanager")
IE = ("SE.SCR", 1, "IE")


def save(app, entry: FormEntry):
    try:
        return save_form(app, entry)
    except OverrideRequired as exc:
        entry.overrides = {key: "confirmed with the source" for key, _f in exc.findings}
        return save_form(app, entry)


@pytest.fixture
def team(trial):
    return {role: trial.user(role) for role in ROLES}


@pytest.fixture
def signed(trial, team):
    """An enrolled subject whose F01 the investigator signed."""
    sid = enrol_one(team["coordinator"])
    save_form(team["coordinator"], FormEntry(sid, "SE.SCR", "IE", complete=True))
    inv = team["investigator"]
    sg.acknowledge(inv, PASSWORD)
    sg.sign(inv, sid, *IE, "IESIG", PASSWORD, username="investigator")
    return sid


def raw(trial):
    """What any user holding their own password can do: open the file with the raw key."""
    connection = connect_raw(trial.path, trial.key())
    for name in ("audit_entry_no_update", "audit_entry_no_delete"):
        connection.execute(f"DROP TRIGGER IF EXISTS {name}")
    return connection


def report(trial):
    return integrity.verify(trial.admin)


def places(rep) -> str:
    return "\n".join(f.text("en") for f in rep.damage)


# ---- a clean database verifies ----------------------------------------------------------------
def test_a_clean_database_with_data_and_signatures_verifies(trial, signed):
    rep = report(trial)
    assert rep.ok, rep.message().en
    assert not rep.damage


def test_every_transaction_head_is_signed_by_its_acting_user(trial, team, signed):
    c = connect_raw(trial.path, trial.key())
    try:
        rows = c.execute("SELECT s.audit_id, s.username, a.username FROM chain_signature s "
                         "JOIN audit_entry a ON a.id = s.audit_id").fetchall()
    finally:
        c.close()
    assert rows
    assert all(signer == entry_user or entry_user == "SYSTEM" for _id, signer, entry_user in rows)
    assert {"coordinator", "investigator", "admin"} <= {signer for _i, signer, _u in rows}


# ---- attack 1: any user can become any other --------------------------------------------------
@pytest.mark.parametrize("attacker", ["coordinator", "monitor", "datamanager"])
def test_a_slot_rewrapped_into_another_users_name_is_refused(trial, team, attacker):
    """The attacker opens their own slot and wraps its secrets under the investigator's name
    with their own password (the associated data then matches): the key inside is not the
    investigator's certified key, so the login is refused and names the key file."""
    slots = keyslots.KeySlotFile.load(trial.keys_path)
    mine = slots.open_slot(attacker, PASSWORD)
    slots.add("investigator", mine, PASSWORD)
    slots.seal_for("investigator", slots.unwrap(attacker, PASSWORD), 0)
    # their own slot signature does not help: it is bound to their name
    slots.slots["investigator"].signer = attacker
    slots.slots["investigator"].signature = slots.slots[attacker].signature
    slots.save(trial.keys_path)
    with pytest.raises(KeySlotNotTrusted) as info:
        auth.login(trial.path, "investigator", PASSWORD)
    assert str(trial.keys_path) in info.value.message.en
    assert info.value.exit_code == 6


def test_a_format_1_slot_forged_for_another_user_is_refused(trial, team):
    """An old-style slot (the raw database key alone) made for the investigator: the account
    already has a certified key, which such a slot cannot hold."""
    slots = keyslots.KeySlotFile.load(trial.keys_path)
    key = slots.unwrap("coordinator", PASSWORD)
    slots.add("investigator", key, PASSWORD)
    slots.save(trial.keys_path)
    with pytest.raises(KeySlotNotTrusted):
        auth.login(trial.path, "investigator", PASSWORD)


def test_the_coordinator_cannot_sign_as_the_investigator(trial, team):
    """The end of the auditor's attack: e-signing EOSSIG as the investigator — impossible
    without the investigator's password, since the login above is refused; and a signature row
    forged with SQL reads INVALID (see the e-signature tests below)."""
    slots = keyslots.KeySlotFile.load(trial.keys_path)
    slots.add("investigator", slots.open_slot("coordinator", PASSWORD), PASSWORD)
    slots.seal_for("investigator", slots.unwrap("coordinator", PASSWORD), 0)
    slots.save(trial.keys_path)
    with pytest.raises(KeySlotNotTrusted):
        auth.login(trial.path, "investigator", PASSWORD)


def test_the_private_key_is_in_no_file_in_the_clear(trial, team):
    slots = keyslots.KeySlotFile.load(trial.keys_path)
    secret = slots.open_slot("investigator", PASSWORD)
    assert public_hex(secret.signing_key) == slots.slots["investigator"].public
    text = trial.keys_path.read_text()
    assert secret.signing_key.hex() not in text and secret.box_key.hex() not in text
    assert secret.site_key is None  # only the administrator holds the site key
    assert slots.open_slot(ADMIN, ADMIN_PASSWORD).site_key is not None


# ---- attack 2: verify misses what matters -----------------------------------------------------
def test_verify_finds_a_value_changed_without_audit(trial, team):
    sid = enrol_one(team["coordinator"])
    c = raw(trial)
    try:
        c.execute("UPDATE item_value SET value = '99.0' WHERE item_name = 'WEIGHT'")
    finally:
        c.close()
    rep = report(trial)
    assert not rep.ok
    assert f"{sid} SE.SCR #1 DM WEIGHT" in places(rep)
    assert "'99.0'" in places(rep)


def test_verify_finds_a_value_inserted_without_audit(trial, team):
    enrol_one(team["coordinator"])
    c = raw(trial)
    try:
        form_pk = c.execute("SELECT form_pk FROM item_value WHERE item_name = 'WEIGHT'"
                            ).fetchone()[0]
        c.execute("INSERT INTO item_value (form_pk, group_name, row_key, item_name, value, "
                  f"derived) VALUES ({form_pk}, '', 0, 'ECOGDAT2', '2025-01-01', 0)")
    finally:
        c.close()
    assert "has no audit entry" in places(report(trial))


def _recompute_chain(connection) -> None:
    """What a raw-key holder can do to the hash chain: recompute every hash and the head."""
    columns = [r[1] for r in connection.execute("PRAGMA table_info(audit_entry)")]
    prev = audit.GENESIS
    rows = connection.execute("SELECT * FROM audit_entry ORDER BY id").fetchall()
    for row in rows:
        fields = dict(zip(columns, row, strict=True))
        digest = audit.entry_hash(prev, fields)
        connection.execute("UPDATE audit_entry SET prev_hash = ?, hash = ? WHERE id = ?",
                           (prev, digest, fields["id"]))
        prev = digest
    connection.execute("UPDATE setting SET value = ? WHERE key = ?",
                       (f"{rows[-1][0]}:{prev}", audit.HEAD_KEY))


@pytest.mark.parametrize("attacker", ROLES)
def test_verify_finds_a_recomputed_chain(trial, team, attacker):
    """Any user edits a value and its audit entry consistently, then recomputes the chain:
    the hash chain verifies, the signed heads do not."""
    enrol_one(team["coordinator"])
    c = raw(trial)
    try:
        c.execute("UPDATE item_value SET value = '99.0' WHERE item_name = 'WEIGHT'")
        c.execute("UPDATE audit_entry SET new_value = '99.0' WHERE item_name = 'WEIGHT'")
        _recompute_chain(c)
    finally:
        c.close()
    rep = report(trial)
    assert rep.chain.ok  # the hashes alone no longer tell
    assert not rep.ok
    assert "does not verify" in places(rep)


def test_verify_finds_entries_added_without_a_signed_head(trial, team):
    enrol_one(team["coordinator"])
    c = raw(trial)
    try:
        _recompute_chain(c)  # consistent chain …
        last = c.execute("SELECT * FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()
        columns = [r[1] for r in c.execute("PRAGMA table_info(audit_entry)")]
        fields = dict(zip(columns, last, strict=True))
        fields.update(id=fields["id"] + 1, action="LOGIN", username="investigator",
                      prev_hash=fields["hash"])
        fields["hash"] = audit.entry_hash(fields["prev_hash"], fields)
        c.execute(f"INSERT INTO audit_entry ({', '.join(columns)}) VALUES "
                  f"({', '.join('?' * len(columns))})", [fields[k] for k in columns])
        c.execute("UPDATE setting SET value = ? WHERE key = ?",
                  (f"{fields['id']}:{fields['hash']}", audit.HEAD_KEY))
    finally:
        c.close()
    rep = report(trial)
    assert "not covered by any signed chain head" in places(rep)


def test_a_stray_audit_row_with_the_next_id_neither_blocks_logins_nor_escapes_verify(trial,
                                                                                    team):
    c = raw(trial)
    try:
        head_id = int(c.execute("SELECT value FROM setting WHERE key = ?",
                                (audit.HEAD_KEY,)).fetchone()[0].split(":")[0])
        columns = [r[1] for r in c.execute("PRAGMA table_info(audit_entry)")]
        row = dict.fromkeys(columns)
        row.update(id=head_id + 1, ts_utc="2025-01-01T00:00:00Z", username="x", role="x",
                   action="FORGED", app_version="0", metadata_version="0",
                   prev_hash="0" * 64, hash="0" * 64)
        c.execute(f"INSERT INTO audit_entry ({', '.join(columns)}) VALUES "
                  f"({', '.join('?' * len(columns))})", [row[k] for k in columns])
    finally:
        c.close()
    app = auth.login(trial.path, "coordinator", PASSWORD)  # no crash on the duplicate id
    trial.sessions.append(app)
    rep = report(trial)
    assert not rep.ok


# ---- attack 3: e-signatures are hashes anyone can recompute ------------------------------------
def test_a_recomputed_signature_hash_reads_invalid_and_verify_names_it(trial, team, signed):
    c = raw(trial)
    try:
        c.execute("UPDATE item_value SET value = 'N' WHERE item_name = 'INC02'")
        c.execute("UPDATE audit_entry SET new_value = 'N' WHERE item_name = 'INC02'")
    finally:
        c.close()
    inv = team["investigator"]
    with inv.transaction() as session:
        from tnt_desktop.services.clinical_data import find_subject
        from tnt_desktop.storage.models import EventInstance, FormInstance

        subject = find_subject(session, signed)
        form = session.query(FormInstance).join(EventInstance).filter(
            EventInstance.subject_pk == subject.id, FormInstance.form_code == "IE").one()
        digest = sg.signed_data_hash(session, subject, "FORM", form, "SE.SCR", 1)
    c = raw(trial)
    try:
        c.execute("UPDATE e_signature SET data_hash = ?", (digest,))
    finally:
        c.close()
    views = sg.signatures(inv, signed)
    assert [v.state for v in views] == [sg.SignatureState.INVALID]
    assert "e-signature #1" in places(report(trial))


def test_a_signature_row_forged_with_sql_reads_invalid(trial, team, signed):
    c = raw(trial)
    try:
        c.execute("UPDATE e_signature SET signature = NULL, key_id = NULL")
    finally:
        c.close()
    assert sg.signatures(team["investigator"], signed)[0].state is sg.SignatureState.INVALID
    assert "forged" in places(report(trial))


def test_a_signature_copied_to_another_signer_reads_invalid(trial, team, signed):
    c = raw(trial)
    try:
        c.execute("UPDATE e_signature SET username = 'coordinator', printed_name = 'coordinator'")
    finally:
        c.close()
    assert sg.signatures(team["investigator"], signed)[0].state is sg.SignatureState.INVALID


def test_a_change_through_the_app_still_breaks_a_signature(trial, team, signed):
    save(team["coordinator"], FormEntry(signed, "SE.SCR", "IE", values={"SCRDAT": "2025-02-04"},
                                        reason="TRANSCRIPTION_ERROR"))
    assert sg.signatures(team["investigator"], signed)[0].state is sg.SignatureState.BROKEN
    assert report(trial).ok


# ---- the key-slot file ------------------------------------------------------------------------
def test_verify_finds_a_tampered_slot(trial, team):
    data = json.loads(trial.keys_path.read_text())
    data["slots"]["monitor"]["kdf"]["n"] = 2**10  # a cheaper KDF for guessing: re-signed by none
    trial.keys_path.write_text(json.dumps(data))
    rep = report(trial)
    assert f"{trial.keys_path}, slot monitor" in places(rep)


def test_verify_finds_a_slot_for_a_deactivated_user_put_back(trial, team):
    before = trial.keys_path.read_bytes()
    auth.deactivate_user(trial.admin, "monitor")
    data = json.loads(trial.keys_path.read_text())
    data["slots"]["monitor"] = json.loads(before)["slots"]["monitor"]
    trial.keys_path.write_text(json.dumps(data))
    assert "slot monitor" in places(report(trial))


def test_copying_an_old_key_file_back_does_not_lift_a_lock_out(trial, team):
    old = trial.keys_path.read_bytes()
    for _ in range(keyslots.MAX_FAILURES_BEFORE_LOCK):
        with pytest.raises(TntError):
            auth.login(trial.path, "monitor", "not the password")
    trial.keys_path.write_bytes(old)
    with pytest.raises(TntError) as info:
        auth.login(trial.path, "monitor", PASSWORD)
    assert "locked" in info.value.message.en


# ---- attack 5: deactivation revokes -----------------------------------------------------------
def test_deactivation_rekeys_so_no_earlier_key_file_opens_the_live_database(trial, team,
                                                                            tmp_path):
    old_keys = tmp_path / "old.keys"
    shutil.copy(trial.keys_path, old_keys)
    old_key = keyslots.KeySlotFile.load(old_keys).unwrap("monitor", PASSWORD)
    auth.deactivate_user(trial.admin, "monitor")
    from tnt_desktop.storage.engine import WrongKeyError

    with pytest.raises(WrongKeyError):
        connect_raw(trial.path, old_key).close()
    # the old key file put back in place: the monitor's old slot opens no live database
    live = trial.keys_path.read_bytes()
    shutil.copy(old_keys, trial.keys_path)
    with pytest.raises(TntError):
        auth.login(trial.path, "monitor", PASSWORD)
    trial.keys_path.write_bytes(live)
    # every remaining user still logs in, and the admin session goes on working
    for role in ("coordinator", "investigator", "datamanager"):
        trial.sessions.append(auth.login(trial.path, role, PASSWORD))
    assert report(trial).ok
    assert [e.action for e in audit_entries(trial.admin, action="DATABASE_REKEYED")]


def test_a_reset_rekeys_and_issues_a_new_signing_key(trial, team):
    old = keyslots.KeySlotFile.load(trial.keys_path).slots["coordinator"].public
    auth.reset_password(trial.admin, "coordinator", TEMPORARY)
    new = keyslots.KeySlotFile.load(trial.keys_path).slots["coordinator"].public
    assert new != old
    app = auth.login(trial.path, "coordinator", TEMPORARY)
    trial.sessions.append(app)
    auth.change_password(app, TEMPORARY, "Another-Pass-5521")
    assert report(trial).ok


# ---- a database made before signing keys --------------------------------------------------------
def _revision_before_keys() -> str:
    """The revision this release's signing-keys migration follows (the lead re-chains them)."""
    import re
    from pathlib import Path

    import tnt_desktop.storage.migrations.versions as versions

    (source,) = Path(versions.__file__).parent.glob("*_trust_keys.py")
    return re.search(r'^down_revision = "(\w+)"', source.read_text(), re.M).group(1)


def _make_legacy(trial) -> None:
    """Turn the trial into what release 0005 left: no keys, no signed heads, hash-only
    e-signatures, and a format 1 key file (each slot wraps the raw database key)."""
    key = trial.key()
    trial.close()
    trial._admin = None
    c = connect_raw(trial.path, key)
    try:
        c.execute("DROP TABLE user_key")
        c.execute("DROP TABLE chain_signature")
        c.execute("ALTER TABLE e_signature DROP COLUMN signature")
        c.execute("ALTER TABLE e_signature DROP COLUMN key_id")
        c.execute("DELETE FROM setting WHERE key LIKE 'trust.%'")
        c.execute("UPDATE alembic_version SET version_num = ?", (_revision_before_keys(),))
    finally:
        c.close()
    data = json.loads(trial.keys_path.read_text())
    passwords = {ADMIN: ADMIN_PASSWORD}
    slots = {}
    for name in data["slots"]:
        aad = keyslots.KeySlotFile.aad(data["database_id"], name)
        slot = keyslots.Slot.wrap(key, passwords.get(name, PASSWORD), aad)
        slots[name] = {k: v for k, v in vars(slot).items()
                       if k in ("kdf", "salt", "nonce", "wrapped", "created_utc", "failures",
                                "locked_until")}
    trial.keys_path.write_text(json.dumps({"format": keyslots.FORMAT, "version": 1,
                                           "database_id": data["database_id"],
                                           "slots": slots}))


def test_an_upgraded_database_gets_keys_at_each_users_next_login(trial, team, signed):
    _make_legacy(trial)
    # a user logs in before the administrator: a key is made, awaiting certification
    coordinator = auth.login(trial.path, "coordinator", PASSWORD)
    trial.sessions.append(coordinator)
    assert coordinator.keys.key_id is not None and coordinator.keys.site_key is None
    enrol_one(coordinator)
    # the administrator's next login makes the site keys and certifies the waiting key
    rep = report(trial)
    assert rep.ok, rep.message().en
    assert any(e.action == "KEY_CERTIFIED" for e in audit_entries(trial.admin))
    notices = [f.text("en") for f in rep.findings if f.notice]
    assert any("slot investigator" in n and "next login" in n for n in notices)
    # the signature made before the upgrade stays valid (hash-only), new ones are Ed25519
    investigator = auth.login(trial.path, "investigator", PASSWORD)
    trial.sessions.append(investigator)
    assert [v.state for v in sg.signatures(investigator, signed)] == [sg.SignatureState.VALID]
    data = json.loads(trial.keys_path.read_text())
    assert data["version"] == keyslots.VERSION
    assert all(data["slots"][n]["signature"] for n in (ADMIN, "coordinator", "investigator"))
    assert report(trial).ok


def test_an_upgraded_slot_forged_after_the_users_first_login_is_refused(trial, team):
    _make_legacy(trial)
    trial.sessions.append(auth.login(trial.path, "investigator", PASSWORD))  # key made
    slots = keyslots.KeySlotFile.load(trial.keys_path)
    slots.add("investigator", slots.unwrap("monitor", PASSWORD), "Mallory-Guess-1234")
    slots.save(trial.keys_path)
    with pytest.raises(KeySlotNotTrusted):
        auth.login(trial.path, "investigator", "Mallory-Guess-1234")


# ---- attack 6: identifiers through SITE_ARCHIVE ------------------------------------------------
@pytest.mark.parametrize("role,allowed", [("monitor", False), ("datamanager", False),
                                          ("coordinator", True), ("investigator", True)])
def test_the_identifier_export_needs_view_identifiers(trial, team, tmp_path, role, allowed):
    from tnt_desktop.errors import PermissionDenied
    from tnt_desktop.exports.run_export import run_export
    from tnt_desktop.services.export_read import ExportProfile

    enrol_one(team["coordinator"])
    out = tmp_path / role
    if not allowed:
        with pytest.raises(PermissionDenied):
            run_export(team[role], out, formats={"csv"}, profile=ExportProfile.SITE_ARCHIVE)
        assert not out.exists() or not any(out.iterdir())
        return
    result = run_export(team[role], out, formats={"csv"}, profile=ExportProfile.SITE_ARCHIVE)
    import stat

    assert stat.S_IMODE(result.folder.stat().st_mode) == 0o700
    files = [p for p in result.folder.rglob("*") if p.is_file()]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)


def test_temporaries_of_killed_runs_are_removed_at_the_next_run(trial, team, tmp_path):
    import os
    import time

    from tnt_desktop.exports.run_export import run_export
    from tnt_desktop.services import backups
    from tnt_desktop.storage import backup as files

    folder = tmp_path / "backups"
    folder.mkdir()
    killed = [folder / f"{files.TEMP_PREFIX}abc.tntbak.tmp",
              folder / f"{files.TEMP_PREFIX}abc.keys.tmp"]
    running = folder / f"{files.TEMP_PREFIX}now.tntbak.tmp"  # another window, right now
    out = tmp_path / "exports"
    out.mkdir()
    part_dir = out / ".TNT-STS-export-20250101T000000Z.part"
    part_dir.mkdir()
    (part_dir / "DM.csv").write_text("x")
    part_file = out / "TNT-STS-export-20250101T000000Z.zip.gpg.part"
    old = time.time() - 2 * files.STALE_SECONDS
    for path in (*killed, running, part_file):
        path.write_bytes(b"x")
    for path in (*killed, part_dir, part_file):
        os.utime(path, (old, old))
    backups.backup_now(trial.admin, folder)
    run_export(team["datamanager"], out, formats={"csv"})
    assert not any(p.exists() for p in (*killed, part_dir, part_file))
    assert running.exists()


# ---- an invariant: any stored value changed behind the application's back is found -------------
def test_verify_finds_any_value_changed_behind_the_application(trial, team):
    """Hypothesis picks a stored value and a replacement (8 examples, no deadline: each runs a
    full `admin verify`); the finding always names that subject, form and item. Each example
    puts the value back, and then the database verifies again."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    sid = enrol_one(team["coordinator"])
    c = connect_raw(trial.path, trial.key())
    try:
        rows = c.execute("SELECT id, item_name, value FROM item_value WHERE value IS NOT NULL "
                         "ORDER BY id").fetchall()
    finally:
        c.close()

    @settings(max_examples=8, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(row=st.sampled_from(rows), new=st.text(min_size=1, max_size=12))
    def check(row, new):
        row_id, item, old = row
        if new == old:
            return
        c = connect_raw(trial.path, trial.key())
        try:
            c.execute("UPDATE item_value SET value = ? WHERE id = ?", (new, row_id))
        finally:
            c.close()
        try:
            found = places(report(trial))
            assert f"{sid} " in found and f" {item}" in found
        finally:
            c = connect_raw(trial.path, trial.key())
            try:
                c.execute("UPDATE item_value SET value = ? WHERE id = ?", (old, row_id))
            finally:
                c.close()

    check()
    assert report(trial).ok


def test_an_upgraded_database_defers_the_rekey_until_every_account_has_a_box_key(trial, team):
    _make_legacy(trial)
    auth.deactivate_user(trial.admin, "monitor")  # coordinator & co. have not logged in since
    assert [e.action for e in audit_entries(trial.admin, action="DATABASE_REKEY_DEFERRED")]
    for role in ("coordinator", "investigator", "datamanager"):  # nobody is locked out
        trial.sessions.append(auth.login(trial.path, role, PASSWORD))
    auth.reset_password(trial.admin, "coordinator", TEMPORARY)  # now every slot has a box key
    assert [e.action for e in audit_entries(trial.admin, action="DATABASE_REKEYED")]


def test_the_casebook_pdf_shows_a_forged_signature_as_invalid(trial, team, signed, tmp_path):
    import shutil as sh

    from tests.core.test_pdf import pdf_text, squeeze
    from tnt_desktop.exports.pdf_casebook import casebook_pdf
    from tnt_desktop.services.export_read import ExportProfile

    if not sh.which("pdftotext"):
        pytest.skip("poppler-utils not installed (the CI installs it)")
    c = raw(trial)
    try:
        c.execute("UPDATE e_signature SET signature = NULL")
    finally:
        c.close()
    out = tmp_path / "casebook.pdf"
    casebook_pdf(team["investigator"], signed, out, "en", ExportProfile.SITE_ARCHIVE)
    text = squeeze(pdf_text(out))
    assert squeeze("signature INVALID") in text and squeeze("signature valid") not in text
