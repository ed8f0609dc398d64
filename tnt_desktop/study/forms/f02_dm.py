"""F02 — Enrolment & demographics (DM, event SE.SCR). CRF_SPEC.md §3 F02."""

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
    text,
)
from tnt_desktop.study.model import C as code
from tnt_desktop.study.model import DataType, Form, T, rng

CODELISTS = (
    codelist(
        "SEX", "Sex", "性别",
        code("M", "Male", "男"),
        code("F", "Female", "女"),
    ),
    codelist(
        "CN_ETHNIC", "Ethnic group (minzu)", "民族",
        code("HAN", "Han", "汉族"),
        code("OTHER", "Other ethnic group (specify)", "其他民族（请注明）"),
    ),
    codelist(
        "ECOG", "ECOG performance status", "ECOG 体能状态评分",
        code("0", "0: fully active, able to carry on all pre-disease performance without "
             "restriction",
             "0：活动能力完全正常，与起病前活动能力无任何差异"),
        code("1", "1: restricted in physically strenuous activity but ambulatory and able to "
             "carry out work of a light or sedentary nature (e.g. light house work, office work)",
             "1：能自由走动及从事轻体力活动，包括一般家务或办公室工作，但不能从事较重的体力"
             "活动"),
        code("2", "2: ambulatory and capable of all self-care but unable to carry out any work "
             "activities; up and about more than 50 % of waking hours",
             "2：能自由走动及生活自理，但已丧失工作能力，日间不少于一半时间可以起床活动"),
        code("3", "3: capable of only limited self-care; confined to bed or chair more than "
             "50 % of waking hours",
             "3：生活仅能部分自理，日间一半以上时间卧床或坐轮椅"),
        code("4", "4: completely disabled; cannot carry on any self-care; totally confined to "
             "bed or chair",
             "4：卧床不起，生活完全不能自理"),
        code("5", "5: dead", "5：死亡"),
        data_type=DataType.INTEGER,
    ),
    codelist(
        "BSAMETH", "Body surface area formula", "体表面积计算公式",
        code("MOSTELLER", "Mosteller: √(height [cm] × weight [kg] / 3600)",
             "Mosteller 公式：√（身高 [cm] × 体重 [kg] / 3600）"),
        code("DUBOIS", "DuBois: 0.007184 × height [cm]^0.725 × weight [kg]^0.425",
             "DuBois 公式：0.007184 × 身高 [cm]^0.725 × 体重 [kg]^0.425"),
    ),
)

_SITE_ONLY = help_("Direct identifier: stored at the site only, never exported.",
                   "直接身份标识信息：仅保存在本中心，不予导出。")

FORM = Form(
    code="DM",
    number="F02",
    label=T("Enrolment & demographics", "入组与人口学资料"),
    domain="DM",
    groups=(
        group(
            "MAIN", "Enrolment and demographics", "入组与人口学资料",
            text("SUBJID", "Subject ID", "受试者编号", D, derivation="ASSIGNED",
                 pattern=r"^TNT-01-\d{3}$", sdtm="SUBJID",
                 help=help_("Assigned on enrolment, sequential, never reused.",
                            "入组时按顺序分配，不得重复使用。")),
            text("SITEID", "Site", "研究中心", D, derivation="ASSIGNED", sdtm="SITEID",
                 help=help_("01 = Fujian Medical University Union Hospital (FJMUUH).",
                            "01 = 福建医科大学附属协和医院。")),
            date_("ENRDAT", "Enrolment date", "入组日期", R,
                  help=help_("On or after the consent date and on or before RT day 1 (TIM-10).",
                             "须晚于或等于签署知情同意书日期，且早于或等于放疗第 1 天"
                             "（TIM-10）。")),
            date_("BRTHDAT", "Date of birth", "出生日期", R, identifier=True, sdtm="BRTHDTC",
                  help=help_("Stays at the site: only the age is exported.",
                             "仅保存在本中心：仅导出年龄。")),
            integer("AGE", "Age at informed consent", "签署知情同意时年龄", D, unit="years",
                    hard=rng(18, 75), derivation="D-01", sdtm="AGE",
                    help=help_("Completed years between the date of birth and the consent date. "
                               "18–75 required for enrolment (X-14).",
                               "出生日期至签署知情同意书日期之间的足岁年龄。入组须为 18–75 岁"
                               "（X-14）。")),
            coded("SEX", "Sex", "性别", "SEX", R, sdtm="SEX"),
            coded("ETHNIC", "Ethnic group", "民族", "CN_ETHNIC", O,
                  help=help_("Optional (data minimisation).", "选填（数据最小化原则）。")),
            text("ETHNICSP", "Ethnic group, other (specify)", "其他民族（请注明）", C, 50,
                 condition="ETHNIC == 'OTHER'", identifier=True,
                 help=help_("Stays at the site: the export collapses the ethnic group to Han / "
                            "other.",
                            "仅保存在本中心：导出时民族仅区分为汉族/其他民族。")),
            boolean("CHILDPOT", "Woman of child-bearing potential", "有生育可能的女性", C,
                    condition="SEX == 'F'",
                    help=help_("Pregnancy testing and contraception requirements are to be "
                               "confirmed by the protocol.",
                               "妊娠试验及避孕要求以研究方案为准。")),
        ),
        group(
            "IDENTITY", "Identity (site only)", "身份信息（仅限本中心）",
            text("SUBJNAME", "Name", "姓名", O, 50, identifier=True, help=_SITE_ONLY),
            text("SUBJPINYIN", "Name (pinyin)", "姓名拼音", O, 100, identifier=True,
                 help=_SITE_ONLY),
            text("MRN", "Hospital record number (inpatient / outpatient number)",
                 "住院号/门诊号", O, 30, identifier=True, help=_SITE_ONLY),
            text("NATIONALID", "Resident identity card number", "居民身份证号", O, 18,
                 identifier=True, pattern=r"\d{17}[\dXx]",
                 help=help_("18 characters. Direct identifier: stored at the site only, never "
                            "exported.",
                            "18 位。直接身份标识信息：仅保存在本中心，不予导出。")),
            text("PHONE", "Phone number", "联系电话", O, 20, identifier=True, help=_SITE_ONLY),
            text("ADDRESS", "Address", "联系地址", O, 200, identifier=True, help=_SITE_ONLY),
        ),
        group(
            "PS", "ECOG performance status", "ECOG 体能状态",
            date_("ECOGDAT", "ECOG assessment date", "ECOG 评估日期", R,
                  help=help_("No more than 28 days before enrolment.", "入组前 28 天内。")),
            coded("ECOG", "ECOG performance status", "ECOG 体能状态评分", "ECOG", R,
                  data_type=DataType.INTEGER, sdtm="RSORRES",
                  help=help_("0–2 required for eligibility (X-13).",
                             "入组须为 0–2 分（X-13）。")),
            domain="RS",
        ),
        group(
            "VS", "Height, weight and body surface area", "身高、体重与体表面积",
            date_("VSDAT", "Date of height/weight", "身高/体重测量日期", R, sdtm="VSDTC",
                  help=help_("No more than 14 days before RT day 1.", "放疗第 1 天前 14 天内。")),
            floatn("HEIGHT", "Height", "身高", 1, R, unit="cm", hard=rng(100, 230),
                   soft=rng(140, 200), sdtm="VSORRES"),
            floatn("WEIGHT", "Weight", "体重", 1, R, unit="kg", hard=rng(25, 250),
                   soft=rng(40, 150), sdtm="VSORRES",
                   help=help_("Re-measured at each chemotherapy cycle.",
                              "每个化疗周期重新测量。")),
            floatn("BSA", "Body surface area", "体表面积", 2, D, unit="m2", soft=rng(1.2, 2.6),
                   derivation="D-02",
                   help=help_("Mosteller: √(height [cm] × weight [kg] / 3600), rounded to 2 "
                              "decimals; DuBois if configured at study set-up.",
                              "Mosteller 公式：√（身高 [cm] × 体重 [kg] / 3600），保留 2 位小数；"
                              "如研究设置为 DuBois 公式则按其计算。")),
            coded("BSAMETH", "BSA formula used", "体表面积计算公式", "BSAMETH", D,
                  derivation="D-02"),
            floatn("BMI", "Body-mass index", "体重指数", 1, D, unit="kg/m2", derivation="D-03",
                   help=help_("Weight [kg] / (height [m])².", "体重 [kg] / 身高 [m]²。")),
            domain="VS",
        ),
    ),
)
