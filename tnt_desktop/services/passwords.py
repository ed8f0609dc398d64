"""Password rules (CRF_SPEC.md REQ-AC-03, issue 3): at least 10 characters, not the user name,
and some variety. The message says which rule failed, in both languages, never the password."""

from __future__ import annotations

from tnt_desktop.errors import PasswordRejected
from tnt_desktop.study.model import Text

MIN_LENGTH = 10


def password_rules(username: str, password: str) -> list[tuple[Text, bool]]:
    """Every rule with whether `password` meets it, in order — for a screen that shows them all
    at once while the user types (check_password raises on the first one that fails)."""
    classes = sum((any(c.islower() for c in password), any(c.isupper() for c in password),
                   any(c.isdigit() for c in password),
                   any(not c.isalnum() for c in password)))  # fmt: skip
    name = bool(username) and username.lower() in password.lower()
    return [
        (Text(f"at least {MIN_LENGTH} characters", f"至少 {MIN_LENGTH} 个字符"),
         len(password) >= MIN_LENGTH),
        (Text("not the user name", "不含用户名"), bool(password) and not name),
        (Text("two kinds of characters or more (lower case, upper case, digits, symbols)",
              "至少两类字符（小写、大写、数字、符号）"), classes >= 2),
        (Text("at least 4 different characters", "至少 4 个不同的字符"),
         len(set(password)) >= 4),
    ]  # fmt: skip


def check_password(username: str, password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(
            Text(f"the password must have at least {MIN_LENGTH} characters",
                 f"密码至少需要 {MIN_LENGTH} 个字符")
        )  # fmt: skip
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise PasswordRejected(
            Text("the password must not contain the user name", "密码不得包含用户名")
        )
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 2 or len(set(password)) < 4:
        raise PasswordRejected(
            Text("the password needs at least two kinds of characters "
                 "(letters, digits, symbols) and may not repeat one character",
                 "密码需包含至少两类字符（字母、数字、符号），且不能只重复同一字符")
        )  # fmt: skip
