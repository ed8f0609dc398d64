"""Typed values: parse what a user typed, format what is stored, round as the spec says.

The canonical text of a value (what storage, CSV and ODM carry) is ISO 8601 for dates and times,
the plain decimal with the item's stated decimals for floats, the code for coded items, and
codes joined by "|" for multi-select items. Parsing never guesses: "2025-2-3" is not a date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from tnt_desktop.study.model import DataType, Item, Text
from tnt_desktop.study.subject import PartialDate

MULTI_SEPARATOR = "|"


class ValueError_(ValueError):
    """A value that does not parse for its item; carries a message in both languages."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


def round_half_up(value: Decimal | int | float, decimals: int) -> Decimal:
    """Round half up to `decimals` places (clarification 17), exact for Decimal input."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    quantum = Decimal(1).scaleb(-decimals)
    return number.quantize(quantum, rounding=ROUND_HALF_UP)


_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}(:\d{2})?")


def _bad(item: Item, raw: str, en: str, zh: str) -> ValueError_:
    return ValueError_(Text(f"{item.name}: '{raw}' {en}", f"{item.name}：“{raw}”{zh}"))


def parse_value(item: Item, raw: str) -> Any:
    """Parse the canonical or typed text of a value; raises ValueError_ with both languages."""
    text = raw.strip()
    if item.multiple:
        parts = tuple(p.strip() for p in text.split(MULTI_SEPARATOR) if p.strip())
        return parts
    dt = item.data_type
    if dt is DataType.BOOLEAN:
        upper = text.upper()
        if upper in ("Y", "N"):
            return upper
        raise _bad(item, raw, "is not Y or N", "不是 Y 或 N")
    if dt is DataType.INTEGER:
        if not _INT.fullmatch(text):
            raise _bad(item, raw, "is not a whole number", "不是整数")
        return int(text)
    if dt is DataType.FLOAT:
        if not _FLOAT.fullmatch(text):
            raise _bad(item, raw, "is not a number", "不是数字")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _bad(item, raw, "is not a number", "不是数字") from None
        if item.decimals is not None and -number.as_tuple().exponent > item.decimals:  # type: ignore[operator]
            raise _bad(
                item,
                raw,
                f"has more than {item.decimals} decimal(s)",
                f"小数位超过 {item.decimals} 位",
            )
        return number
    if dt is DataType.DATE:
        if not _DATE.fullmatch(text):
            raise _bad(item, raw, "is not a date (YYYY-MM-DD)", "不是日期（YYYY-MM-DD）")
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise _bad(item, raw, "is not a real date", "不是有效日期") from None
    if dt is DataType.PARTIAL_DATE:
        try:
            return PartialDate.parse(text)
        except ValueError:
            raise _bad(
                item,
                raw,
                "is not a date (YYYY, YYYY-MM or YYYY-MM-DD)",
                "不是日期（YYYY、YYYY-MM 或 YYYY-MM-DD）",
            ) from None
    if dt is DataType.TIME:
        if not _TIME.fullmatch(text):
            raise _bad(item, raw, "is not a time (HH:MM)", "不是时间（HH:MM）")
        try:
            return time.fromisoformat(text)
        except ValueError:
            raise _bad(item, raw, "is not a real time", "不是有效时间") from None
    if dt is DataType.DATETIME:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise _bad(item, raw, "is not a date and time", "不是日期时间") from None
    return text


def format_value(item: Item, value: Any) -> str:
    """The canonical text of a typed value ("" for None)."""
    if value is None:
        return ""
    if item.multiple:
        return MULTI_SEPARATOR.join(value)
    if item.data_type is DataType.FLOAT and item.decimals is not None:
        return str(round_half_up(Decimal(value), item.decimals))
    if isinstance(value, date | time | datetime):
        return value.isoformat()
    return str(value)
