"""Schedule of events (CRF_SPEC.md §2), in schedule order."""

from __future__ import annotations

from tnt_desktop.study.model import Event, T

EVENTS: tuple[Event, ...] = (
    Event(
        "SE.SCR",
        T("Screening", "筛选"),
        ("IE", "DM", "MH", "TUBL", "LB"),
        window=T("≤28 days before enrolment", "入组前 ≤28 天"),
    ),
    Event(
        "SE.ENR",
        T("Enrolment / baseline", "入组/基线"),
        ("MSTS",),
        window=T("Day −14 to −1", "第 −14 至 −1 天"),
    ),
    Event(
        "SE.RT",
        T("Radiotherapy", "放疗"),
        ("RT",),
        window=T("Days 1–5 (overall treatment time ≤7 days)", "第 1–5 天（总治疗时间 ≤7 天）"),
    ),
    Event(
        "SE.C1",
        T("AI cycle 1", "AI 化疗第 1 周期"),
        ("CT", "LB"),
        window=T("RT end + 7 days", "放疗结束 + 7 天"),
    ),
    Event(
        "SE.C2",
        T("AI cycle 2", "AI 化疗第 2 周期"),
        ("CT", "LB"),
        window=T("C1D1 + 21 days", "C1D1 + 21 天"),
    ),
    Event(
        "SE.C3",
        T("AI cycle 3", "AI 化疗第 3 周期"),
        ("CT", "LB"),
        window=T("C2D1 + 21 days", "C2D1 + 21 天"),
    ),
    Event(
        "SE.PREOP",
        T("Pre-operative restaging", "术前再分期"),
        ("TUPRE", "LB"),
        window=T("After C3, ≤14 days before surgery", "C3 后，术前 ≤14 天"),
    ),
    Event(
        "SE.SURG",
        T("Surgery", "手术"),
        ("SURG",),
        window=T(
            "7–14 days after the end of the chemotherapy period (C3D1 + 20)",
            "化疗期结束（C3D1 + 20）后 7–14 天",
        ),
    ),
    Event(
        "SE.PATH",
        T("Resection pathology", "切除标本病理"),
        ("PATH",),
        window=T("Report ≤30 days after surgery", "术后 ≤30 天出报告"),
    ),
    Event(
        "SE.WND",
        T("Wound assessment", "伤口评估"),
        ("WND",),
        repeating=True,
        window=T("Post-operative day 14, 30, 60, 90, 120 ± 5", "术后第 14、30、60、90、120 天 ± 5"),
    ),
    Event(
        "SE.FU",
        T("Follow-up", "随访"),
        ("FU", "MSTS", "LTOX"),
        repeating=True,
        window=T("Surgery + 3, 6, … 24 months ± 14 days", "手术后 3、6…24 个月 ± 14 天"),
        # repeat k is the visit at 3k months: MSTS at FU6/12/24, LTOX at FU6/12/18/24
        form_repeats=(("MSTS", (2, 4, 8)), ("LTOX", (2, 4, 6, 8))),
    ),
    Event(
        "SE.UNS",
        T("Unscheduled", "计划外"),
        ("LB", "TUPRE", "FU"),
        repeating=True,
        type="Unscheduled",
        mandatory=False,
        window=T("Any time", "任何时间"),
    ),
    Event(
        "SE.LOG",
        T("Subject-level logs", "受试者日志"),
        ("AE", "CM", "DV"),
        type="Common",
        window=T("Whole study", "整个研究期间"),
    ),
    Event(
        "SE.DTH",
        T("Death", "死亡"),
        ("DTH",),
        type="Unscheduled",
        mandatory=False,
        window=T("If it occurs", "如发生"),
    ),
    Event("SE.EOS", T("End of study", "研究结束"), ("EOS",), window=T("Last", "最后")),
)
