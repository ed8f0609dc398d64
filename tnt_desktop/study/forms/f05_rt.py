"""F05 — Radiotherapy delivery (RT, event SE.RT). CRF_SPEC.md §3 F05."""

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
        "RTTECH", "Radiotherapy technique", "放疗技术",
        code("3DCRT", "3D conformal RT (3D-CRT)", "三维适形放疗（3D-CRT）"),
        code("IMRT", "Intensity-modulated RT (IMRT)", "调强放疗（IMRT）"),
        code("VMAT", "Volumetric modulated arc therapy (VMAT)", "容积旋转调强放疗（VMAT）"),
        code("TOMO", "Helical tomotherapy (TOMO)", "螺旋断层放疗（TOMO）"),
        code("PROTON", "Proton therapy", "质子治疗"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "IGRT", "Image-guidance modality", "图像引导方式",
        code("KV_CBCT", "kV cone-beam CT (CBCT)", "kV 锥形束 CT（CBCT）"),
        code("KV_PLANAR", "kV planar (orthogonal) imaging", "kV 正交平面成像"),
        code("MV", "MV imaging (EPID / MV-CT)", "MV 成像（EPID/MV-CT）"),
        code("SGRT", "Surface-guided RT (SGRT)", "体表光学引导放疗（SGRT）"),
        code("OTHER", "Other", "其他"),
    ),
    codelist(
        "ENERGY", "Photon energy", "光子能量",
        code("6MV", "6 MV photons", "6 MV X 线"),
        code("10MV", "10 MV photons", "10 MV X 线"),
        code("15MV", "15 MV photons", "15 MV X 线"),
        code("MIXED", "Mixed energies", "混合能量"),
        code("NA", "Not applicable (e.g. protons)", "不适用（如质子治疗）"),
    ),
    codelist(
        "RTINT", "Reason for RT interruption / modification", "放疗中断/调整原因",
        code("MACHINE", "Machine breakdown / technical problem", "设备故障/技术问题"),
        code("TOXICITY", "Toxicity", "毒性反应"),
        code("PATIENT_DECISION", "Patient decision", "患者意愿"),
        code("HOLIDAY_LOGISTIC", "Public holiday / logistics", "节假日/后勤安排"),
        code("INTERCURRENT_ILLNESS", "Intercurrent illness", "并发疾病"),
        code("OTHER", "Other", "其他"),
    ),
)

FORM = Form(
    code="RT",
    number="F05",
    label=T("Radiotherapy delivery", "放射治疗实施"),
    domain="EX",
    groups=(
        group(
            "PLAN", "Radiotherapy plan", "放疗计划",
            floatn("RTPLDOSE", "Planned total dose", "计划总剂量", 1, R, unit="Gy",
                   default="25.0", locked=True),
            integer("RTPLFX", "Planned fractions", "计划分次数", R, default="5", locked=True),
            floatn("RTPLDPF", "Planned dose per fraction", "计划单次剂量", 2, D, unit="Gy",
                   derivation="D-RT-RTPLDPF",
                   help=help_("Planned total dose / planned fractions (RTPLDOSE / RTPLFX).",
                              "计划总剂量 / 计划分次数（RTPLDOSE / RTPLFX）。")),
            date_("RTSIMDAT", "CT simulation date", "CT 模拟定位日期", R, sdtm="PRSTDTC",
                  help=help_("On or before RT day 1.", "不晚于放疗首日。")),
            boolean("RTMRIFUS", "MRI fused for GTV delineation", "GTV 勾画时行 MRI 融合", R,
                    help=help_("GTV is delineated on contrast-enhanced T1 MRI; MRI–CT fusion "
                               "is recommended.",
                               "GTV 依据增强 T1 MRI 勾画；建议行 MRI 与 CT 图像融合。")),
            coded("RTTECH", "Technique", "放疗技术", "RTTECH", R),
            boolean("RTIGRT", "Daily image guidance", "每日图像引导（IGRT）", R),
            coded("RTIGRTMOD", "Image-guidance modality", "图像引导方式", "IGRT", C,
                  condition="RTIGRT == 'Y'"),
            coded("RTENERGY", "Photon energy", "光子能量", "ENERGY", O),
            floatn("CTVLONG", "CTV longitudinal (cranio-caudal) margin beyond GTV",
                   "CTV 纵向（头脚方向）外扩边界（GTV 外）", 1, R, unit="cm", default="3.0",
                   hard=rng(0, 6), soft=rng(2, 4),
                   help=help_("RTOG consensus: GTV + 3 cm longitudinally; may be shortened at "
                              "the end of the compartment.",
                              "RTOG 共识：GTV 纵向外扩 3 cm；在肌间室末端可适当缩小。")),
            floatn("CTVRAD", "CTV radial margin", "CTV 径向外扩边界", 1, R, unit="cm",
                   default="1.5", hard=rng(0, 4), soft=rng(1, 2),
                   help=help_("1.5 cm radially, limited by intact fascia, bone or skin.",
                              "径向外扩 1.5 cm，以完整的筋膜、骨或皮肤为界。")),
            boolean("CTVEDEMA", "Peritumoural oedema (T2 MRI) included in CTV",
                    "CTV 包括瘤周水肿（MRI T2 序列）", R),
            integer("PTVMARG", "PTV margin", "PTV 外扩边界", R, unit="mm", default="5",
                    hard=rng(0, 20)),
            floatn("GTVVOL", "GTV volume", "GTV 体积", 1, O, unit="cm3"),
            floatn("CTVVOL", "CTV volume", "CTV 体积", 1, O, unit="cm3"),
            floatn("PTVVOL", "PTV volume", "PTV 体积", 1, O, unit="cm3"),
            floatn("PTVD95", "PTV D95 (% of prescription)", "PTV D95（占处方剂量 %）", 1, O,
                   unit="%", hard=rng(0, 120),
                   help=help_("Plan quality: dose received by 95 % of the PTV, as a percentage "
                              "of the prescribed dose.",
                              "计划质量指标：95 % PTV 体积所受剂量占处方剂量的百分比。")),
            domain="PR",
        ),
        group(
            "FX", "Fraction log", "分次治疗记录",
            integer("FXNUM", "Fraction number", "分次序号", R, hard=rng(1, 10),
                    help=help_("Unique within the subject; add rows for repeated or split "
                               "fractions.",
                               "每位受试者内不得重复；重复或拆分的分次请另增记录。")),
            date_("FXDAT", "Date delivered", "实施日期", C, condition="FXGIVEN == 'Y'",
                  sdtm="EXSTDTC",
                  help=help_("On or after the enrolment date; two fractions on the same date "
                             "open a query.",
                             "不早于入组日期；同一日期有两次分次治疗将产生质疑。")),
            boolean("FXGIVEN", "Fraction delivered", "是否实施该分次", R),
            floatn("FXDOSE", "Dose delivered", "实际给予剂量", 2, C, unit="Gy", hard=rng(0, 8),
                   condition="FXGIVEN == 'Y'", sdtm="EXDOSE",
                   help=help_("A dose differing from the planned dose per fraction (RTPLDPF) by "
                              "more than 5 % opens a query.",
                              "实际剂量与计划单次剂量（RTPLDPF）相差超过 5 % 时将产生质疑。")),
            coded("FXNGRSN", "Reason not delivered / modified", "未实施/剂量调整原因", "RTINT",
                  C, condition="FXGIVEN == 'N' or FXDOSE != RTPLDPF", sdtm="EXADJ"),
            repeating=True,
            max_rows=10,
        ),
        group(
            "SUMMARY", "Radiotherapy summary", "放疗汇总",
            date_("RTSTDAT", "RT start date (= study day 1)", "放疗开始日期（= 研究第 1 天）", D,
                  derivation="D-08",
                  help=help_("Earliest date of a delivered fraction.",
                             "已实施分次的最早日期。")),
            date_("RTENDAT", "RT end date", "放疗结束日期", D, derivation="D-08",
                  help=help_("Latest date of a delivered fraction.", "已实施分次的最晚日期。")),
            integer("RTNFX", "Fractions delivered", "已实施分次数", D, derivation="D-08",
                    help=help_("Number of fractions with FXGIVEN = Y.",
                               "FXGIVEN = 是 的分次数。")),
            floatn("RTTOTDOSE", "Total dose delivered", "实际总剂量", 2, D, unit="Gy",
                   derivation="D-08",
                   help=help_("Sum of FXDOSE.", "FXDOSE 之和。")),
            integer("RTOTT", "Overall treatment time", "总治疗时间", D, unit="days",
                    derivation="D-08",
                    help=help_("RT end date − RT start date + 1 (RTENDAT − RTSTDAT + 1).",
                               "放疗结束日期 − 放疗开始日期 + 1（RTENDAT − RTSTDAT + 1）。")),
            boolean("RTINTFL", "Any interruption", "是否有治疗中断", D, derivation="D-08",
                    help=help_("Yes if any calendar gap between consecutive fractions is more "
                               "than 3 days (more than a weekend) or a fraction was not "
                               "delivered.",
                               "相邻两次分次之间间隔超过 3 个日历日（超过一个周末）或有分次未实施"
                               "时为“是”。")),
            boolean("RTCOMPL", "RT completed per protocol", "按方案完成放疗", D,
                    derivation="D-08",
                    help=help_("Yes if the total dose is 25 ± 0.5 Gy, 5 fractions were "
                               "delivered and the overall treatment time is ≤7 days.",
                               "实际总剂量为 25 ± 0.5 Gy、完成 5 次分次且总治疗时间 ≤7 天时为"
                               "“是”。")),
            coded("RTNCRSN", "Reason RT not completed", "未按方案完成放疗的原因", "RTINT", C,
                  condition="RTCOMPL == 'N'"),
        ),
    ),
    signatures=(
        SignaturePoint("RTSIG", T("Radiation oncologist plan approval", "放疗医师计划审批签名"),
                       T("Plan approved", "放疗计划已批准")),
    ),
)
