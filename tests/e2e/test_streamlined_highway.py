"""Streamlined highway transport over HTTP: inspected and sealed at Kashgar, not inspected again at Horgos."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from silkport.clearance.adapters.rulebook_file import default_rulebook
from silkport.clearance.services.handlers import publish_rulebook
from silkport.shared.actor import Actor, Role
from tests.conftest import PASSWORD, Zone
from tests.factories import declaration

BOXES = [{"number": "MSCU6639870", "seals": ["KS-1001", "KS-1002"]}, {"number": "CSQU3054383", "seals": ["KS-1003"]}]


@pytest.fixture
def all_red(zone: Zone) -> Zone:
    """Every declaration is sampled for inspection (a rule of the score's kind, not of the law's)."""
    rulebook = replace(default_rulebook(), version="test-all-sampled", random_rate=Decimal(1))
    publish_rulebook(zone.platform.clearance_uow(), Actor("sup", "supervisor", Role.CUSTOMS_SUPERVISOR), rulebook)
    return zone


EXPORT = {
    "type": "export",
    "dispatch_country": "CN",
    "destination_country": "KZ",
    "loading_locode": "CNHRS",
    "unloading_locode": "KZALA",
}


def file(z: Zone, **over: Any) -> Any:
    body = declaration(**{**(EXPORT if over.get("type") == "export" else {}), **over})
    r = z.client.post("/api/v1/declarations", json=body, headers=z.headers("trader_a"))
    assert r.status_code == 201, r.text
    return r.json()


def inspect(z: Zone, declaration_id: str, finding: str = "conform") -> Any:
    r = z.client.post(
        f"/api/v1/declarations/{declaration_id}/inspection",
        json={"method": "manual", "finding": finding, "note": "opened, counted, resealed"},
        headers=z.headers("officer"),
    )
    assert r.status_code == 200, r.text
    return r.json()


def get_as(z: Zone, who: str, declaration_id: str) -> Any:
    r = z.client.get(f"/api/v1/declarations/{declaration_id}", headers=z.headers(who))
    assert r.status_code == 200, r.text
    return r.json()


def test_inspected_at_kashgar_and_sealed_is_not_inspected_again_at_horgos(all_red: Zone) -> None:
    z = all_red
    upstream = file(z, office="KSS-TIR", loading_locode="CNKSS", containers=BOXES, lrn="UP-1")
    assert (upstream["lane"], upstream["status"]) == ("red", "inspection")
    assert inspect(z, upstream["id"])["status"] in ("cleared", "released")
    z.platform.clock.advance(timedelta(hours=6))  # type: ignore[attr-defined]

    downstream = file(z, type="export", office="HRS-ROAD", containers=BOXES, direct_transfer=True, lrn="DOWN-1")
    assert downstream["lane"] == "green", downstream["reasons"]
    assert downstream["declaration"]["direct_transfer"] is True
    assert any("no new inspection" in r["reason"] for r in downstream["reasons"]), "the trader is told why"
    officer_view = get_as(z, "supervisor", downstream["id"])
    recognition = [r for r in officer_view["reasons"] if r["rule"] == "streamlined-highway"]
    assert recognition and "KSS-TIR" in recognition[0]["reason"] and upstream["id"] in recognition[0]["reason"]

    # one seal replaced on the way: the seals no longer prove anything, the sample stands
    broken = [BOXES[0], {"number": "CSQU3054383", "seals": ["KS-9999"]}]
    assert file(z, type="export", office="HRS-ROAD", containers=broken, lrn="DOWN-2")["lane"] == "red"
    # another corridor's office does not recognise Kashgar's inspection
    assert file(z, type="export", office="URM-RAIL", containers=BOXES, lrn="DOWN-3")["lane"] == "red"

    figures = z.client.get(
        "/api/v1/clearance/streamlined-highway",
        params={"from": "2025-08", "to": "2025-10"},
        headers=z.headers("analyst"),
    )
    assert figures.status_code == 200, figures.text
    body = figures.json()
    assert [(m["month"], m["inspections_avoided"]) for m in body["months"]] == [
        ("2025-08", 0),
        ("2025-09", 1),
        ("2025-10", 0),
    ]
    assert body["total"] == 1 and "Kashgar - Horgos highway" in body["corridors"]


def test_a_seizure_is_not_recognised_and_nor_is_a_stale_inspection(all_red: Zone) -> None:
    z = all_red
    seized = file(z, office="KSS-TIR", loading_locode="CNKSS", containers=BOXES, lrn="UP-S")
    inspect(z, seized["id"], finding="discrepancy_seizure")
    assert file(z, type="export", office="HRS-ROAD", containers=BOXES, lrn="DOWN-S")["lane"] == "red"

    fine = file(z, office="KSS-TIR", loading_locode="CNKSS", containers=BOXES, lrn="UP-F")
    inspect(z, fine["id"])
    z.platform.clock.advance(timedelta(days=8))  # type: ignore[attr-defined]
    signed_in = z.client.post("/api/v1/auth/token", json={"username": "trader_a", "password": PASSWORD})
    z.tokens["trader_a"] = signed_in.json()["access_token"]  # the old token expired meanwhile
    assert file(z, type="export", office="HRS-ROAD", containers=BOXES, lrn="DOWN-F")["lane"] == "red"


def test_the_figures_are_for_customs_and_analysts_with_precise_errors(all_red: Zone) -> None:
    z = all_red
    url = "/api/v1/clearance/streamlined-highway"
    assert (
        z.client.get(url, params={"from": "2025-01", "to": "2025-02"}, headers=z.headers("trader_a")).status_code == 403
    )
    bad = z.client.get(url, params={"from": "2025-13", "to": "2025-02"}, headers=z.headers("analyst"))
    assert bad.status_code == 422 and "is not a month" in bad.text
    backwards = z.client.get(url, params={"from": "2025-05", "to": "2025-02"}, headers=z.headers("analyst"))
    assert backwards.status_code == 422 and "before from" in backwards.text


def test_the_supervisor_workbench_charts_the_inspections_avoided(all_red: Zone) -> None:
    from tests.e2e.test_pages import sign_in

    z = all_red
    upstream = file(z, office="KSS-TIR", loading_locode="CNKSS", containers=BOXES, lrn="UP-C")
    inspect(z, upstream["id"])
    assert file(z, type="export", office="HRS-ROAD", containers=BOXES, lrn="DOWN-C")["lane"] == "green"
    sign_in(z.client, "supervisor")
    page = z.client.get("/workbench").text
    chart = page.split('data-testid="avoided-chart"', 1)[1].split("</svg>", 1)[0]
    bars = re.findall(r'data-month="([0-9-]+)" data-count="(\d+)"', chart)
    assert len(bars) == 12 and bars[-1] == ("2025-09", "1") and all(n == "0" for _, n in bars[:-1])
    assert "1 in the last 12 months" in page
    sign_in(z.client, "officer")
    assert 'data-testid="avoided-chart"' not in z.client.get("/workbench").text, "the figure is for supervisors"
