"""API shapes of the zone."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from silkport.zone.domain.model import Area, Mode, Port, PortKind


class AreaRead(BaseModel):
    code: str
    name_en: str
    name_zh: str
    area_km2: Decimal
    locode: str

    @classmethod
    def of(cls, a: Area) -> AreaRead:
        return cls(code=a.code, name_en=a.name_en, name_zh=a.name_zh, area_km2=a.area_km2, locode=a.locode)


class ZoneRead(BaseModel):
    name: str
    total_area_km2: Decimal
    areas: list[AreaRead]


class PortRead(BaseModel):
    code: str
    name_en: str
    name_zh: str
    area: str
    locode: str
    kind: PortKind
    modes: list[Mode]
    opening_hours: dict[str, list[str]]
    opening_summary: str
    active: bool

    @classmethod
    def of(cls, p: Port) -> PortRead:
        return cls(
            code=p.code,
            name_en=p.name_en,
            name_zh=p.name_zh,
            area=p.area_code,
            locode=p.locode,
            kind=p.kind,
            modes=sorted(p.modes),
            opening_hours=p.opening_hours.as_dict(),
            opening_summary=p.opening_hours.summary(),
            active=p.active,
        )


class PortUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)
    modes: list[Mode] | None = Field(default=None, min_length=1)
    opening_hours: dict[str, list[str]] | str | None = Field(
        default=None, description="'24h' or weekday -> ['HH:MM-HH:MM', ...] in local time (Asia/Urumqi)"
    )
    active: bool | None = None
