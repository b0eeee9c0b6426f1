"""Each trade format through the API: green, yellow and red by EDIFACT CUSDEC and by WCO DM XML."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from silkport.clearance.adapters import edifact, wcodm
from silkport.clearance.schemas import content_from_json
from silkport.enterprises.services import handlers as registry
from tests.conftest import Zone
from tests.e2e.test_clearance_api import no_random  # noqa: F401  (fixture)
from tests.factories import declaration, sanctioned, vehicles

FIXTURES = Path(__file__).parents[1] / "fixtures"


def contents(zone: Zone) -> list[Any]:
    """Green laptops, yellow vehicles and red DPRK goods, declared by enterprise A under its USCC."""
    uow = zone.platform.enterprises_uow()
    uscc = registry.get_enterprise(uow, _admin(zone), zone.enterprise_a).details.uscc
    bodies = [declaration(lrn="F-GREEN"), vehicles(lrn="F-YELLOW"), sanctioned(lrn="F-RED")]
    return [content_from_json({**b, "declarant": uscc}) for b in bodies]


def _admin(zone: Zone) -> Any:
    from silkport.shared.actor import SYSTEM

    return SYSTEM


def test_cusdec_in_cusres_out(no_random: Zone) -> None:  # noqa: F811
    z = no_random
    text = edifact.write_cusdec(
        contents(z),
        sender="TRADERA",
        recipient="SILKPORT",
        control_ref="42",
        prepared=datetime(2025, 9, 1, 8, tzinfo=UTC),
    )
    r = z.client.post(
        "/api/v1/declarations/edifact?pre_arrival=false",
        content=text.encode(),
        headers={**z.headers("trader_a"), "content-type": "application/EDIFACT"},
    )
    assert r.status_code == 200, r.text
    answers = edifact.parse_cusres(r.text)
    kinds = [(a.lrn, a.kind.value) for a in answers]
    assert ("F-GREEN", "accepted") in kinds and ("F-YELLOW", "accepted") in kinds and ("F-RED", "accepted") in kinds
    listing = {
        d["declaration"]["lrn"]: d
        for d in z.client.get("/api/v1/declarations", headers=z.headers("trader_a")).json()["items"]
    }
    assert (listing["F-GREEN"]["lane"], listing["F-YELLOW"]["lane"], listing["F-RED"]["lane"]) == (
        "green",
        "yellow",
        "red",
    )
    assert listing["F-RED"]["status"] == "inspection"


def test_cusdec_rejections_name_the_segment(no_random: Zone) -> None:  # noqa: F811
    z = no_random
    bad = [content_from_json({**declaration(lrn="F-BAD", office="NOWHERE"), "declarant": contents(z)[0].declarant_id})]
    text = edifact.write_cusdec(
        bad, sender="TRADERA", recipient="SILKPORT", control_ref="43", prepared=datetime(2025, 9, 1, 8, tzinfo=UTC)
    )
    r = z.client.post("/api/v1/declarations/edifact", content=text.encode(), headers=z.headers("trader_a"))
    [answer] = edifact.parse_cusres(r.text)
    assert answer.kind is edifact.ResponseKind.REJECTED
    assert answer.errors[0].field == "office" and answer.errors[0].segment == "LOC"
    broken = (FIXTURES / "cusdec" / "broken-mea-not-a-number.edi").read_bytes()
    r = z.client.post("/api/v1/declarations/edifact", content=broken, headers=z.headers("trader_a"))
    assert r.status_code == 422 and "segment" in r.json()["errors"][0]["field"]


def test_wcodm_xml_in_outcomes_out(no_random: Zone) -> None:  # noqa: F811
    z = no_random
    xml = wcodm.write_declarations(contents(z))
    r = z.client.post(
        "/api/v1/declarations/wcodm", content=xml, headers={**z.headers("trader_a"), "content-type": "application/xml"}
    )
    assert r.status_code == 200, r.text
    lanes = {o["declaration"]["declaration"]["lrn"]: o["declaration"]["lane"] for o in r.json()}
    assert lanes == {"F-GREEN": "green", "F-YELLOW": "yellow", "F-RED": "red"}
    broken = (FIXTURES / "wcodm" / "broken-bad-number.xml").read_bytes()
    r = z.client.post("/api/v1/declarations/wcodm", content=broken, headers=z.headers("trader_a"))
    assert r.status_code == 422 and "(line " in r.json()["errors"][0]["field"]
    xxe = (FIXTURES / "wcodm" / "broken-xxe.xml").read_bytes()
    assert z.client.post("/api/v1/declarations/wcodm", content=xxe, headers=z.headers("trader_a")).status_code == 422


def test_a_trader_cannot_file_a_format_for_another_enterprise(no_random: Zone) -> None:  # noqa: F811
    z = no_random
    xml = wcodm.write_declarations(contents(z)[:1])
    r = z.client.post("/api/v1/declarations/wcodm", content=xml, headers=z.headers("trader_b"))
    [outcome] = r.json()
    assert outcome["accepted"] is False and outcome["errors"][0]["field"] == "declarant"
