"""Password rules (CRF_SPEC.md REQ-AC-03, issue 3): at least 10 characters, not the user name,
some variety, and (issue 14) not guessable: `zxcvbn` (a maintained port of Dropbox's strength
estimator: dictionaries of common passwords, names, keyboard patterns, dates, l33t and
repeats) must rate it at least MIN_SCORE of 4, so `password123` and `Password1!` are refused.
The message says which rule failed, in both languages, never the password."""

from __future__ import annotations

from tnt_desktop.errors import PasswordRejected
from tnt_desktop.study.model import Text

MIN_LENGTH = 10
MIN_SCORE = 3  # zxcvbn: 3 "safely unguessable" (about 10^8 guesses and more)

# zxcvbn's warnings, in Chinese (others fall back to a general sentence)
_WARNINGS_ZH = {
    "This is a top-10 common password.": "这是最常见的 10 个密码之一。",
    "This is a top-100 common password.": "这是最常见的 100 个密码之一。",
    "This is a very common password.": "这是非常常见的密码。",
    "This is similar to a commonly used password.": "这与常用密码相似。",
    "A word by itself is easy to guess.": "单个单词很容易被猜到。",
    "Names and surnames by themselves are easy to guess.": "单独的姓名很容易被猜到。",
    "Common names and surnames are easy to guess.": "常见的姓名很容易被猜到。",
    "Dates are often easy to guess.": "日期往往很容易被猜到。",
    "Recent years are easy to guess.": "近年的年份很容易被猜到。",
    "Repeats like \"aaa\" are easy to guess.": "像“aaa”这样的重复很容易被猜到。",
    "Sequences like abc or 6543 are easy to guess.": "像 abc 或 6543 这样的序列很容易被猜到。",
    "Straight rows of keys are easy to guess.": "键盘上连续的一排按键很容易被猜到。",
    "Short keyboard patterns are easy to guess.": "短键盘模式很容易被猜到。",
}


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

    _check_strength(username, password)


def _check_strength(username: str, password: str) -> None:
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:100], user_inputs=[username, "tnt", "sts", "tnt-sts"])
    if result["score"] >= MIN_SCORE:
        return
    warning = (result.get("feedback") or {}).get("warning") or ""
    detail_en = f" ({warning})" if warning else ""
    detail_zh = f"（{_WARNINGS_ZH.get(warning, '它与常见密码或模式相近')}）"
    raise PasswordRejected(
        Text(f"the password is too easy to guess{detail_en}; use three or four unrelated words "
             "or a longer mix of letters, digits and symbols",
             f"密码太容易被猜到{detail_zh}；请使用三四个互不相关的词，或更长的字母、数字和符号组合")
    )  # fmt: skip
