"""Writing one demo subject (tnt_desktop.demo.subject): enrolment, radiotherapy and the
chemotherapy cycles with their adverse events."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tnt_desktop.demo.context import LOG, days
from tnt_desktop.demo.data import (
    CHEMO_AES,
    Stage,
    d2,
    iso,
)
from tnt_desktop.services import subjects
from tnt_desktop.services.form_entries import RowEntry
from tnt_desktop.study.derivations.demographics import bsa


class TreatmentSteps:
    """The enrolment, radiotherapy and chemotherapy steps of `SubjectWriter`
    (demo.subject), mixed into it: they use its state."""

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
