"""SQLAlchemy tables of the bonded context: accounts, lots, movements, postings, balances and the records
kept beside the ledger (losses, alerts, counts, work orders, uplifts, fuel readings).

The database backs the domain's invariants: a balance of a holding or sink account is never negative
(CHECK), a posting names a real movement, account and lot (foreign keys) and is never zero, a movement
key is unique (idempotency), a lot's quantity is positive and its status one of the statuses.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from silkport.infra.db import Base

QTY = Numeric(20, 3)
AMOUNT = Numeric(20, 2)


class BondedAccountRow(Base):
    __tablename__ = "bonded_accounts"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    site: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    allows_negative: Mapped[bool] = mapped_column(Boolean)


class BondedLotRow(Base):
    __tablename__ = "bonded_lots"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("status IN ('bonded', 'duty_paid', 'domestic')", name="status_known"),
        Index("ix_bonded_lots_owner_admitted", "owner_id", "admitted_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(24))
    hs_code: Mapped[str] = mapped_column(String(10), index=True)
    description: Mapped[str] = mapped_column(String(300))
    origin: Mapped[str] = mapped_column(String(2))
    unit: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[Decimal] = mapped_column(QTY)
    value: Mapped[Decimal] = mapped_column(AMOUNT)
    currency: Mapped[str] = mapped_column(String(3))
    declaration_ref: Mapped[str] = mapped_column(String(64))
    admitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_on: Mapped[date | None] = mapped_column(Date)
    reexport_by: Mapped[date | None] = mapped_column(Date)
    loss_allowance_pct: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    parent_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("bonded_lots.id"))


class BondedMovementRow(Base):
    __tablename__ = "bonded_movements"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str | None] = mapped_column(String(140), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_id: Mapped[str] = mapped_column(String(32))
    declaration_ref: Mapped[str | None] = mapped_column(String(64))
    approval_ref: Mapped[str | None] = mapped_column(String(64))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    duty: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class BondedPostingRow(Base):
    __tablename__ = "bonded_postings"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        Index("ix_bonded_postings_account_lot", "account_id", "lot_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    movement_id: Mapped[str] = mapped_column(String(32), ForeignKey("bonded_movements.id"), index=True)
    account_id: Mapped[str] = mapped_column(String(120), ForeignKey("bonded_accounts.id"))
    lot_id: Mapped[str] = mapped_column(String(32), ForeignKey("bonded_lots.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(QTY)


class BondedBalanceRow(Base):
    __tablename__ = "bonded_balances"
    __table_args__ = (CheckConstraint("quantity >= 0 OR allows_negative", name="not_negative"),)

    account_id: Mapped[str] = mapped_column(String(120), ForeignKey("bonded_accounts.id"), primary_key=True)
    lot_id: Mapped[str] = mapped_column(String(32), ForeignKey("bonded_lots.id"), primary_key=True, index=True)
    quantity: Mapped[Decimal] = mapped_column(QTY)
    allows_negative: Mapped[bool] = mapped_column(Boolean)


class BondedNormRow(Base):
    """A registered unit consumption: input per unit of output and the allowed process loss."""

    __tablename__ = "bonded_norms"
    __table_args__ = (
        CheckConstraint("input_per_output > 0", name="norm_positive"),
        CheckConstraint("allowed_loss_pct >= 0 AND allowed_loss_pct <= 100", name="loss_pct_range"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    input_per_output: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    allowed_loss_pct: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_by: Mapped[str] = mapped_column(String(32))


class BondedAlertRow(Base):
    __tablename__ = "bonded_alerts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    lot_id: Mapped[str] = mapped_column(String(32), ForeignKey("bonded_lots.id"))
    movement_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("bonded_movements.id"))
    quantity: Mapped[Decimal] = mapped_column(QTY)
    duty: Mapped[Decimal] = mapped_column(AMOUNT)
    status: Mapped[str] = mapped_column(String(16), index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(500))


class BondedLossRow(Base):
    __tablename__ = "bonded_losses"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    lot_id: Mapped[str] = mapped_column(String(32), ForeignKey("bonded_lots.id"))
    account_id: Mapped[str] = mapped_column(String(120), ForeignKey("bonded_accounts.id"))
    quantity: Mapped[Decimal] = mapped_column(QTY)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reported_by: Mapped[str] = mapped_column(String(32))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    movement_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("bonded_movements.id"))


class BondedCountRow(Base):
    """One counted (account, lot) of a stocktake or cycle count: book vs counted, and the customs decision."""

    __tablename__ = "bonded_counts"
    __table_args__ = (CheckConstraint("counted >= 0", name="counted_not_negative"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    stocktake_id: Mapped[str] = mapped_column(String(32), index=True)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    account_id: Mapped[str] = mapped_column(String(120), ForeignKey("bonded_accounts.id"))
    lot_id: Mapped[str] = mapped_column(String(32), ForeignKey("bonded_lots.id"))
    book: Mapped[Decimal] = mapped_column(QTY)
    counted: Mapped[Decimal] = mapped_column(QTY)
    status: Mapped[str] = mapped_column(String(16))
    counted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    counted_by: Mapped[str] = mapped_column(String(32))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    movement_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("bonded_movements.id"))


class BondedWorkOrderRow(Base):
    __tablename__ = "bonded_work_orders"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    aircraft_registration: Mapped[str] = mapped_column(String(16))
    domestic: Mapped[bool] = mapped_column(Boolean)
    description: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[str] = mapped_column(String(120), ForeignKey("bonded_accounts.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BondedUpliftRow(Base):
    __tablename__ = "bonded_uplifts"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_bonded_uplifts_airline_month", "airline_id", "month"),
    )

    id: Mapped[str] = mapped_column(String(32), ForeignKey("bonded_movements.id"), primary_key=True)
    supplier_id: Mapped[str] = mapped_column(String(32), index=True)
    airline_id: Mapped[str] = mapped_column(String(32))
    flight_number: Mapped[str] = mapped_column(String(8))
    aircraft_registration: Mapped[str] = mapped_column(String(16))
    next_airport: Mapped[str] = mapped_column(String(5))
    international: Mapped[bool] = mapped_column(Boolean)
    tank: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[Decimal] = mapped_column(QTY)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    month: Mapped[str] = mapped_column(String(7))
    declaration_ref: Mapped[str | None] = mapped_column(String(64))
    duty: Mapped[Decimal] = mapped_column(AMOUNT)


class BondedFuelReadingRow(Base):
    __tablename__ = "bonded_fuel_readings"
    __table_args__ = (Index("ix_bonded_fuel_readings_account_day", "account_id", "day", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    account_id: Mapped[str] = mapped_column(String(120), ForeignKey("bonded_accounts.id"))
    day: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(8))
    book: Mapped[Decimal] = mapped_column(QTY)
    measured: Mapped[Decimal] = mapped_column(QTY)
    tolerance_pct: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    within: Mapped[bool] = mapped_column(Boolean)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    taken_by: Mapped[str] = mapped_column(String(32))
