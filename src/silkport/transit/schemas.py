"""Request and response bodies of the transit API (pydantic 2; unknown fields are refused)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict, Field

from silkport.transit.domain.model import (
    Guarantee,
    GuaranteeState,
    IncidentKind,
    Leg,
    MessagePair,
    MessageRecord,
    OperationState,
    TirTransport,
    TransportState,
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- requests ------------------------------------------------------------------------------------------
class GuaranteeIn(Strict):
    """E1 register guarantee (sent by the guarantee chain)."""

    reference: str = Field(max_length=10, description="TIR carnet / guarantee reference", examples=["XZ81234567"])
    chain: str = Field(max_length=10, description="guarantee chain", examples=["IRU"])
    holder_id: str = Field(max_length=24, description="TIR holder id", examples=["CHN/080/123456"])
    holder_enterprise_id: str = Field(max_length=32, description="the holder's enterprise in the zone registry")
    amount: Decimal = Field(max_digits=18, decimal_places=2, description="guaranteed amount", examples=["100000"])
    currency: str = Field(min_length=3, max_length=3, examples=["EUR"])
    valid_until: datetime = Field(description="end of validity (ISO 8601 with offset)")


class LegIn(Strict):
    country: str = Field(min_length=2, max_length=2, examples=["CN"])
    office_of_start: str = Field(max_length=20, description="office of departure or entry", examples=["CNKSS-TIR"])
    office_of_end: str = Field(max_length=20, description="office of exit or destination", examples=["CNYRK"])

    def to_leg(self) -> Leg:
        return Leg(self.country, self.office_of_start, self.office_of_end)


class AdvanceDataIn(Strict):
    """E9 advance TIR data (sent by the holder)."""

    guarantee_reference: str = Field(max_length=10)
    holder_id: str = Field(max_length=24)
    vehicle: str = Field(max_length=35, description="road vehicle registration")
    goods_description: str = Field(max_length=2000)
    gross_mass_kg: Decimal = Field(max_digits=14, decimal_places=3)
    itinerary: list[LegIn] = Field(max_length=20, description="one operation per country crossed, in order")


class SealsIn(Strict):
    seals: list[str] = Field(max_length=99, description="seal identifiers affixed (I9) or found intact (I11)")


class RefusalIn(Strict):
    reason: str = Field(max_length=2000)


class IncidentIn(Strict):
    """A certified incident report; ``new_seals`` replace the transport's seals."""

    operation: int = Field(ge=1)
    kind: IncidentKind
    place: str = Field(max_length=200)
    description: str = Field(max_length=4000)
    new_seals: list[str] | None = Field(default=None, max_length=99)


# -- responses -----------------------------------------------------------------------------------------
def hours(value: timedelta | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(int(value.total_seconds())) / Decimal(3600)).quantize(Decimal("0.01"), ROUND_HALF_UP)


class GuaranteeOut(BaseModel):
    reference: str
    chain: str
    holder_id: str
    holder_enterprise_id: str
    amount: Decimal
    currency: str
    valid_until: datetime
    registered_at: datetime
    state: GuaranteeState
    transport_id: str | None

    @classmethod
    def of(cls, g: Guarantee, now: datetime) -> GuaranteeOut:
        return cls(
            reference=g.reference,
            chain=g.chain,
            holder_id=g.holder_id,
            holder_enterprise_id=g.holder_enterprise_id,
            amount=g.amount,
            currency=g.currency,
            valid_until=g.valid_until,
            registered_at=g.registered_at,
            state=g.state_at(now),
            transport_id=g.transport_id,
        )


class GuaranteeResult(BaseModel):
    """An E-message answer: ``message`` is the response (E2, E4, E6) of the ``pair``."""

    message: str
    pair: str
    guarantee: GuaranteeOut


class GuaranteePage(BaseModel):
    items: list[GuaranteeOut]
    next_cursor: str | None


class OperationOut(BaseModel):
    sequence: int
    country: str
    office_of_start: str
    office_of_end: str
    state: OperationState
    accepted_at: datetime | None
    started_at: datetime | None
    terminated_at: datetime | None
    discharged_at: datetime | None
    refused_at: datetime | None
    seals_at_start: list[str]
    seals_at_termination: list[str]
    refusal_reason: str | None
    w2w_hours: Decimal | None = Field(description="warehouse-to-warehouse time: start to termination")


class IncidentOut(BaseModel):
    operation: int
    kind: IncidentKind
    at: datetime
    place: str
    description: str
    certified_by: str
    seals_before: list[str]
    seals_after: list[str]


class MessageOut(BaseModel):
    pair: MessagePair
    request: str
    response: str | None
    at: datetime
    by: str
    message_id: str
    operation: int | None
    details: dict[str, str]

    @classmethod
    def of(cls, m: MessageRecord) -> MessageOut:
        return cls(
            pair=m.pair,
            request=m.pair.request,
            response=m.pair.response,
            at=m.at,
            by=m.by,
            message_id=m.message_id,
            operation=m.operation,
            details=dict(m.details),
        )


class W2WOut(BaseModel):
    complete: bool = Field(description="started at departure and terminated at destination")
    hours: Decimal | None = Field(description="start at departure to termination at destination")
    operations_hours: Decimal | None = Field(description="sum of the operations' own times")
    border_hours: Decimal | None = Field(description="time between termination at exit and start at entry")


class TransportOut(BaseModel):
    id: str
    state: TransportState
    guarantee_reference: str
    guarantee_state: GuaranteeState | None
    holder_id: str
    holder_enterprise_id: str
    vehicle: str
    goods_description: str
    gross_mass_kg: Decimal
    seals: list[str]
    created_at: datetime
    cancelled_at: datetime | None
    operations: list[OperationOut]
    incidents: list[IncidentOut]
    w2w: W2WOut
    messages: list[MessageOut]

    @classmethod
    def of(cls, t: TirTransport, g: Guarantee | None, with_messages: bool = True) -> TransportOut:
        total = t.w2w
        own = [o.w2w for o in t.operations]
        ops_sum = sum((d for d in own if d is not None), timedelta()) if total is not None else None
        return cls(
            id=t.id,
            state=t.state,
            guarantee_reference=t.guarantee_reference,
            guarantee_state=g.state if g is not None else None,
            holder_id=t.holder_id,
            holder_enterprise_id=t.holder_enterprise_id,
            vehicle=t.vehicle,
            goods_description=t.goods_description,
            gross_mass_kg=t.gross_mass_kg,
            seals=list(t.current_seals),
            created_at=t.created_at,
            cancelled_at=t.cancelled_at,
            operations=[
                OperationOut(
                    sequence=o.sequence,
                    country=o.country,
                    office_of_start=o.office_of_start,
                    office_of_end=o.office_of_end,
                    state=o.state,
                    accepted_at=o.accepted_at,
                    started_at=o.started_at,
                    terminated_at=o.terminated_at,
                    discharged_at=o.discharged_at,
                    refused_at=o.refused_at,
                    seals_at_start=list(o.seals_at_start),
                    seals_at_termination=list(o.seals_at_termination),
                    refusal_reason=o.refusal_reason,
                    w2w_hours=hours(o.w2w),
                )
                for o in t.operations
            ],
            incidents=[
                IncidentOut(
                    operation=i.operation,
                    kind=i.kind,
                    at=i.at,
                    place=i.place,
                    description=i.description,
                    certified_by=i.certified_by,
                    seals_before=list(i.seals_before),
                    seals_after=list(i.seals_after),
                )
                for i in t.incidents
            ],
            w2w=W2WOut(
                complete=total is not None,
                hours=hours(total),
                operations_hours=hours(ops_sum),
                border_hours=hours(total - ops_sum) if total is not None and ops_sum is not None else None,
            ),
            messages=[MessageOut.of(m) for m in t.messages] if with_messages else [],
        )


class TransportResult(BaseModel):
    """An answer to a message about a transport: ``message`` is the eTIR response (E10, I8, I10 ...)."""

    message: str
    pair: str
    message_id: str
    transport: TransportOut


class TransportPage(BaseModel):
    items: list[TransportOut]
    next_cursor: str | None
