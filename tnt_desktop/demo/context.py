"""What every step of writing a demo subject shares (tnt_desktop.demo.subject): the run's
context (who saves, how soft findings are answered), the adverse-event plan and small date
helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from tnt_desktop.demo.data import (
    DEFAULT_OVERRIDE,
    OVERRIDE_REASONS,
    iso,
)
from tnt_desktop.services.entry_session import Confirm, EntrySession, EntryState, EntryStep
from tnt_desktop.services.form_entries import FormEntry, ReasonRequired, SaveResult
from tnt_desktop.services.session import AppSession

DAY = timedelta(days=1)
LOG = "SE.LOG"


def days(n: int) -> timedelta:
    return timedelta(days=n)


@dataclass
class DemoContext:
    """The open sessions and counters shared by every subject of one demo run."""

    coordinator: AppSession
    investigator: AppSession
    today: date
    saves: int = 0
    overrides: int = 0
    corrections: int = 0
    notes: set[str] = field(default_factory=set)
    aespid: bool | None = None  # do the services assign AE numbers? (known after an AE save)

    def save(self, entry: FormEntry, *, investigator: bool = False,
             why: str | None = None) -> SaveResult:  # fmt: skip
        """`save_form` as the coordinator (or the investigator), through the entry session. Soft
        findings it asks to confirm are answered with a reason — `why`, else the standard reason
        for its check (demo_data.OVERRIDE_REASONS): the demo confirms every query it raises, as
        a site would after checking the source. A reason for change is never made up (the entry
        carries it, or ReasonRequired is raised); hard findings (ValidationFailed) are never
        worked around: they mean the generator is wrong. Refusals raise their own error."""
        app = self.investigator if investigator else self.coordinator
        asked: list[EntryStep] = []

        def ask(step: EntryStep) -> Confirm | None:
            asked.append(step)
            if step.state is not EntryState.NEEDS_OVERRIDES:
                return None
            self.overrides += len(step.findings)
            return Confirm({f.key: why or OVERRIDE_REASONS.get(f.finding.check_id,
                                                                DEFAULT_OVERRIDE)
                            for f in step.findings})  # fmt: skip

        session = EntrySession(app, entry, today=self.today)
        step = session.run(ask)
        if step.state is EntryState.ABANDONED:
            raise ReasonRequired(list(asked[-1].items))
        if step.state is not EntryState.SAVED:
            if step.error is not None:
                raise step.error
            raise RuntimeError(f"demo: {entry.form} of {entry.subject} not saved ({step.refusal})")
        self.saves += 1
        if entry.reason is not None:
            self.corrections += 1
        return step.result


@dataclass
class AdverseEvent:
    code: str
    verbatim: str
    category: str
    start: date
    end: date | None
    grade: int
    rel: tuple[str, str, str, str]  # RT, doxorubicin, ifosfamide, surgery
    acn: str = "NOT_APPLICABLE"
    acn_rt: str = "NOT_APPLICABLE"
    acn_surg: str = "NONE"
    treated: bool = True
    serious: bool = False
    hospital: bool = False
    life: bool = False
    key: int | None = None  # stored row key once saved
    spid: str | None = None  # AESPID, when the services assign one

    def values(self, today: date) -> dict[str, str]:
        ended = self.end is not None and self.end <= today
        fatal = self.grade == 5
        outcome = ("FATAL" if fatal else "RECOVERED") if ended else (
            "RECOVERING" if self.grade <= 2 else "NOT_RECOVERED")  # fmt: skip
        values = {
            "AETERM": self.verbatim, "AECTC": self.code, "AECAT": self.category,
            "AESTDAT": iso(self.start), "AEONGO": "N" if ended else "Y",
            "AETOXGR": str(self.grade), "AESER": "Y" if self.serious else "N",
            "AERELRT": self.rel[0], "AERELDOX": self.rel[1], "AERELIFO": self.rel[2],
            "AERELSURG": self.rel[3], "AEACN": self.acn, "AEACNRT": self.acn_rt,
            "AEACNSRG": self.acn_surg, "AECONTRT": "Y" if self.treated else "N",
            "AEOUT": outcome,
        }  # fmt: skip
        if ended:
            values["AEENDAT"] = iso(self.end)  # type: ignore[arg-type]
        if self.serious:
            aware = min(self.start + DAY, today)
            values.update(
                AESDTH="Y" if fatal else "N",
                AESLIFE="Y" if self.life else "N",
                AESHOSP="Y" if self.hospital else "N",
                AESDISAB="N",
                AESCONG="N",
                AESMIE="N" if self.hospital or self.life or fatal else "Y",
                AESAEAWDAT=iso(aware),
                AESAEDAT=iso(min(aware + DAY, today)),
            )
        return values


def t_category(size: Decimal) -> int:
    """AJCC 8th T (1–4) of a maximum diameter in cm."""
    return 1 if size <= 5 else 2 if size <= 10 else 3 if size <= 15 else 4
