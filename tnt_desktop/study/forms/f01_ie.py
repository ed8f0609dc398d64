"""F01 — Informed consent, screening & eligibility (IE, event SE.SCR). CRF_SPEC.md §3 F01."""

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
    multi,
    text,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import Form, SignaturePoint, T

CODELISTS = (
    codelist(
        "ICFVER", "Informed consent form version", "知情同意书版本",
        # the version and approval dates, and later versions, are configuration (clarification
        # 24, services.consent_versions): the decode shows them once the administrator records them
        code("V1.0", "Version 1.0", "1.0 版"),
        extensible=True,
    ),
    codelist(
        "IECRIT", "Eligibility criterion", "入选/排除标准",
        code("INC01", "INC01: primary extremity STS, high grade, ≥5 cm or deep; neoadjuvant RT "
             "decided by MDT",
             "INC01：原发肢体软组织肉瘤，具备高级别、≥5 cm 或深部之一；经 MDT 决定行新辅助放疗",
             IECAT="INCLUSION"),
        code("INC02", "INC02: ECOG performance status 0–2", "INC02：ECOG 体能状态评分 0–2 分",
             IECAT="INCLUSION"),
        code("INC03", "INC03: age 18–75 years", "INC03：年龄 18–75 岁", IECAT="INCLUSION"),
        code("INC04", "INC04: histological diagnosis of soft tissue sarcoma",
             "INC04：组织病理学确诊为软组织肉瘤", IECAT="INCLUSION"),
        code("INC05", "INC05: able to tolerate RT and AI chemotherapy",
             "INC05：能耐受放疗及 AI 方案化疗", IECAT="INCLUSION"),
        code("INC06", "INC06: normal function of major organs", "INC06：主要器官功能正常",
             IECAT="INCLUSION"),
        code("EXC01", "EXC01: no gross tumour remaining after unplanned excision at another "
             "hospital", "EXC01：外院非计划切除术后无肉眼可见残留肿瘤", IECAT="EXCLUSION"),
        code("EXC02", "EXC02: comorbidity contraindicating AI chemotherapy",
             "EXC02：存在 AI 方案化疗禁忌的合并症", IECAT="EXCLUSION"),
        code("EXC03", "EXC03: other malignancy within 5 years (except cervical CIS or early "
             "basal cell carcinoma of the skin)",
             "EXC03：5 年内患其他恶性肿瘤（宫颈原位癌或早期皮肤基底细胞癌除外）",
             IECAT="EXCLUSION"),
        code("EXC04", "EXC04: non-pleomorphic rhabdomyosarcoma or Ewing sarcoma",
             "EXC04：非多形性横纹肌肉瘤或尤文肉瘤", IECAT="EXCLUSION"),
        code("EXC05", "EXC05: curable by wide excision alone", "EXC05：单纯扩大切除即可治愈",
             IECAT="EXCLUSION"),
        code("EXC06", "EXC06: previous RT to the same site", "EXC06：同一部位既往接受过放疗",
             IECAT="EXCLUSION"),
        code("EXC07", "EXC07: distant (M1) or lymph-node (N1) metastasis",
             "EXC07：远处转移（M1）或区域淋巴结转移（N1）", IECAT="EXCLUSION"),
        code("EXC08", "EXC08: other severe comorbidity precluding surgery or study participation",
             "EXC08：其他严重合并症，无法耐受手术或参加本研究", IECAT="EXCLUSION"),
        code("EXC09", "EXC09: previous chemotherapy", "EXC09：既往接受过化疗", IECAT="EXCLUSION"),
    ),
    codelist(
        "SFREAS", "Screen-failure reason", "筛选失败原因",
        code("INCL_NOT_MET", "Inclusion criteria not met", "不符合入选标准"),
        code("EXCL_MET", "Exclusion criteria met", "符合排除标准"),
        code("CONSENT_WITHDRAWN", "Consent withdrawn before enrolment", "入组前撤回知情同意"),
        code("LOST_BEFORE_ENROL", "Lost to follow-up before enrolment", "入组前失访"),
        code("PHYSICIAN_DECISION", "Investigator / physician decision", "研究者/医生决定"),
        code("DEATH", "Death before enrolment", "入组前死亡"),
        code("OTHER", "Other (specify)", "其他（请注明）"),
    ),
)

_EXC02 = "EXC02 == 'Y'"
_EXC02_HELP = help_("Tick each condition present.", "请逐项勾选存在的情况。")

FORM = Form(
    code="IE",
    number="F01",
    label=T("Informed consent, screening & eligibility", "知情同意、筛选与入组资格"),
    domain="IE",
    groups=(
        group(
            "CONSENT", "Informed consent and screening", "知情同意与筛选",
            text("SCRNUM", "Screening number", "筛选号", D, derivation="ASSIGNED",
                 pattern=r"^SCR-\d{4}$",
                 help=help_("Assigned by the system and kept in the site screening log. "
                            "It is not the subject ID.",
                            "由系统分配，记录于本中心筛选登记表；不是受试者编号。")),
            date_("RFICDAT", "Date written informed consent signed", "签署书面知情同意书日期", R,
                  sdtm="RFICDTC",
                  help=help_("Must be on or before every other study date (X-01); history and "
                             "standard-of-care diagnostics done before consent are exempt.",
                             "须早于或等于所有其他研究日期（X-01）；知情同意前的病史及常规诊疗"
                             "检查日期除外。")),
            coded("ICVER", "ICF version / date", "知情同意书版本号/版本日期", "ICFVER", R,
                  help=help_("Only versions approved by the Ethics Committee.",
                             "仅限经伦理委员会批准的版本。")),
            boolean("ICPIPL",
                    "Separate consent to process sensitive personal (health) information "
                    "obtained",
                    "已获得处理敏感个人信息（健康信息）的单独同意", R, must_be="Y",
                    help=help_("Must be Y: PIPL Art. 29 requires separate consent for "
                               "sensitive personal information.",
                               "必须为“是”：《个人信息保护法》第二十九条规定，处理敏感个人信息"
                               "应当取得个人的单独同意。")),
            boolean("ICXFER",
                    "Consent to provide coded data to third parties (e.g. external "
                    "statistician, journal data sharing)",
                    "同意向第三方提供编码数据（如外部统计人员、期刊数据共享）", R,
                    help=help_("If N, the export filter blocks this subject from every "
                               "third-party export (PIPL Art. 23).",
                               "选择“否”时，导出过滤将该受试者排除在所有向第三方提供的导出之外"
                               "（《个人信息保护法》第二十三条）。")),
            date_("SCRDAT", "Screening date", "筛选日期", R,
                  help=help_("On or after the date consent was signed.",
                             "须晚于或等于签署知情同意书日期。")),
            domain="DS",
        ),
        group(
            "INCL", "Inclusion criteria (Y = criterion met)", "入选标准（“是” = 符合该标准）",
            boolean("INC01",
                    "Primary STS of the extremities with ≥1 of: high grade, ≥5 cm, or deep; "
                    "need for neoadjuvant RT decided by MDT",
                    "原发肢体软组织肉瘤，且至少具备以下一项：高级别、≥5 cm 或深部；"
                    "经多学科诊疗团队（MDT）讨论决定需行新辅助放疗", R, sdtm="IEORRES",
                    help=help_("Y requires INC01A = Y, at least one of INC01B/C/D = Y and the "
                               "MDT date. Cross-checked with the baseline tumour form "
                               "(X-10 to X-12).",
                               "选“是”时须 INC01A 为“是”、INC01B/C/D 至少一项为“是”，并填写 "
                               "MDT 日期。与基线肿瘤表交叉核查（X-10 至 X-12）。")),
            boolean("INC01A", "Primary tumour (not recurrent)", "原发肿瘤（非复发）", R),
            boolean("INC01B", "High grade (FNCLCC G2 or G3)", "高级别（FNCLCC G2 或 G3）", R,
                    help=help_("Checked against the FNCLCC grade of the biopsy (X-10).",
                               "与活检 FNCLCC 分级核对（X-10）。")),
            boolean("INC01C", "Maximum tumour diameter ≥5 cm", "肿瘤最大径 ≥5 cm", R,
                    help=help_("Checked against the baseline maximum diameter (X-11).",
                               "与基线肿瘤最大径核对（X-11）。")),
            boolean("INC01D", "Deep tumour", "深部肿瘤", R,
                    help=help_("Deep = located beneath the superficial fascia, or superficial "
                               "with invasion of or through the fascia (AJCC). Checked against "
                               "the baseline tumour depth (X-12).",
                               "深部 = 肿瘤位于浅筋膜深面，或位于浅表但侵犯或穿透浅筋膜（AJCC）。"
                               "与基线肿瘤深度核对（X-12）。")),
            date_("INC01MDT", "Date of MDT decision for neoadjuvant RT",
                  "MDT 决定行新辅助放疗的日期", C, condition="INC01 == 'Y'",
                  help=help_("On or before the enrolment date; may precede consent.",
                             "须早于或等于入组日期；可早于签署知情同意日期。")),
            boolean("INC02", "ECOG performance status 0–2", "ECOG 体能状态评分 0–2 分", R,
                    sdtm="IEORRES",
                    help=help_("Must agree with the ECOG score on the demographics form (X-13).",
                               "须与人口学表中的 ECOG 评分一致（X-13）。")),
            boolean("INC03", "Age 18–75 years", "年龄 18–75 岁", R, sdtm="IEORRES",
                    help=help_("Must agree with the derived age at consent (X-14).",
                               "须与系统计算的知情同意时年龄一致（X-14）。")),
            boolean("INC04", "Histological diagnosis of STS", "组织病理学诊断为软组织肉瘤", R,
                    sdtm="IEORRES",
                    help=help_("The biopsy date and histological type must be recorded on the "
                               "baseline tumour form (X-15).",
                               "基线肿瘤表中须记录活检日期及组织学类型（X-15）。")),
            boolean("INC05", "Able to tolerate RT and AI chemotherapy (investigator judgement)",
                    "能耐受放疗及 AI 方案化疗（研究者判断）", R, sdtm="IEORRES"),
            boolean("INC06", "Normal function of major organs", "主要器官功能正常", R,
                    sdtm="IEORRES",
                    help=help_("Screening laboratory values and LVEF are compared with the "
                               "organ-function thresholds of the laboratory form (X-16).",
                               "筛选期实验室检查及 LVEF 将与实验室检查表中的器官功能阈值比较"
                               "（X-16）。")),
        ),
        group(
            "EXCL", "Exclusion criteria (Y = criterion present → ineligible)",
            "排除标准（“是” = 存在该情况 → 不符合入组条件）",
            boolean("EXC01",
                    "After an unplanned excision at another hospital, no gross (macroscopic) "
                    "tumour remains",
                    "外院非计划切除术后无肉眼可见（大体）残留肿瘤", R, sdtm="IEORRES",
                    help=help_("Excluded because the pathological response cannot be assessed "
                               "without residual tumour. Linked to the unplanned-excision items "
                               "of the medical history (X-23).",
                               "无残留肿瘤时无法评估病理反应，故予排除。与病史表中的非计划切除"
                               "项目关联（X-23）。")),
            boolean("EXC02",
                    "Comorbidity that contraindicates AI chemotherapy (drug allergy, active "
                    "bleeding, ulcer, intestinal perforation or obstruction, uncontrolled "
                    "hypertension, NYHA III–IV heart failure, severe hepatic/renal insufficiency)",
                    "存在 AI 方案化疗禁忌的合并症（药物过敏、活动性出血、溃疡、肠穿孔或肠梗阻、"
                    "未控制的高血压、NYHA III–IV 级心力衰竭、严重肝肾功能不全）", R,
                    sdtm="IEORRES",
                    help=help_("If Y, code the condition(s) below. NYHA class III–IV or "
                               "uncontrolled hypertension in the medical history require Y "
                               "(X-17).",
                               "选“是”时请在下方逐项标明。病史中 NYHA 心功能 III–IV 级或未控制"
                               "的高血压时须选“是”（X-17）。")),
            boolean("EXC02A", "Drug allergy", "药物过敏", C, condition=_EXC02, help=_EXC02_HELP),
            boolean("EXC02B", "Active bleeding", "活动性出血", C, condition=_EXC02,
                    help=_EXC02_HELP),
            boolean("EXC02C", "Ulcer", "溃疡", C, condition=_EXC02, help=_EXC02_HELP),
            boolean("EXC02D", "Intestinal perforation", "肠穿孔", C, condition=_EXC02,
                    help=_EXC02_HELP),
            boolean("EXC02E", "Intestinal obstruction", "肠梗阻", C, condition=_EXC02,
                    help=_EXC02_HELP),
            boolean("EXC02F", "Uncontrolled hypertension", "未控制的高血压", C,
                    condition=_EXC02, help=_EXC02_HELP),
            boolean("EXC02G", "Heart failure, NYHA class III–IV",
                    "心力衰竭（NYHA 心功能 III–IV 级）", C, condition=_EXC02, help=_EXC02_HELP),
            boolean("EXC02H", "Severe hepatic or renal insufficiency", "严重肝、肾功能不全", C,
                    condition=_EXC02, help=_EXC02_HELP),
            boolean("EXC03",
                    "Other (new) malignancy within 5 years, except cervical carcinoma in situ or "
                    "early basal cell carcinoma of the skin",
                    "5 年内患有其他（新发）恶性肿瘤，宫颈原位癌或早期皮肤基底细胞癌除外", R,
                    sdtm="IEORRES",
                    help=help_("Checked against prior malignancies in the medical history (X-18).",
                               "与病史表中的既往恶性肿瘤核对（X-18）。")),
            boolean("EXC04", "Histology: non-pleomorphic rhabdomyosarcoma or Ewing sarcoma",
                    "组织学类型为非多形性横纹肌肉瘤或尤文肉瘤", R, sdtm="IEORRES",
                    help=help_("Embryonal/alveolar rhabdomyosarcoma and Ewing sarcoma are "
                               "paediatric-type sarcomas; pleomorphic rhabdomyosarcoma is "
                               "adult-type STS and eligible. Checked against the histological "
                               "type (X-19).",
                               "胚胎性/腺泡状横纹肌肉瘤及尤文肉瘤属儿童型肉瘤；多形性横纹肌肉瘤"
                               "属成人型软组织肉瘤，可入组。与组织学类型核对（X-19）。")),
            boolean("EXC05", "STS curable by simple (wide) excision alone",
                    "单纯（扩大）切除即可治愈的软组织肉瘤", R, sdtm="IEORRES"),
            boolean("EXC06", "Previous RT to the same site", "同一部位既往接受过放疗", R,
                    sdtm="IEORRES",
                    help=help_("Prior RT to the same site in the medical history requires Y "
                               "(X-20).",
                               "病史表中同一部位既往放疗为“是”时须选“是”（X-20）。")),
            boolean("EXC07", "Distant metastasis (M1) or lymph-node metastasis (N1)",
                    "远处转移（M1）或区域淋巴结转移（N1）", R, sdtm="IEORRES",
                    help=help_("AJCC N1, M1 or metastatic chest imaging on the baseline tumour "
                               "form requires Y (X-21).",
                               "基线肿瘤表中 AJCC N1、M1 或胸部影像提示转移时须选“是”（X-21）。")),
            boolean("EXC08", "Other severe comorbidity precluding surgery or study participation",
                    "其他严重合并症，无法耐受手术或参加本研究", R, sdtm="IEORRES"),
            boolean("EXC09", "Previous chemotherapy", "既往接受过化疗", R, sdtm="IEORRES",
                    help=help_("Prior chemotherapy in the medical history requires Y (X-22).",
                               "病史表中既往化疗为“是”时须选“是”（X-22）。")),
        ),
        group(
            "ELIG", "Eligibility", "入组资格判定",
            boolean("ELIGFL", "Subject eligible", "受试者符合入组条件", D, derivation="D-05",
                    help=help_("Y if all inclusion criteria are Y and all exclusion criteria "
                               "are N. Enrolment is blocked unless Y; no eligibility waivers "
                               "are allowed.",
                               "所有入选标准均为“是”且所有排除标准均为“否”时为“是”。"
                               "仅当为“是”时方可入组；不允许豁免入组标准。")),
            multi("IEFAIL", "Criteria not satisfied", "未满足的入选/排除标准", "IECRIT", D,
                  derivation="D-05",
                  help=help_("Inclusion criteria answered N and exclusion criteria answered Y.",
                             "回答为“否”的入选标准及回答为“是”的排除标准。")),
        ),
        group(
            "SCRFAIL", "Screen failure", "筛选失败",
            coded("SFREAS", "Screen-failure reason", "筛选失败原因", "SFREAS", C,
                  condition="ELIGFL == 'N' or present(SFREAS)", sdtm="DSDECOD",
                  help=help_("Required when the subject is not eligible; pre-filled from the "
                             "criteria not satisfied.",
                             "受试者不符合入组条件时必填；根据未满足的标准预填。")),
            text("SFREASSP", "Screen-failure reason, specify", "筛选失败原因（请注明）", C, 200,
                 condition="SFREAS == 'OTHER'",
                 help=help_("Do not enter names, ID numbers or phone numbers: free text is "
                            "scanned for identifiers.",
                            "请勿填写姓名、身份证号或电话号码：自由文本将被扫描以识别个人身份"
                            "信息。")),
            domain="DS",
        ),
    ),
    signatures=(
        SignaturePoint("IESIG", T("Investigator confirmation of eligibility", "研究者确认入组资格"),
                       T("I confirm eligibility", "我确认该受试者符合入组条件"),
                       first_release=True),
    ),
)
