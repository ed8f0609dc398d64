"""The subject-level derived values (CRF_SPEC.md §4: D-10, D-11, D-13, D-14, D-18, D-19) as a
pseudo-form, so that exports describe and type them like every other item.

They live on no CRF page — RESP_AC, the primary endpoint, or OSTCDAYS are computed from several
forms — so `SUBJECT_FORM` is not one of the study's forms (no screen, no ODM FormDef): the CSV
export writes one row per subject to `SUBJECT_LEVEL.csv` and the data dictionary lists the items
with their derivation. The names are exactly the derivations' `subject_outputs`
(tests/core/test_subject_items.py keeps the two in step). CNSR follows the ADaM convention:
0 = event, 1 = censored. Every value is as of the data cut-off of the export (clarification 23);
MWC90 and MWC120 are empty with the reason NOT EVALUABLE in `<NAME>_MISSING` when the
post-operative window is not yet observed (clarification 22); day counts are never capped.
"""

from __future__ import annotations

from tnt_desktop.study.forms._build import (
    D,
    boolean,
    coded,
    date_,
    floatn,
    group,
    integer,
    text,
)
from tnt_desktop.study.model import Form, Item, T

SUBJECT_FORM_CODE = "SUBJECT_LEVEL"
COURSE = "D-SUBJ-COURSE"
# values that may be empty with a reason (clarification 22): a `<NAME>_MISSING` column each
REASONED_ITEMS = ("MWC90", "MWC120")


def _flag(name: str, en: str, zh: str, derivation: str) -> Item:
    return boolean(name, en, zh, D, derivation=derivation)


def _days(name: str, en: str, zh: str) -> Item:
    return integer(name, en, zh, D, derivation="D-18")


def _cnsr(name: str, en: str, zh: str) -> Item:
    return integer(name, en + " (0 = event, 1 = censored)", zh + "（0 = 事件，1 = 删失）", D,
                   derivation="D-18")  # fmt: skip


SUBJECT_FORM = Form(
    code=SUBJECT_FORM_CODE,
    number="—",
    label=T(
        "Subject-level derived values (endpoints, populations, survival times)",
        "受试者层面衍生变量（终点、分析人群、生存时间）",
    ),
    groups=(
        group(
            "SUBJECT",
            "Subject-level derived values",
            "受试者层面衍生变量",
            date_("CHEMOEND", "Last chemotherapy administration date", "末次化疗给药日期", D,
                  derivation="D-10"),
            date_("CHEMOPERIODEND", "End of the chemotherapy period", "化疗期结束日期", D,
                  derivation="D-11"),
            text("CHEMOPERIODBASIS",
                 "Rule for the end of the chemotherapy period (C3, LAST_CYCLE, RT, NONE)",
                 "化疗期结束日期所用规则（C3、LAST_CYCLE、RT、NONE）", D, length=10,
                 derivation="D-11"),
            coded("EORTCFIN", "Final EORTC-STBSG response score", "最终 EORTC-STBSG 反应评分",
                  "EORTCRS", D, derivation="D-13"),
            _flag("RESP_AC", "Primary endpoint: response class A–C (<10 % viable tumour)",
                  "主要终点：反应评分 A–C（存活肿瘤 <10 %）", "D-13"),
            _flag("PCRFL", "Pathological complete response (class A)", "病理完全缓解（A 级）",
                  "D-13"),
            _flag("TRTFL", "Treated population", "治疗人群", "D-13"),
            _flag("PPROTFL", "Per-protocol population", "符合方案人群", "D-13"),
            _flag("WCEVAL", "Evaluable for wound complications", "可评估伤口并发症", "D-14"),
            _flag("ANYWC90", "Any wound complication within 90 days", "90 天内任何伤口并发症",
                  "D-14"),
            _flag("MWC90", "Major wound complication within 90 days (empty: not evaluable, "
                  "see MWC90_MISSING)", "90 天内严重伤口并发症（空：不可评估，见 MWC90_MISSING）",
                  "D-14"),
            _flag("MWC120", "Major wound complication within 120 days (empty: not evaluable, "
                  "see MWC120_MISSING)",
                  "120 天内严重伤口并发症（空：不可评估，见 MWC120_MISSING）", "D-14"),
            date_("MWCDAT", "Date of the first major wound complication",
                  "首次严重伤口并发症日期", D, derivation="D-14"),
            _flag("WCINCFU", "Wound follow-up incomplete (<90 days observed, no MWC)",
                  "伤口随访不完整（观察 <90 天且无严重并发症）", "D-14"),
            date_("DTHDATIMP", "Date of death (imputed where partial)",
                  "死亡日期（部分日期已填补）", D, derivation="D-18"),
            date_("LASTALIVE", "Last date known alive", "最后已知存活日期", D, derivation="D-18"),
            _days("OSTCDAYS", "Overall survival from end of treatment, days",
                  "自治疗结束起的总生存期（天）"),
            _cnsr("OSTCCNSR", "Overall survival from end of treatment: censoring",
                  "自治疗结束起的总生存期：删失"),
            _days("OSENRDAYS", "Overall survival from enrolment, days", "自入组起的总生存期（天）"),
            _cnsr("OSENRCNSR", "Overall survival from enrolment: censoring",
                  "自入组起的总生存期：删失"),
            _days("LCTCDAYS", "Local control from end of treatment, days",
                  "自治疗结束起的局部控制期（天）"),
            _cnsr("LCTCCNSR", "Local control from end of treatment: censoring",
                  "自治疗结束起的局部控制期：删失"),
            _days("LCENRDAYS", "Local control from enrolment, days", "自入组起的局部控制期（天）"),
            _cnsr("LCENRCNSR", "Local control from enrolment: censoring",
                  "自入组起的局部控制期：删失"),
            date_("RFSTDAT", "Study day origin (first day of radiotherapy)",
                  "研究日起点（放疗第 1 天）", D, derivation="D-19"),
            date_("ENRDAT", "Enrolment date", "入组日期", D, derivation=COURSE),
            _flag("RTCOMPLFL", "Radiotherapy completed per protocol (RTCOMPL)",
                  "按方案完成放疗（RTCOMPL）", COURSE),
            integer("CTNCYC", "AI chemotherapy cycles given", "已给 AI 化疗周期数", D,
                    derivation=COURSE),
            _flag("CTOVERFL", "Chemotherapy over (all cycles given, or surgery done or "
                  "documented as not done, end of study or death)",
                  "化疗已结束（全部周期已给，或已手术/记录未手术、研究结束或死亡）", COURSE),
            floatn("RDIDOX", "Relative dose intensity of doxorubicin at the last cycle given",
                     "末次给药周期的多柔比星相对剂量强度", 2, D, derivation=COURSE),
            floatn("RDIIFO", "Relative dose intensity of ifosfamide at the last cycle given",
                     "末次给药周期的异环磷酰胺相对剂量强度", 2, D, derivation=COURSE),
            floatn("RDI", "Relative dose intensity at the last cycle given (lower of the two "
                     "drugs)", "末次给药周期的相对剂量强度（两药中较低者）", 2, D,
                     derivation=COURSE),
            _flag("SURGFL", "Surgery performed (N: documented as not done; empty: pending)",
                  "已手术（N：记录未手术；空：待定）", COURSE),
            _flag("DTHFL", "Died on or before the data cut-off", "数据截止日或之前死亡", COURSE),
        ),
    ),
)
