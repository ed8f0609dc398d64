"""Writing one demo subject (tnt_desktop.demo.subject): the preoperative assessment, surgery,
pathology and the wound checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tnt_desktop.demo.context import DAY, AdverseEvent, days
from tnt_desktop.demo.data import (
    WOUND_TYPES,
    d2,
    iso,
)
from tnt_desktop.services.form_entries import RowEntry


class SurgerySteps:
    """The surgery and wound-check steps of `SubjectWriter`
    (demo.subject), mixed into it: they use its state."""

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
