"""Database creation, login, idle lock and user accounts.

A login proves the password by unwrapping the user's key slot (storage.keyslots); only then can
the database be opened at all. Failed logins are counted in the slot file (they must survive a
restart and happen before the database opens) and copied into the audit trail at the next
successful login of that user. Five failures lock the account with a growing back-off.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from tnt_desktop.errors import (
    AccountInactive,
    AccountLocked,
    DatabaseDamaged,
    DatabaseExists,
    DatabaseNotFound,
    KeyFileMismatch,
    NotATntDatabase,
    NotFound,
    PasswordRejected,
    TntError,
    UnknownUser,
    WrongPassword,
)
from tnt_desktop.services import trust
from tnt_desktop.services.key_file import load_slots, save_slots
from tnt_desktop.services.passwords import check_password
from tnt_desktop.services.permissions import Permission, Role
from tnt_desktop.services.rekey import rekey_database
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.settings import IDLE_MINUTES
from tnt_desktop.storage import database as storage
from tnt_desktop.storage.bulk import write_setting_value
from tnt_desktop.storage.keyslots import (
    MAX_FAILURES_BEFORE_LOCK,
    BadPassword,
    KeySlotError,
    KeySlotFile,
    keyslot_path,
)
from tnt_desktop.storage.models import Setting, User
from tnt_desktop.storage.signing import new_private_key, public_hex
from tnt_desktop.study.model import Text


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _validate_username(username: str) -> None:
    if not username or not username.replace("_", "").replace(".", "").isalnum() or (
        len(username) > 64
    ):
        raise TntError(
            Text(f"invalid user name {username!r}: use letters, digits, '.' or '_'",
                 f"用户名 {username!r} 无效：请使用字母、数字、“.”或“_”")
        )  # fmt: skip


def initialise(
    db_path: Path, *, site_id: str, admin_username: str, admin_password: str,
    admin_display_name: str | None = None, workstation: int = 1,
    screening_block: str | None = None, id_block: str | None = None,
) -> None:  # fmt: skip
    """Create the encrypted database and its first admin account (`admin init`), for
    workstation `workstation` of the site with its number blocks (services.sequences)."""
    from tnt_desktop.services.sequences import check_workstation, initial_blocks

    db_path = Path(db_path)
    workstation = check_workstation(workstation)
    blocks = initial_blocks(workstation, screening_block, id_block)
    _validate_username(admin_username)
    check_password(admin_username, admin_password)
    if db_path.exists() or keyslot_path(db_path).exists():
        raise DatabaseExists(db_path)
    key, database_id = storage.new_key(), storage.new_database_id()
    slots = KeySlotFile(database_id, path=keyslot_path(db_path))
    site_key = new_private_key()
    site_pgp, site_pgp_public = trust.new_site_pgp(site_id)
    site = trust.SessionKeys(site_key=site_key, site_pgp=site_pgp)
    secrets = trust.new_user_secrets(Role.ADMIN.value, site)
    slots.site_public = public_hex(site_key)
    db = storage.create_database(db_path, key, database_id=database_id, site_id=site_id,
                                 workstation=workstation)  # fmt: skip
    try:
        with db.transaction() as session:
            session.add_all(Setting(key=k, value=v) for k, v in blocks.items())
            write_setting_value(session, trust.SITE_PUBLIC, slots.site_public)
            write_setting_value(session, trust.SITE_PGP, site_pgp_public)
            session.add(
                User(
                    username=admin_username, display_name=admin_display_name or admin_username,
                    role=Role.ADMIN.value, active=True, must_change_password=False,
                    created_utc=_now(), password_changed_utc=_now(),
                )
            )  # fmt: skip
            keys = trust.SessionKeys(None, None, site_key, site_pgp, secrets.box_key)
            if trust.has_key_tables(session):  # (a schema target below 0008 only in tests)
                row = trust.register_key(session, database_id, admin_username,
                                         secrets.signing_key, site_key)  # fmt: skip
                keys.signing_key, keys.key_id = secrets.signing_key, row.id
            app = AppSession(db, key, admin_username, Role.ADMIN.value, admin_username,
                             keys=keys)  # fmt: skip
            numbering = ", ".join(f"{k} {v}" for k, v in blocks.items())
            app.audit(session, "DATABASE_CREATED",
                      detail=f"site {site_id}, workstation {workstation}; {numbering}; site key "
                      f"{slots.site_public[:16]}… and site OpenPGP key made")  # fmt: skip
            app.audit(session, "USER_ADDED", new_value=f"{admin_username}:{Role.ADMIN.value}")
            trust.write_slot(slots, admin_username, secrets, admin_password, key, 0, keys)
        save_slots(slots, db_path)
    except BaseException:
        db.close()
        db_path.unlink(missing_ok=True)
        raise
    db.close()


def _uniform_refusal(slots: KeySlotFile, username: str, password: str) -> UnknownUser:
    """An unknown name costs the same KDF work as a wrong password and gets the same words."""
    from tnt_desktop.storage.keyslots import Slot

    with contextlib.suppress(Exception):
        Slot.wrap(b"\0" * 32, password, b"unknown", next(
            (s.kdf for s in slots.slots.values()), None))  # fmt: skip
    return UnknownUser(username)


def _open_with(db_path: Path, candidates: list[bytes], keys_path: Path, before_migration):
    """Open the database with the first key that fits (newest envelope first)."""
    failure: Exception | None = None
    for key in candidates:
        try:
            return key, storage.open_database(db_path, key, before_migration=before_migration(key))
        except (DatabaseDamaged, NotATntDatabase) as exc:
            failure = exc
    if isinstance(failure, DatabaseDamaged) or failure is None:
        raise KeyFileMismatch(db_path, keys_path)
    raise failure


def login(db_path: Path, username: str, password: str, *, before_migration=None) -> AppSession:
    """Unlock the database as `username`; raises a LoginError the user can read."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise DatabaseNotFound(db_path)
    slots = load_slots(db_path)
    if username not in slots.slots:
        raise _uniform_refusal(slots, username, password)
    locked = slots.seconds_locked(username)
    if locked:
        raise AccountLocked(username, locked)
    try:
        opened = slots.open_slot(username, password)
    except BadPassword:
        started = slots.record_failure(username)
        save_slots(slots, db_path)
        if started:
            raise AccountLocked(username, started) from None
        remaining = MAX_FAILURES_BEFORE_LOCK - slots.slots[username].failures
        raise WrongPassword(username, remaining) from None
    except KeySlotError:
        raise NotATntDatabase(keyslot_path(db_path), "its key file is damaged") from None

    def hook(key: bytes):
        if before_migration is not None:
            return before_migration
        from tnt_desktop.services.backups import backup_before_migration

        return backup_before_migration(db_path, key, slots.database_id)

    candidates = slots.database_keys(username, opened)
    key, db = _open_with(db_path, candidates, keyslot_path(db_path), hook)
    try:
        if db.database_id != slots.database_id:
            raise NotATntDatabase(db_path, "its key file belongs to another database")
        with db.transaction() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise UnknownUser(username)
            if not user.active:
                raise AccountInactive(username)
            done = trust.establish(session, db.database_id, slots, username, user.role, opened,
                                   db.site_id)  # fmt: skip
            idle = session.get(Setting, IDLE_MINUTES)
            app = AppSession(
                db, key, user.username, user.role, user.display_name,
                must_change_password=user.must_change_password,
                idle_minutes=int(idle.value) if idle else 15, keys=done.keys,
            )  # fmt: skip
            for action, detail in done.notes:
                app.audit(session, action, detail=detail)
            trust.certify_pending(app, session)
            from tnt_desktop.services.consent_versions import apply_configured

            apply_configured(app, session)  # ICVER offers the configured consent versions
            failures = slots.slots[username].failures
            if failures:
                app.audit(session, "LOGIN_FAILED", detail=f"{failures} failed attempt(s)")
            app.audit(session, "LOGIN")
            if done.rewrap or len(slots.envelopes.get(username, [])) > 1:
                # upgraded slot, or the first login after a re-key: written before the commit,
                # so the database never certifies a key that no slot holds
                trust.write_slot(slots, username, done.secrets, password, key,
                                 trust.epoch(session), done.keys)  # fmt: skip
                slots.record_success(username)
                save_slots(slots, db_path)
        if slots.slots[username].failures:
            slots.record_success(username)
            save_slots(slots, db_path)
        return app
    except BaseException:
        db.close()
        raise


def logout(app: AppSession) -> None:
    with app.transaction() as session:
        app.audit(session, "LOGOUT")
    app.db.close()


def lock(app: AppSession) -> None:
    """Idle lock: the window hides data until the same user types the password again."""
    with app.transaction() as session:
        app.audit(session, "SESSION_LOCKED")
    app.locked = True


def unlock(app: AppSession, password: str) -> None:
    slots = load_slots(app.db.path)
    locked = slots.seconds_locked(app.username)
    if locked:
        raise AccountLocked(app.username, locked)
    try:
        slots.open_slot(app.username, password)
    except (BadPassword, KeyError, KeySlotError):
        started = slots.record_failure(app.username)
        save_slots(slots, app.db.path)
        with app.transaction() as session:
            app.audit(session, "UNLOCK_FAILED")
        if started:
            raise AccountLocked(app.username, started) from None
        raise WrongPassword(app.username) from None
    slots.record_success(app.username)
    save_slots(slots, app.db.path)
    with app.transaction() as session:
        app.audit(session, "SESSION_UNLOCKED")
    app.locked = False
    app.touch()


def change_password(app: AppSession, old_password: str, new_password: str) -> None:
    slots = load_slots(app.db.path)
    try:
        slots.open_slot(app.username, old_password)
    except BadPassword:
        raise WrongPassword(app.username) from None
    if new_password == old_password:
        raise PasswordRejected(
            Text("the new password must differ from the old one", "新密码不得与旧密码相同")
        )
    check_password(app.username, new_password)
    with app.transaction() as session:
        trust.write_slot(slots, app.username, app.keys.secrets(), new_password, app.key,
                         trust.epoch(session), app.keys)  # fmt: skip
        user = session.scalar(select(User).where(User.username == app.username))
        assert user is not None
        user.must_change_password = False
        user.password_changed_utc = _now()
        app.audit(session, "PASSWORD_CHANGED", detail=app.username)
        save_slots(slots, app.db.path)  # inside the transaction: no audit without the slot
    app.must_change_password = False


def add_user(
    app: AppSession, username: str, role: str, temporary_password: str,
    display_name: str | None = None,
) -> None:  # fmt: skip
    """Create an account with a temporary password the user must change at first login."""
    app.require(Permission.MANAGE_USERS)
    _validate_username(username)
    try:
        Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise TntError(
            Text(f"unknown role {role!r}; choose one of {roles}",
                 f"未知角色 {role!r}；可选：{roles}")
        ) from None  # fmt: skip
    check_password(username, temporary_password)
    slots = load_slots(app.db.path)
    with app.transaction() as session:
        if session.scalar(select(User).where(User.username == username)) is not None:
            raise TntError(
                Text(f"user {username} already exists", f"用户 {username} 已存在")
            )
        session.add(
            User(
                username=username, display_name=display_name or username, role=role,
                active=True, must_change_password=True, created_utc=_now(),
            )
        )  # fmt: skip
        app.audit(session, "USER_ADDED", new_value=f"{username}:{role}")
        _issue_keys(app, session, slots, username, role, temporary_password)
        save_slots(slots, app.db.path)


def _issue_keys(app: AppSession, session, slots: KeySlotFile, username: str, role: str,
                password: str) -> None:  # fmt: skip
    """A new key pair for an account, certified by the site key, in a slot wrapped by the
    (temporary) password and signed by the site key."""
    secrets = trust.new_user_secrets(role, app.keys)
    row = trust.register_key(session, app.db.database_id, username, secrets.signing_key,
                             app.keys.site_key if app.keys else None)  # fmt: skip
    app.audit(session, "KEY_CREATED", detail=f"signing key #{row.id} of {username}"
              + ("" if row.certificate else " (awaits certification)"))  # fmt: skip
    trust.write_slot(slots, username, secrets, password, app.key, trust.epoch(session),
                     app.keys)  # fmt: skip


def _user(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(Text(f"no user {username}", f"没有用户 {username}"))
    return user


def reset_password(app: AppSession, username: str, temporary_password: str, *,
                   rekey: bool = True) -> None:  # fmt: skip
    """Admin reset after an identity check: new slot and new signing key (the old one is
    revoked), forced change at next login. The database is re-keyed (`rekey`, default), so a
    copy of the old key file with the old password opens nothing any more."""
    app.require(Permission.MANAGE_USERS)
    check_password(username, temporary_password)
    slots = load_slots(app.db.path)
    with app.transaction() as session:
        user = _user(session, username)
        if not user.active:
            raise AccountInactive(username)
        user.must_change_password = True
        app.audit(session, "PASSWORD_RESET", detail=username)
        if trust.revoke_keys(session, username):  # a compromised account's key signs no more
            app.audit(session, "KEY_REVOKED", detail=f"signing key of {username}: reset")
        _issue_keys(app, session, slots, username, user.role, temporary_password)
        slots.record_success(username)  # a reset also lifts a lock-out
        save_slots(slots, app.db.path)
    if rekey:
        rekey_database(app, f"password reset of {username}")


def deactivate_user(app: AppSession, username: str) -> None:
    """Remove the user's key slot, revoke their signing key, mark them inactive and re-key the
    database (services.rekey): no earlier copy of the key file opens the live database."""
    app.require(Permission.MANAGE_USERS)
    if username == app.username:
        raise TntError(
            Text("you cannot deactivate your own account", "不能停用自己的账户")
        )
    slots = load_slots(app.db.path)
    with app.transaction() as session:
        user = _user(session, username)
        user.active = False
        app.audit(session, "USER_DEACTIVATED", old_value=f"{username}:{user.role}")
        if trust.revoke_keys(session, username):
            app.audit(session, "KEY_REVOKED", detail=f"signing key of {username}: deactivated")
        slots.remove(username)
        slots.envelopes.pop(username, None)
        save_slots(slots, app.db.path)
    rekey_database(app, f"deactivation of {username}")


def change_role(app: AppSession, username: str, role: str) -> None:
    """Give an active account another role (audited old → new). Not one's own: an
    administrator cannot lock the site out of user management by accident."""
    app.require(Permission.MANAGE_USERS)
    try:
        Role(role)
    except ValueError:
        raise TntError(Text(f"unknown role {role!r}", f"未知角色 {role!r}")) from None
    if username == app.username:
        raise TntError(Text("you cannot change your own role", "不能更改自己的角色"))
    with app.transaction() as session:
        user = _user(session, username)
        if not user.active:
            raise AccountInactive(username)
        if user.role == role:
            return
        app.audit(session, "USER_ROLE_CHANGED", detail=username,
                  old_value=f"{username}:{user.role}", new_value=f"{username}:{role}")
        user.role = role


def list_users(app: AppSession) -> list[dict[str, object]]:
    app.require(Permission.MANAGE_USERS)
    with app.transaction(write=False) as session:
        return [
            {"username": u.username, "display_name": u.display_name, "role": u.role,
             "active": u.active, "must_change_password": u.must_change_password}
            for u in session.scalars(select(User).order_by(User.username))
        ]  # fmt: skip
