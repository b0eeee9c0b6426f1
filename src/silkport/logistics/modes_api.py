"""HTTP API of the freight modes: China-Europe trains, vehicle exports, air cargo, mail.

Tracking of the objects named here (train numbers, wagons, containers, VINs, AWBs, S10 items, S9
receptacles) goes through the logistics event-history endpoints; this API stores the entities and
computes the figures. See docs/freight-modes.md.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from silkport.infra.web import CurrentActor, service
from silkport.logistics.adapters import itmatt
from silkport.logistics.domain.vehicles import CountBy
from silkport.logistics.modes_schemas import (
    ArrivalIn,
    AwbIn,
    ContainerIn,
    CountsOut,
    CusrspOut,
    DispatchOut,
    DispatchSummary,
    FlightIn,
    FlightOut,
    ItmattOut,
    TonnageOut,
    TrainRunIn,
    TrainRunOut,
    TransshipmentIn,
    TransshipmentOut,
    VehicleBulkIn,
    VehicleBulkOut,
    VehicleExportIn,
    VehicleExportOut,
    WagonIn,
)
from silkport.logistics.services import modes
from silkport.logistics.services.modes_ports import FreightUnitOfWork
from silkport.shared.errors import Conflict, FieldError, ValidationFailed

Uow = Annotated[FreightUnitOfWork, Depends(service("freight"))]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]

router = APIRouter(prefix="/api/v1/freight", tags=["freight"])


async def _body(request: Request) -> tuple[str, bytes]:
    """The media type ('json' or 'csv') and raw body of an upload."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if kind in ("text/csv", "application/csv"):
        return "csv", body
    if kind in ("application/json", ""):
        return "json", body
    raise ValidationFailed(FieldError("content-type", "send application/json or text/csv"))


# -- trains ---------------------------------------------------------------------------------------
@router.post("/trains", response_model=TrainRunOut, status_code=status.HTTP_201_CREATED)
def create_train_run(body: TrainRunIn, uow: Uow, actor: CurrentActor, response: Response) -> TrainRunOut:
    run = modes.create_train_run(
        uow, actor, train_number=body.train_number, origin=body.origin, destination=body.destination,
        departure=body.departure, arrival=body.arrival, enterprise_id=body.enterprise_id,
    )  # fmt: skip
    response.headers["Location"] = f"/api/v1/freight/trains/{run.id}"
    return TrainRunOut.of(run)


@router.get("/trains", response_model=list[TrainRunOut])
def list_train_runs(uow: Uow, actor: CurrentActor, limit: Limit = 50, offset: Offset = 0) -> list[TrainRunOut]:
    return [TrainRunOut.of(r) for r in modes.list_train_runs(uow, actor, limit, offset)]


@router.get("/trains/{run_id}", response_model=TrainRunOut)
def get_train_run(run_id: str, uow: Uow, actor: CurrentActor) -> TrainRunOut:
    return TrainRunOut.of(modes.get_train_run(uow, actor, run_id))


@router.patch("/trains/{run_id}", response_model=TrainRunOut)
def record_arrival(run_id: str, body: ArrivalIn, uow: Uow, actor: CurrentActor) -> TrainRunOut:
    return TrainRunOut.of(modes.record_arrival(uow, actor, run_id, body.arrival))


@router.delete("/trains/{run_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_train_run(run_id: str, uow: Uow, actor: CurrentActor) -> Response:
    modes.delete_train_run(uow, actor, run_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/trains/{run_id}/wagons", response_model=TrainRunOut, status_code=status.HTTP_201_CREATED)
def add_wagon(run_id: str, body: WagonIn, uow: Uow, actor: CurrentActor) -> TrainRunOut:
    return TrainRunOut.of(modes.add_wagon(uow, actor, run_id, number=body.number, gauge=body.gauge))


@router.post("/trains/{run_id}/containers", response_model=TrainRunOut, status_code=status.HTTP_201_CREATED)
def load_container(run_id: str, body: ContainerIn, uow: Uow, actor: CurrentActor) -> TrainRunOut:
    run = modes.load_container(
        uow, actor, run_id, container=body.container, wagon=body.wagon, consignments=body.consignments
    )
    return TrainRunOut.of(run)


@router.delete("/trains/{run_id}/containers/{container}", response_model=TrainRunOut)
def unload_container(run_id: str, container: str, uow: Uow, actor: CurrentActor) -> TrainRunOut:
    return TrainRunOut.of(modes.unload_container(uow, actor, run_id, container))


@router.post("/trains/{run_id}/transshipments", response_model=TransshipmentOut, status_code=status.HTTP_201_CREATED)
def transship(run_id: str, body: TransshipmentIn, uow: Uow, actor: CurrentActor) -> TransshipmentOut:
    _, record = modes.transship(
        uow, actor, run_id, station=body.station, at=body.at, moves=[(m.container, m.wagon) for m in body.moves]
    )
    return TransshipmentOut.of(record)


# -- vehicle exports ------------------------------------------------------------------------------
@router.post("/vehicles", response_model=VehicleExportOut, status_code=status.HTTP_201_CREATED)
def register_vehicle_export(
    body: VehicleExportIn,
    uow: Uow,
    actor: CurrentActor,
    response: Response,
    enterprise_id: Annotated[str | None, Query(max_length=32)] = None,
) -> VehicleExportOut:
    [export] = modes.register_vehicle_exports(uow, actor, [body.model_dump()], enterprise_id=enterprise_id, bulk=False)
    response.headers["Location"] = f"/api/v1/freight/vehicles/{export.id}"
    return VehicleExportOut.of(export)


VEHICLE_CSV_COLUMNS = ("vin", "make", "model", "category", "destination", "exit_port", "exit_date", "declaration_id")


def _vehicle_csv(body: bytes) -> list[dict[str, Any]]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(FieldError("body", "CSV must be UTF-8")) from exc
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in VEHICLE_CSV_COLUMNS if c != "declaration_id" and c not in header]
    unknown = [c for c in header if c not in VEHICLE_CSV_COLUMNS]
    if missing or unknown:
        parts = ([f"missing column(s): {', '.join(missing)}"] if missing else []) + (
            [f"unknown column(s): {', '.join(unknown)}"] if unknown else []
        )
        raise ValidationFailed(FieldError("header", "; ".join(parts)))
    rows = []
    for n, row in enumerate(reader):
        if None in row:
            raise ValidationFailed(FieldError(f"rows[{n}]", "has more fields than the header"))
        rows.append({k: (v or "").strip() or None for k, v in row.items()})
        if len(rows) > modes.MAX_BULK:
            raise ValidationFailed(FieldError("rows", f"at most {modes.MAX_BULK} vehicles per request"))
    return rows


@router.post(
    "/vehicles/bulk",
    response_model=VehicleBulkOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": VehicleBulkIn.model_json_schema()},
                                               "text/csv": {"schema": {"type": "string"}}}}},
)  # fmt: skip
async def register_vehicle_exports(
    request: Request, uow: Uow, actor: CurrentActor, enterprise_id: Annotated[str | None, Query(max_length=32)] = None
) -> VehicleBulkOut:
    """Many exports at once, all or nothing: JSON ``{"rows": [...]}`` or CSV with a header row."""
    kind, body = await _body(request)
    if kind == "csv":
        rows = _vehicle_csv(body)
    else:
        try:
            parsed = VehicleBulkIn.model_validate_json(body)
        except ValueError as exc:
            raise ValidationFailed(FieldError("body", f'{{"rows": [...]}} expected: {str(exc)[:300]}')) from exc
        rows = parsed.rows
        enterprise_id = enterprise_id or parsed.enterprise_id
    exports = await run_in_threadpool(modes.register_vehicle_exports, uow, actor, rows, enterprise_id=enterprise_id)
    return VehicleBulkOut(registered=len(exports), ids=[e.id for e in exports])


@router.get("/vehicles/counts", response_model=CountsOut)
def count_vehicle_exports(
    uow: Uow,
    actor: CurrentActor,
    by: CountBy,
    year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
) -> CountsOut:
    counts = modes.count_vehicle_exports(uow, actor, by, year)
    return CountsOut(by=by.value, year=year, total=sum(counts.values()), counts=counts)


@router.get("/vehicles", response_model=list[VehicleExportOut])
def list_vehicle_exports(
    uow: Uow, actor: CurrentActor, limit: Limit = 50, offset: Offset = 0
) -> list[VehicleExportOut]:
    return [VehicleExportOut.of(e) for e in modes.list_vehicle_exports(uow, actor, limit, offset)]


@router.get("/vehicles/{export_id}", response_model=VehicleExportOut)
def get_vehicle_export(export_id: str, uow: Uow, actor: CurrentActor) -> VehicleExportOut:
    return VehicleExportOut.of(modes.get_vehicle_export(uow, actor, export_id))


# -- air ------------------------------------------------------------------------------------------
@router.post("/air/flights", response_model=FlightOut, status_code=status.HTTP_201_CREATED)
def create_flight(body: FlightIn, uow: Uow, actor: CurrentActor, response: Response) -> FlightOut:
    flight = modes.create_flight(
        uow, actor, flight_number=body.flight_number, flight_date=body.flight_date, origin=body.origin,
        destination=body.destination, enterprise_id=body.enterprise_id,
    )  # fmt: skip
    response.headers["Location"] = f"/api/v1/freight/air/flights/{flight.id}"
    return FlightOut.of(flight)


@router.get("/air/flights", response_model=list[FlightOut])
def list_flights(uow: Uow, actor: CurrentActor, limit: Limit = 50, offset: Offset = 0) -> list[FlightOut]:
    return [FlightOut.of(f) for f in modes.list_flights(uow, actor, limit, offset)]


@router.get("/air/flights/{flight_id}", response_model=FlightOut)
def get_flight(flight_id: str, uow: Uow, actor: CurrentActor) -> FlightOut:
    return FlightOut.of(modes.get_flight(uow, actor, flight_id))


@router.post("/air/flights/{flight_id}/awbs", response_model=FlightOut, status_code=status.HTTP_201_CREATED)
def load_awb(flight_id: str, body: AwbIn, uow: Uow, actor: CurrentActor) -> FlightOut:
    flight, _ = modes.load_awb(
        uow, actor, flight_id, awb=body.awb, pieces=body.pieces, gross_weight_kg=body.gross_weight_kg,
        chargeable_weight_kg=body.chargeable_weight_kg,
    )  # fmt: skip
    return FlightOut.of(flight)


@router.delete("/air/flights/{flight_id}/awbs/{awb}", response_model=FlightOut)
def offload_awb(flight_id: str, awb: str, uow: Uow, actor: CurrentActor) -> FlightOut:
    return FlightOut.of(modes.offload_awb(uow, actor, flight_id, awb))


@router.get("/air/tonnage", response_model=TonnageOut)
def air_tonnage(uow: Uow, actor: CurrentActor, year: Annotated[int, Query(ge=1901, le=2999)]) -> TonnageOut:
    """Tonnes of gross weight flown per month of ``year``, with the change on the same month a year earlier."""
    return TonnageOut.of(year, modes.air_tonnage(uow, actor, year))


# -- mail -----------------------------------------------------------------------------------------
@router.post(
    "/mail/itmatt",
    response_model=ItmattOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}},
                                               "text/csv": {"schema": {"type": "string"}}}}},
)  # fmt: skip
async def receive_itmatt(
    request: Request, uow: Uow, actor: CurrentActor, enterprise_id: Annotated[str | None, Query(max_length=32)] = None
) -> ItmattOut:
    """ITMATT electronic advance data (JSON or CSV): creates the items, their receptacles and dispatches."""
    kind, body = await _body(request)
    try:
        raw = itmatt.parse_csv(body) if kind == "csv" else itmatt.parse_json(body)
    except UnicodeDecodeError as exc:
        raise ValidationFailed(FieldError("body", "must be UTF-8")) from exc
    result = await run_in_threadpool(modes.receive_itmatt, uow, actor, raw, enterprise_id)
    return ItmattOut(
        items=result.items,
        new_receptacles=result.receptacles,
        dispatches=[DispatchSummary.of(d) for d in result.dispatches],
    )


@router.get("/mail/dispatches", response_model=list[DispatchSummary])
def list_dispatches(uow: Uow, actor: CurrentActor, limit: Limit = 50, offset: Offset = 0) -> list[DispatchSummary]:
    return [DispatchSummary.of(d) for d in modes.list_dispatches(uow, actor, limit, offset)]


@router.get("/mail/dispatches/{dispatch_id}", response_model=DispatchOut)
def get_dispatch(dispatch_id: str, uow: Uow, actor: CurrentActor) -> DispatchOut:
    d = modes.get_dispatch(uow, actor, dispatch_id)
    items = []
    for item_id in sorted(d.items):
        body = d.items[item_id].as_dict()
        answer = d.answers.get(item_id)
        body["outcome"] = answer.outcome.value if answer else None
        items.append(body)
    return DispatchOut(
        **DispatchSummary.of(d).model_dump(), receptacle_list=DispatchOut.receptacles_of(d), item_list=items
    )


@router.post("/mail/dispatches/{dispatch_id}/clearance", response_model=CusrspOut)
def clear_dispatch(dispatch_id: str, uow: Uow, actor: CurrentActor) -> CusrspOut:
    """Bulk clearance by customs: one CUSRSP answer per item (released / held / returned, with reasons)."""
    dispatch, answers = modes.clear_dispatch(uow, actor, dispatch_id)
    return CusrspOut(dispatch_id=dispatch.id, answers=[itmatt.cusrsp(a, dispatch.items[a.item_id]) for a in answers])


@router.get("/mail/dispatches/{dispatch_id}/cusrsp", response_model=CusrspOut)
def get_cusrsp(dispatch_id: str, uow: Uow, actor: CurrentActor) -> CusrspOut:
    dispatch = modes.get_dispatch(uow, actor, dispatch_id)
    if not dispatch.answers:
        raise Conflict(f"dispatch {dispatch.id} has not been cleared yet")
    return CusrspOut(
        dispatch_id=dispatch.id,
        answers=[itmatt.cusrsp(dispatch.answers[i], dispatch.items[i]) for i in sorted(dispatch.answers)],
    )
