"""The port model: a scenario and a seed in, one replication's trace and figures out.

Per arrival (a truck, a train, a flight or a mail dispatch carrying one or more declarations) the model draws a
declaration from the scenario's goods and trader mix, asks the REAL risk engine (``clearance.domain.rules.assess``
with the scenario's rulebook) for its lane once, and builds the declaration's route through the WCO Time Release
Study stages:

    pre-lodged:  lodgement -> acceptance -> risk assessment -> [document check] -> (truck arrives) -> entry check
                 -> [inspection] -> duty payment -> release -> exit
    on arrival:  (truck arrives) -> entry check -> lodgement -> acceptance -> risk assessment -> [document check]
                 -> [inspection] -> duty payment -> release -> exit

Yellow goes to the document check; red to the inspection (and, when ``red_document_check``, the document check
first). Clearance time is arrival -> release (the TRS definition), in hours.

Random numbers: one numpy stream per source (arrivals of each mode, the mix, lodgement, each task's service
times and skips), seeded by (seed, replication, source name). Every stream draws for every declaration whether
or not it is used, so two scenarios run with the same seed see the same trucks, goods and service-time draws:
common random numbers, and paired comparisons have small variance.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from silkport.clearance.domain.model import DeclarationContent, Lane
from silkport.clearance.domain.rules import RiskContext, Rulebook, RuleKind, TraderProfile, assess
from silkport.twin.declarations import for_arrival
from silkport.twin.engine import UNTIL, Station, Step, Trace, simulate_flat
from silkport.twin.scenario import MODES, LoadedScenario
from silkport.twin.stats import mser_truncation

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

COLUMNS = (
    "lodgement",
    "acceptance",
    "risk_assessment",
    "document_check",
    "await_arrival",
    "entry_check",
    "inspection",
    "duty_payment",
    "release",
    "exit",
)
COL = {name: i for i, name in enumerate(COLUMNS)}
LANES = (Lane.GREEN, Lane.YELLOW, Lane.RED)
_LANE_CODE = {lane: i for i, lane in enumerate(LANES)}
HIST_EDGES = np.arange(0.0, 12.0 + 1e-9, 1.0 / 12.0)  # 5-minute bins up to 12 h (and an overflow bin)


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """The random stream of one source: independent of every other source and of the order they are used in."""
    return np.random.default_rng([seed, replication, zlib.crc32(name.encode())])


@dataclass(slots=True)
class Customers:
    """One replication's declarations, sorted by the time they enter the system."""

    arrival: FloatArray  # the vehicle's arrival at the border (hours)
    entry: FloatArray  # lodgement when pre-lodged, else arrival
    lane: IntArray  # 0 green, 1 yellow, 2 red
    mode: IntArray  # index into MODES
    pre_arrival: npt.NDArray[np.bool_]
    priority: IntArray
    # the routes, flat (see engine.simulate_flat): declaration i's steps are offsets[i]:offsets[i + 1]
    step_station: list[int]
    step_value: list[float]
    step_column: list[int]
    offsets: list[int]
    stations: list[Station]
    station_names: list[str]

    @property
    def routes(self) -> list[list[Step]]:
        """Each declaration's route as (station, value, column) steps."""
        o = self.offsets
        steps = list(zip(self.step_station, self.step_value, self.step_column, strict=True))
        return [steps[o[i] : o[i + 1]] for i in range(len(o) - 1)]


def _arrival_times(loaded: LoadedScenario, seed: int, rep: int, days: float) -> tuple[FloatArray, IntArray]:
    hours = int(np.ceil(days * 24))
    times: list[FloatArray] = []
    modes: list[IntArray] = []
    for spec in loaded.scenario.arrivals:
        rng = stream(seed, rep, f"arrivals:{spec.mode}")
        weights = np.asarray(spec.profile if spec.profile is not None else [1.0] * 24, dtype=np.float64)
        rate = spec.per_day * weights / weights.sum()
        per_hour = np.resize(rate, hours)
        counts = rng.poisson(per_hour)
        base = np.repeat(np.arange(hours, dtype=np.float64), counts)
        t = np.sort(base + rng.random(base.size))
        t = t[t < days * 24]
        t = np.repeat(t, spec.declarations_per_arrival)
        times.append(t)
        modes.append(np.full(t.size, MODES.index(spec.mode), dtype=np.int64))
    all_t = np.concatenate(times)
    all_m = np.concatenate(modes)
    order = np.argsort(all_t, kind="stable")
    return all_t[order], all_m[order]


#: rule kinds whose evaluation does not look at the declaration id (every kind but the random sample)
_ID_FREE_KINDS = frozenset(RuleKind) - {RuleKind.RANDOM}


def sampled_ids(rulebook: Rulebook, ids: list[str]) -> list[bool]:
    """Which declarations the rulebook's random sample picks: the engine's own test (the first 8 bytes of
    sha256("{id}|{version}") below ``random_threshold``, i.e. ``sampling_draw(id, version) < random_rate``)."""
    limit = rulebook.random_threshold
    if limit <= 0 or limit >= 1 << 64:  # nobody, or everybody (the first 8 bytes are below 2**64)
        return [limit > 0] * len(ids)
    below = limit.to_bytes(8, "big")  # 8 big-endian bytes compare as the numbers they spell
    suffix = f"|{rulebook.version}"
    sha = hashlib.sha256
    return [sha((x + suffix).encode()).digest()[:8] < below for x in ids]


def decide_lanes(
    loaded: LoadedScenario,
    ids: list[str],
    goods_idx: IntArray,
    trader_idx: IntArray,
    mode: IntArray,
    exact: bool = False,
) -> IntArray:
    """The lane of each declaration, by the real risk engine with the scenario's rulebook.

    ``assess`` is a pure function; of its inputs only the random-sample rule reads the declaration id, through
    ``sampling_draw(id, version) < random_rate`` (``Rulebook.random_threshold`` on the hash, as the engine tests
    it; test_twin_engine checks the two agree). So the lane is memoised on (goods, trader, mode, sampled): the
    engine runs for the first declaration of each combination, the others reuse its decision, which is exactly
    what the engine would return for them (test_twin_engine checks it declaration by declaration against
    ``exact=True``, which calls the engine for every one). A rulebook with a kind not known to ignore the id is
    always judged declaration by declaration."""
    sc = loaded.scenario
    rulebook = loaded.rulebook
    memo_ok = not exact and all(c.rule.kind in _ID_FREE_KINDS or c.rule.kind is RuleKind.RANDOM
                                for c in rulebook.compiled)  # fmt: skip
    samples = any(c.rule.kind is RuleKind.RANDOM and c.rule.enabled for c in rulebook.compiled)
    contexts = [
        RiskContext(TraderProfile(f"twin-{t.grade}", t.grade, t.declarations, t.inspected, t.discrepancies), {})
        for t in sc.traders
    ]
    contents: dict[tuple[int, int, int], DeclarationContent] = {}

    def judge(i: int, g: int, t: int, m: int) -> int:
        content = contents.get((g, t, m))
        if content is None:
            content = for_arrival(sc.goods[g].template, MODES[m], f"twin-{t}")
            contents[(g, t, m)] = content
        return _LANE_CODE[assess(ids[i], content, rulebook, contexts[t]).lane]

    g_l, t_l, m_l = goods_idx.tolist(), trader_idx.tolist(), mode.tolist()
    if not memo_ok:
        return np.asarray([judge(i, *x) for i, x in enumerate(zip(g_l, t_l, m_l, strict=True))], dtype=np.int64)
    sampled = np.zeros(len(ids), dtype=np.int64)
    if samples:
        sampled[:] = sampled_ids(rulebook, ids)
    # one key per (goods, trader, mode, sampled); the engine judges the first declaration of each key
    key = ((goods_idx * len(sc.traders) + trader_idx) * len(MODES) + mode) * 2 + sampled
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    codes = np.asarray([judge(i, g_l[i], t_l[i], m_l[i]) for i in first.tolist()], dtype=np.int64)
    lane: IntArray = codes[inverse.reshape(-1)]
    return lane


def build(loaded: LoadedScenario, seed: int, rep: int, days: float | None = None, exact: bool = False) -> Customers:
    sc = loaded.scenario
    horizon = sc.days if days is None else days
    arrival, mode = _arrival_times(loaded, seed, rep, horizon)
    n = arrival.size

    mix = stream(seed, rep, "mix")
    gw = np.asarray([g.weight for g in sc.goods])
    tw = np.asarray([t.weight for t in sc.traders])
    goods_idx = mix.choice(gw.size, size=n, p=gw / gw.sum())
    trader_idx = mix.choice(tw.size, size=n, p=tw / tw.sum())
    ids = [f"{seed}-{rep}-{i}" for i in range(n)]
    lane = decide_lanes(loaded, ids, goods_idx, trader_idx, mode, exact)

    lodge = stream(seed, rep, "lodgement")
    pre = lodge.random(n) < sc.lodgement.pre_arrival_share
    lead = sc.lodgement.lead_time.sample(lodge, n) if sc.lodgement.lead_time is not None else np.zeros(n)
    by_trader = np.asarray([0 if t.grade in sc.priority_grades else 1 for t in sc.traders], dtype=np.int64)
    priority = by_trader[trader_idx]
    return assemble(loaded, seed, rep, arrival, mode, lane, pre, lead, priority)


def assemble(
    loaded: LoadedScenario,
    seed: int,
    rep: int,
    arrival: FloatArray,
    mode: IntArray,
    lane: IntArray,
    pre: npt.NDArray[np.bool_],
    lead: FloatArray,
    priority: IntArray,
) -> Customers:
    """Routes through the scenario's stations for given arrivals, lanes and lodgement timing (draws the task times)."""
    sc = loaded.scenario
    n = arrival.size
    entry = np.where(pre, arrival - lead, arrival)

    station_names = ["(delay)", *sc.stations]
    stations = [Station("(delay)", None)] + [
        Station(name, spec.servers, spec.schedule(), spec.discipline == "priority")
        for name, spec in sc.stations.items()
    ]
    index = {name: i for i, name in enumerate(station_names)}
    # every task's step for every declaration, drawn whether used or not (common random numbers), then the routes
    # built with numpy for all declarations at once: a row of 10 slots per declaration (the pre-lodged or the
    # on-arrival pattern), a slot kept when its step applies (lane, not skipped); the kept slots, row by row, are
    # the flat route lists the engine reads
    station_of: dict[str, int] = {}
    value: dict[str, FloatArray] = {}
    kept: dict[str, npt.NDArray[np.bool_]] = {}
    for name, task in sc.tasks.items():
        station_of[name] = index[task.station] if task.station is not None else 0
        value[name] = np.asarray(task.service.sample(stream(seed, rep, f"service:{name}"), n), dtype=np.float64)
        kept[name] = ~(stream(seed, rep, f"skip:{name}").random(n) < task.skip_share)
    order = np.argsort(entry, kind="stable")  # the routes in the order the declarations enter
    pre_o = pre[order]
    lane_o = lane[order]
    value = {k: v[order] for k, v in value.items()}
    kept = {k: v[order] for k, v in kept.items()}
    doc_lane = (lane_o == 1) | ((lane_o == 2) & sc.red_document_check)
    kept["document_check"] = kept["document_check"] & doc_lane
    kept["inspection"] = kept["inspection"] & (lane_o == 2)
    every = np.ones(n, dtype=bool)
    zeros = np.zeros(n, dtype=np.float64)
    # (station, value, column, kept) per slot; "lodged" is the pre-lodged declaration's lodgement (a zero delay)
    lodged = (0, zeros, COL["lodgement"], every)
    until = (UNTIL, arrival[order], COL["await_arrival"], every)

    def task_slot(name: str) -> tuple[int, FloatArray, int, npt.NDArray[np.bool_]]:
        return station_of[name], value[name], COL[name], kept[name]

    none = (0, zeros, 0, ~every)
    pre_tasks = ("acceptance", "risk_assessment", "document_check", None, "entry_check", "inspection",
                 "duty_payment", "release", "exit")  # fmt: skip
    arrival_tasks = ("entry_check", "lodgement", "acceptance", "risk_assessment", "document_check", "inspection",
                     "duty_payment", "release", "exit")  # fmt: skip
    pre_pattern = [lodged, *(task_slot(x) if x else until for x in pre_tasks)]
    arrival_pattern = [*(task_slot(x) for x in arrival_tasks), none]
    slots = len(pre_pattern)
    # (slot, declaration) arrays, transposed at the end so that each declaration's slots are consecutive
    st = np.empty((slots, n), dtype=np.int64)
    val = np.empty((slots, n), dtype=np.float64)
    col = np.empty((slots, n), dtype=np.int64)
    ok = np.empty((slots, n), dtype=bool)
    for k, (p, q) in enumerate(zip(pre_pattern, arrival_pattern, strict=True)):
        st[k] = np.where(pre_o, p[0], q[0])
        val[k] = np.where(pre_o, p[1], q[1])
        col[k] = np.where(pre_o, p[2], q[2])
        ok[k] = np.where(pre_o, p[3], q[3])
    st, val, col, ok = st.T, val.T, col.T, ok.T
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(ok.sum(axis=1), out=offsets[1:])

    return Customers(
        arrival=arrival[order],
        entry=entry[order],
        lane=lane_o,
        mode=mode[order],
        pre_arrival=pre_o,
        priority=priority[order],
        step_station=st[ok].tolist(),
        step_value=val[ok].tolist(),
        step_column=col[ok].tolist(),
        offsets=offsets.tolist(),
        stations=stations,
        station_names=station_names,
    )


def run(customers: Customers, track_population: bool = False) -> Trace:
    return simulate_flat(
        customers.stations,
        customers.entry,
        customers.step_station,
        customers.step_value,
        customers.step_column,
        customers.offsets,
        customers.priority.tolist(),
        columns=len(COLUMNS),
        track_population=track_population,
    )


def _sum_min(sorted_x: FloatArray, prefix: FloatArray, grid: FloatArray) -> FloatArray:
    """For each T in grid: sum_i min(x_i, T), with x sorted and prefix its cumulative sum (leading 0)."""
    idx = np.searchsorted(sorted_x, grid, side="right")
    return np.asarray(prefix[idx] + grid * (sorted_x.size - idx), dtype=np.float64)


def _cumulative(x: FloatArray, grid: FloatArray) -> FloatArray:
    """For each T in grid: sum_i min(x_i, T)."""
    xs = np.sort(x)
    return _sum_min(xs, np.concatenate([[0.0], np.cumsum(xs)]), grid)


def interval_area(starts: FloatArray, ends: FloatArray, grid: FloatArray) -> FloatArray:
    """The area of the sum of indicator functions of [start, end) over each cell of grid (len(grid) - 1 cells)."""
    return np.diff(_cumulative(ends, grid) - _cumulative(starts, grid))


_BINS = HIST_EDGES.size  # HIST_EDGES.size - 1 bins of 5 minutes, and the overflow bin


def _lane_histograms(hours: FloatArray, lane: IntArray) -> IntArray:
    """Counts per (lane, bin) -- what ``np.histogram(min(x, 12.01), [*HIST_EDGES, inf])`` gives per lane (times are
    never negative), by one ``searchsorted`` and one ``bincount`` for all lanes."""
    capped = np.minimum(hours, HIST_EDGES[-1] + 0.01)
    idx = np.searchsorted(HIST_EDGES, capped, side="right") - 1
    keep = (idx >= 0) & ~np.isnan(capped)
    flat = np.bincount(lane[keep] * _BINS + idx[keep], minlength=len(LANES) * _BINS)
    counts: IntArray = flat.reshape(len(LANES), _BINS)
    return counts


def _quantiles(x: FloatArray) -> dict[str, float]:
    if x.size == 0:
        return {"count": 0, "mean": float("nan"), "median": float("nan"), "p90": float("nan"), "p99": float("nan")}
    q = np.quantile(x, [0.5, 0.9, 0.99])
    return {"count": int(x.size), "mean": float(x.mean()), "median": float(q[0]), "p90": float(q[1]),
            "p99": float(q[2])}  # fmt: skip


def summarise(loaded: LoadedScenario, customers: Customers, trace: Trace, days: float | None = None) -> dict[str, Any]:
    """One replication's figures (all times in hours), with the warm-up removed."""
    sc = loaded.scenario
    horizon = (sc.days if days is None else days) * 24.0
    warm = sc.warmup_days * 24.0
    release = trace.end[:, COL["release"]]
    released = np.where(np.isnan(release), trace.exit, release)
    clearance = released - customers.arrival
    by_arrival = np.argsort(customers.arrival, kind="stable")
    kept = by_arrival[customers.arrival[by_arrival] >= warm]
    # the warm-up cut is the scenario's warmup_days; MSER-5 on the whole run's clearance times (by arrival) is
    # reported as a check: a suggested warm-up longer than warmup_days says the scenario's is too short
    mser = mser_truncation(clearance[by_arrival])
    mser_hours = float(customers.arrival[by_arrival][mser]) if mser < by_arrival.size else 0.0
    mask = np.zeros(customers.arrival.size, dtype=bool)
    mask[kept] = True
    ct = clearance[mask]
    out: dict[str, Any] = {
        "declarations": int(customers.arrival.size),
        "measured": int(mask.sum()),
        "mser_warmup_hours": mser_hours,
        "events": trace.events,
        "clearance_time_hours": _quantiles(ct),
        "share_within_target": float(np.mean(ct <= sc.target_hours)) if ct.size else float("nan"),
        "pre_arrival_share": float(customers.pre_arrival[mask].mean()) if ct.size else float("nan"),
    }
    lane_m = customers.lane[mask]
    # 5-minute bins up to 12 h and an overflow bin, per lane; the whole histogram is their sum (counts: exact)
    by_lane = _lane_histograms(ct, lane_m)
    out["histogram"] = by_lane.sum(axis=0).tolist()
    out["histogram_by_lane"] = {lane.value: by_lane[k].tolist() for k, lane in enumerate(LANES)}
    out["lanes"] = {
        lane.value: {**_quantiles(ct[customers.lane[mask] == k]), "share": float(np.mean(customers.lane[mask] == k))}
        for k, lane in enumerate(LANES)
    }
    stages: dict[str, Any] = {}
    arr, st, en = trace.arrive[mask], trace.start[mask], trace.end[mask]
    for name, col in COL.items():
        visited = ~np.isnan(en[:, col])
        wait = st[visited, col] - arr[visited, col]
        work = en[visited, col] - st[visited, col]
        if name == "await_arrival":  # waiting for the truck, not for a resource
            wait, work = work, np.zeros_like(work)
        stages[name] = {
            "share": float(visited.mean()) if visited.size else 0.0,
            "waiting_mean": float(wait.mean()) if wait.size else 0.0,
            "working_mean": float(work.mean()) if work.size else 0.0,
        }
    out["stages"] = stages
    # the TRS intervals from the vehicle's arrival: when each stage's timestamp falls, on average
    out["throughput_per_day"] = float(((released >= warm) & (released < horizon)).sum() / ((horizon - warm) / 24.0))

    grid = np.arange(warm, horizon + 1e-9, 1.0)
    hours_of_day = (grid[:-1] % 24).astype(int)
    resources: dict[str, Any] = {}
    # the cells at stations with servers, gathered once (most cells are delays or steps not taken)
    cells = np.flatnonzero(trace.station_of.ravel() >= 1)
    at = trace.station_of.ravel()[cells]
    starts, ends, arrivals = trace.start.ravel()[cells], trace.end.ravel()[cells], trace.arrive.ravel()[cells]
    for j, station in enumerate(customers.stations):
        if j == 0:
            continue
        used = at == j
        s, e, a = starts[used], ends[used], arrivals[used]
        cum_s = _cumulative(s, grid)  # sorted once for both areas
        busy = np.diff(_cumulative(e, grid) - cum_s)
        queue = np.diff(cum_s - _cumulative(a, grid))
        capacity = np.asarray([station.servers_at(h) for h in hours_of_day], dtype=np.float64)
        total_cap = float(capacity.sum())
        util_by_hour = []
        queue_by_hour = []
        for h in range(24):
            sel = hours_of_day == h
            cap_h = float(capacity[sel].sum())
            util_by_hour.append(float(busy[sel].sum() / cap_h) if cap_h > 0 else 0.0)
            queue_by_hour.append(float(queue[sel].mean()) if sel.any() else 0.0)
        resources[customers.station_names[j]] = {
            "utilisation": float(busy.sum() / total_cap) if total_cap > 0 else 0.0,
            "mean_queue": float(queue.mean()) if queue.size else 0.0,
            "max_hourly_queue": float(queue.max()) if queue.size else 0.0,
            "utilisation_by_hour": util_by_hour,
            "queue_by_hour": queue_by_hour,
        }
    out["resources"] = resources
    return out


def replicate(loaded: LoadedScenario, seed: int, rep: int, days: float | None = None) -> dict[str, Any]:
    customers = build(loaded, seed, rep, days)
    trace = run(customers)
    summary = summarise(loaded, customers, trace, days)
    summary["replication"] = rep
    return summary
