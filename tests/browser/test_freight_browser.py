"""Real Chromium against the real server: a logistics operator signs in, opens the freight overview (clocks
coloured by state, the breach filter swapping rows in place), a consignment's timeline, the corridor chart
(its SVG bars drawn at their shares) and the TIR operations; and the overview at phone width."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, shot
from tests.conftest import PASSWORD
from tests.e2e.test_freight_pages import CONTAINER, build_freight

pytestmark = pytest.mark.browser


def test_the_operator_follows_freight_clocks_corridors_and_tir(
    live_server: LiveServer, page: Page, screenshot_dirs: list[Path]
) -> None:
    f = build_freight(live_server.platform)
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/login")
    page.fill("#username", "operator_a")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("user")).to_be_visible()
    page.get_by_role("link", name="Freight", exact=True).click()
    expect(page).to_have_url(f"{base}/freight")
    expect(page.locator("nav.sidenav a.active")).to_have_text("Freight")

    rows = page.locator("#consignment-rows tr[data-id]")
    expect(rows).to_have_count(5)
    overdue = page.locator(f'tr[data-id="{f.consignments["overdue"]}"]')
    expect(overdue.locator(".fclock")).to_have_attribute("data-clock", "breached")
    expect(overdue.locator(".fclock")).to_contain_text("Overdue by 1 d 8 h")
    # coloured by state: a breached clock is drawn in the danger colour, a clock on time in the ok colour
    breached_colour = overdue.locator(".fclock").evaluate("e => getComputedStyle(e).color")
    running = page.locator(f'tr[data-id="{f.consignments["running"]}"] .fclock')
    expect(running).to_contain_text("left")
    assert running.evaluate("e => getComputedStyle(e).color") != breached_colour
    shot(page, screenshot_dirs, "freight-overview")

    # the clock filter swaps the rows in place (htmx) and the address follows
    page.select_option("#f-clock", "breached")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(f"{base}/freight?status=&corridor=&mode=&clock=breached&document=")
    page.select_option("#f-clock", "")
    expect(rows).to_have_count(5)

    # a consignment's timeline
    page.locator(f'tr[data-id="{f.consignments["late"]}"] a.cell-title').click()
    expect(page.get_by_test_id("consignment-title")).to_contain_text("CMR20250801")
    expect(page.locator(".ftimeline li.fevent")).to_have_count(6)
    expect(page.get_by_test_id("breach-alert")).to_contain_text("caused by leg 2")
    expect(page.get_by_test_id("objects")).to_contain_text(CONTAINER)
    expect(page.get_by_test_id("legs").locator("tr.fculprit")).to_have_count(1)
    shot(page, screenshot_dirs, "freight-consignment")

    # corridor clocks: one SVG bar per corridor with finished clocks, as tall as its share on time
    page.get_by_role("link", name="Corridor clocks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Corridor clocks")
    page.fill("#f-month", "2025-08")
    page.locator("form.filters button[type=submit]").click()
    chart = page.get_by_test_id("compliance-chart")
    expect(chart).to_be_visible()
    bars = chart.locator("rect.fchart-bar")
    expect(bars).to_have_count(2)
    expect(chart.locator("g.fchart-col").first).to_have_attribute("data-corridor", "KSS-KG")
    half = bars.nth(0).bounding_box()
    full = bars.nth(1).bounding_box()
    assert half is not None and full is not None
    assert full["height"] > 0 and abs(full["height"] - 2 * half["height"]) < 1.5  # 50 % and 100 %
    assert abs((half["y"] + half["height"]) - (full["y"] + full["height"])) < 1  # one baseline
    expect(page.get_by_test_id("breaches").locator("tr[data-id]")).to_have_count(1)
    shot(page, screenshot_dirs, "freight-corridors")

    # TIR operations: the list, then one transport's operations in order
    page.get_by_role("link", name="TIR operations").click()
    transport = page.locator(f'#transport-rows tr[data-id="{f.transports["operator_a"]}"]')
    expect(transport).to_contain_text("CNKSS-TIR → KGFRU-TIR")
    expect(page.locator("#transport-rows tr[data-id]")).to_have_count(1)
    shot(page, screenshot_dirs, "freight-tir")
    transport.locator("a.cell-title").click()
    operations = page.get_by_test_id("operations").locator("li.foperation")
    expect(operations).to_have_count(2)
    expect(operations.nth(0)).to_have_attribute("data-state", "started")
    expect(operations.nth(1)).to_have_attribute("data-state", "planned")
    shot(page, screenshot_dirs, "freight-tir-transport")

    # at phone width the overview still fits: no page-wide horizontal scrolling
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/freight")
    expect(rows).to_have_count(5)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    pill = page.locator(f'tr[data-id="{f.consignments["overdue"]}"] .fclock').bounding_box()
    assert pill is not None and pill["x"] >= 0 and pill["x"] + pill["width"] <= 390  # the clock in view, as a card
    expect(page.locator("#consignment-table thead")).to_be_hidden()
    shot(page, screenshot_dirs, "freight-overview-phone")
    for path in (f"/freight/consignments/{f.consignments['late']}", "/freight/corridors?month=2025-08"):
        page.goto(f"{base}{path}")
        expect(page.locator("main h1")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, path
    expect(page.get_by_test_id("compliance-chart").locator("rect.fchart-bar")).to_have_count(2)
    shot(page, screenshot_dirs, "freight-corridors-phone")
    assert not [e for e in errors if "Content Security Policy" in e], errors
