"""The bonded ledger: accounts, lots, balanced movements of postings, and the rules they keep.

Pure domain: standard library and ``silkport.shared`` only; quantities are ``Decimal`` (floats refused).

A *lot* is a quantity of goods admitted at once (one declaration, one HS code, one origin, one unit).
An *account* is a place a quantity can be: stock at a bonded site for an owner, a work order, or one of
the contra accounts outside bond (abroad/supplier, re-export, home consumption, loss, destroyed...).
A *movement* is a set of postings (account, lot, signed quantity) whose quantities sum to zero for every
lot: nothing is created or lost by a movement, it is only moved. Holding accounts (stock, work orders)
and sinks never go below zero; sources (abroad, supplier, handling output, adjustment) are the only
accounts that may. So for every account, lot and period: opening + in - out = closing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum

from silkport.shared.errors import Conflict, FieldError, IllegalTransition, ValidationFailed
from silkport.shared.money import to_decimal
from silkport.shared.text import field_error

ZERO = Decimal(0)
HUNDRED = Decimal(100)
#: quantities are stored with at most three decimals (grams of a kilogram, millilitres of a litre)
QUANTITY_PLACES = 3


class CustomsStatus(StrEnum):
    """Customs status of a lot (US 19 CFR 146 'privileged foreign' / 'domestic'; EU UCC Union/non-Union)."""

    BONDED = "bonded"  # duty suspended, under customs control
    DUTY_PAID = "duty_paid"  # released for home consumption in place
    DOMESTIC = "domestic"  # domestic goods stored in the zone


#: the only permitted status changes (a duty-paid or domestic lot never becomes bonded again)
STATUS_EDGES: Mapping[CustomsStatus, frozenset[CustomsStatus]] = {
    CustomsStatus.BONDED: frozenset({CustomsStatus.DUTY_PAID}),
    CustomsStatus.DUTY_PAID: frozenset(),
    CustomsStatus.DOMESTIC: frozenset(),
}


class Category(StrEnum):
    """Ledger category of a lot; aircraft maintenance keeps its four apart, fuel has its own ledger."""

    GOODS = "goods"
    AWAITING_REPAIR = "awaiting_repair"
    REPAIRED = "repaired"
    UNREPAIRABLE = "unrepairable"
    REPAIR_MATERIAL = "repair_material"
    REMOVED_PART = "removed_part"  # parts and scrap taken off an aircraft under repair
    FUEL = "fuel"


CATEGORY_EDGES: Mapping[Category, frozenset[Category]] = {
    Category.AWAITING_REPAIR: frozenset({Category.REPAIRED, Category.UNREPAIRABLE}),
    Category.REMOVED_PART: frozenset({Category.UNREPAIRABLE}),
}
#: categories that must be re-exported or destroyed: never released to the domestic market
NEVER_DOMESTIC = frozenset({Category.UNREPAIRABLE, Category.REMOVED_PART})
#: categories that leave the zone by a re-export deadline (repairs)
REEXPORT_DUE = frozenset({Category.AWAITING_REPAIR, Category.REPAIRED, Category.UNREPAIRABLE, Category.REMOVED_PART})


class AccountKind(StrEnum):
    # sources: where quantities come from; their balance goes negative
    ABROAD = "abroad"  # foreign supplier / the world outside the zone
    SUPPLIER = "supplier"  # fuel supplier's deliveries
    TRANSFORM = "transform"  # handling and repair: inputs go in, outputs come out
    ADJUSTMENT = "adjustment"  # stocktake corrections (gains come out, write-downs go in)
    # holding accounts: goods in bond
    STOCK = "stock"  # stock at a bonded site (or tank) for an owner
    WORK_ORDER = "work_order"  # parts drawn into a maintenance work order
    # sinks: goods that left bond (or are suspended there awaiting customs)
    RE_EXPORT = "re_export"
    CONSUMPTION = "consumption"  # released for home consumption: duty paid
    LOSS = "loss"  # approved loss or wastage
    PROCESS_LOSS = "process_loss"  # within the registered unit consumption
    SHORTAGE = "shortage"  # unexplained shortage: an alert customs must close
    DESTROYED = "destroyed"  # destroyed under customs supervision


SOURCES = frozenset({AccountKind.ABROAD, AccountKind.SUPPLIER, AccountKind.TRANSFORM, AccountKind.ADJUSTMENT})
HOLDING = frozenset({AccountKind.STOCK, AccountKind.WORK_ORDER})
#: a bonded lot posted here has left bond: it needs a declaration reference
NEEDS_DECLARATION = frozenset({AccountKind.RE_EXPORT, AccountKind.CONSUMPTION, AccountKind.DESTROYED})
#: a bonded lot posted here has left bond: it needs an approval (customs decision or a registered norm)
NEEDS_APPROVAL = frozenset({AccountKind.LOSS, AccountKind.PROCESS_LOSS})


def allows_negative(kind: AccountKind) -> bool:
    return kind in SOURCES


class MovementKind(StrEnum):
    ADMISSION = "admission"
    HANDLING = "handling"
    TRANSFER = "transfer"
    WITHDRAWAL_RE_EXPORT = "withdrawal_re_export"
    WITHDRAWAL_CONSUMPTION = "withdrawal_consumption"
    LOSS = "loss"
    ADJUSTMENT = "adjustment"
    WORK_ORDER_DRAW = "work_order_draw"
    WORK_ORDER_FIT = "work_order_fit"
    WORK_ORDER_REMOVAL = "work_order_removal"
    DESTRUCTION = "destruction"
    FUEL_RECEIPT = "fuel_receipt"
    UPLIFT = "uplift"


class AdjustmentReason(StrEnum):
    """Reason codes of stocktake adjustments."""

    COUNT_GAIN = "count_gain"  # counted more than the book: booked in after a customs correction
    COUNT_CORRECTION = "count_correction"  # the book was wrong: corrected without duty
    WRITE_OFF = "write_off"  # counted less than the book: written off with duty


def quantity(value: object, field: str = "quantity", *, positive: bool = True) -> Decimal:
    """A quantity from Decimal/int/str (never float), at most three decimals, > 0 unless told."""
    try:
        q = to_decimal(value, field)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(FieldError(field, str(exc))) from exc
    exponent = q.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -QUANTITY_PLACES and q != q.quantize(Decimal("0.001")):
        raise ValidationFailed(
            field_error(
                field,
                "%(quantity)s has more than %(QUANTITY_PLACES)s decimals",
                quantity=q,
                QUANTITY_PLACES=QUANTITY_PLACES,
            )
        )
    if positive and q <= 0:
        raise ValidationFailed(field_error(field, "%(quantity)s must be greater than zero", quantity=q))
    if abs(q) >= Decimal("1e16"):
        raise ValidationFailed(field_error(field, "%(quantity)s is out of range", quantity=q))
    return q.quantize(Decimal("0.001"))


def percent(value: object, field: str) -> Decimal:
    try:
        p = to_decimal(value, field)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(FieldError(field, str(exc))) from exc
    if not ZERO <= p <= HUNDRED:
        raise ValidationFailed(field_error(field, "%(percent)s must be between 0 and 100", percent=p))
    return p


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    kind: AccountKind
    owner_id: str
    site: str | None = None  # port code of the zone, or "PORT/BIN" (a tank, a bay)
    label: str = ""

    @property
    def allows_negative(self) -> bool:
        return allows_negative(self.kind)


def account_id(kind: AccountKind, owner_id: str, site: str | None = None) -> str:
    """Deterministic id: one stock account per (site, owner), one sink of each kind per owner."""
    return f"{kind.value}:{owner_id}" + (f":{site}" if site else "")


@dataclass(frozen=True, slots=True)
class Lot:
    id: str
    owner_id: str
    status: CustomsStatus
    category: Category
    hs_code: str
    description: str
    origin: str  # ISO 3166 alpha-2
    unit: str  # UN/ECE Rec. 20
    quantity: Decimal  # as admitted
    value: Decimal  # of the admitted quantity
    currency: str
    declaration_ref: str  # the bonded-entry declaration that admitted it
    admitted_at: datetime
    expires_on: date | None = None  # end of the permitted storage time
    reexport_by: date | None = None  # repairs: re-export deadline
    loss_allowance_pct: Decimal = ZERO  # loss or wastage allowed without duty
    parent_id: str | None = None  # handling outputs name their first input

    def value_of(self, q: Decimal) -> Decimal:
        """Value of ``q`` units, pro rata of the admitted value, rounded to the cent."""
        return (self.value * q / self.quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def change_status(self, target: CustomsStatus) -> CustomsStatus:
        if target not in STATUS_EDGES[self.status]:
            raise IllegalTransition(f"lot {self.id}", self.status.value, target.value)
        if target is CustomsStatus.DUTY_PAID and self.category in NEVER_DOMESTIC:
            raise IllegalTransition(f"lot {self.id} ({self.category.value})", self.status.value, target.value)
        return target

    def change_category(self, target: Category) -> Category:
        if target not in CATEGORY_EDGES.get(self.category, frozenset()):
            raise IllegalTransition(f"lot {self.id} category", self.category.value, target.value)
        return target

    def check_may_enter(self, sink: AccountKind) -> None:
        """Never to the domestic market: unrepairable goods and removed parts go abroad or are destroyed."""
        if sink is AccountKind.CONSUMPTION and self.category in NEVER_DOMESTIC and self.status is CustomsStatus.BONDED:
            raise IllegalTransition(f"lot {self.id} ({self.category.value})", "bonded", "home consumption")


@dataclass(frozen=True, slots=True)
class Posting:
    account_id: str
    lot_id: str
    quantity: Decimal  # + into the account, - out of it


def transfer(from_account: str, to_account: str, lot_id: str, q: Decimal) -> tuple[Posting, Posting]:
    """The two postings of moving ``q`` of a lot from one account to another."""
    return Posting(from_account, lot_id, -q), Posting(to_account, lot_id, q)


def check_movement(
    postings: Sequence[Posting],
    accounts: Mapping[str, Account],
    lots: Mapping[str, Lot],
    *,
    declaration_ref: str | None,
    approval_ref: str | None,
) -> None:
    """Every rule of one movement: real accounts and lots, balanced per lot, exits declared or approved."""
    if not postings:
        raise ValidationFailed(field_error("postings", "a movement needs at least one transfer"))
    per_lot: dict[str, Decimal] = defaultdict(Decimal)
    for i, p in enumerate(postings):
        if p.account_id not in accounts:
            raise ValidationFailed(
                field_error(f"postings[{i}].account", "unknown account %(account_id)r", account_id=p.account_id)
            )
        lot = lots.get(p.lot_id)
        if lot is None:
            raise ValidationFailed(field_error(f"postings[{i}].lot", "unknown lot %(lot_id)r", lot_id=p.lot_id))
        if p.quantity == 0:
            raise ValidationFailed(field_error(f"postings[{i}].quantity", "is zero"))
        per_lot[p.lot_id] += p.quantity
        kind = accounts[p.account_id].kind
        if p.quantity > 0 and lot.status is CustomsStatus.BONDED:
            lot.check_may_enter(kind)
            if kind in NEEDS_DECLARATION and not declaration_ref:
                raise ValidationFailed(
                    field_error(
                        "declaration", "bonded goods leave bond to %(kind)s only under a declaration", kind=kind.value
                    )
                )
            if kind in NEEDS_APPROVAL and not approval_ref:
                raise ValidationFailed(
                    field_error("approval", "a %(kind)s of bonded goods needs an approval", kind=kind.value)
                )
    unbalanced = {lot: total for lot, total in per_lot.items() if total != 0}
    if unbalanced:
        raise ValidationFailed(
            field_error(
                "postings",
                "postings do not balance for lots %(unbalanced)s: %(unbalanced2)s",
                unbalanced=sorted(unbalanced),
                unbalanced2=unbalanced,
            )
        )


class InsufficientStock(Conflict):
    """A withdrawal asked for more than the account holds."""

    title = "Insufficient stock"


class Book:
    """Balances per (account, lot), applying whole movements or none of them (the pure ledger)."""

    def __init__(self) -> None:
        self.balances: dict[tuple[str, str], Decimal] = defaultdict(Decimal)

    def apply(self, postings: Iterable[Posting], accounts: Mapping[str, Account]) -> None:
        postings = list(postings)
        after: dict[tuple[str, str], Decimal] = {}
        for p in postings:
            key = (p.account_id, p.lot_id)
            after[key] = after.get(key, self.balances[key]) + p.quantity
        for (account, lot), balance in after.items():
            if balance < 0 and not accounts[account].allows_negative:
                raise InsufficientStock(f"account {account} holds too little of lot {lot}")
        self.balances.update(after)

    def balance(self, account: str, lot: str) -> Decimal:
        return self.balances.get((account, lot), ZERO)


@dataclass(frozen=True, slots=True)
class Available:
    lot_id: str
    admitted_at: datetime
    balance: Decimal


def pick_fifo(available: Iterable[Available], wanted: Decimal, *, what: str = "quantity") -> list[tuple[str, Decimal]]:
    """Lots to take ``wanted`` from, oldest admission first; raises when together they hold too little."""
    picks: list[tuple[str, Decimal]] = []
    remaining = wanted
    for a in sorted(available, key=lambda a: (a.admitted_at, a.lot_id)):
        if remaining <= 0:
            break
        if a.balance <= 0:
            continue
        take = min(a.balance, remaining)
        picks.append((a.lot_id, take))
        remaining -= take
    if remaining > 0:
        raise InsufficientStock(f"{what}: {wanted} asked, only {wanted - remaining} available")
    return picks


@dataclass(frozen=True, slots=True)
class Consumption:
    """How the input of a handling or repair operation splits under a registered unit consumption."""

    standard: Decimal  # output x input per unit of output: transformed into the output
    process_loss: Decimal  # within the allowed process loss
    shortage: Decimal  # unexplained: booked apart, an alert when over the threshold


def split_consumption(
    used: Decimal, output: Decimal, input_per_output: Decimal, allowed_loss_pct: Decimal
) -> Consumption:
    """Split ``used`` input into standard consumption, allowed process loss and unexplained shortage.

    Refuses an output the input cannot account for (less input than output x norm).
    """
    standard = (output * input_per_output).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    if used < standard:
        raise ValidationFailed(
            field_error(
                "inputs",
                "%(used)s of input cannot give %(output)s of output at %(input_per_output)s per unit",
                used=used,
                output=output,
                input_per_output=input_per_output,
            )
        )
    allowed = (standard * allowed_loss_pct / HUNDRED).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    extra = used - standard
    process_loss = min(extra, allowed)
    return Consumption(standard, process_loss, extra - process_loss)


def shortage_alert(shortage: Decimal, lot_quantity: Decimal, duty: Decimal, pct: Decimal, amount: Decimal) -> bool:
    """A shortage over ``pct`` % of the lot, or whose duty exceeds ``amount``, needs a customs decision."""
    if shortage <= 0:
        return False
    return shortage * HUNDRED > lot_quantity * pct or duty > amount


def loss_split(lot: Lot, already_lost: Decimal, reported: Decimal) -> tuple[Decimal, Decimal]:
    """(within allowance, beyond allowance) of a reported loss, given what was already lost from the lot."""
    allowance = (lot.quantity * lot.loss_allowance_pct / HUNDRED).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    left = max(allowance - already_lost, ZERO)
    within = min(reported, left)
    return within, reported - within


# ---------------------------------------------------------------------------------------------------------
# reconciliation of a period


@dataclass(frozen=True, slots=True)
class Line:
    """One posting as reports see it."""

    account_id: str
    lot_id: str
    quantity: Decimal
    movement_kind: MovementKind
    counter_kind: AccountKind | None  # the kind of the other side (for transfers: stock -> stock)
    reason_code: str | None
    at: datetime


@dataclass
class Reconciliation:
    """Opening + receipts + transfers in + gains - transfers out - removals - losses = closing."""

    account_id: str
    lot_id: str
    opening: Decimal = ZERO
    receipts: Decimal = ZERO
    transfers_in: Decimal = ZERO
    transfers_out: Decimal = ZERO
    removals: Decimal = ZERO
    adjustments_plus: Decimal = ZERO
    adjustments_minus: Decimal = ZERO
    closing: Decimal = ZERO
    reasons: dict[str, Decimal] | None = None

    @property
    def balanced(self) -> bool:
        flow = (
            self.opening
            + self.receipts
            + self.transfers_in
            + self.adjustments_plus
            - self.transfers_out
            - self.removals
            - self.adjustments_minus
        )
        return flow == self.closing


def reconcile(opening: Mapping[tuple[str, str], Decimal], lines: Iterable[Line]) -> list[Reconciliation]:
    """Per (account, lot): the period's flows classified from its postings, and the closing balance."""
    rows: dict[tuple[str, str], Reconciliation] = {}
    for key, q in opening.items():
        rows[key] = Reconciliation(key[0], key[1], opening=q, closing=q)
    for line in lines:
        key = (line.account_id, line.lot_id)
        row = rows.setdefault(key, Reconciliation(line.account_id, line.lot_id))
        q = line.quantity
        row.closing += q
        if line.movement_kind is MovementKind.ADJUSTMENT:
            if q > 0:
                row.adjustments_plus += q
            else:
                row.adjustments_minus -= q
            row.reasons = row.reasons or {}
            code = line.reason_code or "unspecified"
            row.reasons[code] = row.reasons.get(code, ZERO) + q
        elif line.counter_kind in HOLDING:
            if q > 0:
                row.transfers_in += q
            else:
                row.transfers_out -= q
        elif q > 0:
            row.receipts += q
        else:
            row.removals -= q
    return [rows[k] for k in sorted(rows)]


AGEING_BUCKETS: tuple[tuple[int, int | None, str], ...] = (
    (0, 90, "0-90"),
    (91, 180, "91-180"),
    (181, 365, "181-365"),
    (366, None, "over 365"),
)


def ageing_bucket(admitted: date, on: date) -> str:
    days = (on - admitted).days
    for low, high, label in AGEING_BUCKETS:
        if days >= low and (high is None or days <= high):
            return label
    return AGEING_BUCKETS[0][2]  # admitted after ``on``: count as fresh


def is_domestic_registration(registration: str) -> bool:
    """Aircraft on China's register carry the nationality mark 'B-' (Chicago Convention Annex 7)."""
    return registration.upper().startswith("B-")


def is_domestic_airport(locode: str, home_country: str = "CN") -> bool:
    """A next airport (UN/LOCODE) in the home country makes the flight domestic."""
    return locode[:2].upper() == home_country


# ---------------------------------------------------------------------------------------------------------
# records kept beside the ledger


@dataclass(frozen=True, slots=True)
class DutyQuote:
    """Duty and taxes of a withdrawal as the tariff gives them on the day (recorded with the movement)."""

    hs_code: str
    on: date
    customs_value: Decimal  # CNY
    duty: Decimal
    excise: Decimal
    vat: Decimal
    total: Decimal
    rates: str  # the rates applied, as the tariff states them
    tariff_version: str

    def as_dict(self) -> dict[str, str]:
        return {
            "hs_code": self.hs_code,
            "on": self.on.isoformat(),
            "customs_value": str(self.customs_value),
            "duty": str(self.duty),
            "excise": str(self.excise),
            "vat": str(self.vat),
            "total": str(self.total),
            "rates": self.rates,
            "tariff_version": self.tariff_version,
        }


@dataclass(frozen=True, slots=True)
class Movement:
    id: str
    kind: MovementKind
    owner_id: str
    at: datetime
    actor_id: str
    postings: tuple[Posting, ...]
    key: str | None = None
    declaration_ref: str | None = None
    approval_ref: str | None = None
    reason_code: str | None = None
    duty: Mapping[str, object] | None = None
    details: Mapping[str, object] | None = None


class AlertStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class LossStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


LOSS_EDGES: Mapping[LossStatus, frozenset[LossStatus]] = {
    LossStatus.PENDING: frozenset({LossStatus.APPROVED, LossStatus.REJECTED}),
    LossStatus.APPROVED: frozenset(),
    LossStatus.REJECTED: frozenset(),
}


class CountStatus(StrEnum):
    AGREED = "agreed"  # counted = book
    OPEN = "open"  # a discrepancy awaiting the customs decision
    WRITTEN_OFF = "written_off"
    CORRECTED = "corrected"


COUNT_EDGES: Mapping[CountStatus, frozenset[CountStatus]] = {
    CountStatus.OPEN: frozenset({CountStatus.WRITTEN_OFF, CountStatus.CORRECTED}),
    CountStatus.AGREED: frozenset(),
    CountStatus.WRITTEN_OFF: frozenset(),
    CountStatus.CORRECTED: frozenset(),
}


class WorkOrderStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


def check_edge(what: str, edges: Mapping[StrEnum, frozenset[StrEnum]], current: StrEnum, target: StrEnum) -> None:
    if target not in edges.get(current, frozenset()):
        raise IllegalTransition(what, current.value, target.value)


# ---------------------------------------------------------------------------------------------------------
# the declarations goods enter and leave bond under


@dataclass(frozen=True, slots=True)
class DeclarationFacts:
    """What the ledger needs to know of a customs declaration (from clearance, through a port)."""

    id: str
    type: str  # bonded_entry, bonded_exit, import, export, transit
    declarant_id: str
    status: str
    bonded_exit_kind: str | None  # re_export | release_for_consumption
    hs6: frozenset[str]  # the items' HS subheadings
    #: declared quantity per HS subheading and UN/ECE Rec. 20 unit (net mass also counts as KGM)
    quantities: Mapping[str, Mapping[str, Decimal]] | None = None


class Purpose(StrEnum):
    ENTRY = "entry"  # admission under bond
    RE_EXPORT = "re_export"
    CONSUMPTION = "consumption"  # release for home consumption


#: declaration (type, bonded exit kind) that may carry each purpose
PURPOSE_TYPES: Mapping[Purpose, frozenset[tuple[str, str | None]]] = {
    Purpose.ENTRY: frozenset({("bonded_entry", None)}),
    Purpose.RE_EXPORT: frozenset({("bonded_exit", "re_export"), ("export", None)}),
    Purpose.CONSUMPTION: frozenset({("bonded_exit", "release_for_consumption"), ("import", None)}),
}
#: customs has finished with the declaration: goods may move under it
DECLARATION_CLEARED = frozenset({"cleared", "released", "exited"})


def check_declaration(
    facts: DeclarationFacts | None, purpose: Purpose, owner_id: str, hs_codes: Iterable[str], field: str
) -> None:
    """The declaration exists, is the owner's, of the right type for the purpose, cleared by customs, and
    declares every HS subheading the movement carries."""
    if facts is None:
        raise ValidationFailed(field_error(field, "no such declaration in clearance"))
    problems = []
    if facts.declarant_id != owner_id:
        problems.append("was lodged by another enterprise")
    kind = (facts.type, facts.bonded_exit_kind if facts.type == "bonded_exit" else None)
    if kind not in PURPOSE_TYPES[purpose]:
        wanted = " or ".join(sorted(f"{t}{'/' + k if k else ''}" for t, k in PURPOSE_TYPES[purpose]))
        problems.append(
            f"is a {facts.type}{'/' + facts.bonded_exit_kind if facts.bonded_exit_kind else ''}: {wanted} needed"
        )
    if facts.status not in DECLARATION_CLEARED:
        problems.append(f"is {facts.status}, not yet cleared by customs")
    missing = sorted({hs[:6] for hs in hs_codes} - facts.hs6)
    if missing:
        problems.append(f"does not declare HS {', '.join(missing)}")
    if problems:
        raise ValidationFailed(FieldError(field, f"declaration {facts.id} " + "; ".join(problems)))


# ---------------------------------------------------------------------------------------------------------
# fuel: observed litres to litres at 15 degC

#: ASTM D1250-80 Table 54B (API MPMS 11.1), generalized products, jet fuel group: alpha15 = K0 / rho15^2
JET_K0 = Decimal("594.5418")
JET_DENSITY_RANGE = (Decimal("787.5"), Decimal("838.5"))  # kg/m3 at 15 degC
_VCF_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])


def volume_correction_factor(density_15c: Decimal, temperature_c: Decimal) -> Decimal:
    """VCF of jet fuel from the observed temperature to 15 degC (Table 54B), rounded to 4 decimals as printed:
    alpha = K0 / rho15^2; VCF = exp(-alpha * dt * (1 + 0.8 * alpha * dt)), dt = t - 15."""
    low, high = JET_DENSITY_RANGE
    if not low <= density_15c <= high:
        raise ValidationFailed(
            field_error(
                "density_15c",
                "%(density_15c)s kg/m3 is outside the jet fuel group (%(low)s-%(high)s)",
                density_15c=density_15c,
                low=low,
                high=high,
            )
        )
    if not Decimal(-50) <= temperature_c <= Decimal(60):
        raise ValidationFailed(
            field_error("temperature_c", "%(temperature_c)s degC is outside -50..60", temperature_c=temperature_c)
        )
    with localcontext(_VCF_CONTEXT):
        alpha = JET_K0 / (density_15c * density_15c)
        dt = temperature_c - 15
        vcf = (-alpha * dt * (1 + Decimal("0.8") * alpha * dt)).exp()
    return vcf.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def litres_at_15c(observed: Decimal, temperature_c: Decimal, density_15c: Decimal) -> Decimal:
    """Observed litres of jet fuel at ``temperature_c`` as litres at 15 degC (to the millilitre)."""
    return (observed * volume_correction_factor(density_15c, temperature_c)).quantize(
        Decimal("0.001"), rounding=ROUND_HALF_UP
    )


def check_declared_quantity(
    facts: DeclarationFacts, hs_code: str, unit: str, already: Decimal, adding: Decimal, field: str
) -> None:
    """What moves under a declaration never exceeds what it declares for that HS subheading, in that unit."""
    if facts.quantities is None:
        return
    declared = facts.quantities.get(hs_code[:6], {})
    if unit not in declared:
        raise ValidationFailed(
            FieldError(
                field,
                f"declaration {facts.id} declares HS {hs_code[:6]} in {sorted(declared) or 'no unit'}, not in {unit}",
            )
        )
    if already + adding > declared[unit]:
        raise ValidationFailed(
            FieldError(
                field,
                f"declaration {facts.id} declares {declared[unit]} {unit} of HS {hs_code[:6]}: "
                f"{already} already moved under it, {adding} more would exceed it",
            )
        )
