"""Real Chromium: switching the language changes the page, by mouse and by keyboard, and follows the user."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from silkport.shared.actor import Role
from tests.browser.conftest import CHROMIUM_ARGS, LiveServer, shot
from tests.conftest import PASSWORD, add_user

pytestmark = pytest.mark.browser


def test_switching_language_changes_the_page_and_follows_the_user(
    live_server: LiveServer, chromium_path: str, screenshot_dirs: list[Path]
) -> None:
    platform = live_server.platform
    add_user(platform, "marat", Role.ADMIN, display_name="Marat Seitkali")
    base = live_server.url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-GB")
            page = context.new_page()
            page.set_default_timeout(10_000)

            # signed out, the sign-in page offers the languages too (it sets only the cookie)
            page.goto(f"{base}/login")
            expect(page.locator("html")).to_have_attribute("lang", "en")
            expect(page.locator("h1")).to_have_text("Sign in")
            page.get_by_role("button", name="Русский").click()
            expect(page.locator("html")).to_have_attribute("lang", "ru")
            expect(page.locator("h1")).to_have_text("Вход")
            shot(page, screenshot_dirs, "language-signin-ru")
            page.get_by_role("button", name="English").click()
            expect(page.locator("h1")).to_have_text("Sign in")

            page.fill("#username", "marat")
            page.fill("#password", PASSWORD)
            page.click("form.stack button[type=submit]")
            expect(page).to_have_url(f"{base}/")
            expect(page.locator("main h1")).to_have_text("Dashboard")
            expect(page.locator("nav.sidenav")).to_contain_text("Zone dashboard")

            # to Chinese with the mouse: the navigation, the heading, the role and <html lang> change
            page.get_by_role("button", name="中文").click()
            expect(page).to_have_url(f"{base}/")
            expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
            expect(page.locator("main h1")).to_have_text("首页")
            expect(page.locator("nav.sidenav")).to_contain_text("园区看板")
            expect(page.locator("nav.sidenav")).to_contain_text("园区与口岸")
            expect(page.get_by_test_id("user")).to_contain_text("管理员")
            expect(page.get_by_role("button", name="中文")).to_have_attribute("aria-pressed", "true")
            expect(page.locator("time.clock")).to_contain_text("2025/9/1")
            shot(page, screenshot_dirs, "language-dashboard-zh")

            # the zone page in Chinese: area names and the port state translated, numbers as written in China
            page.click("nav.sidenav >> text=园区与口岸")
            expect(page.locator("main h1")).to_have_text("园区与口岸")
            expect(page.locator("main")).to_contain_text("霍尔果斯片区")
            shot(page, screenshot_dirs, "language-zone-zh")

            # to Russian with the keyboard only: Tab to the button, Enter; the same page comes back in Russian
            russian = page.get_by_role("button", name="Русский")
            russian.focus()
            expect(russian).to_be_focused()
            page.keyboard.press("Enter")
            expect(page.locator("html")).to_have_attribute("lang", "ru")
            expect(page.locator("main h1")).to_have_text("Зона и пункты пропуска")
            expect(page.locator("main")).to_contain_text("179,66")  # the decimal comma
            expect(page.locator("nav.sidenav")).to_contain_text("Показатели зоны")
            shot(page, screenshot_dirs, "language-zone-ru")
            context.close()

            # another browser, no cookie, an English Accept-Language: the user's stored choice still wins
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.goto(f"{base}/login")
            expect(page.locator("html")).to_have_attribute("lang", "en")
            page.fill("#username", "marat")
            page.fill("#password", PASSWORD)
            page.click("form.stack button[type=submit]")
            expect(page.locator("html")).to_have_attribute("lang", "ru")
            expect(page.locator("main h1")).to_have_text("Главная")
            shot(page, screenshot_dirs, "language-dashboard-ru-phone")
            context.close()
        finally:
            browser.close()
