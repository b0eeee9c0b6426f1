"""Use cases of the bonded ledgers: one function per command, each one transaction, each movement audited.

Warehouses: admission, handling, transfer, withdrawal, losses, stocktakes, alerts.
Aircraft maintenance: work orders, parts drawn and fitted, removed parts, repair outcomes, destruction.
Aviation fuel: receipts, uplifts per flight, monthly consolidated declarations, daily dip/meter readings.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from silkport.bonded.domain.model import (
    COUNT_EDGES,
    JET_DENSITY_RANGE,
    LOSS_EDGES,
    NEVER_DOMESTIC,
    REEXPORT_DUE,
    ZERO,
    Account,
    AccountKind,
    AdjustmentReason,
    AlertStatus,
    Category,
    CountStatus,
    CustomsStatus,
    DutyQuote,
    InsufficientStock,
    LossStatus,
    Lot,
    Movement,
    MovementKind,
    Posting,
    Purpose,
    WorkOrderStatus,
    account_id,
    check_declaration,
    check_declared_quantity,
    check_edge,
    check_movement,
    is_domestic_airport,
    is_domestic_registration,
    loss_split,
    percent,
    pick_fifo,
    quantity,
    shortage_alert,
    split_consumption,
    transfer,
)
from silkport.bonded.services.ports import BondedUnitOfWork, DeclarationLookup, DutyCalculator
from silkport.shared.actor import Actor, Role
from silkport.shared.codes import is_country, is_currency
from silkport.shared.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from silkport.shared.money import to_decimal
from silkport.shared.text import field_error, templated

#: who moves bonded stock (their own enterprise's only)
OPERATORS = frozenset({Role.WAREHOUSE_KEEPER, Role.AIRLINE, Role.ADMIN})
#: who decides for customs: losses, shortage alerts, stocktake discrepancies, unit consumption norms
CUSTOMS = frozenset({Role.CUSTOMS_OFFICER, Role.CUSTOMS_SUPERVISOR, Role.ADMIN})
#: who reads: the enterprise's own users, and zone staff
READERS = frozenset(
    {
        Role.WAREHOUSE_KEEPER,
        Role.AIRLINE,
        Role.TRADER,
        Role.LOGISTICS_OPERATOR,
        Role.CUSTOMS_OFFICER,
        Role.CUSTOMS_SUPERVISOR,
        Role.ANALYST,
        Role.ADMIN,
    }
)
_HS = re.compile(r"^\d{6}(\d{2}){0,2}$")
_SITE = re.compile(r"^[A-Z0-9-]{2,32}(/[A-Z0-9-]{1,16})?$")
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:/._-]{2,63}$")
_FLIGHT = re.compile(r"^[A-Z0-9]{2}[0-9]{1,4}[A-Z]?$")
_REGISTRATION = re.compile(r"^[A-Z0-9]{1,2}-?[A-Z0-9]{1,5}$")
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
MONTHLY_PREFIX = "monthly"
_STOCKTAKE_KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class BondedConfig:
    """What the services need besides the unit of work (built once by the composition root)."""

    duty: DutyCalculator
    sites: frozenset[str]  # port codes of the zone; a site is "PORT" or "PORT/BIN" (a tank, a bay)
    units: Mapping[str, int]  # UN/ECE Rec. 20 code -> decimals allowed
    storage_days: int = 365  # permitted storage time in a bonded warehouse (extendable by customs)
    reexport_days: int = 90  # repairs: re-export deadline from admission or removal
    alert_days: int = 30  # warn this many days before a limit
    shortage_pct: Decimal = Decimal(1)  # a shortage over 1% of the lot ...
    shortage_duty: Decimal = Decimal(500)  # ... or with duty over 500 CNY raises an alert
    fuel_tolerance_pct: Decimal = Decimal("0.5")
    home_country: str = "CN"
    #: clearance's declarations; None checks references for shape only (ledger-mechanics tests, the bench)
    declarations: DeclarationLookup | None = None


def _declared(
    config: BondedConfig,
    uow: BondedUnitOfWork,
    ref: str,
    purpose: Purpose,
    owner: str,
    moves: Iterable[tuple[str, str, Decimal]],
    field: str = "declaration_ref",
) -> None:
    """Goods enter and leave bond only under a cleared declaration of the owner that declares them, and never
    more of them than it declares (``moves``: HS code, unit, quantity)."""
    if config.declarations is None:
        return
    facts = config.declarations.facts(ref)
    moves = list(moves)
    check_declaration(facts, purpose, owner, [hs for hs, _, _ in moves], field)
    assert facts is not None
    totals: dict[tuple[str, str], Decimal] = {}
    for hs, unit, q in moves:
        totals[(hs[:6], unit)] = totals.get((hs[:6], unit), ZERO) + q
    uow.bonded.lock_declaration(ref)  # two movements racing under one declaration: one waits for the other
    for (hs6, unit), q in sorted(totals.items()):
        already = uow.bonded.moved_under(ref, hs6, unit, entry=purpose is Purpose.ENTRY)
        check_declared_quantity(facts, hs6, unit, already, q, field)


def new_id() -> str:
    return uuid.uuid4().hex


def _day(at: datetime) -> date:
    return at.astimezone(UTC).date()


# ---------------------------------------------------------------------------------------------------------
# authorisation


def require(actor: Actor, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"a {actor.role.label.lower()} may not {what}")


def _owner(actor: Actor, stated: str | None) -> str:
    """The enterprise acting: an enterprise-bound user's own; zone staff must name it."""
    if actor.is_enterprise_bound:
        if stated and stated != actor.enterprise_id:
            raise NotFound(templated("enterprise %(stated)s not found", stated=stated))
        assert actor.enterprise_id is not None
        return actor.enterprise_id
    if not stated:
        raise ValidationFailed(field_error("owner", "zone staff must name the enterprise (owner)"))
    return stated


def visible_owner(actor: Actor) -> str | None:
    require(actor, READERS, "read bonded ledgers")
    return actor.enterprise_id if actor.is_enterprise_bound else None


def _lot_for(uow: BondedUnitOfWork, actor: Actor, lot_id: str) -> Lot:
    lot = uow.bonded.lot(lot_id)
    if lot is None or not actor.sees_enterprise(lot.owner_id):
        raise NotFound(templated("lot %(lot_id)s not found", lot_id=lot_id))
    return lot


# ---------------------------------------------------------------------------------------------------------
# validation


def _site(config: BondedConfig, value: str, name: str = "site") -> str:
    site = value.strip().upper()
    if not _SITE.match(site):
        raise ValidationFailed(
            field_error(name, "%(value)r is not a site code (PORT or PORT/BIN, e.g. URC-AIR/T1)", value=value)
        )
    if site.split("/")[0] not in config.sites:
        raise ValidationFailed(field_error(name, "%(site)r is not a port of the zone", site=site.split("/")[0]))
    return site


def _ref(value: str | None, name: str, *, required: bool = True) -> str | None:
    if value is None or not value.strip():
        if required:
            raise ValidationFailed(field_error(name, "is required"))
        return None
    if not _REF.match(value.strip()):
        raise ValidationFailed(
            field_error(name, "%(value)r is not a reference (3-64 letters, digits, :/._-)", value=value)
        )
    return value.strip()


def _qty(config: BondedConfig, value: object, unit: str, name: str) -> Decimal:
    q = quantity(value, name)
    places = config.units.get(unit, 3)
    if q != q.quantize(Decimal(1).scaleb(-places)):
        raise ValidationFailed(
            field_error(
                name,
                "%(quantity)s %(unit)s: a quantity in %(unit)s has at most %(places)s decimals",
                quantity=q,
                unit=unit,
                places=places,
            )
        )
    return q


def _unit(config: BondedConfig, value: str) -> str:
    if value not in config.units:
        raise ValidationFailed(
            field_error(
                "unit",
                "%(value)r is not a UN/ECE Rec. 20 unit the ledger takes: %(units)s",
                value=value,
                units=sorted(config.units),
            )
        )
    return value


def _amount(value: object, name: str) -> Decimal:
    try:
        amount = to_decimal(value, name)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(FieldError(name, str(exc))) from exc
    if amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e17"):
        raise ValidationFailed(
            field_error(name, "%(amount)s must be a non-negative amount with at most 2 decimals", amount=amount)
        )
    return amount


# ---------------------------------------------------------------------------------------------------------
# the one way into the ledger


class DuplicateKey(Exception):
    """Another transaction booked a movement with the same key meanwhile."""


def _accounts_of(uow: BondedUnitOfWork, postings: Sequence[Posting]) -> dict[str, Account]:
    found: dict[str, Account] = {}
    for p in postings:
        a = uow.bonded.account(p.account_id)
        if a is not None:
            found[p.account_id] = a
    return found


def post(
    uow: BondedUnitOfWork,
    actor: Actor,
    kind: MovementKind,
    owner_id: str,
    postings: Sequence[Posting],
    *,
    key: str | None = None,
    declaration_ref: str | None = None,
    approval_ref: str | None = None,
    reason_code: str | None = None,
    duty: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
) -> Movement:
    """Check and book one movement in the caller's transaction (audited, announced); the caller commits."""
    accounts = _accounts_of(uow, postings)
    lots = uow.bonded.lots(p.lot_id for p in postings)
    check_movement(postings, accounts, lots, declaration_ref=declaration_ref, approval_ref=approval_ref)
    movement = Movement(
        id=new_id(),
        kind=kind,
        owner_id=owner_id,
        at=uow.clock.now(),
        actor_id=actor.user_id,
        postings=tuple(postings),
        key=f"{owner_id}:{key}" if key else None,
        declaration_ref=declaration_ref,
        approval_ref=approval_ref,
        reason_code=reason_code,
        duty=duty,
        details=details,
    )
    if not uow.bonded.add_movement(movement, accounts):
        raise DuplicateKey(movement.key)
    summary = movement_view(movement)
    uow.audit.record(
        actor=actor,
        action=f"bonded.{kind.value}",
        object_type="bonded_movement",
        object_id=movement.id,
        before=None,
        after=summary,
    )
    uow.outbox.emit(owner_id, "bonded.movement.booked", {"movement": summary}, movement.at)
    return movement


def _once(
    uow_factory: Callable[[], BondedUnitOfWork],
    owner_id: str,
    key: str | None,
    kind: MovementKind,
    work: Callable[[BondedUnitOfWork], Movement],
) -> Movement:
    """Run ``work`` in one transaction unless a movement with ``key`` exists: then return that one."""
    full_key = f"{owner_id}:{key}" if key else None
    for _attempt in range(2):
        with uow_factory() as uow:
            if full_key is not None:
                existing = uow.bonded.movement_by_key(full_key)
                if existing is not None:
                    if existing.kind is not kind:
                        raise Conflict(
                            templated("key %(key)r was used for a %(kind)s movement", key=key, kind=existing.kind.value)
                        )
                    return existing
            try:
                movement = work(uow)
            except DuplicateKey:
                uow.rollback()
                continue
            uow.commit()
            return movement
    raise Conflict(templated("key %(key)r is being used by a concurrent request; retry", key=key))


def movement_view(m: Movement) -> dict[str, Any]:
    return {
        "id": m.id,
        "kind": m.kind.value,
        "owner": m.owner_id,
        "at": m.at.isoformat(),
        "key": m.key.split(":", 1)[1] if m.key else None,
        "declaration_ref": m.declaration_ref,
        "approval_ref": m.approval_ref,
        "reason_code": m.reason_code,
        "duty": dict(m.duty) if m.duty is not None else None,
        "details": dict(m.details) if m.details is not None else None,
        "postings": [{"account": p.account_id, "lot": p.lot_id, "quantity": str(p.quantity)} for p in m.postings],
    }


def _stock_account(uow: BondedUnitOfWork, owner_id: str, site: str) -> Account:
    return uow.bonded.ensure_account(
        Account(account_id(AccountKind.STOCK, owner_id, site), AccountKind.STOCK, owner_id, site, f"stock at {site}")
    )


def _contra(uow: BondedUnitOfWork, kind: AccountKind, owner_id: str) -> Account:
    return uow.bonded.ensure_account(Account(account_id(kind, owner_id), kind, owner_id, None, kind.value))


@dataclass(frozen=True)
class Pick:
    """Which stock a command takes: named lots with quantities, or a quantity FIFO (optionally of one HS code)."""

    lots: tuple[tuple[str, Any], ...] = ()  # (lot id, quantity)
    quantity: Any = None
    hs_code: str | None = None


def _pick(
    uow: BondedUnitOfWork,
    actor: Actor,
    account: Account,
    pick: Pick,
    categories: frozenset[Category] | None = None,
) -> list[tuple[Lot, Decimal]]:
    """The lots and quantities a command takes; FIFO considers only ``categories`` when given."""
    if pick.lots and pick.quantity is not None:
        raise ValidationFailed(field_error("quantity", "name lots or give a quantity to take FIFO, not both"))
    if pick.lots:
        chosen: list[tuple[Lot, Decimal]] = []
        seen: set[str] = set()
        for i, (lot_id, q) in enumerate(pick.lots):
            if lot_id in seen:
                raise ValidationFailed(field_error(f"lots[{i}].lot", "lot %(lot_id)s is named twice", lot_id=lot_id))
            seen.add(lot_id)
            lot = uow.bonded.lot(lot_id)
            if lot is None or not actor.sees_enterprise(lot.owner_id) or lot.owner_id != account.owner_id:
                raise NotFound(templated("lot %(lot_id)s not found", lot_id=lot_id))
            chosen.append((lot, q))
        return chosen
    if pick.quantity is None:
        raise ValidationFailed(field_error("quantity", "name lots or give a quantity to take FIFO"))
    available = uow.bonded.available(account.id)
    if pick.hs_code is not None or categories is not None:
        lots = uow.bonded.lots(a.lot_id for a in available)
        available = [
            a
            for a in available
            if (pick.hs_code is None or lots[a.lot_id].hs_code == pick.hs_code)
            and (categories is None or lots[a.lot_id].category in categories)
        ]
    picks = pick_fifo(available, pick.quantity, what=f"{account.id}")
    lots = uow.bonded.lots(lot for lot, _ in picks)
    units = {lots[lot].unit for lot, _ in picks}
    if len(units) > 1:
        raise ValidationFailed(
            field_error("quantity", "FIFO would mix units %(units)s: name an HS code or lots", units=sorted(units))
        )
    return [(lots[lot], q) for lot, q in picks]


def _quote(config: BondedConfig, lot: Lot, q: Decimal, on: date) -> DutyQuote:
    return config.duty.quote(
        hs_code=lot.hs_code,
        origin=lot.origin,
        quantity=q,
        unit=lot.unit,
        value=lot.value_of(q),
        currency=lot.currency,
        on=on,
    )


def _duty_record(quotes: Mapping[str, DutyQuote]) -> dict[str, Any]:
    total = sum((q.total for q in quotes.values()), ZERO)
    return {"currency": "CNY", "total": str(total), "lots": {lot: q.as_dict() for lot, q in quotes.items()}}


# ---------------------------------------------------------------------------------------------------------
# warehouses


@dataclass(frozen=True)
class Admission:
    site: str
    declaration_ref: str
    hs_code: str
    description: str
    origin: str
    unit: str
    quantity: object
    value: object
    currency: str
    owner: str | None = None
    category: Category = Category.GOODS
    status: CustomsStatus = CustomsStatus.BONDED
    storage_days: int | None = None
    reexport_by: date | None = None
    loss_allowance_pct: object = "0"
    key: str | None = None
    kind: MovementKind = MovementKind.ADMISSION


def admit(
    uow_factory: Callable[[], BondedUnitOfWork], actor: Actor, config: BondedConfig, cmd: Admission
) -> tuple[Movement, Lot]:
    require(actor, OPERATORS, "admit goods")
    owner = _owner(actor, cmd.owner)
    site = _site(config, cmd.site)
    unit = _unit(config, cmd.unit)
    errors: list[FieldError] = []
    if not _HS.match(cmd.hs_code):
        errors.append(field_error("hs_code", "%(hs_code)r is not an HS code of 6, 8 or 10 digits", hs_code=cmd.hs_code))
    if not is_country(cmd.origin):
        errors.append(field_error("origin", "%(origin)r is not an ISO 3166 country code", origin=cmd.origin))
    if not is_currency(cmd.currency):
        errors.append(field_error("currency", "%(currency)r is not an ISO 4217 currency code", currency=cmd.currency))
    if not cmd.description.strip():
        errors.append(field_error("description", "is empty"))
    if cmd.category is Category.REMOVED_PART:
        errors.append(field_error("category", "removed parts come from a work order, not an admission"))
    if cmd.storage_days is not None and not 1 <= cmd.storage_days <= 3650:
        errors.append(field_error("storage_days", "must be between 1 and 3650"))
    if errors:
        raise ValidationFailed(errors)
    q = _qty(config, cmd.quantity, unit, "quantity")
    value = _amount(cmd.value, "value")
    allowance = percent(cmd.loss_allowance_pct, "loss_allowance_pct")
    declaration = _ref(cmd.declaration_ref, "declaration_ref")
    assert declaration is not None
    lot_holder: list[Lot] = []

    def work(uow: BondedUnitOfWork) -> Movement:
        if cmd.status is CustomsStatus.BONDED:
            _declared(config, uow, declaration, Purpose.ENTRY, owner, [(cmd.hs_code, unit, q)])
        now = uow.clock.now()
        reexport_by = cmd.reexport_by
        if reexport_by is None and cmd.category in REEXPORT_DUE:
            reexport_by = _day(now) + timedelta(days=config.reexport_days)
        lot = Lot(
            id=new_id(),
            owner_id=owner,
            status=cmd.status,
            category=cmd.category,
            hs_code=cmd.hs_code,
            description=cmd.description.strip(),
            origin=cmd.origin,
            unit=unit,
            quantity=q,
            value=value,
            currency=cmd.currency,
            declaration_ref=declaration,
            admitted_at=now,
            expires_on=_day(now) + timedelta(days=cmd.storage_days or config.storage_days),
            reexport_by=reexport_by,
            loss_allowance_pct=allowance,
        )
        uow.bonded.add_lot(lot)
        lot_holder.append(lot)
        source_kind = AccountKind.SUPPLIER if cmd.kind is MovementKind.FUEL_RECEIPT else AccountKind.ABROAD
        source = _contra(uow, source_kind, owner)
        stock = _stock_account(uow, owner, site)
        return post(
            uow,
            actor,
            cmd.kind,
            owner,
            transfer(source.id, stock.id, lot.id, q),
            key=cmd.key,
            declaration_ref=declaration,
            details={"site": site},
        )

    movement = _once(uow_factory, owner, cmd.key, cmd.kind, work)
    if lot_holder:
        return movement, lot_holder[0]
    with uow_factory() as uow:
        lot = uow.bonded.lot(movement.postings[-1].lot_id)
        assert lot is not None
        return movement, lot


@dataclass(frozen=True)
class HandlingOutput:
    quantity: object
    description: str | None = None
    hs_code: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Handling:
    site: str
    operation: str  # repack, split, label, process
    inputs: tuple[tuple[str, object], ...]
    outputs: tuple[HandlingOutput, ...]
    norm_id: str | None = None
    owner: str | None = None
    key: str | None = None


HANDLING_OPERATIONS = ("repack", "split", "label", "process", "repair")


def handle(
    uow_factory: Callable[[], BondedUnitOfWork], actor: Actor, config: BondedConfig, cmd: Handling
) -> tuple[Movement, list[str]]:
    """Permitted handling: inputs consumed, output lots created, process loss and shortage booked apart."""
    require(actor, OPERATORS, "handle goods")
    owner = _owner(actor, cmd.owner)
    site = _site(config, cmd.site)
    if cmd.operation not in HANDLING_OPERATIONS:
        raise ValidationFailed(
            field_error(
                "operation",
                "%(operation)r is not one of %(HANDLING_OPERATIONS)s",
                operation=cmd.operation,
                HANDLING_OPERATIONS=HANDLING_OPERATIONS,
            )
        )
    if not cmd.inputs:
        raise ValidationFailed(field_error("inputs", "name at least one input lot"))
    if not cmd.outputs:
        raise ValidationFailed(field_error("outputs", "give at least one output"))
    created: list[str] = []

    def work(uow: BondedUnitOfWork) -> Movement:
        created.clear()
        stock = _stock_account(uow, owner, site)
        inputs: list[tuple[Lot, Decimal]] = []
        for i, (lot_id, raw) in enumerate(cmd.inputs):
            lot = uow.bonded.lot(lot_id)
            if lot is None or not actor.sees_enterprise(lot.owner_id) or lot.owner_id != owner:
                raise NotFound(templated("lot %(lot_id)s not found", lot_id=lot_id))
            inputs.append((lot, _qty(config, raw, lot.unit, f"inputs[{i}].quantity")))
        first = inputs[0][0]
        if len({lot.id for lot, _ in inputs}) != len(inputs):
            raise ValidationFailed(field_error("inputs", "a lot is named twice"))
        if len({lot.status for lot, _ in inputs}) > 1:
            raise ValidationFailed(field_error("inputs", "inputs of different customs status cannot be mixed"))
        if len({lot.unit for lot, _ in inputs}) > 1:
            raise ValidationFailed(field_error("inputs", "inputs in different units cannot be handled together"))
        used = sum((q for _, q in inputs), ZERO)
        outputs: list[tuple[HandlingOutput, str, str, Decimal]] = []
        for i, out in enumerate(cmd.outputs):
            unit = _unit(config, out.unit) if out.unit else first.unit
            hs = out.hs_code or first.hs_code
            if not _HS.match(hs):
                raise ValidationFailed(field_error(f"outputs[{i}].hs_code", "%(hs)r is not an HS code", hs=hs))
            outputs.append((out, unit, hs, _qty(config, out.quantity, unit, f"outputs[{i}].quantity")))
        produced = sum((q for _, _, _, q in outputs), ZERO)
        norm: dict[str, Any] | None = None
        if cmd.norm_id is not None:
            norm = uow.bonded.record("norm", cmd.norm_id)
            if norm is None or norm["owner_id"] != owner:
                raise NotFound(templated("unit consumption norm %(norm_id)s not found", norm_id=cmd.norm_id))
            split = split_consumption(
                used, produced, Decimal(norm["input_per_output"]), Decimal(norm["allowed_loss_pct"])
            )
        else:
            if any(unit != first.unit for _, unit, _, _ in outputs) or any(
                hs != first.hs_code for _, _, hs, _ in outputs
            ):
                raise ValidationFailed(
                    field_error("norm_id", "a change of HS code or unit needs a registered unit consumption")
                )
            if len({lot.hs_code for lot, _ in inputs}) > 1:
                raise ValidationFailed(field_error("inputs", "inputs of different HS codes need a norm"))
            split = split_consumption(used, produced, Decimal(1), ZERO)
        transform = _contra(uow, AccountKind.TRANSFORM, owner)
        postings: list[Posting] = []
        # the input splits pro rata into standard consumption, process loss and shortage
        parts = {"standard": split.standard, "process": split.process_loss, "shortage": split.shortage}
        sinks = {
            "standard": transform,
            "process": _contra(uow, AccountKind.PROCESS_LOSS, owner),
            "shortage": _contra(uow, AccountKind.SHORTAGE, owner),
        }
        remaining = {lot.id: q for lot, q in inputs}
        for name, total in parts.items():
            left = total
            for lot, _q in inputs:
                if left <= 0:
                    break
                take = min(remaining[lot.id], left)
                if take > 0:
                    postings += transfer(stock.id, sinks[name].id, lot.id, take)
                    remaining[lot.id] -= take
                    left -= take
        value = sum((lot.value_of(q) for lot, q in inputs), ZERO)
        for out, unit, hs, q in outputs:
            lot = Lot(
                id=new_id(),
                owner_id=owner,
                status=first.status,
                category=first.category,
                hs_code=hs,
                description=(out.description or first.description).strip(),
                origin=first.origin,
                unit=unit,
                quantity=q,
                value=(value * q / produced).quantize(Decimal("0.01")),
                currency=first.currency,
                declaration_ref=first.declaration_ref,
                admitted_at=min(lot.admitted_at for lot, _ in inputs),
                expires_on=min((lot.expires_on for lot, _ in inputs if lot.expires_on), default=None),
                reexport_by=first.reexport_by,
                loss_allowance_pct=first.loss_allowance_pct,
                parent_id=first.id,
            )
            uow.bonded.add_lot(lot)
            created.append(lot.id)
            postings += transfer(transform.id, stock.id, lot.id, q)
        movement = post(
            uow,
            actor,
            MovementKind.HANDLING,
            owner,
            postings,
            key=cmd.key,
            approval_ref=cmd.norm_id or ("norm:1:1" if split.process_loss else None),
            details={
                "operation": cmd.operation,
                "site": site,
                "standard": str(split.standard),
                "process_loss": str(split.process_loss),
                "shortage": str(split.shortage),
                "outputs": list(created),
            },
        )
        if split.shortage > 0:
            _shortage(uow, actor, config, inputs, split.shortage, movement)
        return movement

    movement = _once(uow_factory, owner, cmd.key, MovementKind.HANDLING, work)
    if created:
        return movement, list(created)
    stored: Any = (movement.details or {}).get("outputs", [])
    return movement, [str(x) for x in stored]


def _shortage(
    uow: BondedUnitOfWork,
    actor: Actor,
    config: BondedConfig,
    inputs: Sequence[tuple[Lot, Decimal]],
    shortage: Decimal,
    movement: Movement,
) -> None:
    lot = inputs[0][0]
    duty = ZERO
    if lot.status is CustomsStatus.BONDED:
        duty = _quote(config, lot, shortage, _day(movement.at)).total
    if shortage_alert(shortage, lot.quantity, duty, config.shortage_pct, config.shortage_duty):
        alert = uow.bonded.add_record(
            "alert",
            id=new_id(),
            owner_id=lot.owner_id,
            kind="shortage",
            lot_id=lot.id,
            movement_id=movement.id,
            quantity=shortage,
            duty=duty,
            status=AlertStatus.OPEN.value,
            opened_at=movement.at,
        )
        uow.audit.record(
            actor=actor,
            action="bonded.alert.opened",
            object_type="bonded_alert",
            object_id=alert["id"],
            before=None,
            after={"lot": lot.id, "quantity": str(shortage), "duty": str(duty)},
        )
        uow.outbox.emit(
            lot.owner_id,
            "bonded.shortage.alert",
            {"alert": alert["id"], "lot": lot.id, "quantity": str(shortage), "duty": str(duty)},
            movement.at,
        )


@dataclass(frozen=True)
class Transfer:
    from_site: str
    to_site: str
    pick: Pick
    owner: str | None = None
    key: str | None = None


def transfer_stock(
    uow_factory: Callable[[], BondedUnitOfWork], actor: Actor, config: BondedConfig, cmd: Transfer
) -> Movement:
    require(actor, OPERATORS, "transfer goods")
    owner = _owner(actor, cmd.owner)
    source_site = _site(config, cmd.from_site, "from_site")
    target_site = _site(config, cmd.to_site, "to_site")
    if source_site == target_site:
        raise ValidationFailed(field_error("to_site", "is the same site"))

    def work(uow: BondedUnitOfWork) -> Movement:
        source = _stock_account(uow, owner, source_site)
        target = _stock_account(uow, owner, target_site)
        postings: list[Posting] = []
        for lot, q in _pick(uow, actor, source, _checked_pick(config, uow, cmd.pick)):
            postings += transfer(source.id, target.id, lot.id, q)
        return post(
            uow,
            actor,
            MovementKind.TRANSFER,
            owner,
            postings,
            key=cmd.key,
            details={"from": source_site, "to": target_site},
        )

    return _once(uow_factory, owner, cmd.key, MovementKind.TRANSFER, work)


def _checked_pick(config: BondedConfig, uow: BondedUnitOfWork, pick: Pick) -> Pick:
    lots = tuple((lot_id, quantity(q, f"lots[{i}].quantity")) for i, (lot_id, q) in enumerate(pick.lots))
    q = quantity(pick.quantity, "quantity") if pick.quantity is not None else None
    if pick.hs_code is not None and not _HS.match(pick.hs_code):
        raise ValidationFailed(field_error("hs_code", "%(hs_code)r is not an HS code", hs_code=pick.hs_code))
    return Pick(lots, q, pick.hs_code)


@dataclass(frozen=True)
class Withdrawal:
    site: str
    purpose: str  # re_export | home_consumption
    declaration_ref: str
    pick: Pick
    owner: str | None = None
    key: str | None = None


def withdraw(
    uow_factory: Callable[[], BondedUnitOfWork], actor: Actor, config: BondedConfig, cmd: Withdrawal
) -> Movement:
    """Out of bond under a declaration: re-export (nothing due) or home consumption (duty and taxes)."""
    require(actor, OPERATORS, "withdraw goods")
    owner = _owner(actor, cmd.owner)
    site = _site(config, cmd.site)
    declaration = _ref(cmd.declaration_ref, "declaration_ref")
    kinds = {
        "re_export": (MovementKind.WITHDRAWAL_RE_EXPORT, AccountKind.RE_EXPORT),
        "home_consumption": (MovementKind.WITHDRAWAL_CONSUMPTION, AccountKind.CONSUMPTION),
    }
    if cmd.purpose not in kinds:
        raise ValidationFailed(field_error("purpose", "must be re_export or home_consumption"))
    kind, sink_kind = kinds[cmd.purpose]

    def work(uow: BondedUnitOfWork) -> Movement:
        stock = _stock_account(uow, owner, site)
        sink = _contra(uow, sink_kind, owner)
        postings: list[Posting] = []
        quotes: dict[str, DutyQuote] = {}
        picked = _pick(uow, actor, stock, _checked_pick(config, uow, cmd.pick))
        for lot, q in picked:
            lot.check_may_enter(sink_kind)
            postings += transfer(stock.id, sink.id, lot.id, q)
            if sink_kind is AccountKind.CONSUMPTION and lot.status is CustomsStatus.BONDED:
                quotes[lot.id] = _quote(config, lot, q, _day(uow.clock.now()))
        bonded = [(lot.hs_code, lot.unit, q) for lot, q in picked if lot.status is CustomsStatus.BONDED]
        if bonded:
            purpose = Purpose.CONSUMPTION if sink_kind is AccountKind.CONSUMPTION else Purpose.RE_EXPORT
            assert declaration is not None
            _declared(config, uow, declaration, purpose, owner, bonded)
        return post(
            uow,
            actor,
            kind,
            owner,
            postings,
            key=cmd.key,
            declaration_ref=declaration,
            duty=_duty_record(quotes) if quotes else None,
            details={"site": site, "purpose": cmd.purpose},
        )

    return _once(uow_factory, owner, cmd.key, kind, work)


def release_in_place(
    uow_factory: Callable[[], BondedUnitOfWork], actor: Actor, config: BondedConfig, lot_id: str, declaration_ref: str
) -> dict[str, Any]:
    """A whole bonded lot released for home consumption where it lies: its status becomes duty-paid."""
    require(actor, OPERATORS, "release goods")
    declaration = _ref(declaration_ref, "declaration_ref")
    with uow_factory() as uow:
        lot = uow.bonded.lot(lot_id, lock=True)
        if lot is None or not actor.sees_enterprise(lot.owner_id):
            raise NotFound(templated("lot %(lot_id)s not found", lot_id=lot_id))
        target = lot.change_status(CustomsStatus.DUTY_PAID)
        assert declaration is not None
        held_now = uow.bonded.lot_total_in(lot.id, [AccountKind.STOCK, AccountKind.WORK_ORDER])
        _declared(config, uow, declaration, Purpose.CONSUMPTION, lot.owner_id, [(lot.hs_code, lot.unit, held_now)])
        held = uow.bonded.lot_total_in(lot.id, [AccountKind.STOCK, AccountKind.WORK_ORDER])
        quote = _quote(config, lot, held, _day(uow.clock.now())) if held > 0 else None
        uow.bonded.set_lot(lot.id, status=target.value)
        after = {"status": target.value, "declaration_ref": declaration, "quantity": str(held)}
        if quote is not None:
            after["duty"] = quote.as_dict()  # type: ignore[assignment]
        uow.audit.record(
            actor=actor,
            action="bonded.lot.released",
            object_type="bonded_lot",
            object_id=lot.id,
            before={"status": lot.status.value},
            after=after,
        )
        uow.commit()
        return after


# losses ------------------------------------------------------------------------------------------------


def report_loss(
    uow_factory: Callable[[], BondedUnitOfWork],
    actor: Actor,
    config: BondedConfig,
    *,
    site: str,
    lot_id: str,
    quantity_: object,
    reason: str,
) -> dict[str, Any]:
    require(actor, OPERATORS, "report a loss")
    site = _site(config, site)
    if not reason.strip():
        raise ValidationFailed(field_error("reason", "is empty"))
    with uow_factory() as uow:
        lot = _lot_for(uow, actor, lot_id)
        q = _qty(config, quantity_, lot.unit, "quantity")
        stock = _stock_account(uow, lot.owner_id, site)
        if uow.bonded.balance(stock.id, lot.id) < q:
            raise InsufficientStock(f"{site} holds less than {q} {lot.unit} of lot {lot.id}")
        loss = uow.bonded.add_record(
            "loss",
            id=new_id(),
            owner_id=lot.owner_id,
            lot_id=lot.id,
            account_id=stock.id,
            quantity=q,
            reason=reason.strip()[:500],
            status=LossStatus.PENDING.value,
            reported_at=uow.clock.now(),
            reported_by=actor.user_id,
        )
        uow.audit.record(
            actor=actor,
            action="bonded.loss.reported",
            object_type="bonded_loss",
            object_id=loss["id"],
            before=None,
            after={"lot": lot.id, "quantity": str(q), "reason": loss["reason"]},
        )
        uow.outbox.emit(lot.owner_id, "bonded.loss.reported", {"loss": loss["id"], "lot": lot.id}, uow.clock.now())
        uow.commit()
        return loss


def decide_loss(
    uow_factory: Callable[[], BondedUnitOfWork], actor: Actor, config: BondedConfig, loss_id: str, approve: bool
) -> dict[str, Any]:
    """Customs approves (booked as a loss: within the lot's allowance without duty, beyond it with duty) or rejects."""
    require(actor, CUSTOMS, "decide on losses")
    with uow_factory() as uow:
        loss = uow.bonded.record("loss", loss_id, lock=True)
        if loss is None:
            raise NotFound(templated("loss %(loss_id)s not found", loss_id=loss_id))
        target = LossStatus.APPROVED if approve else LossStatus.REJECTED
        check_edge(f"loss {loss_id}", LOSS_EDGES, LossStatus(loss["status"]), target)  # type: ignore[arg-type]
        lot = uow.bonded.lot(loss["lot_id"])
        assert lot is not None
        q = Decimal(loss["quantity"])
        result: dict[str, Any] = {"status": target.value}
        movement_id = None
        if approve:
            lost_before = uow.bonded.lot_total_in(lot.id, [AccountKind.LOSS])
            within, beyond = loss_split(lot, lost_before, q)
            quote = (
                _quote(config, lot, beyond, _day(uow.clock.now()))
                if beyond > 0 and lot.status is CustomsStatus.BONDED
                else None
            )
            sink = _contra(uow, AccountKind.LOSS, lot.owner_id)
            movement = post(
                uow,
                actor,
                MovementKind.LOSS,
                lot.owner_id,
                transfer(loss["account_id"], sink.id, lot.id, q),
                approval_ref=f"loss:{loss_id}",
                reason_code="within_allowance" if beyond == 0 else "beyond_allowance",
                duty=_duty_record({lot.id: quote}) if quote else None,
                details={"within_allowance": str(within), "beyond_allowance": str(beyond), "reason": loss["reason"]},
            )
            movement_id = movement.id
            result.update(
                movement=movement.id,
                within_allowance=str(within),
                beyond_allowance=str(beyond),
                duty=quote.as_dict() if quote else None,
            )
        uow.bonded.update_record(
            "loss",
            loss_id,
            status=target.value,
            decided_by=actor.user_id,
            decided_at=uow.clock.now(),
            movement_id=movement_id,
        )
        uow.audit.record(
            actor=actor,
            action=f"bonded.loss.{target.value}",
            object_type="bonded_loss",
            object_id=loss_id,
            before={"status": loss["status"]},
            after=result,
        )
        uow.commit()
        return {**loss, **result, "status": target.value}


# norms -------------------------------------------------------------------------------------------------


def register_norm(
    uow_factory: Callable[[], BondedUnitOfWork],
    actor: Actor,
    *,
    owner: str,
    name: str,
    input_per_output: object,
    allowed_loss_pct: object,
) -> dict[str, Any]:
    """Customs registers a unit consumption: input per unit of output and the allowed process loss."""
    require(actor, CUSTOMS, "register unit consumption norms")
    if not name.strip():
        raise ValidationFailed(field_error("name", "is empty"))
    try:
        ratio = to_decimal(input_per_output, "input_per_output")
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(FieldError("input_per_output", str(exc))) from exc
    if ratio <= 0 or ratio != ratio.quantize(Decimal("0.000001")) or ratio >= 10**12:
        raise ValidationFailed(
            field_error("input_per_output", "%(ratio)s must be > 0 with at most 6 decimals", ratio=ratio)
        )
    loss = percent(allowed_loss_pct, "allowed_loss_pct")
    with uow_factory() as uow:
        norm = uow.bonded.add_record(
            "norm",
            id=new_id(),
            owner_id=owner,
            name=name.strip()[:200],
            input_per_output=ratio,
            allowed_loss_pct=loss,
            registered_at=uow.clock.now(),
            registered_by=actor.user_id,
        )
        uow.audit.record(
            actor=actor,
            action="bonded.norm.registered",
            object_type="bonded_norm",
            object_id=norm["id"],
            before=None,
            after={"owner": owner, "input_per_output": str(ratio), "allowed_loss_pct": str(loss)},
        )
        uow.commit()
        return norm


# stocktakes --------------------------------------------------------------------------------------------


def stocktake(
    uow_factory: Callable[[], BondedUnitOfWork],
    actor: Actor,
    config: BondedConfig,
    *,
    site: str,
    counts: Sequence[tuple[str, object]],
    owner: str | None = None,
    key: str | None = None,
) -> list[dict[str, Any]]:
    """A stocktake or cycle count: counted vs book per lot; each difference waits for a customs decision.

    ``key`` (32 hex digits) names the stocktake: a repeat with the same key records nothing and returns the
    counts recorded the first time (a resubmitted count sheet never counts twice)."""
    require(actor, OPERATORS, "count stock")
    owner_id = _owner(actor, owner)
    site = _site(config, site)
    if key is not None and not _STOCKTAKE_KEY.match(key):
        raise ValidationFailed(field_error("key", "a stocktake key is 32 lower-case hexadecimal digits"))
    if not counts:
        raise ValidationFailed(field_error("counts", "count at least one lot"))
    with uow_factory() as uow:
        if key is not None:
            uow.bonded.lock_declaration(f"stocktake:{key}")  # a concurrent repeat waits, then finds this one
            done = uow.bonded.records("count", stocktake_id=key)
            if done:
                if any(r["owner_id"] != owner_id for r in done):
                    raise Conflict(templated("key %(key)r names another enterprise's stocktake", key=key))
                return done
        stock = _stock_account(uow, owner_id, site)
        stocktake_id = key or new_id()
        now = uow.clock.now()
        rows = []
        seen: set[str] = set()
        for i, (lot_id, raw) in enumerate(counts):
            lot = uow.bonded.lot(lot_id)
            if lot is None or lot.owner_id != owner_id:
                raise NotFound(templated("lot %(lot_id)s not found", lot_id=lot_id))
            if lot_id in seen:
                raise ValidationFailed(field_error(f"counts[{i}].lot", "counted twice"))
            seen.add(lot_id)
            if uow.bonded.records("count", account_id=stock.id, lot_id=lot_id, status=CountStatus.OPEN.value):
                # a second discrepancy from the same book would be adjusted twice: customs decides the first one
                raise ValidationFailed(
                    field_error(
                        f"counts[{i}].lot", "lot %(lot_id)s has a count awaiting the customs decision", lot_id=lot_id
                    )
                )
            counted = quantity(raw, f"counts[{i}].counted", positive=False)
            if counted < 0:
                raise ValidationFailed(field_error(f"counts[{i}].counted", "is negative"))
            book = uow.bonded.balance(stock.id, lot_id)
            status = CountStatus.AGREED if counted == book else CountStatus.OPEN
            row = uow.bonded.add_record(
                "count",
                id=new_id(),
                stocktake_id=stocktake_id,
                owner_id=owner_id,
                account_id=stock.id,
                lot_id=lot_id,
                book=book,
                counted=counted,
                status=status.value,
                counted_at=now,
                counted_by=actor.user_id,
            )
            rows.append(row)
            if status is CountStatus.OPEN:
                uow.outbox.emit(
                    owner_id,
                    "bonded.count.discrepancy",
                    {"count": row["id"], "lot": lot_id, "book": str(book), "counted": str(counted)},
                    now,
                )
        uow.audit.record(
            actor=actor,
            action="bonded.stocktake",
            object_type="bonded_stocktake",
            object_id=stocktake_id,
            before=None,
            after={"site": site, "counts": [{r["lot_id"]: [str(r["book"]), str(r["counted"])]} for r in rows]},
        )
        uow.commit()
        return rows


def decide_count(
    uow_factory: Callable[[], BondedUnitOfWork], actor: Actor, config: BondedConfig, count_id: str, decision: str
) -> dict[str, Any]:
    """Customs decides a discrepancy: ``write_off`` (a shortage leaves bond with duty) or ``correction``
    (the book is set to the count without duty: a gain booked in, or a book error booked out)."""
    require(actor, CUSTOMS, "decide stocktake discrepancies")
    targets = {"write_off": CountStatus.WRITTEN_OFF, "correction": CountStatus.CORRECTED}
    if decision not in targets:
        raise ValidationFailed(field_error("decision", "must be write_off or correction"))
    with uow_factory() as uow:
        count = uow.bonded.record("count", count_id, lock=True)
        if count is None:
            raise NotFound(templated("count %(count_id)s not found", count_id=count_id))
        target = targets[decision]
        check_edge(f"count {count_id}", COUNT_EDGES, CountStatus(count["status"]), target)  # type: ignore[arg-type]
        lot = uow.bonded.lot(count["lot_id"])
        assert lot is not None
        difference = Decimal(count["counted"]) - Decimal(count["book"])
        if target is CountStatus.WRITTEN_OFF and difference > 0:
            raise ValidationFailed(field_error("decision", "a count above the book is corrected, not written off"))
        owner = lot.owner_id
        stock = count["account_id"]
        quote = None
        if target is CountStatus.WRITTEN_OFF:
            sink = _contra(uow, AccountKind.LOSS, owner)
            postings = transfer(stock, sink.id, lot.id, -difference)
            reason = AdjustmentReason.WRITE_OFF
            if lot.status is CustomsStatus.BONDED:
                quote = _quote(config, lot, -difference, _day(uow.clock.now()))
        else:
            adjustment = _contra(uow, AccountKind.ADJUSTMENT, owner)
            if difference > 0:
                postings = transfer(adjustment.id, stock, lot.id, difference)
                reason = AdjustmentReason.COUNT_GAIN
            else:
                postings = transfer(stock, adjustment.id, lot.id, -difference)
                reason = AdjustmentReason.COUNT_CORRECTION
        movement = post(
            uow,
            actor,
            MovementKind.ADJUSTMENT,
            owner,
            postings,
            approval_ref=f"count:{count_id}",
            reason_code=reason.value,
            duty=_duty_record({lot.id: quote}) if quote else None,
            details={"count": count_id, "book": str(count["book"]), "counted": str(count["counted"])},
        )
        uow.bonded.update_record(
            "count", count_id, status=target.value, decided_by=actor.user_id, movement_id=movement.id
        )
        uow.audit.record(
            actor=actor,
            action=f"bonded.count.{target.value}",
            object_type="bonded_count",
            object_id=count_id,
            before={"status": count["status"]},
            after={"status": target.value, "movement": movement.id},
        )
        uow.commit()
        return {**count, "status": target.value, "movement_id": movement.id, "duty": quote.as_dict() if quote else None}


# alerts ------------------------------------------------------------------------------------------------


def alerts(
    uow: BondedUnitOfWork, actor: Actor, config: BondedConfig, within_days: int | None = None
) -> list[dict[str, Any]]:
    """Open shortage alerts, and lots in bond whose storage limit or re-export deadline is near or past."""
    owner = visible_owner(actor)
    days = config.alert_days if within_days is None else within_days
    with uow:
        today = _day(uow.clock.now())
        horizon = today + timedelta(days=days)
        found: list[dict[str, Any]] = []
        for a in uow.bonded.records("alert", order_by="opened_at", owner_id=owner, status=AlertStatus.OPEN.value):
            found.append(
                {
                    "id": a["id"],
                    "kind": "shortage",
                    "lot": a["lot_id"],
                    "owner": a["owner_id"],
                    "quantity": str(a["quantity"]),
                    "duty": str(a["duty"]),
                    "since": a["opened_at"].isoformat(),
                }
            )
        held: dict[str, Decimal] = {}
        lots: dict[str, Lot] = {}
        for account, lot, q in uow.bonded.balances(owner):
            if account.kind in (AccountKind.STOCK, AccountKind.WORK_ORDER) and q > 0:
                held[lot.id] = held.get(lot.id, ZERO) + q
                lots[lot.id] = lot
        for lot_id, q in held.items():
            lot = lots[lot_id]
            if lot.status is not CustomsStatus.BONDED:
                continue
            for kind, limit in (("storage_expiry", lot.expires_on), ("reexport_deadline", lot.reexport_by)):
                if limit is not None and limit <= horizon:
                    found.append(
                        {
                            "id": f"{kind}:{lot_id}",
                            "kind": kind,
                            "lot": lot_id,
                            "owner": lot.owner_id,
                            "quantity": str(q),
                            "due": limit.isoformat(),
                            "overdue": limit < today,
                        }
                    )
        return found


def close_alert(uow_factory: Callable[[], BondedUnitOfWork], actor: Actor, alert_id: str, note: str) -> dict[str, Any]:
    require(actor, CUSTOMS, "close shortage alerts")
    if not note.strip():
        raise ValidationFailed(field_error("note", "say what customs decided"))
    with uow_factory() as uow:
        alert = uow.bonded.record("alert", alert_id, lock=True)
        if alert is None:
            raise NotFound(templated("alert %(alert_id)s not found", alert_id=alert_id))
        if alert["status"] != AlertStatus.OPEN.value:
            raise Conflict(templated("alert %(alert_id)s is already closed", alert_id=alert_id))
        now = uow.clock.now()
        uow.bonded.update_record(
            "alert", alert_id, status=AlertStatus.CLOSED.value, closed_at=now, closed_by=actor.user_id, note=note[:500]
        )
        uow.audit.record(
            actor=actor,
            action="bonded.alert.closed",
            object_type="bonded_alert",
            object_id=alert_id,
            before={"status": "open"},
            after={"status": "closed", "note": note[:500]},
        )
        uow.commit()
        return {**alert, "status": "closed", "closed_at": now, "closed_by": actor.user_id, "note": note[:500]}


# ---------------------------------------------------------------------------------------------------------
# aircraft maintenance


def open_work_order(
    uow_factory: Callable[[], BondedUnitOfWork],
    actor: Actor,
    *,
    aircraft_registration: str,
    description: str,
    owner: str | None = None,
) -> dict[str, Any]:
    require(actor, OPERATORS, "open work orders")
    owner_id = _owner(actor, owner)
    registration = aircraft_registration.strip().upper()
    if not _REGISTRATION.match(registration):
        raise ValidationFailed(
            field_error(
                "aircraft_registration",
                "%(aircraft_registration)r is not a registration",
                aircraft_registration=aircraft_registration,
            )
        )
    if not description.strip():
        raise ValidationFailed(field_error("description", "is empty"))
    with uow_factory() as uow:
        wo_id = new_id()
        account = uow.bonded.ensure_account(
            Account(
                account_id(AccountKind.WORK_ORDER, owner_id, wo_id),
                AccountKind.WORK_ORDER,
                owner_id,
                wo_id,
                f"work order {registration}",
            )
        )
        wo = uow.bonded.add_record(
            "work_order",
            id=wo_id,
            owner_id=owner_id,
            aircraft_registration=registration,
            domestic=is_domestic_registration(registration),
            description=description.strip()[:500],
            status=WorkOrderStatus.OPEN.value,
            account_id=account.id,
            opened_at=uow.clock.now(),
        )
        uow.audit.record(
            actor=actor,
            action="bonded.work_order.opened",
            object_type="bonded_work_order",
            object_id=wo_id,
            before=None,
            after={"registration": registration, "domestic": wo["domestic"]},
        )
        uow.commit()
        return wo


def _work_order(uow: BondedUnitOfWork, actor: Actor, wo_id: str, *, open_only: bool = True) -> dict[str, Any]:
    wo = uow.bonded.record("work_order", wo_id)
    if wo is None or not actor.sees_enterprise(wo["owner_id"]):
        raise NotFound(templated("work order %(wo_id)s not found", wo_id=wo_id))
    if open_only and wo["status"] != WorkOrderStatus.OPEN.value:
        raise Conflict(templated("work order %(wo_id)s is closed", wo_id=wo_id))
    return wo


def work_order(uow: BondedUnitOfWork, actor: Actor, wo_id: str) -> dict[str, Any]:
    require(actor, READERS, "read work orders")
    with uow:
        wo = _work_order(uow, actor, wo_id, open_only=False)
        held = [
            {"lot": lot.id, "description": lot.description, "category": lot.category.value, "quantity": str(q)}
            for account, lot, q in uow.bonded.balances(wo["owner_id"])
            if account.id == wo["account_id"] and q > 0
        ]
        return {**wo, "holds": held}


def draw_parts(
    uow_factory: Callable[[], BondedUnitOfWork],
    actor: Actor,
    config: BondedConfig,
    wo_id: str,
    *,
    site: str,
    pick: Pick,
    key: str | None = None,
) -> Movement:
    """Parts drawn from bonded stock into a work order: duty stays suspended."""
    require(actor, OPERATORS, "draw parts")
    site = _site(config, site)
    with uow_factory() as probe:
        owner = _work_order(probe, actor, wo_id)["owner_id"]

    def work(uow: BondedUnitOfWork) -> Movement:
        wo = _work_order(uow, actor, wo_id)
        stock = _stock_account(uow, owner, site)
        postings: list[Posting] = []
        drawable = frozenset({Category.GOODS, Category.REPAIR_MATERIAL, Category.REPAIRED})
        for lot, q in _pick(uow, actor, stock, _checked_pick(config, uow, pick), drawable):
            if lot.category in NEVER_DOMESTIC or lot.category is Category.AWAITING_REPAIR:
                raise ValidationFailed(
                    field_error(
                        "lots", "lot %(id)s (%(category)s) is not a part to fit", id=lot.id, category=lot.category.value
                    )
                )
            postings += transfer(stock.id, wo["account_id"], lot.id, q)
        return post(uow, actor, MovementKind.WORK_ORDER_DRAW, owner, postings, key=key, details={"work_order": wo_id})

    return _once(uow_factory, owner, key, MovementKind.WORK_ORDER_DRAW, work)


def fit_parts(
    uow_factory: Callable[[], BondedUnitOfWork],
    actor: Actor,
    config: BondedConfig,
    wo_id: str,
    *,
    lots: Sequence[tuple[str, object]],
    declaration_ref: str,
    key: str | None = None,
) -> Movement:
    """Parts fitted to the aircraft: a foreign-registered one takes them abroad (re-export, nothing due);
    a domestic-registered one imports them (home consumption: duty and taxes)."""
    require(actor, OPERATORS, "fit parts")
    declaration = _ref(declaration_ref, "declaration_ref")
    with uow_factory() as probe:
        owner = _work_order(probe, actor, wo_id)["owner_id"]

    def work(uow: BondedUnitOfWork) -> Movement:
        wo = _work_order(uow, actor, wo_id)
        sink_kind = AccountKind.CONSUMPTION if wo["domestic"] else AccountKind.RE_EXPORT
        sink = _contra(uow, sink_kind, owner)
        account = uow.bonded.account(wo["account_id"])
        assert account is not None
        postings: list[Posting] = []
        quotes: dict[str, DutyQuote] = {}
        checked = _checked_pick(config, uow, Pick(tuple(lots)))
        if not checked.lots:
            raise ValidationFailed(field_error("lots", "name the parts fitted"))
        picked = _pick(uow, actor, account, checked)
        bonded = [(lot.hs_code, lot.unit, q) for lot, q in picked if lot.status is CustomsStatus.BONDED]
        if bonded:
            purpose = Purpose.CONSUMPTION if wo["domestic"] else Purpose.RE_EXPORT
            assert declaration is not None
            _declared(config, uow, declaration, purpose, owner, bonded)
        for lot, q in picked:
            lot.check_may_enter(sink_kind)
            postings += transfer(account.id, sink.id, lot.id, q)
            if sink_kind is AccountKind.CONSUMPTION and lot.status is CustomsStatus.BONDED:
                quotes[lot.id] = _quote(config, lot, q, _day(uow.clock.now()))
        return post(
            uow,
            actor,
            MovementKind.WORK_ORDER_FIT,
            owner,
            postings,
            key=key,
            declaration_ref=declaration,
            duty=_duty_record(quotes) if quotes else None,
            details={"work_order": wo_id, "aircraft": wo["aircraft_registration"], "domestic": wo["domestic"]},
        )

    return _once(uow_factory, owner, key, MovementKind.WORK_ORDER_FIT, work)


def remove_part(
    uow_factory: Callable[[], BondedUnitOfWork],
    actor: Actor,
    config: BondedConfig,
    wo_id: str,
    *,
    site: str,
    description: str,
    hs_code: str,
    quantity_: object,
    unit: str,
    value: object,
    currency: str,
    origin: str,
    key: str | None = None,
) -> tuple[Movement, Lot]:
    """A part or scrap taken off the aircraft: a new bonded lot that must be re-exported or destroyed."""
    require(actor, OPERATORS, "book removed parts")
    with uow_factory() as probe:
        wo = _work_order(probe, actor, wo_id)
    owner = wo["owner_id"]
    unit = _unit(config, unit)
    q = _qty(config, quantity_, unit, "quantity")
    site = _site(config, site)
    errors = []
    if not _HS.match(hs_code):
        errors.append(field_error("hs_code", "%(hs_code)r is not an HS code", hs_code=hs_code))
    if not is_country(origin):
        errors.append(field_error("origin", "%(origin)r is not an ISO 3166 country code", origin=origin))
    if not is_currency(currency):
        errors.append(field_error("currency", "%(currency)r is not an ISO 4217 currency code", currency=currency))
    if not description.strip():
        errors.append(field_error("description", "is empty"))
    if errors:
        raise ValidationFailed(errors)
    amount = _amount(value, "value")
    holder: list[Lot] = []

    def work(uow: BondedUnitOfWork) -> Movement:
        now = uow.clock.now()
        lot = Lot(
            id=new_id(),
            owner_id=owner,
            status=CustomsStatus.BONDED,
            category=Category.REMOVED_PART,
            hs_code=hs_code,
            description=description.strip(),
            origin=origin,
            unit=unit,
            quantity=q,
            value=amount,
            currency=currency,
            declaration_ref=f"wo:{wo_id}",
            admitted_at=now,
            expires_on=_day(now) + timedelta(days=config.storage_days),
            reexport_by=_day(now) + timedelta(days=config.reexport_days),
        )
        uow.bonded.add_lot(lot)
        holder.append(lot)
        transform = _contra(uow, AccountKind.TRANSFORM, owner)
        stock = _stock_account(uow, owner, site)
        return post(
            uow,
            actor,
            MovementKind.WORK_ORDER_REMOVAL,
            owner,
            transfer(transform.id, stock.id, lot.id, q),
            key=key,
            details={"work_order": wo_id, "aircraft": wo["aircraft_registration"], "site": site},
        )

    movement = _once(uow_factory, owner, key, MovementKind.WORK_ORDER_REMOVAL, work)
    if holder:
        return movement, holder[0]
    with uow_factory() as uow:
        found = uow.bonded.lot(movement.postings[-1].lot_id)
        assert found is not None
        return movement, found


def set_category(
    uow_factory: Callable[[], BondedUnitOfWork], actor: Actor, lot_id: str, category: Category
) -> dict[str, Any]:
    """A repair's outcome: awaiting repair -> repaired or unrepairable; a removed part -> unrepairable."""
    require(actor, OPERATORS, "record repair outcomes")
    with uow_factory() as uow:
        lot = uow.bonded.lot(lot_id, lock=True)
        if lot is None or not actor.sees_enterprise(lot.owner_id):
            raise NotFound(templated("lot %(lot_id)s not found", lot_id=lot_id))
        target = lot.change_category(category)
        uow.bonded.set_lot(lot.id, category=target.value)
        uow.audit.record(
            actor=actor,
            action="bonded.lot.category",
            object_type="bonded_lot",
            object_id=lot.id,
            before={"category": lot.category.value},
            after={"category": target.value},
        )
        uow.commit()
        return {"lot": lot.id, "category": target.value}


def destroy(
    uow_factory: Callable[[], BondedUnitOfWork],
    actor: Actor,
    config: BondedConfig,
    *,
    site: str,
    lot_id: str,
    quantity_: object,
    certificate_ref: str,
    key: str | None = None,
) -> Movement:
    """Destruction under customs supervision (its certificate is the reference out of bond)."""
    require(actor, OPERATORS, "book destructions")
    certificate = _ref(certificate_ref, "certificate_ref")
    site = _site(config, site)
    with uow_factory() as probe:
        lot = _lot_for(probe, actor, lot_id)
    q = _qty(config, quantity_, lot.unit, "quantity")

    def work(uow: BondedUnitOfWork) -> Movement:
        stock = _stock_account(uow, lot.owner_id, site)
        sink = _contra(uow, AccountKind.DESTROYED, lot.owner_id)
        return post(
            uow,
            actor,
            MovementKind.DESTRUCTION,
            lot.owner_id,
            transfer(stock.id, sink.id, lot.id, q),
            key=key,
            declaration_ref=certificate,
            details={"site": site},
        )

    return _once(uow_factory, lot.owner_id, key, MovementKind.DESTRUCTION, work)


def close_work_order(uow_factory: Callable[[], BondedUnitOfWork], actor: Actor, wo_id: str) -> dict[str, Any]:
    require(actor, OPERATORS, "close work orders")
    with uow_factory() as uow:
        wo = _work_order(uow, actor, wo_id)
        held = uow.bonded.available(wo["account_id"])
        if held:
            raise Conflict(
                templated(
                    "work order %(wo_id)s still holds parts of lots %(held)s",
                    wo_id=wo_id,
                    held=sorted(a.lot_id for a in held),
                )
            )
        now = uow.clock.now()
        uow.bonded.update_record("work_order", wo_id, status=WorkOrderStatus.CLOSED.value, closed_at=now)
        uow.audit.record(
            actor=actor,
            action="bonded.work_order.closed",
            object_type="bonded_work_order",
            object_id=wo_id,
            before={"status": "open"},
            after={"status": "closed"},
        )
        uow.commit()
        return {**wo, "status": "closed", "closed_at": now}


# ---------------------------------------------------------------------------------------------------------
# aviation fuel


@dataclass(frozen=True)
class Uplift:
    tank: str
    airline_id: str
    flight_number: str
    aircraft_registration: str
    next_airport: str
    quantity: object
    owner: str | None = None
    key: str | None = None
    #: kg/m3 at 15 degC from the delivery ticket: the uplift's mass is recorded with it
    density_15c: object | None = None


def uplift(uow_factory: Callable[[], BondedUnitOfWork], actor: Actor, config: BondedConfig, cmd: Uplift) -> Movement:
    """Fuel into an aircraft: FIFO from the supplier's bonded tank; international departures duty-free,
    domestic ones pay duty and taxes; declared in the airline's consolidated monthly declaration."""
    require(actor, OPERATORS, "book uplifts")
    owner = _owner(actor, cmd.owner)
    tank = _site(config, cmd.tank, "tank")
    errors = []
    flight = cmd.flight_number.strip().upper().replace(" ", "")
    if not _FLIGHT.match(flight):
        errors.append(
            field_error(
                "flight_number",
                "%(flight_number)r is not a flight number (e.g. CZ6007)",
                flight_number=cmd.flight_number,
            )
        )
    registration = cmd.aircraft_registration.strip().upper()
    if not _REGISTRATION.match(registration):
        errors.append(
            field_error(
                "aircraft_registration",
                "%(aircraft_registration)r is not a registration",
                aircraft_registration=cmd.aircraft_registration,
            )
        )
    airport = cmd.next_airport.strip().upper()
    if not _LOCODE.match(airport) or not is_country(airport[:2]):
        errors.append(
            field_error(
                "next_airport", "%(next_airport)r is not a UN/LOCODE (e.g. KZALA)", next_airport=cmd.next_airport
            )
        )
    if not cmd.airline_id.strip():
        errors.append(field_error("airline_id", "is required"))
    density = _density(cmd.density_15c, errors)
    if errors:
        raise ValidationFailed(errors)
    q = _qty(config, cmd.quantity, "LTR", "quantity")
    international = not is_domestic_airport(airport, config.home_country)
    mass = {} if density is None else {"density_15c": str(density), "kg": str(kilograms(q, density))}

    def work(uow: BondedUnitOfWork) -> Movement:
        stock = _stock_account(uow, owner, tank)
        sink_kind = AccountKind.RE_EXPORT if international else AccountKind.CONSUMPTION
        sink = _contra(uow, sink_kind, owner)
        picks = _pick(uow, actor, stock, Pick(quantity=q), frozenset({Category.FUEL}))
        postings: list[Posting] = []
        quotes: dict[str, DutyQuote] = {}
        for lot, taken in picks:
            if lot.category is not Category.FUEL:
                raise ValidationFailed(
                    field_error("tank", "%(tank)s holds lot %(id)s, which is not fuel", tank=tank, id=lot.id)
                )
            postings += transfer(stock.id, sink.id, lot.id, taken)
            if not international and lot.status is CustomsStatus.BONDED:
                quotes[lot.id] = _quote(config, lot, taken, _day(uow.clock.now()))
        now = uow.clock.now()
        month = now.strftime("%Y-%m")
        movement = post(
            uow,
            actor,
            MovementKind.UPLIFT,
            owner,
            postings,
            key=cmd.key,
            declaration_ref=f"{MONTHLY_PREFIX}:{cmd.airline_id}:{month}",
            duty=_duty_record(quotes) if quotes else None,
            details={
                "airline": cmd.airline_id,
                "flight": flight,
                "aircraft": registration,
                "next_airport": airport,
                "international": international,
                "tank": tank,
                **mass,
            },
        )
        uow.bonded.add_record(
            "uplift",
            id=movement.id,
            supplier_id=owner,
            airline_id=cmd.airline_id,
            flight_number=flight,
            aircraft_registration=registration,
            next_airport=airport,
            international=international,
            tank=tank,
            quantity=q,
            at=now,
            month=month,
            duty=sum((x.total for x in quotes.values()), ZERO),
        )
        return movement

    return _once(uow_factory, owner, cmd.key, MovementKind.UPLIFT, work)


def _density(value: object | None, errors: list[FieldError]) -> Decimal | None:
    """A jet fuel density in kg/m3 at 15 degC (Table 54B's jet group), or None when not given."""
    if value is None or value == "":
        return None
    try:
        density = to_decimal(value, "density_15c")
    except (TypeError, ValueError) as exc:
        errors.append(FieldError("density_15c", str(exc)))
        return None
    low, high = JET_DENSITY_RANGE
    if not low <= density <= high:
        errors.append(
            field_error(
                "density_15c",
                "%(density)s kg/m3 is outside the jet fuel group (%(low)s-%(high)s)",
                density=density,
                low=low,
                high=high,
            )
        )
        return None
    return density


def kilograms(litres: Decimal, density: Decimal) -> Decimal:
    """Mass of litres at 15 degC of a density in kg/m3 at 15 degC, to the kilogram."""
    return (litres * density / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _month(value: str) -> tuple[datetime, datetime]:
    try:
        start = datetime.strptime(value, "%Y-%m").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ValidationFailed(field_error("month", "%(value)r is not a month YYYY-MM", value=value)) from exc
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def monthly_declaration(uow: BondedUnitOfWork, actor: Actor, airline_id: str, month: str) -> dict[str, Any]:
    """The airline's consolidated declaration of a month's uplifts: every uplift, and totals."""
    require(actor, READERS, "read fuel declarations")
    _month(month)
    with uow:
        rows = uow.bonded.records("uplift", order_by="at", airline_id=airline_id, month=month)
        if actor.is_enterprise_bound:
            rows = [r for r in rows if actor.enterprise_id in (r["airline_id"], r["supplier_id"])]
        return _declaration_view(airline_id, month, rows)


def _declaration_view(airline_id: str, month: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    intl = sum((Decimal(r["quantity"]) for r in rows if r["international"]), ZERO)
    dom = sum((Decimal(r["quantity"]) for r in rows if not r["international"]), ZERO)
    refs = sorted({r["declaration_ref"] for r in rows if r["declaration_ref"]})
    return {
        "airline": airline_id,
        "month": month,
        "uplifts": [
            {
                "movement": r["id"],
                "at": r["at"].isoformat(),
                "supplier": r["supplier_id"],
                "flight": r["flight_number"],
                "aircraft": r["aircraft_registration"],
                "next_airport": r["next_airport"],
                "international": r["international"],
                "litres_15c": str(r["quantity"]),
                "duty": str(r["duty"]),
                "declaration_ref": r["declaration_ref"],
            }
            for r in rows
        ],
        "international_litres": str(intl),
        "domestic_litres": str(dom),
        "duty_total": str(sum((Decimal(r["duty"]) for r in rows), ZERO)),
        "declared": bool(rows) and all(r["declaration_ref"] for r in rows),
        "declaration_refs": refs,
    }


def declare_month(
    uow_factory: Callable[[], BondedUnitOfWork], actor: Actor, airline_id: str, month: str, declaration_ref: str
) -> dict[str, Any]:
    """Record the consolidated declaration that covers the airline's undeclared uplifts of a closed month."""
    require(actor, OPERATORS, "declare uplifts")
    if actor.is_enterprise_bound and actor.enterprise_id != airline_id:
        raise NotFound(templated("airline %(airline_id)s not found", airline_id=airline_id))
    declaration = _ref(declaration_ref, "declaration_ref")
    _start, end = _month(month)
    with uow_factory() as uow:
        if uow.clock.now() < end:
            raise Conflict(
                templated(
                    "%(month)s is not over yet: declare it from %(date)s", month=month, date=end.date().isoformat()
                )
            )
        rows = uow.bonded.records("uplift", order_by="at", airline_id=airline_id, month=month, declaration_ref=None)
        pending = [r for r in rows if not r["declaration_ref"]]
        if not pending:
            raise Conflict(
                templated("no undeclared uplifts of %(airline_id)s in %(month)s", airline_id=airline_id, month=month)
            )
        for r in pending:
            uow.bonded.update_record("uplift", r["id"], declaration_ref=declaration)
        uow.audit.record(
            actor=actor,
            action="bonded.fuel.declared",
            object_type="bonded_fuel_declaration",
            object_id=f"{airline_id}:{month}",
            before=None,
            after={"declaration_ref": declaration, "uplifts": [r["id"] for r in pending]},
        )
        uow.outbox.emit(
            airline_id,
            "bonded.fuel.declared",
            {"month": month, "declaration_ref": declaration, "uplifts": len(pending)},
            uow.clock.now(),
        )
        uow.commit()
        declared = [{**r, "declaration_ref": declaration} for r in pending]
        return _declaration_view(airline_id, month, declared)


def fuel_reading(
    uow_factory: Callable[[], BondedUnitOfWork],
    actor: Actor,
    config: BondedConfig,
    *,
    tank: str,
    day: date,
    measured: object,
    method: str,
    tolerance_pct: object | None = None,
    owner: str | None = None,
) -> dict[str, Any]:
    """A daily dip or meter reading (litres at 15 degC) against the book, within a tolerance or not."""
    require(actor, OPERATORS, "record fuel readings")
    owner_id = _owner(actor, owner)
    tank = _site(config, tank, "tank")
    if method not in ("dip", "meter"):
        raise ValidationFailed(field_error("method", "must be dip or meter"))
    m = quantity(measured, "measured", positive=False)
    if m < 0:
        raise ValidationFailed(field_error("measured", "is negative"))
    tolerance = percent(tolerance_pct if tolerance_pct is not None else config.fuel_tolerance_pct, "tolerance_pct")
    with uow_factory() as uow:
        if day > _day(uow.clock.now()):
            raise ValidationFailed(field_error("day", "is in the future"))
        stock = _stock_account(uow, owner_id, tank)
        if uow.bonded.records("reading", account_id=stock.id, day=day):
            raise Conflict(templated("%(tank)s already has a reading for %(day)s", tank=tank, day=day.isoformat()))
        book = sum((a.balance for a in uow.bonded.available(stock.id)), ZERO)
        within = abs(m - book) * 100 <= book * tolerance
        row = uow.bonded.add_record(
            "reading",
            id=new_id(),
            owner_id=owner_id,
            account_id=stock.id,
            day=day,
            method=method,
            book=book,
            measured=m,
            tolerance_pct=tolerance,
            within=within,
            taken_at=uow.clock.now(),
            taken_by=actor.user_id,
        )
        uow.audit.record(
            actor=actor,
            action="bonded.fuel.reading",
            object_type="bonded_fuel_reading",
            object_id=row["id"],
            before=None,
            after={"tank": tank, "day": day.isoformat(), "book": str(book), "measured": str(m), "within": within},
        )
        if not within:
            uow.outbox.emit(
                owner_id,
                "bonded.fuel.out_of_tolerance",
                {"tank": tank, "day": day.isoformat(), "book": str(book), "measured": str(m)},
                uow.clock.now(),
            )
        uow.commit()
        return row


def fuel_reconciliation(uow: BondedUnitOfWork, actor: Actor, day: date) -> dict[str, Any]:
    """A day's readings against the book, and the list of those outside tolerance."""
    owner = visible_owner(actor)
    with uow:
        rows = uow.bonded.records("reading", order_by="account_id", owner_id=owner, day=day)
        view = [
            {
                "tank": r["account_id"].split(":", 2)[2],
                "owner": r["owner_id"],
                "method": r["method"],
                "book": str(r["book"]),
                "measured": str(r["measured"]),
                "difference": str(Decimal(r["measured"]) - Decimal(r["book"])),
                "tolerance_pct": str(r["tolerance_pct"]),
                "within": r["within"],
            }
            for r in rows
        ]
        return {"day": day.isoformat(), "readings": view, "outside": [v for v in view if not v["within"]]}


# ---------------------------------------------------------------------------------------------------------
# reads and reports


def get_lot(uow: BondedUnitOfWork, actor: Actor, lot_id: str) -> tuple[Lot, list[tuple[str, Decimal]]]:
    visible_owner(actor)
    with uow:
        lot = _lot_for(uow, actor, lot_id)
        held = [(a.id, q) for a, lt, q in uow.bonded.balances(lot.owner_id) if lt.id == lot.id and q != 0]
        return lot, held


def get_movement(uow: BondedUnitOfWork, actor: Actor, movement_id: str) -> Movement:
    visible_owner(actor)
    with uow:
        m = uow.bonded.movement(movement_id)
        if m is None or not actor.sees_enterprise(m.owner_id):
            raise NotFound(templated("movement %(movement_id)s not found", movement_id=movement_id))
        return m


def list_movements(
    uow: BondedUnitOfWork, actor: Actor, start: datetime | None, end: datetime | None, limit: int = 500
) -> list[Movement]:
    owner = visible_owner(actor)
    with uow:
        return uow.bonded.movements(owner, start, end, limit)


def _period(start: date, end: date) -> tuple[datetime, datetime]:
    if end < start:
        raise ValidationFailed(field_error("to", "is before from"))
    return datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC)


def statement(uow: BondedUnitOfWork, actor: Actor, account: str, start: date, end: date) -> dict[str, Any]:
    """An account's statement for a period: opening per lot, every posting, closing per lot."""
    owner = visible_owner(actor)
    begin, finish = _period(start, end)
    with uow:
        acc = uow.bonded.account(account)
        if acc is None or (owner is not None and acc.owner_id != owner):
            raise NotFound(templated("account %(account)s not found", account=account))
        opening = {lot: q for (a, lot), q in uow.bonded.posting_sums(begin).items() if a == account}
        lines = [line for line in uow.bonded.lines(begin, finish) if line.account_id == account]
        closing = dict(opening)
        for line in lines:
            closing[line.lot_id] = closing.get(line.lot_id, ZERO) + line.quantity
        return {
            "account": account,
            "kind": acc.kind.value,
            "owner": acc.owner_id,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "opening": {lot: str(q) for lot, q in sorted(opening.items())},
            "lines": [
                {
                    "at": line.at.isoformat(),
                    "lot": line.lot_id,
                    "movement_kind": line.movement_kind.value,
                    "quantity": str(line.quantity),
                    "reason_code": line.reason_code,
                }
                for line in lines
            ],
            "closing": {lot: str(q) for lot, q in sorted(closing.items())},
            "opening_total": str(sum(opening.values(), ZERO)),
            "closing_total": str(sum(closing.values(), ZERO)),
        }


def reconciliation(uow: BondedUnitOfWork, actor: Actor, start: date, end: date) -> dict[str, Any]:
    """Per lot and status in bonded stock: opening, receipts, transfers, removals, +/- adjustments with
    reason codes, closing; the period's counts (counted vs book) and the discrepancies awaiting customs."""
    from silkport.bonded.domain.model import reconcile

    owner = visible_owner(actor)
    begin, finish = _period(start, end)
    with uow:
        accounts = {a.id: a for a in uow.bonded.accounts(owner)}
        holding = {i for i, a in accounts.items() if a.kind in (AccountKind.STOCK, AccountKind.WORK_ORDER)}
        opening = {k: q for k, q in uow.bonded.posting_sums(begin).items() if k[0] in holding}
        lines = [line for line in uow.bonded.lines(begin, finish) if line.account_id in holding]
        rows = reconcile(opening, lines)
        lots = uow.bonded.lots({r.lot_id for r in rows})
        counts = [
            c
            for c in uow.bonded.records("count", order_by="counted_at", owner_id=owner)
            if begin <= _aware(c["counted_at"]) < finish
        ]
        return {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "lines": [
                {
                    "account": r.account_id,
                    "site": accounts[r.account_id].site,
                    "lot": r.lot_id,
                    "owner": lots[r.lot_id].owner_id,
                    "status": lots[r.lot_id].status.value,
                    "category": lots[r.lot_id].category.value,
                    "hs_code": lots[r.lot_id].hs_code,
                    "unit": lots[r.lot_id].unit,
                    "opening": str(r.opening),
                    "receipts": str(r.receipts),
                    "transfers_in": str(r.transfers_in),
                    "transfers_out": str(r.transfers_out),
                    "removals": str(r.removals),
                    "adjustments_plus": str(r.adjustments_plus),
                    "adjustments_minus": str(r.adjustments_minus),
                    "adjustment_reasons": {k: str(v) for k, v in (r.reasons or {}).items()},
                    "closing": str(r.closing),
                    "balanced": r.balanced,
                }
                for r in rows
            ],
            "counts": [
                {
                    "id": c["id"],
                    "stocktake": c["stocktake_id"],
                    "lot": c["lot_id"],
                    "account": c["account_id"],
                    "book": str(c["book"]),
                    "counted": str(c["counted"]),
                    "difference": str(Decimal(c["counted"]) - Decimal(c["book"])),
                    "status": c["status"],
                }
                for c in counts
            ],
            "discrepancies": [c["id"] for c in counts if c["status"] == CountStatus.OPEN.value],
        }


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@dataclass
class StockLine:
    key: tuple[str, ...]
    quantity: Decimal = ZERO
    value: Decimal = ZERO
    lots: set[str] = field(default_factory=set)


STOCK_GROUPS = ("status", "owner", "hs_code", "site", "category")


def stock(uow: BondedUnitOfWork, actor: Actor, group_by: Sequence[str]) -> list[dict[str, Any]]:
    """Bonded stock held (stock and work orders) grouped by status/owner/HS/site/category, per unit."""
    owner = visible_owner(actor)
    for g in group_by:
        if g not in STOCK_GROUPS:
            raise ValidationFailed(
                field_error("group_by", "%(g)r is not one of %(STOCK_GROUPS)s", g=g, STOCK_GROUPS=STOCK_GROUPS)
            )
    with uow:
        out: dict[tuple[str, ...], StockLine] = {}
        for account, lot, q in uow.bonded.balances(owner):
            if account.kind not in (AccountKind.STOCK, AccountKind.WORK_ORDER) or q <= 0:
                continue
            fields = {
                "status": lot.status.value,
                "owner": lot.owner_id,
                "hs_code": lot.hs_code,
                "site": account.site or "",
                "category": lot.category.value,
            }
            key = (*(fields[g] for g in group_by), lot.unit, lot.currency)
            line = out.setdefault(key, StockLine(key))
            line.quantity += q
            line.value += lot.value_of(q)
            line.lots.add(lot.id)
        return [
            {
                **dict(zip(group_by, line.key, strict=False)),
                "unit": line.key[-2],
                "currency": line.key[-1],
                "quantity": str(line.quantity),
                "value": str(line.value),
                "lots": len(line.lots),
            }
            for line in sorted(out.values(), key=lambda x: x.key)
        ]


def ageing(uow: BondedUnitOfWork, actor: Actor, on: date | None = None) -> list[dict[str, Any]]:
    """Bonded stock by age since admission (0-90, 91-180, 181-365, over 365 days) per owner and unit."""
    from silkport.bonded.domain.model import AGEING_BUCKETS, ageing_bucket

    owner = visible_owner(actor)
    with uow:
        day = on or _day(uow.clock.now())
        out: dict[tuple[str, str, str], Decimal] = {}
        for account, lot, q in uow.bonded.balances(owner):
            if account.kind not in (AccountKind.STOCK, AccountKind.WORK_ORDER) or q <= 0:
                continue
            if lot.status is not CustomsStatus.BONDED:
                continue
            bucket = ageing_bucket(_day(lot.admitted_at), day)
            key = (lot.owner_id, lot.unit, bucket)
            out[key] = out.get(key, ZERO) + q
        order = {label: i for i, (_, _, label) in enumerate(AGEING_BUCKETS)}
        return [
            {"owner": k[0], "unit": k[1], "age_days": k[2], "quantity": str(v)}
            for k, v in sorted(out.items(), key=lambda kv: (kv[0][0], kv[0][1], order[kv[0][2]]))
        ]


def check_ledger(uow: BondedUnitOfWork) -> list[str]:
    """Every invariant over the whole ledger; the problems found (empty when sound)."""
    problems: list[str] = []
    with uow:
        sums = uow.bonded.posting_sums()
        stored = uow.bonded.stored_balances()
        for key in set(sums) | set(stored):
            if sums.get(key, ZERO) != stored.get(key, ZERO):
                problems.append(f"balance {key}: postings {sums.get(key, ZERO)} != stored {stored.get(key, ZERO)}")
        accounts = {a.id: a for a in uow.bonded.accounts(None)}
        per_lot: dict[str, Decimal] = {}
        for (acc, lot), q in sums.items():
            per_lot[lot] = per_lot.get(lot, ZERO) + q
            if q < 0 and not accounts[acc].allows_negative:
                problems.append(f"negative balance {acc} {lot}: {q}")
        problems += [f"lot {lot} does not balance: {q}" for lot, q in per_lot.items() if q != 0]
        for m in uow.bonded.movements(None, limit=10**9):
            totals: dict[str, Decimal] = {}
            for p in m.postings:
                totals[p.lot_id] = totals.get(p.lot_id, ZERO) + p.quantity
            if any(v != 0 for v in totals.values()):
                problems.append(f"movement {m.id} does not balance")
    return problems
