"""Commercial vehicle exports (Horgos: ~780,000 vehicles Nov 2023 - Sep 2025) and their counts.

Pure. A vehicle export names one vehicle by its VIN (ISO 3779, check digit where the region uses it), its
make, model and UNECE category (M2/M3 buses, N1-N3 goods vehicles, O1-O4 trailers — the commercial
categories of the Consolidated Resolution R.E.3), the destination country (ISO 3166), the export
declaration that covers it, and the exit port (UN/LOCODE) and date. Counts group by make, destination
country or month of exit; by construction the groups of one count sum to the number of exports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from silkport.logistics.domain.identifiers import normalise_vin, vin_problem
from silkport.shared.codes import is_country, is_locode_shaped, normalise_locode
from silkport.shared.errors import FieldError, ValidationFailed
from silkport.shared.text import field_error


class VehicleCategory(StrEnum):
    M2 = "M2"
    M3 = "M3"
    N1 = "N1"
    N2 = "N2"
    N3 = "N3"
    O1 = "O1"
    O2 = "O2"
    O3 = "O3"
    O4 = "O4"


class CountBy(StrEnum):
    MAKE = "make"
    DESTINATION = "destination"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class VehicleExport:
    id: str
    enterprise_id: str
    vin: str
    make: str
    model: str
    category: VehicleCategory
    destination: str
    exit_port: str
    exit_date: date
    declaration_id: str | None = None

    @property
    def month(self) -> str:
        return f"{self.exit_date.year:04d}-{self.exit_date.month:02d}"

    def key(self, by: CountBy) -> str:
        if by is CountBy.MAKE:
            return self.make
        if by is CountBy.DESTINATION:
            return self.destination
        return self.month


def new_export(
    id: str,
    enterprise_id: str,
    *,
    vin: str,
    make: str,
    model: str,
    category: str,
    destination: str,
    exit_port: str,
    exit_date: date,
    declaration_id: str | None = None,
    prefix: str = "",
) -> VehicleExport:
    """A validated export; every problem is named (``prefix`` locates the row of a bulk file)."""
    errors: list[FieldError] = []
    problem = vin_problem(vin)
    if problem:
        errors.append(FieldError(f"{prefix}vin", problem))
    make_ = " ".join(make.split()).upper()
    if not 1 <= len(make_) <= 40:
        errors.append(field_error(f"{prefix}make", "1-40 characters"))
    model_ = " ".join(model.split())
    if not 1 <= len(model_) <= 60:
        errors.append(field_error(f"{prefix}model", "1-60 characters"))
    if category.upper() not in VehicleCategory.__members__:
        errors.append(
            field_error(
                f"{prefix}category",
                "one of %(VehicleCategory)s (UNECE R.E.3)",
                VehicleCategory=", ".join(VehicleCategory),
            )
        )
    country = destination.strip().upper()
    if not is_country(country):
        errors.append(
            field_error(
                f"{prefix}destination",
                "%(destination)r is not an ISO 3166 alpha-2 country code",
                destination=destination,
            )
        )
    elif country == "CN":
        errors.append(field_error(f"{prefix}destination", "an export leaves China: the destination cannot be CN"))
    if not is_locode_shaped(exit_port):
        errors.append(field_error(f"{prefix}exit_port", "%(exit_port)r is not a UN/LOCODE", exit_port=exit_port))
    elif not normalise_locode(exit_port).startswith("CN"):
        errors.append(field_error(f"{prefix}exit_port", "the exit port is a Chinese port (CN...)"))
    declaration = declaration_id.strip() if declaration_id else None
    if declaration is not None and not 1 <= len(declaration) <= 40:
        errors.append(field_error(f"{prefix}declaration_id", "1-40 characters"))
    if errors:
        raise ValidationFailed(errors)
    return VehicleExport(
        id, enterprise_id, normalise_vin(vin), make_, model_, VehicleCategory(category.upper()), country,
        normalise_locode(exit_port), exit_date, declaration or None,
    )  # fmt: skip


def count(exports: Iterable[VehicleExport], by: CountBy) -> dict[str, int]:
    """Exports per make, destination country or exit month, keys sorted."""
    counts = Counter(e.key(by) for e in exports)
    return dict(sorted(counts.items()))
