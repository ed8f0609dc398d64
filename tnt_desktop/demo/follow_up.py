"""Writing one demo subject (tnt_desktop.demo.subject): follow-up visits, late toxicity, death and
the end of the subject's record (end of treatment, logs, deviations)."""

from __future__ import annotations

from datetime import date

from tnt_desktop.demo.context import LOG, days
from tnt_desktop.demo.data import (
    Stage,
    iso,
)
from tnt_desktop.services import subjects
from tnt_desktop.services.form_entries import RowEntry


class FollowUpSteps:
    """The follow-up and end-of-record steps of `SubjectWriter`
    (demo.subject), mixed into it: they use its state."""

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
