"""F11 — Follow-up visit (FU, events SE.FU and SE.UNS). CRF_SPEC.md §3 F11."""

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
    multi,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import DataType, Form, T

CODELISTS = (
    codelist(
        "FUMODE", "Follow-up contact mode", "随访方式",
        code("CLINIC_VISIT", "Clinic visit (subject seen in person)", "门诊随访（受试者到院就诊）"),
        code("TELEPHONE", "Telephone contact", "电话随访"),
        code("RECORDS_ONLY", "Medical records only (no contact with the subject)",
             "仅查阅医疗记录（未与受试者联系）"),
    ),
    codelist(
        "VITAL", "Vital status", "生存状态",
        code("ALIVE", "Alive", "存活"),
        code("DEAD", "Dead", "死亡"),
        code("UNKNOWN", "Unknown", "不详"),
    ),
    codelist(
        "DXMETH", "Basis of diagnosis of recurrence", "复发的诊断依据",
        code("CLINICAL", "Clinical (physical examination only)", "临床诊断（仅体格检查）"),
        code("IMAGING", "Imaging", "影像学检查"),
        code("CYTOLOGY", "Cytology", "细胞学检查"),
        code("HISTOLOGY", "Histology (biopsy or resection)", "组织病理学检查（活检或切除标本）"),
    ),
    codelist(
        "RTFIELD", "Local recurrence in relation to the radiotherapy field",
        "局部复发与放疗照射野的关系",
        code("IN_FIELD", "In field: within the high-dose (planning target) volume",
             "野内：位于高剂量区（计划靶区）内"),
        code("MARGINAL", "Marginal: at the edge of the high-dose volume, partly inside and "
             "partly outside it", "野边缘：位于高剂量区边缘，部分在野内、部分在野外"),
        code("OUT_OF_FIELD", "Out of field: entirely outside the irradiated volume",
             "野外：完全位于照射范围以外"),
        code("UNKNOWN", "Unknown (cannot be determined)", "不详（无法判断）"),
    ),
    codelist(
        "METSITE", "Site of metastasis", "转移部位",
        code("LUNG", "Lung", "肺"),
        code("PLEURA", "Pleura", "胸膜"),
        code("BONE", "Bone", "骨"),
        code("LIVER", "Liver", "肝"),
        code("DISTANT_LN", "Distant lymph nodes", "远处淋巴结"),
        code("REGIONAL_LN", "Regional lymph nodes (regional event)", "区域淋巴结（区域性事件）"),
        code("SOFT_TISSUE_DISTANT", "Distant soft tissue", "远处软组织"),
        code("BRAIN", "Brain", "脑"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "NEWTXTYP", "Type of new anticancer therapy", "新抗肿瘤治疗类型",
        code("SURGERY", "Surgery", "手术"),
        code("RT", "Radiotherapy", "放疗"),
        code("CHEMO", "Chemotherapy", "化疗"),
        code("TARGETED", "Targeted therapy", "靶向治疗"),
        code("IMMUNO", "Immunotherapy", "免疫治疗"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "LIMBST", "Status of the treated limb", "患肢状态",
        code("INTACT", "Limb intact (preserved)", "肢体完整（保肢）"),
        code("AMPUTATED_SINCE_LAST", "Amputated since the last visit", "自上次随访以来已截肢"),
        code("NOT_APPLICABLE", "Not applicable (limb already amputated at the protocol surgery)",
             "不适用（方案规定手术时已截肢）"),
    ),
    codelist(
        "AMPRSN", "Reason for amputation", "截肢原因",
        code("RECURRENCE", "Tumour recurrence", "肿瘤复发"),
        code("COMPLICATION", "Complication (e.g. wound, infection, vascular)",
             "并发症（如伤口、感染、血管并发症）"),
        code("FUNCTION", "Poor function of the limb", "肢体功能不良"),
        code("OTHER", "Other", "其他"),
    ),
)

_LR = "LRYN == 'Y'"
_DM = "DMYN == 'Y'"
_AMP = "LIMBSTAT == 'AMPUTATED_SINCE_LAST'"

FORM = Form(
    code="FU",
    number="F11",
    label=T("Follow-up visit", "随访"),
    domain="SS",
    groups=(
        group(
            "MAIN", "Follow-up", "随访",
            date_("FUDAT", "Visit / contact date", "随访/联系日期", R, sdtm="SSDTC",
                  help=help_("On or after the surgery date (SURGDAT); without surgery, on or "
                             "after the last protocol treatment date.",
                             "须不早于手术日期（SURGDAT）；未手术者须不早于末次方案治疗日期。")),
            coded("FUMODE", "Contact mode", "随访方式", "FUMODE", R),
            floatn("FUMON", "Months since surgery", "术后月数", 1, D, unit="months",
                   derivation="D-FU-FUMON",
                   help=help_("(FUDAT − SURGDAT) / 30.4375. Visit k is due at surgery + k months "
                              "± 14 days (TIM-07); without surgery the reference is EOTDAT.",
                              "（FUDAT − SURGDAT）/ 30.4375。第 k 次随访应在术后 k 个月 ± 14 天"
                              "进行（TIM-07）；未手术者以 EOTDAT 为参照。")),
            coded("SSSTAT", "Vital status", "生存状态", "VITAL", R, sdtm="SSORRES",
                  help=help_("DEAD: complete the Death form (F12). No follow-up with ALIVE may "
                             "be dated after the date of death (X-44).",
                             "死亡：须填写死亡表（F12）。死亡日期之后不得有“存活”的随访记录"
                             "（X-44）。")),
            coded("FUECOG", "ECOG performance status", "ECOG 体能状态评分", "ECOG", C,
                  condition="FUMODE == 'CLINIC_VISIT'", sdtm="RSORRES",
                  data_type=DataType.INTEGER),
            date_("CHESTDAT", "Chest CT date", "胸部 CT 检查日期", C,
                  help=help_("Required when chest CT is scheduled at this visit (every 3 months "
                             "in years 1–2 after surgery).",
                             "本次随访计划行胸部 CT 时必填（术后第 1–2 年每 3 个月一次）。")),
            coded("CHESTRES", "Chest CT result", "胸部 CT 结果", "METRES", C,
                  help=help_("Required when chest CT is scheduled at this visit. A new "
                             "metastasis is also reported under DMYN.",
                             "本次随访计划行胸部 CT 时必填。新发转移须同时在 DMYN 中报告。")),
            date_("LOCIMGDAT", "Primary-site imaging date", "原发部位影像学检查日期", C,
                  help=help_("Required when primary-site imaging is scheduled at this visit "
                             "(MRI, or ultrasound, every 3–6 months).",
                             "本次随访计划行原发部位影像学检查时必填（MRI 或超声，每 3–6 个月"
                             "一次）。")),
            coded("LOCIMGMOD", "Primary-site imaging modality", "原发部位影像学检查方式",
                  "IMGMOD", C,
                  help=help_("Required when primary-site imaging is scheduled at this visit.",
                             "本次随访计划行原发部位影像学检查时必填。")),
            boolean("LRYN", "Local recurrence detected (new, since the last visit)",
                    "发现局部复发（自上次随访以来新发）", R,
                    help=help_("Y only for a local recurrence newly detected since the previous "
                               "visit. Once reported, later visits show it as previously "
                               "reported, with the earlier date read-only.",
                               "仅在自上次随访以来新发现局部复发时选“是”。一经报告，之后各次随访"
                               "显示为“既往已报告”，既往日期只读、不可修改。")),
            date_("LRDAT", "Date of first evidence of local recurrence", "局部复发首次证据日期",
                  C, condition=_LR, sdtm="TUDTC",
                  help=help_("Date of the first imaging or biopsy showing the recurrence (used "
                             "for local control). On or after SURGDAT (X-43).",
                             "首次显示复发的影像学检查或活检日期（用于局部控制分析）。须不早于"
                             "手术日期（X-43）。")),
            coded("LRMETH", "Basis of diagnosis of local recurrence", "局部复发的诊断依据",
                  "DXMETH", C, condition=_LR),
            boolean("LRHIST", "Local recurrence histologically confirmed", "局部复发经组织学证实",
                    C, condition=_LR),
            coded("LRRTFLD", "Local recurrence in relation to the RT field",
                  "局部复发与放疗照射野的关系", "RTFIELD", C, condition=_LR,
                  help=help_("Classified against the radiotherapy plan, as in RTOG 0630.",
                             "参照放疗计划判定，分类方法同 RTOG 0630。")),
            boolean("DMYN", "Distant metastasis detected (new, since the last visit)",
                    "发现远处转移（自上次随访以来新发）", R,
                    help=help_("Y only for a distant metastasis newly detected since the previous "
                               "visit. Once reported, later visits show it as previously "
                               "reported, with the earlier date read-only.",
                               "仅在自上次随访以来新发现远处转移时选“是”。一经报告，之后各次随访"
                               "显示为“既往已报告”，既往日期只读、不可修改。")),
            date_("DMDAT", "Date of first distant metastasis", "首次发现远处转移日期", C,
                  condition=_DM,
                  help=help_("Date of the first imaging or biopsy showing it; on or before FUDAT "
                             "(X-43).",
                             "首次显示转移的影像学检查或活检日期；须不晚于随访日期（X-43）。")),
            multi("DMSITE", "Sites of distant metastasis", "远处转移部位", "METSITE", C,
                  condition=_DM,
                  help=help_("Select all that apply. REGIONAL_LN is recorded here but counts as a "
                             "regional event, not a distant one.",
                             "可多选。区域淋巴结转移在此记录，但按区域性事件而非远处转移处理。")),
            boolean("NEWTX", "New anticancer therapy started", "开始新的抗肿瘤治疗", R),
            multi("NEWTXTYP", "Type of new anticancer therapy", "新抗肿瘤治疗类型", "NEWTXTYP",
                  C, condition="NEWTX == 'Y'", help=help_("Select all that apply.", "可多选。")),
            date_("NEWTXDAT", "Start date of new anticancer therapy", "新抗肿瘤治疗开始日期", C,
                  condition="NEWTX == 'Y'"),
            coded("LIMBSTAT", "Status of the treated limb", "患肢状态", "LIMBST", R,
                  help=help_("NOT_APPLICABLE when the limb was amputated at the protocol surgery, "
                             "and at every visit after an amputation reported earlier.",
                             "方案规定手术时已截肢者，以及既往随访已报告截肢后的各次随访，选"
                             "“不适用”。")),
            date_("LIMBAMPDAT", "Date of amputation", "截肢日期", C, condition=_AMP),
            coded("LIMBAMPRSN", "Reason for amputation", "截肢原因", "AMPRSN", C, condition=_AMP),
        ),
    ),
)
