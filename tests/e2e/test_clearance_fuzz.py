"""Hypothesis throws arbitrary JSON at the declaration endpoint: every answer is a 4xx, never a 500."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Zone
from tests.factories import declaration

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
FIELDS = sorted(declaration())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=json_values)
def test_a_mutated_field_never_causes_a_500(zone: Zone, field: str, value: Any) -> None:
    body = {**declaration(), field: value}
    r = zone.client.post("/api/v1/declarations", json=body, headers=zone.headers("trader_a"))
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_in_every_format_are_4xx(zone: Zone, raw: bytes) -> None:
    for path in ("/api/v1/declarations", "/api/v1/declarations/edifact", "/api/v1/declarations/wcodm"):
        r = zone.client.post(
            path, content=raw, headers={**zone.headers("trader_a"), "content-type": "application/json"}
        )
        assert r.status_code < 500, (path, r.text)
