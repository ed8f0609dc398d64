"""F14 — Protocol deviations (DV log, event SE.LOG). CRF_SPEC.md §3 F14."""

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
    text,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import Form, T

CODELISTS = (
    codelist(
        "DVSRC", "Source of the deviation record", "方案偏离记录来源",
        code("AUTO_TIMING_CHECK", "Automatic timing check (TIM-01 to TIM-10)",
             "系统自动时间窗核查（TIM-01 至 TIM-10）"),
        code("AUTO_DOSE_CHECK", "Automatic dose check", "系统自动剂量核查"),
        code("MONITOR", "Monitor", "监查员"),
        code("SITE", "Site", "研究中心"),
    ),
    codelist(
        "DVCAT", "Deviation category", "方案偏离类别",
        code("ELIGIBILITY", "Eligibility criteria", "入选/排除标准"),
        code("INFORMED_CONSENT", "Informed consent", "知情同意"),
        code("RT_DOSE_SCHEDULE", "Radiotherapy dose or schedule", "放疗剂量或分割时间"),
        code("CHEMO_DOSE", "Chemotherapy dose", "化疗剂量"),
        code("CHEMO_TIMING", "Chemotherapy timing", "化疗时间"),
        code("SURGERY_TIMING", "Surgery timing", "手术时间"),
        code("VISIT_WINDOW", "Visit outside window", "访视超窗"),
        code("MISSED_ASSESSMENT", "Missed assessment", "漏做评估/检查"),
        code("SAE_REPORTING", "SAE reporting", "严重不良事件报告"),
        code("PRIVACY_BREACH", "Privacy / personal information breach", "隐私/个人信息泄露"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "DVSEV", "Deviation severity", "方案偏离严重程度",
        code("MAJOR_IMPORTANT",
             "Major (important): may significantly affect the subject's rights, safety or "
             "well-being, or the reliability of the trial results",
             "重大（重要）偏离：可能显著影响受试者的权益、安全或健康，或试验结果的可靠性"),
        code("MINOR", "Minor: no such significant effect", "轻微偏离：无上述显著影响"),
    ),
)

_AUTO = "DVSRC in ('AUTO_TIMING_CHECK', 'AUTO_DOSE_CHECK')"
_MAJOR = "DVSEV == 'MAJOR_IMPORTANT'"

FORM = Form(
    code="DV",
    number="F14",
    label=T("Protocol deviations", "方案偏离"),
    domain="DV",
    help=help_("One row per deviation. Automatic timing and dose checks create candidate "
               "deviations that the site confirms or rejects with a reason.",
               "每行记录一项方案偏离。系统自动时间窗及剂量核查生成候选偏离，由研究中心确认，"
               "或填写理由后否决。"),
    groups=(
        group(
            "DV", "Protocol deviation", "方案偏离",
            text("DVSPID", "Deviation number", "偏离编号", D, derivation="ASSIGNED",
                 sdtm="DVSPID"),
            coded("DVSRC", "Source", "来源", "DVSRC", R,
                  help=help_("Set by the system for candidates created by an automatic check; "
                             "otherwise Monitor or Site.",
                             "由自动核查生成的候选偏离由系统设定；其他情况选择监查员或研究中心。")),
            date_("DVSTDAT", "Date of occurrence", "发生日期", R, sdtm="DVSTDTC"),
            date_("DVIDDAT", "Date identified", "发现日期", R,
                  help=help_("Not earlier than the date of occurrence.", "不得早于发生日期。")),
            coded("DVCAT", "Category", "类别", "DVCAT", R, sdtm="DVCAT",
                  help=help_("Automatic checks: TIM-01 → RT dose/schedule; TIM-02, TIM-03 → "
                             "chemotherapy timing; TIM-05 → surgery timing; TIM-07, TIM-08 → "
                             "visit window; dose checks → chemotherapy dose.",
                             "自动核查对应类别：TIM-01 → 放疗剂量或分割时间；TIM-02、TIM-03 → "
                             "化疗时间；TIM-05 → 手术时间；TIM-07、TIM-08 → 访视超窗；"
                             "剂量核查 → 化疗剂量。")),
            text("DVTERM", "Description", "偏离描述", R, length=500, sdtm="DVTERM",
                 help=help_("Do not enter names, ID numbers, record numbers, phone numbers or "
                            "addresses: the text is scanned for identifiers before export.",
                            "请勿填写姓名、身份证号、病历号、电话号码或住址：导出前将对文本"
                            "进行身份标识信息扫描。")),
            coded("DVSEV", "Severity", "严重程度", "DVSEV", R),
            text("DVACT", "Corrective / preventive action", "纠正/预防措施", R, length=300),
            boolean("DVECREP", "Reported to the ethics committee", "已报告伦理委员会", C,
                    condition=_MAJOR),
            date_("DVECREPDAT", "Date reported to the ethics committee", "报告伦理委员会日期",
                  C, condition=f"{_MAJOR} and DVECREP == 'Y'"),
            boolean("DVCONF", "Candidate confirmed by site", "研究中心确认该候选偏离", C,
                    condition=_AUTO,
                    help=help_("Y = the deviation is confirmed; N = rejected (give the reason).",
                               "是 = 确认偏离；否 = 否决（须填写理由）。")),
            text("DVCONFRSN", "Reason for rejecting the candidate", "否决候选偏离的理由", C,
                 length=300, condition=f"{_AUTO} and DVCONF == 'N'"),
            # clarification 20: a system-detected candidate names its check and visit, and is
            # withdrawn (with the reason) when the data no longer trigger it
            text("DVCHKID", "Detected by edit check", "检出该偏离的核查", O, length=20,
                 condition=_AUTO,
                 help=help_("Set by the system: the edit check (e.g. TIM-02) that detected "
                            "the candidate.",
                            "由系统设定：检出该候选偏离的核查编号（例如 TIM-02）。")),
            text("DVCHKREF", "Visit of the detection", "检出所在访视", O, length=20,
                 condition=_AUTO,
                 help=help_("Set by the system: the visit whose data triggered the check.",
                            "由系统设定：触发该核查的数据所在访视。")),
            text("DVWDRSN", "Withdrawn by the system: reason", "系统撤回该候选偏离的理由", O,
                 length=300, condition=_AUTO,
                 help=help_("Set by the system when the data no longer trigger the check; "
                            "cleared when they trigger it again.",
                            "数据不再触发该核查时由系统填写；再次触发时清除。")),
            repeating=True,
        ),
    ),
)
