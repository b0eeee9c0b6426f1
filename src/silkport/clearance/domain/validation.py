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
from silkport.shared.text import field_error

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
        err(field_error("office", "%(office)r is not a customs office of the zone", office=content.office_code))
    if not content.transport_id.strip():
        err(field_error("transport_id", "the means of transport (plate, train or flight number) is required"))
    for name, party in (("consignor", content.consignor), ("consignee", content.consignee)):
        if not party.name.strip():
            err(field_error(f"{name}.name", "is required"))
        if not is_country(party.country):
            err(field_error(f"{name}.country", "%(code)r is not an ISO 3166-1 alpha-2 code", code=party.country))
    for name in ("dispatch_country", "origin_country", "destination_country"):
        code = getattr(content, name)
        if not is_country(code):
            err(field_error(name, "%(code)r is not an ISO 3166-1 alpha-2 code", code=code))
    for name in ("loading_locode", "unloading_locode"):
        code = getattr(content, name)
        if not is_locode_shaped(code):
            err(field_error(name, "%(code)r is not a UN/LOCODE (country + 3 letters/digits)", code=code))
    if not is_currency(content.invoice_currency):
        err(field_error("invoice_currency", "%(code)r is not an ISO 4217 currency", code=content.invoice_currency))
    if content.invoice_amount <= 0:
        err(field_error("invoice_amount", "must be greater than 0"))
    for name in ("freight", "insurance"):
        if getattr(content, name) < 0:
            err(field_error(name, "must not be negative"))
    if content.exchange_rate <= 0:
        err(field_error("exchange_rate", "must be greater than 0"))
    if content.invoice_currency == "CNY" and content.exchange_rate != 1:
        err(field_error("exchange_rate", "must be 1 for an invoice in CNY"))

    _type_consistency(content, err)

    if not content.items:
        err(field_error("items", "a declaration needs at least one goods item"))
    for i, item in enumerate(content.items):
        at = f"items[{i}]"
        hs_shaped = HS_RE.match(item.hs_code) is not None
        if not hs_shaped:
            err(
                field_error(
                    f"{at}.hs_code",
                    "%(code)r must be 6 digits (HS 2022), or 8-10 with a national extension",
                    code=item.hs_code,
                )
            )
        elif not ref.hs_exists(item.hs6):
            err(field_error(f"{at}.hs_code", "%(code)s does not exist in HS 2022", code=item.hs6))
        if not item.description.strip():
            err(field_error(f"{at}.description", "is required"))
        if item.quantity <= 0:
            err(field_error(f"{at}.quantity", "must be greater than 0"))
        if not UNIT_RE.match(item.unit):
            err(field_error(f"{at}.unit", "%(unit)r is not a UN/ECE Recommendation 20 unit code", unit=item.unit))
        elif item.unit not in ref.units:
            warnings.append(
                field_error(f"{at}.unit", "%(unit)r is not among the Rec. 20 units silkport knows", unit=item.unit)
            )
        if item.net_mass_kg <= 0:
            err(field_error(f"{at}.net_mass_kg", "must be greater than 0"))
        if item.gross_mass_kg < item.net_mass_kg:
            err(
                field_error(
                    f"{at}.net_mass_kg",
                    "net mass %(net)s kg exceeds gross mass %(gross)s kg",
                    net=item.net_mass_kg,
                    gross=item.gross_mass_kg,
                )
            )
        if item.value < 0:
            err(field_error(f"{at}.value", "must not be negative"))
        if not is_country(item.origin_country):
            err(
                field_error(
                    f"{at}.origin_country", "%(code)r is not an ISO 3166-1 alpha-2 code", code=item.origin_country
                )
            )
        if hs_shaped and ref.is_controlled(item.hs_code) and not item.licences:
            err(
                field_error(
                    f"{at}.licences",
                    "HS %(code)s is controlled: a licence or permit reference is required",
                    code=item.hs6,
                )
            )

    if content.items and content.invoice_amount > 0:
        total = content.total_item_value
        tolerance = max(content.invoice_amount * VALUE_TOLERANCE_SHARE, VALUE_TOLERANCE_ABS)
        if abs(total - content.invoice_amount) > tolerance:
            err(
                field_error(
                    "invoice_amount",
                    "item values add up to %(total)s %(currency)s, the invoice says %(invoice)s "
                    "(tolerance %(tolerance)s)",
                    total=total,
                    currency=content.invoice_currency,
                    invoice=content.invoice_amount,
                    tolerance=tolerance.quantize(Decimal("0.01")),
                )
            )

    for i, container in enumerate(content.containers):
        if not iso6346.is_valid(container.number):
            problem = field_error(
                f"containers[{i}].number", "%(number)r: is not an ISO 6346 container number", number=container.number
            )
            compact = iso6346.compact(container.number)
            if len(compact) == 11 and compact[:10].isalnum():
                with suppress(ValueError, KeyError):
                    problem = field_error(
                        f"containers[{i}].number",
                        "%(number)r: check digit should be %(digit)s",
                        number=container.number,
                        digit=iso6346.calc_check_digit(compact[:10]),
                    )
            err(problem)

    if content.type in (DeclarationType.IMPORT, DeclarationType.EXPORT, DeclarationType.BONDED_ENTRY) and not any(
        d.kind is DocumentKind.INVOICE for d in content.documents
    ):
        err(field_error("documents", "a commercial invoice reference is required"))
    return ValidationResult(tuple(errors), tuple(warnings))


def _type_consistency(content: DeclarationContent, err: Callable[[FieldError], None]) -> None:
    t = content.type
    if t in (DeclarationType.IMPORT, DeclarationType.BONDED_ENTRY) and content.destination_country != "CN":
        if t is DeclarationType.IMPORT:
            err(field_error("destination_country", "an import declaration's destination is CN"))
        else:
            err(field_error("destination_country", "a bonded entry declaration's destination is CN"))
    if t is DeclarationType.EXPORT:
        if content.dispatch_country != "CN":
            err(field_error("dispatch_country", "an export declaration is dispatched from CN"))
        if content.destination_country == "CN":
            err(field_error("destination_country", "an export leaves CN: the destination cannot be CN"))
    if t is DeclarationType.TRANSIT and "CN" in (content.dispatch_country, content.destination_country):
        err(field_error("destination_country", "a transit declaration neither starts nor ends in CN"))
    if t is DeclarationType.BONDED_EXIT:
        if content.bonded_exit_kind is None:
            err(field_error("bonded_exit_kind", "say whether the goods are re-exported or released for consumption"))
        elif content.bonded_exit_kind is BondedExitKind.RE_EXPORT and content.destination_country == "CN":
            err(field_error("destination_country", "a re-export leaves CN: the destination cannot be CN"))
        elif content.bonded_exit_kind is BondedExitKind.RELEASE_FOR_CONSUMPTION and content.destination_country != "CN":
            err(field_error("destination_country", "goods released for consumption stay in CN"))
    elif content.bonded_exit_kind is not None:
        err(field_error("bonded_exit_kind", "only a bonded exit declaration says how it leaves bond"))
