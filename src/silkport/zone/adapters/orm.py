"""Tables of the zone: areas and ports."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from silkport.infra.db import Base


class AreaRow(Base):
    __tablename__ = "zone_areas"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(100))
    name_zh: Mapped[str] = mapped_column(String(100))
    area_km2: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    locode: Mapped[str] = mapped_column(String(5))


class PortRow(Base):
    __tablename__ = "zone_ports"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    area_code: Mapped[str] = mapped_column(String(16), ForeignKey("zone_areas.code"))
    locode: Mapped[str] = mapped_column(String(5), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    modes: Mapped[list[str]] = mapped_column(JSON)
    opening_hours: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
