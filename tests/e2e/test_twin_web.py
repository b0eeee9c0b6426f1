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
    assert bad.status_code == 422
    assert re.search(
        r'id="field-days">.*?<p id="err-days" class="field-error"[^>]*><span>must be a number</span>', bad.text, re.S
    )
    assert 'class="field has-error" id="field-days"' in bad.text and runs.list() == []
    data = {"csrf_token": token.group(1), "scenario": "horgos-before", "replications": "2", "days": "3"}
    ok = client.post("/twin/runs", data=data, follow_redirects=False)
    assert ok.status_code == 303
    (run,) = runs.list()
    runs.wait(run["id"])
    listing = client.get("/twin").text
    assert "<progress" in listing and "report" in listing
    report = client.get(f"/twin/runs/{run['id']}/report")
    assert report.status_code == 200 and "<svg" in report.text


def _sign_in(zone: Zone, who: str = "analyst") -> str:
    """Sign the zone's client in with a web session; returns the page's CSRF token."""
    client = zone.client
    client.cookies.clear()
    r = client.post("/login", data={"username": who, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/twin").text)
    assert token
    return token.group(1)


def test_the_form_shows_each_problem_under_its_field_and_starts_nothing(zone: Zone, runs: TwinRuns) -> None:
    token = _sign_in(zone)
    bad = zone.client.post("/twin/runs", data={"csrf_token": token, "scenario": "atlantis", "replications": "0",
                                               "seed": "1.5", "days": "3"})  # fmt: skip
    assert bad.status_code == 422
    assert re.search(r'<p id="err-seed" class="field-error"[^>]*><span>must be a whole number</span>', bad.text)
    again = zone.client.post("/twin/runs", data={"csrf_token": token, "scenario": "atlantis", "replications": "0",
                                                 "seed": "1", "days": "3"})  # fmt: skip
    assert again.status_code == 422
    assert re.search(r'<p id="err-scenario" class="field-error"[^>]*><span>not a shipped scenario', again.text)
    assert re.search(r'<p id="err-replications" class="field-error"[^>]*><span>must be between 1 and 50', again.text)
    assert 'value="atlantis"' not in again.text  # only shipped scenarios are offered
    assert '<input id="days" name="days" type="number" min="1" max="366" step="any" value="3">' in again.text
    assert runs.list() == []


def test_the_runs_table_polls_while_a_run_runs_and_stops_after(zone: Zone, runs: TwinRuns) -> None:
    token = _sign_in(zone)
    assert zone.client.get("/twin/runs", follow_redirects=False).status_code == 303  # not htmx: the page
    ok = zone.client.post("/twin/runs", data={"csrf_token": token, "scenario": "horgos-before", "replications": "2",
                                              "days": "3"}, follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303
    (run,) = runs.list()
    partial = zone.client.get("/twin/runs", headers={"HX-Request": "true"}).text
    assert partial.startswith('<div id="twin-runs"') and "<html" not in partial
    if runs.status(run["id"])["status"] == "running":  # still running when fetched: it asks to be fetched again
        assert 'hx-get="/twin/runs" hx-trigger="load delay:2s"' in partial
    runs.wait(run["id"])
    done = zone.client.get("/twin/runs", headers={"HX-Request": "true"}).text
    assert "hx-trigger" not in done and 'data-running="false"' in done
    assert '<progress value="2" max="2"' in done and f'href="/twin/runs/{run["id"]}/report"' in done


def test_the_report_draws_each_lane_and_compares_two_runs(zone: Zone, runs: TwinRuns) -> None:
    _sign_in(zone)
    before = runs.launch("horgos-before", 2, 4, 3, "analyst")["id"]
    after = runs.launch("horgos-smart-port", 2, 4, 3, "analyst")["id"]
    runs.wait(before)
    runs.wait(after)
    page = zone.client.get(f"/twin/runs/{after}/report")
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    html = page.text
    assert "<script>" not in html and "style=" not in html  # strict CSP: no inline scripts or styles
    chart = html[html.index('data-testid="chart-lanes"') :]
    chart = chart[: chart.index("</figure>")]
    assert chart.count("<polyline") == 3
    for lane in ("green", "yellow", "red"):
        points = re.search(rf'class="series {lane}" data-series="{lane}" points="([^"]+)"', chart)
        assert points and len(points.group(1).split()) > 10
        assert f'data-median="{lane}"' in chart
    figures = runs.figures(after)
    total = sum(sum(v) for v in figures["histogram_by_lane"].values())
    assert total == sum(figures["histogram"]["counts"])  # the lanes split the whole distribution
    assert f'<option value="{before}">' in html
    compared = zone.client.get(f"/twin/runs/{after}/report", params={"against": before}).text
    assert 'data-testid="chart-before-after"' in compared and "the differences are paired" in compared
    table = compared[compared.index('data-testid="comparison-table"') :]
    diff = compare_median(runs, before, after)
    assert f"{diff['mean']:+.2f}</td>" in table and f"{diff['ci_low']:+.2f} – {diff['ci_high']:+.2f}" in table
    missing = zone.client.get(f"/twin/runs/{after}/report", params={"against": "nope"})
    assert missing.status_code == 200 and "no twin run" in missing.text
    assert zone.client.get("/twin/runs/nope/report").status_code == 404


def compare_median(runs: TwinRuns, before: str, after: str) -> dict[str, float]:
    from silkport.twin.runner import compare

    diff: dict[str, float] = compare(runs.figures(before), runs.figures(after))["difference_hours"]["median"]
    return diff


def test_a_compare_run_from_the_command_line_shows_as_before_and_after(zone: Zone, runs: TwinRuns) -> None:
    from typer.testing import CliRunner

    from silkport.entrypoints.cli.main import app

    out = runs.folder / "cli-compare"
    result = CliRunner().invoke(app, ["twin", "compare", "horgos-before", "horgos-smart-port", "-n", "2", "--days",
                                      "3", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    _sign_in(zone)
    assert "cli-compare" in zone.client.get("/twin").text
    page = zone.client.get("/twin/runs/cli-compare/report").text
    assert "<h1>horgos-smart-port</h1>" in page and 'data-testid="chart-before-after"' in page


def test_other_roles_get_403_pages(zone: Zone, runs: TwinRuns) -> None:
    client = zone.client
    client.cookies.clear()
    r = client.post("/login", data={"username": "trader_a", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/twin")
    assert page.status_code == 403 and "<html" in page.text


def test_a_run_whose_process_is_gone_reads_as_interrupted_and_stops_the_polling(zone: Zone, runs: TwinRuns) -> None:
    """A web run left 'running' by a server that stopped must not keep the page polling forever."""
    import json
    import socket
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(gone.stdout)  # a process of this host that has exited
    folder = runs.folder / "20250901T000000-horgos-before-abcdef"
    folder.mkdir(parents=True)
    status = {"status": "running", "scenario": "horgos-before", "done": 1, "total": 5, "created": "2025-09-01T00:00:00",
              "by": "analyst", "host": socket.gethostname(), "pid": pid}  # fmt: skip
    (folder / "status.json").write_text(json.dumps(status))
    assert runs.status(folder.name)["status"] == "interrupted"
    elsewhere = {**status, "host": "another-host"}  # another host's process: cannot tell, still running
    (folder / "status.json").write_text(json.dumps(elsewhere))
    assert runs.status(folder.name)["status"] == "running"
    (folder / "status.json").write_text(json.dumps(status))
    _sign_in(zone)
    partial = zone.client.get("/twin/runs", headers={"HX-Request": "true"}).text
    assert "hx-trigger" not in partial and "Interrupted" in partial
