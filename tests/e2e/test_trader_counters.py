"""The declarant's record the risk engine reads (lodged, inspected, discrepancies) is kept as counters at each
write: whatever happens, the counters equal what counting the declarations and inspections gives."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from silkport.clearance.adapters.rulebook_file import default_rulebook
from silkport.clearance.services.handlers import publish_rulebook
from silkport.shared.actor import Actor, Role
from tests.conftest import Zone
from tests.factories import declaration, sanctioned

FINDINGS = ("conform", "discrepancy_penalty", "discrepancy_seizure")  # an amendment needs a corrected body


@pytest.fixture
def no_random(zone: Zone) -> Zone:
    rulebook = replace(default_rulebook(), version="test-no-random", random_rate=Decimal(0))
    publish_rulebook(zone.platform.clearance_uow(), Actor("sup", "supervisor", Role.CUSTOMS_SUPERVISOR), rulebook)
    return zone


def _counters_agree(z: Zone) -> tuple[int, int, int]:
    with z.platform.clearance_uow() as uow:
        kept = uow.declarations.trader_history(z.enterprise_a)
        assert kept == uow.declarations.counted_history(z.enterprise_a)
        assert uow.declarations.trader_history(z.enterprise_b) == uow.declarations.counted_history(z.enterprise_b)
    return kept


operation = st.one_of(
    st.tuples(st.just("file"), st.sampled_from(["trader_a", "trader_b"])),
    st.tuples(st.just("draft"), st.sampled_from(["trader_a", "trader_b"])),
    st.tuples(st.just("red"), st.sampled_from(["trader_a", "trader_b"]), st.sampled_from(FINDINGS)),
    st.tuples(st.just("lodge-drafts")),
    st.tuples(st.just("duplicate")),
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=6))
def test_counters_equal_the_counted_record_after_any_sequence(no_random: Zone, operations: list[Any]) -> None:
    z = no_random
    with z.platform.engine.connect() as conn:
        serial = conn.execute(text("SELECT count(*) FROM declarations")).scalar_one()
    drafts: list[tuple[str, str]] = []
    before = _counters_agree(z)
    for n, op in enumerate(operations):
        lrn = f"CNT-{serial}-{n}"
        who = op[1] if len(op) > 1 else "trader_a"
        enterprise = z.enterprise_a if who == "trader_a" else z.enterprise_b
        if op[0] in ("file", "draft"):
            params = {"lodge": "false"} if op[0] == "draft" else {}
            r = z.client.post(
                "/api/v1/declarations",
                json={**declaration(lrn=lrn), "declarant": enterprise},
                params=params,
                headers=z.headers(who),
            )
            assert r.status_code == 201, r.text
            if op[0] == "draft":
                drafts.append((r.json()["id"], who))
        elif op[0] == "red":
            r = z.client.post(
                "/api/v1/declarations", json={**sanctioned(lrn=lrn), "declarant": enterprise}, headers=z.headers(who)
            )
            assert r.status_code == 201 and r.json()["lane"] == "red", r.text
            found = z.client.post(
                f"/api/v1/declarations/{r.json()['id']}/inspection",
                json={"method": "manual", "finding": op[2], "note": "checked"},
                headers=z.headers("officer"),
            )
            assert found.status_code == 200, found.text
        elif op[0] == "lodge-drafts":
            for declaration_id, owner in drafts:
                r = z.client.post(f"/api/v1/declarations/{declaration_id}/lodge", headers=z.headers(owner))
                assert r.status_code == 200, r.text
            drafts.clear()
        else:  # the same LRN twice: a 409 that counts nothing
            body = {**declaration(lrn=f"CNT-{serial}-dup"), "declarant": z.enterprise_a}
            first = z.client.post("/api/v1/declarations", json=body, headers=z.headers("trader_a"))
            again = z.client.post("/api/v1/declarations", json=body, headers=z.headers("trader_a"))
            assert first.status_code in (201, 409) and again.status_code == 409
        _counters_agree(z)
    after = _counters_agree(z)
    assert after[0] >= before[0] and after[1] >= before[1] and after[2] >= before[2]


def test_the_engine_sees_the_record_grow(no_random: Zone) -> None:
    z = no_random
    assert _counters_agree(z) == (0, 0, 0)
    r = z.client.post(
        "/api/v1/declarations",
        json={**sanctioned(lrn="CNT-R1"), "declarant": z.enterprise_a},
        headers=z.headers("trader_a"),
    )
    assert r.status_code == 201
    assert _counters_agree(z) == (1, 0, 0)
    z.client.post(
        f"/api/v1/declarations/{r.json()['id']}/inspection",
        json={"method": "scanner", "finding": "discrepancy_penalty", "note": "under-declared"},
        headers=z.headers("officer"),
    )
    assert _counters_agree(z) == (1, 1, 1)


def test_the_same_lrn_twice_is_a_409_that_stores_and_counts_nothing(no_random: Zone) -> None:
    z = no_random
    body = {**declaration(lrn="CNT-DUP-1"), "declarant": z.enterprise_a}
    first = z.client.post("/api/v1/declarations", json=body, headers=z.headers("trader_a"))
    assert first.status_code == 201
    with z.platform.engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM declarations")).scalar_one()
        audit = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    again = z.client.post("/api/v1/declarations", json=body, headers=z.headers("trader_a"))
    assert again.status_code == 409
    assert "CNT-DUP-1" in again.json()["detail"]
    with z.platform.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM declarations")).scalar_one() == before
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == audit
    assert _counters_agree(z) == (1, 0, 0)
