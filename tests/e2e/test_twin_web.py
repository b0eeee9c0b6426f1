"""The digital twin on the web: launch a shipped scenario, follow its progress, read its figures and report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from silkport.twin.runs import TwinRuns
from tests.conftest import PASSWORD, Zone


@pytest.fixture
def runs(zone: Zone, tmp_path: Path) -> TwinRuns:
    store = TwinRuns(tmp_path / "twin")
    zone.client.app.state.services["twin_runs"] = lambda: store  # type: ignore[attr-defined]
    return store


def test_an_analyst_launches_a_run_and_reads_its_figures(zone: Zone, runs: TwinRuns) -> None:
    h = zone.headers("analyst")
    scenarios = zone.client.get("/api/v1/twin/scenarios", headers=h)
    assert scenarios.status_code == 200
    assert "horgos-smart-port" in {s["name"] for s in scenarios.json()}
    r = zone.client.post("/api/v1/twin/runs", headers=h,
                         json={"scenario": "horgos-smart-port", "replications": 2, "days": 3, "seed": 5})  # fmt: skip
    assert r.status_code == 202, r.text
    run = r.json()
    assert run["status"] == "running" and run["total"] == 2
    runs.wait(run["id"])
    done = zone.client.get(f"/api/v1/twin/runs/{run['id']}", headers=h).json()
    assert done["status"] == "done" and done["done"] == 2
    assert done["figures"]["clearance_time_hours"]["median"]["replications"] == 2
    listed = zone.client.get("/api/v1/twin/runs", headers=h).json()
    assert [x["id"] for x in listed] == [run["id"]]


def test_bad_launches_are_422_and_start_nothing(zone: Zone, runs: TwinRuns) -> None:
    h = zone.headers("supervisor")
    for body, field in [
        ({"scenario": "../etc/passwd"}, "scenario"),
        ({"scenario": "horgos-before", "replications": 0}, "replications"),
        ({"scenario": "horgos-before", "days": 1}, "days"),
        ({"scenario": "horgos-before", "colour": "red"}, "colour"),
    ]:
        r = zone.client.post("/api/v1/twin/runs", headers=h, json=body)
        assert r.status_code == 422, r.text
        assert field in r.text
    assert zone.client.get("/api/v1/twin/runs", headers=h).json() == []
    assert zone.client.get("/api/v1/twin/runs/nope", headers=h).status_code == 404


def test_only_analysts_supervisors_and_admins(zone: Zone, runs: TwinRuns) -> None:
    for who in ("trader_a", "officer"):
        assert zone.client.get("/api/v1/twin/runs", headers=zone.headers(who)).status_code == 403
        r = zone.client.post("/api/v1/twin/runs", headers=zone.headers(who), json={"scenario": "horgos-before"})
        assert r.status_code == 403
    assert zone.client.get("/api/v1/twin/runs").status_code == 401


def test_the_page_launches_with_a_progress_bar_and_shows_the_report(zone: Zone, runs: TwinRuns) -> None:
    client = zone.client
    client.cookies.clear()
    assert client.get("/twin", follow_redirects=False).status_code == 303
    r = client.post("/login", data={"username": "analyst", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/twin")
    assert page.status_code == 200 and "horgos-smart-port-plus" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    refused = client.post("/twin/runs", data={"scenario": "horgos-before"}, follow_redirects=False)
    assert refused.status_code == 403
    bad = client.post("/twin/runs", data={"csrf_token": token.group(1), "scenario": "horgos-before", "days": "x"})
    assert bad.status_code == 422 and "days: must be a number" in bad.text
    data = {"csrf_token": token.group(1), "scenario": "horgos-before", "replications": "2", "days": "3"}
    ok = client.post("/twin/runs", data=data, follow_redirects=False)
    assert ok.status_code == 303
    (run,) = runs.list()
    runs.wait(run["id"])
    listing = client.get("/twin").text
    assert "<progress" in listing and "report" in listing
    report = client.get(f"/twin/runs/{run['id']}/report")
    assert report.status_code == 200 and "<svg" in report.text
