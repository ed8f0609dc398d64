"""Study parameters (CRF_SPEC.md §1 as amended by the build decisions).

Every [P]/[?] value is a parameter here, never a constant buried in a derivation or a check:
derivations and checks receive a `StudyParameters` and read from it. The storage layer keeps an
audited copy in study settings; changing one is an audited settings change (build decision 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from tnt_desktop.study.model import Text


def _p(default: Any, en: str, zh: str, marker: str = "[P]") -> Any:
    return field(default=default, metadata={"label": Text(en, zh), "marker": marker})


D = Decimal


@dataclass(frozen=True)
class StudyParameters:
    # --- identity -----------------------------------------------------------------------
    study_oid: str = _p("ST.NCT06593899", "Study OID", "研究 OID", "[V]")
    protocol_name: str = _p("NCT06593899", "Protocol", "方案编号", "[V]")
    study_name: str = _p("TNT-STS", "Study name", "研究简称", "[V]")
    metadata_version: str = _p("MDV.1.0", "Metadata version", "元数据版本", "[P]")
    site_id: str = _p("01", "Site", "中心编号", "[P]")
    subject_id_prefix: str = _p("TNT-01-", "Subject ID prefix", "受试者编号前缀")
    target_enrolment: int = _p(51, "Target enrolment", "目标入组例数", "[V]")
    screening_number_pattern: str = _p(r"^SCR-\d{4}$", "Screening number pattern", "筛选号格式")
    # --- eligibility ------------------------------------------------------------------------
    age_min: int = _p(18, "Minimum age (years)", "最小年龄（岁）", "[V]")
    age_max: int = _p(75, "Maximum age (years)", "最大年龄（岁）", "[V]")
    ecog_max: int = _p(2, "Maximum ECOG", "ECOG 上限", "[V]")
    high_grades: tuple[str, ...] = _p(("G2", "G3"), "High grade means", "高级别定义", "[?]")
    min_diameter_cm: Decimal = _p(D("5.0"), "Size criterion (cm)", "肿瘤大小标准（cm）", "[V]")
    prior_malignancy_years: int = _p(5, "Other malignancy window (years)", "其他恶性肿瘤时限（年）")
    screening_window_days: int = _p(28, "Screening ≤ days before enrolment", "筛选距入组天数")
    imaging_window_days: int = _p(28, "Imaging ≤ days before RT day 1", "影像距放疗首日天数")
    labs_window_days: int = _p(14, "Labs ≤ days before RT day 1", "化验距放疗首日天数")
    vitals_window_days: int = _p(
        14, "Height/weight ≤ days before RT day 1", "身高体重距放疗首日天数"
    )
    ecog_window_days: int = _p(28, "ECOG ≤ days before enrolment", "ECOG 距入组天数")
    # organ function thresholds for INC06 / X-16 (F15)
    anc_min: Decimal = _p(D("1.5"), "ANC ≥ (10⁹/L)", "中性粒细胞 ≥ (10⁹/L)")
    plt_min: Decimal = _p(D("100"), "Platelets ≥ (10⁹/L)", "血小板 ≥ (10⁹/L)")
    hgb_min: Decimal = _p(D("90"), "Haemoglobin ≥ (g/L)", "血红蛋白 ≥ (g/L)")
    bili_max_uln: Decimal = _p(D("1.5"), "Bilirubin ≤ × ULN", "胆红素 ≤ × ULN")
    alt_ast_max_uln: Decimal = _p(D("2.5"), "ALT/AST ≤ × ULN", "ALT/AST ≤ × ULN")
    creat_max_uln: Decimal = _p(D("1.5"), "Creatinine ≤ × ULN", "肌酐 ≤ × ULN")
    crcl_min: Decimal = _p(D("60"), "CrCl ≥ (mL/min)", "肌酐清除率 ≥ (mL/min)")
    lvef_min: Decimal = _p(D("50"), "LVEF ≥ (%)", "LVEF ≥ (%)")
    # --- radiotherapy -----------------------------------------------------------------------
    rt_dose_per_fraction: Decimal = _p(
        D("5.00"), "RT dose per fraction (Gy)", "单次剂量（Gy）", "[V]"
    )
    rt_fractions: int = _p(5, "RT fractions", "放疗次数", "[V]")
    rt_total_dose: Decimal = _p(D("25.0"), "RT total dose (Gy)", "放疗总剂量（Gy）", "[V]")
    rt_total_tolerance: Decimal = _p(
        D("0.5"), "RT total dose tolerance (Gy)", "总剂量允许误差（Gy）"
    )
    rt_fraction_tolerance_pct: Decimal = _p(
        D("5"), "Fraction dose tolerance (%)", "单次剂量误差（%）"
    )
    rt_max_ott_days: int = _p(7, "Maximum RT overall treatment time (days)", "最长放疗总时间（天）")
    rt_interruption_gap_days: int = _p(
        3, "RT gap counted as interruption (> days)", "放疗中断间隔（>天）"
    )
    # --- RT → C1 (TIM-02) -------------------------------------------------------------------
    rt_to_c1_target: int = _p(7, "RT end → C1D1 target (days)", "放疗结束至 C1D1 目标（天）")
    rt_to_c1_ok: tuple[int, int] = _p((5, 10), "RT end → C1D1 acceptable", "放疗至化疗可接受区间")
    rt_to_c1_query: tuple[int, int] = _p((3, 14), "RT end → C1D1 outside → deviation", "超出即偏离")
    # --- chemotherapy (build decision 2) ------------------------------------------------------
    n_cycles: int = _p(3, "AI cycles", "AI 周期数", "[V]")
    cycle_length_days: int = _p(21, "Cycle length (days)", "周期长度（天）", "[V]")
    cycle_ok: tuple[int, int] = _p(
        (19, 24), "Cycle interval accepted (days)", "周期间隔可接受（天）"
    )
    cycle_delay: tuple[int, int] = _p(
        (25, 35), "Cycle delay needing a reason (days)", "需说明原因的延迟（天）"
    )
    cycle_delay_reason_days: int = _p(3, "Delay > days needs CYDLYRSN", "延迟超过天数需填原因")
    chemo_period_days: int = _p(
        20, "Chemotherapy period end = C3D1 + days", "化疗期结束 = C3D1 + 天"
    )
    dox_mg_m2_per_cycle: Decimal = _p(
        D("75"), "Doxorubicin mg/m² per cycle", "多柔比星每周期 mg/m²", "[?]"
    )
    dox_days: int = _p(3, "Doxorubicin days per cycle", "多柔比星给药天数", "[?]")
    dox_schedule: str = _p("D1_D3", "Doxorubicin schedule", "多柔比星给药方案", "[?]")
    ifo_g_m2_per_cycle: Decimal = _p(
        D("10"), "Ifosfamide g/m² per cycle", "异环磷酰胺每周期 g/m²", "[?]"
    )
    ifo_days: int = _p(4, "Ifosfamide days per cycle", "异环磷酰胺给药天数", "[?]")
    mesna_min_fraction: Decimal = _p(
        D("0.60"), "Mesna ≥ fraction of ifosfamide dose", "美司钠最低比例", "[K]"
    )
    bsa_formula: str = _p("MOSTELLER", "BSA formula", "体表面积公式", "[V]")
    bsa_cap_m2: Decimal | None = _p(None, "BSA cap (m²)", "体表面积上限（m²）", "[?]")
    weight_change_pct: Decimal = _p(
        D("10"), "Weight change prompting BSA recalculation (%)", "体重变化阈值（%）"
    )
    dose_deviation_pct: Decimal = _p(D("10"), "Dose deviation (%)", "剂量偏离（%）")
    overdose_query_pct: Decimal = _p(D("110"), "Actual > % of planned → query", "超过计划%→质疑")
    overdose_hard_pct: Decimal = _p(
        D("125"), "Actual > % of planned → confirm", "超过计划%→强制确认"
    )
    dox_cumulative_soft: Decimal = _p(
        D("300"), "Cumulative doxorubicin query (mg/m²)", "多柔比星累积质疑", "[K]"
    )
    dox_cumulative_hard: Decimal = _p(
        D("450"), "Cumulative doxorubicin stop (mg/m²)", "多柔比星累积上限", "[K]"
    )
    chemo_row_window_days: int = _p(
        6, "Administration rows within D1 + days", "给药记录在 D1 + 天内"
    )
    # --- surgery (build decision 3, clarification 15) ---------------------------------------
    surgery_ok: tuple[int, int] = _p(
        (7, 14), "Surgery − chemo period end accepted (days)", "手术时间可接受（天）"
    )
    surgery_query: tuple[int, int] = _p(
        (0, 21), "Surgery window outside → deviation (days)", "超出即偏离（天）"
    )
    surgery_after_rt_min_days: int = _p(28, "Surgery ≥ days after RT end", "手术距放疗结束最少天数")
    no_chemo_reference_days: int = _p(
        7, "No cycle given: reference = last RT + days", "未化疗时参考 = 末次放疗 + 天"
    )
    # --- follow-up (clarification 16) -------------------------------------------------------
    wound_days: tuple[int, ...] = _p(
        (14, 30, 60, 90, 120), "Wound checks (post-op days)", "伤口评估（术后天）"
    )
    wound_window_days: int = _p(5, "Wound check window ± days", "伤口评估窗口 ± 天")
    fu_months: tuple[int, ...] = _p(
        (3, 6, 9, 12, 15, 18, 21, 24), "Follow-up visits (months)", "随访（月）"
    )
    fu_window_days: int = _p(14, "Follow-up window ± days", "随访窗口 ± 天")
    mwc_days: tuple[int, int] = _p(
        (90, 120), "MWC windows (days)", "主要伤口并发症窗口（天）", "[V]"
    )
    path_report_days: int = _p(30, "Pathology report ≤ days after surgery", "病理报告距手术天数")
    preop_restaging_days: int = _p(14, "Restaging ≤ days before surgery", "术前再分期距手术天数")
    sae_report_days: int = _p(1, "SAE reported ≤ days after awareness", "SAE 报告时限（天）")
    os_horizon_months: int = _p(24, "OS / LC horizon (months)", "生存分析时限（月）", "[V]")

    def with_changes(self, **changes: Any) -> StudyParameters:
        from dataclasses import replace

        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise KeyError(f"unknown study parameter(s): {', '.join(sorted(unknown))}")
        return replace(self, **changes)

    @staticmethod
    def describe() -> list[tuple[str, Text, str]]:
        """(name, label, marker) of every parameter, for settings screens and the dictionary."""
        return [
            (f.name, f.metadata["label"], f.metadata["marker"]) for f in fields(StudyParameters)
        ]


DEFAULT_PARAMETERS = StudyParameters()
