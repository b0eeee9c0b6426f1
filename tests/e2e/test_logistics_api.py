"""Logistics API end to end: booking, EPCIS capture, history, delivery clocks, alerts, figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from silkport.infra.outbox import OutboxRow
from silkport.logistics.adapters.orm import SlaAlertRow, TrackingEventRow
from silkport.logistics.domain.epcis import parse_document
from silkport.logistics.services.handlers import sweep_clocks
from silkport.shared.actor import SYSTEM
from tests.conftest import PASSWORD, Zone

BASE = "/api/v1/logistics"
T0 = datetime(2025, 9, 1, 2, 0, tzinfo=UTC)  # 10:00 in Kashgar (+08:00)
RELEASED = "urn:silkport:bizstep:released"  # customs release (an extension business step)


def _at(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def kss_kg(number: str = "CMR-2025-0001", equipment: list[str] | None = None, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "document": {"kind": "road_cmr", "number": number},
        "shipper": {"name": "Kashgar Trading Co.", "country": "CN"},
        "consignee": {"name": "Bishkek Import LLC", "country": "KG"},
        "goods": {"description": "household appliances", "packages": 120, "gross_mass_kg": "8400.5"},
        "legs": [
            {
                "mode": "road",
                "carrier": "Xinjiang Road Freight",
                "origin": "CNKSS",
                "destination": "CNTRT",
                "planned_departure": _at(0),
                "planned_arrival": _at(8),
                "ends_at_border": True,
            },
            {
                "mode": "road",
                "carrier": "Xinjiang Road Freight",
                "origin": "CNTRT",
                "destination": "KGFRU",
                "planned_departure": _at(12),
                "planned_arrival": _at(40),
            },
        ],
        "corridor": "KSS-KG",
        "declaration_ids": ["DEC-2025-KSS-000001"],
        "equipment": equipment or [],
    }
    body.update(over)
    return body


def event(
    event_id: str,
    hours: float,
    step: str,
    epcs: list[str],
    where: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    e: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": event_id,
        "eventTime": _at(hours),
        "eventTimeZoneOffset": "+08:00",
        "epcList": epcs,
        "action": "OBSERVE",
        "bizStep": step,
    }
    if where:
        e["readPoint"] = {"id": where}
    e.update(extra)
    return e


def document(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _at(0),
        "epcisBody": {"eventList": list(events)},
    }


def book(zone: Zone, who: str = "trader_a", **kw: Any) -> dict[str, Any]:
    r = zone.client.post(f"{BASE}/consignments", json=kss_kg(**kw), headers=zone.headers(who))
    assert r.status_code == 201, r.text
    return dict(r.json())


def capture(zone: Zone, *events: dict[str, Any], who: str = "admin") -> Any:
    return zone.client.post(
        f"{BASE}/events",
        content=__import__("json").dumps(document(*events)),
        headers={**zone.headers(who), "Content-Type": "application/ld+json"},
    )


def event_count(zone: Zone) -> int:
    with zone.platform.session_factory() as s:
        return int(s.scalar(select(func.count()).select_from(TrackingEventRow)) or 0)


# -- booking ------------------------------------------------------------------------------------------------
def test_booking_reports_every_field_error_and_stores_nothing(zone: Zone) -> None:
    body = kss_kg()
    body["document"] = {"kind": "air_waybill", "number": "784-1234 5676"}  # check digit should be 5
    body["legs"][1]["origin"] = "XX"
    body["corridor"] = "NOWHERE"
    body["consignee"]["country"] = "ZZ"
    body["equipment"] = ["CSQU3054384"]  # ISO 6346 check digit should be 3
    r = zone.client.post(f"{BASE}/consignments", json=body, headers=zone.headers("trader_a"))
    assert r.status_code == 422, r.text
    fields = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert "mod 7" in fields["document.number"]
    assert {"legs[1].origin", "corridor", "consignee.country", "equipment[0]"} <= set(fields)
    naive = kss_kg()
    naive["legs"][0]["planned_departure"] = "2025-09-01T10:00:00"
    r = zone.client.post(f"{BASE}/consignments", json=naive, headers=zone.headers("trader_a"))
    assert r.status_code == 422 and "legs[0].planned_departure" in r.text
    s10 = kss_kg(document={"kind": "postal_item", "number": "RR123456786CN"})
    r = zone.client.post(f"{BASE}/consignments", json=s10, headers=zone.headers("trader_a"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "document.number"
    listed = zone.client.get(f"{BASE}/consignments", headers=zone.headers("admin")).json()
    assert listed["items"] == []


def test_booking_valid_documents_list_paging_and_cross_enterprise_404(zone: Zone) -> None:
    a = book(zone, number="CMR-2025-0001")
    awb = kss_kg(document={"kind": "air_waybill", "number": "784-1234 5675"}, corridor=None)
    awb["legs"] = [{**awb["legs"][0], "mode": "air", "origin": "CNURC", "destination": "KZALA"}]
    r = zone.client.post(f"{BASE}/consignments", json=awb, headers=zone.headers("trader_a"))
    assert r.status_code == 201, r.text
    assert r.json()["document"] == {"kind": "air_waybill", "number": "78412345675"}
    found = zone.client.get(f"{BASE}/consignments?document=784-1234%205675", headers=zone.headers("trader_a"))
    assert [c["document"]["number"] for c in found.json()["items"]] == ["78412345675"]
    assert zone.client.get(f"{BASE}/consignments?clock=late", headers=zone.headers("admin")).status_code == 422
    again = zone.client.post(f"{BASE}/consignments", json=kss_kg(), headers=zone.headers("trader_b"))
    assert again.status_code == 422 and "already booked" in again.text
    b = book(zone, "trader_b", number="CMR-2025-0002")
    assert a["status"] == "booked" and a["clock"]["status"] == "on_time" and a["clock"]["started_at"] is None
    assert zone.client.get(f"{BASE}/consignments/{a['id']}", headers=zone.headers("trader_b")).status_code == 404
    assert zone.client.get(f"{BASE}/consignments/{b['id']}", headers=zone.headers("trader_b")).status_code == 200
    mine = zone.client.get(f"{BASE}/consignments", headers=zone.headers("trader_b")).json()["items"]
    assert [c["id"] for c in mine] == [b["id"]]
    first = zone.client.get(f"{BASE}/consignments?limit=2", headers=zone.headers("admin")).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = zone.client.get(
        f"{BASE}/consignments?limit=2&cursor={first['next_cursor']}", headers=zone.headers("admin")
    ).json()
    seen = [c["id"] for c in first["items"] + rest["items"]]
    assert len(seen) == len(set(seen)) == 3 and rest["next_cursor"] is None
    history = zone.client.get(f"{BASE}/history/{a['id']}", headers=zone.headers("trader_b"))
    assert history.status_code == 404
    r = zone.client.post(
        f"{BASE}/consignments", json=kss_kg(number="CMR-9", enterprise_id="nope"), headers=zone.headers("admin")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "enterprise_id"


# -- capture ------------------------------------------------------------------------------------------------
def test_capture_is_idempotent_and_a_conflict_stores_nothing_of_the_batch(zone: Zone) -> None:
    c = book(zone)
    e1 = event("urn:uuid:e1", 0, "departing", [c["id"]], "CNKSS")
    e2 = event("urn:uuid:e2", 8, "arriving", [c["id"]], "CNTRT")
    r = capture(zone, e1, e2)
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 2 and r.json()["consignments_updated"] == [c["id"]]
    again = capture(zone, e2, e1)
    assert again.status_code == 200
    assert again.json()["duplicates"] == 2 and again.json()["accepted"] == 0
    assert [e["outcome"] for e in again.json()["events"]] == ["duplicate", "duplicate"]
    changed = {**e2, "readPoint": {"id": "KGFRU"}}
    new = event("urn:uuid:e3", 12, "departing", [c["id"]], "CNTRT")
    before = event_count(zone)
    r = capture(zone, new, changed)
    assert r.status_code == 409, r.text
    assert r.json()["event_id"] == "urn:uuid:e2" and "urn:uuid:e2" in r.json()["detail"]
    assert event_count(zone) == before
    in_batch = capture(zone, new, {**new, "bizStep": "arriving"})
    assert in_batch.status_code == 409 and event_count(zone) == before
    assert capture(zone, {"type": "ObjectEvent"}).status_code == 422
    detail = zone.client.get(f"{BASE}/consignments/{c['id']}", headers=zone.headers("trader_a")).json()
    assert detail["status"] == "at_border"


def test_out_of_order_arrival_gives_event_time_order_and_the_right_status(zone: Zone) -> None:
    c = book(zone, equipment=["CSQU3054383"])
    late = [
        event("urn:uuid:o4", 39, "arriving", ["CMR-2025-0001"], "KGFRU"),
        event("urn:uuid:o3", 13, "departing", ["urn:silkport:container:CSQU3054383"], "CNTRT"),
    ]
    early = [
        event("urn:uuid:o2", 7, "arriving", [c["id"].lower()], "CNTRT"),
        event("urn:uuid:o1", 1, "departing", [c["id"]], "CNKSS"),
        event("urn:uuid:o2r", 10, RELEASED, [c["id"]], "CNTRT"),
    ]
    assert capture(zone, *late).status_code == 200
    mid = zone.client.get(f"{BASE}/consignments/{c['id']}", headers=zone.headers("trader_a")).json()
    assert mid["status"] == "booked"  # arrivals and departures before the first departure break nothing
    assert capture(zone, *early).status_code == 200
    detail = zone.client.get(f"{BASE}/consignments/{c['id']}", headers=zone.headers("trader_a")).json()
    assert detail["status"] == "delivered"
    assert [m["kind"] for m in detail["milestones"]] == ["departed", "arrived", "released", "departed", "arrived"]
    assert detail["legs"][1]["actual_arrival"].startswith("2025-09-02T17:00")
    assert detail["clock"]["status"] == "on_time" and detail["clock"]["target_met"] is True
    h = zone.client.get(f"{BASE}/history/{c['id']}", headers=zone.headers("trader_a")).json()
    order = ["urn:uuid:o1", "urn:uuid:o2", "urn:uuid:o2r", "urn:uuid:o3", "urn:uuid:o4"]
    assert [e["eventID"] for e in h["events"]] == order
    assert h["status"] == "arrived" and h["consignments"] == [c["id"]]  # "delivered" takes a receiving event
    doc = zone.client.get(f"{BASE}/history/{c['id']}?format=epcis", headers=zone.headers("trader_a"))
    assert doc.headers["content-type"].startswith("application/ld+json")
    assert [e.event_id for e in parse_document(doc.content)] == order


def test_container_history_includes_its_wagon_while_it_was_on_it(zone: Zone) -> None:
    c = book(zone, equipment=["CSQU 305438-3"])
    wagon = "urn:silkport:wagon:52718364"
    packed = {
        "type": "AggregationEvent",
        "eventID": "urn:uuid:a1",
        "eventTime": _at(0.5),
        "eventTimeZoneOffset": "+08:00",
        "parentID": wagon,
        "childEPCs": ["urn:epc:id:bic:CSQU3054383"],
        "action": "ADD",
        "bizStep": "loading",
    }
    unpacked = {**packed, "eventID": "urn:uuid:a3", "eventTime": _at(9), "action": "DELETE", "bizStep": "unloading"}
    r = capture(
        zone,
        event("urn:uuid:w4", 20, "departing", [wagon], "CNTRT"),
        unpacked,
        event("urn:uuid:w2", 1, "departing", [wagon], "CNKSS"),
        packed,
    )
    assert r.status_code == 200, r.text
    assert r.json()["consignments_updated"] == [c["id"]]
    h = zone.client.get(f"{BASE}/history/CSQU3054383", headers=zone.headers("trader_a")).json()
    assert [e["eventID"] for e in h["events"]] == ["urn:uuid:a1", "urn:uuid:w2", "urn:uuid:a3"]
    assert h["events"][0]["childEPCs"] == ["urn:epc:id:bic:CSQU3054383"]  # as captured, not normalised
    assert h["status"] == "unloaded"
    wagon_history = zone.client.get(f"{BASE}/history/{wagon}", headers=zone.headers("admin")).json()
    assert wagon_history["object_id"] == "52718364" and wagon_history["count"] == 4
    detail = zone.client.get(f"{BASE}/consignments/{c['id']}", headers=zone.headers("trader_a")).json()
    assert detail["status"] == "in_transit" and detail["legs"][0]["actual_departure"] is not None
    assert zone.client.get(f"{BASE}/history/NOTHING-HERE", headers=zone.headers("admin")).status_code == 404
    sscc = "https://id.gs1.org/00/106141412345678908"  # a GS1 Digital Link URI: kept as sent, slashes and all
    assert (
        capture(zone, event("urn:uuid:dl", 2, "shipping", [sscc, "urn:epc:id:sgtin:0614141.107346.2018"])).status_code
        == 200
    )
    for asked in (sscc, "urn:epc:id:sgtin:0614141.107346.2018"):
        got = zone.client.get(f"{BASE}/history/{asked}", headers=zone.headers("admin")).json()
        assert got["object_id"] == asked and [e["eventID"] for e in got["events"]] == ["urn:uuid:dl"]
        assert got["status"] == "dispatched"


def test_trader_captures_only_about_its_own_consignments(zone: Zone) -> None:
    a = book(zone)
    b = book(zone, "trader_b", number="CMR-2025-0002")
    r = capture(zone, event("urn:uuid:t1", 1, "departing", [b["id"]], "CNKSS"), who="trader_a")
    assert r.status_code == 403 and event_count(zone) == 0
    r = capture(zone, event("urn:uuid:t2", 1, "departing", [a["id"]], "CNKSS"), who="trader_a")
    assert r.status_code == 200
    assert capture(zone, event("urn:uuid:t3", 1, "departing", ["X"]), who="analyst").status_code == 403


# -- clocks and alerts ----------------------------------------------------------------------------------------
def relogin(zone: Zone, *who: str) -> None:
    """Tokens expire when the clock moves on days: sign in again."""
    for username in who:
        r = zone.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        zone.tokens[username] = r.json()["access_token"]


def outbox(zone: Zone, event_type: str) -> list[dict[str, Any]]:
    with zone.platform.session_factory() as s:
        return [r.payload for r in s.scalars(select(OutboxRow).where(OutboxRow.event_type == event_type))]


def test_breach_on_capture_and_by_sweep_alerts_once_with_a_webhook(zone: Zone) -> None:
    late = book(zone)
    r = capture(
        zone,
        event("urn:uuid:b1", 0, "departing", [late["id"]], "CNKSS"),
        event("urn:uuid:b2", 8, "arriving", [late["id"]], "CNTRT"),
        event("urn:uuid:b2r", 59, RELEASED, [late["id"]], "CNTRT"),
        event("urn:uuid:b3", 60, "departing", [late["id"]], "CNTRT"),  # 48 h at the border
        event("urn:uuid:b4", 80, "arriving", [late["id"]], "KGFRU"),
    )
    assert r.status_code == 200 and len(r.json()["alerts_raised"]) == 1
    detail = zone.client.get(f"{BASE}/consignments/{late['id']}", headers=zone.headers("trader_a")).json()
    clock = detail["clock"]
    assert clock["status"] == "breached" and clock["culprit_leg"] == 1
    assert datetime.fromisoformat(clock["breached_at"]) == T0 + timedelta(hours=72)
    payloads = outbox(zone, "logistics.sla_breached")
    assert len(payloads) == 1 and payloads[0]["consignment_id"] == late["id"] and payloads[0]["culprit_leg"] == 1
    capture(zone, event("urn:uuid:b5", 81, "inspecting", [late["id"]], "KGFRU"))
    assert len(outbox(zone, "logistics.sla_breached")) == 1

    open_clock = book(zone, number="CMR-2025-0003")
    capture(zone, event("urn:uuid:s1", 1, "departing", [open_clock["id"]], "CNKSS"))
    assert sweep_clocks(zone.platform.logistics_uow(), SYSTEM).alerts == ()
    zone.platform.clock.set(T0 + timedelta(hours=80))  # type: ignore[attr-defined]
    relogin(zone, "admin", "trader_a", "trader_b")
    breached = zone.client.get(f"{BASE}/consignments?clock=breached", headers=zone.headers("admin")).json()
    assert {c["id"] for c in breached["items"]} == {late["id"], open_clock["id"]}
    report = sweep_clocks(zone.platform.logistics_uow(), SYSTEM)
    assert len(report.alerts) == 1
    assert sweep_clocks(zone.platform.logistics_uow(), SYSTEM).alerts == ()
    assert len(outbox(zone, "logistics.sla_breached")) == 2
    with zone.platform.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(SlaAlertRow)) == 2
    alerts = zone.client.get(f"{BASE}/alerts", headers=zone.headers("trader_a")).json()["items"]
    assert len(alerts) == 2
    assert zone.client.get(f"{BASE}/alerts", headers=zone.headers("trader_b")).json()["items"] == []
    ack = zone.client.post(f"{BASE}/alerts/{alerts[0]['id']}/acknowledge", headers=zone.headers("trader_a"))
    assert ack.status_code == 200 and ack.json()["acknowledged_at"] is not None
    assert (
        zone.client.post(f"{BASE}/alerts/{alerts[0]['id']}/acknowledge", headers=zone.headers("trader_b")).status_code
        == 404
    )
    pending = zone.client.get(f"{BASE}/alerts?acknowledged=false", headers=zone.headers("admin")).json()["items"]
    assert [a["id"] for a in pending] == [alerts[1]["id"]]


def test_corridor_figures_per_month(zone: Zone) -> None:
    durations = [30, 40, 50, 80]  # door to door hours; the last breaches 72 h
    for i, hours in enumerate(durations):
        c = book(zone, number=f"CMR-2025-01{i}")
        capture(
            zone,
            event(f"urn:uuid:f{i}a", 0, "departing", [c["id"]], "CNKSS"),
            event(f"urn:uuid:f{i}b", 6, "arriving", [c["id"]], "CNTRT"),
            event(f"urn:uuid:f{i}r", 6.5, RELEASED, [c["id"]], "CNTRT"),
            event(f"urn:uuid:f{i}c", 7, "departing", [c["id"]], "CNTRT"),
            event(f"urn:uuid:f{i}d", hours, "arriving", [c["id"]], "KGFRU"),
        )
    book(zone, number="CMR-2025-0999")  # never departed: not counted
    r = zone.client.get(f"{BASE}/corridors/figures?month=2025-09", headers=zone.headers("analyst"))
    assert r.status_code == 200, r.text
    (fig,) = r.json()["corridors"]
    assert fig["corridor"] == "KSS-KG" and fig["finished"] == 4 and fig["on_time"] == 3
    assert fig["share_on_time"] == "0.7500" and fig["median_hours"] == "45.00" and fig["p90_hours"] == "80.00"
    assert (
        zone.client.get(f"{BASE}/corridors/figures?month=2025-10", headers=zone.headers("admin")).json()["corridors"]
        == []
    )
    assert zone.client.get(f"{BASE}/corridors/figures?month=2025-13", headers=zone.headers("admin")).status_code == 422
    assert (
        zone.client.get(f"{BASE}/corridors/figures?month=2025-09", headers=zone.headers("trader_b")).json()["corridors"]
        == []
    )
