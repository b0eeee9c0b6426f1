"""Pydantic schemas of the logistics API (requests forbid unknown fields)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from silkport.logistics.domain.consignment import GoodsSummary, Party
from silkport.logistics.domain.sla import SlaResult, hours
from silkport.logistics.services.handlers import BookConsignment, CaptureReport, LegSpec
from silkport.logistics.services.ports import Alert, Booked


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DocumentIn(_In):
    kind: str = Field(max_length=32, description="air_waybill | rail_cim_smgs | road_cmr | tir_carnet | postal_item")
    number: str = Field(max_length=60)


class PartyIn(_In):
    name: str = Field(max_length=200)
    country: str = Field(max_length=8, description="ISO 3166 alpha-2")


class GoodsIn(_In):
    description: str = Field(max_length=2000)
    packages: int = Field(le=10_000_000)
    gross_mass_kg: Decimal = Field(max_digits=14, decimal_places=3)


class LegIn(_In):
    mode: str = Field(max_length=8, description="air | rail | road | mail | sea")
    carrier: str = Field(max_length=200)
    origin: str = Field(max_length=10, description="UN/LOCODE, e.g. CNHRS")
    destination: str = Field(max_length=10, description="UN/LOCODE, e.g. KZALA")
    planned_departure: AwareDatetime
    planned_arrival: AwareDatetime
    ends_at_border: bool = False


class ConsignmentIn(_In):
    document: DocumentIn
    shipper: PartyIn
    consignee: PartyIn
    goods: GoodsIn
    legs: list[LegIn] = Field(max_length=50)
    corridor: str | None = Field(default=None, max_length=32, description="a corridor of corridors.yaml")
    declaration_ids: list[str] = Field(default_factory=list, max_length=100)
    equipment: list[str] = Field(
        default_factory=list, max_length=500, description="containers (ISO 6346), wagons, vehicles, seals"
    )
    enterprise_id: str | None = Field(default=None, max_length=32, description="administrators only")

    def command(self) -> BookConsignment:
        return BookConsignment(
            document_kind=self.document.kind,
            document_number=self.document.number,
            shipper=Party(self.shipper.name, self.shipper.country.upper()),
            consignee=Party(self.consignee.name, self.consignee.country.upper()),
            goods=GoodsSummary(self.goods.description, self.goods.packages, self.goods.gross_mass_kg),
            legs=[
                LegSpec(
                    leg.mode,
                    leg.carrier,
                    leg.origin,
                    leg.destination,
                    leg.planned_departure,
                    leg.planned_arrival,
                    leg.ends_at_border,
                )
                for leg in self.legs
            ],
            corridor=self.corridor,
            declaration_ids=self.declaration_ids,
            equipment=self.equipment,
            enterprise_id=self.enterprise_id,
        )


class ClockOut(BaseModel):
    corridor: str
    status: str
    started_at: datetime | None
    deadline: datetime | None
    finished_at: datetime | None
    breached_at: datetime | None
    culprit_leg: int | None
    elapsed_hours: Decimal | None
    target_met: bool | None

    @classmethod
    def of(cls, r: SlaResult) -> ClockOut:
        return cls(
            corridor=r.corridor,
            status=r.status.value,
            started_at=r.started_at,
            deadline=r.deadline,
            finished_at=r.finished_at,
            breached_at=r.breached_at,
            culprit_leg=r.culprit_leg,
            elapsed_hours=None if r.elapsed is None else hours(r.elapsed),
            target_met=r.target_met,
        )


class LegOut(BaseModel):
    mode: str
    carrier: str
    origin: str
    destination: str
    planned_departure: datetime
    planned_arrival: datetime
    actual_departure: datetime | None
    actual_arrival: datetime | None
    ends_at_border: bool


class MilestoneOut(BaseModel):
    kind: str
    at: datetime
    leg: int | None
    event_id: str | None


class ConsignmentOut(BaseModel):
    id: str
    enterprise_id: str
    document: dict[str, str]
    mode: str
    corridor: str | None
    shipper: dict[str, str]
    consignee: dict[str, str]
    goods: dict[str, Any]
    declaration_ids: list[str]
    equipment: list[str]
    status: str
    legs: list[LegOut]
    milestones: list[MilestoneOut]
    clock: ClockOut | None
    created_at: datetime

    @classmethod
    def of(cls, b: Booked, clock: SlaResult | None) -> ConsignmentOut:
        c = b.consignment
        return cls(
            id=c.id,
            enterprise_id=b.enterprise_id,
            document={"kind": c.document.kind.value, "number": c.document.number},
            mode=b.mode.value,
            corridor=c.corridor,
            shipper={"name": c.shipper.name, "country": c.shipper.country},
            consignee={"name": c.consignee.name, "country": c.consignee.country},
            goods={
                "description": c.goods.description,
                "packages": c.goods.packages,
                "gross_mass_kg": str(c.goods.gross_mass_kg),
            },
            declaration_ids=list(c.declaration_ids),
            equipment=list(b.equipment),
            status=c.status.value,
            legs=[
                LegOut(
                    mode=leg.mode.value,
                    carrier=leg.carrier,
                    origin=leg.origin,
                    destination=leg.destination,
                    planned_departure=leg.planned_departure,
                    planned_arrival=leg.planned_arrival,
                    actual_departure=leg.actual_departure,
                    actual_arrival=leg.actual_arrival,
                    ends_at_border=leg.ends_at_border,
                )
                for leg in c.legs
            ],
            milestones=[MilestoneOut(kind=m.kind.value, at=m.at, leg=m.leg, event_id=m.note) for m in c.milestones],
            clock=None if clock is None else ClockOut.of(clock),
            created_at=b.created_at,
        )


class ConsignmentPage(BaseModel):
    items: list[ConsignmentOut]
    next_cursor: str | None


class EventOutcomeOut(BaseModel):
    event_id: str
    outcome: str


class SkippedOut(BaseModel):
    consignment_id: str
    event_id: str
    reason: str


class CaptureOut(BaseModel):
    accepted: int
    duplicates: int
    events: list[EventOutcomeOut]
    consignments_updated: list[str]
    alerts_raised: list[str]
    skipped: list[SkippedOut]

    @classmethod
    def of(cls, r: CaptureReport) -> CaptureOut:
        return cls(
            accepted=r.accepted,
            duplicates=r.duplicates,
            events=[EventOutcomeOut(event_id=e.event_id, outcome=e.outcome) for e in r.events],
            consignments_updated=list(r.consignments),
            alerts_raised=list(r.alerts),
            skipped=[SkippedOut(consignment_id=c, event_id=e, reason=w) for c, e, w in r.skipped],
        )


class HistoryOut(BaseModel):
    object_id: str
    status: str | None
    status_event_id: str | None
    status_at: datetime | None
    status_location: str | None
    consignments: list[str]
    keys: list[str]
    count: int
    events: list[dict[str, Any]]


class AlertOut(BaseModel):
    id: str
    consignment_id: str
    enterprise_id: str
    corridor: str
    kind: str
    deadline: datetime
    breached_at: datetime
    culprit_leg: int | None
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None

    @classmethod
    def of(cls, a: Alert) -> AlertOut:
        return cls(
            id=a.id,
            consignment_id=a.consignment_id,
            enterprise_id=a.enterprise_id,
            corridor=a.corridor,
            kind=a.kind,
            deadline=a.deadline,
            breached_at=a.breached_at,
            culprit_leg=a.culprit_leg,
            raised_at=a.raised_at,
            acknowledged_at=a.acknowledged_at,
            acknowledged_by=a.acknowledged_by,
        )


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


class CorridorFigureOut(BaseModel):
    corridor: str
    month: str
    finished: int
    on_time: int
    share_on_time: str | None
    delivered: int
    median_hours: str | None
    p90_hours: str | None


class FiguresOut(BaseModel):
    month: str
    timezone: str
    corridors: list[CorridorFigureOut]
