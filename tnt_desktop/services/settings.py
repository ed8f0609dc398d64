"""Settings stored in the database; every change is audited (SETTING_CHANGED old → new)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tnt_desktop.errors import TntError
from tnt_desktop.services.permissions import Permission
from tnt_desktop.services.session import AppSession
from tnt_desktop.storage.models import Setting
from tnt_desktop.study.model import Text

IDLE_MINUTES = "security.idle_minutes"


def read_setting(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(Setting, key)
    return default if row is None else row.value


def write_setting(app: AppSession, session: Session, key: str, value: str) -> None:
    """Change one setting inside the caller's transaction, with its audit entry."""
    row = session.get(Setting, key)
    old = None if row is None else row.value
    if old == value:
        return
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    app.audit(session, "SETTING_CHANGED", item_name=key[:32], old_value=old, new_value=value,
              detail=key)  # fmt: skip


def set_idle_minutes(app: AppSession, minutes: int) -> None:
    app.require(Permission.CHANGE_SETTINGS)
    if not 1 <= minutes <= 120:
        raise TntError(
            Text("the idle lock must be between 1 and 120 minutes", "空闲锁定时间须为 1–120 分钟")
        )
    with app.transaction() as session:
        write_setting(app, session, IDLE_MINUTES, str(minutes))
    app.idle_minutes = minutes
