"""Read models of the bonded ledgers for people: what a warehouse keeper, an airline or customs looks at.

Each function reads through the unit of work, with the same scoping as the API (an enterprise-bound user sees
only its own enterprise's ledgers; another enterprise's lot or work order is "not found"). The web pages
(``silkport.entrypoints.web.bonded_pages``) render them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from silkport.bonded.domain.model import (
    HOLDING,
    ZERO,
    Account,
    AccountKind,
    Category,
    CountStatus,
    CustomsStatus,
    Lot,
    Movement,
    MovementKind,
    WorkOrderStatus,
)
from silkport.bonded.services.handlers import (
    OPERATORS,
    BondedConfig,
    _aware,
    _lot_for,
    _quote,
    _work_order,
    kilograms,
    require,
    visible_owner,
)
from silkport.bonded.services.ports import BondedUnitOfWork
from silkport.shared.actor import Actor
from silkport.shared.errors import DomainError, NotFound, ValidationFailed
from silkport.shared.text import field_error

#: at most this many movements are read for one ledger page (narrow the period for more)
LEDGER_LIMIT = 2000
#: at most this many uplifts are listed for one month
UPLIFT_LIMIT = 200
#: movements that belong to a work order's job
WORK_ORDER_KINDS = (MovementKind.WORK_ORDER_DRAW, MovementKind.WORK_ORDER_FIT, MovementKind.WORK_ORDER_REMOVAL)


def _today(uow: BondedUnitOfWork) -> date:
    return uow.clock.now().astimezone(UTC).date()


def duty_suspended(config: BondedConfig, lot: Lot, held: Decimal, on: date) -> Decimal | None:
    """Duty and taxes (CNY) that ``held`` of a bonded lot would owe if released for home consumption on ``on``;
    None when the lot is not bonded or the tariff cannot tell (no line for its HS code)."""
    if lot.status is not CustomsStatus.BONDED or held <= 0:
        return None
    try:
        return _quote(config, lot, held, on).total
    except DomainError:
        return None


# --- the overview -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Holding:
    """A lot held in a stock or work-order account."""

    lot: Lot
    account: Account
    quantity: Decimal
    value: Decimal
    duty: Decimal | None  # CNY suspended while in bond


@dataclass(slots=True)
class Site:
    site: str
    lots: int = 0
    value: dict[str, Decimal] = field(default_factory=dict)
    duty: Decimal = ZERO
    fuel_litres: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Overview:
    holdings: list[Holding]
    sites: list[Site]
    value: dict[str, Decimal]  # currency -> value of the bonded stock held
    duty: Decimal  # CNY suspended on the bonded stock held
    open_work_orders: int
    work_orders: int
    uplifts_month: int
    uplift_litres_month: Decimal
    month: str


def overview(uow: BondedUnitOfWork, actor: Actor, config: BondedConfig) -> Overview:
    """Stock held (per lot and per site, with value and the duty suspended on it), work orders, this month's
    uplifts."""
    owner = visible_owner(actor)
    with uow:
        today = _today(uow)
        month = month_of("", today, uow.bonded.last_uplift_month(actor.enterprise_id))
        holdings: list[Holding] = []
        sites: dict[str, Site] = {}
        value: dict[str, Decimal] = defaultdict(Decimal)
        duty = ZERO
        for account, lot, q in uow.bonded.balances(owner):
            if account.kind not in HOLDING or q <= 0:
                continue
            due = duty_suspended(config, lot, q, today)
            h = Holding(lot, account, q, lot.value_of(q), due)
            holdings.append(h)
            key = account.site if account.kind is AccountKind.STOCK and account.site else "work orders"
            s = sites.setdefault(key, Site(key))
            s.lots += 1
            s.value[lot.currency] = s.value.get(lot.currency, ZERO) + h.value
            if lot.category is Category.FUEL:
                s.fuel_litres += q
            if lot.status is CustomsStatus.BONDED:
                value[lot.currency] += h.value
                if due is not None:
                    s.duty += due
                    duty += due
        orders = uow.bonded.records("work_order", order_by="opened_at", owner_id=owner)
        uplifts = _visible_uplifts(uow, actor, month)
        return Overview(
            holdings=holdings,
            sites=[sites[k] for k in sorted(sites)],
            value=dict(sorted(value.items())),
            duty=duty,
            open_work_orders=sum(1 for o in orders if o["status"] == WorkOrderStatus.OPEN.value),
            work_orders=len(orders),
            uplifts_month=len(uplifts),
            uplift_litres_month=sum((Decimal(u["quantity"]) for u in uplifts), ZERO),
            month=month,
        )


# --- the ledger -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LedgerLine:
    at: datetime
    movement: Movement
    lot: Lot
    quantity: Decimal  # + into the account, - out of it
    balance: Decimal  # the account's running balance in this unit after the posting


@dataclass(slots=True)
class LedgerSection:
    """One account's movements in one unit of measure, with the running balance."""

    account: Account
    unit: str
    opening: Decimal = ZERO
    lines: list[LedgerLine] = field(default_factory=list)
    closing: Decimal = ZERO

    @property
    def receipts(self) -> Decimal:
        return sum((x.quantity for x in self.lines if x.quantity > 0), ZERO)

    @property
    def issues(self) -> Decimal:
        return -sum((x.quantity for x in self.lines if x.quantity < 0), ZERO)


@dataclass(frozen=True, slots=True)
class Ledger:
    start: date
    end: date
    sections: list[LedgerSection]
    accounts: list[Account]  # the accounts the viewer may choose from
    truncated: bool  # more movements in the period than one page reads


def period(start: date | None, end: date | None, today: date, last: date | None = None) -> tuple[date, date]:
    """The period a ledger page shows: the given days; by default the month of the latest movement (``last``,
    the current month when there is none) up to its end or today."""
    if start is None and end is None and last is not None and last < today.replace(day=1):
        start = last.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    end = end or today
    start = start or end.replace(day=1)
    if end < start:
        raise ValidationFailed(field_error("to", "is before from"))
    if (end - start).days > 3660:
        raise ValidationFailed(field_error("from", "a period of at most ten years"))
    return start, end


def ledger(
    uow: BondedUnitOfWork, actor: Actor, start: date | None, end: date | None, account_id: str | None = None
) -> Ledger:
    """Movements of the period in order, with a running balance per account (and unit): every holding account
    of the viewer, or the one asked for (any kind, a contra account included)."""
    owner = visible_owner(actor)
    with uow:
        today = _today(uow)
        latest = None
        if start is None and end is None:
            at = uow.bonded.last_movement_at(owner, datetime.combine(today + timedelta(days=1), time(), UTC))
            latest = _aware(at).date() if at is not None else None
        first, last = period(start, end, today, latest)
        begin = datetime.combine(first, time(), UTC)
        finish = datetime.combine(last + timedelta(days=1), time(), UTC)
        accounts = uow.bonded.accounts(owner)
        by_id = {a.id: a for a in accounts}
        if account_id:
            if account_id not in by_id:
                raise NotFound(f"account {account_id} not found")
            shown = {account_id}
        else:
            shown = {a.id for a in accounts if a.kind in HOLDING}
        opening = {k: q for k, q in uow.bonded.posting_sums(begin).items() if k[0] in shown and q != 0}
        movements = uow.bonded.movements(owner, begin, finish, LEDGER_LIMIT + 1)
        truncated = len(movements) > LEDGER_LIMIT
        movements = movements[:LEDGER_LIMIT]
        lot_ids = {lot for _, lot in opening} | {
            p.lot_id for m in movements for p in m.postings if p.account_id in shown
        }
        lots = uow.bonded.lots(lot_ids)
        sections: dict[tuple[str, str], LedgerSection] = {}
        for (acc, lot_id), q in opening.items():
            s = sections.setdefault((acc, lots[lot_id].unit), LedgerSection(by_id[acc], lots[lot_id].unit))
            s.opening += q
            s.closing += q
        for m in movements:
            for p in m.postings:
                if p.account_id not in shown:
                    continue
                lot = lots[p.lot_id]
                s = sections.setdefault((p.account_id, lot.unit), LedgerSection(by_id[p.account_id], lot.unit))
                s.closing += p.quantity
                s.lines.append(LedgerLine(m.at, m, lot, p.quantity, s.closing))
        ordered = sorted(sections.values(), key=lambda s: (s.account.kind not in HOLDING, s.account.id, s.unit))
        return Ledger(first, last, ordered, accounts, truncated)


# --- a lot ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LotLine:
    movement: Movement
    postings: list[tuple[Account, Decimal]]  # this lot's postings of the movement
    held: Decimal  # the lot's quantity in stock and work orders after the movement


@dataclass(frozen=True, slots=True)
class LotView:
    lot: Lot
    balances: list[tuple[Account, Decimal]]
    held: Decimal
    lines: list[LotLine]
    duty: Decimal | None  # suspended on what is held


def lot_view(uow: BondedUnitOfWork, actor: Actor, config: BondedConfig, lot_id: str) -> LotView:
    """A lot, where it is, and every movement of it in order with the quantity held after each."""
    visible_owner(actor)
    with uow:
        lot = _lot_for(uow, actor, lot_id)
        accounts = {a.id: a for a in uow.bonded.accounts(lot.owner_id)}
        balances = [(account, q) for account, lt, q in uow.bonded.balances(lot.owner_id) if lt.id == lot.id and q != 0]
        held = ZERO
        lines = []
        for m in uow.bonded.movements_of_lot(lot.id):
            postings = [(accounts[p.account_id], p.quantity) for p in m.postings if p.lot_id == lot.id]
            held += sum((q for a, q in postings if a.kind in HOLDING), ZERO)
            lines.append(LotLine(m, postings, held))
        in_bond = sum((q for a, q in balances if a.kind in HOLDING), ZERO)
        return LotView(lot, balances, in_bond, lines, duty_suspended(config, lot, in_bond, _today(uow)))


# --- fuel -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UpliftRow:
    id: str
    at: datetime
    supplier: str
    airline: str
    flight: str
    aircraft: str
    next_airport: str
    international: bool
    tank: str
    litres: Decimal  # at 15 degC
    density: Decimal | None  # kg/m3 at 15 degC, when the uplift recorded it
    kg: Decimal | None
    duty_paid: Decimal  # CNY, domestic departures
    duty_suspended: Decimal | None  # CNY, international departures: what the fuel would have owed
    declaration_ref: str | None


def _visible_uplifts(uow: BondedUnitOfWork, actor: Actor, month: str) -> list[dict[str, Any]]:
    if not actor.is_enterprise_bound:
        return uow.bonded.records("uplift", order_by="at", month=month)
    own = actor.enterprise_id
    rows = {r["id"]: r for r in uow.bonded.records("uplift", order_by="at", supplier_id=own, month=month)}
    rows.update({r["id"]: r for r in uow.bonded.records("uplift", order_by="at", airline_id=own, month=month)})
    return sorted(rows.values(), key=lambda r: (_aware(r["at"]), r["id"]))


def month_of(value: str, today: date, latest: str | None = None) -> str:
    """The month asked for; by default the current one, or the latest with an uplift when that is earlier."""
    if not value:
        current = today.strftime("%Y-%m")
        return latest if latest is not None and latest < current else current
    try:
        return datetime.strptime(value, "%Y-%m").replace(tzinfo=UTC).strftime("%Y-%m")
    except ValueError:
        raise ValidationFailed(field_error("month", "%(value)r is not a month YYYY-MM", value=value)) from None


def uplifts(
    uow: BondedUnitOfWork, actor: Actor, config: BondedConfig, month: str = ""
) -> tuple[str, list[UpliftRow], bool]:
    """The month's uplifts the viewer may see (as supplier or as airline), newest first: litres at 15 degC, kg,
    duty paid (domestic) or suspended (international); and whether the list was cut."""
    visible_owner(actor)
    with uow:
        latest = None if month else uow.bonded.last_uplift_month(actor.enterprise_id)
        wanted = month_of(month, _today(uow), latest)
        rows = list(reversed(_visible_uplifts(uow, actor, wanted)))
        cut = len(rows) > UPLIFT_LIMIT
        out = []
        for r in rows[:UPLIFT_LIMIT]:
            m = uow.bonded.movement(r["id"])
            details = dict(m.details or {}) if m else {}
            density = Decimal(str(details["density_15c"])) if details.get("density_15c") else None
            litres = Decimal(r["quantity"])
            suspended = None
            if r["international"] and m is not None:
                day = _aware(r["at"]).date()
                lots = uow.bonded.lots(p.lot_id for p in m.postings)
                quotes = [duty_suspended(config, lots[p.lot_id], p.quantity, day) for p in m.postings if p.quantity > 0]
                suspended = (
                    sum((q for q in quotes if q is not None), ZERO) if any(q is not None for q in quotes) else None
                )
            out.append(
                UpliftRow(
                    id=r["id"],
                    at=_aware(r["at"]),
                    supplier=r["supplier_id"],
                    airline=r["airline_id"],
                    flight=r["flight_number"],
                    aircraft=r["aircraft_registration"],
                    next_airport=r["next_airport"],
                    international=bool(r["international"]),
                    tank=r["tank"],
                    litres=litres,
                    density=density,
                    kg=kilograms(litres, density) if density is not None else None,
                    duty_paid=Decimal(r["duty"]),
                    duty_suspended=suspended,
                    declaration_ref=r["declaration_ref"],
                )
            )
        return wanted, out, cut


def fuel_tanks(uow: BondedUnitOfWork, actor: Actor, owner: str | None) -> list[tuple[str, Decimal]]:
    """Tanks (sites PORT/TANK) where the owner holds fuel, with the litres at 15 degC held."""
    require(actor, OPERATORS, "book uplifts")
    with uow:
        tanks: dict[str, Decimal] = {}
        for account, lot, q in uow.bonded.balances(owner):
            if account.kind is AccountKind.STOCK and lot.category is Category.FUEL and q > 0 and account.site:
                tanks[account.site] = tanks.get(account.site, ZERO) + q
        return sorted(tanks.items())


# --- maintenance ------------------------------------------------------------------------------------------


def work_orders(uow: BondedUnitOfWork, actor: Actor, status: str = "") -> list[dict[str, Any]]:
    owner = visible_owner(actor)
    if status and status not in {s.value for s in WorkOrderStatus}:
        raise ValidationFailed(field_error("status", "%(status)r is not open or closed", status=status))
    with uow:
        rows = uow.bonded.records("work_order", order_by="opened_at", owner_id=owner, status=status or None)
        return list(reversed(rows))


@dataclass(frozen=True, slots=True)
class PartLine:
    movement: Movement
    lot: Lot
    quantity: Decimal
    direction: str  # drawn | fitted | removed


@dataclass(frozen=True, slots=True)
class WorkOrderView:
    order: dict[str, Any]
    holds: list[tuple[Lot, Decimal]]
    parts: list[PartLine]


def work_order_view(uow: BondedUnitOfWork, actor: Actor, wo_id: str) -> WorkOrderView:
    """A work order: the parts drawn into it from bonded stock, fitted to the aircraft, removed from it."""
    visible_owner(actor)
    with uow:
        wo = _work_order(uow, actor, wo_id, open_only=False)
        account = wo["account_id"]
        holds = [(lot, q) for acc, lot, q in uow.bonded.balances(wo["owner_id"]) if acc.id == account and q > 0]
        parts: list[PartLine] = []
        for m in uow.bonded.movements(wo["owner_id"], limit=100_000, kinds=WORK_ORDER_KINDS):
            if (m.details or {}).get("work_order") != wo_id:
                continue
            lots = uow.bonded.lots(p.lot_id for p in m.postings)
            for p in m.postings:
                if p.quantity <= 0:
                    continue
                if m.kind is MovementKind.WORK_ORDER_DRAW and p.account_id == account:
                    parts.append(PartLine(m, lots[p.lot_id], p.quantity, "drawn"))
                elif m.kind is MovementKind.WORK_ORDER_FIT:
                    parts.append(PartLine(m, lots[p.lot_id], p.quantity, "fitted"))
                elif m.kind is MovementKind.WORK_ORDER_REMOVAL:
                    parts.append(PartLine(m, lots[p.lot_id], p.quantity, "removed"))
        return WorkOrderView(wo, holds, parts)


# --- stocktakes -------------------------------------------------------------------------------------------


def stock_sites(uow: BondedUnitOfWork, actor: Actor) -> list[tuple[str, str, int]]:
    """(owner, site, lots) where stock is held: a count sheet can be drawn up for each."""
    owner = visible_owner(actor)
    with uow:
        lots: dict[tuple[str, str], int] = defaultdict(int)
        for a, _lot, q in uow.bonded.balances(owner):
            if a.kind is AccountKind.STOCK and a.site and q > 0:
                lots[(a.owner_id, a.site)] += 1
        return [(o, site, n) for (o, site), n in sorted(lots.items())]


def count_sheet(uow: BondedUnitOfWork, actor: Actor, owner: str, site: str) -> list[tuple[Lot, str]]:
    """The lots to count at a site (a blind count: the book quantity is not shown), with their unit."""
    require(actor, OPERATORS, "count stock")
    with uow:
        return [
            (lot, lot.unit)
            for account, lot, q in uow.bonded.balances(owner)
            if account.kind is AccountKind.STOCK and account.site == site and q > 0
        ]


@dataclass(frozen=True, slots=True)
class CountLine:
    id: str
    lot: Lot
    book: Decimal
    counted: Decimal
    status: str
    movement_id: str | None

    @property
    def difference(self) -> Decimal:
        return self.counted - self.book


@dataclass(frozen=True, slots=True)
class Stocktake:
    id: str
    site: str
    owner: str
    counted_at: datetime
    lines: list[CountLine]

    @property
    def open(self) -> int:
        return sum(1 for x in self.lines if x.status == CountStatus.OPEN.value)


def stocktakes(uow: BondedUnitOfWork, actor: Actor, stocktake_id: str | None = None) -> list[Stocktake]:
    """Stocktakes the viewer may see, newest first (or the one asked for: not found when not visible)."""
    owner = visible_owner(actor)
    with uow:
        rows = uow.bonded.records("count", order_by="counted_at", owner_id=owner, stocktake_id=stocktake_id)
        if stocktake_id is not None and not rows:
            raise NotFound(f"stocktake {stocktake_id} not found")
        lots = uow.bonded.lots({r["lot_id"] for r in rows})
        grouped: dict[str, Stocktake] = {}
        for r in rows:
            account = uow.bonded.account(r["account_id"])
            st = grouped.setdefault(
                r["stocktake_id"],
                Stocktake(
                    r["stocktake_id"],
                    (account.site if account else None) or "",
                    r["owner_id"],
                    _aware(r["counted_at"]),
                    [],
                ),
            )
            st.lines.append(
                CountLine(
                    r["id"],
                    lots[r["lot_id"]],
                    Decimal(r["book"]),
                    Decimal(r["counted"]),
                    r["status"],
                    r["movement_id"],
                )
            )
        return sorted(grouped.values(), key=lambda s: (s.counted_at, s.id), reverse=True)
