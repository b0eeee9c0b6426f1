"""Real Chromium against the real server: a legal officer runs a conflict-of-interest check (a conflicted candidate,
then a clear one whose declaration of independence is recorded), records an enforcement step abroad and uploads a
new version of a document. Screenshots: dispute-conflict-found, dispute-declaration, dispute-enforcement-step,
dispute-document-version."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from silkport.shared.actor import Role
from tests.browser.conftest import LiveServer, shot, sign_in
from tests.conftest import PASSWORD, add_user

pytestmark = pytest.mark.browser
API = "/api/v1/disputes"


class Desk:
    """The legal officer's API calls that set the scene (the pages under test are driven in the browser)."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=20)
        token = self.http.post("/api/v1/auth/token", json={"username": "dana", "password": PASSWORD}).json()
        self.http.headers["Authorization"] = f"Bearer {token['access_token']}"

    def post(self, path: str, body: dict[str, Any], code: int = 200) -> dict[str, Any]:
        r = self.http.post(f"{API}{path}", json=body)
        assert r.status_code == code, r.text
        return r.json()  # type: ignore[no-any-return]

    def arbitration(self, subject: str, *moves: str) -> dict[str, Any]:
        case = self.post("/cases", {
            "type": "arbitration", "subject": subject, "languages": ["zh", "ru"], "amount": "64000",
            "currency": "USD",
            "parties": [
                {"name": "Kashgar Dried Fruit Co.", "country": "CN", "role": "claimant", "time_zone": "Asia/Urumqi",
                 "counsel": {"name": "Li Wei", "firm": "Tianshan Law"}},
                {"name": "Osh Trade House LLC", "country": "KG", "role": "respondent", "time_zone": "Asia/Bishkek"},
            ],
        }, code=201)  # fmt: skip
        for to in moves:
            case = self.post(f"/cases/{case['id']}/transitions", {"to": to})
        return case


def test_conflict_check_enforcement_step_and_new_version(
    live_server: LiveServer, page: Page, screenshot_dirs: list[Path]
) -> None:
    platform = live_server.platform
    add_user(platform, "dana", Role.LEGAL_OFFICER)
    base = live_server.url
    desk = Desk(base)
    earlier = desk.arbitration("Apricots, 2024 season", "notified", "answered")
    desk.post(f"/cases/{earlier['id']}/neutrals", {"name": "Prof. Chen Hao", "role": "arbitrator",
              "independence_declaration": "independent"}, code=201)  # fmt: skip
    case = desk.arbitration("Apricots, 2025 season", "notified", "answered")
    decided = desk.arbitration("Raisins, unpaid balance", "notified", "answered")
    desk.post(f"/cases/{decided['id']}/neutrals", {"name": "Dr. Saule Omarova", "role": "arbitrator",
              "independence_declaration": "independent"}, code=201)  # fmt: skip
    for to in ("neutral_appointed", "hearings"):
        desk.post(f"/cases/{decided['id']}/transitions", {"to": to})
    today = platform.clock.now().date().isoformat()
    desk.post(f"/cases/{decided['id']}/outcome", {"kind": "award", "decided_on": today, "amount": "30000",
              "currency": "USD"})  # fmt: skip
    desk.post(f"/cases/{decided['id']}/enforcements", {"country": "KG", "court": "Osh City Court",
              "filed_on": today}, code=201)  # fmt: skip
    files = {"file": ("award.pdf", b"%PDF-1.7 award v1", "application/pdf")}
    r = desk.http.post(f"{API}/cases/{decided['id']}/documents", files=files, data={"title": "Final award"})
    assert r.status_code == 201, r.text

    sign_in(page, base, "dana")
    page.goto(f"{base}/disputes/{case['id']}")
    page.get_by_role("link", name="Conflict-of-interest check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conflict-of-interest check")
    # keyboard only: type the name and press Enter to run the check
    page.get_by_label("Candidate's name").fill("Prof. Chen Hao")
    page.get_by_label("Candidate's name").press("Enter")
    expect(page.get_by_test_id("conflict-result")).to_contain_text("Conflict found")
    conflicts = page.get_by_test_id("conflicts")
    expect(conflicts).to_contain_text(earlier["reference"])
    expect(conflicts).to_contain_text("Neutral")
    expect(conflicts).to_contain_text("Kashgar Dried Fruit Co. (claimant)")
    expect(page.locator("#declaration-form")).to_have_count(0)
    shot(page, screenshot_dirs, "dispute-conflict-found")

    page.get_by_label("Candidate's name").fill("Dr. Nurlan Abenov")
    page.get_by_label("Identifier").fill("KZ-ARB-77")
    page.get_by_role("button", name="Run the check").click()
    expect(page.get_by_test_id("conflict-result")).to_contain_text("No conflict found")
    # an empty declaration is refused in place
    page.get_by_role("button", name="Record the declaration and appoint").click()
    expect(page.locator("#err-independence_declaration")).to_contain_text("must be recorded")
    page.get_by_label("Text of the declaration").fill("I am independent of the parties and their counsel.")
    shot(page, screenshot_dirs, "dispute-declaration")
    page.get_by_role("button", name="Record the declaration and appoint").click()
    expect(page.locator("body")).to_contain_text("Arbitrator: Dr. Nurlan Abenov")

    page.goto(f"{base}/disputes/{decided['id']}")
    page.get_by_role("link", name="Enforcement details").click()
    expect(page.get_by_test_id("nyc-status")).to_contain_text("is a contracting state")
    expect(page.get_by_test_id("enforcement-status")).to_have_text("Filed")
    page.get_by_label("New state").select_option("recognised")
    page.get_by_label("Note").fill("Ruling 2-117/2025")
    page.get_by_role("button", name="Record the step").click()
    expect(page.get_by_test_id("enforcement-status")).to_have_text("Recognised")
    expect(page.locator("body")).to_contain_text("Ruling 2-117/2025")
    shot(page, screenshot_dirs, "dispute-enforcement-step")

    page.get_by_role("link", name="Back to the case").click()
    page.get_by_role("link", name="Final award").first.click()
    expect(page.get_by_role("heading", name="Version history")).to_be_visible()
    page.get_by_label("File to upload").set_input_files(
        files=[{"name": "award-corrected.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7 award v2"}]
    )
    page.get_by_role("checkbox", name="Kashgar Dried Fruit Co.").check()
    page.get_by_role("button", name="Upload the new version").click()
    v2 = hashlib.sha256(b"%PDF-1.7 award v2").hexdigest()
    expect(page.get_by_role("status")).to_contain_text("New version uploaded")
    expect(page.get_by_test_id("sha-2")).to_have_text(v2)
    expect(page.get_by_test_id("sha-1")).to_have_text(hashlib.sha256(b"%PDF-1.7 award v1").hexdigest())
    expect(page.get_by_test_id("versions")).to_contain_text("Kashgar Dried Fruit Co.")
    shot(page, screenshot_dirs, "dispute-document-version")
