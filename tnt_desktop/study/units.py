"""Measurement units (ODM MeasurementUnit). Items name a unit by its key."""

from __future__ import annotations

from dataclasses import dataclass

from tnt_desktop.study.model import Text


@dataclass(frozen=True)
class Unit:
    key: str  # what items write in `unit=`
    oid_suffix: str  # MU.<suffix>
    symbol: Text  # as shown beside the field and in the dictionary


def _u(key: str, suffix: str, en: str, zh: str | None = None) -> Unit:
    return Unit(key, suffix, Text(en, zh or en))


UNITS: dict[str, Unit] = {
    u.key: u
    for u in (
        _u("cm", "CM", "cm"),
        _u("mm", "MM", "mm"),
        _u("cm3", "CM3", "cm³"),
        _u("kg", "KG", "kg"),
        _u("m2", "M2", "m²"),
        _u("kg/m2", "KGM2", "kg/m²"),
        _u("Gy", "GY", "Gy"),
        _u("mg", "MG", "mg"),
        _u("g", "G", "g"),
        _u("mg/m2", "MGM2", "mg/m²"),
        _u("g/m2", "GM2", "g/m²"),
        _u("mL", "ML", "mL"),
        _u("mL/min", "MLMIN", "mL/min"),
        _u("min", "MIN", "min", "分钟"),
        _u("h", "H", "h", "小时"),
        _u("days", "DAYS", "days", "天"),
        _u("months", "MONTHS", "months", "月"),
        _u("years", "YEARS", "years", "岁"),
        _u("%", "PCT", "%"),
        _u("units", "UNITS", "units", "单位"),
        _u("pack-years", "PACKYR", "pack-years", "包年"),
        _u("10^9/L", "E9L", "10⁹/L"),
        _u("g/L", "GL", "g/L"),
        _u("umol/L", "UMOLL", "µmol/L"),
        _u("mmol/L", "MMOLL", "mmol/L"),
        _u("U/L", "UL", "U/L"),
        _u("IU/L", "IUL", "IU/L"),
        _u("mg/day", "MGDAY", "mg/day", "mg/天"),
        _u("g/24h", "G24H", "g/24 h", "g/24 小时"),
    )
}
