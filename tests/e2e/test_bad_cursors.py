"""A paging cursor the server did not issue -- well-formed base64 JSON with the wrong values -- is a 422 naming
the cursor, never a 500."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Zone

LISTS = [
    ("/api/v1/transit/transports", {}),
    ("/api/v1/transit/guarantees", {}),
    ("/api/v1/declarations", {}),
    ("/api/v1/enterprises", {"sort": "registration_date"}),
]


def _cursor(values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(("path", "params"), LISTS)
def test_a_cursor_with_no_date_in_it_is_a_422(zone: Zone, path: str, params: dict[str, str]) -> None:
    for values in (["x", "y"], [1, "y"], ["2025-13-45", "y"]):
        r = zone.client.get(path, params={**params, "cursor": _cursor(values)}, headers=zone.headers("admin"))
        assert r.status_code == 422, (path, values, r.text)
        assert [e["field"] for e in r.json()["errors"]] == ["cursor"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.one_of(st.text(max_size=30), st.integers(), st.none(), st.booleans()), second=st.text(max_size=10))
def test_any_two_value_cursor_gives_a_page_or_a_422(zone: Zone, first: object, second: str) -> None:
    for path, params in LISTS:
        r = zone.client.get(path, params={**params, "cursor": _cursor([first, second])}, headers=zone.headers("admin"))
        assert r.status_code in (200, 422), (path, first, second, r.text)
