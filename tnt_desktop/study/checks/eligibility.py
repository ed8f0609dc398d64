"""Eligibility cross-checks X-10 … X-24 (CRF_SPEC.md §5.2): the answers of F01 against the
source data of DM, MH, TUBL and the screening LB."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from tnt_desktop.study.checks._common import (
    HARD,
    NO,
    SOFT,
    YES,
    CheckDef,
    as_date,
    as_dec,
    as_int,
    code_attr,
    codes_with_attr,
    fmt_num,
    msg,
    rec,
    rows,
    val,
    years_before,
)
from tnt_desktop.study.model import Finding, T
from tnt_desktop.study.subject import PartialDate, SubjectData

# --- X-10 -------------------------------------------------------------------------------------

X10 = CheckDef(
    "X-10", SOFT,
    T("High grade (INC01B) matches the FNCLCC grade", "高级别（INC01B）与 FNCLCC 分级一致"),
    forms=("IE", "TUBL"),
    items=("IE.INC01B", "TUBL.FNGRADE"),
)


@X10
def _x10(subject: SubjectData, params: Any) -> Iterator[Finding]:
    ie = rec(subject, "IE")
    grade = val(rec(subject, "TUBL"), "FNGRADE")
    if val(ie, "INC01B") == YES and grade is not None and grade not in params.high_grades:
        allowed = "/".join(params.high_grades)
        yield X10.finding(
            msg(f"INC01B (high grade) is Y but the FNCLCC grade is {grade}, not {allowed}",
                f"INC01B（高级别）为 Y，但 FNCLCC 分级为 {grade}，不是 {allowed}"),
            ("IE.INC01B", "TUBL.FNGRADE"), ie,
        )


# --- X-11 -------------------------------------------------------------------------------------

X11 = CheckDef(
    "X-11", HARD,
    T("Size criterion (INC01C) matches the maximum tumour diameter",
      "肿瘤大小标准（INC01C）与最大径一致"),
    forms=("IE", "TUBL"),
    items=("IE.INC01C", "TUBL.TUMAXD"),
)


@X11
def _x11(subject: SubjectData, params: Any) -> Iterator[Finding]:
    ie = rec(subject, "IE")
    answer = val(ie, "INC01C")
    size = as_dec(val(rec(subject, "TUBL"), "TUMAXD"))
    limit = params.min_diameter_cm
    if size is None or answer not in (YES, NO):
        return
    if answer == YES and size < limit:
        yield X11.finding(
            msg(f"INC01C (≥{fmt_num(limit)} cm) is Y but the maximum tumour diameter is "
                f"{size} cm",
                f"INC01C（≥{fmt_num(limit)} cm）为 Y，但肿瘤最大径为 {size} cm"),
            ("IE.INC01C", "TUBL.TUMAXD"), ie,
        )
    elif answer == NO and size >= limit:
        # The reverse direction is a query only: INC01 needs one of B/C/D, so a criterion
        # answered N while the data meet it does not make the subject ineligible.
        yield X11.finding(
            msg(f"INC01C (≥{fmt_num(limit)} cm) is N but the maximum tumour diameter is "
                f"{size} cm",
                f"INC01C（≥{fmt_num(limit)} cm）为 N，但肿瘤最大径为 {size} cm"),
            ("IE.INC01C", "TUBL.TUMAXD"), ie, severity=SOFT,
        )


# --- X-12 -------------------------------------------------------------------------------------

X12 = CheckDef(
    "X-12", SOFT,
    T("Depth criterion (INC01D) and INC01 supported by the baseline tumour data",
      "深部标准（INC01D）及 INC01 与基线肿瘤数据一致"),
    forms=("IE", "TUBL"),
    items=("IE.INC01", "IE.INC01D", "TUBL.TUDEPTH", "TUBL.FNGRADE", "TUBL.TUMAXD"),
)


@X12
def _x12(subject: SubjectData, params: Any) -> Iterator[Finding]:
    ie = rec(subject, "IE")
    tubl = rec(subject, "TUBL")
    depth = val(tubl, "TUDEPTH")
    grade = val(tubl, "FNGRADE")
    size = as_dec(val(tubl, "TUMAXD"))
    if val(ie, "INC01D") == YES and depth is not None and depth != "DEEP":
        yield X12.finding(
            msg(f"INC01D (deep) is Y but the tumour depth is {depth}",
                f"INC01D（深部）为 Y，但肿瘤深度为 {depth}"),
            ("IE.INC01D", "TUBL.TUDEPTH"), ie,
        )
    if val(ie, "INC01") == YES and depth is not None and grade is not None and size is not None:
        if grade not in params.high_grades and size < params.min_diameter_cm and depth != "DEEP":
            yield X12.finding(
                msg(f"INC01 is Y but the baseline tumour meets none of high grade, "
                    f"≥{fmt_num(params.min_diameter_cm)} cm or deep (grade {grade}, "
                    f"{size} cm, {depth})",
                    f"INC01 为 Y，但基线肿瘤不符合高级别、≥{fmt_num(params.min_diameter_cm)} cm "
                    f"或深部中的任何一项（分级 {grade}，{size} cm，{depth}）"),
                ("IE.INC01", "TUBL.FNGRADE", "TUBL.TUMAXD", "TUBL.TUDEPTH"), ie,
            )


# --- X-13 -------------------------------------------------------------------------------------

X13 = CheckDef(
    "X-13", HARD,
    T("ECOG criterion (INC02) matches the ECOG performance status",
      "ECOG 标准（INC02）与 ECOG 评分一致"),
    forms=("IE", "DM"),
    items=("IE.INC02", "DM.ECOG"),
)


@X13
def _x13(subject: SubjectData, params: Any) -> Iterator[Finding]:
    ie = rec(subject, "IE")
    answer = val(ie, "INC02")
    ecog = as_int(val(rec(subject, "DM"), "ECOG"))
    top = params.ecog_max
    if ecog is None or answer not in (YES, NO):
        return
    if (answer == YES) != (ecog <= top):
        yield X13.finding(
            msg(f"INC02 (ECOG 0–{top}) is {answer} but ECOG is {ecog}",
                f"INC02（ECOG 0–{top}）为 {answer}，但 ECOG 评分为 {ecog}"),
            ("IE.INC02", "DM.ECOG"), ie,
        )


# --- X-14 -------------------------------------------------------------------------------------

X14 = CheckDef(
    "X-14", HARD,
    T("Age criterion (INC03) matches the age at consent", "年龄标准（INC03）与知情同意时年龄一致"),
    forms=("IE", "DM"),
    items=("IE.INC03", "DM.AGE"),
)


@X14
def _x14(subject: SubjectData, params: Any) -> Iterator[Finding]:
    ie = rec(subject, "IE")
    answer = val(ie, "INC03")
    age = as_int(val(rec(subject, "DM"), "AGE"))
    low, high = params.age_min, params.age_max
    if age is None or answer not in (YES, NO):
        return
    if (answer == YES) != (low <= age <= high):
        yield X14.finding(
            msg(f"INC03 (age {low}–{high}) is {answer} but the age at consent is {age} years",
                f"INC03（年龄 {low}–{high} 岁）为 {answer}，但知情同意时年龄为 {age} 岁"),
            ("IE.INC03", "DM.AGE"), ie,
        )


# --- X-15 -------------------------------------------------------------------------------------

X15 = CheckDef(
    "X-15", HARD,
    T("Histological diagnosis (INC04) needs a biopsy date and histological subtype",
      "组织学诊断（INC04）须有活检日期和组织学亚型"),
    forms=("IE", "TUBL"),
    items=("IE.INC04", "TUBL.HISTTYPE", "TUBL.BXDAT"),
)


@X15
def _x15(subject: SubjectData, params: Any) -> Iterator[Finding]:
    ie = rec(subject, "IE")
    tubl = rec(subject, "TUBL")
    if val(ie, "INC04") != YES or tubl is None:
        return  # the baseline tumour form is not entered yet: nothing to compare
    missing = [name for name in ("HISTTYPE", "BXDAT") if val(tubl, name) is None]
    if missing:
        names = ", ".join(missing)
        yield X15.finding(
            msg(f"INC04 (histological diagnosis) is Y but the baseline tumour form has no "
                f"{names}",
                f"INC04（组织学诊断）为 Y，但基线肿瘤表缺少 {names}"),
            ("IE.INC04", *(f"TUBL.{n}" for n in missing)), ie,
        )


# --- X-16 -------------------------------------------------------------------------------------

X16 = CheckDef(
    "X-16", SOFT,
    T("Organ function (INC06) matches the screening labs and LVEF",
      "器官功能（INC06）与筛选期化验及 LVEF 一致"),
    forms=("IE", "LB", "DM"),
    items=("IE.INC06", "LB.LB.LBTESTCD", "LB.LB.LBORRES", "LB.LB.LBORNRHI", "LB.CRCL", "LB.LVEF",
           "DM.CHILDPOT"),
)


def _lab_limits(params: Any) -> dict[str, tuple[str, Decimal, bool]]:
    """test code → (kind, threshold, times ULN?): 'min' value ≥ threshold, 'max' value ≤."""
    return {
        "NEUT": ("min", params.anc_min, False),
        "PLAT": ("min", params.plt_min, False),
        "HGB": ("min", params.hgb_min, False),
        "BILI": ("max", params.bili_max_uln, True),
        "ALT": ("max", params.alt_ast_max_uln, True),
        "AST": ("max", params.alt_ast_max_uln, True),
        "CREAT": ("max", params.creat_max_uln, True),
    }


@X16
def _x16(subject: SubjectData, params: Any) -> Iterator[Finding]:
    ie = rec(subject, "IE")
    lb = rec(subject, "LB", "SE.SCR")
    if val(ie, "INC06") != YES or lb is None:
        return
    head_en = "INC06 (normal organ function) is Y but "
    head_zh = "INC06（主要器官功能正常）为 Y，但"
    limits = _lab_limits(params)
    for index, row in enumerate(rows(lb, "LB")):
        test = row.get("LBTESTCD")
        value = as_dec(row.get("LBORRES"))
        uln = as_dec(row.get("LBORNRHI"))
        if value is None or test is None:
            continue
        if test == "HCG":
            if val(rec(subject, "DM"), "CHILDPOT") == YES and uln is not None and value > uln:
                yield X16.finding(
                    msg(f"{head_en}the screening pregnancy test (HCG {value}, ULN {uln}) "
                        "is positive",
                        f"{head_zh}筛选期妊娠试验（HCG {value}，ULN {uln}）阳性"),
                    ("IE.INC06", "LB.LB.LBORRES"), lb, index,
                )
            continue
        if test not in limits:
            continue
        kind, threshold, times_uln = limits[test]
        if kind == "min" and value < threshold:
            yield X16.finding(
                msg(f"{head_en}screening {test} {value} is below {fmt_num(threshold)}",
                    f"{head_zh}筛选期 {test} {value} 低于 {fmt_num(threshold)}"),
                ("IE.INC06", "LB.LB.LBORRES"), lb, index,
            )
        elif kind == "max" and times_uln and uln is not None and value > threshold * uln:
            yield X16.finding(
                msg(f"{head_en}screening {test} {value} is above {fmt_num(threshold)} × ULN "
                    f"({fmt_num(threshold * uln)})",
                    f"{head_zh}筛选期 {test} {value} 高于 {fmt_num(threshold)} × ULN"
                    f"（{fmt_num(threshold * uln)}）"),
                ("IE.INC06", "LB.LB.LBORRES", "LB.LB.LBORNRHI"), lb, index,
            )
    crcl = as_dec(val(lb, "CRCL"))
    if crcl is not None and crcl < params.crcl_min:
        yield X16.finding(
            msg(f"{head_en}the creatinine clearance {crcl} mL/min is below "
                f"{fmt_num(params.crcl_min)} mL/min",
                f"{head_zh}肌酐清除率 {crcl} mL/min 低于 {fmt_num(params.crcl_min)} mL/min"),
            ("IE.INC06", "LB.CRCL"), lb,
        )
    lvef = as_dec(val(lb, "LVEF"))
    if lvef is not None and lvef < params.lvef_min:
        yield X16.finding(
            msg(f"{head_en}LVEF {lvef} % is below {fmt_num(params.lvef_min)} %",
                f"{head_zh}LVEF {lvef} % 低于 {fmt_num(params.lvef_min)} %"),
            ("IE.INC06", "LB.LVEF"), lb,
        )


# --- X-17 … X-23: source data that force an exclusion ----------------------------------------

X17 = CheckDef(
    "X-17", HARD,
    T("NYHA III–IV or uncontrolled hypertension ⇒ exclusion EXC02",
      "NYHA III–IV 级或未控制的高血压 ⇒ 排除标准 EXC02"),
    forms=("IE", "MH"),
    items=("MH.NYHA", "MH.HTNUNC", "IE.EXC02", "IE.EXC02F", "IE.EXC02G"),
)


@X17
def _x17(subject: SubjectData, params: Any) -> Iterator[Finding]:
    ie = rec(subject, "IE")
    mh = rec(subject, "MH")
    nyha = val(mh, "NYHA")
    causes = []
    if nyha in ("III", "IV"):
        causes.append(("MH.NYHA", f"NYHA class {nyha}", f"NYHA 心功能 {nyha} 级", "EXC02G"))
    if val(mh, "HTNUNC") == YES:
        causes.append(("MH.HTNUNC", "uncontrolled hypertension", "未控制的高血压", "EXC02F"))
    exc02 = val(ie, "EXC02")
    for ref, en, zh, sub in causes:
        if exc02 == NO:
            yield X17.finding(
                msg(f"Medical history records {en} but EXC02 (comorbidity contraindicating AI) "
                    "is N",
                    f"病史记录{zh}，但 EXC02（AI 化疗禁忌合并症）为 N"),
                (ref, "IE.EXC02"), ie,
            )
        elif exc02 == YES and val(ie, sub) == NO:
            yield X17.finding(
                msg(f"Medical history records {en} but its reason {sub} is N",
                    f"病史记录{zh}，但对应原因 {sub} 为 N"),
                (ref, f"IE.{sub}"), ie,
            )


X18 = CheckDef(
    "X-18", SOFT,
    T("Other malignancy within 5 years (not cervical CIS / early BCC) ⇒ exclusion EXC03",
      "5 年内其他恶性肿瘤（宫颈原位癌/早期基底细胞癌除外）⇒ 排除标准 EXC03"),
    forms=("IE", "MH"),
    items=("MH.PRIORMAL", "MH.PRIORMALDAT", "MH.PRIORMALEXEMPT", "IE.RFICDAT", "IE.EXC03"),
)


@X18
def _x18(subject: SubjectData, params: Any) -> Iterator[Finding]:
    ie = rec(subject, "IE")
    mh = rec(subject, "MH")
    if val(mh, "PRIORMAL") != YES or val(mh, "PRIORMALEXEMPT") == YES or val(ie, "EXC03") != NO:
        return
    years = params.prior_malignancy_years
    diagnosed = val(mh, "PRIORMALDAT")
    consent = as_date(val(ie, "RFICDAT"))
    when_en = when_zh = ""
    if diagnosed is not None:
        when_en, when_zh = f" diagnosed {diagnosed}", f"（诊断于 {diagnosed}）"
        if consent is not None:
            latest = diagnosed.latest() if isinstance(diagnosed, PartialDate) else diagnosed
            if latest < years_before(consent, years):
                return  # diagnosed more than the window before consent
    yield X18.finding(
        msg(f"Medical history records another malignancy{when_en} within {years} years "
            f"(not cervical CIS / early BCC) but EXC03 is N",
            f"病史记录 {years} 年内其他恶性肿瘤{when_zh}（非宫颈原位癌/早期基底细胞癌），"
            "但 EXC03 为 N"),
        ("MH.PRIORMAL", "MH.PRIORMALDAT", "IE.EXC03"), ie,
    )


X19 = CheckDef(
    "X-19", HARD,
    T("Excluded histology (non-pleomorphic RMS, Ewing) ⇒ exclusion EXC04",
      "排除的组织学类型（非多形性横纹肌肉瘤、尤文肉瘤）⇒ 排除标准 EXC04"),
    forms=("IE", "TUBL"),
    items=("TUBL.HISTTYPE", "IE.EXC04"),
)

_EXCLUDED_HISTOLOGY = frozenset({"ERMS", "ARMS", "SRMS", "EWS"})  # CRF_SPEC.md §3.1, EXCL = Y


@X19
def _x19(subject: SubjectData, params: Any) -> Iterator[Finding]:
    ie = rec(subject, "IE")
    hist = val(rec(subject, "TUBL"), "HISTTYPE")
    excluded = codes_with_attr("HISTSTS", "excl", "Y", _EXCLUDED_HISTOLOGY)
    if hist in excluded and val(ie, "EXC04") == NO:
        yield X19.finding(
            msg(f"Histological subtype {hist} is an excluded histology but EXC04 is N",
                f"组织学亚型 {hist} 属于排除的组织学类型，但 EXC04 为 N"),
            ("TUBL.HISTTYPE", "IE.EXC04"), ie,
        )


def _implies(check: CheckDef, source_ref: str, source_en: str, source_zh: str, exc: str):
    """A check 'source answer = Y ⇒ IE.<exc> = Y'."""

    def function(subject: SubjectData, params: Any) -> Iterator[Finding]:
        form, name = source_ref.split(".")
        ie = rec(subject, "IE")
        if val(rec(subject, form), name) == YES and val(ie, exc) == NO:
            yield check.finding(
                msg(f"{source_en} ({name} = Y) but {exc} is N",
                    f"{source_zh}（{name} = Y），但 {exc} 为 N"),
                (source_ref, f"IE.{exc}"), ie,
            )

    check(function)
    return function


X20 = CheckDef(
    "X-20", HARD,
    T("Prior RT to the same site ⇒ exclusion EXC06", "同部位既往放疗 ⇒ 排除标准 EXC06"),
    forms=("IE", "MH"),
    items=("MH.PRIORRT", "IE.EXC06"),
)
_implies(X20, "MH.PRIORRT", "Medical history records prior RT to the same site",
         "病史记录同部位既往放疗", "EXC06")

X21 = CheckDef(
    "X-21", HARD,
    T("N1, M1 or metastasis on chest staging ⇒ exclusion EXC07",
      "N1、M1 或胸部分期发现转移 ⇒ 排除标准 EXC07"),
    forms=("IE", "TUBL"),
    items=("TUBL.AJCC_N", "TUBL.AJCC_M", "TUBL.CHESTRES", "IE.EXC07"),
)


@X21
def _x21(subject: SubjectData, params: Any) -> Iterator[Finding]:
    ie = rec(subject, "IE")
    if val(ie, "EXC07") != NO:
        return
    tubl = rec(subject, "TUBL")
    found = []
    if val(tubl, "AJCC_N") == "N1":
        found.append(("TUBL.AJCC_N", "cN1", "cN1"))
    if val(tubl, "AJCC_M") == "M1":
        found.append(("TUBL.AJCC_M", "cM1", "cM1"))
    if val(tubl, "CHESTRES") == "METASTASIS":
        found.append(("TUBL.CHESTRES", "metastasis on chest staging", "胸部分期发现转移"))
    if found:
        en = ", ".join(f[1] for f in found)
        zh = "、".join(f[2] for f in found)
        yield X21.finding(
            msg(f"Baseline staging shows {en} but EXC07 (N1/M1) is N",
                f"基线分期显示 {zh}，但 EXC07（N1/M1）为 N"),
            (*(f[0] for f in found), "IE.EXC07"), ie,
        )


X22 = CheckDef(
    "X-22", HARD,
    T("Prior chemotherapy ⇒ exclusion EXC09", "既往化疗 ⇒ 排除标准 EXC09"),
    forms=("IE", "MH"),
    items=("MH.PRIORCT", "IE.EXC09"),
)
_implies(X22, "MH.PRIORCT", "Medical history records prior chemotherapy", "病史记录既往化疗",
         "EXC09")

X23 = CheckDef(
    "X-23", HARD,
    T("Unplanned excision without gross residual tumour ⇒ exclusion EXC01",
      "计划外切除后无肉眼残留肿瘤 ⇒ 排除标准 EXC01"),
    forms=("IE", "MH"),
    items=("MH.UNPLEXC", "MH.UNPLGROSS", "IE.EXC01"),
)


@X23
def _x23(subject: SubjectData, params: Any) -> Iterator[Finding]:
    ie = rec(subject, "IE")
    mh = rec(subject, "MH")
    if val(mh, "UNPLEXC") == YES and val(mh, "UNPLGROSS") == NO and val(ie, "EXC01") == NO:
        yield X23.finding(
            msg("Medical history records an unplanned excision with no gross residual tumour "
                "(UNPLEXC = Y, UNPLGROSS = N) but EXC01 is N",
                "病史记录计划外切除且无肉眼残留肿瘤（UNPLEXC = Y，UNPLGROSS = N），但 EXC01 为 N"),
            ("MH.UNPLEXC", "MH.UNPLGROSS", "IE.EXC01"), ie,
        )


# --- X-24 -------------------------------------------------------------------------------------

X24 = CheckDef(
    "X-24", HARD,
    T("Sub-site matches the extremity; FNCLCC grade matches the FNCLCC score",
      "亚部位与肢体一致；FNCLCC 分级与评分一致"),
    forms=("TUBL",),
    items=("TUBL.TUSUBSITE", "TUBL.TULIMB", "TUBL.FNGRADE", "TUBL.FNSCORE"),
)

_SUBSITE_LIMB = {
    **dict.fromkeys(("SHOULDER", "AXILLA", "UPPER_ARM", "ELBOW_ANTECUBITAL", "FOREARM",
                     "WRIST_HAND"), "UPPER"),
    **dict.fromkeys(("BUTTOCK_GLUTEAL", "HIP_GROIN", "THIGH_ANTERIOR", "THIGH_MEDIAL_ADDUCTOR",
                     "THIGH_POSTERIOR", "KNEE_POPLITEAL", "LOWER_LEG", "ANKLE_FOOT"), "LOWER"),
}


def fnclcc_grade(score: int) -> str | None:
    """FNCLCC: score 2–3 → G1, 4–5 → G2, 6–8 → G3 (CRF_SPEC.md D-04)."""
    if 2 <= score <= 3:
        return "G1"
    if 4 <= score <= 5:
        return "G2"
    if 6 <= score <= 8:
        return "G3"
    return None


@X24
def _x24(subject: SubjectData, params: Any) -> Iterator[Finding]:
    tubl = rec(subject, "TUBL")
    limb = val(tubl, "TULIMB")
    subsite = val(tubl, "TUSUBSITE")
    if limb is not None and subsite is not None:
        expected = code_attr("SUBSITE", subsite, "limb", _SUBSITE_LIMB)
        if expected is not None and expected != limb:
            yield X24.finding(
                msg(f"Sub-site {subsite} belongs to the {expected} limb, not {limb}",
                    f"亚部位 {subsite} 属于 {expected} 肢体，而非 {limb}"),
                ("TUBL.TUSUBSITE", "TUBL.TULIMB"), tubl,
            )
    score = as_int(val(tubl, "FNSCORE"))
    grade = val(tubl, "FNGRADE")
    if score is not None and grade is not None:
        expected_grade = fnclcc_grade(score)
        if expected_grade is not None and grade != expected_grade:
            yield X24.finding(
                msg(f"FNCLCC grade {grade} does not match the FNCLCC score {score} "
                    f"({expected_grade})",
                    f"FNCLCC 分级 {grade} 与 FNCLCC 评分 {score}（{expected_grade}）不一致"),
                ("TUBL.FNGRADE", "TUBL.FNSCORE"), tubl,
            )


CHECKS = tuple(c.check() for c in (X10, X11, X12, X13, X14, X15, X16, X17, X18, X19, X20, X21,
                                    X22, X23, X24))
