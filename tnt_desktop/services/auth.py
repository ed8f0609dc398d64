"""Database creation, login, idle lock and user accounts.

A login proves the password by unwrapping the user's key slot (storage.keyslots); only then can
the database be opened at all. Failed logins are counted in the slot file (they must survive a
restart and happen before the database opens) and copied into the audit trail at the next
successful login of that user. Five failures lock the account with a growing back-off.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from tnt_desktop.errors import (
    AccountInactive,
    AccountLocked,
    DatabaseExists,
    DatabaseNotFound,
    NotATntDatabase,
    NotFound,
    PasswordRejected,
    TntError,
    UnknownUser,
    WrongPassword,
)
from tnt_desktop.services.passwords import check_password
from tnt_desktop.services.permissions import Permission, Role
from tnt_desktop.services.session import AppSession
from tnt_desktop.services.settings import IDLE_MINUTES
from tnt_desktop.storage import database as storage
from tnt_desktop.storage.keyslots import (
    MAX_FAILURES_BEFORE_LOCK,
    BadPassword,
    KeySlotError,
    KeySlotFile,
    keyslot_path,
)
from tnt_desktop.storage.models import Setting, User
from tnt_desktop.study.model import Text


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _load_slots(db_path: Path) -> KeySlotFile:
    try:
        return KeySlotFile.load(keyslot_path(db_path))
    except KeySlotError:
        if not Path(db_path).exists():
            raise DatabaseNotFound(db_path) from None
        raise NotATntDatabase(db_path, "its key file is missing or damaged") from None


def _save_slots(slots: KeySlotFile, db_path: Path) -> None:
    try:
        slots.save(keyslot_path(db_path))
    except OSError as exc:
        raise storage.os_error_to_tnt(exc, keyslot_path(db_path)) from None


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
    slots = KeySlotFile(database_id)
    slots.add(admin_username, key, admin_password)
    db = storage.create_database(db_path, key, database_id=database_id, site_id=site_id,
                                 workstation=workstation)  # fmt: skip
    try:
        with db.transaction() as session:
            session.add_all(Setting(key=k, value=v) for k, v in blocks.items())
            session.add(
                User(
                    username=admin_username, display_name=admin_display_name or admin_username,
                    role=Role.ADMIN.value, active=True, must_change_password=False,
                    created_utc=_now(), password_changed_utc=_now(),
                )
            )  # fmt: skip
            app = AppSession(db, key, admin_username, Role.ADMIN.value, admin_username)
            numbering = ", ".join(f"{k} {v}" for k, v in blocks.items())
            app.audit(session, "DATABASE_CREATED",
                      detail=f"site {site_id}, workstation {workstation}; {numbering}")
            app.audit(session, "USER_ADDED", new_value=f"{admin_username}:{Role.ADMIN.value}")
        _save_slots(slots, db_path)
    except BaseException:
        db.close()
        db_path.unlink(missing_ok=True)
        raise
    db.close()


def login(db_path: Path, username: str, password: str, *, before_migration=None) -> AppSession:
    """Unlock the database as `username`; raises a LoginError the user can read."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise DatabaseNotFound(db_path)
    slots = _load_slots(db_path)
    if username not in slots.slots:
        raise UnknownUser(username)
    locked = slots.seconds_locked(username)
    if locked:
        raise AccountLocked(username, locked)
    try:
        key = slots.unwrap(username, password)
    except BadPassword:
        started = slots.record_failure(username)
        _save_slots(slots, db_path)
        if started:
            raise AccountLocked(username, started) from None
        remaining = MAX_FAILURES_BEFORE_LOCK - slots.slots[username].failures
        raise WrongPassword(username, remaining) from None
    if before_migration is None:
        from tnt_desktop.services.backups import backup_before_migration

        before_migration = backup_before_migration(db_path, key, slots.database_id)
    db = storage.open_database(db_path, key, before_migration=before_migration)
    try:
        if db.database_id != slots.database_id:
            raise NotATntDatabase(db_path, "its key file belongs to another database")
        with db.transaction() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise UnknownUser(username)
            if not user.active:
                raise AccountInactive(username)
            idle = session.get(Setting, IDLE_MINUTES)
            app = AppSession(
                db, key, user.username, user.role, user.display_name,
                must_change_password=user.must_change_password,
                idle_minutes=int(idle.value) if idle else 15,
            )  # fmt: skip
            from tnt_desktop.services.consent_versions import apply_configured

            apply_configured(app, session)  # ICVER offers the configured consent versions
            failures = slots.slots[username].failures
            if failures:
                app.audit(session, "LOGIN_FAILED", detail=f"{failures} failed attempt(s)")
            app.audit(session, "LOGIN")
        slots.record_success(username)
        _save_slots(slots, db_path)
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
    slots = _load_slots(app.db.path)
    locked = slots.seconds_locked(app.username)
    if locked:
        raise AccountLocked(app.username, locked)
    try:
        slots.unwrap(app.username, password)
    except (BadPassword, KeyError):
        started = slots.record_failure(app.username)
        _save_slots(slots, app.db.path)
        with app.transaction() as session:
            app.audit(session, "UNLOCK_FAILED")
        if started:
            raise AccountLocked(app.username, started) from None
        raise WrongPassword(app.username) from None
    slots.record_success(app.username)
    _save_slots(slots, app.db.path)
    with app.transaction() as session:
        app.audit(session, "SESSION_UNLOCKED")
    app.locked = False
    app.touch()


def change_password(app: AppSession, old_password: str, new_password: str) -> None:
    slots = _load_slots(app.db.path)
    try:
        key = slots.unwrap(app.username, old_password)
    except BadPassword:
        raise WrongPassword(app.username) from None
    if new_password == old_password:
        raise PasswordRejected(
            Text("the new password must differ from the old one", "新密码不得与旧密码相同")
        )
    check_password(app.username, new_password)
    slots.add(app.username, key, new_password)
    with app.transaction() as session:
        user = session.scalar(select(User).where(User.username == app.username))
        assert user is not None
        user.must_change_password = False
        user.password_changed_utc = _now()
        app.audit(session, "PASSWORD_CHANGED", detail=app.username)
        _save_slots(slots, app.db.path)  # inside the transaction: no audit without the slot
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
    slots = _load_slots(app.db.path)
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
        slots.add(username, app.key, temporary_password)
        _save_slots(slots, app.db.path)


def _user(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(Text(f"no user {username}", f"没有用户 {username}"))
    return user


def reset_password(app: AppSession, username: str, temporary_password: str) -> None:
    """Admin reset after an identity check: new slot, forced change at next login."""
    app.require(Permission.MANAGE_USERS)
    check_password(username, temporary_password)
    slots = _load_slots(app.db.path)
    with app.transaction() as session:
        user = _user(session, username)
        if not user.active:
            raise AccountInactive(username)
        user.must_change_password = True
        app.audit(session, "PASSWORD_RESET", detail=username)
        slots.add(username, app.key, temporary_password)
        slots.record_success(username)  # a reset also lifts a lock-out
        _save_slots(slots, app.db.path)


def deactivate_user(app: AppSession, username: str) -> None:
    """Remove the user's key slot (they can no longer open the database) and mark inactive."""
    app.require(Permission.MANAGE_USERS)
    if username == app.username:
        raise TntError(
            Text("you cannot deactivate your own account", "不能停用自己的账户")
        )
    slots = _load_slots(app.db.path)
    with app.transaction() as session:
        user = _user(session, username)
        user.active = False
        app.audit(session, "USER_DEACTIVATED", old_value=f"{username}:{user.role}")
        slots.remove(username)
        _save_slots(slots, app.db.path)


def list_users(app: AppSession) -> list[dict[str, object]]:
    app.require(Permission.MANAGE_USERS)
    with app.transaction(write=False) as session:
        return [
            {"username": u.username, "display_name": u.display_name, "role": u.role,
             "active": u.active, "must_change_password": u.must_change_password}
            for u in session.scalars(select(User).order_by(User.username))
        ]  # fmt: skip
