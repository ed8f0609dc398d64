"""`tnt-desktop admin …`: every command through a real process, errors without tracebacks."""

import os
import stat
import subprocess
import sys

import pytest

ADMIN_PW = "Admin-Pass-77"
TEMP_PW = "Temp-Pass-123"


def run(*args, password=ADMIN_PW, new_password=None, lang="en"):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TNT_") or k == "TNT_STATE_DIR"}  # lock-out copy: test folder
    env["TNT_LANG"] = lang
    if password is not None:
        env["TNT_PASSWORD"] = password
    if new_password is not None:
        env["TNT_NEW_PASSWORD"] = new_password
    return subprocess.run([sys.executable, "-m", "tnt_desktop", *map(str, args)],
                          capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "site.db"
    result = run("admin", "init", "--db", path, "--site", "01", "--admin", "boss")
    assert result.returncode == 0, result.stderr
    return path


@pytest.mark.req("REQ-SEC-01")
def test_init_creates_encrypted_owner_only_files(db):
    assert db.exists() and db.with_name("site.db.keys").exists()
    for path in (db, db.with_name("site.db.keys")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not db.read_bytes().startswith(b"SQLite format 3")


def test_init_refuses_to_overwrite(db):
    result = run("admin", "init", "--db", db, "--site", "01", "--admin", "boss")
    assert result.returncode != 0 and "already exists" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.req("REQ-AC-03")
def test_init_rejects_a_weak_password(tmp_path):
    result = run("admin", "init", "--db", tmp_path / "w.db", "--site", "01", "--admin", "boss",
                 password="short")
    assert result.returncode == 2 and "at least 10 characters" in result.stderr
    assert "short" not in result.stderr and not (tmp_path / "w.db").exists()


@pytest.mark.req("REQ-AC-01")
def test_user_lifecycle(db):
    added = run("admin", "user", "add", "--db", db, "--user", "boss", "carol", "--role",
                "coordinator", new_password=TEMP_PW)
    assert added.returncode == 0, added.stderr
    listed = run("admin", "user", "list", "--db", db, "--user", "boss")
    assert "carol" in listed.stdout and "coordinator" in listed.stdout
    reset = run("admin", "user", "reset", "--db", db, "--user", "boss", "carol",
                new_password="Other-Temp-456")
    assert reset.returncode == 0, reset.stderr
    gone = run("admin", "user", "deactivate", "--db", db, "--user", "boss", "carol")
    assert gone.returncode == 0, gone.stderr
    refused = run("admin", "verify", "--db", db, "--user", "carol", password="Other-Temp-456")
    assert refused.returncode == 6 and "Traceback" not in refused.stderr


@pytest.mark.req("REQ-AT-02")
def test_verify_passes_on_an_intact_database(db):
    result = run("admin", "verify", "--db", db, "--user", "boss")
    assert result.returncode == 0, result.stderr
    assert "audit trail verified" in result.stdout


@pytest.mark.req("REQ-AT-02")
def test_verify_names_the_first_tampered_entry(db):
    from tnt_desktop.storage.engine import connect_raw
    from tnt_desktop.storage.keyslots import KeySlotFile, keyslot_path

    key = KeySlotFile.load(keyslot_path(db)).unwrap("boss", ADMIN_PW)
    connection = connect_raw(db, key)
    connection.execute("DROP TRIGGER audit_entry_no_update")
    connection.execute("UPDATE audit_entry SET new_value = 'forged' WHERE id = 2")
    connection.close()
    result = run("admin", "verify", "--db", db, "--user", "boss")
    assert result.returncode == 8
    assert "audit trail broken at entry 2" in result.stderr


def test_wrong_password_is_a_clear_error(db):
    result = run("admin", "verify", "--db", db, "--user", "boss", password="Wrong-Pass-000")
    assert result.returncode == 6
    assert "wrong user name or password" in result.stderr and "Traceback" not in result.stderr
    assert "Wrong-Pass-000" not in result.stderr + result.stdout


def test_chinese_messages(db):
    result = run("admin", "verify", "--db", db, "--user", "boss", password="Wrong-Pass-000",
                 lang="zh")
    assert "用户名或密码错误" in result.stderr


def test_a_file_that_is_not_a_database(tmp_path):
    bogus = tmp_path / "bogus.db"
    bogus.write_text("hello")
    result = run("admin", "verify", "--db", bogus, "--user", "boss")
    assert result.returncode == 5 and "not a TNT Desktop database" in result.stderr


def test_missing_database(tmp_path):
    result = run("admin", "verify", "--db", tmp_path / "none.db", "--user", "boss")
    assert result.returncode == 5 and "no database at" in result.stderr


def test_no_password_and_no_terminal_is_a_usage_error(db):
    result = run("admin", "verify", "--db", db, "--user", "boss", password=None)
    assert result.returncode == 2 and "TNT_PASSWORD" in result.stderr


def test_read_only_folder(tmp_path, monkeypatch, capsys):
    """A read-only folder (EROFS / EACCES) gives a clear message and leaves nothing behind.
    Simulated: these machines run tests as root, which ignores folder permissions."""
    import errno

    from tnt_desktop import cli
    from tnt_desktop.storage import engine

    def refuse(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(engine.os, "open", refuse)
    monkeypatch.setenv("TNT_PASSWORD", ADMIN_PW)
    monkeypatch.setenv("TNT_LANG", "en")
    code = cli.main(["admin", "init", "--db", str(tmp_path / "x.db"), "--site", "01",
                     "--admin", "boss"])
    err = capsys.readouterr().err
    assert code == 4 and "read-only" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.req("REQ-AC-03")
def test_passwd_lets_a_new_account_replace_its_temporary_password(db):
    """A new account must change its temporary password before anything else; `passwd` does it
    without the desktop application (what the frozen-app smoke test relies on)."""
    added = run("admin", "user", "add", "--db", db, "--user", "boss", "dora", "--role",
                "coordinator", new_password=TEMP_PW)  # fmt: skip
    assert added.returncode == 0, added.stderr
    blocked = run("export", "--db", db, "--user", "dora", "--out", db.parent / "x",
                  password=TEMP_PW)  # fmt: skip
    assert blocked.returncode != 0 and "Traceback" not in blocked.stderr
    weak = run("passwd", "--db", db, "--user", "dora", password=TEMP_PW, new_password="short")
    assert weak.returncode == 2 and "short" not in weak.stderr
    wrong = run("passwd", "--db", db, "--user", "dora", password="Not-The-Pass-1",
                new_password="Garden-Path-92")  # fmt: skip
    assert wrong.returncode == 6
    changed = run("passwd", "--db", db, "--user", "dora", password=TEMP_PW,
                  new_password="Garden-Path-92")  # fmt: skip
    assert changed.returncode == 0 and "password of dora changed" in changed.stdout
    old = run("admin", "verify", "--db", db, "--user", "dora", password=TEMP_PW)
    assert old.returncode == 6
    from tnt_desktop.services import auth

    session = auth.login(db, "dora", "Garden-Path-92")
    try:
        assert not session.must_change_password
    finally:
        auth.logout(session)


def test_consent_versions_are_added_and_listed_by_the_administrator(db):
    """Clarification 24: `admin icf-version add LABEL --version-date D --approval-date D`."""
    added = run("admin", "icf-version", "add", "--db", db, "--user", "boss", "V1.1",
                "--version-date", "2026-03-01", "--approval-date", "2026-04-02")
    assert added.returncode == 0, added.stderr
    assert "V1.1, dated 2026-03-01 (ethics approval 2026-04-02)" in added.stdout
    listed = run("admin", "icf-version", "list", "--db", db, "--user", "boss", lang="zh")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    # shipped, dates not recorded: the study definition's decode, never a placeholder
    assert lines[0].split() == ["V1.0", "1.0", "版"] and "YYYY" not in listed.stdout
    assert lines[1].startswith("V1.1") and "版本日期 2026-03-01" in lines[1]
    again = run("admin", "icf-version", "add", "--db", db, "--user", "boss", "V1.1",
                "--version-date", "2026-03-01", "--approval-date", "2026-04-02")
    assert again.returncode != 0 and "already recorded" in again.stderr
    bad = run("admin", "icf-version", "add", "--db", db, "--user", "boss", "V1.2",
              "--version-date", "2026-05-01", "--approval-date", "2026-04-02")
    assert bad.returncode == 2 and "after the ethics approval date" in bad.stderr
    assert "Traceback" not in again.stderr + bad.stderr
