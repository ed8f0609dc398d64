"""F11b — Late radiation toxicity (LTOX, event SE.FU at FU6, FU12, FU18, FU24). CRF_SPEC.md §3
F11b. Graded with CTCAE v5.0; any grade ≥1 creates or updates a linked AE (AECAT = LATE_RT,
X-42)."""

from __future__ import annotations

from tnt_desktop.study.forms._build import (
    C,
    O,
    R,
    boolean,
    coded,
    codelist,
    date_,
    group,
    help_,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import DataType, Form, Item, Req, T

CODELISTS = (
    codelist(
        "GRADE0_5", "Toxicity grade 0–5 (CTCAE v5.0)", "毒性分级 0–5 级（CTCAE 5.0 版）",
        code("0", "Grade 0: none (no adverse event, or within normal limits)",
             "0 级：无（无不良事件或在正常范围内）"),
        code("1", "Grade 1: mild; asymptomatic or mild symptoms; clinical or diagnostic "
             "observations only; intervention not indicated",
             "1 级：轻度；无症状或轻微症状；仅为临床或诊断所见；无需治疗"),
        code("2", "Grade 2: moderate; minimal, local or noninvasive intervention indicated; "
             "limiting age-appropriate instrumental ADL",
             "2 级：中度；需要较小、局部或非侵入性治疗；与年龄相当的工具性日常生活活动受限"),
        code("3", "Grade 3: severe or medically significant but not immediately "
             "life-threatening; hospitalisation or prolongation of hospitalisation indicated; "
             "disabling; limiting self-care ADL",
             "3 级：严重或具有重要医学意义但不会立即危及生命；需要住院或延长住院时间；致残；"
             "自理性日常生活活动受限"),
        code("4", "Grade 4: life-threatening consequences; urgent intervention indicated",
             "4 级：危及生命；需要紧急治疗"),
        code("5", "Grade 5: death related to the adverse event", "5 级：与不良事件相关的死亡"),
        data_type=DataType.INTEGER,
    ),
)


def _grade(name: str, en: str, zh: str, req: Req, help_en: str, help_zh: str) -> Item:
    """A CTCAE grade 0–5 item with its term-specific grade definitions as help text."""
    return coded(name, en, zh, "GRADE0_5", req, data_type=DataType.INTEGER,
                 help=help_(help_en, help_zh))


FORM = Form(
    code="LTOX",
    number="F11b",
    label=T("Late radiation toxicity", "晚期放射毒性"),
    domain="AE",
    help=help_("Worst grade since the previous assessment, CTCAE v5.0. Any grade ≥1 creates or "
               "updates a linked adverse event (AECAT = LATE_RT) with the same grade (X-42).",
               "记录自上次评估以来的最严重分级（CTCAE 5.0 版）。任一项 ≥1 级时，将创建或更新"
               "一条关联的不良事件记录（AECAT = LATE_RT），分级一致（X-42）。"),
    groups=(
        group(
            "MAIN", "Late radiation toxicity", "晚期放射毒性",
            date_("LTDAT", "Assessment date", "评估日期", R, sdtm="AEDTC"),
            _grade("LTFIB", "Subcutaneous / deep-tissue fibrosis", "皮下/深部组织纤维化", R,
                   "CTCAE term \"Fibrosis deep connective tissue\". 1: mild induration, skin "
                   "can be slid and pinched up; 2: moderate induration, skin can be slid but "
                   "not pinched, limiting instrumental ADL; 3: severe induration, skin can be "
                   "neither slid nor pinched, limiting joint movement or self-care ADL; "
                   "4: generalised, with impaired breathing or feeding.",
                   "CTCAE 术语“深部结缔组织纤维化”。1 级：轻度硬结，皮肤可平行滑动并可"
                   "垂直捏起；2 级：中度硬结，皮肤可滑动但不能捏起，工具性日常生活活动受限；"
                   "3 级：重度硬结，皮肤既不能滑动也不能捏起，关节活动受限或自理性日常生活"
                   "活动受限；4 级：全身性，伴呼吸或进食障碍的症状或体征。"),
            _grade("LTJOINT", "Joint stiffness / decreased range of motion",
                   "关节僵硬/关节活动度下降", R,
                   "CTCAE term \"Joint range of motion decreased\" (joints of the treated limb). "
                   "1: ≤25 % loss of range of motion, limiting athletic activity; 2: >25–50 % "
                   "loss, limiting instrumental ADL; 3: >50 % loss, limiting self-care ADL, "
                   "disabling. Grades 4–5 are not defined for this term.",
                   "CTCAE 术语“关节活动度下降”（患肢关节）。1 级：关节活动度丧失 ≤25 %，"
                   "体育活动受限；2 级：丧失 >25–50 %，工具性日常生活活动受限；3 级："
                   "丧失 >50 %，自理性日常生活活动受限，致残。该术语无 4–5 级。"),
            _grade("LTEDEMA", "Oedema / lymphoedema of the limb", "肢体水肿/淋巴水肿", R,
                   "CTCAE terms \"Edema limbs\" / \"Lymphedema\"; record the worse. Edema limbs "
                   "1: 5–10 % inter-limb difference in volume or circumference; 2: >10–30 %, "
                   "limiting instrumental ADL; 3: >30 %, gross deviation from normal contour, "
                   "limiting self-care ADL. Lymphedema 1: trace thickening or faint "
                   "discoloration; 2: marked discoloration, leathery skin, papillary formation; "
                   "3: severe symptoms, limiting self-care ADL.",
                   "CTCAE 术语“肢体水肿”/“淋巴水肿”，取较重者。肢体水肿 1 级：两侧肢体"
                   "体积或周径相差 5–10 %；2 级：相差 >10–30 %，工具性日常生活活动受限；"
                   "3 级：相差 >30 %，外形明显异常，自理性日常生活活动受限。淋巴水肿 1 级："
                   "轻微增厚或轻度变色；2 级：明显变色、皮革样皮肤、乳头状增生；3 级："
                   "症状严重，自理性日常生活活动受限。"),
            _grade("LTSKIN", "Skin changes (hyperpigmentation, induration, telangiectasia, "
                   "ulceration)", "皮肤改变（色素沉着、硬结、毛细血管扩张、溃疡）", R,
                   "Worst grade of the CTCAE terms \"Skin hyperpigmentation\", \"Skin "
                   "induration\", \"Telangiectasia\" and \"Skin ulceration\" in the irradiated "
                   "field. Only skin ulceration reaches grades 4–5 (4: extensive destruction, "
                   "necrosis or damage to muscle, bone or supporting structures).",
                   "照射野内 CTCAE 术语“皮肤色素沉着”“皮肤硬结”“毛细血管扩张”“皮肤溃疡”"
                   "中的最高分级。仅皮肤溃疡可达 4–5 级（4 级：广泛组织破坏、坏死或累及"
                   "肌肉、骨或支持结构）。"),
            _grade("LTNEUR", "Peripheral neuropathy (operated limb)", "周围神经病变（手术侧肢体）",
                   R,
                   "Worse of the CTCAE terms \"Peripheral sensory neuropathy\" and \"Peripheral "
                   "motor neuropathy\". 1: asymptomatic; 2: moderate symptoms, limiting "
                   "instrumental ADL; 3: severe symptoms, limiting self-care ADL; "
                   "4: life-threatening, urgent intervention indicated.",
                   "CTCAE 术语“周围感觉神经病变”与“周围运动神经病变”中的较重者。1 级："
                   "无症状；2 级：中度症状，工具性日常生活活动受限；3 级：重度症状，自理性"
                   "日常生活活动受限；4 级：危及生命，需要紧急治疗。"),
            boolean("LTFRACT", "Bone fracture in the irradiated field", "照射野内骨折", R),
            date_("LTFRACTDAT", "Date of fracture", "骨折日期", C, condition="LTFRACT == 'Y'"),
            _grade("LTRTOG", "RTOG/EORTC late radiation morbidity grade (worst)",
                   "RTOG/EORTC 晚期放射损伤分级（最重）", O,
                   "Optional parallel grade on the RTOG/EORTC late radiation morbidity scale "
                   "(the scale of RTOG 0630): worst grade over skin, subcutaneous tissue, joint "
                   "and bone. 0: none; 1: slight (e.g. slight induration, mild stiffness); "
                   "2: moderate (e.g. moderate fibrosis, moderate limitation of movement); "
                   "3: severe (e.g. severe induration, severe limitation of movement); "
                   "4: necrosis, ulceration or complete fixation; 5: death from late effects.",
                   "可选，按 RTOG/EORTC 晚期放射损伤分级标准（RTOG 0630 所用量表）平行评分："
                   "取皮肤、皮下组织、关节和骨的最高分级。0 级：无；1 级：轻度（如轻度硬结、"
                   "轻度僵硬）；2 级：中度（如中度纤维化、中度活动受限）；3 级：重度（如重度"
                   "硬结、严重活动受限）；4 级：坏死、溃疡或关节完全固定；5 级：死于晚期放射"
                   "损伤。"),
        ),
    ),
)
