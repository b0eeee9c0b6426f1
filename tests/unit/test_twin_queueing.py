"""The twin's event engine against exact queueing results (the classic acceptance rule).

Each test runs independent replications (fixed seeds), removes the warm-up of every replication with MSER-5,
and accepts when the analytic steady-state mean lies inside the replications' 95% Student-t interval. The
seeds are fixed, so the outcome is reproducible; the tests are marked ``statistical`` to keep them apart from
the exact ones (test_twin_engine.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from silkport.twin.engine import Station, Step, Trace, simulate
from silkport.twin.stats import Interval, confidence_interval, mser_truncation_replications

pytestmark = pytest.mark.statistical

REPS = 20
N = 12_000


def erlang_c(c: int, lam: float, mu: float) -> float:
    """Probability of waiting in M/M/c."""
    a = lam / mu
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def mmc_sojourn(c: int, lam: float, mu: float) -> float:
    return erlang_c(c, lam, mu) / (c * mu - lam) + 1 / mu


def replicate(one: Callable[[np.random.Generator], np.ndarray], seed: int) -> Interval:
    """Each replication gives its customers' times in system; MSER-5 on their average decides one warm-up."""
    series = [one(np.random.default_rng([seed, r])) for r in range(REPS)]
    d = mser_truncation_replications(series)
    return confidence_interval([float(s[d:].mean()) for s in series])


def single_station(servers: int, lam: float, draw: Callable[[np.random.Generator, int], np.ndarray]):
    def one(rng: np.random.Generator) -> np.ndarray:
        a = np.cumsum(rng.exponential(1 / lam, N))
        s = draw(rng, N)
        trace = simulate([Station("q", servers)], a, [[(0, float(x), 0)] for x in s])
        return trace.sojourn

    return one


def test_mm1_mean_time_in_system() -> None:
    lam, mu = 0.5, 1.0
    ci = replicate(single_station(1, lam, lambda g, n: g.exponential(1 / mu, n)), 11)
    assert ci.contains(1 / (mu - lam)), ci


def test_mmc_erlang_c() -> None:
    c, lam, mu = 3, 2.1, 1.0
    ci = replicate(single_station(c, lam, lambda g, n: g.exponential(1 / mu, n)), 12)
    assert ci.contains(mmc_sojourn(c, lam, mu)), (ci, mmc_sojourn(c, lam, mu))


def test_md1_pollaczek_khinchine() -> None:
    lam, d = 0.6, 1.0
    rho = lam * d
    exact = rho * d / (2 * (1 - rho)) + d
    ci = replicate(single_station(1, lam, lambda g, n: np.full(n, d)), 13)
    assert ci.contains(exact), (ci, exact)


def test_mg1_pollaczek_khinchine_gamma_service() -> None:
    lam, shape, mean = 0.6, 2.0, 1.0
    es2 = mean**2 / shape + mean**2
    exact = lam * es2 / (2 * (1 - lam * mean)) + mean
    ci = replicate(single_station(1, lam, lambda g, n: g.gamma(shape, mean / shape, n)), 14)
    assert ci.contains(exact), (ci, exact)


def test_nonpreemptive_priority_cobham() -> None:
    """Two classes, one exponential server; the priority class (0) waits W0/(1-s1), the other W0/((1-s1)(1-s))."""
    lam1, lam2, mu = 0.3, 0.4, 1.0
    s1, s = lam1 / mu, (lam1 + lam2) / mu
    w0 = (lam1 + lam2) * 2 / mu**2 / 2
    exact = (w0 / (1 - s1), w0 / ((1 - s1) * (1 - s)))
    waits: list[np.ndarray] = []
    classes: list[np.ndarray] = []
    n = 2 * N  # the low-priority class at total load 0.7 has a long tail: longer runs
    for r in range(REPS):
        rng = np.random.default_rng([15, r])
        a = np.cumsum(rng.exponential(1 / (lam1 + lam2), n))
        cls = (rng.random(n) >= lam1 / (lam1 + lam2)).astype(int)
        svc = rng.exponential(1 / mu, n)
        trace = simulate([Station("q", 1, priority=True)], a, [[(0, float(x), 0)] for x in svc], cls.tolist())
        waits.append(trace.start[:, 0] - trace.arrive[:, 0])
        classes.append(cls)
    d = mser_truncation_replications(waits)
    for k in (0, 1):
        ci = confidence_interval([float(w[d:][c[d:] == k].mean()) for w, c in zip(waits, classes, strict=True)])
        assert ci.contains(exact[k]), (k, ci, exact[k])


def test_jackson_network_with_lane_routing() -> None:
    """Acceptance (M/M/2) -> document check (yellow and red) -> inspection (red) -> gate, lanes drawn per arrival.

    The routing probabilities are the lane shares (green 80%, yellow 15%, red 5%); every station is then an
    M/M/c queue with the traffic-equation rate, and the end-to-end mean is the sum of visits times sojourns."""
    lam = 1.0
    green, yellow, red = 0.80, 0.15, 0.05
    acc, doc, insp, gate = (2, 0.8), (1, 0.4), (1, 0.1), (1, 1.6)
    stations = [Station("acceptance", acc[0]), Station("documents", doc[0]), Station("inspection", insp[0]),
                Station("gate", gate[0])]  # fmt: skip
    exact = (
        mmc_sojourn(acc[0], lam, acc[1])
        + (yellow + red) * mmc_sojourn(doc[0], lam * (yellow + red), doc[1])
        + red * mmc_sojourn(insp[0], lam * red, insp[1])
        + mmc_sojourn(gate[0], lam, gate[1])
    )

    def one(rng: np.random.Generator) -> np.ndarray:
        n = 2 * N
        a = np.cumsum(rng.exponential(1 / lam, n))
        lane = rng.choice(3, size=n, p=[green, yellow, red])
        s = [rng.exponential(1 / mu, n) for _, mu in (acc, doc, insp, gate)]
        routes: list[list[Step]] = []
        for i in range(n):
            route: list[Step] = [(0, float(s[0][i]), 0)]
            if lane[i] >= 1:
                route.append((1, float(s[1][i]), 1))
            if lane[i] == 2:
                route.append((2, float(s[2][i]), 2))
            route.append((3, float(s[3][i]), 3))
            routes.append(route)
        trace: Trace = simulate(stations, a, routes)
        return trace.sojourn

    ci = replicate(one, 16)
    assert ci.contains(exact), (ci, exact)
