"""Real Chromium: the domain's messages in the reader's language -- a trader working in Chinese types a wrong HS
code and reads the field error in Chinese, then files and reads the redacted reasons in Chinese; an officer working
in Russian reads the risk reasons in Russian."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from silkport.clearance.adapters.rulebook_file import default_rulebook
from silkport.clearance.services.handlers import publish_rulebook
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import handlers
from silkport.shared.actor import SYSTEM, Actor, Role
from tests.browser.conftest import LiveServer, shot, sign_in
from tests.browser.test_declarations_browser import fill_item
from tests.conftest import add_user, make_details

pytestmark = pytest.mark.browser


def in_language(page: Page, base: str, locale: str) -> None:
    """The language cookie the switcher sets (the user's stored choice is tested by the language tests)."""
    page.context.add_cookies([{"name": "lang", "value": locale, "url": base}])


def test_a_chinese_trader_reads_field_errors_and_a_russian_officer_reads_risk_reasons_in_their_language(
    live_server: LiveServer, page: Page, screenshot_dirs: list[Path]
) -> None:
    platform = live_server.platform
    rulebook = replace(default_rulebook(), version="browser-no-random-i18n", random_rate=Decimal(0))
    publish_rulebook(platform.clearance_uow(), Actor("sup", "supervisor", Role.CUSTOMS_SUPERVISOR), rulebook)
    enterprise = handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(301, "HORGOS"))
    )
    add_user(platform, "mahire", Role.TRADER, enterprise_id=enterprise.id)
    add_user(platform, "sergei", Role.CUSTOMS_OFFICER, office_code="HRS-ROAD")
    base = live_server.url

    # the trader works in Chinese
    sign_in(page, base, "mahire")
    in_language(page, base, "zh_Hans")
    page.goto(f"{base}/declarations/new")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    page.select_option("#office", "HRS-ROAD")
    page.fill("#lrn", "HRS-CARS-ZH-1")
    page.fill("#consignor-name", "Almaty Motors LLP")
    page.fill("#consignor-country", "KZ")
    page.fill("#consignee-name", "Horgos Silk Road Trading Co., Ltd.")
    page.fill("#transport_id", "KZ 124 ABC 02")
    page.fill("#dispatch_country", "KZ")
    page.fill("#origin_country", "DE")
    page.fill("#loading_locode", "KZALA")
    page.fill("#unloading_locode", "CNHRS")
    page.fill("#invoice_reference", "INV-2025-0902")
    page.fill("#invoice_amount", "60000.00")
    page.fill("#exchange_rate", "7.1000")
    fill_item(page, 0, "870395", "Passenger cars, 1.5-2.0 l petrol engine", "60000.00", origin="DE")
    # leaving the last field filled sends the whole form for live validation; wait for that answer (the first
    # one loads the reference data, which can take longer than an expect's 5 s on a busy machine)
    with page.expect_response(lambda r: "/declarations/validate-form" in r.url):
        page.locator("[name='items[0].value']").blur()
    error = page.locator("#err-items-0--hs_code")
    expect(error).to_have_text(re.compile(r"HS 2022 中不存在商品编码 870395"))
    expect(error).not_to_contain_text("does not exist")
    shot(page, screenshot_dirs, "i18n-field-error-zh")
    # submitted as it is, the form comes back with the error in Chinese, and nothing is filed
    page.click("#file-submit")
    expect(page.locator("#err-items-0--hs_code")).to_contain_text("HS 2022 中不存在商品编码 870395")
    # corrected, the declaration is filed; its redacted reasons are in Chinese
    page.fill("[name='items[0].hs_code']", "87032340")
    page.locator("[name='items[0].description']").focus()
    expect(page.locator("#err-items-0--hs_code")).to_be_empty()
    page.click("#file-submit")
    expect(page).to_have_url(re.compile(r"/declarations/[0-9a-f]{32}\?done=filed$"))
    detail_url = page.url.split("?")[0]
    reasons = page.get_by_test_id("lane-reasons")
    expect(reasons).to_contain_text("车辆的申报价格正在核实中。")
    expect(reasons).to_contain_text("新企业的首批报关单检查频率更高。")
    expect(reasons).not_to_contain_text("being verified")
    shot(page, screenshot_dirs, "i18n-trader-reasons-zh")

    # the officer works in Russian: the rules that fired, their kinds and reasons, in Russian
    sign_in(page, base, "sergei")
    in_language(page, base, "ru")
    page.goto(detail_url)
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    reasons = page.get_by_test_id("lane-reasons")
    expect(reasons).to_contain_text("позиция 1: легковой автомобиль (код ГС 87032340)")
    expect(reasons).to_contain_text("новый участник ВЭД: ранее подано деклараций — 0, меньше 3")
    expect(reasons).to_contain_text("Контрольный список ГС")
    expect(reasons).to_contain_text("watch-vehicles")  # the rule's id is a code: as it is
    expect(reasons).not_to_contain_text("passenger vehicle")
    shot(page, screenshot_dirs, "i18n-officer-reasons-ru")
