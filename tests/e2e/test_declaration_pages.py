"""The clearance pages over HTTP: filing through the form, lanes, the officer's document check, scoping, CSRF,
the time-release timeline, the list filters and the workbench."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Zone
from tests.e2e.test_clearance_api import advance, file, no_random
from tests.e2e.test_pages import csrf_of, nav_of, page_csrf, sign_in
from tests.factories import declaration, item, vehicles

__all__ = ["no_random"]  # the fixture, imported so pytest finds it here


def form_of(body: dict[str, Any], **extra: str) -> dict[str, Any]:
    """The filing form's fields for a JSON declaration body of tests.factories."""
    data: dict[str, Any] = {
        "type": body["type"],
        "lrn": body.get("lrn") or "",
        "office": body["office"],
        "consignor.name": body["consignor"]["name"],
        "consignor.country": body["consignor"]["country"],
        "consignor.identifier": body["consignor"].get("identifier") or "",
        "consignee.name": body["consignee"]["name"],
        "consignee.country": body["consignee"]["country"],
        "transport_mode": body["transport_mode"],
        "transport_id": body["transport_id"],
        "dispatch_country": body["dispatch_country"],
        "origin_country": body["origin_country"],
        "destination_country": body["destination_country"],
        "loading_locode": body["loading_locode"],
        "unloading_locode": body["unloading_locode"],
        "incoterm": body["incoterm"],
        "invoice_currency": body["invoice_currency"],
        "invoice_amount": body["invoice_amount"],
        "freight": body["freight"],
        "insurance": body["insurance"],
        "exchange_rate": body["exchange_rate"],
        "exchange_rate_date": body["exchange_rate_date"],
        "invoice_reference": body["documents"][0]["reference"],
        "pre_arrival": "true",
    }
    for n, it in enumerate(body["items"]):
        for key, value in it.items():
            data[f"items[{n}].{key}"] = ",".join(value) if isinstance(value, list) else value
    data.update(extra)
    return data


def file_by_form(z: Zone, who: str, body: dict[str, Any], **extra: str) -> str:
    """File through the page as ``who``; the id of the declaration the form redirected to."""
    sign_in(z.client, who)
    token = page_csrf(z.client, "/declarations/new")
    r = z.client.post("/declarations/new", data={**form_of(body, **extra), "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text[:3000]
    found = re.fullmatch(r"/declarations/([0-9a-f]{32})\?done=filed", r.headers["location"])
    assert found, r.headers["location"]
    return found.group(1)


def lane_of(html: str) -> str:
    found = re.search(r'class="lane lane-(\w+)" data-testid="lane"', html)
    assert found, "no lane pill on the page"
    return found.group(1)


def test_a_trader_files_through_the_form_and_sees_the_green_lane_at_once(no_random: Zone) -> None:
    z = no_random
    did = file_by_form(z, "trader_a", declaration(lrn="WEB-1"))
    page = z.client.get(f"/declarations/{did}?done=filed")
    assert page.status_code == 200
    html = page.text
    assert lane_of(html) == "green"
    assert "Declaration filed." in html
    assert "WEB-1" in html and "Cleared" in html
    assert 'data-testid="tax-total">55,380.00<' in html  # CIF 426,000 CNY x 13% import VAT
    assert "Nothing called for a check" in html
    assert 'data-testid="risk-score"' not in html, "a trader never sees the score"
    assert 'action="/declarations/' + did + '/actions/pay"' in html
    assert "/actions/claim" not in html and "/actions/document-check" not in html
    api = z.client.get(f"/api/v1/declarations/{did}", headers=z.headers("trader_a")).json()
    assert api["declaration"]["lrn"] == "WEB-1" and api["pre_arrival"] is True
    listing = z.client.get("/declarations").text
    assert f'href="/declarations/{did}"' in listing and "WEB-1" in listing


def test_a_yellow_declaration_shows_redacted_reasons_to_the_trader_and_rules_to_the_officer(no_random: Zone) -> None:
    z = no_random
    did = file_by_form(z, "trader_a", vehicles(lrn="CARS-1"))
    trader = z.client.get(f"/declarations/{did}").text
    assert lane_of(trader) == "yellow" and "Document check" in trader
    assert "watch-vehicles" not in trader and 'class="reasons"' in trader
    sign_in(z.client, "officer")
    officer = z.client.get(f"/declarations/{did}").text
    assert "watch-vehicles" in officer and "first-time-trader" in officer
    assert 'data-testid="risk-score"' in officer


def test_an_officer_claims_and_approves_a_yellow_one_from_the_pages(no_random: Zone) -> None:
    z = no_random
    d = file(z, "trader_a", vehicles(lrn="CARS-2"))
    assert d["lane"] == "yellow"
    sign_in(z.client, "officer")
    bench = z.client.get("/workbench")
    assert bench.status_code == 200 and f'data-id="{d["id"]}"' in bench.text and "CARS-2" in bench.text
    token = csrf_of(bench.text)
    r = z.client.post(f"/declarations/{d['id']}/actions/claim", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/declarations/{d['id']}?done=claim"
    page = z.client.get(r.headers["location"]).text
    assert "You claimed this declaration." in page and "claimed by you" in page
    r = z.client.post(
        f"/declarations/{d['id']}/actions/document-check",
        data={"csrf_token": token, "decision": "approve", "reason": "invoice and COC match"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = z.client.get(r.headers["location"]).text
    assert "Document check decided." in page and 'data-testid="status">Cleared<' in page
    assert "invoice and COC match" in page  # in the status history
    assert z.client.get(f"/api/v1/declarations/{d['id']}", headers=z.headers("officer")).json()["status"] == "cleared"
    # a second decision is a conflict the page explains, not a 500
    r = z.client.post(
        f"/declarations/{d['id']}/actions/document-check",
        data={"csrf_token": token, "decision": "approve", "reason": "again"},
    )
    assert r.status_code == 409 and "The declaration is cleared now" in r.text
    # a missing reason is a 422 with a readable message
    r = z.client.post(f"/declarations/{d['id']}/actions/audit-flag", data={"csrf_token": token, "reason": " "})
    assert r.status_code == 422 and "A reason is required." in r.text


def test_the_trader_pays_and_the_officer_confirms_arrival_and_exit(no_random: Zone) -> None:
    z = no_random
    d = file(z, "trader_a", declaration())
    sign_in(z.client, "trader_a")
    token = page_csrf(z.client, f"/declarations/{d['id']}")
    path = f"/declarations/{d['id']}/actions"
    r = z.client.post(f"{path}/pay", data={"csrf_token": token, "method": "paid", "reference": "PAY-9"})
    assert r.status_code == 200 and "Duty settlement recorded." in r.text  # followed the 303
    r = z.client.post(f"{path}/pay", data={"csrf_token": token, "method": "paid", "reference": "PAY-9"})
    assert r.status_code == 409 and "Nothing to settle" in r.text
    sign_in(z.client, "officer")
    token = page_csrf(z.client, f"/declarations/{d['id']}")
    assert "Released" in z.client.post(f"{path}/arrival", data={"csrf_token": token}).text
    html = z.client.post(f"{path}/exit", data={"csrf_token": token}).text
    assert 'data-testid="status">Exited<' in html


def test_the_timeline_shows_the_time_release_stages_with_durations(no_random: Zone) -> None:
    z = no_random
    d = file(z, "trader_a", vehicles())
    advance(z, 42)
    sign_in(z.client, "officer")
    token = page_csrf(z.client, f"/declarations/{d['id']}")
    z.client.post(
        f"/declarations/{d['id']}/actions/document-check",
        data={"csrf_token": token, "decision": "approve", "reason": "fine"},
    )
    html = z.client.get(f"/declarations/{d['id']}").text
    timeline = html.split('data-testid="timeline"', 1)[1].split("</section>", 1)[0]
    stages = re.findall(r'class="trs-step done" data-stage="(\w+)"', timeline)
    assert stages == ["lodgement", "acceptance", "risk_assessment", "document_check"]
    assert "+42 min" in timeline  # risk assessment to the officer's decision
    assert "14:00" in timeline and "14:42" in timeline  # Urumqi time of the fixed clock's 08:00 UTC
    for pending in ("Arrival", "Duty settled", "Release", "Exit"):
        assert f'<span class="trs-label">{pending}</span>' in timeline
    assert '<svg class="trs-bar"' in timeline and "trs-seg trs-document_check" in timeline
    assert 'data-testid="clearance-time">42 min<' in html


def test_a_trader_cannot_open_another_enterprises_declaration(no_random: Zone) -> None:
    z = no_random
    d = file(z, "trader_a", declaration(lrn="SECRET-1"))
    sign_in(z.client, "trader_b")
    r = z.client.get(f"/declarations/{d['id']}")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Page not found" in r.text and "SECRET-1" not in r.text
    assert "SECRET-1" not in z.client.get("/declarations").text
    token = page_csrf(z.client, "/declarations")
    r = z.client.post(f"/declarations/{d['id']}/actions/withdraw", data={"csrf_token": token, "reason": "x"})
    assert r.status_code == 404
    assert z.client.get("/workbench").status_code == 403


def test_posts_without_the_csrf_token_are_refused(no_random: Zone) -> None:
    z = no_random
    d = file(z, "trader_a", vehicles())
    sign_in(z.client, "trader_a")
    r = z.client.post("/declarations/new", data=form_of(declaration()), follow_redirects=False)
    assert r.status_code == 403 and "security token" in r.text
    r = z.client.post("/declarations/validate-form", data=form_of(declaration()))
    assert r.status_code == 403
    sign_in(z.client, "officer")
    r = z.client.post(
        f"/declarations/{d['id']}/actions/document-check",
        data={"decision": "approve", "reason": "x", "csrf_token": "0" * 64},
    )
    assert r.status_code == 403
    assert z.client.get(f"/api/v1/declarations/{d['id']}", headers=z.headers("officer")).json()["status"] == (
        "document_check"
    )
    assert len(z.client.get("/api/v1/declarations", headers=z.headers("admin")).json()["items"]) == 1


def test_inline_validation_puts_each_error_next_to_its_field(no_random: Zone) -> None:
    z = no_random
    sign_in(z.client, "trader_a")
    token = page_csrf(z.client, "/declarations/new")
    bad = declaration(items=[item(), item(hs_code="847135", net_mass_kg="600")], invoice_amount="120000.00")
    r = z.client.post("/declarations/validate-form", data={**form_of(bad), "csrf_token": token})
    assert r.status_code == 200
    slot = re.search(r'<p id="err-items-1--hs_code"[^>]*hx-swap-oob="true"[^>]*>(.*?)</p>', r.text)
    assert slot and "847135 does not exist in HS 2022" in slot.group(1)
    assert "exceeds gross mass" in r.text
    assert re.search(r'<p id="err-items-0--hs_code"[^>]*hx-swap-oob="true"[^>]*></p>', r.text), "a good field clears"
    # a malformed number is named, and the domain's checks still run on the rest
    r = z.client.post(
        "/declarations/validate-form", data={**form_of(bad), "invoice_amount": "12o00", "csrf_token": token}
    )
    assert re.search(r'id="err-invoice_amount"[^>]*><span>must be a number', r.text)
    assert "847135 does not exist in HS 2022" in r.text
    # submitted, the form comes back with the values and the errors, and nothing is filed
    r = z.client.post("/declarations/new", data={**form_of(bad), "csrf_token": token})
    assert r.status_code == 422 and "problems need your attention" in r.text
    assert 'value="847135"' in r.text and "847135 does not exist in HS 2022" in r.text
    assert z.client.get("/api/v1/declarations", headers=z.headers("trader_a")).json()["items"] == []


def test_the_add_item_button_brings_the_next_row(no_random: Zone) -> None:
    sign_in(no_random.client, "trader_a")
    new = no_random.client.get("/declarations/new").text
    assert 'name="items[0].hs_code"' in new and 'hx-get="/declarations/new/item?index=1"' in new
    row = no_random.client.get("/declarations/new/item?index=1", headers={"HX-Request": "true"}).text
    assert 'name="items[1].hs_code"' in row
    assert 'id="add-item"' in row and "index=2" in row and 'hx-swap-oob="true"' in row
    two = form_of(declaration(items=[item(value="30000.00"), item(value="30000.00", description="Tablets")]))
    did = file_by_form(no_random, "trader_a", declaration(), **{k: v for k, v in two.items() if k.startswith("items")})
    content = no_random.client.get(f"/api/v1/declarations/{did}", headers=no_random.headers("trader_a")).json()
    assert [i["description"] for i in content["declaration"]["items"]] == ["Portable computers, 14-inch", "Tablets"]


def test_only_traders_and_administrators_file(no_random: Zone) -> None:
    for who in ("officer", "analyst"):
        sign_in(no_random.client, who)
        r = no_random.client.get("/declarations/new")
        assert r.status_code == 403 and "may not file declarations" in r.text
    sign_in(no_random.client, "admin")
    html = no_random.client.get("/declarations/new").text
    assert 'name="declarant"' in html and no_random.enterprise_a in html  # an administrator picks the enterprise


def test_the_list_filters_live_by_lane_status_office_and_type(no_random: Zone) -> None:
    z = no_random
    green = file(z, "trader_a", declaration(lrn="G-1"))
    yellow = file(z, "trader_b", vehicles(lrn="Y-1"))
    sign_in(z.client, "officer")
    full = z.client.get("/declarations").text
    assert "G-1" in full and "Y-1" in full and "Enterprise 101 Co., Ltd." in full  # officers see the declarant
    partial = z.client.get("/declarations?lane=yellow", headers={"HX-Request": "true"})
    assert partial.headers["vary"] == "HX-Request" and "<html" not in partial.text
    assert f'data-id="{yellow["id"]}"' in partial.text and f'data-id="{green["id"]}"' not in partial.text
    assert "Y-1" in z.client.get("/declarations?status=document_check&type=import&office=HRS-ROAD").text
    assert "No declaration matches" in z.client.get("/declarations?office=URC-AIR").text
    bad = z.client.get("/declarations?lane=purple")
    assert bad.status_code == 422 and "purple" in bad.text
    sign_in(z.client, "trader_a")
    mine = z.client.get("/declarations").text
    assert "G-1" in mine and "Y-1" not in mine


def test_the_workbench_shows_the_queue_and_supervisors_the_workload(no_random: Zone) -> None:
    z = no_random
    d = file(z, "trader_a", vehicles(lrn="Q-1"))
    advance(z, 75)
    sign_in(z.client, "officer")
    bench = z.client.get("/workbench").text
    assert "Q-1" in bench and "1 h 15 min" in bench and "Workload" not in bench
    sign_in(z.client, "supervisor")
    bench = z.client.get("/workbench").text
    workload = bench.split('data-testid="workload"', 1)[1].split("</table>", 1)[0]
    assert "HRS-ROAD" in workload and "Document check" in workload and "1 h 15 min" in workload
    assert f'href="/declarations/{d["id"]}"' in bench


def test_the_navigation_links_declarations_and_the_workbench_by_role(no_random: Zone) -> None:
    expected = {
        "trader_a": (True, False),
        "officer": (True, True),
        "supervisor": (True, True),
        "admin": (True, False),
        "analyst": (False, False),
    }
    for who, (declarations, bench) in expected.items():
        sign_in(no_random.client, who)
        links = nav_of(no_random.client.get("/").text)
        assert ("Declarations" in links) is declarations, who
        assert ("Workbench" in links) is bench, who
