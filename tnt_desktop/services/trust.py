"""Who signs what (issue 14): the site key, each user's certified key, the keys a session holds.

- The **site key** (Ed25519) and the **site's OpenPGP key** are made at `admin init` (or, for a
  database made before this release, at the administrator's next login). Their private halves
  live only in key slots: both in the administrator's, the OpenPGP key also in the data
  manager's (who signs export packages). The public halves are settings in the database
  (`trust.site_public`, `trust.site_pgp`) and the Ed25519 one is also in the key file.
- Each **user's key** (Ed25519, plus an X25519 "box" key that opens the user's envelope of the
  database key) is made when the administrator creates or resets the account (certified at
  once by the site key) or, for an account of an upgraded database, at its next login (then
  certified at the administrator's next login). `user_key` keeps every public key with its
  certificate; a reset or a deactivation revokes the old one.
- `establish` runs inside every login: it refuses a slot whose private key is not the one the
  database certifies for that user, or whose signature does not verify, and upgrades a format 1
  slot. The session then holds `SessionKeys`; `AppSession.audit` hands the signer to the audit
  trail, which signs every transaction's new chain head (storage.audit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pysequoia
from sqlalchemy import select
from sqlalchemy.orm import Session

from tnt_desktop.errors import KeySlotNotTrusted
from tnt_desktop.storage.audit import utc_now_text
from tnt_desktop.storage.bulk import read_setting_value, write_setting_value
from tnt_desktop.storage.keyslots import KeySlotFile, Secrets, new_box_key
from tnt_desktop.storage.models import UserKey
from tnt_desktop.storage.signing import (
    CERT_DOMAIN,
    certificate_fields,
    new_private_key,
    public_hex,
    sign,
    verify,
)

SITE_PUBLIC = "trust.site_public"
SITE_PGP = "trust.site_pgp"  # the site's OpenPGP certificate (public, armored)
START_AUDIT = "trust.start_audit_id"  # entries up to here predate signing (upgraded database)
LEGACY_ESIG = "trust.legacy_esig_max_id"  # e-signatures up to here are hash-only
KEY_EPOCH = "trust.key_epoch"  # how many times the database key was replaced (rekey)
SITE_ROLES = frozenset({"admin"})  # hold the site key
PACKAGE_ROLES = frozenset({"admin", "datamanager"})  # hold the site's OpenPGP key


@dataclass
class SessionKeys:
    """The private keys a logged-in session holds (memory only)."""

    signing_key: bytes | None = field(default=None, repr=False)
    key_id: int | None = None
    site_key: bytes | None = field(default=None, repr=False)
    site_pgp: str | None = field(default=None, repr=False)
    box_key: bytes | None = field(default=None, repr=False)

    def secrets(self) -> Secrets:
        return Secrets(None, self.signing_key, self.box_key, self.site_key, self.site_pgp)


def new_site_pgp(site_id: str) -> tuple[str, str]:
    """A fresh OpenPGP key for the site: (armored secret key, armored public certificate)."""
    tsk = pysequoia.Tsk.generate(f"TNT-STS site {site_id} <site-{site_id}@tnt-sts.invalid>")
    return str(tsk), str(tsk.extract_certificate())


def setting(session: Session, key: str) -> str | None:
    return read_setting_value(session, key)


def has_key_tables(session: Session) -> bool:
    from sqlalchemy import inspect

    return "user_key" in inspect(session.connection()).get_table_names()


def current_key(session: Session, username: str) -> UserKey | None:
    return session.scalars(
        select(UserKey).where(UserKey.username == username, UserKey.revoked_utc.is_(None))
        .order_by(UserKey.id.desc())
    ).first()  # fmt: skip


def certify(row: UserKey, database_id: str, site_key: bytes) -> None:
    row.certificate = sign(site_key, CERT_DOMAIN, certificate_fields(
        database_id, row.username, row.public_key, row.created_utc))  # fmt: skip
    row.certified_utc = utc_now_text()


def certificate_valid(row: UserKey, database_id: str, site_public: str | None) -> bool:
    return verify(site_public, row.certificate, CERT_DOMAIN, certificate_fields(
        database_id, row.username, row.public_key, row.created_utc))  # fmt: skip


def register_key(session: Session, database_id: str, username: str, signing_key: bytes,
                 site_key: bytes | None) -> UserKey:  # fmt: skip
    """Store a user's public key (certified when the site key is at hand)."""
    row = UserKey(username=username, public_key=public_hex(signing_key),
                  created_utc=utc_now_text())  # fmt: skip
    if site_key is not None:
        certify(row, database_id, site_key)
    session.add(row)
    session.flush()
    return row


def revoke_keys(session: Session, username: str) -> int:
    now, count = utc_now_text(), 0
    for row in session.scalars(select(UserKey).where(UserKey.username == username,
                                                     UserKey.revoked_utc.is_(None))):
        row.revoked_utc, count = now, count + 1
    return count


def new_user_secrets(role: str, site: SessionKeys | None) -> Secrets:
    """A new account's private keys; the site's keys go to the roles that use them."""
    return Secrets(
        None, new_private_key(), new_box_key(),
        site.site_key if site is not None and role in SITE_ROLES else None,
        site.site_pgp if site is not None and role in PACKAGE_ROLES else None,
    )  # fmt: skip


def certify_pending(app, session: Session) -> list[str]:
    """With the site key at hand: certify every key that waits (made at a user's first login
    after an upgrade), each audited KEY_CERTIFIED."""
    keys = app.keys
    if keys is None or keys.site_key is None:
        return []
    done = []
    for row in session.scalars(select(UserKey).where(UserKey.certificate.is_(None),
                                                     UserKey.revoked_utc.is_(None))):
        certify(row, app.db.database_id, keys.site_key)
        done.append(row.username)
        app.audit(session, "KEY_CERTIFIED", detail=f"signing key of {row.username} "
                  f"(#{row.id}) certified by the site key")  # fmt: skip
    return done


@dataclass
class Established:
    keys: SessionKeys
    secrets: Secrets  # what the slot must hold from now on
    rewrap: bool  # the slot must be written again (upgraded to format 2)
    notes: list[tuple[str, str]]  # (action, detail) to audit once the session exists


def establish(session: Session, database_id: str, slots: KeySlotFile, username: str,
              role: str, opened: Secrets, site_id: str) -> Established:  # fmt: skip
    """Check the opened slot against the database and return the session's keys (see the
    module docstring). Raises KeySlotNotTrusted for a slot that is not this user's."""
    keys_path = slots.path or "the key file"
    site_public = setting(session, SITE_PUBLIC)
    if slots.site_public and site_public and slots.site_public != site_public:
        raise KeySlotNotTrusted(keys_path, username, "it names another site key")
    row = current_key(session, username)
    notes: list[tuple[str, str]] = []
    secrets = Secrets(None, opened.signing_key, opened.box_key, opened.site_key, opened.site_pgp)
    rewrap = opened.signing_key is None or opened.box_key is None
    if row is not None:
        if opened.signing_key is None or public_hex(opened.signing_key) != row.public_key:
            raise KeySlotNotTrusted(keys_path, username, "its key is not the one the database "
                                    "certifies for this account")  # fmt: skip
        problem = slots.slot_problem(username, row.public_key)
        if problem is not None and not (rewrap and problem == "the slot is not signed"):
            raise KeySlotNotTrusted(keys_path, username, problem)
    if secrets.site_key is not None and public_hex(secrets.site_key) != site_public:
        secrets.site_key = None  # a site key this database does not know: never used
    if role in SITE_ROLES and site_public is None:
        # an upgraded database: the site keys are made at the administrator's first login
        secrets.site_key = new_private_key()
        site_public = public_hex(secrets.site_key)
        write_setting_value(session, SITE_PUBLIC, site_public)
        secret_pgp, public_pgp = new_site_pgp(site_id)
        secrets.site_pgp = secret_pgp
        write_setting_value(session, SITE_PGP, public_pgp)
        notes.append(("SITE_KEY_CREATED", f"site key {site_public[:16]}… and OpenPGP key made"))
        rewrap = True
    if slots.site_public != site_public and site_public is not None:
        slots.site_public = site_public
    if row is None:
        if secrets.signing_key is None:
            secrets.signing_key = new_private_key()
        row = register_key(session, database_id, username, secrets.signing_key,
                           secrets.site_key)  # fmt: skip
        notes.append(("KEY_CREATED", f"signing key #{row.id} of {username}"
                      + ("" if row.certificate else " (awaits the administrator's "
                         "certification)")))  # fmt: skip
        rewrap = True
    if secrets.box_key is None:
        secrets.box_key = new_box_key()
    keys = SessionKeys(secrets.signing_key, row.id, secrets.site_key, secrets.site_pgp,
                       secrets.box_key)  # fmt: skip
    return Established(keys, secrets, rewrap, notes)


def write_slot(slots: KeySlotFile, username: str, secrets: Secrets, password: str,
               db_key: bytes, epoch: int, signer: SessionKeys | None) -> None:
    """(Re)wrap a slot, seal the database key to it and sign it: with the site key when the
    writer holds it, else with the owner's own key."""
    slots.add(username, secrets, password)
    slots.seal_for(username, db_key, epoch)
    if signer is not None and signer.site_key is not None:
        slots.sign_slot(username, signer.site_key, "site")
    elif secrets.signing_key is not None:
        slots.sign_slot(username, secrets.signing_key, username)


def epoch(session: Session) -> int:
    return int(setting(session, KEY_EPOCH) or 0)


def site_pgp_public(app) -> str:
    """The site's OpenPGP public key (armored), for `admin site-key`: public, any user."""
    from tnt_desktop.errors import NotFound
    from tnt_desktop.study.model import Text

    with app.transaction(write=False) as session:
        armored = setting(session, SITE_PGP)
    if not armored:
        raise NotFound(Text("this database has no site key yet: the administrator's next login "
                            "makes it", "该数据库尚无中心密钥：管理员下次登录时将生成"))
    return armored
