"""The TNT-STS forms, one module per form (F01 … F16 of CRF_SPEC.md §3).

Each module defines `FORM` (a `model.Form`) and `CODELISTS` (the codelists it owns; a codelist is
owned by exactly one module and referenced by name from any other).
"""

from __future__ import annotations

import importlib
from functools import cache

from tnt_desktop.study.model import Codelist, Form

# Schedule order; the module names say which form of the spec each one is.
FORM_MODULES: tuple[str, ...] = (
    "f01_ie",
    "f02_dm",
    "f03_mh",
    "f04_tubl",
    "f04b_tupre",
    "f05_rt",
    "f06_ct",
    "f07_surg",
    "f08_path",
    "f09_wnd",
    "f10_ae",
    "f11_fu",
    "f11b_ltox",
    "f11c_msts",
    "f12_dth",
    "f13_eos",
    "f14_dv",
    "f15_lb",
    "f16_cm",
)


def load_forms() -> tuple[tuple[Form, ...], tuple[Codelist, ...]]:
    forms: list[Form] = []
    codelists: list[Codelist] = []
    for name in FORM_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        forms.append(module.FORM)
        codelists.extend(module.CODELISTS)
    return tuple(forms), tuple(codelists)


@cache
def forms_by_code() -> dict[str, Form]:
    """The declared forms by code. Checks and derivations read their items here, never from the
    assembled study (study.definition lists the checks and derivations: asking it back would tie
    the two in a circle)."""
    return {form.code: form for form in load_forms()[0]}
