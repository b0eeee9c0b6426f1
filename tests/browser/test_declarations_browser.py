"""Real Chromium against the real server: a trader files through the form and sees the lane; an officer approves
a yellow declaration from the workbench."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from silkport.clearance.adapters.rulebook_file import default_rulebook
from silkport.clearance.schemas import DeclarationIn
from silkport.clearance.services.handlers import file_declaration, publish_rulebook
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import handlers
from silkport.shared.actor import SYSTEM, Actor, Role
from tests.browser.conftest import LiveServer, shot, sign_in
from tests.conftest import add_user, make_details
from tests.factories import sanctioned, vehicles

pytestmark = pytest.mark.browser


def fill_item(page: Page, index: int, hs_code: str, description: str, value: str, origin: str = "CN") -> None:
    row = f"#item-{index}"
    page.fill(f"{row} [name='items[{index}].hs_code']", hs_code)
    page.fill(f"{row} [name='items[{index}].description']", description)
    page.fill(f"{row} [name='items[{index}].origin_country']", origin)
    page.fill(f"{row} [name='items[{index}].quantity']", "4")
    page.fill(f"{row} [name='items[{index}].unit']", "H87")
    page.fill(f"{row} [name='items[{index}].gross_mass_kg']", "6400")
    page.fill(f"{row} [name='items[{index}].net_mass_kg']", "6000")
    page.fill(f"{row} [name='items[{index}].value']", value)


def test_a_trader_files_a_declaration_and_an_officer_approves_it(
    live_server: LiveServer, page: Page, screenshot_dirs: list[Path]
) -> None:
    platform = live_server.platform
    rulebook = replace(default_rulebook(), version="browser-no-random", random_rate=Decimal(0))
    publish_rulebook(platform.clearance_uow(), Actor("sup", "supervisor", Role.CUSTOMS_SUPERVISOR), rulebook)
    enterprise = handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(201, "HORGOS"))
    )
    for username, role, enterprise_id, office, name in (
        ("dilnur", Role.TRADER, enterprise.id, None, "Dilnur Ablimit"),
        ("erkin", Role.CUSTOMS_OFFICER, None, "HRS-ROAD", "Erkin Yusup"),
        ("gulnar", Role.CUSTOMS_SUPERVISOR, None, None, "Gulnar Osman"),
    ):
        add_user(platform, username, role, enterprise_id=enterprise_id, office_code=office, display_name=name)
    base = live_server.url

    # the trader files passenger cars from Kazakhstan (on the valuation watch list: yellow)
    sign_in(page, base, "dilnur")
    page.click("nav.sidenav >> text=Declarations")
    expect(page).to_have_url(f"{base}/declarations")
    page.click("text=File a declaration")
    page.select_option("#office", "HRS-ROAD")
    page.fill("#lrn", "HRS-CARS-0042")
    page.fill("#consignor-name", "Almaty Motors LLP")
    page.fill("#consignor-country", "KZ")
    page.fill("#consignee-name", "Horgos Silk Road Trading Co., Ltd.")
    page.fill("#transport_id", "KZ 123 ABC 02")
    page.fill("#dispatch_country", "KZ")
    page.fill("#origin_country", "DE")
    page.fill("#loading_locode", "KZALA")
    page.fill("#unloading_locode", "CNHRS")
    page.fill("#invoice_reference", "INV-2025-0901")
    page.fill("#invoice_amount", "100000.00")
    page.fill("#exchange_rate", "7.1000")
    # a wrong HS code is named next to its field while the trader types
    fill_item(page, 0, "870399", "Passenger cars, 1.5-2.0 l petrol engine", "60000.00", origin="DE")
    page.fill("[name='items[0].hs_code']", "870395")
    page.locator("[name='items[0].hs_code']").blur()
    expect(page.locator("#err-items-0--hs_code")).to_contain_text("does not exist in HS 2022")
    page.fill("[name='items[0].hs_code']", "87032340")
    page.locator("[name='items[0].description']").focus()
    expect(page.locator("#err-items-0--hs_code")).to_be_empty()
    # a second goods item through "add item"
    page.click("#add-item")
    expect(page.locator("#item-1")).to_be_visible()
    fill_item(page, 1, "87032340", "Passenger cars, 2.0 l petrol engine", "40000.00", origin="DE")
    page.locator("[name='items[1].value']").blur()
    expect(page.locator("#err-invoice_amount")).to_be_empty()
    page.click("#file-submit")

    expect(page).to_have_url(re.compile(r"/declarations/[0-9a-f]{32}\?done=filed$"))
    expect(page.get_by_test_id("flash")).to_have_text("Declaration filed.")
    expect(page.locator(".head-badges").get_by_test_id("lane")).to_have_text("Yellow")
    expect(page.get_by_test_id("timeline")).to_contain_text("Risk assessment")
    detail_url = page.url.split("?")[0]
    shot(page, screenshot_dirs, "declaration-trader-yellow")

    # more work arrives at the office while time passes
    trader = Actor("t", "dilnur", Role.TRADER, enterprise_id=enterprise.id)
    config = platform.clearance_config()
    for body in (sanctioned(lrn="HRS-KP-0007"), vehicles(lrn="HRS-CARS-0043")):
        platform.clock.advance(timedelta(minutes=25))  # type: ignore[attr-defined]
        content = DeclarationIn.model_validate(body).to_content(enterprise.id)
        file_declaration(platform.clearance_uow(), trader, config, content)
    platform.clock.advance(timedelta(minutes=20))  # type: ignore[attr-defined]

    # the officer finds it on the workbench, claims it and approves it
    sign_in(page, base, "erkin")
    page.click("nav.sidenav >> text=Workbench")
    row = page.locator("[data-testid=queue] tr", has_text="HRS-CARS-0042")
    expect(row).to_be_visible()
    row.locator("button", has_text="Claim").click()
    expect(page.get_by_test_id("flash")).to_have_text("You claimed this declaration.")
    expect(page.get_by_test_id("lane-reasons")).to_contain_text("watch-vehicles")
    shot(page, screenshot_dirs, "declaration-officer-document-check")
    page.fill("#dc-reason", "invoice, CMR and certificate of conformity match")
    page.click("text=Record decision")
    expect(page.get_by_test_id("flash")).to_have_text("Document check decided.")
    expect(page.locator(".head-badges").get_by_test_id("status")).to_have_text("Cleared")
    expect(page.get_by_test_id("history")).to_contain_text("invoice, CMR and certificate of conformity match")
    assert page.url.startswith(detail_url)

    # the supervisor's workbench: the queue is empty again, the workload shows what waits
    sign_in(page, base, "gulnar")
    page.goto(f"{base}/workbench")
    expect(page.get_by_test_id("workload")).to_be_visible()
    shot(page, screenshot_dirs, "workbench-supervisor")
    sign_in(page, base, "erkin")
    page.goto(f"{base}/workbench")
    shot(page, screenshot_dirs, "workbench-officer")
