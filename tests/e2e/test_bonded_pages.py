"""The bonded pages: the overview per role, the ledger with running balances and CSV, a lot with its movements
and status history, fuel uplifts (the form's field errors, no double booking), maintenance work orders, and
stocktakes from the count sheet to the customs decision; a stranger's objects are 404 pages."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from silkport.enterprises.services import auth
from silkport.shared.actor import SYSTEM, Role
from silkport.shared.clock import FixedClock
from tests.conftest import PASSWORD
from tests.e2e.test_bonded_api import Bonded
from tests.e2e.test_bonded_api import bonded as bonded  # the fixture, used by name
from tests.e2e.test_pages import csrf_of, nav_of, sign_in


def fuel(b: Bonded, who: str, litres: str = "50000", tank: str = "URC-AIR/T1") -> dict[str, Any]:
    """A bonded delivery of jet fuel into ``who``'s enterprise's tank, through the API."""
    body = {
        "tank": tank,
        "delivery_ref": b.declare(who, "entry", "27101911", unit="LTR"),
        "litres_15c": litres,
        "value": "30000.00",
        "currency": "USD",
        "origin": "KZ",
    }
    lot: dict[str, Any] = b.post(who, "/fuel/receipts", body)["lot"]
    return lot


def page(b: Bonded, who: str, path: str, expect: int = 200, **params: Any) -> str:
    sign_in(b.client, who)
    r = b.client.get(path, params=params)
    assert r.status_code == expect, r.text[:2000]
    return r.text


def text_of(html: str) -> str:
    """The visible text, tags dropped and spaces squeezed (for assertions on what a reader sees)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def rows_of(html: str, test_id: str) -> str:
    """The visible text of the body of the table marked ``data-testid=test_id``."""
    return text_of(html.split(f'data-testid="{test_id}"', 1)[1].split("</tbody>", 1)[0])


def uplift_form(**over: str) -> dict[str, str]:
    data = {
        "tank": "URC-AIR/T1",
        "flight_number": "KC852",
        "aircraft_registration": "P4-KCA",
        "next_airport": "KZALA",
        "litres_15c": "24000",
        "density_15c": "800",
    }
    data.update(over)
    return data


def test_the_overview_shows_each_role_its_own_bonded_business(bonded: Bonded) -> None:
    b = bonded
    shirts = b.admit(description="Cotton T-shirts")["lot"]
    tank = fuel(b, "keeper_b")
    html = page(b, "keeper_a", "/bonded")
    assert "Bonded" in nav_of(html)
    seen = text_of(html)
    assert "Cotton T-shirts" in seen and "HRS-ROAD" in seen and "5,000.00 USD" in seen
    assert f"/bonded/lots/{shirts['id']}" in html and tank["id"] not in html
    # 1000 shirts worth USD 5000 at the sample rate: 8% duty plus 13% VAT are suspended while in bond
    duty = re.search(r'data-testid="duty-suspended">([\d,.]+)', html)
    assert duty and Decimal(duty.group(1).replace(",", "")) > 0
    assert 'data-testid="lots-held">1<' in html
    assert "0-90" in rows_of(html, "ageing") and "1,000" in rows_of(html, "ageing")
    airline = page(b, "airline_b", "/bonded")
    assert tank["id"] in airline and shirts["id"] not in airline
    assert airline.index('id="h-fuel"') < airline.index('id="h-sites"')  # an airline sees its fuel first
    assert "URC-AIR/T1" in text_of(airline) and "50,000" in text_of(airline)
    trader = page(b, "trader_a", "/bonded")
    assert shirts["id"] in trader and tank["id"] not in trader
    for staff in ("officer", "admin", "analyst"):
        everything = page(b, staff, "/bonded")
        assert shirts["id"] in everything and tank["id"] in everything
    # the legal desk keeps no bonded ledgers
    auth.create_user(
        b.zone.platform.enterprises_uow(), SYSTEM, b.zone.platform.hasher, username="legal", password=PASSWORD,
        role=Role.LEGAL_OFFICER,
    )  # fmt: skip
    page(b, "legal", "/bonded", expect=403)
    b.client.cookies.clear()
    assert b.client.get("/bonded", follow_redirects=False).status_code == 303


def test_the_ledger_lists_movements_in_order_with_running_balances_and_csv(bonded: Bonded, clock: FixedClock) -> None:
    b = bonded
    lot = b.admit(quantity="1000")["lot"]
    b.advance(clock, timedelta(minutes=20))
    b.post("keeper_a", "/transfers", {"from_site": "HRS-ROAD", "to_site": "KSS-TIR", "quantity": "300"})
    b.advance(clock, timedelta(minutes=20))
    rx = b.declare("keeper_a", "re_export")
    b.post(
        "keeper_a",
        "/withdrawals",
        {"site": "HRS-ROAD", "purpose": "re_export", "declaration_ref": rx,
         "lots": [{"lot": lot["id"], "quantity": "200"}]},
    )  # fmt: skip
    a = b.zone.enterprise_a
    html = page(b, "keeper_a", "/bonded/ledger")
    sections = html.split('data-testid="ledger-section"')[1:]
    hrs = next(s for s in sections if "Stock at HRS-ROAD" in s)
    assert re.findall(r'data-testid="balance">([^<]+)<', hrs) == ["1,000", "700", "500"]
    assert re.search(r'data-testid="opening">0<', hrs) and re.search(r'data-testid="closing"><strong>500<', hrs)
    kss = next(s for s in sections if "Stock at KSS-TIR" in s)
    assert re.findall(r'data-testid="balance">([^<]+)<', kss) == ["300"]
    assert "Re-export" in text_of(hrs) and rx in hrs
    # one account, and a period before anything happened
    one = page(b, "keeper_a", "/bonded/ledger", account=f"re_export:{a}")
    assert one.count('data-testid="ledger-section"') == 1 and "Re-exported" in one
    empty = page(b, "keeper_a", "/bonded/ledger", **{"from": "2025-08-01", "to": "2025-08-31"})
    assert "No balance and no movement in this period" in empty
    # the next month opens with the closing balances
    later = page(b, "keeper_a", "/bonded/ledger", **{"from": "2025-10-01", "to": "2025-10-31"})
    hrs_later = next(s for s in later.split('data-testid="ledger-section"')[1:] if "HRS-ROAD" in s)
    assert re.search(r'data-testid="opening">500<', hrs_later)
    # CSV downloads come from the reports API, with the browser session
    csv_link = re.search(r'href="([^"]+)" data-testid="movements-csv"', html)
    assert csv_link
    r = b.client.get(csv_link.group(1).replace("&amp;", "&"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert len(r.text.strip().splitlines()) == 4  # header + admission, transfer, withdrawal
    statement = re.search(r'href="(/api/v1/bonded/reports/statement[^"]+HRS-ROAD[^"]*)"', html)
    assert statement and b.client.get(statement.group(1).replace("&amp;", "&")).status_code == 200
    # bad input is a 4xx page naming the field, another enterprise's account is not found
    assert "from" in page(b, "keeper_a", "/bonded/ledger", expect=422, **{"from": "2025-13-01"})
    page(b, "keeper_b", "/bonded/ledger", expect=404, account=f"stock:{a}:HRS-ROAD")
    assert "No balance" in page(b, "keeper_b", "/bonded/ledger")
    # weeks later, with nothing booked since, the ledger opens on the month of the latest movement
    b.advance(clock, timedelta(days=45))
    quiet = page(b, "keeper_a", "/bonded/ledger")
    assert 'name="from" type="date" value="2025-09-01"' in quiet and 'value="2025-09-30"' in quiet
    assert re.findall(r'data-testid="balance">([^<]+)<', quiet.split("Stock at HRS-ROAD", 1)[1])[:3] == [
        "1,000",
        "700",
        "500",
    ]


def test_a_lot_page_shows_its_movements_and_status_history_and_is_not_found_by_strangers(bonded: Bonded) -> None:
    b = bonded
    lot = b.admit(quantity="100")["lot"]
    b.post("keeper_a", "/transfers", {"from_site": "HRS-ROAD", "to_site": "KSS-TIR", "quantity": "40"})
    b.post(
        "keeper_a", f"/lots/{lot['id']}/release", {"declaration_ref": b.declare("keeper_a", "consumption")}, expect=200
    )
    html = page(b, "keeper_a", f"/bonded/lots/{lot['id']}")
    seen = text_of(html)
    assert "Admission" in seen and "Transfer" in seen
    assert re.search(r'data-testid="lot-held">100 H87', html)
    assert 'data-testid="lot-status"><span class="bstatus bstatus-duty_paid">' in html
    history = html.split('data-testid="status-history"')[1].split("</ol>")[0]
    assert "admitted as" in history and "released for home consumption" in history
    assert text_of(history).count("Duty paid") == 1 and "Bonded" in text_of(history)
    assert page(b, "officer", f"/bonded/lots/{lot['id']}")
    for stranger in ("keeper_b", "trader_b", "airline_b"):
        assert "Page not found" in page(b, stranger, f"/bonded/lots/{lot['id']}", expect=404)
    page(b, "keeper_a", "/bonded/lots/no-such-lot", expect=404)


def test_the_uplift_form_shows_field_errors_and_never_records_twice(bonded: Bonded, clock: FixedClock) -> None:
    b = bonded
    fuel(b, "keeper_b", "30000")
    airline = b.zone.enterprise_b
    html = page(b, "airline_b", "/bonded/fuel")
    assert 'id="uplift-form"' in html and "URC-AIR/T1 — 30,000 l" in html
    key = re.search(r'name="key" value="([0-9a-f]{32})"', html)
    assert key
    token = csrf_of(html)
    # a bad form: each field named, nothing recorded
    bad = b.client.post(
        "/bonded/fuel/uplifts",
        data={**uplift_form(flight_number="??", next_airport="Peking", density_15c="500", litres_15c="1.2345"),
              "key": key.group(1), "csrf_token": token},
    )  # fmt: skip
    assert bad.status_code == 422
    for name in ("flight_number", "next_airport", "density_15c"):
        assert f'href="#field-{name}"' in bad.text
    assert 'value="Peking"' in bad.text  # what was typed stays in the form
    empty = b.client.post("/bonded/fuel/uplifts", data={"key": key.group(1), "csrf_token": token, "tank": ""})
    assert empty.status_code == 422 and 'href="#field-litres_15c"' in empty.text
    assert b.get("airline_b", f"/fuel/declarations/{airline}/2025-09")["uplifts"] == []
    # more than the tank holds: a clear conflict, nothing recorded
    too_much = b.client.post(
        "/bonded/fuel/uplifts", data={**uplift_form(litres_15c="40000"), "key": key.group(1), "csrf_token": token}
    )
    assert too_much.status_code == 409 and "only 30000.000 available" in too_much.text
    # the right form books the uplift; the same form sent again books nothing more
    good = {**uplift_form(), "key": key.group(1), "csrf_token": token}
    first = b.client.post("/bonded/fuel/uplifts", data=good, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/bonded/fuel?month=2025-09&done=uplift")
    again = b.client.post("/bonded/fuel/uplifts", data=good, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
    month = b.get("airline_b", f"/fuel/declarations/{airline}/2025-09")
    assert len(month["uplifts"]) == 1 and month["international_litres"] == "24000.000"
    listed = b.client.get(first.headers["location"]).text
    row = listed.split('data-testid="uplifts"')[1].split("</tbody>")[0]
    cells = text_of(row)
    assert "KC852" in cells and "P4-KCA" in cells and "KZALA" in cells and "24,000" in cells
    assert "19,200" in cells  # 24000 l at 800 kg/m3
    assert "international" in cells and 'data-testid="done"' in listed
    suspended = re.findall(r'class="num">([\d,]+\.\d\d)</td>', row)
    assert suspended and Decimal(suspended[0].replace(",", "")) > 0  # duty suspended on an international uplift
    # a new form draws a new key: a second uplift is a second booking
    second = page(b, "airline_b", "/bonded/fuel")
    key2 = re.search(r'name="key" value="([0-9a-f]{32})"', second)
    assert key2 and key2.group(1) != key.group(1)
    domestic = {**uplift_form(flight_number="CZ6901", aircraft_registration="B-30EA", next_airport="CNPEK",
                              litres_15c="2000"), "key": key2.group(1), "csrf_token": csrf_of(second)}  # fmt: skip
    assert b.client.post("/bonded/fuel/uplifts", data=domestic, follow_redirects=False).status_code == 303
    month = b.get("airline_b", f"/fuel/declarations/{airline}/2025-09")
    assert len(month["uplifts"]) == 2 and Decimal(month["duty_total"]) > 0
    # without the CSRF token nothing happens; a trader neither sees the form nor may post it
    assert b.client.post("/bonded/fuel/uplifts", data=uplift_form()).status_code == 403
    trader = page(b, "trader_b", "/bonded/fuel")
    assert 'id="uplift-form"' not in trader and "KC852" in rows_of(trader, "uplifts")
    assert (
        b.client.post("/bonded/fuel/uplifts", data={**uplift_form(), "csrf_token": csrf_of(trader)}).status_code == 403
    )
    assert "KC852" not in rows_of(page(b, "keeper_a", "/bonded/fuel"), "uplifts")  # another enterprise's uplifts
    assert "KC852" in rows_of(page(b, "officer", "/bonded/fuel", month="2025-09"), "uplifts")
    assert "No uplift in this month" in page(b, "officer", "/bonded/fuel", month="2025-08")
    page(b, "officer", "/bonded/fuel", expect=422, month="2025-9x")
    # in a later month without uplifts, the page opens on the latest month that has some
    b.advance(clock, timedelta(days=40))
    assert "KC852" in rows_of(page(b, "airline_b", "/bonded/fuel"), "uplifts")
    assert "Uplifts in 2025-09" in page(b, "airline_b", "/bonded")


def test_maintenance_pages_list_work_orders_and_the_parts_installed_and_removed(bonded: Bonded) -> None:
    b = bonded
    parts = b.admit(hs_code="880730", description="Brake discs", category="repair_material", quantity="10")["lot"]
    wo = b.post("keeper_a", "/work-orders", {"aircraft_registration": "UP-A3001", "description": "C-check"})
    draw = {"site": "HRS-ROAD", "lots": [{"lot": parts["id"], "quantity": "4"}]}
    b.post("keeper_a", f"/work-orders/{wo['id']}/draw", draw)
    b.post(
        "keeper_a",
        f"/work-orders/{wo['id']}/fit",
        {"lots": [{"lot": parts["id"], "quantity": "3"}],
         "declaration_ref": b.declare("keeper_a", "re_export", "880730")},
    )  # fmt: skip
    b.post(
        "keeper_a",
        f"/work-orders/{wo['id']}/removals",
        {"site": "HRS-ROAD", "description": "worn brake unit", "hs_code": "880730", "quantity": "1", "unit": "H87",
         "value": "0", "currency": "USD", "origin": "US"},
    )  # fmt: skip
    listing = page(b, "keeper_a", "/bonded/maintenance")
    assert "UP-A3001" in listing and f"/bonded/work-orders/{wo['id']}" in listing and "C-check" in listing
    assert "UP-A3001" not in page(b, "keeper_a", "/bonded/maintenance", status="closed")
    html = page(b, "keeper_a", f"/bonded/work-orders/{wo['id']}")
    rows = text_of(html.split('data-testid="wo-parts"')[1].split("</tbody>")[0])
    assert "Drawn from bonded stock" in rows and "Installed on the aircraft" in rows
    assert "Removed from the aircraft" in rows and "worn brake unit" in rows
    assert "Brake discs" in text_of(html.split('id="h-holds"')[1].split("</section>")[0])  # 1 drawn, not fitted
    assert "UP-A3001" in page(b, "officer", "/bonded/maintenance")
    page(b, "keeper_b", f"/bonded/work-orders/{wo['id']}", expect=404)
    assert "UP-A3001" not in page(b, "keeper_b", "/bonded/maintenance")
    page(b, "keeper_a", "/bonded/maintenance", expect=422, status="lost")


def test_a_stocktake_from_the_count_sheet_to_the_customs_decision(bonded: Bonded) -> None:
    b = bonded
    a = b.admit(quantity="100", description="Cotton T-shirts")["lot"]
    c = b.admit(quantity="50", description="Wool scarves")["lot"]
    d = b.admit(quantity="20", description="Silk ties")["lot"]
    overview = page(b, "keeper_a", "/bonded")
    assert "/bonded/stocktake?site=HRS-ROAD" in overview
    html = page(b, "keeper_a", "/bonded/stocktake", site="HRS-ROAD")
    assert all(f'name="count-{x["id"]}"' in html for x in (a, c, d))
    assert "100" not in text_of(html.split('id="count-form"')[1])  # a blind count: the book is not shown
    key = re.search(r'name="key" value="([0-9a-f]{32})"', html)
    assert key
    form = {"site": "HRS-ROAD", "key": key.group(1), "csrf_token": csrf_of(html)}
    # a bad count is shown beside its lot and nothing is recorded
    bad = b.client.post("/bonded/stocktake", data={**form, f"count-{a['id']}": "abc", f"count-{c['id']}": "-1"})
    assert bad.status_code == 422 and f'href="#field-count-{a["id"]}"' in bad.text and 'value="abc"' in bad.text
    nothing = b.client.post("/bonded/stocktake", data=form)
    assert nothing.status_code == 422 and "count at least one lot" in nothing.text
    assert b.get("keeper_a", "/reports/reconciliation", **{"from": "2025-09-01", "to": "2025-09-30"})["counts"] == []
    counts = {**form, f"count-{a['id']}": "97", f"count-{c['id']}": "50", f"count-{d['id']}": ""}
    r = b.client.post("/bonded/stocktake", data=counts, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=stocktake")
    again = b.client.post("/bonded/stocktake", data=counts, follow_redirects=False)  # resubmitted: nothing more
    assert again.headers["location"] == r.headers["location"]
    rec = b.get("keeper_a", "/reports/reconciliation", **{"from": "2025-09-01", "to": "2025-09-30"})
    assert len(rec["counts"]) == 2 and len(rec["discrepancies"]) == 1
    # a recount of the lot whose difference awaits customs is refused beside that lot (never adjusted twice)
    sheet = page(b, "keeper_a", "/bonded/stocktake", site="HRS-ROAD")
    recount = {"site": "HRS-ROAD", "key": re.findall(r'name="key" value="([0-9a-f]{32})"', sheet)[0],
               "csrf_token": csrf_of(sheet), f"count-{a['id']}": "97"}  # fmt: skip
    refused = b.client.post("/bonded/stocktake", data=recount)
    assert refused.status_code == 422 and "awaiting the customs decision" in refused.text
    assert f'href="#field-count-{a["id"]}"' in refused.text
    result = b.client.get(r.headers["location"]).text
    diffs = re.findall(r'data-testid="difference">([^<]+)<', result)
    assert diffs == ["-3", "0"] or sorted(diffs) == ["-3", "0"]
    assert "Awaiting customs" in result and "Write off with duty" not in result  # the keeper does not decide
    path = r.headers["location"].split("?")[0]
    page(b, "keeper_b", path, expect=404)
    # customs writes the shortage off: the ledger follows the count, and still balances
    officer = page(b, "officer", path)
    decide = re.search(r'action="(/bonded/counts/[0-9a-f]+/decision)"', officer)
    assert decide and "Write off with duty" in officer
    done = b.client.post(decide.group(1), data={"decision": "write_off", "csrf_token": csrf_of(officer)})
    assert done.status_code == 200 and "Decision recorded" in done.text and "Written off" in done.text
    held = b.get("keeper_a", f"/lots/{a['id']}")["balances"]
    assert held[f"stock:{b.zone.enterprise_a}:HRS-ROAD"] == "97.000"
    b.client.post(decide.group(1), data={"decision": "write_off", "csrf_token": csrf_of(done.text)})
    assert b.get("keeper_a", f"/lots/{a['id']}")["balances"][f"stock:{b.zone.enterprise_a}:HRS-ROAD"] == "97.000"
    listing = page(b, "keeper_a", "/bonded/stocktakes")
    assert path in listing
    b.ledger_ok()
    # the period's reconciliation: the write-off as an adjustment with its reason, every line balanced
    rec = page(b, "keeper_a", "/bonded/reconciliation", **{"from": "2025-09-01", "to": "2025-09-30"})
    assert 'data-testid="balanced"' in rec and 'data-testid="unbalanced"' not in rec
    line = next(r for r in rec.split('data-testid="reconciliation"')[1].split("<tr")[1:] if a["id"] in r)
    assert "written off -3" in text_of(line) and "97" in text_of(line)
    assert "Awaiting customs" not in rows_of(rec, "reconciliation-counts") and "Written off" in rec
    assert a["id"] not in page(b, "keeper_b", "/bonded/reconciliation")
    page(b, "keeper_a", "/bonded/reconciliation", expect=422, **{"from": "2025-09-30", "to": "2025-09-01"})
    # who may count: not a trader, not for another enterprise; zone staff name the owner
    page(b, "trader_a", "/bonded/stocktake", expect=403, site="HRS-ROAD")
    page(b, "keeper_b", "/bonded/stocktake", expect=404, site="HRS-ROAD")
    page(b, "keeper_b", "/bonded/stocktake", expect=404, site="HRS-ROAD", owner=b.zone.enterprise_a)
    assert f'name="count-{a["id"]}"' in page(
        b, "admin", "/bonded/stocktake", site="HRS-ROAD", owner=b.zone.enterprise_a
    )
    page(b, "admin", "/bonded/stocktake", expect=422, site="HRS-ROAD")


@pytest.mark.parametrize("who", ["keeper_a", "airline_b", "trader_a", "officer", "supervisor", "admin"])
def test_every_bonded_page_opens_for_each_role_that_has_it(bonded: Bonded, who: str) -> None:
    for path in (
        "/bonded",
        "/bonded/ledger",
        "/bonded/reconciliation",
        "/bonded/fuel",
        "/bonded/maintenance",
        "/bonded/stocktakes",
    ):
        html = page(b=bonded, who=who, path=path)
        assert 'class="bonded-tabs"' in html and 'aria-current="page"' in html


def test_the_bonded_pages_speak_chinese_and_russian(bonded: Bonded) -> None:
    b = bonded
    b.admit(quantity="1000", value="5000.00")
    sign_in(b.client, "keeper_a")
    zh = b.client.get("/bonded", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert "保税业务" in zh and "Bonded operations" not in zh
    ru = b.client.get("/bonded", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).text
    assert "Операции таможенного склада" in ru
    assert re.search(r"5\s000,00", text_of(ru))  # the value in bond with Russian separators
    sheet = b.client.get("/bonded/stocktake", params={"site": "HRS-ROAD"}, headers={"Accept-Language": "ru"}).text
    assert "Инвентаризационная опись" in sheet


def test_tank_readings_are_recorded_from_the_fuel_page_once_a_day(bonded: Bonded) -> None:
    b = bonded
    fuel(b, "keeper_b", "30000")
    html = page(b, "keeper_b", "/bonded/fuel")
    assert 'id="reading-form"' in html and "No reading for this day" in html
    token = csrf_of(html)
    reading = {"tank": "URC-AIR/T1", "day": "2025-09-01", "method": "dip", "csrf_token": token}
    missing = b.client.post("/bonded/fuel/readings", data=reading)
    assert missing.status_code == 422 and 'href="#field-r-measured_litres_15c"' in missing.text
    future = b.client.post("/bonded/fuel/readings", data={**reading, "day": "2025-09-02", "measured_litres_15c": "1"})
    assert future.status_code == 422 and 'href="#field-r-day"' in future.text and "future" in future.text
    r = b.client.post("/bonded/fuel/readings", data={**reading, "measured_litres_15c": "29700"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/bonded/fuel?day=2025-09-01&done=reading")
    listed = rows_of(b.client.get(r.headers["location"]).text, "readings")
    assert "URC-AIR/T1" in listed and "30,000" in listed and "29,700" in listed and "-300" in listed
    assert "outside tolerance" in listed  # 1% short, the default tolerance is 0.5%
    again = b.client.post("/bonded/fuel/readings", data={**reading, "measured_litres_15c": "30000"})
    assert again.status_code == 409 and "already has a reading" in again.text
    assert "URC-AIR/T1" in rows_of(page(b, "officer", "/bonded/fuel", day="2025-09-01"), "readings")
    assert "URC-AIR/T1" not in rows_of(page(b, "keeper_a", "/bonded/fuel", day="2025-09-01"), "readings")
    trader = page(b, "trader_b", "/bonded/fuel", day="2025-09-01")
    assert 'id="reading-form"' not in trader and "URC-AIR/T1" in rows_of(trader, "readings")
    assert b.client.post("/bonded/fuel/readings", data={**reading, "csrf_token": csrf_of(trader)}).status_code == 403
    page(b, "keeper_b", "/bonded/fuel", expect=422, day="2025-02-30")


def test_an_airline_declares_its_month_of_uplifts_from_the_fuel_page(bonded: Bonded, clock: FixedClock) -> None:
    b = bonded
    fuel(b, "keeper_b", "30000")
    html = page(b, "airline_b", "/bonded/fuel")
    form = {
        **uplift_form(),
        "key": re.findall(r'name="key" value="([0-9a-f]{32})"', html)[0],
        "csrf_token": csrf_of(html),
    }
    assert b.client.post("/bonded/fuel/uplifts", data=form, follow_redirects=False).status_code == 303
    html = b.client.get("/bonded/fuel").text
    monthly = text_of(html.split('data-testid="monthly"')[1].split("</dl>")[0])
    assert "24,000" in monthly and "not yet" in monthly
    early = b.client.post(
        "/bonded/fuel/declarations",
        data={"month": "2025-09", "declaration_ref": "FUEL-2025-09", "csrf_token": csrf_of(html)},
    )
    assert early.status_code == 409 and "not over yet" in early.text
    b.advance(clock, timedelta(days=31))
    html = page(b, "airline_b", "/bonded/fuel", month="2025-09")
    blank = b.client.post(
        "/bonded/fuel/declarations", data={"month": "2025-09", "declaration_ref": "", "csrf_token": csrf_of(html)}
    )
    assert blank.status_code == 422 and "is required" in blank.text
    done = {"month": "2025-09", "declaration_ref": "FUEL-2025-09", "csrf_token": csrf_of(html)}
    r = b.client.post("/bonded/fuel/declarations", data=done, follow_redirects=False)
    assert r.status_code == 303
    shown = b.client.get(r.headers["location"]).text
    assert 'data-testid="declared">FUEL-2025-09' in shown and 'id="declare-form"' not in shown
    assert "FUEL-2025-09" in rows_of(shown, "uplifts")
    assert b.client.post("/bonded/fuel/declarations", data=done).status_code == 409  # a resend changes nothing
    keeper = page(b, "keeper_b", "/bonded/fuel", month="2025-09")
    assert 'id="monthly"' not in keeper
    assert b.client.post("/bonded/fuel/declarations", data={**done, "csrf_token": csrf_of(keeper)}).status_code == 403


def test_customs_closes_a_shortage_alert_from_the_overview(bonded: Bonded) -> None:
    b = bonded
    lot = b.admit(hs_code="847130", unit="KGM", quantity="1000", value="10000.00", description="Copper wire")["lot"]
    norm = b.post(
        "officer",
        "/norms",
        {"owner": b.zone.enterprise_a, "name": "wire to coils", "input_per_output": "1.0", "allowed_loss_pct": "2"},
    )
    b.post(
        "keeper_a",
        "/handling",
        {"site": "HRS-ROAD", "operation": "process", "norm_id": norm["id"],
         "inputs": [{"lot": lot["id"], "quantity": "500"}], "outputs": [{"quantity": "450", "description": "Coils"}]},
    )  # fmt: skip
    keeper = page(b, "keeper_a", "/bonded")
    assert "Unexplained shortage of 41" in text_of(keeper) and "Close the alert" not in keeper
    officer = page(b, "officer", "/bonded")
    close = re.search(r'action="(/bonded/alerts/[0-9a-f]+/close)"', officer)
    assert close and "Unexplained shortage of 41" in text_of(officer)
    blank = b.client.post(close.group(1), data={"note": "", "csrf_token": csrf_of(officer)})
    assert blank.status_code == 422
    done = b.client.post(close.group(1), data={"note": "duty assessed on 41 kg", "csrf_token": csrf_of(officer)})
    assert done.status_code == 200 and "Alert closed." in done.text and "Unexplained shortage" not in done.text
    again = b.client.post(close.group(1), data={"note": "again", "csrf_token": csrf_of(done.text)})
    assert again.status_code == 409
    token = csrf_of(page(b, "keeper_a", "/bonded"))
    assert b.client.post(close.group(1), data={"note": "x", "csrf_token": token}).status_code == 403  # not customs
