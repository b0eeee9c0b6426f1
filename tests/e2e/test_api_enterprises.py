"""The enterprise registry over HTTP: registration, validation, scoping, pagination, counts."""

from __future__ import annotations

from typing import Any

from tests.conftest import Zone

VALID = "91310000775785552L"


def body(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name_en": "Kashgar Pamir Trading Co., Ltd.",
        "name_zh": "喀什帕米尔贸易有限公司",
        "country": "CN",
        "area": "KASHGAR",
        "sectors": ["trade", "logistics"],
        "registration_date": "2024-05-20",
        "uscc": VALID,
        "foreign_invested": True,
        "investor_countries": ["KG"],
        "registered_capital": "5000000.00",
        "capital_currency": "CNY",
        "credit_grade": "general_certified",
    }
    data.update(over)
    return data


def test_admin_registers_an_enterprise(zone: Zone) -> None:
    r = zone.client.post("/api/v1/enterprises", json=body(), headers=zone.headers("admin"))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["uscc"] == VALID and created["status"] == "active"
    assert created["registered_capital"] == "5000000.00"
    assert r.headers["location"] == f"/api/v1/enterprises/{created['id']}"
    got = zone.client.get(r.headers["location"], headers=zone.headers("officer"))
    assert got.json()["name_zh"] == "喀什帕米尔贸易有限公司"


def test_an_invalid_uscc_is_a_422_problem_naming_the_field(zone: Zone) -> None:
    r = zone.client.post("/api/v1/enterprises", json=body(uscc="913100007757855529"), headers=zone.headers("admin"))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["status"] == 422 and problem["title"] == "Validation failed"
    assert {"field": "uscc", "message": "check character should be L"} in problem["errors"]
    listing = zone.client.get("/api/v1/enterprises", headers=zone.headers("admin")).json()
    assert listing["total"] == 2  # nothing was written


def test_unknown_fields_wrong_types_and_malformed_json_are_4xx(zone: Zone) -> None:
    h = zone.headers("admin")
    r = zone.client.post("/api/v1/enterprises", json=body(colour="blue"), headers=h)
    assert r.status_code == 422 and {"field": "colour", "message": "unknown field"} in r.json()["errors"]
    r = zone.client.post("/api/v1/enterprises", json=body(sectors="trade"), headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "sectors"
    r = zone.client.post("/api/v1/enterprises", json=body(registration_date="yesterday"), headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "registration_date"
    r = zone.client.post(
        "/api/v1/enterprises", content=b'{"name_en": ', headers={**h, "content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["title"] == "Malformed JSON"
    r = zone.client.post(
        "/api/v1/enterprises", content=b"x" * 2_000_000, headers={**h, "content-type": "application/json"}
    )
    assert r.status_code == 413


def test_a_duplicate_identifier_is_a_conflict(zone: Zone) -> None:
    h = zone.headers("admin")
    assert zone.client.post("/api/v1/enterprises", json=body(), headers=h).status_code == 201
    r = zone.client.post("/api/v1/enterprises", json=body(name_en="Other"), headers=h)
    assert r.status_code == 409 and "already registered" in r.json()["detail"]


def test_a_trader_sees_only_their_own_enterprise(zone: Zone) -> None:
    h = zone.headers("trader_a")
    own = zone.client.get(f"/api/v1/enterprises/{zone.enterprise_a}", headers=h)
    assert own.status_code == 200
    other = zone.client.get(f"/api/v1/enterprises/{zone.enterprise_b}", headers=h)
    missing = zone.client.get("/api/v1/enterprises/does-not-exist", headers=h)
    # another enterprise's record answers exactly like one that does not exist
    assert other.status_code == missing.status_code == 404
    assert other.json()["title"] == missing.json()["title"]
    listing = zone.client.get("/api/v1/enterprises", headers=h).json()
    assert [e["id"] for e in listing["items"]] == [zone.enterprise_a] and listing["total"] == 1
    stats = zone.client.get("/api/v1/enterprises/stats?by=area", headers=h).json()
    assert stats["counts"] == [{"key": "HORGOS", "count": 1}]
    for verb, path, payload in [
        ("patch", f"/api/v1/enterprises/{zone.enterprise_b}", {"name_en": "Mine now"}),
        ("post", f"/api/v1/enterprises/{zone.enterprise_b}/suspend", {"reason": "spite"}),
    ]:
        r = getattr(zone.client, verb)(path, json=payload, headers=h)
        assert r.status_code == 404, (verb, path, r.text)


def test_roles_are_enforced_in_the_service_layer(zone: Zone) -> None:
    r = zone.client.post("/api/v1/enterprises", json=body(), headers=zone.headers("trader_a"))
    assert r.status_code == 403
    r = zone.client.post(
        f"/api/v1/enterprises/{zone.enterprise_a}/suspend", json={"reason": "x"}, headers=zone.headers("analyst")
    )
    assert r.status_code == 403
    r = zone.client.patch(
        f"/api/v1/enterprises/{zone.enterprise_a}", json={"name_en": "x"}, headers=zone.headers("trader_a")
    )
    assert r.status_code == 403


def test_update_and_status_lifecycle(zone: Zone) -> None:
    h = zone.headers("admin")
    eid = zone.enterprise_a
    r = zone.client.patch(f"/api/v1/enterprises/{eid}", json={"sectors": ["aviation"]}, headers=h)
    assert r.status_code == 200 and r.json()["sectors"] == ["aviation"] and r.json()["version"] == 2
    r = zone.client.post(
        f"/api/v1/enterprises/{eid}/suspend", json={"reason": "audit"}, headers=zone.headers("supervisor")
    )
    assert r.json()["status"] == "suspended"
    r = zone.client.post(f"/api/v1/enterprises/{eid}/deregister", json={"reason": "closed"}, headers=h)
    assert r.json()["status"] == "deregistered"
    r = zone.client.post(f"/api/v1/enterprises/{eid}/reinstate", json={"reason": "oops"}, headers=h)
    assert r.status_code == 409 and "deregistered" in r.json()["detail"]


def test_filtering_sorting_and_cursor_pagination(zone: Zone) -> None:
    h = zone.headers("admin")
    for i in range(7):
        from stdnum.cn import uscc

        code = f"91650000{i:09d}"
        code += uscc.calc_check_digit(code)
        r = zone.client.post(
            "/api/v1/enterprises",
            json=body(
                uscc=code,
                name_en=f"Page Test {i}",
                area="URUMQI" if i % 2 else "HORGOS",
                registration_date=f"2025-0{1 + i % 3}-15",
            ),
            headers=h,
        )
        assert r.status_code == 201, r.text
    seen: list[str] = []
    cursor = None
    while True:
        url = "/api/v1/enterprises?q=page%20test&sort=-name_en&limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = zone.client.get(url, headers=h).json()
        seen += [e["name_en"] for e in page["items"]]
        assert page["total"] == 7
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Page Test {i}" for i in reversed(range(7))]
    urumqi = zone.client.get("/api/v1/enterprises?area=URUMQI&q=page", headers=h).json()
    assert urumqi["total"] == 3
    months = zone.client.get("/api/v1/enterprises/stats?by=month&q=page", headers=h).json()
    assert months["counts"] == [
        {"key": "2025-01", "count": 3},
        {"key": "2025-02", "count": 2},
        {"key": "2025-03", "count": 2},
    ]
    sectors = zone.client.get("/api/v1/enterprises/stats?by=sector", headers=h).json()
    assert {"key": "logistics", "count": 7} in sectors["counts"]
    bad = zone.client.get("/api/v1/enterprises?cursor=garbage", headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
