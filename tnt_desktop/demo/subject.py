"""Writing one demo subject through the services (tnt_desktop.demo).

`SubjectWriter(ctx, plan).run()` screens the subject and enters its forms in schedule order up
to `ctx.today`, with `screen_subject`, `save_form`, `enrol`, `screen_fail` and `withdraw` only:
every value is validated, derived and audited exactly as if a person had typed it. Soft
findings are answered through `DemoContext.save` (see its docstring); nothing writes a table.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from tnt_desktop.demo.data import (
    AE_TERMS,
    CHEMO_AES,
    DEFAULT_OVERRIDE,
    MH_TERMS,
    MH_TERMS_BY_SEX,
    MOLECULAR,
    OVERRIDE_REASONS,
    WOUND_TYPES,
    Stage,
    SubjectPlan,
    birth_date,
    d2,
    iso,
)
from tnt_desktop.services import subjects
from tnt_desktop.services.clinical_data import find_subject, load_subject
from tnt_desktop.services.entry_session import Confirm, EntrySession, EntryState, EntryStep
from tnt_desktop.services.form_entries import FormEntry, ReasonRequired, RowEntry, SaveResult
from tnt_desktop.services.session import AppSession
from tnt_desktop.study.derivations.demographics import bsa

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


def _t_category(size: Decimal) -> int:
    """AJCC 8th T (1–4) of a maximum diameter in cm."""
    return 1 if size <= 5 else 2 if size <= 10 else 3 if size <= 15 else 4


class SubjectWriter:
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

    # --- screening ----------------------------------------------------------------------------

    def screening_dates(self) -> dict[str, date]:
        p, rng = self.plan, self.rng
        biopsy = p.consent - days(rng.randint(10, 35))
        labs = max(p.screening + days(rng.randint(0, 2)), self.rt1 - days(13))
        imaging = self.rt1 - days(rng.randint(14, 25))
        return {
            "biopsy": biopsy, "mdt": p.consent - days(rng.randint(1, 7)), "imaging": imaging,
            "chest": imaging + days(rng.randint(0, 3)), "labs": labs,
            "echo": labs + days(rng.randint(0, 1)),
            "vitals": min(max(p.screening, self.rt1 - days(13)), self.today),
        }  # fmt: skip

    def screening(self) -> None:
        p, person, tumour, rng = self.plan, self.plan.person, self.plan.tumour, self.rng
        self.key = subjects.screen_subject(self.ctx.coordinator)
        when = self.screening_dates()
        fail = p.fail_reason
        if fail == "ECOG":
            person.ecog = 3
        if fail == "ERMS":
            tumour.histology = "ERMS"
        deep, big = tumour.depth == "DEEP", tumour.size >= self.params.min_diameter_cm
        high = tumour.grade in self.params.high_grades
        ie = {
            "RFICDAT": iso(p.consent), "ICVER": "V1.0", "ICPIPL": "Y",
            "ICXFER": "N" if rng.random() < 0.08 else "Y", "SCRDAT": iso(p.screening),
            "INC01": "Y", "INC01A": "Y", "INC01B": "Y" if high else "N",
            "INC01C": "Y" if big else "N", "INC01D": "Y" if deep else "N",
            "INC01MDT": iso(when["mdt"]), "INC02": "N" if fail == "ECOG" else "Y",
            "INC03": "Y", "INC04": "Y", "INC05": "Y", "INC06": "N" if fail == "CRCL" else "Y",
            "EXC01": "N", "EXC02": "N", "EXC03": "N", "EXC04": "Y" if fail == "ERMS" else "N",
            "EXC05": "N", "EXC06": "N", "EXC07": "Y" if fail == "METASTASIS" else "N",
            "EXC08": "N", "EXC09": "Y" if fail == "PRIOR_CHEMO" else "N",
        }  # fmt: skip
        if p.stage is Stage.SCREENING:  # eligibility still being assessed
            for name in ("INC04", "INC05", "INC06", *(f"EXC0{n}" for n in range(1, 10))):
                ie.pop(name)
        self.save("SE.SCR", "IE", ie, complete=p.stage is not Stage.SCREENING and not fail)
        self.demographics(when)
        self.history(when)
        if self.done(when["imaging"]) and self.done(when["chest"]):
            self.baseline_tumour(when)
        if self.done(when["echo"]):
            self.screening_labs(when)

    def demographics(self, when: dict[str, date]) -> None:
        p, person = self.plan, self.plan.person
        weight = person.weight
        typo = "WEIGHT" in self.corrections and p.stage is not Stage.SCREENING
        if typo:  # two digits swapped on entry (61.7 → 67.1), corrected below
            text = f"{weight:.1f}"
            weight = Decimal(text[0] + text[3] + "." + text[1]) if len(text) == 4 else weight + 10
        values = {
            "BRTHDAT": iso(self.birth), "SEX": person.sex, "ETHNIC": person.ethnic,
            "SUBJNAME": person.name, "SUBJPINYIN": person.pinyin, "MRN": person.mrn,
            "PHONE": person.phone, "ADDRESS": person.address,
            "ECOGDAT": iso(p.screening), "ECOG": str(person.ecog),
            "VSDAT": iso(when["vitals"]), "HEIGHT": str(person.height), "WEIGHT": str(weight),
        }  # fmt: skip
        if person.ethnic == "OTHER":
            values["ETHNICSP"] = person.ethnic_sp
        if person.sex == "F":
            values["CHILDPOT"] = "Y" if person.age < 50 else "N"
        self.save("SE.SCR", "DM", values, complete=False)
        if typo and weight != person.weight:
            self.save(
                "SE.SCR",
                "DM",
                {"WEIGHT": str(person.weight)},
                complete=False,
                reason="TRANSCRIPTION_ERROR",
                reason_text="体重录入时数字颠倒，已按原始记录更正",
            )

    def history(self, when: dict[str, date]) -> None:
        p, rng = self.plan, self.rng
        rows = []
        terms = MH_TERMS + MH_TERMS_BY_SEX[p.person.sex]
        for term, category, ongoing in rng.sample(terms, rng.randint(0, 3)):
            start = p.consent.year - rng.randint(1, 15)
            month = rng.randint(1, 12)
            row = {"MHTERM": term, "MHCAT": category, "MHSTDAT": f"{start}-{month:02d}",
                   "MHONGO": "Y" if ongoing else "N"}  # fmt: skip
            if ongoing:
                row["MHTOXGR"] = "1"
            else:
                row["MHENDAT"] = str(min(start + rng.randint(0, 3), p.consent.year - 1))
            rows.append(RowEntry(values=row))
        diabetes = rng.random() < 0.12
        smoke = rng.choices(("NEVER", "FORMER", "CURRENT"), (60, 18, 22))[0]
        values = {
            "DIABETES": "Y" if diabetes else "N", "SMOKE": smoke, "PVD": "N", "NYHA": "NA",
            "HTNUNC": "N", "UNPLEXC": "N", "PRIORRT": "N",
            "PRIORCT": "Y" if p.fail_reason == "PRIOR_CHEMO" else "N", "PRIORMAL": "N",
            "HBV": rng.choices(("NEGATIVE", "POSITIVE", "NOT_DONE"), (80, 12, 8))[0],
        }  # fmt: skip
        if diabetes:
            values.update(DIABTYPE="TYPE2", DIABINS="Y" if rng.random() < 0.3 else "N")
            rows.append(RowEntry(values={"MHTERM": "2型糖尿病", "MHCAT": "GENERAL",
                                         "MHSTDAT": str(p.consent.year - rng.randint(2, 12)),
                                         "MHONGO": "Y", "MHTOXGR": "1"}))  # fmt: skip
        if smoke != "NEVER":
            values["PACKYR"] = str(d2(rng.uniform(5, 40)))
        if p.fail_reason == "PRIOR_CHEMO":
            rows.append(RowEntry(values={
                "MHTERM": "左侧乳腺癌改良根治术后，辅助化疗 6 周期（外院）", "MHCAT": "GENERAL",
                "MHSTDAT": str(p.consent.year - 8), "MHONGO": "N",
                "MHENDAT": str(p.consent.year - 7)}))  # fmt: skip
        elif rng.random() < 0.1:  # unplanned excision elsewhere, gross tumour remains
            values.update(
                UNPLEXC="Y", UNPLDAT=iso(when["biopsy"] - days(rng.randint(20, 60))), UNPLGROSS="Y"
            )
            rows.append(RowEntry(values={"MHTERM": "肢体肿物切除术（外院，非计划切除）",
                                         "MHCAT": "PRIOR_SURGERY_TUMOUR_SITE",
                                         "MHSTDAT": values["UNPLDAT"], "MHONGO": "N",
                                         "MHENDAT": values["UNPLDAT"]}))  # fmt: skip
        elif rng.random() < 0.05:  # an exempt prior malignancy
            values.update(
                PRIORMAL="Y",
                PRIORMALSITE="面部皮肤（早期基底细胞癌）",
                PRIORMALDAT=f"{p.consent.year - 2}-{rng.randint(1, 12):02d}",
                PRIORMALEXEMPT="Y",
            )
        self.save("SE.SCR", "MH", values, rows={"MH": rows})

    def baseline_tumour(self, when: dict[str, date]) -> None:
        p, t, rng = self.plan, self.plan.tumour, self.rng
        metastasis = p.fail_reason == "METASTASIS"
        size = t.size
        typo = "TUMAXD" in self.corrections and p.stage is not Stage.SCREENING
        values = {
            "TULAT": t.side, "TULIMB": t.limb, "TUSUBSITE": t.subsite, "TUDEPTH": t.depth,
            "IMGMOD": "MRI_CE", "IMGDAT": iso(when["imaging"]), "TUD2": str(t.d2),
            "TUD3": str(t.d3), "NVINV": rng.choices(("NONE", "ABUTMENT", "ENCASEMENT"),
                                                    (70, 24, 6))[0],
            "BONEINV": "Y" if rng.random() < 0.08 else "N", "CHESTIMG": "CT",
            "CHESTDAT": iso(when["chest"]),
            "CHESTRES": "METASTASIS" if metastasis else "NO_METASTASIS",
            "BXTYPE": t.biopsy, "BXDAT": iso(when["biopsy"]), "HISTTYPE": t.histology,
            "FNDIFF": t.components[0], "FNMIT": t.components[1], "FNNEC": t.components[2],
            "FNGRADE": t.grade, "AJCC_N": "NX" if rng.random() < 0.1 else "N0",
            "AJCC_M": "M1" if metastasis else "M0",
        }  # fmt: skip
        if t.biopsy == "CORE_NEEDLE":
            values["BXGUIDE"] = rng.choice(("US", "US", "CT"))
        if t.histology == "OTHER":
            values["HISTSP"] = "低级别肌纤维母细胞肉瘤"
        if t.histology in MOLECULAR:
            method, result = MOLECULAR[t.histology]
            values.update(MOLTEST="Y", MOLMETH=method, MOLRES=result)
        self.save("SE.SCR", "TUBL", values, complete=False)
        limit = self.params.min_diameter_cm

        def same_meaning(other: Decimal) -> bool:  # a typo that changes neither T nor INC01C
            return _t_category(other) == _t_category(size) and (other >= limit) == (size >= limit)

        typed = size + Decimal("0.4")
        if not same_meaning(typed):
            typed = size - Decimal("0.3")
        if not same_meaning(typed):
            typo = False
        self.save("SE.SCR", "TUBL", {"TUMAXD": str(typed if typo else size)})
        if typo:
            self.save(
                "SE.SCR",
                "TUBL",
                {"TUMAXD": str(size)},
                reason="SOURCE_CORRECTED",
                reason_text="影像科出具修订报告，最大径更正",
            )

    def lab_rows(self, tests: tuple[str, ...], *, low_counts: bool = False,
                 creatinine: Decimal | None = None) -> list[RowEntry]:  # fmt: skip
        rng, female = self.rng, self.plan.person.sex == "F"
        ranges = {  # test → (LLN, ULN, typical low, typical high, decimals)
            "NEUT": (1.8, 6.3, 2.0, 6.0, 2), "WBC": (3.5, 9.5, 4.0, 9.0, 2),
            "HGB": (115, 150, 118, 145, 0) if female else (130, 175, 128, 160, 0),
            "PLAT": (125, 350, 150, 330, 0), "ALT": (7, 40, 10, 38, 0) if female else
            (9, 50, 12, 45, 0), "AST": (13, 35, 14, 32, 0) if female else (15, 40, 16, 38, 0),
            "BILI": (0, 21, 5, 19, 1), "CREAT": (41, 81, 45, 75, 0) if female else
            (57, 111, 62, 100, 0), "ALB": (40, 55, 39, 48, 1), "GLUC": (3.9, 6.1, 4.2, 6.0, 1),
            "HCG": (0, 5, 0.1, 1.5, 1),
        }  # fmt: skip
        rows = []
        for test in tests:
            lln, uln, low, high, places = ranges[test]
            if low_counts and test in ("NEUT", "WBC", "HGB", "PLAT"):
                low, high = low * 0.85, high * 0.7  # recovering marrow before the next cycle
                if test == "NEUT":
                    low = 1.6
            value = d2(rng.uniform(low, high), places)
            if test == "CREAT" and creatinine is not None:
                value = creatinine
            rows.append(
                RowEntry(
                    values={
                        "LBTESTCD": test,
                        "LBORRES": str(value),
                        "LBORNRLO": str(lln),
                        "LBORNRHI": str(uln),
                    }
                )
            )
        return rows

    def screening_labs(self, when: dict[str, date]) -> None:
        p = self.plan
        tests = ("NEUT", "WBC", "HGB", "PLAT", "ALT", "AST", "BILI", "CREAT", "ALB", "GLUC")
        if p.person.sex == "F" and p.person.age < 50:
            tests += ("HCG",)
        person = p.person
        factor = Decimal("1.23") if person.sex == "M" else Decimal("1.04")
        # creatinine keeping the Cockcroft–Gault clearance ≥ 60 mL/min (or below it, CRCL fail)
        limit = (140 - person.age) * person.weight * factor / Decimal(65)
        creatinine = d2(min(limit, Decimal(95 if person.sex == "M" else 72))
                        * Decimal(str(self.rng.uniform(0.75, 0.95))), 0)  # fmt: skip
        if p.fail_reason == "CRCL":
            creatinine = Decimal(148 if person.sex == "M" else 112)
        rows = self.lab_rows(tests, creatinine=creatinine)
        lab_typo = "LAB" in self.corrections and p.stage is not Stage.SCREENING
        alt_value = rows[4].values["LBORRES"]
        if lab_typo:
            rows[4].values["LBORRES"] = str(d2(Decimal(alt_value) / 10, 1))
        values = {"LBDAT": iso(when["labs"]), "EGDAT": iso(when["echo"]), "EGMETHOD": "ECHO",
                  "LVEF": str(self.rng.randint(55, 70))}  # fmt: skip
        self.save("SE.SCR", "LB", values, rows={"LB": rows})
        if lab_typo:
            stored = self.stored_rows("SE.SCR", "LB", "LB")
            self.save("SE.SCR", "LB", rows={"LB": [
                RowEntry(key=key, values={"LBORRES": alt_value} if row["LBTESTCD"] == "ALT"
                         else {}) for key, row in stored]},
                reason="TRANSCRIPTION_ERROR", reason_text="ALT 小数点位置录入错误")  # fmt: skip

    def screen_failure(self) -> None:
        reason = {"ECOG": "INCL_NOT_MET", "CRCL": "INCL_NOT_MET"}.get(
            self.plan.fail_reason or "", "EXCL_MET"
        )
        subjects.screen_fail(self.ctx.investigator, self.key, reason)

    # --- enrolment and radiotherapy -------------------------------------------------------------

    def enrolment(self) -> None:
        p, rng = self.plan, self.rng
        self.subject_id = subjects.enrol(self.ctx.coordinator, self.key)
        self.key = self.subject_id
        self.save("SE.SCR", "DM", {"ENRDAT": iso(p.enrolment)})
        scores = [rng.choice((3, 4, 4, 5)) for _ in range(6)]
        self.save(
            "SE.ENR",
            "MSTS",
            {"MSTSDAT": iso(p.enrolment), **{f"MSTS{n}": str(s) for n, s in enumerate(scores, 1)}},
        )

    def radiotherapy(self) -> None:
        p, rng = self.plan, self.rng
        given = [d for d in p.rt_days if self.done(d)]
        if not given:
            return
        volume = float(p.tumour.size * p.tumour.d2 * p.tumour.d3) * 0.52
        values = {
            "RTPLDOSE": "25.0", "RTPLFX": "5",
            "RTSIMDAT": iso(p.enrolment - days(rng.randint(0, 1))),
            "RTMRIFUS": "Y", "RTTECH": rng.choice(("VMAT", "VMAT", "IMRT", "TOMO")),
            "RTIGRT": "Y", "RTIGRTMOD": "KV_CBCT", "RTENERGY": "6MV", "CTVLONG": "3.0",
            "CTVRAD": "1.5", "CTVEDEMA": "Y", "PTVMARG": "5", "GTVVOL": str(d2(volume)),
            "CTVVOL": str(d2(volume * 3.1)), "PTVVOL": str(d2(volume * 4.0)),
            "PTVD95": str(d2(rng.uniform(97.0, 100.5))),
        }  # fmt: skip
        finished = len(given) == len(p.rt_days)
        if finished and p.rt_machine_delay:
            values["RTNCRSN"] = "MACHINE"
        rows = [RowEntry(values={"FXNUM": str(n), "FXDAT": iso(d), "FXGIVEN": "Y",
                                 "FXDOSE": "5.00"}) for n, d in enumerate(given, 1)]  # fmt: skip
        why = None if finished else "放疗进行中，剩余分次按计划实施（RT in progress）"
        self.save("SE.RT", "RT", values, rows={"FX": rows}, complete=finished, why=why)
        if finished and p.rt_machine_delay:
            self.deviation(
                "RT_DOSE_SCHEDULE",
                p.rt_end,
                "加速器故障致第 3 次放疗顺延，总治疗时间 8 天",
                "设备维修后补照；加强设备预防性维护",
            )
        if rng.random() < 0.55:
            self.ae(
                "DERM_RADIATION",
                "RT_ACUTE",
                p.rt_end + days(rng.randint(1, 4)),
                rng.randint(10, 25),
                ("PROBABLE", "UNRELATED", "UNRELATED", "UNRELATED"),
                acn_rt="NONE",
                treated=rng.random() < 0.5,
            )
        if rng.random() < 0.2:
            self.ae(
                "FATIGUE",
                "RT_ACUTE",
                p.rt_days[2],
                rng.randint(5, 14),
                ("POSSIBLE", "UNRELATED", "UNRELATED", "UNRELATED"),
                acn_rt="NONE",
                treated=False,
            )

    # --- chemotherapy -------------------------------------------------------------------------

    def chemotherapy(self, cycle: int) -> bool:
        """Enter cycle `cycle` if it has started by today; False when the subject stops."""
        p, rng = self.plan, self.rng
        d1 = p.cycles[cycle - 1]
        if not self.done(d1 + days(4)):
            return False
        event = f"SE.C{cycle}"
        person = p.person
        weight = d2(float(person.weight) * rng.uniform(0.95, 1.02))
        if cycle == 3 and rng.random() < 0.06:
            weight = d2(float(person.weight) * 0.88)  # ≥10 % loss: X-46 asks about the BSA
        lab_day = d1 - days(rng.choice((1, 1, 2)))
        lab_tests = ("NEUT", "WBC", "HGB", "PLAT", "ALT", "AST", "BILI", "CREAT")
        self.save(event, "LB", {"LBDAT": iso(lab_day)}, rows={"LB": self.lab_rows(
            lab_tests, low_counts=cycle > 1)}, missing={"EGDAT": "NOT DONE"})  # fmt: skip
        delay = (d1 - (p.rt_end + days(7))).days if cycle == 1 else p.cycle_gaps[cycle - 2] - 21
        values = {"CYGIVEN": "Y", "CYD1DAT": iso(d1), "CYWEIGHT": str(weight),
                  "CYECOG": str(min(person.ecog, 1)), "MESNA": "Y", "MESNARTE": "IV",
                  "GCSF": "Y", "GCSFTYP": "PEGYLATED",
                  "GCSFINT": "SECONDARY_PROPHYLAXIS" if self.fn_cycle and cycle > self.fn_cycle
                  else "PRIMARY_PROPHYLAXIS", "GCSFDAT": iso(d1 + days(4))}  # fmt: skip
        why = None
        if delay > self.params.cycle_delay_reason_days:
            toxic = rng.random() < 0.5 or p.late_cycle_days > 10
            values["CYDLYRSN"] = (
                "HAEM_TOX" if toxic else rng.choice(("LOGISTIC", "PATIENT_DECISION"))
            )
            if toxic:
                previous = p.cycles[cycle - 2]
                self.ae(
                    "NEUT_DEC",
                    "CHEMOTHERAPY",
                    previous + days(rng.randint(14, 17)),
                    (d1 - previous).days - 18,
                    ("UNLIKELY", "PROBABLE", "PROBABLE", "UNRELATED"),
                    grade=3,
                    acn="DELAYED",
                    treated=True,
                )
            if p.late_cycle_days > 10:
                why = (
                    "中性粒细胞恢复延迟，周期推迟，研究者确认"
                    "（delay confirmed by the investigator）"
                )
                self.deviation(
                    "CHEMO_TIMING",
                    d1,
                    f"第 {cycle} 周期较前一周期间隔超过 35 天",
                    "血象恢复后给药；加强周期间血常规监测",
                    major=True,
                )
        reduced = bool(self.fn_cycle) and cycle == self.fn_cycle + 1
        for drug in ("DOX", "IFO"):
            values[f"{drug}RED"] = "Y" if reduced else "N"
            if reduced:
                values[f"{drug}REDPCT"] = "20"
                values[f"{drug}REDRSN"] = "FEBRILE_NEUTROPENIA"
        cybsa = bsa(person.height, weight, self.params.bsa_formula, self.params.bsa_cap_m2)
        keep = Decimal("0.8") if reduced else Decimal(1)
        dox_day = d2(self.params.dox_mg_m2_per_cycle / self.params.dox_days * cybsa * keep)
        ifo_day = d2(self.params.ifo_g_m2_per_cycle / self.params.ifo_days * cybsa * keep, 2)
        dox_rows = [
            RowEntry(values={"EXSTDAT": iso(d1 + days(n)), "EXDOSE": str(dox_day), "EXROUTE": "IV"})
            for n in range(self.params.dox_days)
        ]
        ifo_rows = [
            RowEntry(values={"EXSTDAT": iso(d1 + days(n)), "EXDOSE": str(ifo_day), "EXDUR": "3.0"})
            for n in range(self.params.ifo_days)
        ]
        values["MESNATOT"] = str(int(ifo_day * self.params.ifo_days * 1000))
        self.save(event, "CT", values, rows={"DOXADM": dox_rows, "IFOADM": ifo_rows}, why=why)
        self.cycle_aes(cycle, d1)
        if p.exit_phase == "CHEMO" and cycle == p.exit_after and self.done(p.exit_date):
            self.leave_during_chemo()
            return False
        return True

    def cycle_aes(self, cycle: int, d1: date) -> None:
        rng = self.rng
        chemo = ("UNLIKELY", "PROBABLE", "PROBABLE", "UNRELATED")
        for code, percent in CHEMO_AES:
            if code == "ALOPECIA":
                if cycle == 1:
                    self.ae(
                        code,
                        "CHEMOTHERAPY",
                        d1 + days(rng.randint(14, 20)),
                        150,
                        ("UNRELATED", "DEFINITE", "POSSIBLE", "UNRELATED"),
                        treated=False,
                        acn="NONE",
                    )
                continue
            if rng.randint(1, 100) <= percent:
                self.ae(
                    code,
                    "CHEMOTHERAPY",
                    d1 + days(rng.randint(1, 9)),
                    rng.randint(3, 10),
                    chemo,
                    acn="NONE",
                    treated=code not in ("FATIGUE", "ALOPECIA"),
                )
        if cycle == self.fn_cycle:
            self.ae(
                "FEBNEUT",
                "CHEMOTHERAPY",
                d1 + days(rng.randint(8, 11)),
                rng.randint(4, 7),
                chemo,
                grade=3,
                acn="DOSE_REDUCED",
                serious=True,
                hospital=True,
            )
        if rng.random() < 0.04:
            self.ae(
                "ENCEPHALOPATHY",
                "CHEMOTHERAPY",
                d1 + days(2),
                rng.randint(2, 4),
                ("UNRELATED", "UNLIKELY", "DEFINITE", "UNRELATED"),
                acn="INTERRUPTED",
            )
        if self.plan.stage is Stage.DIED and self.plan.exit_phase == "CHEMO" and cycle == 2:
            death = self.plan.exit_date
            assert death is not None
            self.ae(
                "FEBNEUT",
                "CHEMOTHERAPY",
                d1 + days(8),
                (death - d1).days - 9,
                chemo,
                grade=4,
                acn="DISCONTINUED",
                serious=True,
                hospital=True,
                life=True,
                acn_surg="SURGERY_CANCELLED",
            )
            self.ae(
                "SEPSIS",
                "CHEMOTHERAPY",
                d1 + days(9),
                (death - d1).days - 9,
                chemo,
                grade=5,
                acn="DISCONTINUED",
                serious=True,
                hospital=True,
                life=True,
                acn_surg="SURGERY_CANCELLED",
            )

    def correct_ae_grade(self) -> None:
        """A monitor's query leads to a corrected AE grade (reason QUERY_RESPONSE)."""
        if "AE_GRADE" in self.corrections:
            self.corrections.discard("AE_GRADE")
            target = next((a for a in self.aes if a.key is not None and a.grade == 1
                           and not a.serious), None)  # fmt: skip
            if target is not None:
                target.grade = 2
                self.save(LOG, "AE", rows={"AE": [
                    RowEntry(key=a.key, values={"AETOXGR": "2"} if a is target else {})
                    for a in self.aes if a.key is not None]}, investigator=True,
                    reason="QUERY_RESPONSE",
                    reason_text="监查员质疑后核对原始病历：需药物处理，"
                                "分级更正为 2 级")  # fmt: skip

    def leave_during_chemo(self) -> None:
        p = self.plan
        assert p.exit_date is not None and self.subject_id is not None
        if p.stage is Stage.WITHDRAWN:
            self.flush_aes()
            subjects.withdraw(
                self.ctx.investigator,
                self.subject_id,
                "ALL_FURTHER_DATA_COLLECTION",
                p.exit_date,
                p.exit_date,
            )
            self.save("SE.EOS", "EOS", {"EOTSTAT": "CONSENT_WITHDRAWN"}, investigator=True)
            return
        # (Cycle 3 is not recorded as "not given": its derived planned date CYPLDAT falls
        # after the death, which X-02 refuses as a date after the date of death.)
        self.death(p.exit_date, p.exit_date, "HOSPITAL_RECORD", eot="DEATH")

    # --- surgery --------------------------------------------------------------------------------

    def preoperative(self) -> None:
        p, rng = self.plan, self.rng
        c3 = p.cycles[2]
        imaging = max(c3 + days(14), p.surgery - days(rng.randint(4, 12)))
        if not self.done(imaging):
            return
        baseline = p.tumour.size
        size = d2(float(baseline) * rng.uniform(0.6, 1.08))
        change = (size - baseline) / baseline * 100
        response = "PR" if change <= -30 else "PD" if change >= 20 else "SD"
        self.save("SE.PREOP", "TUPRE", {"IMGMOD": "MRI_CE", "IMGDAT": iso(imaging),
                                        "TUMAXD": str(size), "RECISTOR": response,
                                        "NEWDM": "N", "LOCPROG": "N"})  # fmt: skip
        self.save(
            "SE.PREOP",
            "LB",
            {"LBDAT": iso(imaging)},
            rows={"LB": self.lab_rows(("NEUT", "WBC", "HGB", "PLAT", "ALT", "CREAT"))},
            missing={"EGDAT": "NOT DONE"},
        )

    def surgery(self) -> None:
        p, rng, t = self.plan, self.rng, self.plan.tumour
        surgery = p.surgery
        start = rng.choice(("08:15", "08:30", "09:00", "10:20", "13:30"))
        hours, minutes = divmod(int(start[:2]) * 60 + int(start[3:]) + rng.randint(95, 260), 60)
        discharge = surgery + days(rng.randint(5, 12))
        recon = "PRIMARY_CLOSURE" if self.amputation else rng.choices(
            ("PRIMARY_CLOSURE", "LOCAL_ADVANCEMENT", "PEDICLED_FLAP", "SKIN_GRAFT_STSG"),
            (65, 15, 12, 8))[0]  # fmt: skip
        ebl = rng.randint(80, 700)
        values = {
            "SURGYN": "Y", "SURGDAT": iso(surgery), "SURGSTTM": start,
            "SURGENTM": f"{hours:02d}:{minutes:02d}", "ASA": rng.choice(("I", "II", "II")),
            "SURGTYPE": "AMPUTATION" if self.amputation else rng.choices(
                ("WIDE_EXCISION_LIMB_SPARING", "COMPARTMENTAL_RESECTION"), (85, 15))[0],
            "BONERES": "N", "VASCRES": "N", "NERVERES": "N",
            "RECON": recon,
            "PLASTIC": "Y" if recon in ("PEDICLED_FLAP", "SKIN_GRAFT_STSG") else "N",
            "NPWT": "Y" if rng.random() < 0.3 else "N", "DRAIN": "Y",
            "DRAINRMDAT": iso(surgery + days(rng.randint(3, 6))), "EBL": str(ebl),
            "TRANSF": "N", "SURGMARG": rng.choices(("WIDE", "MARGINAL"), (88, 12))[0],
            "INTRAOP": "N", "DISCHDAT": iso(discharge),
            "CLAVIEN": rng.choices(("0", "I", "II"), (60, 30, 10))[0],
        }  # fmt: skip
        if self.amputation:
            values["AMPLEVEL"] = "ABOVE_KNEE" if t.limb == "LOWER" else "ABOVE_ELBOW"
        elif recon == "PEDICLED_FLAP":
            values["FLAPNAME"] = "腓肠肌内侧头肌瓣" if t.limb == "LOWER" else "背阔肌肌瓣"
        why = None
        if p.surgery_offset > self.params.surgery_query[1]:
            why = (
                "患者术前肺部感染，治愈后手术，研究者确认"
                "（surgery postponed for a chest infection）"
            )
            self.deviation(
                "SURGERY_TIMING",
                surgery,
                f"手术距化疗期结束 {p.surgery_offset} 天，超出方案规定窗口",
                "感染控制后尽早手术；已告知伦理委员会",
                major=True,
            )
        elif p.surgery_offset > self.params.surgery_ok[1]:
            why = "手术室排期原因推迟数日，研究者确认（operating-theatre schedule）"
        self.save("SE.SURG", "SURG", values, why=why)
        if "EBL" in self.corrections:
            self.save(
                "SE.SURG",
                "SURG",
                {"EBL": str(ebl + 100)},
                reason="SOURCE_CORRECTED",
                reason_text="麻醉记录单更正后的出血量",
            )
        if rng.random() < 0.5:
            self.ae(
                "PAIN",
                "PERIOPERATIVE",
                surgery + DAY,
                rng.randint(4, 10),
                ("UNRELATED", "UNRELATED", "UNRELATED", "DEFINITE"),
                acn_surg="NOT_APPLICABLE",
            )
        self.cms.append({"CMTRT": "低分子肝素钙注射液", "CMINDC": "术后预防深静脉血栓",
                         "CMCAT": "ANTICOAGULANT", "CMSTDAT": iso(surgery + DAY), "CMONGO": "N",
                         "CMENDAT": iso(discharge), "CMDOSE": "4100", "CMDOSU": "IU",
                         "CMROUTE": "SC"})  # fmt: skip
        pathology = surgery + days(rng.randint(6, 14))
        if self.done(pathology):
            self.pathology(pathology)

    def pathology(self, report: date) -> None:
        p, rng = self.plan, self.rng
        viable = d2(rng.choice((rng.uniform(0, 0.8), rng.uniform(2, 9), rng.uniform(12, 45),
                                rng.uniform(50, 85), rng.uniform(5, 30))))  # fmt: skip
        if rng.random() < 0.1:
            viable = Decimal("0.0")
        necrosis = d2((Decimal(100) - viable) * Decimal(str(rng.uniform(0.3, 0.7))))
        fibrosis = Decimal(100) - viable - necrosis
        score = ("A" if viable == 0 else "B" if viable < 1 else "C" if viable < 10
                 else "D" if viable < 50 else "E")  # fmt: skip
        r1 = rng.random() < 0.1
        values = {
            "PATHDAT": iso(report), "PATHHIST": p.tumour.histology,
            "PATHMAXD": str(d2(float(p.tumour.size) * rng.uniform(0.7, 1.05))),
            "PATHBLK": str(max(6, int(p.tumour.size) + rng.randint(0, 6))),
            "PCTVIAB": str(viable), "PCTNECR": str(necrosis), "PCTFIB": str(fibrosis),
            "EORTCSC": score, "POSTGRADE": p.tumour.grade, "RSTAT": "R1" if r1 else "R0",
            "CLMARGMM": "0.0" if r1 else str(d2(rng.uniform(1, 15))),
            "CLMARGLOC": rng.choice(("DEEP", "PROXIMAL", "DISTAL", "NEUROVASCULAR")),
            "CLMARGBAR": "Y" if rng.random() < 0.4 else "N", "CENTREV": "N",
        }  # fmt: skip
        self.save("SE.PATH", "PATH", values, investigator=True)

    # --- wound checks ---------------------------------------------------------------------------

    def wounds(self) -> None:
        p, rng = self.plan, self.rng
        surgery = p.surgery
        complication, major = None, False
        onset = resolved = None
        if self.wound and self.done(surgery + days(75)) and not self.ctx.aespid:
            # a wound-complication row must name its AE by AESPID (X-33, WND-STAT)
            self.ctx.notes.add("WOUND_COMPLICATIONS_LEFT_OUT")
        elif self.wound and self.done(surgery + days(75)):
            complication = rng.choices(tuple(WOUND_TYPES), (22, 18, 16, 22, 10, 12))[0]
            major = WOUND_TYPES[complication][2] is not None and rng.random() < 0.65
            onset = surgery + days(rng.randint(8, 26))
            resolved = onset + days(rng.randint(14, 40))
        event = None
        if complication is not None:
            assert onset is not None and resolved is not None
            code, verbatim, kind = WOUND_TYPES[complication]
            side = "左" if p.tumour.side == "LEFT" else "右"
            part = "下肢" if p.tumour.limb == "LOWER" else "上肢"
            hospital = major and kind in ("REOP", "READM")
            event = self.ae(
                code,
                "WOUND",
                onset,
                (resolved - onset).days,
                ("PROBABLE", "UNLIKELY", "UNLIKELY", "DEFINITE"),
                grade=3 if major else 2,
                verbatim=f"{verbatim}（{side}{part}手术切口）",
                serious=hospital,
                hospital=hospital,
                acn_surg="NOT_APPLICABLE",
            )
            self.flush_aes()
        complication_done = False
        for k, pod in enumerate(self.params.wound_days, 1):
            day = surgery + days(pod + rng.randint(-3, 3))
            why = None
            if k == p.late_wound:
                day = surgery + days(pod + 9)
                why = "患者居住外地，伤口评估顺延，研究者确认（patient lives far away）"
            if not self.done(day):
                break
            if why:
                self.deviation(
                    "VISIT_WINDOW",
                    day,
                    f"第 {k} 次伤口评估（术后第 {pod} 天）超出 ±5 天窗口",
                    "提醒患者按期复诊；提前电话预约",
                )
            rows: list[RowEntry] = []
            status = "HEALING_NO_COMPLICATION" if pod < 30 else "HEALED_INTACT"
            if event is not None and not complication_done and onset is not None and onset <= day:
                complication_done = True
                status = "COMPLICATION_PRESENT"
                row = self.wound_row(complication, major, onset, resolved, event)  # type: ignore[arg-type]
                rows.append(RowEntry(values=row))
            elif complication_done and resolved is not None and day < resolved:
                status = "HEALING_NO_COMPLICATION"  # the event is on the earlier assessment
            self.save(
                "SE.WND",
                "WND",
                {"WNDDAT": iso(day), "WNDSTAT": status},
                repeat=k,
                rows={"WC": rows} if rows else None,
                why=why,
            )

    def wound_row(self, complication: str, major: bool, onset: date, resolved: date,
                  event: AdverseEvent) -> dict[str, str]:  # fmt: skip
        rng = self.rng
        kind = WOUND_TYPES[complication][2] if major else None
        ended = self.done(resolved)
        row = {"WCAESPID": event.spid or "", "WCTYPE": complication, "WCSTDAT": iso(onset),
               "WCREOP": "N", "WCINVPR": "N", "WCREADM": "N", "WCPACK": "N",
               "WCOUT": "RECOVERED" if ended else "RECOVERING"}  # fmt: skip
        if ended:
            row["WCENDAT"] = iso(resolved)
        if kind == "REOP":
            row.update(
                WCREOP="Y",
                WCREOPDAT=iso(onset + days(rng.randint(2, 6))),
                WCREOPPROC="DEBRIDEMENT|SECONDARY_CLOSURE",
            )
        elif kind == "READM":
            start = onset + days(1)
            row.update(
                WCREADM="Y",
                WCREADMSTDAT=iso(start),
                WCREADMENDAT=iso(start + days(rng.randint(5, 10))),
                WCREADMIVAB="Y",
            )
            self.cms.append(
                {
                    "CMTRT": "注射用头孢唑林钠",
                    "CMINDC": "切口深部感染",
                    "CMCAT": "ANTIBIOTIC_WOUND",
                    "CMSTDAT": iso(start),
                    "CMONGO": "N",
                    "CMENDAT": iso(start + days(7)),
                    "CMDOSE": "2",
                    "CMDOSU": "g",
                    "CMROUTE": "IV",
                    **({"CMWCLINK": event.spid} if event.spid else {}),
                }
            )
        elif kind == "ASPIRATE":
            row.update(WCINVPR="Y", WCINVPRDAT=iso(onset + days(1)), WCINVPRN="2")
        elif kind == "PACK":
            start = onset + days(2)
            row.update(
                WCPACK="Y",
                WCPACKSTDAT=iso(start),
                WCPACKENDAT=iso(min(start + days(rng.randint(20, 35)), resolved)),
            )
        return row

    # --- follow-up ------------------------------------------------------------------------------

    def follow_up(self) -> None:
        p, rng = self.plan, self.rng
        progression = p.exit_after if p.stage is Stage.DIED and p.exit_phase == "FOLLOW_UP" else 0
        stop = p.exit_date if p.stage in (Stage.DIED, Stage.WITHDRAWN) else None
        missed_msts = rng.random() < 0.06
        metastatic = False
        for k, day in enumerate(p.fu_dates, 1):
            if not self.done(day) or (stop is not None and day >= stop):
                break
            clinic = rng.random() < 0.9 or k == 8
            values = {
                "FUDAT": iso(day), "FUMODE": "CLINIC_VISIT" if clinic else "TELEPHONE",
                "SSSTAT": "ALIVE", "LRYN": "N", "DMYN": "N", "NEWTX": "N",
                "LIMBSTAT": "NOT_APPLICABLE" if self.amputation else "INTACT",
            }  # fmt: skip
            if clinic:
                values.update(
                    FUECOG=str(rng.choice((0, 0, 1))),
                    CHESTDAT=iso(day - days(rng.randint(0, 4))),
                    CHESTRES="METASTASIS" if metastatic else "NO_METASTASIS",
                )
                if k % 2 == 0:
                    values.update(LOCIMGDAT=values["CHESTDAT"], LOCIMGMOD="MRI_CE")
            if k == progression:
                metastatic = True
                found = day - days(rng.randint(3, 10))
                values.update(
                    DMYN="Y",
                    DMDAT=iso(found),
                    DMSITE="LUNG",
                    NEWTX="Y",
                    NEWTXTYP="CHEMO",
                    NEWTXDAT=iso(min(day + days(14), self.today)),
                    FUMODE="CLINIC_VISIT",
                    FUECOG="1",
                    CHESTDAT=iso(found),
                    CHESTRES="METASTASIS",
                )
            missing = {
                name: "NOT DONE"
                for name in ("CHESTDAT", "CHESTRES", "LOCIMGDAT", "LOCIMGMOD")
                if name not in values
            }
            why = None
            if k == p.late_fu:
                why = "患者春节返乡，随访推迟，研究者确认（visit delayed over Spring Festival）"
                self.deviation(
                    "VISIT_WINDOW",
                    day,
                    f"术后第 {3 * k} 个月随访超出 ±14 天窗口",
                    "与患者确认后续随访时间；设置随访提醒",
                )
            self.save("SE.FU", "FU", values, repeat=k, missing=missing, why=why)
            if k in (2, 4, 8):
                if missed_msts and k == 2:
                    self.deviation(
                        "MISSED_ASSESSMENT",
                        day,
                        "术后 6 个月 MSTS 功能评分漏做",
                        "已培训研究护士；随访核对清单增加 MSTS 项",
                        source="MONITOR",
                    )
                else:
                    base = 3 if k == 2 else 4
                    scores = [min(5, base + rng.randint(0, 1)) for _ in range(6)]
                    self.save(
                        "SE.FU",
                        "MSTS",
                        {
                            "MSTSDAT": iso(day),
                            **{f"MSTS{n}": str(s) for n, s in enumerate(scores, 1)},
                        },
                        repeat=k,
                    )
            if k in (2, 4, 6, 8):
                self.late_toxicity(k, day)

    def late_toxicity(self, visit: int, day: date) -> None:
        grade = self.late_tox if visit >= 2 else 0
        if grade and not any(a.category == "LATE_RT" for a in self.aes):
            self.ae(
                "FIBROSIS_DEEP",
                "LATE_RT",
                day,
                None,
                ("PROBABLE", "UNRELATED", "UNRELATED", "POSSIBLE"),
                grade=grade,
                acn_surg="NOT_APPLICABLE",
                treated=False,
            )
            self.flush_aes()
        self.save("SE.FU", "LTOX", {
            "LTDAT": iso(day), "LTFIB": str(grade), "LTJOINT": "0",
            "LTEDEMA": "1" if grade and self.rng.random() < 0.3 else "0",
            "LTSKIN": "1" if grade else "0", "LTNEUR": "0", "LTFRACT": "N",
            "LTRTOG": str(grade)}, repeat=visit)  # fmt: skip

    # --- the end --------------------------------------------------------------------------------

    def death(self, death: date, last_alive: date, source: str, eot: str) -> None:
        p, rng = self.plan, self.rng
        self.flush_aes()
        values = {"DTHDAT": iso(death), "DTHAUT": "N", "DTHSRC": source}
        cause = p.death_cause or "STS_PROGRESSION"
        link = next((a for a in self.aes if a.grade == 5), None)
        complete = True
        if cause in ("TREATMENT_TOXICITY", "SURGICAL_COMPLICATION"):
            if link is not None and link.spid is not None:
                values.update(DTHCAUS=cause, DTHAESPID=link.spid)
            else:  # no AE number to link: the cause waits for it (see the demo report)
                complete = False
                self.ctx.notes.add("DEATH_CAUSE_UNLINKED")
        else:
            values["DTHCAUS"] = cause
            if source == "FAMILY_REPORT" and rng.random() < 0.4:
                values["DTHDAT"] = death.strftime("%Y-%m")  # the family remembers the month
        self.save("SE.DTH", "DTH", values, investigator=True, complete=complete)
        if eot == "DEATH":
            self.save("SE.SURG", "SURG", {"SURGYN": "N", "SURGNRSN": "DEATH"})
        end = min(death + days(rng.randint(3, 20)), self.today)
        self.save(
            "SE.EOS",
            "EOS",
            {"EOTSTAT": eot, "EOSDAT": iso(end), "EOSSTAT": "DEATH", "LASTCONT": iso(last_alive)},
            investigator=True,
        )

    def finish(self) -> None:
        p = self.plan
        if p.stage is Stage.DIED and p.exit_phase == "FOLLOW_UP":
            assert p.exit_date is not None
            alive = [d for d in p.fu_dates if d < p.exit_date and self.done(d)]
            last = max(alive[-1], p.exit_date - days(self.rng.randint(5, 25)))
            self.death(
                p.exit_date,
                last,
                self.rng.choice(("FAMILY_REPORT", "HOSPITAL_RECORD")),
                eot="COMPLETED_ALL",
            )
        elif p.stage is Stage.WITHDRAWN and p.exit_phase == "FOLLOW_UP":
            assert p.exit_date is not None and self.subject_id is not None
            self.flush_aes()
            subjects.withdraw(
                self.ctx.investigator,
                self.subject_id,
                "FURTHER_VISITS_ALLOW_RECORDS_AND_VITAL_STATUS",
                p.exit_date,
                p.exit_date,
            )
            self.save("SE.EOS", "EOS", {"EOTSTAT": "COMPLETED_ALL"}, investigator=True)
        elif p.stage is Stage.COMPLETED:
            assert p.exit_date is not None
            self.flush_aes()
            self.save("SE.EOS", "EOS", {
                "EOTSTAT": "COMPLETED_ALL", "EOSDAT": iso(p.exit_date),
                "EOSSTAT": "COMPLETED_24M_FU", "LASTCONT": iso(p.fu_dates[-1])},
                investigator=True)  # fmt: skip
        self.flush_aes()
        self.logs()

    def logs(self) -> None:
        p, rng = self.plan, self.rng
        if self.done(p.c1 + days(4)):
            self.cms.insert(0, {"CMTRT": "盐酸昂丹司琼注射液", "CMINDC": "预防化疗相关恶心呕吐",
                                "CMCAT": "ANTIEMETIC", "CMSTDAT": iso(p.c1), "CMONGO": "N",
                                "CMENDAT": iso(p.c1 + days(3)), "CMDOSE": "8", "CMDOSU": "mg",
                                "CMROUTE": "IV"})  # fmt: skip
        if self.cms:
            self.save(LOG, "CM", rows={"CM": [RowEntry(values=c) for c in self.cms]})
        if rng.random() < 0.06 and self.subject_id is not None:
            self.deviation(
                "INFORMED_CONSENT",
                p.consent,
                "知情同意书签署页研究者签名日期漏填",
                "研究者已补签并注明补签日期；加强知情同意流程核查",
                source="MONITOR",
            )
        if self.dvs:
            self.save_deviations()

    def save_deviations(self) -> None:
        """The site's deviation log: the candidates the system detected (clarification 20)
        are completed with the description and action the demo planned for them (matched by
        category, earliest first); a planned automatic deviation the system did not detect,
        and the monitor's and site's own, are new rows recorded by the site."""
        from tnt_desktop.services.deviation_candidates import AUTO_SOURCES

        system = [(key, row) for key, row in self.stored_rows(LOG, "DV", "DV")
                  if row.get("DVCHKID") and not row.get("DVWDRSN")]  # fmt: skip
        system.sort(key=lambda kr: str(kr[1].get("DVSTDAT")))
        entries = {key: RowEntry(key=key) for key, _row in self.stored_rows(LOG, "DV", "DV")}
        new: list[RowEntry] = []
        for planned in self.dvs:
            match = next((key for key, row in system if planned["DVSRC"] in AUTO_SOURCES
                          and row.get("DVCAT") == planned["DVCAT"]
                          and not entries[key].values), None)  # fmt: skip
            if match is None:
                site = {**planned, "DVSRC": "MONITOR" if planned["DVSRC"] == "MONITOR"
                        else "SITE"}  # fmt: skip
                site.pop("DVCONF", None)
                new.append(RowEntry(values=site))
                continue
            entries[match].values = {k: v for k, v in planned.items()
                                     if k not in ("DVSRC", "DVSTDAT", "DVIDDAT", "DVCAT")}
        complete = all(entries[key].values for key, _row in system)
        self.save(LOG, "DV", rows={"DV": [*entries.values(), *new]}, investigator=True,
                  complete=complete)  # fmt: skip
