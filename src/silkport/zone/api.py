"""HTTP API of the zone: areas and ports (an administrator edits ports)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from silkport.infra.web import ZONE_NAME, CurrentActor, service
from silkport.zone.schemas import AreaRead, PortRead, PortUpdate, ZoneRead
from silkport.zone.services import handlers
from silkport.zone.services.ports import ZoneUnitOfWork

Uow = Annotated[ZoneUnitOfWork, Depends(service("zone"))]

router = APIRouter(prefix="/api/v1/zone", tags=["zone"])


@router.get("", response_model=ZoneRead)
def zone(uow: Uow) -> ZoneRead:
    areas = handlers.list_areas(uow)
    return ZoneRead(
        name=ZONE_NAME,
        total_area_km2=handlers.total_area_km2(areas),
        areas=[AreaRead.of(a) for a in areas],
    )


@router.get("/areas", response_model=list[AreaRead])
def areas(uow: Uow) -> list[AreaRead]:
    return [AreaRead.of(a) for a in handlers.list_areas(uow)]


@router.get("/ports", response_model=list[PortRead])
def ports(uow: Uow) -> list[PortRead]:
    return [PortRead.of(p) for p in handlers.list_ports(uow)]


@router.get("/ports/{code}", response_model=PortRead)
def port(code: str, uow: Uow) -> PortRead:
    return PortRead.of(handlers.get_port(uow, code))


@router.patch("/ports/{code}", response_model=PortRead)
def update_port(code: str, body: PortUpdate, uow: Uow, actor: CurrentActor) -> PortRead:
    changes = handlers.PortChanges(
        name_en=body.name_en,
        name_zh=body.name_zh,
        modes=frozenset(body.modes) if body.modes is not None else None,
        opening_hours=body.opening_hours,
        active=body.active,
    )
    return PortRead.of(handlers.update_port(uow, actor, code, changes))
