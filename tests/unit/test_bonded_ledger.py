"""The pure bonded ledger: movements balance, balances never go negative, status edges, FIFO, unit consumption,
reconciliation (opening + in - out = closing) — by example and by hypothesis state machine."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from silkport.bonded.domain.model import (
    HOLDING,
    NEVER_DOMESTIC,
    STATUS_EDGES,
    Account,
    AccountKind,
    Available,
    Book,
    Category,
    CustomsStatus,
    DeclarationFacts,
    InsufficientStock,
    Line,
    Lot,
    MovementKind,
    Posting,
    Purpose,
    account_id,
    ageing_bucket,
    check_declaration,
    check_declared_quantity,
    check_movement,
    is_domestic_airport,
    is_domestic_registration,
    litres_at_15c,
    loss_split,
    pick_fifo,
    quantity,
    reconcile,
    shortage_alert,
    split_consumption,
    transfer,
    volume_correction_factor,
)
from silkport.shared.errors import IllegalTransition, ValidationFailed

T0 = datetime(2025, 9, 1, tzinfo=UTC)
OWNER = "ent-a"


def make_lot(lot_id: str = "L1", q: str = "100", **over: object) -> Lot:
    values: dict[str, object] = {
        "id": lot_id,
        "owner_id": OWNER,
        "status": CustomsStatus.BONDED,
        "category": Category.GOODS,
        "hs_code": "610910",
        "description": "T-shirts",
        "origin": "KZ",
        "unit": "H87",
        "quantity": Decimal(q),
        "value": Decimal("1000.00"),
        "currency": "USD",
        "declaration_ref": "BE-1",
        "admitted_at": T0,
    }
    values.update(over)
    return Lot(**values)  # type: ignore[arg-type]


def acct(kind: AccountKind, site: str | None = None) -> Account:
    return Account(account_id(kind, OWNER, site), kind, OWNER, site)


ABROAD = acct(AccountKind.ABROAD)
STOCK_A = acct(AccountKind.STOCK, "HRS-ROAD")
STOCK_B = acct(AccountKind.STOCK, "KSS-TIR")
REEXPORT = acct(AccountKind.RE_EXPORT)
CONSUMPTION = acct(AccountKind.CONSUMPTION)
LOSS = acct(AccountKind.LOSS)
ACCOUNTS = {a.id: a for a in (ABROAD, STOCK_A, STOCK_B, REEXPORT, CONSUMPTION, LOSS)}


def test_quantity_refuses_floats_and_excess_precision() -> None:
    assert quantity("1.5") == Decimal("1.500")
    for bad in (1.5, "0", "-1", "1.0001", "abc", "NaN"):
        with pytest.raises(ValidationFailed):
            quantity(bad)


def test_movement_must_balance_per_lot_and_name_real_things() -> None:
    lot = make_lot()
    lots = {lot.id: lot}
    check_movement(
        transfer(ABROAD.id, STOCK_A.id, "L1", Decimal(5)), ACCOUNTS, lots, declaration_ref=None, approval_ref=None
    )
    with pytest.raises(ValidationFailed, match="do not balance"):
        check_movement(
            [Posting(ABROAD.id, "L1", Decimal(-5)), Posting(STOCK_A.id, "L1", Decimal(4))],
            ACCOUNTS,
            lots,
            declaration_ref=None,
            approval_ref=None,
        )
    with pytest.raises(ValidationFailed, match="unknown lot"):
        check_movement(
            transfer(ABROAD.id, STOCK_A.id, "L9", Decimal(5)), ACCOUNTS, lots, declaration_ref=None, approval_ref=None
        )
    with pytest.raises(ValidationFailed, match="unknown account"):
        check_movement(
            transfer("nope", STOCK_A.id, "L1", Decimal(5)), ACCOUNTS, lots, declaration_ref=None, approval_ref=None
        )


def test_nothing_leaves_bond_without_declaration_or_approval() -> None:
    lots = {"L1": make_lot()}
    for sink in (REEXPORT, CONSUMPTION):
        with pytest.raises(ValidationFailed, match="declaration"):
            check_movement(
                transfer(STOCK_A.id, sink.id, "L1", Decimal(1)), ACCOUNTS, lots, declaration_ref=None, approval_ref=None
            )
        check_movement(
            transfer(STOCK_A.id, sink.id, "L1", Decimal(1)), ACCOUNTS, lots, declaration_ref="BX-1", approval_ref=None
        )
    with pytest.raises(ValidationFailed, match="approval"):
        check_movement(
            transfer(STOCK_A.id, LOSS.id, "L1", Decimal(1)), ACCOUNTS, lots, declaration_ref=None, approval_ref=None
        )
    # domestic goods are not in bond: they leave freely
    domestic = {"L1": make_lot(status=CustomsStatus.DOMESTIC)}
    check_movement(
        transfer(STOCK_A.id, CONSUMPTION.id, "L1", Decimal(1)),
        ACCOUNTS,
        domestic,
        declaration_ref=None,
        approval_ref=None,
    )


def test_removed_parts_never_reach_the_domestic_market() -> None:
    for category in NEVER_DOMESTIC:
        lot = make_lot(category=category)
        with pytest.raises(IllegalTransition):
            check_movement(
                transfer(STOCK_A.id, CONSUMPTION.id, "L1", Decimal(1)),
                ACCOUNTS,
                {"L1": lot},
                declaration_ref="HC",
                approval_ref=None,
            )
        with pytest.raises(IllegalTransition):
            lot.change_status(CustomsStatus.DUTY_PAID)
        check_movement(
            transfer(STOCK_A.id, REEXPORT.id, "L1", Decimal(1)),
            ACCOUNTS,
            {"L1": lot},
            declaration_ref="RX",
            approval_ref=None,
        )


@given(st.sampled_from(list(CustomsStatus)), st.sampled_from(list(CustomsStatus)), st.sampled_from(list(Category)))
def test_status_moves_only_along_permitted_edges(
    current: CustomsStatus, target: CustomsStatus, category: Category
) -> None:
    lot = make_lot(status=current, category=category)
    allowed = target in STATUS_EDGES[current] and not (target is CustomsStatus.DUTY_PAID and category in NEVER_DOMESTIC)
    if allowed:
        assert lot.change_status(target) is target
    else:
        with pytest.raises(IllegalTransition):
            lot.change_status(target)


def test_repair_categories() -> None:
    lot = make_lot(category=Category.AWAITING_REPAIR)
    assert lot.change_category(Category.REPAIRED) is Category.REPAIRED
    with pytest.raises(IllegalTransition):
        make_lot(category=Category.REPAIRED).change_category(Category.AWAITING_REPAIR)
    with pytest.raises(IllegalTransition):
        make_lot(category=Category.UNREPAIRABLE).change_category(Category.REPAIRED)


amounts = st.integers(min_value=1, max_value=10**6).map(lambda n: Decimal(n) / 1000)


@given(st.lists(st.tuples(st.integers(0, 1000), amounts), min_size=0, max_size=8), amounts)
def test_fifo_takes_oldest_first_and_exactly_what_was_asked(stock: list[tuple[int, Decimal]], wanted: Decimal) -> None:
    available = [Available(f"L{i}", T0 + timedelta(minutes=m), q) for i, (m, q) in enumerate(stock)]
    total = sum((a.balance for a in available), Decimal(0))
    if wanted > total:
        with pytest.raises(InsufficientStock):
            pick_fifo(available, wanted)
        return
    picks = pick_fifo(available, wanted)
    assert sum((q for _, q in picks), Decimal(0)) == wanted
    order = sorted(available, key=lambda a: (a.admitted_at, a.lot_id))
    by_id = {a.lot_id: a for a in available}
    # every lot but the last picked is taken whole, in admission order
    assert [lot for lot, _ in picks] == [a.lot_id for a in order][: len(picks)]
    for lot, q in picks[:-1]:
        assert q == by_id[lot].balance


@given(amounts, amounts, st.integers(1, 3000).map(lambda n: Decimal(n) / 1000), st.integers(0, 100).map(Decimal))
def test_unit_consumption_splits_input_exactly(
    used: Decimal, output: Decimal, norm: Decimal, loss_pct: Decimal
) -> None:
    standard = (output * norm).quantize(Decimal("0.001"))
    if used < standard:
        with pytest.raises(ValidationFailed):
            split_consumption(used, output, norm, loss_pct)
        return
    c = split_consumption(used, output, norm, loss_pct)
    assert c.standard + c.process_loss + c.shortage == used
    assert c.process_loss <= standard * loss_pct / 100 + Decimal("0.001")
    assert c.process_loss >= 0 and c.shortage >= 0


def test_shortage_alert_threshold_and_loss_allowance() -> None:
    assert not shortage_alert(Decimal(0), Decimal(100), Decimal(0), Decimal(1), Decimal(500))
    assert not shortage_alert(Decimal(1), Decimal(100), Decimal(10), Decimal(1), Decimal(500))
    assert shortage_alert(Decimal("1.001"), Decimal(100), Decimal(10), Decimal(1), Decimal(500))
    assert shortage_alert(Decimal("0.1"), Decimal(100), Decimal(501), Decimal(1), Decimal(500))
    lot = make_lot(q="1000", loss_allowance_pct=Decimal(1))
    assert loss_split(lot, Decimal(0), Decimal(4)) == (Decimal(4), Decimal(0))
    assert loss_split(lot, Decimal(8), Decimal(5)) == (Decimal(2), Decimal(3))
    assert loss_split(lot, Decimal(12), Decimal(5)) == (Decimal(0), Decimal(5))


def test_small_helpers() -> None:
    assert is_domestic_registration("B-6120") and not is_domestic_registration("UP-A3001")
    assert is_domestic_airport("CNPEK") and not is_domestic_airport("KZALA")
    assert ageing_bucket(date(2025, 1, 1), date(2025, 2, 1)) == "0-90"
    assert ageing_bucket(date(2024, 1, 1), date(2025, 9, 1)) == "over 365"
    assert make_lot(q="3", value=Decimal("10.00")).value_of(Decimal(1)) == Decimal("3.33")


def test_jet_fuel_volume_correction_matches_table_54b() -> None:
    # printed Table 54B values for Jet A/A-1 of density 800 kg/m3 at 15 degC
    for temperature, printed in (
        ("-40", "1.0502"),
        ("-39.5", "1.0498"),
        ("-30", "1.0412"),
        ("-20", "1.0322"),
        ("15", "1"),
    ):
        assert volume_correction_factor(Decimal(800), Decimal(temperature)) == Decimal(printed)
    assert litres_at_15c(Decimal(10000), Decimal(-40), Decimal(800)) == Decimal("10502.000")
    assert volume_correction_factor(Decimal(800), Decimal(30)) < 1  # warm fuel shrinks to 15 degC
    for density, temperature in (("700", "15"), ("900", "15"), ("800", "80")):
        with pytest.raises(ValidationFailed):
            volume_correction_factor(Decimal(density), Decimal(temperature))


def test_book_applies_whole_movements_or_nothing() -> None:
    book = Book()
    book.apply(transfer(ABROAD.id, STOCK_A.id, "L1", Decimal(5)), ACCOUNTS)
    with pytest.raises(InsufficientStock):
        book.apply(
            [
                *transfer(STOCK_A.id, REEXPORT.id, "L1", Decimal(3)),
                *transfer(STOCK_A.id, CONSUMPTION.id, "L1", Decimal(3)),
            ],
            ACCOUNTS,
        )
    assert book.balance(STOCK_A.id, "L1") == 5 and book.balance(REEXPORT.id, "L1") == 0


class LedgerMachine(RuleBasedStateMachine):
    """Random admissions, transfers, withdrawals, uplifts, losses and stocktake corrections on the pure ledger."""

    @initialize()
    def setup(self) -> None:
        self.book = Book()
        self.accounts = dict(ACCOUNTS)
        for kind in (AccountKind.ADJUSTMENT,):
            a = acct(kind)
            self.accounts[a.id] = a
        self.lots: dict[str, Lot] = {}
        self.lines: list[Line] = []
        self.clock = T0
        self.snapshots: list[tuple[datetime, dict[tuple[str, str], Decimal]]] = []

    def _book(
        self,
        kind: MovementKind,
        postings: list[Posting],
        *,
        declaration: str | None = None,
        approval: str | None = None,
    ) -> bool:
        try:
            check_movement(postings, self.accounts, self.lots, declaration_ref=declaration, approval_ref=approval)
            before = dict(self.book.balances)
            self.book.apply(postings, self.accounts)
        except (InsufficientStock, ValidationFailed, IllegalTransition):
            return False
        assert before is not None
        self.clock += timedelta(minutes=1)
        for p in postings:
            counters = {
                self.accounts[o.account_id].kind
                for o in postings
                if o.lot_id == p.lot_id and (o.quantity > 0) != (p.quantity > 0)
            }
            counter = counters.pop() if len(counters) == 1 else None
            self.lines.append(Line(p.account_id, p.lot_id, p.quantity, kind, counter, None, self.clock))
        return True

    @rule(q=amounts)
    def admit(self, q: Decimal) -> None:
        lot = make_lot(f"L{len(self.lots)}", str(q), admitted_at=self.clock)
        self.lots[lot.id] = lot
        assert self._book(
            MovementKind.ADMISSION, list(transfer(ABROAD.id, STOCK_A.id, lot.id, q)), declaration=lot.declaration_ref
        )

    @precondition(lambda self: bool(self.lots))
    @rule(data=st.data(), q=amounts, to_b=st.booleans())
    def transfer(self, data: st.DataObject, q: Decimal, to_b: bool) -> None:
        lot = data.draw(st.sampled_from(sorted(self.lots)))
        source, target = (STOCK_A, STOCK_B) if to_b else (STOCK_B, STOCK_A)
        held = self.book.balance(source.id, lot)
        ok = self._book(MovementKind.TRANSFER, list(transfer(source.id, target.id, lot, q)))
        assert ok == (q <= held)

    @precondition(lambda self: bool(self.lots))
    @rule(q=amounts, purpose=st.sampled_from([REEXPORT, CONSUMPTION]), declared=st.booleans())
    def withdraw_fifo(self, q: Decimal, purpose: Account, declared: bool) -> None:
        available = [
            Available(lot, self.lots[lot].admitted_at, self.book.balance(STOCK_A.id, lot)) for lot in self.lots
        ]
        try:
            picks = pick_fifo(available, q)
        except InsufficientStock:
            assert sum((a.balance for a in available), Decimal(0)) < q
            return
        postings = [p for lot, take in picks for p in transfer(STOCK_A.id, purpose.id, lot, take)]
        ok = self._book(MovementKind.WITHDRAWAL_RE_EXPORT, postings, declaration="BX" if declared else None)
        assert ok == declared  # FIFO never asks more than there is; only the declaration can be missing

    @precondition(lambda self: bool(self.lots))
    @rule(data=st.data(), q=amounts)
    def approved_loss(self, data: st.DataObject, q: Decimal) -> None:
        lot = data.draw(st.sampled_from(sorted(self.lots)))
        self._book(MovementKind.LOSS, list(transfer(STOCK_A.id, LOSS.id, lot, q)), approval="loss:1")

    @precondition(lambda self: bool(self.lots))
    @rule(data=st.data(), counted=st.integers(0, 2000).map(Decimal))
    def stocktake_correction(self, data: st.DataObject, counted: Decimal) -> None:
        lot = data.draw(st.sampled_from(sorted(self.lots)))
        book = self.book.balance(STOCK_A.id, lot)
        assume(counted != book)
        adj = acct(AccountKind.ADJUSTMENT).id
        postings = (
            transfer(adj, STOCK_A.id, lot, counted - book)
            if counted > book
            else transfer(STOCK_A.id, adj, lot, book - counted)
        )
        assert self._book(MovementKind.ADJUSTMENT, list(postings))
        assert self.book.balance(STOCK_A.id, lot) == counted

    @rule()
    def snapshot(self) -> None:
        self.snapshots.append((self.clock, dict(self.book.balances)))

    @invariant()
    def never_negative_where_it_may_not(self) -> None:
        for (account, _lot), q in self.book.balances.items():
            if not self.accounts[account].allows_negative:
                assert q >= 0

    @invariant()
    def every_lot_sums_to_zero(self) -> None:
        per_lot: dict[str, Decimal] = defaultdict(Decimal)
        for (_account, lot), q in self.book.balances.items():
            per_lot[lot] += q
        assert all(v == 0 for v in per_lot.values())

    @invariant()
    def periods_reconcile(self) -> None:
        # for every snapshot as the opening: opening + in - out = closing, per account and lot
        for at, opening in self.snapshots[-3:]:
            rows = reconcile({k: v for k, v in opening.items() if v}, [line for line in self.lines if line.at > at])
            for row in rows:
                assert row.balanced
                assert row.closing == self.book.balance(row.account_id, row.lot_id)
                if self.accounts[row.account_id].kind in HOLDING:
                    assert row.closing >= 0


TestLedgerMachine = LedgerMachine.TestCase


def test_declarations_carry_goods_only_for_their_purpose_owner_and_quantity() -> None:
    facts = DeclarationFacts(
        "D1", "bonded_exit", OWNER, "cleared", "re_export", frozenset({"610910"}), {"610910": {"H87": Decimal(10)}}
    )
    check_declaration(facts, Purpose.RE_EXPORT, OWNER, ["61091000"], "declaration_ref")
    for purpose, owner, hs, status in (
        (Purpose.CONSUMPTION, OWNER, "610910", "cleared"),  # a re-export does not release for consumption
        (Purpose.ENTRY, OWNER, "610910", "cleared"),
        (Purpose.RE_EXPORT, "someone-else", "610910", "cleared"),
        (Purpose.RE_EXPORT, OWNER, "847130", "cleared"),  # not declared
        (Purpose.RE_EXPORT, OWNER, "610910", "inspection"),  # not yet cleared
    ):
        with pytest.raises(ValidationFailed):
            check_declaration(replace(facts, status=status), purpose, owner, [hs], "declaration_ref")
    with pytest.raises(ValidationFailed, match="no such declaration"):
        check_declaration(None, Purpose.ENTRY, OWNER, ["610910"], "declaration_ref")
    check_declared_quantity(facts, "610910", "H87", Decimal(4), Decimal(6), "f")
    with pytest.raises(ValidationFailed, match="would exceed"):
        check_declared_quantity(facts, "610910", "H87", Decimal(4), Decimal("6.001"), "f")
    with pytest.raises(ValidationFailed, match="not in KGM"):
        check_declared_quantity(facts, "610910", "KGM", Decimal(0), Decimal(1), "f")
