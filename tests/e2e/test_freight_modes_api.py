"""Freight modes over HTTP: trains and gauge change, vehicle exports and counts, air tonnage, mail clearance."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from stdnum import iso6346

from silkport.enterprises.services import auth
from silkport.infra.outbox import OutboxRow
from silkport.logistics.adapters import itmatt
from silkport.logistics.adapters.modes_orm import PostalItemRow, TrainRunRow, VehicleExportRow
from silkport.logistics.domain.identifiers import s10_check_digit, vin_check_digit
from silkport.logistics.domain.rail import luhn_check_digit
from silkport.shared.actor import SYSTEM, Role
from tests.conftest import PASSWORD, Zone

DISPATCH = "CNKSSAKGFRUAAUN50001"
RECEPTACLE = DISPATCH + "001" + "0" + "0" + "0125"
RECEPTACLE_2 = DISPATCH + "002" + "9" + "0" + "0080"


def sign_in(zone: Zone, username: str, role: Role, enterprise_id: str) -> dict[str, str]:
    auth.create_user(
        zone.platform.enterprises_uow(), SYSTEM, zone.platform.hasher, username=username, password=PASSWORD,
        role=role, enterprise_id=enterprise_id,
    )  # fmt: skip
    r = zone.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def people(zone: Zone) -> dict[str, dict[str, str]]:
    return {
        "operator_a": sign_in(zone, "operator_a", Role.LOGISTICS_OPERATOR, zone.enterprise_a),
        "operator_b": sign_in(zone, "operator_b", Role.LOGISTICS_OPERATOR, zone.enterprise_b),
        "airline_a": sign_in(zone, "airline_a", Role.AIRLINE, zone.enterprise_a),
        "airline_b": sign_in(zone, "airline_b", Role.AIRLINE, zone.enterprise_b),
        **{who: zone.headers(who) for who in ("admin", "trader_a", "trader_b", "officer", "analyst")},
    }


def wagon(prefix: str) -> str:
    return prefix + luhn_check_digit(prefix)


def container(serial: int) -> str:
    body = f"CSQU{serial:06d}"
    return body + iso6346.calc_check_digit(body)


def vin(serial: int) -> str:
    draft = f"LGHXCAE20M{serial:07d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def s10(serial: int) -> str:
    digits = f"{serial:08d}"
    return f"RA{digits}{s10_check_digit(digits)}CN"


def count(zone: Zone, model: Any) -> int:
    with zone.platform.session_factory() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def events(zone: Zone, event_type: str) -> list[dict[str, Any]]:
    with zone.platform.session_factory() as s:
        return [r.payload for r in s.scalars(select(OutboxRow).where(OutboxRow.event_type == event_type))]


# -- trains -----------------------------------------------------------------------------------------
def test_train_run_with_gauge_change_at_horgos(zone: Zone, people: dict[str, dict[str, str]]) -> None:
    c: TestClient = zone.client
    op = people["operator_a"]
    r = c.post(
        "/api/v1/freight/trains",
        json={"train_number": "X8017", "origin": "CN URC", "destination": "DEDUI", "departure": "2025-09-01T10:00:00Z"},
        headers=op,
    )
    assert r.status_code == 201, r.text
    run = r.json()
    url = f"/api/v1/freight/trains/{run['id']}"
    assert r.headers["Location"] == url
    std, broad = wagon("31804552001"), wagon("5000001")
    for number, gauge in ((std, 1435), (broad, 1520)):
        assert c.post(f"{url}/wagons", json={"number": number, "gauge": gauge}, headers=op).status_code == 201
    box = container(305438)
    r = c.post(f"{url}/containers", json={"container": box, "wagon": std, "consignments": ["SMGS 1234567"]}, headers=op)
    assert r.status_code == 201, r.text
    # the same container again: 409, nothing changes
    r = c.post(f"{url}/containers", json={"container": box, "wagon": broad}, headers=op)
    assert r.status_code == 409
    # not a break-of-gauge point: 422 naming the station
    bad = c.post(
        f"{url}/transshipments",
        json={"station": "CNURC", "at": "2025-09-02T06:00:00Z", "moves": [{"container": box, "wagon": broad}]},
        headers=op,
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["station"]
    r = c.post(
        f"{url}/transshipments",
        json={"station": "CN HRS", "at": "2025-09-02T06:00:00Z", "moves": [{"container": box, "wagon": broad}]},
        headers=op,
    )
    assert r.status_code == 201, r.text
    assert r.json()["from_gauge"] == 1435 and r.json()["to_gauge"] == 1520
    got = c.get(url, headers=op).json()
    assert got["containers"] == [{"container": box, "wagon": broad, "consignments": ["SMGS 1234567"]}]
    assert [w["containers"] for w in got["wagons"]] == [[], [box]]
    assert got["transshipments"][0]["station"] == "CNHRS"
    [event] = events(zone, "freight.containers.transshipped")
    assert event["moves"] == [{"container": box, "from_wagon": std, "to_wagon": broad}]
    # others: operator B and a trader of B do not see it; customs sees it; a trader may not change it
    assert c.get(url, headers=people["operator_b"]).status_code == 404
    assert c.get(url, headers=people["officer"]).status_code == 200
    assert (
        c.post(f"{url}/wagons", json={"number": wagon("5000002"), "gauge": 1520}, headers=people["officer"]).status_code
        == 403
    )
    assert [t["id"] for t in c.get("/api/v1/freight/trains", headers=people["operator_b"]).json()] == []
    # arrival, then delete refused while it carries a container
    assert c.patch(url, json={"arrival": "2025-09-15T10:00:00Z"}, headers=op).json()["arrival"].startswith("2025-09-15")
    assert c.delete(url, headers=op).status_code == 409
    assert c.delete(f"{url}/containers/{box}", headers=op).status_code == 200


def test_train_run_bad_input_is_422_and_stores_nothing(zone: Zone, people: dict[str, dict[str, str]]) -> None:
    r = zone.client.post(
        "/api/v1/freight/trains",
        json={"train_number": "X 1", "origin": "Urumqi", "destination": "DEDUI", "departure": "2025-09-01T10:00:00"},
        headers=people["operator_a"],
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"train_number", "origin", "departure"}
    r = zone.client.post(
        "/api/v1/freight/trains",
        json={"train_number": "X1", "origin": "CNURC", "destination": "DEDUI", "departure": "2025-09-01T10:00:00Z"},
        headers=people["trader_a"],
    )
    assert r.status_code == 403
    assert count(zone, TrainRunRow) == 0


# -- vehicles ---------------------------------------------------------------------------------------
def vehicle(serial: int, **over: Any) -> dict[str, Any]:
    body = {"vin": vin(serial), "make": "Sinotruk", "model": "HOWO T7H", "category": "N3", "destination": "KZ",
            "exit_port": "CNHRS", "exit_date": "2025-03-04", "declaration_id": f"EX{serial:08d}"}  # fmt: skip
    body.update(over)
    return body


def test_vehicle_exports_single_bulk_and_counts(zone: Zone, people: dict[str, dict[str, str]]) -> None:
    c = zone.client
    trader = people["trader_a"]
    r = c.post("/api/v1/freight/vehicles", json=vehicle(1), headers=trader)
    assert r.status_code == 201, r.text
    assert c.post("/api/v1/freight/vehicles", json=vehicle(1), headers=trader).status_code == 409
    rows = [
        vehicle(2, make="FAW", destination="UZ", exit_date="2025-04-01"),
        vehicle(3, make="FAW", destination="KZ", exit_date="2025-04-02"),
    ]
    r = c.post("/api/v1/freight/vehicles/bulk", json={"rows": rows}, headers=trader)
    assert r.status_code == 201, r.text
    assert r.json()["registered"] == 2
    header = "vin,make,model,category,destination,exit_port,exit_date,declaration_id"
    csv_body = (
        f"{header}\n{vin(4)},Shacman,X3000,N3,RU,CNHRS,2025-04-09,\n{vin(5)},Foton,Aumark,N2,KG,CNHRS,2024-12-31,EX1\n"
    )
    r = c.post("/api/v1/freight/vehicles/bulk", content=csv_body, headers={**trader, "Content-Type": "text/csv"})
    assert r.status_code == 201, r.text
    # trader B: their own export
    assert (
        c.post("/api/v1/freight/vehicles", json=vehicle(6, destination="TJ"), headers=people["trader_b"]).status_code
        == 201
    )
    by_make = c.get("/api/v1/freight/vehicles/counts?by=make", headers=people["analyst"]).json()
    assert by_make["counts"] == {"FAW": 2, "FOTON": 1, "SHACMAN": 1, "SINOTRUK": 2}
    assert by_make["total"] == 6
    own = c.get("/api/v1/freight/vehicles/counts?by=destination", headers=trader).json()
    assert own["counts"] == {"KG": 1, "KZ": 2, "RU": 1, "UZ": 1}
    months = c.get("/api/v1/freight/vehicles/counts?by=month&year=2025", headers=people["officer"]).json()
    assert months["counts"] == {"2025-03": 2, "2025-04": 3}
    assert c.get("/api/v1/freight/vehicles/counts?by=colour", headers=trader).status_code == 422
    listed = c.get("/api/v1/freight/vehicles", headers=people["trader_b"]).json()
    assert [v["destination"] for v in listed] == ["TJ"]
    assert c.get(f"/api/v1/freight/vehicles/{listed[0]['id']}", headers=trader).status_code == 404


def test_bulk_vehicle_exports_are_all_or_nothing(zone: Zone, people: dict[str, dict[str, str]]) -> None:
    c = zone.client
    trader = people["trader_a"]
    assert c.post("/api/v1/freight/vehicles", json=vehicle(1), headers=trader).status_code == 201
    rows = [vehicle(2), vehicle(1), vehicle(3, vin="LGHXCAE20M0000003"), vehicle(4, destination="CN"), vehicle(2)]
    r = c.post("/api/v1/freight/vehicles/bulk", json={"rows": rows}, headers=trader)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"rows[2].vin", "rows[3].destination", "rows[4].vin"}
    r = c.post("/api/v1/freight/vehicles/bulk", json={"rows": [vehicle(2), vehicle(1)]}, headers=trader)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["rows[1].vin"]
    r = c.post(
        "/api/v1/freight/vehicles/bulk", content="vin,make\nx,y\n", headers={**trader, "Content-Type": "text/csv"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "header"
    assert c.post("/api/v1/freight/vehicles", json=vehicle(9), headers=people["airline_a"]).status_code == 403
    assert count(zone, VehicleExportRow) == 1


# -- air --------------------------------------------------------------------------------------------
def test_flights_awbs_and_tonnage_with_year_on_year(zone: Zone, people: dict[str, dict[str, str]]) -> None:
    c = zone.client
    airline = people["airline_a"]
    flights = {}
    for number, day in (("CZ6901", "2024-08-03"), ("CZ6901", "2025-08-03"), ("CZ6903", "2025-08-20")):
        r = c.post(
            "/api/v1/freight/air/flights",
            json={"flight_number": number, "flight_date": day, "origin": "URC", "destination": "ALA"},
            headers=airline,
        )
        assert r.status_code == 201, r.text
        flights[(number, day)] = r.json()["id"]
    dup = c.post(
        "/api/v1/freight/air/flights",
        json={"flight_number": "CZ 6901", "flight_date": "2025-08-03", "origin": "URC", "destination": "ALA"},
        headers=airline,
    )
    assert dup.status_code == 409
    loads = [
        (("CZ6901", "2024-08-03"), "784-1234 5675", "1000"),
        (("CZ6901", "2025-08-03"), "78412345686", "2500.5"),
        (("CZ6903", "2025-08-20"), "78412345690", "2200"),
    ]
    for key, awb, kg in loads:
        r = c.post(
            f"/api/v1/freight/air/flights/{flights[key]}/awbs",
            json={"awb": awb, "pieces": 10, "gross_weight_kg": kg, "chargeable_weight_kg": kg},
            headers=airline,
        )
        assert r.status_code == 201, r.text
    again = c.post(
        f"/api/v1/freight/air/flights/{flights[('CZ6903', '2025-08-20')]}/awbs",
        json={"awb": "78412345690", "pieces": 1, "gross_weight_kg": "1", "chargeable_weight_kg": "1"},
        headers=airline,
    )
    assert again.status_code == 409
    bad = c.post(
        f"/api/v1/freight/air/flights/{flights[('CZ6903', '2025-08-20')]}/awbs",
        json={"awb": "78412345691", "pieces": 0, "gross_weight_kg": "5", "chargeable_weight_kg": "4"},
        headers=airline,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"awb", "pieces", "chargeable_weight_kg"}
    t = c.get("/api/v1/freight/air/tonnage?year=2025", headers=people["analyst"]).json()
    aug = t["months"][7]
    assert aug["month"] == "2025-08"
    assert aug["tonnes"] == "4.700500" and aug["previous_year_tonnes"] == "1.000000"
    assert aug["yoy_change_percent"] == "370.1"
    assert (aug["flights"], aug["awbs"]) == (2, 2)
    assert t["months"][0]["yoy_change_percent"] is None
    # airline B sees none of it
    assert (
        c.get("/api/v1/freight/air/tonnage?year=2025", headers=people["airline_b"]).json()["total_tonnes"] == "0.000000"
    )
    assert (
        c.get(
            f"/api/v1/freight/air/flights/{flights[('CZ6903', '2025-08-20')]}", headers=people["airline_b"]
        ).status_code
        == 404
    )
    assert c.get("/api/v1/freight/air/tonnage", headers=airline).status_code == 422
    assert len(events(zone, "freight.awb.loaded")) == 3


# -- mail -------------------------------------------------------------------------------------------
def item(serial: int, receptacle: str = RECEPTACLE, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "item_id": s10(serial), "receptacle_id": receptacle, "sender_country": "CN", "addressee_country": "KG",
        "category": "sale_of_goods", "form": "CN22", "gross_weight_kg": "0.8", "currency": "USD",
        "contents": [{"description": "cotton T-shirts", "quantity": 3, "net_weight_kg": "0.6", "value": "45",
                      "hs_code": "610910", "origin_country": "CN"}],
    }  # fmt: skip
    body.update(over)
    return body


def test_itmatt_then_bulk_clearance_answers_every_item_once(zone: Zone, people: dict[str, dict[str, str]]) -> None:
    c = zone.client
    post = people["operator_a"]
    fireworks = [{"description": "fireworks", "quantity": 1, "net_weight_kg": "1", "value": "20", "hs_code": "360410",
                  "origin_country": "CN"}]  # fmt: skip
    message = {
        "message": "ITMATT",
        "items": [
            item(1),
            item(
                2,
                contents=[
                    {
                        "description": "phone",
                        "quantity": 1,
                        "net_weight_kg": "0.2",
                        "value": "650",
                        "hs_code": "851713",
                        "origin_country": "CN",
                    }
                ],
            ),
            item(3, receptacle=RECEPTACLE_2, contents=fireworks),
        ],
    }
    r = c.post("/api/v1/freight/mail/itmatt", json=message, headers=post)
    assert r.status_code == 201, r.text
    assert r.json()["items"] == 3 and r.json()["new_receptacles"] == 2
    # a fourth item by CSV into the same dispatch, with no content data
    extra = itmatt.to_csv([])  # header only
    extra += f"{s10(4)},{RECEPTACLE_2},CN,KG,gift,CN22,0.3,USD,,,,,,\n"
    r = c.post("/api/v1/freight/mail/itmatt", content=extra, headers={**post, "Content-Type": "text/csv"})
    assert r.status_code == 201, r.text
    assert r.json()["dispatches"][0]["items"] == 4
    # the same item again: refused, nothing stored
    assert c.post("/api/v1/freight/mail/itmatt", json={"items": [item(1)]}, headers=post).status_code == 409
    url = f"/api/v1/freight/mail/dispatches/{DISPATCH}"
    assert c.get(f"{url}/cusrsp", headers=post).status_code == 409
    assert c.post(f"{url}/clearance", headers=post).status_code == 403
    assert c.post(f"{url}/clearance", headers=people["admin"]).status_code == 403
    r = c.post(f"{url}/clearance", headers=people["officer"])
    assert r.status_code == 200, r.text
    answers = {a["item_id"]: a for a in r.json()["answers"]}
    assert set(answers) == {s10(1), s10(2), s10(3), s10(4)}
    assert answers[s10(1)]["outcome"] == "released" and answers[s10(1)]["reasons"] == []
    assert answers[s10(2)]["outcome"] == "held"
    assert [x["code"] for x in answers[s10(2)]["reasons"]] == ["CN23_REQUIRED", "DUTY"]
    assert answers[s10(3)]["outcome"] == "returned"
    assert answers[s10(4)]["outcome"] == "held"
    assert [x["code"] for x in answers[s10(4)]["reasons"]] == ["NO_CONTENT"]
    assert c.post(f"{url}/clearance", headers=people["officer"]).status_code == 409
    assert c.get(f"{url}/cusrsp", headers=post).json()["answers"] == r.json()["answers"]
    got = c.get(url, headers=post).json()
    assert got["state"] == "cleared" and got["outcomes"] == {"released": 1, "held": 2, "returned": 1}
    assert len(got["receptacles"]) == 2
    assert got["receptacle_list"] == [
        {"id": RECEPTACLE, "declared_weight_kg": "12.5", "items": 2, "items_gross_weight_kg": "1.600"},
        {"id": RECEPTACLE_2, "declared_weight_kg": "8.0", "items": 2, "items_gross_weight_kg": "1.100"},
    ]
    assert c.get(url, headers=people["operator_b"]).status_code == 404
    assert c.post("/api/v1/freight/mail/itmatt", json={"items": [item(9)]}, headers=post).status_code == 409
    [cleared] = events(zone, "freight.mail.dispatch_cleared")
    assert (cleared["released"], cleared["held"], cleared["returned"]) == (1, 2, 1)


def test_malformed_itmatt_is_422_naming_the_item_and_stores_nothing(
    zone: Zone, people: dict[str, dict[str, str]]
) -> None:
    c = zone.client
    post = people["operator_a"]
    bad = item(2, item_id="RA000000001CN", receptacle_id=DISPATCH + "001", currency="XYZ")
    r = c.post("/api/v1/freight/mail/itmatt", json={"items": [item(1), bad, item(1)]}, headers=post)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {
        "items[1].item_id", "items[1].receptacle_id", "items[1].currency", "items[2].item_id"
    }  # fmt: skip
    r = c.post("/api/v1/freight/mail/itmatt", content=b"\xff\xfe", headers={**post, "Content-Type": "text/csv"})
    assert r.status_code == 422
    r = c.post("/api/v1/freight/mail/itmatt", content="x", headers={**post, "Content-Type": "application/xml"})
    assert r.status_code == 422
    assert (
        c.post("/api/v1/freight/mail/itmatt", json={"items": [item(1)]}, headers=people["trader_a"]).status_code == 403
    )
    assert count(zone, PostalItemRow) == 0


def test_retried_bulk_upload_with_an_idempotency_key_stores_once(zone: Zone, people: dict[str, dict[str, str]]) -> None:
    c = zone.client
    headers = {**people["trader_a"], "Idempotency-Key": "bulk-2025-04-01"}
    first = c.post("/api/v1/freight/vehicles/bulk", json={"rows": [vehicle(1), vehicle(2)]}, headers=headers)
    again = c.post("/api/v1/freight/vehicles/bulk", json={"rows": [vehicle(1), vehicle(2)]}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert count(zone, VehicleExportRow) == 2


def test_administrators_name_the_enterprise(zone: Zone, people: dict[str, dict[str, str]]) -> None:
    c = zone.client
    body = {"flight_number": "CZ6901", "flight_date": "2025-08-03", "origin": "URC", "destination": "ALA"}
    r = c.post("/api/v1/freight/air/flights", json=body, headers=people["admin"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "enterprise_id"
    r = c.post("/api/v1/freight/air/flights", json={**body, "enterprise_id": "ent_nobody"}, headers=people["admin"])
    assert r.status_code == 422 and "no enterprise" in r.json()["errors"][0]["message"]
    r = c.post(
        "/api/v1/freight/air/flights", json={**body, "enterprise_id": zone.enterprise_b}, headers=people["admin"]
    )
    assert r.status_code == 201
    assert c.get(r.headers["Location"], headers=people["airline_b"]).status_code == 200
    assert c.get(r.headers["Location"], headers=people["airline_a"]).status_code == 404
    mine = {**body, "flight_date": "2025-08-04", "enterprise_id": zone.enterprise_b}
    assert c.post("/api/v1/freight/air/flights", json=mine, headers=people["airline_a"]).status_code == 403


def test_the_openapi_document_describes_the_freight_api(zone: Zone) -> None:
    r = zone.client.get("/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in (
        "/api/v1/freight/trains/{run_id}/transshipments",
        "/api/v1/freight/vehicles/bulk",
        "/api/v1/freight/vehicles/counts",
        "/api/v1/freight/air/tonnage",
        "/api/v1/freight/mail/itmatt",
        "/api/v1/freight/mail/dispatches/{dispatch_id}/clearance",
    ):
        assert path in paths
    assert "text/csv" in paths["/api/v1/freight/mail/itmatt"]["post"]["requestBody"]["content"]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.text(max_size=30)
    | st.sampled_from(["1e999", "NaN", "-0"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
item_overrides = st.dictionaries(st.sampled_from([*itmatt.ITEM_COLUMNS, "contents"]), json_values, max_size=2)
line_overrides = st.dictionaries(st.sampled_from(list(itmatt.LINE_COLUMNS)), json_values, max_size=2)
vehicle_overrides = st.dictionaries(
    st.sampled_from(["vin", "make", "model", "category", "destination", "exit_port", "exit_date", "declaration_id"]),
    json_values,
    max_size=2,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.integers(1, 5), item_overrides, line_overrides), min_size=1, max_size=3),
    st.lists(st.tuples(st.integers(1, 5), vehicle_overrides), min_size=1, max_size=3),
)
def test_valid_uploads_with_arbitrary_fields_changed_get_a_4xx_never_a_500(
    zone: Zone,
    people: dict[str, dict[str, str]],
    items: list[tuple[int, dict[str, Any], dict[str, Any]]],
    rows: list[tuple[int, dict[str, Any]]],
) -> None:
    bodies = []
    for serial, over, line_over in items:
        body = item(serial)
        body["contents"] = [{**body["contents"][0], **line_over}]
        bodies.append({**body, **over})
    r = zone.client.post("/api/v1/freight/mail/itmatt", json={"items": bodies}, headers=people["operator_a"])
    assert r.status_code in (201, 409, 422), r.text
    vehicles = [{**vehicle(serial), **over} for serial, over in rows]
    r = zone.client.post("/api/v1/freight/vehicles/bulk", json={"rows": vehicles}, headers=people["trader_a"])
    assert r.status_code in (201, 409, 422), r.text


def test_an_item_waiting_in_one_dispatch_cannot_be_announced_in_another(
    zone: Zone, people: dict[str, dict[str, str]]
) -> None:
    c = zone.client
    post = people["operator_a"]
    assert c.post("/api/v1/freight/mail/itmatt", json={"items": [item(1)]}, headers=post).status_code == 201
    other = "CNKSSAKGFRUAAUN50002" + "001" + "9" + "0" + "0010"
    r = c.post("/api/v1/freight/mail/itmatt", json={"items": [item(1, receptacle=other)]}, headers=post)
    assert r.status_code == 409 and DISPATCH in r.json()["detail"]
    assert c.post(f"/api/v1/freight/mail/dispatches/{DISPATCH}/clearance", headers=people["officer"]).status_code == 200
    # once cleared (e.g. returned to sender), the same S10 item may travel again in a new dispatch
    assert (
        c.post("/api/v1/freight/mail/itmatt", json={"items": [item(1, receptacle=other)]}, headers=post).status_code
        == 201
    )
