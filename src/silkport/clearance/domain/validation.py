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
from silkport.shared.codes import country_codes, is_currency, is_locode_shaped
from silkport.shared.errors import FieldError
from silkport.shared.text import field_error

HS_RE = re.compile(r"^\d{6}(\d{2}){0,2}$")
UNIT_RE = re.compile(r"^[A-Z0-9]{2,3}$")
#: item values may differ from the invoice total by this share (rounding on the invoice)...
VALUE_TOLERANCE_SHARE = Decimal("0.01")
#: ...or by this many units of the invoice currency, whichever is larger
VALUE_TOLERANCE_ABS = Decimal("1")
_ZERO = Decimal(0)
_ONE = Decimal(1)
_HS_LENGTHS = frozenset({6, 8, 10})


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
    countries = country_codes()

    if content.office_code not in ref.office_codes:
        err(field_error("office", "%(office)r is not a customs office of the zone", office=content.office_code))
    if not content.transport_id.strip():
        err(field_error("transport_id", "the means of transport (plate, train or flight number) is required"))
    # the checks below are unrolled (no getattr loops) in the order the fields are listed
    party = content.consignor
    if not party.name.strip():
        err(field_error("consignor.name", "is required"))
    if party.country not in countries:
        err(field_error("consignor.country", "%(code)r is not an ISO 3166-1 alpha-2 code", code=party.country))
    party = content.consignee
    if not party.name.strip():
        err(field_error("consignee.name", "is required"))
    if party.country not in countries:
        err(field_error("consignee.country", "%(code)r is not an ISO 3166-1 alpha-2 code", code=party.country))
    code = content.dispatch_country
    if code not in countries:
        err(field_error("dispatch_country", "%(code)r is not an ISO 3166-1 alpha-2 code", code=code))
    code = content.origin_country
    if code not in countries:
        err(field_error("origin_country", "%(code)r is not an ISO 3166-1 alpha-2 code", code=code))
    code = content.destination_country
    if code not in countries:
        err(field_error("destination_country", "%(code)r is not an ISO 3166-1 alpha-2 code", code=code))
    code = content.loading_locode
    if not is_locode_shaped(code):
        err(field_error("loading_locode", "%(code)r is not a UN/LOCODE (country + 3 letters/digits)", code=code))
    code = content.unloading_locode
    if not is_locode_shaped(code):
        err(field_error("unloading_locode", "%(code)r is not a UN/LOCODE (country + 3 letters/digits)", code=code))
    if not is_currency(content.invoice_currency):
        err(field_error("invoice_currency", "%(code)r is not an ISO 4217 currency", code=content.invoice_currency))
    if content.invoice_amount <= _ZERO:
        err(field_error("invoice_amount", "must be greater than 0"))
    if content.freight < _ZERO:
        err(field_error("freight", "must not be negative"))
    if content.insurance < _ZERO:
        err(field_error("insurance", "must not be negative"))
    if content.exchange_rate <= _ZERO:
        err(field_error("exchange_rate", "must be greater than 0"))
    if content.invoice_currency == "CNY" and content.exchange_rate != _ONE:
        err(field_error("exchange_rate", "must be 1 for an invoice in CNY"))

    _type_consistency(content, err)

    if not content.items:
        err(field_error("items", "a declaration needs at least one goods item"))
    hs_match = HS_RE.match
    unit_match = UNIT_RE.match
    hs_exists = ref.hs_exists
    units = ref.units
    controlled = ref.controlled_hs
    # an item's field paths ("items[i]....") are built only for the errors it has
    for i, item in enumerate(content.items):
        hs_code = item.hs_code
        # 6, 8 or 10 decimal digits (str.isdecimal is the regex's \d: Unicode category Nd) without the regex;
        # the regex still decides anything else (its $ also accepts a trailing newline)
        hs_shaped = (len(hs_code) in _HS_LENGTHS and hs_code.isdecimal()) or hs_match(hs_code) is not None
        if not hs_shaped:
            err(
                field_error(
                    f"items[{i}].hs_code",
                    "%(code)r must be 6 digits (HS 2022), or 8-10 with a national extension",
                    code=hs_code,
                )
            )
        elif not hs_exists(hs_code[:6]):
            err(field_error(f"items[{i}].hs_code", "%(code)s does not exist in HS 2022", code=item.hs6))
        if not item.description.strip():
            err(field_error(f"items[{i}].description", "is required"))
        if item.quantity <= _ZERO:
            err(field_error(f"items[{i}].quantity", "must be greater than 0"))
        unit = item.unit
        if not unit_match(unit):
            err(field_error(f"items[{i}].unit", "%(unit)r is not a UN/ECE Recommendation 20 unit code", unit=unit))
        elif unit not in units:
            warnings.append(
                field_error(f"items[{i}].unit", "%(unit)r is not among the Rec. 20 units silkport knows", unit=unit)
            )
        net = item.net_mass_kg
        if net <= _ZERO:
            err(field_error(f"items[{i}].net_mass_kg", "must be greater than 0"))
        if item.gross_mass_kg < net:
            err(
                field_error(
                    f"items[{i}].net_mass_kg",
                    "net mass %(net)s kg exceeds gross mass %(gross)s kg",
                    net=net,
                    gross=item.gross_mass_kg,
                )
            )
        if item.value < _ZERO:
            err(field_error(f"items[{i}].value", "must not be negative"))
        if item.origin_country not in countries:
            err(
                field_error(
                    f"items[{i}].origin_country",
                    "%(code)r is not an ISO 3166-1 alpha-2 code",
                    code=item.origin_country,
                )
            )
        if hs_shaped and hs_code.startswith(controlled) and not item.licences:
            err(
                field_error(
                    f"items[{i}].licences",
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
