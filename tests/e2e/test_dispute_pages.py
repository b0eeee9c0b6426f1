"""The desk's pages: intake form -> case page -> workflow -> outcome, the list with filters, access rules."""

from __future__ import annotations

import re

from tests.conftest import Zone
from tests.e2e.test_disputes_api import desk as desk  # the fixture, used by name
from tests.e2e.test_disputes_api import intake
from tests.e2e.test_pages import csrf_of, nav_of, page_csrf, sign_in


def form(**over: str) -> dict[str, str]:
    data = {
        "type": "mediation", "subject": "Late delivery of 12 trucks", "claimant_name": "Enterprise 101 Co., Ltd.",
        "claimant_country": "CN", "claimant_tz": "Asia/Urumqi", "claimant_counsel": "Li Wei",
        "respondent_name": "Bishkek Motors", "respondent_country": "KG", "respondent_tz": "Asia/Bishkek",
        "respondent_identifier": "", "respondent_counsel": "", "languages": "zh, ru", "governing_law": "CISG",
        "seat": "CN", "amount": "50000", "currency": "USD", "link_kind": "contract", "link_ref": "SC-9",
    }  # fmt: skip
    data.update(over)
    return data


def test_intake_form_to_case_page_to_closure(desk: Zone) -> None:
    z = desk
    sign_in(z.client, "legal")
    home = z.client.get("/").text
    assert "Disputes" in nav_of(home)
    token = page_csrf(z.client, "/disputes/new")
    # a bad form re-renders with the fields named, and nothing is created
    bad = z.client.post("/disputes/new", data={**form(claimant_country="XX", subject=""), "csrf_token": token})
    assert bad.status_code == 422
    assert 'href="#field-claimant_country"' in bad.text and 'href="#field-subject"' in bad.text
    assert "No case matches" in z.client.get("/disputes").text
    r = z.client.post("/disputes/new", data={**form(), "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    path = r.headers["location"]
    page = z.client.get(path)
    assert page.status_code == 200 and "LSD-2025-00001" in page.text and "Bishkek Motors" in page.text
    assert 'data-testid="status">Intake' in page.text
    for target in ("notified",):
        r = z.client.post(f"{path}/transition", data={"to": target, "csrf_token": csrf_of(page.text)})
        assert r.status_code == 200 and 'data-testid="status">Notified' in r.text
    assert "Mediator appointed after notice" in r.text  # the time limit shows
    # without the CSRF token the action is refused
    assert z.client.post(f"{path}/transition", data={"to": "withdrawn"}).status_code == 403
    r = z.client.post(
        f"{path}/outcome",
        data={"kind": "withdrawal", "decided_on": "2025-09-01", "csrf_token": csrf_of(r.text)},
    )
    assert 'data-testid="outcome">Withdrawal' in r.text
    r = z.client.post(f"{path}/transition", data={"to": "closed", "csrf_token": csrf_of(r.text)})
    assert 'data-testid="status">Closed' in r.text
    listing = z.client.get("/disputes", params={"country": "KG", "type": "mediation"}).text
    assert "LSD-2025-00001" in listing
    assert "LSD-2025-00001" not in z.client.get("/disputes", params={"type": "arbitration"}).text
    rows = z.client.get("/disputes", params={"status": "closed"}, headers={"HX-Request": "true"}).text
    assert rows.lstrip().startswith("<tr") and "LSD-2025-00001" in rows


def test_a_party_sees_only_its_cases_and_no_desk_actions(desk: Zone) -> None:
    z = desk
    case = intake(z)
    sign_in(z.client, "trader_a")
    page = z.client.get(f"/disputes/{case['id']}")
    assert page.status_code == 200 and "Desk actions" not in page.text
    sign_in(z.client, "trader_b")
    assert z.client.get(f"/disputes/{case['id']}").status_code == 404
    assert case["reference"] not in z.client.get("/disputes").text
    # a trader's intake names its own enterprise as the claimant
    token = page_csrf(z.client, "/disputes/new")
    r = z.client.post("/disputes/new", data={**form(claimant_name="Enterprise 102"), "csrf_token": token},
                      follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    page = z.client.get(r.headers["location"]).text
    assert re.search(r"Intake</dt><dd>Party", page)


def test_an_arbitration_through_the_pages_with_appointment_hearing_and_upload(desk: Zone) -> None:
    z = desk
    sign_in(z.client, "legal")
    token = page_csrf(z.client, "/disputes/new")
    r = z.client.post("/disputes/new", data={**form(type="arbitration"), "csrf_token": token}, follow_redirects=False)
    path = r.headers["location"]
    page = z.client.get(path).text

    def act(action: str, **data: str) -> str:
        nonlocal page
        r = z.client.post(f"{path}/{action}", data={**data, "csrf_token": csrf_of(page)})
        assert r.status_code == 200, r.text
        page = r.text
        return page

    act("transition", to="notified")
    act("transition", to="answered")
    # a conflicted arbitrator (counsel of the claimant here) is refused with the reason
    r = z.client.post(f"{path}/neutrals", data={"role": "arbitrator", "name": "Li Wei",
                      "independence_declaration": "independent", "csrf_token": csrf_of(page)})  # fmt: skip
    assert r.status_code == 422 and "conflict of interest" in r.text
    act("neutrals", role="arbitrator", name="Prof. Chen", independence_declaration="I am independent.")
    assert "Arbitrator: <strong>Prof. Chen</strong>" in page
    act("transition", to="neutral_appointed")
    act("hearings", starts_at="2025-09-10T15:00", minutes="90", place="Room 3, Urumqi")
    assert "2025-09-10 15:00" in page  # shown in Urumqi time
    party = re.search(r'name="shared_with" value="([0-9a-f]+)"', page)
    assert party
    r = z.client.post(f"{path}/documents", data={"title": "Statement of claim", "shared_with": party.group(1),
                      "csrf_token": csrf_of(page)}, files={"file": ("claim.txt", b"claim", "text/plain")})  # fmt: skip
    assert r.status_code == 200 and "claim.txt" in r.text
    page = r.text
    act("extensions", code="award_due", new_due="2026-06-30", reason="expert report")
    assert "expert report" in page
    act("fees", kind="filing_fee", amount="1200.00", currency="CNY", borne_by="", description="filing")
    assert "1200.00 CNY" in page
    act("transition", to="hearings")
    act("outcome", kind="award", decided_on="2025-09-01", amount="40000", currency="USD")
    act("enforcements", country="KG", court="Bishkek Inter-District Court", filed_on="2025-09-01")
    assert "New York Convention state: yes" in page
    act("transition", to="enforcement")
    act("transition", to="closed")
    assert 'data-testid="status">Closed' in page and "Award on 2025-09-01: 40000 USD" in page
