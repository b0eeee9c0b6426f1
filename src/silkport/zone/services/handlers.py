"""Zone use cases: read the areas and ports, let an administrator edit a port, seed from the data file."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from silkport.shared.actor import Actor, Role
from silkport.shared.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from silkport.shared.text import field_error, templated
from silkport.zone.domain.model import Area, Mode, OpeningHours, Port, PortKind
from silkport.zone.services.ports import ZoneUnitOfWork


def port_snapshot(port: Port) -> dict[str, Any]:
    return {
        "code": port.code,
        "name_en": port.name_en,
        "name_zh": port.name_zh,
        "area": port.area_code,
        "locode": port.locode,
        "kind": port.kind.value,
        "modes": sorted(m.value for m in port.modes),
        "opening_hours": port.opening_hours.as_dict(),
        "active": port.active,
    }


def list_areas(uow: ZoneUnitOfWork) -> list[Area]:
    with uow:
        return uow.zone.areas()


def list_ports(uow: ZoneUnitOfWork) -> list[Port]:
    with uow:
        return uow.zone.ports()


def get_port(uow: ZoneUnitOfWork, code: str) -> Port:
    with uow:
        port = uow.zone.port(code)
        if port is None:
            raise NotFound(templated("port %(code)s not found", code=code))
        return port


@dataclass(frozen=True, slots=True)
class PortChanges:
    name_en: str | None = None
    name_zh: str | None = None
    modes: frozenset[Mode] | None = None
    opening_hours: dict[str, list[str]] | str | None = None
    active: bool | None = None


def update_port(uow: ZoneUnitOfWork, actor: Actor, code: str, changes: PortChanges) -> Port:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("only an administrator may edit the zone's ports")
    with uow:
        port = uow.zone.port(code)
        if port is None:
            raise NotFound(templated("port %(code)s not found", code=code))
        before = port_snapshot(port)
        updated = Port(
            code=port.code,
            name_en=changes.name_en if changes.name_en is not None else port.name_en,
            name_zh=changes.name_zh if changes.name_zh is not None else port.name_zh,
            area_code=port.area_code,
            locode=port.locode,
            kind=port.kind,
            modes=changes.modes if changes.modes is not None else port.modes,
            opening_hours=(
                OpeningHours.parse(changes.opening_hours) if changes.opening_hours is not None else port.opening_hours
            ),
            active=changes.active if changes.active is not None else port.active,
        )
        uow.zone.save_port(updated)
        uow.audit.record(
            actor=actor,
            action="port.updated",
            object_type="port",
            object_id=code,
            before=before,
            after=port_snapshot(updated),
        )
        uow.commit()
        return updated


def _parse_area(raw: dict[str, Any]) -> Area:
    return Area(
        code=str(raw["code"]),
        name_en=str(raw["name_en"]),
        name_zh=str(raw["name_zh"]),
        area_km2=Decimal(str(raw["area_km2"])),
        locode=str(raw["locode"]),
    )


def _parse_port(raw: dict[str, Any], index: int) -> Port:
    try:
        modes = frozenset(Mode(m) for m in raw["modes"])
        kind = PortKind(raw.get("kind", "port"))
    except ValueError as exc:
        raise ValidationFailed(FieldError(f"ports[{index}]", str(exc))) from exc
    return Port(
        code=str(raw["code"]),
        name_en=str(raw["name_en"]),
        name_zh=str(raw.get("name_zh", "")),
        area_code=str(raw["area"]),
        locode=str(raw["locode"]),
        kind=kind,
        modes=modes,
        opening_hours=OpeningHours.parse(raw["opening_hours"]),
    )


def seed_zone(uow: ZoneUnitOfWork, actor: Actor, data: dict[str, Any]) -> tuple[int, int]:
    """Add the areas and ports of ``data`` that are missing; existing (perhaps edited) ones are kept."""
    added_areas = added_ports = 0
    with uow:
        known_areas = uow.zone.area_codes()
        for raw in data.get("areas", []):
            area = _parse_area(raw)
            if area.code not in known_areas:
                uow.zone.add_area(area)
                uow.audit.record(
                    actor=actor,
                    action="area.seeded",
                    object_type="area",
                    object_id=area.code,
                    before=None,
                    after={"code": area.code, "name_en": area.name_en, "area_km2": str(area.area_km2)},
                )
                added_areas += 1
        area_codes = uow.zone.area_codes()
        known_ports = uow.zone.office_codes()
        for i, raw in enumerate(data.get("ports", [])):
            port = _parse_port(raw, i)
            if port.area_code not in area_codes:
                raise ValidationFailed(
                    field_error(f"ports[{i}].area", "unknown area %(area_code)r", area_code=port.area_code)
                )
            if port.code not in known_ports:
                uow.zone.add_port(port)
                uow.audit.record(
                    actor=actor,
                    action="port.seeded",
                    object_type="port",
                    object_id=port.code,
                    before=None,
                    after=port_snapshot(port),
                )
                added_ports += 1
        uow.commit()
    return added_areas, added_ports


def total_area_km2(areas: list[Area]) -> Decimal:
    return sum((a.area_km2 for a in areas), Decimal(0))
