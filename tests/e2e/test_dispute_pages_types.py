"""Every kind of case from intake to closure through the desk's web pages (intake form, case page actions),
and the figures counting them; a party's intake form refuses another enterprise's record as a missing one."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Zone
from tests.e2e.test_dispute_pages import form
from tests.e2e.test_disputes_api import API
from tests.e2e.test_disputes_api import desk as desk  # the fixture, used by name
from tests.e2e.test_pages import csrf_of, page_csrf, sign_in
from tests.factories import declaration

MEDIATOR = {"role": "mediator", "name": "Ms Zhang", "independence_declaration": "I am independent of all parties."}
ARBITRATOR = {"role": "arbitrator", "name": "Prof. Chen", "independence_declaration": "I am independent."}

# each kind's legal path: ("transition", target) or (action, form data), then the outcome that decides it
PATHS: dict[str, tuple[list[tuple[str, dict[str, str]]], str, str]] = {
    "consultation": ([("transition", {"to": "in_progress"})], "advice", "Advice"),
    "mediation": (
        [("transition", {"to": "notified"}), ("neutrals", MEDIATOR), ("transition", {"to": "neutral_appointed"}),
         ("transition", {"to": "hearings"})],
        "settlement", "Settlement",
    ),
    "arbitration": (
        [("transition", {"to": "notified"}), ("transition", {"to": "answered"}), ("neutrals", ARBITRATOR),
         ("transition", {"to": "neutral_appointed"}), ("transition", {"to": "hearings"})],
        "award", "Award",
    ),
    "litigation_support": (
        [("transition", {"to": "notified"}), ("transition", {"to": "answered"}), ("transition", {"to": "hearings"})],
        "judgment", "Judgment",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case_type", list(PATHS))
def test_each_kind_of_case_from_the_intake_form_to_closure(desk: Zone, case_type: str) -> None:
    z = desk
    sign_in(z.client, "legal")
    token = page_csrf(z.client, "/disputes/new")
    fields = form(type=case_type)
    if case_type == "consultation":  # advice to one client: no respondent
        fields |= {"respondent_name": "", "respondent_country": "", "respondent_tz": ""}
    r = z.client.post("/disputes/new", data={**fields, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    path = r.headers["location"]
    page = z.client.get(path).text
    assert 'data-testid="status">Intake' in page
    steps, outcome, outcome_label = PATHS[case_type]
    for action, data in steps:
        r = z.client.post(f"{path}/{action}", data={**data, "csrf_token": csrf_of(page)})
        assert r.status_code == 200, r.text
        page = r.text
    r = z.client.post(
        f"{path}/outcome", data={"kind": outcome, "decided_on": "2025-09-01", "csrf_token": csrf_of(page)}
    )
    assert r.status_code == 200, r.text
    page = r.text
    assert 'data-testid="status">Decided' in page and f'data-testid="outcome">{outcome_label}' in page
    r = z.client.post(f"{path}/transition", data={"to": "closed", "csrf_token": csrf_of(page)})
    assert r.status_code == 200 and 'data-testid="status">Closed' in r.text
    # the same case through the API: closed, decided on the merits, and counted in the figures
    case_id = path.rsplit("/", 1)[-1]
    case = z.client.get(f"{API}/cases/{case_id}", headers=z.headers("legal")).json()
    assert case["type"] == case_type and case["status"] == "closed" and case["outcome"]["kind"] == outcome
    figures = z.client.get(f"{API}/figures", headers=z.headers("analyst")).json()
    assert figures["by_type"] == {case_type: 1} and figures["resolved"] == 1
    assert figures["resolved_cross_border"] == (0 if case_type == "consultation" else 1)
    assert figures["litigation_cases"] == (1 if case_type == "litigation_support" else 0)


def test_a_partys_intake_form_refuses_another_enterprises_record_as_missing(desk: Zone) -> None:
    z = desk
    theirs = z.client.post("/api/v1/declarations", json=declaration(), headers=z.headers("trader_b")).json()["id"]
    mine = z.client.post("/api/v1/declarations", json=declaration(), headers=z.headers("trader_a")).json()["id"]
    sign_in(z.client, "trader_a")
    token = page_csrf(z.client, "/disputes/new")
    shown = []
    for ref in (theirs, "0" * 32):
        r = z.client.post(
            "/disputes/new", data={**form(link_kind="declaration", link_ref=ref), "csrf_token": token}
        )  # fmt: skip
        assert r.status_code == 422
        assert 'href="#field-link_ref"' in r.text and f"no declaration &#39;{ref}&#39; in the zone" in r.text
        shown.append(re.findall(r'class="field-error"[^>]*>(.*?)</p>', r.text.replace(ref, "REF")))
    assert shown[0] == shown[1]  # the same messages, whether the record is another's or does not exist
    assert z.client.get(f"{API}/cases", headers=z.headers("trader_a")).json()["items"] == []
    r = z.client.post(
        "/disputes/new", data={**form(link_kind="declaration", link_ref=mine), "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    assert mine in z.client.get(r.headers["location"]).text
