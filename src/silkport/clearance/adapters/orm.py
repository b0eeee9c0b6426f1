"""Tables of the clearance context.

The declaration's content is stored as its canonical JSON (one row per version); the columns that
queries filter and aggregate on (status, lane, office, stage timestamps) are real columns, so clearance
time per stage is a SQL query.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from silkport.infra.db import Base

STAGE_COLUMNS = (
    "arrival",
    "lodgement",
    "acceptance",
    "risk_assessment",
    "document_check",
    "inspection",
    "duty_payment",
    "release",
    "exit",
)


class DeclarationRow(Base):
    __tablename__ = "declarations"
    __table_args__ = (
        Index("ix_declarations_queue", "office_code", "status", "lane"),
        Index("ix_declarations_declarant_lrn", "declarant_id", "lrn", unique=True),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    declarant_id: Mapped[str] = mapped_column(String(32), index=True)
    lrn: Mapped[str | None] = mapped_column(String(35))
    type: Mapped[str] = mapped_column(String(16))
    office_code: Mapped[str] = mapped_column(String(32))
    transport_mode: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24), index=True)
    lane: Mapped[str | None] = mapped_column(String(8))
    risk_score: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    rulebook_version: Mapped[str | None] = mapped_column(String(64))
    model_version: Mapped[str | None] = mapped_column(String(64))
    settlement: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    pre_arrival: Mapped[bool]
    assigned_to: Mapped[str | None] = mapped_column(String(32))
    audit_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    customs_value_cny: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    taxes_cny: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    arrival_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lodgement_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    acceptance_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    risk_assessment_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    document_check_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    inspection_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duty_payment_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    release_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    exit_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DeclarationVersionRow(Base):
    __tablename__ = "declaration_versions"

    declaration_id: Mapped[str] = mapped_column(String(32), ForeignKey("declarations.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)


class StatusHistoryRow(Base):
    __tablename__ = "declaration_status_history"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(String(32), ForeignKey("declarations.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    from_status: Mapped[str] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)


class RiskAssessmentRow(Base):
    __tablename__ = "risk_assessments"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(String(32), ForeignKey("declarations.id"), index=True)
    content_version: Mapped[int] = mapped_column(Integer)
    rulebook_version: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    lane: Mapped[str] = mapped_column(String(8))
    fired: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    trader_reasons: Mapped[list[str]] = mapped_column(JSON)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DutyAssessmentRow(Base):
    __tablename__ = "duty_assessments"

    declaration_id: Mapped[str] = mapped_column(String(32), ForeignKey("declarations.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON)


class InspectionRow(Base):
    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(String(32), ForeignKey("declarations.id"), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    method: Mapped[str] = mapped_column(String(16))
    finding: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    officer: Mapped[str] = mapped_column(String(32))


class RulebookRow(Base):
    __tablename__ = "rulebooks"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(default=False)


class InspectedContainerRow(Base):
    """A container inspected and sealed at an office: what the streamlined highway matches later declarations to."""

    __tablename__ = "inspected_containers"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    container: Mapped[str] = mapped_column(String(11), index=True)
    seals: Mapped[str] = mapped_column(String(500))
    office_code: Mapped[str] = mapped_column(String(16))
    declaration_id: Mapped[str] = mapped_column(String(32), ForeignKey("declarations.id"), index=True)
    inspected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class RecognitionRow(Base):
    """A red lane lifted because an inspection upstream was recognised (an inspection avoided)."""

    __tablename__ = "inspection_recognitions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    declaration_id: Mapped[str] = mapped_column(String(32), ForeignKey("declarations.id"), index=True)
    office_code: Mapped[str] = mapped_column(String(16))
    corridor: Mapped[str] = mapped_column(String(100))
    upstream_office: Mapped[str] = mapped_column(String(16))
    upstream_declarations: Mapped[list[str]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class TraderCountersRow(Base):
    """A declarant's record as the risk engine reads it, kept as counters at each write instead of counted at
    each lodgement: declarations lodged, inspections, inspections with a discrepancy (see repository)."""

    __tablename__ = "clearance_trader_counters"
    __table_args__ = (CheckConstraint("lodged >= 0 AND inspected >= 0 AND discrepancies >= 0", name="not_negative"),)

    enterprise_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    lodged: Mapped[int] = mapped_column(Integer, default=0)
    inspected: Mapped[int] = mapped_column(Integer, default=0)
    discrepancies: Mapped[int] = mapped_column(Integer, default=0)
