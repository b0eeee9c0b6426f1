"""Clearance over HTTP: green, yellow and red paths with stage timestamps, reasons, taxes and scoping."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from silkport.clearance.adapters.rulebook_file import default_rulebook
from silkport.clearance.services.handlers import publish_rulebook
from silkport.infra.outbox import Dispatcher
from silkport.shared.actor import Actor, Role
from tests.conftest import Zone
from tests.factories import declaration, item, sanctioned, vehicles


@pytest.fixture
def no_random(zone: Zone) -> Zone:
    """The shipped rulebook without random sampling, so each test's lane is certain."""
    rulebook = replace(default_rulebook(), version="test-no-random", random_rate=Decimal(0))
    supervisor = Actor("sup", "supervisor", Role.CUSTOMS_SUPERVISOR)
    publish_rulebook(zone.platform.clearance_uow(), supervisor, rulebook)
    return zone


def file(zone: Zone, who: str, body: dict[str, Any], **params: Any) -> Any:
    r = zone.client.post("/api/v1/declarations", json=body, params=params, headers=zone.headers(who))
    assert r.status_code == 201, r.text
    return r.json()


def post(zone: Zone, who: str, path: str, body: Mapping[str, Any] | None = None, status: int = 200) -> Any:
    r = zone.client.post(path, json=body or {}, headers=zone.headers(who))
    assert r.status_code == status, r.text
    return r.json()


def advance(zone: Zone, minutes: int) -> None:
    zone.platform.clock.advance(timedelta(minutes=minutes))  # type: ignore[attr-defined]


def test_green_is_released_on_arrival_once_duty_is_paid(no_random: Zone) -> None:
    z = no_random
    d = file(z, "trader_a", declaration(lrn="LRN-1"))
    assert (d["lane"], d["status"], d["settlement"]) == ("green", "cleared", "unpaid")
    assert d["rulebook_version"] == "test-no-random"
    assert d["risk_score"] is None, "traders do not see the score"
    # CIF 60,000 USD x 7.1 = 426,000 CNY; laptops 0% duty; import VAT 13% = 55,380.00
    assert d["taxes"]["total"] == "55380.00"
    path = f"/api/v1/declarations/{d['id']}"
    advance(z, 5)
    assert post(z, "trader_a", f"{path}/payment", {"method": "paid", "reference": "PAY-1"})["status"] == "cleared"
    advance(z, 30)
    released = post(z, "officer", f"{path}/arrival")
    assert released["status"] == "released"
    stages = released["stages"]
    assert set(stages) == {"lodgement", "acceptance", "risk_assessment", "duty_payment", "arrival", "release"}
    assert stages["arrival"] == stages["release"], "released the moment the goods arrived"
    exited = post(z, "officer", f"{path}/exit")
    assert exited["status"] == "exited" and "exit" in exited["stages"]
    officer_view = z.client.get(path, headers=z.headers("officer")).json()
    assert officer_view["risk_score"] is not None


def test_lodged_on_arrival_green_with_nothing_due_is_released_at_once(no_random: Zone) -> None:
    # a transit from Kazakhstan to Kyrgyzstan through Kashgar: no duty is due, no payment to wait for
    body = declaration(
        type="transit", office="KSS-TIR", dispatch_country="KZ", destination_country="KG", unloading_locode="KGFRU"
    )
    d = file(no_random, "trader_a", body, pre_arrival="false")
    assert d["lane"] == "green" and d["settlement"] == "none_due" and d["status"] == "released"


def test_yellow_goes_through_an_officers_document_check(no_random: Zone) -> None:
    z = no_random
    d = file(z, "trader_a", vehicles())
    assert (d["lane"], d["status"]) == ("yellow", "document_check")
    assert d["reasons"] and all(set(r) >= {"reason"} and r["contribution"] is None for r in d["reasons"])
    queue = z.client.get("/api/v1/workbench/queue", headers=z.headers("officer")).json()
    assert [q["id"] for q in queue["items"]] == [d["id"]]
    officer_view = queue["items"][0]
    assert {r["rule"] for r in officer_view["reasons"]} >= {"watch-vehicles", "first-time-trader"}
    path = f"/api/v1/declarations/{d['id']}"
    post(z, "officer", f"{path}/claim")
    asked = post(z, "officer", f"{path}/document-check", {"decision": "request_documents", "reason": "need COC"})
    assert asked["status"] == "documents_requested"
    post(z, "trader_a", f"{path}/documents", {"reason": "certificate of conformity uploaded"})
    approved = post(z, "officer", f"{path}/document-check", {"decision": "approve", "reason": "values match"})
    assert approved["status"] == "cleared" and "document_check" in approved["stages"]
    post(z, "trader_a", f"{path}/payment", {"method": "guaranteed", "reference": "GUAR-77"})
    assert post(z, "officer", f"{path}/arrival")["status"] == "released"
    trader_history = z.client.get(f"{path}/history", headers=z.headers("trader_a")).json()
    assert [h["to"] for h in trader_history][-3:] == ["document_check", "cleared", "released"]


def test_red_inspection_findings_and_compliance_history(no_random: Zone) -> None:
    z = no_random
    d = file(z, "trader_a", sanctioned())
    assert (d["lane"], d["status"]) == ("red", "inspection")
    path = f"/api/v1/declarations/{d['id']}"
    held = post(
        z,
        "officer",
        f"{path}/inspection",
        {"method": "scanner", "finding": "discrepancy_seizure", "note": "undeclared goods found"},
    )
    assert held["status"] == "held" and "inspection" in held["stages"]
    post(z, "officer", f"{path}/release-hold", {"reason": "n/a"}, status=403)
    cleared = post(z, "supervisor", f"{path}/release-hold", {"reason": "court order"})
    assert cleared["status"] == "cleared"
    # the discrepancy is now in the trader's history: the next declaration sees it
    with z.platform.clearance_uow() as uow:
        assert uow.declarations.trader_history(z.enterprise_a) == (1, 1, 1)


def test_inspection_with_an_amendment_makes_a_new_version(no_random: Zone) -> None:
    z = no_random
    d = file(z, "trader_a", sanctioned())
    path = f"/api/v1/declarations/{d['id']}"
    corrected = sanctioned(items=[item(origin_country="KP", quantity="210")])
    out = post(
        z,
        "officer",
        f"{path}/inspection",
        {"method": "manual", "finding": "discrepancy_amendment", "note": "210 units counted", "amended": corrected},
    )
    assert out["version"] == 2 and out["status"] == "cleared"
    assert out["declaration"]["items"][0]["quantity"] == "210"
    versions = z.client.get(f"{path}/versions", headers=z.headers("officer")).json()
    assert [v["version"] for v in versions] == [1, 2]


def test_field_errors_a_trader_can_act_on_and_nothing_is_stored(no_random: Zone) -> None:
    z = no_random
    bad = declaration(items=[item(), item(), item(hs_code="847135", net_mass_kg="600")], invoice_amount="1000")
    r = z.client.post("/api/v1/declarations", json=bad, headers=z.headers("trader_a"))
    assert r.status_code == 422
    fields = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert fields["items[2].hs_code"] == "847135 does not exist in HS 2022"
    assert "exceeds gross mass" in fields["items[2].net_mass_kg"]
    assert "add up to" in fields["invoice_amount"]
    controlled = declaration(items=[item(hs_code="300490", description="Medicaments")])
    r = z.client.post("/api/v1/declarations", json=controlled, headers=z.headers("trader_a"))
    assert r.json()["errors"] == [
        {"field": "items[0].licences", "message": "HS 300490 is controlled: a licence or permit reference is required"}
    ]
    assert z.client.get("/api/v1/declarations", headers=z.headers("trader_a")).json()["items"] == []


def test_controlled_goods_with_a_licence_go_at_least_yellow(no_random: Zone) -> None:
    body = declaration(
        items=[item(hs_code="300241", description="Vaccines for human medicine", licences=["NMPA-2025-0042"])]
    )
    d = file(no_random, "trader_a", body)
    assert d["lane"] in ("yellow", "red")


def test_a_trader_never_sees_another_enterprises_declarations(no_random: Zone) -> None:
    z = no_random
    d = file(z, "trader_a", declaration())
    path = f"/api/v1/declarations/{d['id']}"
    assert z.client.get(path, headers=z.headers("trader_b")).status_code == 404
    assert z.client.post(f"{path}/withdraw", json={"reason": "x"}, headers=z.headers("trader_b")).status_code == 404
    assert z.client.get("/api/v1/declarations", headers=z.headers("trader_b")).json()["items"] == []
    r = z.client.post(
        "/api/v1/declarations", json={**declaration(), "declarant": z.enterprise_b}, headers=z.headers("trader_a")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "declarant"
    assert z.client.get("/api/v1/workbench/queue", headers=z.headers("trader_a")).status_code == 403


def test_replaying_the_recorded_rulebook_gives_the_same_lane(no_random: Zone) -> None:
    z = no_random
    d = file(z, "trader_a", vehicles())
    # switch another rulebook on: the replay still uses the recorded one
    stricter = replace(default_rulebook(), version="stricter", yellow_at=Decimal(1), red_at=Decimal(2))
    publish_rulebook(z.platform.clearance_uow(), Actor("s", "supervisor", Role.CUSTOMS_SUPERVISOR), stricter)
    replay = z.client.get(f"/api/v1/declarations/{d['id']}/replay", headers=z.headers("officer")).json()
    assert replay["same"] is True and replay["replayed_lane"] == "yellow"
    assert replay["rulebook_version"] == "test-no-random"
    assert file(z, "trader_a", vehicles())["rulebook_version"] == "stricter"


def test_an_idempotent_retry_files_once(no_random: Zone) -> None:
    z = no_random
    h = {**z.headers("trader_a"), "Idempotency-Key": "file-42"}
    first = z.client.post("/api/v1/declarations", json=declaration(), headers=h)
    again = z.client.post("/api/v1/declarations", json=declaration(), headers=h)
    assert first.json()["id"] == again.json()["id"]
    assert len(z.client.get("/api/v1/declarations", headers=z.headers("trader_a")).json()["items"]) == 1


def test_status_changes_reach_the_traders_webhook_signed_and_retried(no_random: Zone) -> None:
    z = no_random
    hook = post(z, "trader_a", "/api/v1/webhooks", {"url": "https://erp.example/hooks/customs"}, status=201)
    received: list[tuple[str, bytes, Mapping[str, str]]] = []
    fail_first = {"n": 1}

    def fake_post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        if fail_first["n"]:
            fail_first["n"] -= 1
            return 503
        received.append((url, body, headers))
        return 204

    d = file(z, "trader_a", declaration())
    file(z, "trader_b", declaration())  # another enterprise's events must not reach trader_a's hook
    dispatcher = Dispatcher(z.platform.session_factory, z.platform.clock, post=fake_post)
    first = dispatcher.run_once()
    assert first.attempted > 0 and first.delivered == first.attempted - 1
    advance(z, 1)
    dispatcher.run_once()
    events = [json.loads(body) for _, body, _ in received]
    assert {e["declaration_id"] for e in events} == {d["id"]}
    assert [e["type"] for e in events if e["type"] == "declaration.cleared"]
    assert len({e["event_id"] for e in events}) == len(events)
    for _, body, headers in received:
        expected = "sha256=" + hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Silkport-Signature"] == expected
    assert dispatcher.run_once().attempted == 0, "delivered events are not sent again"


def test_a_supervisor_publishes_a_rulebook_version_and_it_is_audited(zone: Zone) -> None:
    h = zone.headers("supervisor")
    yaml_text = zone.client.get("/api/v1/rulebooks/active?format=yaml", headers=h).text
    assert "random_rate" in yaml_text
    new = yaml_text.replace("version: 2025.1-smart-port", "version: 2025.2-test").replace(
        "random_rate: '0.02'", "random_rate: '0.05'"
    )
    r = zone.client.post("/api/v1/rulebooks", content=new, headers={**h, "content-type": "application/yaml"})
    assert r.status_code == 201, r.text
    assert zone.client.get("/api/v1/rulebooks/active", headers=h).json()["random_rate"] == "0.05"
    again = zone.client.post("/api/v1/rulebooks", content=new, headers={**h, "content-type": "application/yaml"})
    assert again.status_code == 409
    broken = new.replace("version: 2025.2-test", "version: '2025.3'").replace("yellow_at: '30'", "yellow_at: abc")
    bad = zone.client.post("/api/v1/rulebooks", content=broken, headers={**h, "content-type": "application/yaml"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "yellow_at"
    officer = zone.client.post(
        "/api/v1/rulebooks", content=new, headers={**zone.headers("officer"), "content-type": "application/yaml"}
    )
    assert officer.status_code == 403
    audit = zone.client.get("/api/v1/audit?object_id=2025.2-test", headers=zone.headers("admin")).json()
    assert audit[0]["action"] == "rulebook.published" and audit[0]["actor"] == "supervisor"
    versions = zone.client.get("/api/v1/rulebooks", headers=h).json()
    assert [v["version"] for v in versions if v["active"]] == ["2025.2-test"]


def test_a_declared_exchange_rate_far_from_customs_rate_is_flagged(no_random: Zone) -> None:
    d = file(no_random, "trader_a", declaration(exchange_rate="7.5000"))
    assert [w["field"] for w in d["warnings"]] == ["exchange_rate"]
    assert "differs from the customs rate" in d["warnings"][0]["message"]


def test_webhooks_belong_to_their_enterprise(zone: Zone) -> None:
    hook = post(zone, "trader_a", "/api/v1/webhooks", {"url": "https://a.example/hook"}, status=201)
    assert hook["secret"], "the secret is shown once, at creation"
    assert zone.client.get("/api/v1/webhooks", headers=zone.headers("trader_b")).json() == []
    listed = zone.client.get("/api/v1/webhooks", headers=zone.headers("trader_a")).json()
    assert [h["id"] for h in listed] == [hook["id"]] and listed[0]["secret"] is None
    assert zone.client.delete(f"/api/v1/webhooks/{hook['id']}", headers=zone.headers("trader_b")).status_code == 404
    assert zone.client.delete(f"/api/v1/webhooks/{hook['id']}", headers=zone.headers("trader_a")).status_code == 204
    bad = zone.client.post("/api/v1/webhooks", json={"url": "not a url"}, headers=zone.headers("trader_a"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "url"
