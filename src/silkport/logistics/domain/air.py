"""Air cargo: flights, the air waybills loaded on them, and tonnage per month with year-on-year change.

Pure. A flight is an IATA flight designator (2-character airline designator + 1-4 digit number + an
optional operational suffix letter, IATA SSIM) on a date between two airports (IATA 3-letter codes).
An air waybill (11-digit IATA AWB, mod-7 check) is loaded on a flight once, with its pieces, gross
weight and chargeable weight (the greater of gross and volumetric weight, so never below the gross
weight). Tonnage counts the gross weight of the AWBs on the flights of each month (Urumqi airport:
68,100 t international cargo in Jan-Aug 2025, +~370% year on year).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from silkport.logistics.domain.identifiers import awb_problem, normalise_awb
from silkport.shared.errors import Conflict, FieldError, ValidationFailed
from silkport.shared.text import field_error, templated

_FLIGHT_RE = re.compile(r"^([A-Z0-9]{2})([0-9]{1,4})([A-Z]?)$")
_AIRPORT_RE = re.compile(r"^[A-Z]{3}$")
MAX_WEIGHT_KG = Decimal("500000")
KG_PER_TONNE = Decimal(1000)
#: tonnes are shown to the gram (6 decimals), the same on every database
TONNE_QUANTUM = Decimal("0.000001")


def normalise_flight_number(value: str) -> str:
    """'cz 6901' -> 'CZ6901'; the number keeps its digits as given (leading zeros are part of it)."""
    return re.sub(r"\s", "", value).upper()


def flight_number_problem(value: str) -> str | None:
    number = normalise_flight_number(value)
    match = _FLIGHT_RE.match(number)
    if not match:
        return "IATA flight number: 2-character airline designator, 1-4 digits, optional suffix letter (CZ6901)"
    if match.group(1).isdigit():
        return "the airline designator cannot be two digits"
    return None


@dataclass(frozen=True, slots=True)
class AwbLoad:
    awb: str
    pieces: int
    gross_weight_kg: Decimal
    chargeable_weight_kg: Decimal


def new_load(awb: str, pieces: int, gross: Decimal, chargeable: Decimal, prefix: str = "") -> AwbLoad:
    errors: list[FieldError] = []
    problem = awb_problem(awb)
    if problem:
        errors.append(FieldError(f"{prefix}awb", problem))
    if not 1 <= pieces <= 99999:
        errors.append(field_error(f"{prefix}pieces", "between 1 and 99999"))
    if not Decimal(0) < gross <= MAX_WEIGHT_KG:
        errors.append(
            field_error(
                f"{prefix}gross_weight_kg", "more than 0 and at most %(MAX_WEIGHT_KG)s kg", MAX_WEIGHT_KG=MAX_WEIGHT_KG
            )
        )
    if not Decimal(0) < chargeable <= MAX_WEIGHT_KG:
        errors.append(
            field_error(
                f"{prefix}chargeable_weight_kg",
                "more than 0 and at most %(MAX_WEIGHT_KG)s kg",
                MAX_WEIGHT_KG=MAX_WEIGHT_KG,
            )
        )
    elif Decimal(0) < gross <= MAX_WEIGHT_KG and chargeable < gross:
        errors.append(
            field_error(
                f"{prefix}chargeable_weight_kg", "is the greater of gross and volumetric weight: not below gross"
            )
        )
    for name, value in (("gross_weight_kg", gross), ("chargeable_weight_kg", chargeable)):
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -3:
            errors.append(field_error(f"{prefix}{name}", "at most 3 decimals (grams)"))
    if errors:
        raise ValidationFailed(errors)
    return AwbLoad(normalise_awb(awb), pieces, gross, chargeable)


@dataclass
class Flight:
    id: str
    enterprise_id: str
    flight_number: str
    flight_date: date
    origin: str
    destination: str
    loads: dict[str, AwbLoad] = field(default_factory=dict)

    @staticmethod
    def create(
        id: str, enterprise_id: str, flight_number: str, flight_date: date, origin: str, destination: str
    ) -> Flight:
        errors: list[FieldError] = []
        problem = flight_number_problem(flight_number)
        if problem:
            errors.append(FieldError("flight_number", problem))
        o, d = origin.strip().upper(), destination.strip().upper()
        for name, code in (("origin", o), ("destination", d)):
            if not _AIRPORT_RE.match(code):
                errors.append(field_error(name, "%(code)r is not an IATA 3-letter airport code", code=code))
        if o == d:
            errors.append(field_error("destination", "must differ from the origin"))
        if errors:
            raise ValidationFailed(errors)
        return Flight(id, enterprise_id, normalise_flight_number(flight_number), flight_date, o, d)

    def load(self, awb: AwbLoad) -> None:
        if awb.awb in self.loads:
            raise Conflict(
                templated(
                    "air waybill %(awb)s is already loaded on flight %(flight_number)s",
                    awb=awb.awb,
                    flight_number=self.flight_number,
                )
            )
        self.loads[awb.awb] = awb

    def offload(self, awb: str) -> AwbLoad:
        number = normalise_awb(awb)
        if number not in self.loads:
            raise Conflict(
                templated(
                    "air waybill %(number)s is not loaded on flight %(flight_number)s",
                    number=number,
                    flight_number=self.flight_number,
                )
            )
        return self.loads.pop(number)

    @property
    def gross_weight_kg(self) -> Decimal:
        return sum((a.gross_weight_kg for a in self.loads.values()), Decimal(0))


@dataclass(frozen=True, slots=True)
class MonthTonnage:
    month: int
    tonnes: Decimal
    previous_year_tonnes: Decimal
    flights: int
    awbs: int

    @property
    def yoy_change_percent(self) -> Decimal | None:
        """Change on the same month a year earlier, in percent (None when that month carried nothing)."""
        if self.previous_year_tonnes == 0:
            return None
        change = (self.tonnes - self.previous_year_tonnes) / self.previous_year_tonnes * 100
        return change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class FlightWeight:
    """One flight's figures as the tonnage needs them (storage may sum in SQL and hand these over)."""

    flight_date: date
    gross_weight_kg: Decimal
    awbs: int


def tonnage(year: int, flights: Iterable[FlightWeight]) -> list[MonthTonnage]:
    """Twelve months of ``year``: tonnes of gross weight flown, the same month of the year before, counts."""
    kg: dict[tuple[int, int], Decimal] = {}
    flight_count: dict[int, int] = {}
    awb_count: dict[int, int] = {}
    for f in flights:
        key = (f.flight_date.year, f.flight_date.month)
        kg[key] = kg.get(key, Decimal(0)) + f.gross_weight_kg
        if f.flight_date.year == year:
            flight_count[f.flight_date.month] = flight_count.get(f.flight_date.month, 0) + 1
            awb_count[f.flight_date.month] = awb_count.get(f.flight_date.month, 0) + f.awbs
    return [
        MonthTonnage(
            month=m,
            tonnes=(kg.get((year, m), Decimal(0)) / KG_PER_TONNE).quantize(TONNE_QUANTUM),
            previous_year_tonnes=(kg.get((year - 1, m), Decimal(0)) / KG_PER_TONNE).quantize(TONNE_QUANTUM),
            flights=flight_count.get(m, 0),
            awbs=awb_count.get(m, 0),
        )
        for m in range(1, 13)
    ]
