"""The digital twin's speed: customers/s and events/s, against a bare SimPy M/M/c loop on the same customers.

Rows (one core, one process, the same machine, timed in interleaved rounds; the median round is reported):

``simpy M/M/c``
    the minimal SimPy model: a source process, one process per customer, a ``Resource`` with c servers --
    the customers (arrival and service times) are drawn beforehand and shared with the next row.
``twin engine M/M/c``
    silkport's engine on exactly those customers (same c): a FIFO station with fixed servers decides each start
    on arrival (Kiefer-Wolfowitz on a heap of free times), so a customer takes one event.
``twin engine M/M/c, by events``
    the same engine with ``fifo_on_arrival=False``: every service end is an event in the heap (the classic
    event loop, two events per customer like SimPy's).
``twin full model``
    one replication of ``horgos-smart-port``: arrivals by mode and hour, a declaration per arrival judged by
    the REAL risk engine with the smart-port rulebook, routes through the WCO TRS stages over 7 stations with
    shifts, then the figures (quantiles, per lane and stage, utilisation and queues by hour). Its customers/s
    is compared with the SimPy loop run on the same number of customers.

Then a year of Horgos-scale traffic (1,100 trucks and 12 trains of 10 declarations a day) is timed once, by part.

    .venv/bin/python bench/bench_twin.py [--rounds 5] [--days 28] [--year-days 365]
"""

from __future__ import annotations

import argparse
import os
import platform as pyplatform
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import simpy
from rich.console import Console
from rich.table import Table

from silkport.twin.engine import Station, simulate
from silkport.twin.model import build, run, summarise
from silkport.twin.scenario import load_scenario


def simpy_mmc(arrivals: list[float], services: list[float], c: int) -> float:
    """The bare SimPy M/M/c loop; returns the mean time in system (so the work is not optimised away)."""
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=c)
    total = [0.0]

    def customer(i: int):  # type: ignore[no-untyped-def]
        arrived = env.now
        with servers.request() as req:
            yield req
            yield env.timeout(services[i])
        total[0] += env.now - arrived

    def source():  # type: ignore[no-untyped-def]
        prev = 0.0
        for i, a in enumerate(arrivals):
            yield env.timeout(a - prev)
            prev = a
            env.process(customer(i))

    env.process(source())
    env.run()
    return total[0] / len(arrivals)


def twin_mmc(arrivals: np.ndarray, services: list[float], c: int, on_arrival: bool = True) -> tuple[float, int]:
    trace = simulate([Station("q", c)], arrivals, [[(0, s, 0)] for s in services], fifo_on_arrival=on_arrival)
    return float(trace.sojourn.mean()), trace.events


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--days", type=float, default=28.0, help="horizon of the full-model replication")
    parser.add_argument("--year-days", type=float, default=365.0)
    args = parser.parse_args()
    console = Console()

    loaded = load_scenario("horgos-smart-port")
    customers = build(loaded, seed=1, rep=0, days=args.days)
    n = int(customers.arrival.size)
    rng = np.random.default_rng(1)
    c = 3
    arrivals = np.cumsum(rng.exponential(1.0 / (0.8 * c), n))  # M/M/c at load 0.8, as many customers
    services = rng.exponential(1.0, n).tolist()
    arrivals_l = arrivals.tolist()
    sim_mean = simpy_mmc(arrivals_l, services, c)
    twin_mean, mmc_events = twin_mmc(arrivals, services, c)
    event_mean, mmc_events_slow = twin_mmc(arrivals, services, c, on_arrival=False)
    assert abs(sim_mean - twin_mean) < 1e-9 * max(1.0, sim_mean), (sim_mean, twin_mean)  # same customers, same result
    assert event_mean == twin_mean, (event_mean, twin_mean)
    full_events = run(customers).events

    def full() -> None:
        cs = build(loaded, seed=1, rep=0, days=args.days)
        summarise(loaded, cs, run(cs), args.days)

    fns: dict[str, Callable[[], object]] = {
        "simpy M/M/c": lambda: simpy_mmc(arrivals_l, services, c),
        "twin engine M/M/c": lambda: twin_mmc(arrivals, services, c),
        "twin engine M/M/c, by events": lambda: twin_mmc(arrivals, services, c, on_arrival=False),
        "twin full model": full,
    }
    rows: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for r in range(args.rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            rows[name].append(timed(fns[name]))
    med = {k: statistics.median(v) for k, v in rows.items()}

    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    console.print(
        f"python {sys.version.split()[0]} on {pyplatform.machine()} ({os.cpu_count()} cpus); simpy {simpy.__version__};"
        f" {n} customers per row; {args.rounds} rounds, median shown; load average {load[0]:.2f} {load[1]:.2f}"
    )
    table = Table(title="customers/s and events/s, one core")
    for col in ("row", "seconds", "customers/s", "events/s", "vs SimPy (customers/s)"):
        table.add_column(col, justify="right")
    events = {
        "simpy M/M/c": None,
        "twin engine M/M/c": mmc_events,
        "twin engine M/M/c, by events": mmc_events_slow,
        "twin full model": full_events,
    }
    for name in names:
        ev = events[name]
        table.add_row(
            name,
            f"{med[name]:.3f}",
            f"{n / med[name]:,.0f}",
            "-" if ev is None else f"{ev / med[name]:,.0f}",
            f"{med['simpy M/M/c'] / med[name]:.2f}x",
        )
    console.print(table)
    ratio = med["simpy M/M/c"] / med["twin full model"]
    verdict = "met" if ratio >= 1.0 else "NOT met"
    console.print(f"goal (full model at least as fast as the bare SimPy loop, customers/s): {verdict} ({ratio:.2f}x)")

    start = time.perf_counter()
    year = build(loaded, seed=1, rep=0, days=args.year_days)
    t_build = time.perf_counter() - start
    start = time.perf_counter()
    trace = run(year)
    t_run = time.perf_counter() - start
    start = time.perf_counter()
    figures = summarise(loaded, year, trace, args.year_days)
    t_sum = time.perf_counter() - start
    total = t_build + t_run + t_sum
    console.print(
        f"a year of Horgos ({args.year_days:g} days): {year.arrival.size:,} declarations, {trace.events:,} events in "
        f"{total:.1f} s (build + risk engine {t_build:.1f} s, events {t_run:.1f} s, figures {t_sum:.1f} s); "
        f"median clearance {figures['clearance_time_hours']['median']:.3f} h"
    )


if __name__ == "__main__":
    main()
