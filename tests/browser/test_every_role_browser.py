"""Every role, in real Chromium: sign in, find the role's own menu, open every page in it (rendered, with a
heading, no console or CSP error), at desktop and at phone width (no page wider than the phone); a screenshot
of each page for humans."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from silkport.bootstrap import Platform
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import handlers
from silkport.entrypoints.web.pages import navigation
from silkport.shared.actor import ENTERPRISE_BOUND, SYSTEM, Actor, Role
from tests.browser.conftest import CHROMIUM_ARGS, LiveServer
from tests.conftest import PASSWORD, add_user, make_details

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
#: the outermost elements that stick out past the right edge (what to fix when a page is too wide)
WIDE_ELEMENTS = """() => {
  // the widest element that is not inside a scrolling box: what makes the page wider than the screen
  const clipped = e => { for (let p = e.parentElement; p; p = p.parentElement) {
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(e))
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
      + ' (right ' + Math.round(e.getBoundingClientRect().right) + ')')
    .slice(0, 6);
}"""


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _people(platform: Platform) -> dict[Role, Actor]:
    enterprise = handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(301, "HORGOS"))
    )
    people = {}
    for role in Role:
        bound = enterprise.id if role in ENTERPRISE_BOUND else None
        office = "HRS-ROAD" if role is Role.CUSTOMS_OFFICER else None
        user = add_user(platform, f"every-{role.value}", role, enterprise_id=bound, office_code=office)
        people[role] = user.as_actor()
    return people


def _open(page: Page, url: str, errors: list[str], what: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, f"{what}: {response.status if response else 'no response'}"
    expect(page.locator("main h1").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert not errors, f"{what}: console errors {errors}"


def test_every_role_signs_in_and_opens_every_page_of_its_menu(
    live_server: LiveServer, browser: Browser, screenshot_dirs: list[Path]
) -> None:
    base = live_server.url
    for role, actor in _people(live_server.platform).items():
        expected = navigation(actor)
        for width, viewport in (("desktop", {"width": 1360, "height": 900}), ("phone", PHONE)):
            context = browser.new_context(viewport=viewport, locale="en-GB")  # type: ignore[arg-type]
            page = context.new_page()
            page.set_default_timeout(15_000)
            errors: list[str] = []
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            try:
                page.goto(f"{base}/login")
                page.fill("#username", actor.username)
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                expect(page.get_by_test_id("user")).to_be_visible()
                if width == "desktop":
                    labels = page.locator("nav.sidenav a").all_inner_texts()
                    assert [t.strip() for t in labels] == [item.label for item in expected], role
                for item in expected:
                    what = f"{role.value} {width} {item.href}"
                    _open(page, base + item.href, errors, what)
                    if width == "phone":
                        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                        culprits = page.evaluate(WIDE_ELEMENTS) if overflow > 1 else []
                        assert overflow <= 1, f"{what}: the page is {overflow}px wider than the phone: {culprits}"
                    for directory in screenshot_dirs:
                        name = f"role-{role.value}-{item.key}-{width}.png"
                        page.screenshot(path=str(directory / name), full_page=width == "desktop")
            finally:
                context.close()
