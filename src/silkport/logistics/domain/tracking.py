"""From tracking events to objects' keys and to a consignment's milestones. Pure: no I/O, no clock.

Object ids
==========
Every object an event names (EPCs, parent, children, quantity classes, business transactions) and every
id asked for in a history query goes through :func:`normalise_object_id`, so the same thing is found
however it is written:

* ``urn:silkport:<kind>:<id>`` (``urn:silkport:container:CSQU3054383``, ``urn:silkport:wagon:52718364``,
  ``urn:silkport:vehicle:LSVAU2180N2183294``) names the plain ``<id>``, normalised as below;
* an EPC or any other URI (anything else with a ``:``) is kept exactly as sent (trimmed), except the EPC
  ``bic`` scheme (``urn:epc:id:bic:CSQU3054383``), which becomes the plain ISO 6346 container number;
* a plain identifier (no ``:``) loses its spaces, hyphens, dots and slashes and is upper-cased, the way
  the transport documents' own normalisers write numbers: ``784-1234 5675`` -> ``78412345675`` (AWB),
  ``rr 123 456 785 cn`` -> ``RR123456785CN`` (S10), ``CSQU 305438-3`` -> ``CSQU3054383`` (ISO 6346),
  ``21 81 2471 217-3`` -> ``218124712173`` (UIC wagon), ``x8001-1`` -> ``X80011`` (a train),
  ``CMR-2025-0001`` -> ``CMR20250001``; ids are not check-digit validated here (a history query for a
  mistyped id simply finds nothing).

Milestones from events
======================
:func:`replay` rebuilds a consignment's legs and status from its events in event-time order (the order
events arrived in does not matter): ``departing`` (or ``shipping``) departs the next leg (arriving the
previous one first if no event said it arrived), ``arriving`` / ``receiving`` at a leg's destination
(or with no UN/LOCODE given) arrives the leg in transit, ``inspecting`` while moving puts it at the
border, a release step (an extension business step whose last segment is ``released`` or
``customs_released``, e.g. ``urn:silkport:bizstep:released``) records the customs release, ``holding``
or a ``damaged`` / ``stolen`` / ``destroyed`` / ``unavailable`` disposition raises an exception, and the
next movement or an ``active`` / ``in_transit`` / ``in_progress`` disposition resolves it. An event
that would break the consignment's lifecycle is skipped and reported, never applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Final

from silkport.logistics.domain import identifiers as ids
from silkport.logistics.domain.consignment import Consignment, Milestone, MilestoneKind, Status
from silkport.logistics.domain.epcis import (
    AggregationEvent,
    BizTransaction,
    ObjectEvent,
    QuantityElement,
    TrackingEvent,
    TransactionEvent,
    objects_of,
)
from silkport.shared.codes import LOCODE_RE
from silkport.shared.errors import IllegalTransition, ValidationFailed

_BIC_PREFIX: Final = "urn:epc:id:bic:"
_SILKPORT_URN: Final = re.compile(r"^urn:silkport:[A-Za-z][A-Za-z0-9_\-]*:([^:]+)$")
_COMPACT_SEPARATORS: Final = re.compile(r"[\s\-./]")
_MAX_OBJECT_ID: Final = 500


def normalise_object_id(raw: str) -> str:
    """The canonical form of an object id (see the module docstring); raises ValueError when empty."""
    value = raw.strip()
    if not value:
        raise ValueError("object id is empty")
    if len(value) > _MAX_OBJECT_ID:
        raise ValueError(f"object id is longer than {_MAX_OBJECT_ID} characters")
    silkport = _SILKPORT_URN.match(value)
    if silkport:  # urn:silkport:<kind>:<id> names the plain id
        value = silkport.group(1)
    elif ":" in value:
        if value.lower().startswith(_BIC_PREFIX):
            container = ids.normalise_container(value[len(_BIC_PREFIX) :])
            if ids.container_problem(container) is None:
                return container
        return value
    compact = _COMPACT_SEPARATORS.sub("", value).upper()
    if not compact:
        raise ValueError(f"object id {raw!r} has only separators")
    return compact


def _ids(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(normalise_object_id(v) for v in values)


def _quantities(values: Iterable[QuantityElement]) -> tuple[QuantityElement, ...]:
    return tuple(replace(q, epc_class=normalise_object_id(q.epc_class)) for q in values)


def normalised(event: TrackingEvent) -> TrackingEvent:
    """The event with every object id it names normalised (what the history index and replay use)."""
    bts = tuple(BizTransaction(normalise_object_id(bt.id), bt.type) for bt in event.biz_transactions)
    if isinstance(event, ObjectEvent):
        return replace(event, epcs=_ids(event.epcs), quantities=_quantities(event.quantities), biz_transactions=bts)
    parent = None if event.parent_id is None else normalise_object_id(event.parent_id)
    if isinstance(event, AggregationEvent):
        return replace(
            event,
            parent_id=parent,
            child_epcs=_ids(event.child_epcs),
            child_quantities=_quantities(event.child_quantities),
            biz_transactions=bts,
        )
    return replace(
        event, parent_id=parent, epcs=_ids(event.epcs), quantities=_quantities(event.quantities), biz_transactions=bts
    )


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One row of the event-object index: the object and how the event names it."""

    object_id: str
    role: str  # epc | parent | child | quantity | transaction


def index_entries(event: TrackingEvent) -> tuple[IndexEntry, ...]:
    """Every (normalised) object the event names, once each, with its role (parent wins over others)."""
    e = normalised(event)
    found: dict[str, str] = {}

    def put(object_id: str, role: str) -> None:
        if object_id not in found or role == "parent":
            found[object_id] = role

    for bt in e.biz_transactions:
        put(bt.id, "transaction")
    if isinstance(e, AggregationEvent):
        for child in e.child_epcs:
            put(child, "child")
        for q in e.child_quantities:
            put(q.epc_class, "child")
    else:
        for epc in e.epcs:
            put(epc, "epc")
        for q in e.quantities:
            put(q.epc_class, "quantity")
    if not isinstance(e, ObjectEvent) and e.parent_id is not None:
        put(e.parent_id, "parent")
    assert set(found) == set(objects_of(e))
    return tuple(IndexEntry(k, v) for k, v in found.items())


# -- milestones --------------------------------------------------------------------------------------
_DEPART_STEPS: Final = frozenset({"departing", "shipping"})
_ARRIVE_STEPS: Final = frozenset({"arriving", "receiving"})
_RELEASE_NAMES: Final = frozenset({"released", "customs_released"})
_EXCEPTION_DISPOSITIONS: Final = frozenset({"damaged", "stolen", "destroyed", "unavailable"})
_RESOLVING_DISPOSITIONS: Final = frozenset({"active", "in_transit", "in_progress"})


def is_release_step(biz_step: str | None) -> bool:
    if biz_step is None or ":" not in biz_step:
        return False
    return re.split(r"[:/#]", biz_step)[-1] in _RELEASE_NAMES


def _locode(event: TrackingEvent) -> str | None:
    where = event.location
    return where if where is not None and LOCODE_RE.match(where) else None


def _departure_milestones(c: Consignment, event: TrackingEvent) -> list[Milestone]:
    pending = [i for i, leg in enumerate(c.legs) if leg.actual_departure is None]
    if not pending:
        return []
    where = _locode(event)
    i = pending[0]
    if where is not None and c.legs[i].origin != where:
        matching = [j for j in pending if c.legs[j].origin == where]
        if not matching:
            return []  # departing from somewhere this consignment does not leave from
        i = matching[0]
    out: list[Milestone] = []
    if i > 0 and c.legs[i - 1].actual_departure is not None and c.legs[i - 1].actual_arrival is None:
        out.append(Milestone(MilestoneKind.ARRIVED, event.event_time, i - 1, f"implied by {event.event_id}"))
    out.append(Milestone(MilestoneKind.DEPARTED, event.event_time, i, event.event_id))
    return out


def _arrival_milestones(c: Consignment, event: TrackingEvent) -> list[Milestone]:
    moving = [i for i, leg in enumerate(c.legs) if leg.actual_departure is not None and leg.actual_arrival is None]
    if not moving:
        return []
    i = moving[0]
    where = _locode(event)
    if where is not None and c.legs[i].destination != where:
        return []  # an arrival en route (a yard, a hub) is not the leg's arrival
    return [Milestone(MilestoneKind.ARRIVED, event.event_time, i, event.event_id)]


def may_move(event: TrackingEvent) -> bool:
    """False when the event implies no milestone whatever the consignment's state (replay ignores it)."""
    return (
        event.biz_step in _DEPART_STEPS
        or event.biz_step in _ARRIVE_STEPS
        or event.biz_step in ("inspecting", "holding")
        or is_release_step(event.biz_step)
        or event.disposition in _EXCEPTION_DISPOSITIONS
        or event.disposition in _RESOLVING_DISPOSITIONS
    )


def milestones_for(c: Consignment, event: TrackingEvent) -> list[Milestone]:
    """What one event means for the consignment in its current state (possibly nothing)."""
    at = event.event_time
    out: list[Milestone] = []
    exceptional = event.biz_step == "holding" or event.disposition in _EXCEPTION_DISPOSITIONS
    if exceptional:
        return [] if c.status is Status.EXCEPTION else [Milestone(MilestoneKind.EXCEPTION, at, None, event.event_id)]
    moves = (
        event.biz_step in _DEPART_STEPS
        or event.biz_step in _ARRIVE_STEPS
        or is_release_step(event.biz_step)
        or event.disposition in _RESOLVING_DISPOSITIONS
    )
    if c.status is Status.EXCEPTION and moves:
        out.append(Milestone(MilestoneKind.RESOLVED, at, None, event.event_id))
        c = _preview(c, out)
    if is_release_step(event.biz_step):
        if c.status is not Status.CLEARED:
            out.append(Milestone(MilestoneKind.RELEASED, at, None, event.event_id))
    elif event.biz_step in _DEPART_STEPS:
        out.extend(_departure_milestones(c, event))
    elif event.biz_step in _ARRIVE_STEPS:
        out.extend(_arrival_milestones(c, event))
    elif event.biz_step == "inspecting" and c.status in (Status.BOOKED, Status.IN_TRANSIT):
        out.append(Milestone(MilestoneKind.AT_BORDER, at, None, event.event_id))
    return out


def _preview(c: Consignment, milestones: list[Milestone]) -> Consignment:
    copy = fresh(c)
    copy.legs = c.legs
    copy.status, copy.interrupted = c.status, c.interrupted
    for m in milestones:
        copy.record(m)
    return copy


def fresh(c: Consignment) -> Consignment:
    """The consignment as booked: no actual times, no milestones, status booked."""
    return Consignment(
        id=c.id,
        document=c.document,
        shipper=c.shipper,
        consignee=c.consignee,
        goods=c.goods,
        legs=tuple(replace(leg, actual_departure=None, actual_arrival=None) for leg in c.legs),
        declaration_ids=c.declaration_ids,
        corridor=c.corridor,
    )


@dataclass(frozen=True, slots=True)
class Skipped:
    event_id: str
    reason: str


def replay(booked: Consignment, events: Iterable[TrackingEvent]) -> tuple[Consignment, list[Skipped]]:
    """The consignment rebuilt from its booking and its events in event-time order (then event id).

    Each event is applied whole or not at all: if any milestone it implies breaks the lifecycle, the
    event is skipped and reported."""
    return advance(fresh(booked), events)


def advance(c: Consignment, events: Iterable[TrackingEvent]) -> tuple[Consignment, list[Skipped]]:
    """Apply events (in event-time order) to the consignment as it stands, in place.

    ``advance(replay(b, earlier), later)`` equals ``replay(b, earlier + later)`` when every later event comes
    after every earlier one: capture uses it for events arriving in order, and replays otherwise."""
    skipped: list[Skipped] = []
    for event in sorted(events, key=lambda e: (e.event_time, e.event_id)):
        planned = milestones_for(c, event)
        if not planned:
            continue
        try:
            trial = _preview(c, planned)
        except (ValidationFailed, IllegalTransition) as exc:
            skipped.append(Skipped(event.event_id, exc.detail))
            continue
        c.legs, c.status, c.interrupted = trial.legs, trial.status, trial.interrupted
        c.milestones.extend(trial.milestones)
        c.history.extend(trial.history)
    return c, skipped


__all__ = [
    "IndexEntry",
    "Skipped",
    "TransactionEvent",
    "advance",
    "fresh",
    "index_entries",
    "is_release_step",
    "may_move",
    "milestones_for",
    "normalise_object_id",
    "normalised",
    "replay",
]
