"""F04b — Pre-operative restaging (TUPRE, event SE.PREOP; also SE.UNS). CRF_SPEC.md §3 F04b."""

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
    multi,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import Form, T

CODELISTS = (
    codelist(
        "RECIST", "RECIST 1.1 overall response", "RECIST 1.1 总体疗效",
        code("CR", "CR: complete response (disappearance of all target lesions)",
             "CR：完全缓解（所有靶病灶消失）"),
        code("PR", "PR: partial response (≥30 % decrease in the sum of target-lesion diameters "
             "from baseline)",
             "PR：部分缓解（靶病灶直径总和较基线缩小 ≥30 %）"),
        code("SD", "SD: stable disease (neither enough shrinkage for PR nor enough increase "
             "for PD)",
             "SD：疾病稳定（缩小未达 PR，增大未达 PD）"),
        code("PD", "PD: progressive disease (≥20 % and ≥5 mm increase in the sum of diameters "
             "from the smallest sum, or a new lesion)",
             "PD：疾病进展（直径总和较最小值增加 ≥20 % 且绝对值增加 ≥5 mm，或出现新病灶）"),
        code("NE", "NE: not evaluable", "NE：无法评估"),
    ),
)

FORM = Form(
    code="TUPRE",
    number="F04b",
    label=T("Pre-operative restaging", "术前再分期"),
    domain="TR",
    groups=(
        group(
            "MAIN", "Pre-operative restaging", "术前再分期",
            coded("IMGMOD", "Imaging modality", "影像检查方式", "IMGMOD", R, sdtm="TRMETHOD"),
            date_("IMGDAT", "Restaging imaging date", "再分期影像检查日期", R, sdtm="TRDTC",
                  help=help_("After cycle 3, ≤14 days before surgery.",
                             "第 3 周期化疗后、手术前 ≤14 天内。")),
            floatn("TUMAXD", "Maximum tumour diameter", "肿瘤最大径", 1, R, unit="cm",
                   sdtm="TRORRES",
                   help=help_("Measured as at baseline (F04), preferably with the same "
                              "modality.",
                              "测量方法同基线（F04），宜采用与基线相同的影像检查方式。")),
            floatn("TUPCHG", "Change in maximum diameter from baseline", "最大径较基线变化",
                   1, D, unit="%", derivation="D-TUPRE-TUPCHG",
                   help=help_("(TUMAXD − baseline TUMAXD) / baseline TUMAXD × 100; negative = "
                              "shrinkage.",
                              "（TUMAXD − 基线 TUMAXD）/ 基线 TUMAXD × 100；负值表示缩小。")),
            coded("RECISTOR", "RECIST 1.1 overall response", "RECIST 1.1 总体疗效评价",
                  "RECIST", O, sdtm="RSORRES"),
            boolean("NEWDM", "New distant metastasis", "新发远处转移", R,
                    help=help_("A new distant metastasis before surgery opens a query "
                               "(\"surgery still planned?\") and feeds the local-control and "
                               "survival analyses.",
                               "术前新发远处转移将产生质疑（“是否仍计划手术？”），并用于局部控制"
                               "及生存分析。")),
            multi("NEWDMSITE", "Sites of new distant metastasis", "新发远处转移部位", "METSITE",
                  C, condition="NEWDM == 'Y'"),
            boolean("LOCPROG", "Local progression precluding limb-sparing surgery",
                    "局部进展以致无法行保肢手术", R),
        ),
    ),
)
