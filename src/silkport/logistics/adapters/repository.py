"""SQLAlchemy repositories of the logistics context: consignments, the event store, SLA alerts."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, and_, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from silkport.logistics.adapters.orm import (
    ConsignmentKeyRow,
    ConsignmentRow,
    EventObjectRow,
    LegRow,
    SlaAlertRow,
    TrackingEventRow,
)
from silkport.logistics.domain.consignment import (
    Consignment,
    DocumentKind,
    GoodsSummary,
    Leg,
    Milestone,
    MilestoneKind,
    Mode,
    Party,
    Status,
    TransportDocument,
)
from silkport.logistics.domain.epcis import TrackingEvent, event_to_json, parse_json
from silkport.logistics.domain.sla import SlaResult, SlaStatus
from silkport.logistics.domain.tracking import IndexEntry
from silkport.logistics.services.ports import Alert, Booked, ConsignmentFilter
from silkport.shared.clock import ensure_utc
from silkport.shared.errors import Conflict
from silkport.shared.paging import Page, decode_cursor, encode_cursor

T = TypeVar("T")
_CHUNK = 500
_EVENTS = cast(Table, TrackingEventRow.__table__)
_EVENT_OBJECTS = cast(Table, EventObjectRow.__table__)


def _chunks(values: Iterable[T], size: int = _CHUNK) -> Iterator[list[T]]:
    chunk: list[T] = []
    for v in values:
        chunk.append(v)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else ensure_utc(value)


def _utc(value: datetime | None) -> datetime | None:
    """Stored as UTC (SQLite keeps the wall time it is given, without its offset)."""
    return None if value is None else value.astimezone(UTC)


def _req(value: datetime | None) -> datetime:
    if value is None:  # pragma: no cover - NOT NULL columns
        raise LookupError("a required time is missing")
    return ensure_utc(value)


def _milestone_json(m: Milestone) -> dict[str, Any]:
    return {"kind": m.kind.value, "at": m.at.isoformat(), "leg": m.leg, "note": m.note}


def _milestone(raw: dict[str, Any]) -> Milestone:
    return Milestone(MilestoneKind(raw["kind"]), datetime.fromisoformat(raw["at"]), raw.get("leg"), raw.get("note"))


class SqlConsignmentRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, booked: Booked, keys: Iterable[str]) -> None:
        c = booked.consignment
        row = ConsignmentRow(
            id=c.id,
            enterprise_id=booked.enterprise_id,
            document_kind=c.document.kind.value,
            document_number=c.document.number,
            mode=booked.mode.value,
            corridor=c.corridor,
            shipper={"name": c.shipper.name, "country": c.shipper.country},
            consignee={"name": c.consignee.name, "country": c.consignee.country},
            goods_description=c.goods.description,
            packages=c.goods.packages,
            gross_mass_kg=c.goods.gross_mass_kg,
            declaration_ids=list(c.declaration_ids),
            equipment=list(booked.equipment),
            created_at=_utc(booked.created_at),
        )
        self._fill(row, booked)
        self._s.add(row)
        try:
            self._s.flush()  # the parent row first: legs and keys refer to it
        except IntegrityError as exc:  # the same document booked concurrently
            raise Conflict(f"{c.document.kind.value} {c.document.number} is already booked") from exc
        for i, leg in enumerate(c.legs):
            self._s.add(
                LegRow(
                    consignment_id=c.id,
                    sequence=i,
                    mode=leg.mode.value,
                    carrier=leg.carrier,
                    origin=leg.origin,
                    destination=leg.destination,
                    planned_departure=_utc(leg.planned_departure),
                    planned_arrival=_utc(leg.planned_arrival),
                    actual_departure=_utc(leg.actual_departure),
                    actual_arrival=_utc(leg.actual_arrival),
                    ends_at_border=leg.ends_at_border,
                )
            )
        for key in sorted(set(keys)):
            self._s.add(ConsignmentKeyRow(object_id=key, consignment_id=c.id))
        self._s.flush()

    def _fill(self, row: ConsignmentRow, booked: Booked) -> None:
        c = booked.consignment
        row.status = c.status.value
        row.interrupted = None if c.interrupted is None else c.interrupted.value
        row.milestones = [_milestone_json(m) for m in c.milestones]
        row.updated_at = (booked.updated_at or booked.created_at).astimezone(UTC)
        row.last_event_at = _utc(booked.last_event_at)
        clock = booked.clock
        row.clock_status = None if clock is None else clock.status.value
        row.clock_started_at = None if clock is None else _utc(clock.started_at)
        row.clock_deadline = None if clock is None else _utc(clock.deadline)
        row.clock_finished_at = None if clock is None else _utc(clock.finished_at)
        row.clock_breached_at = None if clock is None else _utc(clock.breached_at)
        row.clock_culprit_leg = None if clock is None else clock.culprit_leg
        row.clock_at_risk_from = _utc(booked.at_risk_from)

    def get(self, consignment_id: str, for_update: bool = False) -> Booked | None:
        stmt = select(ConsignmentRow).where(ConsignmentRow.id == consignment_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self._s.scalars(stmt).first()
        if row is None:
            return None
        legs = self._s.scalars(
            select(LegRow).where(LegRow.consignment_id == consignment_id).order_by(LegRow.sequence)
        ).all()
        return self._booked(row, list(legs))

    def _booked(self, row: ConsignmentRow, legs: list[LegRow]) -> Booked:
        consignment = Consignment(
            id=row.id,
            document=TransportDocument(DocumentKind(row.document_kind), row.document_number),
            shipper=Party(row.shipper["name"], row.shipper["country"]),
            consignee=Party(row.consignee["name"], row.consignee["country"]),
            goods=GoodsSummary(row.goods_description, row.packages, row.gross_mass_kg),
            legs=tuple(
                Leg(
                    Mode(leg.mode),
                    leg.carrier,
                    leg.origin,
                    leg.destination,
                    _req(leg.planned_departure),
                    _req(leg.planned_arrival),
                    _aware(leg.actual_departure),
                    _aware(leg.actual_arrival),
                    leg.ends_at_border,
                )
                for leg in legs
            ),
            declaration_ids=tuple(row.declaration_ids),
            corridor=row.corridor,
            status=Status(row.status),
            milestones=[_milestone(m) for m in row.milestones],
            interrupted=None if row.interrupted is None else Status(row.interrupted),
        )
        clock = None
        if row.clock_status is not None and row.corridor is not None:
            clock = SlaResult(
                corridor=row.corridor,
                status=SlaStatus(row.clock_status),
                started_at=_aware(row.clock_started_at),
                deadline=_aware(row.clock_deadline),
                finished_at=_aware(row.clock_finished_at),
                breached_at=_aware(row.clock_breached_at),
                culprit_leg=row.clock_culprit_leg,
                elapsed=None,
                target_met=None,
            )
        return Booked(
            consignment=consignment,
            enterprise_id=row.enterprise_id,
            mode=Mode(row.mode),
            equipment=tuple(row.equipment),
            created_at=_req(row.created_at),
            clock=clock,
            at_risk_from=_aware(row.clock_at_risk_from),
            last_event_at=_aware(row.last_event_at),
        )

    def save(self, booked: Booked) -> None:
        row = self._s.get(ConsignmentRow, booked.id)
        if row is None:  # pragma: no cover - save follows get
            raise LookupError(f"consignment {booked.id} is not stored")
        self._fill(row, booked)
        for i, leg in enumerate(booked.consignment.legs):
            stored = self._s.get(LegRow, (booked.id, i))  # in the identity map since get(): no query
            if stored is None:  # pragma: no cover - legs are never deleted
                raise LookupError(f"leg {i} of {booked.id} is not stored")
            stored.actual_departure = _utc(leg.actual_departure)
            stored.actual_arrival = _utc(leg.actual_arrival)
        self._s.flush()

    def document_taken(self, kind: str, number: str) -> bool:
        stmt = select(ConsignmentRow.id).where(
            ConsignmentRow.document_kind == kind, ConsignmentRow.document_number == number
        )
        return self._s.scalars(stmt).first() is not None

    def keys_of(self, consignment_id: str) -> set[str]:
        stmt = select(ConsignmentKeyRow.object_id).where(ConsignmentKeyRow.consignment_id == consignment_id)
        return set(self._s.scalars(stmt))

    def keys_of_many(self, consignment_ids: Iterable[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for chunk in _chunks(sorted(set(consignment_ids))):
            stmt = select(ConsignmentKeyRow.consignment_id, ConsignmentKeyRow.object_id).where(
                ConsignmentKeyRow.consignment_id.in_(chunk)
            )
            for consignment_id, object_id in self._s.execute(stmt):
                out.setdefault(consignment_id, set()).add(object_id)
        return out

    def by_keys(self, object_ids: Iterable[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for chunk in _chunks(sorted(set(object_ids))):
            stmt = select(ConsignmentKeyRow.consignment_id, ConsignmentKeyRow.object_id).where(
                ConsignmentKeyRow.object_id.in_(chunk)
            )
            for consignment_id, object_id in self._s.execute(stmt):
                out.setdefault(consignment_id, set()).add(object_id)
        return out

    def list(self, flt: ConsignmentFilter, limit: int, cursor: str | None) -> Page[Booked]:
        stmt = select(ConsignmentRow)
        r = ConsignmentRow
        if flt.enterprise_id is not None:
            stmt = stmt.where(r.enterprise_id == flt.enterprise_id)
        if flt.status is not None:
            stmt = stmt.where(r.status == flt.status.value)
        if flt.corridor is not None:
            stmt = stmt.where(r.corridor == flt.corridor)
        if flt.mode is not None:
            stmt = stmt.where(r.mode == flt.mode.value)
        if flt.document_number is not None:
            stmt = stmt.where(r.document_number == flt.document_number)
        if flt.clock is not None:
            now = (flt.now or datetime.now(UTC)).astimezone(UTC)
            open_clock = and_(r.clock_finished_at.is_(None), r.clock_deadline.is_not(None))
            overdue = and_(open_clock, r.clock_deadline < now)
            breached = or_(r.clock_status == SlaStatus.BREACHED.value, overdue)
            if flt.clock is SlaStatus.BREACHED:
                stmt = stmt.where(breached)
            elif flt.clock is SlaStatus.AT_RISK:
                stmt = stmt.where(
                    r.clock_status != SlaStatus.BREACHED.value,
                    or_(r.clock_deadline.is_(None), r.clock_finished_at.is_not(None), r.clock_deadline >= now),
                    or_(r.clock_status == SlaStatus.AT_RISK.value, and_(open_clock, r.clock_at_risk_from <= now)),
                )
            else:
                stmt = stmt.where(
                    r.clock_status == SlaStatus.ON_TIME.value,
                    or_(r.clock_deadline.is_(None), r.clock_finished_at.is_not(None), r.clock_at_risk_from > now),
                )
        if cursor:
            created, last_id = decode_cursor(cursor, 2)
            try:
                when = datetime.fromisoformat(str(created)).astimezone(UTC)
            except ValueError:
                when = datetime.fromtimestamp(0, UTC)
            stmt = stmt.where(or_(r.created_at < when, and_(r.created_at == when, r.id < str(last_id))))
        rows = self._s.scalars(stmt.order_by(r.created_at.desc(), r.id.desc()).limit(limit + 1)).all()
        legs: dict[str, list[LegRow]] = {}
        ids = [row.id for row in rows[:limit]]
        if ids:
            for leg in self._s.scalars(
                select(LegRow).where(LegRow.consignment_id.in_(ids)).order_by(LegRow.consignment_id, LegRow.sequence)
            ):
                legs.setdefault(leg.consignment_id, []).append(leg)
        items = [self._booked(row, legs.get(row.id, [])) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            next_cursor = encode_cursor([ensure_utc(last.created_at).isoformat(), last.id])
        return Page(items=items, next_cursor=next_cursor)

    def due_clocks(self, now: datetime, limit: int) -> builtins.list[str]:
        now = now.astimezone(UTC)
        r = ConsignmentRow
        stmt = (
            select(r.id)
            .where(
                r.clock_finished_at.is_(None),
                r.clock_deadline.is_not(None),
                or_(
                    and_(r.clock_status == SlaStatus.ON_TIME.value, r.clock_at_risk_from <= now),
                    and_(r.clock_status != SlaStatus.BREACHED.value, r.clock_deadline <= now),
                ),
            )
            .order_by(r.clock_deadline, r.id)
            .limit(limit)
        )
        return list(self._s.scalars(stmt))

    def finished_between(self, start: datetime, end: datetime, enterprise_id: str | None) -> builtins.list[Booked]:
        r = ConsignmentRow
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        stmt = select(r).where(r.clock_finished_at >= start, r.clock_finished_at < end)
        if enterprise_id is not None:
            stmt = stmt.where(r.enterprise_id == enterprise_id)
        rows = self._s.scalars(stmt.order_by(r.id)).all()
        legs: dict[str, list[LegRow]] = {}
        for chunk in _chunks([row.id for row in rows]):
            for leg in self._s.scalars(
                select(LegRow).where(LegRow.consignment_id.in_(chunk)).order_by(LegRow.consignment_id, LegRow.sequence)
            ):
                legs.setdefault(leg.consignment_id, []).append(leg)
        return [self._booked(row, legs.get(row.id, [])) for row in rows]


def _event_of(body: dict[str, Any], record_time: datetime | None) -> TrackingEvent:
    event = parse_json([body])[0]
    return event if record_time is None else replace(event, record_time=ensure_utc(record_time))


class SqlEventStore:
    """EPCIS events as captured (their JSON), with an index of every object each one names."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def known(self, event_ids: Sequence[str]) -> dict[str, TrackingEvent]:
        out: dict[str, TrackingEvent] = {}
        for chunk in _chunks(sorted(set(event_ids))):
            stmt = select(TrackingEventRow.event_id, TrackingEventRow.body, TrackingEventRow.record_time).where(
                TrackingEventRow.event_id.in_(chunk)
            )
            for event_id, body, record_time in self._s.execute(stmt):
                out[event_id] = _event_of(body, record_time)
        return out

    def add(
        self,
        events: Sequence[tuple[TrackingEvent, Sequence[IndexEntry]]],
        *,
        record_time: datetime,
        captured_by: str,
        captured_for: str | None,
    ) -> None:
        import uuid

        event_rows: list[dict[str, Any]] = []
        object_rows: list[dict[str, Any]] = []
        for event, entries in events:
            ref = uuid.uuid4().hex
            at = event.event_time.astimezone(UTC)
            event_rows.append(
                {
                    "ref": ref,
                    "event_id": event.event_id,
                    "event_type": event.type.value,
                    "action": event.action.value,
                    "event_time": at,
                    "time_zone_offset": event.time_zone_offset,
                    "record_time": record_time,
                    "biz_step": event.biz_step,
                    "disposition": event.disposition,
                    "read_point": event.read_point,
                    "biz_location": event.biz_location,
                    "captured_by": captured_by,
                    "captured_for": captured_for,
                    "body": event_to_json(event),
                }
            )
            object_rows.extend(
                {"object_id": e.object_id, "event_ref": ref, "event_time": at, "role": e.role} for e in entries
            )
        try:
            for chunk in _chunks(event_rows, 1000):
                self._s.execute(insert(_EVENTS), chunk)
            for chunk in _chunks(object_rows, 1000):
                self._s.execute(insert(_EVENT_OBJECTS), chunk)
        except IntegrityError as exc:  # another batch stored one of these event ids a moment ago
            raise Conflict("an event of this batch was captured concurrently; send the batch again") from exc

    def events_about(self, object_ids: Iterable[str]) -> builtins.list[TrackingEvent]:
        # two index lookups (object -> refs, refs -> events): never a join the planner could turn into a scan
        refs: set[str] = set()
        for chunk in _chunks(sorted(set(object_ids))):
            refs.update(self._s.scalars(select(EventObjectRow.event_ref).where(EventObjectRow.object_id.in_(chunk))))
        found: list[TrackingEvent] = []
        for chunk in _chunks(sorted(refs)):
            stmt = select(TrackingEventRow.body, TrackingEventRow.record_time).where(TrackingEventRow.ref.in_(chunk))
            found.extend(_event_of(body, record_time) for body, record_time in self._s.execute(stmt))
        found.sort(key=lambda e: (e.event_time, e.event_id))
        return found

    def children_of(self, object_ids: Iterable[str]) -> dict[str, set[str]]:
        parents: dict[str, str] = {}  # event ref -> the parent it packs into
        for chunk in _chunks(sorted(set(object_ids))):
            stmt = select(EventObjectRow.event_ref, EventObjectRow.object_id).where(
                EventObjectRow.object_id.in_(chunk), EventObjectRow.role == "parent"
            )
            parents.update((ref, obj) for ref, obj in self._s.execute(stmt))
        out: dict[str, set[str]] = {}
        for chunk in _chunks(sorted(parents)):
            stmt = select(EventObjectRow.event_ref, EventObjectRow.object_id).where(
                EventObjectRow.event_ref.in_(chunk), EventObjectRow.role == "child"
            )
            for ref, child in self._s.execute(stmt):
                out.setdefault(parents[ref], set()).add(child)
        return out


def _alert(row: SlaAlertRow) -> Alert:
    return Alert(
        id=row.id,
        consignment_id=row.consignment_id,
        enterprise_id=row.enterprise_id,
        corridor=row.corridor,
        kind=row.kind,
        deadline=_req(row.deadline),
        breached_at=_req(row.breached_at),
        culprit_leg=row.culprit_leg,
        raised_at=_req(row.raised_at),
        acknowledged_at=_aware(row.acknowledged_at),
        acknowledged_by=row.acknowledged_by,
    )


class SqlAlertRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def find(self, consignment_id: str, kind: str) -> Alert | None:
        stmt = select(SlaAlertRow).where(SlaAlertRow.consignment_id == consignment_id, SlaAlertRow.kind == kind)
        row = self._s.scalars(stmt).first()
        return None if row is None else _alert(row)

    def add(self, alert: Alert) -> None:
        self._s.add(
            SlaAlertRow(
                id=alert.id,
                consignment_id=alert.consignment_id,
                enterprise_id=alert.enterprise_id,
                corridor=alert.corridor,
                kind=alert.kind,
                deadline=_utc(alert.deadline),
                breached_at=_utc(alert.breached_at),
                culprit_leg=alert.culprit_leg,
                raised_at=_utc(alert.raised_at),
                acknowledged_at=_utc(alert.acknowledged_at),
                acknowledged_by=alert.acknowledged_by,
            )
        )
        try:
            self._s.flush()
        except IntegrityError as exc:  # raised concurrently by capture and the sweep
            raise Conflict(f"consignment {alert.consignment_id} was alerted concurrently; try again") from exc

    def get(self, alert_id: str) -> Alert | None:
        row = self._s.get(SlaAlertRow, alert_id)
        return None if row is None else _alert(row)

    def save(self, alert: Alert) -> None:
        row = self._s.get(SlaAlertRow, alert.id)
        if row is None:  # pragma: no cover - save follows get
            raise LookupError(f"alert {alert.id} is not stored")
        row.acknowledged_at = _utc(alert.acknowledged_at)
        row.acknowledged_by = alert.acknowledged_by
        self._s.flush()

    def list(self, enterprise_id: str | None, acknowledged: bool | None, limit: int, cursor: str | None) -> Page[Alert]:
        r = SlaAlertRow
        stmt = select(r)
        if enterprise_id is not None:
            stmt = stmt.where(r.enterprise_id == enterprise_id)
        if acknowledged is True:
            stmt = stmt.where(r.acknowledged_at.is_not(None))
        elif acknowledged is False:
            stmt = stmt.where(r.acknowledged_at.is_(None))
        if cursor:
            raised, last_id = decode_cursor(cursor, 2)
            try:
                when = datetime.fromisoformat(str(raised)).astimezone(UTC)
            except ValueError:
                when = datetime.fromtimestamp(0, UTC)
            stmt = stmt.where(or_(r.raised_at < when, and_(r.raised_at == when, r.id < str(last_id))))
        rows = self._s.scalars(stmt.order_by(r.raised_at.desc(), r.id.desc()).limit(limit + 1)).all()
        items = [_alert(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode_cursor([items[-1].raised_at.isoformat(), items[-1].id])
        return Page(items=items, next_cursor=next_cursor)
