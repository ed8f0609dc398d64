"""F04 — Baseline tumour, biopsy and staging (TUBL, event SE.SCR). CRF_SPEC.md §3 F04, §3.1–3.2."""

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
    floatn,
    group,
    help_,
    integer,
    text,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import Form, T, rng

CODELISTS = (
    codelist(
        "LAT", "Laterality", "侧别",
        code("LEFT", "Left", "左侧"),
        code("RIGHT", "Right", "右侧"),
    ),
    codelist(
        "LIMB", "Extremity", "肢体",
        code("UPPER", "Upper extremity", "上肢"),
        code("LOWER", "Lower extremity", "下肢"),
    ),
    codelist(
        "SUBSITE", "Extremity sub-site", "肢体亚部位",
        code("SHOULDER", "Shoulder", "肩部", limb="UPPER"),
        code("AXILLA", "Axilla", "腋窝", limb="UPPER"),
        code("UPPER_ARM", "Upper arm", "上臂", limb="UPPER"),
        code("ELBOW_ANTECUBITAL", "Elbow / antecubital fossa", "肘部/肘窝", limb="UPPER"),
        code("FOREARM", "Forearm", "前臂", limb="UPPER"),
        code("WRIST_HAND", "Wrist / hand", "腕部/手部", limb="UPPER"),
        code("BUTTOCK_GLUTEAL", "Buttock / gluteal region", "臀部（臀区）", limb="LOWER"),
        code("HIP_GROIN", "Hip / groin", "髋部/腹股沟区", limb="LOWER"),
        code("THIGH_ANTERIOR", "Thigh, anterior compartment", "大腿前间室", limb="LOWER"),
        code("THIGH_MEDIAL_ADDUCTOR", "Thigh, medial (adductor) compartment",
             "大腿内侧（内收肌）间室", limb="LOWER"),
        code("THIGH_POSTERIOR", "Thigh, posterior compartment", "大腿后间室", limb="LOWER"),
        code("KNEE_POPLITEAL", "Knee / popliteal fossa", "膝部/腘窝", limb="LOWER"),
        code("LOWER_LEG", "Lower leg", "小腿", limb="LOWER"),
        code("ANKLE_FOOT", "Ankle / foot", "踝部/足部", limb="LOWER"),
    ),
    codelist(
        "DEPTH", "Tumour depth relative to the fascia", "肿瘤深度（相对于筋膜）",
        code("SUPERFICIAL", "Superficial: above the superficial fascia without invading it",
             "浅表：位于浅筋膜以上，且未侵犯筋膜"),
        code("DEEP", "Deep: beneath the fascia, or superficial with invasion of or through "
             "the fascia",
             "深部：位于筋膜深面，或位于浅表但侵犯或穿透筋膜"),
    ),
    codelist(
        "IMGMOD", "Imaging modality", "影像检查方式",
        code("MRI_CE", "Contrast-enhanced MRI", "增强 MRI"),
        code("CT_CE", "Contrast-enhanced CT", "增强 CT"),
        code("US", "Ultrasound", "超声"),
        code("PETCT", "PET-CT", "PET-CT"),
    ),
    codelist(
        "NVINV", "Neurovascular bundle involvement", "神经血管束受累",
        code("NONE", "None", "无受累"),
        code("ABUTMENT", "Abutment (tumour in contact with the bundle)",
             "紧贴（肿瘤与神经血管束相接触）"),
        code("ENCASEMENT", "Encasement (tumour surrounds the bundle)",
             "包绕（肿瘤包绕神经血管束）"),
    ),
    codelist(
        "CHESTIMG", "Chest staging modality", "胸部分期检查方式",
        code("CT", "Chest CT (preferred)", "胸部 CT（首选）"),
        code("XRAY", "Chest X-ray", "胸部 X 线片"),
    ),
    codelist(
        "METRES", "Metastasis assessment result", "转移评估结果",
        code("NO_METASTASIS", "No metastasis", "无转移"),
        code("METASTASIS", "Metastasis", "有转移"),
        code("INDETERMINATE", "Indeterminate", "性质不确定"),
    ),
    codelist(
        "BXTYPE", "Biopsy type", "活检方式",
        code("CORE_NEEDLE", "Core needle biopsy", "空芯针穿刺活检"),
        code("INCISIONAL", "Incisional biopsy", "切开活检"),
        code("EXCISIONAL", "Excisional biopsy", "切除活检"),
        code("FNA", "Fine-needle aspiration (FNA)", "细针穿刺抽吸（FNA）"),
    ),
    codelist(
        "BXGUIDE", "Biopsy image guidance", "活检影像引导方式",
        code("US", "Ultrasound-guided", "超声引导"),
        code("CT", "CT-guided", "CT 引导"),
        code("MRI", "MRI-guided", "MRI 引导"),
        code("NONE", "No image guidance", "无影像引导"),
    ),
    codelist(
        "HISTSTS", "Histological subtype (WHO 2020, 5th ed.)",
        "组织学亚型（WHO 2020，第 5 版）",
        code("UPS", "Undifferentiated pleomorphic sarcoma", "未分化多形性肉瘤",
             icdo3="8802/3", excl="N"),
        code("USS", "Undifferentiated spindle cell sarcoma", "未分化梭形细胞肉瘤",
             icdo3="8801/3", excl="N"),
        code("MFS", "Myxofibrosarcoma", "黏液纤维肉瘤", icdo3="8811/3", excl="N"),
        code("MLS", "Myxoid liposarcoma (incl. high-grade/round-cell)",
             "黏液样脂肪肉瘤（含高级别/圆形细胞型）", icdo3="8852/3", excl="N"),
        code("PLS", "Pleomorphic liposarcoma", "多形性脂肪肉瘤", icdo3="8854/3", excl="N"),
        code("DDLS", "Dedifferentiated liposarcoma", "去分化脂肪肉瘤", icdo3="8858/3", excl="N"),
        code("LMS", "Leiomyosarcoma", "平滑肌肉瘤", icdo3="8890/3", excl="N"),
        code("SS", "Synovial sarcoma (NOS / monophasic / biphasic / poorly differentiated)",
             "滑膜肉瘤（非特指/单相型/双相型/低分化型）", icdo3="9040/3", excl="N"),
        code("MPNST", "Malignant peripheral nerve sheath tumour", "恶性外周神经鞘膜瘤",
             icdo3="9540/3", excl="N"),
        code("PRMS", "Pleomorphic rhabdomyosarcoma", "多形性横纹肌肉瘤",
             icdo3="8901/3", excl="N"),
        code("EPS", "Epithelioid sarcoma", "上皮样肉瘤", icdo3="8804/3", excl="N"),
        code("CCS", "Clear cell sarcoma of soft tissue", "软组织透明细胞肉瘤",
             icdo3="9044/3", excl="N"),
        code("ASPS", "Alveolar soft part sarcoma", "腺泡状软组织肉瘤",
             icdo3="9581/3", excl="N"),
        code("AS", "Angiosarcoma of soft tissue", "软组织血管肉瘤", icdo3="9120/3", excl="N"),
        code("EMC", "Extraskeletal myxoid chondrosarcoma", "骨外黏液样软骨肉瘤",
             icdo3="9231/3", excl="N"),
        code("EOS", "Extraskeletal osteosarcoma", "骨外骨肉瘤", icdo3="9180/3", excl="N"),
        code("FS", "Adult fibrosarcoma", "成人型纤维肉瘤", icdo3="8810/3", excl="N"),
        code("LGFMS", "Low-grade fibromyxoid sarcoma", "低级别纤维黏液样肉瘤",
             icdo3="8840/3", excl="N"),
        code("SEF", "Sclerosing epithelioid fibrosarcoma", "硬化性上皮样纤维肉瘤",
             icdo3="8840/3", excl="N"),
        code("STS_NOS", "Sarcoma, NOS", "肉瘤，非特指型", icdo3="8800/3", excl="N"),
        code("ERMS", "Embryonal rhabdomyosarcoma (excluded)", "胚胎性横纹肌肉瘤（排除）",
             icdo3="8910/3", excl="Y"),
        code("ARMS", "Alveolar rhabdomyosarcoma (excluded)", "腺泡状横纹肌肉瘤（排除）",
             icdo3="8920/3", excl="Y"),
        code("SRMS", "Spindle cell / sclerosing rhabdomyosarcoma (excluded: non-pleomorphic RMS)",
             "梭形细胞/硬化性横纹肌肉瘤（排除：非多形性横纹肌肉瘤）",
             icdo3="8912/3", excl="Y"),
        code("EWS", "Ewing sarcoma, extraskeletal (excluded)", "骨外尤文肉瘤（排除）",
             icdo3="9364/3", excl="Y"),
        code("URCS", "Undifferentiated round-cell sarcoma (CIC-, BCOR-rearranged, etc.)",
             "未分化小圆细胞肉瘤（CIC 重排、BCOR 重排等）", excl="?"),
        code("OTHER", "Other, specify", "其他（请注明）", excl="N"),
    ),
    codelist(
        "MOLMETH", "Molecular test method", "分子检测方法",
        code("FISH", "Fluorescence in situ hybridisation (FISH)", "荧光原位杂交（FISH）"),
        code("RT_PCR", "Reverse-transcription PCR (RT-PCR)", "逆转录聚合酶链反应（RT-PCR）"),
        code("NGS", "Next-generation sequencing (NGS)", "二代测序（NGS）"),
    ),
    codelist(
        "FNDIFF", "FNCLCC tumour differentiation score", "FNCLCC 肿瘤分化评分",
        code("1", "1: sarcoma closely resembling normal adult mesenchymal tissue",
             "1 分：肉瘤与正常成人间叶组织极为相似"),
        code("2", "2: sarcoma for which histological typing is certain",
             "2 分：组织学分型明确的肉瘤"),
        code("3", "3: embryonal and undifferentiated sarcomas, synovial sarcoma, "
             "sarcoma of doubtful type",
             "3 分：胚胎性及未分化肉瘤、滑膜肉瘤、类型不明确的肉瘤"),
        code("NOT_ASSESSABLE", "Not assessable", "无法评估"),
    ),
    codelist(
        "FNMIT", "FNCLCC mitotic count score", "FNCLCC 核分裂计数评分",
        code("1", "1: 0–9 mitoses per 10 HPF", "1 分：0–9 个核分裂/10 HPF"),
        code("2", "2: 10–19 mitoses per 10 HPF", "2 分：10–19 个核分裂/10 HPF"),
        code("3", "3: ≥20 mitoses per 10 HPF", "3 分：≥20 个核分裂/10 HPF"),
    ),
    codelist(
        "FNNEC", "FNCLCC tumour necrosis score", "FNCLCC 肿瘤坏死评分",
        code("0", "0: no tumour necrosis", "0 分：无肿瘤坏死"),
        code("1", "1: <50 % tumour necrosis", "1 分：肿瘤坏死 <50 %"),
        code("2", "2: ≥50 % tumour necrosis", "2 分：肿瘤坏死 ≥50 %"),
    ),
    codelist(
        "GRADEG", "FNCLCC histological grade", "FNCLCC 组织学分级",
        code("G1", "G1 (total score 2–3)", "G1（总分 2–3）"),
        code("G2", "G2 (total score 4–5)", "G2（总分 4–5）"),
        code("G3", "G3 (total score 6–8)", "G3（总分 6–8）"),
        code("GX", "GX (grade cannot be assessed)", "GX（分级无法评估）"),
    ),
    codelist(
        "AJCCT", "AJCC 8th primary tumour (T), trunk/extremity",
        "AJCC 第 8 版原发肿瘤（T），躯干/四肢",
        code("TX", "TX: primary tumour cannot be assessed", "TX：原发肿瘤无法评估"),
        code("T1", "T1: tumour ≤5 cm in greatest dimension", "T1：肿瘤最大径 ≤5 cm"),
        code("T2", "T2: tumour >5 cm and ≤10 cm", "T2：肿瘤最大径 >5 cm 且 ≤10 cm"),
        code("T3", "T3: tumour >10 cm and ≤15 cm", "T3：肿瘤最大径 >10 cm 且 ≤15 cm"),
        code("T4", "T4: tumour >15 cm", "T4：肿瘤最大径 >15 cm"),
    ),
    codelist(
        "AJCCN", "AJCC 8th regional lymph nodes (N)", "AJCC 第 8 版区域淋巴结（N）",
        code("N0", "N0: no regional lymph node metastasis or unknown lymph node status",
             "N0：无区域淋巴结转移或淋巴结状态不明"),
        code("N1", "N1: regional lymph node metastasis", "N1：区域淋巴结转移"),
        code("NX", "NX: regional lymph nodes cannot be assessed (staged as N0)",
             "NX：区域淋巴结无法评估（分期时按 N0 处理）"),
    ),
    codelist(
        "AJCCM", "AJCC 8th distant metastasis (M)", "AJCC 第 8 版远处转移（M）",
        code("M0", "M0: no distant metastasis", "M0：无远处转移"),
        code("M1", "M1: distant metastasis", "M1：有远处转移"),
    ),
    codelist(
        "AJCCSTG", "AJCC 8th prognostic stage group (trunk/extremity)",
        "AJCC 第 8 版预后分期（躯干/四肢）",
        code("IA", "IA: T1 N0 M0, G1 or GX", "IA 期：T1 N0 M0，G1 或 GX"),
        code("IB", "IB: T2–T4 N0 M0, G1 or GX", "IB 期：T2–T4 N0 M0，G1 或 GX"),
        code("II", "II: T1 N0 M0, G2 or G3", "II 期：T1 N0 M0，G2 或 G3"),
        code("IIIA", "IIIA: T2 N0 M0, G2 or G3", "IIIA 期：T2 N0 M0，G2 或 G3"),
        code("IIIB", "IIIB: T3–T4 N0 M0, G2 or G3", "IIIB 期：T3–T4 N0 M0，G2 或 G3"),
        code("IV", "IV: any T N1 M0 any G, or any T any N M1 any G",
             "IV 期：任何 T N1 M0 任何 G，或任何 T 任何 N M1 任何 G"),
    ),
)

_FNCLCC_HELP = help_(
    "FNCLCC component from the biopsy report. If the report gives only a grade, enter the "
    "grade in FNGRADE and record the components as NOT DONE.",
    "活检病理报告中的 FNCLCC 评分项。若报告仅给出分级，请在 FNGRADE 中填写分级，"
    "并将各评分项记录为“未做”。",
)

FORM = Form(
    code="TUBL",
    number="F04",
    label=T("Baseline tumour, biopsy and staging", "基线肿瘤、活检与分期"),
    domain="TU",
    groups=(
        group(
            "MAIN", "Baseline tumour, biopsy and staging", "基线肿瘤、活检与分期",
            # --- primary tumour and local imaging --------------------------------------------
            coded("TULAT", "Laterality", "肿瘤侧别", "LAT", R, sdtm="TULAT"),
            coded("TULIMB", "Extremity", "原发肢体", "LIMB", R, sdtm="TULOC",
                  help=help_("The trial is extremity-only: trunk, retroperitoneum and "
                             "head/neck tumours are not allowed.",
                             "本研究仅纳入四肢肿瘤：躯干、腹膜后及头颈部肿瘤不得入组。")),
            coded("TUSUBSITE", "Sub-site", "亚部位", "SUBSITE", R,
                  help=help_("Must match the extremity (TULIMB). The thigh is split by "
                             "compartment because the adductor compartment carries the highest "
                             "wound-complication risk. Whether the buttock counts as extremity "
                             "is an open protocol question.",
                             "须与原发肢体（TULIMB）一致。大腿按间室细分，因内收肌间室伤口并发症"
                             "风险最高。臀部是否属于肢体尚待方案确认。")),
            coded("TUDEPTH", "Depth relative to the (superficial/investing) fascia",
                  "肿瘤深度（相对于浅筋膜/固有筋膜）", "DEPTH", R,
                  help=help_("AJCC 8th no longer uses depth in T, but depth is an inclusion "
                             "factor in this trial (INC01D).",
                             "AJCC 第 8 版 T 分期已不再采用深度，但深度仍为本研究入选因素"
                             "（INC01D）。")),
            coded("IMGMOD", "Imaging modality for local staging", "局部分期影像检查方式",
                  "IMGMOD", R, sdtm="TUMETHOD",
                  help=help_("Contrast-enhanced MRI is expected; any other modality opens a "
                             "query.",
                             "应首选增强 MRI；采用其他检查方式将产生质疑。")),
            date_("IMGDAT", "Local imaging date", "局部影像检查日期", R, sdtm="TUDTC",
                  help=help_("≤28 days before RT day 1.", "放疗首日前 ≤28 天内。")),
            floatn("TUMAXD", "Maximum tumour diameter", "肿瘤最大径", 1, R, unit="cm",
                   hard=rng("0.1", "60.0"), sdtm="TRORRES",
                   help=help_("Drives the AJCC T category (D-06) and the ≥5 cm criterion "
                              "(INC01C, X-11).",
                              "用于推导 AJCC T 分期（D-06）及核对 ≥5 cm 入选标准"
                              "（INC01C，X-11）。")),
            floatn("TUD2", "Second orthogonal diameter", "第二正交径", 1, O, unit="cm",
                   help=help_("For an ellipsoid volume estimate (π/6 × D1 × D2 × D3) if "
                              "needed.",
                              "必要时用于椭球体积估算（π/6 × D1 × D2 × D3）。")),
            floatn("TUD3", "Third orthogonal diameter", "第三正交径", 1, O, unit="cm",
                   help=help_("For an ellipsoid volume estimate (π/6 × D1 × D2 × D3) if "
                              "needed.",
                              "必要时用于椭球体积估算（π/6 × D1 × D2 × D3）。")),
            coded("NVINV", "Neurovascular bundle encasement/abutment", "神经血管束包绕/紧贴",
                  "NVINV", O,
                  help=help_("For surgical planning.", "用于手术规划。")),
            boolean("BONEINV", "Bone involvement / periosteal contact", "骨受累/骨膜接触", O),
            # --- chest staging ---------------------------------------------------------------
            coded("CHESTIMG", "Chest staging modality", "胸部分期检查方式", "CHESTIMG", R),
            date_("CHESTDAT", "Chest staging date", "胸部分期检查日期", R,
                  help=help_("≤28 days before RT day 1.", "放疗首日前 ≤28 天内。")),
            coded("CHESTRES", "Chest staging result", "胸部分期检查结果", "METRES", R,
                  help=help_("METASTASIS means AJCC_M = M1: the subject is ineligible "
                             "(EXC07).",
                             "结果为“有转移”即 AJCC_M = M1，受试者不符合入组条件（EXC07）。")),
            # --- biopsy and histology --------------------------------------------------------
            coded("BXTYPE", "Biopsy type", "活检方式", "BXTYPE", R, sdtm="PRTRT",
                  help=help_("FNA alone opens a query: histology and grade usually need a core "
                             "or incisional biopsy.",
                             "仅行细针穿刺抽吸将产生质疑：组织学分型与分级通常需空芯针穿刺或"
                             "切开活检。")),
            coded("BXGUIDE", "Image guidance", "影像引导方式", "BXGUIDE", C,
                  condition="BXTYPE == 'CORE_NEEDLE'"),
            date_("BXDAT", "Biopsy date", "活检日期", R, sdtm="PRSTDTC",
                  help=help_("On or before the date of informed consent (RFICDAT).",
                             "应不晚于知情同意签署日期（RFICDAT）。")),
            coded("HISTTYPE", "Histological subtype (WHO 2020, 5th ed.)",
                  "组织学亚型（WHO 2020，第 5 版）", "HISTSTS", R, sdtm="MIORRES",
                  help=help_("Subtypes marked as excluded (non-pleomorphic rhabdomyosarcoma, "
                             "Ewing sarcoma) require EXC04 = Y (X-19). Whether undifferentiated "
                             "round-cell sarcoma is excluded awaits the PI's decision.",
                             "标注为排除的亚型（非多形性横纹肌肉瘤、尤文肉瘤）须 EXC04 = 是"
                             "（X-19）。未分化小圆细胞肉瘤是否排除待主要研究者决定。")),
            text("HISTSP", "Subtype, specify", "亚型，请注明", C, length=100,
                 condition="HISTTYPE == 'OTHER'"),
            boolean("MOLTEST", "Molecular confirmation done", "是否行分子病理检测确认", O,
                    hgr=True,
                    help=help_("Genetic data: subject to China human genetic resources (HGR) "
                               "rules; never exported outside the institution without HGR "
                               "review.",
                               "遗传数据：受中国人类遗传资源管理规定约束；未经人类遗传资源审查"
                               "不得导出至本机构以外。")),
            coded("MOLMETH", "Molecular test method", "分子检测方法", "MOLMETH", C,
                  condition="MOLTEST == 'Y'", hgr=True),
            text("MOLRES", "Molecular test result", "分子检测结果", C, length=200,
                 condition="MOLTEST == 'Y'", hgr=True,
                 help=help_("E.g. the fusion or rearrangement detected (SS18-SSX, DDIT3, …).",
                            "如检出的融合基因或基因重排（SS18-SSX、DDIT3 等）。")),
            # --- FNCLCC grade ----------------------------------------------------------------
            coded("FNDIFF", "FNCLCC tumour differentiation score", "FNCLCC 肿瘤分化评分",
                  "FNDIFF", C, help=_FNCLCC_HELP),
            coded("FNMIT", "FNCLCC mitotic count score", "FNCLCC 核分裂计数评分", "FNMIT", C,
                  help=_FNCLCC_HELP),
            coded("FNNEC", "FNCLCC tumour necrosis score", "FNCLCC 肿瘤坏死评分", "FNNEC", C,
                  help=_FNCLCC_HELP),
            integer("FNSCORE", "FNCLCC total score", "FNCLCC 总分", D, hard=rng(2, 8),
                    derivation="D-04",
                    help=help_("Differentiation + mitotic count + necrosis.",
                               "分化评分 + 核分裂计数评分 + 坏死评分。")),
            coded("FNGRADE", "FNCLCC grade", "FNCLCC 组织学分级", "GRADEG", R, sdtm="MIORRES",
                  help=help_("When the components are entered the grade follows from the total "
                             "score (2–3 → G1, 4–5 → G2, 6–8 → G3) and the typed grade must "
                             "match. If the report gives only a grade, type it and record the "
                             "components as NOT DONE.",
                             "录入各评分项时，分级由总分确定（2–3 → G1，4–5 → G2，6–8 → G3），"
                             "填写的分级须与之一致。若报告仅给出分级，直接填写分级，并将各评分项"
                             "记录为“未做”。")),
            # --- AJCC 8th staging ------------------------------------------------------------
            coded("AJCC_T", "cT (AJCC 8th, trunk/extremity)", "cT 分期（AJCC 第 8 版，躯干/四肢）",
                  "AJCCT", D, derivation="D-06", editable_derived=True,
                  help=help_("Derived from the maximum diameter (TUMAXD); may be overridden "
                             "with a reason.",
                             "根据肿瘤最大径（TUMAXD）自动推导；如需修改须注明原因。")),
            coded("AJCC_N", "cN", "cN 分期", "AJCCN", R,
                  help=help_("N1 makes the subject ineligible (EXC07). NX is staged as N0.",
                             "N1 者不符合入组条件（EXC07）。NX 分期时按 N0 处理。")),
            coded("AJCC_M", "cM", "cM 分期", "AJCCM", R,
                  help=help_("M1 makes the subject ineligible (EXC07).",
                             "M1 者不符合入组条件（EXC07）。")),
            coded("AJCC_STG", "AJCC 8th prognostic stage group", "AJCC 第 8 版预后分期", "AJCCSTG",
                  D, derivation="D-07", sdtm="RSORRES",
                  help=help_("From T, N, M and the FNCLCC grade; GX is grouped with G1.",
                             "根据 T、N、M 及 FNCLCC 分级推导；GX 按 G1 分组。")),
        ),
    ),
)
