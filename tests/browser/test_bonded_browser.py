"""Real Chromium against the real server: a warehouse keeper sees the stock and takes a stocktake (customs then
writes the shortage off); an airline records a fuel uplift through the form and finds it listed; the overview
fits a phone's width."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from silkport.bonded.domain.model import Category, MovementKind
from silkport.bonded.services import handlers as bonded
from silkport.bootstrap import Platform
from silkport.clearance.adapters.rulebook_file import default_rulebook
from silkport.clearance.schemas import content_from_json
from silkport.clearance.services import handlers as clearance
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.domain.model import Enterprise
from silkport.enterprises.services import handlers
from silkport.shared.actor import SYSTEM, Actor, Role
from tests.browser.conftest import LiveServer, shot, sign_in
from tests.conftest import add_user, make_details
from tests.factories import declaration, item

pytestmark = pytest.mark.browser


def entry(platform: Platform, enterprise: str, hs: str, quantity: str, unit: str, **kind: str) -> str:
    """A declaration of the enterprise (a bonded entry unless ``kind`` says otherwise, e.g. a bonded exit for
    re-export), filed with clearance and cleared (green lane)."""
    goods = item(hs_code=hs, origin_country="KZ", quantity=quantity, unit=unit, net_mass_kg=quantity,
                 gross_mass_kg=quantity)  # fmt: skip
    body = {**declaration(items=[goods], **(kind or {"type": "bonded_entry"})), "declarant": enterprise}
    trader = Actor(f"t-{enterprise[:6]}", "trader", Role.TRADER, enterprise_id=enterprise)
    outcome = clearance.file_declaration(
        platform.clearance_uow(), trader, platform.clearance_config(), content_from_json(body)
    )
    assert outcome.declaration.status.value == "cleared"
    return outcome.declaration.id


def admit(platform: Platform, actor: Actor, site: str, hs: str, what: str, quantity: str, unit: str,
          value: str, kind: MovementKind = MovementKind.ADMISSION) -> str:  # fmt: skip
    assert actor.enterprise_id is not None
    _movement, lot = bonded.admit(
        platform.bonded_uow, actor, platform.bonded_config(),
        bonded.Admission(
            site=site, declaration_ref=entry(platform, actor.enterprise_id, hs, quantity, unit), hs_code=hs,
            description=what, origin="KZ", unit=unit, quantity=quantity, value=value, currency="USD",
            category=Category.FUEL if kind is MovementKind.FUEL_RECEIPT else Category.GOODS, kind=kind,
        ),
    )  # fmt: skip
    return lot.id


def warehouse_without_random_checks(platform: Platform, rulebook_version: str, serial: int) -> Enterprise:
    """A warehouse enterprise in Horgos, with a rulebook that samples nothing, so its declarations clear green."""
    rulebook = replace(default_rulebook(), version=rulebook_version, random_rate=Decimal(0))
    clearance.publish_rulebook(platform.clearance_uow(), Actor("sup", "supervisor", Role.CUSTOMS_SUPERVISOR), rulebook)
    return handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(serial, "HORGOS"))
    )


def test_a_keeper_counts_stock_and_an_airline_records_an_uplift(
    live_server: LiveServer, page: Page, screenshot_dirs: list[Path]
) -> None:
    platform = live_server.platform
    warehouse = warehouse_without_random_checks(platform, "browser-bonded-no-random", 301)
    carrier = handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(302, "URUMQI"))
    )
    for username, role, enterprise_id, name in (
        ("gulnara", Role.WAREHOUSE_KEEPER, warehouse.id, "Gulnara Tursun"),
        ("azamat", Role.AIRLINE, carrier.id, "Azamat Airways ops"),
        ("li.officer", Role.CUSTOMS_OFFICER, None, "Li Ming"),
    ):
        office = "HRS-ROAD" if enterprise_id is None else None
        add_user(platform, username, role, enterprise_id=enterprise_id, office_code=office, display_name=name)
    keeper = Actor("k", "gulnara", Role.WAREHOUSE_KEEPER, enterprise_id=warehouse.id)
    airline = Actor("a", "azamat", Role.AIRLINE, enterprise_id=carrier.id)
    shirts = admit(platform, keeper, "HRS-ROAD", "610910", "Cotton T-shirts", "1000", "H87", "5000.00")
    laptops = admit(platform, keeper, "HRS-ROAD", "847130", "Portable computers", "200", "H87", "60000.00")
    admit(platform, airline, "URC-AIR/T1", "27101911", "Jet A-1", "30000", "LTR", "18000.00", MovementKind.FUEL_RECEIPT)
    base = live_server.url

    # the keeper sees the stock, with its value and the duty suspended on it
    sign_in(page, base, "gulnara")
    page.get_by_role("link", name="Bonded", exact=True).click()
    expect(page.get_by_role("heading", name="Bonded operations")).to_be_visible()
    stock = page.get_by_test_id("stock-lots")
    expect(stock).to_contain_text("Cotton T-shirts")
    expect(stock).to_contain_text("Portable computers")
    expect(page.get_by_test_id("lots-held")).to_have_text("2")
    assert Decimal(page.get_by_test_id("duty-suspended").inner_text().split()[0].replace(",", "")) > 0
    shot(page, screenshot_dirs, "bonded-keeper-overview")

    # a stocktake: two T-shirts missing, the computers as the book says
    page.get_by_test_id("sites").get_by_role("link", name="Count").click()
    expect(page.get_by_role("heading", name="Count sheet HRS-ROAD")).to_be_visible()
    page.fill(f"#f-count-{shirts}", "998")
    page.fill(f"#f-count-{laptops}", "200")
    shot(page, screenshot_dirs, "bonded-count-sheet")
    page.get_by_role("button", name="Record the count").click()
    expect(page.get_by_test_id("done")).to_contain_text("Count recorded")
    lines = page.get_by_test_id("count-lines")
    expect(lines.locator(f"tr[data-lot='{shirts}'] [data-testid=difference]")).to_have_text("-2")
    expect(lines.locator(f"tr[data-lot='{laptops}'] [data-testid=difference]")).to_have_text("0")
    expect(lines.locator(f"tr[data-lot='{shirts}']")).to_contain_text("Awaiting customs")
    shot(page, screenshot_dirs, "bonded-stocktake-differences")
    stocktake_url = page.url.split("?")[0]

    # customs writes the shortage off: the ledger follows the count
    sign_in(page, base, "li.officer")
    page.goto(stocktake_url)
    page.locator(f"tr[data-lot='{shirts}']").get_by_role("button", name="Write off with duty").click()
    expect(page.get_by_test_id("done")).to_contain_text("Decision recorded")
    expect(page.locator(f"tr[data-lot='{shirts}']")).to_contain_text("Written off")
    page.goto(f"{base}/bonded/lots/{shirts}")
    expect(page.get_by_test_id("lot-held")).to_have_text("998 H87")
    expect(page.get_by_test_id("lot-movements")).to_contain_text("Stocktake adjustment")

    # the airline records an uplift through the form; a mistake is shown beside its field first
    sign_in(page, base, "azamat")
    page.get_by_role("link", name="Bonded", exact=True).click()
    page.locator(".bonded-tabs").get_by_role("link", name="Fuel").click()
    expect(page.get_by_role("heading", name="Record an uplift")).to_be_visible()
    page.select_option("#f-tank", "URC-AIR/T1")
    page.fill("#f-flight_number", "KC852")
    page.fill("#f-aircraft_registration", "P4-KCA")
    page.fill("#f-next_airport", "Almaty")
    page.fill("#f-litres_15c", "24000")
    page.fill("#f-density_15c", "800")
    page.get_by_role("button", name="Record the uplift").click()
    expect(page.locator("#err-next_airport")).to_contain_text("not a UN/LOCODE")
    expect(page.locator("#f-flight_number")).to_have_value("KC852")
    page.fill("#f-next_airport", "KZALA")
    sent = page.eval_on_selector("#uplift-form", "f => Object.fromEntries(new FormData(f))")
    page.get_by_role("button", name="Record the uplift").click()
    expect(page.get_by_test_id("done")).to_have_text("Uplift recorded.")
    uplifts = page.get_by_test_id("uplifts")
    expect(uplifts).to_contain_text("KC852")
    expect(uplifts).to_contain_text("P4-KCA")
    expect(uplifts).to_contain_text("24,000")
    expect(uplifts).to_contain_text("19,200")  # kg at 800 kg/m3
    expect(uplifts.locator("tbody tr")).to_have_count(1)
    shot(page, screenshot_dirs, "bonded-airline-uplifts")
    # the same form sent again (a double click, a resend) books nothing more
    again = page.request.post(f"{base}/bonded/fuel/uplifts", form=sent, max_redirects=0)
    assert again.status == 303
    page.reload()
    expect(page.get_by_test_id("uplifts").locator("tbody tr")).to_have_count(1)

    # at a phone's width the overview fits: wide tables scroll inside their panel, not the page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/bonded")
    expect(page.get_by_role("heading", name="Bonded operations")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, screenshot_dirs, "bonded-airline-overview-phone")
    for path in (
        "/bonded/ledger",
        "/bonded/reconciliation",
        "/bonded/fuel",
        "/bonded/maintenance",
        "/bonded/stocktakes",
    ):
        page.goto(f"{base}{path}")
        expect(page.locator(".bonded-tabs")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    page.goto(f"{base}/bonded/fuel")
    shot(page, screenshot_dirs, "bonded-airline-fuel-phone")


def test_a_keeper_admits_goods_and_re_exports_part_of_them_from_the_pages(
    live_server: LiveServer, page: Page, screenshot_dirs: list[Path]
) -> None:
    platform = live_server.platform
    warehouse = warehouse_without_random_checks(platform, "browser-bonded-forms-no-random", 311)
    add_user(platform, "gulnara", Role.WAREHOUSE_KEEPER, enterprise_id=warehouse.id, display_name="Gulnara Tursun")
    entry_ref = entry(platform, warehouse.id, "610910", "1000", "H87")
    export_ref = entry(
        platform, warehouse.id, "610910", "600", "H87",
        type="bonded_exit", bonded_exit_kind="re_export", destination_country="KZ",
    )  # fmt: skip
    base = live_server.url

    sign_in(page, base, "gulnara")
    page.goto(f"{base}/bonded")
    page.get_by_test_id("admit-link").click()
    expect(page.get_by_role("heading", name="Admit goods", exact=True)).to_be_visible()
    page.select_option("#f-site", "HRS-ROAD")
    page.fill("#f-declaration_ref", entry_ref)
    page.fill("#f-hs_code", "61091")  # a digit short: named beside its field, nothing booked
    page.fill("#f-description", "Cotton T-shirts")
    page.fill("#f-origin", "KZ")
    page.select_option("#f-unit", "H87")
    page.fill("#f-quantity", "1000")
    page.fill("#f-value", "5000.00")
    page.fill("#f-currency", "USD")
    page.get_by_role("button", name="Admit the goods").click()
    expect(page.locator("#err-hs_code")).to_contain_text("HS code")
    expect(page.locator("#f-description")).to_have_value("Cotton T-shirts")  # what was typed stays
    shot(page, screenshot_dirs, "bonded-admit-form-error")
    page.fill("#f-hs_code", "610910")
    page.get_by_role("button", name="Admit the goods").click()
    expect(page.get_by_test_id("done")).to_be_visible()
    expect(page.get_by_test_id("lot-held")).to_have_text("1,000 H87")
    lot_url = page.url.split("?")[0]

    # part of the lot leaves for re-export under its cleared exit declaration
    page.select_option("#f-w-purpose", "re_export")
    page.fill("#f-w-declaration_ref", export_ref)
    page.fill("#f-w-quantity", "600")
    shot(page, screenshot_dirs, "bonded-lot-withdraw-form")
    page.get_by_role("button", name="Withdraw the goods").click()
    expect(page.get_by_test_id("done")).to_be_visible()
    expect(page.get_by_test_id("lot-held")).to_have_text("400 H87")
    expect(page.get_by_test_id("lot-movements")).to_contain_text(export_ref)
    assert page.url.split("?")[0] == lot_url
    shot(page, screenshot_dirs, "bonded-lot-after-re-export")
