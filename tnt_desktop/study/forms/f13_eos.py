"""F13 — End of treatment / end of study (EOS, event SE.EOS). CRF_SPEC.md §3 F13."""

from __future__ import annotations

from tnt_desktop.study.forms._build import (
    C,
    D,
    R,
    coded,
    codelist,
    date_,
    group,
    help_,
    integer,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import Form, SignaturePoint, T, rng

CODELISTS = (
    codelist(
        "EOTSTAT", "Treatment disposition", "治疗结束状态",
        code("COMPLETED_ALL", "Completed all protocol treatment (RT + 3 AI cycles + surgery)",
             "完成全部方案治疗（放疗 + 3 周期 AI 化疗 + 手术）"),
        code("STOPPED_RT", "Stopped during radiotherapy", "放疗期间终止治疗"),
        code("STOPPED_CHEMO", "Stopped during chemotherapy (fewer than 3 AI cycles)",
             "化疗期间终止治疗（AI 化疗不足 3 周期）"),
        code("NO_SURGERY", "No protocol surgery", "未行方案规定手术"),
        code("DEATH", "Death", "死亡"),
        code("CONSENT_WITHDRAWN", "Consent withdrawn", "撤回知情同意"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "EOSSTAT", "Study disposition", "研究结束状态",
        code("COMPLETED_24M_FU", "Completed 24-month follow-up", "完成 24 个月随访"),
        code("DEATH", "Death", "死亡"),
        code("CONSENT_WITHDRAWN", "Consent withdrawn", "撤回知情同意"),
        code("LOST_TO_FOLLOW_UP", "Lost to follow-up (≥3 documented contact attempts)",
             "失访（有记录的联系尝试 ≥3 次）"),
        code("INVESTIGATOR_DECISION", "Investigator decision", "研究者决定"),
        code("SPONSOR_TERMINATED", "Study terminated by the sponsor", "申办方终止研究"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "WDSCOPE", "Scope of consent withdrawal", "撤回知情同意的范围",
        code("TREATMENT_ONLY",
             "Study treatment only: follow-up visits and data collection continue",
             "仅退出研究治疗：继续随访及数据收集"),
        code("FURTHER_VISITS_ALLOW_RECORDS_AND_VITAL_STATUS",
             "No further study visits; data from medical records and vital status may still "
             "be collected",
             "不再进行研究访视；仍允许从病历中收集数据并随访生存状态"),
        code("ALL_FURTHER_DATA_COLLECTION",
             "All further data collection; data collected before withdrawal are kept",
             "退出所有后续数据收集；撤回前已收集的数据予以保留"),
    ),
)

_WITHDRAWN = "EOSSTAT == 'CONSENT_WITHDRAWN' or EOTSTAT == 'CONSENT_WITHDRAWN'"

FORM = Form(
    code="EOS",
    number="F13",
    label=T("End of treatment / end of study", "治疗结束/研究结束"),
    domain="DS",
    groups=(
        group(
            "MAIN", "End of treatment and end of study", "治疗结束与研究结束",
            coded("EOTSTAT", "Treatment disposition", "治疗结束状态", "EOTSTAT", R,
                  sdtm="DSDECOD",
                  help=help_("Proposed from the radiotherapy, chemotherapy and surgery forms "
                             "(F05–F07); the investigator confirms it.",
                             "系统根据放疗、化疗及手术表（F05–F07）给出建议，由研究者确认。")),
            date_("EOTDAT", "Date of last protocol treatment", "末次方案治疗日期", D,
                  derivation="D-17",
                  help=help_("Treatment completion date = the latest of RTENDAT, the last "
                             "chemotherapy dose (CHEMOEND) and SURGDAT; time origin of the "
                             "24-month OS and local-control endpoints.",
                             "治疗完成日期 = RTENDAT、末次化疗给药日期（CHEMOEND）与 SURGDAT "
                             "三者中最晚者；为 24 个月总生存及局部控制终点的时间起点。")),
            date_("EOSDAT", "End-of-study date", "研究结束日期", R, sdtm="DSSTDTC",
                  help=help_("End of study only after the 24-month visit, death, consent "
                             "withdrawal or loss to follow-up (X-45).",
                             "仅在完成 24 个月随访、死亡、撤回知情同意或失访后方可结束研究"
                             "（X-45）。")),
            coded("EOSSTAT", "Study disposition", "研究结束状态", "EOSSTAT", R, sdtm="DSDECOD",
                  help=help_("DEATH requires the Death form (F12). LOST_TO_FOLLOW_UP requires "
                             "the date last known alive and ≥3 documented contact attempts.",
                             "选择“死亡”须填写死亡表（F12）；选择“失访”须填写最后确认存活日期，"
                             "且有记录的联系尝试 ≥3 次。")),
            date_("LASTCONT", "Date last known alive", "最后确认存活日期", R,
                  help=help_("Latest of clinic visits, telephone contacts and documented "
                             "records; must not be earlier than the last follow-up date (X-45). "
                             "Used for censoring overall survival.",
                             "取门诊访视、电话联系及有记录的医疗文书中的最晚日期；不得早于末次"
                             "随访日期（X-45）。用于总生存分析的删失。")),
            coded("WDSCOPE", "Scope of consent withdrawal", "撤回知情同意的范围", "WDSCOPE", C,
                  condition=_WITHDRAWN,
                  help=help_("ICH E6(R3): the handling of a withdrawing participant's data is "
                             "defined in advance. Data collected before withdrawal are kept "
                             "(audit-trailed), not deleted; exports follow this scope.",
                             "ICH E6(R3)：受试者退出后的数据处理须预先规定。撤回前已收集的"
                             "数据予以保留（留有稽查轨迹），不予删除；数据导出按此范围执行。")),
            integer("EOSATTEMPT", "Number of documented contact attempts",
                    "有记录的联系尝试次数", C, condition="EOSSTAT == 'LOST_TO_FOLLOW_UP'",
                    soft=rng(3, None),
                    help=help_("At least 3 documented attempts (date and mode of each in the "
                               "source documents) before a subject is declared lost to "
                               "follow-up.",
                               "判定失访前须至少有 3 次有记录的联系尝试（原始文件中记录每次"
                               "的日期和方式）。")),
        ),
    ),
    signatures=(
        SignaturePoint("EOSSIG", T("Investigator casebook signature", "研究者病例报告表签名"),
                       T("I approve the casebook", "我批准本病例报告表"),
                       first_release=True),
    ),
)
