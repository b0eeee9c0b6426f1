"""Tables of the enterprise registry (users and tokens included)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from silkport.infra.db import Base


class EnterpriseRow(Base):
    __tablename__ = "enterprises"
    __table_args__ = (
        UniqueConstraint("country", "national_id", name="uq_enterprises_country_national_id"),
        CheckConstraint("registered_capital IS NULL OR registered_capital >= 0", name="capital_not_negative"),
        CheckConstraint("status IN ('active', 'suspended', 'deregistered')", name="status_known"),
        Index("ix_enterprises_registration_date", "registration_date"),
        Index("ix_enterprises_area_code", "area_code"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    national_id: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2))
    name_en: Mapped[str] = mapped_column(String(200), index=True)
    name_zh: Mapped[str | None] = mapped_column(String(200))
    area_code: Mapped[str] = mapped_column(String(16), ForeignKey("zone_areas.code"))
    registration_date: Mapped[date] = mapped_column(Date)
    foreign_invested: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_capital: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))
    capital_currency: Mapped[str | None] = mapped_column(String(3))
    credit_grade: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(default=1)

    sectors: Mapped[list[EnterpriseSectorRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="EnterpriseSectorRow.sector"
    )
    investors: Mapped[list[EnterpriseInvestorRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="EnterpriseInvestorRow.country"
    )


class EnterpriseSectorRow(Base):
    __tablename__ = "enterprise_sectors"

    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )
    sector: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class EnterpriseInvestorRow(Base):
    __tablename__ = "enterprise_investor_countries"

    enterprise_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2), primary_key=True)


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('trader', 'customs_officer', 'customs_supervisor', 'logistics_operator', 'warehouse_keeper', "
            "'airline', 'legal_officer', 'analyst', 'admin')",
            name="role_known",
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), ForeignKey("enterprises.id"))
    office_code: Mapped[str | None] = mapped_column(String(32), ForeignKey("zone_ports.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the web UI's language the user chose (en, zh_Hans, ru); the domain checks the value
    locale: Mapped[str | None] = mapped_column(String(16))


class TokenRow(Base):
    __tablename__ = "auth_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
