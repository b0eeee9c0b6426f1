"""Streamlined highway transport: an inspection at one office of a corridor is recognised downstream.

Goods inspected at one customs office of the zone and sealed there are not inspected again at another office
of the same corridor when every container arrives under the same, intact seals: the seals are the proof that
nothing changed since the inspection. The risk engine still decides; the recognition then lifts a red lane
that the score, the model or the inspection budget set, but never one that the law forces (watch lists,
controlled goods, a rulebook that inspects everything). Pure: the candidates come from the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from silkport.clearance.domain.model import Container, DeclarationContent, Lane
from silkport.clearance.domain.rules.rulebook import RuleKind

#: rule kinds whose red lane is the law's: a recognised inspection does not lift it
LEGAL_KINDS = frozenset({RuleKind.HS_WATCH, RuleKind.COUNTRY_WATCH, RuleKind.CONTROLLED_GOODS, RuleKind.ALWAYS})


def seal_key(seals: Iterable[str]) -> str:
    """The seals of a container as one comparable text (order does not matter, case and blanks do not count)."""
    return "|".join(sorted({s.strip().upper() for s in seals if s.strip()}))


@dataclass(frozen=True, slots=True)
class InspectedContainer:
    """A container that customs inspected and sealed at an office (what a later declaration is matched to)."""

    container: str
    seals: str  # seal_key of the seals affixed after the inspection
    office_code: str
    declaration_id: str
    inspected_at: datetime


@dataclass(frozen=True, slots=True)
class Corridor:
    name: str
    offices: frozenset[str]


@dataclass(frozen=True, slots=True)
class RecognitionPolicy:
    """Which offices recognise each other's inspections, and for how long."""

    corridors: tuple[Corridor, ...]
    max_age: timedelta

    def corridor_of(self, upstream: str, downstream: str) -> Corridor | None:
        if upstream == downstream:
            return None  # a re-inspection at the same office is that office's own business
        for corridor in self.corridors:
            if upstream in corridor.offices and downstream in corridor.offices:
                return corridor
        return None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> RecognitionPolicy:
        """``{"max_age_hours": 168, "corridors": [{"name": ..., "offices": [...]}, ...]}`` (the data file's shape)."""
        try:
            hours = float(data["max_age_hours"])
            corridors = tuple(
                Corridor(str(c["name"]), frozenset(str(o) for o in c["offices"])) for c in data["corridors"]
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"a recognition policy needs max_age_hours and corridors of name/offices: {exc}") from exc
        if hours <= 0:
            raise ValueError("max_age_hours must be positive")
        for c in corridors:
            if len(c.offices) < 2:
                raise ValueError(f"corridor {c.name!r} needs at least two offices")
        return cls(corridors, timedelta(hours=hours))


@dataclass(frozen=True, slots=True)
class Recognition:
    """The earlier inspection that covers every container of a declaration."""

    corridor: str
    office_code: str
    declaration_ids: tuple[str, ...]  # the inspected declaration(s)
    inspected_at: datetime  # the latest of them
    containers: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "corridor": self.corridor,
            "office": self.office_code,
            "declarations": list(self.declaration_ids),
            "inspected_at": self.inspected_at.isoformat(),
            "containers": list(self.containers),
        }


def find_recognition(
    content: DeclarationContent,
    candidates: Sequence[InspectedContainer],
    policy: RecognitionPolicy,
    now: datetime,
) -> Recognition | None:
    """The recognised inspection of ``content``: every container was inspected at one other office of one corridor
    within the policy's age and arrives under exactly the seals affixed there. None when any container is not
    covered (or the declaration has no containers: there is nothing the seals could prove)."""
    if not content.containers:
        return None
    by_office: dict[tuple[str, str], list[InspectedContainer]] = {}
    for container in content.containers:
        found = _matches(container, candidates, policy, content.office_code, now)
        if not found:
            return None
        for c in found:
            shared = policy.corridor_of(c.office_code, content.office_code)
            if shared is not None:
                by_office.setdefault((shared.name, c.office_code), []).append(c)
    wanted = {c.number.upper() for c in content.containers}
    best: Recognition | None = None
    for (name, office), hits in sorted(by_office.items()):
        if {h.container for h in hits} != wanted:
            continue  # one office must have inspected them all
        latest = max(h.inspected_at for h in hits)
        if best is None or latest > best.inspected_at:
            best = Recognition(
                corridor=name,
                office_code=office,
                declaration_ids=tuple(sorted({h.declaration_id for h in hits})),
                inspected_at=latest,
                containers=tuple(sorted(wanted)),
            )
    return best


def _matches(
    container: Container,
    candidates: Sequence[InspectedContainer],
    policy: RecognitionPolicy,
    office: str,
    now: datetime,
) -> list[InspectedContainer]:
    number = container.number.upper()
    seals = seal_key(container.seals)
    if not seals:
        return []  # an unsealed container proves nothing
    return [
        c
        for c in candidates
        if c.container == number
        and c.seals == seals
        and timedelta(0) <= now - c.inspected_at <= policy.max_age
        and policy.corridor_of(c.office_code, office) is not None
    ]


def apply_recognition(
    lane: Lane, fired_kinds: Iterable[tuple[RuleKind, Lane | None]], recognition: Recognition | None
) -> tuple[Lane, str | None]:
    """Lift a red lane to green when the goods' inspection upstream is recognised, unless a legal rule forced red.
    ``fired_kinds``: each fired rule's kind and the lane it forced. Returns the lane and the officer's reason."""
    if recognition is None or lane is not Lane.RED:
        return lane, None
    if any(kind in LEGAL_KINDS and forced is Lane.RED for kind, forced in fired_kinds):
        return lane, None
    return Lane.GREEN, (
        f"streamlined highway ({recognition.corridor}): inspected at {recognition.office_code} on "
        f"{recognition.inspected_at.date().isoformat()} ({', '.join(recognition.declaration_ids)}), "
        f"seals intact on {len(recognition.containers)} container(s): not inspected again"
    )
