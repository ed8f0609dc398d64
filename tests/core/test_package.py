"""Encrypted transfer packages, run_export and the export settings (issue 5, items 4 and 5).

The sponsor side is played by GnuPG in a temporary GNUPGHOME: a throwaway key is generated with
`gpg --quick-gen-key`, packages are opened with `gpg --decrypt`, and every manifest SHA-256 is
checked on the unpacked files. The app side (`open_package`) must refuse a flipped byte or a
truncated file without extracting anything.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tnt_desktop import __version__
from tnt_desktop.demo import generate_demo
from tnt_desktop.errors import OutputError, PermissionDenied, UsageError
from tnt_desktop.exports import odm_export
from tnt_desktop.exports import package as package_module
from tnt_desktop.exports.package import (
    MANIFEST_NAME,
    PACKAGE_SUFFIX,
    PackageDamaged,
    PackageWriter,
    PackageWrongKey,
    build_archive,
    seal,
)
from tnt_desktop.exports.package_memory import MemoryFolder
from tnt_desktop.exports.package_open import open_package, read_secret_key
from tnt_desktop.exports.run_export import ExportCancelled, run_export
from tnt_desktop.services import auth
from tnt_desktop.services.export_read import ExportProfile, export_log, removed_items
from tnt_desktop.services.export_settings import (
    DEFAULT_EVERY_DAYS,
    BadSponsorKey,
    export_due,
    export_settings,
    set_export_schedule,
    set_sponsor_key,
)
from tnt_desktop.storage import keyslots
from tnt_desktop.storage.models import AuditEntry

from .conftest import FAST_KDF, PASSWORD

PHRASE = "correct horse battery staple"


# ---- fixtures ----------------------------------------------------------------------------------
@dataclass
class Gpg:
    home: Path
    env: dict[str, str]
    public: Path
    secret: Path
    fingerprint: str

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["gpg", "--batch", "--yes", *args], env=self.env,
                              capture_output=True, check=check, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def gpg(tmp_path_factory) -> Gpg:
    if shutil.which("gpg") is None:
        pytest.skip("gpg is not installed (the CI installs gnupg)")
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    keys = Gpg(home, env, home / "sponsor-public.asc", home / "sponsor-secret.asc", "")
    keys.run("--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key",
             "TNT Sponsor <sponsor@example.org>", "future-default", "default", "never")
    keys.public.write_bytes(keys.run("--armor", "--export", "sponsor@example.org").stdout)
    keys.secret.write_bytes(keys.run("--armor", "--pinentry-mode", "loopback", "--passphrase",
                                     "", "--export-secret-keys", "sponsor@example.org").stdout)
    listing = keys.run("--with-colons", "--list-keys", "sponsor@example.org").stdout.decode()
    keys.fingerprint = next(line.split(":")[9] for line in listing.splitlines()
                            if line.startswith("fpr:"))
    yield keys
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, capture_output=True)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyslots, "DEFAULT_KDF", dict(FAST_KDF))
        generate_demo(path, 8, seed=5, password=PASSWORD)
    return path


@pytest.fixture
def dm(demo_db):
    app = auth.login(demo_db, "datamanager", PASSWORD)
    yield app
    auth.logout(app)


@pytest.fixture(scope="module")
def site_key_in_gpg(demo_db, gpg) -> None:
    """The sponsor imports the site's OpenPGP public key once (`admin site-key`): gpg then
    checks the site's signature while decrypting (and fails without the key: exit 2)."""
    from tnt_desktop.services import trust

    app = auth.login(demo_db, "datamanager", PASSWORD)
    try:
        key = gpg.home / "site-key.asc"
        key.write_text(trust.site_pgp_public(app))
    finally:
        auth.logout(app)
    gpg.run("--import", str(key))


def gpg_decrypt(gpg: Gpg, package: Path, out: Path, passphrase: str | None = None) -> Path:
    args = ["--pinentry-mode", "loopback", "--passphrase", passphrase] if passphrase else []
    result = gpg.run(*args, "--output", str(out), "--decrypt", str(package), check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return out


def unpack_and_verify(archive: Path, into: Path) -> tuple[Path, dict]:
    """Unzip, then check every manifest SHA-256 and size and that nothing is unlisted."""
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(into)
    (root,) = list(into.iterdir())
    manifest = json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))
    listed = {entry["path"] for entry in manifest["files"]}
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert on_disk == listed | {MANIFEST_NAME}
    for entry in manifest["files"]:
        data = (root / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        assert len(data) == entry["bytes"]
    return root, manifest


def only_ciphertext(out: Path, result) -> None:
    names = sorted(p.name for p in out.iterdir())
    assert names == [result.package.name, result.package.name + ".sha256"]


# ---- packages opened by gpg ----------------------------------------------------------------------
@pytest.mark.req("REQ-SEC-01", "REQ-ARC-02")
def test_public_key_package_opens_with_gpg_and_every_hash_verifies(dm, gpg, tmp_path,
                                                                 site_key_in_gpg):
    out = tmp_path / "out"
    result = run_export(dm, out, package=True, recipient_key=gpg.public, purpose="weekly")
    only_ciphertext(out, result)
    assert result.folder is None and result.package.name.endswith(PACKAGE_SUFFIX)
    ciphertext = result.package.read_bytes()
    assert hashlib.sha256(ciphertext).hexdigest() == result.package_sha256
    assert (out / (result.package.name + ".sha256")).read_text().split() == [
        result.package_sha256, result.package.name]
    assert b"TNT-01-" not in ciphertext and b"PK\x03\x04" not in ciphertext

    root, manifest = unpack_and_verify(gpg_decrypt(gpg, result.package, tmp_path / "p.zip"),
                                       tmp_path / "unpacked")
    assert root.name == result.name
    assert manifest["profile"] == "SPONSOR_CODED"
    assert manifest["app"] == {"name": "TNT Desktop", "version": __version__}
    assert manifest["metadata_version"] == dm.metadata_version
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["data_cutoff_utc"])
    assert manifest["encryption"]["fingerprint"] == gpg.fingerprint
    assert manifest["purpose"] == "weekly" and "sponsor@example.org" in manifest["recipient"]
    assert manifest["exported_by"] == {"role": "datamanager"}  # no staff name (REQ-PI-05)
    assert set(manifest["formats"]) == {"csv", "odm", "pdf"} and not manifest["not_included"]

    # counts: one casebook per exported subject; forms by form add up
    casebooks = sorted((root / "pdf" / "casebooks").glob("casebook_*.pdf"))
    assert manifest["subjects"]["count"] == len(casebooks) == result.subjects > 0
    assert sum(manifest["subjects"]["by_status"].values()) == result.subjects
    assert sum(manifest["forms"]["by_form"].values()) == manifest["forms"]["count"] > 0
    for pdf in [*casebooks, root / "pdf" / "blank_crf.pdf", root / "pdf" / "study_report.pdf"]:
        assert pdf.read_bytes().startswith(b"%PDF")
    # CSVs, the dictionary, the ODM; no identifier column anywhere
    assert (root / "data_dictionary.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    odm = root / "odm" / "TNT-STS_odm_snapshot.xml"
    assert b"<ClinicalData" in odm.read_bytes()
    assert (root / "odm" / "TNT-STS_odm_snapshot.xml.sha256").read_text().split()[0] == \
        hashlib.sha256(odm.read_bytes()).hexdigest()
    removed = {name for _form, name in removed_items(dm.study, ExportProfile.SPONSOR_CODED)}
    assert removed  # the study does flag identifiers
    data_files = [p for p in (root / "csv").glob("*.csv") if p.name != "data_dictionary.csv"]
    assert len(data_files) > 10
    for path in data_files:
        header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        assert not {column.split("_")[0] for column in header} & removed, path.name


@pytest.mark.req("REQ-SEC-01")
def test_no_plaintext_reaches_the_disk_while_packaging(dm, gpg, tmp_path, monkeypatch):
    """Every file opened for writing during a package-only export is the package (or its
    temporary name) or its .sha256 — the exporters write into memory."""
    written: list[Path] = []
    real_open, real_os_open = builtins.open, os.open

    def spy_open(file, mode="r", *args, **kwargs):
        if isinstance(file, str | bytes | os.PathLike) and set(mode) & set("wax+"):
            written.append(Path(os.fsdecode(file)))
        return real_open(file, mode, *args, **kwargs)

    def spy_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            written.append(Path(os.fsdecode(path)))
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    out = tmp_path / "out"
    result = run_export(dm, out, package=True, recipient_key=gpg.public,
                        formats={"csv", "odm", "odm_transactional", "pdf"})
    monkeypatch.undo()
    only_ciphertext(out, result)
    assert written, "the spy saw nothing: the package itself is written through os.open"
    for path in written:
        assert path.parent == out, path
        assert path.name.startswith((result.package.name, f".{result.package.name}")), path


def test_passphrase_package_opens_with_gpg(dm, gpg, tmp_path, site_key_in_gpg):
    out = tmp_path / "out"
    result = run_export(dm, out, package=True, passphrase=PHRASE, formats={"csv", "odm"})
    only_ciphertext(out, result)
    assert result.encryption == "passphrase"
    wrong = gpg.run("--pinentry-mode", "loopback", "--passphrase", "not the phrase at all",
                    "--output", str(tmp_path / "x.zip"), "--decrypt", str(result.package),
                    check=False)
    assert wrong.returncode != 0
    _root, manifest = unpack_and_verify(
        gpg_decrypt(gpg, result.package, tmp_path / "p.zip", passphrase=PHRASE),
        tmp_path / "unpacked")
    assert manifest["encryption"] == {"method": "OpenPGP passphrase (symmetric)"}
    assert manifest["formats"] == ["csv", "odm"]
    assert not any(e["path"].startswith("pdf/") for e in manifest["files"])
    # the app opens it too
    opened = open_package(result.package, passphrase=PHRASE)
    assert opened.companion_checked and opened.subject_count == result.subjects


def test_short_passphrase_and_missing_key_are_refused_before_any_work(dm, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(UsageError, match="at least 10 characters"):
        run_export(dm, out, package=True, passphrase="short")
    with pytest.raises(UsageError, match="no sponsor public key is configured"):
        run_export(dm, out, package=True)
    with pytest.raises(UsageError, match="only applies to a package"):
        run_export(dm, out, passphrase=PHRASE)
    with pytest.raises(UsageError, match="unknown export format"):
        run_export(dm, out, formats={"csv", "xlsx"})
    assert not out.exists() or not any(out.iterdir())


def test_a_bad_recipient_key_is_refused_with_the_file_named(dm, gpg, tmp_path):
    garbage = tmp_path / "garbage.asc"
    garbage.write_text("-----BEGIN PGP PUBLIC KEY BLOCK-----\nnonsense\n")
    out = tmp_path / "out"
    with pytest.raises(BadSponsorKey, match=r"garbage\.asc is not a usable OpenPGP public key"):
        run_export(dm, out, package=True, recipient_key=garbage)
    with pytest.raises(BadSponsorKey, match="secret"):
        run_export(dm, out, package=True, recipient_key=gpg.secret)
    assert not out.exists() or not any(out.iterdir())


# ---- refusing damaged packages -------------------------------------------------------------------
@pytest.fixture(scope="module", params=["stream", "bytes"])
def sealed(request, demo_db, gpg, tmp_path_factory):
    """One package to the gpg key, made once per way of encrypting for the refusal tests:
    "stream" (the archive in a memfd, encrypted file to file) where the platform has it, and
    "bytes" (pysequoia.encrypt on the archive in memory, as on Windows and macOS)."""
    if request.param == "stream" and not package_module.STREAM_ENCRYPTION:
        pytest.skip("no memfd on this platform")
    app = auth.login(demo_db, "datamanager", PASSWORD)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(package_module, "STREAM_ENCRYPTION", request.param == "stream")
            result = run_export(app, tmp_path_factory.mktemp("sealed"), package=True,
                                recipient_key=gpg.public, formats={"csv", "odm"})
    finally:
        auth.logout(app)
    return result.package


def copy_without_companion(package: Path, target: Path, data: bytes | None = None) -> Path:
    target.write_bytes(package.read_bytes() if data is None else data)
    return target


def test_the_app_opens_and_extracts_a_good_package(sealed, gpg, tmp_path):
    opened = open_package(sealed, decryptor=read_secret_key(gpg.secret))
    assert opened.companion_checked
    folder = opened.extract(tmp_path / "x")
    assert (folder / MANIFEST_NAME).is_file()
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == \
        set(opened.files) | {MANIFEST_NAME}


@pytest.mark.parametrize("where", ["middle", "near the end"])
@pytest.mark.parametrize("companion", [True, False])
def test_a_flipped_byte_is_refused(sealed, gpg, tmp_path, where, companion):
    data = bytearray(sealed.read_bytes())
    data[len(data) // 2 if where == "middle" else len(data) - 3] ^= 0x01
    tampered = tmp_path / sealed.name
    tampered.write_bytes(bytes(data))
    if companion:
        shutil.copy(sealed.with_name(sealed.name + ".sha256"), tmp_path)
    with pytest.raises(PackageDamaged) as refused:
        open_package(tampered, decryptor=read_secret_key(gpg.secret))
    message = refused.value.message
    assert "was refused" in message.en and "Nothing was extracted" in message.en
    assert "已拒绝" in message.zh and "未解出任何文件" in message.zh
    assert ("SHA-256 differs" if companion else "integrity check failed") in message.en
    assert refused.value.exit_code == 8


def test_a_flipped_key_id_byte_is_caught_by_the_companion_hash(sealed, gpg, tmp_path):
    """OpenPGP still decrypts a package whose recipient key ID was altered (the plaintext is
    intact); the .sha256 written beside it catches the change."""
    data = bytearray(sealed.read_bytes())
    data[6] ^= 0x01
    tampered = tmp_path / sealed.name
    tampered.write_bytes(bytes(data))
    shutil.copy(sealed.with_name(sealed.name + ".sha256"), tmp_path)
    with pytest.raises(PackageDamaged, match="SHA-256 differs"):
        open_package(tampered, decryptor=read_secret_key(gpg.secret))


@pytest.mark.parametrize("keep", [0, 1, 100, 0.5, -1])
def test_a_truncated_package_is_refused(sealed, gpg, tmp_path, keep):
    data = sealed.read_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else (keep if keep >= 0
                                                                 else len(data) - 1)
    truncated = copy_without_companion(sealed, tmp_path / sealed.name, data[:cut])
    with pytest.raises(PackageDamaged, match="was refused"):
        open_package(truncated, decryptor=read_secret_key(gpg.secret))


def test_wrong_key_and_wrong_passphrase(sealed, tmp_path):
    import pysequoia

    stranger = pysequoia.Tsk.generate("Stranger <x@example.org>",
                                      profile=pysequoia.Profile.RFC4880)
    key = tmp_path / "stranger.asc"
    key.write_text(str(stranger))
    with pytest.raises(PackageWrongKey, match="not encrypted for this key"):
        open_package(sealed, decryptor=read_secret_key(key))
    with pytest.raises(PackageWrongKey):
        open_package(sealed, passphrase=PHRASE)


def test_manifest_mismatch_and_unlisted_files_are_refused(tmp_path):
    files = {"csv/DM.csv": b"a,b\r\n1,2\r\n", "odm/x.xml": b"<ODM/>"}
    archive = build_archive("EXP", files, {"format": "test"})
    # rewrite the ZIP with one file changed after the manifest was made
    changed, extra = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zf:
        with zipfile.ZipFile(changed, "w") as out_a, zipfile.ZipFile(extra, "w") as out_b:
            for info in zf.infolist():
                data = zf.read(info)
                out_a.writestr(info.filename, b"a,b\r\n1,3\r\n" if info.filename ==
                               "EXP/csv/DM.csv" else data)  # fmt: skip
                out_b.writestr(info.filename, data)
            out_b.writestr("EXP/csv/SMUGGLED.csv", b"x")
    for name, zipped, expected in (("changed", changed, "do not match the manifest: csv/DM.csv"),
                                   ("extra", extra, "not in the manifest: EXP/csv/SMUGGLED")):
        package = tmp_path / f"{name}.zip.gpg"
        package.write_bytes(seal(zipped.getvalue(), passphrase=PHRASE))
        with pytest.raises(PackageDamaged, match=expected):
            open_package(package, passphrase=PHRASE)
    good = tmp_path / "good.zip.gpg"
    good.write_bytes(seal(archive.data, passphrase=PHRASE))
    assert open_package(good, passphrase=PHRASE).files == files


def test_extract_refuses_a_non_empty_folder(sealed, gpg, tmp_path):
    opened = open_package(sealed, decryptor=read_secret_key(gpg.secret))
    (tmp_path / opened.root).mkdir()
    (tmp_path / opened.root / "old.txt").write_text("x")
    with pytest.raises(Exception, match="not empty"):
        opened.extract(tmp_path)


# ---- the plain folder and the memory path agree ------------------------------------------------
def test_memory_export_equals_the_plain_export(dm, tmp_path):
    """The package's files are the plain export's: the same CSV and ODM writers (the ODM files
    are streamed into their ZIP entries by odm_export.write_odm, as export_odm writes a file)."""
    plain = run_export(dm, tmp_path / "plain", formats={"csv", "odm", "odm_transactional"})
    assert plain.package is None and plain.folder.is_dir()
    assert not list((tmp_path / "plain").glob(".*.part"))
    sums = dict(reversed(line.split("  ", 1)) for line in
                (plain.folder / "SHA256SUMS").read_text().splitlines())  # fmt: skip
    for entry in plain.manifest["files"]:
        assert sums[entry["path"]] == entry["sha256"]
    assert sums[MANIFEST_NAME] == hashlib.sha256(
        (plain.folder / MANIFEST_NAME).read_bytes()).hexdigest()

    packed = run_export(dm, tmp_path / "packed", package=True, passphrase=PHRASE,
                        formats={"csv", "odm", "odm_transactional"})
    opened = open_package(packed.package, passphrase=PHRASE)
    plain_files = {e["path"] for e in plain.manifest["files"]}
    # a package also carries the sponsor store's data (tnt_desktop/sponsor/payload.py)
    assert set(opened.files) == plain_files | {"sponsor/payload.json"}
    stamp = re.compile(rb'(CreationDateTime|FileOID)="[^"]*"')
    for rel, data in opened.files.items():
        if rel == "sponsor/payload.json":
            continue
        on_disk = (plain.folder / rel).read_bytes()
        if rel.endswith(".xml"):
            assert stamp.sub(b"", data) == stamp.sub(b"", on_disk), rel
        elif not rel.endswith(".sha256"):
            assert data == on_disk, rel
    assert packed.manifest["subjects"] == plain.manifest["subjects"]
    assert packed.manifest["forms"] == plain.manifest["forms"]
    # the in-memory ODM is valid ODM 1.3.2
    from lxml import etree

    from tnt_desktop.exports.odm_import import load_schema

    for kind in ("snapshot", "transactional"):
        document = etree.fromstring(opened.files[f"odm/TNT-STS_odm_{kind}.xml"])
        load_schema().assertValid(document)
        assert hashlib.sha256(opened.files[f"odm/TNT-STS_odm_{kind}.xml"]).hexdigest() == \
            opened.files[f"odm/TNT-STS_odm_{kind}.xml.sha256"].split()[0].decode()


def test_keep_plain_writes_the_folder_and_the_package(dm, tmp_path):
    result = run_export(dm, tmp_path, package=True, passphrase=PHRASE, keep_plain=True,
                        formats={"csv"})
    assert result.folder.is_dir() and result.package.is_file()
    opened = open_package(result.package, passphrase=PHRASE)
    assert opened.manifest == json.loads((result.folder / MANIFEST_NAME).read_text())
    for rel, data in opened.files.items():
        assert (result.folder / rel).read_bytes() == data


# ---- log, audit, cancel, permissions ------------------------------------------------------------
@pytest.mark.req("REQ-PI-07")
def test_every_export_is_logged_and_audited_with_the_package_hash(dm, gpg, tmp_path):
    before = len(export_log(dm))
    result = run_export(dm, tmp_path, package=True, recipient_key=gpg.public,
                        formats={"csv"}, purpose="DSMB")
    log = export_log(dm)
    assert len(log) == before + 1
    row = log[-1]
    assert row.username == "datamanager" and row.profile == "SPONSOR_CODED"
    assert row.subject_count == result.subjects and row.purpose == "DSMB"
    assert gpg.fingerprint in row.recipient
    assert result.package_sha256 in row.files and result.package.name in row.files
    with dm.transaction(write=False) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "EXPORT")
                                .order_by(AuditEntry.id.desc())).first()  # fmt: skip
    assert entry.username == "datamanager" and result.package_sha256 in entry.detail


def test_cancel_leaves_nothing_and_logs_nothing(dm, tmp_path):
    before = len(export_log(dm))
    seen = []

    def progress(percent, message):
        seen.append((percent, message.en))

    for package in (False, True):
        calls = iter(range(1000))
        with pytest.raises(ExportCancelled):
            run_export(dm, tmp_path, package=package, passphrase=PHRASE if package else None,
                       formats={"csv", "pdf"}, progress=progress,
                       cancel=lambda calls=calls: next(calls) >= 5)
    assert list(tmp_path.iterdir()) == []
    assert len(export_log(dm)) == before
    assert seen and all(0 <= p <= 100 for p, _ in seen)


# ---- a failed package run leaves nothing ---------------------------------------------------------
def use_mode(monkeypatch, mode: str) -> None:
    if mode == "stream" and not package_module.STREAM_ENCRYPTION:
        pytest.skip("no memfd on this platform")
    monkeypatch.setattr(package_module, "STREAM_ENCRYPTION", mode == "stream")


@pytest.mark.parametrize("mode", ["stream", "bytes"])
@pytest.mark.parametrize("stage", ["odm", "encryption", "log", "companion"])
def test_a_package_run_failing_half_way_leaves_nothing(dm, tmp_path, monkeypatch, mode, stage):
    """Whatever fails — the transactional ODM file at its third subject, the encryptor half way
    through the ciphertext (a full disk), the export log once the package is sealed, the .sha256
    once the package has its name — the folder is left as it was: no clear text, no
    `.zip.gpg.part`, no package without its companion."""
    use_mode(monkeypatch, mode)
    out = tmp_path / "out"
    seen: list = []
    expected: type[BaseException] = OutputError
    if stage == "odm":
        real = odm_export.transactional_subject

        def failing_subject(*args, **kwargs):
            seen.append(1)
            if len(seen) == 3:
                raise RuntimeError("failed half way")
            return real(*args, **kwargs)

        monkeypatch.setattr(odm_export, "transactional_subject", failing_subject)
        expected = RuntimeError
    elif stage == "encryption":
        def failing_encrypt(self, descriptor, part, recipient, passphrase, signer=None):
            os.write(descriptor, b"\x85 the first bytes of the ciphertext")
            seen.append(part.stat().st_size)
            raise OSError(28, "No space left on device")

        for kind in (package_module._MemfdPlaintext, package_module._BytesPlaintext):
            monkeypatch.setattr(kind, "encrypt_into", failing_encrypt)
    elif stage == "log":
        import tnt_desktop.exports.run_export as run_module

        def failing_record(*args, **kwargs):
            seen.extend(p.name for p in out.iterdir())
            raise RuntimeError("database busy")

        monkeypatch.setattr(run_module, "record_export", failing_record)
        expected = RuntimeError
    else:
        def failing_write(path, data):
            seen.extend(p.name for p in out.iterdir())
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(package_module, "_atomic_write", failing_write)
    before = len(export_log(dm))
    with pytest.raises(expected) as failed:
        run_export(dm, out, package=True, passphrase=PHRASE,
                   formats={"csv", "odm", "odm_transactional"})
    assert list(out.iterdir()) == []
    if isinstance(failed.value, OutputError):
        assert "No space left" in failed.value.message.en and "无法写入" in failed.value.message.zh
    if stage == "encryption":
        assert seen and seen[0] > 0  # there was ciphertext to remove
    if stage == "log":
        assert len(seen) == 1 and seen[0].endswith(f"{PACKAGE_SUFFIX}.part")
    if stage == "companion":
        assert len(seen) == 1 and seen[0].endswith(PACKAGE_SUFFIX)  # named, then removed
    else:
        assert len(export_log(dm)) == before


def test_gpg_opens_the_package_either_way(sealed, gpg, tmp_path, site_key_in_gpg):
    _root, manifest = unpack_and_verify(gpg_decrypt(gpg, sealed, tmp_path / "p.zip"),
                                        tmp_path / "unpacked")  # fmt: skip
    assert {"csv/DM.csv", "odm/TNT-STS_odm_snapshot.xml"} <= {
        e["path"] for e in manifest["files"]}
    assert stat.S_IMODE(sealed.stat().st_mode) == 0o600 or os.name == "nt"


# ---- the package writer ------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["stream", "bytes"])
def test_the_package_writer_builds_seals_and_frees_the_archive(tmp_path, monkeypatch, mode):
    use_mode(monkeypatch, mode)
    writer = PackageWriter("EXP")
    assert writer.streaming is (mode == "stream")
    try:
        writer.write("csv/DM.csv", b"a,b\r\n1,2\r\n")
        with writer.open("odm/x.xml") as entry:  # a stream of unknown size (ZIP64)
            for n in range(1000):
                entry.write(f"<ItemData ItemOID='IT.{n}'/>".encode())
        plain = tmp_path / "AE.csv"
        plain.write_bytes(b"x,y\r\n")
        writer.add_file("csv/AE.csv", plain, hashlib.sha256(b"x,y\r\n").hexdigest())
        for bad in ("csv/DM.csv", MANIFEST_NAME):
            with pytest.raises(ValueError, match="already in the archive"):
                writer.write(bad, b"again")
        with pytest.raises(ValueError, match="not a safe relative path"):
            writer.write("../outside.txt", b"")
        with pytest.raises(ValueError, match="finish the archive"):
            writer.seal(tmp_path / "early.part", passphrase=PHRASE)
        manifest = writer.finish({"format": "test"})
        assert [f["path"] for f in manifest["files"]] == ["csv/AE.csv", "csv/DM.csv",
                                                          "odm/x.xml"]  # fmt: skip
        with pytest.raises(ValueError, match="already finished"):
            writer.write("late.txt", b"")
        with pytest.raises(UsageError, match="public key or a passphrase"):
            writer.seal(tmp_path / "nokey.part")
        part = tmp_path / f"EXP{PACKAGE_SUFFIX}.part"
        sha = writer.seal(part, passphrase=PHRASE)
    finally:
        writer.discard()
        writer.discard()
    assert hashlib.sha256(part.read_bytes()).hexdigest() == sha
    assert stat.S_IMODE(part.stat().st_mode) == 0o600 or os.name == "nt"
    assert b"ItemData" not in part.read_bytes() and b"PK\x03\x04" not in part.read_bytes()
    package = tmp_path / f"EXP{PACKAGE_SUFFIX}"
    package_module.publish(part, package, sha)
    assert not part.exists()
    opened = open_package(package, passphrase=PHRASE)
    assert opened.companion_checked
    assert opened.files["odm/x.xml"].startswith(b"<ItemData ItemOID='IT.0'/>")
    assert opened.manifest == manifest
    with pytest.raises(OutputError, match="cannot write the package"):
        other = PackageWriter("EXP")
        try:
            other.finish({})
            other.seal(part.with_name("missing") / "x.part", passphrase=PHRASE)
        finally:
            other.discard()


def test_an_io_error_of_the_streaming_encryptor_is_an_output_error(tmp_path, monkeypatch):
    """pysequoia.encrypt_file reports a full disk as a RuntimeError with a Rust backtrace; the
    user sees the cause, and the part file is gone."""
    use_mode(monkeypatch, "stream")
    import pysequoia

    def full_disk(source, output, **kwargs):
        Path(output).write_bytes(b"\x85 some ciphertext")
        raise RuntimeError("Failed to write output\n\nCaused by:\n    No space left on device "
                           "(os error 28)\n\nStack backtrace:\n   0: anyhow::error")

    def key_problem(source, output, **kwargs):
        raise RuntimeError("No suitable encryption subkey for X")

    part = tmp_path / f"EXP{PACKAGE_SUFFIX}.part"
    for fake, expected, message in ((full_disk, OutputError, "No space left on device"),
                                    (key_problem, RuntimeError, "No suitable encryption")):
        monkeypatch.setattr(pysequoia, "encrypt_file", fake)
        writer = PackageWriter("EXP")
        try:
            writer.write("a.txt", b"a")
            writer.finish({})
            with pytest.raises(expected, match=message) as failed:
                writer.seal(part, passphrase=PHRASE)
        finally:
            writer.discard()
        assert "backtrace" not in str(failed.value).lower() or expected is RuntimeError
        assert list(tmp_path.iterdir()) == []


def test_a_file_changed_while_packing_is_refused(tmp_path):
    plain = tmp_path / "DM.csv"
    plain.write_bytes(b"a,b\r\n")
    writer = PackageWriter("EXP")
    try:
        with pytest.raises(OutputError, match="changed while the export was being packed"):
            writer.add_file("csv/DM.csv", plain, hashlib.sha256(b"something else").hexdigest())
    finally:
        writer.discard()


def test_progress_reaches_100(dm, tmp_path):
    seen = []
    run_export(dm, tmp_path, formats={"csv"}, progress=lambda p, m: seen.append(p))
    assert seen[-1] == 100 and seen == sorted(seen)


@pytest.mark.req("REQ-AC-02")
def test_only_exporting_roles_may_export(trial, tmp_path):
    coordinator = trial.user("coordinator")
    with pytest.raises(PermissionDenied):
        run_export(coordinator, tmp_path / "out", formats={"csv"})
    assert not (tmp_path / "out").exists()


# ---- export settings ---------------------------------------------------------------------------
def test_schedule_key_and_due_date(trial, gpg):
    dm = trial.user("datamanager")
    settings = export_settings(dm)
    assert settings.every_days == DEFAULT_EVERY_DAYS == 7
    assert settings.sponsor_key is None and settings.last_utc is None
    today = date.today()
    due = export_due(dm, today)
    assert due and due.since == today and "no export" in due.message().en

    set_export_schedule(dm, 14)
    key = set_sponsor_key(dm, gpg.public.read_text())
    assert key.fingerprint == gpg.fingerprint and "TNT Sponsor" in key.label
    settings = export_settings(dm)
    assert settings.every_days == 14 and settings.sponsor_key.fingerprint == gpg.fingerprint
    changed = [e for e in audit_rows(dm) if e.action == "SETTING_CHANGED"]
    assert {e.detail for e in changed} >= {"export.every_days", "export.sponsor_key"}
    days = next(e for e in changed if e.detail == "export.every_days")
    assert (days.old_value, days.new_value, days.username) == (None, "14", "datamanager")

    # the configured key is used when no recipient file and no passphrase are given
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        result = run_export(dm, Path(folder), package=True, formats={"csv"})
        assert result.manifest["encryption"]["fingerprint"] == gpg.fingerprint
    due = export_due(dm, today)
    assert not due and due.since == today + timedelta(days=14)
    assert "next export due" in due.message().en
    assert export_due(dm, today + timedelta(days=14))
    assert "is due" in export_due(dm, today + timedelta(days=20)).message().en

    set_sponsor_key(dm, None)
    assert export_settings(dm).sponsor_key is None


def test_bad_settings_are_refused(trial, gpg):
    dm = trial.user("datamanager")
    for days in (0, 367, True, "7"):
        with pytest.raises(Exception, match="1–366 days"):
            set_export_schedule(dm, days)
    with pytest.raises(BadSponsorKey, match="secret"):
        set_sponsor_key(dm, gpg.secret.read_text())
    with pytest.raises(BadSponsorKey, match="cannot be read"):
        set_sponsor_key(dm, "not a key")
    two = gpg.public.read_bytes() + gpg.public.read_bytes()
    import pysequoia

    other = str(pysequoia.Tsk.generate("Other <o@example.org>",
                                       profile=pysequoia.Profile.RFC4880).extract_certificate())
    with pytest.raises(BadSponsorKey, match="expected one key"):
        set_sponsor_key(dm, two.decode() + other)
    assert export_settings(dm).sponsor_key is None


def test_who_may_change_the_export_settings(trial):
    set_export_schedule(trial.admin, 10)  # CHANGE_SETTINGS
    assert export_settings(trial.admin).every_days == 10
    coordinator = trial.user("coordinator")
    with pytest.raises(PermissionDenied):
        set_export_schedule(coordinator, 3)


def audit_rows(app) -> list[AuditEntry]:
    with app.transaction(write=False) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


# ---- the in-memory folder ----------------------------------------------------------------------
def test_memory_folder_behaves_like_a_small_pathlib():
    folder = MemoryFolder()
    root = folder.path()
    (root / "csv").mkdir()
    with (root / "csv" / "DM.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write("A,B\r\n")
    (root / "pdf" / "x.pdf").parent.mkdir(parents=True)
    (root / "pdf" / "x.pdf").write_bytes(b"%PDF")
    assert folder.files == {"csv/DM.csv": "\ufeffA,B\r\n".encode(), "pdf/x.pdf": b"%PDF"}
    assert sorted(p.name for p in root.iterdir()) == ["csv", "pdf"]
    assert (root / "csv" / "DM.csv").read_text(encoding="utf-8-sig") == "A,B\r\n"
    with pytest.raises(TypeError):
        open(root / "csv" / "DM.csv", "rb")  # no __fspath__: it never reaches the disk
    with pytest.raises(ValueError):
        folder.write("../escape.txt", b"")
