"""The bonded ledger in SQL: movements applied to the balances with conditional updates (a race for the
last unit of a lot lets exactly one withdrawal through), and the rows kept beside the ledger."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, and_, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from silkport.bonded.adapters.orm import (
    BondedAccountRow,
    BondedAlertRow,
    BondedBalanceRow,
    BondedCountRow,
    BondedFuelReadingRow,
    BondedLossRow,
    BondedLotRow,
    BondedMovementRow,
    BondedNormRow,
    BondedPostingRow,
    BondedUpliftRow,
    BondedWorkOrderRow,
)
from silkport.bonded.domain.model import (
    Account,
    AccountKind,
    Available,
    Category,
    CustomsStatus,
    InsufficientStock,
    Line,
    Lot,
    Movement,
    MovementKind,
    Posting,
)

ZERO = Decimal(0)
_MOVEMENTS = cast(Table, BondedMovementRow.__table__)
_POSTINGS = cast(Table, BondedPostingRow.__table__)
_BALANCES = cast(Table, BondedBalanceRow.__table__)
#: the records kept beside the ledger, by the name the services use
RECORDS: dict[str, type[Any]] = {
    "norm": BondedNormRow,
    "alert": BondedAlertRow,
    "loss": BondedLossRow,
    "count": BondedCountRow,
    "work_order": BondedWorkOrderRow,
    "uplift": BondedUpliftRow,
    "reading": BondedFuelReadingRow,
}


def lot_from_row(r: BondedLotRow) -> Lot:
    return Lot(
        id=r.id,
        owner_id=r.owner_id,
        status=CustomsStatus(r.status),
        category=Category(r.category),
        hs_code=r.hs_code,
        description=r.description,
        origin=r.origin,
        unit=r.unit,
        quantity=Decimal(r.quantity),
        value=Decimal(r.value),
        currency=r.currency,
        declaration_ref=r.declaration_ref,
        admitted_at=r.admitted_at,
        expires_on=r.expires_on,
        reexport_by=r.reexport_by,
        loss_allowance_pct=Decimal(r.loss_allowance_pct),
        parent_id=r.parent_id,
    )


def account_from_row(r: BondedAccountRow) -> Account:
    return Account(r.id, AccountKind(r.kind), r.owner_id, r.site, r.label)


class SqlBondedRepository:
    def __init__(self, session: Session) -> None:
        self.s = session
        self._accounts: dict[str, Account] = {}
        self._lots: dict[str, Lot] = {}  # read once per unit of work (a lot's facts change only by set_lot)

    # accounts ---------------------------------------------------------------------------------------
    def account(self, account_id: str) -> Account | None:
        if account_id not in self._accounts:
            row = self.s.get(BondedAccountRow, account_id)
            if row is None:
                return None
            self._accounts[account_id] = account_from_row(row)
        return self._accounts[account_id]

    def ensure_account(self, account: Account) -> Account:
        existing = self.account(account.id)
        if existing is not None:
            return existing
        # concurrent creators of the same account: the loser's insert is skipped inside a savepoint
        try:
            with self.s.begin_nested():
                self.s.execute(
                    insert(BondedAccountRow).values(
                        id=account.id,
                        kind=account.kind.value,
                        owner_id=account.owner_id,
                        site=account.site,
                        label=account.label or account.id,
                        allows_negative=account.allows_negative,
                    )
                )
        except IntegrityError:
            pass
        self._accounts[account.id] = account
        return account

    def accounts(self, owner_id: str | None, kind: AccountKind | None = None) -> list[Account]:
        q = select(BondedAccountRow).order_by(BondedAccountRow.id)
        if owner_id is not None:
            q = q.where(BondedAccountRow.owner_id == owner_id)
        if kind is not None:
            q = q.where(BondedAccountRow.kind == kind.value)
        return [account_from_row(r) for r in self.s.scalars(q)]

    # lots -------------------------------------------------------------------------------------------
    def add_lot(self, lot: Lot) -> None:
        self.s.add(
            BondedLotRow(
                id=lot.id,
                owner_id=lot.owner_id,
                status=lot.status.value,
                category=lot.category.value,
                hs_code=lot.hs_code,
                description=lot.description,
                origin=lot.origin,
                unit=lot.unit,
                quantity=lot.quantity,
                value=lot.value,
                currency=lot.currency,
                declaration_ref=lot.declaration_ref,
                admitted_at=lot.admitted_at,
                expires_on=lot.expires_on,
                reexport_by=lot.reexport_by,
                loss_allowance_pct=lot.loss_allowance_pct,
                parent_id=lot.parent_id,
            )
        )
        self.s.flush()
        self._lots[lot.id] = lot

    def lot(self, lot_id: str, *, lock: bool = False) -> Lot | None:
        if not lock and lot_id in self._lots:
            return self._lots[lot_id]
        q = select(BondedLotRow).where(BondedLotRow.id == lot_id)
        if lock:
            q = q.with_for_update()
        row = self.s.scalars(q).first()
        if row is None:
            return None
        lot = self._lots[lot_id] = lot_from_row(row)
        return lot

    def lots(self, ids: Iterable[str]) -> dict[str, Lot]:
        wanted = set(ids)
        missing = wanted - self._lots.keys()
        if missing:
            for r in self.s.scalars(select(BondedLotRow).where(BondedLotRow.id.in_(missing))):
                self._lots[r.id] = lot_from_row(r)
        return {i: self._lots[i] for i in wanted if i in self._lots}

    def list_lots(self, owner_id: str | None) -> list[Lot]:
        q = select(BondedLotRow).order_by(BondedLotRow.admitted_at, BondedLotRow.id)
        if owner_id is not None:
            q = q.where(BondedLotRow.owner_id == owner_id)
        return [lot_from_row(r) for r in self.s.scalars(q)]

    def set_lot(self, lot_id: str, **values: Any) -> None:
        self._lots.pop(lot_id, None)
        self.s.execute(update(BondedLotRow).where(BondedLotRow.id == lot_id).values(**values))

    # movements --------------------------------------------------------------------------------------
    def movement_by_key(self, key: str) -> Movement | None:
        found = self.s.connection().execute(select(_MOVEMENTS.c.id).where(_MOVEMENTS.c.key == key)).first()
        return self.movement(found[0]) if found else None

    def movement(self, movement_id: str) -> Movement | None:
        row = self.s.get(BondedMovementRow, movement_id)
        return self._movement(row) if row else None

    def _movement(self, row: BondedMovementRow) -> Movement:
        postings = self.s.scalars(
            select(BondedPostingRow).where(BondedPostingRow.movement_id == row.id).order_by(BondedPostingRow.id)
        )
        return Movement(
            id=row.id,
            kind=MovementKind(row.kind),
            owner_id=row.owner_id,
            at=row.at,
            actor_id=row.actor_id,
            postings=tuple(Posting(p.account_id, p.lot_id, Decimal(p.quantity)) for p in postings),
            key=row.key,
            declaration_ref=row.declaration_ref,
            approval_ref=row.approval_ref,
            reason_code=row.reason_code,
            duty=row.duty,
            details=row.details,
        )

    def movements(
        self,
        owner_id: str | None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 500,
        kinds: Iterable[MovementKind] | None = None,
    ) -> list[Movement]:
        q = select(BondedMovementRow).order_by(BondedMovementRow.at, BondedMovementRow.id).limit(limit)
        if owner_id is not None:
            q = q.where(BondedMovementRow.owner_id == owner_id)
        if kinds is not None:
            q = q.where(BondedMovementRow.kind.in_([k.value for k in kinds]))
        if start is not None:
            q = q.where(BondedMovementRow.at >= start)
        if end is not None:
            q = q.where(BondedMovementRow.at < end)
        return [self._movement(r) for r in self.s.scalars(q)]

    def last_movement_at(self, owner_id: str | None, before: datetime) -> datetime | None:
        """When the owner's (everyone's) latest movement before ``before`` was booked."""
        q = select(func.max(BondedMovementRow.at)).where(BondedMovementRow.at < before)
        if owner_id is not None:
            q = q.where(BondedMovementRow.owner_id == owner_id)
        at: datetime | None = self.s.scalar(q)
        return at

    def last_uplift_month(self, enterprise_id: str | None) -> str | None:
        """The latest month with an uplift of the enterprise (as supplier or airline), of anyone's when None."""
        u = BondedUpliftRow
        q = select(func.max(u.month))
        if enterprise_id is not None:
            q = q.where((u.supplier_id == enterprise_id) | (u.airline_id == enterprise_id))
        month: str | None = self.s.scalar(q)
        return month

    def movements_of_lot(self, lot_id: str, limit: int = 5000) -> list[Movement]:
        """The movements with a posting of the lot, oldest first."""
        touching = select(BondedPostingRow.movement_id).where(BondedPostingRow.lot_id == lot_id)
        q = (
            select(BondedMovementRow)
            .where(BondedMovementRow.id.in_(touching))
            .order_by(BondedMovementRow.at, BondedMovementRow.id)
            .limit(limit)
        )
        return [self._movement(r) for r in self.s.scalars(q)]

    def add_movement(self, m: Movement, accounts: Mapping[str, Account]) -> bool:
        """Insert the movement and its postings, and apply them to the balances.

        Each balance is changed by a conditional UPDATE that refuses to take a holding or sink account
        below zero; on PostgreSQL the row lock it takes makes a concurrent withdrawal wait and then see
        the committed balance, so of two racing for the last unit exactly one gets it. The CHECK on
        ``bonded_balances`` is the last line of defence. Raises ``InsufficientStock`` (the caller rolls
        back: nothing of the movement stays). Returns False, booking nothing, when the key is taken.
        """
        conn = self.s.connection()  # Core statements: none of the ORM's per-statement work on the hot path
        row = insert(_MOVEMENTS).values(
            id=m.id,
            key=m.key,
            kind=m.kind.value,
            owner_id=m.owner_id,
            at=m.at,
            actor_id=m.actor_id,
            declaration_ref=m.declaration_ref,
            approval_ref=m.approval_ref,
            reason_code=m.reason_code,
            duty=dict(m.duty) if m.duty is not None else None,
            details=dict(m.details) if m.details is not None else None,
        )
        try:
            conn.execute(row)
        except IntegrityError:
            if m.key is not None:  # the key's unique index (the id is fresh): taken by a concurrent movement
                return False  # the transaction is spoilt: the caller rolls back and returns that movement
            raise
        conn.execute(
            insert(_POSTINGS),
            [
                {"movement_id": m.id, "account_id": p.account_id, "lot_id": p.lot_id, "quantity": p.quantity}
                for p in m.postings
            ],
        )
        deltas: dict[tuple[str, str], Decimal] = {}
        for p in m.postings:
            deltas[(p.account_id, p.lot_id)] = deltas.get((p.account_id, p.lot_id), ZERO) + p.quantity
        # a fixed order of row locks: two movements touching the same balances never deadlock
        for (account_id, lot_id), delta in sorted(deltas.items()):
            if delta == 0:
                continue
            negative_ok = accounts[account_id].allows_negative
            cond = [_BALANCES.c.account_id == account_id, _BALANCES.c.lot_id == lot_id]
            if not negative_ok and delta < 0:
                cond.append(_BALANCES.c.quantity + delta >= 0)
            result = conn.execute(update(_BALANCES).where(and_(*cond)).values(quantity=_BALANCES.c.quantity + delta))
            if result.rowcount == 1:
                continue
            if delta < 0 and not negative_ok:
                raise InsufficientStock(f"account {account_id} holds less of lot {lot_id} than {-delta}")
            try:
                with self.s.begin_nested():
                    self.s.execute(
                        insert(BondedBalanceRow).values(
                            account_id=account_id, lot_id=lot_id, quantity=delta, allows_negative=negative_ok
                        )
                    )
            except IntegrityError:  # created meanwhile by a concurrent movement: apply to it
                self.s.execute(
                    update(BondedBalanceRow)
                    .where(BondedBalanceRow.account_id == account_id, BondedBalanceRow.lot_id == lot_id)
                    .values(quantity=BondedBalanceRow.quantity + delta)
                    .execution_options(synchronize_session=False)
                )
        return True

    # balances ---------------------------------------------------------------------------------------
    def balance(self, account_id: str, lot_id: str) -> Decimal:
        q = select(BondedBalanceRow.quantity).where(
            BondedBalanceRow.account_id == account_id, BondedBalanceRow.lot_id == lot_id
        )
        value = self.s.scalar(q)
        return Decimal(value) if value is not None else ZERO

    def available(self, account_id: str, lot_ids: Iterable[str] | None = None) -> list[Available]:
        q = (
            select(BondedBalanceRow.lot_id, BondedLotRow.admitted_at, BondedBalanceRow.quantity)
            .join(BondedLotRow, BondedLotRow.id == BondedBalanceRow.lot_id)
            .where(BondedBalanceRow.account_id == account_id, BondedBalanceRow.quantity > 0)
        )
        if lot_ids is not None:
            q = q.where(BondedBalanceRow.lot_id.in_(list(lot_ids)))
        return [Available(lot, at, Decimal(qty)) for lot, at, qty in self.s.execute(q)]

    def balances(self, owner_id: str | None = None) -> list[tuple[Account, Lot, Decimal]]:
        q = (
            select(BondedAccountRow, BondedLotRow, BondedBalanceRow.quantity)
            .join(BondedAccountRow, BondedAccountRow.id == BondedBalanceRow.account_id)
            .join(BondedLotRow, BondedLotRow.id == BondedBalanceRow.lot_id)
            .order_by(BondedBalanceRow.account_id, BondedLotRow.admitted_at, BondedLotRow.id)
        )
        if owner_id is not None:
            q = q.where(BondedAccountRow.owner_id == owner_id)
        return [(account_from_row(a), lot_from_row(lot), Decimal(qty)) for a, lot, qty in self.s.execute(q)]

    def lot_total_in(self, lot_id: str, kinds: Iterable[AccountKind]) -> Decimal:
        q = (
            select(func.coalesce(func.sum(BondedBalanceRow.quantity), 0))
            .join(BondedAccountRow, BondedAccountRow.id == BondedBalanceRow.account_id)
            .where(BondedBalanceRow.lot_id == lot_id, BondedAccountRow.kind.in_([k.value for k in kinds]))
        )
        return Decimal(self.s.scalar(q) or 0)

    def lock_declaration(self, declaration_ref: str) -> None:
        """Serialise the movements under one declaration until commit (PostgreSQL: a transaction-scoped advisory
        lock on the reference; SQLite: writers are serialised already)."""
        if self.s.get_bind().dialect.name == "postgresql":
            self.s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:ref))"), {"ref": f"bonded:{declaration_ref}"})

    def moved_under(self, declaration_ref: str, hs6: str, unit: str, *, entry: bool) -> Decimal:
        if entry:  # lots admitted under it (handling outputs inherit the reference: not counted again)
            q = select(func.coalesce(func.sum(BondedLotRow.quantity), 0)).where(
                BondedLotRow.declaration_ref == declaration_ref,
                BondedLotRow.parent_id.is_(None),
                BondedLotRow.unit == unit,
                BondedLotRow.hs_code.startswith(hs6),
            )
        else:  # quantities posted out of bond under it
            q = (
                select(func.coalesce(func.sum(BondedPostingRow.quantity), 0))
                .join(BondedMovementRow, BondedMovementRow.id == BondedPostingRow.movement_id)
                .join(BondedAccountRow, BondedAccountRow.id == BondedPostingRow.account_id)
                .join(BondedLotRow, BondedLotRow.id == BondedPostingRow.lot_id)
                .where(
                    BondedMovementRow.declaration_ref == declaration_ref,
                    BondedPostingRow.quantity > 0,
                    BondedAccountRow.kind.in_([AccountKind.RE_EXPORT.value, AccountKind.CONSUMPTION.value]),
                    BondedLotRow.unit == unit,
                    BondedLotRow.hs_code.startswith(hs6),
                )
            )
        return Decimal(self.s.scalar(q) or 0)

    def posting_sums(self, before: datetime | None = None) -> dict[tuple[str, str], Decimal]:
        """Sum of the postings per (account, lot), of movements before ``before`` (all when None)."""
        q = select(BondedPostingRow.account_id, BondedPostingRow.lot_id, func.sum(BondedPostingRow.quantity)).group_by(
            BondedPostingRow.account_id, BondedPostingRow.lot_id
        )
        if before is not None:
            q = q.join(BondedMovementRow, BondedMovementRow.id == BondedPostingRow.movement_id).where(
                BondedMovementRow.at < before
            )
        return {(a, lot): Decimal(total) for a, lot, total in self.s.execute(q)}

    def stored_balances(self) -> dict[tuple[str, str], Decimal]:
        return {
            (a, lot): Decimal(q)
            for a, lot, q in self.s.execute(
                select(BondedBalanceRow.account_id, BondedBalanceRow.lot_id, BondedBalanceRow.quantity)
            )
        }

    def lines(self, start: datetime, end: datetime) -> list[Line]:
        """The postings of the movements in [start, end), each with the kind of its counter-account."""
        q = (
            select(
                BondedPostingRow.movement_id,
                BondedPostingRow.account_id,
                BondedPostingRow.lot_id,
                BondedPostingRow.quantity,
                BondedMovementRow.kind,
                BondedMovementRow.reason_code,
                BondedMovementRow.at,
                BondedAccountRow.kind,
            )
            .join(BondedMovementRow, BondedMovementRow.id == BondedPostingRow.movement_id)
            .join(BondedAccountRow, BondedAccountRow.id == BondedPostingRow.account_id)
            .where(BondedMovementRow.at >= start, BondedMovementRow.at < end)
            .order_by(BondedMovementRow.at, BondedPostingRow.id)
        )
        rows = list(self.s.execute(q))
        # the counter-account of a posting: the other side for the same lot in the same movement
        sides: dict[tuple[str, str], list[tuple[Decimal, str]]] = {}
        for movement_id, _account, lot, qty, _kind, _reason, _at, account_kind in rows:
            sides.setdefault((movement_id, lot), []).append((Decimal(qty), account_kind))
        lines = []
        for movement_id, account, lot, qty, kind, reason, at, _account_kind in rows:
            q_ = Decimal(qty)
            counters = [k for v, k in sides[(movement_id, lot)] if (v > 0) != (q_ > 0)]
            counter = AccountKind(counters[0]) if len(set(counters)) == 1 else None
            lines.append(Line(account, lot, q_, MovementKind(kind), counter, reason, at))
        return lines

    # records beside the ledger ----------------------------------------------------------------------
    def add_record(self, table: str, /, **values: Any) -> dict[str, Any]:
        row = RECORDS[table](**values)
        self.s.add(row)
        self.s.flush()
        return _as_dict(row)

    def record(self, table: str, record_id: str, /, *, lock: bool = False) -> dict[str, Any] | None:
        row_type = RECORDS[table]
        q = select(row_type).where(row_type.id == record_id)
        if lock:
            q = q.with_for_update()
        row = self.s.scalars(q).first()
        return _as_dict(row) if row is not None else None

    def update_record(self, table: str, record_id: str, /, **values: Any) -> None:
        row_type = RECORDS[table]
        self.s.execute(update(row_type).where(row_type.id == record_id).values(**values))

    def records(self, table: str, /, order_by: str = "id", **filters: Any) -> list[dict[str, Any]]:
        row_type = RECORDS[table]
        q = select(row_type).order_by(getattr(row_type, order_by), row_type.id)
        for name, value in filters.items():
            if value is None:
                continue
            column = getattr(row_type, name)
            q = (
                q.where(column.in_(value))
                if isinstance(value, (list, tuple, set, frozenset))
                else q.where(column == value)
            )
        return [_as_dict(r) for r in self.s.scalars(q)]


def _as_dict(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}
