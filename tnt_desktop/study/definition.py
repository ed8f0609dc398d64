"""The assembled TNT-STS study: forms, events, codelists, derivations, checks, parameters.

`get_study()` builds it once per process (pure, no I/O). Look-ups accept qualified references
as the conditions, derivations and checks write them: "FORM.NAME" for a form's item, or
"FORM.GROUP.NAME" for an item of a repeating group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from tnt_desktop.study.events import EVENTS
from tnt_desktop.study.model import (
    Check,
    Codelist,
    Derivation,
    Event,
    Form,
    Item,
    ItemGroup,
)
from tnt_desktop.study.parameters import DEFAULT_PARAMETERS, StudyParameters
from tnt_desktop.study.units import UNITS, Unit


@dataclass(frozen=True)
class ItemDefinition:
    """An item with everything needed to place it: its form, group and OID."""

    form: Form
    group: ItemGroup
    item: Item

    @property
    def oid(self) -> str:
        return self.form.item_oid(self.group, self.item)

    @property
    def ref(self) -> str:
        if self.group.repeating:
            return f"{self.form.code}.{self.group.name}.{self.item.name}"
        return f"{self.form.code}.{self.item.name}"


@dataclass(frozen=True)
class Study:
    parameters: StudyParameters
    events: tuple[Event, ...]
    forms: tuple[Form, ...]
    codelists: tuple[Codelist, ...]
    derivations: tuple[Derivation, ...]
    checks: tuple[Check, ...]
    units: dict[str, Unit] = field(default_factory=lambda: dict(UNITS))

    @property
    def oid(self) -> str:
        return self.parameters.study_oid

    def form(self, code: str) -> Form:
        for form in self.forms:
            if form.code == code:
                return form
        raise KeyError(f"no form {code!r}")

    def event(self, oid: str) -> Event:
        for event in self.events:
            if event.oid == oid:
                return event
        raise KeyError(f"no event {oid!r}")

    def codelist(self, name: str) -> Codelist:
        for codelist in self.codelists:
            if codelist.name == name:
                return codelist
        raise KeyError(f"no codelist {name!r}")

    def derivation(self, derivation_id: str) -> Derivation:
        for derivation in self.derivations:
            if derivation.id == derivation_id:
                return derivation
        raise KeyError(f"no derivation {derivation_id!r}")

    def check(self, check_id: str) -> Check:
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(f"no check {check_id!r}")

    def item_definitions(self) -> list[ItemDefinition]:
        """Every item of every form, in form and screen order."""
        return [
            ItemDefinition(form, group, item) for form in self.forms for group, item in form.items()
        ]

    def resolve(self, ref: str) -> ItemDefinition | None:
        """'FORM.NAME' or 'FORM.GROUP.NAME' → the item, or None when it does not exist.

        'FORM.NAME' also finds an item of a repeating group when the name is unique in the form.
        """
        parts = ref.split(".")
        if len(parts) not in (2, 3):
            return None
        try:
            form = self.form(parts[0])
        except KeyError:
            return None
        group_name = parts[1] if len(parts) == 3 else None
        matches = [
            ItemDefinition(form, group, item)
            for group, item in form.items()
            if item.name == parts[-1] and (group_name is None or group.name == group_name)
        ]
        return matches[0] if len(matches) == 1 else None

    def events_with_form(self, code: str) -> tuple[Event, ...]:
        return tuple(event for event in self.events if code in event.forms)


def build_study(parameters: StudyParameters = DEFAULT_PARAMETERS) -> Study:
    from tnt_desktop.study.checks import CHECKS
    from tnt_desktop.study.derivations import DERIVATIONS
    from tnt_desktop.study.forms import load_forms

    forms, codelists = load_forms()
    return Study(
        parameters=parameters,
        events=EVENTS,
        forms=forms,
        codelists=codelists,
        derivations=tuple(DERIVATIONS),
        checks=tuple(CHECKS),
    )


@cache
def get_study() -> Study:
    """The TNT-STS study with its default parameters (built once per process)."""
    return build_study()
