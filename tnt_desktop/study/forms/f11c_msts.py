"""F11c — Functional score MSTS (MSTS, events SE.ENR and SE.FU at FU6, FU12, FU24).
CRF_SPEC.md §3 F11c. Musculoskeletal Tumor Society score (Enneking et al., CORR 1993)."""

from __future__ import annotations

from tnt_desktop.study.forms._build import (
    D,
    R,
    coded,
    codelist,
    date_,
    floatn,
    group,
    help_,
    integer,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import Form, Item, T, rng

CODELISTS = (
    codelist(
        "MSTSVER", "MSTS score version", "MSTS 评分版本",
        code("LOWER", "Lower extremity", "下肢"),
        code("UPPER", "Upper extremity", "上肢"),
    ),
)

_SCORING = help_(
    "Score 0–5: 5, 3, 1 and 0 have the descriptions below; 4 and 2 are intermediate "
    "(between the neighbouring descriptions, by the examiner's judgement).",
    "评分 0–5 分：5、3、1、0 分按下列描述评定；4 分和 2 分为相邻描述之间的中间状态，"
    "由评估者判断。",
)


def _msts(n: int, en: str, zh: str, lower_en: str, lower_zh: str, upper_en: str,
          upper_zh: str) -> Item:
    """One MSTS item (0–5). The label is neutral; the help gives both versions' meaning."""
    return integer(
        f"MSTS{n}", f"MSTS item {n}: {en}", f"MSTS 第 {n} 项：{zh}", R, hard=rng(0, 5),
        sdtm="QSORRES",
        help=help_(f"{_SCORING.en} Lower limb: {lower_en}. Upper limb: {upper_en}.",
                   f"{_SCORING.zh}下肢：{lower_zh}。上肢：{upper_zh}。"),
    )


_PAIN_EN = ("pain: 5 none (no medication); 3 modest, not disabling (non-narcotic analgesics); "
            "1 moderate, intermittently disabling (narcotic analgesics); 0 severe, continuously "
            "disabling (narcotic analgesics)")
_PAIN_ZH = ("疼痛：5 分 无痛（无需用药）；3 分 轻度疼痛，不影响功能（非阿片类镇痛药）；"
            "1 分 中度疼痛，间歇性影响功能（阿片类镇痛药）；"
            "0 分 重度疼痛，持续影响功能（阿片类镇痛药）")
_FUNC_EN = ("function: 5 no restriction; 3 recreational restriction; 1 partial occupational "
            "restriction; 0 total occupational restriction")
_FUNC_ZH = "功能：5 分 无限制；3 分 娱乐活动受限；1 分 工作部分受限；0 分 完全不能工作"
_EMOT_EN = "emotional acceptance: 5 enthused; 3 satisfied; 1 accepts; 0 dislikes"
_EMOT_ZH = "情感接受度：5 分 非常满意；3 分 满意；1 分 可以接受；0 分 不能接受"

FORM = Form(
    code="MSTS",
    number="F11c",
    label=T("Functional score MSTS", "MSTS 功能评分"),
    domain="QS",
    help=help_("Musculoskeletal Tumor Society score: six items scored 0–5, total 0–30. The "
               "version (lower or upper limb) follows the primary tumour's extremity (TULIMB).",
               "美国骨肿瘤学会（MSTS）功能评分：6 项，每项 0–5 分，总分 0–30 分。版本（下肢或"
               "上肢）由原发肿瘤所在肢体（TULIMB）决定。"),
    groups=(
        group(
            "MAIN", "MSTS score", "MSTS 评分",
            date_("MSTSDAT", "Assessment date", "评估日期", R, sdtm="QSDTC"),
            coded("MSTSVER", "Version", "版本", "MSTSVER", D, derivation="D-MSTS-MSTSVER",
                  help=help_("From TULIMB (F04): lower limb → LOWER, upper limb → UPPER.",
                             "根据 TULIMB（F04）确定：下肢 → LOWER，上肢 → UPPER。")),
            _msts(1, "pain", "疼痛", _PAIN_EN, _PAIN_ZH, _PAIN_EN, _PAIN_ZH),
            _msts(2, "function", "功能", _FUNC_EN, _FUNC_ZH, _FUNC_EN, _FUNC_ZH),
            _msts(3, "emotional acceptance", "情感接受度", _EMOT_EN, _EMOT_ZH, _EMOT_EN,
                  _EMOT_ZH),
            _msts(4, "supports (lower limb) / hand positioning (upper limb)",
                  "支具（下肢）/手部位置（上肢）",
                  "supports: 5 none; 3 brace; 1 one cane or crutch; 0 two canes or crutches",
                  "支具：5 分 无需支具；3 分 需用支具；1 分 需一根手杖或拐杖；"
                  "0 分 需两根手杖或拐杖",
                  "hand positioning: 5 unlimited; 3 not above the shoulder or no pronation/"
                  "supination; 1 not above the waist; 0 none",
                  "手部位置：5 分 不受限；3 分 不能高于肩部或不能旋前/旋后；1 分 不能高于腰部；"
                  "0 分 无法摆放"),
            _msts(5, "walking (lower limb) / manual dexterity (upper limb)",
                  "行走能力（下肢）/手部灵活性（上肢）",
                  "walking: 5 unlimited; 3 limited; 1 inside the home only; 0 not independently",
                  "行走能力：5 分 不受限；3 分 受限；1 分 仅能室内行走；0 分 不能独立行走",
                  "manual dexterity: 5 unlimited; 3 loss of fine movements; 1 cannot pinch; "
                  "0 cannot grasp",
                  "手部灵活性：5 分 不受限；3 分 精细动作丧失；1 分 不能对捏；0 分 不能抓握"),
            _msts(6, "gait (lower limb) / lifting ability (upper limb)",
                  "步态（下肢）/上举能力（上肢）",
                  "gait: 5 normal; 3 minor cosmetic abnormality; 1 major cosmetic abnormality or "
                  "minor handicap; 0 major handicap",
                  "步态：5 分 正常；3 分 轻度外观异常；1 分 明显外观异常或轻度功能障碍；"
                  "0 分 严重功能障碍",
                  "lifting ability: 5 normal load; 3 limited; 1 helping only; 0 cannot help",
                  "上举能力：5 分 可负重正常；3 分 负重受限；1 分 仅能辅助；0 分 无法辅助"),
            integer("MSTSTOT", "MSTS total score", "MSTS 总分", D, hard=rng(0, 30),
                    derivation="D-15",
                    help=help_("Sum of MSTS1–MSTS6; not computed while any item is missing.",
                               "MSTS1–MSTS6 之和；任一项缺失时不计算。")),
            floatn("MSTSPCT", "MSTS score, percent of maximum", "MSTS 评分百分比", 1, D,
                   unit="%", hard=rng(0, 100), derivation="D-15",
                   help=help_("MSTSTOT / 30 × 100.", "MSTSTOT / 30 × 100。")),
        ),
    ),
)
