"""SQLAlchemy tables of the freight modes: train runs, vehicle exports, flights, postal items.

Objects of other freight tables (consignments, EPCIS events) are referred to by their identifiers as
plain strings, never by foreign keys. A train run's wagons, container placements and transshipments are
kept with the run (JSON), read and written whole under a row lock; the columns that counts and lists
filter on (month of exit, make, destination, flight date, dispatch state, item outcome) are real,
indexed columns.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from silkport.infra.db import Base


class TrainRunRow(Base):
    __tablename__ = "freight_train_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    train_number: Mapped[str] = mapped_column(String(20), index=True)
    origin: Mapped[str] = mapped_column(String(5))
    destination: Mapped[str] = mapped_column(String(5))
    departure: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    arrival: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    wagons: Mapped[list[Any]] = mapped_column(JSON)
    placements: Mapped[dict[str, Any]] = mapped_column(JSON)
    transshipments: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VehicleExportRow(Base):
    __tablename__ = "freight_vehicle_exports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    vin: Mapped[str] = mapped_column(String(17), unique=True)
    make: Mapped[str] = mapped_column(String(40), index=True)
    model: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(2))
    destination: Mapped[str] = mapped_column(String(2), index=True)
    exit_port: Mapped[str] = mapped_column(String(5))
    exit_date: Mapped[date] = mapped_column(Date)
    exit_month: Mapped[str] = mapped_column(String(7), index=True)
    declaration_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FlightRow(Base):
    __tablename__ = "freight_flights"
    __table_args__ = (UniqueConstraint("flight_number", "flight_date", name="uq_freight_flights_flight_number"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    flight_number: Mapped[str] = mapped_column(String(8))
    flight_date: Mapped[date] = mapped_column(Date, index=True)
    origin: Mapped[str] = mapped_column(String(3))
    destination: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AwbLoadRow(Base):
    __tablename__ = "freight_awb_loads"

    flight_id: Mapped[str] = mapped_column(String(32), ForeignKey("freight_flights.id"), primary_key=True)
    awb: Mapped[str] = mapped_column(String(11), primary_key=True)
    pieces: Mapped[int] = mapped_column(Integer)
    gross_weight_kg: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    chargeable_weight_kg: Mapped[Decimal] = mapped_column(Numeric(12, 3))


class MailDispatchRow(Base):
    __tablename__ = "freight_mail_dispatches"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[str] = mapped_column(String(10), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MailReceptacleRow(Base):
    __tablename__ = "freight_mail_receptacles"

    id: Mapped[str] = mapped_column(String(29), primary_key=True)
    dispatch_id: Mapped[str] = mapped_column(String(20), ForeignKey("freight_mail_dispatches.id"), index=True)
    weight_kg: Mapped[Decimal] = mapped_column(Numeric(8, 1))


class PostalItemRow(Base):
    __tablename__ = "freight_postal_items"

    dispatch_id: Mapped[str] = mapped_column(String(20), ForeignKey("freight_mail_dispatches.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(13), primary_key=True)
    receptacle_id: Mapped[str] = mapped_column(String(29), ForeignKey("freight_mail_receptacles.id"), index=True)
    sender_country: Mapped[str] = mapped_column(String(2))
    addressee_country: Mapped[str] = mapped_column(String(2))
    category: Mapped[str] = mapped_column(String(20))
    form: Mapped[str] = mapped_column(String(4))
    gross_weight_kg: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    currency: Mapped[str] = mapped_column(String(3))
    contents: Mapped[list[Any]] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(String(10), index=True)
    reasons: Mapped[list[Any] | None] = mapped_column(JSON)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    officer: Mapped[str | None] = mapped_column(String(64))
    rules_version: Mapped[str | None] = mapped_column(Text)
