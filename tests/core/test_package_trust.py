"""Site-signed, chained packages (issue 14 points 4–5, issue 17 point 2): a package is signed
by the site's OpenPGP key (sign-then-encrypt) and GnuPG verifies that signature; `package open
--site-key` refuses a package the site did not sign — the auditor's attack rebuilt a package
with a flipped endpoint using only the sponsor's public key —; the manifest names its origin;
and `package open --previous` refuses a newer package when the audit history up to the previous
one was rewritten, even with every hash recomputed."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

import pysequoia
import pytest

from tests.core import test_package
from tests.core.conftest import PASSWORD, enrol_one
from tests.core.test_package import Gpg
from tests.core.test_trust import _recompute_chain, raw
from tnt_desktop import cli
from tnt_desktop.exports.package import MANIFEST_NAME, seal
from tnt_desktop.exports.package_open import (
    PackageChainBroken,
    PackageNotSigned,
    check_chain,
    load_site_key,
    open_package,
    read_secret_key,
)
from tnt_desktop.exports.run_export import run_export
from tnt_desktop.services import trust

gpg = test_package.gpg  # the sponsor's GnuPG home (a module-scoped fixture)
ORIGIN_KEYS = {"site", "workstation", "sequence", "previous_package_sha256", "chain_head"}
HEAD_KEYS = {"sequence", "hash", "signature", "signer"}


@pytest.fixture
def site(trial, tmp_path):
    """A trial with a subject, its data manager, and the site key file the sponsor got."""
    team = {role: trial.user(role) for role in ("coordinator", "datamanager")}
    enrol_one(team["coordinator"])
    key_file = tmp_path / "site-key.asc"
    key_file.write_text(trust.site_pgp_public(team["datamanager"]))
    return team, key_file


def export(app, gpg_keys: Gpg, out: Path):
    return run_export(app, out, formats={"csv"}, package=True, recipient_key=gpg_keys.public)


def test_a_package_is_signed_by_the_site_and_gpg_verifies_the_signature(site, gpg, tmp_path):
    team, key_file = site
    result = export(team["datamanager"], gpg, tmp_path / "out")
    gpg.run("--import", str(key_file))
    inner = tmp_path / "inner.gpg"
    gpg.run("--output", str(inner), "--unwrap", str(result.package))  # remove encryption only
    verified = gpg.run("--status-fd", "2", "--verify", str(inner), check=False)
    status = verified.stderr.decode(errors="replace")
    assert verified.returncode == 0, status
    site_fpr = load_site_key(key_file).fingerprint.upper()
    validsig = next(line for line in status.splitlines() if "VALIDSIG" in line)
    assert validsig.split()[-1] == site_fpr and "GOODSIG" in status  # the site's primary key
    opened = open_package(result.package, decryptor=read_secret_key(gpg.secret),
                          site_key=load_site_key(key_file))
    assert opened.signed_by_site


def test_the_manifest_names_its_origin_and_signed_chain_head(site, gpg, tmp_path):
    team, _ = site
    first = export(team["datamanager"], gpg, tmp_path / "a").manifest
    second = export(team["datamanager"], gpg, tmp_path / "b")
    origin = second.manifest["origin"]
    assert set(origin) == ORIGIN_KEYS and set(origin["chain_head"]) == HEAD_KEYS
    assert first["origin"]["sequence"] == 1 and first["origin"]["previous_package_sha256"] is None
    assert origin["site"] == "01" and origin["workstation"] == 1 and origin["sequence"] == 2
    from tnt_desktop.exports.package import sha256_file

    first_file = next((tmp_path / "a").glob("*.zip.gpg"))
    assert origin["previous_package_sha256"] == sha256_file(first_file)
    head = origin["chain_head"]
    assert head["signer"] == "datamanager" and len(head["signature"]) == 128
    assert second.manifest["chain_link"] == {"sequence": first["origin"]["chain_head"][
        "sequence"], "hash": first["origin"]["chain_head"]["hash"]}


def _rebuilt(opened, recipient: pysequoia.Cert, signer=None) -> bytes:
    """The auditor's forgery: the real package's files with the endpoint flipped, re-zipped
    and encrypted to the sponsor (whose public key anyone may have)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for rel, data in opened.files.items():
            zf.writestr(f"{opened.root}/{rel}", data.replace(b",Y,", b",N,"))
        manifest = dict(opened.manifest)
        manifest["files"] = []
        zf.writestr(f"{opened.root}/{MANIFEST_NAME}", json.dumps(manifest))
    return seal(buffer.getvalue(), recipient=recipient, signer=signer)


@pytest.mark.parametrize("forger", ["unsigned", "another key"])
def test_a_package_rebuilt_by_someone_else_is_refused(site, gpg, tmp_path, forger):
    team, key_file = site
    result = export(team["datamanager"], gpg, tmp_path / "out")
    secret = read_secret_key(gpg.secret)
    opened = open_package(result.package, decryptor=secret)
    signer = pysequoia.Tsk.generate("Mallory").signer() if forger == "another key" else None
    forged = tmp_path / "forged.zip.gpg"
    forged.write_bytes(_rebuilt(opened, pysequoia.Cert.from_file(str(gpg.public)), signer))
    with pytest.raises(PackageNotSigned) as info:
        open_package(forged, decryptor=secret, site_key=load_site_key(key_file),
                     site_key_path=key_file)
    assert str(key_file) in info.value.message.en and info.value.exit_code == 8
    code = cli.main(["package", "open", str(forged), "--key", str(gpg.secret), "--site-key",
                     str(key_file), "--out", str(tmp_path / "x")])
    assert code == 8 and not (tmp_path / "x").exists()


def test_a_newer_package_must_continue_the_previous_one(site, gpg, tmp_path, trial):
    team, key_file = site
    dm = team["datamanager"]
    first = export(dm, gpg, tmp_path / "a").package
    enrol_one(team["coordinator"])
    second = export(dm, gpg, tmp_path / "b").package
    secret, site_key = read_secret_key(gpg.secret), load_site_key(key_file)

    def opened(path):
        return open_package(path, decryptor=secret, site_key=site_key)

    check_chain(opened(second), opened(first))  # an honest sequence
    assert cli.main(["package", "open", str(second), "--key", str(gpg.secret), "--site-key",
                     str(key_file), "--previous", str(first), "--out",
                     str(tmp_path / "ok")]) == 0
    with pytest.raises(PackageChainBroken):
        check_chain(opened(first), opened(second))  # wrong order
    # someone holding the raw key rewrites an exported value and its audit entry, recomputing
    # every hash: the database looks consistent, the next package does not continue the last
    c = raw(trial)
    try:
        c.execute("UPDATE item_value SET value = '99.0' WHERE item_name = 'WEIGHT'")
        c.execute("UPDATE audit_entry SET new_value = '99.0' WHERE item_name = 'WEIGHT'")
        _recompute_chain(c)
    finally:
        c.close()
    third = export(dm, gpg, tmp_path / "c").package
    with pytest.raises(PackageChainBroken) as info:
        check_chain(opened(third), opened(second))
    assert "rewritten" in info.value.message.en
    code = cli.main(["package", "open", str(third), "--key", str(gpg.secret), "--site-key",
                     str(key_file), "--previous", str(second), "--out", str(tmp_path / "no")])
    assert code == 8 and not (tmp_path / "no").exists()


def test_admin_site_key_writes_the_public_key(trial, tmp_path, monkeypatch):
    monkeypatch.setenv("TNT_PASSWORD", "Boss-Key-2024!")
    out = tmp_path / "site.asc"
    assert cli.main(["admin", "site-key", "--db", str(trial.path), "--user", "admin",
                     "--out", str(out)]) == 0
    text = out.read_text()
    assert "PUBLIC KEY BLOCK" in text and "PRIVATE" not in text
    assert load_site_key(out).fingerprint


def test_only_the_site_roles_hold_the_package_key(trial):
    for role in ("coordinator", "investigator", "monitor"):
        app = trial.user(role)
        assert app.keys.site_pgp is None and app.keys.site_key is None
    assert trial.user("datamanager").keys.site_pgp is not None
    _ = subprocess  # gpg runs through the Gpg fixture
    _ = PASSWORD
