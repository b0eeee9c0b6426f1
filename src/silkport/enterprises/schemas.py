"""API shapes of the enterprise registry (pydantic 2): XCreate / XRead / XUpdate."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from silkport.enterprises.domain.model import CreditGrade, Enterprise, EnterpriseDetails, EnterpriseStatus, Sector
from silkport.enterprises.domain.users import User
from silkport.shared.actor import Role

Name = Annotated[str, Field(min_length=1, max_length=200)]
CountryCode = Annotated[str, Field(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$", examples=["CN"])]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EnterpriseCreate(Strict):
    name_en: Name
    name_zh: Annotated[str | None, Field(max_length=200)] = None
    country: CountryCode = "CN"
    area: str = Field(description="area of the zone: URUMQI, HORGOS or KASHGAR", examples=["HORGOS"])
    sectors: list[Sector] = Field(min_length=1)
    registration_date: date
    uscc: Annotated[str | None, Field(description="Unified Social Credit Code (Chinese entities)")] = None
    national_id: Annotated[str | None, Field(description="national identifier (foreign entities)")] = None
    foreign_invested: bool = False
    investor_countries: list[CountryCode] = Field(default_factory=list)
    registered_capital: Decimal | None = Field(default=None, description="a decimal string, e.g. '5000000.00'")
    capital_currency: Annotated[str | None, Field(pattern=r"^[A-Z]{3}$")] = None
    credit_grade: CreditGrade = CreditGrade.GENERAL

    def to_details(self) -> EnterpriseDetails:
        return EnterpriseDetails(
            name_en=self.name_en,
            name_zh=self.name_zh or None,
            country=self.country,
            area_code=self.area,
            sectors=frozenset(self.sectors),
            registration_date=self.registration_date,
            uscc=self.uscc or None,
            national_id=self.national_id or None,
            foreign_invested=self.foreign_invested,
            investor_countries=frozenset(self.investor_countries),
            registered_capital=self.registered_capital,
            capital_currency=self.capital_currency or None,
            credit_grade=self.credit_grade,
        )


class EnterpriseUpdate(Strict):
    """Partial update: only the fields given change."""

    name_en: Name | None = None
    name_zh: Annotated[str | None, Field(max_length=200)] = None
    area: str | None = None
    sectors: list[Sector] | None = Field(default=None, min_length=1)
    foreign_invested: bool | None = None
    investor_countries: list[CountryCode] | None = None
    registered_capital: Decimal | None = None
    capital_currency: Annotated[str | None, Field(pattern=r"^[A-Z]{3}$")] = None
    credit_grade: CreditGrade | None = None

    def apply(self, current: EnterpriseDetails) -> EnterpriseDetails:
        changes = self.model_dump(exclude_unset=True)
        mapped: dict[str, object] = {}
        for key, value in changes.items():
            if key == "area":
                mapped["area_code"] = value
            elif key == "sectors":
                mapped["sectors"] = frozenset(Sector(s) for s in value)
            elif key == "investor_countries":
                mapped["investor_countries"] = frozenset(value)
            elif key == "credit_grade":
                mapped["credit_grade"] = CreditGrade(value)
            else:
                mapped[key] = value
        return replace(current, **mapped)  # type: ignore[arg-type]


class StatusChange(Strict):
    reason: str = Field(min_length=1, max_length=500)


class EnterpriseRead(BaseModel):
    id: str
    identifier: str
    uscc: str | None
    national_id: str | None
    country: str
    name_en: str
    name_zh: str | None
    area: str
    sectors: list[Sector]
    registration_date: date
    foreign_invested: bool
    investor_countries: list[str]
    registered_capital: Decimal | None
    capital_currency: str | None
    credit_grade: CreditGrade
    status: EnterpriseStatus
    status_reason: str | None
    version: int

    @classmethod
    def of(cls, e: Enterprise) -> EnterpriseRead:
        d = e.details
        return cls(
            id=e.id,
            identifier=e.identifier,
            uscc=d.uscc,
            national_id=d.national_id,
            country=d.country,
            name_en=d.name_en,
            name_zh=d.name_zh,
            area=d.area_code,
            sectors=sorted(d.sectors),
            registration_date=d.registration_date,
            foreign_invested=d.foreign_invested,
            investor_countries=sorted(d.investor_countries),
            registered_capital=d.registered_capital,
            capital_currency=d.capital_currency,
            credit_grade=d.credit_grade,
            status=e.status,
            status_reason=e.status_reason,
            version=e.version,
        )


class EnterprisePage(BaseModel):
    items: list[EnterpriseRead]
    next_cursor: str | None
    total: int


class CountRow(BaseModel):
    key: str
    count: int


class EnterpriseStats(BaseModel):
    by: str
    total: int
    counts: list[CountRow]


class TokenRequest(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_at: str


class UserCreate(Strict):
    username: str = Field(min_length=3, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    role: Role
    display_name: str | None = Field(default=None, max_length=200)
    enterprise: str | None = Field(default=None, description="enterprise id, for enterprise-bound roles")
    office: str | None = Field(default=None, description="office code, for customs officers")


class UserRead(BaseModel):
    id: str
    username: str
    display_name: str
    role: Role
    enterprise: str | None
    office: str | None
    active: bool

    @classmethod
    def of(cls, u: User) -> UserRead:
        return cls(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            enterprise=u.enterprise_id,
            office=u.office_code,
            active=u.active,
        )
