"""F16 — Concomitant medications (CM log, event SE.LOG). CRF_SPEC.md §3 F15/F16."""

from __future__ import annotations

from tnt_desktop.study.forms._build import (
    C,
    O,
    R,
    boolean,
    coded,
    codelist,
    floatn,
    group,
    help_,
    pdate,
    text,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import Form, T

CODELISTS = (
    codelist(
        "CMDOSU", "Dose unit", "剂量单位",
        code("mg", "mg", "mg（毫克）"),
        code("g", "g", "g（克）"),
        code("ug", "µg", "µg（微克）"),
        code("IU", "IU", "IU（国际单位）"),
        code("U", "U (units)", "U（单位）"),
        code("mL", "mL", "mL（毫升）"),
        code("TABLET", "Tablet", "片"),
        code("CAPSULE", "Capsule", "粒（胶囊）"),
        code("SACHET", "Sachet", "袋"),
        code("PUFF", "Puff (inhalation)", "揿（吸入）"),
        code("DROP", "Drop", "滴"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "CMCAT", "Concomitant medication category", "合并用药类别",
        code("ANTIEMETIC", "Antiemetic", "止吐药"),
        code("GCSF", "G-CSF (also recorded per cycle on the chemotherapy form)",
             "粒细胞集落刺激因子 G-CSF（亦记录于每周期化疗表）"),
        code("ANTIBIOTIC_WOUND", "Antibiotic for wound infection (link to the wound "
             "complication)",
             "用于伤口感染的抗生素（关联伤口并发症）"),
        code("ANTICOAGULANT", "Anticoagulant", "抗凝药"),
        code("CORTICOSTEROID", "Corticosteroid (may affect wound healing)",
             "糖皮质激素（可能影响伤口愈合）"),
        code("OTHER", "Other", "其他"),
    ),
)

FORM = Form(
    code="CM",
    number="F16",
    label=T("Concomitant medications", "合并用药"),
    domain="CM",
    help=help_("One row per medication. Record the drug name verbatim (generic name preferred); "
               "WHODrug coding is not part of this system. Prompted categories: antiemetics, "
               "G-CSF, antibiotics for wound infection, anticoagulants and corticosteroids.",
               "每行记录一种药物。药物名称按原文记录（首选通用名）；本系统不进行 WHODrug 编码。"
               "重点提示类别：止吐药、G-CSF、伤口感染用抗生素、抗凝药及糖皮质激素。"),
    groups=(
        group(
            "CM", "Concomitant medication", "合并用药",
            text("CMTRT", "Medication name (verbatim)", "药物名称（原文记录）", R, length=200,
                 sdtm="CMTRT"),
            text("CMINDC", "Indication", "用药指征", R, length=200, sdtm="CMINDC"),
            coded("CMCAT", "Category", "用药类别", "CMCAT", R, sdtm="CMCAT"),
            pdate("CMSTDAT", "Start date", "开始日期", R, sdtm="CMSTDTC"),
            boolean("CMONGO", "Ongoing", "是否仍在使用", R, sdtm="CMENRTPT"),
            pdate("CMENDAT", "End date", "结束日期", C, condition="CMONGO == 'N'",
                  sdtm="CMENDTC",
                  help=help_("Not earlier than the start date.", "不得早于开始日期。")),
            floatn("CMDOSE", "Dose per administration", "单次剂量", 3, R, sdtm="CMDOSE"),
            coded("CMDOSU", "Dose unit", "剂量单位", "CMDOSU", C, condition="present(CMDOSE)",
                  sdtm="CMDOSU"),
            coded("CMROUTE", "Route", "给药途径", "ROUTE", R, sdtm="CMROUTE"),
            text("CMWCLINK", "Linked wound-complication AE number",
                 "关联伤口并发症不良事件编号", O, condition="CMCAT == 'ANTIBIOTIC_WOUND'",
                 help=help_("AE number (AESPID) of the wound complication treated.",
                            "所治疗伤口并发症对应的不良事件编号（AESPID）。")),
            repeating=True,
        ),
    ),
)
