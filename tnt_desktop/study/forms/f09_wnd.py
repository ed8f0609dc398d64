"""F09 — Post-operative wound complications (WND, repeating event SE.WND). CRF_SPEC.md §3 F09."""

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
    integer,
    multi,
    text,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import Form, T, rng

CODELISTS = (
    codelist(
        "WNDSTAT", "Wound status", "伤口状态",
        code("HEALED_INTACT", "Healed, intact", "已愈合，伤口完整"),
        code("HEALING_NO_COMPLICATION", "Healing, no complication", "愈合中，无并发症"),
        code("COMPLICATION_PRESENT", "Complication present", "存在并发症"),
    ),
    codelist(
        "WCTYPE", "Wound-complication type", "伤口并发症类型",
        code("DEHISCENCE", "Wound dehiscence", "伤口裂开"),
        code("INFECTION_SUPERFICIAL", "Infection, superficial (skin and subcutaneous tissue)",
             "浅表感染（皮肤及皮下组织）"),
        code("INFECTION_DEEP", "Infection, deep (fascia, muscle or deep space)",
             "深部感染（筋膜、肌肉或深部间隙）"),
        code("SEROMA", "Seroma", "血清肿"),
        code("HAEMATOMA", "Haematoma", "血肿"),
        code("SKIN_FLAP_NECROSIS", "Skin-edge / skin-flap necrosis", "皮缘/皮瓣坏死"),
        code("FLAP_FAILURE", "Reconstructive flap failure (partial or total)",
             "重建皮瓣失败（部分或完全）"),
        code("LYMPHOCELE_LYMPHORRHOEA", "Lymphocele / lymphorrhoea", "淋巴囊肿/淋巴漏"),
        code("OTHER", "Other (describe in the linked AE's verbatim term)",
             "其他（在关联不良事件的原文术语中描述）"),
    ),
    codelist(
        "WCPROC", "Secondary wound-repair procedure", "伤口修复二次手术方式",
        code("DEBRIDEMENT", "Debridement", "清创术"),
        code("OPERATIVE_DRAINAGE", "Operative drainage", "手术引流"),
        code("SECONDARY_CLOSURE", "Secondary closure", "二期缝合"),
        code("FLAP", "Flap coverage", "皮瓣覆盖"),
        code("SKIN_GRAFT", "Skin graft", "植皮术"),
        code("OTHER", "Other", "其他"),
    ),
)

_FORM_HELP = help_(
    "Major wound complication (MWC), definition of the CAN-NCIC-SR2 trial (O'Sullivan et al., "
    "Lancet 2002): a wound complication within 120 days of surgery that required any of "
    "(a) a secondary operation under general or regional anaesthesia for wound repair "
    "(debridement, operative drainage, secondary closure including flaps or grafts); "
    "(b) an invasive procedure without general or regional anaesthesia (e.g. aspiration of a "
    "seroma or haematoma); (c) readmission for wound care (e.g. intravenous antibiotics); "
    "(d) persistent deep packing or prolonged dressing changes (record the start and end dates; "
    "the duration threshold of the original paper is still to be confirmed). "
    "Two flags are derived per complication: WCMAJ90 (protocol endpoint, 3 months) and WCMAJ120 "
    "(SR2-comparable); a complication counts by its onset date (WCSTDAT). "
    "Record every wound complication as an adverse event in F10 (AECAT = WOUND) and link it "
    "here by its AE number.",
    "主要伤口并发症（MWC）采用 CAN-NCIC-SR2 试验的定义（O'Sullivan 等，Lancet 2002）："
    "术后 120 天内发生、并需要下列任一处理的伤口并发症："
    "(a) 在全身麻醉或区域麻醉下为修复伤口而行的二次手术"
    "（清创、手术引流、二期缝合，包括皮瓣或植皮）；"
    "(b) 未在全身麻醉或区域麻醉下进行的有创操作（如血清肿或血肿穿刺抽吸）；"
    "(c) 因伤口处理再次入院（如静脉使用抗生素）；"
    "(d) 持续深部填塞或长期换药（请记录起止日期；原始文献中的持续时间阈值尚待核实）。"
    "每一并发症推导两个标志：WCMAJ90（方案终点，3 个月）和 WCMAJ120（与 SR2 可比）；"
    "并发症按发生日期（WCSTDAT）计入。"
    "每一伤口并发症均须在 F10 中记录为不良事件（AECAT = WOUND），并在此以不良事件编号关联。",
)

_REOP = "WCREOP == 'Y'"
_INVPR = "WCINVPR == 'Y'"
_READM = "WCREADM == 'Y'"
_PACK = "WCPACK == 'Y'"

FORM = Form(
    code="WND",
    number="F09",
    label=T("Post-operative wound complications", "术后伤口并发症"),
    domain="FA",
    help=_FORM_HELP,
    groups=(
        group(
            "MAIN", "Scheduled wound assessment", "计划伤口评估",
            date_("WNDDAT", "Assessment date", "评估日期", R, sdtm="FADTC",
                  help=help_("Planned on post-operative day 14, 30, 60, 90 and 120 (± 5 days); "
                             "on or after the date of surgery (SURGDAT).",
                             "计划于术后第 14、30、60、90、120 天（± 5 天）进行；"
                             "不得早于手术日期（SURGDAT）。")),
            integer("WNDPOD", "Post-operative day", "术后天数", D, unit="days",
                    derivation="D-WND-WNDPOD",
                    help=help_("WNDDAT − SURGDAT.", "WNDDAT − SURGDAT。")),
            coded("WNDSTAT", "Wound status", "伤口状态", "WNDSTAT", R, sdtm="FAORRES",
                  help=help_("Complication present requires at least one wound-complication "
                             "event below, linked to an AE.",
                             "选择“存在并发症”时，须在下方记录至少一条已关联不良事件的伤口并发症事件。")),
        ),
        group(
            "WC", "Wound-complication events", "伤口并发症事件",
            text("WCAESPID", "Linked AE number", "关联不良事件编号", R, sdtm="AESPID",
                 help=help_("The AE number (AESPID) of this complication in the AE log (F10); "
                            "the AE carries the CTCAE term and grade (e.g. Wound dehiscence, "
                            "Wound infection, Seroma, Wound complication).",
                            "本并发症在不良事件记录（F10）中的不良事件编号（AESPID）；"
                            "CTCAE 术语及分级记录于该不良事件（如伤口裂开、伤口感染、血清肿、"
                            "伤口并发症）。")),
            coded("WCTYPE", "Complication type", "并发症类型", "WCTYPE", R),
            date_("WCSTDAT", "Onset date", "发生日期", R, sdtm="AESTDTC",
                  help=help_("On or after the date of surgery (SURGDAT). The 90- and 120-day MWC "
                             "flags count the complication by this date.",
                             "不得早于手术日期（SURGDAT）。90 天及 120 天主要伤口并发症标志"
                             "按此日期计算。")),
            integer("WCPOD", "Onset post-operative day", "发生时术后天数", D, unit="days",
                    derivation="D-14",
                    help=help_("WCSTDAT − SURGDAT.", "WCSTDAT − SURGDAT。")),
            boolean("WCREOP",
                    "(a) Secondary operation under general/regional anaesthesia for wound repair",
                    "(a) 在全身/区域麻醉下为修复伤口行二次手术", R),
            date_("WCREOPDAT", "Date of the secondary operation", "二次手术日期", C,
                  condition=_REOP, sdtm="PRSTDTC",
                  help=help_("If there were several, the date of the first.",
                             "如有多次，填写首次手术日期。")),
            multi("WCREOPPROC", "Secondary operation: procedure(s)", "二次手术方式", "WCPROC", C,
                  condition=_REOP, sdtm="PRTRT",
                  help=help_("Select every procedure performed (e.g. debridement and flap "
                             "coverage).",
                             "选择所有实施的手术方式（如清创加皮瓣覆盖）。")),
            boolean("WCINVPR",
                    "(b) Invasive procedure without general/regional anaesthesia (e.g. aspiration)",
                    "(b) 未在全身/区域麻醉下进行的有创操作（如穿刺抽吸）", R),
            date_("WCINVPRDAT", "Date of the (first) invasive procedure", "（首次）有创操作日期", C,
                  condition=_INVPR),
            integer("WCINVPRN", "Number of aspirations", "穿刺抽吸次数", C, condition=_INVPR,
                    hard=rng(0, 99),
                    help=help_("0 if the invasive procedure was not an aspiration.",
                               "如有创操作并非穿刺抽吸，填 0。")),
            boolean("WCREADM", "(c) Readmission for wound care", "(c) 因伤口处理再次入院", R),
            date_("WCREADMSTDAT", "Readmission date", "再入院日期", C, condition=_READM),
            date_("WCREADMENDAT", "Discharge date", "出院日期", C, condition=_READM),
            boolean("WCREADMIVAB", "Intravenous antibiotics during the readmission",
                    "再入院期间静脉使用抗生素", C, condition=_READM),
            boolean("WCPACK", "(d) Persistent deep packing / prolonged dressing changes",
                    "(d) 持续深部填塞/长期换药", R),
            date_("WCPACKSTDAT", "Packing / dressing changes: start date", "填塞/换药开始日期", C,
                  condition=_PACK),
            date_("WCPACKENDAT", "Packing / dressing changes: end date", "填塞/换药结束日期", C,
                  condition=_PACK,
                  help=help_("Enter when packing or dressing changes stop.",
                             "填塞或换药停止后填写。")),
            integer("WCPACKDUR", "Duration of packing / dressing changes",
                    "填塞/换药持续时间", D, unit="days", derivation="D-14",
                    help=help_("Derived from the start and end dates.",
                               "根据开始及结束日期推导。")),
            boolean("WCMAJ120", "Major wound complication ≤120 days (SR2 definition)",
                    "术后 ≤120 天主要伤口并发症（SR2 定义）", D, derivation="D-14",
                    help=help_("Y if (a), (b), (c) or (d) is Y and WCPOD ≤ 120.",
                               "(a)、(b)、(c)、(d) 任一为“是”且 WCPOD ≤ 120 时为“是”。")),
            boolean("WCMAJ90", "Major wound complication ≤90 days (protocol \"3 months\")",
                    "术后 ≤90 天主要伤口并发症（方案“3 个月”）", D, derivation="D-14",
                    help=help_("Y if (a), (b), (c) or (d) is Y and WCPOD ≤ 90.",
                               "(a)、(b)、(c)、(d) 任一为“是”且 WCPOD ≤ 90 时为“是”。")),
            date_("WCENDAT", "Resolution date", "痊愈日期", C,
                  condition="WCOUT in ('RECOVERED', 'RECOVERED_WITH_SEQUELAE')", sdtm="AEENDTC",
                  help=help_("On or after the onset date (WCSTDAT).",
                             "不得早于发生日期（WCSTDAT）。")),
            coded("WCOUT", "Outcome", "转归", "OUT", R, sdtm="AEOUT",
                  help=help_("As recorded for the linked AE.", "应与关联不良事件的转归一致。")),
            repeating=True,
        ),
    ),
)
