"""F07 — Surgery (SURG, event SE.SURG). CRF_SPEC.md §3 F07, build decision 3, clarifications 11
and 15."""

from __future__ import annotations

from tnt_desktop.study.forms._build import (
    C,
    D,
    O,
    R,
    boolean,
    coded,
    codelist,
    date_,
    group,
    help_,
    integer,
    multi,
    text,
    time_,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import Form, SignaturePoint, T, rng

CODELISTS = (
    codelist(
        "NOSURG", "Reason protocol surgery was not performed", "未行方案规定手术的原因",
        code("LOCAL_PROGRESSION_UNRESECTABLE", "Local progression, unresectable",
             "局部进展，无法切除"),
        code("DISTANT_METASTASIS", "Distant metastasis", "远处转移"),
        code("MEDICAL_CONTRAINDICATION", "Medical contraindication to surgery",
             "存在手术医学禁忌证"),
        code("PATIENT_REFUSAL", "Patient refused surgery", "患者拒绝手术"),
        code("DEATH", "Death", "死亡"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "ASA", "ASA physical status", "ASA 分级（美国麻醉医师协会身体状况分级）",
        code("I", "ASA I: a normal healthy patient", "ASA I 级：体格健康的正常患者"),
        code("II", "ASA II: a patient with mild systemic disease", "ASA II 级：合并轻度系统性疾病"),
        code("III", "ASA III: a patient with severe systemic disease",
             "ASA III 级：合并严重系统性疾病"),
        code("IV", "ASA IV: a patient with severe systemic disease that is a constant threat to "
             "life", "ASA IV 级：合并严重系统性疾病，持续威胁生命"),
        code("V", "ASA V: a moribund patient who is not expected to survive without the "
             "operation", "ASA V 级：濒死患者，不手术无法存活"),
    ),
    codelist(
        "SURGTYPE", "Type of resection", "切除方式",
        code("WIDE_EXCISION_LIMB_SPARING", "Wide excision, limb-sparing", "保肢广泛切除"),
        code("COMPARTMENTAL_RESECTION", "Compartmental resection", "间室切除"),
        code("MARGINAL_EXCISION", "Marginal excision", "边缘切除"),
        code("AMPUTATION", "Amputation", "截肢"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "AMPLVL", "Amputation level", "截肢平面",
        code("FOREQUARTER", "Forequarter amputation (interscapulothoracic)",
             "肩胛带离断（肩胛胸壁间截肢）"),
        code("SHOULDER_DISART", "Shoulder disarticulation", "肩关节离断"),
        code("ABOVE_ELBOW", "Above-elbow (transhumeral) amputation", "上臂截肢（经肱骨，肘上）"),
        code("BELOW_ELBOW", "Below-elbow (transradial) amputation", "前臂截肢（经桡骨，肘下）"),
        code("HAND_PARTIAL", "Partial hand amputation", "部分手截肢"),
        code("HEMIPELVECTOMY", "Hemipelvectomy (hindquarter amputation)",
             "半骨盆截肢（后四分之一截肢）"),
        code("HIP_DISART", "Hip disarticulation", "髋关节离断"),
        code("ABOVE_KNEE", "Above-knee (transfemoral) amputation", "大腿截肢（经股骨，膝上）"),
        code("KNEE_DISART", "Knee disarticulation", "膝关节离断"),
        code("BELOW_KNEE", "Below-knee (transtibial) amputation", "小腿截肢（经胫骨，膝下）"),
        code("FOOT_PARTIAL", "Partial foot amputation", "部分足截肢"),
        code("RAY_DIGIT", "Ray or digit amputation", "列截肢或指（趾）截肢"),
    ),
    codelist(
        "VASCTYP", "Vessel resected / reconstructed", "切除/重建血管类型",
        code("ARTERY", "Artery", "动脉"),
        code("VEIN", "Vein", "静脉"),
        code("BOTH", "Artery and vein", "动脉和静脉"),
    ),
    codelist(
        "GRAFT", "Vascular graft", "血管移植物",
        code("AUTOLOGOUS", "Autologous (e.g. great saphenous vein)", "自体血管（如大隐静脉）"),
        code("SYNTHETIC", "Synthetic (e.g. PTFE, Dacron)", "人工血管（如 PTFE、涤纶）"),
    ),
    codelist(
        "NERVE", "Named nerve", "神经名称",
        code("SCIATIC", "Sciatic nerve", "坐骨神经"),
        code("FEMORAL", "Femoral nerve", "股神经"),
        code("TIBIAL", "Tibial nerve", "胫神经"),
        code("PERONEAL", "Common peroneal (fibular) nerve", "腓总神经"),
        code("RADIAL", "Radial nerve", "桡神经"),
        code("ULNAR", "Ulnar nerve", "尺神经"),
        code("MEDIAN", "Median nerve", "正中神经"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "RECON", "Soft-tissue reconstruction", "软组织重建方式",
        code("PRIMARY_CLOSURE", "Primary closure", "直接（一期）缝合"),
        code("LOCAL_ADVANCEMENT", "Local advancement / rotation flap", "局部推进/旋转皮瓣"),
        code("PEDICLED_FLAP", "Pedicled (muscle / fasciocutaneous) flap", "带蒂（肌/筋膜皮）瓣"),
        code("FREE_FLAP", "Free flap (microvascular)", "游离皮瓣（显微血管吻合）"),
        code("SKIN_GRAFT_STSG", "Split-thickness skin graft", "中厚皮片移植"),
        code("FLAP_PLUS_GRAFT", "Flap plus skin graft", "皮瓣联合植皮"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "ENNEKING", "Surgical margin (Enneking)", "手术切除边界（Enneking 分类）",
        code("WIDE", "Wide: through normal tissue beyond the reactive zone, within the "
             "compartment", "广泛：在反应区以外的正常组织内切除，位于间室内"),
        code("MARGINAL", "Marginal: through the reactive zone (pseudocapsule)",
             "边缘：经反应区（假包膜）切除"),
        code("INTRALESIONAL", "Intralesional: through the tumour", "囊内（病灶内）：经肿瘤内切除"),
        code("RADICAL", "Radical: the whole involved compartment removed",
             "根治：整个受累间室完整切除"),
    ),
    codelist(
        "CLAVIEN", "Clavien–Dindo grade", "Clavien–Dindo 分级",
        code("0", "0: no complication", "0 级：无并发症"),
        code("I", "I: any deviation from the normal post-operative course without the need for "
             "pharmacological treatment or surgical, endoscopic or radiological intervention "
             "(antiemetics, antipyretics, analgesics, diuretics, electrolytes, physiotherapy and "
             "wound infections opened at the bedside are allowed)",
             "I 级：术后病程出现任何偏离正常的情况，但无需药物治疗或外科、内镜及介入放射学干预"
             "（允许使用止吐药、退热药、镇痛药、利尿药、电解质及物理治疗，包括床旁敞开引流的"
             "切口感染）"),
        code("II", "II: requiring pharmacological treatment with drugs other than those allowed "
             "for grade I, including blood transfusion and total parenteral nutrition",
             "II 级：需使用 I 级允许范围以外的药物治疗，包括输血及全肠外营养"),
        code("IIIa", "IIIa: requiring surgical, endoscopic or radiological intervention not "
             "under general anaesthesia",
             "IIIa 级：需外科、内镜或介入放射学干预，非全身麻醉下进行"),
        code("IIIb", "IIIb: requiring surgical, endoscopic or radiological intervention under "
             "general anaesthesia",
             "IIIb 级：需外科、内镜或介入放射学干预，全身麻醉下进行"),
        code("IVa", "IVa: life-threatening complication requiring intensive care management, "
             "single-organ dysfunction (including dialysis)",
             "IVa 级：危及生命、需重症监护治疗的并发症，单器官功能障碍（包括需透析）"),
        code("IVb", "IVb: life-threatening complication requiring intensive care management, "
             "multi-organ dysfunction",
             "IVb 级：危及生命、需重症监护治疗的并发症，多器官功能障碍"),
        code("V", "V: death of the patient", "V 级：患者死亡"),
    ),
)

_DONE = "SURGYN == 'Y'"

FORM = Form(
    code="SURG",
    number="F07",
    label=T("Surgery", "手术"),
    domain="PR",
    groups=(
        group(
            "MAIN", "Surgery", "手术",
            boolean("SURGYN", "Protocol surgery performed", "是否行方案规定的手术", R),
            coded("SURGNRSN", "Reason not performed", "未行手术原因", "NOSURG", C,
                  condition="SURGYN == 'N'",
                  help=help_("Feeds the endpoint handling: no surgery counts as a non-responder; "
                             "unresectable local progression is a local-control event.",
                             "用于终点处理：未手术者按无反应计；局部进展无法切除计为局部控制"
                             "失败事件。")),
            date_("SURGDAT", "Date of surgery", "手术日期", C, condition=_DONE, sdtm="PRSTDTC",
                  help=help_("After the last chemotherapy date; target 7–14 days after the end "
                             "of the chemotherapy period (C3D1 + 20 days, TIM-05) and ≥28 days "
                             "after the end of RT (TIM-06).",
                             "应晚于末次化疗日期；目标为化疗期结束（C3D1 + 20 天）后 7–14 天"
                             "（TIM-05），且距放疗结束 ≥28 天（TIM-06）。")),
            time_("SURGSTTM", "Incision time", "切皮时间", C, condition=_DONE),
            time_("SURGENTM", "Skin-closure time", "皮肤缝合结束时间", C, condition=_DONE),
            integer("SURGDUR", "Operative duration", "手术时长", D, unit="min",
                    hard=rng(10, 1440), derivation="D-SURG-SURGDUR", sdtm="PRDUR",
                    help=help_("From incision to skin closure; a closure time earlier than the "
                               "incision time means the operation crossed midnight.",
                               "自切皮至缝皮结束；缝皮时间早于切皮时间表示手术跨越午夜。")),
            coded("ASA", "ASA physical status", "ASA 分级", "ASA", O, condition=_DONE),
            coded("SURGTYPE", "Type of resection", "切除方式", "SURGTYPE", C, condition=_DONE,
                  sdtm="PRTRT"),
            coded("AMPLEVEL", "Amputation level", "截肢平面", "AMPLVL", C,
                  condition="SURGTYPE == 'AMPUTATION'"),
            boolean("LIMBSPFL", "Limb-sparing", "保肢", D, derivation="D-SURG-LIMBSPFL",
                    help=help_("N if SURGTYPE = AMPUTATION.", "切除方式为截肢时为“否”。")),
            boolean("BONERES", "Bone resection", "是否切除骨组织", C, condition=_DONE),
            boolean("VASCRES", "Major vessel resection / reconstruction", "是否行大血管切除/重建",
                    C, condition=_DONE),
            coded("VASCRESTYP", "Vessel type", "血管类型", "VASCTYP", C,
                  condition="VASCRES == 'Y'"),
            coded("VASCGRAFT", "Graft used for vascular reconstruction", "血管重建所用移植物",
                  "GRAFT", C, condition="VASCRES == 'Y'",
                  help=help_("If the vessel was ligated or repaired without a graft, record "
                             "NOT APPLICABLE as the reason for missing.",
                             "若血管仅结扎或未使用移植物修复，缺失原因请选择“不适用”。")),
            boolean("NERVERES", "Named nerve resected", "是否切除主要神经", C, condition=_DONE),
            multi("NERVENAME", "Nerve(s) resected", "切除的神经", "NERVE", C,
                  condition="NERVERES == 'Y'"),
            coded("RECON", "Soft-tissue reconstruction", "软组织重建方式", "RECON", C,
                  condition=_DONE,
                  help=help_("Skin grafting is an independent predictor of major wound "
                             "complications.", "植皮是主要伤口并发症的独立预测因素。")),
            text("FLAPNAME", "Flap (e.g. gastrocnemius, latissimus dorsi, ALT)",
                 "皮瓣名称（如腓肠肌瓣、背阔肌瓣、股前外侧皮瓣）", C, length=60,
                 condition="RECON in ('PEDICLED_FLAP', 'FREE_FLAP', 'FLAP_PLUS_GRAFT')"),
            boolean("PLASTIC", "Plastic surgeon performed closure",
                    "是否由整形外科医师完成创面关闭", C, condition=_DONE),
            boolean("NPWT", "Incisional negative-pressure wound therapy",
                    "是否使用切口负压伤口治疗", C, condition=_DONE),
            boolean("DRAIN", "Closed-suction drain", "是否放置闭式负压引流", C, condition=_DONE),
            date_("DRAINRMDAT", "Drain removal date", "引流管拔除日期", C,
                  condition="DRAIN == 'Y'",
                  help=help_("On or after the date of surgery.", "应不早于手术日期。")),
            integer("EBL", "Estimated blood loss", "估计失血量", C, condition=_DONE, unit="mL",
                    hard=rng(0, 15000), soft=rng(0, 2000)),
            boolean("TRANSF", "Intra- or peri-operative RBC transfusion",
                    "术中或围手术期是否输注红细胞", C, condition=_DONE),
            integer("TRANSFU", "RBC units transfused", "输注红细胞单位数", C,
                    condition="TRANSF == 'Y'", unit="units", hard=rng(1, 30)),
            coded("SURGMARG", "Surgeon's intra-operative margin assessment",
                  "术者术中切缘评估", "ENNEKING", O, condition=_DONE,
                  help=help_("Enneking terminology. The final R status comes from pathology "
                             "(F08).", "采用 Enneking 术语。最终 R 分类以病理（F08）为准。")),
            boolean("INTRAOP", "Intra-operative complication", "是否发生术中并发症", C,
                    condition=_DONE,
                    help=help_("If Y, record the complication as an adverse event (F10).",
                               "如为“是”，请在不良事件表（F10）中记录该并发症。")),
            text("INTRAOPAESPID", "Linked AE number", "关联不良事件编号", C,
                 condition="INTRAOP == 'Y'",
                 help=help_("The AE number (AESPID) of the intra-operative complication.",
                            "术中并发症对应的不良事件编号（AESPID）。")),
            date_("DISCHDAT", "Discharge date", "出院日期", C, condition=_DONE,
                  help=help_("On or after the date of surgery.", "应不早于手术日期。")),
            integer("SURGLOS", "Post-operative length of stay", "术后住院天数", D, unit="days",
                    derivation="D-SURG-SURGLOS",
                    help=help_("Discharge date − date of surgery (DISCHDAT − SURGDAT).",
                               "出院日期 − 手术日期（DISCHDAT − SURGDAT）。")),
            coded("CLAVIEN",
                  "Worst post-operative complication until discharge (Clavien–Dindo)",
                  "出院前最严重术后并发症（Clavien–Dindo 分级）", "CLAVIEN", O, condition=_DONE,
                  help=help_("Not a substitute for recording complications as CTCAE adverse "
                             "events.", "不能替代按 CTCAE 记录的不良事件。")),
        ),
    ),
    signatures=(
        SignaturePoint("SURGSIG", T("Surgeon sign-off", "手术医师签署"),
                       T("I confirm this surgery record", "我确认本手术记录")),
    ),
)
