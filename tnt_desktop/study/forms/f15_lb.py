"""F15 — Laboratory & cardiac (LB; events SE.SCR, SE.C1–C3, SE.PREOP, SE.UNS). CRF_SPEC.md §3 F15.

Each LBTEST code carries its fixed unit (`unit`, a key of study.units.UNITS) and, where CTCAE
v5.0 grades the adverse event by the laboratory value, the CTCAE term (`ctcae`).
"""

from __future__ import annotations

from tnt_desktop.study.forms._build import (
    C,
    D,
    R,
    coded,
    codelist,
    date_,
    floatn,
    group,
    help_,
    integer,
    text,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import DataType, Form, T, rng

CODELISTS = (
    codelist(
        "LBTEST", "Laboratory test", "实验室检查项目",
        code("NEUT", "Neutrophils, absolute count (ANC)", "中性粒细胞绝对计数（ANC）",
             unit="10^9/L", ctcae="Neutrophil count decreased"),
        code("WBC", "White blood cells", "白细胞计数", unit="10^9/L",
             ctcae="White blood cell decreased"),
        code("HGB", "Haemoglobin", "血红蛋白", unit="g/L", ctcae="Anemia"),
        code("PLAT", "Platelets", "血小板计数", unit="10^9/L", ctcae="Platelet count decreased"),
        code("ALT", "Alanine aminotransferase (ALT)", "丙氨酸氨基转移酶（ALT）", unit="U/L",
             ctcae="Alanine aminotransferase increased"),
        code("AST", "Aspartate aminotransferase (AST)", "天门冬氨酸氨基转移酶（AST）", unit="U/L",
             ctcae="Aspartate aminotransferase increased"),
        code("BILI", "Total bilirubin", "总胆红素", unit="umol/L",
             ctcae="Blood bilirubin increased"),
        code("CREAT", "Serum creatinine", "血清肌酐", unit="umol/L", ctcae="Creatinine increased"),
        code("ALB", "Serum albumin", "血清白蛋白", unit="g/L", ctcae="Hypoalbuminemia"),
        code("GLUC", "Blood glucose", "血糖", unit="mmol/L", ctcae="Hypoglycemia"),
        code("HBA1C", "Glycated haemoglobin (HbA1c)", "糖化血红蛋白（HbA1c）", unit="%"),
        code("UPROT", "Urine protein, 24-hour quantitation", "24 小时尿蛋白定量", unit="g/24h",
             ctcae="Proteinuria"),
        code("HCG", "Human chorionic gonadotropin, β-hCG (pregnancy test)",
             "人绒毛膜促性腺激素 β-hCG（妊娠试验）", unit="IU/L"),
    ),
    codelist(
        "LBNRIND", "Reference range indicator", "参考范围判定",
        code("LOW", "Low: below the lower limit of normal (LLN)", "偏低：低于参考值下限（LLN）"),
        code("NORMAL", "Normal: within the reference range", "正常：在参考范围内"),
        code("HIGH", "High: above the upper limit of normal (ULN)", "偏高：高于参考值上限（ULN）"),
        code("ABNORMAL", "Abnormal (qualitative result, e.g. positive pregnancy test)",
             "异常（定性结果，如妊娠试验阳性）"),
    ),
    codelist(
        "EGMETHOD", "LVEF assessment method", "LVEF 测定方法",
        code("ECHO", "Echocardiography", "超声心动图"),
        code("MUGA", "Multigated acquisition (MUGA) radionuclide ventriculography",
             "多门控心血池显像（MUGA）"),
    ),
)

_FORM_HELP = help_(
    "Screening organ function for inclusion criterion INC06 (study parameters; defaults shown): "
    "ANC ≥1.5 × 10⁹/L; platelets ≥100 × 10⁹/L; haemoglobin ≥90 g/L; total bilirubin "
    "≤1.5 × ULN; ALT and AST ≤2.5 × ULN; serum creatinine ≤1.5 × ULN and creatinine "
    "clearance (Cockcroft–Gault) ≥60 mL/min (ifosfamide nephrotoxicity); LVEF ≥50 % by "
    "echocardiography or MUGA (anthracycline); negative pregnancy test (HCG) in a woman of "
    "child-bearing potential. Screening labs ≤14 days before RT day 1. A screening value "
    "outside these limits while INC06 = Y opens a query (X-16). Before each cycle: ANC <1.5 or "
    "platelets <100 on the cycle day 1 date with the cycle given opens the query \"treated "
    "despite counts below threshold\". ULN/LLN are the site laboratory's reference range in "
    "force on the sample date.",
    "筛选期器官功能要求（入选标准 INC06；界值为研究参数，以下为默认值）：中性粒细胞绝对计数 "
    "≥1.5 × 10⁹/L；血小板 ≥100 × 10⁹/L；血红蛋白 ≥90 g/L；总胆红素 ≤1.5 × ULN；ALT 及 "
    "AST ≤2.5 × ULN；血清肌酐 ≤1.5 × ULN 且肌酐清除率（Cockcroft–Gault 公式）≥60 mL/min"
    "（异环磷酰胺肾毒性）；超声心动图或 MUGA 测定 LVEF ≥50 %（蒽环类药物）；有生育能力的"
    "女性妊娠试验（HCG）阴性。筛选期实验室检查须在放疗第 1 天前 ≤14 天内完成。INC06 = 是"
    "而筛选值超出上述界值时生成质疑（X-16）。每周期化疗前：周期第 1 天中性粒细胞 <1.5 或"
    "血小板 <100 而仍给药时，生成质疑“血细胞计数低于阈值仍给予治疗”。ULN/LLN 为本中心"
    "实验室在采样日期适用的参考范围。",
)

FORM = Form(
    code="LB",
    number="F15",
    label=T("Laboratory & cardiac", "实验室检查与心功能"),
    domain="LB",
    help=_FORM_HELP,
    groups=(
        group(
            "MAIN", "Laboratory sample", "实验室检查样本",
            date_("LBDAT", "Sample collection date", "采样日期", R, sdtm="LBDTC"),
            floatn("CRCL", "Creatinine clearance (Cockcroft–Gault)",
                   "肌酐清除率（Cockcroft–Gault 公式）", 1, D, unit="mL/min", derivation="D-16",
                   help=help_("((140 − age) × weight kg × 1.23 for men or 1.04 for women) ÷ "
                              "serum creatinine µmol/L. Eligibility requires ≥60 mL/min.",
                              "（140 − 年龄）× 体重 kg × 1.23（男性）或 1.04（女性）÷ 血清肌酐 "
                              "µmol/L。入选要求 ≥60 mL/min。")),
        ),
        group(
            "LB", "Laboratory results", "实验室检查结果",
            coded("LBTESTCD", "Test", "检查项目", "LBTEST", R, sdtm="LBTESTCD"),
            floatn("LBORRES", "Result", "结果", 2, R, sdtm="LBORRES",
                   help=help_("In the fixed unit of the test shown beside the field.",
                              "按该检查项目的固定单位填写（单位显示于字段旁）。")),
            text("LBORRESU", "Unit", "单位", D, derivation="D-LB-LBORRESU", sdtm="LBORRESU",
                 help=help_("Fixed SI unit of the test; not entered.",
                            "该检查项目的固定国际单位，无需录入。")),
            floatn("LBORNRLO", "Reference range, lower limit (LLN)", "参考值下限（LLN）", 2, R,
                   sdtm="LBORNRLO",
                   help=help_("From the site laboratory's reference range in force on the "
                              "sample date.",
                              "取自本中心实验室在采样日期适用的参考范围。")),
            floatn("LBORNRHI", "Reference range, upper limit (ULN)", "参考值上限（ULN）", 2, R,
                   sdtm="LBORNRHI",
                   help=help_("ULN used by the × ULN eligibility thresholds; from the site "
                              "laboratory's reference range in force on the sample date.",
                              "用于“× ULN”入选界值；取自本中心实验室在采样日期适用的参考范围。")),
            coded("LBNRIND", "Reference range indicator", "参考范围判定", "LBNRIND", D,
                  derivation="D-LB-LBNRIND", sdtm="LBNRIND"),
            coded("LBCTCGR", "CTCAE v5.0 grade", "CTCAE 5.0 版分级", "GRADE0_5", D,
                  data_type=DataType.INTEGER, derivation="D-LB-LBNRIND", sdtm="LBTOXGR",
                  help=help_("Grade 0–4, only for tests whose CTCAE grade is defined by the "
                             "laboratory value; blank otherwise.",
                             "0–4 级；仅适用于 CTCAE 按检验数值定义分级的项目，其他项目为空。")),
            repeating=True,
        ),
        group(
            "CARDIAC", "Left ventricular ejection fraction", "左心室射血分数",
            date_("EGDAT", "LVEF assessment date", "LVEF 测定日期", R, sdtm="CVDTC",
                  help=help_("Required at screening (anthracycline eligibility); at later "
                             "visits record NOT DONE if not assessed.",
                             "筛选期必填（蒽环类药物入选要求）；之后的访视如未测定，请选择"
                             "“未做”。")),
            coded("EGMETHOD", "Method", "测定方法", "EGMETHOD", C,
                  condition="present(EGDAT)", sdtm="CVMETHOD"),
            integer("LVEF", "Left ventricular ejection fraction (LVEF)", "左心室射血分数（LVEF）",
                    C, unit="%", hard=rng(0, 100), condition="present(EGDAT)", sdtm="CVORRES",
                    help=help_("Eligibility requires LVEF ≥50 %.", "入选要求 LVEF ≥50 %。")),
            domain="CV",
        ),
    ),
)
