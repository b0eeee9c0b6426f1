"""TIR transit over HTTP: a whole transport Kashgar -> Irkeshtam -> Bishkek with the Kyrgyz leg reported by
partner customs, eTIR refusals with their error class and code, and holder scoping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from silkport.infra.audit import verify_chain
from silkport.infra.outbox import OutboxRow
from silkport.infra.partners import InboundMessage, OutboundMessageRow, envelope, signed_headers
from silkport.shared.actor import SYSTEM
from silkport.transit.adapters.repository import partner_handlers
from silkport.transit.domain.errors import EtirError
from tests.conftest import PASSWORD, Zone

T = "/api/v1/transit"
SEALS = ["CN2025-0001", "CN2025-0002"]
ITINERARY = [
    {"country": "CN", "office_of_start": "CNKSS-TIR", "office_of_end": "CNYRK"},
    {"country": "KG", "office_of_start": "KGOSS-IRK", "office_of_end": "KGFRU-TIR"},
]


def post(zone: Zone, who: str, path: str, body: Mapping[str, Any] | None = None, status: int = 200) -> Any:
    r = zone.client.post(f"{T}{path}", json=body if body is not None else {}, headers=zone.headers(who))
    assert r.status_code == status, r.text
    return r.json()


def get(zone: Zone, who: str, path: str, status: int = 200) -> Any:
    r = zone.client.get(f"{T}{path}", headers=zone.headers(who))
    assert r.status_code == status, r.text
    return r.json()


def advance(zone: Zone, hours: float) -> None:
    """Move the zone's clock; sign everyone in again, as sessions do not last days."""
    zone.platform.clock.advance(timedelta(hours=hours))  # type: ignore[attr-defined]
    for who in zone.tokens:
        r = zone.client.post("/api/v1/auth/token", json={"username": who, "password": PASSWORD})
        assert r.status_code == 200, r.text
        zone.tokens[who] = r.json()["access_token"]


def now(zone: Zone) -> datetime:
    return zone.platform.clock.now()


def guarantee(zone: Zone, reference: str = "XZ81234567", days: int = 30, holder: str | None = None) -> Any:
    body = {
        "reference": reference,
        "chain": "IRU",
        "holder_id": "CHN/080/000101",
        "holder_enterprise_id": holder or zone.enterprise_a,
        "amount": "100000",
        "currency": "EUR",
        "valid_until": (now(zone) + timedelta(days=days)).isoformat(),
    }
    return post(zone, "admin", "/guarantees", body, status=201)


def advance_data(zone: Zone, reference: str = "XZ81234567", who: str = "trader_a", status: int = 201) -> Any:
    body = {
        "guarantee_reference": reference,
        "holder_id": "CHN/080/000101",
        "vehicle": "新A-12345",
        "goods_description": "Cotton fabrics, 22 pallets",
        "gross_mass_kg": "18400.5",
        "itinerary": ITINERARY,
    }
    return post(zone, who, "/transports", body, status=status)


def etir(body: Mapping[str, Any]) -> tuple[str, int, str]:
    e = body["etir"]
    return e["error_class"], e["code"], e["message"]


def partner(zone: Zone, message_id: str, message_type: str, payload: dict[str, Any]) -> None:
    handlers = partner_handlers(zone.platform.transit_uow)
    handlers[message_type](
        InboundMessage(
            partner="KG",
            message_id=message_id,
            message_type=message_type,
            payload=payload,
            received_at=now(zone),
        )
    )


def test_a_whole_transport_kashgar_irkeshtam_bishkek(zone: Zone) -> None:
    g = guarantee(zone)
    assert (g["message"], g["pair"], g["guarantee"]["state"]) == ("E2", "E1/E2", "registered")

    e10 = advance_data(zone)
    assert (e10["message"], e10["pair"]) == ("E10", "E9/E10")
    tid = e10["transport"]["id"]
    assert e10["transport"]["state"] == "declared"
    assert [o["state"] for o in e10["transport"]["operations"]] == ["planned", "planned"]

    advance(zone, 1)
    i8 = post(zone, "officer", f"/transports/{tid}/operations/1/accept")
    assert (i8["message"], i8["pair"], i8["transport"]["state"]) == ("I8", "I7/I8", "accepted")
    assert i8["transport"]["guarantee_state"] == "accepted"

    start = now(zone)
    i10 = post(zone, "officer", f"/transports/{tid}/operations/1/start", {"seals": SEALS})
    assert (i10["message"], i10["transport"]["state"]) == ("I10", "in_transit")
    assert i10["transport"]["seals"] == sorted(SEALS)

    advance(zone, 20)  # Kashgar -> Irkeshtam
    i12 = post(zone, "officer", f"/transports/{tid}/operations/1/terminate", {"seals": list(reversed(SEALS))})
    assert (i12["message"], i12["pair"]) == ("I12", "I11/I12")
    op1 = i12["transport"]["operations"][0]
    assert (op1["state"], op1["w2w_hours"]) == ("terminated", "20.00")
    assert i12["transport"]["messages"][-1]["pair"] == "I15/I16", "the exit towards KG notifies Kyrgyz customs"

    with zone.platform.session_factory() as s:
        out = s.scalars(select(OutboundMessageRow).where(OutboundMessageRow.partner == "KG")).all()
    assert [(m.message_type, m.message_id) for m in out] == [("I15", f"{tid}-I15-2")]
    assert out[0].payload["operation"]["office_of_entry"] == "KGOSS-IRK"
    assert out[0].payload["seals"] == sorted(SEALS)

    # the Kyrgyz leg, as Kyrgyz customs report it: start at entry (2 h at the border), termination at Bishkek
    entry = start + timedelta(hours=22)
    partner(zone, "kg-0001", "I10", {"transport_id": tid, "operation": 2, "at": entry.isoformat(), "seals": SEALS})
    partner(zone, "kg-0001", "I10", {"transport_id": tid, "operation": 2, "at": entry.isoformat(), "seals": SEALS})
    arrival = start + timedelta(hours=50)
    partner(zone, "kg-0002", "I12", {"transport_id": tid, "operation": 2, "at": arrival.isoformat(), "seals": SEALS})
    partner(zone, "kg-0003", "I14", {"transport_id": tid, "operation": 2, "at": arrival.isoformat()})
    advance(zone, 60)

    t = get(zone, "trader_a", f"/transports/{tid}")
    assert t["state"] == "terminated"
    assert [m["message_id"] for m in t["messages"]].count("KG:kg-0001") == 1, (
        "a repeated partner message is applied once"
    )
    i14 = post(zone, "officer", f"/transports/{tid}/operations/1/discharge")
    assert (i14["message"], i14["transport"]["state"], i14["transport"]["guarantee_state"]) == (
        "I14",
        "discharged",
        "discharged",
    )
    w = i14["transport"]["w2w"]
    assert w == {"complete": True, "hours": "50.00", "operations_hours": "48.00", "border_hours": "2.00"}
    assert [o["w2w_hours"] for o in i14["transport"]["operations"]] == ["20.00", "28.00"]
    assert [m["request"] for m in i14["transport"]["messages"]] == [
        "E9", "I7", "I9", "I11", "I15", "I7", "I9", "I11", "I13", "I13"
    ]  # fmt: skip
    assert get(zone, "admin", "/guarantees/XZ81234567")["guarantee"]["state"] == "discharged"

    listed = get(zone, "trader_a", "/transports?state=discharged")
    assert [x["id"] for x in listed["items"]] == [tid]
    with zone.platform.session_factory() as s:
        events = s.scalars(select(OutboxRow.event_type).where(OutboxRow.enterprise_id == zone.enterprise_a)).all()
        assert "transit.operation.started" in events and "transit.guarantee.discharged" in events
        assert verify_chain(s).ok


def test_refusals_carry_the_etir_error_class_and_code(zone: Zone) -> None:
    guarantee(zone)
    tid = advance_data(zone)["transport"]["id"]
    base = f"/transports/{tid}/operations"

    r = post(zone, "officer", f"{base}/1/terminate", {"seals": SEALS}, status=409)
    assert etir(r) == ("workflow_state", 213, "I11/I12") and r["etir"]["name"] == "Operation not yet started"
    r = post(zone, "officer", f"{base}/1/start", {"seals": SEALS}, status=409)
    assert etir(r) == ("workflow_state", 200, "I9/I10"), "start before the declaration data are recorded"
    post(zone, "officer", f"{base}/1/accept")
    r = post(zone, "officer", f"{base}/1/start", {"seals": []}, status=422)
    assert etir(r) == ("validation", 101, "I9/I10") and r["errors"][0]["field"] == "seals"
    r = post(zone, "officer", f"{base}/2/start", {"seals": SEALS}, status=409)
    assert etir(r) == ("functional", 300, "I9/I10"), "the Kyrgyz operation is Kyrgyz customs' to start"
    r = post(zone, "officer", f"{base}/3/start", {"seals": SEALS}, status=422)
    assert etir(r) == ("validation", 102, "I9/I10")

    post(zone, "officer", f"{base}/1/start", {"seals": SEALS})
    r = post(zone, "officer", f"{base}/1/discharge", status=409)
    assert etir(r) == ("workflow_state", 200, "I13/I14"), "discharge before termination"
    r = post(zone, "officer", f"{base}/1/start", {"seals": SEALS}, status=409)
    assert etir(r) == ("workflow_state", 210, "I9/I10")
    r = post(zone, "trader_a", f"/transports/{tid}/cancel", status=409)
    assert etir(r) == ("workflow_state", 210, "E13/E14")

    # start in Kyrgyzstan before the termination at exit from China
    with pytest.raises(EtirError) as caught:
        partner(
            zone, "kg-early", "I10", {"transport_id": tid, "operation": 2, "at": now(zone).isoformat(), "seals": SEALS}
        )
    assert (caught.value.code, caught.value.message) == (200, "I9/I10")

    before = get(zone, "officer", f"/transports/{tid}")
    r = post(zone, "officer", f"{base}/1/terminate", {"seals": ["CN2025-0001", "CN2025-9999"]}, status=409)
    assert etir(r) == ("functional", 300, "I11/I12") and r["etir"]["pointer"] == "seals"
    assert get(zone, "officer", f"/transports/{tid}") == before, "a refusal changes nothing"

    # broken seals: the officer certifies the incident and affixes new ones; termination checks those
    incident = {
        "operation": 1,
        "kind": "broken_seals",
        "place": "G3012 km 1410, Ulugqat",
        "description": "Seal CN2025-0002 found broken after a collision; load checked complete, resealed.",
        "new_seals": ["CN2025-0101", "CN2025-0102"],
    }
    r = post(zone, "officer", f"/transports/{tid}/incidents", {**incident, "new_seals": None}, status=422)
    assert etir(r) == ("validation", 101, "incident")
    rec = post(zone, "officer", f"/transports/{tid}/incidents", incident, status=201)
    assert rec["transport"]["incidents"][0]["certified_by"] == "officer"
    assert rec["transport"]["seals"] == ["CN2025-0101", "CN2025-0102"]
    post(zone, "officer", f"{base}/1/terminate", {"seals": SEALS}, status=409)
    post(zone, "officer", f"{base}/1/terminate", {"seals": ["CN2025-0101", "CN2025-0102"]})
    r = post(zone, "officer", f"{base}/1/terminate", {"seals": ["CN2025-0101", "CN2025-0102"]}, status=409)
    assert etir(r) == ("workflow_state", 211, "I11/I12")


def test_guarantees_expire_and_cancel_as_etir_says(zone: Zone) -> None:
    guarantee(zone, "XZ00000001", days=2)
    tid = advance_data(zone, "XZ00000001")["transport"]["id"]
    advance(zone, 72)
    r = post(zone, "officer", f"/transports/{tid}/operations/1/accept", status=409)
    assert etir(r) == ("workflow_state", 201, "I7/I8"), "the guarantee expired before acceptance"
    r = post(zone, "trader_a", "/guarantees/XZ00000001/cancel", status=403)
    r = post(zone, "admin", "/guarantees/XZ00000001/cancel", status=409)
    assert etir(r) == ("workflow_state", 203, "E3/E4"), "a guarantee a transport uses cannot be cancelled"
    e14 = post(zone, "trader_a", f"/transports/{tid}/cancel")
    assert (e14["message"], e14["transport"]["state"], e14["transport"]["guarantee_state"]) == (
        "E14",
        "cancelled",
        "registered",
    )
    assert get(zone, "trader_a", "/guarantees/XZ00000001")["guarantee"]["state"] == "expired"
    with zone.platform.session_factory() as s:
        events = s.scalars(select(OutboxRow.event_type).where(OutboxRow.enterprise_id == zone.enterprise_a)).all()
    assert "transit.guarantee.released" in events and "transit.cancelled" in events
    r = advance_data(zone, "XZ00000001", status=409)
    assert etir(r) == ("workflow_state", 201, "E9/E10")
    e4 = post(zone, "admin", "/guarantees/XZ00000001/cancel")
    assert (e4["message"], e4["guarantee"]["state"]) == ("E4", "cancelled")
    r = post(zone, "admin", "/guarantees/XZ00000001/cancel", status=409)
    assert etir(r) == ("workflow_state", 205, "E3/E4")

    guarantee(zone, "XZ00000002")
    r = post(zone, "admin", "/guarantees", {**_g(zone, "XZ00000002")}, status=409)
    assert etir(r) == ("workflow_state", 204, "E1/E2")
    tid = advance_data(zone, "XZ00000002")["transport"]["id"]
    r = post(zone, "officer", f"/transports/{tid}/operations/1/refuse", {"reason": "  "}, status=422)
    assert etir(r) == ("validation", 101, "I17/I18")
    i18 = post(
        zone,
        "officer",
        f"/transports/{tid}/operations/1/refuse",
        {"reason": "Vehicle not approved for sealed transport"},
    )
    assert (i18["message"], i18["transport"]["state"], i18["transport"]["guarantee_state"]) == (
        "I18",
        "refused",
        "registered",
    )
    r = post(zone, "officer", f"/transports/{tid}/operations/1/accept", status=409)
    assert etir(r)[:2] == ("workflow_state", 200)


def _g(zone: Zone, reference: str) -> dict[str, Any]:
    return {
        "reference": reference,
        "chain": "IRU",
        "holder_id": "CHN/080/000101",
        "holder_enterprise_id": zone.enterprise_a,
        "amount": "5000",
        "currency": "EUR",
        "valid_until": (now(zone) + timedelta(days=5)).isoformat(),
    }


def test_bad_input_is_a_precise_4xx_and_stores_nothing(zone: Zone) -> None:
    r = post(zone, "admin", "/guarantees", {**_g(zone, "X1"), "currency": "EUX"}, status=422)
    assert etir(r) == ("validation", 106, "E1/E2") and r["errors"][0]["field"] == "reference"
    r = post(zone, "admin", "/guarantees", {**_g(zone, "XZ00000003"), "currency": "EUX"}, status=422)
    assert r["errors"][0]["field"] == "currency"
    r = post(zone, "admin", "/guarantees", {**_g(zone, "XZ00000003"), "colour": "red"}, status=422)
    assert r["errors"][0] == {"field": "colour", "message": "unknown field"}
    r = post(zone, "admin", "/guarantees", {**_g(zone, "XZ00000003"), "holder_enterprise_id": "nobody"}, status=422)
    assert etir(r) == ("functional", 322, "E1/E2") and r["errors"][0]["field"] == "holder_enterprise_id"
    get(zone, "admin", "/guarantees/XZ00000003", status=404)
    post(zone, "officer", "/guarantees", _g(zone, "XZ00000003"), status=403)

    guarantee(zone)
    body = {
        "guarantee_reference": "XZ81234567",
        "holder_id": "CHN/080/000101",
        "vehicle": "新A-12345",
        "goods_description": "Cotton",
        "gross_mass_kg": "100",
        "itinerary": [{"country": "CN", "office_of_start": "KGOSS", "office_of_end": "CNYRK"}],
    }
    r = post(zone, "trader_a", "/transports", body, status=422)
    assert etir(r) == ("validation", 102, "E9/E10") and r["errors"][0]["field"] == "itinerary[0].office_of_start"
    r = post(zone, "trader_a", "/transports", {**body, "holder_id": "CHN/080/999999"}, status=409)
    assert etir(r) == ("functional", 320, "E9/E10")
    assert get(zone, "trader_a", "/transports")["items"] == []
    assert get(zone, "admin", "/guarantees/XZ81234567")["guarantee"]["state"] == "registered"


def test_holders_see_only_their_own(zone: Zone) -> None:
    guarantee(zone)
    tid = advance_data(zone)["transport"]["id"]
    get(zone, "trader_b", f"/transports/{tid}", status=404)
    get(zone, "trader_b", "/guarantees/XZ81234567", status=404)
    r = advance_data(zone, who="trader_b", status=404)
    assert etir(r) == ("functional", 301, "E9/E10")
    post(zone, "trader_b", f"/transports/{tid}/cancel", status=404)
    assert get(zone, "trader_b", "/transports")["items"] == []
    assert [t["id"] for t in get(zone, "analyst", "/transports")["items"]] == [tid]
    post(zone, "trader_a", f"/transports/{tid}/operations/1/accept", status=403)
    post(zone, "analyst", "/transports", {}, status=422)


def test_advance_data_retried_with_the_same_idempotency_key_creates_one_transport(zone: Zone) -> None:
    guarantee(zone)
    body = {
        "guarantee_reference": "XZ81234567",
        "holder_id": "CHN/080/000101",
        "vehicle": "新A-12345",
        "goods_description": "Cotton",
        "gross_mass_kg": "100",
        "itinerary": ITINERARY,
    }
    h = {**zone.headers("trader_a"), "Idempotency-Key": "e9-0001"}
    first = zone.client.post(f"{T}/transports", json=body, headers=h)
    again = zone.client.post(f"{T}/transports", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert first.json()["transport"]["id"] == again.json()["transport"]["id"]
    assert len(get(zone, "trader_a", "/transports")["items"]) == 1


def test_listing_pages_newest_first(zone: Zone) -> None:
    ids = []
    for n in range(3):
        guarantee(zone, f"XZ1000000{n}")
        ids.append(advance_data(zone, f"XZ1000000{n}")["transport"]["id"])
        advance(zone, 1)
    page = get(zone, "admin", "/transports?limit=2")
    assert [t["id"] for t in page["items"]] == ids[:0:-1]
    rest = get(zone, "admin", f"/transports?limit=2&cursor={page['next_cursor']}")
    assert [t["id"] for t in rest["items"]] == ids[:1] and rest["next_cursor"] is None
    assert datetime(2025, 1, 1, tzinfo=UTC) < now(zone)


def test_the_kyrgyz_leg_arrives_signed_through_the_partner_inbound_and_applies_once(zone: Zone) -> None:
    """The lead registers :func:`partner_handlers` on the platform; here the test does, then KG customs
    deliver their I10/I12/I14 over HTTP (HMAC-signed) and the inbound processor applies them."""
    p = zone.platform
    p.partner_handlers.update(partner_handlers(p.transit_uow))
    creds = p.partners().add(SYSTEM, code="KG", name="State Customs Service of the Kyrgyz Republic")
    guarantee(zone)
    tid = advance_data(zone)["transport"]["id"]
    base = f"/transports/{tid}/operations/1"
    post(zone, "officer", f"{base}/accept")
    post(zone, "officer", f"{base}/start", {"seals": SEALS})
    advance(zone, 20)
    post(zone, "officer", f"{base}/terminate", {"seals": SEALS})

    def deliver(message_id: str, message_type: str, payload: dict[str, Any]) -> int:
        body = envelope(message_id, message_type, now(zone), payload)
        headers = signed_headers(creds.inbound_key_id, creds.inbound_secret, body, now(zone), message_id)
        return zone.client.post("/api/v1/partners/inbound", content=body, headers=headers).status_code

    advance(zone, 2)
    i10 = {"transport_id": tid, "operation": 2, "at": now(zone).isoformat(), "seals": SEALS}
    assert deliver("kg-i10-1", "I10", i10) == 202
    assert deliver("kg-i10-1", "I10", i10) == 200, "a repeat is recognised at the door"
    advance(zone, 26)
    assert deliver("kg-i12-1", "I12", {**i10, "at": now(zone).isoformat()}) == 202
    assert deliver("kg-i14-1", "I14", {"transport_id": tid, "operation": 2, "at": now(zone).isoformat()}) == 202
    report = p.partner_processor().process_due()
    assert (report.processed, report.failed) == (3, 0)
    assert p.partner_processor().process_due().attempted == 0

    t = get(zone, "trader_a", f"/transports/{tid}")
    assert [o["state"] for o in t["operations"]] == ["terminated", "discharged"]
    assert t["w2w"]["hours"] == "48.00" and t["w2w"]["border_hours"] == "2.00"
    assert [m["message_id"] for m in t["messages"] if m["by"] == "KG customs"] == [
        "KG:kg-i10-1#I7", "KG:kg-i10-1", "KG:kg-i12-1", "KG:kg-i14-1"
    ]  # fmt: skip
    i14 = post(zone, "officer", f"{base}/discharge")
    assert (i14["transport"]["state"], i14["transport"]["guarantee_state"]) == ("discharged", "discharged")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "1e30"}, "amount"),
        ({"amount": "10.001"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"valid_until": "2030-01-01T00:00:00"}, "valid_until"),
        ({"valid_until": "soon"}, "valid_until"),
    ],
)
def test_guarantee_values_out_of_range_are_422_not_500(zone: Zone, change: dict[str, str], field: str) -> None:
    r = zone.client.post(f"{T}/guarantees", json={**_g(zone, "XZ00000004"), **change}, headers=zone.headers("admin"))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field


def test_transport_values_out_of_range_are_422_not_500(zone: Zone) -> None:
    guarantee(zone)
    for mass in ("1e20", "0.0001", "NaN", "-5"):
        r = zone.client.post(
            f"{T}/transports",
            json={
                "guarantee_reference": "XZ81234567",
                "holder_id": "CHN/080/000101",
                "vehicle": "A-1",
                "goods_description": "cotton",
                "gross_mass_kg": mass,
                "itinerary": ITINERARY,
            },
            headers=zone.headers("trader_a"),
        )
        assert r.status_code == 422, (mass, r.text)
        assert r.json()["errors"][0]["field"] == "gross_mass_kg"
    for seq in ("0", "-1", "99999999999999999999", "x"):
        r = zone.client.post(f"{T}/transports/nope/operations/{seq}/accept", headers=zone.headers("officer"))
        assert r.status_code in (404, 422), (seq, r.text)


def test_guarantee_listing_by_state_and_holder(zone: Zone) -> None:
    guarantee(zone, "XZ20000001", days=1)
    guarantee(zone, "XZ20000002")
    guarantee(zone, "XZ20000003", holder=zone.enterprise_b)
    advance_data(zone, "XZ20000002")
    advance(zone, 48)

    def refs(who: str, query: str = "") -> list[str]:
        return [g["reference"] for g in get(zone, who, f"/guarantees{query}")["items"]]

    assert refs("admin") == ["XZ20000003", "XZ20000002", "XZ20000001"]
    assert refs("admin", "?state=expired") == ["XZ20000001"]
    assert refs("admin", "?state=registered") == ["XZ20000003", "XZ20000002"], "in use by a transport: not expired"
    assert refs("trader_a") == ["XZ20000002", "XZ20000001"]
    assert refs("trader_b") == ["XZ20000003"]
    first = get(zone, "admin", "/guarantees?limit=2")
    rest = get(zone, "admin", f"/guarantees?limit=2&cursor={first['next_cursor']}")
    assert [g["reference"] for g in rest["items"]] == ["XZ20000001"] and rest["next_cursor"] is None
    get(zone, "admin", "/guarantees?state=lost", status=422)
