"""One subject's data, as the pure derivations and edit checks see it.

Values are typed (see `study.values`): text and codes are `str`, booleans the codes "Y"/"N",
integers `int`, floats `Decimal`, dates `datetime.date`, partial dates `PartialDate`, times
`datetime.time`, multi-select codelists a tuple of codes. A value that is absent is simply not
in the mapping; a reason for missing (NOT DONE, UNKNOWN, NOT APPLICABLE) lives in `missing`,
never in `values`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, order=True)
class PartialDate:
    """ISO 8601 reduced-precision date: YYYY, YYYY-MM or YYYY-MM-DD."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise ValueError("a partial date with a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} out of range")
        if self.day is not None:
            date(self.year, self.month or 1, self.day)  # raises on 2023-02-30

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        parts = text.strip().split("-")
        if not 1 <= len(parts) <= 3 or len(parts[0]) != 4:
            raise ValueError(f"not a partial date: {text!r}")
        if any(len(p) != 2 for p in parts[1:]) or not all(p.isdigit() for p in parts):
            raise ValueError(f"not a partial date: {text!r}")
        numbers = [int(p) for p in parts]
        return cls(numbers[0], *(numbers[1:]))

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    @property
    def is_complete(self) -> bool:
        return self.day is not None

    def earliest(self) -> date:
        """The first day this partial date can mean."""
        return date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> date:
        """The last day this partial date can mean."""
        if self.day is not None:
            return date(self.year, self.month or 1, self.day)
        if self.month is None:
            return date(self.year, 12, 31)
        if self.month == 12:
            return date(self.year, 12, 31)
        return date.fromordinal(date(self.year, self.month + 1, 1).toordinal() - 1)


@dataclass
class FormRecord:
    """One form instance: its event (and event repeat), main values and repeating rows."""

    event: str  # event OID, e.g. "SE.C1"
    form: str  # form code, e.g. "CT"
    repeat: int = 1  # event repeat key for repeating events (SE.WND, SE.FU, SE.UNS)
    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # group name → rows
    missing: dict[str, str] = field(default_factory=dict)  # item name → reason for missing
    # reasons for missing inside repeating rows: group name → row index → item name → reason
    row_missing: dict[str, dict[int, dict[str, str]]] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def group_rows(self, group: str) -> list[dict[str, Any]]:
        return self.rows.get(group, [])


@dataclass
class SubjectData:
    """All form instances of one subject, in no particular order."""

    subject_id: str | None = None
    records: list[FormRecord] = field(default_factory=list)

    def add(self, record: FormRecord) -> FormRecord:
        self.records.append(record)
        return record

    def forms(self, code: str, event: str | None = None) -> list[FormRecord]:
        """Every instance of a form, optionally within one event, in event-repeat order."""
        found = [r for r in self.records if r.form == code and (event is None or r.event == event)]
        return sorted(found, key=lambda r: (r.event, r.repeat))

    def form(self, code: str, event: str | None = None) -> FormRecord | None:
        """The first instance of a form (the only one for non-repeating forms)."""
        found = self.forms(code, event)
        return found[0] if found else None

    def value(self, ref: str, event: str | None = None) -> Any:
        """Value of a qualified ref "FORM.NAME" in the first instance of that form."""
        code, name = ref.split(".", 1)
        record = self.form(code, event)
        return None if record is None else record.values.get(name)

    def __iter__(self) -> Iterator[FormRecord]:
        return iter(self.records)
