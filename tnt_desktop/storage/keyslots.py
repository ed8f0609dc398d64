"""Key slots: the database key wrapped once per user, kept in a file beside the database.

A slot holds a memory-hard KDF (scrypt, parameters stored with the slot) of the user's password
and the slot's secrets sealed with AES-256-GCM under that KDF output, with the database id and
the user name as associated data (a slot moved to another name or file does not open). The
secrets (format 2) are the 32-byte database key, the user's own Ed25519 signing key and, for the
administrator, the site key and the site's OpenPGP key (`Secrets`). Format 1 slots held the
database key alone; they still open, and the login that opens one upgrades it.

Each slot is signed (`signature`) over its material — by the site key when the administrator
wrote it, by its owner's key after the owner changed the password — and carries the owner's
public key. The login compares the unwrapped private key with the public key the database
certifies for that user, so a slot re-wrapped or replaced by someone else opens nothing that
signs as that user; `admin verify` checks every slot signature.

The file also persists failed-login counts and lock-out times, because they must survive a
restart and the database cannot be opened before a login succeeds; they are kept a second time
in the user's own state folder (`ThrottleStore`), and the larger count wins, so copying an old
`.keys` file over the current one does not lift a lock-out.

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
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

FORMAT = "tnt-desktop-keyslots"
VERSION = 2
READABLE_VERSIONS = (1, 2)
# scrypt N=2^16, r=8, p=2: 64 MiB (128·N·r) per guess and, p running sequentially, twice the
# work of p=1: about 0.4 s on the reference machine (benchmarks/storage.py prints both figures).
DEFAULT_KDF = {"name": "scrypt", "n": 2**16, "r": 8, "p": 2}
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


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _hkdf(shared: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, None, b"tnt-desktop envelope 1").derive(shared)


def new_box_key() -> bytes:
    return X25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw,
                                                     NoEncryption())  # fmt: skip


def box_public_hex(private: bytes) -> str:
    return _raw_public(X25519PrivateKey.from_private_bytes(private).public_key()).hex()


@dataclass
class Secrets:
    """What a slot seals: the database key and the keys its owner signs with."""

    db_key: bytes | None = field(default=None, repr=False)  # format 1 slots only
    signing_key: bytes | None = field(default=None, repr=False)  # the user's Ed25519 key
    box_key: bytes | None = field(default=None, repr=False)  # X25519: opens the envelope
    site_key: bytes | None = field(default=None, repr=False)  # the site's Ed25519 key
    site_pgp: str | None = field(default=None, repr=False)  # the site's OpenPGP key (armored)

    def encode(self) -> bytes:
        data: dict[str, str] = {}
        if self.db_key is not None:
            data["db"] = self.db_key.hex()
        if self.box_key is not None:
            data["box"] = self.box_key.hex()
        if self.signing_key is not None:
            data["sign"] = self.signing_key.hex()
        if self.site_key is not None:
            data["site"] = self.site_key.hex()
        if self.site_pgp is not None:
            data["pgp"] = self.site_pgp
        return json.dumps(data, sort_keys=True).encode()

    @classmethod
    def decode(cls, raw: bytes) -> Secrets:
        if len(raw) == 32:  # format 1: the database key alone
            return cls(raw)
        try:
            data = json.loads(raw)
            hexed = {name: bytes.fromhex(data[name]) if data.get(name) else None
                     for name in ("db", "sign", "site", "box")}  # fmt: skip
        except (ValueError, TypeError, KeyError, AttributeError):
            raise KeySlotError("key slot content damaged") from None
        if hexed["db"] is None and hexed["box"] is None:
            raise KeySlotError("key slot content damaged")
        return cls(hexed["db"], hexed["sign"], hexed["box"], hexed["site"], data.get("pgp"))


@dataclass
class Slot:
    kdf: dict
    salt: str
    nonce: str
    wrapped: str
    created_utc: str
    failures: int = 0
    locked_until: float = 0.0  # epoch seconds
    public: str | None = None  # the owner's Ed25519 public key (hex)
    box_public: str | None = None  # the owner's X25519 public key: envelopes are sealed to it
    signer: str | None = None  # "site" or the owner's user name
    signature: str | None = None  # over `signed_fields` (storage.signing.SLOT_DOMAIN)

    def unwrap(self, password: str, aad: bytes) -> bytes:
        kek = _kdf(password, bytes.fromhex(self.salt), self.kdf)
        try:
            return AESGCM(kek).decrypt(bytes.fromhex(self.nonce), bytes.fromhex(self.wrapped), aad)
        except InvalidTag:
            raise BadPassword() from None
        except ValueError:
            raise KeySlotError("key slot damaged") from None

    @classmethod
    def wrap(cls, key: bytes, password: str, aad: bytes, kdf: dict | None = None) -> Slot:
        params = dict(kdf or DEFAULT_KDF)
        salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
        kek = _kdf(password, salt, params)
        sealed = AESGCM(kek).encrypt(nonce, key, aad)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return cls(params, salt.hex(), nonce.hex(), sealed.hex(), stamp)

    def signed_fields(self, database_id: str, username: str) -> dict:
        return {"database_id": database_id, "username": username, "kdf": self.kdf,
                "salt": self.salt, "nonce": self.nonce, "wrapped": self.wrapped,
                "created_utc": self.created_utc, "public": self.public,
                "box_public": self.box_public, "signer": self.signer}  # fmt: skip


@dataclass
class KeySlotFile:
    database_id: str  # random id of the database these slots open (also stored in it)
    slots: dict[str, Slot] = field(default_factory=dict)
    site_public: str | None = None  # the site's Ed25519 public key (also in the database)
    path: Path | None = field(default=None, compare=False)
    # user → envelopes of the database key sealed to the user's box key, newest first (two
    # only while the database is being re-keyed, see services.trust.rekey)
    envelopes: dict[str, list[dict]] = field(default_factory=dict)

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
        if data.get("version") not in READABLE_VERSIONS:
            raise KeySlotError(f"key file version {data.get('version')} is not supported")
        try:
            slots = {str(name): Slot(**slot) for name, slot in data["slots"].items()}
            envelopes = {str(k): list(v) for k, v in (data.get("envelopes") or {}).items()}
            loaded = cls(str(data["database_id"]), slots, data.get("site_public"), Path(path),
                         envelopes)  # fmt: skip
        except (KeyError, TypeError, AttributeError) as exc:
            raise KeySlotError(f"key file damaged: {path} ({type(exc).__name__})") from None
        ThrottleStore.merge_into(loaded)
        return loaded

    def save(self, path: Path) -> None:
        path = Path(path)
        payload = {
            "format": FORMAT,
            "version": VERSION,
            "database_id": self.database_id,
            "site_public": self.site_public,
            "slots": {name: asdict(slot) for name, slot in sorted(self.slots.items())},
            "envelopes": {name: env for name, env in sorted(self.envelopes.items())},
        }
        fd, tmp = tempfile.mkstemp(prefix=".keys-", suffix=".tmp", dir=path.parent)
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
        ThrottleStore.record(self)

    # ---- slots -------------------------------------------------------------------------------
    def add(self, username: str, key: bytes | Secrets, password: str,
            kdf: dict | None = None) -> None:  # fmt: skip
        """(Re)wrap a slot. `key` is the database key alone (format 1 content, kept for the
        callers that have nothing else) or the full Secrets. The slot is unsigned until
        `sign_slot`."""
        content = key.encode() if isinstance(key, Secrets) else key
        slot = Slot.wrap(content, password, self.aad(self.database_id, username), kdf)
        old = self.slots.get(username)
        if old is not None:  # the throttle state belongs to the account, not the password
            slot.failures, slot.locked_until = old.failures, old.locked_until
        if isinstance(key, Secrets) and key.signing_key is not None:
            from tnt_desktop.storage.signing import public_hex

            slot.public = public_hex(key.signing_key)
        if isinstance(key, Secrets) and key.box_key is not None:
            slot.box_public = box_public_hex(key.box_key)
        self.slots[username] = slot

    # ---- envelopes: the database key, sealed to each user's box key ---------------------------
    def _envelope_aad(self, username: str, epoch: int) -> bytes:
        return f"{FORMAT}/envelope/{self.database_id}/{username}/{epoch}".encode()

    def seal_for(self, username: str, db_key: bytes, epoch: int, *, keep_old: bool = False
                 ) -> None:  # fmt: skip
        """Seal the database key to the user's box public key (X25519 + HKDF + AES-GCM)."""
        slot = self.slots[username]
        if slot.box_public is None:
            return
        ephemeral = X25519PrivateKey.generate()
        peer = X25519PublicKey.from_public_bytes(bytes.fromhex(slot.box_public))
        kek = _hkdf(ephemeral.exchange(peer))
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(kek).encrypt(nonce, db_key, self._envelope_aad(username, epoch))
        envelope = {"epoch": epoch, "ephemeral": _raw_public(ephemeral.public_key()).hex(),
                    "nonce": nonce.hex(), "sealed": sealed.hex()}  # fmt: skip
        old = self.envelopes.get(username, []) if keep_old else []
        self.envelopes[username] = [envelope, *[e for e in old if e.get("epoch") != epoch][:1]]

    def seal_all(self, db_key: bytes, epoch: int, *, keep_old: bool = False) -> None:
        for username in self.slots:
            self.seal_for(username, db_key, epoch, keep_old=keep_old)

    def database_keys(self, username: str, opened: Secrets) -> list[bytes]:
        """The database keys a user's opened slot reaches, newest first."""
        found = []
        if opened.box_key is not None:
            box = X25519PrivateKey.from_private_bytes(opened.box_key)
            for envelope in self.envelopes.get(username, []):
                try:
                    shared = box.exchange(X25519PublicKey.from_public_bytes(
                        bytes.fromhex(envelope["ephemeral"])))  # fmt: skip
                    found.append(AESGCM(_hkdf(shared)).decrypt(
                        bytes.fromhex(envelope["nonce"]), bytes.fromhex(envelope["sealed"]),
                        self._envelope_aad(username, int(envelope["epoch"]))))  # fmt: skip
                except (InvalidTag, ValueError, KeyError, TypeError):
                    continue
        if opened.db_key is not None:
            found.append(opened.db_key)
        return found

    def sign_slot(self, username: str, private: bytes, signer: str) -> None:
        """Sign a slot's material with the site key (`signer` "site") or its owner's key."""
        from tnt_desktop.storage.signing import SLOT_DOMAIN, sign

        slot = self.slots[username]
        slot.signer = signer
        slot.signature = sign(private, SLOT_DOMAIN, slot.signed_fields(self.database_id,
                                                                       username))  # fmt: skip

    def slot_problem(self, username: str, owner_public: str | None) -> str | None:
        """Why a slot cannot be trusted (None: its signature verifies). `owner_public` is the
        key the database certifies for the user."""
        from tnt_desktop.storage.signing import SLOT_DOMAIN, verify

        slot = self.slots[username]
        if slot.signature is None:
            return "the slot is not signed"
        if owner_public is not None and slot.public != owner_public:
            return "the slot holds a key other than the one the database certifies"
        signer_key = self.site_public if slot.signer == "site" else (
            owner_public if slot.signer == username else None)  # fmt: skip
        if not verify(signer_key, slot.signature, SLOT_DOMAIN,
                      slot.signed_fields(self.database_id, username)):  # fmt: skip
            return "the slot's signature does not verify (re-wrapped or replaced)"
        return None

    def remove(self, username: str) -> None:
        self.slots.pop(username, None)

    def open_slot(self, username: str, password: str) -> Secrets:
        slot = self.slots[username]
        return Secrets.decode(slot.unwrap(password, self.aad(self.database_id, username)))

    def unwrap(self, username: str, password: str) -> bytes:
        """The current database key the user's password reaches (the newest envelope)."""
        found = self.database_keys(username, self.open_slot(username, password))
        if not found:
            raise KeySlotError("the key slot holds no database key")
        return found[0]

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


class ThrottleStore:
    """A second copy of the failed-login counters, in the user's own state folder
    (`TNT_STATE_DIR`, else platformdirs' user state folder), one small file per database id.

    Loading a key file takes the larger failure count and the later lock-out of both copies, so
    a `.keys` file copied back from a backup (or edited) does not lift a lock-out on this
    computer account. Best effort: a state folder that cannot be written never blocks a login.
    """

    ENV = "TNT_STATE_DIR"

    @classmethod
    def _path(cls, database_id: str) -> Path | None:
        from tnt_desktop.paths import APP_AUTHOR, APP_DIR_NAME, env_folder

        folder = env_folder(cls.ENV)
        if folder is None:
            try:
                from platformdirs import user_state_path

                folder = user_state_path(APP_DIR_NAME, APP_AUTHOR)
            except Exception:  # no state folder: the key file alone counts
                return None
        if not database_id.isalnum():
            return None
        return folder / "throttle" / f"{database_id}.json"

    @classmethod
    def _read(cls, database_id: str) -> dict[str, dict]:
        path = cls._path(database_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if path else {}
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    @classmethod
    def merge_into(cls, slots: KeySlotFile) -> None:
        for name, state in cls._read(slots.database_id).items():
            slot = slots.slots.get(name)
            if slot is None or not isinstance(state, dict):
                continue
            try:
                slot.failures = max(slot.failures, int(state.get("failures", 0)))
                slot.locked_until = max(slot.locked_until, float(state.get("locked_until", 0)))
            except (TypeError, ValueError):
                continue

    @classmethod
    def record(cls, slots: KeySlotFile) -> None:
        path = cls._path(slots.database_id)
        if path is None:
            return
        data = {name: {"failures": s.failures, "locked_until": s.locked_until}
                for name, s in slots.slots.items()}  # fmt: skip
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=".throttle-", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(tmp, path)
        except OSError:
            return
