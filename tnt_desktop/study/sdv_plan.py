"""The risk-based source data verification plan (CRF_SPEC.md REQ-DQ-03).

100 % SDV on the critical items: eligibility (F01), the primary endpoint (F08, the EORTC-STBSG
response score and the viable-tumour percentages it rests on), the radiotherapy dose (F05),
the chemotherapy doses (F06), the surgery date (F07), major wound complications (F09), serious
adverse events (F10 seriousness criteria) and deaths (F12, and the AE outcome "fatal").
Every other item is verified at the monitor's discretion.

Only items a person enters are listed: derived values (the EORTC score derived from the
percentages, the cumulative doxorubicin dose, MWC90/MWC120…) are computed by the system from
these, and verifying their sources verifies them. Pure data: no I/O, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

from tnt_desktop.study.model import Text


@dataclass(frozen=True)
class SdvArea:
    """One area of the 100 % SDV plan: its label and the critical items of one form."""

    key: str
    label: Text
    form_code: str
    items: frozenset[str]


def _area(key: str, en: str, zh: str, form_code: str, items: str) -> SdvArea:
    return SdvArea(key, Text(en, zh), form_code, frozenset(items.split()))


AREAS: tuple[SdvArea, ...] = (
    _area("ELIGIBILITY", "Eligibility", "入组资格", "IE",
          "RFICDAT ICVER SCRDAT INC01 INC01A INC01B INC01C INC01D INC01MDT INC02 INC03 INC04 "
          "INC05 INC06 EXC01 EXC02 EXC02A EXC02B EXC02C EXC02D EXC02E EXC02F EXC02G EXC02H "
          "EXC03 EXC04 EXC05 EXC06 EXC07 EXC08 EXC09"),
    _area("PRIMARY_ENDPOINT", "Primary endpoint (EORTC-STBSG response)",
          "主要终点（EORTC-STBSG 疗效评分）", "PATH",
          "PATHDAT PATHBLK PCTVIAB PCTNECR PCTFIB PCTOTH EORTCSC"),
    _area("RT_DOSE", "Radiotherapy dose", "放疗剂量", "RT",
          "RTPLDOSE RTPLFX FXNUM FXDAT FXGIVEN FXDOSE"),
    _area("CHEMO_DOSE", "Chemotherapy doses", "化疗剂量", "CT",
          "CYGIVEN CYD1DAT CYWEIGHT DOXRED DOXREDPCT IFORED IFOREDPCT EXSTDAT EXDOSE"),
    _area("SURGERY_DATE", "Surgery date", "手术日期", "SURG", "SURGYN SURGDAT"),
    _area("MWC", "Major wound complications", "主要伤口并发症", "WND",
          "WNDSTAT WCTYPE WCSTDAT WCREOP WCREOPDAT WCINVPR WCINVPRDAT WCREADM WCREADMSTDAT "
          "WCREADMIVAB WCPACK WCPACKSTDAT WCPACKENDAT"),
    _area("SAE", "Serious adverse events", "严重不良事件", "AE",
          "AESER AESDTH AESLIFE AESHOSP AESDISAB AESCONG AESMIE AESAEAWDAT AESAEDAT AEOUT"),
    _area("DEATH", "Deaths", "死亡", "DTH", "DTHDAT DTHCAUS"),
)  # fmt: skip

# form code → the critical items of that form
CRITICAL: dict[str, frozenset[str]] = {}
for _a in AREAS:
    CRITICAL[_a.form_code] = CRITICAL.get(_a.form_code, frozenset()) | _a.items
del _a


def is_critical(form_code: str, item_name: str) -> bool:
    """Is this item in the 100 % SDV plan?"""
    return item_name in CRITICAL.get(form_code, ())
