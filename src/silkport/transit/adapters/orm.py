"""SQLAlchemy tables of the transit context: TIR guarantees, transports and operations.

A transport's operations, incidents and message log are child rows; the state columns that lists and
figures filter on (guarantee state, transport state, holder) are real, indexed columns.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from silkport.infra.db import Base


class GuaranteeRow(Base):
    __tablename__ = "tir_guarantees"

    reference: Mapped[str] = mapped_column(String(10), primary_key=True)
    chain: Mapped[str] = mapped_column(String(10))
    holder_id: Mapped[str] = mapped_column(String(24), index=True)
    holder_enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    currency: Mapped[str] = mapped_column(String(3))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(16), index=True)
    transport_id: Mapped[str | None] = mapped_column(String(32))


class TransportRow(Base):
    __tablename__ = "tir_transports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    guarantee_reference: Mapped[str] = mapped_column(String(10), ForeignKey("tir_guarantees.reference"), index=True)
    holder_id: Mapped[str] = mapped_column(String(24))
    holder_enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    vehicle: Mapped[str] = mapped_column(String(35))
    goods_description: Mapped[str] = mapped_column(Text)
    gross_mass_kg: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    state: Mapped[str] = mapped_column(String(16), index=True)
    current_seals: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    w2w_seconds: Mapped[int | None] = mapped_column(Integer)


class OperationRow(Base):
    __tablename__ = "tir_operations"

    transport_id: Mapped[str] = mapped_column(String(32), ForeignKey("tir_transports.id"), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    office_of_start: Mapped[str] = mapped_column(String(20))
    office_of_end: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(16))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    terminated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    discharged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    seals_at_start: Mapped[list[str]] = mapped_column(JSON)
    seals_at_termination: Mapped[list[str]] = mapped_column(JSON)
    refusal_reason: Mapped[str | None] = mapped_column(Text)


class IncidentRow(Base):
    __tablename__ = "tir_incidents"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    transport_id: Mapped[str] = mapped_column(String(32), ForeignKey("tir_transports.id"), index=True)
    operation: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    certified_by: Mapped[str] = mapped_column(String(128))
    seals_before: Mapped[list[str]] = mapped_column(JSON)
    seals_after: Mapped[list[str]] = mapped_column(JSON)


class MessageRow(Base):
    """The message log of a transport; ``message_id`` is unique, which makes partner messages idempotent."""

    __tablename__ = "tir_messages"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    transport_id: Mapped[str] = mapped_column(String(32), ForeignKey("tir_transports.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(80), unique=True)
    pair: Mapped[str] = mapped_column(String(16))
    operation: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    by: Mapped[str] = mapped_column(String(128))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
