"""Platform behaviour over HTTP: sign-in tokens, idempotency, problems, operations endpoints, audit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from silkport.infra.audit import AuditEntryRow
from tests.conftest import PASSWORD, Zone
from tests.e2e.test_api_enterprises import body


def test_operations_endpoints(zone: Zone) -> None:
    c = zone.client
    assert c.get("/health").json() == {"status": "ok"}
    ready = c.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    schema = c.get("/openapi.json").json()
    assert "/api/v1/enterprises" in schema["paths"]
    c.get("/api/v1/zone")
    metrics = c.get("/metrics").text
    assert 'silkport_http_requests_total{method="GET",route="/api/v1/zone",status="200"}' in metrics
    assert "silkport_http_request_duration_seconds_bucket" in metrics
    assert c.get("/health").headers["x-request-id"]
    assert c.get("/health", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"


def test_the_zone_has_three_areas_and_six_ports(zone: Zone) -> None:
    z = zone.client.get("/api/v1/zone").json()
    assert z["total_area_km2"] == "179.66"
    assert {a["code"] for a in z["areas"]} == {"URUMQI", "HORGOS", "KASHGAR"}
    ports = {p["code"]: p for p in zone.client.get("/api/v1/zone/ports").json()}
    assert set(ports) == {"URC-AIR", "URM-RAIL", "HRS-RAIL", "HRS-ROAD", "KSS-TIR", "KSS-MAIL"}
    assert ports["URC-AIR"]["locode"] == "CNURC" and ports["URC-AIR"]["opening_summary"] == "24/7"


def test_an_admin_edits_a_port_and_others_cannot(zone: Zone) -> None:
    change = {"opening_hours": {"mon": ["07:00-23:00"]}}
    r = zone.client.patch("/api/v1/zone/ports/HRS-ROAD", json=change, headers=zone.headers("officer"))
    assert r.status_code == 403
    r = zone.client.patch("/api/v1/zone/ports/HRS-ROAD", json=change, headers=zone.headers("admin"))
    assert r.status_code == 200 and r.json()["opening_hours"] == {"mon": ["07:00-23:00"]}
    r = zone.client.patch(
        "/api/v1/zone/ports/HRS-ROAD", json={"opening_hours": {"mon": ["25:00-26:00"]}}, headers=zone.headers("admin")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "opening_hours.mon[0]"


def test_tokens_expire_and_can_be_revoked(zone: Zone) -> None:
    c = zone.client
    assert c.get("/api/v1/enterprises").status_code == 401
    assert c.get("/api/v1/enterprises", headers={"Authorization": "Basic abc"}).status_code == 401
    bad = c.post("/api/v1/auth/token", json={"username": "admin", "password": "wrong password"})
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    token = c.post("/api/v1/auth/token", json={"username": "analyst", "password": PASSWORD}).json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    assert c.get("/api/v1/auth/me", headers=h).json()["role"] == "analyst"
    assert c.delete("/api/v1/auth/token", headers=h).status_code == 204
    r = c.get("/api/v1/auth/me", headers=h)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    # the other tokens still work until they expire
    assert c.get("/api/v1/auth/me", headers=zone.headers("admin")).status_code == 200
    zone.platform.clock.advance(timedelta(minutes=zone.platform.settings.token_ttl_minutes + 1))  # type: ignore[attr-defined]
    r = c.get("/api/v1/auth/me", headers=zone.headers("admin"))
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_an_idempotent_retry_returns_the_first_response_and_changes_nothing(zone: Zone) -> None:
    h = {**zone.headers("admin"), "Idempotency-Key": "reg-0001"}
    first = zone.client.post("/api/v1/enterprises", json=body(), headers=h)
    again = zone.client.post("/api/v1/enterprises", json=body(), headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert zone.client.get("/api/v1/enterprises", headers=zone.headers("admin")).json()["total"] == 3
    other = zone.client.post("/api/v1/enterprises", json=body(name_en="Different"), headers=h)
    assert other.status_code == 409 and other.json()["title"] == "Idempotency-Key reused"
    # a failed request keeps its answer too: retrying a 422 replays the 422
    h2 = {**zone.headers("admin"), "Idempotency-Key": "reg-0002"}
    bad = zone.client.post("/api/v1/enterprises", json=body(uscc="1"), headers=h2)
    assert zone.client.post("/api/v1/enterprises", json=body(uscc="1"), headers=h2).json() == bad.json()
    # keys are per caller: another user's identical key is a new request
    r = zone.client.post(
        "/api/v1/enterprises", json=body(), headers={**zone.headers("trader_a"), "Idempotency-Key": "reg-0001"}
    )
    assert r.status_code == 403


def test_every_change_is_in_the_audit_chain(zone: Zone) -> None:
    h = zone.headers("admin")
    eid = zone.client.post("/api/v1/enterprises", json=body(), headers=h).json()["id"]
    zone.client.post(f"/api/v1/enterprises/{eid}/suspend", json={"reason": "late filing"}, headers=h)
    entries = zone.client.get(f"/api/v1/audit?object_id={eid}", headers=h).json()
    assert [e["action"] for e in entries] == ["enterprise.suspended", "enterprise.registered"]
    assert entries[0]["actor"] == "admin" and entries[0]["reason"] == "late filing"
    assert '"status":"active"' in entries[0]["before"] and '"status":"suspended"' in entries[0]["after"]
    assert zone.client.get("/api/v1/audit", headers=zone.headers("trader_a")).status_code == 403
    assert zone.client.get("/api/v1/audit/verify", headers=h).json()["ok"] is True
    with zone.platform.session_factory() as s:
        seq = s.scalar(select(AuditEntryRow.seq).where(AuditEntryRow.object_id == eid).order_by(AuditEntryRow.seq))
        s.execute(update(AuditEntryRow).where(AuditEntryRow.seq == seq).values(actor_name="somebody else"))
        s.commit()
    status = zone.client.get("/api/v1/audit/verify", headers=h).json()
    assert status["ok"] is False and status["first_broken"] == seq and "altered" in status["problem"]


def test_users_are_created_by_admins_with_bindings_checked(zone: Zone) -> None:
    h = zone.headers("admin")
    r = zone.client.post(
        "/api/v1/users", json={"username": "ops1", "password": "long enough pw", "role": "trader"}, headers=h
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "enterprise"
    r = zone.client.post(
        "/api/v1/users",
        json={"username": "ops1", "password": "long enough pw", "role": "customs_officer", "office": "NOPE"},
        headers=h,
    )
    assert r.status_code == 422 and "NOPE" in r.json()["detail"]
    r = zone.client.post(
        "/api/v1/users",
        json={"username": "ops1", "password": "long enough pw", "role": "trader", "enterprise": zone.enterprise_b},
        headers=h,
    )
    assert r.status_code == 201 and r.json()["enterprise"] == zone.enterprise_b
    assert (
        zone.client.post(
            "/api/v1/users",
            json={"username": "ops2", "password": "long enough pw", "role": "admin"},
            headers=zone.headers("trader_a"),
        ).status_code
        == 403
    )
