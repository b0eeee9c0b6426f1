"""HTTP API of TIR transit, named after the eTIR message pairs.

Every answer to a message names the eTIR response (``message``) and its ``pair``; a refusal is an RFC 9457
problem carrying ``etir``: the message pair, the eTIR error class (validation / workflow_state /
functional), code and name, and the field at fault. See docs/transit.md.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from silkport.infra.web import CurrentActor, service
from silkport.transit.domain.model import Guarantee, GuaranteeState, MessagePair, TransportState
from silkport.transit.schemas import (
    AdvanceDataIn,
    GuaranteeIn,
    GuaranteeOut,
    GuaranteePage,
    GuaranteeResult,
    IncidentIn,
    RefusalIn,
    SealsIn,
    TransportOut,
    TransportPage,
    TransportResult,
)
from silkport.transit.services import handlers
from silkport.transit.services.handlers import Result
from silkport.transit.services.ports import TransitUnitOfWork

Uow = Annotated[TransitUnitOfWork, Depends(service("transit"))]

router = APIRouter(prefix="/api/v1/transit", tags=["transit"])


def _answer(pair: MessagePair, result: Result) -> TransportResult:
    return TransportResult(
        message=pair.response or pair.request,
        pair=pair.value,
        message_id=result.record.message_id,
        transport=TransportOut.of(result.transport, result.guarantee),
    )


def _guarantee(uow: TransitUnitOfWork, pair: MessagePair, g: Guarantee) -> GuaranteeResult:
    return GuaranteeResult(
        message=pair.response or pair.request, pair=pair.value, guarantee=GuaranteeOut.of(g, uow.clock.now())
    )


# -- guarantees ------------------------------------------------------------------------------------------
@router.post("/guarantees", response_model=GuaranteeResult, status_code=status.HTTP_201_CREATED)
def register_guarantee(body: GuaranteeIn, uow: Uow, actor: CurrentActor, response: Response) -> GuaranteeResult:
    """E1 register guarantee -> E2 (the guarantee chain; an administrator acts for it)."""
    g = handlers.register(
        uow,
        actor,
        reference=body.reference,
        chain=body.chain,
        holder_id=body.holder_id,
        holder_enterprise_id=body.holder_enterprise_id,
        amount=body.amount,
        currency=body.currency,
        valid_until=body.valid_until,
    )
    response.headers["Location"] = f"/api/v1/transit/guarantees/{g.reference}"
    return _guarantee(uow, MessagePair.REGISTER_GUARANTEE, g)


@router.post("/guarantees/{reference}/cancel", response_model=GuaranteeResult)
def cancel_guarantee(reference: str, uow: Uow, actor: CurrentActor) -> GuaranteeResult:
    """E3 cancel guarantee -> E4: only a guarantee no transport uses."""
    return _guarantee(uow, MessagePair.CANCEL_GUARANTEE, handlers.cancel_guarantee(uow, actor, reference))


@router.get("/guarantees", response_model=GuaranteePage)
def list_guarantees(
    uow: Uow,
    actor: CurrentActor,
    state: GuaranteeState | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: str | None = None,
) -> GuaranteePage:
    """The guarantees this caller may see (a holder: its own), newest first; ``state=expired`` works too."""
    page = handlers.list_guarantees(uow, actor, state=state, limit=limit, cursor=cursor)
    now = uow.clock.now()
    return GuaranteePage(items=[GuaranteeOut.of(g, now) for g in page.items], next_cursor=page.next_cursor)


@router.get("/guarantees/{reference}", response_model=GuaranteeResult)
def query_guarantee(reference: str, uow: Uow, actor: CurrentActor) -> GuaranteeResult:
    """E5 query guarantee -> E6."""
    return _guarantee(uow, MessagePair.QUERY_GUARANTEE, handlers.query_guarantee(uow, actor, reference))


# -- transports ------------------------------------------------------------------------------------------
@router.post("/transports", response_model=TransportResult, status_code=status.HTTP_201_CREATED)
def submit_advance_data(body: AdvanceDataIn, uow: Uow, actor: CurrentActor, response: Response) -> TransportResult:
    """E9 advance TIR data -> E10 (the holder declares the transport and its itinerary)."""
    result = handlers.submit_advance_data(
        uow,
        actor,
        guarantee_reference=body.guarantee_reference,
        holder_id=body.holder_id,
        vehicle=body.vehicle,
        goods_description=body.goods_description,
        gross_mass_kg=body.gross_mass_kg,
        itinerary=[leg.to_leg() for leg in body.itinerary],
    )
    response.headers["Location"] = f"/api/v1/transit/transports/{result.transport.id}"
    return _answer(MessagePair.ADVANCE_TIR_DATA, result)


@router.get("/transports", response_model=TransportPage)
def list_transports(
    uow: Uow,
    actor: CurrentActor,
    state: TransportState | None = None,
    guarantee: Annotated[str | None, Query(max_length=10)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: str | None = None,
) -> TransportPage:
    """The transports this caller may see (a holder: its own), newest first; without message logs."""
    page = handlers.list_transports(uow, actor, state=state, guarantee_reference=guarantee, limit=limit, cursor=cursor)
    return TransportPage(
        items=[TransportOut.of(t, None, with_messages=False) for t in page.items], next_cursor=page.next_cursor
    )


@router.get("/transports/{transport_id}", response_model=TransportOut)
def get_transport(transport_id: str, uow: Uow, actor: CurrentActor) -> TransportOut:
    """A transport with its operations, incidents, message log and warehouse-to-warehouse times."""
    t, g = handlers.get_transport(uow, actor, transport_id)
    return TransportOut.of(t, g)


@router.post("/transports/{transport_id}/cancel", response_model=TransportResult)
def cancel_advance_data(transport_id: str, uow: Uow, actor: CurrentActor) -> TransportResult:
    """E13 cancel advance data -> E14: before the transport starts; the guarantee is freed."""
    return _answer(MessagePair.CANCEL_ADVANCE_DATA, handlers.cancel_advance_data(uow, actor, transport_id))


@router.post("/transports/{transport_id}/operations/{sequence}/accept", response_model=TransportResult)
def record_declaration_data(transport_id: str, sequence: int, uow: Uow, actor: CurrentActor) -> TransportResult:
    """I7 record declaration data -> I8: the office of departure (or entry) accepts the declaration."""
    pair = MessagePair.RECORD_DECLARATION_DATA
    return _answer(pair, handlers.operate(uow, actor, transport_id, sequence, pair))


@router.post("/transports/{transport_id}/operations/{sequence}/refuse", response_model=TransportResult)
def refuse_to_start(
    transport_id: str, sequence: int, body: RefusalIn, uow: Uow, actor: CurrentActor
) -> TransportResult:
    """I17 refusal to start TIR operation -> I18."""
    pair = MessagePair.REFUSAL_TO_START
    return _answer(pair, handlers.operate(uow, actor, transport_id, sequence, pair, reason=body.reason))


@router.post("/transports/{transport_id}/operations/{sequence}/start", response_model=TransportResult)
def start_operation(transport_id: str, sequence: int, body: SealsIn, uow: Uow, actor: CurrentActor) -> TransportResult:
    """I9 start TIR operation -> I10, with the seals affixed (departure) or found (entry)."""
    pair = MessagePair.START
    return _answer(pair, handlers.operate(uow, actor, transport_id, sequence, pair, seals=body.seals))


@router.post("/transports/{transport_id}/operations/{sequence}/terminate", response_model=TransportResult)
def terminate_operation(
    transport_id: str, sequence: int, body: SealsIn, uow: Uow, actor: CurrentActor
) -> TransportResult:
    """I11 terminate TIR operation -> I12 at exit or destination; at exit towards a partner, I15 goes to it."""
    pair = MessagePair.TERMINATE
    return _answer(pair, handlers.operate(uow, actor, transport_id, sequence, pair, seals=body.seals))


@router.post("/transports/{transport_id}/operations/{sequence}/discharge", response_model=TransportResult)
def discharge_operation(transport_id: str, sequence: int, uow: Uow, actor: CurrentActor) -> TransportResult:
    """I13 discharge TIR operation -> I14; the last discharge discharges the guarantee."""
    pair = MessagePair.DISCHARGE
    return _answer(pair, handlers.operate(uow, actor, transport_id, sequence, pair))


@router.post("/transports/{transport_id}/incidents", response_model=TransportResult, status_code=201)
def record_incident(transport_id: str, body: IncidentIn, uow: Uow, actor: CurrentActor) -> TransportResult:
    """A certified incident report (broken seals, accident) by a customs officer; new seals replace the old."""
    result = handlers.record_incident(
        uow,
        actor,
        transport_id,
        body.operation,
        kind=body.kind,
        place=body.place,
        description=body.description,
        new_seals=body.new_seals,
    )
    return _answer(MessagePair.INCIDENT, result)
