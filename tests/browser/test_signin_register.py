"""Real Chromium against the real server: sign in, register an enterprise with inline validation, find it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import handlers
from silkport.shared.actor import SYSTEM, Role
from tests.browser.conftest import LiveServer, shot
from tests.conftest import PASSWORD, add_user, make_details

pytestmark = pytest.mark.browser

NAME = "Horgos Silk Route Logistics Co., Ltd."
GOOD_USCC = "91654004MA78H3QK04"
WRONG_USCC = "91654004MA78H3QK01"  # the check character should be 4


def test_sign_in_register_an_enterprise_and_find_it(
    live_server: LiveServer, page: Page, screenshot_dirs: list[Path]
) -> None:
    platform = live_server.platform
    add_user(platform, "aygul", Role.ADMIN, display_name="Aygul Tursun")
    for serial, area in ((11, "URUMQI"), (12, "URUMQI"), (13, "HORGOS"), (14, "KASHGAR")):
        handlers.register_enterprise(
            platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(serial, area))
        )
    base = live_server.url

    # signed out: any page sends the visitor to sign in, and back afterwards
    page.goto(f"{base}/enterprises")
    expect(page).to_have_url(f"{base}/login?next=/enterprises")
    page.fill("#username", "aygul")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("Wrong username or password")
    shot(page, screenshot_dirs, "signin-error")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/enterprises")
    expect(page.get_by_test_id("user")).to_contain_text("Aygul Tursun")
    expect(page.get_by_test_id("user")).to_contain_text("Admin")

    page.click("nav.sidenav >> text=Dashboard")
    expect(page.get_by_test_id("total-km2")).to_contain_text("179.66")
    expect(page.get_by_test_id("count-URUMQI")).to_have_text("2")
    shot(page, screenshot_dirs, "dashboard")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the navigation becomes a strip
    expect(page.locator("nav.sidenav a.active")).to_be_visible()
    shot(page, screenshot_dirs, "dashboard-phone")
    page.set_viewport_size({"width": 1360, "height": 900})

    # the registration form, validated field by field as the user leaves it
    page.click("nav.sidenav >> text=Enterprises")
    page.click("text=Register an enterprise")
    expect(page).to_have_url(f"{base}/enterprises/new")
    page.fill("#name_en", NAME)
    page.fill("#name_zh", "霍尔果斯丝路物流有限公司")
    page.select_option("#area", "HORGOS")
    page.check("#sector-logistics")
    page.check("#sector-vehicles")
    page.fill("#uscc", WRONG_USCC)
    page.press("#uscc", "Tab")
    expect(page.locator("#err-uscc")).to_have_text("check character should be 4")
    expect(page.locator("#err-national_id")).to_be_empty()  # not scolded before it was touched
    shot(page, screenshot_dirs, "register-form-inline-error")

    page.fill("#uscc", GOOD_USCC)
    page.press("#uscc", "Tab")
    expect(page.locator("#err-uscc")).to_be_empty()
    page.check("#foreign_invested")
    page.fill("#investor_countries", "KZ, KG")
    page.press("#investor_countries", "Tab")
    expect(page.locator("#err-investor_countries")).to_be_empty()
    page.fill("#registered_capital", "12000000")
    page.select_option("#capital_currency", "CNY")
    page.select_option("#credit_grade", "advanced_certified")
    shot(page, screenshot_dirs, "register-form")
    page.click("text=Register enterprise")

    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/enterprises/[0-9a-f]{{32}}$"))
    expect(page.get_by_test_id("enterprise-name")).to_have_text(NAME)
    expect(page.get_by_test_id("identifier")).to_have_text(GOOD_USCC)
    expect(page.locator("main")).to_contain_text("Kazakhstan")
    shot(page, screenshot_dirs, "enterprise-detail")

    # the live search: typing filters the table without a page load, and the URL follows
    page.click("nav.sidenav >> text=Enterprises")
    expect(page.locator("#enterprise-rows tr[data-id]")).to_have_count(5)
    page.locator("#q").press_sequentially("silk route", delay=30)
    expect(page.locator("#enterprise-rows tr[data-id]")).to_have_count(1)
    expect(page.locator("#enterprise-rows")).to_contain_text(NAME)
    expect(page.locator("#result-count")).to_have_text("1 enterprise")
    expect(page).to_have_url(re.compile(r"/enterprises\?q=silk(\+|%20)route"))
    shot(page, screenshot_dirs, "enterprise-search")
    page.click(f"text={NAME}")
    expect(page.get_by_test_id("enterprise-name")).to_have_text(NAME)

    # signing out ends the session
    page.click("text=Sign out")
    expect(page).to_have_url(f"{base}/login")
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/login")
