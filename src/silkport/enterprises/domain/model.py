"""The enterprise registry's aggregate: an enterprise of the zone and its lifecycle."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from stdnum.cn import uscc as stdnum_uscc

from silkport.shared.codes import is_country, is_currency
from silkport.shared.errors import FieldError, IllegalTransition, ValidationFailed
from silkport.shared.text import Text, field_error, templated


class Sector(StrEnum):
    AVIATION = "aviation"
    LOGISTICS = "logistics"
    BIOMEDICINE = "biomedicine"
    VEHICLES = "vehicles"
    TRADE = "trade"
    MANUFACTURING = "manufacturing"
    SERVICES = "services"
    ENERGY = "energy"
    AGRICULTURE = "agriculture"
    DIGITAL = "digital"
    FINANCE = "finance"
    TEXTILES = "textiles"


class CreditGrade(StrEnum):
    """China Customs enterprise credit management grades."""

    ADVANCED_CERTIFIED = "advanced_certified"  # AEO
    GENERAL_CERTIFIED = "general_certified"
    GENERAL = "general"
    DISCREDITED = "discredited"

    @property
    def label(self) -> str:
        return {
            "advanced_certified": "Advanced certified (AEO)",
            "general_certified": "General certified",
            "general": "General",
            "discredited": "Discredited",
        }[self.value]


class EnterpriseStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DEREGISTERED = "deregistered"


#: the only edges the registry's state machine has
TRANSITIONS: dict[EnterpriseStatus, frozenset[EnterpriseStatus]] = {
    EnterpriseStatus.ACTIVE: frozenset({EnterpriseStatus.SUSPENDED, EnterpriseStatus.DEREGISTERED}),
    EnterpriseStatus.SUSPENDED: frozenset({EnterpriseStatus.ACTIVE, EnterpriseStatus.DEREGISTERED}),
    EnterpriseStatus.DEREGISTERED: frozenset(),
}

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
NATIONAL_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{1,39}$")


def uscc_problem(value: str) -> Text | None:
    """Why ``value`` is not a valid Unified Social Credit Code, or None when it is."""
    number = stdnum_uscc.compact(value)
    if len(number) != 18:
        return templated("must be 18 characters, got %(length)s", length=len(number))
    if not number[:8].isdigit():
        return templated("the first 8 characters must be digits")
    bad = [c for c in number[8:] if c not in USCC_ALPHABET]
    if bad:
        return templated("character %(char)r is not allowed (I, O, Z, S and V are never used)", char=bad[0])
    expected = stdnum_uscc.calc_check_digit(number)
    if number[-1] != expected:
        return templated("check character should be %(expected)s", expected=expected)
    return None


@dataclass(frozen=True, slots=True)
class EnterpriseDetails:
    """Everything a registrant supplies; validated as a whole so every field error is reported at once."""

    name_en: str
    name_zh: str | None
    country: str
    area_code: str
    sectors: frozenset[Sector]
    registration_date: date
    uscc: str | None = None
    national_id: str | None = None
    foreign_invested: bool = False
    investor_countries: frozenset[str] = frozenset()
    registered_capital: Decimal | None = None
    capital_currency: str | None = None
    credit_grade: CreditGrade = CreditGrade.GENERAL

    def problems(self, known_areas: frozenset[str]) -> list[FieldError]:
        errors: list[FieldError] = []
        if not self.name_en.strip():
            errors.append(field_error("name_en", "an English name is required"))
        if len(self.name_en) > 200:
            errors.append(field_error("name_en", "at most %(n)s characters", n=200))
        if self.name_zh is not None and len(self.name_zh) > 200:
            errors.append(field_error("name_zh", "at most %(n)s characters", n=200))
        if not is_country(self.country):
            errors.append(
                field_error("country", "%(code)r is not an ISO 3166-1 alpha-2 country code", code=self.country)
            )
        if self.area_code not in known_areas:
            errors.append(
                field_error(
                    "area",
                    "%(code)r is not an area of the zone (%(known)s)",
                    code=self.area_code,
                    known=", ".join(sorted(known_areas)),
                )
            )
        if not self.sectors:
            errors.append(field_error("sectors", "at least one sector is required"))
        if self.country == "CN":
            if not self.uscc:
                errors.append(field_error("uscc", "a Chinese enterprise needs its Unified Social Credit Code"))
            else:
                problem = uscc_problem(self.uscc)
                if problem:
                    errors.append(FieldError("uscc", problem, template=problem.template, params=problem.params))
            if not self.name_zh:
                errors.append(field_error("name_zh", "a Chinese enterprise needs its Chinese name"))
        else:
            if self.uscc:
                errors.append(field_error("uscc", "only Chinese enterprises have a USCC; give national_id instead"))
            if not self.national_id:
                errors.append(field_error("national_id", "a foreign enterprise needs its national identifier"))
            elif not NATIONAL_ID_RE.match(self.national_id):
                errors.append(field_error("national_id", "2-40 letters, digits, spaces, '.', '/' or '-'"))
        for i, cc in enumerate(sorted(self.investor_countries)):
            if not is_country(cc):
                errors.append(
                    field_error(f"investor_countries[{i}]", "%(code)r is not an ISO 3166-1 alpha-2 code", code=cc)
                )
        if self.foreign_invested and not self.investor_countries:
            errors.append(
                field_error("investor_countries", "a foreign-invested enterprise names its investor countries")
            )
        if not self.foreign_invested and self.investor_countries:
            errors.append(field_error("foreign_invested", "investor countries are given but foreign_invested is false"))
        if self.registered_capital is not None:
            if self.registered_capital < 0:
                errors.append(field_error("registered_capital", "must not be negative"))
            if self.capital_currency is None:
                errors.append(field_error("capital_currency", "registered capital needs its ISO 4217 currency"))
        if self.capital_currency is not None and not is_currency(self.capital_currency):
            errors.append(
                field_error("capital_currency", "%(code)r is not an ISO 4217 currency", code=self.capital_currency)
            )
        return errors

    @property
    def normalised_uscc(self) -> str | None:
        return stdnum_uscc.compact(self.uscc) if self.uscc else None


@dataclass(eq=False, slots=True)
class Enterprise:
    id: str
    details: EnterpriseDetails
    status: EnterpriseStatus = EnterpriseStatus.ACTIVE
    status_reason: str | None = None
    version: int = 1

    @classmethod
    def register(cls, enterprise_id: str, details: EnterpriseDetails, known_areas: frozenset[str]) -> Enterprise:
        errors = details.problems(known_areas)
        if errors:
            raise ValidationFailed(errors)
        if details.uscc:
            details = replace(details, uscc=details.normalised_uscc)
        return cls(id=enterprise_id, details=details)

    def update(self, details: EnterpriseDetails, known_areas: frozenset[str]) -> None:
        if self.status is EnterpriseStatus.DEREGISTERED:
            raise IllegalTransition("a deregistered enterprise", self.status.value, "updated")
        errors = details.problems(known_areas)
        if errors:
            raise ValidationFailed(errors)
        if details.uscc:
            details = replace(details, uscc=details.normalised_uscc)
        self.details = details
        self.version += 1

    def move_to(self, target: EnterpriseStatus, reason: str) -> None:
        if target not in TRANSITIONS[self.status]:
            raise IllegalTransition("enterprise", self.status.value, target.value)
        if not reason.strip():
            raise ValidationFailed(field_error("reason", "a reason is required to change an enterprise's status"))
        self.status = target
        self.status_reason = reason
        self.version += 1

    def suspend(self, reason: str) -> None:
        self.move_to(EnterpriseStatus.SUSPENDED, reason)

    def reinstate(self, reason: str) -> None:
        self.move_to(EnterpriseStatus.ACTIVE, reason)

    def deregister(self, reason: str) -> None:
        self.move_to(EnterpriseStatus.DEREGISTERED, reason)

    @property
    def identifier(self) -> str:
        """The enterprise's legal identifier: its USCC, or country:national id for a foreign one."""
        return self.details.uscc or f"{self.details.country}:{self.details.national_id}"
