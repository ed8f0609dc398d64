"""F03 — Medical history (MH, event SE.SCR). CRF_SPEC.md §3 F03."""

from __future__ import annotations

from tnt_desktop.study.forms._build import (
    C,
    O,
    R,
    boolean,
    coded,
    codelist,
    date_,
    floatn,
    group,
    help_,
    pdate,
    text,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import DataType, Form, T, rng

CODELISTS = (
    codelist(
        "MHCAT", "Medical history category", "病史类别",
        code("GENERAL", "General medical history", "一般病史"),
        code("PRIOR_MALIGNANCY", "Prior malignancy", "既往恶性肿瘤"),
        code("CARDIAC", "Cardiac history", "心脏病史"),
        code("PRIOR_SURGERY_TUMOUR_SITE", "Prior surgery at the tumour site",
             "肿瘤部位既往手术"),
    ),
    codelist(
        "GRADE1_4", "CTCAE v5.0 grade (1–4)", "CTCAE 5.0 分级（1–4 级）",
        code("1", "Grade 1: mild; asymptomatic or mild symptoms; clinical or diagnostic "
             "observations only; intervention not indicated",
             "1 级：轻度；无症状或轻微症状；仅为临床或诊断所见；无需治疗"),
        code("2", "Grade 2: moderate; minimal, local or non-invasive intervention indicated; "
             "limiting age-appropriate instrumental ADL",
             "2 级：中度；需要较小、局部或非侵入性治疗；与年龄相当的工具性日常生活活动受限"),
        code("3", "Grade 3: severe or medically significant but not immediately "
             "life-threatening; hospitalisation or prolongation of hospitalisation indicated; "
             "disabling; limiting self-care ADL",
             "3 级：严重或具有重要医学意义，但不会立即危及生命；需要住院或延长住院时间；致残；"
             "自理性日常生活活动受限"),
        code("4", "Grade 4: life-threatening consequences; urgent intervention indicated",
             "4 级：危及生命；需要紧急治疗"),
        data_type=DataType.INTEGER,
    ),
    codelist(
        "SMOKE", "Smoking status", "吸烟状况",
        code("NEVER", "Never smoker", "从不吸烟"),
        code("FORMER", "Former smoker (quit ≥12 months ago)", "既往吸烟（已戒烟 ≥12 个月）"),
        code("CURRENT", "Current smoker (including quit <12 months ago)",
             "目前吸烟（含戒烟 <12 个月）"),
    ),
    codelist(
        "NYHA", "NYHA functional class", "NYHA 心功能分级",
        code("I", "Class I: no limitation of physical activity; ordinary physical activity does "
             "not cause undue fatigue, palpitation or dyspnoea",
             "I 级：体力活动不受限，日常活动不引起明显的疲乏、心悸或呼吸困难"),
        code("II", "Class II: slight limitation of physical activity; comfortable at rest, but "
             "ordinary physical activity results in fatigue, palpitation or dyspnoea",
             "II 级：体力活动轻度受限，休息时无症状，日常活动可引起疲乏、心悸或呼吸困难"),
        code("III", "Class III: marked limitation of physical activity; comfortable at rest, "
             "but less than ordinary activity causes fatigue, palpitation or dyspnoea",
             "III 级：体力活动明显受限，休息时无症状，轻于日常的活动即可引起疲乏、心悸或呼吸"
             "困难"),
        code("IV", "Class IV: unable to carry on any physical activity without discomfort; "
             "symptoms of heart failure at rest",
             "IV 级：不能从事任何体力活动，休息时亦有心力衰竭症状，活动后加重"),
        code("NA", "Not applicable (no heart failure)", "不适用（无心力衰竭）"),
    ),
    codelist(
        "POSNEGND", "Positive / negative / not done", "阳性/阴性/未检测",
        code("POSITIVE", "Positive", "阳性"),
        code("NEGATIVE", "Negative", "阴性"),
        code("NOT_DONE", "Not done", "未检测"),
    ),
    codelist(
        "DIABTYPE", "Diabetes type", "糖尿病类型",
        code("TYPE1", "Type 1 diabetes mellitus", "1 型糖尿病"),
        code("TYPE2", "Type 2 diabetes mellitus", "2 型糖尿病"),
        code("OTHER", "Other type of diabetes", "其他类型糖尿病"),
    ),
)

_DIABETES = "DIABETES == 'Y'"
_UNPLEXC = "UNPLEXC == 'Y'"
_PRIORMAL = "PRIORMAL == 'Y'"

FORM = Form(
    code="MH",
    number="F03",
    label=T("Medical history", "既往病史"),
    domain="MH",
    groups=(
        group(
            "MH", "Medical history log", "既往病史记录",
            text("MHTERM", "Condition / procedure (verbatim)", "疾病/手术名称（原文记录）", R, 200,
                 sdtm="MHTERM",
                 help=help_("Record the verbatim term; MedDRA coding (MHDECOD, MHBODSYS) is done "
                            "by a licensed coder outside the application.",
                            "请按原文记录；MedDRA 编码（MHDECOD、MHBODSYS）由具备许可的编码人员"
                            "在系统外完成。")),
            coded("MHCAT", "Category", "类别", "MHCAT", R, sdtm="MHCAT",
                  help=help_("Prior malignancies are checked against exclusion criterion EXC03 "
                             "(X-18).",
                             "既往恶性肿瘤将与排除标准 EXC03 核对（X-18）。")),
            pdate("MHSTDAT", "Start date", "开始日期", R, sdtm="MHSTDTC",
                  help=help_("YYYY, YYYY-MM or YYYY-MM-DD; on or before the consent date.",
                             "可填 YYYY、YYYY-MM 或 YYYY-MM-DD；须早于或等于签署知情同意书日期。")),
            boolean("MHONGO", "Ongoing at screening", "筛选时仍持续", R, sdtm="MHENRTPT",
                    help=help_("If N, the end date is required.", "选“否”时须填写结束日期。")),
            pdate("MHENDAT", "End date", "结束日期", C, condition="MHONGO == 'N'",
                  sdtm="MHENDTC",
                  help=help_("On or after the start date and on or before the consent date.",
                             "须晚于或等于开始日期，且早于或等于签署知情同意书日期。")),
            coded("MHTOXGR", "Baseline CTCAE grade (if ongoing)", "基线 CTCAE 分级（如仍持续）",
                  "GRADE1_4", C, condition="MHONGO == 'Y'", data_type=DataType.INTEGER,
                  help=help_("Baseline grade, so that later worsening is recorded as an "
                             "adverse event.",
                             "记录基线分级，以便此后加重时记录为不良事件。")),
            repeating=True,
        ),
        group(
            "MAIN", "Pre-specified history", "预设病史项目",
            boolean("DIABETES", "Diabetes mellitus", "糖尿病", R,
                    help=help_("Risk factor for major wound complications.",
                               "主要伤口并发症的危险因素。")),
            coded("DIABTYPE", "Diabetes type", "糖尿病类型", "DIABTYPE", C,
                  condition=_DIABETES),
            boolean("DIABINS", "On insulin", "使用胰岛素治疗", C, condition=_DIABETES),
            coded("SMOKE", "Smoking status", "吸烟状况", "SMOKE", R,
                  help=help_("Risk factor for major wound complications. Former = quit at least "
                             "12 months ago.",
                             "主要伤口并发症的危险因素。既往吸烟 = 已戒烟至少 12 个月。")),
            floatn("PACKYR", "Pack-years", "吸烟量（包年）", 1, O, unit="pack-years",
                   hard=rng(0, 200), condition="SMOKE in ('FORMER', 'CURRENT')",
                   help=help_("Packs (20 cigarettes) per day × years smoked.",
                              "每日吸烟包数（每包 20 支）× 吸烟年数。")),
            boolean("PVD", "Peripheral vascular disease", "外周血管疾病", R),
            coded("NYHA", "NYHA class", "NYHA 心功能分级", "NYHA", R,
                  help=help_("Class III–IV requires exclusion criterion EXC02 = Y (X-17). "
                             "Use N/A when the subject has no heart failure.",
                             "III–IV 级时排除标准 EXC02 须为“是”（X-17）。"
                             "无心力衰竭者选“不适用”。")),
            boolean("HTNUNC", "Uncontrolled hypertension", "未控制的高血压", R,
                    help=help_("Y requires exclusion criterion EXC02 = Y (X-17).",
                               "选“是”时排除标准 EXC02 须为“是”（X-17）。")),
            boolean("UNPLEXC", "Prior unplanned excision of this tumour at another hospital",
                    "外院曾对本肿瘤行非计划切除", R),
            date_("UNPLDAT", "Date of the unplanned excision", "非计划切除日期", C,
                  condition=_UNPLEXC),
            boolean("UNPLGROSS", "Gross (macroscopic) residual tumour present",
                    "存在肉眼可见（大体）残留肿瘤", C, condition=_UNPLEXC,
                    help=help_("N requires exclusion criterion EXC01 = Y (X-23).",
                               "选“否”时排除标准 EXC01 须为“是”（X-23）。")),
            boolean("PRIORRT", "Prior RT to the same site", "同一部位既往放疗", R,
                    help=help_("Y requires exclusion criterion EXC06 = Y (X-20).",
                               "选“是”时排除标准 EXC06 须为“是”（X-20）。")),
            boolean("PRIORCT", "Prior chemotherapy (any)", "既往化疗（任何）", R,
                    help=help_("Y requires exclusion criterion EXC09 = Y (X-22).",
                               "选“是”时排除标准 EXC09 须为“是”（X-22）。")),
            boolean("PRIORMAL", "Other malignancy within 5 years", "5 年内其他恶性肿瘤", R,
                    help=help_("Diagnosed within 5 years before consent and not an exempt "
                               "tumour → exclusion criterion EXC03 = Y (X-18).",
                               "签署知情同意前 5 年内确诊且不属于豁免肿瘤时，排除标准 EXC03 须为"
                               "“是”（X-18）。")),
            text("PRIORMALSITE", "Other malignancy: primary site", "其他恶性肿瘤原发部位", C, 100,
                 condition=_PRIORMAL),
            pdate("PRIORMALDAT", "Other malignancy: date of diagnosis", "其他恶性肿瘤诊断日期",
                  C, condition=_PRIORMAL,
                  help=help_("YYYY, YYYY-MM or YYYY-MM-DD.", "可填 YYYY、YYYY-MM 或 YYYY-MM-DD。")),
            boolean("PRIORMALEXEMPT",
                    "Cervical carcinoma in situ or early basal cell carcinoma of the skin",
                    "宫颈原位癌或早期皮肤基底细胞癌", C, condition=_PRIORMAL,
                    help=help_("Y: this malignancy is exempt from exclusion criterion EXC03.",
                               "选“是”：该恶性肿瘤不适用排除标准 EXC03。")),
            coded("HBV", "HBsAg / anti-HBc status", "乙肝表面抗原/乙肝核心抗体（HBsAg/抗-HBc）状态",
                  "POSNEGND", O,
                  help=help_("Positive if HBsAg or anti-HBc is positive. Relevant to "
                             "anthracycline therapy (risk of HBV reactivation).",
                             "HBsAg 或抗-HBc 任一阳性即为阳性。与蒽环类药物治疗相关（乙肝病毒"
                             "再激活风险）。")),
        ),
    ),
)
