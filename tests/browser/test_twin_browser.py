"""Real Chromium against the real server: an analyst launches a small twin run, watches its progress bar
(htmx polling), opens the report and finds the per-lane clearance-time distribution drawn as inline SVG."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from silkport.shared.actor import Role
from tests.browser.conftest import LiveServer
from tests.conftest import PASSWORD, add_user

pytestmark = pytest.mark.browser


@pytest.fixture
def twin_server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> LiveServer:
    """The live server with its twin runs in a folder of this test (set before the app is created)."""
    monkeypatch.setenv("SILKPORT_TWIN_DIR", str(tmp_path / "twin"))
    server: LiveServer = request.getfixturevalue("live_server")
    return server


def test_an_analyst_runs_a_scenario_and_reads_the_charts(
    twin_server: LiveServer, page: Page, screenshot_dirs: list[Path]
) -> None:
    platform = twin_server.platform
    add_user(platform, "dilnoza", Role.ANALYST)
    console: list[str] = []

    def log(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            console.append(msg.text)

    page.on("console", log)
    base = twin_server.url
    page.goto(f"{base}/login")
    page.fill("#username", "dilnoza")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("user")).to_be_visible()
    page.get_by_role("link", name="Digital twin").click()
    expect(page.get_by_role("heading", level=1, name="Digital twin")).to_be_visible()
    expect(page.get_by_test_id("twin-runs")).to_contain_text("No runs yet")

    # a horizon shorter than the warm-up: refused, the error under its field, nothing started
    page.select_option("#scenario", "horgos-smart-port")
    page.fill("#replications", "2")
    page.fill("#days", "1")
    page.get_by_test_id("launch").click()
    expect(page.locator("#err-days")).to_contain_text("warm-up")
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.get_by_test_id("twin-runs")).to_contain_text("No runs yet")

    page.fill("#days", "3")
    page.get_by_test_id("launch").click()
    row = page.locator("[data-testid=twin-runs] tbody tr[data-run]")
    expect(row).to_have_count(1)
    expect(row.locator("progress")).to_have_attribute("max", "2")
    # the table refreshes itself (htmx) until the run is done; no reload here
    expect(row.get_by_test_id("run-status")).to_have_text("Done", timeout=90_000)
    expect(row.locator("progress")).to_have_attribute("value", "2")
    for d in screenshot_dirs:
        page.screenshot(path=str(d / "twin-runs.png"), full_page=True)

    row.get_by_test_id("report-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("horgos-smart-port")
    chart = page.get_by_test_id("chart-lanes")
    expect(chart.locator("svg")).to_be_visible()
    lanes = chart.locator("polyline.series")
    expect(lanes).to_have_count(3)  # green, yellow and red all occur in 2 x 3 days of Horgos
    assert {lanes.nth(k).get_attribute("data-series") for k in range(3)} == {"green", "yellow", "red"}
    assert all(len((lanes.nth(k).get_attribute("points") or "").split()) > 10 for k in range(3))
    expect(chart.locator("line.marker")).to_have_count(3)  # the medians
    expect(chart.locator("text.tick")).not_to_have_count(0)
    expect(page.get_by_test_id("lanes-table").locator("tbody tr")).to_have_count(4)
    expect(page.get_by_test_id("median")).to_contain_text("h")
    for d in screenshot_dirs:
        page.screenshot(path=str(d / "twin-report.png"), full_page=True)
    report_url = page.url

    # the manual port on the same seed, then before/after on the smart port's report
    page.get_by_role("link", name="Digital twin").first.click()
    page.select_option("#scenario", "horgos-before")
    page.fill("#replications", "2")
    page.fill("#days", "3")
    page.get_by_test_id("launch").click()
    newest = page.locator("[data-testid=twin-runs] tbody tr[data-run]").first
    expect(newest.get_by_test_id("run-status")).to_have_text("Done", timeout=90_000)
    before_id = newest.get_attribute("data-run")
    page.goto(report_url)
    page.select_option("#against", str(before_id))
    page.get_by_role("button", name="Compare").click()
    both = page.get_by_test_id("chart-before-after")
    expect(both.locator("polyline.series")).to_have_count(2)
    expect(page.get_by_test_id("paired")).to_contain_text("paired (common random numbers)")
    median_row = page.get_by_test_id("comparison-table").locator("tbody tr").first
    expect(median_row.locator("td").nth(2)).to_contain_text("-")  # the smart port clears faster
    for d in screenshot_dirs:
        page.screenshot(path=str(d / "twin-before-after.png"), full_page=True)
    assert not [m for m in console if "Content Security Policy" in m], console
