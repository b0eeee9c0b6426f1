"""The bonded ledger on a real database: races for the last unit, idempotent keys under concurrency, a process
killed in the middle of a movement, database constraints, and a hypothesis state machine over the services."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from silkport.bonded.domain.model import (
    AccountKind,
    Category,
    DeclarationFacts,
    InsufficientStock,
    MovementKind,
    account_id,
)
from silkport.bonded.services import handlers
from silkport.bonded.services.handlers import (
    Admission,
    BondedConfig,
    Handling,
    HandlingOutput,
    Pick,
    Transfer,
    Uplift,
    Withdrawal,
)
from silkport.bootstrap import Platform
from silkport.infra.audit import verify_chain
from silkport.shared.actor import Actor, Role
from silkport.shared.errors import DomainError


def ledger_config(platform: Platform) -> BondedConfig:
    """The platform's configuration without the declaration lookup: these tests are about the ledger's
    mechanics; declarations filed with clearance are exercised in tests/e2e/test_bonded_api.py."""
    return replace(platform.bonded_config(), declarations=None)


def keeper(owner: str) -> Actor:
    return Actor(f"u-{owner[:8]}", "keeper", Role.WAREHOUSE_KEEPER, enterprise_id=owner)


OFFICER = Actor("officer", "officer", Role.CUSTOMS_OFFICER, office_code="HRS-ROAD")


def admit(platform: Platform, owner: str, q: str, site: str = "HRS-ROAD", **over: Any) -> str:
    cmd = Admission(
        site=site,
        declaration_ref="BE-1",
        hs_code=over.pop("hs_code", "610910"),
        description="T-shirts",
        origin="KZ",
        unit=over.pop("unit", "H87"),
        quantity=q,
        value="1000.00",
        currency="USD",
        **over,
    )
    _, lot = handlers.admit(platform.bonded_uow, keeper(owner), ledger_config(platform), cmd)
    return lot.id


def withdraw_cmd(lot: str, q: str = "1", key: str | None = None) -> Withdrawal:
    return Withdrawal("HRS-ROAD", "re_export", "BX-1", Pick(((lot, q),)), key=key)


def assert_ledger_sound(platform: Platform) -> None:
    assert handlers.check_ledger(platform.bonded_uow()) == []


def balance(platform: Platform, owner: str, lot: str, site: str = "HRS-ROAD") -> Decimal:
    with platform.bonded_uow() as uow:
        return uow.bonded.balance(account_id(AccountKind.STOCK, owner, site), lot)


def test_many_withdrawals_race_for_a_small_lot(platform: Platform) -> None:
    """Eight writers, five units: exactly five withdrawals succeed, on SQLite and PostgreSQL alike."""
    owner = uuid.uuid4().hex
    lot = admit(platform, owner, "5")
    config = ledger_config(platform)
    barrier = threading.Barrier(8)

    def one(_: int) -> str:
        barrier.wait()
        try:
            handlers.withdraw(platform.bonded_uow, keeper(owner), config, withdraw_cmd(lot))
        except InsufficientStock:
            return "refused"
        return "ok"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(8)))
    assert results.count("ok") == 5 and results.count("refused") == 3
    assert balance(platform, owner, lot) == 0
    assert_ledger_sound(platform)
    with platform.session_factory() as s:
        assert verify_chain(s).ok


def _wait_for_lock_waiter(platform: Platform) -> None:
    """Block until some PostgreSQL backend waits for a lock (the second withdrawal is inside its transaction)."""
    with platform.engine.connect() as conn:
        for _ in range(3000):
            waiting = conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar()
            if waiting:
                return
            conn.execute(text("SELECT pg_sleep(0.01)"))
            conn.commit()
    raise AssertionError("the second withdrawal never waited for the first one's row lock")


def test_two_withdrawals_race_for_the_last_unit_on_postgresql(pg_platform: Platform) -> None:
    """Real concurrent transactions: the first holds the balance row; the second waits, then sees nothing left."""
    platform = pg_platform
    owner = uuid.uuid4().hex
    lot = admit(platform, owner, "1")
    config = ledger_config(platform)
    actor = keeper(owner)
    first = platform.bonded_uow()
    first.__enter__()
    try:
        stock = account_id(AccountKind.STOCK, owner, "HRS-ROAD")
        sink = first.bonded.ensure_account(
            handlers.Account(account_id(AccountKind.RE_EXPORT, owner), AccountKind.RE_EXPORT, owner)
        )
        handlers.post(
            first,
            actor,
            MovementKind.WITHDRAWAL_RE_EXPORT,
            owner,
            handlers.transfer(stock, sink.id, lot, Decimal(1)),
            declaration_ref="BX-A",
        )
        with ThreadPoolExecutor(max_workers=1) as pool:
            second = pool.submit(handlers.withdraw, platform.bonded_uow, actor, config, withdraw_cmd(lot))
            _wait_for_lock_waiter(platform)
            first.commit()
            with pytest.raises(InsufficientStock):
                second.result(timeout=60)
    finally:
        first.__exit__(None, None, None)
    assert balance(platform, owner, lot) == 0
    with platform.bonded_uow() as uow:
        assert len(uow.bonded.movements(owner)) == 2  # the admission and one withdrawal
    assert_ledger_sound(platform)


def test_the_same_key_concurrently_books_one_movement(platform: Platform) -> None:
    owner = uuid.uuid4().hex
    lot = admit(platform, owner, "10")
    config = ledger_config(platform)
    barrier = threading.Barrier(6)

    def one(_: int) -> str:
        barrier.wait()
        return handlers.withdraw(platform.bonded_uow, keeper(owner), config, withdraw_cmd(lot, "2", key="w-1")).id

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = set(pool.map(one, range(6)))
    assert len(ids) == 1
    assert balance(platform, owner, lot) == Decimal(8)
    # a repeat later is a no-op returning the original; another kind of movement under the key is refused
    again = handlers.withdraw(platform.bonded_uow, keeper(owner), config, withdraw_cmd(lot, "2", key="w-1"))
    assert again.id in ids
    with pytest.raises(DomainError):
        handlers.transfer_stock(
            platform.bonded_uow, keeper(owner), config, Transfer("HRS-ROAD", "KSS-TIR", Pick(((lot, "1"),)), key="w-1")
        )
    assert_ledger_sound(platform)


def test_database_refuses_a_negative_balance_and_unbalanced_rows(platform: Platform) -> None:
    owner = uuid.uuid4().hex
    lot = admit(platform, owner, "3")
    stock = account_id(AccountKind.STOCK, owner, "HRS-ROAD")
    with platform.engine.connect() as conn:
        with pytest.raises(IntegrityError):
            conn.execute(
                text("UPDATE bonded_balances SET quantity = -1 WHERE account_id = :a AND lot_id = :l"),
                {"a": stock, "l": lot},
            )
        conn.rollback()
        with pytest.raises(IntegrityError):
            conn.execute(
                text(
                    "INSERT INTO bonded_postings (movement_id, account_id, lot_id, quantity) VALUES ('nope', :a, :l, 1)"
                ),
                {"a": stock, "l": lot},
            )
        conn.rollback()
    assert balance(platform, owner, lot) == 3


CRASH_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from decimal import Decimal
    from sqlalchemy import event
    from silkport.bootstrap import bootstrap
    from silkport.infra.settings import Settings
    from silkport.bonded.services import handlers
    from silkport.bonded.services.handlers import Pick, Transfer
    from silkport.shared.actor import Actor, Role

    url, owner, lot, mode = sys.argv[1:5]
    platform = bootstrap(Settings(database_url=url), fast_hashing=True)
    seen = {"balance_updates": 0}

    @event.listens_for(platform.engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        if mode == "middle" and statement.startswith("UPDATE bonded_balances"):
            seen["balance_updates"] += 1
            if seen["balance_updates"] == 1:  # one side of the transfer applied, the other not yet
                print("IN-THE-MIDDLE", flush=True)
                time.sleep(600)

    actor = Actor("u", "keeper", Role.WAREHOUSE_KEEPER, enterprise_id=owner)
    cmd = Transfer("HRS-ROAD", "KSS-TIR", Pick(((lot, "4"),)))
    handlers.transfer_stock(platform.bonded_uow, actor, platform.bonded_config(), cmd)
    print("COMMITTED", flush=True)
    time.sleep(600)
    """
)


@pytest.mark.parametrize("mode", ["middle", "after"])
def test_a_process_killed_during_a_movement_leaves_it_whole_or_absent(
    platform: Platform, tmp_path: Any, mode: str
) -> None:
    owner = uuid.uuid4().hex
    lot = admit(platform, owner, "10")
    admit(platform, owner, "1", site="KSS-TIR")  # the target stock account exists before the crash
    script = tmp_path / "crash.py"
    script.write_text(CRASH_SCRIPT)
    url = platform.settings.database_url
    proc = subprocess.Popen(
        [sys.executable, str(script), url, owner, lot, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path.cwd(),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line == ("IN-THE-MIDDLE" if mode == "middle" else "COMMITTED"), proc.stderr.read() if proc.stderr else ""
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    platform.engine.dispose()  # drop pooled connections; PostgreSQL aborts the dead client's transaction
    moved = Decimal(4) if mode == "after" else Decimal(0)
    assert balance(platform, owner, lot) == Decimal(10) - moved
    assert balance(platform, owner, lot, "KSS-TIR") == moved
    with platform.bonded_uow() as uow:
        kinds = [m.kind for m in uow.bonded.movements(owner)]
    assert kinds.count(MovementKind.TRANSFER) == (1 if mode == "after" else 0)
    assert_ledger_sound(platform)
    # the ledger still works: the next movement goes through
    handlers.transfer_stock(
        platform.bonded_uow,
        keeper(owner),
        ledger_config(platform),
        Transfer("HRS-ROAD", "KSS-TIR", Pick(((lot, "1"),))),
    )
    assert_ledger_sound(platform)


class BondedServicesMachine(RuleBasedStateMachine):
    """Random admissions, handling, transfers, withdrawals, uplifts and stocktakes through the services on the
    configured database: every invariant of the whole ledger holds after every step, and the stock the
    services report equals a model kept beside them."""

    platform: Platform

    def __init__(self) -> None:
        super().__init__()
        self.owner = uuid.uuid4().hex
        self.actor = keeper(self.owner)
        self.config = ledger_config(self.platform)
        self.model: dict[tuple[str, str], Decimal] = {}  # (site, lot) -> quantity held
        self.lots: list[str] = []
        self.fuel: list[str] = []
        self.open_counts: set[str] = set()  # lots with a discrepancy awaiting the customs decision

    def _try(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except DomainError:
            return None

    @rule(q=st.integers(1, 50), site=st.sampled_from(["HRS-ROAD", "KSS-TIR"]))
    def admission(self, q: int, site: str) -> None:
        lot = admit(self.platform, self.owner, str(q), site=site, unit="KGM")
        self.lots.append(lot)
        self.model[(site, lot)] = Decimal(q)

    @rule(q=st.integers(100, 5000))
    def fuel_receipt(self, q: int) -> None:
        cmd = Admission(
            "URC-AIR/T1", "BE-F", "27101911", "Jet A-1", "KZ", "LTR", str(q), "500.00", "USD",
            category=Category.FUEL, kind=MovementKind.FUEL_RECEIPT,
        )  # fmt: skip
        _, lot = handlers.admit(self.platform.bonded_uow, self.actor, self.config, cmd)
        self.fuel.append(lot.id)
        self.model[("URC-AIR/T1", lot.id)] = Decimal(q)

    @precondition(lambda self: bool(self.lots))
    @rule(data=st.data(), q=st.integers(1, 60))
    def transfer(self, data: st.DataObject, q: int) -> None:
        lot = data.draw(st.sampled_from(self.lots))
        src, dst = data.draw(st.sampled_from([("HRS-ROAD", "KSS-TIR"), ("KSS-TIR", "HRS-ROAD")]))
        held = self.model.get((src, lot), Decimal(0))
        cmd = Transfer(src, dst, Pick(((lot, str(q)),)))
        done = self._try(lambda: handlers.transfer_stock(self.platform.bonded_uow, self.actor, self.config, cmd))
        assert (done is not None) == (q <= held)
        if done is not None:
            self.model[(src, lot)] = held - q
            self.model[(dst, lot)] = self.model.get((dst, lot), Decimal(0)) + q

    @precondition(lambda self: bool(self.lots))
    @rule(
        q=st.integers(1, 80),
        purpose=st.sampled_from(["re_export", "home_consumption"]),
        key=st.sampled_from([None, "k1", "k2"]),
    )
    def withdrawal_fifo(self, q: int, purpose: str, key: str | None) -> None:
        site = "HRS-ROAD"
        held = sum((v for (s, lot), v in self.model.items() if s == site and lot in self.lots), Decimal(0))
        cmd = Withdrawal(site, purpose, "BX-9", Pick(quantity=str(q)), key=key)
        with self.platform.bonded_uow() as uow:
            repeat = key is not None and uow.bonded.movement_by_key(f"{self.owner}:{key}") is not None
        m = self._try(lambda: handlers.withdraw(self.platform.bonded_uow, self.actor, self.config, cmd))
        if repeat:
            return  # a repeated key is a no-op (or a 409 for another kind): the model does not move
        assert (m is not None) == (q <= held)
        if m is not None:
            for p in m.postings:
                if p.quantity < 0:
                    self.model[(site, p.lot_id)] -= -p.quantity

    @precondition(lambda self: bool(self.lots))
    @rule(data=st.data(), keep=st.integers(0, 100))
    def handling(self, data: st.DataObject, keep: int) -> None:
        lot = data.draw(st.sampled_from(self.lots))
        held = self.model.get(("HRS-ROAD", lot), Decimal(0))
        if held < 2:
            return
        part = max(Decimal(1), (held * keep / 100).quantize(Decimal(1)))
        if part >= held:
            part = held - 1
        cmd = Handling(
            "HRS-ROAD", "split", ((lot, str(held)),), (HandlingOutput(str(part)), HandlingOutput(str(held - part)))
        )
        _, outputs = handlers.handle(self.platform.bonded_uow, self.actor, self.config, cmd)
        self.model[("HRS-ROAD", lot)] = Decimal(0)
        for out in outputs:
            self.lots.append(out)
        self.model[("HRS-ROAD", outputs[0])] = part
        self.model[("HRS-ROAD", outputs[1])] = held - part

    @precondition(lambda self: bool(self.fuel))
    @rule(q=st.integers(1, 3000), international=st.booleans())
    def uplift(self, q: int, international: bool) -> None:
        held = sum((v for (s, _), v in self.model.items() if s == "URC-AIR/T1"), Decimal(0))
        cmd = Uplift("URC-AIR/T1", "airline-x", "KC852", "P4-KCA", "KZALA" if international else "CNPEK", str(q))
        m = self._try(lambda: handlers.uplift(self.platform.bonded_uow, self.actor, self.config, cmd))
        assert (m is not None) == (q <= held)
        if m is not None:
            for p in m.postings:
                if p.quantity < 0:
                    self.model[("URC-AIR/T1", p.lot_id)] -= -p.quantity

    @precondition(lambda self: bool(self.lots))
    @rule(data=st.data(), delta=st.integers(-5, 5), decision=st.sampled_from(["write_off", "correction"]))
    def stocktake(self, data: st.DataObject, delta: int, decision: str) -> None:
        lot = data.draw(st.sampled_from(self.lots))
        held = self.model.get(("KSS-TIR", lot), Decimal(0))
        counted = max(held + delta, Decimal(0))
        count = [(lot, str(counted))]
        if lot in self.open_counts:  # recounted before customs decided: refused, nothing recorded
            with pytest.raises(DomainError, match="awaiting the customs decision"):
                handlers.stocktake(self.platform.bonded_uow, self.actor, self.config, site="KSS-TIR", counts=count)
            return
        rows = handlers.stocktake(self.platform.bonded_uow, self.actor, self.config, site="KSS-TIR", counts=count)
        if counted == held:
            assert rows[0]["status"] == "agreed"
            return
        result = self._try(
            lambda: handlers.decide_count(self.platform.bonded_uow, OFFICER, self.config, rows[0]["id"], decision)
        )
        assert (result is not None) == (decision == "correction" or counted < held)
        if result is not None:
            self.model[("KSS-TIR", lot)] = counted
        else:
            self.open_counts.add(lot)

    @invariant()
    def ledger_is_sound_and_matches_the_model(self) -> None:
        assert handlers.check_ledger(self.platform.bonded_uow()) == []
        with self.platform.bonded_uow() as uow:
            for (site, lot), q in self.model.items():
                assert uow.bonded.balance(account_id(AccountKind.STOCK, self.owner, site), lot) == q


def test_services_keep_every_invariant(platform: Platform) -> None:
    BondedServicesMachine.platform = platform
    run_state_machine_as_test(
        BondedServicesMachine,
        settings=settings(
            max_examples=int(os.environ.get("BONDED_MACHINE_EXAMPLES", "12")),
            stateful_step_count=15,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            deadline=None,
        ),
    )


class OneDeclaration:
    """A clearance stand-in that knows one cleared bonded-entry declaration of 10 pieces of HS 610910."""

    def __init__(self, owner: str) -> None:
        self.facts_ = DeclarationFacts(
            "BE-RACE", "bonded_entry", owner, "cleared", None, frozenset({"610910"}), {"610910": {"H87": Decimal(10)}}
        )

    def facts(self, declaration_id: str) -> DeclarationFacts | None:
        return self.facts_ if declaration_id == self.facts_.id else None


def test_admissions_racing_under_one_declaration_never_exceed_it(platform: Platform) -> None:
    owner = uuid.uuid4().hex
    config = replace(platform.bonded_config(), declarations=OneDeclaration(owner))
    barrier = threading.Barrier(4)

    def one(_: int) -> str:
        cmd = Admission("HRS-ROAD", "BE-RACE", "610910", "T-shirts", "KZ", "H87", "4", "10.00", "USD")
        barrier.wait()
        try:
            handlers.admit(platform.bonded_uow, keeper(owner), config, cmd)
        except DomainError:
            return "refused"
        return "ok"

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, range(4)))
    assert results.count("ok") == 2  # 4 + 4 of the 10 declared; a third 4 would exceed it
    with platform.bonded_uow() as uow:
        assert uow.bonded.moved_under("BE-RACE", "610910", "H87", entry=True) == 8
    assert_ledger_sound(platform)
