"""Writing one demo subject through the services (tnt_desktop.demo).

`SubjectWriter(ctx, plan).run()` screens the subject and enters its forms in schedule order up
to `ctx.today`, with `screen_subject`, `save_form`, `enrol`, `screen_fail` and `withdraw` only:
every value is validated, derived and audited exactly as if a person had typed it. Soft
findings are answered through `DemoContext.save` (see its docstring); nothing writes a table.
"""

from __future__ import annotations

import random
from datetime import date

from tnt_desktop.demo.context import LOG, AdverseEvent, DemoContext, days
from tnt_desktop.demo.data import (
    AE_TERMS,
    Stage,
    SubjectPlan,
    birth_date,
    iso,
)
from tnt_desktop.demo.follow_up import FollowUpSteps
from tnt_desktop.demo.screening import ScreeningSteps
from tnt_desktop.demo.surgery import SurgerySteps
from tnt_desktop.demo.treatment import TreatmentSteps
from tnt_desktop.services.clinical_data import find_subject, load_subject
from tnt_desktop.services.form_entries import FormEntry, RowEntry, SaveResult


class SubjectWriter(ScreeningSteps, TreatmentSteps, SurgerySteps, FollowUpSteps):
    """Enter one planned subject, in schedule order, up to today."""

    def __init__(self, ctx: DemoContext, plan: SubjectPlan) -> None:
        self.ctx, self.plan = ctx, plan
        self.today = ctx.today
        self.rng = random.Random(plan.seed)
        self.params = ctx.coordinator.params
        self.key = ""
        self.subject_id: str | None = None
        self.aes: list[AdverseEvent] = []
        self.dvs: list[dict[str, str]] = []
        self.cms: list[dict[str, str]] = []
        p = plan
        self.rt1 = p.rt_days[0]
        if p.fail_reason == "CRCL":  # an older subject whose creatinine clearance is too low
            p.person.age = max(p.person.age, 60)
        self.birth = birth_date(self.rng, p.consent, p.person.age)
        self.corrections = set(
            self.rng.sample(
                ("WEIGHT", "TUMAXD", "LAB", "AE_GRADE", "EBL", "NONE", "NONE", "NONE"), 2
            )
        )
        self.late_tox = self.rng.choices((0, 1, 2), (55, 35, 10))[0]
        self.wound = self.rng.random() < 0.3
        self.amputation = self.rng.random() < 0.05
        self.fn_cycle = self.rng.choice((1, 2)) if self.rng.random() < 0.15 else 0
        if p.stage is Stage.DIED and p.exit_phase == "CHEMO":
            self.fn_cycle = 0  # this subject's febrile neutropenia is the fatal one

    # --- helpers ------------------------------------------------------------------------------

    def save(self, event: str, form: str, values: dict[str, str] | None = None, *,
             repeat: int = 1, rows: dict[str, list[RowEntry]] | None = None,
             missing: dict[str, str] | None = None, complete: bool = True,
             investigator: bool = False, reason: str | None = None, reason_text: str = "",
             why: str | None = None) -> SaveResult:  # fmt: skip
        entry = FormEntry(self.key, event, form, repeat=repeat, values=values or {},
                          rows=rows or {}, missing=missing or {}, complete=complete,
                          reason=reason, reason_text=reason_text)  # fmt: skip
        return self.ctx.save(entry, investigator=investigator, why=why)

    def done(self, day: date | None) -> bool:
        return day is not None and day <= self.today

    def stored_rows(self, event: str, form: str, group: str) -> list[tuple[int, dict]]:
        """(row key, typed values) of a repeating group as stored (read back after a save)."""
        app = self.ctx.coordinator
        with app.transaction() as session:
            loaded = load_subject(session, app.study, find_subject(session, self.key))
        found = loaded.form(event, 1, form)
        if found is None:
            return []
        return list(zip(found.row_keys.get(group, []), found.record.rows.get(group, []),
                        strict=True))  # fmt: skip

    def deviation(self, category: str, occurred: date, term: str, action: str, *,
                  source: str = "AUTO_TIMING_CHECK", major: bool = False) -> None:  # fmt: skip
        identified = min(occurred + days(self.rng.randint(0, 5)), self.today)
        row = {"DVSRC": source, "DVSTDAT": iso(occurred), "DVIDDAT": iso(identified),
               "DVCAT": category, "DVTERM": term,
               "DVSEV": "MAJOR_IMPORTANT" if major else "MINOR", "DVACT": action}  # fmt: skip
        if major:
            row["DVECREP"] = "Y"
            row["DVECREPDAT"] = iso(min(identified + days(self.rng.randint(2, 10)), self.today))
        if source in ("AUTO_TIMING_CHECK", "AUTO_DOSE_CHECK"):
            row["DVCONF"] = "Y"
        self.dvs.append(row)

    def ae(self, code: str, category: str, start: date, length: int | None,
           rel: tuple[str, str, str, str], *, grade: int | None = None,
           verbatim: str | None = None, **kw) -> AdverseEvent:  # fmt: skip
        text, grades = AE_TERMS[code]
        death = self.plan.exit_date if self.plan.stage is Stage.DIED else None
        if death is not None and length is not None and start + days(length) > death:
            length = None if code != "SEPSIS" else (death - start).days  # ongoing at death
        event = AdverseEvent(
            code=code, verbatim=verbatim or text, category=category, start=start,
            end=None if length is None else start + days(length),
            grade=grade or self.rng.choice(grades), rel=rel, **kw)  # fmt: skip
        self.aes.append(event)
        return event

    def flush_aes(self) -> None:
        """Save the AE log with every AE that has started by today and is not saved yet."""
        new = [a for a in self.aes if a.key is None and a.start <= self.today]
        if not new:
            return
        saved = [a for a in self.aes if a.key is not None]
        rows = [RowEntry(key=a.key) for a in saved]
        rows += [RowEntry(values=a.values(self.today)) for a in new]
        self.save(LOG, "AE", rows={"AE": rows}, investigator=True)
        stored = self.stored_rows(LOG, "AE", "AE")
        for event, (key, values) in zip(saved + new, stored, strict=True):
            event.key = key
            event.spid = str(values["AESPID"]) if values.get("AESPID") else None
        self.ctx.aespid = all(a.spid is not None for a in saved + new)
        if not self.ctx.aespid:
            self.ctx.notes.add("AESPID_NOT_ASSIGNED")

    # --- the subject --------------------------------------------------------------------------

    def run(self) -> str:
        stage = self.plan.stage
        self.screening()
        if stage is Stage.SCREENING:
            return self.key
        if stage is Stage.SCREEN_FAILED:
            self.screen_failure()
            return self.key
        self.enrolment()
        self.radiotherapy()
        for cycle in (1, 2, 3):
            if not self.chemotherapy(cycle):
                break
        self.flush_aes()  # the AEs of RT and chemotherapy, entered at the last cycle visit
        self.correct_ae_grade()
        if stage in (Stage.ON_RT, Stage.ON_CHEMO) or self.left_during_chemo():
            self.finish()
            return self.key
        self.preoperative()
        if self.done(self.plan.surgery):
            self.surgery()
            self.wounds()
            self.follow_up()
        self.finish()
        return self.key

    def left_during_chemo(self) -> bool:
        return self.plan.exit_phase == "CHEMO" and self.done(self.plan.exit_date)

