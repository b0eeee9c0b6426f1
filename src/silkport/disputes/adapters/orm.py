"""SQLAlchemy tables of the disputes context.

A case is kept as one row whose ``body`` holds the aggregate (parties, time limits, hearings, neutrals, fees,
outcome, enforcement) as JSON, beside the columns the list, filters and figures query. Who took part in a case
(parties, counsel, neutrals) is also written out to ``disputes_participants``: access (which enterprise is a
party), the party-country filter and the conflict-of-interest check query it. The timeline is append-only in
``disputes_events``. Document bytes are stored in the database (``content``), each version its own row with its
SHA-256: they commit or roll back with the case's record and its audit entry, and back up with it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from silkport.infra.db import Base


class DisputeCaseRow(Base):
    __tablename__ = "disputes_cases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    type: Mapped[str] = mapped_column(String(24), index=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    intake: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    decided_on: Mapped[date | None] = mapped_column(Date)
    outcome_kind: Mapped[str | None] = mapped_column(String(16))
    cross_border: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class DisputeParticipantRow(Base):
    __tablename__ = "disputes_participants"
    __table_args__ = (Index("ix_disputes_participants_case_capacity", "case_id", "capacity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(32), ForeignKey("disputes_cases.id"))
    capacity: Mapped[str] = mapped_column(String(8))  # party | counsel | neutral
    key: Mapped[str] = mapped_column(String(220), index=True)
    party_id: Mapped[str | None] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), index=True)
    country: Mapped[str | None] = mapped_column(String(2), index=True)


class DisputeEventRow(Base):
    __tablename__ = "disputes_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(32), ForeignKey("disputes_cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class DisputeDocumentRow(Base):
    __tablename__ = "disputes_documents"
    __table_args__ = (UniqueConstraint("document_id", "version", name="uq_disputes_documents_document_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[str] = mapped_column(String(32), ForeignKey("disputes_cases.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_by_party: Mapped[str | None] = mapped_column(String(32))
    shared_with: Mapped[list[str]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
