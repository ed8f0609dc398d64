"""Sequences that never reuse a number (screening numbers, study IDs, AE and DV numbers)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tnt_desktop.storage.models import Counter


def next_number(session: Session, name: str) -> int:
    """The next value of a never-reused sequence, inside the caller's transaction."""
    counter = session.get(Counter, name)
    if counter is None:
        counter = Counter(name=name, value=0)
        session.add(counter)
    counter.value += 1
    session.flush()
    return counter.value


def claim_number(session: Session, name: str, value: int) -> None:
    """A number taken from elsewhere (an ODM import keeps the file's subject keys): the sequence
    moves past it, so this database never hands it out again."""
    counter = session.get(Counter, name)
    if counter is None:
        counter = Counter(name=name, value=0)
        session.add(counter)
    counter.value = max(counter.value, value)
    session.flush()
