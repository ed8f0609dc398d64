"""F08 — Resection pathology & EORTC-STBSG response (PATH, event SE.PATH). CRF_SPEC.md §3 F08."""

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
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import Form, SignaturePoint, T, rng

CODELISTS = (
    codelist(
        "EORTCRS",
        "EORTC-STBSG response score",
        "EORTC-STBSG 病理反应评分",
        code("A", "A: no stainable tumour cells", "A：无可染色肿瘤细胞"),
        code(
            "B",
            "B: single stainable cells or small clusters, <1 %",
            "B：单个可染色细胞或小簇，<1 %",
        ),
        code("C", "C: ≥1 % to <10 % stainable tumour cells", "C：可染色肿瘤细胞 ≥1 % 且 <10 %"),
        code("D", "D: ≥10 % to <50 % stainable tumour cells", "D：可染色肿瘤细胞 ≥10 % 且 <50 %"),
        code("E", "E: ≥50 % stainable tumour cells", "E：可染色肿瘤细胞 ≥50 %"),
    ),
    codelist(
        "POSTGRADE",
        "FNCLCC grade after treatment",
        "治疗后 FNCLCC 分级",
        code("G1", "G1", "G1"),
        code("G2", "G2", "G2"),
        code("G3", "G3", "G3"),
        code("GX", "GX (cannot be assessed)", "GX（无法评估）"),
        code("NOT_APPLICABLE", "Not applicable", "不适用"),
    ),
    codelist(
        "RCLASS",
        "Residual tumour (R) classification",
        "残留肿瘤（R）分类",
        code(
            "R0", "R0: no residual tumour (microscopically negative)", "R0：无残留肿瘤（镜下阴性）"
        ),
        code(
            "R1",
            "R1: microscopic residual (tumour at inked margin)",
            "R1：镜下残留（肿瘤累及墨染切缘）",
        ),
        code("R2", "R2: macroscopic residual", "R2：肉眼残留"),
    ),
    codelist(
        "MARGLOC",
        "Location of closest margin",
        "最近切缘位置",
        code("DEEP", "Deep", "深部"),
        code("SUPERFICIAL", "Superficial", "浅表"),
        code("PROXIMAL", "Proximal", "近端"),
        code("DISTAL", "Distal", "远端"),
        code("MEDIAL", "Medial", "内侧"),
        code("LATERAL", "Lateral", "外侧"),
        code("NEUROVASCULAR", "Neurovascular", "神经血管"),
        code("BONE", "Bone", "骨"),
    ),
)

_MARGIN = "RSTAT in ('R0', 'R1')"

FORM = Form(
    code="PATH",
    number="F08",
    label=T("Resection pathology & EORTC-STBSG response", "切除标本病理与 EORTC-STBSG 反应评估"),
    domain="MI",
    groups=(
        group(
            "MAIN",
            "Pathology",
            "病理",
            date_("PATHDAT", "Pathology report date", "病理报告日期", R, sdtm="MIDTC"),
            coded(
                "PATHHIST",
                "Histological type in resection specimen",
                "切除标本组织学类型",
                "HISTSTS",
                R,
            ),
            floatn(
                "PATHMAXD",
                "Maximum tumour (tumour-bed) dimension, gross",
                "肿瘤（瘤床）最大径（大体）",
                1,
                R,
                unit="cm",
                hard=rng(0, 60),
            ),
            integer(
                "PATHBLK",
                "Number of tumour blocks examined",
                "检查的肿瘤组织块数",
                R,
                hard=rng(1, 200),
                help=help_(
                    "About one block per cm of maximum diameter is recommended.",
                    "建议每厘米最大径约取一个组织块。",
                ),
            ),
            floatn(
                "PCTVIAB",
                "Stainable (viable) tumour cells, % of tumour bed",
                "残存可染色（存活）肿瘤细胞比例（占瘤床 %）",
                1,
                R,
                unit="%",
                hard=rng(0, 100),
                sdtm="MIORRES",
            ),
            floatn("PCTNECR", "Necrosis", "坏死比例", 1, R, unit="%", hard=rng(0, 100)),
            floatn(
                "PCTFIB",
                "Fibrosis / hyalinisation",
                "纤维化/玻璃样变比例",
                1,
                R,
                unit="%",
                hard=rng(0, 100),
            ),
            floatn(
                "PCTOTH",
                "Other (haemorrhage, inflammation, oedema)",
                "其他（出血、炎症、水肿）比例",
                1,
                O,
                unit="%",
                hard=rng(0, 100),
            ),
            floatn(
                "PCTSUM",
                "Sum of components",
                "各成分之和",
                1,
                D,
                unit="%",
                derivation="D-PATH-PCTSUM",
            ),
            coded(
                "EORTCSC",
                "EORTC-STBSG response score (as reported by the pathologist)",
                "EORTC-STBSG 反应评分（病理医师报告）",
                "EORTCRS",
                R,
                sdtm="RSORRES",
            ),
            coded(
                "EORTCDER",
                "Response score derived from % viable tumour",
                "根据存活肿瘤比例推导的反应评分",
                "EORTCRS",
                D,
                derivation="D-12",
            ),
            coded(
                "POSTGRADE",
                "FNCLCC grade on the resection specimen",
                "切除标本 FNCLCC 分级",
                "POSTGRADE",
                O,
            ),
            coded("RSTAT", "Residual tumour (R) classification", "残留肿瘤（R）分类", "RCLASS", R),
            floatn(
                "CLMARGMM",
                "Closest margin distance",
                "最近切缘距离",
                1,
                C,
                unit="mm",
                hard=rng(0, 200),
                condition=_MARGIN,
                help=help_(
                    "0 = tumour on ink. R1 requires 0.", "0 = 肿瘤位于墨染切缘。R1 时须为 0。"
                ),
            ),
            coded(
                "CLMARGLOC",
                "Location of closest margin",
                "最近切缘位置",
                "MARGLOC",
                C,
                condition=_MARGIN,
            ),
            boolean(
                "CLMARGBAR",
                "Closest margin formed by an intact anatomical barrier "
                "(fascia/periosteum/epineurium)",
                "最近切缘为完整解剖屏障（筋膜/骨膜/神经外膜）",
                O,
            ),
            integer("LNEX", "Lymph nodes examined", "检查淋巴结数", O, hard=rng(0, 100)),
            integer("LNPOS", "Lymph nodes positive", "阳性淋巴结数", O, hard=rng(0, 100)),
            boolean(
                "CENTREV", "Central / second pathologist review done", "中心/第二病理医师复核", O
            ),
            coded(
                "CENTREVSC",
                "Reviewer's EORTC-STBSG response score",
                "复核者 EORTC-STBSG 评分",
                "EORTCRS",
                C,
                condition="CENTREV == 'Y'",
                help=help_(
                    "If reviewer and site disagree, the endpoint uses the reviewer's score.",
                    "复核与本中心评分不一致时，终点采用复核者评分。",
                ),
            ),
        ),
    ),
    signatures=(
        SignaturePoint(
            "PATHSIG",
            T("Pathologist sign-off", "病理医师签署"),
            T("I confirm this pathology report", "我确认本病理报告"),
        ),
    ),
)
