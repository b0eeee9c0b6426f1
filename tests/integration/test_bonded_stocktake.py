"""Stocktakes on a real database, as a hypothesis state machine over the services: random admissions,
withdrawals, counts (some sent twice with the same key), recounts and customs decisions. After every step the
whole ledger balances, the book equals a model kept beside it, a repeated key records nothing, and a lot never
has two counts awaiting customs (so no shortage is ever adjusted twice)."""

from __future__ import annotations

import os
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from silkport.bonded.domain.model import AccountKind, InsufficientStock, account_id
from silkport.bonded.services import handlers
from silkport.bonded.services.handlers import Pick, Withdrawal
from silkport.bootstrap import Platform
from silkport.shared.errors import ValidationFailed
from tests.integration.test_bonded_storage import OFFICER, admit, keeper, ledger_config

SITE = "HRS-ROAD"


class StocktakeMachine(RuleBasedStateMachine):
    """Choices are drawn from lots, keys and counts in the order they were made (not sorted: their ids are
    random, so a sorted order would differ when hypothesis replays an example)."""

    platform: Platform

    def __init__(self) -> None:
        super().__init__()
        self.owner = uuid.uuid4().hex
        self.actor = keeper(self.owner)
        self.config = ledger_config(self.platform)
        self.stock = account_id(AccountKind.STOCK, self.owner, SITE)
        self.book: dict[str, Decimal] = {}  # lot -> quantity in stock at the site
        self.open: dict[str, tuple[str, Decimal]] = {}  # count id -> (lot, counted - book at the count)
        self.keys: dict[str, list[str]] = {}  # stocktake key -> the count ids it recorded
        self.recorded = 0

    def _counts(self) -> list[dict[str, object]]:
        with self.platform.bonded_uow() as uow:
            return uow.bonded.records("count", owner_id=self.owner)

    @rule(q=st.integers(1, 40))
    def admission(self, q: int) -> None:
        lot = admit(self.platform, self.owner, str(q), site=SITE, unit="KGM")
        self.book[lot] = Decimal(q)

    @precondition(lambda self: bool(self.book))
    @rule(data=st.data(), q=st.integers(1, 30))
    def withdrawal(self, data: st.DataObject, q: int) -> None:
        lot = data.draw(st.sampled_from(list(self.book)))
        cmd = Withdrawal(SITE, "re_export", "EX-1", Pick(((lot, str(q)),)))
        if Decimal(q) > self.book[lot]:
            with pytest.raises(InsufficientStock):
                handlers.withdraw(self.platform.bonded_uow, self.actor, self.config, cmd)
            return
        handlers.withdraw(self.platform.bonded_uow, self.actor, self.config, cmd)
        self.book[lot] -= q

    @precondition(lambda self: bool(self.book))
    @rule(data=st.data(), repeat=st.booleans())
    def stocktake(self, data: st.DataObject, repeat: bool) -> None:
        if repeat and self.keys:  # the same count sheet sent again: nothing more is recorded
            key = data.draw(st.sampled_from(list(self.keys)))
            rows = handlers.stocktake(
                self.platform.bonded_uow, self.actor, self.config, site=SITE, counts=[("x", "1")], key=key
            )
            assert sorted(r["id"] for r in rows) == sorted(self.keys[key])
            return
        lots = data.draw(st.lists(st.sampled_from(list(self.book)), min_size=1, max_size=3, unique=True))
        deltas = data.draw(st.lists(st.integers(-4, 3), min_size=len(lots), max_size=len(lots)))
        counts = [(lot, str(max(self.book[lot] + d, Decimal(0)))) for lot, d in zip(lots, deltas, strict=True)]
        key = uuid.uuid4().hex
        awaiting = {lot for lot, _ in self.open.values()}
        if awaiting & set(lots):  # recounted before customs decided: refused, nothing recorded
            with pytest.raises(ValidationFailed, match="awaiting the customs decision"):
                handlers.stocktake(self.platform.bonded_uow, self.actor, self.config, site=SITE, counts=counts, key=key)
            return
        rows = handlers.stocktake(self.platform.bonded_uow, self.actor, self.config, site=SITE, counts=counts, key=key)
        self.keys[key] = [r["id"] for r in rows]
        self.recorded += len(rows)
        for r in rows:
            difference = Decimal(r["counted"]) - Decimal(r["book"])
            assert Decimal(r["book"]) == self.book[r["lot_id"]]
            assert r["status"] == ("agreed" if difference == 0 else "open")
            if difference:
                self.open[r["id"]] = (r["lot_id"], difference)

    @precondition(lambda self: bool(self.open))
    @rule(data=st.data(), decision=st.sampled_from(["write_off", "correction"]))
    def decide(self, data: st.DataObject, decision: str) -> None:
        count_id = data.draw(st.sampled_from(list(self.open)))
        lot, difference = self.open[count_id]
        decide = lambda: handlers.decide_count(  # noqa: E731
            self.platform.bonded_uow, OFFICER, self.config, count_id, decision
        )
        if decision == "write_off" and difference > 0:
            with pytest.raises(ValidationFailed):
                decide()
            return
        if self.book[lot] + difference < 0:  # the stock left meanwhile: the shortage cannot be booked out of it
            with pytest.raises(InsufficientStock):
                decide()
            return
        decide()
        self.book[lot] += difference
        del self.open[count_id]

    @invariant()
    def the_ledger_balances_and_follows_the_counts(self) -> None:
        assert handlers.check_ledger(self.platform.bonded_uow()) == []
        with self.platform.bonded_uow() as uow:
            for lot, q in self.book.items():
                assert uow.bonded.balance(self.stock, lot) == q
        counts = self._counts()
        assert len(counts) == self.recorded
        open_per_lot = Counter(c["lot_id"] for c in counts if c["status"] == "open")
        assert all(n == 1 for n in open_per_lot.values())
        assert {c["id"] for c in counts if c["status"] == "open"} == set(self.open)


def test_stocktakes_keep_the_ledger_balanced(platform: Platform) -> None:
    StocktakeMachine.platform = platform
    run_state_machine_as_test(
        StocktakeMachine,
        settings=settings(
            max_examples=int(os.environ.get("BONDED_MACHINE_EXAMPLES", "12")),
            stateful_step_count=15,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            deadline=None,
        ),
    )


def test_a_stocktake_key_is_hexadecimal_and_names_one_enterprise(platform: Platform) -> None:
    config = ledger_config(platform)
    a, b = uuid.uuid4().hex, uuid.uuid4().hex
    lot_a = admit(platform, a, "10", site=SITE)
    lot_b = admit(platform, b, "10", site=SITE)
    with pytest.raises(ValidationFailed, match="hexadecimal"):
        handlers.stocktake(platform.bonded_uow, keeper(a), config, site=SITE, counts=[(lot_a, "9")], key="not-a-key")
    key = uuid.uuid4().hex
    first = handlers.stocktake(platform.bonded_uow, keeper(a), config, site=SITE, counts=[(lot_a, "9")], key=key)
    with pytest.raises(Exception, match="another enterprise"):
        handlers.stocktake(platform.bonded_uow, keeper(b), config, site=SITE, counts=[(lot_b, "9")], key=key)
    again = handlers.stocktake(platform.bonded_uow, keeper(a), config, site=SITE, counts=[(lot_a, "9")], key=key)
    fields = ("id", "stocktake_id", "lot_id", "book", "counted", "status")
    assert [[r[f] for f in fields] for r in again] == [[r[f] for f in fields] for r in first]
    assert first[0]["stocktake_id"] == key


def test_the_same_count_sheet_sent_concurrently_records_it_once(platform: Platform) -> None:
    config = ledger_config(platform)
    owner = uuid.uuid4().hex
    lots = [admit(platform, owner, "10", site=SITE) for _ in range(3)]
    counts = [(lot, "9") for lot in lots]
    key = uuid.uuid4().hex

    def send() -> list[str]:
        rows = handlers.stocktake(platform.bonded_uow, keeper(owner), config, site=SITE, counts=counts, key=key)
        return sorted(r["id"] for r in rows)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [f.result() for f in [pool.submit(send) for _ in range(4)]]
    assert all(r == results[0] for r in results)
    with platform.bonded_uow() as uow:
        assert len(uow.bonded.records("count", owner_id=owner)) == 3
