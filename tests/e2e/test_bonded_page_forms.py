"""The warehouse keeper's everyday movements from the bonded pages: admitting goods (a new lot), withdrawing a lot
from bond and reporting a loss from the lot page; customs deciding a reported loss from the lot page. Each form
books once (its hidden key), names each wrong field with a 422 and books nothing, answers a conflict with a 409, is
neither shown nor accepted (403) for a role that may not use it, and speaks Russian (the uplift form's error summary
too)."""

from __future__ import annotations

import html as markup
import re
from decimal import Decimal
from typing import Any

from tests.e2e.test_bonded_api import ADMISSION, Bonded
from tests.e2e.test_bonded_api import bonded as bonded  # the fixture, used by name
from tests.e2e.test_bonded_pages import fuel, page, text_of, uplift_form
from tests.e2e.test_pages import csrf_of


def key_in(html: str, form_id: str) -> str:
    """The hidden key of the form ``form_id`` on a page."""
    form = html.split(f'id="{form_id}"', 1)[1].split("</form>", 1)[0]
    found = re.search(r'name="key" value="([0-9a-f]{32})"', form)
    assert found, f"{form_id} carries no key"
    return found.group(1)


def admission(b: Bonded, **over: str) -> dict[str, str]:
    data = {**ADMISSION, "bin": "", "declaration_ref": b.declare("keeper_a", "entry"), "category": "goods"}
    return {**data, "status": "bonded", **over}


def movements(b: Bonded, who: str = "keeper_a") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = b.get(who, "/movements")
    return found


def test_a_keeper_admits_goods_from_the_admit_form_once(bonded: Bonded) -> None:
    b = bonded
    overview = page(b, "keeper_a", "/bonded")
    assert 'href="/bonded/admit"' in overview
    html = page(b, "keeper_a", "/bonded/admit")
    form = html.split('id="admit-form"', 1)[1]
    assert '<option value="HRS-ROAD"' in form and '<option value="KSS-TIR"' in form  # the zone's ports
    assert re.search(r'<option value="goods" selected>Goods<', form) and 'value="awaiting_repair"' in form
    assert 'value="fuel"' not in form  # fuel comes in by a fuel receipt
    assert re.search(r'<option value="bonded" selected>', form) and '<option value="domestic"' in form
    assert 'name="owner"' not in form  # a keeper admits its own enterprise's goods
    key = key_in(html, "admit-form")
    token = csrf_of(html)
    good = {**admission(b), "key": key, "csrf_token": token}

    # wrong fields: each one named beside its field, what was typed stays, nothing is booked
    bad = b.client.post("/bonded/admit", data={**good, "hs_code": "61091", "origin": "XX", "currency": "EURO"})
    assert bad.status_code == 422
    for name in ("hs_code", "origin", "currency"):
        assert f'href="#field-{name}"' in bad.text
    assert "is not an HS code of 6, 8 or 10 digits" in bad.text and 'value="61091"' in bad.text
    empty = b.client.post("/bonded/admit", data={"key": key, "csrf_token": token, "storage_days": "ten"})
    assert empty.status_code == 422
    for name in ("declaration_ref", "hs_code", "description", "quantity", "value", "storage_days"):
        assert f'href="#field-{name}"' in empty.text
    wrong_bin = b.client.post("/bonded/admit", data={**good, "bin": "B 1"})
    assert wrong_bin.status_code == 422 and 'href="#field-bin"' in wrong_bin.text
    too_fine = b.client.post("/bonded/admit", data={**good, "quantity": "10.5"})  # pieces have no decimals
    assert too_fine.status_code == 422 and 'href="#field-quantity"' in too_fine.text
    undeclared = b.client.post("/bonded/admit", data={**good, "declaration_ref": "NO-SUCH-DECLARATION"})
    assert undeclared.status_code == 422 and "no such declaration in clearance" in undeclared.text
    assert b.get("keeper_a", "/lots") == [] and movements(b) == []

    # the right form books the admission and leads to the new lot; sent again it books nothing more
    first = b.client.post("/bonded/admit", data=good, follow_redirects=False)
    assert first.status_code == 303
    found = re.fullmatch(r"/bonded/lots/([0-9a-f]{32})\?done=admitted", first.headers["location"])
    assert found
    again = b.client.post("/bonded/admit", data=good, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
    lots = b.get("keeper_a", "/lots")
    assert [x["id"] for x in lots] == [found.group(1)]
    lot = lots[0]
    assert (lot["quantity"], lot["value"], lot["currency"], lot["status"]) == ("1000.000", "5000.00", "USD", "bonded")
    assert lot["declaration_ref"] == good["declaration_ref"] and lot["owner"] == b.zone.enterprise_a
    booked = movements(b)
    assert len(booked) == 1 and booked[0]["kind"] == "admission" and booked[0]["key"] == key
    shown = b.client.get(first.headers["location"]).text
    assert 'data-testid="done"' in shown and "Cotton T-shirts" in shown
    assert re.search(r'data-testid="lot-held">1,000 H87', shown)
    b.ledger_ok()

    # a new form draws a new key: a bay of a port, a repair lot with its storage limit and re-export date
    second = page(b, "keeper_a", "/bonded/admit")
    assert key_in(second, "admit-form") != key
    repair = admission(
        b, bin="b2", category="awaiting_repair", storage_days="30", reexport_by="2025-10-15", quantity="2",
        hs_code="880730", description="Landing gear actuator", declaration_ref=b.declare("keeper_a", "entry", "880730"),
    )  # fmt: skip
    r = b.client.post(
        "/bonded/admit",
        data={**repair, "key": key_in(second, "admit-form"), "csrf_token": csrf_of(second)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    made = b.get("keeper_a", f"/lots/{r.headers['location'].split('/')[-1].split('?')[0]}")
    assert made["category"] == "awaiting_repair" and made["reexport_by"] == "2025-10-15"
    assert made["expires_on"] == "2025-10-01"  # 30 days of storage from 1 September
    assert made["balances"][f"stock:{b.zone.enterprise_a}:HRS-ROAD/B2"] == "2.000"


def test_who_may_admit_goods_from_the_page(bonded: Bonded) -> None:
    b = bonded
    # a trader reads the bonded pages but neither sees the form nor may post it
    trader = page(b, "trader_a", "/bonded")
    assert 'href="/bonded/admit"' not in trader
    page(b, "trader_a", "/bonded/admit", expect=403)
    refused = b.client.post("/bonded/admit", data={**admission(b), "csrf_token": csrf_of(trader)})
    assert refused.status_code == 403
    officer = page(b, "officer", "/bonded")
    assert b.client.post("/bonded/admit", data={**admission(b), "csrf_token": csrf_of(officer)}).status_code == 403
    # without the CSRF token nothing happens, even for a keeper
    page(b, "keeper_a", "/bonded/admit")
    assert b.client.post("/bonded/admit", data=admission(b)).status_code == 403
    assert b.get("officer", "/lots") == []
    # zone staff (an administrator) choose the owner, and must
    html = page(b, "admin", "/bonded/admit")
    assert 'name="owner"' in html
    form = {**admission(b), "key": key_in(html, "admit-form"), "csrf_token": csrf_of(html)}
    nameless = b.client.post("/bonded/admit", data=form)
    assert nameless.status_code == 422 and 'href="#field-owner"' in nameless.text
    done = b.client.post("/bonded/admit", data={**form, "owner": b.zone.enterprise_a}, follow_redirects=False)
    assert done.status_code == 303
    assert [x["owner"] for x in b.get("keeper_a", "/lots")] == [b.zone.enterprise_a]


def test_a_keeper_withdraws_a_lot_from_the_lot_page_once(bonded: Bonded) -> None:
    b = bonded
    lot = b.admit(quantity="100")["lot"]
    path = f"/bonded/lots/{lot['id']}"
    html = page(b, "keeper_a", path)
    form = html.split('id="withdraw-form"', 1)[1].split("</form>", 1)[0]
    assert '<option value="HRS-ROAD" selected>HRS-ROAD — 100 H87</option>' in form
    assert 'name="quantity" type="text" value="100"' in form  # the default: all of it held there
    assert '<option value="re_export" selected>Re-export</option>' in form and 'value="home_consumption"' in form
    key = key_in(html, "withdraw-form")
    token = csrf_of(html)
    rx = b.declare("keeper_a", "re_export")
    good = {"site": "HRS-ROAD", "purpose": "re_export", "declaration_ref": rx, "quantity": "60"}
    held = f"stock:{b.zone.enterprise_a}:HRS-ROAD"

    bad = b.client.post(path + "/withdrawals", data={**good, "declaration_ref": "", "key": key, "csrf_token": token})
    assert bad.status_code == 422 and 'href="#field-w-declaration_ref"' in bad.text
    odd = b.client.post(path + "/withdrawals", data={**good, "quantity": "six", "key": key, "csrf_token": token})
    assert odd.status_code == 422 and 'href="#field-w-quantity"' in odd.text and 'value="six"' in odd.text
    # a release declaration does not take goods out for re-export
    home = b.declare("keeper_a", "consumption")
    other = b.client.post(
        path + "/withdrawals", data={**good, "declaration_ref": home, "key": key, "csrf_token": token}
    )
    assert other.status_code == 422 and 'href="#field-w-declaration_ref"' in other.text
    too_much = b.client.post(path + "/withdrawals", data={**good, "quantity": "150", "key": key, "csrf_token": token})
    assert too_much.status_code == 409 and "HRS-ROAD holds only 100 H87 of this lot" in too_much.text
    assert b.get("keeper_a", f"/lots/{lot['id']}")["balances"][held] == "100.000"
    assert [m["kind"] for m in movements(b)] == ["admission"]

    first = b.client.post(path + "/withdrawals", data={**good, "key": key, "csrf_token": token}, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith(f"{path}?done=withdrawn#m-")
    again = b.client.post(path + "/withdrawals", data={**good, "key": key, "csrf_token": token}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
    balances = b.get("keeper_a", f"/lots/{lot['id']}")["balances"]
    assert balances[held] == "40.000" and balances[f"re_export:{b.zone.enterprise_a}"] == "60.000"
    out = [m for m in movements(b) if m["kind"] == "withdrawal_re_export"]
    assert len(out) == 1 and out[0]["declaration_ref"] == rx and out[0]["key"] == key and out[0]["duty"] is None
    shown = b.client.get(first.headers["location"]).text
    assert 'data-testid="done"' in shown and f'id="m-{out[0]["id"]}"' in shown
    assert 'name="quantity" type="text" value="40"' in shown.split('id="withdraw-form"', 1)[1]

    # the rest for home consumption, with a new form: duty and taxes recorded
    form2 = {"site": "HRS-ROAD", "purpose": "home_consumption", "declaration_ref": home, "quantity": "40",
             "key": key_in(shown, "withdraw-form"), "csrf_token": csrf_of(shown)}  # fmt: skip
    assert form2["key"] != key
    assert b.client.post(path + "/withdrawals", data=form2, follow_redirects=False).status_code == 303
    consumed = [m for m in movements(b) if m["kind"] == "withdrawal_consumption"]
    assert len(consumed) == 1 and Decimal(consumed[0]["duty"]["total"]) > 0
    emptied = page(b, "keeper_a", path)
    assert 'id="withdraw-form"' not in emptied  # nothing left in stock to withdraw
    b.ledger_ok()


def test_who_may_withdraw_a_lot(bonded: Bonded) -> None:
    b = bonded
    lot = b.admit(quantity="100")["lot"]
    path = f"/bonded/lots/{lot['id']}"
    data = {"site": "HRS-ROAD", "purpose": "re_export", "declaration_ref": b.declare("keeper_a", "re_export"),
            "quantity": "10"}  # fmt: skip
    for who in ("trader_a", "officer", "analyst"):
        html = page(b, who, path)
        assert 'id="withdraw-form"' not in html and 'id="loss-form"' not in html
        assert b.client.post(path + "/withdrawals", data={**data, "csrf_token": csrf_of(html)}).status_code == 403
    stranger = page(b, "keeper_b", "/bonded")
    assert b.client.post(path + "/withdrawals", data={**data, "csrf_token": csrf_of(stranger)}).status_code == 404
    assert [m["kind"] for m in movements(b)] == ["admission"]


def test_a_keeper_reports_a_loss_from_the_lot_page_once(bonded: Bonded) -> None:
    b = bonded
    lot = b.admit(quantity="100")["lot"]
    path = f"/bonded/lots/{lot['id']}"
    html = page(b, "keeper_a", path)
    assert 'id="loss-form"' in html and 'data-testid="lot-losses"' not in html
    key = key_in(html, "loss-form")
    token = csrf_of(html)
    good = {"site": "HRS-ROAD", "quantity": "3", "reason": "crushed by a forklift", "key": key, "csrf_token": token}

    blank = b.client.post(path + "/losses", data={**good, "reason": " "})
    assert blank.status_code == 422 and 'href="#field-l-reason"' in blank.text
    fraction = b.client.post(path + "/losses", data={**good, "quantity": "1.5"})
    assert fraction.status_code == 422 and 'href="#field-l-quantity"' in fraction.text
    assert "a quantity in H87 has at most 0 decimals" in fraction.text
    too_much = b.client.post(path + "/losses", data={**good, "quantity": "101"})
    assert too_much.status_code == 409 and "HRS-ROAD holds only 100 H87 of this lot" in too_much.text
    assert 'data-testid="lot-losses"' not in b.client.get(path).text

    # the corrected form (the same key) records the loss once; sent again it records nothing
    first = b.client.post(path + "/losses", data=good, follow_redirects=False)
    assert first.status_code == 303
    found = re.fullmatch(rf"{path}\?done=loss#loss-([0-9a-f]{{32}})", first.headers["location"])
    assert found
    again = b.client.post(path + "/losses", data=good, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
    shown = b.client.get(first.headers["location"]).text
    rows = shown.split('data-testid="lot-losses"', 1)[1].split("</tbody>", 1)[0]
    assert re.findall(r'data-loss="([0-9a-f]{32})"', rows) == [found.group(1)]
    assert "crushed by a forklift" in rows and "Awaiting customs" in text_of(rows) and "3 H87" in text_of(rows)
    assert 'data-testid="done"' in shown
    # the report is customs' to decide (by the API); approved, the ledger books the loss
    decided = b.post("officer", f"/losses/{found.group(1)}/decision", {"approve": True}, expect=200)
    assert decided["status"] == "approved"
    balances = b.get("keeper_a", f"/lots/{lot['id']}")["balances"]
    assert balances[f"loss:{b.zone.enterprise_a}"] == "3.000"
    assert balances[f"stock:{b.zone.enterprise_a}:HRS-ROAD"] == "97.000"
    assert b.client.post(path + "/losses", data=good, follow_redirects=False).status_code == 303  # still nothing new
    assert b.get("keeper_a", f"/lots/{lot['id']}")["balances"][f"loss:{b.zone.enterprise_a}"] == "3.000"
    assert "Approved" in text_of(page(b, "keeper_a", path).split('data-testid="lot-losses"', 1)[1])
    # a new form is a new report
    fresh = page(b, "keeper_a", path)
    other = {**good, "quantity": "2", "key": key_in(fresh, "loss-form"), "csrf_token": csrf_of(fresh)}
    assert b.client.post(path + "/losses", data=other, follow_redirects=False).status_code == 303
    assert len(re.findall(r'data-loss="', page(b, "keeper_a", path))) == 2
    # who may not report one: nothing recorded
    for who in ("trader_a", "officer"):
        token = csrf_of(page(b, who, path))
        assert b.client.post(path + "/losses", data={**other, "key": "f" * 32, "csrf_token": token}).status_code == 403
    assert len(re.findall(r'data-loss="', page(b, "officer", path))) == 2
    b.ledger_ok()


def test_the_movement_forms_speak_russian(bonded: Bonded) -> None:
    b = bonded
    ru = {"Accept-Language": "ru-RU,ru;q=0.9"}
    page(b, "keeper_a", "/bonded")
    html = b.client.get("/bonded/admit", headers=ru).text
    form = text_of(html.split('id="admit-form"', 1)[1].split("</form>", 1)[0])
    assert "Принять товары на склад" in text_of(html) and "Admit goods" not in html
    assert "Декларация на помещение под таможенный склад" in form and "Страна происхождения" in form
    assert "Под таможенным контролем: пошлины приостановлены" in form and "Admit the goods" not in form
    # a field error in Russian; numbers typed the Russian way
    data = {**admission(b), "key": key_in(html, "admit-form"), "csrf_token": csrf_of(html)}
    blank = b.client.post("/bonded/admit", data={**data, "description": ""}, headers=ru)
    assert blank.status_code == 422 and "Описание</a>: обязательно" in blank.text
    done = b.client.post(
        "/bonded/admit", data={**data, "quantity": "1 000", "value": "5 000,50"}, headers=ru, follow_redirects=False
    )
    assert done.status_code == 303
    lot = b.get("keeper_a", "/lots")[0]
    assert (lot["quantity"], lot["value"]) == ("1000.000", "5000.50")
    shown = b.client.get(done.headers["location"], headers=ru).text
    assert "Вывоз с таможенного склада" in shown and "Сообщить о потере" in shown
    assert "Withdraw from bond" not in shown and "Report a loss" not in shown
    refused = b.client.post(
        f"/bonded/lots/{lot['id']}/losses",
        data={"site": "HRS-ROAD", "quantity": "5", "reason": "", "key": key_in(shown, "loss-form"),
              "csrf_token": csrf_of(shown)},
        headers=ru,
    )  # fmt: skip
    assert refused.status_code == 422 and "Причина</a>: обязательно" in refused.text


# --- customs decides a reported loss from the lot page ------------------------------------------------------


def reported_loss(b: Bonded, lost: str, **lot: str) -> tuple[str, str]:
    """A lot of 1,000 kg with a 1 % loss allowance (unless ``lot`` says otherwise) and a loss reported by its
    keeper through the API: (the lot page, the loss's id)."""
    made = b.admit(**{"unit": "KGM", "quantity": "1000", "loss_allowance_pct": "1", **lot})["lot"]
    loss = b.post("keeper_a", "/losses", {"site": "HRS-ROAD", "lot": made["id"], "quantity": lost,
                                           "reason": "evaporation"})  # fmt: skip
    return f"/bonded/lots/{made['id']}", loss["id"]


def loss_row(html: str, loss_id: str) -> str:
    return html.split(f'id="loss-{loss_id}"', 1)[1].split("</tr>", 1)[0]


def decision_buttons(html: str, loss_id: str) -> list[str]:
    """The values of ``approve`` the row's decision forms post (one small form per button)."""
    forms = re.findall(
        rf'<form method="post" action="/bonded/losses/{loss_id}/decision">(.*?)</form>', loss_row(html, loss_id)
    )
    return [v for f in forms for v in re.findall(r'name="approve" value="(\w+)"', f) if 'name="csrf_token"' in f]


def notice_of(html: str) -> str:
    """The visible text of the page's notice (what was done)."""
    return markup.unescape(text_of(html.split('data-testid="done"', 1)[1].split("</div>", 1)[0]))


def lot_balances(b: Bonded, path: str) -> dict[str, str]:
    found: dict[str, str] = b.get("keeper_a", "/lots/" + path.rsplit("/", 1)[1])["balances"]
    return found


def test_customs_approves_a_loss_from_the_lot_page_beyond_the_allowance_with_duty(bonded: Bonded) -> None:
    b = bonded
    path, loss_id = reported_loss(b, "25")
    html = page(b, "officer", path)
    assert decision_buttons(html, loss_id) == ["yes", "no"]
    assert "Approve the loss" in loss_row(html, loss_id) and "Reject the loss" in loss_row(html, loss_id)
    r = b.client.post(
        f"/bonded/losses/{loss_id}/decision",
        data={"approve": "yes", "csrf_token": csrf_of(html)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"{path}?done=loss_decided&loss={loss_id}#loss-{loss_id}"
    # the ledger books the loss: 10 kg within the 1 % allowance, 15 kg beyond it with duty (decide_loss's split)
    a = b.zone.enterprise_a
    balances = lot_balances(b, path)
    assert balances[f"loss:{a}"] == "25.000" and balances[f"stock:{a}:HRS-ROAD"] == "975.000"
    booked = [m for m in movements(b) if m["approval_ref"] == f"loss:{loss_id}"]
    assert len(booked) == 1 and booked[0]["kind"] == "loss" and booked[0]["reason_code"] == "beyond_allowance"
    assert (booked[0]["details"]["within_allowance"], booked[0]["details"]["beyond_allowance"]) == ("10.000", "15.000")
    duty = booked[0]["duty"]["lots"][path.rsplit("/", 1)[1]]
    assert Decimal(duty["total"]) > 0
    # the API knows it is decided: deciding again there is a conflict
    b.post("officer", f"/losses/{loss_id}/decision", {"approve": False}, expect=409)
    # the officer reads what was decided and the duty now due, in the notice and in the row
    shown = b.client.get(r.headers["location"]).text
    notice = notice_of(shown)
    total = f"{Decimal(duty['total']):,.2f}"
    assert "Loss approved: 10 KGM within the lot's allowance and 15 KGM beyond it." in notice
    assert f"Duty and taxes are due on 15 KGM: {total} CNY" in notice
    assert f"duty {Decimal(duty['duty']):,.2f}" in notice and f"VAT {Decimal(duty['vat']):,.2f}" in notice
    row = text_of(loss_row(shown, loss_id))
    assert "Approved by customs" in row and f"15 KGM beyond the allowance: duty and taxes due {total} CNY" in row
    assert decision_buttons(shown, loss_id) == [] and "/decision" not in loss_row(shown, loss_id)
    assert f'href="#m-{booked[0]["id"]}"' in loss_row(shown, loss_id) and f'id="m-{booked[0]["id"]}"' in shown
    b.ledger_ok()


def test_customs_approves_a_loss_within_the_allowance_and_rejects_another(bonded: Bonded) -> None:
    b = bonded
    path, small = reported_loss(b, "4")
    a = b.zone.enterprise_a
    other = b.post("keeper_a", "/losses", {"site": "HRS-ROAD", "lot": path.rsplit("/", 1)[1], "quantity": "50",
                                           "reason": "spilt"})["id"]  # fmt: skip
    html = page(b, "supervisor", path)
    assert decision_buttons(html, small) == ["yes", "no"] and decision_buttons(html, other) == ["yes", "no"]
    token = csrf_of(html)
    approved = b.client.post(f"/bonded/losses/{small}/decision", data={"approve": "yes", "csrf_token": token})
    assert approved.status_code == 200  # followed to the lot page
    notice = notice_of(approved.text)
    assert "Loss approved: 4 KGM written off within the lot's allowance, no duty is due." in notice
    within = [m for m in movements(b) if m["approval_ref"] == f"loss:{small}"]
    assert len(within) == 1 and within[0]["duty"] is None and within[0]["reason_code"] == "within_allowance"
    assert "within the allowance: no duty" in text_of(loss_row(approved.text, small))
    # the other one rejected: nothing is booked, the stock stays as it was
    rejected = b.client.post(
        f"/bonded/losses/{other}/decision", data={"approve": "no", "csrf_token": token}, follow_redirects=False
    )
    assert rejected.status_code == 303 and rejected.headers["location"].endswith(f"loss={other}#loss-{other}")
    shown = b.client.get(rejected.headers["location"]).text
    assert "Loss rejected: nothing is written off" in notice_of(shown)
    assert "Rejected by customs" in text_of(loss_row(shown, other)) and decision_buttons(shown, other) == []
    assert not [m for m in movements(b) if m["approval_ref"] == f"loss:{other}"]
    balances = lot_balances(b, path)
    assert balances[f"loss:{a}"] == "4.000" and balances[f"stock:{a}:HRS-ROAD"] == "996.000"
    b.post("officer", f"/losses/{other}/decision", {"approve": True}, expect=409)  # the API: decided already
    assert lot_balances(b, path)[f"loss:{a}"] == "4.000"
    b.ledger_ok()


def test_a_second_decision_from_the_page_is_a_409_that_changes_nothing(bonded: Bonded) -> None:
    b = bonded
    path, loss_id = reported_loss(b, "25")
    html = page(b, "officer", path)  # the page drawn while the loss was pending: a stale button
    token = csrf_of(html)
    first = b.client.post(f"/bonded/losses/{loss_id}/decision", data={"approve": "no", "csrf_token": token})
    assert first.status_code == 200
    before = (lot_balances(b, path), movements(b))
    again = b.client.post(f"/bonded/losses/{loss_id}/decision", data={"approve": "yes", "csrf_token": token})
    assert again.status_code == 409
    error = text_of(again.text.split('data-testid="decision-error"', 1)[1].split("</div>", 1)[0])
    assert "This loss was rejected by customs already: nothing was changed." in error
    assert (
        "Rejected by customs" in text_of(loss_row(again.text, loss_id)) and decision_buttons(again.text, loss_id) == []
    )
    same = b.client.post(f"/bonded/losses/{loss_id}/decision", data={"approve": "no", "csrf_token": token})
    assert same.status_code == 409 and 'data-testid="decision-error"' in same.text
    assert (lot_balances(b, path), movements(b)) == before
    # an approved one, decided again (a double click): still one loss movement
    path2, approved = reported_loss(b, "5")
    token = csrf_of(page(b, "officer", path2))  # signed in again: a new session, a new token
    assert (
        b.client.post(f"/bonded/losses/{approved}/decision", data={"approve": "yes", "csrf_token": token}).status_code
        == 200
    )
    twice = b.client.post(f"/bonded/losses/{approved}/decision", data={"approve": "yes", "csrf_token": token})
    assert twice.status_code == 409 and "This loss was approved by customs already" in twice.text
    assert len([m for m in movements(b) if m["approval_ref"] == f"loss:{approved}"]) == 1
    # neither yes nor no: 422, nothing decided
    _path3, pending = reported_loss(b, "2")
    odd = b.client.post(f"/bonded/losses/{pending}/decision", data={"approve": "maybe", "csrf_token": token})
    assert odd.status_code == 422 and "choose to approve or to reject the loss" in odd.text
    assert decision_buttons(odd.text, pending) == ["yes", "no"]
    b.ledger_ok()


def test_who_may_decide_a_loss_from_the_lot_page(bonded: Bonded) -> None:
    b = bonded
    path, loss_id = reported_loss(b, "25")
    before = (lot_balances(b, path), movements(b))
    for who in ("keeper_a", "trader_a", "analyst"):
        html = page(b, who, path)
        assert f'id="loss-{loss_id}"' in html and decision_buttons(html, loss_id) == []
        assert "Awaiting customs" in text_of(loss_row(html, loss_id))
        for answer in ("yes", "no"):
            refused = b.client.post(
                f"/bonded/losses/{loss_id}/decision", data={"approve": answer, "csrf_token": csrf_of(html)}
            )
            assert refused.status_code == 403, who
    # a keeper of another enterprise: the loss does not exist for them
    page(b, "keeper_b", path, expect=404)
    stranger = page(b, "keeper_b", "/bonded")
    gone = b.client.post(f"/bonded/losses/{loss_id}/decision", data={"approve": "yes", "csrf_token": csrf_of(stranger)})
    assert gone.status_code == 404
    # no loss of that id at all, and customs without the form's token
    html = page(b, "officer", path)
    missing = b.client.post(
        "/bonded/losses/" + "0" * 32 + "/decision", data={"approve": "yes", "csrf_token": csrf_of(html)}
    )
    assert missing.status_code == 404
    assert b.client.post(f"/bonded/losses/{loss_id}/decision", data={"approve": "yes"}).status_code == 403
    assert (lot_balances(b, path), movements(b)) == before
    assert decision_buttons(page(b, "officer", path), loss_id) == ["yes", "no"]  # still pending
    assert decision_buttons(page(b, "admin", path), loss_id) == ["yes", "no"]  # the admin decides for customs too


def test_a_loss_decision_in_russian(bonded: Bonded) -> None:
    b = bonded
    ru = {"Accept-Language": "ru-RU,ru;q=0.9"}
    path, loss_id = reported_loss(b, "1025", quantity="5000")  # 50 kg allowed: 975 beyond it
    page(b, "officer", "/bonded")
    html = b.client.get(path, headers=ru).text
    row = text_of(loss_row(html, loss_id))
    assert "Одобрить потерю" in row and "Отклонить потерю" in row and "Approve the loss" not in html
    r = b.client.post(
        f"/bonded/losses/{loss_id}/decision", data={"approve": "yes", "csrf_token": csrf_of(html)}, headers=ru
    )
    assert r.status_code == 200
    notice = notice_of(r.text)
    assert "Потеря одобрена: 50 KGM в пределах нормы потерь партии и 975 KGM сверх неё." in notice
    duty = next(m for m in movements(b) if m["approval_ref"] == f"loss:{loss_id}")["duty"]
    total = f"{Decimal(duty['total']):,.2f}".replace(",", "\u00a0").replace(".", ",")
    assert Decimal(duty["total"]) >= 1000  # a figure with a group separator, written the Russian way
    assert re.sub(r"[\u00a0\u202f ]", " ", f"подлежат уплате пошлины и налоги: {total} CNY") in re.sub(
        r"[\u00a0\u202f ]", " ", notice
    )
    assert "Одобрено таможней" in text_of(loss_row(r.text, loss_id)) and "Loss approved" not in r.text
    again = b.client.post(
        f"/bonded/losses/{loss_id}/decision", data={"approve": "no", "csrf_token": csrf_of(html)}, headers=ru
    )
    assert again.status_code == 409
    assert "Эта потеря уже одобрена таможней: ничего не изменено." in text_of(again.text)


# --- the fuel uplift form's error summary -------------------------------------------------------------------


def test_the_uplift_form_error_summary_names_the_fields_by_their_labels_in_russian(bonded: Bonded) -> None:
    b = bonded
    ru = {"Accept-Language": "ru-RU,ru;q=0.9"}
    fuel(b, "keeper_b", "30000")
    page(b, "airline_b", "/bonded/fuel")
    html = b.client.get("/bonded/fuel", headers=ru).text
    token = csrf_of(html)
    bad = b.client.post(
        "/bonded/fuel/uplifts",
        data={**uplift_form(litres_15c="", density_15c=""), "csrf_token": token},
        headers=ru,
    )
    assert bad.status_code == 422
    summary = bad.text.split('data-testid="form-errors"', 1)[1].split("</div>", 1)[0]
    assert '<a href="#field-litres_15c">Литры при 15 °C</a>: обязательно' in summary
    assert '<a href="#field-density_15c">Плотность при 15 °C (кг/м³)</a>: обязательно' in summary
    assert "Litres 15c" not in summary and "Density 15c" not in summary
    # the labels in the summary are the fields' own
    assert '<label for="f-litres_15c">Литры при 15 °C' in bad.text
    # a field error the service finds reads its label too
    wrong = b.client.post(
        "/bonded/fuel/uplifts", data={**uplift_form(flight_number="??"), "csrf_token": token}, headers=ru
    )
    assert wrong.status_code == 422
    assert '<a href="#field-flight_number">Номер рейса</a>:' in wrong.text.split('data-testid="form-errors"', 1)[1]
