"""F10 — Adverse events (AE, a log in SE.LOG). CRF_SPEC.md §3 F10 and build decision 6."""

from __future__ import annotations

from tnt_desktop.study.forms._build import (
    C,
    D,
    R,
    boolean,
    coded,
    codelist,
    date_,
    group,
    help_,
    text,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import DataType, Form, Item, SignaturePoint, T

# MedDRA system organ classes of the CTCAE v5.0 terms below (English, official Chinese).
_BLOOD = {"soc": "Blood and lymphatic system disorders", "soc_zh": "血液及淋巴系统疾病"}
_CARD = {"soc": "Cardiac disorders", "soc_zh": "心脏器官疾病"}
_GI = {"soc": "Gastrointestinal disorders", "soc_zh": "胃肠系统疾病"}
_GEN = {"soc": "General disorders and administration site conditions",
        "soc_zh": "全身性疾病及给药部位各种反应"}
_INF = {"soc": "Infections and infestations", "soc_zh": "感染及侵染类疾病"}
_INJ = {"soc": "Injury, poisoning and procedural complications",
        "soc_zh": "各类损伤、中毒及操作并发症"}
_INV = {"soc": "Investigations", "soc_zh": "各类检查"}
_META = {"soc": "Metabolism and nutrition disorders", "soc_zh": "代谢及营养类疾病"}
_MSK = {"soc": "Musculoskeletal and connective tissue disorders",
        "soc_zh": "各种肌肉骨骼及结缔组织疾病"}
_NEO = {"soc": "Neoplasms benign, malignant and unspecified (incl cysts and polyps)",
        "soc_zh": "良性、恶性及性质不明的肿瘤（包括囊状和息肉状）"}
_NERV = {"soc": "Nervous system disorders", "soc_zh": "各类神经系统疾病"}
_PSY = {"soc": "Psychiatric disorders", "soc_zh": "精神病类"}
_RENAL = {"soc": "Renal and urinary disorders", "soc_zh": "肾脏及泌尿系统疾病"}
_RESP = {"soc": "Respiratory, thoracic and mediastinal disorders",
         "soc_zh": "呼吸系统、胸及纵隔疾病"}
_SKIN = {"soc": "Skin and subcutaneous tissue disorders", "soc_zh": "皮肤及皮下组织类疾病"}
_VASC = {"soc": "Vascular disorders", "soc_zh": "血管与淋巴管类疾病"}

CODELISTS = (
    codelist(
        "CTCAE50", "CTCAE v5.0 term", "CTCAE 5.0 版术语",
        # Blood and lymphatic system disorders
        code("ANEMIA", "Anemia", "贫血", **_BLOOD),
        code("FEBNEUT", "Febrile neutropenia", "发热性中性粒细胞减少症", **_BLOOD),
        # Cardiac disorders
        code("ATRIAL_FIB", "Atrial fibrillation", "心房颤动", **_CARD),
        code("HEART_FAILURE", "Heart failure", "心力衰竭", **_CARD),
        code("LV_SYST_DYSF", "Left ventricular systolic dysfunction", "左心室收缩功能障碍",
             **_CARD),
        code("SINUS_TACHY", "Sinus tachycardia", "窦性心动过速", **_CARD),
        # Gastrointestinal disorders
        code("ABD_PAIN", "Abdominal pain", "腹痛", **_GI),
        code("CONSTIPATION", "Constipation", "便秘", **_GI),
        code("DIARRHEA", "Diarrhea", "腹泻", **_GI),
        code("DYSPEPSIA", "Dyspepsia", "消化不良", **_GI),
        code("MUCOSITIS_ORAL", "Mucositis oral", "口腔黏膜炎", **_GI),
        code("NAUSEA", "Nausea", "恶心", **_GI),
        code("VOMITING", "Vomiting", "呕吐", **_GI),
        # General disorders and administration site conditions
        code("CHILLS", "Chills", "寒战", **_GEN),
        code("EDEMA_LIMBS", "Edema limbs", "肢体水肿", **_GEN),
        code("FATIGUE", "Fatigue", "疲乏", **_GEN),
        code("FEVER", "Fever", "发热", **_GEN),
        code("GAIT_DIST", "Gait disturbance", "步态障碍", **_GEN),
        code("EXTRAVASATION", "Infusion site extravasation", "输注部位外渗", **_GEN),
        code("LOCAL_EDEMA", "Localized edema", "局部水肿", **_GEN),
        code("PAIN", "Pain", "疼痛", **_GEN),
        # Infections and infestations
        code("CATHETER_INF", "Catheter related infection", "导管相关感染", **_INF),
        code("LUNG_INF", "Lung infection", "肺部感染", **_INF),
        code("SEPSIS", "Sepsis", "脓毒症", **_INF),
        code("SKIN_INF", "Skin infection", "皮肤感染", **_INF),
        code("SOFT_TISSUE_INF", "Soft tissue infection", "软组织感染", **_INF),
        code("UTI", "Urinary tract infection", "尿路感染", **_INF),
        code("WOUND_INF", "Wound infection", "伤口感染", **_INF),
        # Injury, poisoning and procedural complications
        code("DERM_RADIATION", "Dermatitis radiation", "放射性皮炎", **_INJ),
        code("FRACTURE", "Fracture", "骨折", **_INJ),
        code("POSTOP_HEMORRHAGE", "Postoperative hemorrhage", "术后出血", **_INJ),
        code("RADIATION_RECALL", "Radiation recall reaction (dermatologic)",
             "放射回忆反应（皮肤）", **_INJ),
        code("SEROMA", "Seroma", "血清肿", **_INJ),
        code("WOUND_COMPL", "Wound complication", "伤口并发症", **_INJ),
        code("WOUND_DEHISC", "Wound dehiscence", "伤口裂开", **_INJ),
        # Investigations
        code("ALT_INC", "Alanine aminotransferase increased", "丙氨酸氨基转移酶升高", **_INV),
        code("ALP_INC", "Alkaline phosphatase increased", "碱性磷酸酶升高", **_INV),
        code("AST_INC", "Aspartate aminotransferase increased", "天门冬氨酸氨基转移酶升高",
             **_INV),
        code("BILI_INC", "Blood bilirubin increased", "血胆红素升高", **_INV),
        code("CREAT_INC", "Creatinine increased", "肌酐升高", **_INV),
        code("EF_DEC", "Ejection fraction decreased", "射血分数降低", **_INV),
        code("GGT_INC", "GGT increased", "γ-谷氨酰转移酶升高", **_INV),
        code("LYMPH_DEC", "Lymphocyte count decreased", "淋巴细胞计数降低", **_INV),
        code("NEUT_DEC", "Neutrophil count decreased", "中性粒细胞计数降低", **_INV),
        code("PLT_DEC", "Platelet count decreased", "血小板计数降低", **_INV),
        code("WEIGHT_LOSS", "Weight loss", "体重降低", **_INV),
        code("WBC_DEC", "White blood cell decreased", "白细胞计数降低", **_INV),
        # Metabolism and nutrition disorders
        code("ACIDOSIS", "Acidosis", "酸中毒", **_META),
        code("ANOREXIA", "Anorexia", "厌食", **_META),
        code("DEHYDRATION", "Dehydration", "脱水", **_META),
        code("HYPERGLYCEMIA", "Hyperglycemia", "高血糖", **_META),
        code("HYPOALBUMINEMIA", "Hypoalbuminemia", "低白蛋白血症", **_META),
        code("HYPOCALCEMIA", "Hypocalcemia", "低钙血症", **_META),
        code("HYPOKALEMIA", "Hypokalemia", "低钾血症", **_META),
        code("HYPOMAGNESEMIA", "Hypomagnesemia", "低镁血症", **_META),
        code("HYPONATREMIA", "Hyponatremia", "低钠血症", **_META),
        code("HYPOPHOSPHATEMIA", "Hypophosphatemia", "低磷血症", **_META),
        # Musculoskeletal and connective tissue disorders
        code("ARTHRALGIA", "Arthralgia", "关节痛", **_MSK),
        code("FIBROSIS_DEEP", "Fibrosis deep connective tissue", "深部结缔组织纤维化", **_MSK),
        code("JOINT_ROM_DEC", "Joint range of motion decreased", "关节活动度降低", **_MSK),
        code("MUSCLE_WEAK_LL", "Muscle weakness lower limb", "下肢肌无力", **_MSK),
        code("MUSCLE_WEAK_UL", "Muscle weakness upper limb", "上肢肌无力", **_MSK),
        code("MYALGIA", "Myalgia", "肌痛", **_MSK),
        code("PAIN_EXTREMITY", "Pain in extremity", "肢体疼痛", **_MSK),
        code("STN_LOWER_LIMB", "Soft tissue necrosis lower limb", "下肢软组织坏死", **_MSK),
        code("STN_UPPER_LIMB", "Soft tissue necrosis upper limb", "上肢软组织坏死", **_MSK),
        code("FIBROSIS_SUPERF", "Superficial soft tissue fibrosis", "浅表软组织纤维化", **_MSK),
        # Neoplasms benign, malignant and unspecified (incl cysts and polyps)
        code("MDS", "Myelodysplastic syndrome", "骨髓增生异常综合征", **_NEO),
        code("SECOND_MALIG", "Treatment related secondary malignancy", "治疗相关继发恶性肿瘤",
             **_NEO),
        # Nervous system disorders
        code("DEPRESSED_LOC", "Depressed level of consciousness", "意识水平下降", **_NERV),
        code("DIZZINESS", "Dizziness", "头晕", **_NERV),
        code("DYSGEUSIA", "Dysgeusia", "味觉障碍", **_NERV),
        code("ENCEPHALOPATHY", "Encephalopathy", "脑病", **_NERV),
        code("HEADACHE", "Headache", "头痛", **_NERV),
        code("PERIPH_MOTOR_NEURO", "Peripheral motor neuropathy", "周围运动神经病变", **_NERV),
        code("PERIPH_SENS_NEURO", "Peripheral sensory neuropathy", "周围感觉神经病变", **_NERV),
        code("SEIZURE", "Seizure", "癫痫发作", **_NERV),
        code("SOMNOLENCE", "Somnolence", "嗜睡", **_NERV),
        # Psychiatric disorders
        code("AGITATION", "Agitation", "激越", **_PSY),
        code("CONFUSION", "Confusion", "意识模糊", **_PSY),
        code("HALLUCINATIONS", "Hallucinations", "幻觉", **_PSY),
        code("INSOMNIA", "Insomnia", "失眠", **_PSY),
        # Renal and urinary disorders
        code("AKI", "Acute kidney injury", "急性肾损伤", **_RENAL),
        code("CKD", "Chronic kidney disease", "慢性肾脏病", **_RENAL),
        code("CYSTITIS_NONINF", "Cystitis noninfective",
             "非感染性膀胱炎（含出血性膀胱炎）", **_RENAL),
        code("HEMATURIA", "Hematuria", "血尿", **_RENAL),
        code("PROTEINURIA", "Proteinuria", "蛋白尿", **_RENAL),
        # Respiratory, thoracic and mediastinal disorders
        code("DYSPNEA", "Dyspnea", "呼吸困难", **_RESP),
        # Skin and subcutaneous tissue disorders
        code("ALOPECIA", "Alopecia", "脱发", **_SKIN),
        code("PPE", "Palmar-plantar erythrodysesthesia syndrome",
             "掌跖红斑感觉异常综合征（手足综合征）", **_SKIN),
        code("PRURITUS", "Pruritus", "瘙痒", **_SKIN),
        code("RASH_MP", "Rash maculo-papular", "斑丘疹", **_SKIN),
        code("SKIN_HYPERPIG", "Skin hyperpigmentation", "皮肤色素沉着过度", **_SKIN),
        code("SKIN_INDURATION", "Skin induration", "皮肤硬结", **_SKIN),
        code("SKIN_ULCERATION", "Skin ulceration", "皮肤溃疡", **_SKIN),
        code("TELANGIECTASIA", "Telangiectasia", "毛细血管扩张", **_SKIN),
        # Vascular disorders
        code("HEMATOMA", "Hematoma", "血肿", **_VASC),
        code("HYPERTENSION", "Hypertension", "高血压", **_VASC),
        code("HYPOTENSION", "Hypotension", "低血压", **_VASC),
        code("LYMPHEDEMA", "Lymphedema", "淋巴水肿", **_VASC),
        code("THROMBOEMBOLIC", "Thromboembolic event", "血栓栓塞事件", **_VASC),
        # Not in the list
        code("OTHER", "Other, specify", "其他（请注明）"),
        extensible=True,
    ),
    codelist(
        "AECAT", "AE phase / category", "不良事件分期/类别",
        code("PRE_TREATMENT", "Pre-treatment (after consent, before RT day 1)",
             "治疗前（签署知情同意后、放疗第 1 天前）"),
        code("RT_ACUTE", "Radiotherapy, acute", "放疗急性反应"),
        code("CHEMOTHERAPY", "Chemotherapy", "化疗期"),
        code("PERIOPERATIVE", "Perioperative", "围手术期"),
        code("WOUND", "Wound complication (also recorded in F09)",
             "伤口并发症（同时记录于 F09）"),
        code("LATE_RT", "Late radiotherapy toxicity (also recorded in F11b)",
             "放疗晚期毒性（同时记录于 F11b）"),
        code("FOLLOW_UP", "Follow-up", "随访期"),
    ),
    codelist(
        "GRADE1_5", "CTCAE v5.0 grade (1–5)", "CTCAE 5.0 分级（1–5 级）",
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
        code("5", "Grade 5: death related to AE", "5 级：与不良事件相关的死亡"),
        data_type=DataType.INTEGER,
    ),
    codelist(
        "REL5", "Relationship (attribution)", "相关性（归因）",
        code("UNRELATED", "Unrelated: the AE is clearly not related",
             "无关：不良事件明确与之无关"),
        code("UNLIKELY", "Unlikely: the AE is doubtfully related",
             "可能无关：不良事件与之相关的可能性小"),
        code("POSSIBLE", "Possible: the AE may be related", "可能有关：不良事件可能与之有关"),
        code("PROBABLE", "Probable: the AE is likely related",
             "很可能有关：不良事件很可能与之有关"),
        code("DEFINITE", "Definite: the AE is clearly related", "肯定有关：不良事件明确与之有关"),
    ),
    codelist(
        "ACN", "Action taken with chemotherapy", "对化疗采取的措施",
        code("NONE", "None (dose not changed)", "无（剂量未改变）"),
        code("DOSE_REDUCED", "Dose reduced", "剂量降低"),
        code("DELAYED", "Cycle delayed", "周期推迟"),
        code("INTERRUPTED", "Administration interrupted", "给药中断"),
        code("DISCONTINUED", "Permanently discontinued", "永久停药"),
        code("NOT_APPLICABLE", "Not applicable (no chemotherapy given or due)",
             "不适用（未给予化疗或无计划化疗）"),
    ),
    codelist(
        "ACNRT", "Action taken with radiotherapy", "对放疗采取的措施",
        code("NONE", "None", "无"),
        code("INTERRUPTED", "Interrupted", "中断"),
        code("DISCONTINUED", "Permanently discontinued", "永久终止"),
        code("NOT_APPLICABLE", "Not applicable (RT not started or already completed)",
             "不适用（放疗尚未开始或已完成）"),
    ),
    codelist(
        "ACNSRG", "Effect on surgery", "对手术的影响",
        code("NONE", "None", "无影响"),
        code("SURGERY_DELAYED", "Surgery delayed", "手术推迟"),
        code("SURGERY_CANCELLED", "Surgery cancelled", "手术取消"),
        code("NOT_APPLICABLE", "Not applicable (e.g. after surgery)", "不适用（如发生于手术后）"),
    ),
    codelist(
        "OUT", "Outcome", "转归",
        code("RECOVERED", "Recovered / resolved", "痊愈/已缓解", cdisc="RECOVERED/RESOLVED"),
        code("RECOVERING", "Recovering / resolving", "好转中/缓解中",
             cdisc="RECOVERING/RESOLVING"),
        code("NOT_RECOVERED", "Not recovered / not resolved", "未好转/未缓解",
             cdisc="NOT RECOVERED/NOT RESOLVED"),
        code("RECOVERED_WITH_SEQUELAE", "Recovered / resolved with sequelae", "痊愈伴后遗症",
             cdisc="RECOVERED/RESOLVED WITH SEQUELAE"),
        code("FATAL", "Fatal", "死亡", cdisc="FATAL"),
        code("UNKNOWN", "Unknown", "未知", cdisc="UNKNOWN"),
    ),
)

_FORM_HELP = help_(
    "Reporting period (proposal, to be confirmed): all AEs from informed consent "
    "(procedure-related) or RT day 1 (treatment-emergent) to 30 days after surgery; after that, "
    "late RT toxicity (also in F11b), treatment-related SAEs and wound complications to "
    "post-operative day 120 (also in F09). Grade every AE with NCI CTCAE v5.0. "
    "Serious adverse events are reported to the sponsor immediately (China GCP), at the latest "
    "1 calendar day after the investigator became aware.",
    "报告期（建议，待确认）：自签署知情同意（与研究操作相关）或放疗第 1 天（治疗期出现）起，"
    "至术后 30 天，记录全部不良事件；此后继续收集放疗晚期毒性（同时记录于 F11b）、"
    "与治疗相关的严重不良事件，以及至术后第 120 天的伤口并发症（同时记录于 F09）。"
    "所有不良事件均按 NCI CTCAE 5.0 版分级。严重不良事件须立即向申办方报告（中国 GCP），"
    "最迟不超过研究者获知后 1 个日历日。",
)

_SAE = "AESER == 'Y'"
_SAE_HELP = help_(
    "Answer each criterion when the AE is serious; at least one must be Y.",
    "严重不良事件须逐项回答各标准，且至少一项为“是”。",
)


def _rel(name: str, en: str, zh: str) -> Item:
    return coded(
        name, f"Relationship to {en}", f"与{zh}的相关性", "REL5", R,
        help=help_("Judge each treatment separately; an AE that began before the treatment was "
                   "given is Unrelated to it.",
                   "分别判断与每一治疗的相关性；在该治疗实施前发生的不良事件应判为“无关”。"),
    )


FORM = Form(
    code="AE",
    number="F10",
    label=T("Adverse events", "不良事件"),
    domain="AE",
    help=_FORM_HELP,
    groups=(
        group(
            "AE", "Adverse event log", "不良事件记录",
            text("AESPID", "AE number", "不良事件编号", D, derivation="ASSIGNED", sdtm="AESPID",
                 help=help_("Assigned by the system in sequence; wound-complication events in F09 "
                            "refer to it.",
                            "由系统按顺序分配；F09 伤口并发症事件以此编号关联。")),
            text("AETERM", "Verbatim term", "不良事件名称（原文）", R, length=200, sdtm="AETERM"),
            coded("AECTC", "CTCAE v5.0 term", "CTCAE 5.0 版术语", "CTCAE50", R, sdtm="AELLT",
                  help=help_("CTCAE terms are MedDRA lowest-level terms; MedDRA coding "
                             "(AEDECOD, AEBODSYS) is done by the sponsor with a licensed "
                             "dictionary. Choose \"Other, specify\" if no listed term fits.",
                             "CTCAE 术语即 MedDRA 低位语；MedDRA 编码（AEDECOD、AEBODSYS）由申办方"
                             "使用授权词典完成。如无合适术语，请选择“其他（请注明）”。")),
            text("AECTCOTH", "Other CTCAE term, specify", "其他术语（请注明）", C, length=100,
                 condition="AECTC == 'OTHER'"),
            coded("AECAT", "Phase / category", "分期/类别", "AECAT", R, sdtm="AECAT",
                  help=help_("WOUND: also record the wound-complication event in F09 and link it "
                             "to this AE number. LATE_RT: also graded in F11b.",
                             "WOUND：须同时在 F09 记录伤口并发症事件并关联本不良事件编号。"
                             "LATE_RT：同时在 F11b 中分级。")),
            date_("AESTDAT", "Onset date", "开始日期", R, sdtm="AESTDTC",
                  help=help_("On or after the date of informed consent (RFICDAT).",
                             "不得早于签署知情同意日期（RFICDAT）。")),
            boolean("AEONGO", "Ongoing", "是否持续", R, sdtm="AEENRTPT"),
            date_("AEENDAT", "End date", "结束日期", C, condition="AEONGO == 'N'",
                  sdtm="AEENDTC",
                  help=help_("On or after the onset date (AESTDAT). For a fatal AE, the date of "
                             "death.",
                             "不得早于开始日期（AESTDAT）。致死性不良事件填写死亡日期。")),
            coded("AETOXGR", "Worst CTCAE grade", "最严重 CTCAE 分级", "GRADE1_5", R,
                  data_type=DataType.INTEGER, sdtm="AETOXGR",
                  help=help_("The worst grade over the whole event, by the CTCAE v5.0 definition "
                             "of the term. Grade 5 ⇔ outcome Fatal ⇔ death criterion Y and a "
                             "death form.",
                             "按该术语的 CTCAE 5.0 版定义，记录整个事件过程中的最严重分级。"
                             "5 级 ⇔ 转归为“死亡” ⇔ 严重性标准“导致死亡”为“是”且有死亡表。")),
            boolean("AESER", "Serious adverse event", "严重不良事件", R, sdtm="AESER",
                    help=help_("Serious (ICH E2A): results in death, is life-threatening, requires "
                               "inpatient hospitalisation or prolongs it, results in persistent or "
                               "significant disability/incapacity, is a congenital "
                               "anomaly/birth defect, or is another important medical event. "
                               "Seriousness is not the same as severity (grade).",
                               "严重不良事件（ICH E2A）：导致死亡、危及生命、需要住院治疗或延长"
                               "住院时间、导致永久或严重的残疾/功能丧失、先天性异常/出生缺陷，"
                               "或其他重要医学事件。“严重性”不同于“严重程度”（分级）。")),
            boolean("AESDTH", "Results in death", "导致死亡", C, condition=_SAE,
                    sdtm="AESDTH", help=_SAE_HELP),
            boolean("AESLIFE", "Life-threatening", "危及生命", C, condition=_SAE, sdtm="AESLIFE",
                    help=help_("The subject was at immediate risk of death at the time of the "
                               "event (not an event that might have caused death had it been "
                               "more severe).",
                               "事件发生时受试者有即刻死亡风险（而非假设事件更严重时可能导致死亡）。")),
            boolean("AESHOSP", "Requires or prolongs inpatient hospitalisation",
                    "导致住院或住院时间延长", C, condition=_SAE, sdtm="AESHOSP"),
            boolean("AESDISAB", "Persistent or significant disability / incapacity",
                    "导致永久或严重的残疾/功能丧失", C, condition=_SAE, sdtm="AESDISAB"),
            boolean("AESCONG", "Congenital anomaly / birth defect", "先天性异常/出生缺陷", C,
                    condition=_SAE, sdtm="AESCONG"),
            boolean("AESMIE", "Other important medical event", "其他重要医学事件", C,
                    condition=_SAE, sdtm="AESMIE",
                    help=help_("May jeopardise the subject or require intervention to prevent one "
                               "of the other outcomes.",
                               "可能危害受试者，或需要干预以防止出现上述其他结果之一。")),
            _rel("AERELRT", "radiotherapy", "放疗"),
            _rel("AERELDOX", "doxorubicin", "多柔比星"),
            _rel("AERELIFO", "ifosfamide", "异环磷酰胺"),
            _rel("AERELSURG", "surgery", "手术"),
            boolean("AEREL", "Related to any study treatment", "与任一研究治疗相关", D,
                    derivation="D-AE-AEREL", sdtm="AEREL",
                    help=help_("Y if any relationship is Possible, Probable or Definite.",
                               "任一相关性为“可能有关”“很可能有关”或“肯定有关”时为“是”。")),
            coded("AEACN", "Action taken with chemotherapy", "对化疗采取的措施", "ACN", R,
                  sdtm="AEACN"),
            coded("AEACNRT", "Action taken with radiotherapy", "对放疗采取的措施", "ACNRT", R),
            coded("AEACNSRG", "Effect on surgery", "对手术的影响", "ACNSRG", R),
            boolean("AECONTRT", "Treatment given", "是否给予治疗", R, sdtm="AECONTRT",
                    help=help_("If Y, record the medication(s) in the concomitant medication log "
                               "(F16).",
                               "如为“是”，请在合并用药记录（F16）中记录所用药物。")),
            coded("AEOUT", "Outcome", "转归", "OUT", R, sdtm="AEOUT"),
            date_("AESAEAWDAT", "Date the investigator became aware of the SAE",
                  "研究者获知严重不良事件的日期", C, condition=_SAE,
                  help=help_("Needed to time SAE reporting (added: the spec asks for the check "
                             "but names no item).",
                             "用于判断严重不良事件报告是否及时（规范要求该核查但未定义此条目）。")),
            date_("AESAEDAT", "Date the SAE was reported to the sponsor / ethics committee",
                  "向申办方/伦理委员会报告严重不良事件的日期", C, condition=_SAE,
                  help=help_("A query opens when it is more than 1 calendar day after the "
                             "investigator became aware of the SAE.",
                             "晚于研究者获知严重不良事件后 1 个日历日时将产生质疑。")),
            repeating=True,
        ),
    ),
    signatures=(
        SignaturePoint("AESIG", T("SAE sign-off", "严重不良事件签署"),
                       T("I confirm this serious adverse event report",
                         "我确认本严重不良事件报告"),
                       required=False),
    ),
)
