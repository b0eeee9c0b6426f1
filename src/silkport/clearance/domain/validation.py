"""Validation of a declaration's content: field-level errors a trader can act on.

Pure: the reference data it checks against (HS 2022, the zone's offices, Rec. 20 units, controlled
HS headings) is handed in as a :class:`ClearanceReference`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal

from stdnum import iso6346

from silkport.clearance.domain.model import (
    BondedExitKind,
    DeclarationContent,
    DeclarationType,
    DocumentKind,
)
from silkport.shared.codes import is_country, is_currency, is_locode_shaped
from silkport.shared.errors import FieldError

HS_RE = re.compile(r"^\d{6}(\d{2}){0,2}$")
UNIT_RE = re.compile(r"^[A-Z0-9]{2,3}$")
#: item values may differ from the invoice total by this share (rounding on the invoice)...
VALUE_TOLERANCE_SHARE = Decimal("0.01")
#: ...or by this many units of the invoice currency, whichever is larger
VALUE_TOLERANCE_ABS = Decimal("1")


@dataclass(frozen=True, slots=True)
class ClearanceReference:
    """What validation checks against; built once by the service from reference data and the rulebook."""

    hs_exists: Callable[[str], bool]
    office_codes: frozenset[str]
    units: frozenset[str]
    controlled_hs: tuple[str, ...]  # HS prefixes whose goods need a licence or permit

    def is_controlled(self, hs_code: str) -> bool:
        return hs_code.startswith(self.controlled_hs)


@dataclass(frozen=True, slots=True)
class ValidationResult:
    errors: tuple[FieldError, ...]
    warnings: tuple[FieldError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(content: DeclarationContent, ref: ClearanceReference) -> ValidationResult:
    errors: list[FieldError] = []
    warnings: list[FieldError] = []
    err = errors.append

    if content.office_code not in ref.office_codes:
        err(FieldError("office", f"{content.office_code!r} is not a customs office of the zone"))
    if not content.transport_id.strip():
        err(FieldError("transport_id", "the means of transport (plate, train or flight number) is required"))
    for name, party in (("consignor", content.consignor), ("consignee", content.consignee)):
        if not party.name.strip():
            err(FieldError(f"{name}.name", "is required"))
        if not is_country(party.country):
            err(FieldError(f"{name}.country", f"{party.country!r} is not an ISO 3166-1 alpha-2 code"))
    for name in ("dispatch_country", "origin_country", "destination_country"):
        code = getattr(content, name)
        if not is_country(code):
            err(FieldError(name, f"{code!r} is not an ISO 3166-1 alpha-2 code"))
    for name in ("loading_locode", "unloading_locode"):
        code = getattr(content, name)
        if not is_locode_shaped(code):
            err(FieldError(name, f"{code!r} is not a UN/LOCODE (country + 3 letters/digits)"))
    if not is_currency(content.invoice_currency):
        err(FieldError("invoice_currency", f"{content.invoice_currency!r} is not an ISO 4217 currency"))
    if content.invoice_amount <= 0:
        err(FieldError("invoice_amount", "must be greater than 0"))
    for name in ("freight", "insurance"):
        if getattr(content, name) < 0:
            err(FieldError(name, "must not be negative"))
    if content.exchange_rate <= 0:
        err(FieldError("exchange_rate", "must be greater than 0"))
    if content.invoice_currency == "CNY" and content.exchange_rate != 1:
        err(FieldError("exchange_rate", "must be 1 for an invoice in CNY"))

    _type_consistency(content, err)

    if not content.items:
        err(FieldError("items", "a declaration needs at least one goods item"))
    for i, item in enumerate(content.items):
        at = f"items[{i}]"
        if not HS_RE.match(item.hs_code):
            err(
                FieldError(
                    f"{at}.hs_code", f"{item.hs_code!r} must be 6 digits (HS 2022), or 8-10 with a national extension"
                )
            )
        elif not ref.hs_exists(item.hs6):
            err(FieldError(f"{at}.hs_code", f"{item.hs6} does not exist in HS 2022"))
        if not item.description.strip():
            err(FieldError(f"{at}.description", "is required"))
        if item.quantity <= 0:
            err(FieldError(f"{at}.quantity", "must be greater than 0"))
        if not UNIT_RE.match(item.unit):
            err(FieldError(f"{at}.unit", f"{item.unit!r} is not a UN/ECE Recommendation 20 unit code"))
        elif item.unit not in ref.units:
            warnings.append(FieldError(f"{at}.unit", f"{item.unit!r} is not among the Rec. 20 units silkport knows"))
        if item.net_mass_kg <= 0:
            err(FieldError(f"{at}.net_mass_kg", "must be greater than 0"))
        if item.gross_mass_kg < item.net_mass_kg:
            err(
                FieldError(
                    f"{at}.net_mass_kg", f"net mass {item.net_mass_kg} kg exceeds gross mass {item.gross_mass_kg} kg"
                )
            )
        if item.value < 0:
            err(FieldError(f"{at}.value", "must not be negative"))
        if not is_country(item.origin_country):
            err(FieldError(f"{at}.origin_country", f"{item.origin_country!r} is not an ISO 3166-1 alpha-2 code"))
        if HS_RE.match(item.hs_code) and ref.is_controlled(item.hs_code) and not item.licences:
            err(FieldError(f"{at}.licences", f"HS {item.hs6} is controlled: a licence or permit reference is required"))

    if content.items and content.invoice_amount > 0:
        total = content.total_item_value
        tolerance = max(content.invoice_amount * VALUE_TOLERANCE_SHARE, VALUE_TOLERANCE_ABS)
        if abs(total - content.invoice_amount) > tolerance:
            err(
                FieldError(
                    "invoice_amount",
                    f"item values add up to {total} {content.invoice_currency}, the invoice says "
                    f"{content.invoice_amount} (tolerance {tolerance.quantize(Decimal('0.01'))})",
                )
            )

    for i, container in enumerate(content.containers):
        if not iso6346.is_valid(container.number):
            problem = "is not an ISO 6346 container number"
            compact = iso6346.compact(container.number)
            if len(compact) == 11 and compact[:10].isalnum():
                with suppress(ValueError, KeyError):
                    problem = f"check digit should be {iso6346.calc_check_digit(compact[:10])}"
            err(FieldError(f"containers[{i}].number", f"{container.number!r}: {problem}"))

    if content.type in (DeclarationType.IMPORT, DeclarationType.EXPORT, DeclarationType.BONDED_ENTRY) and not any(
        d.kind is DocumentKind.INVOICE for d in content.documents
    ):
        err(FieldError("documents", "a commercial invoice reference is required"))
    return ValidationResult(tuple(errors), tuple(warnings))


def _type_consistency(content: DeclarationContent, err: Callable[[FieldError], None]) -> None:
    t = content.type
    if t in (DeclarationType.IMPORT, DeclarationType.BONDED_ENTRY) and content.destination_country != "CN":
        err(FieldError("destination_country", f"an {t.value.replace('_', ' ')} declaration's destination is CN"))
    if t is DeclarationType.EXPORT:
        if content.dispatch_country != "CN":
            err(FieldError("dispatch_country", "an export declaration is dispatched from CN"))
        if content.destination_country == "CN":
            err(FieldError("destination_country", "an export leaves CN: the destination cannot be CN"))
    if t is DeclarationType.TRANSIT and "CN" in (content.dispatch_country, content.destination_country):
        err(FieldError("destination_country", "a transit declaration neither starts nor ends in CN"))
    if t is DeclarationType.BONDED_EXIT:
        if content.bonded_exit_kind is None:
            err(FieldError("bonded_exit_kind", "say whether the goods are re-exported or released for consumption"))
        elif content.bonded_exit_kind is BondedExitKind.RE_EXPORT and content.destination_country == "CN":
            err(FieldError("destination_country", "a re-export leaves CN: the destination cannot be CN"))
        elif content.bonded_exit_kind is BondedExitKind.RELEASE_FOR_CONSUMPTION and content.destination_country != "CN":
            err(FieldError("destination_country", "goods released for consumption stay in CN"))
    elif content.bonded_exit_kind is not None:
        err(FieldError("bonded_exit_kind", "only a bonded exit declaration says how it leaves bond"))
