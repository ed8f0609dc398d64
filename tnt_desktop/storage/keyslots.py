"""Key slots: the database key wrapped once per user, kept in a file beside the database.

A slot holds a memory-hard KDF (scrypt, parameters stored with the slot) of the user's password
and the 32-byte database key sealed with AES-256-GCM under that KDF output. Logging in unwraps
the key; a password change rewraps one slot; deactivating a user deletes the slot. The file also
persists failed-login counts and lock-out times, because they must survive a restart and the
database cannot be opened before a login succeeds.

The file holds no secret in the clear: salts, nonces, ciphertexts and counters only. It is
written atomically (temporary file + rename) and owner-only.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT = "tnt-desktop-keyslots"
VERSION = 1
# scrypt N=2^16, r=8, p=1: 64 MiB and about 0.3 s on the reference machine (benchmarks/unlock).
DEFAULT_KDF = {"name": "scrypt", "n": 2**16, "r": 8, "p": 1}
MAX_FAILURES_BEFORE_LOCK = 5
BASE_LOCK_SECONDS = 30  # doubles with every further failure: 30 s, 60 s, 120 s … capped
MAX_LOCK_SECONDS = 3600


class KeySlotError(Exception):
    """Key slot file missing, unreadable or not ours."""


class BadPassword(Exception):
    """The password does not open this slot."""


def keyslot_path(db_path: Path) -> Path:
    return Path(str(db_path) + ".keys")


def _kdf(password: str, salt: bytes, params: dict) -> bytes:
    if params.get("name") != "scrypt":
        raise KeySlotError(f"unknown KDF {params.get('name')!r}")
    n, r, p = int(params["n"]), int(params["r"]), int(params["p"])
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + 2**20, dklen=32
    )


@dataclass
class Slot:
    kdf: dict
    salt: str
    nonce: str
    wrapped: str
    created_utc: str
    failures: int = 0
    locked_until: float = 0.0  # epoch seconds

    def unwrap(self, password: str, aad: bytes) -> bytes:
        kek = _kdf(password, bytes.fromhex(self.salt), self.kdf)
        try:
            return AESGCM(kek).decrypt(bytes.fromhex(self.nonce), bytes.fromhex(self.wrapped), aad)
        except InvalidTag:
            raise BadPassword() from None

    @classmethod
    def wrap(cls, key: bytes, password: str, aad: bytes, kdf: dict | None = None) -> Slot:
        params = dict(kdf or DEFAULT_KDF)
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        kek = _kdf(password, salt, params)
        sealed = AESGCM(kek).encrypt(nonce, key, aad)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return cls(params, salt.hex(), nonce.hex(), sealed.hex(), stamp)


@dataclass
class KeySlotFile:
    database_id: str  # random id of the database these slots open (also stored in it)
    slots: dict[str, Slot] = field(default_factory=dict)

    @staticmethod
    def aad(database_id: str, username: str) -> bytes:
        return f"{FORMAT}/{database_id}/{username}".encode()

    # ---- persistence -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> KeySlotFile:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeySlotError(f"key file not found: {path}") from None
        except (OSError, ValueError) as exc:
            raise KeySlotError(f"key file unreadable: {path} ({type(exc).__name__})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise KeySlotError(f"not a TNT Desktop key file: {path}")
        if data.get("version") != VERSION:
            raise KeySlotError(f"key file version {data.get('version')} is not supported")
        try:
            slots = {name: Slot(**slot) for name, slot in data["slots"].items()}
            return cls(str(data["database_id"]), slots)
        except (KeyError, TypeError) as exc:
            raise KeySlotError(f"key file damaged: {path} ({type(exc).__name__})") from None

    def save(self, path: Path) -> None:
        path = Path(path)
        payload = {
            "format": FORMAT,
            "version": VERSION,
            "database_id": self.database_id,
            "slots": {name: asdict(slot) for name, slot in sorted(self.slots.items())},
        }
        fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # ---- slots -------------------------------------------------------------------------------
    def add(self, username: str, key: bytes, password: str, kdf: dict | None = None) -> None:
        self.slots[username] = Slot.wrap(key, password, self.aad(self.database_id, username), kdf)

    def remove(self, username: str) -> None:
        self.slots.pop(username, None)

    def unwrap(self, username: str, password: str) -> bytes:
        slot = self.slots[username]
        return slot.unwrap(password, self.aad(self.database_id, username))

    # ---- throttling --------------------------------------------------------------------------
    def seconds_locked(self, username: str, now: float | None = None) -> int:
        slot = self.slots.get(username)
        if slot is None:
            return 0
        remaining = slot.locked_until - (time.time() if now is None else now)
        return max(0, int(remaining + 0.999))

    def record_failure(self, username: str, now: float | None = None) -> int:
        """Count a failed login; returns the lock-out seconds it started (0 if none)."""
        slot = self.slots.get(username)
        if slot is None:
            return 0
        slot.failures += 1
        if slot.failures < MAX_FAILURES_BEFORE_LOCK:
            return 0
        extra = slot.failures - MAX_FAILURES_BEFORE_LOCK
        seconds = min(MAX_LOCK_SECONDS, BASE_LOCK_SECONDS * 2**extra)
        slot.locked_until = (time.time() if now is None else now) + seconds
        return seconds

    def record_success(self, username: str) -> int:
        """Reset the counters; returns how many failures preceded this success."""
        slot = self.slots[username]
        failures, slot.failures, slot.locked_until = slot.failures, 0, 0.0
        return failures
