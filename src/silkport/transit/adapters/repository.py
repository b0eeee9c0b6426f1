"""SQLAlchemy repositories and the unit of work of the transit context."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from silkport.infra.outbox import SqlOutbox
from silkport.infra.partners import InboundHandler, InboundMessage, SqlPartnerOutbox
from silkport.infra.uow import SqlAlchemyUnitOfWork
from silkport.shared.clock import Clock, ensure_utc
from silkport.shared.paging import Page, cursor_instant, decode_cursor, encode_cursor
from silkport.transit.adapters.orm import GuaranteeRow, IncidentRow, MessageRow, OperationRow, TransportRow
from silkport.transit.domain.model import (
    Guarantee,
    GuaranteeState,
    Incident,
    IncidentKind,
    MessagePair,
    MessageRecord,
    Operation,
    OperationState,
    TirTransport,
)
from silkport.transit.services.handlers import PARTNER_RESULTS, apply_partner_message
from silkport.transit.services.ports import HolderRegistry, TransportFilter


def _aware(value: datetime | None) -> datetime | None:
    return ensure_utc(value) if value is not None else None


def _req(value: datetime | None) -> datetime:
    if value is None:  # pragma: no cover - NOT NULL columns
        raise LookupError("a required time is missing")
    return ensure_utc(value)


class SqlGuaranteeRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, guarantee: Guarantee) -> None:
        row = GuaranteeRow(reference=guarantee.reference)
        self._fill(row, guarantee)
        self._s.add(row)
        self._s.flush()

    def get(self, reference: str, for_update: bool = False) -> Guarantee | None:
        stmt = select(GuaranteeRow).where(GuaranteeRow.reference == reference)
        if for_update:
            stmt = stmt.with_for_update()
        row = self._s.scalars(stmt).first()
        if row is None:
            return None
        return Guarantee(
            reference=row.reference,
            chain=row.chain,
            holder_id=row.holder_id,
            holder_enterprise_id=row.holder_enterprise_id,
            amount=row.amount,
            currency=row.currency,
            valid_until=_req(row.valid_until),
            registered_at=_req(row.registered_at),
            state=GuaranteeState(row.state),
            transport_id=row.transport_id,
            updated_at=_aware(row.updated_at),
        )

    def save(self, guarantee: Guarantee) -> None:
        row = self._s.get(GuaranteeRow, guarantee.reference)
        if row is None:  # pragma: no cover - save follows get
            raise LookupError(f"guarantee {guarantee.reference} is not stored")
        self._fill(row, guarantee)
        self._s.flush()

    def list(
        self,
        holder_enterprise_id: str | None,
        state: GuaranteeState | None,
        at: datetime,
        limit: int,
        cursor: str | None,
    ) -> Page[Guarantee]:
        stmt = select(GuaranteeRow.reference)
        if holder_enterprise_id is not None:
            stmt = stmt.where(GuaranteeRow.holder_enterprise_id == holder_enterprise_id)
        unused = and_(GuaranteeRow.state == GuaranteeState.REGISTERED.value, GuaranteeRow.transport_id.is_(None))
        if state is GuaranteeState.EXPIRED:
            stmt = stmt.where(unused, GuaranteeRow.valid_until < at)
        elif state is GuaranteeState.REGISTERED:
            stmt = stmt.where(
                GuaranteeRow.state == state.value,
                or_(GuaranteeRow.transport_id.is_not(None), GuaranteeRow.valid_until >= at),
            )
        elif state is not None:
            stmt = stmt.where(GuaranteeRow.state == state.value)
        if cursor:
            registered, ref = decode_cursor(cursor, 2)
            when = cursor_instant(registered)
            stmt = stmt.where(
                or_(
                    GuaranteeRow.registered_at < when,
                    and_(GuaranteeRow.registered_at == when, GuaranteeRow.reference < str(ref)),
                )
            )
        refs = self._s.scalars(
            stmt.order_by(GuaranteeRow.registered_at.desc(), GuaranteeRow.reference.desc()).limit(limit + 1)
        ).all()
        items = [g for g in (self.get(r) for r in refs[:limit]) if g is not None]
        next_cursor = None
        if len(refs) > limit:
            last = items[-1]
            next_cursor = encode_cursor([last.registered_at.isoformat(), last.reference])
        return Page(items=items, next_cursor=next_cursor)

    @staticmethod
    def _fill(row: GuaranteeRow, g: Guarantee) -> None:
        row.chain = g.chain
        row.holder_id = g.holder_id
        row.holder_enterprise_id = g.holder_enterprise_id
        row.amount = g.amount
        row.currency = g.currency
        row.valid_until = g.valid_until
        row.registered_at = g.registered_at
        row.updated_at = g.updated_at or g.registered_at
        row.state = g.state.value
        row.transport_id = g.transport_id


class SqlTransportRepository:
    def __init__(self, session: Session) -> None:
        self._s = session
        # how many incidents / log entries of each loaded transport are stored already (they are append-only)
        self._stored: dict[str, tuple[int, int]] = {}

    def add(self, transport: TirTransport) -> None:
        row = TransportRow(id=transport.id, created_at=transport.created_at)
        self._s.add(row)
        self._stored[transport.id] = (0, 0)
        self._save(transport, row)

    def get(self, transport_id: str, for_update: bool = False) -> TirTransport | None:
        stmt = select(TransportRow).where(TransportRow.id == transport_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self._s.scalars(stmt).first()
        return self._load(row) if row is not None else None

    def _load(self, row: TransportRow) -> TirTransport:
        ops = self._s.scalars(
            select(OperationRow).where(OperationRow.transport_id == row.id).order_by(OperationRow.sequence)
        ).all()
        incidents = self._s.scalars(
            select(IncidentRow).where(IncidentRow.transport_id == row.id).order_by(IncidentRow.id)
        ).all()
        messages = self._s.scalars(
            select(MessageRow).where(MessageRow.transport_id == row.id).order_by(MessageRow.id)
        ).all()
        self._stored[row.id] = (len(incidents), len(messages))
        return TirTransport(
            id=row.id,
            guarantee_reference=row.guarantee_reference,
            holder_id=row.holder_id,
            holder_enterprise_id=row.holder_enterprise_id,
            vehicle=row.vehicle,
            goods_description=row.goods_description,
            gross_mass_kg=row.gross_mass_kg,
            operations=[
                Operation(
                    sequence=o.sequence,
                    country=o.country,
                    office_of_start=o.office_of_start,
                    office_of_end=o.office_of_end,
                    state=OperationState(o.state),
                    accepted_at=_aware(o.accepted_at),
                    started_at=_aware(o.started_at),
                    terminated_at=_aware(o.terminated_at),
                    discharged_at=_aware(o.discharged_at),
                    refused_at=_aware(o.refused_at),
                    seals_at_start=tuple(o.seals_at_start),
                    seals_at_termination=tuple(o.seals_at_termination),
                    refusal_reason=o.refusal_reason,
                )
                for o in ops
            ],
            created_at=_req(row.created_at),
            current_seals=tuple(row.current_seals),
            incidents=[
                Incident(
                    operation=i.operation,
                    kind=IncidentKind(i.kind),
                    at=_req(i.at),
                    place=i.place,
                    description=i.description,
                    certified_by=i.certified_by,
                    seals_before=tuple(i.seals_before),
                    seals_after=tuple(i.seals_after),
                )
                for i in incidents
            ],
            messages=[
                MessageRecord(
                    pair=MessagePair(m.pair),
                    at=_req(m.at),
                    by=m.by,
                    message_id=m.message_id,
                    operation=m.operation,
                    details=tuple(sorted((str(k), str(v)) for k, v in m.details.items())),
                )
                for m in messages
            ],
            cancelled_at=_aware(row.cancelled_at),
            last_at=_aware(row.last_at),
        )

    def save(self, transport: TirTransport) -> None:
        row = self._s.get(TransportRow, transport.id)
        if row is None:  # pragma: no cover - save follows add or get
            raise LookupError(f"transport {transport.id} is not stored")
        self._save(transport, row)

    def _save(self, t: TirTransport, row: TransportRow) -> None:
        row.guarantee_reference = t.guarantee_reference
        row.holder_id = t.holder_id
        row.holder_enterprise_id = t.holder_enterprise_id
        row.vehicle = t.vehicle
        row.goods_description = t.goods_description
        row.gross_mass_kg = t.gross_mass_kg
        row.state = t.state.value
        row.current_seals = list(t.current_seals)
        row.cancelled_at = t.cancelled_at
        row.last_at = t.last_at
        w2w = t.w2w
        row.w2w_seconds = int(w2w.total_seconds()) if w2w is not None else None
        self._s.flush()
        for o in t.operations:
            op = self._s.get(OperationRow, (t.id, o.sequence))
            if op is None:
                op = OperationRow(transport_id=t.id, sequence=o.sequence)
                self._s.add(op)
            op.country = o.country
            op.office_of_start = o.office_of_start
            op.office_of_end = o.office_of_end
            op.state = o.state.value
            op.accepted_at = o.accepted_at
            op.started_at = o.started_at
            op.terminated_at = o.terminated_at
            op.discharged_at = o.discharged_at
            op.refused_at = o.refused_at
            op.seals_at_start = list(o.seals_at_start)
            op.seals_at_termination = list(o.seals_at_termination)
            op.refusal_reason = o.refusal_reason
        n_incidents, n_messages = self._stored.get(t.id, (0, 0))
        for i in t.incidents[n_incidents:]:
            self._s.add(
                IncidentRow(
                    transport_id=t.id,
                    operation=i.operation,
                    kind=i.kind.value,
                    at=i.at,
                    place=i.place,
                    description=i.description,
                    certified_by=i.certified_by,
                    seals_before=list(i.seals_before),
                    seals_after=list(i.seals_after),
                )
            )
        for m in t.messages[n_messages:]:
            self._s.add(
                MessageRow(
                    transport_id=t.id,
                    message_id=m.message_id,
                    pair=m.pair.value,
                    operation=m.operation,
                    at=m.at,
                    by=m.by,
                    details=dict(m.details),
                )
            )
        self._s.flush()
        self._stored[t.id] = (len(t.incidents), len(t.messages))

    def list(self, flt: TransportFilter, limit: int, cursor: str | None) -> Page[TirTransport]:
        stmt = select(TransportRow)
        if flt.holder_enterprise_id is not None:
            stmt = stmt.where(TransportRow.holder_enterprise_id == flt.holder_enterprise_id)
        if flt.state is not None:
            stmt = stmt.where(TransportRow.state == flt.state.value)
        if flt.guarantee_reference is not None:
            stmt = stmt.where(TransportRow.guarantee_reference == flt.guarantee_reference)
        if cursor:
            created, tid = decode_cursor(cursor, 2)
            at = cursor_instant(created)
            stmt = stmt.where(
                or_(TransportRow.created_at < at, and_(TransportRow.created_at == at, TransportRow.id < str(tid)))
            )
        rows = self._s.scalars(
            stmt.order_by(TransportRow.created_at.desc(), TransportRow.id.desc()).limit(limit + 1)
        ).all()
        items = [self._load(r) for r in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            next_cursor = encode_cursor([_req(last.created_at).isoformat(), last.id])
        return Page(items=items, next_cursor=next_cursor)

    def transport_of_message(self, message_id: str) -> str | None:
        return self._s.scalar(select(MessageRow.transport_id).where(MessageRow.message_id == message_id))


class SqlPartnerNotifier:
    """The partner-exchange outbox (infra.partners) behind the transit services' PartnerNotifier port."""

    def __init__(self, session: Session) -> None:
        self._outbox = SqlPartnerOutbox(session)

    def notify(
        self, partner: str, message_type: str, payload: Mapping[str, Any], *, at: datetime, message_id: str
    ) -> str:
        return self._outbox.send(partner, message_type, payload, at=at, message_id=message_id)


class SqlTransitUnitOfWork(SqlAlchemyUnitOfWork):
    guarantees: SqlGuaranteeRepository
    transports: SqlTransportRepository
    partners: SqlPartnerNotifier
    outbox: SqlOutbox
    holders: HolderRegistry

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        holders: Callable[[Session], HolderRegistry],
    ) -> None:
        super().__init__(session_factory, clock)
        self._holders = holders

    def _open(self, session: Session) -> None:
        self.holders = self._holders(session)
        self.guarantees = SqlGuaranteeRepository(session)
        self.transports = SqlTransportRepository(session)
        self.partners = SqlPartnerNotifier(session)
        self.outbox = SqlOutbox(session)


def partner_handlers(uow_factory: Callable[[], SqlTransitUnitOfWork]) -> dict[str, InboundHandler]:
    """Inbound handlers for the partner-exchange processor, one per partner result type (I8/I10/I12/I14/I18).

    Each applies the partner's result to the operation in its country, once in effect by message id.
    """

    def handle(message: InboundMessage) -> None:
        apply_partner_message(uow_factory(), message.partner, message.message_id, message.message_type, message.payload)

    return dict.fromkeys(PARTNER_RESULTS, handle)
