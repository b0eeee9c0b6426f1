"""The partner outbox in the caller's transaction, the inbound processor, and the outbound lifecycle."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from silkport.bootstrap import Platform
from silkport.infra.audit import AuditEntryRow
from silkport.infra.db import Base
from silkport.infra.partners import (
    InboundMessage,
    InboundMessageRow,
    InboundProcessor,
    OutboundMessageRow,
    PartnerDispatcher,
    PartnerRow,
    RetryPolicy,
    SqlPartnerOutbox,
)
from silkport.shared.actor import SYSTEM
from silkport.shared.clock import FixedClock
from silkport.shared.errors import ValidationFailed


def _rows(p: Platform) -> list[OutboundMessageRow]:
    with p.session_factory() as s:
        return list(s.scalars(select(OutboundMessageRow).order_by(OutboundMessageRow.seq)))


def test_send_is_part_of_the_callers_transaction(platform: Platform) -> None:
    at = platform.clock.now()
    with platform.session_factory() as s:
        SqlPartnerOutbox(s).send("KG", "TIR.I9", {"n": 1}, at=at)
        s.rollback()
    assert _rows(platform) == []
    with platform.session_factory() as s:
        mid = SqlPartnerOutbox(s).send("KG", "TIR.I9", {"n": 1}, at=at)
        s.commit()
    [row] = _rows(platform)
    assert (row.message_id, row.partner, row.message_type, row.attempts) == (mid, "KG", "TIR.I9", 0)


def test_a_given_message_id_is_queued_once(platform: Platform) -> None:
    at = platform.clock.now()
    with platform.session_factory() as s:
        outbox = SqlPartnerOutbox(s)
        assert outbox.send("KG", "TIR.I9", {"n": 1}, at=at, message_id="I9-XC1") == "I9-XC1"
        assert outbox.send("KG", "TIR.I9", {"n": 1}, at=at, message_id="I9-XC1") == "I9-XC1"
        s.commit()
    with platform.session_factory() as s:
        SqlPartnerOutbox(s).send("KG", "TIR.I9", {"n": 2}, at=at, message_id="I9-XC1")
        s.commit()
    assert [r.payload for r in _rows(platform)] == [{"n": 1}]


def test_payload_decimals_and_instants_are_kept_exactly(platform: Platform) -> None:
    at = platform.clock.now()
    with platform.session_factory() as s:
        SqlPartnerOutbox(s).send(
            "KZ", "TIR.E9", {"amount": Decimal("12345.67"), "at": at, "nested": [{"q": Decimal("0.001")}]}, at=at
        )
        s.commit()
    assert _rows(platform)[0].payload == {"amount": "12345.67", "at": at.isoformat(), "nested": [{"q": "0.001"}]}


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("kg", "TIR.I9", {}), "partner"),
        (("KG", "", {}), "message_type"),
        (("KG", "has space", {}), "message_type"),
        (("KG", "TIR.I9", {"x": object()}), "payload"),
    ],
)
def test_bad_sends_are_refused_precisely(
    platform: Platform, args: tuple[str, str, dict[str, object]], field: str
) -> None:
    with platform.session_factory() as s, pytest.raises(ValidationFailed) as err:
        SqlPartnerOutbox(s).send(*args, at=platform.clock.now())
    assert [e.field for e in err.value.errors] == [field]
    with platform.session_factory() as s, pytest.raises(ValidationFailed):
        SqlPartnerOutbox(s).send("KG", "T", {}, at=platform.clock.now(), message_id="not ok")
    with platform.session_factory() as s, pytest.raises(ValueError):
        SqlPartnerOutbox(s).send("KG", "T", {}, at=datetime(2025, 9, 1))


def test_messages_for_an_unconfigured_partner_wait_until_it_is_configured(platform: Platform) -> None:
    sent: list[str] = []

    def post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        sent.append(headers["X-Partner-Message-Id"])
        return 202

    with platform.session_factory() as s:
        mid = SqlPartnerOutbox(s).send("UZ", "TIR.I9", {}, at=platform.clock.now())
        s.commit()
    dispatcher = PartnerDispatcher(platform.session_factory, platform.clock, post=post)
    assert dispatcher.deliver_due().attempted == 0
    platform.partners().add(SYSTEM, code="UZ", name="Uzbek customs")  # no URL or key yet: still waits
    assert dispatcher.deliver_due().attempted == 0
    platform.partners().update(SYSTEM, "UZ", url="http://uz.example/in", outbound_key_id="cn", outbound_secret="x" * 32)
    assert dispatcher.deliver_due().delivered == 1
    assert sent == [mid]
    platform.partners().update(SYSTEM, "UZ", active=False)
    with platform.session_factory() as s:
        SqlPartnerOutbox(s).send("UZ", "TIR.I9", {}, at=platform.clock.now())
        s.commit()
    assert dispatcher.deliver_due().attempted == 0


def _receive(p: Platform, partner: str, mid: str, type_: str = "TIR.NOTIFY") -> None:
    from silkport.infra.partners import content_digest

    now = p.clock.now()
    with p.session_factory() as s:
        s.add(
            InboundMessageRow(
                partner=partner,
                message_id=mid,
                message_type=type_,
                payload={"id": mid},
                digest=content_digest(type_, {"id": mid}),
                received_at=now,
                next_attempt_at=now,
                attempts=0,
            )
        )
        s.commit()


def test_a_failing_handler_is_retried_later_and_never_lost(platform: Platform) -> None:
    clock = platform.clock
    assert isinstance(clock, FixedClock)
    policy = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(seconds=40))
    seen: list[str] = []
    fail_first = {"m-2"}

    def handler(message: InboundMessage) -> None:
        seen.append(message.message_id)
        if message.message_id in fail_first:
            fail_first.discard(message.message_id)
            raise RuntimeError("the TIR register is down")

    processor = InboundProcessor(platform.session_factory, clock, {"TIR.NOTIFY": handler}, policy)
    for mid in ("m-1", "m-2", "m-3"):
        _receive(platform, "KG", mid)
    report = processor.process_due()
    assert (report.attempted, report.processed, report.failed) == (3, 2, 1)
    assert seen == ["m-1", "m-2", "m-3"]  # arrival order
    [failing] = processor.messages(status="failing")
    assert (failing.message_id, failing.attempts) == ("m-2", 1)
    assert failing.last_error == "RuntimeError: the TIR register is down"
    assert processor.process_due().attempted == 0  # not before its backoff
    clock.advance(policy.delay(1))
    assert processor.process_due().processed == 1
    assert seen == ["m-1", "m-2", "m-3", "m-2"]
    assert [m.status for m in processor.messages()] == ["processed"] * 3
    assert processor.messages(status="failing") == []


def test_a_message_without_a_handler_waits_for_one(platform: Platform) -> None:
    clock = platform.clock
    assert isinstance(clock, FixedClock)
    handlers: dict[str, object] = {}
    processor = InboundProcessor(platform.session_factory, clock, handlers, RetryPolicy())  # type: ignore[arg-type]
    _receive(platform, "KG", "m-1", "TIR.LATER")
    assert processor.process_due().failed == 1
    assert processor.messages()[0].last_error == "no handler for message type 'TIR.LATER'"
    handlers["TIR.LATER"] = lambda m: None
    clock.advance(timedelta(hours=2))
    assert processor.process_due().processed == 1


# --- the outbound lifecycle as a state machine --------------------------------------------------------

OUTCOMES = st.sampled_from(["ok", "down", "5xx", "permanent", "lost_ack"])


class OutboundLifecycle(RuleBasedStateMachine):
    """Random sends, deliveries with random outcomes, time and requeues. Invariants: a message moves only
    pending -> delivered, pending -> dead, dead -> pending; delivered is final; the receiver stores every
    delivered message and stores each at most once; attempts never exceed the policy's limit."""

    LEGAL = frozenset(
        {
            ("pending", "pending"),
            ("pending", "delivered"),
            ("pending", "dead"),
            ("dead", "pending"),
            ("dead", "dead"),
            ("delivered", "delivered"),
        }
    )

    def __init__(self) -> None:
        super().__init__()
        engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
        tables = [t.__table__ for t in (PartnerRow, OutboundMessageRow, AuditEntryRow)]
        Base.metadata.create_all(engine, tables=tables)  # type: ignore[arg-type]
        self.sf: sessionmaker[Session] = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
        self.clock = FixedClock(datetime(2025, 9, 1, 8, tzinfo=UTC))
        self.policy = RetryPolicy(
            base=timedelta(seconds=10), cap=timedelta(seconds=80), max_attempts=4, max_age=timedelta(hours=1)
        )
        self.outcome = "ok"
        self.stored: Counter[str] = Counter()
        self.dispatcher = PartnerDispatcher(self.sf, self.clock, self.policy, post=self._post)
        with self.sf() as s:
            now = self.clock.now()
            s.add(
                PartnerRow(
                    code="KG",
                    name="KG",
                    url="http://kg/in",
                    outbound_key_id="cn",
                    outbound_secret="x" * 32,
                    inbound_key_id="kg",
                    inbound_secret="y" * 32,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            s.commit()
        self.status: dict[str, str] = {}
        self.n = 0

    def _post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        mid = headers["X-Partner-Message-Id"]
        if self.outcome == "down":
            raise ConnectionRefusedError("partner down")
        if self.outcome == "5xx":
            return 503
        if self.outcome == "permanent":
            return 422
        if mid not in self.stored:
            self.stored[mid] += 1  # the receiver deduplicates by message id
        if self.outcome == "lost_ack":
            raise TimeoutError("ack lost")
        return 202

    def _current(self) -> dict[str, str]:
        with self.sf() as s:
            rows = list(s.scalars(select(OutboundMessageRow)))
        return {r.message_id: ("delivered" if r.delivered_at else "dead" if r.dead_at else "pending") for r in rows}

    def _step(self) -> None:
        now = self._current()
        for mid, before in self.status.items():
            assert (before, now[mid]) in self.LEGAL, (mid, before, now[mid])
        self.status = now

    @rule(k=st.integers(min_value=1, max_value=3))
    def send(self, k: int) -> None:
        with self.sf() as s:
            for _ in range(k):
                self.n += 1
                SqlPartnerOutbox(s).send("KG", "T", {"n": self.n}, at=self.clock.now(), message_id=f"m{self.n}")
            s.commit()
        self._step()

    @rule(outcome=OUTCOMES)
    def deliver(self, outcome: str) -> None:
        self.outcome = outcome
        self.dispatcher.deliver_due()
        self._step()

    @rule(seconds=st.integers(min_value=0, max_value=200))
    def wait(self, seconds: int) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    @rule(data=st.data())
    def requeue(self, data: st.DataObject) -> None:
        dead = sorted(m for m, s in self.status.items() if s == "dead")
        if dead:
            self.dispatcher.requeue(SYSTEM, data.draw(st.sampled_from(dead)))
            self._step()

    @invariant()
    def delivered_means_stored_once(self) -> None:
        for mid, status in self._current().items():
            assert self.stored[mid] <= 1
            if status == "delivered":
                assert self.stored[mid] == 1

    @invariant()
    def attempts_within_limit(self) -> None:
        with self.sf() as s:
            for row in s.scalars(select(OutboundMessageRow)):
                assert 0 <= row.attempts <= self.policy.max_attempts
                if row.dead_at is None and row.delivered_at is None and row.attempts:
                    assert row.last_error is not None

    def teardown(self) -> None:
        # once the partner is reachable and time has passed, everything not dead is delivered
        self.outcome = "ok"
        for _ in range(self.policy.max_attempts + 1):
            self.clock.advance(self.policy.cap)
            self.dispatcher.deliver_due(batch=1000)
        final = self._current()
        assert all(status in ("delivered", "dead") for status in final.values())
        assert all(self.stored[m] == 1 for m, status in final.items() if status == "delivered")


OutboundLifecycle.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
TestOutboundLifecycle = OutboundLifecycle.TestCase


def test_two_dispatchers_at_once_post_each_message_once(platform: Platform) -> None:
    import threading

    platform.partners().add(
        SYSTEM, code="KG", name="KG", url="http://kg.example/in", outbound_key_id="cn", outbound_secret="x" * 32
    )
    with platform.session_factory() as s:
        for i in range(40):
            SqlPartnerOutbox(s).send("KG", "T", {"i": i}, at=platform.clock.now(), message_id=f"m{i:02d}")
        s.commit()
    posted: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(2)

    def post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        with lock:
            posted[headers["X-Partner-Message-Id"]] += 1
        return 202

    def work() -> None:
        start.wait()
        dispatcher = PartnerDispatcher(platform.session_factory, platform.clock, post=post)
        while dispatcher.deliver_due(batch=5).attempted:
            pass

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert posted == Counter({f"m{i:02d}": 1 for i in range(40)})
    assert all(r.delivered_at is not None and r.attempts == 1 for r in _rows(platform))


def test_the_same_message_arriving_twice_at_once_is_stored_once(platform: Platform) -> None:
    import threading

    from silkport.infra.partners import envelope, signed_headers

    platform.partners().add(SYSTEM, code="KG", name="KG", inbound_key_id="kg", inbound_secret="k" * 32)
    receiver = platform.partner_receiver()
    body = envelope("m-1", "PING", platform.clock.now(), {"n": 1})
    headers = {k.lower(): v for k, v in signed_headers("kg", "k" * 32, body, platform.clock.now(), "m-1").items()}
    start = threading.Barrier(4)
    receipts: list[bool] = []

    def deliver() -> None:
        start.wait()
        receipts.append(receiver.receive(headers, body).duplicate)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(receipts) == [False, True, True, True]
    with platform.session_factory() as s:
        assert len(list(s.scalars(select(InboundMessageRow)))) == 1
