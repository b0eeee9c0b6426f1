"""The twin's event engine, exactly: recursions, Little's law as an identity, invariants, seeded regressions."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkport.clearance.domain.rules import sampling_draw
from silkport.twin.engine import UNTIL, Station, Step, Trace, simulate
from silkport.twin.model import COLUMNS, build, decide_lanes, replicate, run, sampled_ids
from silkport.twin.recursion import fcfs_chain, lindley
from silkport.twin.scenario import load_scenario


def little_identity(trace: Trace) -> tuple[Fraction, Fraction]:
    """(area under N(t) from the engine's own population record, sum of times in system), both exact."""
    area = Fraction(0)
    prev_t, prev_n = None, 0
    for t, n in trace.population:
        if prev_t is not None:
            area += prev_n * (Fraction(t) - Fraction(prev_t))
        prev_t, prev_n = t, n
    assert prev_n == 0, "the run must end empty"
    total = sum((Fraction(float(x)) - Fraction(float(e)) for e, x in zip(trace.entry, trace.exit, strict=True)),
                Fraction(0))  # fmt: skip
    return area, total


def test_single_server_equals_lindley_recursion_exactly() -> None:
    rng = np.random.default_rng(2026)
    a = np.cumsum(rng.exponential(1 / 0.9, 5000))
    s = rng.exponential(1.0, 5000)
    trace = simulate([Station("q", 1)], a, [[(0, float(x), 0)] for x in s])
    assert np.array_equal(trace.exit, lindley(a, s))


def test_fifo_chain_equals_the_recursion_customer_by_customer() -> None:
    rng = np.random.default_rng(7)
    n = 4000
    a = np.cumsum(rng.exponential(1.0, n))
    servers = [2, 1, 3]
    s = np.column_stack([rng.exponential(1.6, n), rng.exponential(0.8, n), rng.exponential(2.5, n)])
    routes = [[(k, float(s[i, k]), k) for k in range(3)] for i in range(n)]
    trace = simulate([Station(f"s{k}", c) for k, c in enumerate(servers)], a, routes)
    assert np.array_equal(trace.exit, fcfs_chain(a, s, servers))


def test_littles_law_is_an_identity_on_an_mmc_run() -> None:
    rng = np.random.default_rng(3)
    a = np.cumsum(rng.exponential(0.5, 3000))
    s = rng.exponential(1.2, 3000)
    trace = simulate([Station("q", 3)], a, [[(0, float(x), 0)] for x in s], track_population=True)
    area, total = little_identity(trace)
    assert area == total


def test_littles_law_is_an_identity_on_the_port_model() -> None:
    loaded = load_scenario("horgos-smart-port")
    customers = build(loaded, seed=5, rep=0, days=2)
    trace = run(customers, track_population=True)
    area, total = little_identity(trace)
    assert area == total
    assert not np.isnan(trace.exit).any()


def test_until_waits_for_the_truck_and_infinite_stations_do_not_queue() -> None:
    routes: list[list[Step]] = [[(0, 1.0, 0), (UNTIL, 5.0, 1), (0, 2.0, 2)], [(0, 1.0, 0), (UNTIL, 0.5, 1)]]
    trace = simulate([Station("delay", None)], np.array([0.0, 0.2]), routes)
    assert trace.exit.tolist() == [7.0, 1.2]
    assert trace.start[1, 1] == trace.end[1, 1] == 1.2  # the truck was already there


def test_shifts_stop_new_services_without_preempting() -> None:
    """One server from 0:00 to 1:00, none after until 2:00: the customer in service finishes, the next waits."""
    schedule = (1, 0, 1) + (1,) * 21
    trace = simulate([Station("desk", None, schedule)], np.array([0.5, 0.6]), [[(0, 0.8, 0)], [(0, 0.1, 0)]])
    assert trace.end[0, 0] == pytest.approx(1.3)  # not interrupted at 1:00
    assert trace.start[1, 0] == 2.0  # nobody starts while the shift has no server
    assert trace.exit[1] == pytest.approx(2.1)


@st.composite
def networks(draw: st.DrawFn) -> tuple[list[Station], np.ndarray, list[list[Step]], list[int]]:
    m = draw(st.integers(1, 4))
    stations = []
    for j in range(m):
        kind = draw(st.sampled_from(["fixed", "infinite", "shifts"]))
        prio = draw(st.booleans())
        if kind == "fixed":
            stations.append(Station(f"s{j}", draw(st.integers(1, 3)), priority=prio))
        elif kind == "infinite":
            stations.append(Station(f"s{j}", None))
        else:
            sched = tuple(draw(st.lists(st.integers(0, 3), min_size=24, max_size=24)))
            if not any(sched):
                sched = (1, *sched[1:])
            stations.append(Station(f"s{j}", None, sched, priority=prio))
    n = draw(st.integers(1, 40))
    gaps = draw(st.lists(st.floats(0.0, 3.0, allow_nan=False), min_size=n, max_size=n))
    entry = np.cumsum(np.asarray(gaps))
    routes: list[list[Step]] = []
    for i in range(n):
        length = draw(st.integers(0, 4))
        route: list[Step] = []
        for col in range(length):
            if draw(st.integers(0, 5)) == 0:
                route.append((UNTIL, float(entry[i]) + draw(st.floats(0.0, 4.0)), col))
            else:
                route.append((draw(st.integers(0, m - 1)), draw(st.floats(0.0, 2.0)), col))
        routes.append(route)
    prios = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    return stations, entry, routes, prios


@settings(max_examples=150, deadline=None)
@given(networks())
def test_engine_invariants(net: tuple[list[Station], np.ndarray, list[list[Step]], list[int]]) -> None:
    stations, entry, routes, prios = net
    trace = simulate(stations, entry, routes, prios, columns=4, track_population=True)
    area, total = little_identity(trace)
    assert area == total  # Little's law, exactly
    for i, route in enumerate(routes):
        t = float(entry[i])
        for st_idx, value, col in route:  # each step starts where the last one ended, in order
            assert trace.arrive[i, col] == t
            assert trace.start[i, col] >= t
            if st_idx == UNTIL:
                assert trace.end[i, col] == max(t, value)
            else:
                assert trace.end[i, col] == trace.start[i, col] + value
            t = float(trace.end[i, col])
        assert trace.exit[i] == t
    for j, station in enumerate(stations):
        used = [(i, col) for i, r in enumerate(routes) for (s, _, col) in r if s == j]
        if station.servers is None and station.schedule is None:
            assert all(trace.start[i, c] == trace.arrive[i, c] for i, c in used)  # a delay never queues
            continue
        for i, c in used:
            t0 = trace.start[i, c]
            if trace.end[i, c] > t0:  # just after it starts, no more services run than the shift has servers
                in_service = sum(1 for k, d in used if trace.start[k, d] <= t0 < trace.end[k, d])
                assert in_service <= station.servers_at(int(t0 % 24))
            if t0 > trace.arrive[i, c]:  # it waited: it started when someone finished or a shift began
                waiting = [(k, d) for k, d in used if trace.arrive[k, d] < t0 < trace.start[k, d]]
                if station.priority:
                    assert all(prios[k] >= prios[i] for k, _ in waiting)
                else:
                    assert all(trace.arrive[k, d] >= trace.arrive[i, c] for k, d in waiting)


def test_seeded_regression_of_the_port_model() -> None:
    """Exact figures of one seeded replication: any change to the engine, the model or the streams shows here."""
    loaded = load_scenario("horgos-smart-port")
    first = replicate(loaded, seed=2026, rep=0, days=3)
    again = replicate(loaded, seed=2026, rep=0, days=3)
    assert json.dumps(first) == json.dumps(again)
    other = replicate(loaded, seed=2027, rep=0, days=3)
    assert other["clearance_time_hours"] != first["clearance_time_hours"]
    assert (first["declarations"], first["events"]) == REGRESSION["counts"]
    assert first["clearance_time_hours"]["median"] == pytest.approx(REGRESSION["median"], abs=1e-12)
    assert {k: v["count"] for k, v in first["lanes"].items()} == REGRESSION["lanes"]


#: recorded from the engine when this test was written (seed 2026, replication 0, 3 days, 2 of them warm-up)
REGRESSION: dict[str, object] = {
    # events: 27,736 before runs of pure delays took one event each, 20,144 before FIFO stations decided starts
    # on arrival (the figures did not move: the same trace, test_fifo_on_arrival_equals_the_event_engine)
    "counts": (3629, 11594),
    "median": 0.8994920609438068,
    "lanes": {"green": 1114, "yellow": 58, "red": 45},
}


def test_common_random_numbers_across_scenarios() -> None:
    """Same seed, two scenarios: the same trucks at the same times with the same goods."""
    before = build(load_scenario("horgos-before"), seed=9, rep=1, days=2)
    smart = build(load_scenario("horgos-smart-port"), seed=9, rep=1, days=2)
    assert np.array_equal(np.sort(before.arrival), np.sort(smart.arrival))
    assert np.array_equal(before.mode[np.argsort(before.arrival, kind="stable")],
                          smart.mode[np.argsort(smart.arrival, kind="stable")])  # fmt: skip


def test_memoised_lanes_equal_the_engine_declaration_by_declaration() -> None:
    """The twin memoises assess() on what it depends on; every lane must equal a direct call to the engine."""
    for name in ("horgos-before", "horgos-smart-port"):
        loaded = load_scenario(name)
        fast = build(loaded, seed=3, rep=2, days=2)
        exact = build(loaded, seed=3, rep=2, days=2, exact=True)
        assert np.array_equal(fast.lane, exact.lane)
        assert 0 < np.count_nonzero(fast.lane == 2) < fast.lane.size  # both lanes of the random sample occur


def _random_network(rng: np.random.Generator) -> tuple[list[Station], np.ndarray, list[list[Step]], list[int]]:
    """A random network with continuous times (no ties): fixed FIFO, priority, shift and delay stations."""
    stations = [
        Station("fifo-1", 1),
        Station("fifo-3", 3),
        Station("delay", None),
        Station("prio-2", 2, priority=True),
        Station("shifts", None, tuple(int(x) for x in rng.integers(0, 4, 24)) or None),
        Station("fifo-2", 2),
    ]
    n = 600
    entry = np.cumsum(rng.exponential(0.3, n))
    routes: list[list[Step]] = []
    for i in range(n):
        route: list[Step] = []
        for col in range(int(rng.integers(0, 7))):
            if rng.random() < 0.15:
                route.append((UNTIL, float(entry[i] + rng.exponential(2.0)), col))
            else:
                route.append((int(rng.integers(0, len(stations))), float(rng.exponential(0.7)), col))
        routes.append(route)
    return stations, entry, routes, rng.integers(0, 3, n).tolist()


@pytest.mark.parametrize("seed", range(8))
def test_fifo_on_arrival_equals_the_event_engine(seed: int) -> None:
    """Deciding a FIFO station's start on arrival (Kiefer-Wolfowitz) gives the same trace as running it by events."""
    stations, entry, routes, prios = _random_network(np.random.default_rng(seed))
    if not any(stations[4].schedule or ()):
        stations[4] = Station("shifts", None, (1,) * 24)
    fast = simulate(stations, entry, routes, prios, columns=6, track_population=True)
    slow = simulate(stations, entry, routes, prios, columns=6, track_population=True, fifo_on_arrival=False)
    for name in ("exit", "arrive", "start", "end", "station_of"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name), equal_nan=True), name
    assert fast.events < slow.events
    area, total = little_identity(fast)
    assert area == total


def test_fifo_on_arrival_equals_the_event_engine_on_the_port_model() -> None:
    for name in ("horgos-before", "horgos-smart-port"):
        customers = build(load_scenario(name), seed=11, rep=1, days=3)
        args = (customers.stations, customers.entry, customers.routes, customers.priority.tolist())
        fast = simulate(*args, columns=len(COLUMNS))
        slow = simulate(*args, columns=len(COLUMNS), fifo_on_arrival=False)
        assert np.array_equal(run(customers).exit, fast.exit)  # the flat routes are the same routes
        for attr in ("exit", "arrive", "start", "end", "station_of"):
            assert np.array_equal(getattr(fast, attr), getattr(slow, attr), equal_nan=True), (name, attr)


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
    st.sampled_from(["smart-port", "manual"]),
)
def test_the_twins_sampling_test_is_the_rulebooks(declaration_id: str, book: str) -> None:
    """decide_lanes hashes ids itself (below Rulebook.random_threshold): the same verdict as sampling_draw < rate."""
    loaded = load_scenario("horgos-smart-port" if book == "smart-port" else "horgos-before")
    rb = loaded.rulebook
    ids = [declaration_id, *(f"{declaration_id}-{k}" for k in range(50))]
    goods, traders, modes = np.zeros(len(ids), np.int64), np.full(len(ids), 2), np.zeros(len(ids), np.int64)
    lanes_fast = decide_lanes(loaded, ids, goods, traders, modes)
    lanes_exact = decide_lanes(loaded, ids, goods, traders, modes, exact=True)
    assert np.array_equal(lanes_fast, lanes_exact)
    expected = [sampling_draw(x, rb.version) < rb.random_rate for x in ids]
    assert sampled_ids(rb, ids) == expected


@pytest.mark.parametrize("rate", ["0", "0.5", "0.999", "1"])
def test_the_sampling_test_at_the_edges_of_the_rate(rate: str) -> None:
    import dataclasses
    from decimal import Decimal

    rb = dataclasses.replace(load_scenario("horgos-smart-port").rulebook, random_rate=Decimal(rate))
    ids = [f"7-3-{i}" for i in range(400)]
    assert sampled_ids(rb, ids) == [sampling_draw(x, rb.version) < rb.random_rate for x in ids]
