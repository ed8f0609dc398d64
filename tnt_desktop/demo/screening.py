"""Writing one demo subject (tnt_desktop.demo.subject): screening — dates, demographics, history,
baseline tumour, laboratory values — and a screen failure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tnt_desktop.demo.context import days, t_category
from tnt_desktop.demo.data import (
    MH_TERMS,
    MH_TERMS_BY_SEX,
    MOLECULAR,
    Stage,
    d2,
    iso,
)
from tnt_desktop.services import subjects
from tnt_desktop.services.form_entries import RowEntry


class ScreeningSteps:
    """The screening steps of `SubjectWriter`
    (demo.subject), mixed into it: they use its state."""

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
            return t_category(other) == t_category(size) and (other >= limit) == (size >= limit)

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
