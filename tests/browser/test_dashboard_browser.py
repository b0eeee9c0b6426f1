"""Real Chromium against the real server: an analyst opens the zone dashboard, its SVG charts render with
their values, the area filter swaps the figures in place (htmx), and a table downloads as CSV."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from silkport.shared.actor import Role
from tests.browser.conftest import CHROMIUM_ARGS, LiveServer, shot
from tests.conftest import PASSWORD, add_user
from tests.integration.test_analytics_indicators import fill

pytestmark = pytest.mark.browser


@pytest.fixture
def page(chromium_path: str) -> Iterator[Page]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB", accept_downloads=True)
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        try:
            yield tab
        finally:
            context.close()
            browser.close()


def test_the_dashboard_renders_its_charts_and_filters_by_area(
    live_server: LiveServer, page: Page, screenshot_dirs: list[Path], tmp_path: Path
) -> None:
    platform = live_server.platform
    add_user(platform, "dilnur", Role.ANALYST, display_name="Dilnur Analyst")
    with platform.session_factory() as s:
        fill(s)
    base = live_server.url
    page.goto(f"{base}/login?next=/dashboard")
    page.fill("#username", "dilnur")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/dashboard")
    expect(page.locator("nav.sidenav a.active")).to_have_text("Zone dashboard")

    page.fill("#from", "2025-01-01")
    page.fill("#to", "2025-09-30")
    page.click("form.dash-filters button[type=submit]")
    expect(page.get_by_test_id("period")).to_contain_text("2025-01-01")
    expect(page.get_by_test_id("stat-enterprises")).to_have_text("3")
    # the charts are drawn: a line with a dot per month, bars with their values and real widths
    trade = page.get_by_test_id("series-trade")
    expect(trade.locator("polyline")).to_have_count(1)
    expect(trade.locator("circle.dot")).to_have_count(6)
    box = trade.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 50
    shot(page, screenshot_dirs, "zone-dashboard")
    partners = page.get_by_test_id("bars-partners")
    expect(partners.locator("li[data-label=KG]")).to_have_attribute("data-value", "5000.00")
    widest = partners.locator("li").first.locator("rect.bar-fill").bounding_box()
    track = partners.locator("li").first.locator("rect.bar-track").bounding_box()
    second = partners.locator("li").nth(1).locator("rect.bar-fill").bounding_box()
    assert widest is not None and track is not None and second is not None
    assert widest["width"] == pytest.approx(track["width"], abs=1) and widest["width"] > 100
    assert 0 < second["width"] < widest["width"]
    expect(page.get_by_test_id("bars-clearance-before").locator("li")).to_have_count(12)
    expect(page.get_by_test_id("table-claims").locator("tbody tr")).to_have_count(11)

    # the area filter swaps the body in place and the URL follows
    page.select_option("#area", "KASHGAR")
    page.click("form.dash-filters button[type=submit]")
    expect(page.get_by_test_id("period")).to_contain_text("Kashgar")
    expect(page).to_have_url(f"{base}/dashboard?from=2025-01-01&to=2025-09-30&area=KASHGAR")
    expect(page.get_by_test_id("stat-vehicles")).to_have_text("1")
    expect(page.get_by_test_id("bars-partners").locator("li")).to_have_count(2)
    shot(page, screenshot_dirs, "zone-dashboard-kashgar")

    with page.expect_download() as info:
        page.get_by_test_id("csv-trade-by-partner").click()
    target = tmp_path / "partners.csv"
    info.value.save_as(target)
    assert target.read_text().splitlines()[1] == "KG,2,2000.00,3000.00,5000.00"
