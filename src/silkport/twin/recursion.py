"""First-come-first-served station chains by recursion instead of events, for fast sweeps.

For a FIFO station with c servers, customer i (in order of arrival at the station) starts at
``max(a_i, earliest time a server is free)`` (Kiefer-Wolfowitz); the departures, sorted, are the next station's
arrivals. Exact for FIFO chains whose service times are drawn beforehand, so it must agree with the event
engine on the same random numbers: the tests check that, customer by customer.
"""

from __future__ import annotations

import heapq

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def lindley(arrivals: FloatArray, services: FloatArray) -> FloatArray:
    """Departure times of a FIFO single-server queue: D_i = max(A_i, D_{i-1}) + S_i."""
    out = np.empty(arrivals.size)
    prev = -np.inf
    for i, (a, s) in enumerate(zip(arrivals.tolist(), services.tolist(), strict=True)):
        prev = (a if a > prev else prev) + s
        out[i] = prev
    return out


def fcfs_chain(entry: FloatArray, services: FloatArray, servers: list[int]) -> FloatArray:
    """Departure time from the last station of each customer of a FIFO chain.

    ``services[i, k]`` is customer i's service time at station k (customers indexed as in ``entry``)."""
    n, k_count = services.shape
    if len(servers) != k_count:
        raise ValueError("one server count per station")
    times = entry.astype(np.float64, copy=True)
    for k in range(k_count):
        order = np.argsort(times, kind="stable")
        if servers[k] < 1:
            raise ValueError("a station needs at least one server")
        free = [-np.inf] * servers[k]
        out = np.empty(n)
        col = services[:, k]
        for i in order.tolist():
            earliest = heapq.heappop(free)
            start = times[i] if times[i] > earliest else earliest
            done = start + col[i]
            heapq.heappush(free, done)
            out[i] = done
        times = out
    return times
