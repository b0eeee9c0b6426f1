"""Request and response bodies of the freight-modes API (pydantic 2; requests forbid unknown fields)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from silkport.logistics.domain.air import Flight, MonthTonnage
from silkport.logistics.domain.mail import Dispatch, receptacle_weight_kg
from silkport.logistics.domain.rail import TrainRun, Transshipment
from silkport.logistics.domain.vehicles import VehicleExport


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- trains -----------------------------------------------------------------------------------------
class TrainRunIn(_In):
    train_number: str = Field(max_length=40, examples=["X8017"])
    origin: str = Field(max_length=10, examples=["CNURC"])
    destination: str = Field(max_length=10, examples=["DEDUI"])
    departure: datetime
    arrival: datetime | None = None
    enterprise_id: str | None = Field(default=None, max_length=32, description="administrators name the operator")


class ArrivalIn(_In):
    arrival: datetime


class WagonIn(_In):
    number: str = Field(max_length=20, examples=["21 81 2471 217-3"])
    gauge: int = Field(description="1520 (broad) or 1435 (standard) mm", examples=[1435])


class ContainerIn(_In):
    container: str = Field(max_length=20, examples=["CSQU3054383"])
    wagon: str = Field(max_length=20)
    consignments: list[str] = Field(default_factory=list, max_length=50, description="consignment note references")


class MoveIn(_In):
    container: str = Field(max_length=20)
    wagon: str = Field(max_length=20, description="the wagon of the other gauge it is lifted onto")


class TransshipmentIn(_In):
    station: str = Field(max_length=10, examples=["CNHRS"])
    at: datetime
    moves: list[MoveIn] = Field(max_length=500)


class WagonOut(BaseModel):
    number: str
    gauge: int
    containers: list[str]


class ContainerOut(BaseModel):
    container: str
    wagon: str
    consignments: list[str]


class TransshipmentOut(BaseModel):
    station: str
    at: datetime
    from_gauge: int
    to_gauge: int
    moves: list[dict[str, str]]

    @staticmethod
    def of(t: Transshipment) -> TransshipmentOut:
        return TransshipmentOut(
            station=t.station, at=t.at, from_gauge=int(t.from_gauge), to_gauge=int(t.to_gauge),
            moves=[{"container": c, "from_wagon": f, "to_wagon": w} for c, f, w in t.moves],
        )  # fmt: skip


class TrainRunOut(BaseModel):
    id: str
    enterprise_id: str
    train_number: str
    origin: str
    destination: str
    departure: datetime
    arrival: datetime | None
    wagons: list[WagonOut]
    containers: list[ContainerOut]
    transshipments: list[TransshipmentOut]

    @staticmethod
    def of(run: TrainRun) -> TrainRunOut:
        return TrainRunOut(
            id=run.id, enterprise_id=run.enterprise_id, train_number=run.train_number, origin=run.origin,
            destination=run.destination, departure=run.departure, arrival=run.arrival,
            wagons=[WagonOut(number=w.number, gauge=int(w.gauge), containers=run.containers_on(w.number))
                    for w in run.wagons.values()],
            containers=[ContainerOut(container=c, wagon=w, consignments=list(run.consignments.get(c, ())))
                        for c, w in sorted(run.placements.items())],
            transshipments=[TransshipmentOut.of(t) for t in run.transshipments],
        )  # fmt: skip


# -- vehicles ---------------------------------------------------------------------------------------
class VehicleExportIn(_In):
    vin: str = Field(max_length=30)
    make: str = Field(max_length=60)
    model: str = Field(max_length=80)
    category: str = Field(max_length=4, description="UNECE category M2, M3, N1-N3, O1-O4")
    destination: str = Field(max_length=3, description="ISO 3166 alpha-2")
    exit_port: str = Field(max_length=10, examples=["CNHRS"])
    exit_date: date
    declaration_id: str | None = Field(default=None, max_length=60)


class VehicleBulkIn(_In):
    rows: list[dict[str, Any]] = Field(max_length=10_000)
    enterprise_id: str | None = Field(default=None, max_length=32)


class VehicleExportOut(BaseModel):
    id: str
    enterprise_id: str
    vin: str
    make: str
    model: str
    category: str
    destination: str
    exit_port: str
    exit_date: date
    exit_month: str
    declaration_id: str | None

    @staticmethod
    def of(e: VehicleExport) -> VehicleExportOut:
        return VehicleExportOut(
            id=e.id, enterprise_id=e.enterprise_id, vin=e.vin, make=e.make, model=e.model, category=e.category.value,
            destination=e.destination, exit_port=e.exit_port, exit_date=e.exit_date, exit_month=e.month,
            declaration_id=e.declaration_id,
        )  # fmt: skip


class VehicleBulkOut(BaseModel):
    registered: int
    ids: list[str]


class CountsOut(BaseModel):
    by: str
    year: int | None
    total: int
    counts: dict[str, int]


# -- air --------------------------------------------------------------------------------------------
class FlightIn(_In):
    flight_number: str = Field(max_length=10, examples=["CZ6901"])
    flight_date: date
    origin: str = Field(max_length=3, examples=["URC"])
    destination: str = Field(max_length=3, examples=["ALA"])
    enterprise_id: str | None = Field(default=None, max_length=32)


class AwbIn(_In):
    awb: str = Field(max_length=16, examples=["784-1234 5675"])
    pieces: int = Field(ge=-(10**9), le=10**9)
    gross_weight_kg: Decimal = Field(max_digits=15)
    chargeable_weight_kg: Decimal = Field(max_digits=15)


class AwbOut(BaseModel):
    awb: str
    pieces: int
    gross_weight_kg: Decimal
    chargeable_weight_kg: Decimal


class FlightOut(BaseModel):
    id: str
    enterprise_id: str
    flight_number: str
    flight_date: date
    origin: str
    destination: str
    gross_weight_kg: Decimal
    awbs: list[AwbOut]

    @staticmethod
    def of(f: Flight) -> FlightOut:
        return FlightOut(
            id=f.id, enterprise_id=f.enterprise_id, flight_number=f.flight_number, flight_date=f.flight_date,
            origin=f.origin, destination=f.destination, gross_weight_kg=f.gross_weight_kg,
            awbs=[AwbOut(awb=a.awb, pieces=a.pieces, gross_weight_kg=a.gross_weight_kg,
                         chargeable_weight_kg=a.chargeable_weight_kg) for a in f.loads.values()],
        )  # fmt: skip


class MonthTonnageOut(BaseModel):
    month: str
    tonnes: Decimal
    previous_year_tonnes: Decimal
    yoy_change_percent: Decimal | None
    flights: int
    awbs: int


class TonnageOut(BaseModel):
    year: int
    total_tonnes: Decimal
    previous_year_total_tonnes: Decimal
    months: list[MonthTonnageOut]

    @staticmethod
    def of(year: int, months: list[MonthTonnage]) -> TonnageOut:
        return TonnageOut(
            year=year,
            total_tonnes=sum((m.tonnes for m in months), Decimal(0)),
            previous_year_total_tonnes=sum((m.previous_year_tonnes for m in months), Decimal(0)),
            months=[
                MonthTonnageOut(
                    month=f"{year:04d}-{m.month:02d}",
                    tonnes=m.tonnes,
                    previous_year_tonnes=m.previous_year_tonnes,
                    yoy_change_percent=m.yoy_change_percent,
                    flights=m.flights,
                    awbs=m.awbs,
                )
                for m in months
            ],
        )


# -- mail -------------------------------------------------------------------------------------------
class DispatchSummary(BaseModel):
    id: str
    enterprise_id: str
    origin_office: str
    destination_office: str
    state: str
    received_at: datetime
    items: int
    receptacles: list[str]
    outcomes: dict[str, int]

    @staticmethod
    def of(d: Dispatch) -> DispatchSummary:
        outcomes: dict[str, int] = {}
        for a in d.answers.values():
            outcomes[a.outcome.value] = outcomes.get(a.outcome.value, 0) + 1
        return DispatchSummary(
            id=d.id, enterprise_id=d.enterprise_id, origin_office=d.origin, destination_office=d.destination,
            state=d.state.value, received_at=d.received_at, items=len(d.items), receptacles=d.receptacles,
            outcomes=outcomes,
        )  # fmt: skip


class ReceptacleOut(BaseModel):
    id: str
    #: the weight the S9 identifier declares (hectograms -> kg)
    declared_weight_kg: Decimal
    items: int
    items_gross_weight_kg: Decimal


class DispatchOut(DispatchSummary):
    receptacle_list: list[ReceptacleOut]
    item_list: list[dict[str, Any]]

    @staticmethod
    def receptacles_of(d: Dispatch) -> list[ReceptacleOut]:
        out = []
        for r in d.receptacles:
            inside = [i for i in d.items.values() if i.receptacle_id == r]
            out.append(
                ReceptacleOut(
                    id=r,
                    declared_weight_kg=receptacle_weight_kg(r).quantize(Decimal("0.1")),
                    items=len(inside),
                    items_gross_weight_kg=sum((i.gross_weight_kg for i in inside), Decimal(0)).quantize(
                        Decimal("0.001")
                    ),
                )
            )
        return out


class ItmattOut(BaseModel):
    items: int
    new_receptacles: int
    dispatches: list[DispatchSummary]


class CusrspOut(BaseModel):
    message: str = "CUSRSP"
    dispatch_id: str
    answers: list[dict[str, Any]]
