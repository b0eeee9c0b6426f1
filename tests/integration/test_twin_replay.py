"""Replay: a recorded day of declarations read from the clearance tables and run through the twin."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from silkport.bootstrap import Platform
from silkport.clearance.adapters.orm import DeclarationRow
from silkport.entrypoints.cli.main import app
from silkport.twin.model import COL, LANES, build, run
from silkport.twin.replay import load_day, replay_day
from silkport.twin.scenario import load_scenario

DAY = date(2025, 9, 1)


def record_a_day(platform: Platform, scenario: str, seed: int) -> int:
    """Store one simulated day of declarations as the clearance context records them (stage timestamps)."""
    loaded = load_scenario(scenario)
    customers = build(loaded, seed=seed, rep=0, days=1)
    trace = run(customers)
    midnight = datetime.combine(DAY, datetime.min.time(), tzinfo=UTC)

    def at(hours: float) -> datetime | None:
        return None if np.isnan(hours) else midnight + timedelta(hours=float(hours))

    with Session(platform.engine) as session, session.begin():
        for i in range(customers.arrival.size):
            lodged = trace.end[i, COL["lodgement"]]
            session.add(
                DeclarationRow(
                    id=f"rec{i:06d}",
                    declarant_id="0" * 32,
                    lrn=f"REC-{i}",
                    type="export",
                    office_code="HRS-ROAD",
                    transport_mode=["road", "rail", "air", "mail"][int(customers.mode[i])],
                    status="exited",
                    lane=LANES[int(customers.lane[i])].value,
                    settlement="paid",
                    version=1,
                    pre_arrival=bool(customers.pre_arrival[i]),
                    audit_flags=[],
                    created_at=at(customers.entry[i]),
                    arrival_at=at(customers.arrival[i]),
                    lodgement_at=at(lodged),
                    release_at=at(trace.end[i, COL["release"]]),
                    exit_at=at(trace.exit[i]),
                )
            )
        # a declaration of another day and one not yet released are not replayed
        session.add(DeclarationRow(id="otherday", declarant_id="0" * 32, lrn="X1", type="export",
                                   office_code="HRS-ROAD", transport_mode="road", status="exited", lane="green",
                                   settlement="paid", version=1, pre_arrival=False, audit_flags=[],
                                   created_at=midnight - timedelta(days=1),
                                   arrival_at=midnight - timedelta(hours=2),
                                   release_at=midnight - timedelta(hours=1)))  # fmt: skip
        session.add(DeclarationRow(id="waiting", declarant_id="0" * 32, lrn="X2", type="export",
                                   office_code="HRS-ROAD", transport_mode="road", status="document_check",
                                   lane="yellow", settlement="unpaid", version=1, pre_arrival=False, audit_flags=[],
                                   created_at=midnight, arrival_at=midnight + timedelta(hours=3)))  # fmt: skip
    return int(customers.arrival.size)


def test_replay_reproduces_a_day_recorded_under_the_same_port(platform: Platform) -> None:
    stored = record_a_day(platform, "horgos-smart-port", seed=11)
    recorded = load_day(platform.engine, DAY)
    assert len(recorded) == stored
    assert all(r.arrival.date() == DAY for r in recorded)
    same = replay_day(load_scenario("horgos-smart-port"), recorded, seed=99)  # other service-time draws
    assert same["declarations"] == stored
    assert abs(same["simulated"]["median"] - same["recorded"]["median"]) < 0.15
    assert abs(same["mean_difference"]) < 0.15
    # the manual port would have taken far longer for the same trucks: the replay tells them apart
    manual = replay_day(load_scenario("horgos-before"), recorded, seed=99)
    assert manual["simulated"]["median"] - manual["recorded"]["median"] > 1.0


def test_replay_cli_prints_the_difference(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    record_a_day(platform, "horgos-smart-port", seed=12)
    monkeypatch.setenv("SILKPORT_DATABASE_URL", platform.settings.database_url)
    result = CliRunner().invoke(app, ["twin", "replay", "--date", DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "twin - recorded" in result.output and "mean absolute difference" in result.output
    empty = CliRunner().invoke(app, ["twin", "replay", "--date", "2024-01-01"])
    assert empty.exit_code == 1
    bad = CliRunner().invoke(app, ["twin", "replay", "--date", "yesterday"])
    assert bad.exit_code == 2


def test_figures_are_json(platform: Platform) -> None:
    record_a_day(platform, "horgos-smart-port", seed=13)
    result = replay_day(load_scenario("horgos-smart-port"), load_day(platform.engine, DAY))
    assert json.loads(json.dumps(result))["declarations"] == result["declarations"]
