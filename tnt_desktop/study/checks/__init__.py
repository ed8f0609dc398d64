"""Edit checks of CRF_SPEC.md §5 (placeholder until the check modules land)."""

from tnt_desktop.study.model import Check

CHECKS: tuple[Check, ...] = ()
