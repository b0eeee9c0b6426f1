"""SQLAlchemy repositories of the zone."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from silkport.zone.adapters.orm import AreaRow, PortRow
from silkport.zone.domain.model import Area, Mode, OpeningHours, Port, PortKind


def _area(row: AreaRow) -> Area:
    return Area(code=row.code, name_en=row.name_en, name_zh=row.name_zh, area_km2=row.area_km2, locode=row.locode)


def _port(row: PortRow) -> Port:
    return Port(
        code=row.code,
        name_en=row.name_en,
        name_zh=row.name_zh,
        area_code=row.area_code,
        locode=row.locode,
        kind=PortKind(row.kind),
        modes=frozenset(Mode(m) for m in row.modes),
        opening_hours=OpeningHours.parse(row.opening_hours),
        active=row.active,
    )


class SqlZoneRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def areas(self) -> list[Area]:
        return [_area(r) for r in self._s.scalars(select(AreaRow).order_by(AreaRow.code))]

    def area_codes(self) -> frozenset[str]:
        return frozenset(self._s.scalars(select(AreaRow.code)))

    def add_area(self, area: Area) -> None:
        self._s.add(
            AreaRow(
                code=area.code, name_en=area.name_en, name_zh=area.name_zh, area_km2=area.area_km2, locode=area.locode
            )
        )
        self._s.flush()

    def ports(self) -> list[Port]:
        return [_port(r) for r in self._s.scalars(select(PortRow).order_by(PortRow.code))]

    def port(self, code: str) -> Port | None:
        row = self._s.get(PortRow, code)
        return _port(row) if row else None

    def office_codes(self) -> frozenset[str]:
        return frozenset(self._s.scalars(select(PortRow.code)))

    def add_port(self, port: Port) -> None:
        row = PortRow(code=port.code)
        _fill(row, port)
        self._s.add(row)
        self._s.flush()

    def save_port(self, port: Port) -> None:
        row = self._s.get(PortRow, port.code)
        if row is None:
            raise LookupError(port.code)
        _fill(row, port)
        self._s.flush()


def _fill(row: PortRow, port: Port) -> None:
    row.name_en = port.name_en
    row.name_zh = port.name_zh
    row.area_code = port.area_code
    row.locode = port.locode
    row.kind = port.kind.value
    row.modes = sorted(m.value for m in port.modes)
    row.opening_hours = port.opening_hours.as_dict()
    row.active = port.active
