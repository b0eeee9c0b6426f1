"""The twin's event core: a lean heapq discrete-event engine for networks of multi-server stations.

Every customer (a declaration and its vehicle) brings its whole route, decided once when it arrives: a sequence
of steps ``(station, value, column)``. ``station`` is the index of a :class:`Station`; ``value`` is the service
time (hours) the customer needs there, drawn beforehand from the scenario's random streams; ``column`` is where
the step's times are written in the :class:`Trace` (a WCO Time Release Study stage, or any label of the caller).
A run of consecutive pure-delay steps takes no event of its own (no one else is touched meanwhile), and a
first-come-first-served station with a fixed number of servers decides a customer's start the moment it arrives
(the Kiefer-Wolfowitz recursion on a heap of the servers' free times: exact, because arrivals are processed in time
order), so its service end needs no event either: a customer takes one event per step that waits for a station
run by events (shifts or priority) or reached at a later time, and none at all for the rest.
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
_DELAY, _ON_ARRIVAL, _EVENTS = 0, 1, 2

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
    fifo_on_arrival: bool = True,
) -> Trace:
    """Run the customers through the stations until the system is empty.

    ``entry`` must be sorted (non-decreasing); ``routes[i]`` is customer i's route. See :func:`simulate_flat`."""
    n = len(entry)
    if len(routes) != n:
        raise ValueError("one route per customer")
    ncol = columns if columns is not None else max((s[2] for r in routes for s in r), default=-1) + 1
    offsets = [0]
    flat_st: list[int] = []
    flat_val: list[float] = []
    flat_col: list[int] = []
    for route in routes:
        for st, value, col in route:
            flat_st.append(st)
            flat_val.append(value)
            flat_col.append(col)
        offsets.append(len(flat_st))
    return simulate_flat(
        stations, entry, flat_st, flat_val, flat_col, offsets, priorities, ncol, track_population, fifo_on_arrival
    )


def simulate_flat(
    stations: Sequence[Station],
    entry: FloatArray,
    step_station: list[int],
    step_value: list[float],
    step_column: list[int],
    offsets: list[int],
    priorities: Sequence[int] | None = None,
    columns: int = 1,
    track_population: bool = False,
    fifo_on_arrival: bool = True,
) -> Trace:
    """The engine on routes given as flat lists: customer i's steps are ``offsets[i]:offsets[i + 1]`` of
    ``step_station``, ``step_value`` and ``step_column`` (what the model builds with numpy, without a tuple per step).

    ``fifo_on_arrival``: a first-come-first-served station with a fixed number of servers (no shifts) decides a
    customer's start the moment it arrives -- ``max(arrival, earliest time a server is free)``, the Kiefer-Wolfowitz
    recursion, exact because arrivals are processed in time order -- so its service end needs no event: the
    customer walks on to its next queueing step, where one event is scheduled. ``False`` runs every station by
    events (service ends in the heap, waiting lines); the tests check both give the same trace."""
    n = len(entry)
    if len(offsets) != n + 1:
        raise ValueError("one route per customer")
    if n and bool(np.any(np.diff(entry) < 0)):
        raise ValueError("entry times must be sorted")
    ncol = columns
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
    # how each station works: 0 a pure delay, 1 FIFO decided on arrival (a heap of the servers' free times),
    # 2 by events (shifts, priority, or no server at all)
    kind_of = []
    for s in stations:
        if s.servers is None and s.schedule is None:
            kind_of.append(_DELAY)
        elif fifo_on_arrival and s.schedule is None and not s.priority and (s.servers or 0) > 0:
            kind_of.append(_ON_ARRIVAL)
        else:
            kind_of.append(_EVENTS)
    free: list[list[float]] = [[-math.inf] * (s.servers or 0) if k == _ON_ARRIVAL else [] for s, k in
                               zip(stations, kind_of, strict=True)]  # fmt: skip
    use_priority = [s.priority for s in stations]
    first_hour = math.floor(float(entry[0])) if n else 0
    cap = [s.servers_at(first_hour % 24) for s in stations]
    busy = [0] * m
    fifo: list[deque[int]] = [deque() for _ in range(m)]
    pq: list[list[tuple[int, int, int]]] = [[] for _ in range(m)]
    scheduled = [j for j, s in enumerate(stations) if s.schedule is not None and kind_of[j] == _EVENTS]

    heap: list[tuple[float, int, int, int]] = []  # (time, seq, kind, who); kind 0: reach a step, 1: shift change
    seq = 0
    pos = list(offsets[:-1])  # each customer's current step (an index into the flat lists)
    stop = offsets[1:]
    changes: list[tuple[float, int]] = []  # (time, +1 or -1) when tracking the population
    in_system = 0
    events = 0
    push = heapq.heappush
    pop = heapq.heappop
    replace = heapq.heapreplace
    entry_list = entry.tolist()
    sts, vals, cols = step_station, step_value, step_column
    in_service = [-1] * n  # the event station whose service the customer is in (its end is the next event)

    # shift changes sort before anything else at the same instant (their seq is negative): a service that ends
    # exactly at a shift boundary frees a server under the new schedule, and arrivals at a boundary see it
    for j in scheduled:
        push(heap, (float(first_hour + 1), -1 - j, 1, j))

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
            p = pos[c]
            start[c * ncol + cols[p]] = t
            in_service[c] = st
            push(heap, (t + vals[p], seq, 0, c))
            seq += 1

    i = 0
    while True:
        if i < n and (not heap or entry_list[i] < heap[0][0]):
            t = entry_list[i]
            in_system += 1
            if track_population:
                changes.append((t, 1))
            events += 1
            c = i
            i += 1
        else:
            if not heap:
                break
            t, _, kind, c = pop(heap)
            events += 1
            if kind == 1:  # a shift change at station c
                cap[c] = stations[c].servers_at(int(t % 24.0 + 1e-9) % 24)
                serve_waiting(c, t)
                if in_system > 0 or i < n:
                    push(heap, (t + 1.0, -1 - c, 1, c))
                continue
            st = in_service[c]
            if st >= 0:  # the end of a service at an event station
                in_service[c] = -1
                p = pos[c]
                end[c * ncol + cols[p]] = t
                pos[c] = p + 1
                busy[st] -= 1
                serve_waiting(st, t)

        # customer c reaches its current step now (t): walk on until it must wait for an event
        p = pos[c]
        e = stop[c]
        done = t
        base = c * ncol
        while p < e:
            st = sts[p]
            if st == UNTIL:
                cell = base + cols[p]
                arrive[cell] = start[cell] = done
                station_of[cell] = UNTIL
                value = vals[p]
                if value > done:
                    done = value
                end[cell] = done
                p += 1
                continue
            kind = kind_of[st]
            if kind == _DELAY:
                cell = base + cols[p]
                arrive[cell] = start[cell] = done
                station_of[cell] = st
                value = vals[p]
                if value > 0.0:
                    done = done + value
                end[cell] = done
                p += 1
                continue
            if done > t:  # a queueing step reached later: one event then
                pos[c] = p
                push(heap, (done, seq, 0, c))
                seq += 1
                break
            cell = base + cols[p]
            arrive[cell] = t
            station_of[cell] = st
            if kind == _ON_ARRIVAL:  # FIFO, fixed servers: starts when the earliest server is free
                servers = free[st]
                first = servers[0]
                begin = t if first <= t else first
                start[cell] = begin
                done = begin + vals[p]
                end[cell] = done
                replace(servers, done)
                p += 1
                continue
            pos[c] = p  # a station run by events: serve now or wait in line
            if busy[st] < cap[st]:
                busy[st] += 1
                start[cell] = t
                in_service[c] = st
                push(heap, (t + vals[p], seq, 0, c))
                seq += 1
            elif use_priority[st]:
                push(pq[st], (prio[c], seq, c))
                seq += 1
            else:
                fifo[st].append(c)
            break
        else:  # the route is done
            pos[c] = p
            exit_t[c] = done
            in_system -= 1
            if track_population:
                changes.append((done, -1))

    population: list[tuple[float, int]] = []
    if track_population:  # exits are known before their time (FIFO on arrival): order the changes by time
        changes.sort(key=lambda x: x[0])
        level = 0
        for when, delta in changes:
            level += delta
            population.append((when, level))
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
