"""The desk's stand-alone forms: the conflict-of-interest check with the declaration of independence, enforcement
steps with the New York Convention record, and new document versions with their hashes and sharing.

Each form: allowed for the legal officer, refused to a party as the API refuses it (403, or 404 for what it may not
see), and a wrong value gets its field error in place and changes nothing."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from tests.conftest import Zone
from tests.e2e.test_disputes_api import API, go, intake, post, upload
from tests.e2e.test_disputes_api import desk as desk  # the fixture, used by name
from tests.e2e.test_pages import csrf_of, page_csrf, sign_in


def case_of(z: Zone, case_id: str) -> dict[str, Any]:
    r = z.client.get(f"{API}/cases/{case_id}", headers=z.headers("legal"))
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


def error_slot(html: str, name: str) -> str:
    found = re.search(rf'<p id="err-{name}" class="field-error"[^>]*>(.*?)</p>', html, re.S)
    assert found, f"no error slot for {name}"
    return found.group(1)


# -- conflict-of-interest check ------------------------------------------------------------------------------------
def test_conflict_check_shows_prior_roles_and_records_the_declaration(desk: Zone) -> None:
    z = desk
    earlier = intake(z)  # Enterprise 101 (counsel Li Wei) v Almaty Textiles (counsel Aigerim Sadykova)
    go(z, earlier, "notified")
    go(z, earlier, "answered")
    post(z, f"/cases/{earlier['id']}/neutrals", {"name": "Prof. Chen", "role": "arbitrator",
         "independence_declaration": "independent"}, code=201)  # fmt: skip
    case = intake(z, subject="Second shipment")
    go(z, case, "notified")
    go(z, case, "answered")
    path = f"/disputes/{case['id']}/conflict-check"
    sign_in(z.client, "legal")
    page = z.client.get(path)
    assert page.status_code == 200 and "Almaty Textiles LLP" in page.text and 'id="f-name"' in page.text
    before = case_of(z, case["id"])

    # no name: the field's own error, in place; nothing recorded
    r = z.client.post(path, data={"name": "", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 422 and "give the candidate&#39;s name" in error_slot(r.text, "name")
    assert 'href="#field-name"' in r.text

    # the arbitrator of the earlier case sat with this case's claimant and counsel: the roles are shown
    r = z.client.post(path, data={"name": "prof chen", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 200 and 'data-testid="conflicts"' in r.text
    assert earlier["reference"] in r.text and "Neutral" in r.text
    assert "Enterprise 101 Co., Ltd. (claimant)" in r.text and "Li Wei (counsel of Enterprise 101 Co., Ltd.)" in r.text
    assert "declaration-form" not in r.text  # a conflicted candidate is not offered the declaration

    # the claimant's counsel is a participant of this very case
    r = z.client.post(path, data={"name": "Li Wei", "csrf_token": csrf_of(page.text)})
    assert "a party or counsel in this case" in r.text

    # a clear candidate: the declaration of independence is offered; an empty one is refused in place
    r = z.client.post(path, data={"name": "Dr. Nurlan Abenov", "identifier": "KZ-ARB-77",
                                  "csrf_token": csrf_of(page.text)})  # fmt: skip
    assert r.status_code == 200 and "No conflict found" in r.text and 'id="declaration-form"' in r.text
    decl = {"name": "Dr. Nurlan Abenov", "identifier": "KZ-ARB-77", "role": "arbitrator", "csrf_token": csrf_of(r.text)}
    bad = z.client.post(f"{path}/declaration", data={**decl, "independence_declaration": "  "})
    assert bad.status_code == 422
    assert "the declaration of independence must be recorded" in error_slot(bad.text, "independence_declaration")
    assert case_of(z, case["id"])["neutrals"] == before["neutrals"] == []
    ok = z.client.post(f"{path}/declaration", data={**decl, "independence_declaration": "I am independent of all."},
                       follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303 and ok.headers["location"] == f"/disputes/{case['id']}?msg=Appointed"
    neutrals = case_of(z, case["id"])["neutrals"]
    assert [(n["name"], n["identifier"], n["independence_declaration"]) for n in neutrals] == [
        ("Dr. Nurlan Abenov", "KZ-ARB-77", "I am independent of all.")
    ]
    # the same person again: refused in place as already appointed
    again = z.client.post(f"{path}/declaration", data={**decl, "independence_declaration": "again"})
    assert again.status_code == 422 and "already appointed" in again.text
    assert len(case_of(z, case["id"])["neutrals"]) == 1


def test_conflict_check_is_for_the_desk_only(desk: Zone) -> None:
    z = desk
    case = intake(z)
    path = f"/disputes/{case['id']}/conflict-check"
    for who in ("trader_a", "trader_b"):  # the claimant's trader, another enterprise's: the API says 403 to both
        sign_in(z.client, who)
        token = page_csrf(z.client, "/disputes")
        assert z.client.get(path).status_code == 403
        assert z.client.post(path, data={"name": "X", "csrf_token": token}).status_code == 403
        r = z.client.post(f"{path}/declaration", data={"name": "X", "role": "arbitrator",
                          "independence_declaration": "independent", "csrf_token": token})  # fmt: skip
        assert r.status_code == 403
    assert case_of(z, case["id"])["neutrals"] == []
    sign_in(z.client, "legal")
    assert z.client.get("/disputes/0123456789abcdef0123456789abcdef/conflict-check").status_code == 404
    # without the CSRF token nothing runs
    assert z.client.post(path, data={"name": "X"}).status_code == 403


def test_a_clear_check_on_a_case_that_takes_no_appointment_says_so(desk: Zone) -> None:
    z = desk
    case = intake(z)  # still at intake: neutrals come after notice
    sign_in(z.client, "legal")
    path = f"/disputes/{case['id']}/conflict-check"
    r = z.client.post(path, data={"name": "Dr. Abenov", "csrf_token": page_csrf(z.client, path)})
    assert r.status_code == 200 and "No conflict found" in r.text
    assert "declaration-form" not in r.text and "takes no appointment now" in r.text


# -- enforcement steps ---------------------------------------------------------------------------------------------
def decided_with_enforcements(z: Zone) -> dict[str, Any]:
    case = intake(z)
    for to in ("notified", "answered"):
        case = go(z, case, to)
    post(z, f"/cases/{case['id']}/neutrals", {"name": "Prof. Chen", "role": "arbitrator",
         "independence_declaration": "independent"}, code=201)  # fmt: skip
    for to in ("neutral_appointed", "hearings"):
        case = go(z, case, to)
    post(z, f"/cases/{case['id']}/outcome", {"kind": "award", "decided_on": "2025-09-01", "amount": "1000",
         "currency": "USD"})  # fmt: skip
    post(z, f"/cases/{case['id']}/enforcements", {"country": "KZ", "court": "Almaty City Court",
         "filed_on": "2025-09-01"}, code=201)  # fmt: skip
    return post(z, f"/cases/{case['id']}/enforcements", {"country": "TW", "court": "Taipei District Court",
                "filed_on": "2025-09-01"}, code=201)  # fmt: skip


def test_enforcement_moves_only_along_legal_edges_with_the_convention_shown(desk: Zone) -> None:
    z = desk
    case = decided_with_enforcements(z)
    kz, tw = case["enforcements"]
    path = f"/disputes/{case['id']}/enforcements/{kz['id']}"
    sign_in(z.client, "legal")
    page = z.client.get(path)
    assert page.status_code == 200
    assert "Kazakhstan is a contracting state." in page.text and "Accession" in page.text
    assert 'data-testid="enforcement-status">Filed' in page.text
    options = re.findall(r'<option value="([a-z]+)"', page.text)
    assert options == ["recognised", "refused"]  # the legal edges from "filed" only
    token = csrf_of(page.text)

    # an illegal edge and an unknown state: each its field error, in place; the enforcement does not move
    for status, message in (("enforced", "a filed enforcement cannot become enforced"),
                            ("lost", "choose the next state of the enforcement")):  # fmt: skip
        r = z.client.post(path, data={"status": status, "note": "x", "csrf_token": token})
        assert r.status_code == 422 and message in error_slot(r.text, "status"), r.text
    assert case_of(z, case["id"])["enforcements"][0]["status"] == "filed"

    r = z.client.post(path, data={"status": "recognised", "note": "ruling 2-117/2025", "csrf_token": token},
                      follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    page = z.client.get(r.headers["location"])
    assert "Enforcement updated" in page.text and 'data-testid="enforcement-status">Recognised' in page.text
    assert re.findall(r'<option value="([a-z]+)"', page.text) == ["enforced"]
    assert "ruling 2-117/2025" in page.text  # the step with its note
    r = z.client.post(path, data={"status": "enforced", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    page = z.client.get(path)
    assert "takes no further step" in page.text and 'id="enforcement-form"' not in page.text
    assert case_of(z, case["id"])["enforcements"][0]["status"] == "enforced"
    timeline = case_of(z, case["id"])["timeline"]
    steps = [t["detail"] for t in timeline if t["action"] == "enforcement_updated"]
    assert [(s["from"], s["status"]) for s in steps] == [("filed", "recognised"), ("recognised", "enforced")]

    # a country outside the table is "unknown", never "not a party"
    page = z.client.get(f"/disputes/{case['id']}/enforcements/{tw['id']}")
    assert "Unknown: Taiwan" in page.text and "not a party" in page.text  # "does not mean it is not a party"
    assert "is a contracting state" not in page.text


def test_enforcement_page_for_parties(desk: Zone) -> None:
    z = desk
    case = decided_with_enforcements(z)
    kz = case["enforcements"][0]
    path = f"/disputes/{case['id']}/enforcements/{kz['id']}"
    sign_in(z.client, "trader_a")  # the claimant's side sees the enforcement, without the desk's form
    page = z.client.get(path)
    assert page.status_code == 200 and "Almaty City Court" in page.text and 'id="enforcement-form"' not in page.text
    r = z.client.post(path, data={"status": "recognised", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 403
    sign_in(z.client, "trader_b")  # not a party: the case does not exist for it
    assert z.client.get(path).status_code == 404
    r = z.client.post(path, data={"status": "recognised", "csrf_token": page_csrf(z.client, "/disputes")})
    assert r.status_code == 403  # as the API: moving an enforcement is the desk's, whoever asks
    assert case_of(z, case["id"])["enforcements"][0]["status"] == "filed"
    sign_in(z.client, "legal")
    assert z.client.get(f"/disputes/{case['id']}/enforcements/nope").status_code == 404


# -- new document versions -----------------------------------------------------------------------------------------
def test_new_version_of_a_document_with_hash_history_and_sharing(desk: Zone) -> None:
    z = desk
    case = intake(z)
    claimant, respondent = (p["id"] for p in case["parties"])
    r = upload(z, case["id"], "contract.pdf", b"%PDF-1 v1", "legal", title="Sales contract", shared_with=claimant)
    assert r.status_code == 201
    doc = r.json()["document_id"]
    path = f"/disputes/{case['id']}/documents/{doc}"
    sign_in(z.client, "legal")
    page = z.client.get(path)
    assert page.status_code == 200 and "Sales contract" in page.text
    assert hashlib.sha256(b"%PDF-1 v1").hexdigest() in page.text
    assert re.search(rf'value="{claimant}" checked', page.text)  # the latest version's sharing is the default
    token = csrf_of(page.text)

    # no file, and a party that is not the case's: each its field error in place, no version added
    r = z.client.post(path, data={"csrf_token": token}, files={"file": ("", b"", "application/octet-stream")})
    assert r.status_code == 422 and "choose a file" in error_slot(r.text, "file")
    r = z.client.post(path, data={"csrf_token": token, "shared_with": "ffff"},
                      files={"file": ("contract-v2.pdf", b"%PDF-1 v2", "application/pdf")})  # fmt: skip
    assert r.status_code == 422 and "not parties to this case: ffff" in error_slot(r.text, "shared_with")
    r = z.client.post(path, data={"csrf_token": token}, files={"file": ("empty.pdf", b"", "application/pdf")})
    assert r.status_code == 422 and "is empty" in error_slot(r.text, "file")
    assert len([d for d in case_of(z, case["id"])["documents"] if d["document_id"] == doc]) == 1

    r = z.client.post(path, data={"csrf_token": token, "shared_with": [claimant, respondent]},
                      files={"file": ("contract-v2.pdf", b"%PDF-1 v2", "application/pdf")},
                      follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    page = z.client.get(r.headers["location"])
    v2 = hashlib.sha256(b"%PDF-1 v2").hexdigest()
    assert "New version uploaded" in page.text and f"version 2, SHA-256 {v2}" in page.text
    assert f'data-testid="sha-2">{v2}' in page.text and 'data-testid="sha-1"' in page.text
    assert "Sales contract" in page.text  # an empty title keeps the document's
    versions = [d for d in case_of(z, case["id"])["documents"] if d["document_id"] == doc]
    assert [(d["version"], d["sha256"], sorted(d["shared_with"])) for d in versions][-1] == (
        2, v2, sorted([claimant, respondent])
    )  # fmt: skip
    download = z.client.get(f"{API}/cases/{case['id']}/documents/{doc}", headers=z.headers("legal"))
    assert download.content == b"%PDF-1 v2" and download.headers["X-Content-SHA256"] == v2


def test_a_party_uploads_a_new_version_of_what_it_sees_and_nothing_else(desk: Zone) -> None:
    z = desk
    case = intake(z)
    claimant, respondent = (p["id"] for p in case["parties"])
    shared = upload(z, case["id"], "claim.txt", b"claim", "legal", title="Claim", shared_with=claimant).json()
    hidden = upload(z, case["id"], "memo.txt", b"memo", "legal", title="Desk memo", shared_with=respondent).json()
    sign_in(z.client, "trader_a")
    path = f"/disputes/{case['id']}/documents/{shared['document_id']}"
    page = z.client.get(path)
    assert page.status_code == 200 and "Your own party always sees what it uploads." in page.text
    r = z.client.post(path, data={"csrf_token": csrf_of(page.text)},
                      files={"file": ("claim-v2.txt", b"claim v2", "text/plain")}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    page = z.client.get(path)
    assert hashlib.sha256(b"claim v2").hexdigest() in page.text
    # a document not shared with it, and another enterprise's case: 404, nothing stored
    hidden_path = f"/disputes/{case['id']}/documents/{hidden['document_id']}"
    assert z.client.get(hidden_path).status_code == 404
    r = z.client.post(hidden_path, data={"csrf_token": csrf_of(page.text)},
                      files={"file": ("memo-v2.txt", b"x", "text/plain")})  # fmt: skip
    assert r.status_code == 404
    sign_in(z.client, "trader_b")
    assert z.client.get(path).status_code == 404
    r = z.client.post(path, data={"csrf_token": page_csrf(z.client, "/disputes")},
                      files={"file": ("x.txt", b"x", "text/plain")})  # fmt: skip
    assert r.status_code == 404
    docs = case_of(z, case["id"])["documents"]
    assert sorted((d["title"], d["version"]) for d in docs) == [("Claim", 1), ("Claim", 2), ("Desk memo", 1)]


# -- languages -----------------------------------------------------------------------------------------------------
def test_the_forms_speak_chinese_and_russian(desk: Zone) -> None:
    z = desk
    case = decided_with_enforcements(z)
    kz = case["enforcements"][0]
    doc = upload(z, case["id"], "award.pdf", b"award", "legal", title="Award").json()["document_id"]
    sign_in(z.client, "legal")
    expected = {
        "zh_Hans": ("利益冲突审查", "《纽约公约》（1958年）", "已申请", "版本历史", "上传新版本"),
        "ru": ("Проверка конфликта интересов", "Нью-Йоркская конвенция (1958)", "Подано", "История версий",
               "Загрузить новую версию"),
    }  # fmt: skip
    for locale, (conflict, nyc, filed, history, upload_new) in expected.items():
        z.client.cookies.set("lang", locale)
        r = z.client.post("/preferences/language", data={"locale": locale, "next": "/",
                          "csrf_token": page_csrf(z.client, "/disputes")})  # fmt: skip
        assert r.status_code in (200, 303)
        page = z.client.get(f"/disputes/{case['id']}/conflict-check").text
        assert conflict in page and "Run the check" not in page
        page = z.client.get(f"/disputes/{case['id']}/enforcements/{kz['id']}").text
        assert nyc in page and filed in page and "Record the step" not in page
        page = z.client.get(f"/disputes/{case['id']}/documents/{doc}").text
        assert history in page and upload_new in page and "Version history" not in page
