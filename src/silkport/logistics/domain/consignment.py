"""The consignment: its transport document, parties, goods, legs, and a status derived from milestones.

Pure domain: no I/O, no clock reads (every time is passed in, timezone-aware).

Status machine (only these edges; anything else raises IllegalTransition)::

    booked ──► in_transit ──► at_border ──► cleared ──► in_transit ... ──► delivered
       └──────────────────────► at_border        └──► at_border (exit, then entry post)
    any non-final ──► exception ──► the status it interrupted (resolved)

Milestones move the status: the departure of a leg -> in_transit; the arrival of a leg that ends at a
border crossing -> at_border; a customs release -> cleared; the arrival of the last leg -> delivered.
The departure or arrival of an intermediate leg while in transit keeps the status (no transition).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from silkport.logistics.domain import identifiers as ids
from silkport.shared.codes import is_country, is_locode_shaped, normalise_locode
from silkport.shared.errors import FieldError, IllegalTransition, ValidationFailed
from silkport.shared.text import field_error


class DocumentKind(StrEnum):
    AIR_WAYBILL = "air_waybill"
    RAIL_CIM_SMGS = "rail_cim_smgs"
    ROAD_CMR = "road_cmr"
    TIR_CARNET = "tir_carnet"
    POSTAL_ITEM = "postal_item"


_DOCUMENT_RULES: dict[DocumentKind, tuple[Callable[[str], str], Callable[[str], str | None]]] = {
    DocumentKind.AIR_WAYBILL: (ids.normalise_awb, ids.awb_problem),
    DocumentKind.RAIL_CIM_SMGS: (ids.normalise_rail_note, ids.rail_note_problem),
    DocumentKind.ROAD_CMR: (ids.normalise_cmr, ids.cmr_problem),
    DocumentKind.TIR_CARNET: (ids.normalise_tir_carnet, ids.tir_carnet_problem),
    DocumentKind.POSTAL_ITEM: (ids.normalise_s10, ids.s10_problem),
}


@dataclass(frozen=True, slots=True)
class TransportDocument:
    """A transport document; ``number`` is stored normalised and validated for its kind."""

    kind: DocumentKind
    number: str

    @classmethod
    def of(cls, kind: DocumentKind | str, number: str, field_name: str = "document.number") -> TransportDocument:
        try:
            kind = DocumentKind(kind)
        except ValueError as exc:
            raise ValidationFailed(
                field_error(
                    "document.kind",
                    "%(kind)r is not one of %(DocumentKind)s",
                    kind=kind,
                    DocumentKind=", ".join(k.value for k in DocumentKind),
                )
            ) from exc
        normalise, problem = _DOCUMENT_RULES[kind]
        message = problem(number)
        if message is not None:
            raise ValidationFailed(FieldError(field_name, message))
        return cls(kind, normalise(number))


class Mode(StrEnum):
    AIR = "air"
    RAIL = "rail"
    ROAD = "road"
    MAIL = "mail"
    SEA = "sea"


def _aware(value: datetime | None) -> bool:
    return value is None or (value.tzinfo is not None and value.utcoffset() is not None)


@dataclass(frozen=True, slots=True)
class Leg:
    """One movement by one carrier. ``ends_at_border``: its destination is a border crossing point."""

    mode: Mode
    carrier: str
    origin: str  # UN/LOCODE
    destination: str  # UN/LOCODE
    planned_departure: datetime
    planned_arrival: datetime
    actual_departure: datetime | None = None
    actual_arrival: datetime | None = None
    ends_at_border: bool = False

    def problems(self, prefix: str) -> list[FieldError]:
        errors: list[FieldError] = []
        if not self.carrier.strip():
            errors.append(field_error(f"{prefix}.carrier", "carrier is required"))
        for name in ("origin", "destination"):
            code = getattr(self, name)
            if not is_locode_shaped(code) or normalise_locode(code) != code:
                errors.append(
                    field_error(f"{prefix}.{name}", "%(code)r is not a normalised UN/LOCODE like CNHRS", code=code)
                )
        for name in ("planned_departure", "planned_arrival", "actual_departure", "actual_arrival"):
            if not _aware(getattr(self, name)):
                errors.append(field_error(f"{prefix}.{name}", "time must be timezone-aware"))
        if errors:
            return errors
        if self.planned_arrival < self.planned_departure:
            errors.append(field_error(f"{prefix}.planned_arrival", "planned arrival is before planned departure"))
        if self.actual_arrival is not None and self.actual_departure is None:
            errors.append(field_error(f"{prefix}.actual_arrival", "a leg cannot arrive before it has departed"))
        if (
            self.actual_arrival is not None
            and self.actual_departure is not None
            and self.actual_arrival < self.actual_departure
        ):
            errors.append(field_error(f"{prefix}.actual_arrival", "actual arrival is before actual departure"))
        return errors

    @property
    def departure_delay(self) -> timedelta | None:
        return None if self.actual_departure is None else self.actual_departure - self.planned_departure

    @property
    def arrival_delay(self) -> timedelta | None:
        return None if self.actual_arrival is None else self.actual_arrival - self.planned_arrival


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    country: str  # ISO 3166 alpha-2


@dataclass(frozen=True, slots=True)
class GoodsSummary:
    description: str
    packages: int
    gross_mass_kg: Decimal


class Status(StrEnum):
    BOOKED = "booked"
    IN_TRANSIT = "in_transit"
    AT_BORDER = "at_border"
    CLEARED = "cleared"
    DELIVERED = "delivered"
    EXCEPTION = "exception"


FINAL = frozenset({Status.DELIVERED})

#: the only edges of the consignment lifecycle
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.BOOKED: frozenset({Status.IN_TRANSIT, Status.AT_BORDER, Status.EXCEPTION}),
    Status.IN_TRANSIT: frozenset({Status.AT_BORDER, Status.DELIVERED, Status.EXCEPTION}),
    Status.AT_BORDER: frozenset({Status.CLEARED, Status.EXCEPTION}),
    Status.CLEARED: frozenset({Status.IN_TRANSIT, Status.AT_BORDER, Status.DELIVERED, Status.EXCEPTION}),
    Status.EXCEPTION: frozenset({Status.BOOKED, Status.IN_TRANSIT, Status.AT_BORDER, Status.CLEARED}),
    Status.DELIVERED: frozenset(),
}


class MilestoneKind(StrEnum):
    DEPARTED = "departed"  # a leg's actual departure (needs ``leg``)
    ARRIVED = "arrived"  # a leg's actual arrival (needs ``leg``)
    AT_BORDER = "at_border"  # presented to customs at a border post without a leg arrival (e.g. booked there)
    RELEASED = "released"  # customs released the goods
    EXCEPTION = "exception"  # held, damaged, refused...
    RESOLVED = "resolved"  # the exception is lifted: back to the status it interrupted


@dataclass(frozen=True, slots=True)
class Milestone:
    kind: MilestoneKind
    at: datetime
    leg: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class StatusChange:
    at: datetime
    milestone: MilestoneKind
    from_status: Status
    to_status: Status
    leg: int | None


@dataclass(slots=True)
class Consignment:
    """The aggregate. Build it with :meth:`book`; move it only with :meth:`record`."""

    id: str
    document: TransportDocument
    shipper: Party
    consignee: Party
    goods: GoodsSummary
    legs: tuple[Leg, ...]
    declaration_ids: tuple[str, ...] = ()
    corridor: str | None = None
    status: Status = Status.BOOKED
    milestones: list[Milestone] = field(default_factory=list)
    history: list[StatusChange] = field(default_factory=list)
    interrupted: Status | None = None  # the status an exception interrupted

    @classmethod
    def book(
        cls,
        *,
        id: str,
        document: TransportDocument,
        shipper: Party,
        consignee: Party,
        goods: GoodsSummary,
        legs: Iterable[Leg],
        declaration_ids: Iterable[str] = (),
        corridor: str | None = None,
    ) -> Consignment:
        """A new consignment in status booked; every rule broken is reported at once."""
        legs = tuple(
            replace(leg, origin=normalise_locode(leg.origin), destination=normalise_locode(leg.destination))
            for leg in legs
        )
        errors: list[FieldError] = []
        if not id.strip():
            errors.append(field_error("id", "id is required"))
        for name, party in (("shipper", shipper), ("consignee", consignee)):
            if not party.name.strip():
                errors.append(field_error(f"{name}.name", "name is required"))
            if not is_country(party.country):
                errors.append(
                    field_error(f"{name}.country", "%(country)r is not an ISO 3166 country code", country=party.country)
                )
        if not goods.description.strip():
            errors.append(field_error("goods.description", "description is required"))
        if goods.packages < 1:
            errors.append(field_error("goods.packages", "at least one package"))
        if not isinstance(goods.gross_mass_kg, Decimal) or not goods.gross_mass_kg.is_finite():
            errors.append(field_error("goods.gross_mass_kg", "gross mass must be a finite Decimal"))
        elif goods.gross_mass_kg <= 0:
            errors.append(field_error("goods.gross_mass_kg", "gross mass must be positive"))
        if not legs:
            errors.append(field_error("legs", "at least one leg"))
        for i, leg in enumerate(legs):
            errors.extend(leg.problems(f"legs[{i}]"))
            if leg.actual_departure is not None or leg.actual_arrival is not None:
                errors.append(field_error(f"legs[{i}]", "actual times are recorded by milestones, not at booking"))
        for i in range(1, len(legs)):
            if legs[i].origin != legs[i - 1].destination:
                errors.append(
                    FieldError(
                        f"legs[{i}].origin",
                        f"leg starts at {legs[i].origin}, previous leg ends at {legs[i - 1].destination}",
                    )
                )
        if errors:
            raise ValidationFailed(errors)
        return cls(
            id=id,
            document=document,
            shipper=shipper,
            consignee=consignee,
            goods=goods,
            legs=legs,
            declaration_ids=tuple(declaration_ids),
            corridor=corridor,
        )

    # -- moving --------------------------------------------------------------------------------

    def record(self, milestone: Milestone) -> None:
        """Apply one milestone: update the legs and move the status along a legal edge."""
        if not _aware(milestone.at):
            raise ValidationFailed(field_error("at", "time must be timezone-aware"))
        target = self._target(milestone)
        if target is self.status and milestone.kind in (MilestoneKind.DEPARTED, MilestoneKind.ARRIVED):
            pass  # an intermediate leg moved; still in transit
        elif target not in TRANSITIONS[self.status]:
            raise IllegalTransition("consignment", self.status.value, target.value)
        if milestone.kind is MilestoneKind.EXCEPTION:
            self.interrupted = self.status
        elif milestone.kind is MilestoneKind.RESOLVED:
            self.interrupted = None
        self._update_leg(milestone)
        if target is not self.status:
            self.history.append(StatusChange(milestone.at, milestone.kind, self.status, target, milestone.leg))
            self.status = target
        self.milestones.append(milestone)

    def record_all(self, milestones: Iterable[Milestone]) -> None:
        """Apply milestones in event-time order (they may arrive out of order)."""
        for milestone in sorted(milestones, key=lambda m: m.at):
            self.record(milestone)

    def _leg_index(self, milestone: Milestone) -> int:
        if milestone.leg is None or not 0 <= milestone.leg < len(self.legs):
            raise ValidationFailed(
                field_error(
                    "leg",
                    "%(kind)s needs a leg between 0 and %(legs)s",
                    kind=milestone.kind.value,
                    legs=len(self.legs) - 1,
                )
            )
        return milestone.leg

    def _target(self, milestone: Milestone) -> Status:
        kind = milestone.kind
        if kind is MilestoneKind.DEPARTED:
            i = self._leg_index(milestone)
            leg = self.legs[i]
            if leg.actual_departure is not None:
                raise ValidationFailed(field_error("leg", "leg %(i)s has already departed", i=i))
            if i > 0 and self.legs[i - 1].actual_arrival is None:
                raise ValidationFailed(
                    field_error("leg", "leg %(i)s cannot depart before leg %(i2)s has arrived", i=i, i2=i - 1)
                )
            if i > 0 and milestone.at < self._arrival(i - 1):
                raise ValidationFailed(field_error("at", "leg %(i)s departs before leg %(i2)s arrived", i=i, i2=i - 1))
            return Status.IN_TRANSIT
        if kind is MilestoneKind.ARRIVED:
            i = self._leg_index(milestone)
            leg = self.legs[i]
            if leg.actual_departure is None:
                raise ValidationFailed(field_error("leg", "leg %(i)s has not departed", i=i))
            if leg.actual_arrival is not None:
                raise ValidationFailed(field_error("leg", "leg %(i)s has already arrived", i=i))
            if milestone.at < leg.actual_departure:
                raise ValidationFailed(field_error("at", "leg %(i)s arrives before it departed", i=i))
            if i == len(self.legs) - 1:
                return Status.DELIVERED
            return Status.AT_BORDER if leg.ends_at_border else Status.IN_TRANSIT
        if kind is MilestoneKind.AT_BORDER:
            return Status.AT_BORDER
        if kind is MilestoneKind.RELEASED:
            return Status.CLEARED
        if kind is MilestoneKind.EXCEPTION:
            return Status.EXCEPTION
        if self.status is not Status.EXCEPTION or self.interrupted is None:
            raise IllegalTransition("consignment", self.status.value, "resolved")
        return self.interrupted

    def _arrival(self, i: int) -> datetime:
        arrival = self.legs[i].actual_arrival
        assert arrival is not None
        return arrival

    def _update_leg(self, milestone: Milestone) -> None:
        if milestone.leg is None or milestone.kind not in (MilestoneKind.DEPARTED, MilestoneKind.ARRIVED):
            return
        legs = list(self.legs)
        if milestone.kind is MilestoneKind.DEPARTED:
            legs[milestone.leg] = replace(legs[milestone.leg], actual_departure=milestone.at)
        else:
            legs[milestone.leg] = replace(legs[milestone.leg], actual_arrival=milestone.at)
        self.legs = tuple(legs)

    # -- reading -------------------------------------------------------------------------------

    def first_time(self, kind: MilestoneKind) -> datetime | None:
        times = [m.at for m in self.milestones if m.kind is kind]
        return min(times) if times else None

    @property
    def departed_at(self) -> datetime | None:
        return self.legs[0].actual_departure

    @property
    def delivered_at(self) -> datetime | None:
        return self.legs[-1].actual_arrival

    @property
    def door_to_door(self) -> timedelta | None:
        """From the first leg's actual departure to the last leg's actual arrival, once delivered."""
        if self.departed_at is None or self.delivered_at is None:
            return None
        return self.delivered_at - self.departed_at
