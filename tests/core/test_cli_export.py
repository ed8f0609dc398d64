"""`tnt-desktop export`, `import` and `package open` through a real process: exit codes, clean
bilingual errors, never a traceback, never a plaintext file beside a package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tnt_desktop.cli.export import IMPORT_REFUSED_EXIT
from tnt_desktop.demo import generate_demo
from tnt_desktop.storage import keyslots

from .conftest import FAST_KDF, PASSWORD
from .test_package import (  # noqa: F401  (fixtures)
    demo_db,
    gpg,
    gpg_decrypt,
    site_key_in_gpg,
    unpack_and_verify,
)

PHRASE_VAR = "TNT_TEST_PACKAGE_PHRASE"
PHRASE = "a long package passphrase"
ENTRY = ["-m", "tnt_desktop"]


def run(*args, password=PASSWORD, lang="en", **extra_env):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TNT_") or k == "TNT_STATE_DIR"}  # lock-out copy: test folder
    env["TNT_LANG"] = lang
    if password is not None:
        env["TNT_PASSWORD"] = password
    env.update(extra_env)
    result = subprocess.run([sys.executable, *ENTRY, *map(str, args)], capture_output=True,
                            text=True, env=env, stdin=subprocess.DEVNULL)  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result


def export(db, out, *args, user="datamanager", **env):
    return run("export", "--db", db, "--user", user, "--out", out, *args, **env)


def only_ciphertext(folder: Path) -> Path:
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 2 and names[0].endswith(".zip.gpg") and names[1] == names[0] + ".sha256"
    return folder / names[0]


def test_export_to_a_key_file_then_gpg_and_package_open(demo_db, gpg, tmp_path,  # noqa: F811
                                                        site_key_in_gpg):  # noqa: F811
    out = tmp_path / "out"
    result = export(demo_db, out, "--package", "--recipient", gpg.public, "--formats", "csv,odm",
                    "--purpose", "weekly transfer")
    assert result.returncode == 0, result.stderr
    package = only_ciphertext(out)
    assert "encrypted package" in result.stdout and package.name in result.stdout
    # the sponsor opens it with gpg
    _root, manifest = unpack_and_verify(gpg_decrypt(gpg, package, tmp_path / "p.zip"),
                                        tmp_path / "gpg")
    assert manifest["formats"] == ["csv", "odm"] and manifest["purpose"] == "weekly transfer"
    # … or with the app
    opened = run("package", "open", package, "--key", gpg.secret, "--out", tmp_path / "app",
                 password=None)
    assert opened.returncode == 0, opened.stderr
    assert "package verified" in opened.stdout and "match the manifest" in opened.stdout
    folder = tmp_path / "app" / package.name.removesuffix(".zip.gpg")
    assert json.loads((folder / "manifest.json").read_text()) == manifest
    zh = run("package", "open", package, "--key", gpg.secret, "--out", tmp_path / "app-zh",
             password=None, lang="zh")
    assert zh.returncode == 0 and "数据包校验通过" in zh.stdout


def test_passphrase_from_the_environment(demo_db, gpg, tmp_path,  # noqa: F811
                                         site_key_in_gpg):  # noqa: F811
    out = tmp_path / "out"
    result = export(demo_db, out, "--passphrase-env", PHRASE_VAR, "--formats", "csv",
                    **{PHRASE_VAR: PHRASE})
    assert result.returncode == 0, result.stderr
    package = only_ciphertext(out)
    assert PHRASE not in result.stdout + result.stderr
    unpack_and_verify(gpg_decrypt(gpg, package, tmp_path / "p.zip", passphrase=PHRASE),
                      tmp_path / "gpg")
    opened = run("package", "open", package, "--passphrase-env", PHRASE_VAR, "--out",
                 tmp_path / "app", password=None, **{PHRASE_VAR: PHRASE})
    assert opened.returncode == 0, opened.stderr
    wrong = run("package", "open", package, "--passphrase-env", PHRASE_VAR, "--out",
                tmp_path / "wrong", password=None, **{PHRASE_VAR: "another long phrase"})
    assert wrong.returncode == 8 and "not encrypted for this key or passphrase" in wrong.stderr
    assert not (tmp_path / "wrong").exists()
    unset = export(demo_db, tmp_path / "unset", "--passphrase-env", PHRASE_VAR)
    assert unset.returncode == 2 and f"{PHRASE_VAR}" in unset.stderr
    assert "not set or empty" in unset.stderr


def test_a_bad_key_file_fails_cleanly(demo_db, gpg, tmp_path):  # noqa: F811
    garbage = tmp_path / "sponsor.asc"
    garbage.write_text("this is not an OpenPGP key\n")
    out = tmp_path / "out"
    cases = [
        (garbage, "sponsor.asc is not a usable OpenPGP public key"),
        (gpg.secret, "secret (private) key"),
        (tmp_path / "missing.asc", "no key file at"),
    ]
    for key, expected in cases:
        result = export(demo_db, out, "--recipient", key)
        assert result.returncode == 2 and expected in result.stderr, result.stderr
    zh = export(demo_db, out, "--recipient", garbage, lang="zh")
    assert zh.returncode == 2 and "不是可用的 OpenPGP 公钥" in zh.stderr
    assert not out.exists() or not any(out.iterdir())
    # package open with a public key, or with nothing
    exported = export(demo_db, tmp_path / "good", "--recipient", gpg.public, "--formats", "csv")
    package = only_ciphertext(tmp_path / "good")
    assert exported.returncode == 0
    for args, expected in ((["--key", gpg.public], "no secret key material"),
                           (["--key", garbage], "it is not an OpenPGP key"),
                           ([], "give --key SECRETKEYFILE or --passphrase-env VAR")):
        result = run("package", "open", package, *args, "--out", tmp_path / "o", password=None)
        assert result.returncode == 2 and expected in result.stderr, result.stderr
    assert not (tmp_path / "o").exists()


def test_tampered_and_truncated_packages_are_refused(demo_db, gpg, tmp_path):  # noqa: F811
    assert export(demo_db, tmp_path / "src", "--recipient", gpg.public, "--formats",
                  "csv").returncode == 0
    package = only_ciphertext(tmp_path / "src")
    data = package.read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x40
    for name, content in (("tampered", bytes(flipped)), ("truncated", data[: len(data) // 3])):
        folder = tmp_path / name
        folder.mkdir()
        bad = folder / package.name
        bad.write_bytes(content)
        for lang, words in (("en", "was refused"), ("zh", "已拒绝数据包")):
            result = run("package", "open", bad, "--key", gpg.secret, "--out", folder / "x",
                         password=None, lang=lang)
            assert result.returncode == 8, result.stderr
            assert words in result.stderr and str(bad) in result.stderr
        assert not (folder / "x").exists()


def test_plain_export_and_refusals(demo_db, tmp_path):  # noqa: F811
    result = export(demo_db, tmp_path, "--formats", "csv")
    assert result.returncode == 0, result.stderr
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert (folder / "manifest.json").is_file() and (folder / "SHA256SUMS").is_file()
    assert (folder / "csv" / "DM.csv").is_file()
    assert str(folder) in result.stdout
    denied = export(demo_db, tmp_path / "c", user="coordinator")
    assert denied.returncode == 7 and "may not export data" in denied.stderr
    wrong = export(demo_db, tmp_path / "w", password="Wrong-Password-1")
    assert wrong.returncode == 6 and "wrong user name or password" in wrong.stderr
    bad = export(demo_db, tmp_path / "f", "--formats", "csv,xlsx")
    assert bad.returncode == 2 and "unknown export format" in bad.stderr
    nokey = export(demo_db, tmp_path / "k", "--package")
    assert nokey.returncode == 2 and "no sponsor public key is configured" in nokey.stderr


def test_scripted_export_shows_progress_takes_a_cutoff_and_can_be_quiet(demo_db, tmp_path):  # noqa: F811
    """Issue 15: a scripted export (stderr not a terminal) prints a line per stage with counts
    of subjects read and exported; --quiet prints none; --cutoff is the manifest's cut-off."""
    loud = export(demo_db, tmp_path / "loud", "--formats", "csv", "--cutoff", "2026-01-31")
    assert loud.returncode == 0, loud.stderr
    lines = loud.stderr.splitlines()
    assert any(line.strip().startswith("100%") for line in lines), lines
    read = [line for line in lines if " read" in line]
    assert read and all("/" in line for line in read)
    (folder,) = (tmp_path / "loud").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data_cutoff"] == "2026-01-31"
    assert "data cut-off 2026-01-31" in loud.stdout
    quiet = export(demo_db, tmp_path / "quiet", "--formats", "csv", "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""
    bad = export(demo_db, tmp_path / "bad", "--formats", "csv", "--cutoff", "2026-13-01")
    assert bad.returncode == 2 and "--cutoff needs a date" in bad.stderr


def test_import_an_odm_file(demo_db, tmp_path):  # noqa: F811
    exported = export(demo_db, tmp_path / "x", "--formats", "odm")
    assert exported.returncode == 0, exported.stderr
    (odm,) = (tmp_path / "x").glob("*/odm/*.xml")
    subjects = odm.read_text(encoding="utf-8").count("<SubjectData ")
    assert subjects > 0
    fresh = tmp_path / "fresh.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyslots, "DEFAULT_KDF", dict(FAST_KDF))
        generate_demo(fresh, 0, password=PASSWORD)
    denied = run("import", "--db", fresh, "--user", "datamanager", odm)
    assert denied.returncode == 7
    result = run("import", "--db", fresh, "--user", "coordinator", odm, "--reason",
                 "transfer from site 01")
    assert result.returncode == 0, result.stderr
    assert "imported" in result.stdout
    assert result.stdout.count("created ") == subjects
    # a second import of the same file changes nothing (and so needs no reason)
    again = run("import", "--db", fresh, "--user", "coordinator", odm, "--verbose")
    assert again.returncode == 0, again.stderr
    assert "0 subjects created" in again.stdout and "0 forms changed" in again.stdout
    # a file that changes saved data needs the importing user's reason, said in both languages
    text = odm.read_text(encoding="utf-8")
    changed = tmp_path / "changed.xml"
    first = text.index('ItemOID="IT.DM.WEIGHT" Value="')
    start = first + len('ItemOID="IT.DM.WEIGHT" Value="')
    changed.write_text(text[:start] + "71.3" + text[text.index('"', start):], encoding="utf-8")
    for lang, words in (("en", "give the import a reason"), ("zh", "请提供导入原因")):
        refused = run("import", "--db", fresh, "--user", "coordinator", changed, lang=lang)
        assert refused.returncode == IMPORT_REFUSED_EXIT
        assert words in refused.stderr and "--reason" in refused.stderr
    accepted = run("import", "--db", fresh, "--user", "coordinator", changed, "--reason",
                   "TRANSCRIPTION_ERROR: weight re-read from the source")  # fmt: skip
    assert accepted.returncode == 0 and "1 forms changed" in accepted.stdout, accepted.stderr
    not_odm = tmp_path / "not.xml"
    not_odm.write_text("<hello/>")
    refused = run("import", "--db", fresh, "--user", "coordinator", not_odm)
    assert refused.returncode == 2 and "not.xml" in refused.stderr
    missing = run("import", "--db", fresh, "--user", "coordinator", tmp_path / "none.xml")
    assert missing.returncode == 2 and "no file at" in missing.stderr


def test_help():
    for args in (["export", "--help"], ["import", "--help"], ["package", "open", "--help"]):
        result = run(*args, password=None)
        assert result.returncode == 0 and "usage:" in result.stdout
