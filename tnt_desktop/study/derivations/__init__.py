"""Derivations of CRF_SPEC.md §4 (placeholder until the derivation modules land)."""

from tnt_desktop.study.model import Derivation

DERIVATIONS: tuple[Derivation, ...] = ()
