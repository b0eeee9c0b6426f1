"""The freight pages as their users open them: the overview with its filters and clocks, a consignment's
timeline, the corridor clocks with their chart and breaches, TIR transports; who may see what.

The freight is built through the logistics and transit services (booking, EPCIS capture, eTIR messages), at
the fixture clock's "now": 2025-09-01 08:00 UTC (14:00 in Urumqi).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from silkport.bootstrap import Platform
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import auth
from silkport.enterprises.services import handlers as enterprise_handlers
from silkport.entrypoints.web.freight_pages import clock_view, compliance_bars, months_up_to
from silkport.infra.audit import AuditEntryRow
from silkport.logistics.domain.consignment import GoodsSummary, Party
from silkport.logistics.domain.epcis import parse_document
from silkport.logistics.domain.sla import CorridorMonth, SlaResult, SlaStatus
from silkport.logistics.services import handlers as logistics
from silkport.logistics.services.handlers import BookConsignment, LegSpec
from silkport.shared.actor import SYSTEM, Actor, Role
from silkport.transit.domain.model import Leg as TirLeg
from silkport.transit.domain.model import MessagePair
from silkport.transit.services import handlers as transit
from tests.conftest import PASSWORD, make_details
from tests.e2e.test_pages import csrf_of, sign_in

RELEASED = "urn:silkport:bizstep:released"
CONTAINER = "CSQU3054383"
PALLET = "urn:epc:id:sscc:0614141.1234567890"
SEALS = ["CN2025-0101", "CN2025-0102"]


def utc(day: int, hour: float, month: int = 8) -> datetime:
    return datetime(2025, month, day, tzinfo=UTC) + timedelta(hours=hour)


@dataclass
class Freight:
    """Two enterprises' freight and a user of every role that matters here."""

    platform: Platform
    enterprise_a: str
    enterprise_b: str
    actors: dict[str, Actor] = field(default_factory=dict)
    consignments: dict[str, str] = field(default_factory=dict)  # name -> id
    transports: dict[str, str] = field(default_factory=dict)


def _user(f: Freight, username: str, role: Role, enterprise: str | None = None, office: str | None = None) -> None:
    user = auth.create_user(
        f.platform.enterprises_uow(),
        SYSTEM,
        f.platform.hasher,
        username=username,
        password=PASSWORD,
        role=role,
        display_name=username.replace("_", " ").title(),
        enterprise_id=enterprise,
        office_code=office,
    )
    f.actors[username] = Actor(user.id, username, role, enterprise, office)


def _kss_kg(number: str, departure: datetime, equipment: tuple[str, ...] = ()) -> BookConsignment:
    return BookConsignment(
        document_kind="road_cmr",
        document_number=number,
        shipper=Party("Kashgar Trading Co.", "CN"),
        consignee=Party("Bishkek Import LLC", "KG"),
        goods=GoodsSummary("household appliances", 120, Decimal("8400.5")),
        legs=[
            LegSpec("road", "Xinjiang Road Freight", "CNKSS", "CNTRT", departure, departure + timedelta(hours=8), True),
            LegSpec(
                "road",
                "Xinjiang Road Freight",
                "CNTRT",
                "KGFRU",
                departure + timedelta(hours=12),
                departure + timedelta(hours=40),
            ),
        ],
        corridor="KSS-KG",
        declaration_ids=["DEC-2025-KSS-000001"],
        equipment=equipment,
    )


def _event(event_id: str, at: datetime, step: str, epcs: list[str], where: str | None = None) -> dict[str, Any]:
    e: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": event_id,
        "eventTime": at.isoformat(),
        "eventTimeZoneOffset": "+08:00",
        "epcList": epcs,
        "action": "OBSERVE",
        "bizStep": step,
    }
    if where:
        e["readPoint"] = {"id": where}
    return e


def _capture(f: Freight, *events: dict[str, Any]) -> logistics.CaptureReport:
    doc = {"type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": list(events)}}
    return logistics.capture(f.platform.logistics_uow(), f.actors["admin"], parse_document(json.dumps(doc)))


def _book(f: Freight, who: str, name: str, cmd: BookConsignment) -> str:
    booked = logistics.book(f.platform.logistics_uow(), f.actors[who], cmd)
    f.consignments[name] = booked.id
    return booked.id


def _through(f: Freight, cid: str, prefix: str, start: datetime, border_hours: float, total_hours: float) -> None:
    """Kashgar -> Torugart (border: released) -> Bishkek, delivered ``total_hours`` after departure."""
    _capture(
        f,
        _event(f"urn:uuid:{prefix}-1", start, "departing", [cid], "CNKSS"),
        _event(f"urn:uuid:{prefix}-2", start + timedelta(hours=8), "arriving", [cid], "CNTRT"),
        _event(f"urn:uuid:{prefix}-3", start + timedelta(hours=8 + border_hours), RELEASED, [cid], "CNTRT"),
        _event(f"urn:uuid:{prefix}-4", start + timedelta(hours=9 + border_hours), "departing", [cid], "CNTRT"),
        _event(f"urn:uuid:{prefix}-5", start + timedelta(hours=total_hours), "arriving", [cid], "KGFRU"),
    )


def build_freight(platform: Platform) -> Freight:
    """August: on KSS-KG one late (96 h) and one on time (42 h), on URC-AIR one on time; now: one clock overdue
    (departed 104 h ago), one running on time, one booked by enterprise B; a TIR transport started at Kashgar."""
    a = enterprise_handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(201, "KASHGAR"))
    )
    b = enterprise_handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(202, "HORGOS"))
    )
    f = Freight(platform, a.id, b.id)
    f.actors["admin"] = SYSTEM
    _user(f, "boss", Role.ADMIN)
    _user(f, "operator_a", Role.LOGISTICS_OPERATOR, a.id)
    _user(f, "operator_b", Role.LOGISTICS_OPERATOR, b.id)
    _user(f, "trader_a", Role.TRADER, a.id)
    _user(f, "officer", Role.CUSTOMS_OFFICER, None, "HRS-ROAD")
    _user(f, "supervisor", Role.CUSTOMS_SUPERVISOR)
    _user(f, "analyst", Role.ANALYST)
    _user(f, "keeper", Role.WAREHOUSE_KEEPER, a.id)

    late = _book(f, "operator_a", "late", _kss_kg("CMR-2025-0801", utc(20, 2), (CONTAINER,)))
    packed = {
        "type": "AggregationEvent",
        "eventID": "urn:uuid:late-pack",
        "eventTime": utc(20, 1).isoformat(),
        "eventTimeZoneOffset": "+08:00",
        "parentID": f"urn:epc:id:bic:{CONTAINER}",
        "childEPCs": [PALLET],
        "action": "ADD",
        "bizStep": "packing",
        "readPoint": {"id": "CNKSS"},
    }
    _capture(f, packed)
    _through(f, late, "late", utc(20, 2), border_hours=50, total_hours=96)  # 50 h at Torugart: 96 h in all
    ok = _book(f, "operator_a", "ok", _kss_kg("CMR-2025-0802", utc(25, 2)))
    _through(f, ok, "ok", utc(25, 2), border_hours=2, total_hours=42)
    air = BookConsignment(
        document_kind="air_waybill",
        document_number="784-1234 5675",
        shipper=Party("Urumqi Air Export Co.", "CN"),
        consignee=Party("Almaty Import LLP", "KZ"),
        goods=GoodsSummary("spare parts", 4, Decimal("310")),
        legs=[LegSpec("air", "China Southern Cargo", "CNURC", "KZALA", utc(10, 2), utc(10, 5))],
        corridor="URC-AIR",
    )
    air_id = _book(f, "operator_a", "air", air)
    _capture(
        f,
        _event("urn:uuid:air-1", utc(10, 2), "departing", [air_id], "CNURC"),
        _event("urn:uuid:air-2", utc(10, 6), "arriving", [air_id], "KZALA"),
    )
    overdue = _book(f, "operator_a", "overdue", _kss_kg("CMR-2025-0803", utc(28, 0)))
    _capture(f, _event("urn:uuid:over-1", utc(28, 0), "departing", [overdue], "CNKSS"))
    running = _book(f, "operator_a", "running", _kss_kg("CMR-2025-0901", utc(1, 2, month=9)))
    _capture(f, _event("urn:uuid:run-1", utc(1, 2, month=9), "departing", [running], "CNKSS"))
    _book(f, "operator_b", "stranger", _kss_kg("CMR-2025-0902", utc(2, 2, month=9)))

    tuow = platform.transit_uow
    now = platform.clock.now()
    for reference, holder, who in (("XZ81234567", a.id, "operator_a"), ("XZ81234568", b.id, "operator_b")):
        transit.register(
            tuow(),
            SYSTEM,
            reference=reference,
            chain="IRU",
            holder_id="CHN/080/000101",
            holder_enterprise_id=holder,
            amount=Decimal("100000"),
            currency="EUR",
            valid_until=now + timedelta(days=30),
        )
        result = transit.submit_advance_data(
            tuow(),
            f.actors[who],
            guarantee_reference=reference,
            holder_id="CHN/080/000101",
            vehicle="新A-12345",
            goods_description="Cotton fabrics, 22 pallets",
            gross_mass_kg=Decimal("18400.5"),
            itinerary=[TirLeg("CN", "CNKSS-TIR", "CNYRK"), TirLeg("KG", "KGOSS-IRK", "KGFRU-TIR")],
        )
        f.transports[who] = result.transport.id
    tid = f.transports["operator_a"]
    transit.operate(tuow(), f.actors["officer"], tid, 1, MessagePair.RECORD_DECLARATION_DATA)
    transit.operate(tuow(), f.actors["officer"], tid, 1, MessagePair.START, seals=SEALS)
    return f


@pytest.fixture
def freight(platform: Platform, app_client: TestClient) -> Freight:
    return build_freight(platform)


def rows(html: str) -> list[str]:
    """The ids of the consignment (or transport) rows on a page or partial, in order."""
    return re.findall(r'<tr data-id="([^"]+)"', html)


def test_the_operator_sees_its_consignments_with_their_clocks(freight: Freight, app_client: TestClient) -> None:
    f, c = freight, app_client
    sign_in(c, "operator_a")
    page = c.get("/freight")
    assert page.status_code == 200
    assert 'class="active" aria-current="page">Freight' in page.text
    ids = rows(page.text)
    mine = {f.consignments[n] for n in ("late", "ok", "air", "overdue", "running")}
    assert set(ids) == mine and f.consignments["stranger"] not in page.text
    row = page.text.split(f'data-id="{f.consignments["overdue"]}"', 1)[1].split("</tr>", 1)[0]
    # departed 2025-08-28 00:00 UTC on a 72 h clock: deadline 2025-08-31 00:00 UTC, now 2025-09-01 08:00 UTC
    assert 'data-clock="breached" data-phase="open"' in row and "Overdue by 1 d 8 h" in row
    assert "2025-08-31 06:00" in row  # the deadline in Urumqi time
    running = page.text.split(f'data-id="{f.consignments["running"]}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-clock="on_time"' in running and "2 d 18 h left" in running
    late = page.text.split(f'data-id="{f.consignments["late"]}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-phase="finished"' in late and "Late by 1 d 0 h" in late
    ok = page.text.split(f'data-id="{f.consignments["ok"]}"', 1)[1].split("</tr>", 1)[0]
    assert "Met in 1 d 18 h" in ok and "last event 2025-08-27 02:00" in ok  # delivered 2025-08-26 20:00 UTC
    assert "Enterprise</th>" not in page.text  # an operator sees only its own: no owner column
    summary = page.text.split('data-testid="summary"', 1)[1]
    counts = re.findall(
        r'data-testid="count-(\w+)">\s*<p class="stat-label">[^<]*</p>\s*<p class="stat-value">([^<]+)<', summary
    )
    assert counts == [("breached", "2"), ("at_risk", "0"), ("alerts", "2")]
    # a clock past its 48 h target but inside its 72 h limit is at risk
    departed = f.platform.clock.now() - timedelta(hours=50)
    risky = _book(f, "operator_a", "risky", _kss_kg("CMR-2025-0904", departed))
    _capture(f, _event("urn:uuid:risky-1", departed, "departing", [risky], "CNKSS"))
    page = c.get("/freight")
    summary = page.text.split('data-testid="summary"', 1)[1]
    counts = re.findall(
        r'data-testid="count-(\w+)">\s*<p class="stat-label">[^<]*</p>\s*<p class="stat-value">([^<]+)<', summary
    )
    assert counts == [("breached", "2"), ("at_risk", "1"), ("alerts", "2")]
    row = page.text.split(f'data-id="{risky}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-clock="at_risk"' in row and "22 h 00 min left" in row
    assert rows(c.get("/freight", params={"clock": "at_risk"}).text) == [risky]


def test_filters_breaches_only_and_htmx_rows(freight: Freight, app_client: TestClient) -> None:
    f, c = freight, app_client
    sign_in(c, "operator_a")
    breached = c.get("/freight", params={"clock": "breached"}).text
    assert set(rows(breached)) == {f.consignments["late"], f.consignments["overdue"]}
    assert rows(c.get("/freight", params={"mode": "air"}).text) == [f.consignments["air"]]
    assert rows(c.get("/freight", params={"corridor": "URC-AIR"}).text) == [f.consignments["air"]]
    delivered = rows(c.get("/freight", params={"status": "delivered", "corridor": "KSS-KG"}).text)
    assert set(delivered) == {f.consignments["late"], f.consignments["ok"]}
    assert rows(c.get("/freight", params={"document": "cmr 2025 0803"}).text) == [f.consignments["overdue"]]
    assert "No consignment matches" in c.get("/freight", params={"mode": "mail"}).text
    partial = c.get("/freight", params={"clock": "at_risk"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text and partial.headers["vary"] == "HX-Request"
    for bad in ({"status": "lost"}, {"mode": "teleport"}, {"clock": "late"}, {"corridor": "NOWHERE"}):
        r = c.get("/freight", params=bad)
        assert r.status_code == 422 and next(iter(bad)) in r.text, bad
    assert c.get("/freight", params={"cursor": "not-a-cursor"}).status_code == 422


def test_paging_goes_through_every_consignment_once(freight: Freight, app_client: TestClient) -> None:
    f, c = freight, app_client
    for i in range(30):
        _book(f, "operator_a", f"extra{i}", _kss_kg(f"CMR-2025-1{i:03d}", utc(5, 2, month=9)))
    sign_in(c, "operator_a")
    first = c.get("/freight").text
    seen = rows(first)
    assert len(seen) == 25
    more = re.search(r'hx-get="(/freight\?cursor=[^"]+)"', first)
    assert more
    rest = c.get(more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"}).text
    seen += rows(rest)
    assert len(seen) == len(set(seen)) == 35 and "Load more" not in rest


def test_a_consignment_page_shows_its_timeline_clock_breach_legs_and_objects(
    freight: Freight, app_client: TestClient
) -> None:
    f, c = freight, app_client
    sign_in(c, "operator_a")
    page = c.get(f"/freight/consignments/{f.consignments['late']}")
    assert page.status_code == 200
    html = page.text
    assert "CMR20250801" in html and "Road CMR" in html
    timeline = html.split('data-testid="timeline"', 1)[1].split("</section>", 1)[0]
    events = re.findall(r'data-event-id="([^"]+)"', timeline)
    assert events == [f"urn:uuid:late-{i}" for i in (5, 4, 3, 2, 1)] + ["urn:uuid:late-pack"]  # newest first
    assert "2025-08-20 08:00" in timeline  # the departure at 02:00 UTC, in Urumqi time
    assert "(+08:00)" in timeline and "released by customs" in timeline and "departed (leg 2)" in timeline
    steps = re.findall(r'data-step="([^"]*)"', timeline)
    assert steps == ["arriving", "departing", "released", "arriving", "departing", "packing"]
    assert "Released by customs</strong>" in timeline and "urn:silkport:bizstep" not in timeline
    alert = html.split('data-testid="breach-alert"', 1)[1].split("</div>", 1)[0]
    assert "Delivery clock breached" in alert and "caused by leg 2" in alert and "2025-08-23 08:00" in alert
    legs = html.split('data-testid="legs"', 1)[1].split("</section>", 1)[0]
    assert legs.count('data-culprit="true"') == 1 and "+2 d 8 h" in legs  # leg 2 arrived 56 h behind plan
    objects = html.split('data-testid="objects"', 1)[1].split("</section>", 1)[0]
    assert CONTAINER in objects and PALLET in objects and 'data-relation="contains"' in objects
    assert "DEC-2025-KSS-000001" in objects
    changes = html.split('data-testid="status-changes"', 1)[1].split("</section>", 1)[0]
    # newest first: booked -> in transit -> at the border -> cleared -> in transit -> delivered
    assert re.findall(r'data-to="(\w+)"', changes) == ["delivered", "in_transit", "cleared", "at_border", "in_transit"]
    # a running clock: no alert, time left
    running = c.get(f"/freight/consignments/{f.consignments['running']}").text
    assert 'data-testid="breach-alert"' not in running and "2 d 18 h left" in running
    # the overdue one raised its alert when the departure was captured four days late
    overdue = c.get(f"/freight/consignments/{f.consignments['overdue']}").text
    assert 'data-testid="breach-alert"' in overdue and "Overdue by 1 d 8 h" in overdue


def test_an_operator_acknowledges_a_breach_alert_once(freight: Freight, app_client: TestClient) -> None:
    f, c = freight, app_client
    path = f"/freight/consignments/{f.consignments['overdue']}"
    sign_in(c, "operator_b")
    stranger_page = c.get(path)
    assert stranger_page.status_code == 404
    sign_in(c, "operator_a")
    page = c.get(path).text
    action = re.search(r'action="(/freight/alerts/[0-9a-f]+/acknowledge)"', page)
    assert action and 'data-testid="acknowledged"' not in page
    assert c.post(action.group(1), data={}).status_code == 403  # no CSRF token: refused, nothing changes
    assert 'data-testid="acknowledged"' not in c.get(path).text
    sign_in(c, "operator_b")  # another enterprise's alert reads as missing
    token = csrf_of(c.get("/freight").text)
    assert c.post(action.group(1), data={"csrf_token": token}).status_code == 404
    sign_in(c, "operator_a")
    token = csrf_of(c.get(path).text)
    r = c.post(action.group(1), data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{path}?done=acknowledged"
    after = c.get(r.headers["location"]).text
    assert "Alert acknowledged." in after and "acknowledged 2025-09-01 14:00" in after
    assert 'data-testid="acknowledge"' not in after
    assert c.post(action.group(1), data={"csrf_token": token}, follow_redirects=False).status_code == 303  # again: same
    alerts = c.get("/freight/corridors").text.split('data-testid="alerts"', 1)[1].split("</section>", 1)[0]
    assert f.consignments["overdue"] not in alerts and f.consignments["late"] in alerts
    with f.platform.session_factory() as s:
        actions = s.scalars(select(AuditEntryRow.action).where(AuditEntryRow.action == "logistics.alert.acknowledged"))
        assert list(actions) == ["logistics.alert.acknowledged"]


def test_corridor_clocks_chart_compliance_and_breaches(freight: Freight, app_client: TestClient) -> None:
    f, c = freight, app_client
    sign_in(c, "operator_a")
    august = c.get("/freight/corridors", params={"month": "2025-08"})
    assert august.status_code == 200
    chart = august.text.split('data-testid="compliance-chart"', 1)[1].split("</svg>", 1)[0]
    bars = re.findall(r'<g class="fchart-col" data-corridor="([^"]+)" data-share="([^"]+)"', chart)
    assert bars == [("KSS-KG", "0.5000"), ("URC-AIR", "1.0000")]
    assert chart.count('class="fchart-bar') == 2 and "fchart-poor" in chart and "fchart-good" in chart
    heights = [Decimal(h) for h in re.findall(r'class="fchart-bar[^"]*"[^>]*height="([0-9.]+)"', chart)]
    assert heights[1] == 2 * heights[0] > 0
    assert 'data-testid="share-KSS-KG">50.0%' in august.text and 'data-testid="share-URC-AIR">100.0%' in august.text
    assert "2 of 3 clocks finished on time" in august.text
    breaches = august.text.split('data-testid="breaches"', 1)[1].split("</section>", 1)[0]
    assert rows(breaches) == [f.consignments["overdue"]]  # running late now; the late one has finished
    assert 'data-testid="late-KSS-KG"><a' in august.text
    alerts = august.text.split('data-testid="alerts"', 1)[1].split("</section>", 1)[0]
    assert f.consignments["late"] in alerts and f.consignments["overdue"] in alerts
    # this month (September by the zone's clock): nothing has finished yet; the trend shows August's figures
    now = c.get("/freight/corridors").text
    trend = now.split('data-testid="trend"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'<a href="/freight/corridors\?month=([0-9-]+)">', trend) == [
        "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09"
    ]  # fmt: skip
    assert re.findall(r'data-month="([0-9-]+)" data-share="([0-9.]+)"', trend) == [
        ("2025-08", "0.5000"), ("2025-08", "1.0000")
    ]  # fmt: skip
    assert 'data-testid="no-figures"' in now and "2025-09" in now and 'data-testid="next-month"' not in now
    assert c.get("/freight/corridors", params={"month": "2025-13"}).status_code == 422
    assert c.get("/freight/corridors", params={"month": "Sept"}).status_code == 422


def test_tir_list_and_a_transport_with_its_operations(freight: Freight, app_client: TestClient) -> None:
    f, c = freight, app_client
    sign_in(c, "operator_a")
    listing = c.get("/freight/tir")
    assert listing.status_code == 200
    tid = f.transports["operator_a"]
    assert rows(listing.text) == [tid]
    row = listing.text.split(f'data-id="{tid}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-state="in_transit"' in row and "XZ81234567" in row and 'data-state="accepted"' in row
    assert "CNKSS-TIR → KGFRU-TIR" in row and "CN → KG" in row and "I9/I10" in row and "100,000.00 EUR" in row
    assert rows(c.get("/freight/tir", params={"state": "declared"}).text) == []
    assert c.get("/freight/tir", params={"state": "flying"}).status_code == 422
    for cursor in ("garbage!", "WyJ4IiwieSJd"):  # not base64 JSON; a JSON list holding no time: ["x","y"]
        assert c.get("/freight/tir", params={"cursor": cursor}).status_code == 422
    assert c.get("/freight/tir/no-such-transport").status_code == 404
    partial = c.get("/freight/tir", params={"state": "in_transit"}, headers={"HX-Request": "true"}).text
    assert "<html" not in partial and rows(partial) == [tid]
    page = c.get(f"/freight/tir/{tid}")
    assert page.status_code == 200
    ops = page.text.split('data-testid="operations"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'data-sequence="(\d)" data-state="(\w+)"', ops) == [("1", "started"), ("2", "planned")]
    assert ops.index("I7/I8") < ops.index("I9/I10") and "CN2025-0101" in ops
    messages = page.text.split('data-testid="messages"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'data-pair="([^"]+)"', messages) == ["I9/I10", "I7/I8", "E9/E10"]
    assert "CNKSS-TIR" in page.text and "KGFRU-TIR" in page.text


def test_who_sees_what(freight: Freight, app_client: TestClient) -> None:
    f, c = freight, app_client
    stranger = f.consignments["stranger"]
    theirs = f.transports["operator_b"]
    sign_in(c, "operator_a")
    assert c.get(f"/freight/consignments/{stranger}").status_code == 404
    assert c.get(f"/freight/tir/{theirs}").status_code == 404
    assert c.get("/freight/consignments/CSGNOTHING").status_code == 404
    sign_in(c, "trader_a")  # the trader of the same enterprise sees its enterprise's freight
    assert set(rows(c.get("/freight").text)) == {f.consignments[n] for n in ("late", "ok", "air", "overdue", "running")}
    assert c.get(f"/freight/consignments/{f.consignments['late']}").status_code == 200
    assert rows(c.get("/freight/tir").text) == [f.transports["operator_a"]]
    for who in ("officer", "supervisor", "boss"):
        sign_in(c, who)
        everything = c.get("/freight").text
        assert stranger in everything and "Enterprise</th>" in everything and "Enterprise 202" in everything
        assert c.get(f"/freight/consignments/{stranger}").status_code == 200
        assert set(rows(c.get("/freight/tir").text)) == {theirs, f.transports["operator_a"]}
        assert c.get(f"/freight/tir/{theirs}").status_code == 200
        assert c.get("/freight/corridors", params={"month": "2025-08"}).status_code == 200
    for who in ("analyst", "keeper"):
        sign_in(c, who)
        for path in ("/freight", "/freight/corridors", "/freight/tir", f"/freight/consignments/{stranger}"):
            assert c.get(path).status_code == 403, (who, path)
    c.cookies.clear()
    r = c.get("/freight/corridors", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/freight/corridors"


def test_every_page_is_translatable_markup_and_keeps_the_strict_csp(freight: Freight, app_client: TestClient) -> None:
    c = app_client
    sign_in(c, "operator_a")
    paths = [
        "/freight",
        f"/freight/consignments/{freight.consignments['late']}",
        "/freight/corridors?month=2025-08",
        "/freight/tir",
        f"/freight/tir/{freight.transports['operator_a']}",
    ]
    for path in paths:
        r = c.get(path)
        assert r.status_code == 200, path
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert " style=" not in r.text and "<script>" not in r.text, path
        for language in ("zh_Hans", "ru"):  # every language renders the same page (untranslated text in English)
            c.cookies.set("lang", language)
            other = c.get(path)
            assert other.status_code == 200 and len(re.findall(r"<tr data-id=", other.text)) == len(rows(r.text))
        c.cookies.delete("lang")


# -- the presentation's arithmetic, for any clock ----------------------------------------------------------------
NOW = datetime(2025, 9, 1, 8, tzinfo=UTC)


@given(
    start=st.integers(min_value=-500, max_value=0),
    limit=st.integers(min_value=1, max_value=200),
    finished_after=st.one_of(st.none(), st.integers(min_value=0, max_value=400)),
)
def test_clock_view_reads_left_overdue_and_late_consistently(
    start: int, limit: int, finished_after: int | None
) -> None:
    started = NOW + timedelta(hours=start)
    deadline = started + timedelta(hours=limit)
    finished = None if finished_after is None else started + timedelta(hours=finished_after)
    if finished is not None and finished > NOW:
        finished = None
    end = finished or NOW
    late = end > deadline
    status = SlaStatus.BREACHED if late else SlaStatus.ON_TIME
    result = SlaResult(
        "KSS-KG", status, started, deadline, finished, deadline if late else None, None, end - started, None
    )
    view = clock_view("KSS-KG", result, NOW)
    if finished is None:
        assert view.phase == "open" and view.minutes_left is not None
        assert view.overdue == (deadline < NOW) and view.left * 60 == abs((deadline - NOW).total_seconds())
    else:
        assert view.phase == "finished" and view.minutes_left is None
        assert (view.late_minutes is not None) == late
        if view.late_minutes is not None:
            assert view.late_minutes * 60 == (finished - deadline).total_seconds() > 0
    assert view.state == status.value


@given(st.lists(st.tuples(st.integers(1, 500), st.integers(0, 500)), min_size=1, max_size=6))
def test_compliance_bars_are_proportional_to_the_share_on_time(counts: list[tuple[int, int]]) -> None:
    figures = []
    for i, (finished, on_time) in enumerate(counts):
        on_time = min(on_time, finished)
        share = (Decimal(on_time) / Decimal(finished)).quantize(Decimal("0.0001"))
        figures.append(CorridorMonth(f"C{i}", "2025-08", finished, on_time, share, 0, None, None))
    bars = compliance_bars(figures)
    assert [b.corridor for b in bars] == sorted(f.corridor for f in figures)
    for b in bars:
        assert 0 <= b.height <= 132 and b.y + b.height == 160  # grows up from the baseline, 100 % is 132 high
        assert abs(b.height - Decimal(132) * b.share) <= Decimal("0.05")
        assert b.grade == ("good" if b.share >= Decimal("0.95") else "fair" if b.share >= Decimal("0.8") else "poor")
    assert len({b.x for b in bars}) == len(bars)


@given(st.integers(min_value=1900, max_value=2100), st.integers(min_value=1, max_value=12), st.integers(1, 30))
def test_months_up_to_are_consecutive_and_end_with_the_month(year: int, month: int, count: int) -> None:
    name = f"{year:04d}-{month:02d}"
    months = months_up_to(name, count)
    assert len(months) == count and months[-1] == name and months == sorted(months)
    for earlier, later in pairwise(months):
        y, m = int(earlier[:4]), int(earlier[5:])
        assert later == (f"{y + 1:04d}-01" if m == 12 else f"{y:04d}-{m + 1:02d}")


QUERY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["status", "corridor", "mode", "clock", "document", "cursor", "month", "state"]),
    value=st.one_of(
        QUERY_TEXT, st.sampled_from(["breached", "KSS-KG", "air", "2025-08", "in_transit", "WyJ4IiwieSJd"])
    ),
    path=st.sampled_from(["/freight", "/freight/corridors", "/freight/tir"]),
)
def test_any_query_is_a_page_or_a_precise_422_never_a_500(
    signed_in_operator: TestClient, name: str, value: str, path: str
) -> None:
    r = signed_in_operator.get(path, params={name: value})
    assert r.status_code in (200, 422), (path, name, value, r.status_code)
    if r.status_code == 422:
        assert name in r.text


@pytest.fixture
def signed_in_operator(freight: Freight, app_client: TestClient) -> TestClient:
    sign_in(app_client, "operator_a")
    return app_client
