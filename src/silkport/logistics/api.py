"""HTTP API of the logistics context: consignments, tracking events, history, delivery clocks.

Object ids in ``/history/{object_id}`` may be plain identifiers (AWB, S10, ISO 6346, VIN, train and
wagon numbers, consignment ids, document numbers) or EPC / other URIs; they are normalised as
:func:`silkport.logistics.domain.tracking.normalise_object_id` says (see docs/freight.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse

from silkport.infra.web import CurrentActor, service
from silkport.logistics.domain.consignment import Mode, Status
from silkport.logistics.domain.epcis import event_to_json, parse_document, to_document
from silkport.logistics.domain.sla import SlaStatus
from silkport.logistics.schemas import (
    AlertOut,
    AlertPage,
    CaptureOut,
    ConsignmentIn,
    ConsignmentOut,
    ConsignmentPage,
    CorridorFigureOut,
    FiguresOut,
    HistoryOut,
)
from silkport.logistics.services import handlers
from silkport.logistics.services.ports import ConsignmentFilter, LogisticsUnitOfWork
from silkport.shared.clock import ZONE_TZ
from silkport.shared.errors import FieldError, ValidationFailed

Uow = Annotated[LogisticsUnitOfWork, Depends(service("logistics"))]
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024
EPCIS_MEDIA = "application/ld+json"

router = APIRouter(prefix="/api/v1/logistics", tags=["logistics"])


async def _raw_body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed(FieldError("body", f"an EPCIS document of at most {MAX_DOCUMENT_BYTES} bytes"))
    body = await request.body()
    if len(body) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed(FieldError("body", f"an EPCIS document of at most {MAX_DOCUMENT_BYTES} bytes"))
    return body


RawBody = Annotated[bytes, Depends(_raw_body)]


# -- consignments -----------------------------------------------------------------------------------------
@router.post("/consignments", response_model=ConsignmentOut, status_code=status.HTTP_201_CREATED)
def book_consignment(body: ConsignmentIn, uow: Uow, actor: CurrentActor, response: Response) -> ConsignmentOut:
    """Book a consignment: its transport document (AWB and S10 check digits validated), parties, goods,
    declarations, equipment (containers, wagons, vehicles, seals: ids events may name), legs and corridor.
    Every broken rule is a field-level 422; a document number already booked is a 422 on document.number."""
    booked = handlers.book(uow, actor, body.command())
    response.headers["Location"] = f"/api/v1/logistics/consignments/{booked.id}"
    return ConsignmentOut.of(booked, booked.clock)


@router.get("/consignments", response_model=ConsignmentPage)
def list_consignments(
    uow: Uow,
    actor: CurrentActor,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    corridor: Annotated[str | None, Query(max_length=32)] = None,
    mode: Mode | None = None,
    clock: SlaStatus | None = None,
    document: Annotated[str | None, Query(max_length=60)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> ConsignmentPage:
    """Consignments this caller may see, newest first. ``clock=breached`` includes open clocks past their
    deadline even before the sweep has recorded it; ``at_risk`` / ``on_time`` as of the last evaluation
    (booking, event capture, sweep) or the at-risk time having passed."""
    flt = ConsignmentFilter(status=status_, corridor=corridor, mode=mode, clock=clock, document_number=document)
    page = handlers.list_consignments(uow, actor, flt, cursor, limit)
    return ConsignmentPage(items=[ConsignmentOut.of(b, b.clock) for b in page.items], next_cursor=page.next_cursor)


@router.get("/consignments/{consignment_id}", response_model=ConsignmentOut)
def get_consignment(consignment_id: str, uow: Uow, actor: CurrentActor) -> ConsignmentOut:
    """A consignment with legs, milestones and its delivery clock evaluated now (on time / at risk /
    breached, the breach time and the leg that caused it)."""
    booked, clock = handlers.get_consignment(uow, actor, consignment_id)
    return ConsignmentOut.of(booked, clock)


# -- tracking events --------------------------------------------------------------------------------------
@router.post(
    "/events",
    response_model=CaptureOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                EPCIS_MEDIA: {"schema": {"type": "object", "description": "an EPCIS 2.0 EPCISDocument"}},
                "application/json": {"schema": {"type": "object", "description": "an EPCIS 2.0 EPCISDocument"}},
            },
        }
    },
)
def capture_events(body: RawBody, uow: Uow, actor: CurrentActor) -> CaptureOut:
    """Capture a batch of EPCIS 2.0 events (an ``EPCISDocument`` as JSON or JSON-LD, or a bare list).

    Idempotent by ``eventID``: the same event again is reported ``duplicate`` and ignored; the same id with
    other content is a 409 naming the event and nothing of the batch is stored. Events may arrive in any
    order: histories are ordered by event time. Consignments named by the events (their id, document
    number, equipment, or aggregates their equipment was packed into) get milestones, status and delivery
    clock re-derived; a clock found breached raises an alert once (webhook ``logistics.sla_breached``)."""
    events = parse_document(body)
    return CaptureOut.of(handlers.capture(uow, actor, events))


@router.get(
    "/history/{object_id:path}",
    response_model=HistoryOut,
    responses={200: {"content": {EPCIS_MEDIA: {}}, "description": "the history, or an EPCISDocument"}},
)
def object_history(
    object_id: str,
    uow: Uow,
    actor: CurrentActor,
    request: Request,
    format: Annotated[str | None, Query(pattern="^(json|epcis)$")] = None,
) -> Any:
    """The history of any object in one call (consignment, AWB, S10 postal item, container, wagon, train,
    VIN, or an EPC URI), ordered by event time, including events about aggregates it was packed into
    while it was in them, with its current status derived from the events. ``?format=epcis`` (or
    ``Accept: application/ld+json``) answers with an EPCIS 2.0 ``EPCISDocument``."""
    h = handlers.history(uow, actor, object_id)
    wants_epcis = format == "epcis" or (format is None and EPCIS_MEDIA in request.headers.get("accept", ""))
    if wants_epcis:
        return JSONResponse(to_document(h.events, creation_date=uow.clock.now()), media_type=EPCIS_MEDIA)
    e = h.status_event
    return HistoryOut(
        object_id=h.object_id,
        status=None if h.status is None else h.status.value,
        status_event_id=None if e is None else e.event_id,
        status_at=None if e is None else e.event_time,
        status_location=None if e is None else e.location,
        consignments=list(h.consignments),
        keys=sorted(h.keys),
        count=len(h.events),
        events=[event_to_json(ev) for ev in h.events],
    )


# -- alerts and figures -----------------------------------------------------------------------------------
@router.get("/alerts", response_model=AlertPage)
def list_alerts(
    uow: Uow,
    actor: CurrentActor,
    acknowledged: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> AlertPage:
    """Delivery-clock breach alerts this caller may see, newest first."""
    page = handlers.list_alerts(uow, actor, acknowledged, cursor, limit)
    return AlertPage(items=[AlertOut.of(a) for a in page.items], next_cursor=page.next_cursor)


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge_alert(alert_id: str, uow: Uow, actor: CurrentActor) -> AlertOut:
    """Acknowledge an alert (once; acknowledging again changes nothing)."""
    return AlertOut.of(handlers.acknowledge_alert(uow, actor, alert_id))


@router.get("/corridors/figures", response_model=FiguresOut)
def corridor_figures(
    uow: Uow, actor: CurrentActor, month: Annotated[str, Query(max_length=7, description="YYYY-MM")]
) -> FiguresOut:
    """Per corridor, for consignments whose clock finished in the (Asia/Urumqi) month: share on time,
    median and p90 (nearest rank) door-to-door hours, counts."""
    items = handlers.figures_json(handlers.figures(uow, actor, month))
    return FiguresOut(month=month, timezone=ZONE_TZ.key, corridors=[CorridorFigureOut(**f) for f in items])
