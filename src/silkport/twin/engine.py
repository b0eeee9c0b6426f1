"""The twin's event core: a lean heapq discrete-event engine for networks of multi-server stations.

Every customer (a declaration and its vehicle) brings its whole route, decided once when it arrives: a sequence
of steps ``(station, value, column)``. ``station`` is the index of a :class:`Station`; ``value`` is the service
time (hours) the customer needs there, drawn beforehand from the scenario's random streams; ``column`` is where
the step's times are written in the :class:`Trace` (a WCO Time Release Study stage, or any label of the caller).
A run of consecutive pure-delay steps takes one event (no one else is touched meanwhile).
The special station :data:`UNTIL` waits until the absolute time ``value`` (a vehicle's arrival at the border:
pre-lodged declarations are checked before the truck is there, and its inspection needs the truck).

Stations have ``c`` servers (``None``: as many as needed, a pure delay), optionally a 24-hour shift schedule of
server counts, and a discipline: first-come-first-served or non-preemptive priority (lower ``priority`` first,
FIFO within a class). When a shift ends, busy servers finish the customer in hand (non-preemptive) and no new
service starts until fewer servers are busy than the schedule allows.

Arrivals are a sorted array merged with the event heap (not pushed into it), so the heap holds only the events in
progress. Ties are broken by a sequence number (shift changes first, then events in the order they were
scheduled, then arrivals): the engine is deterministic for given inputs.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

#: the pseudo-station "wait until an absolute time"
UNTIL = -1

Step = tuple[int, float, int]  # (station index or UNTIL, service time or absolute time, trace column)
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Station:
    name: str
    servers: int | None  # None: infinite servers (a delay)
    schedule: tuple[int, ...] | None = None  # servers by hour of day (24 values); overrides ``servers``
    priority: bool = False  # non-preemptive priority instead of FIFO

    def __post_init__(self) -> None:
        if self.schedule is not None and len(self.schedule) != 24:
            raise ValueError(f"station {self.name}: a schedule has 24 hourly values")
        if self.servers is not None and self.servers < 0:
            raise ValueError(f"station {self.name}: servers must not be negative")

    def servers_at(self, hour_of_day: int) -> int:
        if self.schedule is not None:
            return self.schedule[hour_of_day]
        return self.servers if self.servers is not None else 0


@dataclass(slots=True)
class Trace:
    """What happened: per customer and column the time it reached, started and left the step (NaN: not visited)."""

    entry: FloatArray  # when the customer entered the system
    exit: FloatArray  # when it left (end of its last step)
    arrive: FloatArray  # shape (customers, columns)
    start: FloatArray
    end: FloatArray
    station_of: npt.NDArray[np.int64]  # station index used in each (customer, column); -2: none
    events: int  # events processed (arrivals, service ends, shift changes)
    population: list[tuple[float, int]] = field(default_factory=list)  # (time, N after the change), if tracked

    @property
    def sojourn(self) -> FloatArray:
        return self.exit - self.entry


def simulate(
    stations: Sequence[Station],
    entry: FloatArray,
    routes: Sequence[Sequence[Step]],
    priorities: Sequence[int] | None = None,
    columns: int | None = None,
    track_population: bool = False,
) -> Trace:
    """Run the customers through the stations until the system is empty.

    ``entry`` must be sorted (non-decreasing); ``routes[i]`` is customer i's route."""
    n = len(entry)
    if len(routes) != n:
        raise ValueError("one route per customer")
    if n and bool(np.any(np.diff(entry) < 0)):
        raise ValueError("entry times must be sorted")
    ncol = columns if columns is not None else max((s[2] for r in routes for s in r), default=-1) + 1
    # flat arrays of C doubles while running (item assignment is several times cheaper than numpy's), viewed as
    # numpy (customers, columns) arrays at the end
    size = n * ncol
    arrive = array("d", [math.nan]) * size
    start = array("d", [math.nan]) * size
    end = array("d", [math.nan]) * size
    station_of = array("q", [-2]) * size
    exit_t = array("d", [math.nan]) * n
    prio = list(priorities) if priorities is not None else [0] * n

    m = len(stations)
    infinite = [s.servers is None and s.schedule is None for s in stations]
    use_priority = [s.priority for s in stations]
    first_hour = math.floor(float(entry[0])) if n else 0
    cap = [s.servers_at(first_hour % 24) for s in stations]
    busy = [0] * m
    fifo: list[deque[int]] = [deque() for _ in range(m)]
    pq: list[list[tuple[int, int, int]]] = [[] for _ in range(m)]
    scheduled = [j for j, s in enumerate(stations) if s.schedule is not None]

    heap: list[tuple[float, int, int, int]] = []  # (time, seq, kind, who); kind 0: step end, 1: shift change
    seq = 0
    step_of = [0] * n
    population: list[tuple[float, int]] = []
    in_system = 0
    events = 0
    push = heapq.heappush
    pop = heapq.heappop
    entry_list = entry.tolist()

    # shift changes sort before anything else at the same instant (their seq is negative): a service that ends
    # exactly at a shift boundary frees a server under the new schedule, and arrivals at a boundary see it
    for j in scheduled:
        push(heap, (float(first_hour + 1), -1 - j, 1, j))

    def begin(c: int, t: float) -> None:
        """Customer c reaches its current step at time t."""
        nonlocal seq, in_system
        while True:
            k = step_of[c]
            route = routes[c]
            if k == len(route):
                exit_t[c] = t
                in_system -= 1
                if track_population:
                    population.append((t, in_system))
                return
            st, value, col = route[k]
            cell = c * ncol + col
            arrive[cell] = t
            station_of[cell] = st
            if st == UNTIL:
                start[cell] = t
                if value <= t:
                    end[cell] = t
                    step_of[c] = k + 1
                    continue
                push(heap, (value, seq, 0, c))
                seq += 1
                return
            if infinite[st]:
                start[cell] = t
                if value <= 0.0:
                    end[cell] = t
                    step_of[c] = k + 1
                    continue
                # a run of pure delays touches no one else: walk through it now, one event at its end
                done = t + value
                nxt = k + 1
                while nxt < len(route) and route[nxt][0] >= 0 and infinite[route[nxt][0]]:
                    end[cell] = done
                    st, value, col = route[nxt]
                    cell = c * ncol + col
                    arrive[cell] = done
                    station_of[cell] = st
                    start[cell] = done
                    step_of[c] = nxt
                    done = done + value
                    nxt += 1
                push(heap, (done, seq, 0, c))
                seq += 1
                return
            if busy[st] < cap[st]:
                busy[st] += 1
                start[cell] = t
                push(heap, (t + value, seq, 0, c))
                seq += 1
                return
            if use_priority[st]:
                push(pq[st], (prio[c], seq, c))
                seq += 1
            else:
                fifo[st].append(c)
            return

    def serve_waiting(st: int, t: float) -> None:
        nonlocal seq
        while busy[st] < cap[st]:
            if use_priority[st]:
                if not pq[st]:
                    return
                c = pop(pq[st])[2]
            else:
                if not fifo[st]:
                    return
                c = fifo[st].popleft()
            busy[st] += 1
            _, value, col = routes[c][step_of[c]]
            start[c * ncol + col] = t
            push(heap, (t + value, seq, 0, c))
            seq += 1

    i = 0
    while True:
        if i < n and (not heap or entry_list[i] < heap[0][0]):
            t = entry_list[i]
            in_system += 1
            if track_population:
                population.append((t, in_system))
            events += 1
            c = i
            i += 1
            begin(c, t)
            continue
        if not heap:
            break
        t, _, kind, who = pop(heap)
        events += 1
        if kind == 1:
            st = who
            cap[st] = stations[st].servers_at(int(t % 24.0 + 1e-9) % 24)
            serve_waiting(st, t)
            if in_system > 0 or i < n:
                push(heap, (t + 1.0, -1 - st, 1, st))
            continue
        c = who
        k = step_of[c]
        st, _, col = routes[c][k]
        end[c * ncol + col] = t
        step_of[c] = k + 1
        if st != UNTIL and not infinite[st]:
            busy[st] -= 1
            serve_waiting(st, t)
        begin(c, t)

    shape = (n, ncol)
    return Trace(
        entry=entry.astype(np.float64, copy=True),
        exit=np.frombuffer(exit_t, dtype=np.float64),
        arrive=np.frombuffer(arrive, dtype=np.float64).reshape(shape),
        start=np.frombuffer(start, dtype=np.float64).reshape(shape),
        end=np.frombuffer(end, dtype=np.float64).reshape(shape),
        station_of=np.frombuffer(station_of, dtype=np.int64).reshape(shape),
        events=events,
        population=population,
    )
