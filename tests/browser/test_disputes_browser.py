"""Real Chromium against the real server: a legal officer opens a case through the intake form, lands on the
case page and moves it along its workflow."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from silkport.shared.actor import Role
from tests.browser.conftest import LiveServer
from tests.conftest import PASSWORD, add_user

pytestmark = pytest.mark.browser


def test_intake_to_case_page(live_server: LiveServer, page: Page) -> None:
    platform = live_server.platform
    add_user(platform, "aigul", Role.LEGAL_OFFICER)
    base = live_server.url
    page.goto(f"{base}/login")
    page.fill("#username", "aigul")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("user")).to_be_visible()
    page.get_by_role("link", name="Disputes").click()
    expect(page.get_by_role("heading", name="Legal service desk")).to_be_visible()
    page.get_by_role("link", name="Open a case").click()
    page.select_option("#f-type", "arbitration")
    page.fill("#f-subject", "Unpaid freight for 3 trains")
    page.fill("#f-claimant_name", "Horgos Rail Logistics")
    page.fill("#f-claimant_country", "CN")
    page.fill("#f-respondent_name", "Tashkent Cargo LLC")
    page.fill("#f-respondent_country", "UZ")
    page.fill("#f-respondent_tz", "Asia/Tashkent")
    page.fill("#f-amount", "88000")
    page.fill("#f-currency", "USD")
    page.click("#intake-form button[type=submit]")
    expect(page.get_by_test_id("status")).to_have_text("Intake")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Arbitration")
    expect(page.locator("body")).to_contain_text("Tashkent Cargo LLC")
    page.select_option("#f-to", "notified")
    page.get_by_role("button", name="Move").click()
    expect(page.get_by_test_id("status")).to_have_text("Notified")
    expect(page.locator("body")).to_contain_text("Answer due after notice")


def test_litigation_support_from_intake_to_closure(live_server: LiveServer, page: Page) -> None:
    platform = live_server.platform
    add_user(platform, "marat", Role.LEGAL_OFFICER)
    base = live_server.url
    page.goto(f"{base}/login")
    page.fill("#username", "marat")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("user")).to_be_visible()
    page.goto(f"{base}/disputes/new")
    page.select_option("#f-type", "litigation_support")
    page.fill("#f-subject", "Damaged cargo claim before the Almaty court")
    page.fill("#f-claimant_name", "Kashgar Trading Co.")
    page.fill("#f-claimant_country", "CN")
    page.fill("#f-respondent_name", "Almaty Forwarding LLP")
    page.fill("#f-respondent_country", "KZ")
    page.fill("#f-respondent_tz", "Asia/Almaty")
    page.click("#intake-form button[type=submit]")
    expect(page.get_by_test_id("status")).to_have_text("Intake")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Litigation support")
    for target, shown in (("notified", "Notified"), ("answered", "Answered"), ("hearings", "Hearings")):
        page.select_option("#f-to", target)
        page.get_by_role("button", name="Move").click()
        expect(page.get_by_test_id("status")).to_have_text(shown)
    page.select_option("#f-kind", "judgment")
    page.locator("form[action$='/outcome'] button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_have_text("Decided")
    expect(page.get_by_test_id("outcome")).to_contain_text("Judgment")
    page.select_option("#f-to", "closed")
    page.get_by_role("button", name="Move").click()
    expect(page.get_by_test_id("status")).to_have_text("Closed")
