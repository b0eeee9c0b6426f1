"""Bonded movements per second with every invariant checked, vs a raw insert of the same rows, side by side.

Goal (issue #6): movements/s sustained on PostgreSQL with all invariants checked, and the ratio to a raw
insert of the same rows; the same on SQLite.

What is timed, one movement per transaction, alternating in rounds (A, B, A, B...) on the same database:

``silkport``
    ``handlers.transfer_stock``: a named-lot transfer of 1 unit between two bonded sites of one owner, through
    the real unit of work: key lookup (a movement key per call, so idempotency is exercised), lot and account
    reads, the domain checks (real accounts and lots, balanced per lot, exits declared), the movement row, two
    postings, two *conditional* balance updates (``quantity + delta >= 0``, the row lock that serialises racing
    withdrawals), the hash-chained audit entry and the outbox event, then commit.
``raw``
    the same rows with SQLAlchemy Core in one transaction: the movement row, the two postings and two
    unconditional balance updates on another lot of the same owner. No reads, no checks, no audit, no outbox.

Both directions alternate (A->B, B->A) so no lot ever runs dry. At the end ``check_ledger`` verifies the whole
ledger (stored balances = sums of the postings, no negative holding balance, every lot and movement balanced)
and the audit chain is verified.

    .venv/bin/python bench/bench_bonded.py [--seconds 3] [--rounds 3] [--threads 1]
    .venv/bin/python bench/bench_bonded.py --database-url postgresql+psycopg://postgres@127.0.0.1:55432/postgres

With a PostgreSQL URL a database ``silkport_bench_<random>`` is created on that server and dropped at the end;
without one a SQLite file in a temp dir is used. ``--threads N`` runs N writers at once (each on its own lot).
"""

from __future__ import annotations

import argparse
import os
import platform as pyplatform
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, insert, text, update
from sqlalchemy.engine import make_url

from silkport.bonded.adapters.orm import BondedBalanceRow, BondedMovementRow, BondedPostingRow
from silkport.bonded.domain.model import AccountKind, account_id
from silkport.bonded.services import handlers
from silkport.bonded.services.handlers import Admission, Pick, Transfer
from silkport.bootstrap import Platform, bootstrap
from silkport.entrypoints.cli.setup import migrate_and_seed
from silkport.infra.audit import verify_chain
from silkport.infra.settings import Settings
from silkport.shared.actor import Actor, Role

SITES = ("HRS-ROAD", "KSS-TIR")


def machine() -> str:
    model = "unknown CPU"
    with Path("/proc/cpuinfo").open(encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{model}, nproc {os.cpu_count()}, Python {pyplatform.python_version()} ({sys.implementation.name}), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


class Writer:
    """One owner with a lot for silkport and a lot for the raw inserts, both admitted at the first site."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.owner = uuid.uuid4().hex
        self.actor = Actor(f"bench-{self.owner[:8]}", "bench", Role.WAREHOUSE_KEEPER, enterprise_id=self.owner)
        # declarations are looked up in clearance by the API; here the same references are taken on trust, so
        # the figures are the ledger's (a lookup is one indexed read of the declarations table per movement)
        self.config = replace(platform.bonded_config(), declarations=None)
        self.lot = self._admit()
        self.raw_lot = self._admit()
        # both sites' stock accounts exist (the first transfer creates the second one's balance row)
        self.accounts = [account_id(AccountKind.STOCK, self.owner, s) for s in SITES]
        self.n = 0
        self.raw_n = 0
        self.raw_balances_ready = False

    def _admit(self) -> str:
        cmd = Admission(SITES[0], "BE-BENCH", "610910", "bench goods", "KZ", "H87", "1000000", "1000.00", "USD")
        _, lot = handlers.admit(self.platform.bonded_uow, self.actor, self.config, cmd)
        return lot.id

    def silkport(self) -> None:
        src, dst = (SITES[0], SITES[1]) if self.n % 2 == 0 else (SITES[1], SITES[0])
        self.n += 1
        cmd = Transfer(src, dst, Pick(((self.lot, "1"),)), key=f"bench-{self.n}")
        handlers.transfer_stock(self.platform.bonded_uow, self.actor, self.config, cmd)

    def raw(self) -> None:
        a, b = (0, 1) if self.raw_n % 2 == 0 else (1, 0)
        self.raw_n += 1
        movement = uuid.uuid4().hex
        with self.platform.engine.begin() as conn:
            if not self.raw_balances_ready:  # the second site's balance row, once
                conn.execute(
                    insert(BondedBalanceRow).values(
                        account_id=self.accounts[1], lot_id=self.raw_lot, quantity=0, allows_negative=False
                    )
                )
                self.raw_balances_ready = True
            conn.execute(
                insert(BondedMovementRow).values(
                    id=movement,
                    key=f"{self.owner}:raw-{self.raw_n}",
                    kind="transfer",
                    owner_id=self.owner,
                    at=datetime.now(UTC),
                    actor_id=self.actor.user_id,
                )
            )
            conn.execute(
                insert(BondedPostingRow),
                [
                    {"movement_id": movement, "account_id": self.accounts[a], "lot_id": self.raw_lot, "quantity": -1},
                    {"movement_id": movement, "account_id": self.accounts[b], "lot_id": self.raw_lot, "quantity": 1},
                ],
            )
            for index, delta in ((a, Decimal(-1)), (b, Decimal(1))):
                conn.execute(
                    update(BondedBalanceRow)
                    .where(BondedBalanceRow.account_id == self.accounts[index], BondedBalanceRow.lot_id == self.raw_lot)
                    .values(quantity=BondedBalanceRow.quantity + delta)
                )


def run(writers: list[Writer], which: str, seconds: float) -> tuple[int, float]:
    """Every writer calls ``which`` in its own thread for ``seconds``; the movements done and the time taken."""
    counts = [0] * len(writers)
    stop = time.perf_counter() + seconds

    def loop(i: int) -> None:
        fn = getattr(writers[i], which)
        while time.perf_counter() < stop:
            fn()
            counts[i] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(writers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    created_pg: tuple[str, str] | None = None
    tmp = None
    if args.database_url.startswith("postgresql"):
        name = f"silkport_bench_{uuid.uuid4().hex[:10]}"
        server = make_url(args.database_url).set(database="postgres").render_as_string(hide_password=False)
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
        created_pg = (server, name)
    elif args.database_url:
        url = args.database_url
    else:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/bench.db"

    platform = bootstrap(Settings(database_url=url), fast_hashing=True)
    try:
        migrate_and_seed(platform)
        writers = [Writer(platform) for _ in range(args.threads)]
        # warm-up: both paths once per writer
        for w in writers:
            w.silkport()
            w.raw()
        totals = {"silkport": [0, 0.0], "raw": [0, 0.0]}
        per_round: list[tuple[float, float]] = []
        for r in range(args.rounds):
            order = ("silkport", "raw") if r % 2 == 0 else ("raw", "silkport")
            rates = {}
            for which in order:
                n, took = run(writers, which, args.seconds)
                totals[which][0] += n
                totals[which][1] += took
                rates[which] = n / took
            per_round.append((rates["silkport"], rates["raw"]))
        problems = handlers.check_ledger(platform.bonded_uow())
        with platform.session_factory() as s:
            chain = verify_chain(s)

        db = "PostgreSQL" if url.startswith("postgresql") else "SQLite (file, WAL)"
        print(f"bench_bonded: {db}, {args.threads} writer(s), {args.rounds} rounds x {args.seconds:g} s each")
        print(f"machine: {machine()}")
        print(f"{'round':>5}  {'silkport mov/s':>15}  {'raw mov/s':>10}  {'ratio':>6}")
        for i, (a, b) in enumerate(per_round, 1):
            print(f"{i:>5}  {a:>15.0f}  {b:>10.0f}  {a / b:>6.2f}")
        s_rate = totals["silkport"][0] / totals["silkport"][1]
        r_rate = totals["raw"][0] / totals["raw"][1]
        print(f"{'all':>5}  {s_rate:>15.0f}  {r_rate:>10.0f}  {s_rate / r_rate:>6.2f}")
        print(
            f"silkport: {totals['silkport'][0]} movements ({1000 / s_rate:.2f} ms each); "
            f"raw: {totals['raw'][0]} ({1000 / r_rate:.2f} ms each)"
        )
        ledger = "OK" if not problems else problems[:5]
        print(f"ledger check: {ledger}; audit chain: {'OK' if chain.ok else chain.problem}")
        if problems or not chain.ok:
            sys.exit(1)
    finally:
        platform.dispose()
        if created_pg is not None:
            server, name = created_pg
            admin = create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
