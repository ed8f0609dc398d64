"""Roles and what each may do — the one permission table (CRF_SPEC.md build decision 8)."""

from __future__ import annotations

from enum import StrEnum

from tnt_desktop.errors import PermissionDenied
from tnt_desktop.study.model import Text


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    INVESTIGATOR = "investigator"
    MONITOR = "monitor"
    DATA_MANAGER = "datamanager"


class Permission(StrEnum):
    VIEW_DATA = "view_data"
    VIEW_IDENTIFIERS = "view_identifiers"
    ENTER_DATA = "enter_data"  # screening, enrolment, forms, screen failure, withdrawal
    SIGN = "sign"
    VERIFY = "verify"  # source data verification
    RAISE_QUERY = "raise_query"
    ANSWER_QUERY = "answer_query"
    EXPORT = "export"
    FREEZE_LOCK = "freeze_lock"
    MANAGE_USERS = "manage_users"
    CHANGE_SETTINGS = "change_settings"
    BACKUP = "backup"
    VERIFY_AUDIT = "verify_audit"


ROLE_LABELS: dict[Role, Text] = {
    Role.ADMIN: Text("Administrator", "系统管理员"),
    Role.COORDINATOR: Text("Research coordinator", "研究协调员"),
    Role.INVESTIGATOR: Text("Investigator", "研究者"),
    Role.MONITOR: Text("Monitor", "监查员"),
    Role.DATA_MANAGER: Text("Data manager", "数据管理员"),
}

_P = Permission
_SITE = {_P.VIEW_DATA, _P.VIEW_IDENTIFIERS, _P.ENTER_DATA, _P.ANSWER_QUERY, _P.BACKUP}
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # admin: users and settings, backups and integrity; never clinical data (decision 8)
    Role.ADMIN: frozenset({_P.MANAGE_USERS, _P.CHANGE_SETTINGS, _P.BACKUP, _P.VERIFY_AUDIT}),
    Role.COORDINATOR: frozenset(_SITE),
    Role.INVESTIGATOR: frozenset(_SITE | {_P.SIGN}),
    Role.MONITOR: frozenset({_P.VIEW_DATA, _P.VERIFY, _P.RAISE_QUERY}),
    Role.DATA_MANAGER: frozenset(
        {_P.VIEW_DATA, _P.RAISE_QUERY, _P.EXPORT, _P.FREEZE_LOCK, _P.VERIFY_AUDIT, _P.BACKUP}
    ),
}

ACTION_TEXT: dict[Permission, Text] = {
    _P.VIEW_DATA: Text("view clinical data", "查看临床数据"),
    _P.VIEW_IDENTIFIERS: Text("view identifying information", "查看身份识别信息"),
    _P.ENTER_DATA: Text("enter or change clinical data", "录入或修改临床数据"),
    _P.SIGN: Text("sign electronically", "进行电子签名"),
    _P.VERIFY: Text("verify data against source", "进行源数据核查"),
    _P.RAISE_QUERY: Text("raise queries", "发起质疑"),
    _P.ANSWER_QUERY: Text("answer queries", "回复质疑"),
    _P.EXPORT: Text("export data", "导出数据"),
    _P.FREEZE_LOCK: Text("freeze or lock data", "冻结或锁定数据"),
    _P.MANAGE_USERS: Text("manage user accounts", "管理用户账户"),
    _P.CHANGE_SETTINGS: Text("change settings", "修改设置"),
    _P.BACKUP: Text("back up or restore the database", "备份或恢复数据库"),
    _P.VERIFY_AUDIT: Text("verify the audit trail", "校验稽查轨迹"),
}


def allowed(role: str, permission: Permission) -> bool:
    try:
        return permission in PERMISSIONS[Role(role)]
    except ValueError:
        return False


def require(username: str, role: str, permission: Permission) -> None:
    if not allowed(role, permission):
        raise PermissionDenied(username, role, ACTION_TEXT[permission])
