"""F12 — Death (DTH, event SE.DTH). CRF_SPEC.md §3 F12."""

from __future__ import annotations

from tnt_desktop.study.forms._build import (
    C,
    R,
    boolean,
    coded,
    codelist,
    group,
    help_,
    pdate,
    text,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import Form, T

CODELISTS = (
    codelist(
        "DTHCAUS", "Primary cause of death", "主要死亡原因",
        code("STS_PROGRESSION", "Progression of soft tissue sarcoma", "软组织肉瘤进展"),
        code("TREATMENT_TOXICITY", "Treatment toxicity (radiotherapy or chemotherapy)",
             "治疗相关毒性（放疗或化疗）"),
        code("SURGICAL_COMPLICATION", "Surgical complication", "手术并发症"),
        code("OTHER_MALIGNANCY", "Other malignancy", "其他恶性肿瘤"),
        code("OTHER_ILLNESS", "Other illness (non-malignant)", "其他疾病（非恶性肿瘤）"),
        code("ACCIDENT", "Accident", "意外事故"),
        code("UNKNOWN", "Unknown", "不明"),
    ),
    codelist(
        "DTHSRC", "Source of death information", "死亡信息来源",
        code("HOSPITAL_RECORD", "Hospital medical record", "医院病历记录"),
        code("FAMILY_REPORT", "Report by family member", "家属告知"),
        code("DEATH_CERTIFICATE", "Death certificate", "死亡医学证明书"),
        code("OTHER", "Other", "其他"),
    ),
)

_LINKED_AE = "DTHCAUS in ('TREATMENT_TOXICITY', 'SURGICAL_COMPLICATION')"

FORM = Form(
    code="DTH",
    number="F12",
    label=T("Death", "死亡"),
    domain="DD",
    groups=(
        group(
            "MAIN", "Death details", "死亡详情",
            pdate("DTHDAT", "Date of death", "死亡日期", R, sdtm="DTHDTC",
                  help=help_("Must not be earlier than the last contact at which the subject was "
                             "alive. A partial date (YYYY or YYYY-MM) is imputed for survival: "
                             "day missing → 1st of the month, month missing → 1 July, or "
                             "LASTCONT + 1 day if that is later.",
                             "不得早于最后一次确认存活的联系日期。部分日期（YYYY 或 YYYY-MM）在"
                             "生存分析中按以下规则填补：缺日 → 当月 1 日，缺月 → 7 月 1 日；"
                             "若 LASTCONT + 1 天更晚，则取 LASTCONT + 1 天。")),
            coded("DTHCAUS", "Primary cause of death", "主要死亡原因", "DTHCAUS", R,
                  sdtm="DDORRES",
                  help=help_("Treatment toxicity or surgical complication requires a linked "
                             "grade 5 adverse event with outcome FATAL (X-40).",
                             "治疗相关毒性或手术并发症须关联一条 5 级、转归为死亡的不良事件"
                             "（X-40）。")),
            text("DTHAESPID", "Linked AE number", "关联不良事件编号", C, condition=_LINKED_AE,
                 help=help_("AE number (AESPID) of the grade 5 adverse event in the AE log; its "
                            "end date equals the date of death.",
                            "不良事件记录表中 5 级不良事件的编号（AESPID）；其结束日期应与"
                            "死亡日期一致。")),
            boolean("DTHAUT", "Autopsy performed", "是否进行尸检", R),
            coded("DTHSRC", "Source of information", "信息来源", "DTHSRC", R),
        ),
    ),
)
