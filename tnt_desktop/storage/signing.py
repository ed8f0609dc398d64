"""Ed25519 signing keys: the site key and every user's key (issue 14).

The site key is made at `admin init`; its private half lives only in the key slots of the
accounts that may act for the site (the administrator; see services.trust). Every user's key
pair is made when the account gets its slot; the private half lives only in that user's slot,
wrapped by their password, the public half is stored in the database (`user_key`) with a
certificate: the site key's signature over (database id, user name, public key). What the
keys sign is always a domain-tagged, canonical byte string built here, so a signature made for
one purpose can never be replayed as another.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SIG_ALGORITHM = "Ed25519"


def new_private_key() -> bytes:
    """32 raw bytes of a fresh Ed25519 private key."""
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    return Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption())  # fmt: skip


def public_hex(private: bytes) -> str:
    key = Ed25519PrivateKey.from_private_bytes(private).public_key()
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def canonical(domain: str, fields: dict[str, Any]) -> bytes:
    """The bytes a key signs: a domain tag and a canonical JSON of the fields."""
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{domain}\n{body}".encode()


def sign(private: bytes, domain: str, fields: dict[str, Any]) -> str:
    return Ed25519PrivateKey.from_private_bytes(private).sign(canonical(domain, fields)).hex()


def verify(public: str | None, signature: str | None, domain: str,
           fields: dict[str, Any]) -> bool:  # fmt: skip
    """True only for a well-formed signature by `public` over exactly these fields."""
    if not public or not signature:
        return False
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))
        key.verify(bytes.fromhex(signature), canonical(domain, fields))
        return True
    except (InvalidSignature, ValueError):
        return False


def fingerprint(public: str) -> str:
    """A short, stable name of a public key for messages (first 16 hex of its SHA-256)."""
    return hashlib.sha256(bytes.fromhex(public)).hexdigest()[:16]


# ---- what is signed, one domain each ----------------------------------------------------------
CERT_DOMAIN = "TNT-USER-KEY-1"  # the site certifies (database id, user, public key)
SLOT_DOMAIN = "TNT-KEY-SLOT-1"  # a slot's material, by the site key or its owner's key
CHAIN_DOMAIN = "TNT-CHAIN-HEAD-1"  # an audit chain head, by the acting user
ESIG_DOMAIN = "TNT-ESIG-1"  # a Part 11 signature, by the signer


def certificate_fields(database_id: str, username: str, public: str, created_utc: str
                       ) -> dict[str, Any]:  # fmt: skip
    return {"database_id": database_id, "username": username, "public": public,
            "created_utc": created_utc}  # fmt: skip


def chain_fields(audit_id: int, entry_hash: str, username: str) -> dict[str, Any]:
    return {"audit_id": audit_id, "hash": entry_hash, "username": username}
