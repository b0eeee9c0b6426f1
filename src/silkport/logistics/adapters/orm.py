"""SQLAlchemy tables of the logistics context: consignments, legs, tracking events, SLA alerts.

The history of any object is one indexed query: ``logistics_event_objects`` holds one row per
(normalised object id, event) with the event's time, keyed ``(object_id, event_ref)`` and indexed
``(object_id, event_time)``; ``logistics_consignment_keys`` maps every id a consignment answers to
(its id, document number, equipment) back to it, so captured events find their consignments.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from silkport.infra.db import Base


class ConsignmentRow(Base):
    __tablename__ = "logistics_consignments"
    __table_args__ = (UniqueConstraint("document_kind", "document_number"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    document_kind: Mapped[str] = mapped_column(String(16))
    document_number: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(8), index=True)
    corridor: Mapped[str | None] = mapped_column(String(32), index=True)
    shipper: Mapped[dict[str, Any]] = mapped_column(JSON)
    consignee: Mapped[dict[str, Any]] = mapped_column(JSON)
    goods_description: Mapped[str] = mapped_column(Text)
    packages: Mapped[int] = mapped_column(Integer)
    gross_mass_kg: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    declaration_ids: Mapped[list[str]] = mapped_column(JSON)
    equipment: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    interrupted: Mapped[str | None] = mapped_column(String(16))
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # latest event replayed
    # the delivery clock as last evaluated (on booking, event capture or the sweep)
    clock_status: Mapped[str | None] = mapped_column(String(16), index=True)
    clock_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    clock_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    clock_at_risk_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    clock_finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    clock_breached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    clock_culprit_leg: Mapped[int | None] = mapped_column(Integer)


class LegRow(Base):
    __tablename__ = "logistics_legs"

    consignment_id: Mapped[str] = mapped_column(String(32), ForeignKey("logistics_consignments.id"), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(8))
    carrier: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(5))
    destination: Mapped[str] = mapped_column(String(5))
    planned_departure: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    planned_arrival: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actual_departure: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actual_arrival: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at_border: Mapped[bool] = mapped_column(Boolean)


class ConsignmentKeyRow(Base):
    __tablename__ = "logistics_consignment_keys"

    object_id: Mapped[str] = mapped_column(String(500), primary_key=True)
    consignment_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("logistics_consignments.id"), primary_key=True, index=True
    )


class TrackingEventRow(Base):
    __tablename__ = "logistics_events"

    ref: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(1000), unique=True)
    event_type: Mapped[str] = mapped_column(String(24))
    action: Mapped[str] = mapped_column(String(8))
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    time_zone_offset: Mapped[str] = mapped_column(String(6))
    record_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    biz_step: Mapped[str | None] = mapped_column(String(500))
    disposition: Mapped[str | None] = mapped_column(String(500))
    read_point: Mapped[str | None] = mapped_column(String(2000))
    biz_location: Mapped[str | None] = mapped_column(String(2000))
    captured_by: Mapped[str] = mapped_column(String(32))
    captured_for: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class EventObjectRow(Base):
    __tablename__ = "logistics_event_objects"
    __table_args__ = (Index("ix_logistics_event_objects_object_id_event_time", "object_id", "event_time"),)

    object_id: Mapped[str] = mapped_column(String(500), primary_key=True)
    event_ref: Mapped[str] = mapped_column(String(32), ForeignKey("logistics_events.ref"), primary_key=True, index=True)
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    role: Mapped[str] = mapped_column(String(12))


class SlaAlertRow(Base):
    __tablename__ = "logistics_sla_alerts"
    __table_args__ = (UniqueConstraint("consignment_id", "kind"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    consignment_id: Mapped[str] = mapped_column(String(32), ForeignKey("logistics_consignments.id"))
    enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    corridor: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    breached_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    culprit_leg: Mapped[int | None] = mapped_column(Integer)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
