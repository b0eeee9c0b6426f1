"""Replay: a recorded day of declarations from the store, run through the twin, compared with what happened.

A read-only query of the clearance tables: the declarations whose truck arrived on the day (UTC) and that were
released, with their lane (as decided then), whether they were pre-lodged and when. The twin keeps those
arrivals, lanes and lodgement times and draws only the task times from the scenario, so the difference between
the simulated and the recorded clearance times (arrival -> release) measures how well the scenario's resources
and service times describe the port.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from silkport.clearance.adapters.orm import DeclarationRow
from silkport.twin.model import COL, LANES, assemble, run
from silkport.twin.scenario import MODES, LoadedScenario

_LANE = {lane.value: k for k, lane in enumerate(LANES)}


@dataclass(frozen=True, slots=True)
class Recorded:
    declaration_id: str
    lane: str
    transport_mode: str
    pre_arrival: bool
    arrival: datetime
    lodgement: datetime
    release: datetime

    @property
    def clearance_hours(self) -> float:
        return (self.release - self.arrival).total_seconds() / 3600.0


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def load_day(engine: Engine, day: date) -> list[Recorded]:
    """The declarations whose truck arrived on ``day`` (UTC) and that have been released, by arrival."""
    start = datetime.combine(day, time(0), tzinfo=UTC)
    end = start + timedelta(days=1)
    query = (
        select(
            DeclarationRow.id,
            DeclarationRow.lane,
            DeclarationRow.transport_mode,
            DeclarationRow.pre_arrival,
            DeclarationRow.arrival_at,
            DeclarationRow.lodgement_at,
            DeclarationRow.release_at,
        )
        .where(DeclarationRow.arrival_at >= start, DeclarationRow.arrival_at < end)
        .where(DeclarationRow.release_at.is_not(None), DeclarationRow.lane.is_not(None))
        .order_by(DeclarationRow.arrival_at, DeclarationRow.id)
    )
    out: list[Recorded] = []
    with Session(engine) as session:
        for row in session.execute(query):
            arrival = _utc(row.arrival_at)
            lodgement = _utc(row.lodgement_at) if row.lodgement_at is not None else arrival
            out.append(
                Recorded(
                    row.id,
                    row.lane,
                    row.transport_mode,
                    bool(row.pre_arrival),
                    arrival,
                    lodgement,
                    _utc(row.release_at),
                )
            )
    return out


def replay_day(loaded: LoadedScenario, recorded: list[Recorded], seed: int = 1) -> dict[str, Any]:
    """Run the recorded arrivals (with their lanes and lodgement times) through the scenario's port."""
    if not recorded:
        raise ValueError("nothing to replay")
    midnight = datetime.combine(recorded[0].arrival.date(), time(0), tzinfo=UTC)
    hours = np.asarray([(r.arrival - midnight).total_seconds() / 3600.0 for r in recorded])
    lead = np.asarray([max(0.0, (r.arrival - r.lodgement).total_seconds() / 3600.0) for r in recorded])
    pre = np.asarray([r.pre_arrival and r.lodgement < r.arrival for r in recorded])
    lane = np.asarray([_LANE[r.lane] for r in recorded], dtype=np.int64)
    mode = np.asarray([MODES.index(r.transport_mode) if r.transport_mode in MODES else 0 for r in recorded])
    customers = assemble(
        loaded, seed, 0, hours, mode.astype(np.int64), lane, pre, lead, np.ones(len(recorded), np.int64)
    )
    trace = run(customers)
    # customers are in entry order: map back to the recorded order
    entry = np.where(pre, hours - lead, hours)
    order = np.argsort(entry, kind="stable")
    released = np.empty(len(recorded))
    release_col = trace.end[:, COL["release"]]
    released[order] = np.where(np.isnan(release_col), trace.exit, release_col)
    simulated = released - hours
    actual = np.asarray([r.clearance_hours for r in recorded])

    def q(x: np.ndarray[Any, np.dtype[np.float64]]) -> dict[str, float]:
        return {"mean": float(x.mean()), "median": float(np.median(x)), "p90": float(np.quantile(x, 0.9))}

    return {
        "declarations": len(recorded),
        "recorded": q(actual),
        "simulated": q(simulated),
        "mean_difference": float((simulated - actual).mean()),
        "mean_absolute_difference": float(np.abs(simulated - actual).mean()),
        "per_declaration": [
            {"id": r.declaration_id, "lane": r.lane, "recorded": float(a), "simulated": float(s)}
            for r, a, s in zip(recorded, actual, simulated, strict=True)
        ],
    }
