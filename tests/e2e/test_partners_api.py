"""Partner customs exchange over HTTP: the authenticated inbound endpoint and the administrators' views."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from silkport.infra.partners import SqlPartnerOutbox
from silkport.shared.clock import FixedClock
from tests.conftest import Zone

INBOUND = "/api/v1/partners/inbound"
SECRET = "kz-signs-with-this-secret-0123456789"


def _sign(secret: str, timestamp: str, body: bytes) -> str:
    # the recipe of docs/partner-exchange.md, written out independently of the implementation
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _body(message_id: str = "m-1", type_: str = "PING", payload: dict[str, Any] | None = None, **extra: Any) -> bytes:
    doc = {"message_id": message_id, "type": type_, "payload": payload if payload is not None else {"n": 1}}
    doc.update(extra)
    return json.dumps(doc).encode()


def _headers(body: bytes, at: datetime, key_id: str = "kz-key", secret: str = SECRET) -> dict[str, str]:
    ts = str(int(at.timestamp()))
    return {
        "Content-Type": "application/json",
        "X-Partner-Key-Id": key_id,
        "X-Partner-Timestamp": ts,
        "X-Partner-Signature": _sign(secret, ts, body),
    }


@pytest.fixture
def kz(zone: Zone) -> Zone:
    r = zone.client.post(
        "/api/v1/partners",
        json={
            "code": "KZ",
            "name": "State Revenue Committee of Kazakhstan",
            "url": "http://127.0.0.1:9/api/v1/partners/inbound",
            "outbound_key_id": "cn-key",
            "outbound_secret": "cn-signs-with-this-secret-0123456789",
            "inbound_key_id": "kz-key",
            "inbound_secret": SECRET,
        },
        headers=zone.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return zone


def _inbound(zone: Zone) -> list[dict[str, Any]]:
    r = zone.client.get("/api/v1/partners/inbound", headers=zone.headers("admin"))
    assert r.status_code == 200, r.text
    result: list[dict[str, Any]] = r.json()
    return result


def _now(zone: Zone) -> datetime:
    return zone.platform.clock.now()


def test_inbound_accepts_a_signed_message_without_any_user_token(kz: Zone) -> None:
    body = _body()
    r = kz.client.post(INBOUND, content=body, headers=_headers(body, _now(kz)))
    assert r.status_code == 202, r.text
    receipt = r.json()
    assert (receipt["status"], receipt["partner"], receipt["message_id"], receipt["type"]) == (
        "accepted",
        "KZ",
        "m-1",
        "PING",
    )
    [stored] = _inbound(kz)
    assert (stored["partner"], stored["message_id"], stored["status"], stored["payload"]) == (
        "KZ",
        "m-1",
        "received",
        {"n": 1},
    )


def test_a_repeated_message_id_is_a_harmless_duplicate_with_the_original_receipt(kz: Zone) -> None:
    clock = kz.platform.clock
    assert isinstance(clock, FixedClock)
    body = _body("m-dup")
    first = kz.client.post(INBOUND, content=body, headers=_headers(body, clock.now()))
    assert first.status_code == 202
    clock.advance(timedelta(minutes=3))
    again = kz.client.post(INBOUND, content=body, headers=_headers(body, clock.now()))
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "duplicate"
    assert again.json()["received_at"] == first.json()["received_at"]
    assert kz.platform.partner_processor().process_due().processed == 1
    third = kz.client.post(INBOUND, content=body, headers=_headers(body, clock.now()))
    assert third.status_code == 200
    assert kz.platform.partner_processor().process_due().attempted == 0  # not processed twice
    assert len(_inbound(kz)) == 1


def test_the_same_message_id_with_another_payload_is_a_conflict(kz: Zone) -> None:
    body = _body("m-x", payload={"n": 1})
    assert kz.client.post(INBOUND, content=body, headers=_headers(body, _now(kz))).status_code == 202
    other = _body("m-x", payload={"n": 2})
    r = kz.client.post(INBOUND, content=other, headers=_headers(other, _now(kz)))
    assert r.status_code == 409, r.text
    assert _inbound(kz)[0]["payload"] == {"n": 1}


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h, b: {k: v for k, v in h.items() if k != "X-Partner-Signature"}, "X-Partner-Signature"),
        (lambda h, b: {k: v for k, v in h.items() if k != "X-Partner-Key-Id"}, "X-Partner-Key-Id"),
        (lambda h, b: {k: v for k, v in h.items() if k != "X-Partner-Timestamp"}, "X-Partner-Timestamp"),
        (lambda h, b: {**h, "X-Partner-Key-Id": "nobody"}, "unknown partner key id 'nobody'"),
        (lambda h, b: {**h, "X-Partner-Signature": "sha256=" + "0" * 64}, "does not match"),
        (lambda h, b: {**h, "X-Partner-Timestamp": "yesterday"}, "Unix time in whole seconds"),
        (lambda h, b: _headers(b, datetime(2025, 9, 1, 8, 0, tzinfo=UTC), secret="wrong-secret-0123456789"), "match"),
    ],
)
def test_bad_credentials_are_refused_with_401_and_nothing_is_stored(kz: Zone, mutate: Any, reason: str) -> None:
    body = _body()
    headers = mutate(_headers(body, _now(kz)), body)
    r = kz.client.post(INBOUND, content=body, headers=headers)
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert reason in r.json()["detail"]
    assert _inbound(kz) == []


def test_a_body_changed_after_signing_is_refused(kz: Zone) -> None:
    body = _body(payload={"amount": "100.00"})
    headers = _headers(body, _now(kz))
    tampered = body.replace(b"100.00", b"900.00")
    r = kz.client.post(INBOUND, content=tampered, headers=headers)
    assert r.status_code == 401
    assert _inbound(kz) == []


@pytest.mark.parametrize(("offset", "word"), [(-301, "behind"), (301, "ahead of"), (-3600, "behind")])
def test_a_timestamp_outside_the_replay_window_is_refused_with_the_reason(kz: Zone, offset: int, word: str) -> None:
    body = _body()
    r = kz.client.post(INBOUND, content=body, headers=_headers(body, _now(kz) + timedelta(seconds=offset)))
    assert r.status_code == 401, r.text
    detail = r.json()["detail"]
    assert "stale timestamp" in detail and f"{abs(offset)} s {word} our clock" in detail and "±300 s" in detail
    assert _inbound(kz) == []


@pytest.mark.parametrize("offset", [-300, -1, 0, 299])
def test_a_timestamp_inside_the_replay_window_is_accepted(kz: Zone, offset: int) -> None:
    body = _body(f"m{offset + 1000}")
    r = kz.client.post(INBOUND, content=body, headers=_headers(body, _now(kz) + timedelta(seconds=offset)))
    assert r.status_code == 202, r.text


def test_a_replayed_request_outside_the_window_is_refused_even_though_it_was_once_valid(kz: Zone) -> None:
    clock = kz.platform.clock
    assert isinstance(clock, FixedClock)
    body = _body("m-replay")
    headers = _headers(body, clock.now())
    assert kz.client.post(INBOUND, content=body, headers=headers).status_code == 202
    clock.advance(timedelta(minutes=6))
    r = kz.client.post(INBOUND, content=body, headers=headers)
    assert r.status_code == 401 and "stale timestamp" in r.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        (b"{not json", 400, None),
        (b"\xff\xfe", 400, None),
        (b"[1, 2]", 422, ["body"]),
        (_body(type_="TIR.UNKNOWN"), 422, ["type"]),
        (_body(message_id=""), 422, ["message_id"]),
        (_body(message_id="has space"), 422, ["message_id"]),
        (_body(payload=[1]), 422, ["payload"]),  # type: ignore[arg-type]
        (_body(sender="KZ"), 422, ["sender"]),
        (_body(created_at="last tuesday"), 422, ["created_at"]),
        (_body(created_at="2025-09-01T08:00:00"), 422, ["created_at"]),
        (b"{}", 422, ["message_id", "type", "payload"]),
    ],
)
def test_malformed_messages_are_refused_precisely_and_nothing_is_stored(
    kz: Zone, body: bytes, status: int, fields: list[str] | None
) -> None:
    r = kz.client.post(INBOUND, content=body, headers=_headers(body, _now(kz)))
    assert r.status_code == status, r.text
    if fields is not None:
        assert sorted(e["field"] for e in r.json()["errors"]) == sorted(fields)
    assert _inbound(kz) == []


def test_unknown_type_names_the_types_this_installation_accepts(kz: Zone) -> None:
    body = _body(type_="TIR.UNKNOWN")
    r = kz.client.post(INBOUND, content=body, headers=_headers(body, _now(kz)))
    assert "unknown message type 'TIR.UNKNOWN'" in r.text and "PING" in r.text


def test_a_deactivated_partner_is_refused(kz: Zone) -> None:
    r = kz.client.patch("/api/v1/partners/KZ", json={"active": False}, headers=kz.headers("admin"))
    assert r.status_code == 200 and r.json()["active"] is False
    body = _body()
    r = kz.client.post(INBOUND, content=body, headers=_headers(body, _now(kz)))
    assert r.status_code == 403
    assert _inbound(kz) == []


def test_rotating_the_key_retires_the_old_one(kz: Zone) -> None:
    r = kz.client.post("/api/v1/partners/KZ/rotate-key", headers=kz.headers("admin"))
    assert r.status_code == 200, r.text
    new_id, new_secret = r.json()["inbound_key_id"], r.json()["inbound_secret"]
    body = _body()
    assert kz.client.post(INBOUND, content=body, headers=_headers(body, _now(kz))).status_code == 401
    ok = kz.client.post(INBOUND, content=body, headers=_headers(body, _now(kz), key_id=new_id, secret=new_secret))
    assert ok.status_code == 202


def test_partners_crud_shows_the_secret_once(zone: Zone) -> None:
    admin = zone.headers("admin")
    r = zone.client.post("/api/v1/partners", json={"code": "KG", "name": "Kyrgyz customs"}, headers=admin)
    assert r.status_code == 201, r.text
    created = r.json()
    assert len(created["inbound_secret"]) == 64 and created["inbound_key_id"].startswith("kg-")
    assert created["has_outbound_secret"] is False
    listed = zone.client.get("/api/v1/partners", headers=admin).json()
    assert [p["code"] for p in listed] == ["KG"]
    assert "inbound_secret" not in listed[0] and "outbound_secret" not in listed[0]
    one = zone.client.get("/api/v1/partners/KG", headers=zone.headers("supervisor"))
    assert one.status_code == 200 and "inbound_secret" not in one.json()
    assert zone.client.post("/api/v1/partners", json={"code": "KG", "name": "again"}, headers=admin).status_code == 409
    patched = zone.client.patch(
        "/api/v1/partners/KG",
        json={
            "url": "https://kg.example/api/v1/partners/inbound",
            "outbound_key_id": "cn",
            "outbound_secret": "s" * 32,
        },
        headers=admin,
    )
    assert patched.status_code == 200 and patched.json()["has_outbound_secret"] is True
    assert zone.client.get("/api/v1/partners/XX", headers=admin).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "kg", "name": "x"}, "code"),
        ({"code": "KG", "name": ""}, "name"),
        ({"code": "KG", "name": "x", "url": "ftp://kg"}, "url"),
        ({"code": "KG", "name": "x", "outbound_key_id": "cn"}, "outbound_secret"),
        ({"code": "KG", "name": "x", "inbound_key_id": "k", "inbound_secret": "short"}, "inbound_secret"),
        ({"code": "KG", "name": "x", "secret": "?"}, "secret"),
    ],
)
def test_partner_input_is_validated(zone: Zone, body: dict[str, str], field: str) -> None:
    r = zone.client.post("/api/v1/partners", json=body, headers=zone.headers("admin"))
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]
    assert zone.client.get("/api/v1/partners", headers=zone.headers("admin")).json() == []


def test_only_administrators_configure_and_only_zone_staff_read(zone: Zone) -> None:
    body = {"code": "KG", "name": "Kyrgyz customs"}
    for who in ("trader_a", "officer", "supervisor", "analyst"):
        assert zone.client.post("/api/v1/partners", json=body, headers=zone.headers(who)).status_code == 403
    for who in ("trader_a", "officer", "analyst"):
        for path in ("", "/outbound", "/dead-letters", "/inbound"):
            assert zone.client.get(f"/api/v1/partners{path}", headers=zone.headers(who)).status_code == 403
    assert zone.client.get("/api/v1/partners").status_code == 401
    assert zone.client.get("/api/v1/partners/outbound", headers=zone.headers("supervisor")).status_code == 200


def test_outbound_views_filter_by_status_and_ping_queues_a_message(kz: Zone) -> None:
    admin = kz.headers("admin")
    r = kz.client.post("/api/v1/partners/KZ/ping", headers=admin)
    assert r.status_code == 202, r.text
    ping_id = r.json()["message_id"]
    with kz.platform.session_factory() as s:
        SqlPartnerOutbox(s).send("KZ", "TIR.I9", {"amount": "12.50"}, at=_now(kz), message_id="i9-1")
        s.commit()
    pending = kz.client.get("/api/v1/partners/outbound?status=pending", headers=admin).json()
    assert {m["message_id"] for m in pending} == {ping_id, "i9-1"}
    assert kz.client.get("/api/v1/partners/outbound?status=delivered", headers=admin).json() == []
    one = kz.client.get("/api/v1/partners/outbound/i9-1", headers=admin).json()
    assert (one["type"], one["payload"], one["status"], one["attempts"]) == (
        "TIR.I9",
        {"amount": "12.50"},
        "pending",
        0,
    )
    bad = kz.client.get("/api/v1/partners/outbound?status=lost", headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    assert kz.client.get("/api/v1/partners/outbound/nope", headers=admin).status_code == 404
    assert kz.client.post("/api/v1/partners/outbound/i9-1/requeue", headers=admin).status_code == 409
    assert kz.client.post("/api/v1/partners/outbound/nope/requeue", headers=admin).status_code == 404
    assert kz.client.post("/api/v1/partners/XX/ping", headers=admin).status_code == 404


def test_partner_changes_are_audited_without_secrets(kz: Zone) -> None:
    from sqlalchemy import select

    from silkport.infra.audit import AuditEntryRow

    with kz.platform.session_factory() as s:
        rows = list(s.scalars(select(AuditEntryRow).where(AuditEntryRow.object_type == "partner")))
    assert [r.action for r in rows] == ["partner.registered"]
    assert SECRET not in (rows[0].after or "")


def test_user_credentials_neither_help_nor_hinder_the_partner_endpoint(kz: Zone) -> None:
    body = _body("m-u")
    with_bearer = {**_headers(body, _now(kz)), "Authorization": "Bearer not-a-token"}
    assert kz.client.post(INBOUND, content=body, headers=with_bearer).status_code == 202
    unsigned = kz.client.post(INBOUND, content=_body("m-v"), headers=kz.headers("admin"))
    assert unsigned.status_code == 401  # a signed-in administrator is not a partner
