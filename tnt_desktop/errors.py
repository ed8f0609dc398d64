"""Typed errors that carry a user-facing message in both languages.

Every error the user can cause (a wrong password, a malformed file, a full disk) is one of these;
the CLI and the GUI show `message` in the user's language and never a traceback. Messages must
never contain a secret (password, key) — build them from names and counts only.
"""

from __future__ import annotations

from tnt_desktop.text import Text


class TntError(Exception):
    """Base class: a failure the user can understand and act on."""

    exit_code = 2

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


class UsageError(TntError):
    """A command was called with arguments it cannot use."""


class StudyDefinitionError(TntError):
    """The study definition failed its self-check."""

    exit_code = 3


class OutputError(TntError):
    """A file could not be written (read-only folder, full disk…)."""

    exit_code = 4


# ---- storage and login ------------------------------------------------------------------------
def _t(en: str, zh: str) -> Text:
    return Text(en, zh)


class DatabaseError(TntError):
    exit_code = 5


class DatabaseNotFound(DatabaseError):
    def __init__(self, path: object) -> None:
        super().__init__(_t(f"no database at {path}", f"未找到数据库：{path}"))


class DatabaseExists(DatabaseError):
    def __init__(self, path: object) -> None:
        super().__init__(
            _t(f"a database already exists at {path}; choose another path",
               f"{path} 已存在数据库，请选择其他路径")
        )  # fmt: skip


class NotATntDatabase(DatabaseError):
    def __init__(self, path: object, why: str = "") -> None:
        detail = f" ({why})" if why else ""
        super().__init__(
            _t(f"{path} is not a TNT Desktop database{detail}",
               f"{path} 不是 TNT Desktop 数据库{detail}")
        )  # fmt: skip


class DatabaseDamaged(DatabaseError):
    def __init__(self, path: object, backups: object = "") -> None:
        from pathlib import Path

        folder = backups or Path(str(path)).parent / "backups"
        super().__init__(
            _t(f"the database file is damaged; restore from a backup: "
               f"tnt-desktop admin restore --db {path} --user NAME FILE "
               f"(backups are in {folder} unless the administrator chose another folder)",
               f"数据库文件已损坏，请从备份恢复：tnt-desktop admin restore --db {path} "
               f"--user 用户名 备份文件（备份默认位于 {folder}，除非管理员另行设置）")
        )  # fmt: skip


class DatabaseTooNew(DatabaseError):
    def __init__(self, revision: str) -> None:
        super().__init__(
            _t(f"this database was written by a newer release of TNT Desktop (schema {revision}); "
               "install that release or newer",
               f"该数据库由更新版本的 TNT Desktop 写入（架构 {revision}），请安装该版本或更新版本")
        )  # fmt: skip


class DatabaseBusy(DatabaseError):
    def __init__(self) -> None:
        super().__init__(
            _t("the database is in use by another TNT Desktop window or process; try again",
               "数据库正被另一个 TNT Desktop 窗口或进程使用，请稍后重试")
        )  # fmt: skip


class LoginError(TntError):
    exit_code = 6


class WrongPassword(LoginError):
    def __init__(self, username: str, remaining: int | None = None) -> None:
        more = ""
        more_zh = ""
        if remaining is not None:
            more = f"; {remaining} attempt(s) left before the account locks"
            more_zh = f"；再错 {remaining} 次账户将被锁定"
        super().__init__(
            _t(f"wrong user name or password for {username}{more}",
               f"用户 {username} 的用户名或密码错误{more_zh}")
        )  # fmt: skip


class UnknownUser(LoginError):
    def __init__(self, username: str) -> None:
        # Same words as a wrong password: a login screen must not reveal which names exist.
        super().__init__(
            _t(f"wrong user name or password for {username}",
               f"用户 {username} 的用户名或密码错误")
        )  # fmt: skip


class AccountLocked(LoginError):
    def __init__(self, username: str, seconds: int) -> None:
        minutes = max(1, (seconds + 59) // 60)
        super().__init__(
            _t(f"account {username} is locked after repeated failed logins; "
               f"try again in {minutes} minute(s)",
               f"账户 {username} 因多次登录失败已被锁定，请 {minutes} 分钟后重试")
        )  # fmt: skip
        self.seconds = seconds


class AccountInactive(LoginError):
    def __init__(self, username: str) -> None:
        super().__init__(
            _t(f"account {username} is deactivated; ask the administrator",
               f"账户 {username} 已停用，请联系管理员")
        )  # fmt: skip


class PasswordChangeRequired(LoginError):
    def __init__(self, username: str) -> None:
        super().__init__(
            _t(f"{username} must choose a new password before continuing",
               f"{username} 必须先设置新密码才能继续")
        )  # fmt: skip


class SessionLocked(LoginError):
    def __init__(self, username: str) -> None:
        super().__init__(
            _t(f"the session of {username} is locked after inactivity; enter the password",
               f"{username} 的会话因长时间未操作已锁定，请输入密码")
        )  # fmt: skip


class PasswordRejected(TntError):
    """A new password breaks the password rules."""


class PermissionDenied(TntError):
    exit_code = 7

    def __init__(self, username: str, role: str, action: Text) -> None:
        super().__init__(
            _t(f"{username} ({role}) may not {action.en}",
               f"{username}（{role}）无权{action.zh}")
        )  # fmt: skip


class NotFound(TntError):
    """A subject, form or user named by the caller does not exist."""


class ConflictError(TntError):
    """The data changed since it was read (another window saved first)."""


class StorageFull(OutputError):
    def __init__(self, path: object) -> None:
        if not str(path or ""):  # always name a folder the user can free
            import os

            path = os.getcwd()
        super().__init__(
            _t(f"the disk is full: nothing was written to {path}; free some space and retry",
               f"磁盘已满：未向 {path} 写入任何内容；请释放空间后重试")
        )  # fmt: skip


class FolderNotWritable(OutputError):
    def __init__(self, path: object) -> None:
        super().__init__(
            _t(f"cannot write to {path}: the folder is read-only or not permitted",
               f"无法写入 {path}：文件夹只读或无权限")
        )  # fmt: skip


class BackupMismatch(DatabaseError):
    def __init__(self, path: object) -> None:
        super().__init__(
            _t(f"{path} is a backup of another database; it was not restored",
               f"{path} 是另一个数据库的备份，未执行恢复")
        )  # fmt: skip


class IntegrityFailure(DatabaseError):
    def __init__(self, what: Text) -> None:
        super().__init__(what)


class KeyFileMismatch(DatabaseDamaged):
    """The key file opens with the password but its key does not open this database: the file
    is damaged, or the key file belongs to another database (the two cannot be told apart
    before the database opens)."""

    def __init__(self, path: object, keys: object) -> None:
        from pathlib import Path

        folder = Path(str(path)).parent / "backups"
        TntError.__init__(
            self,
            _t(f"the database file {path} does not open with the key file {keys}: either the "
               f"database file is damaged — restore from a backup: tnt-desktop admin restore "
               f"--db {path} --user NAME FILE (backups are in {folder} unless the administrator "
               "chose another folder) — or the key file belongs to another database: put the "
               "key file made with this database beside it (a backup's own key file is "
               "NAME.tntbak.keys)",
               f"数据库文件 {path} 无法用密钥文件 {keys} 打开：要么数据库文件已损坏 — "
               f"请从备份恢复：tnt-desktop admin restore --db {path} --user 用户名 备份文件"
               f"（备份默认位于 {folder}，除非管理员另行设置）— "
               "要么该密钥文件属于另一个数据库：请将与该数据库配套的密钥文件放在其旁边"
               "（备份自带的密钥文件为 NAME.tntbak.keys）"),
        )  # fmt: skip


class KeySlotNotTrusted(LoginError):
    """A key slot that was re-wrapped, replaced or signed by no one the database knows."""

    def __init__(self, keys: object, username: str, why: str) -> None:
        super().__init__(
            _t(f"the key file {keys} was altered: the slot of {username} cannot be trusted "
               f"({why}); nothing was opened. Put back the key file made with this database "
               "or ask the administrator to reset the password of this account",
               f"密钥文件 {keys} 已被改动：用户 {username} 的密钥槽不可信（{why}），未打开任何"
               "内容。请放回与该数据库配套的密钥文件，或请管理员重置该账户的密码")
        )  # fmt: skip
