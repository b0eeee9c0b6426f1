"""The partner-exchange retry schedule and wire format (pure functions)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from silkport.infra.partners import RetryPolicy, content_digest, envelope, signature, signed_headers

seconds = st.integers(min_value=1, max_value=3600)
policies = st.builds(
    lambda base, extra, attempts, age: RetryPolicy(
        base=timedelta(seconds=base),
        cap=timedelta(seconds=base + extra),
        max_attempts=attempts,
        max_age=timedelta(seconds=age),
    ),
    seconds,
    st.integers(min_value=0, max_value=10 * 24 * 3600),
    st.integers(min_value=1, max_value=60),
    st.integers(min_value=1, max_value=30 * 24 * 3600),
)


def test_the_default_schedule_in_full() -> None:
    policy = RetryPolicy()
    assert [policy.delay(n).total_seconds() for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert policy.delay(0) == timedelta(0)
    assert policy.schedule()[:4] == [timedelta(0), timedelta(seconds=30), timedelta(seconds=90), timedelta(seconds=210)]
    assert len(policy.schedule()) == policy.max_attempts


@given(policies, st.integers(min_value=1, max_value=10_000))
def test_backoff_is_monotone_and_capped(policy: RetryPolicy, attempts: int) -> None:
    assert policy.base <= policy.delay(attempts) <= policy.cap
    assert policy.delay(attempts) <= policy.delay(attempts + 1)


@given(policies, st.integers(min_value=1, max_value=200))
def test_backoff_doubles_until_the_cap_then_stays_there(policy: RetryPolicy, attempts: int) -> None:
    nxt, now = policy.delay(attempts + 1), policy.delay(attempts)
    if now == policy.cap:
        assert nxt == policy.cap
    else:
        assert nxt == min(now * 2, policy.cap)
    assert policy.delay(1) == policy.base


@given(policies)
def test_the_schedule_is_strictly_increasing_from_zero(policy: RetryPolicy) -> None:
    schedule = policy.schedule()
    assert schedule[0] == timedelta(0) and len(schedule) == policy.max_attempts
    assert all(a < b for a, b in pairwise(schedule))


@given(policies, st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=40 * 24 * 3600))
def test_gives_up_exactly_at_the_attempt_or_age_limit(policy: RetryPolicy, attempts: int, age_s: int) -> None:
    queued = datetime(2025, 9, 1, tzinfo=UTC)
    now = queued + timedelta(seconds=age_s)
    expected = attempts >= policy.max_attempts or timedelta(seconds=age_s) >= policy.max_age
    assert policy.gives_up(attempts, queued, now) is expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base": timedelta(0)},
        {"base": timedelta(seconds=10), "cap": timedelta(seconds=5)},
        {"max_attempts": 0},
        {"max_age": timedelta(0)},
    ],
)
def test_nonsense_policies_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_signature_recipe_matches_the_documented_one() -> None:
    body = b'{"message_id":"m-1","payload":{},"type":"PING"}'
    expected = hmac.new(b"s3cret", b"1756713600." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret", "1756713600", body) == "sha256=" + expected


@given(st.binary(max_size=200), st.binary(min_size=1, max_size=200))
def test_any_change_to_the_body_changes_the_signature(body: bytes, suffix: bytes) -> None:
    assert signature("k" * 32, "1756713600", body) != signature("k" * 32, "1756713600", body + suffix)


@given(st.integers(min_value=0, max_value=2**33))
def test_the_timestamp_is_signed_too(ts: int) -> None:
    assert signature("k" * 32, str(ts), b"{}") != signature("k" * 32, str(ts + 1), b"{}")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6))
def test_envelope_round_trips_and_is_stable(payload: dict[str, object]) -> None:
    at = datetime(2025, 9, 1, 8, tzinfo=UTC)
    body = envelope("m-1", "TIR.I9", at, payload)
    assert body == envelope("m-1", "TIR.I9", at, payload)
    doc = json.loads(body)
    assert doc == {"message_id": "m-1", "type": "TIR.I9", "created_at": at.isoformat(), "payload": payload}
    assert content_digest("TIR.I9", doc["payload"]) == content_digest("TIR.I9", payload)


def test_signed_headers_carry_key_timestamp_signature_and_message_id() -> None:
    body = b"{}"
    at = datetime(2025, 9, 1, 8, tzinfo=UTC)
    h = signed_headers("cn-key", "s" * 32, body, at, "m-1")
    assert h["X-Partner-Key-Id"] == "cn-key" and h["X-Partner-Timestamp"] == str(int(at.timestamp()))
    assert h["X-Partner-Signature"] == signature("s" * 32, h["X-Partner-Timestamp"], body)
    assert h["X-Partner-Message-Id"] == "m-1"
