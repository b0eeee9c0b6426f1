"""Records a case is about: a party links only its own enterprise's declarations, consignments and bonded
movements (another enterprise's record is refused exactly as a missing one), the desk links any record that
exists; for every enterprise-bound role and every kind of link."""

from __future__ import annotations

from typing import Any

import pytest

from silkport.enterprises.services import auth
from silkport.shared.actor import SYSTEM, Role
from tests.conftest import PASSWORD, Zone
from tests.e2e.test_bonded_api import Bonded
from tests.e2e.test_bonded_api import bonded as bonded  # the fixture, used by name
from tests.e2e.test_disputes_api import API
from tests.e2e.test_disputes_api import desk as desk  # the fixture, used by name
from tests.e2e.test_logistics_api import book
from tests.factories import declaration

KINDS = ("declaration", "consignment", "bonded_movement")
MISSING = "0" * 32


@pytest.fixture
def records(desk: Zone, bonded: Bonded) -> dict[str, dict[str, str]]:
    """One record of each kind for enterprise A and for enterprise B, plus a party user of every
    enterprise-bound role in enterprise A."""
    z = desk
    for username, role in (("logistics_a", Role.LOGISTICS_OPERATOR), ("airline_a", Role.AIRLINE)):
        auth.create_user(
            z.platform.enterprises_uow(), SYSTEM, z.platform.hasher, username=username, password=PASSWORD, role=role,
            enterprise_id=z.enterprise_a,
        )  # fmt: skip
        r = z.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        z.tokens[username] = r.json()["access_token"]
    out: dict[str, dict[str, str]] = {}
    for side, trader, keeper in (("a", "trader_a", "keeper_a"), ("b", "trader_b", "keeper_b")):
        r = z.client.post("/api/v1/declarations", json=declaration(), headers=z.headers(trader))
        assert r.status_code == 201, r.text
        consignment = book(z, trader, number=f"CMR-2025-10{ord(side)}")
        bonded.admit(keeper, key=f"adm-{side}")
        movements = bonded.get(keeper, "/movements")
        assert len(movements) == 1
        out[side] = {
            "declaration": r.json()["id"],
            "consignment": consignment["id"],
            "bonded_movement": movements[0]["id"],
        }
    return out


def open_case(z: Zone, who: str, links: list[dict[str, str]]) -> Any:
    body: dict[str, Any] = {
        "type": "mediation",
        "subject": "Short delivery",
        "parties": [
            {"name": "Enterprise 101", "country": "CN", "role": "claimant", "enterprise_id": z.enterprise_a},
            {"name": "Enterprise 102", "country": "CN", "role": "respondent", "enterprise_id": z.enterprise_b},
        ],
        "links": links,
    }
    return z.client.post(f"{API}/cases", json=body, headers=z.headers(who))


def count_cases(z: Zone) -> int:
    return len(z.client.get(f"{API}/cases", headers=z.headers("legal")).json()["items"])


@pytest.mark.parametrize("who", ["trader_a", "logistics_a", "keeper_a", "airline_a"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_party_links_only_its_own_enterprises_records(
    desk: Zone, records: dict[str, dict[str, str]], who: str, kind: str
) -> None:
    z = desk
    theirs = open_case(z, who, [{"kind": kind, "ref": records["b"][kind]}])
    missing = open_case(z, who, [{"kind": kind, "ref": MISSING}])
    assert theirs.status_code == missing.status_code == 422
    # another enterprise's record reads exactly as one that does not exist: nothing tells the party it exists
    their_error = theirs.json()["errors"]
    missing_error = missing.json()["errors"]
    assert their_error == [
        {"field": "links[0].ref", "message": f"no {kind.replace('_', ' ')} {records['b'][kind]!r} in the zone"}
    ]
    assert [e["message"].replace(records["b"][kind], MISSING) for e in their_error] == [
        e["message"] for e in missing_error
    ]
    assert {k: v for k, v in theirs.json().items() if k not in ("errors", "detail")} == {
        k: v for k, v in missing.json().items() if k not in ("errors", "detail")
    }
    assert count_cases(z) == 0  # nothing was opened
    mine = open_case(z, who, [{"kind": kind, "ref": records["a"][kind]}, {"kind": "contract", "ref": "SC-1"}])
    assert mine.status_code == 201, mine.text
    assert mine.json()["intake"] == "party"
    assert mine.json()["links"] == [{"kind": kind, "ref": records["a"][kind]}, {"kind": "contract", "ref": "SC-1"}]


@pytest.mark.parametrize("who", ["legal", "admin"])
def test_the_desk_links_any_existing_record(desk: Zone, records: dict[str, dict[str, str]], who: str) -> None:
    z = desk
    links = [{"kind": k, "ref": records[side][k]} for k in KINDS for side in ("a", "b")]
    r = open_case(z, who, links)
    assert r.status_code == 201, r.text
    assert r.json()["intake"] == "desk" and len(r.json()["links"]) == 6
    bad = open_case(z, who, [*links, *({"kind": k, "ref": MISSING} for k in KINDS)])
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["links[6].ref", "links[7].ref", "links[8].ref"]
    assert count_cases(z) == 1


def test_roles_outside_the_desk_and_the_parties_open_no_case(desk: Zone, records: dict[str, dict[str, str]]) -> None:
    z = desk
    for who in ("officer", "supervisor", "analyst"):
        assert open_case(z, who, [{"kind": "declaration", "ref": records["a"]["declaration"]}]).status_code == 403
    assert count_cases(z) == 0
