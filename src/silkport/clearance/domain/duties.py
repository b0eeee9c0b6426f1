"""Duties and taxes of a declaration, computed the way China's customs computes them.

Pure domain: no I/O and no clock reads. A ``TariffSchedule`` and an ``ExchangeRates`` table are built
from plain objects (``silkport.clearance.adapters.tariff_csv`` reads them from CSV files); everything
here is ``Decimal`` arithmetic in a fixed decimal context that traps any mixing with ``float``.

The rules (China; Customs Tariff Law of the PRC and the GACC rules on customs valuation and tax
collection), as implemented by ``assess_duties``:

Customs value (完税价格) of an import
    The CIF value at the place of import, in CNY: the invoice price converted at the declared exchange
    rate (``content.exchange_rate``, CNY per unit of the invoice currency), plus the freight and the
    insurance to the place of import when the Incoterm does not include them (``Incoterm.includes_freight``
    and ``includes_insurance``). Freight and insurance are declared in the invoice currency and are
    apportioned to the items by value. When the term excludes insurance and none is declared
    (``insurance == 0``), China adds 0.3% of (FOB price + freight): ``INSURANCE_DEFAULT_RATE``.
    EXW, FCA and FAS are taken as FOB (the declared freight must cover the carriage from the seller to the
    place of import); D-terms (DAP, DPU, DDP) as CIF (the declared price must be the price at the place of
    import, without the import taxes a DDP seller pays).

Customs duty (关税)
    Ad valorem: customs value x rate; specific: quantity x CNY per unit (the line's UN/ECE Rec. 20 unit;
    a line per KGM or TNE takes the item's net mass when the quantity is declared in another unit);
    compound: both added.

Preferential rates (协定税率)
    Only when the item claims an agreement (``GoodsItem.preference``) that the tariff line lists and the
    item's origin country is a party to it, and only when it gives less duty than MFN (China applies the
    lower of the two). A preferential rate is ad valorem and replaces the whole MFN duty (ad valorem and
    specific). A refused or unused claim leaves MFN and the item's ``notes`` say why.
    (Provisional rates (暂定税率) and tariff quotas are not modelled: a line carries the rate to apply.)

Consumption tax (消费税, the excise) on listed goods
    Ad valorem: (customs value + duty) / (1 - excise rate) x excise rate. Compound (cigarettes, spirits):
    (customs value + duty + quantity x specific excise) / (1 - excise rate) x excise rate
    + quantity x specific excise.

Import VAT (进口环节增值税)
    (customs value + duty + excise) x VAT rate: 13% in general, 9% for farm produce, grain, books and
    other goods the VAT law lists (the line says which).

Export duty (出口关税), only where the line lists one
    Export customs value = FOB price / (1 + export duty rate); export duty = that value x rate. The FOB
    price is the invoice price less the freight and insurance after export that the Incoterm includes.

Rounding
    Each tax of each item is rounded half-up to the fen (0.01 CNY); totals are sums of the rounded item
    taxes. The chain is computed on exact amounts (the excise and VAT bases take the unrounded customs
    value, duty and excise), so each tax is rounded exactly once. The customs value is shown rounded to
    the fen.

The 50 CNY threshold (起征点)
    A tax whose total for the whole declaration is 50 CNY or less (Chinese legal "50元以下" includes 50)
    is not collected; ``threshold`` makes the amount configurable. The waived tax is set to zero on every
    item and reported in ``DutyAssessment.waived``. Taxes are computed before the waiver (a waived duty
    still counts in the VAT base).

Declaration types
    Import and bonded exit released for consumption: duty, excise and VAT are due. Bonded entry: computed
    but suspended (settlement ``WAIVED``, nothing due). Transit and bonded exit for re-export: nothing
    due. Export: the export duty only.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    FloatOperation,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum
from typing import Any, NamedTuple

from silkport.clearance.domain.model import (
    BondedExitKind,
    DeclarationContent,
    DeclarationType,
    GoodsItem,
    Settlement,
)
from silkport.shared.errors import FieldError, NotFound, ValidationFailed
from silkport.shared.money import to_decimal

CNY = "CNY"
FEN = Decimal("0.01")
ZERO = Decimal(0)
ZERO_FEN = Decimal("0.00")
ONE = Decimal(1)
HUNDRED = Decimal(100)
#: China does not collect a tax of 50 CNY or less per declaration (起征点)
DEFAULT_THRESHOLD = Decimal(50)
#: insurance China adds when the Incoterm excludes it and none is declared: 0.3% of (FOB + freight)
INSURANCE_DEFAULT_RATE = Decimal("0.003")
VAT_GENERAL = Decimal(13)
VAT_REDUCED = Decimal(9)
#: relative difference allowed between a declared exchange rate and the table's (0.05%)
DEFAULT_RATE_TOLERANCE = Decimal("0.0005")

#: every computation runs in this context: enough digits for any customs value, float mixing trapped
_CONTEXT = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow, FloatOperation],
)
# units a line per mass can take from the item's net mass when the quantity is declared otherwise
_MASS_UNITS = {"KGM": ONE, "TNE": Decimal("0.001")}


def _fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def _percent(value: object, name: str, *, below_100: bool = False) -> Decimal:
    """A rate in percent from Decimal/int/str (never float), checked to be 0 <= rate (< 100)."""
    try:
        rate = to_decimal(value, name)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(FieldError(name, str(exc))) from exc
    if rate < 0:
        raise ValidationFailed(FieldError(name, f"{rate} is negative"))
    if below_100 and rate >= HUNDRED:
        raise ValidationFailed(FieldError(name, f"{rate}% must be below 100%"))
    if rate > 1000:
        raise ValidationFailed(FieldError(name, f"{rate}% is not a plausible rate"))
    return rate


def _amount(value: object, name: str) -> Decimal:
    try:
        amount = to_decimal(value, name)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(FieldError(name, str(exc))) from exc
    if amount < 0:
        raise ValidationFailed(FieldError(name, f"{amount} is negative"))
    return amount


def _unit(value: str | None, name: str, rate: Decimal | None) -> str | None:
    if rate is None:
        if value is not None:
            raise ValidationFailed(FieldError(name, f"{value!r} given without a rate"))
        return None
    if value is None:
        raise ValidationFailed(FieldError(name, "is missing: a specific rate needs its UN/ECE Rec. 20 unit (e.g. KGM)"))
    if not value.isalnum() or not 2 <= len(value) <= 3 or value.upper() != value:
        raise ValidationFailed(FieldError(name, f"{value!r} is not a UN/ECE Rec. 20 unit code (e.g. KGM, LTR, NAR)"))
    return value


class TaxType(StrEnum):
    DUTY = "duty"
    EXCISE = "excise"
    VAT = "vat"
    EXPORT_DUTY = "export_duty"


class DutyBasis(StrEnum):
    """Which rate the duty of an item was computed at."""

    MFN = "mfn"
    PREFERENTIAL = "preferential"
    EXPORT = "export"
    NONE = "none"  # nothing due: transit, re-export


@dataclass(frozen=True, slots=True)
class Agreement:
    """A preferential trade agreement and the countries (ISO 3166 alpha-2) party to it."""

    code: str  # e.g. "APTA", "RCEP", "CN-PK"
    name: str
    parties: frozenset[str]


@dataclass(frozen=True, slots=True)
class PreferentialRate:
    agreement: Agreement
    rate: Decimal  # ad valorem, percent

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", _percent(self.rate, "preferential"))


@dataclass(frozen=True, slots=True)
class TariffLine:
    """One line of the tariff: the rates for every HS code that starts with ``hs_prefix``.

    Rates are percentages (``Decimal("15")`` is 15%); specific rates are CNY per unit of a UN/ECE Rec. 20
    unit. Construction checks everything once (floats refused), so assessing never re-checks a line.
    """

    hs_prefix: str  # 4 to 10 digits
    description: str
    mfn_rate: Decimal  # ad valorem %, 0 for a purely specific line
    vat_rate: Decimal = VAT_GENERAL  # %
    specific_rate: Decimal | None = None  # CNY per specific_unit, added to the ad valorem duty
    specific_unit: str | None = None
    excise_rate: Decimal | None = None  # consumption tax, ad valorem %
    excise_specific: Decimal | None = None  # consumption tax, CNY per excise_unit
    excise_unit: str | None = None
    export_rate: Decimal | None = None  # export duty %
    preferential: tuple[PreferentialRate, ...] = ()

    # precomputed factors (rate / 100) so that assessing only multiplies
    _mfn: Decimal = field(init=False, repr=False, compare=False)
    _vat: Decimal = field(init=False, repr=False, compare=False)
    _excise: Decimal = field(init=False, repr=False, compare=False)
    _excise_divisor: Decimal = field(init=False, repr=False, compare=False)
    _export: Decimal = field(init=False, repr=False, compare=False)
    _has_excise: bool = field(init=False, repr=False, compare=False)
    _pref: dict[str, tuple[PreferentialRate, Decimal]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        prefix = self.hs_prefix
        if not (isinstance(prefix, str) and prefix.isascii() and prefix.isdigit() and 4 <= len(prefix) <= 10):
            raise ValidationFailed(FieldError("hs_prefix", f"{prefix!r} is not an HS prefix of 4 to 10 digits"))
        if not self.description.strip():
            raise ValidationFailed(FieldError("description", "is empty"))
        mfn = _percent(self.mfn_rate, "mfn_rate")
        vat = _percent(self.vat_rate, "vat_rate")
        specific = None if self.specific_rate is None else _amount(self.specific_rate, "specific_rate")
        excise = None if self.excise_rate is None else _percent(self.excise_rate, "excise_rate", below_100=True)
        excise_specific = None if self.excise_specific is None else _amount(self.excise_specific, "excise_specific")
        export = None if self.export_rate is None else _percent(self.export_rate, "export_rate")
        set_ = object.__setattr__
        set_(self, "mfn_rate", mfn)
        set_(self, "vat_rate", vat)
        set_(self, "specific_rate", specific)
        set_(self, "specific_unit", _unit(self.specific_unit, "specific_unit", specific))
        set_(self, "excise_rate", excise)
        set_(self, "excise_specific", excise_specific)
        set_(self, "excise_unit", _unit(self.excise_unit, "excise_unit", excise_specific))
        set_(self, "export_rate", export)
        pref: dict[str, tuple[PreferentialRate, Decimal]] = {}
        for p in self.preferential:
            if p.agreement.code in pref:
                raise ValidationFailed(FieldError("preferential", f"{p.agreement.code} is listed twice"))
            pref[p.agreement.code] = (p, p.rate / HUNDRED)
        set_(self, "preferential", tuple(self.preferential))
        set_(self, "_pref", pref)
        set_(self, "_mfn", mfn / HUNDRED)
        set_(self, "_vat", vat / HUNDRED)
        excise_factor = ZERO if excise is None else excise / HUNDRED
        set_(self, "_excise", excise_factor)
        set_(self, "_excise_divisor", ONE - excise_factor)
        set_(self, "_export", ZERO if export is None else export / HUNDRED)
        set_(self, "_has_excise", excise is not None or excise_specific is not None)

    @property
    def duty_kind(self) -> str:
        """'ad valorem', 'specific' or 'compound'."""
        if self.specific_rate is None:
            return "ad valorem"
        return "compound" if self.mfn_rate else "specific"

    def preference(self, code: str) -> PreferentialRate | None:
        found = self._pref.get(code)
        return None if found is None else found[0]


class TariffSchedule:
    """The tariff: longest-prefix lookup of an HS code among its lines.

    The lines are kept in one dict per prefix length, longest first, so a lookup is at most seven dict
    hits on slices of the code and never parses anything.
    """

    __slots__ = ("_by_length", "_found", "_lines", "sample", "version")

    def __init__(self, lines: Iterable[TariffLine], *, version: str = "", sample: bool = False) -> None:
        by_prefix: dict[str, TariffLine] = {}
        for line in lines:
            if line.hs_prefix in by_prefix:
                raise ValidationFailed(FieldError("hs_prefix", f"{line.hs_prefix} is in the schedule twice"))
            by_prefix[line.hs_prefix] = line
        self._lines = by_prefix
        lengths = sorted({len(p) for p in by_prefix}, reverse=True)
        self._by_length = tuple((n, {p: line for p, line in by_prefix.items() if len(p) == n}) for n in lengths)
        #: lookups done so far, code -> line (the schedule is immutable: an answer never changes)
        self._found: dict[str, TariffLine | None] = {}
        self.version = version
        self.sample = sample

    def lookup(self, hs_code: str) -> TariffLine | None:
        """The line with the longest prefix of ``hs_code``, or None."""
        try:
            return self._found[hs_code]
        except KeyError:
            pass
        found: TariffLine | None = None
        for n, lines in self._by_length:
            line = lines.get(hs_code[:n])
            if line is not None:
                found = line
                break
        if len(self._found) >= 100_000:  # codes come from declarations: keep the memo bounded whatever they say
            self._found.clear()
        self._found[hs_code] = found
        return found

    def get(self, hs_prefix: str) -> TariffLine | None:
        """The line with exactly this prefix."""
        return self._lines.get(hs_prefix)

    def missing(self, hs_code: str) -> str:
        """Why ``hs_code`` has no line: absent, or not specific enough for the lines under it."""
        finer = sorted(p for p in self._lines if p.startswith(hs_code) and p != hs_code)
        if finer:
            return (
                f"no tariff line for {hs_code} in the schedule: it splits {hs_code} into "
                f"{', '.join(finer)}; declare the full national code"
            )
        return f"no tariff line for {hs_code} in the schedule"

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[TariffLine]:
        return iter(sorted(self._lines.values(), key=lambda line: line.hs_prefix))


@dataclass(frozen=True, slots=True)
class ExchangeRate:
    currency: str  # ISO 4217
    valid_from: date
    cny_per_unit: Decimal

    def __post_init__(self) -> None:
        if not (len(self.currency) == 3 and self.currency.isascii() and self.currency.isalpha()):
            raise ValidationFailed(FieldError("currency", f"{self.currency!r} is not an ISO 4217 code"))
        rate = _amount(self.cny_per_unit, "cny_per_unit")
        if not rate:
            raise ValidationFailed(FieldError("cny_per_unit", "must be above zero"))
        object.__setattr__(self, "cny_per_unit", rate)


class ExchangeRates:
    """CNY per unit of a currency by date: the rate in force on a day is the latest on or before it.

    China's customs converts at the rate it publishes for each month (the People's Bank of China
    central parity of the previous month's third Wednesday), so a table usually has one row per
    currency per month, valid from the first day. CNY is always 1.
    """

    __slots__ = ("_dates", "_rates")

    def __init__(self, rates: Iterable[ExchangeRate]) -> None:
        rows: dict[str, dict[date, ExchangeRate]] = {}
        for r in rates:
            per_currency = rows.setdefault(r.currency, {})
            if r.valid_from in per_currency:
                raise ValidationFailed(
                    FieldError("valid_from", f"{r.currency} has two rates from {r.valid_from.isoformat()}")
                )
            per_currency[r.valid_from] = r
        self._dates = {c: sorted(by_date) for c, by_date in rows.items()}
        self._rates = {c: [rows[c][d] for d in dates] for c, dates in self._dates.items()}

    def find(self, currency: str, on: date) -> ExchangeRate | None:
        if currency == CNY:
            return ExchangeRate(CNY, date.min, ONE)
        dates = self._dates.get(currency)
        if dates is None:
            return None
        i = bisect_right(dates, on)
        return self._rates[currency][i - 1] if i else None

    def rate(self, currency: str, on: date) -> Decimal:
        """CNY per one unit of ``currency`` on ``on``; NotFound when the table has none that early."""
        found = self.find(currency, on)
        if found is None:
            raise NotFound(f"no exchange rate for {currency} on or before {on.isoformat()}")
        return found.cny_per_unit

    @property
    def currencies(self) -> frozenset[str]:
        return frozenset(self._dates) | {CNY}

    def __iter__(self) -> Iterator[ExchangeRate]:
        for currency in sorted(self._rates):
            yield from self._rates[currency]


def check_exchange_rate(
    content: DeclarationContent, rates: ExchangeRates, tolerance: Decimal = DEFAULT_RATE_TOLERANCE
) -> FieldError | None:
    """A field error when the declared rate differs from the table's rate in force on
    ``content.exchange_rate_date`` by more than ``tolerance`` (relative: 0.0005 is 0.05%)."""
    currency = content.invoice_currency
    on = content.exchange_rate_date
    found = rates.find(currency, on)
    if found is None:
        return FieldError(
            "exchange_rate", f"the exchange-rate table has no {currency} rate on or before {on.isoformat()}"
        )
    expected = found.cny_per_unit
    declared = content.exchange_rate
    if declared == expected:
        return None
    with localcontext(_CONTEXT):
        off = abs(declared - expected) / expected
        if off <= tolerance:
            return None
        shown = (off * HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        allowed = (tolerance * HUNDRED).normalize()
    since = "" if found.valid_from == date.min else f" (in force since {found.valid_from.isoformat()})"
    return FieldError(
        "exchange_rate",
        f"{declared} CNY per {currency} differs from the customs rate {expected} for {on.isoformat()}{since} "
        f"by {shown}%, more than the {allowed:f}% allowed",
    )


class ItemTaxes(NamedTuple):
    """Taxes of one goods item, in CNY, each rounded to the fen, with the rates applied and why.

    Immutable (a NamedTuple: five of these are built per declaration, and a tuple is built several
    times faster than a frozen dataclass).
    """

    item: int  # position in content.items
    hs_code: str
    customs_value: Decimal  # CNY, rounded to the fen (the taxes are computed on the exact value)
    basis: DutyBasis
    tariff_line: str | None = None  # prefix of the line applied; None when nothing was looked up
    agreement: str | None = None  # the agreement whose rate was applied
    duty_rate: Decimal = ZERO  # ad valorem % applied
    duty_specific: Decimal | None = None  # CNY per duty_unit applied
    duty_unit: str | None = None
    duty: Decimal = ZERO_FEN
    excise_rate: Decimal | None = None
    excise_specific: Decimal | None = None
    excise_unit: str | None = None
    excise: Decimal = ZERO_FEN
    vat_rate: Decimal | None = None
    vat: Decimal = ZERO_FEN
    export_rate: Decimal | None = None
    export_duty: Decimal = ZERO_FEN
    notes: tuple[str, ...] = ()  # why: preferences accepted or refused, the insurance default...

    def amount(self, tax: TaxType) -> Decimal:
        if tax is TaxType.DUTY:
            return self.duty
        if tax is TaxType.EXCISE:
            return self.excise
        if tax is TaxType.VAT:
            return self.vat
        return self.export_duty

    @property
    def total(self) -> Decimal:
        return self.duty + self.excise + self.vat + self.export_duty

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: amounts and rates as decimal strings (None stays None)."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "item": self.item,
            "hs_code": self.hs_code,
            "tariff_line": self.tariff_line,
            "customs_value": str(self.customs_value),
            "basis": self.basis.value,
            "agreement": self.agreement,
            "duty_rate": str(self.duty_rate),
            "duty_specific": text(self.duty_specific),
            "duty_unit": self.duty_unit,
            "duty": str(self.duty),
            "excise_rate": text(self.excise_rate),
            "excise_specific": text(self.excise_specific),
            "excise_unit": self.excise_unit,
            "excise": str(self.excise),
            "vat_rate": text(self.vat_rate),
            "vat": str(self.vat),
            "export_rate": text(self.export_rate),
            "export_duty": str(self.export_duty),
            "total": str(self.total),
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class DutyAssessment:
    """The taxes of a declaration: per item and tax type, totals, and what is due now."""

    type: DeclarationType
    items: tuple[ItemTaxes, ...]
    totals: Mapping[TaxType, Decimal]  # sums of the item taxes, after the threshold
    total: Decimal  # computed taxes (also for a suspended bonded entry)
    due: Decimal  # payable before release: 0 when suspended or nothing is due
    suspended: bool  # bonded entry: computed, not collected
    settlement: Settlement  # suggestion: UNPAID (pay or guarantee), WAIVED (bonded) or NONE_DUE
    waived: Mapping[TaxType, Decimal]  # taxes not collected under the threshold, with their amount
    notes: tuple[str, ...]
    exchange_rate: Decimal
    tariff_version: str
    currency: str = CNY

    @property
    def customs_value(self) -> Decimal:
        """Sum of the items' customs values (each rounded to the fen)."""
        return sum((item.customs_value for item in self.items), ZERO_FEN)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: amounts and rates as decimal strings, enums as their values."""
        return {
            "type": self.type.value,
            "currency": self.currency,
            "exchange_rate": str(self.exchange_rate),
            "tariff_version": self.tariff_version,
            "customs_value": str(self.customs_value),
            "items": [item.as_dict() for item in self.items],
            "totals": {tax.value: str(amount) for tax, amount in self.totals.items()},
            "total": str(self.total),
            "due": str(self.due),
            "suspended": self.suspended,
            "settlement": self.settlement.value,
            "waived": {tax.value: str(amount) for tax, amount in self.waived.items()},
            "notes": list(self.notes),
        }

    def may_release(self, settlement: Settlement) -> bool:
        """Release needs the taxes due paid or guaranteed; with nothing due (or suspended) it needs nothing."""
        if self.due:
            return settlement in (Settlement.PAID, Settlement.GUARANTEED)
        return True


_TAX_TYPES = (TaxType.DUTY, TaxType.EXCISE, TaxType.VAT, TaxType.EXPORT_DUTY)
# enum members bound once: reading ``DeclarationType.X`` goes through the enum class on every access (~0.1 us)
_DUTY, _EXCISE, _VAT, _EXPORT_DUTY = _TAX_TYPES
_TRANSIT = DeclarationType.TRANSIT
_BONDED_EXIT = DeclarationType.BONDED_EXIT
_BONDED_ENTRY = DeclarationType.BONDED_ENTRY
_EXPORT = DeclarationType.EXPORT
_RE_EXPORT = BondedExitKind.RE_EXPORT
_MFN = DutyBasis.MFN
_UNPAID = Settlement.UNPAID
_NONE_DUE = Settlement.NONE_DUE


def _quantity(item: GoodsItem, unit: str, index: int, line: TariffLine, errors: list[FieldError]) -> Decimal:
    """The item's quantity in ``unit``: as declared, or its net mass for a line per KGM or TNE."""
    if item.unit == unit:
        quantity = item.quantity
    elif unit in _MASS_UNITS:
        quantity = item.net_mass_kg * _MASS_UNITS[unit]
    else:
        errors.append(
            FieldError(
                f"items[{index}].unit",
                f"tariff line {line.hs_prefix} levies a specific rate per {unit}; declare the quantity in {unit}",
            )
        )
        return ZERO
    if quantity < 0:
        errors.append(FieldError(f"items[{index}].quantity", f"{quantity} is negative"))
        return ZERO
    return quantity


def _nothing_due(content: DeclarationContent, why: str, tariff_version: str) -> DutyAssessment:
    rate = content.exchange_rate
    with localcontext(_CONTEXT):
        items = tuple(
            ItemTaxes(i, item.hs_code, _fen(item.value * rate), DutyBasis.NONE) for i, item in enumerate(content.items)
        )
    return DutyAssessment(
        content.type,
        items,
        dict.fromkeys(_TAX_TYPES, ZERO_FEN),
        ZERO_FEN,
        ZERO_FEN,
        False,
        Settlement.NONE_DUE,
        {},
        (why,),
        rate,
        tariff_version,
    )


def _check_amounts(content: DeclarationContent, errors: list[FieldError]) -> None:
    if content.exchange_rate <= ZERO:
        errors.append(FieldError("exchange_rate", f"{content.exchange_rate} must be above zero"))
    if content.freight < ZERO:
        errors.append(FieldError("freight", f"{content.freight} is negative"))
    if content.insurance < ZERO:
        errors.append(FieldError("insurance", f"{content.insurance} is negative"))
    if not content.items:
        errors.append(FieldError("items", "a declaration needs at least one goods item"))


def assess_duties(
    content: DeclarationContent, schedule: TariffSchedule, threshold: Decimal = DEFAULT_THRESHOLD
) -> DutyAssessment:
    """The duties and taxes of a declaration under China's rules (see the module docstring).

    Raises ``ValidationFailed`` naming each field that prevents the computation: an HS code with no
    tariff line (``items[i].hs_code``), a quantity in a unit the line's specific rate cannot use, a
    negative amount, a bonded exit that does not say re-export or release for consumption.
    """
    kind = content.type
    if kind is _TRANSIT:
        return _nothing_due(content, "transit: goods pass under customs control, nothing is due", schedule.version)
    if kind is _BONDED_EXIT:
        exit_kind = content.bonded_exit_kind
        if exit_kind is None:
            raise ValidationFailed(
                FieldError("bonded_exit_kind", "a bonded exit must say re_export or release_for_consumption")
            )
        if exit_kind is _RE_EXPORT:
            return _nothing_due(content, "bonded exit for re-export: nothing is due", schedule.version)

    errors: list[FieldError] = []
    _check_amounts(content, errors)
    lines: list[TariffLine] = []
    lookup = schedule.lookup
    for i, item in enumerate(content.items):
        line = lookup(item.hs_code)
        if line is None and kind is _EXPORT:
            # the export tariff lists only the goods that bear an export duty: the others bear none
            line = TariffLine(item.hs_code, "no export duty listed", Decimal(0), vat_rate=Decimal(0))
        if line is None:
            errors.append(FieldError(f"items[{i}].hs_code", schedule.missing(item.hs_code)))
        else:
            lines.append(line)
        if item.value < ZERO:
            errors.append(FieldError(f"items[{i}].value", f"{item.value} is negative"))
    if errors:
        raise ValidationFailed(errors)

    notes: list[str] = []
    if kind is _BONDED_EXIT:
        notes.append("bonded exit released for consumption: the import taxes are due")
    with localcontext(_CONTEXT):
        rows = _export_rows(content, lines, errors) if kind is _EXPORT else _import_rows(content, lines, notes, errors)
        if errors:
            raise ValidationFailed(errors)
        return _assessment(content, rows, notes, threshold, schedule.version)


def _import_rows(
    content: DeclarationContent, lines: list[TariffLine], notes: list[str], errors: list[FieldError]
) -> list[ItemTaxes]:
    items = content.items
    rate = content.exchange_rate
    term = content.incoterm
    added = ZERO
    if not term.includes_freight:
        added = content.freight
    total_value = ZERO  # the FOB total, summed only when freight or insurance is added (not for CIF)
    if added or not term.includes_insurance:
        total_value = content.total_item_value
    if not term.includes_insurance:
        if content.insurance:
            added += content.insurance
        else:
            insurance = (total_value + added) * INSURANCE_DEFAULT_RATE
            added += insurance
            notes.append(
                f"{term.value} without declared insurance: 0.3% of (FOB + freight) = {insurance} "
                f"{content.invoice_currency} is added to the customs value"
            )
    # customs value of an item = its value x factor (+ an equal share when every item is worth 0)
    if not added:
        factor, share = rate, ZERO
    elif total_value:
        factor, share = (total_value + added) / total_value * rate, ZERO
    else:
        factor, share = rate, added / len(items) * rate

    quantize = Decimal.quantize
    make = ItemTaxes._make
    result: list[ItemTaxes] = []
    for i, item in enumerate(items):
        line = lines[i]
        cv = item.value * factor
        if share:
            cv += share
        item_notes: tuple[str, ...] = ()
        basis = _MFN
        agreement: str | None = None
        duty_rate = line.mfn_rate
        specific = line.specific_rate
        specific_unit = line.specific_unit
        duty = cv * line._mfn
        if specific is not None:
            duty += _quantity(item, line.specific_unit or "", i, line, errors) * specific
        claim = item.preference
        if claim is not None:
            found = line._pref.get(claim)
            if found is None:
                item_notes = (f"preference {claim} refused: tariff line {line.hs_prefix} lists no {claim} rate; MFN",)
            elif item.origin_country not in found[0].agreement.parties:
                item_notes = (
                    f"preference {claim} refused: origin {item.origin_country} is not a party to {claim}; MFN",
                )
            else:
                pref_duty = cv * found[1]
                if pref_duty < duty:
                    basis, agreement, duty_rate, duty = DutyBasis.PREFERENTIAL, claim, found[0].rate, pref_duty
                    specific = specific_unit = None
                    item_notes = (f"preference {claim} accepted: origin {item.origin_country} is a party",)
                else:
                    item_notes = (f"preference {claim} not used: its {found[0].rate}% gives no less duty than MFN",)
        excise = ZERO_FEN
        if line._has_excise:
            excise_specific = line.excise_specific
            if excise_specific is None:
                excise = (cv + duty) / line._excise_divisor * line._excise
            else:
                per_unit = _quantity(item, line.excise_unit or "", i, line, errors) * excise_specific
                excise = (cv + duty + per_unit) / line._excise_divisor * line._excise + per_unit
        vat = (cv + duty + excise) * line._vat
        result.append(
            make(  # every field, positionally in ItemTaxes' order (no keyword binding on this hot path)
                (
                    i,  # item
                    item.hs_code,
                    quantize(cv, FEN, ROUND_HALF_UP),  # customs_value
                    basis,
                    line.hs_prefix,  # tariff_line
                    agreement,
                    duty_rate,
                    specific,  # duty_specific
                    specific_unit,  # duty_unit
                    quantize(duty, FEN, ROUND_HALF_UP),  # duty
                    line.excise_rate,
                    line.excise_specific,
                    line.excise_unit,
                    quantize(excise, FEN, ROUND_HALF_UP) if line._has_excise else ZERO_FEN,  # excise
                    line.vat_rate,
                    quantize(vat, FEN, ROUND_HALF_UP),  # vat
                    None,  # export_rate
                    ZERO_FEN,  # export_duty
                    item_notes,  # notes
                )
            )
        )
    return result


def _export_rows(content: DeclarationContent, lines: list[TariffLine], errors: list[FieldError]) -> list[ItemTaxes]:
    term = content.incoterm
    total_value = content.total_item_value
    deducted = ZERO
    if term.includes_freight:
        deducted = content.freight
    if term.includes_insurance:
        deducted += content.insurance
    if deducted > total_value:
        errors.append(FieldError("freight", "freight and insurance exceed the value of the goods"))
        return []
    rate = content.exchange_rate
    factor = (total_value - deducted) / total_value * rate if deducted else rate
    result: list[ItemTaxes] = []
    for i, item in enumerate(content.items):
        line = lines[i]
        fob = item.value * factor
        export_rate = line.export_rate
        if export_rate is None:
            cv, export_duty, basis = fob, ZERO_FEN, DutyBasis.NONE
        else:
            cv = fob / (ONE + line._export)
            export_duty, basis = cv * line._export, DutyBasis.EXPORT
        result.append(
            ItemTaxes(
                item=i,
                hs_code=item.hs_code,
                customs_value=_fen(cv),
                basis=basis,
                tariff_line=line.hs_prefix,
                export_rate=export_rate,
                export_duty=_fen(export_duty),
            )
        )
    return result


def _assessment(
    content: DeclarationContent, items: list[ItemTaxes], notes: list[str], threshold: Decimal, tariff_version: str
) -> DutyAssessment:
    duty = excise = vat = export_duty = ZERO_FEN
    for it in items:
        duty += it.duty
        excise += it.excise
        vat += it.vat
        export_duty += it.export_duty
    totals = {_DUTY: duty, _EXCISE: excise, _VAT: vat, _EXPORT_DUTY: export_duty}
    waived: dict[TaxType, Decimal] = {}
    for tax, amount in totals.items():
        if amount and amount <= threshold:
            waived[tax] = amount
            notes.append(
                f"{tax.value} of {amount} CNY for the whole declaration is {threshold} CNY or less: not collected"
            )
    if waived:
        for tax in waived:
            totals[tax] = ZERO_FEN
        items = [
            it._replace(
                duty=ZERO_FEN if TaxType.DUTY in waived else it.duty,
                excise=ZERO_FEN if TaxType.EXCISE in waived else it.excise,
                vat=ZERO_FEN if TaxType.VAT in waived else it.vat,
                export_duty=ZERO_FEN if TaxType.EXPORT_DUTY in waived else it.export_duty,
            )
            for it in items
        ]
        total = totals[_DUTY] + totals[_EXCISE] + totals[_VAT] + totals[_EXPORT_DUTY]
    else:  # the same sum, without hashing the enum keys (an Enum's __hash__ is a Python call)
        total = duty + excise + vat + export_duty
    kind = content.type
    suspended = kind is _BONDED_ENTRY
    if suspended:
        settlement = Settlement.WAIVED
        notes.append("bonded entry: taxes are computed but suspended while the goods stay bonded")
    else:
        settlement = _UNPAID if total else _NONE_DUE
    return DutyAssessment(
        kind,
        tuple(items),
        totals,
        total,
        ZERO_FEN if suspended else total,
        suspended,
        settlement,
        waived,
        tuple(notes),
        content.exchange_rate,
        tariff_version,
    )
