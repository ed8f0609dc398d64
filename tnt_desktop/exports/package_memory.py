"""An in-memory folder for the files of an export (exports.package): `MemoryFolder` and its small
pathlib-like `MemoryPath`, so that an exporter written for a real folder writes into memory
and nothing readable ever touches the disk."""

from __future__ import annotations

import io
import posixpath
from collections.abc import Iterator
from pathlib import PurePosixPath


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
        return MemoryPath(self, clean_rel(rel) if rel else "")

    def write(self, rel: str, data: bytes) -> None:
        rel = clean_rel(rel)
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
        return MemoryPath(self._folder, clean_rel(posixpath.join(self._rel, str(other))))

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


def clean_rel(rel: str) -> str:
    """A safe relative POSIX path: no absolute paths, no '..', no drive letters."""
    text = str(rel).replace("\\", "/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if text.startswith("/") or any(p == ".." or ":" in p for p in parts):
        raise ValueError(f"not a safe relative path: {rel!r}")
    return "/".join(parts)
