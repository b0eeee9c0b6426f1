"""Hypothesis throws arbitrary values at the bonded write endpoints: every answer is a 4xx or a success, never a
500, and whatever is refused leaves the ledger sound."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from silkport.enterprises.services import auth
from silkport.shared.actor import SYSTEM, Role
from tests.conftest import PASSWORD, Zone

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["1", "0", "-1", "1e30", "0.0001", "NaN", "Infinity", "1.5", "HRS-ROAD", "URC-AIR/T1", "KGM"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)

BODIES: dict[str, dict[str, Any]] = {
    "/lots": {
        "site": "HRS-ROAD",
        "declaration_ref": "BE-FUZZ-1",
        "hs_code": "610910",
        "description": "T-shirts",
        "origin": "KZ",
        "unit": "H87",
        "quantity": "10",
        "value": "100.00",
        "currency": "USD",
    },
    "/withdrawals": {"site": "HRS-ROAD", "purpose": "re_export", "declaration_ref": "BX-1", "quantity": "1"},
    "/transfers": {"from_site": "HRS-ROAD", "to_site": "KSS-TIR", "quantity": "1"},
    "/handling": {
        "site": "HRS-ROAD",
        "operation": "split",
        "inputs": [{"lot": "x", "quantity": "1"}],
        "outputs": [{"quantity": "1"}],
    },
    "/fuel/uplifts": {
        "tank": "URC-AIR/T1",
        "airline": "a",
        "flight_number": "KC852",
        "aircraft_registration": "P4-KCA",
        "next_airport": "KZALA",
        "litres_15c": "100",
    },
    "/fuel/receipts": {
        "tank": "URC-AIR/T1",
        "delivery_ref": "BE-F",
        "observed_litres": "100",
        "temperature_c": "20",
        "density_15c": "800",
        "value": "1",
        "currency": "USD",
        "origin": "KZ",
    },
    "/stocktakes": {"site": "HRS-ROAD", "counts": [{"lot": "x", "counted": "1"}]},
    "/work-orders": {"aircraft_registration": "B-6120", "description": "A-check"},
    "/fuel/readings": {"tank": "URC-AIR/T1", "day": "2025-09-01", "measured_litres_15c": "0", "method": "dip"},
}
FIELDS = sorted((path, field) for path, body in BODIES.items() for field in body)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(FIELDS), value=json_values)
def test_a_mutated_field_never_causes_a_500(zone: Zone, target: tuple[str, str], value: Any) -> None:
    if "keeper" not in zone.tokens:
        auth.create_user(
            zone.platform.enterprises_uow(),
            SYSTEM,
            zone.platform.hasher,
            username="keeper",
            password=PASSWORD,
            role=Role.WAREHOUSE_KEEPER,
            enterprise_id=zone.enterprise_a,
        )
        r = zone.client.post("/api/v1/auth/token", json={"username": "keeper", "password": PASSWORD})
        zone.tokens["keeper"] = r.json()["access_token"]
    path, field = target
    body = {**BODIES[path], field: value}
    r = zone.client.post(f"/api/v1/bonded{path}", json=body, headers=zone.headers("keeper"))
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
    check = zone.client.get("/api/v1/bonded/check", headers=zone.headers("admin"))
    assert check.json() == {"ok": True, "problems": []}
