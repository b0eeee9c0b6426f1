"""The issue's failure test: a second silkport instance on loopback is the partner administration.

Instance A (the ``platform`` fixture, this zone, partner code "CN" at the other side) sends messages to
instance B (its own database, served by uvicorn on a free loopback port, partner code "KG" here). B is
taken down mid-exchange, A keeps dispatching (connection refused, backoff driven by the shared test
clock), B comes back on the same port and database, and every message ends up delivered exactly once in
effect, including one whose acknowledgement was lost after B had stored it.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from silkport.bootstrap import Platform, bootstrap
from silkport.enterprises.services import auth
from silkport.entrypoints.cli.setup import migrate_and_seed
from silkport.entrypoints.web.app import create_app
from silkport.infra.partners import (
    INBOUND_PATH,
    InboundMessage,
    InboundMessageRow,
    OutboundMessageRow,
    PartnerDispatcher,
    RetryPolicy,
    SqlPartnerOutbox,
    http_post,
)
from silkport.infra.settings import Settings
from silkport.shared.actor import SYSTEM, Role
from silkport.shared.clock import FixedClock

PASSWORD = "correct-horse-battery"
POLICY = RetryPolicy(base=timedelta(seconds=30), cap=timedelta(minutes=8), max_attempts=6, max_age=timedelta(days=1))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Served:
    """An app served by uvicorn in a thread on a fixed loopback port; can go down and come back up."""

    def __init__(self, app: FastAPI, port: int) -> None:
        self.app = app
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        while not self._server.started:  # the only wait: until the server listens
            assert self._thread.is_alive(), "the partner instance failed to start"
            time.sleep(0.01)

    def stop(self) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), "the partner instance did not stop"


@pytest.fixture
def partner_platform(migrated: str, clock: FixedClock, tmp_path: Path) -> Iterator[Platform]:
    """Instance B: its own database (a SQLite file, or a new PostgreSQL database under PG runs), same clock."""
    admin = None
    name = f"silkport_partner_{uuid.uuid4().hex[:10]}"
    if migrated.startswith("postgresql"):
        admin = create_engine(
            make_url(migrated).set(database="postgres").render_as_string(hide_password=False),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(migrated).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'partner.db'}"
    p = bootstrap(
        Settings(database_url=url, secret_key="partner-secret-key-0123456789"), clock=clock, fast_hashing=True
    )
    migrate_and_seed(p)
    p.partner_retry = POLICY
    yield p
    p.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Exchange:
    a: Platform
    b: Platform
    served_a: Served
    served_b: Served
    effects_b: Counter[str]
    effects_a: Counter[str]


@pytest.fixture
def exchange(platform: Platform, partner_platform: Platform) -> Iterator[Exchange]:
    a, b = platform, partner_platform
    a.partner_retry = POLICY
    effects_b: Counter[str] = Counter()
    effects_a: Counter[str] = Counter()

    def count_b(message: InboundMessage) -> None:
        effects_b[message.message_id] += 1

    def count_a(message: InboundMessage) -> None:
        effects_a[message.message_id] += 1

    b.partner_handlers["TIR.NOTIFY"] = count_b
    a.partner_handlers["TIR.NOTIFY"] = count_a
    served_a = Served(create_app(a), _free_port())
    served_b = Served(create_app(b), _free_port())
    # each side is the other's partner: A's outbound key is B's inbound key for "CN", and vice versa
    a_to_b_secret, b_to_a_secret = uuid.uuid4().hex * 2, uuid.uuid4().hex * 2
    a.partners().add(
        SYSTEM,
        code="KG",
        name="State Customs Service of the Kyrgyz Republic (instance B)",
        url=served_b.url + INBOUND_PATH,
        outbound_key_id="cn-to-kg",
        outbound_secret=a_to_b_secret,
        inbound_key_id="kg-to-cn",
        inbound_secret=b_to_a_secret,
    )
    b.partners().add(
        SYSTEM,
        code="CN",
        name="Xinjiang FTZ customs (instance A)",
        url=served_a.url + INBOUND_PATH,
        outbound_key_id="kg-to-cn",
        outbound_secret=b_to_a_secret,
        inbound_key_id="cn-to-kg",
        inbound_secret=a_to_b_secret,
    )
    served_a.start()
    served_b.start()
    try:
        yield Exchange(a, b, served_a, served_b, effects_b, effects_a)
    finally:
        for served in (served_a, served_b):
            if served._server is not None and served._thread is not None and served._thread.is_alive():
                served.stop()


def _queue(p: Platform, partner: str, n: int, prefix: str) -> list[str]:
    ids: list[str] = []
    with p.session_factory() as s:  # the caller's transaction: all or nothing
        outbox = SqlPartnerOutbox(s)
        for i in range(n):
            ids.append(
                outbox.send(
                    partner,
                    "TIR.NOTIFY",
                    {"seq": i, "carnet": f"XC{i:08d}"},
                    at=p.clock.now(),
                    message_id=f"{prefix}-{i:03d}",
                )
            )
        s.commit()
    return ids


def _outbound(p: Platform) -> dict[str, OutboundMessageRow]:
    with p.session_factory() as s:
        return {r.message_id: r for r in s.scalars(select(OutboundMessageRow))}


def _inbound_counts(p: Platform, partner: str) -> Counter[str]:
    with p.session_factory() as s:
        rows = s.execute(
            select(InboundMessageRow.message_id, func.count())
            .where(InboundMessageRow.partner == partner)
            .group_by(InboundMessageRow.message_id)
        ).all()
    return Counter(dict(rows))


def test_partner_down_mid_exchange_every_message_delivered_exactly_once_in_effect(exchange: Exchange) -> None:
    a, b, clock = exchange.a, exchange.b, exchange.a.clock
    assert isinstance(clock, FixedClock)
    ids = _queue(a, "KG", 12, "n")
    lost_ack = ids[1]
    calls: Counter[str] = Counter()

    def post_losing_one_ack(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        mid = headers["X-Partner-Message-Id"]
        calls[mid] += 1
        status = http_post(url, body, headers)  # really sent: B stores it ...
        if mid == lost_ack and calls[mid] == 1:
            raise httpx.ReadTimeout("the acknowledgement was lost")  # ... but A never hears the answer
        return status

    dispatcher = PartnerDispatcher(a.session_factory, clock, POLICY, post=post_losing_one_ack)

    # round 1: B is up, four messages go, one of them loses its ack
    report = dispatcher.deliver_due(batch=4)
    assert (report.attempted, report.delivered, report.retrying, report.dead) == (4, 3, 1, 0)
    assert b.partner_processor().process_due().processed == 4  # B stored and processed all four
    assert _outbound(a)[lost_ack].delivered_at is None

    # B goes down mid-exchange: every attempt is refused; the schedule is the policy's backoff
    exchange.served_b.stop()
    report = dispatcher.deliver_due()
    assert (report.attempted, report.delivered, report.retrying) == (8, 0, 8)
    started = clock.now()
    for attempt in range(1, 4):
        rows = _outbound(a)
        for mid in ids[4:]:
            assert rows[mid].attempts == attempt
            assert rows[mid].next_attempt_at.replace(tzinfo=None) == (started + POLICY.delay(attempt)).replace(
                tzinfo=None
            )
            assert "ConnectError" in (rows[mid].last_error or "")
        assert dispatcher.deliver_due().attempted == 0  # nothing is due before its time
        clock.advance(POLICY.delay(attempt))
        started = clock.now()
        report = dispatcher.deliver_due()
        # the lost-ack message joins the retries once its own backoff has passed
        assert report.delivered == 0 and report.dead == 0 and report.attempted >= 8

    # B comes back on the same port and database
    exchange.served_b.start()
    clock.advance(POLICY.cap)
    report = dispatcher.deliver_due()
    assert report.delivered == 9 and report.dead == 0
    assert dispatcher.deliver_due().attempted == 0
    assert b.partner_processor().process_due().processed == 8

    rows = _outbound(a)
    assert all(rows[mid].delivered_at is not None and rows[mid].dead_at is None for mid in ids)
    assert rows[lost_ack].attempts >= 2 and calls[lost_ack] >= 2  # sent at least twice ...
    assert _inbound_counts(b, "CN") == Counter(dict.fromkeys(ids, 1))  # ... stored once
    assert exchange.effects_b == Counter(dict.fromkeys(ids, 1))  # ... and its effect happened once
    with b.session_factory() as s:
        stored = {r.message_id: r for r in s.scalars(select(InboundMessageRow))}
    assert all(stored[mid].processed_at is not None for mid in ids)
    assert [stored[mid].payload["seq"] for mid in ids] == list(range(12))

    # and the other way round: B's answers reach A through the real HTTP path and the real dispatcher
    replies = _queue(b, "CN", 3, "r")
    assert b.partner_dispatcher().deliver_due().delivered == 3
    assert a.partner_processor().process_due().processed == 3
    assert exchange.effects_a == Counter(dict.fromkeys(replies, 1))


def test_dead_letter_after_the_last_attempt_and_requeue_delivers_it_once(exchange: Exchange) -> None:
    a, b, clock = exchange.a, exchange.b, exchange.a.clock
    assert isinstance(clock, FixedClock)
    [mid] = _queue(a, "KG", 1, "d")
    exchange.served_b.stop()
    dispatcher = a.partner_dispatcher()
    for attempt in range(1, POLICY.max_attempts + 1):
        report = dispatcher.deliver_due()
        assert report.attempted == 1
        assert report.dead == (1 if attempt == POLICY.max_attempts else 0)
        clock.advance(POLICY.delay(attempt))
    assert dispatcher.deliver_due().attempted == 0  # a dead letter is not retried
    [dead] = dispatcher.messages(status="dead")
    assert (dead.message_id, dead.attempts, dead.status) == (mid, POLICY.max_attempts, "dead")

    with TestClient(create_app(a)) as client:
        auth.create_user(a.enterprises_uow(), SYSTEM, a.hasher, username="admin", password=PASSWORD, role=Role.ADMIN)
        token = client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        listed = client.get("/api/v1/partners/dead-letters", headers=headers)
        assert listed.status_code == 200 and [m["message_id"] for m in listed.json()] == [mid]
        assert "ConnectError" in listed.json()[0]["last_error"]
        exchange.served_b.start()
        r = client.post(f"/api/v1/partners/outbound/{mid}/requeue", headers=headers)
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["attempts"]) == ("pending", 0)
        again = client.post(f"/api/v1/partners/outbound/{mid}/requeue", headers=headers)
        assert again.status_code == 409  # only a dead letter can be requeued

    assert dispatcher.deliver_due().delivered == 1
    assert b.partner_processor().process_due().processed == 1
    assert exchange.effects_b == Counter({mid: 1})
    assert dispatcher.messages(status="dead") == []


def test_a_message_older_than_the_maximum_age_goes_dead(exchange: Exchange) -> None:
    a, clock = exchange.a, exchange.a.clock
    assert isinstance(clock, FixedClock)
    [mid] = _queue(a, "KG", 1, "old")
    exchange.served_b.stop()
    dispatcher = a.partner_dispatcher()
    assert dispatcher.deliver_due().retrying == 1
    clock.advance(POLICY.max_age)
    report = dispatcher.deliver_due()
    assert report.dead == 1
    assert dispatcher.get(mid).attempts == 2 < POLICY.max_attempts


def test_a_refusal_that_will_not_change_goes_dead_at_once(exchange: Exchange) -> None:
    a = exchange.a
    with a.session_factory() as s:
        mid = SqlPartnerOutbox(s).send("KG", "NOT.A.KNOWN.TYPE", {"x": 1}, at=a.clock.now())
        s.commit()
    report = a.partner_dispatcher().deliver_due()
    assert (report.attempted, report.dead) == (1, 1)
    dead = a.partner_dispatcher().get(mid)
    assert dead.status == "dead" and dead.last_error == "HTTP 422"
    assert _inbound_counts(exchange.b, "CN") == Counter()


def test_a_wrongly_keyed_sender_is_refused_and_retried_not_lost(exchange: Exchange) -> None:
    a, b = exchange.a, exchange.b
    a.partners().update(SYSTEM, "KG", outbound_key_id="cn-to-kg", outbound_secret="not-the-shared-secret-0000")
    [mid] = _queue(a, "KG", 1, "k")
    report = a.partner_dispatcher().deliver_due()
    assert report.retrying == 1
    assert a.partner_dispatcher().get(mid).last_error == "HTTP 401"
    assert _inbound_counts(b, "CN") == Counter()
