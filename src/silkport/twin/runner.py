"""Independent replications (in parallel processes, or on a Dask cluster), aggregated into figures with 95% intervals.

Replication r draws from its own streams, seeded by (seed, r, source) -- nothing is shared between replications --
so where it runs (this process, a pool of processes, a Dask worker) does not change its figures.
"""

from __future__ import annotations

import importlib
import math
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np

from silkport.shared.errors import FieldError, ValidationFailed
from silkport.twin.model import COLUMNS, HIST_EDGES, LANES, replicate
from silkport.twin.scenario import LoadedScenario, load_scenario
from silkport.twin.stats import confidence_interval, paired_interval

Progress = Callable[[int], None]
_QUANTS = ("mean", "median", "p90", "p99")


def _replicate_by_name(source: str, seed: int, rep: int, days: float | None) -> dict[str, Any]:
    return replicate(load_scenario(source), seed, rep, days)


def run_replications(
    loaded: LoadedScenario,
    replications: int,
    seed: int,
    workers: int = 1,
    days: float | None = None,
    progress: Progress | None = None,
    cluster: str | None = None,
    cluster_timeout: float = 10.0,
) -> list[dict[str, Any]]:
    """Replication r uses the streams of (seed, r): the same r in two scenarios sees the same random numbers.

    ``cluster``: the address of a Dask scheduler (``tcp://host:8786``); the replications are submitted to it
    instead of run here (``workers`` is then the cluster's business). ``progress(1)`` is called as each one ends."""
    if replications < 1:
        raise ValidationFailed(FieldError("replications", "at least one replication"))
    if days is not None and days <= loaded.scenario.warmup_days:
        msg = f"must be longer than the scenario's warm-up ({loaded.scenario.warmup_days:g} days)"
        raise ValidationFailed(FieldError("days", msg))
    results: list[dict[str, Any]] = []
    if cluster is not None:
        results = _on_cluster(loaded, replications, seed, days, progress, cluster, cluster_timeout)
    elif workers <= 1 or loaded.source == "<text>":  # a scenario given as text cannot be reloaded by a worker
        for rep in range(replications):
            results.append(replicate(loaded, seed, rep, days))
            if progress:
                progress(1)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_replicate_by_name, loaded.source, seed, rep, days) for rep in range(replications)]
            for fut in as_completed(futures):
                results.append(fut.result())
                if progress:
                    progress(1)
    results.sort(key=lambda r: int(r["replication"]))
    return results


class ClusterUnavailable(Exception):
    """The Dask cluster cannot be used: ``dask[distributed]`` is not installed, or the scheduler does not answer."""


def _on_cluster(
    loaded: LoadedScenario,
    replications: int,
    seed: int,
    days: float | None,
    progress: Progress | None,
    address: str,
    timeout: float,
) -> list[dict[str, Any]]:
    """Submit one task per replication to a Dask scheduler; collect them as they complete.

    The loaded scenario itself (rulebook included) is sent to the workers, so a scenario file need not exist on
    them; the workers need silkport installed (the same version) to unpickle it and run ``replicate``."""
    try:  # imported only here: the local default needs no cluster and no dask
        distributed: Any = importlib.import_module("distributed")
    except ImportError as exc:
        raise ClusterUnavailable(
            "running on a cluster needs dask[distributed]: pip install 'silkport[cluster]'"
        ) from exc
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterUnavailable(f"no Dask scheduler answered at {address} within {timeout:g} s ({exc})") from exc
    results: list[dict[str, Any]] = []
    try:
        scenario = client.scatter(loaded, hash=False)
        futures = [
            client.submit(replicate, scenario, seed, rep, days, key=f"silkport-twin-{uuid.uuid4().hex}-{rep}")
            for rep in range(replications)
        ]
        for fut in distributed.as_completed(futures, loop=client.loop):
            results.append(fut.result())
            if progress:
                progress(1)
    finally:
        client.close()
    return results


def _ci(values: list[float]) -> dict[str, Any]:
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return {"mean": None, "ci_low": None, "ci_high": None, "half_width": None, "replications": 0}
    d = confidence_interval(finite).as_dict()
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def _quantile_block(reps: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {q: _ci([float(r[q]) for r in reps]) for q in _QUANTS}
    for q in _QUANTS:
        out[q]["value"] = out[q]["mean"]
    return out


def aggregate(loaded: LoadedScenario, results: list[dict[str, Any]], seed: int, days: float | None) -> dict[str, Any]:
    """Each figure is the mean over replications of the replication's figure, with its Student-t 95% interval."""
    sc = loaded.scenario
    out: dict[str, Any] = {
        "scenario": sc.name,
        "description": sc.description,
        "source": loaded.source,
        "rulebook_version": loaded.rulebook.version,
        "seed": seed,
        "replications": len(results),
        "days": sc.days if days is None else days,
        "warmup_days": sc.warmup_days,
        "target_hours": sc.target_hours,
        "declarations_per_replication": _ci([r["declarations"] for r in results]),
        "events_per_replication": _ci([r["events"] for r in results]),
        "mser_warmup_hours": [r["mser_warmup_hours"] for r in results],
        "warmup_sufficient": all(r["mser_warmup_hours"] <= sc.warmup_days * 24.0 for r in results),
        "clearance_time_hours": _quantile_block([r["clearance_time_hours"] for r in results]),
        "share_within_target": _ci([r["share_within_target"] for r in results]),
        "pre_arrival_share": _ci([r["pre_arrival_share"] for r in results]),
        "throughput_per_day": _ci([r["throughput_per_day"] for r in results]),
    }
    out["lanes"] = {
        lane.value: {
            "share": _ci([r["lanes"][lane.value]["share"] for r in results]),
            "clearance_time_hours": _quantile_block([r["lanes"][lane.value] for r in results]),
        }
        for lane in LANES
    }
    out["stages"] = {
        col: {key: _ci([r["stages"][col][key] for r in results]) for key in ("share", "waiting_mean", "working_mean")}
        for col in COLUMNS
    }
    out["resources"] = {
        name: {
            "utilisation": _ci([r["resources"][name]["utilisation"] for r in results]),
            "mean_queue": _ci([r["resources"][name]["mean_queue"] for r in results]),
            "utilisation_by_hour": np.mean([r["resources"][name]["utilisation_by_hour"] for r in results], 0).tolist(),
            "queue_by_hour": np.mean([r["resources"][name]["queue_by_hour"] for r in results], 0).tolist(),
        }
        for name in results[0]["resources"]
    }
    hist = np.sum([r["histogram"] for r in results], axis=0)
    out["histogram"] = {"edges_hours": HIST_EDGES.tolist(), "counts": hist.tolist()}
    out["histogram_by_lane"] = {
        lane.value: np.sum([r["histogram_by_lane"][lane.value] for r in results], axis=0).tolist() for lane in LANES
    }
    out["per_replication"] = [
        {"replication": r["replication"], **{q: r["clearance_time_hours"][q] for q in _QUANTS}} for r in results
    ]
    return out


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Paired differences (b - a) of the per-replication clearance figures; valid when both used the same seed."""
    if a["seed"] != b["seed"] or a["replications"] != b["replications"]:
        raise ValueError("a paired comparison needs the same seed and number of replications")
    ra, rb = a["per_replication"], b["per_replication"]
    return {
        "a": a["scenario"],
        "b": b["scenario"],
        "seed": a["seed"],
        "replications": a["replications"],
        "difference_hours": {q: paired_interval([x[q] for x in ra], [y[q] for y in rb]).as_dict() for q in _QUANTS},
    }
