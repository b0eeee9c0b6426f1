"""Use cases of the logistics context: booking, event capture, history, delivery clocks, alerts, figures.

Every handler takes a unit of work and the acting :class:`Actor`; enterprise-bound users see and book only
their own enterprise's consignments (another's is a 404). Event capture is atomic per batch: if any event
conflicts with one already stored (same id, other content) or may not be captured by this caller,
nothing of the batch is stored.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from silkport.logistics.domain import identifiers as ids
from silkport.logistics.domain.consignment import (
    Consignment,
    DocumentKind,
    GoodsSummary,
    Leg,
    Mode,
    Party,
    TransportDocument,
)
from silkport.logistics.domain.epcis import (
    AggregationEvent,
    EventConflict,
    History,
    Outcome,
    TrackingEvent,
    TrackingStatus,
    TransactionEvent,
    status_of_event,
)
from silkport.logistics.domain.sla import CorridorMonth, SlaResult, SlaStatus, corridor_figures, evaluate
from silkport.logistics.domain.tracking import (
    advance,
    index_entries,
    may_move,
    normalise_object_id,
    normalised,
    replay,
)
from silkport.logistics.services.ports import Alert, Booked, ConsignmentFilter, LogisticsUnitOfWork
from silkport.shared.actor import Actor, Role
from silkport.shared.clock import ZONE_TZ
from silkport.shared.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from silkport.shared.paging import Page
from silkport.shared.text import field_error, templated

SLA_BREACHED = "logistics.sla_breached"
BOOKERS = frozenset({Role.TRADER, Role.LOGISTICS_OPERATOR, Role.AIRLINE, Role.ADMIN})
CAPTURERS = frozenset(
    {Role.LOGISTICS_OPERATOR, Role.AIRLINE, Role.TRADER, Role.CUSTOMS_OFFICER, Role.CUSTOMS_SUPERVISOR, Role.ADMIN}
)
#: enterprise-bound capturers limited to events about their own enterprise's consignments
OWN_OBJECTS_ONLY = frozenset({Role.TRADER})
MAX_BATCH = 10_000
MAX_EVENT_ID_BYTES = 1000
_AGGREGATE_DEPTH = 4
_CONTAINER_SHAPE = re.compile(r"^[A-Z]{3}[UJZ][0-9]{7}$")


# -- booking ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LegSpec:
    mode: str
    carrier: str
    origin: str
    destination: str
    planned_departure: datetime
    planned_arrival: datetime
    ends_at_border: bool = False


@dataclass(frozen=True, slots=True)
class BookConsignment:
    document_kind: str
    document_number: str
    shipper: Party
    consignee: Party
    goods: GoodsSummary
    legs: Sequence[LegSpec]
    corridor: str | None = None
    declaration_ids: Sequence[str] = ()
    equipment: Sequence[str] = ()
    enterprise_id: str | None = None


def _owner(uow: LogisticsUnitOfWork, actor: Actor, requested: str | None) -> str:
    if actor.role not in BOOKERS:
        raise PermissionDenied(f"a {actor.role.label.lower()} may not book consignments")
    if actor.is_enterprise_bound:
        if actor.enterprise_id is None:  # pragma: no cover - enterprise-bound users have one
            raise PermissionDenied("your user belongs to no enterprise")
        if requested not in (None, actor.enterprise_id):
            raise PermissionDenied("you book consignments for your own enterprise only")
        return actor.enterprise_id
    if not requested:
        raise ValidationFailed(field_error("enterprise_id", "say which enterprise the consignment belongs to"))
    found = uow.registry.status_and_grade(requested)
    if found is None:
        raise ValidationFailed(
            field_error("enterprise_id", "no enterprise %(requested)r is registered", requested=requested)
        )
    if found[0] != "active":
        raise ValidationFailed(
            field_error("enterprise_id", "enterprise %(requested)r is %(found)s", requested=requested, found=found[0])
        )
    return requested


def _equipment(values: Sequence[str]) -> tuple[list[str], list[FieldError]]:
    out: list[str] = []
    errors: list[FieldError] = []
    for i, raw in enumerate(values):
        try:
            value = normalise_object_id(raw)
        except ValueError as exc:
            errors.append(FieldError(f"equipment[{i}]", str(exc)))
            continue
        compact = re.sub(r"[\s\-./]", "", value)
        if _CONTAINER_SHAPE.match(compact) and (problem := ids.container_problem(compact)) is not None:
            errors.append(FieldError(f"equipment[{i}]", problem))
            continue
        if value not in out:
            out.append(value)
    return out, errors


def book(uow: LogisticsUnitOfWork, actor: Actor, cmd: BookConsignment) -> Booked:
    """Book a consignment; every broken rule is reported at once as a field error."""
    with uow:
        enterprise_id = _owner(uow, actor, cmd.enterprise_id)
        errors: list[FieldError] = []
        document: TransportDocument | None = None
        try:
            document = TransportDocument.of(cmd.document_kind, cmd.document_number)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        legs: list[Leg] = []
        for i, spec in enumerate(cmd.legs):
            try:
                mode = Mode(spec.mode)
            except ValueError:
                errors.append(
                    field_error(
                        f"legs[{i}].mode", "%(mode)r is not one of %(Mode)s", mode=spec.mode, Mode=", ".join(Mode)
                    )
                )
                continue
            legs.append(
                Leg(
                    mode,
                    spec.carrier,
                    spec.origin.strip().upper().replace(" ", "").replace("-", ""),
                    spec.destination.strip().upper().replace(" ", "").replace("-", ""),
                    spec.planned_departure,
                    spec.planned_arrival,
                    ends_at_border=spec.ends_at_border,
                )
            )
        if cmd.corridor is not None:
            level = uow.service_levels.get(cmd.corridor)
            if level is None:
                known = ", ".join(sorted(uow.service_levels))
                errors.append(
                    field_error(
                        "corridor",
                        "%(corridor)r is not a corridor (one of %(known)s)",
                        corridor=cmd.corridor,
                        known=known,
                    )
                )
            elif level.modes:
                for i, leg in enumerate(legs):
                    if leg.mode not in level.modes:
                        allowed = ", ".join(m.value for m in level.modes)
                        errors.append(
                            field_error(
                                f"legs[{i}].mode",
                                "corridor %(corridor)s carries %(allowed)s, not %(mode)s",
                                corridor=cmd.corridor,
                                allowed=allowed,
                                mode=leg.mode,
                            )
                        )
        for i, declaration in enumerate(cmd.declaration_ids):
            if not declaration.strip() or len(declaration) > 40:
                errors.append(field_error(f"declaration_ids[{i}]", "a declaration id of 1 to 40 characters"))
        equipment, equipment_errors = _equipment(cmd.equipment)
        errors.extend(equipment_errors)
        consignment_id = "CSG" + uuid.uuid4().hex[:20].upper()
        try:
            consignment = Consignment.book(
                id=consignment_id,
                document=document or TransportDocument(DocumentKind.ROAD_CMR, "0"),
                shipper=cmd.shipper,
                consignee=cmd.consignee,
                goods=cmd.goods,
                legs=legs,
                declaration_ids=[d.strip() for d in cmd.declaration_ids],
                corridor=cmd.corridor,
            )
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        if errors or document is None or len(legs) != len(cmd.legs):
            raise ValidationFailed(errors)
        if uow.consignments.document_taken(document.kind.value, document.number):
            raise ValidationFailed(
                field_error(
                    "document.number",
                    "%(kind)s %(number)s is already booked",
                    kind=document.kind.value,
                    number=document.number,
                )
            )
        now = uow.clock.now()
        booked = Booked(consignment, enterprise_id, legs[0].mode, tuple(equipment), now)
        keys = {normalise_object_id(consignment_id), normalise_object_id(document.number), *equipment}
        keys.add(normalise_object_id(cmd.document_number))  # as written at booking (CMR-2025-0001)
        _refresh_clock(uow, booked, now)
        uow.consignments.add(booked, keys)
        uow.audit.record(
            actor=actor,
            action="logistics.consignment.booked",
            object_type="consignment",
            object_id=consignment_id,
            before=None,
            after={"document": f"{document.kind.value} {document.number}", "enterprise_id": enterprise_id},
        )
        uow.commit()
        return booked


def _visible(actor: Actor, booked: Booked | None, consignment_id: str) -> Booked:
    if booked is None or not actor.sees_enterprise(booked.enterprise_id):
        raise NotFound(templated("consignment %(consignment_id)s not found", consignment_id=consignment_id))
    return booked


def get_consignment(uow: LogisticsUnitOfWork, actor: Actor, consignment_id: str) -> tuple[Booked, SlaResult | None]:
    """The consignment with its delivery clock evaluated now."""
    with uow:
        booked = _visible(actor, uow.consignments.get(consignment_id), consignment_id)
        return booked, _evaluate(uow, booked, uow.clock.now())


def list_consignments(
    uow: LogisticsUnitOfWork, actor: Actor, flt: ConsignmentFilter, cursor: str | None, limit: int
) -> Page[Booked]:
    with uow:
        if actor.is_enterprise_bound:
            flt = replace(flt, enterprise_id=actor.enterprise_id)
        if flt.document_number is not None:
            flt = replace(flt, document_number=re.sub(r"[\s\-./]", "", flt.document_number).upper())
        return uow.consignments.list(replace(flt, now=uow.clock.now()), limit, cursor)


# -- clocks -----------------------------------------------------------------------------------------------
def _evaluate(uow: LogisticsUnitOfWork, booked: Booked, now: datetime) -> SlaResult | None:
    corridor = booked.consignment.corridor
    level = None if corridor is None else uow.service_levels.get(corridor)
    return None if level is None else evaluate(level, booked.consignment, now)


def _refresh_clock(uow: LogisticsUnitOfWork, booked: Booked, now: datetime) -> SlaResult | None:
    result = _evaluate(uow, booked, now)
    booked.clock = result
    booked.updated_at = now
    level = None if booked.consignment.corridor is None else uow.service_levels.get(booked.consignment.corridor)
    booked.at_risk_from = (
        None if result is None or result.deadline is None or level is None else result.deadline - level.at_risk_margin
    )
    return result


def _alert_if_breached(uow: LogisticsUnitOfWork, actor: Actor, booked: Booked, now: datetime) -> Alert | None:
    """Record the breach alert once (and its webhook event); None if not breached or already alerted."""
    result = booked.clock
    if result is None or result.status is not SlaStatus.BREACHED or result.breached_at is None:
        return None
    assert result.deadline is not None
    if uow.alerts.find(booked.id, "breached") is not None:
        return None
    alert = Alert(
        id=uuid.uuid4().hex,
        consignment_id=booked.id,
        enterprise_id=booked.enterprise_id,
        corridor=result.corridor,
        kind="breached",
        deadline=result.deadline,
        breached_at=result.breached_at,
        culprit_leg=result.culprit_leg,
        raised_at=now,
    )
    uow.alerts.add(alert)
    c = booked.consignment
    uow.outbox.emit(
        booked.enterprise_id,
        SLA_BREACHED,
        {
            "alert_id": alert.id,
            "consignment_id": booked.id,
            "document": {"kind": c.document.kind.value, "number": c.document.number},
            "corridor": result.corridor,
            "deadline": result.deadline.isoformat(),
            "breached_at": result.breached_at.isoformat(),
            "culprit_leg": result.culprit_leg,
            "finished_at": None if result.finished_at is None else result.finished_at.isoformat(),
        },
        now,
    )
    uow.audit.record(
        actor=actor,
        action="logistics.sla.breached",
        object_type="consignment",
        object_id=booked.id,
        before=None,
        after={"corridor": result.corridor, "breached_at": result.breached_at.isoformat(), "alert": alert.id},
    )
    return alert


@dataclass(frozen=True, slots=True)
class SweepReport:
    evaluated: int
    alerts: tuple[str, ...]


def sweep_clocks(uow: LogisticsUnitOfWork, actor: Actor, limit: int = 1000) -> SweepReport:
    """Re-evaluate open clocks whose at-risk time or deadline has passed; alert new breaches once."""
    with uow:
        now = uow.clock.now()
        alerts: list[str] = []
        due = uow.consignments.due_clocks(now, limit)
        for consignment_id in due:
            booked = uow.consignments.get(consignment_id, for_update=True)
            if booked is None:  # pragma: no cover - listed a moment ago
                continue
            _refresh_clock(uow, booked, now)
            uow.consignments.save(booked)
            alert = _alert_if_breached(uow, actor, booked, now)
            if alert is not None:
                alerts.append(alert.id)
        uow.commit()
        return SweepReport(len(due), tuple(alerts))


# -- event capture ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EventOutcome:
    event_id: str
    outcome: str  # accepted | duplicate


@dataclass(frozen=True, slots=True)
class CaptureReport:
    events: tuple[EventOutcome, ...]
    consignments: tuple[str, ...]  # consignments whose milestones were re-derived
    alerts: tuple[str, ...]
    skipped: tuple[tuple[str, str, str], ...] = ()  # (consignment, event, why) events that broke a lifecycle

    @property
    def accepted(self) -> int:
        return sum(1 for e in self.events if e.outcome == "accepted")

    @property
    def duplicates(self) -> int:
        return sum(1 for e in self.events if e.outcome == "duplicate")


def _named(conflict: EventConflict) -> EventConflict:
    """The conflict, carrying the event id in its problem document."""
    setattr(conflict, "problem_extra", {"event_id": conflict.event_id})  # noqa: B010
    return conflict


def _check_batch(events: Sequence[TrackingEvent]) -> None:
    if not events:
        raise ValidationFailed(field_error("epcisBody.eventList", "the batch has no events"))
    if len(events) > MAX_BATCH:
        raise ValidationFailed(
            field_error("epcisBody.eventList", "at most %(MAX_BATCH)s events per batch", MAX_BATCH=MAX_BATCH)
        )
    for i, event in enumerate(events):
        if len(event.event_id.encode()) > MAX_EVENT_ID_BYTES:
            raise ValidationFailed(
                field_error(
                    f"epcisBody.eventList[{i}].eventID",
                    "is longer than %(MAX_EVENT_ID_BYTES)s bytes",
                    MAX_EVENT_ID_BYTES=MAX_EVENT_ID_BYTES,
                )
            )
        try:
            index_entries(event)
        except ValueError as exc:
            raise ValidationFailed(FieldError(f"epcisBody.eventList[{i}]", str(exc))) from None


def _children_map(
    uow: LogisticsUnitOfWork, roots: set[str], batch_children: Mapping[str, set[str]]
) -> dict[str, set[str]]:
    """Parent -> children (ever aggregated into it, stored or in this batch), a few levels down from the
    roots (train > wagon > container): one query per level."""
    out: dict[str, set[str]] = {}
    frontier = set(roots)
    seen = set(roots)
    for _ in range(_AGGREGATE_DEPTH):
        if not frontier:
            break
        found = uow.events.children_of(frontier)
        for parent in frontier:
            children = found.get(parent, set()) | batch_children.get(parent, set())
            if children:
                out[parent] = children
        reached = set().union(*out.values()) if out else set()
        frontier = reached - seen
        seen |= frontier
    return out


def _reach(obj: str, children: Mapping[str, set[str]]) -> set[str]:
    seen = {obj}
    todo = [obj]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def capture(uow: LogisticsUnitOfWork, actor: Actor, events: Sequence[TrackingEvent]) -> CaptureReport:
    """Store a batch of EPCIS events idempotently; re-derive the consignments they concern."""
    if actor.role not in CAPTURERS:
        raise PermissionDenied(f"a {actor.role.label.lower()} may not capture tracking events")
    _check_batch(events)
    with uow:
        now = uow.clock.now()
        batch = History()
        outcomes: list[EventOutcome] = []
        fresh: list[TrackingEvent] = []
        for event in events:
            outcome = batch.add(event)
            if outcome is Outcome.CONFLICT:
                raise _named(batch.conflicts[-1])
            if outcome is Outcome.DUPLICATE:
                outcomes.append(EventOutcome(event.event_id, "duplicate"))
            else:
                outcomes.append(EventOutcome(event.event_id, "accepted"))
                fresh.append(event)
        known = uow.events.known([e.event_id for e in fresh])
        new: list[TrackingEvent] = []
        for event in fresh:
            stored = known.get(event.event_id)
            if stored is None:
                new.append(event)
                continue
            check = History([stored])
            if check.add(event) is Outcome.CONFLICT:
                raise _named(check.conflicts[-1])
        for i, o in enumerate(outcomes):
            if o.outcome == "accepted" and o.event_id in known:
                outcomes[i] = EventOutcome(o.event_id, "duplicate")
        entries = {e.event_id: index_entries(e) for e in new}
        batch_children: dict[str, set[str]] = {}
        for e in new:
            n = normalised(e)
            if isinstance(n, AggregationEvent) and n.parent_id is not None:
                kids = set(n.child_epcs) | {q.epc_class for q in n.child_quantities}
                batch_children.setdefault(n.parent_id, set()).update(kids)
        named = {entry.object_id for es in entries.values() for entry in es}
        children = _children_map(uow, named, batch_children)
        reach = {obj: _reach(obj, children) for obj in named}
        owners = uow.consignments.by_keys(set().union(*reach.values()) if reach else set())
        key_to_consignments: dict[str, set[str]] = {}
        for consignment_id, keys in owners.items():
            for key in keys:
                key_to_consignments.setdefault(key, set()).add(consignment_id)
        booked: dict[str, Booked] = {}
        for consignment_id in sorted(owners):
            b = uow.consignments.get(consignment_id, for_update=True)
            if b is not None:
                booked[consignment_id] = b
        if actor.role in OWN_OBJECTS_ONLY:
            for e in new:
                concerned = {
                    c
                    for es in entries[e.event_id]
                    for key in reach[es.object_id]
                    for c in key_to_consignments.get(key, ())
                }
                if not concerned or any(
                    booked[c].enterprise_id != actor.enterprise_id for c in concerned if c in booked
                ):
                    raise PermissionDenied(f"event {e.event_id!r} is not about your enterprise's consignments only")
        if new:
            uow.events.add(
                [(e, entries[e.event_id]) for e in new],
                record_time=now,
                captured_by=actor.user_id,
                captured_for=actor.enterprise_id,
            )
        alerts: list[str] = []
        skipped: list[tuple[str, str, str]] = []
        movers: dict[str, list[TrackingEvent]] = {}  # consignment -> its new events that may move it
        direct: dict[str, bool] = {}  # ... all naming one of its keys (not only an aggregate it was in)
        for e in new:
            if not may_move(e):
                continue  # no milestone in any state: replay would ignore it
            named_here = {es.object_id for es in entries[e.event_id]}
            for es in entries[e.event_id]:
                for key in reach[es.object_id]:
                    for c in key_to_consignments.get(key, ()):
                        movers.setdefault(c, [])
                        if not movers[c] or movers[c][-1] is not e:
                            movers[c].append(e)
                        direct[c] = direct.get(c, True) and bool(owners[c] & named_here)
        moved = [b for b in booked.values() if b.id in movers]
        in_order = {
            b.id
            for b in moved
            if direct[b.id] and (b.last_event_at is None or min(e.event_time for e in movers[b.id]) > b.last_event_at)
        }
        replayed = [b for b in moved if b.id not in in_order]
        all_keys = uow.consignments.keys_of_many([b.id for b in replayed]) if replayed else {}
        known_history = _collect(uow, set().union(*all_keys.values()) if all_keys else set())
        for b in moved:
            if b.id in in_order:
                events = [normalised(e) for e in movers[b.id]]
                why = _rederive(uow, actor, b, events, now, incremental=True)
            else:
                why = _rederive(uow, actor, b, _merged(known_history, all_keys.get(b.id, set())), now)
            skipped.extend((b.id, event_id, reason) for event_id, reason in why)
            alert = _alert_if_breached(uow, actor, b, now)
            if alert is not None:
                alerts.append(alert.id)
        if new:
            uow.audit.record(
                actor=actor,
                action="logistics.events.captured",
                object_type="tracking_event_batch",
                object_id=new[0].event_id[:64],
                before=None,
                after={"accepted": len(new), "duplicates": len(events) - len(new), "consignments": sorted(booked)},
            )
        uow.commit()
        updated = tuple(sorted(b.id for b in moved))
        return CaptureReport(tuple(outcomes), updated, tuple(alerts), tuple(skipped))


def _rederive(
    uow: LogisticsUnitOfWork,
    actor: Actor,
    booked: Booked,
    events: list[TrackingEvent],
    now: datetime,
    incremental: bool = False,
) -> list[tuple[str, str]]:
    """Replay the consignment from its whole history (event-time order), or, for events all later than
    the last one it was derived from, apply just those; then re-evaluate its clock."""
    before = booked.consignment.status
    if events:
        latest = max(e.event_time for e in events)
        booked.last_event_at = latest if booked.last_event_at is None else max(latest, booked.last_event_at)
    if incremental:
        rebuilt, skipped = advance(booked.consignment, events)
    else:
        rebuilt, skipped = replay(booked.consignment, events)
    booked.consignment = rebuilt
    _refresh_clock(uow, booked, now)
    uow.consignments.save(booked)
    if rebuilt.status is not before:
        uow.audit.record(
            actor=actor,
            action="logistics.consignment.status",
            object_type="consignment",
            object_id=booked.id,
            before={"status": before.value},
            after={"status": rebuilt.status.value},
        )
    return [(s.event_id, s.reason) for s in skipped]


# -- history ----------------------------------------------------------------------------------------------
def _groups_of(event: TrackingEvent, members: set[str]) -> set[str]:
    """Aggregates and transactions ``event`` puts any of ``members`` into."""
    out: set[str] = set()
    if isinstance(event, AggregationEvent) and event.parent_id is not None:
        children = set(event.child_epcs) | {q.epc_class for q in event.child_quantities}
        if children & members:
            out.add(event.parent_id)
    elif isinstance(event, TransactionEvent):
        inside = set(event.epcs) | {q.epc_class for q in event.quantities}
        if event.parent_id is not None:
            inside.add(event.parent_id)
        if inside & members:
            out |= {bt.id for bt in event.biz_transactions}
    return out


def _collect(uow: LogisticsUnitOfWork, keys: set[str], captured: dict[str, TrackingEvent] | None = None) -> History:
    """Events about any of ``keys`` and about the aggregates / transactions they were put in (one query per
    aggregate level), with object ids normalised; ``captured`` collects them as they were captured."""
    seen = set(keys)
    frontier = set(keys)
    found: dict[str, TrackingEvent] = {}
    for _ in range(_AGGREGATE_DEPTH):
        if not frontier:
            break
        groups: set[str] = set()
        for original in uow.events.events_about(frontier):
            e = normalised(original)
            found.setdefault(e.event_id, e)
            if captured is not None:
                captured.setdefault(e.event_id, original)
            groups |= _groups_of(e, frontier)
        frontier = groups - seen
        seen |= frontier
    return History(found.values())


def _merged(history: History, keys: set[str]) -> list[TrackingEvent]:
    """The union of the keys' histories (each only while packed in its aggregates), in event-time order."""
    merged: dict[str, TrackingEvent] = {}
    for key in keys:
        for e in history.history_of(key):
            merged[e.event_id] = e
    return sorted(merged.values(), key=lambda e: (e.event_time, e.event_id))


def _history_of_keys(uow: LogisticsUnitOfWork, keys: set[str]) -> list[TrackingEvent]:
    """Events about any of ``keys`` (and aggregates / transactions they were put in), as captured."""
    captured: dict[str, TrackingEvent] = {}
    return [captured[e.event_id] for e in _merged(_collect(uow, keys, captured), keys)]


@dataclass(frozen=True, slots=True)
class ObjectHistory:
    object_id: str
    events: tuple[TrackingEvent, ...]
    status: TrackingStatus | None
    status_event: TrackingEvent | None
    consignments: tuple[str, ...] = ()
    keys: tuple[str, ...] = field(default_factory=tuple)


def history(uow: LogisticsUnitOfWork, actor: Actor, object_id: str) -> ObjectHistory:
    """The events about any object (and about what it was packed in), ordered by event time.

    ``object_id`` is normalised (:func:`silkport.logistics.domain.tracking.normalise_object_id`). For a
    consignment's id, document number or equipment the history covers all of the consignment's keys.
    An enterprise-bound user asking about another enterprise's consignment gets a 404."""
    try:
        obj = normalise_object_id(object_id)
    except ValueError as exc:
        raise ValidationFailed(FieldError("object_id", str(exc))) from None
    with uow:
        owners = uow.consignments.by_keys({obj})
        consignments = [b for b in (uow.consignments.get(c) for c in sorted(owners)) if b is not None]
        if actor.is_enterprise_bound and consignments:
            consignments = [b for b in consignments if b.enterprise_id == actor.enterprise_id]
            if not consignments:
                raise NotFound(templated("no history of %(obj)s for you", obj=obj))
        keys = {obj}
        for b in consignments:
            own = {normalise_object_id(b.id), normalise_object_id(b.consignment.document.number)}
            if obj in own:  # the consignment itself: all it answers to (document, equipment)
                keys |= uow.consignments.keys_of(b.id)
        events = _history_of_keys(uow, keys)
        if not events and not consignments:
            raise NotFound(templated("no events about %(obj)s", obj=obj))
        destination = consignments[0].consignment.legs[-1].destination if consignments else None
        status_event = next((e for e in reversed(events) if status_of_event(e, destination) is not None), None)
        status = None if status_event is None else status_of_event(status_event, destination)
        return ObjectHistory(obj, tuple(events), status, status_event, tuple(b.id for b in consignments), tuple(keys))


# -- alerts -----------------------------------------------------------------------------------------------
def list_alerts(
    uow: LogisticsUnitOfWork, actor: Actor, acknowledged: bool | None, cursor: str | None, limit: int
) -> Page[Alert]:
    with uow:
        enterprise = actor.enterprise_id if actor.is_enterprise_bound else None
        return uow.alerts.list(enterprise, acknowledged, limit, cursor)


def acknowledge_alert(uow: LogisticsUnitOfWork, actor: Actor, alert_id: str) -> Alert:
    with uow:
        alert = uow.alerts.get(alert_id)
        if alert is None or not actor.sees_enterprise(alert.enterprise_id):
            raise NotFound(templated("alert %(alert_id)s not found", alert_id=alert_id))
        if actor.role is Role.ANALYST:
            raise PermissionDenied("an analyst may not acknowledge alerts")
        if alert.acknowledged_at is not None:
            return alert
        now = uow.clock.now()
        acknowledged = replace(alert, acknowledged_at=now, acknowledged_by=actor.user_id)
        uow.alerts.save(acknowledged)
        uow.audit.record(
            actor=actor,
            action="logistics.alert.acknowledged",
            object_type="sla_alert",
            object_id=alert.id,
            before={"acknowledged_at": None},
            after={"acknowledged_at": now.isoformat()},
        )
        uow.commit()
        return acknowledged


# -- figures ----------------------------------------------------------------------------------------------
def figures(uow: LogisticsUnitOfWork, actor: Actor, month: str) -> list[CorridorMonth]:
    """Share on time, median and p90 door-to-door hours per corridor for one local (Asia/Urumqi) month."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationFailed(field_error("month", "%(month)r is not a month like 2025-09", month=month))
    year, mon = int(match.group(1)), int(match.group(2))
    start = datetime(year, mon, 1, tzinfo=ZONE_TZ)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=ZONE_TZ)
    with uow:
        enterprise = actor.enterprise_id if actor.is_enterprise_bound else None
        rows = uow.consignments.finished_between(start - timedelta(days=1), end + timedelta(days=1), enterprise)
        now = uow.clock.now()
        evaluated = [(b.consignment, r) for b in rows if (r := _evaluate(uow, b, now)) is not None]
        return [f for f in corridor_figures(evaluated, ZONE_TZ) if f.month == month]


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def figures_json(items: Iterable[CorridorMonth]) -> list[dict[str, Any]]:
    return [
        {
            "corridor": f.corridor,
            "month": f.month,
            "finished": f.finished,
            "on_time": f.on_time,
            "share_on_time": _decimal_text(f.share_on_time),
            "delivered": f.delivered,
            "median_hours": _decimal_text(f.median_hours),
            "p90_hours": _decimal_text(f.p90_hours),
        }
        for f in items
    ]
