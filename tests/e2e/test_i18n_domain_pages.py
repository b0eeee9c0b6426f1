"""The domain's messages on the pages in Chinese and Russian: a trader's field errors from validation, the risk
reasons an officer reads and the redacted ones a trader reads, the status history's system notes -- while the API
keeps answering in English, as before."""

from __future__ import annotations

import html
import re

from silkport.shared.actor import Role
from tests.conftest import Zone, add_user
from tests.e2e.test_clearance_api import no_random
from tests.e2e.test_declaration_pages import file_by_form, form_of
from tests.e2e.test_disputes_api import desk, go, intake
from tests.e2e.test_pages import page_csrf, sign_in
from tests.factories import declaration, item, vehicles

__all__ = ["desk", "no_random"]  # the fixtures, imported so pytest finds them here


def in_language(z: Zone, who: str, locale: str) -> None:
    sign_in(z.client, who)
    z.client.cookies.set("lang", locale)


def bad() -> dict[str, object]:
    return declaration(items=[item(), item(hs_code="847135", net_mass_kg="600")], invoice_amount="120000.00")


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_a_trader_in_chinese_reads_the_field_errors_in_chinese(no_random: Zone) -> None:
    z = no_random
    in_language(z, "trader_a", "zh_Hans")
    token = page_csrf(z.client, "/declarations/new")
    r = z.client.post("/declarations/validate-form", data={**form_of(bad()), "csrf_token": token})
    assert r.status_code == 200
    slot = re.search(r'<p id="err-items-1--hs_code"[^>]*hx-swap-oob="true"[^>]*>(.*?)</p>', r.text)
    assert slot and "HS 2022 中不存在商品编码 847135" in slot.group(1)
    assert "净重 600 千克超过毛重 520 千克" in text_of(r.text)
    assert "does not exist" not in r.text and "exceeds gross mass" not in r.text
    r = z.client.post("/declarations/new", data={**form_of(bad()), "csrf_token": token})
    assert r.status_code == 422
    assert "HS 2022 中不存在商品编码 847135" in r.text and "does not exist" not in r.text
    # nothing was filed, and the API says the same in English, as it always did
    assert z.client.get("/api/v1/declarations", headers=z.headers("trader_a")).json()["items"] == []
    api = z.client.post("/api/v1/declarations", json=bad(), headers=z.headers("trader_a"))
    assert api.status_code == 422
    assert {"field": "items[1].hs_code", "message": "847135 does not exist in HS 2022"} in api.json()["errors"]


def test_a_trader_in_russian_reads_them_in_russian_with_russian_numbers(no_random: Zone) -> None:
    z = no_random
    in_language(z, "trader_a", "ru")
    token = page_csrf(z.client, "/declarations/new")
    body = declaration(items=[item(net_mass_kg="1600", gross_mass_kg="1520.5")], invoice_amount="120000.00")
    r = z.client.post("/declarations/validate-form", data={**form_of(body), "csrf_token": token})
    shown = text_of(r.text)
    assert "масса нетто 1\u00a0600 кг больше массы брутто 1\u00a0520,5 кг" in shown, shown[:2000]
    r = z.client.post("/declarations/new", data={**form_of(bad()), "csrf_token": token})
    assert r.status_code == 422
    assert "Товар 2 · Код ГС : кода 847135 нет в ГС 2022" in " ".join(text_of(r.text).split())


def test_an_officer_in_russian_reads_the_risk_reasons_in_russian(no_random: Zone) -> None:
    z = no_random
    did = file_by_form(z, "trader_a", vehicles(lrn="CARS-RU"))
    in_language(z, "officer", "ru")
    page = text_of(z.client.get(f"/declarations/{did}").text)
    assert "позиция 1: легковой автомобиль (код ГС 87032340): проверьте таможенную стоимость" in page
    assert "новый участник ВЭД: ранее подано деклараций — 0, меньше 3" in page
    assert "Контрольный список ГС" in page and "Новый участник ВЭД" in page  # the rule kinds
    assert "passenger vehicle" not in page and "new trader" not in page
    # the rule ids stay as they are: they are codes
    assert "watch-vehicles" in page and "first-time-trader" in page
    # in English, the reasons as the engine wrote them
    z.client.cookies.set("lang", "en")
    english = text_of(z.client.get(f"/declarations/{did}").text)
    assert "item 1: passenger vehicle (HS 87032340): check valuation and the used-car export licence" in english
    # the API keeps the English text
    api = z.client.get(f"/api/v1/declarations/{did}", headers=z.headers("officer")).json()
    assert any("passenger vehicle" in r["reason"] for r in api["reasons"])


def test_a_trader_in_chinese_reads_the_redacted_reasons_in_chinese(no_random: Zone) -> None:
    z = no_random
    did = file_by_form(z, "trader_a", vehicles(lrn="CARS-ZH"))
    in_language(z, "trader_a", "zh_Hans")
    page = text_of(z.client.get(f"/declarations/{did}").text)
    assert "车辆的申报价格正在核实中。" in page and "新企业的首批报关单检查频率更高。" in page
    assert "being verified" not in page and "watch-vehicles" not in page


def test_the_status_history_notes_of_the_system_are_translated(no_random: Zone) -> None:
    z = no_random
    did = file_by_form(z, "trader_a", declaration(lrn="GREEN-RU"))
    in_language(z, "officer", "ru")
    page = text_of(z.client.get(f"/declarations/{did}").text)
    assert "зелёный коридор: проверка не нужна" in page and "green lane: no check needed" not in page


def test_the_legal_desks_time_limits_are_named_in_the_readers_language(desk: Zone) -> None:
    z = desk
    case = go(z, intake(z), "notified")
    assert any(d["label"] == "Answer due after notice" for d in case["deadlines"])  # the API: English
    for locale, name in (("ru", "Срок ответа после уведомления"), ("zh_Hans", "通知后答辩期限")):
        in_language(z, "legal", locale)
        page = z.client.get(f"/disputes/{case['id']}").text
        assert page.count(name) == 2, (locale, page.count(name))  # the table and the extension form's choice
        assert "Answer due after notice" not in page
    z.client.cookies.set("lang", "en")
    assert "Answer due after notice" in z.client.get(f"/disputes/{case['id']}").text


def test_the_dashboards_claims_and_stages_read_in_the_readers_language(no_random: Zone) -> None:
    z = no_random
    file_by_form(z, "trader_a", declaration(lrn="GREEN-DASH"))
    in_language(z, "analyst", "zh_Hans")
    page = text_of(z.client.get("/dashboard?from=2025-01-01&to=2025-12-31").text)
    assert "乌鲁木齐机场国际货运量，2025年1—8月" in page and "期内登记的企业" in page
    assert "申报至接受" in page  # a clearance stage, with |label
    assert "Urumqi airport international cargo" not in page and "enterprises registered" not in page
    in_language(z, "analyst", "ru")
    page = text_of(z.client.get("/dashboard").text)
    assert "экспорт коммерческих автомобилей через Хоргос" in page and "рейсов: 0" in page
    assert "перевозок МДП: 0; p50 – ч" in page and "None" not in page  # a missing figure is a dash, not None
    assert "3 ч" in page  # the unit of an hour
    # the CSV stays in English: it is data for other programs, like `silkport report`
    csv_text = z.client.get("/dashboard/csv/claims").text
    assert "Urumqi airport international cargo, Jan-Aug 2025" in csv_text and "0 flights" in csv_text


def test_the_registration_forms_domain_errors_read_in_the_readers_language(zone: Zone) -> None:
    from tests.e2e.test_pages import WRONG_CHECK
    from tests.e2e.test_pages import form as enterprise_form

    in_language(zone, "admin", "ru")
    token = page_csrf(zone.client, "/enterprises/new")
    r = zone.client.post("/enterprises/validate?field=uscc", data=enterprise_form(uscc=WRONG_CHECK, csrf_token=token))
    assert "контрольный символ должен быть L" in r.text and "check character" not in r.text
    zone.client.cookies.set("lang", "zh_Hans")
    r = zone.client.post(
        "/enterprises/validate?field=uscc", data=enterprise_form(uscc="9131000077578555", csrf_token=token)
    )
    assert "必须为 18 位，实际为 16 位" in r.text
    # (the API keeps its English text: tests/e2e/test_api_enterprises.py asserts "check character should be L")


def test_the_legal_desks_field_errors_read_in_the_readers_language(desk: Zone) -> None:
    from tests.e2e.test_dispute_pages import form as dispute_form

    in_language(desk, "legal", "ru")
    token = page_csrf(desk.client, "/disputes/new")
    r = desk.client.post("/disputes/new", data={**dispute_form(), "seat": "XX", "csrf_token": token})
    assert r.status_code == 422
    assert "'XX' — не код ISO 3166 alpha-2" in html.unescape(r.text) and "is not an ISO" not in r.text


def test_an_error_page_says_what_was_not_found_in_the_readers_language(zone: Zone) -> None:
    in_language(zone, "admin", "ru")
    r = zone.client.get("/freight/tir/no-such-transport")
    assert r.status_code == 404 and "перевозка МДП no-such-transport не найдена" in r.text
    zone.client.cookies.set("lang", "zh_Hans")
    r = zone.client.get("/freight/consignments/no-such-consignment")
    assert r.status_code == 404 and "未找到货物 no-such-consignment" in r.text
    # the API says it in English, as before
    api = zone.client.get("/api/v1/logistics/consignments/no-such-consignment", headers=zone.headers("admin"))
    assert api.status_code == 404 and api.json()["detail"] == "consignment no-such-consignment not found"


def test_a_reason_is_translated_from_the_values_the_engine_stored_not_from_its_english_text(no_random: Zone) -> None:
    """The goods description is the trader's free text and may look like the rest of the reason's template:
    matching the English text back against the template would give the wrong values; the page uses the values
    the engine filled the reason with, stored with the assessment."""
    z = no_random
    devious = "Vodka) is on the excise watch list (2208) and (more"
    body = declaration(
        lrn="SPIRITS-RU",
        items=[item(hs_code="22086000", description=devious, quantity="100", unit="LTR", value="900.00")],
        invoice_amount="900.00",
    )
    did = file_by_form(z, "trader_a", body)
    api = z.client.get(f"/api/v1/declarations/{did}", headers=z.headers("officer")).json()
    (excise,) = [r for r in api["reasons"] if r["rule"] == "watch-excise"]
    assert excise["values"] == {"item": "1", "hs": "22086000", "prefix": "2208", "description": devious, "count": "1"}
    assert excise["reason"] == f"item 1: HS 22086000 ({devious}) is on the excise watch list (2208)"
    # a trader gets the redacted reasons only: no values
    mine = z.client.get(f"/api/v1/declarations/{did}", headers=z.headers("trader_a")).json()
    assert mine["reasons"] and all(r.get("values") is None for r in mine["reasons"])
    in_language(z, "officer", "ru")
    page = " ".join(text_of(z.client.get(f"/declarations/{did}").text).split())
    assert f"позиция 1: код ГС 22086000 ({devious}) в контрольном списке подакцизных товаров (2208)" in page


def test_a_conflict_of_clearance_reads_in_the_officers_language(no_random: Zone) -> None:
    """A declaration another officer claimed: the page explains it in Russian, the API keeps its English."""
    z = no_random
    add_user(z.platform, "officer_b", Role.CUSTOMS_OFFICER, office_code="HRS-ROAD", display_name="Officer B")
    did = file_by_form(z, "trader_a", vehicles(lrn="CARS-CLAIMED"))
    r = z.client.post(f"/api/v1/declarations/{did}/claim", headers=z.headers("officer"))
    assert r.status_code == 200, r.text
    in_language(z, "officer_b", "ru")
    token = page_csrf(z.client, f"/declarations/{did}")
    r = z.client.post(f"/declarations/{did}/actions/claim", data={"csrf_token": token})
    assert r.status_code == 409
    shown = " ".join(text_of(r.text).split())
    assert "Уже взята другим инспектором (" in shown and "already claimed" not in shown
