"""TIR transit use cases, one per eTIR message: guarantees (E1/E3/E5), advance TIR data (E9, E13),
customs operations (I7, I9, I11, I13, I17), incidents, and the exchange with partner customs (I15 out,
partner results in).

Authorisation: the guarantee chain (an admin) registers and cancels guarantees; the holder (a trader
or logistics operator of the guarantee's enterprise) submits and cancels advance TIR data and sees
only its own guarantees and transports (another holder's answer 404); customs officers and
supervisors perform the I-operations of the zone's own country. Operations in a partner country are
performed by that country's customs and reach us as partner messages (:func:`apply_partner_message`).
Every step is audited and announced to the holder's webhooks in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from silkport.shared.actor import Actor, Role
from silkport.shared.errors import NotFound, PermissionDenied
from silkport.shared.paging import Page
from silkport.shared.text import templated
from silkport.transit.domain.errors import EtirError
from silkport.transit.domain.model import (
    Guarantee,
    GuaranteeState,
    IncidentKind,
    Leg,
    MessagePair,
    MessageRecord,
    OperationState,
    Stamp,
    TirTransport,
    TransportState,
    advance_tir_data,
    register_guarantee,
)
from silkport.transit.services.ports import TransitUnitOfWork, TransportFilter

#: the country whose customs this installation is
ZONE_COUNTRY = "CN"
#: partner administrations we exchange TIR messages with (partner code = ISO country code)
PARTNERS = frozenset({"KG", "KZ"})

CHAIN_ROLES = frozenset({Role.ADMIN})
HOLDER_ROLES = frozenset({Role.TRADER, Role.LOGISTICS_OPERATOR})
CUSTOMS_ROLES = frozenset({Role.CUSTOMS_OFFICER, Role.CUSTOMS_SUPERVISOR})
READERS = frozenset(
    {
        Role.TRADER,
        Role.LOGISTICS_OPERATOR,
        Role.CUSTOMS_OFFICER,
        Role.CUSTOMS_SUPERVISOR,
        Role.ADMIN,
        Role.ANALYST,
    }
)


@dataclass(frozen=True, slots=True)
class Result:
    """What a message produced: the transport as it now is, and the logged message (with its pair)."""

    transport: TirTransport
    guarantee: Guarantee
    record: MessageRecord


def _require(actor: Actor, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"a {actor.role.label.lower()} may not {what}")


def _label(actor: Actor) -> str:
    return actor.username


def _guarantee_audit(g: Guarantee) -> dict[str, Any]:
    return {
        "state": g.state.value,
        "transport_id": g.transport_id,
        "holder_id": g.holder_id,
        "amount": str(g.amount),
        "currency": g.currency,
        "valid_until": g.valid_until.isoformat(),
    }


def _transport_audit(t: TirTransport) -> dict[str, Any]:
    return {
        "state": t.state.value,
        "operations": {str(o.sequence): o.state.value for o in t.operations},
        "seals": list(t.current_seals),
    }


def _check_holder(uow: TransitUnitOfWork, enterprise_id: str, message: str, pointer: str | None) -> None:
    """The holder's enterprise must be registered in the zone (322) and active (321)."""
    known = uow.holders.status_and_grade(enterprise_id)
    if known is None:
        raise EtirError(322, f"holder enterprise {enterprise_id!r} is not registered", message=message, pointer=pointer)
    if known[0] != "active":
        raise EtirError(321, f"holder enterprise {enterprise_id} is {known[0]}", message=message, pointer=pointer)


def _visible_guarantee(uow: TransitUnitOfWork, actor: Actor, reference: str, message: str, lock: bool) -> Guarantee:
    g = uow.guarantees.get(reference, for_update=lock)
    if g is None or not actor.sees_enterprise(g.holder_enterprise_id):
        raise EtirError(301, f"guarantee {reference} not found", message=message, pointer="guarantee_reference")
    return g


def _visible_transport(uow: TransitUnitOfWork, actor: Actor, transport_id: str, lock: bool) -> TirTransport:
    t = uow.transports.get(transport_id, for_update=lock)
    if t is None or not actor.sees_enterprise(t.holder_enterprise_id):
        raise NotFound(templated("TIR transport %(transport_id)s not found", transport_id=transport_id))
    return t


def _guarantee_of(uow: TransitUnitOfWork, t: TirTransport) -> Guarantee:
    g = uow.guarantees.get(t.guarantee_reference, for_update=True)
    if g is None:  # pragma: no cover - a foreign key guards this
        raise LookupError(f"transport {t.id} refers to a missing guarantee {t.guarantee_reference}")
    return g


def _emit(uow: TransitUnitOfWork, t: TirTransport, event: str, record: MessageRecord) -> None:
    uow.outbox.emit(
        t.holder_enterprise_id,
        f"transit.{event}",
        {
            "transport_id": t.id,
            "guarantee_reference": t.guarantee_reference,
            "message": record.pair.value,
            "operation": record.operation,
            "state": t.state.value,
        },
        record.at,
    )


# -- guarantees (E1-E6) ------------------------------------------------------------------------------
def register(
    uow: TransitUnitOfWork,
    actor: Actor,
    *,
    reference: str,
    chain: str,
    holder_id: str,
    holder_enterprise_id: str,
    amount: Decimal,
    currency: str,
    valid_until: datetime,
) -> Guarantee:
    """E1 register guarantee -> E2 results."""
    _require(actor, CHAIN_ROLES, "register TIR guarantees (the guarantee chain does)")
    with uow:
        now = uow.clock.now()
        g = register_guarantee(
            reference=reference,
            chain=chain,
            holder_id=holder_id,
            holder_enterprise_id=holder_enterprise_id,
            amount=amount,
            currency=currency,
            valid_until=valid_until,
            at=now,
        )
        _check_holder(uow, holder_enterprise_id, "E1/E2", "holder_enterprise_id")
        if uow.guarantees.get(reference, for_update=True) is not None:
            raise EtirError(204, f"guarantee {reference} is already registered", message="E1/E2", pointer="reference")
        uow.guarantees.add(g)
        uow.audit.record(
            actor=actor,
            action="transit.guarantee.registered",
            object_type="tir_guarantee",
            object_id=reference,
            before=None,
            after=_guarantee_audit(g),
        )
        uow.outbox.emit(holder_enterprise_id, "transit.guarantee.registered", {"guarantee_reference": reference}, now)
        uow.commit()
        return g


def cancel_guarantee(uow: TransitUnitOfWork, actor: Actor, reference: str) -> Guarantee:
    """E3 cancel guarantee -> E4 results."""
    _require(actor, CHAIN_ROLES, "cancel TIR guarantees (the guarantee chain does)")
    with uow:
        g = _visible_guarantee(uow, actor, reference, "E3/E4", lock=True)
        before = _guarantee_audit(g)
        g.cancel(uow.clock.now())
        uow.guarantees.save(g)
        uow.audit.record(
            actor=actor,
            action="transit.guarantee.cancelled",
            object_type="tir_guarantee",
            object_id=reference,
            before=before,
            after=_guarantee_audit(g),
        )
        uow.outbox.emit(
            g.holder_enterprise_id, "transit.guarantee.cancelled", {"guarantee_reference": reference}, uow.clock.now()
        )
        uow.commit()
        return g


def query_guarantee(uow: TransitUnitOfWork, actor: Actor, reference: str) -> Guarantee:
    """E5 query guarantee -> E6 results (the state as of now: an unused guarantee past validity is expired)."""
    _require(actor, READERS, "query TIR guarantees")
    with uow:
        return _visible_guarantee(uow, actor, reference, "E5/E6", lock=False)


def list_guarantees(
    uow: TransitUnitOfWork, actor: Actor, *, state: GuaranteeState | None, limit: int, cursor: str | None
) -> Page[Guarantee]:
    """The guarantees this caller may see (a holder: its own), newest first."""
    _require(actor, READERS, "query TIR guarantees")
    if actor.is_enterprise_bound and actor.enterprise_id is None:
        return Page(items=[], next_cursor=None)
    holder = actor.enterprise_id if actor.is_enterprise_bound else None
    with uow:
        return uow.guarantees.list(holder, state, uow.clock.now(), limit, cursor)


# -- the holder: advance TIR data (E9) and its cancellation (E13) ---------------------------------------
def submit_advance_data(
    uow: TransitUnitOfWork,
    actor: Actor,
    *,
    guarantee_reference: str,
    holder_id: str,
    vehicle: str,
    goods_description: str,
    gross_mass_kg: Decimal,
    itinerary: Sequence[Leg],
) -> Result:
    """E9 advance TIR data -> E10 results: the holder declares a transport under its guarantee."""
    _require(actor, HOLDER_ROLES, "submit advance TIR data (the holder does)")
    with uow:
        g = _visible_guarantee(uow, actor, guarantee_reference, "E9/E10", lock=True)
        _check_holder(uow, g.holder_enterprise_id, "E9/E10", None)
        before = _guarantee_audit(g)
        stamp = Stamp(at=uow.clock.now(), by=_label(actor), message_id=uuid.uuid4().hex)
        t = advance_tir_data(
            transport_id=uuid.uuid4().hex,
            guarantee=g,
            holder_id=holder_id,
            holder_enterprise_id=actor.enterprise_id or "",
            vehicle=vehicle,
            goods_description=goods_description,
            gross_mass_kg=gross_mass_kg,
            itinerary=itinerary,
            stamp=stamp,
        )
        uow.transports.add(t)
        uow.guarantees.save(g)
        uow.audit.record(
            actor=actor,
            action="transit.advance_data.submitted",
            object_type="tir_transport",
            object_id=t.id,
            before=None,
            after={**_transport_audit(t), "guarantee": g.reference, "guarantee_before": before},
        )
        _emit(uow, t, "advance_data.submitted", t.messages[-1])
        uow.commit()
        return Result(t, g, t.messages[-1])


def cancel_advance_data(uow: TransitUnitOfWork, actor: Actor, transport_id: str) -> Result:
    """E13 cancel advance data -> E14 results: the holder withdraws a transport that has not started."""
    _require(actor, HOLDER_ROLES | CUSTOMS_ROLES, "cancel TIR transports")
    with uow:
        t = _visible_transport(uow, actor, transport_id, lock=True)
        g = _guarantee_of(uow, t)
        before, gb = _transport_audit(t), (g.state, g.transport_id)
        record = t.cancel(g, Stamp(uow.clock.now(), _label(actor), uuid.uuid4().hex))
        return _finish(uow, actor, t, g, record, before, "cancelled", guarantee_before=gb)


# -- customs: the I-operations ----------------------------------------------------------------------------
_EVENTS = {
    MessagePair.RECORD_DECLARATION_DATA: "declaration_data.recorded",
    MessagePair.REFUSAL_TO_START: "operation.refused",
    MessagePair.START: "operation.started",
    MessagePair.TERMINATE: "operation.terminated",
    MessagePair.DISCHARGE: "operation.discharged",
    MessagePair.CANCEL_ADVANCE_DATA: "cancelled",
    MessagePair.INCIDENT: "incident.recorded",
}


def _finish(
    uow: TransitUnitOfWork,
    actor: Actor,
    t: TirTransport,
    g: Guarantee,
    record: MessageRecord,
    before: Mapping[str, Any],
    event: str,
    reason: str | None = None,
    guarantee_before: tuple[GuaranteeState, str | None] | None = None,
) -> Result:
    uow.transports.save(t)
    uow.guarantees.save(g)
    uow.audit.record(
        actor=actor,
        action=f"transit.{event}",
        object_type="tir_transport",
        object_id=t.id,
        before=before,
        after={**_transport_audit(t), "message": record.pair.value, "operation": record.operation},
        reason=reason,
    )
    _emit(uow, t, event, record)
    if record.pair is MessagePair.TERMINATE:
        _notify_partner(uow, t, record)
    if guarantee_before is not None and (g.state, g.transport_id) != guarantee_before:
        # registered again means freed by a cancellation or a refusal at departure
        change = "released" if g.state is GuaranteeState.REGISTERED else g.state.value
        uow.audit.record(
            actor=actor,
            action=f"transit.guarantee.{change}",
            object_type="tir_guarantee",
            object_id=g.reference,
            before={"state": guarantee_before[0].value, "transport_id": guarantee_before[1]},
            after=_guarantee_audit(g),
        )
        uow.outbox.emit(
            g.holder_enterprise_id,
            f"transit.guarantee.{change}",
            {"guarantee_reference": g.reference, "transport_id": t.id, "message": record.pair.value},
            record.at,
        )
    uow.commit()
    return Result(t, g, record)


def _notify_partner(uow: TransitUnitOfWork, t: TirTransport, record: MessageRecord) -> None:
    """I15 notify customs: terminated at exit towards a partner country, forward the declaration data."""
    assert record.operation is not None
    following = t.next_operation(record.operation)
    if following is None or following.country not in PARTNERS:
        return
    done = t.operations[record.operation - 1]
    payload = {
        "transport_id": t.id,
        "guarantee_reference": t.guarantee_reference,
        "holder_id": t.holder_id,
        "vehicle": t.vehicle,
        "goods_description": t.goods_description,
        "gross_mass_kg": str(t.gross_mass_kg),
        "seals": list(t.current_seals),
        "terminated_operation": {
            "sequence": done.sequence,
            "country": done.country,
            "office_of_exit": done.office_of_end,
            "terminated_at": record.at.isoformat(),
        },
        "operation": {
            "sequence": following.sequence,
            "country": following.country,
            "office_of_entry": following.office_of_start,
            "office_of_end": following.office_of_end,
        },
        "itinerary": [
            {
                "sequence": o.sequence,
                "country": o.country,
                "office_of_start": o.office_of_start,
                "office_of_end": o.office_of_end,
            }
            for o in t.operations
        ],
        "incidents": [
            {
                "operation": i.operation,
                "kind": i.kind.value,
                "at": i.at.isoformat(),
                "place": i.place,
                "description": i.description,
                "seals_after": list(i.seals_after),
            }
            for i in t.incidents
        ],
    }
    message_id = f"{t.id}-I15-{following.sequence}"
    uow.partners.notify(following.country, "I15", payload, at=record.at, message_id=message_id)
    t.messages.append(
        MessageRecord(
            pair=MessagePair.NOTIFY_CUSTOMS,
            at=record.at,
            by="silkport",
            message_id=message_id,
            operation=following.sequence,
            details=(("partner", following.country),),
        )
    )
    uow.transports.save(t)


def _apply(
    t: TirTransport,
    g: Guarantee,
    pair: MessagePair,
    sequence: int,
    stamp: Stamp,
    seals: Sequence[str] | None,
    reason: str | None,
) -> MessageRecord:
    if pair is MessagePair.RECORD_DECLARATION_DATA:
        return t.record_declaration_data(sequence, g, stamp)
    if pair is MessagePair.REFUSAL_TO_START:
        return t.refuse_to_start(sequence, reason or "", g, stamp)
    if pair is MessagePair.START:
        return t.start(sequence, seals or (), g, stamp)
    if pair is MessagePair.TERMINATE:
        return t.terminate(sequence, seals or (), stamp)
    if pair is MessagePair.DISCHARGE:
        return t.discharge(sequence, g, stamp)
    raise ValueError(f"{pair} is not a customs operation")


def operate(
    uow: TransitUnitOfWork,
    actor: Actor,
    transport_id: str,
    sequence: int,
    pair: MessagePair,
    *,
    seals: Sequence[str] | None = None,
    reason: str | None = None,
) -> Result:
    """One customs I-message (I7, I9, I11, I13, I17) on operation ``sequence`` by the zone's customs."""
    _require(actor, CUSTOMS_ROLES, f"send {pair.request} (customs officers do)")
    with uow:
        t = _visible_transport(uow, actor, transport_id, lock=True)
        op = t.operation(sequence, pair.value)
        if op.country != ZONE_COUNTRY:
            raise EtirError(
                300,
                f"operation {sequence} is in {op.country}: its customs report it as partner messages",
                message=pair.value,
                pointer="operation",
            )
        g = _guarantee_of(uow, t)
        before, gb = _transport_audit(t), (g.state, g.transport_id)
        record = _apply(t, g, pair, sequence, Stamp(uow.clock.now(), _label(actor), uuid.uuid4().hex), seals, reason)
        return _finish(uow, actor, t, g, record, before, _EVENTS[pair], reason, gb)


def record_incident(
    uow: TransitUnitOfWork,
    actor: Actor,
    transport_id: str,
    sequence: int,
    *,
    kind: IncidentKind,
    place: str,
    description: str,
    new_seals: Sequence[str] | None,
) -> Result:
    """A certified incident report by a customs officer (broken seals replaced, accident ...)."""
    _require(actor, CUSTOMS_ROLES, "certify incident reports (customs officers do)")
    with uow:
        t = _visible_transport(uow, actor, transport_id, lock=True)
        op = t.operation(sequence, MessagePair.INCIDENT.value)
        if op.country != ZONE_COUNTRY:
            raise EtirError(
                300,
                f"operation {sequence} is in {op.country}: its customs certify incidents there",
                message=MessagePair.INCIDENT.value,
                pointer="operation",
            )
        g = _guarantee_of(uow, t)
        before = _transport_audit(t)
        t.record_incident(
            sequence,
            kind=kind,
            place=place,
            description=description,
            new_seals=new_seals,
            stamp=Stamp(uow.clock.now(), _label(actor), uuid.uuid4().hex),
        )
        return _finish(uow, actor, t, g, t.messages[-1], before, "incident.recorded", description)


# -- reading ----------------------------------------------------------------------------------------------
def get_transport(uow: TransitUnitOfWork, actor: Actor, transport_id: str) -> tuple[TirTransport, Guarantee]:
    _require(actor, READERS, "read TIR transports")
    with uow:
        t = _visible_transport(uow, actor, transport_id, lock=False)
        g = uow.guarantees.get(t.guarantee_reference)
        assert g is not None
        return t, g


def list_transports(
    uow: TransitUnitOfWork,
    actor: Actor,
    *,
    state: TransportState | None,
    guarantee_reference: str | None,
    limit: int,
    cursor: str | None,
) -> Page[TirTransport]:
    _require(actor, READERS, "read TIR transports")
    holder = actor.enterprise_id if actor.is_enterprise_bound else None
    if actor.is_enterprise_bound and holder is None:
        return Page(items=[], next_cursor=None)
    with uow:
        return uow.transports.list(
            TransportFilter(holder_enterprise_id=holder, state=state, guarantee_reference=guarantee_reference),
            limit,
            cursor,
        )


# -- partner customs: their results reach us as messages ----------------------------------------------------
#: the partner message types we apply, and the eTIR step each stands for
PARTNER_RESULTS: dict[str, MessagePair] = {
    "I8": MessagePair.RECORD_DECLARATION_DATA,
    "I10": MessagePair.START,
    "I12": MessagePair.TERMINATE,
    "I14": MessagePair.DISCHARGE,
    "I18": MessagePair.REFUSAL_TO_START,
}


def _partner_actor(partner: str) -> Actor:
    return Actor(user_id=f"partner:{partner}", username=f"{partner} customs", role=Role.CUSTOMS_OFFICER)


def _payload_str(payload: Mapping[str, Any], key: str, m: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise EtirError(101, f"{key}: is required", message=m, pointer=key)
    return value


def apply_partner_message(
    uow: TransitUnitOfWork, partner: str, message_id: str, message_type: str, payload: Mapping[str, Any]
) -> str:
    """Apply a partner's result (I8/I10/I12/I14/I18-style) to the operation in its country, once by message id.

    Returns ``"applied"``, or ``"duplicate"`` when this partner message id was applied before (nothing
    changes). Payload: ``transport_id``, ``operation`` (sequence), ``at`` (ISO 8601 with offset, the time
    of the step at the partner's office), ``seals`` for I10/I12, ``reason`` for I18.
    """
    pair = PARTNER_RESULTS.get(message_type)
    if pair is None:
        raise EtirError(
            102,
            f"message_type: {message_type!r} is not one of {sorted(PARTNER_RESULTS)}",
            message="I15/I16",
            pointer="message_type",
        )
    m = pair.value
    logged_id = f"{partner}:{message_id}"
    actor = _partner_actor(partner)
    with uow:
        transport_id = _payload_str(payload, "transport_id", m)
        sequence = payload.get("operation")
        if not isinstance(sequence, int) or isinstance(sequence, bool):
            raise EtirError(
                104, "operation: the operation sequence number is an integer", message=m, pointer="operation"
            )
        try:
            at = datetime.fromisoformat(_payload_str(payload, "at", m))
        except ValueError as exc:
            raise EtirError(103, f"at: {exc}", message=m, pointer="at") from exc
        if at.tzinfo is None:
            raise EtirError(103, "at: a time needs its UTC offset", message=m, pointer="at")
        seals_raw = payload.get("seals")
        seals = [str(s) for s in seals_raw] if isinstance(seals_raw, list) else None
        reason = payload.get("reason") if isinstance(payload.get("reason"), str) else None
        t = uow.transports.get(transport_id, for_update=True)
        if t is None:
            raise NotFound(templated("TIR transport %(transport_id)s not found", transport_id=transport_id))
        # checked under the transport's lock: a concurrent delivery of the same message waits, then sees it
        if uow.transports.transport_of_message(logged_id) is not None:
            return "duplicate"
        op = t.operation(sequence, m)
        if op.country != partner:
            raise EtirError(
                300, f"operation {sequence} is in {op.country}, not {partner}", message=m, pointer="operation"
            )
        g = _guarantee_of(uow, t)
        before, gb = _transport_audit(t), (g.state, g.transport_id)
        stamp = Stamp(at=at, by=actor.username, message_id=logged_id)
        if pair is MessagePair.START and op.state is OperationState.PLANNED:
            # the partner recorded the declaration data (I7) when our I15 reached it
            t.record_declaration_data(sequence, g, Stamp(at=at, by=actor.username, message_id=f"{logged_id}#I7"))
        record = _apply(t, g, pair, sequence, stamp, seals, reason)
        _finish(uow, actor, t, g, record, before, _EVENTS[pair], reason, gb)
        return "applied"
