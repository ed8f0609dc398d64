"""F06 — Chemotherapy, per cycle (CT; one instance in each of SE.C1, SE.C2, SE.C3).
CRF_SPEC.md §3 F06, build decisions 2 and 11, clarifications 12, 14 and 17."""

from __future__ import annotations

from tnt_desktop.study.forms._build import (
    C,
    D,
    R,
    boolean,
    coded,
    codelist,
    date_,
    floatn,
    group,
    help_,
    integer,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import DataType, Form, T, rng

CODELISTS = (
    codelist(
        "CTSTOP", "Reason the cycle was not given", "本周期未给药原因",
        code("TOXICITY", "Toxicity", "毒性反应"),
        code("PROGRESSION", "Disease progression", "疾病进展"),
        code("PATIENT_DECISION", "Patient decision", "患者意愿"),
        code("PHYSICIAN_DECISION", "Physician / investigator decision", "医生/研究者决定"),
        code("DEATH", "Death", "死亡"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "CTMOD", "Reason for chemotherapy delay, reduction or omission",
        "化疗延迟、减量或停药原因",
        code("HAEM_TOX", "Haematological toxicity (neutropenia, thrombocytopenia, anaemia)",
             "血液学毒性（中性粒细胞减少、血小板减少、贫血）"),
        code("FEBRILE_NEUTROPENIA", "Febrile neutropenia", "发热性中性粒细胞减少症"),
        code("INFECTION", "Infection", "感染"),
        code("RENAL_TOX", "Renal / urinary toxicity (e.g. nephrotoxicity, tubulopathy, "
             "haemorrhagic cystitis)", "肾脏/泌尿系统毒性（如肾毒性、肾小管损伤、出血性膀胱炎）"),
        code("NEUROTOX_ENCEPHALOPATHY", "Neurotoxicity / ifosfamide encephalopathy",
             "神经毒性/异环磷酰胺相关脑病"),
        code("HEPATIC_TOX", "Hepatic toxicity", "肝毒性"),
        code("CARDIAC_TOX", "Cardiac toxicity", "心脏毒性"),
        code("MUCOSITIS", "Mucositis / stomatitis", "黏膜炎/口腔炎"),
        code("WOUND_OR_RT_SKIN", "Wound problem or radiation skin reaction",
             "伤口问题或放射性皮肤反应"),
        code("PATIENT_DECISION", "Patient decision", "患者意愿"),
        code("LOGISTIC", "Logistic / administrative reason (e.g. holiday, bed availability)",
             "后勤/管理原因（如节假日、床位）"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "DOXSCH", "Doxorubicin schedule", "多柔比星给药方案",
        code("D1_BOLUS", "Day 1, whole dose as a single bolus / short infusion",
             "第 1 天单次静脉推注/短时输注全量"),
        code("D1_D2", "Days 1–2, dose divided over 2 days", "第 1–2 天，分 2 天给药"),
        code("D1_D3", "Days 1–3, dose divided over 3 days (e.g. 25 mg/m²/day)",
             "第 1–3 天，分 3 天给药（如 25 mg/m²/天）"),
        code("CIV_72H", "72-hour continuous intravenous infusion", "72 小时持续静脉输注"),
    ),
    codelist(
        "REDPCT", "Dose reduction level (% of the planned dose per m²)",
        "减量幅度（占每平方米计划剂量的 %）",
        code("0", "0 % (full planned dose)", "0 %（按计划全量）"),
        code("20", "20 %", "20 %"),
        code("25", "25 %", "25 %"),
        code("50", "50 %", "50 %"),
        code("OTHER", "Other (specify %)", "其他（请注明 %）"),
    ),
    codelist(
        "ROUTE", "Route of administration", "给药途径",
        code("IV", "Intravenous", "静脉给药"),
        code("ORAL", "Oral", "口服"),
        code("IV_AND_ORAL", "Intravenous and oral", "静脉联合口服"),
        code("SC", "Subcutaneous", "皮下注射"),
        code("IM", "Intramuscular", "肌内注射"),
        code("TOPICAL", "Topical", "外用"),
        code("INHALATION", "Inhalation", "吸入"),
        code("RECTAL", "Rectal", "直肠给药"),
        code("TRANSDERMAL", "Transdermal", "经皮给药"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "GCSF", "G-CSF type", "G-CSF 类型",
        code("PEGYLATED", "Long-acting, pegylated (e.g. pegfilgrastim, mecapegfilgrastim)",
             "长效聚乙二醇化制剂（如培非格司亭、硫培非格司亭）"),
        code("SHORT_ACTING", "Short-acting (filgrastim / rhG-CSF)",
             "短效制剂（非格司亭/重组人粒细胞集落刺激因子 rhG-CSF）"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "GCSFINT", "Intent of G-CSF", "G-CSF 使用目的",
        code("PRIMARY_PROPHYLAXIS",
             "Primary prophylaxis (to prevent febrile neutropenia, before any neutropenic "
             "complication)",
             "一级预防（尚未发生中性粒细胞减少相关并发症前预防性使用，预防发热性中性粒细胞减少症）"),
        code("SECONDARY_PROPHYLAXIS",
             "Secondary prophylaxis (after a neutropenic complication in a previous cycle)",
             "二级预防（既往周期发生中性粒细胞减少相关并发症后预防性使用）"),
        code("TREATMENT", "Treatment of established neutropenia or febrile neutropenia",
             "治疗性使用（治疗已发生的中性粒细胞减少或发热性中性粒细胞减少症）"),
    ),
)

_GIVEN = "CYGIVEN == 'Y'"
_HELP_RED = help_(
    "Reduction from the planned dose per m² for this cycle; it enters the planned dose "
    "(planned per m² × CYBSA × (1 − reduction %)). A reduction for toxicity needs an AE with "
    "action DOSE_REDUCED (X-28).",
    "本周期相对每平方米计划剂量的减量幅度，用于计算计划剂量（每平方米计划剂量 × CYBSA × "
    "（1 − 减量 %））。因毒性减量时，须有对应不良事件且“对化疗采取的措施”为减量（X-28）。",
)
_HELP_ROWS = help_(
    "One row per day the drug was given; dates must fall within CYD1DAT … CYD1DAT + 6 (X-26).",
    "每个给药日记录一行；给药日期应在 CYD1DAT 至 CYD1DAT + 6 天之内（X-26）。",
)

FORM = Form(
    code="CT",
    number="F06",
    label=T("Chemotherapy, per cycle (doxorubicin + ifosfamide)",
            "化疗（每周期，多柔比星 + 异环磷酰胺）"),
    domain="EX",
    groups=(
        group(
            "CYCLE", "Cycle", "化疗周期",
            integer("CYCNUM", "Cycle", "化疗周期", D, derivation="D-CT-CYCNUM",
                    help=help_("From the event: SE.C1 → 1, SE.C2 → 2, SE.C3 → 3.",
                               "由访视决定：SE.C1 → 1，SE.C2 → 2，SE.C3 → 3。")),
            boolean("CYGIVEN", "Cycle started", "本周期化疗已开始", R,
                    help=help_("If N, record the reason and complete the treatment "
                               "disposition on the end-of-treatment / end-of-study form (F13).",
                               "如为“否”，请填写原因，并在治疗结束/研究结束表（F13）中"
                               "填写治疗结局。")),
            coded("CYNGRSN", "Reason the cycle was not given", "本周期未给药原因", "CTSTOP", C,
                  condition="CYGIVEN == 'N'",
                  help=help_("Fewer than 3 cycles at surgery need this reason (TIM-04).",
                             "手术时化疗少于 3 个周期，须记录本原因（TIM-04）。")),
            coded("CYNGTOX", "Toxicity that prevented the cycle", "导致本周期未给药的毒性",
                  "CTMOD", C, condition="CYNGRSN == 'TOXICITY'"),
            date_("CYD1DAT", "Cycle day 1 date", "本周期第 1 天（D1）日期", C, condition=_GIVEN,
                  sdtm="EXSTDTC",
                  help=help_("Cycle 1: 5–10 days after the last RT fraction (TIM-02); "
                             "cycles 2–3: 19–24 days after the previous D1 (TIM-03).",
                             "第 1 周期：末次放疗后 5–10 天（TIM-02）；第 2–3 周期：距上一周期 "
                             "D1 19–24 天（TIM-03）。")),
            date_("CYPLDAT", "Planned D1 date", "计划 D1 日期", D, derivation="D-CT-CYPLDAT",
                  help=help_("Cycle 1: RTENDAT + 7 days; cycle n: D1 of cycle n−1 + 21 days.",
                             "第 1 周期：放疗结束日期 + 7 天；"
                             "第 n 周期：第 n−1 周期 D1 + 21 天。")),
            integer("CYDELAY", "Delay of day 1 against the planned date",
                    "D1 较计划日期延迟天数", D, unit="days", derivation="D-CT-CYPLDAT",
                    help=help_("Actual D1 date − planned D1 date, in days.",
                               "实际 D1 日期 − 计划 D1 日期（天）。")),
            coded("CYDLYRSN", "Reason for delay", "延迟原因", "CTMOD", C,
                  condition="CYDELAY > 3", sdtm="EXADJ",
                  help=help_("Required when the cycle starts more than 3 days late. A toxicity "
                             "reason needs an AE with action DELAYED (X-28).",
                             "周期延迟超过 3 天时必填。因毒性延迟时，须有对应不良事件且"
                             "“对化疗采取的措施”为延迟（X-28）。")),
            floatn("CYWEIGHT", "Weight at cycle start", "周期开始时体重", 1, C, condition=_GIVEN,
                   unit="kg", hard=rng(25, 250), soft=rng(40, 150), sdtm="VSORRES",
                   help=help_("A change of ≥10 % from the baseline weight (F02) opens a query "
                              "to confirm the BSA was recalculated (X-46).",
                              "与基线体重（F02）相比变化 ≥10 % 时将发出质疑，确认已重新计算"
                              "体表面积（X-46）。")),
            floatn("CYBSA", "BSA used for dosing", "用于计算剂量的体表面积", 2, D, unit="m2",
                   derivation="D-CT-CYBSA",
                   help=help_("Mosteller √(height cm × weight kg / 3600) from CYWEIGHT and the "
                              "baseline height; a BSA cap, if the protocol sets one, is a study "
                              "parameter.",
                              "按 Mosteller 公式 √(身高 cm × 体重 kg / 3600)，由 CYWEIGHT 及"
                              "基线身高计算；如方案规定体表面积上限，则作为研究参数设置。")),
            coded("CYECOG", "ECOG performance status at cycle start",
                  "周期开始时 ECOG 体能状态评分", "ECOG", C, condition=_GIVEN,
                  data_type=DataType.INTEGER, sdtm="RSORRES"),
        ),
        group(
            "DOX", "Doxorubicin", "多柔比星",
            floatn("DOXPLM2", "Doxorubicin planned dose per cycle", "多柔比星每周期计划剂量", 1, D,
                   unit="mg/m2", derivation="D-CT-CONFIG",
                   help=help_("Study parameter (default 75 mg/m² per cycle).",
                              "研究参数（默认每周期 75 mg/m²）。")),
            coded("DOXSCHED", "Doxorubicin schedule", "多柔比星给药方案", "DOXSCH", D,
                  derivation="D-CT-CONFIG",
                  help=help_("Study parameter (default days 1–3).", "研究参数（默认第 1–3 天）。")),
            floatn("DOXPLMG", "Doxorubicin planned total dose this cycle",
                   "本周期多柔比星计划总剂量", 1, D, unit="mg", derivation="D-09",
                   help=help_("DOXPLM2 × CYBSA × (1 − reduction %).",
                              "DOXPLM2 × CYBSA × （1 − 减量 %）。")),
            boolean("DOXRED", "Doxorubicin dose reduced", "多柔比星是否减量", C, condition=_GIVEN),
            coded("DOXREDPCT", "Doxorubicin reduction level", "多柔比星减量幅度", "REDPCT", C,
                  condition="DOXRED == 'Y'", help=_HELP_RED),
            integer("DOXREDOTH", "Doxorubicin reduction, other level", "多柔比星减量幅度（其他）",
                    C, condition="DOXREDPCT == 'OTHER'", unit="%", hard=rng(1, 99)),
            coded("DOXREDRSN", "Reason for doxorubicin reduction", "多柔比星减量原因", "CTMOD", C,
                  condition="DOXRED == 'Y'", sdtm="EXADJ"),
            floatn("DOXACTMG", "Doxorubicin actual total this cycle", "本周期多柔比星实际总剂量", 1,
                   D, unit="mg", derivation="D-09",
                   help=help_("Sum of the doxorubicin administration rows.",
                              "多柔比星各给药记录剂量之和。")),
            floatn("DOXACTM2", "Doxorubicin actual dose per m²",
                   "本周期多柔比星实际剂量（每平方米）", 1, D, unit="mg/m2", derivation="D-09",
                   help=help_("DOXACTMG / CYBSA. Above 110 % of the planned dose a query opens; "
                              "above 125 % the dose must be confirmed with a reason (X-27).",
                              "DOXACTMG / CYBSA。超过计划剂量 110 % 时发出质疑；超过 125 % 时"
                              "须说明原因并确认（X-27）。")),
            floatn("DOXCUM", "Cumulative doxorubicin", "多柔比星累积剂量", 1, D, unit="mg/m2",
                   derivation="D-09",
                   help=help_("Sum over cycles. Query above 300 mg/m²; stop query above 450 mg/m² "
                              "(the 3-cycle plan is ≤225 mg/m²).",
                              "各周期累加。超过 300 mg/m² 发出质疑；超过 450 mg/m² 发出停药"
                              "质疑（3 周期计划累积剂量 ≤225 mg/m²）。")),
        ),
        group(
            "DOXADM", "Doxorubicin administrations", "多柔比星给药记录",
            date_("EXSTDAT", "Administration date", "给药日期", R, sdtm="EXSTDTC", help=_HELP_ROWS),
            floatn("EXDOSE", "Dose given", "实际给药剂量", 1, R, unit="mg", hard=rng(0, 200),
                   sdtm="EXDOSE"),
            coded("EXROUTE", "Route", "给药途径", "ROUTE", R, default="IV", sdtm="EXROUTE"),
            repeating=True, max_rows=7,
        ),
        group(
            "IFO", "Ifosfamide", "异环磷酰胺",
            floatn("IFOPLM2", "Ifosfamide planned dose per cycle", "异环磷酰胺每周期计划剂量", 2, D,
                   unit="g/m2", derivation="D-CT-CONFIG",
                   help=help_("Study parameter (default 10 g/m² per cycle).",
                              "研究参数（默认每周期 10 g/m²）。")),
            integer("IFODAYS", "Ifosfamide planned days", "异环磷酰胺计划给药天数", D,
                    unit="days", soft=rng(3, 5), derivation="D-CT-CONFIG",
                    help=help_("Study parameter (default 4 days).", "研究参数（默认 4 天）。")),
            floatn("IFOPLG", "Ifosfamide planned total dose this cycle",
                   "本周期异环磷酰胺计划总剂量", 2, D, unit="g", derivation="D-09",
                   help=help_("IFOPLM2 × CYBSA × (1 − reduction %).",
                              "IFOPLM2 × CYBSA × （1 − 减量 %）。")),
            boolean("IFORED", "Ifosfamide dose reduced", "异环磷酰胺是否减量", C, condition=_GIVEN),
            coded("IFOREDPCT", "Ifosfamide reduction level", "异环磷酰胺减量幅度", "REDPCT", C,
                  condition="IFORED == 'Y'", help=_HELP_RED),
            integer("IFOREDOTH", "Ifosfamide reduction, other level", "异环磷酰胺减量幅度（其他）",
                    C, condition="IFOREDPCT == 'OTHER'", unit="%", hard=rng(1, 99)),
            coded("IFOREDRSN", "Reason for ifosfamide reduction", "异环磷酰胺减量原因", "CTMOD", C,
                  condition="IFORED == 'Y'", sdtm="EXADJ"),
            floatn("IFOACTG", "Ifosfamide actual total this cycle", "本周期异环磷酰胺实际总剂量", 2,
                   D, unit="g", derivation="D-09",
                   help=help_("Sum of the ifosfamide administration rows.",
                              "异环磷酰胺各给药记录剂量之和。")),
            floatn("IFOACTM2", "Ifosfamide actual dose per m²",
                   "本周期异环磷酰胺实际剂量（每平方米）", 2, D, unit="g/m2", derivation="D-09",
                   help=help_("IFOACTG / CYBSA. Above 110 % of the planned dose a query opens; "
                              "above 125 % the dose must be confirmed with a reason (X-27).",
                              "IFOACTG / CYBSA。超过计划剂量 110 % 时发出质疑；超过 125 % 时"
                              "须说明原因并确认（X-27）。")),
        ),
        group(
            "IFOADM", "Ifosfamide administrations", "异环磷酰胺给药记录",
            date_("EXSTDAT", "Administration date", "给药日期", R, sdtm="EXSTDTC", help=_HELP_ROWS),
            floatn("EXDOSE", "Dose given (per day)", "实际给药剂量（每日）", 2, R, unit="g",
                   hard=rng(0, 10), sdtm="EXDOSE"),
            floatn("EXDUR", "Infusion duration", "输注时长", 1, R, unit="h", hard=rng(0, 24),
                   sdtm="EXDUR"),
            repeating=True, max_rows=7,
        ),
        group(
            "SUPPORT", "Mesna and G-CSF", "美司钠与粒细胞集落刺激因子（G-CSF）",
            boolean("MESNA", "Mesna given with ifosfamide", "是否随异环磷酰胺给予美司钠", C,
                    condition=_GIVEN,
                    help=help_("Must be Y when any ifosfamide was given.",
                               "只要给予了异环磷酰胺，本项必须为“是”。")),
            floatn("MESNATOT", "Mesna total dose this cycle", "本周期美司钠总剂量", 0, C,
                   condition="MESNA == 'Y'", unit="mg", sdtm="CMDOSE",
                   help=help_("A query opens when it is below 60 % of the ifosfamide dose in mg.",
                              "低于异环磷酰胺剂量（mg）的 60 % 时发出质疑。")),
            coded("MESNARTE", "Mesna route", "美司钠给药途径", "ROUTE", C, condition="MESNA == 'Y'",
                  sdtm="CMROUTE"),
            boolean("GCSF", "G-CSF given this cycle",
                    "本周期是否使用粒细胞集落刺激因子（G-CSF）", C, condition=_GIVEN),
            coded("GCSFTYP", "G-CSF type", "G-CSF 类型", "GCSF", C, condition="GCSF == 'Y'"),
            coded("GCSFINT", "Intent of G-CSF", "G-CSF 使用目的", "GCSFINT", C,
                  condition="GCSF == 'Y'"),
            date_("GCSFDAT", "First G-CSF date", "首次使用 G-CSF 日期", C, condition="GCSF == 'Y'",
                  sdtm="CMSTDTC",
                  help=help_("On or after the last chemotherapy day of the cycle; pegfilgrastim "
                             "is usually given ≥24 h after chemotherapy.",
                             "应在本周期末次化疗日当天或之后；长效 G-CSF（培非格司亭）通常于"
                             "化疗结束 ≥24 小时后使用。")),
            domain="CM",
        ),
        group(
            "SUMMARY", "Dose intensity", "剂量强度",
            boolean("CYDOSEDEV", "Dose deviation", "剂量偏离", D, derivation="D-09",
                    help=help_("Y when the actual dose of either drug differs by >10 % from the "
                               "planned dose after any documented reduction (query; deviation "
                               "candidate).",
                               "任一药物实际剂量与计划剂量（已计入记录的减量）相差 >10 % 时为"
                               "“是”（发出质疑，作为方案偏离候选）。")),
            floatn("DOXRDI", "Doxorubicin relative dose intensity, cumulative",
                   "多柔比星累积相对剂量强度", 2, D, soft=rng(0, 1.5), derivation="D-09",
                   help=help_("(Σ actual mg/m²) ÷ (Σ planned mg/m²) × (planned elapsed days ÷ "
                              "actual elapsed days), cycles 1 to this one.",
                              "（Σ 实际 mg/m²）÷（Σ 计划 mg/m²）×（计划经过天数 ÷ 实际经过"
                              "天数），自第 1 周期累计至本周期。")),
            floatn("IFORDI", "Ifosfamide relative dose intensity, cumulative",
                   "异环磷酰胺累积相对剂量强度", 2, D, soft=rng(0, 1.5), derivation="D-09",
                   help=help_("(Σ actual g/m²) ÷ (Σ planned g/m²) × (planned elapsed days ÷ "
                              "actual elapsed days), cycles 1 to this one.",
                              "（Σ 实际 g/m²）÷（Σ 计划 g/m²）×（计划经过天数 ÷ 实际经过"
                              "天数），自第 1 周期累计至本周期。")),
            floatn("CYRDI", "Relative dose intensity, cumulative (lower of the two drugs)",
                   "累积相对剂量强度（取两药中较低者）", 2, D, soft=rng(0, 1.5),
                   derivation="D-09",
                   help=help_("The lower of DOXRDI and IFORDI.",
                              "取 DOXRDI 与 IFORDI 中的较低值。")),
        ),
    ),
)
