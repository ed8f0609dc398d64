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
import posixpath
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import pysequoia

from tnt_desktop.errors import OutputError, TntError, UsageError
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


def _damaged(path: object, en: str, zh: str) -> PackageDamaged:
    return PackageDamaged(path, Text(en, zh))


# ---- an in-memory folder ------------------------------------------------------------------------
class MemoryFolder:
    """Files kept in memory, addressed by relative POSIX paths ("csv/DM.csv").

    `path(rel)` gives a `MemoryPath`, a small pathlib-like object (`/`, `name`, `suffix`,
    `parent`, `mkdir`, `open`, `write_bytes`, `write_text`, `read_bytes`, `exists`) that an
    exporter can write to instead of a real folder. It deliberately has no `__fspath__`: any
    attempt to reach the real file system with it fails (TypeError) instead of writing plaintext.
    """

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.dirs: set[str] = {""}

    def path(self, rel: str = "") -> MemoryPath:
        return MemoryPath(self, _clean(rel) if rel else "")

    def write(self, rel: str, data: bytes) -> None:
        rel = _clean(rel)
        self.files[rel] = bytes(data)
        parent = posixpath.dirname(rel)
        while parent:
            self.dirs.add(parent)
            parent = posixpath.dirname(parent)

    def names(self) -> list[str]:
        return sorted(self.files)

    def total_bytes(self) -> int:
        return sum(len(v) for v in self.files.values())


class _MemoryWriter(io.BytesIO):
    def __init__(self, folder: MemoryFolder, rel: str, initial: bytes = b"") -> None:
        super().__init__(initial)
        self.seek(0, io.SEEK_END)
        self._folder, self._rel = folder, rel
        self.name = rel

    def flush(self) -> None:
        super().flush()
        if not self.closed:
            self._folder.write(self._rel, self.getvalue())

    def close(self) -> None:
        if not self.closed:
            self._folder.write(self._rel, self.getvalue())
        super().close()


class MemoryPath:
    def __init__(self, folder: MemoryFolder, rel: str) -> None:
        self._folder, self._rel = folder, rel

    def __truediv__(self, other: object) -> MemoryPath:
        return MemoryPath(self._folder, _clean(posixpath.join(self._rel, str(other))))

    def __str__(self) -> str:
        return f"memory:/{self._rel}"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MemoryPath) and (other._folder, other._rel) == (
            self._folder, self._rel)  # fmt: skip

    def __hash__(self) -> int:
        return hash((id(self._folder), self._rel))

    @property
    def name(self) -> str:
        return posixpath.basename(self._rel)

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix if self.name else ""

    @property
    def stem(self) -> str:
        return PurePosixPath(self.name).stem if self.name else ""

    @property
    def parent(self) -> MemoryPath:
        return MemoryPath(self._folder, posixpath.dirname(self._rel))

    @property
    def relative(self) -> str:
        return self._rel

    def with_suffix(self, suffix: str) -> MemoryPath:
        return MemoryPath(self._folder, str(PurePosixPath(self._rel).with_suffix(suffix)))

    def exists(self) -> bool:
        return self._rel in self._folder.files or self._rel in self._folder.dirs

    def is_dir(self) -> bool:
        return self._rel in self._folder.dirs

    def is_file(self) -> bool:
        return self._rel in self._folder.files

    def mkdir(self, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        if self.exists() and not exist_ok:
            raise FileExistsError(str(self))
        if not parents and posixpath.dirname(self._rel) not in self._folder.dirs:
            raise FileNotFoundError(str(self.parent))
        rel = self._rel
        while rel:
            self._folder.dirs.add(rel)
            rel = posixpath.dirname(rel)

    def iterdir(self) -> Iterator[MemoryPath]:
        prefix = f"{self._rel}/" if self._rel else ""
        seen = set()
        for name in [*self._folder.files, *self._folder.dirs]:
            if name and name.startswith(prefix):
                child = name[len(prefix):].split("/", 1)[0]
                if child not in seen:
                    seen.add(child)
                    yield self / child

    def open(self, mode: str = "r", buffering: int = -1, encoding: str | None = None,
             errors: str | None = None, newline: str | None = None):  # fmt: skip
        if "r" in mode and "+" not in mode:
            if self._rel not in self._folder.files:
                raise FileNotFoundError(str(self))
            raw = io.BytesIO(self._folder.files[self._rel])
            if "b" in mode:
                return raw
            return io.TextIOWrapper(raw, encoding=encoding or "utf-8", errors=errors,
                                    newline=newline)  # fmt: skip
        if "x" in mode and self._rel in self._folder.files:
            raise FileExistsError(str(self))
        initial = self._folder.files.get(self._rel, b"") if "a" in mode else b""
        self._folder.write(self._rel, initial)
        writer = _MemoryWriter(self._folder, self._rel, initial)
        if "b" in mode:
            return writer
        return io.TextIOWrapper(writer, encoding=encoding or "utf-8", errors=errors,
                                newline=newline, write_through=True)  # fmt: skip

    def write_bytes(self, data: bytes) -> int:
        self._folder.write(self._rel, data)
        return len(data)

    def write_text(self, data: str, encoding: str | None = None, errors: str | None = None,
                   newline: str | None = None) -> int:  # fmt: skip
        text = data
        if newline not in (None, ""):
            text = text.replace("\n", newline)
        self._folder.write(self._rel, text.encode(encoding or "utf-8", errors or "strict"))
        return len(data)

    def read_bytes(self) -> bytes:
        if self._rel not in self._folder.files:
            raise FileNotFoundError(str(self))
        return self._folder.files[self._rel]

    def read_text(self, encoding: str | None = None, errors: str | None = None) -> str:
        return self.read_bytes().decode(encoding or "utf-8", errors or "strict")

    def unlink(self, missing_ok: bool = False) -> None:
        if self._folder.files.pop(self._rel, None) is None and not missing_ok:
            raise FileNotFoundError(str(self))


def _clean(rel: str) -> str:
    """A safe relative POSIX path: no absolute paths, no '..', no drive letters."""
    text = str(rel).replace("\\", "/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if text.startswith("/") or any(p == ".." or ":" in p for p in parts):
        raise ValueError(f"not a safe relative path: {rel!r}")
    return "/".join(parts)


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
        root = _clean(root)
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
        rel = _clean(rel)
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
        added = self._entries[_clean(rel)]
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
            if _clean(rel) != MANIFEST_NAME:
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


# ---- the site's signature (issue 14) -------------------------------------------------------------
class PackageNoSiteKey(UsageError):
    def __init__(self) -> None:
        super().__init__(
            Text("this account holds no site signing key, so it cannot sign a package: packages "
                 "are signed by the data manager or the administrator; in a database made "
                 "before signing keys, the administrator resets the data manager's password once",
                 "此账户没有中心签名密钥，无法签署数据包：数据包由数据管理员或系统管理员签署；"
                 "对于在签名密钥之前创建的数据库，请管理员为数据管理员重置一次密码")
        )  # fmt: skip


class PackageNotSigned(PackageError):
    def __init__(self, path: object, site_key: object) -> None:
        super().__init__(
            Text(f"the package {path} was refused: it is not signed by the site key in "
                 f"{site_key} (it was made, or re-made, by someone else). Nothing was "
                 "extracted; ask the site for the package and check that the site key file is "
                 "the one the site exported with `tnt-desktop admin site-key`",
                 f"已拒绝数据包 {path}：它并非由 {site_key} 中的中心密钥签署（由他人生成或重新"
                 "生成）。未解出任何文件；请向研究中心索取数据包，并确认中心密钥文件是中心用 "
                 "`tnt-desktop admin site-key` 导出的那一份")
        )  # fmt: skip


class PackageChainBroken(PackageError):
    def __init__(self, path: object, previous: object, why: Text) -> None:
        super().__init__(
            Text(f"the package {path} does not continue {previous}: {why.en}. The site's "
                 "history may have been rewritten between the two exports; keep both packages "
                 "and ask the site to run `tnt-desktop admin verify`",
                 f"数据包 {path} 未能接续 {previous}：{why.zh}。两次导出之间研究中心的历史记录"
                 "可能被改写；请保留两个数据包，并请研究中心运行 `tnt-desktop admin verify`")
        )  # fmt: skip


def site_signer(site_pgp: str | None):
    """A pysequoia signer from the site's OpenPGP secret key (held in a key slot)."""
    if not site_pgp:
        raise PackageNoSiteKey()
    return pysequoia.Tsk.from_bytes(site_pgp.encode()).signer()


def load_site_key(path: Path) -> pysequoia.Cert:
    """The site's OpenPGP public key (as `admin site-key --out` wrote it)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(Text(f"no key file at {path}", f"未找到密钥文件：{path}")) from None
    try:
        return pysequoia.Cert.from_bytes(raw)
    except Exception:
        raise UsageError(Text(f"{path} is not an OpenPGP public key",
                              f"{path} 不是 OpenPGP 公钥")) from None  # fmt: skip


def check_chain(new: OpenedPackage, previous: OpenedPackage) -> None:
    """Does `new` continue `previous` (the same workstation's package before it)? The origin
    names the same site and workstation, the next sequence number and the SHA-256 of the
    previous package file; and the audit entry that was the previous chain head still has the
    hash it had then (`chain_link`), so no entry up to it was rewritten in between."""
    def fail(en: str, zh: str) -> PackageChainBroken:
        return PackageChainBroken(new.path, previous.path, Text(en, zh))

    old, cur = previous.manifest.get("origin") or {}, new.manifest.get("origin") or {}
    if not old or not cur:
        raise fail("a package has no origin (made before chained packages)",
                   "有数据包没有来源信息（在链式数据包之前生成）")
    if (old.get("site"), old.get("workstation")) != (cur.get("site"), cur.get("workstation")):
        raise fail("they come from different workstations", "两者来自不同的工作站")
    if cur.get("sequence") != (old.get("sequence") or 0) + 1:
        raise fail(f"its sequence is {cur.get('sequence')}, not {old.get('sequence', 0) + 1} "
                   "(a package is missing in between, or they are in the wrong order)",
                   f"其序号为 {cur.get('sequence')}，而非 {old.get('sequence', 0) + 1}"
                   "（中间缺少数据包，或顺序颠倒）")  # fmt: skip
    if cur.get("previous_package_sha256") != sha256_file(previous.path):
        raise fail("it names another previous package (SHA-256 differs)",
                   "其记录的上一个数据包不同（SHA-256 不一致）")
    old_head = old.get("chain_head") or {}
    link = new.manifest.get("chain_link") or {}
    if old_head.get("sequence") is not None and (
            link.get("sequence") != old_head.get("sequence")
            or link.get("hash") != old_head.get("hash")):  # fmt: skip
        raise fail(f"audit entry {old_head.get('sequence')} no longer has the hash it had in the "
                   "previous package: the audit trail was rewritten",
                   f"第 {old_head.get('sequence')} 条稽查记录的散列与上一个数据包中的不同："
                   "稽查轨迹已被改写")  # fmt: skip
    if (cur.get("chain_head") or {}).get("sequence", 0) < old_head.get("sequence", 0):
        raise fail("its audit trail is shorter than the previous one's",
                   "其稽查轨迹比上一个数据包的更短")


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


# ---- opening -------------------------------------------------------------------------------------
@dataclass
class OpenedPackage:
    path: Path
    root: str
    manifest: dict
    files: dict[str, bytes]  # relative path → content, every one verified against the manifest
    companion_checked: bool
    signed_by_site: bool = False  # the site key given to open_package signed it

    @property
    def subject_count(self) -> int:
        return int(self.manifest.get("subjects", {}).get("count", 0))

    def extract(self, out_dir: Path) -> Path:
        """Write the verified files under `out_dir/root/`; refuses to overwrite a folder."""
        target = Path(out_dir) / self.root
        if target.exists() and any(target.iterdir()):
            raise OutputError(Text(f"{target} already exists and is not empty",
                                   f"{target} 已存在且非空"))  # fmt: skip
        for rel, data in self.files.items():
            dest = target.joinpath(*rel.split("/"))
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        (target / MANIFEST_NAME).write_bytes(manifest_bytes(self.manifest))
        return target


def read_secret_key(path: Path, key_passphrase: str | None = None):
    """A decryptor from an OpenPGP secret key file (armored or binary)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError(Text(f"no key file at {path}", f"未找到密钥文件：{path}")) from None
    try:
        tsk = pysequoia.Tsk.from_bytes(raw)
    except Exception:
        raise BadSecretKey(path, Text("it is not an OpenPGP key", "不是 OpenPGP 密钥")) from None
    if not _has_secret(tsk):
        raise BadSecretKey(path, Text("it holds no secret key material (a public key?)",
                                      "其中没有私钥（可能是公钥）"))  # fmt: skip
    try:
        return tsk.decryptor(key_passphrase)
    except Exception:
        raise BadSecretKey(
            path, Text("it has no usable decryption key, or its passphrase is wrong or missing",
                       "没有可用的解密密钥，或其口令错误或缺失")
        ) from None  # fmt: skip


def _has_secret(tsk: pysequoia.Tsk) -> bool:
    return "PRIVATE KEY BLOCK" in str(tsk)  # Cert.has_secret_keys is deprecated in pysequoia


def open_package(path: Path, *, decryptor=None, passphrase: str | None = None,
                 expected_sha256: str | None = None, site_key: pysequoia.Cert | None = None,
                 site_key_path: object = None) -> OpenedPackage:  # fmt: skip
    """Decrypt and verify a package in memory. Raises PackageDamaged / PackageWrongKey, and
    with `site_key` PackageNotSigned unless the site's key signed it."""
    path = Path(path)
    if decryptor is None and not passphrase:
        raise UsageError(Text("give the secret key or the passphrase of the package",
                              "请提供私钥或数据包口令"))  # fmt: skip
    try:
        ciphertext = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(Text(f"no package at {path}", f"未找到数据包：{path}")) from None
    if not ciphertext:
        raise _damaged(path, "the file is empty", "文件为空")
    companion = path.with_name(path.name + HASH_SUFFIX)
    if expected_sha256 is None and companion.is_file():
        first = companion.read_text(encoding="utf-8", errors="replace").split()
        expected_sha256 = first[0] if first else ""
    if expected_sha256 is not None and sha256_bytes(ciphertext) != expected_sha256.lower():
        raise _damaged(path, "its SHA-256 differs from the one recorded when it was made "
                       f"({companion.name})",
                       f"其 SHA-256 与生成时记录的不一致（{companion.name}）")  # fmt: skip
    def check_site(_ids):  # pysequoia fails the decryption if no signature verifies
        return [site_key]

    store = check_site if site_key is not None else None
    try:
        if decryptor is not None:
            decrypted = pysequoia.decrypt(ciphertext, decryptor=decryptor, store=store)
        else:
            decrypted = pysequoia.decrypt(ciphertext, passwords=[passphrase], store=store)
        plain = decrypted.bytes
        signed = [s.certificate for s in decrypted.valid_sigs]
    except Exception as exc:
        first_line = (str(exc).splitlines() or [""])[0].lower()
        if "no key to decrypt" in first_line:
            raise PackageWrongKey(path) from None
        if site_key is not None and "signature" in first_line:
            raise PackageNotSigned(path, site_key_path or site_key.fingerprint) from None
        raise _damaged(path, "the encrypted data do not decrypt intact (integrity check failed)",
                       "加密数据无法完整解密（完整性校验失败）") from None  # fmt: skip
    if plain is None:
        raise _damaged(path, "the encrypted data are empty", "加密数据为空")
    if site_key is not None and site_key.fingerprint.lower() not in {
            str(f).lower() for f in signed}:  # fmt: skip
        raise PackageNotSigned(path, site_key_path or site_key.fingerprint)
    opened = _verify_archive(path, plain, expected_sha256 is not None)
    opened.signed_by_site = site_key is not None
    return opened


def _verify_archive(path: Path, plain: bytes, companion_checked: bool) -> OpenedPackage:
    try:
        zf = zipfile.ZipFile(io.BytesIO(plain))
    except zipfile.BadZipFile:
        raise _damaged(path, "the decrypted content is not a ZIP archive",
                       "解密后的内容不是 ZIP 归档") from None  # fmt: skip
    with zf:
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
        roots = {n.split("/", 1)[0] for n in names}
        if len(roots) != 1:
            raise _damaged(path, "the archive does not hold exactly one export folder",
                           "归档中并非恰好一个导出文件夹")  # fmt: skip
        root = roots.pop()
        try:
            manifest = json.loads(zf.read(f"{root}/{MANIFEST_NAME}"))
        except KeyError:
            raise _damaged(path, "the manifest is missing", "缺少清单文件") from None
        except (ValueError, zipfile.BadZipFile, OSError):
            raise _damaged(path, "the manifest cannot be read", "清单文件无法读取") from None
        listed = manifest.get("files") if isinstance(manifest, dict) else None
        if not isinstance(listed, list):
            raise _damaged(path, "the manifest lists no files", "清单未列出任何文件")
        files: dict[str, bytes] = {}
        bad: list[str] = []
        for entry in listed:
            try:
                rel = _clean(entry["path"])
                data = zf.read(f"{root}/{rel}")
            except (KeyError, TypeError, ValueError):
                bad.append(str(entry.get("path") if isinstance(entry, dict) else entry))
                continue
            except (zipfile.BadZipFile, OSError, EOFError):  # CRC or stream damage
                bad.append(rel)
                continue
            if sha256_bytes(data) != entry.get("sha256") or len(data) != entry.get("bytes"):
                bad.append(rel)
                continue
            files[rel] = data
        if bad:
            shown = ", ".join(bad[:5]) + (f" (+{len(bad) - 5})" if len(bad) > 5 else "")
            raise _damaged(path, f"{len(bad)} file(s) do not match the manifest: {shown}",
                           f"{len(bad)} 个文件与清单不符：{shown}")  # fmt: skip
        extra = sorted(set(names) - {f"{root}/{r}" for r in files} - {f"{root}/{MANIFEST_NAME}"})
        if extra:
            raise _damaged(path, f"{len(extra)} file(s) are not in the manifest: {extra[0]}",
                           f"{len(extra)} 个文件不在清单中：{extra[0]}")  # fmt: skip
    return OpenedPackage(path, root, manifest, files, companion_checked)
