"""The encrypted transfer package (issue 5, item 4): one OpenPGP-encrypted ZIP file.

Inside the ZIP, under one folder named like the export (`TNT-STS-export-<UTC stamp>/`): the CSVs,
the data dictionary, the R/SAS/Stata readers, the PDFs, the ODM files and `manifest.json`
(every file with its size and SHA-256, subject and form counts, data cut-off, app and metadata
version, export profile). The ZIP is built in memory entry by entry as the exporters produce the
files (`PackageWriter`: deflated as it goes; ODM files are streamed into their entry), then
sealed into `<name>.zip.gpg.part`, which is renamed to `<name>.zip.gpg` (`publish`) with its
`.sha256` companion: the only bytes written to disk are ciphertext (CRF_SPEC.md §8 rule 5), and a
failed run leaves nothing.

Encryption uses pysequoia (Sequoia-PGP, a maintained Rust OpenPGP library shipped as a wheel):
clinic workstations have no `gpg`, and calling a binary would mean finding it, passing secrets
through its command line or pipes, and parsing its output. The result is standard OpenPGP
(RFC 4880 / 9580), so the sponsor opens it with `gpg --decrypt FILE.zip.gpg > FILE.zip` (to their
public key) or `gpg --decrypt` with the passphrase (symmetric encryption, when no sponsor key is
configured). Sequoia picks the packet versions the recipient's key advertises, so a key made with
GnuPG gets messages GnuPG reads.

`open_package` is the app's own reader (`tnt-desktop package open`). Refusal is layered: the
`.sha256` companion when present (any changed byte), OpenPGP integrity protection (MDC/AEAD:
manipulated or truncated ciphertext), the ZIP's CRCs, then every manifest SHA-256 and size, and
no file outside the manifest. Nothing is written unless everything verifies.

Memory: pysequoia 0.1.35 has no stream API. `encrypt(bytes)` needs the whole archive and returns
the whole ciphertext (its own buffer grows to about the ciphertext's size besides); `encrypt_file`
streams file to file but holds the GIL throughout, so Python cannot feed it through a pipe. On
Linux the archive is therefore built in an anonymous memory file (memfd, RAM only) that
`encrypt_file` reads by name and encrypts straight into the part file: peak ≈ the compressed
archive. Elsewhere (Windows, macOS) the archive is in a BytesIO and `encrypt` is used: peak ≈
archive + 2 × ciphertext while sealing. Either way a file's clear bytes are dropped once added.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pysequoia

from tnt_desktop.errors import OutputError, TntError, UsageError
from tnt_desktop.exports.package_memory import MemoryFolder, clean_rel
from tnt_desktop.study.model import Text

PACKAGE_SUFFIX = ".zip.gpg"
HASH_SUFFIX = ".sha256"
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "tnt-desktop-export-manifest/1"
CHUNK = 1 << 20


# ---- errors ------------------------------------------------------------------------------------
class PackageError(TntError):
    """A package cannot be opened."""

    exit_code = 8


class PackageDamaged(PackageError):
    def __init__(self, path: object, why: Text) -> None:
        super().__init__(
            Text(f"the package {path} was refused: {why.en}. It may have been damaged, truncated "
                 "or altered in transfer; ask the site for a new copy. Nothing was extracted.",
                 f"已拒绝数据包 {path}：{why.zh}。该文件可能在传输中损坏、被截断或被篡改；"
                 "请向研究中心索取新副本。未解出任何文件。")
        )  # fmt: skip


class PackageWrongKey(PackageError):
    def __init__(self, path: object) -> None:
        super().__init__(
            Text(f"the package {path} was not encrypted for this key or passphrase; "
                 "nothing was extracted",
                 f"数据包 {path} 并非用此密钥或口令加密；未解出任何文件")
        )  # fmt: skip


class BadSecretKey(UsageError):
    def __init__(self, path: object, why: Text) -> None:
        super().__init__(
            Text(f"cannot use {path} as a secret key: {why.en}",
                 f"无法将 {path} 用作私钥：{why.zh}")
        )  # fmt: skip


def damaged(path: object, en: str, zh: str) -> PackageDamaged:
    return PackageDamaged(path, Text(en, zh))


# ---- hashing and the manifest --------------------------------------------------------------------
def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative POSIX path inside the export folder
    sha256: str
    bytes: int

    def as_dict(self) -> dict:
        return {"path": self.path, "sha256": self.sha256, "bytes": self.bytes}


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode()


# ---- building and sealing ------------------------------------------------------------------------
STREAM_ENCRYPTION = hasattr(os, "memfd_create")  # see _MemfdPlaintext; tests turn it off


class _BytesPlaintext:
    """The ZIP in a BytesIO, encrypted by `pysequoia.encrypt` (bytes in, bytes out): while it
    runs the archive, the ciphertext and the encryptor's own buffer are all in memory."""

    def __init__(self) -> None:
        self.file: BinaryIO = io.BytesIO()

    def encrypt_into(self, out: int, part: Path, recipient: pysequoia.Cert | None,
                     passphrase: str | None, signer=None) -> None:  # fmt: skip
        data = self.file.getvalue()  # shares the BytesIO's buffer (no copy) …
        self.close()  # … which is the only copy left
        ciphertext = seal(data, recipient=recipient, passphrase=passphrase, signer=signer)
        del data
        view = memoryview(ciphertext)
        while view:
            view = view[os.write(out, view[:CHUNK]):]

    def close(self) -> None:
        self.file.close()


class _MemfdPlaintext:
    """The ZIP in an anonymous memory file (Linux `memfd_create`: RAM like the rest of the
    process, swapped like it, never a file on a disk; it vanishes when closed). pysequoia reads
    it by name (/proc/self/fd/N) with `encrypt_file`, which streams the ciphertext straight into
    the package file: the ciphertext is never in memory.

    (pysequoia 0.1.35 has no stream API: `encrypt` takes and returns whole bytes; `encrypt_file`
    reads and writes files but holds the GIL throughout, so a Python thread cannot feed it
    through a pipe. A memory file is the one input it reads that is not on a disk.)"""

    def __init__(self) -> None:
        fd = os.memfd_create("tnt-export-package", os.MFD_CLOEXEC)
        self.file: BinaryIO = os.fdopen(fd, "w+b")

    def encrypt_into(self, out: int, part: Path, recipient: pysequoia.Cert | None,
                     passphrase: str | None, signer=None) -> None:  # fmt: skip
        self.file.flush()
        source = f"/proc/self/fd/{self.file.fileno()}"
        try:  # into the part file PackageWriter.seal made (owner-only); it stays owner-only
            pysequoia.encrypt_file(source, str(part), recipients=[recipient] if recipient else [],
                                   passwords=[passphrase] if passphrase else [],
                                   signer=signer, armor=False)  # fmt: skip
        except RuntimeError as exc:  # pysequoia reports I/O errors (disk full…) this way
            why = str(exc).split("\n\nStack backtrace", 1)[0].replace("\n\nCaused by:\n", ":")
            if "(os error" not in why:
                raise
            raise OSError(" ".join(why.split())) from None

    def close(self) -> None:
        self.file.close()


def _plaintext() -> _BytesPlaintext | _MemfdPlaintext:
    if STREAM_ENCRYPTION and os.path.isdir("/proc/self/fd"):
        try:
            return _MemfdPlaintext()
        except OSError:  # no memfd in this kernel or sandbox
            pass
    return _BytesPlaintext()


class _EntryWriter(io.RawIOBase):
    """A ZIP entry being written: counts and hashes what goes through."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._stream.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)


class PackageWriter:
    """The ZIP of one export, built entry by entry under `root/` in memory and deflated as it
    goes — a file's clear bytes can be dropped as soon as it is added — then sealed into the
    package file. No clear text is written anywhere but this memory.

        writer = PackageWriter("TNT-STS-export-…")
        try:
            writer.write("data_dictionary.csv", data)         # bytes
            with writer.open("odm/x.xml") as entry:            # a stream (the ODM writer)
                …
            writer.add_file("csv/DM.csv", path, sha256)        # a plain export's file
            writer.finish(manifest)                            # manifest.json, last
            sha = writer.seal(part_path, recipient=cert)       # the ciphertext, on disk
        finally:
            writer.discard()

    Memory: the compressed archive (and, where pysequoia cannot stream — no memfd — the
    ciphertext and the encryptor's buffer while sealing); never the files and the archive and
    the ciphertext together. `write` has MemoryFolder's signature, so an exporter written for
    one writes into the package as well."""

    def __init__(self, root: str) -> None:
        root = clean_rel(root)
        if "/" in root or not root:
            raise ValueError("the archive root must be one folder name")
        self.root = root
        self._entries: dict[str, FileEntry] = {}
        self._plain = _plaintext()
        self._zip: zipfile.ZipFile | None = zipfile.ZipFile(
            self._plain.file, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self.manifest: dict | None = None

    @property
    def streaming(self) -> bool:
        """Is the ciphertext written as it is made (not held in memory)?"""
        return isinstance(self._plain, _MemfdPlaintext)

    def _new(self, rel: str) -> tuple[str, zipfile.ZipFile]:
        if self._zip is None:
            raise ValueError("the archive is already finished")
        rel = clean_rel(rel)
        if rel in self._entries or rel == MANIFEST_NAME:
            raise ValueError(f"{rel} is already in the archive")
        return rel, self._zip

    def write(self, rel: str, data: bytes) -> FileEntry:
        rel, zf = self._new(rel)
        zf.writestr(f"{self.root}/{rel}", data)
        entry = self._entries[rel] = FileEntry(rel, sha256_bytes(data), len(data))
        return entry

    @contextmanager
    def open(self, rel: str) -> Iterator[_EntryWriter]:
        """A writable stream for one file of unknown size (ZIP64 ready)."""
        rel, zf = self._new(rel)
        with zf.open(f"{self.root}/{rel}", "w", force_zip64=True) as stream:
            writer = _EntryWriter(stream)
            yield writer
        self._entries[rel] = FileEntry(rel, writer.digest.hexdigest(), writer.size)

    def add_file(self, rel: str, path: Path, sha256: str | None = None) -> FileEntry:
        """A file of a plain export, copied in blocks; refused if it no longer has `sha256`."""
        with open(path, "rb") as source, self.open(rel) as entry:
            while block := source.read(CHUNK):
                entry.write(block)
        added = self._entries[clean_rel(rel)]
        if sha256 is not None and added.sha256 != sha256:
            raise OutputError(Text(f"{rel} changed while the export was being packed",
                                   f"打包过程中 {rel} 被修改"))  # fmt: skip
        return added

    def files(self) -> list[FileEntry]:
        """What the archive holds so far, by path."""
        return [self._entries[rel] for rel in sorted(self._entries)]

    def finish(self, manifest: dict) -> dict:
        """Add `manifest` as `root/manifest.json` — its "files" are what was archived — and
        close the ZIP. Returns the manifest as written."""
        if self._zip is None:
            raise ValueError("the archive is already finished")
        self.manifest = {**manifest, "files": [e.as_dict() for e in self.files()]}
        self._zip.writestr(f"{self.root}/{MANIFEST_NAME}", manifest_bytes(self.manifest))
        self._zip.close()
        self._zip = None
        return self.manifest

    def archive_bytes(self) -> bytes:
        """The finished ZIP as bytes (tests and small archives; a package is sealed instead)."""
        if self._zip is not None:
            raise ValueError("the archive is not finished")
        self._plain.file.seek(0)
        return self._plain.file.read()

    def seal(self, part: Path, *, recipient: pysequoia.Cert | None = None,
             passphrase: str | None = None, signer=None) -> str:  # fmt: skip
        """Sign (with `signer`, the site's OpenPGP key, see `site_signer`) and encrypt the
        finished archive into `part`, a new owner-only file, and free the archive; returns the
        SHA-256 of the ciphertext. On failure `part` is removed."""
        if recipient is None and not passphrase:
            raise UsageError(
                Text("a package needs the sponsor's public key or a passphrase",
                     "数据包需要申办方公钥或口令")
            )  # fmt: skip
        if self._zip is not None:
            raise ValueError("finish the archive before sealing it")
        part = Path(part)
        try:
            out = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                          0o600)  # fmt: skip
        except OSError as exc:
            raise _cannot_write(part, exc) from None
        try:
            try:
                self._plain.encrypt_into(out, part, recipient, passphrase, signer)
                self.discard()
                os.fsync(out)
            finally:
                os.close(out)
            return sha256_file(part)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise _cannot_write(part, exc) from None
        except BaseException:
            part.unlink(missing_ok=True)
            raise

    def discard(self) -> None:
        """Free the archive (idempotent; the plaintext never existed anywhere else)."""
        if self._zip is not None:
            with suppress(Exception):  # a half-written entry: nothing to keep
                self._zip.close()
            self._zip = None
        self._plain.close()


def publish(part: Path, path: Path, sha256: str) -> None:
    """Give a sealed package its name (an atomic rename of the part file) and write its
    `.sha256` companion (`sha256sum -c` format). On failure neither is left behind."""
    path = Path(path)
    try:
        os.replace(part, path)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    try:
        _atomic_write(path.with_name(path.name + HASH_SUFFIX), f"{sha256}  {path.name}\n".encode())
    except BaseException as exc:
        path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc) from None
        raise


def _cannot_write(path: Path, exc: OSError) -> OutputError:
    why = exc.strerror or str(exc)
    return OutputError(Text(f"cannot write the package {path}: {why}",
                            f"无法写入数据包 {path}：{why}"))  # fmt: skip


@dataclass
class Archive:
    data: bytes
    root: str
    entries: list[FileEntry] = field(default_factory=list)


def build_archive(root: str, files: dict[str, bytes] | MemoryFolder, manifest: dict) -> Archive:
    """A ZIP (in memory, as bytes) of `files` under `root/`, with `manifest` (its "files" list
    filled in here from the bytes actually archived) as `root/manifest.json`."""
    contents = files.files if isinstance(files, MemoryFolder) else files
    writer = PackageWriter(root)
    try:
        for rel in sorted(contents):
            if clean_rel(rel) != MANIFEST_NAME:
                writer.write(rel, contents[rel])
        writer.finish(manifest)
        return Archive(writer.archive_bytes(), writer.root, writer.files())
    finally:
        writer.discard()


def load_recipient(source: str | bytes | Path) -> pysequoia.Cert:
    """The sponsor's public key from a file or armored text (validated; see export_settings)."""
    from tnt_desktop.services.export_settings import BadSponsorKey, parse_public_key

    if not isinstance(source, Path):
        return parse_public_key(source).cert()
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise UsageError(Text(f"no key file at {source}", f"未找到密钥文件：{source}")) from None
    try:
        return parse_public_key(raw).cert()
    except BadSponsorKey as exc:
        raise BadSponsorKey(exc.why, source) from None


def seal(archive: bytes, *, recipient: pysequoia.Cert | None = None,
         passphrase: str | None = None, signer=None) -> bytes:  # fmt: skip
    """Binary OpenPGP message, signed by `signer` when given, then encrypted: to the
    recipient's public key, else symmetric with a passphrase."""
    if recipient is None and not passphrase:
        raise UsageError(
            Text("a package needs the sponsor's public key or a passphrase",
                 "数据包需要申办方公钥或口令")
        )  # fmt: skip
    if recipient is not None:
        return pysequoia.encrypt(archive, recipients=[recipient], signer=signer, armor=False)
    return pysequoia.encrypt(archive, passwords=[passphrase], signer=signer, armor=False)


STALE_SECONDS = 3600  # a part file this old belongs to an export that was killed


def remove_stale_parts(out_dir: Path, prefix: str, now: float | None = None) -> list[Path]:
    """Remove what killed exports left in `out_dir`: part folders `.<prefix>….part`, sealed
    part files `<prefix>….zip.gpg.part` and companion temporaries `.<name>.….part`, older than
    STALE_SECONDS (younger ones may be another window's export in progress). Best effort."""
    import shutil
    import time

    cutoff = (time.time() if now is None else now) - STALE_SECONDS
    removed = []
    candidates = [*Path(out_dir).glob(f".{prefix}*.part"), *Path(out_dir).glob(f"{prefix}*.part")]
    for path in candidates:
        with suppress(OSError):
            if path.lstat().st_mtime >= cutoff:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    return removed


def owner_only(folder: Path) -> None:
    """A plain export holds clinical data: its folders 0700 and files 0600 (POSIX)."""
    if os.name == "nt":
        return
    os.chmod(folder, 0o700)
    for path in Path(folder).rglob("*"):
        if path.is_symlink():
            continue
        os.chmod(path, 0o700 if path.is_dir() else 0o600)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


