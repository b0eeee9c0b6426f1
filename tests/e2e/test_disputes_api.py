"""The legal service desk through the HTTP API: every case type from intake to closure, time limits and
reminders, conflict checks, access rules, documents, the case-file ZIP and the figures."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest

from silkport.enterprises.services import auth
from silkport.shared.actor import SYSTEM, Role
from silkport.shared.clock import FixedClock
from tests.conftest import PASSWORD, Zone
from tests.factories import declaration

API = "/api/v1/disputes"


@pytest.fixture
def desk(zone: Zone) -> Zone:
    auth.create_user(
        zone.platform.enterprises_uow(), SYSTEM, zone.platform.hasher, username="legal", password=PASSWORD,
        role=Role.LEGAL_OFFICER,
    )  # fmt: skip
    r = zone.client.post("/api/v1/auth/token", json={"username": "legal", "password": PASSWORD})
    zone.tokens["legal"] = r.json()["access_token"]
    return zone


def intake(z: Zone, who: str = "legal", case_type: str = "arbitration", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": case_type,
        "subject": "Unpaid invoice for 40 t of cotton yarn",
        "parties": [
            {"name": "Enterprise 101 Co., Ltd.", "country": "CN", "role": "claimant", "enterprise_id": z.enterprise_a,
             "time_zone": "Asia/Urumqi", "counsel": {"name": "Li Wei", "firm": "Tianshan Law"}},
            {"name": "Almaty Textiles LLP", "country": "KZ", "role": "respondent", "identifier": "BIN 123456789012",
             "time_zone": "Asia/Almaty", "counsel": {"name": "Aigerim Sadykova"}},
        ],
        "languages": ["zh", "ru"],
        "governing_law": "CISG",
        "seat": "CN",
        "amount": "125000.50",
        "currency": "USD",
        "links": [{"kind": "contract", "ref": "SC-2025-117"}],
    }  # fmt: skip
    body.update(over)
    r = z.client.post(f"{API}/cases", json=body, headers=z.headers(who))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def post(z: Zone, path: str, body: dict[str, Any], who: str = "legal", code: int = 200) -> dict[str, Any]:
    r = z.client.post(f"{API}{path}", json=body, headers=z.headers(who))
    assert r.status_code == code, r.text
    return r.json()  # type: ignore[no-any-return]


def go(z: Zone, case: dict[str, Any], to: str) -> dict[str, Any]:
    return post(z, f"/cases/{case['id']}/transitions", {"to": to})


def upload(z: Zone, cid: str, name: str, content: bytes, who: str, **data: str) -> Any:
    files = {"file": (name, content, "application/octet-stream")}
    return z.client.post(f"{API}/cases/{cid}/documents", files=files, data=data, headers=z.headers(who))


def tick(z: Zone, days: int) -> None:
    """Move the clock on; sign everyone in again (tokens live hours, not weeks)."""
    c = z.platform.clock
    assert isinstance(c, FixedClock)
    c.advance(timedelta(days=days))
    for who in z.tokens:
        r = z.client.post("/api/v1/auth/token", json={"username": who, "password": PASSWORD})
        z.tokens[who] = r.json()["access_token"]


def test_arbitration_from_intake_to_closure_with_time_limits(desk: Zone) -> None:
    z = desk
    case = intake(z)
    assert case["status"] == "intake" and case["reference"] == "LSD-2025-00001" and case["cross_border"]
    case = go(z, case, "notified")
    answer = next(d for d in case["deadlines"] if d["code"] == "answer_due")
    assert answer["due"] == "2025-10-16" and answer["state"] == "open"  # 45 days after notice (1 Sep)
    # an illegal edge is refused and changes nothing
    r = z.client.post(f"{API}/cases/{case['id']}/transitions", json={"to": "hearings"}, headers=z.headers("legal"))
    assert r.status_code == 409
    assert z.client.get(f"{API}/cases/{case['id']}", headers=z.headers("legal")).json()["status"] == "notified"
    # an extension needs a reason and a later date
    r = z.client.post(
        f"{API}/cases/{case['id']}/deadlines/answer_due/extensions", json={"new_due": "2025-10-01", "reason": ""},
        headers=z.headers("legal"),
    )  # fmt: skip
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"new_due", "reason"}
    case = post(z, f"/cases/{case['id']}/deadlines/answer_due/extensions",
                {"new_due": "2025-10-31", "reason": "respondent changed counsel"})  # fmt: skip
    answer = next(d for d in case["deadlines"] if d["code"] == "answer_due")
    assert answer["due"] == "2025-10-31" and answer["extensions"][0]["previous_due"] == "2025-10-16"
    tick(z, 20)
    case = go(z, case, "answered")
    assert next(d for d in case["deadlines"] if d["code"] == "answer_due")["state"] == "met"
    assert next(d for d in case["deadlines"] if d["code"] == "tribunal_constituted")["due"] == "2025-10-21"
    # the tribunal is constituted only with an arbitrator appointed
    r = z.client.post(
        f"{API}/cases/{case['id']}/transitions", json={"to": "neutral_appointed"}, headers=z.headers("legal")
    )
    assert r.status_code == 422
    case = post(z, f"/cases/{case['id']}/neutrals", {"name": "Prof. Chen Ming", "role": "arbitrator",
                "independence_declaration": "I have no relationship with any party or counsel."}, code=201)  # fmt: skip
    case = go(z, case, "neutral_appointed")
    assert next(d for d in case["deadlines"] if d["code"] == "award_due")["due"] == "2026-03-21"  # 6 months
    case = post(z, f"/cases/{case['id']}/hearings",
                {"starts_at": "2025-10-01T10:00:00+08:00", "minutes": 120, "place": "online"}, code=201)  # fmt: skip
    hearing = case["hearings"][0]
    by_party = {p["country"]: hearing["local_times"][p["id"]] for p in case["parties"]}
    assert by_party == {"CN": "2025-10-01T08:00:00+06:00", "KZ": "2025-10-01T07:00:00+05:00"}
    case = go(z, case, "hearings")
    case = post(z, f"/cases/{case['id']}/fees",
                {"kind": "filing_fee", "amount": "1500.00", "currency": "CNY", "borne_by": case["parties"][0]["id"]},
                code=201)  # fmt: skip
    post(z, f"/cases/{case['id']}/fees", {"kind": "neutral_fee", "amount": "2000", "currency": "CNY"}, code=201)
    # the outcome must be the type's decision
    r = z.client.post(f"{API}/cases/{case['id']}/outcome", json={"kind": "judgment", "decided_on": "2025-09-21"},
                      headers=z.headers("legal"))  # fmt: skip
    assert r.status_code == 422
    case = post(z, f"/cases/{case['id']}/outcome", {"kind": "award", "decided_on": "2025-09-21", "amount": "100000",
                "currency": "USD", "in_favour_of": case["parties"][0]["id"]})  # fmt: skip
    assert case["status"] == "decided" and case["fee_totals"] == {"CNY": "3500.00"}
    assert next(d for d in case["deadlines"] if d["code"] == "award_due")["state"] == "met"
    case = post(z, f"/cases/{case['id']}/enforcements", {"country": "KZ", "court": "Almaty City Court",
                "filed_on": "2025-09-21"}, code=201)  # fmt: skip
    assert case["enforcements"][0]["new_york_convention"] is True
    post(
        z,
        f"/cases/{case['id']}/enforcements",
        {"country": "TW", "court": "Taipei District Court", "filed_on": "2025-09-21"},
        code=201,
    )
    case = go(z, case, "enforcement")
    e = case["enforcements"][0]
    case = post(z, f"/cases/{case['id']}/enforcements/{e['id']}", {"status": "recognised"})
    r = z.client.post(f"{API}/cases/{case['id']}/enforcements/{e['id']}", json={"status": "filed"},
                      headers=z.headers("legal"))  # fmt: skip
    assert r.status_code == 409
    case = go(z, case, "closed")
    assert case["status"] == "closed"
    assert case["enforcements"][1]["new_york_convention"] is None  # not in the table: unknown, not "no"
    actions = [t["action"] for t in case["timeline"]]
    assert actions[0] == "opened" and actions[-1] == "status_changed" and "outcome_recorded" in actions
    # the trader of the claimant sees it; the timeline shows every step
    seen = z.client.get(f"{API}/cases/{case['id']}", headers=z.headers("trader_a"))
    assert seen.status_code == 200 and seen.json()["legal_next"] == []


@pytest.mark.parametrize(
    ("case_type", "path", "outcome"),
    [
        ("consultation", ["in_progress"], "advice"),
        ("mediation", ["notified", "@mediator", "neutral_appointed", "hearings"], "settlement"),
        ("litigation_support", ["notified", "answered", "hearings"], "judgment"),
    ],
)
def test_every_type_reaches_closure(desk: Zone, case_type: str, path: list[str], outcome: str) -> None:
    z = desk
    case = intake(z, case_type=case_type)
    for step in path:
        if step == "@mediator":
            post(z, f"/cases/{case['id']}/neutrals", {"name": "Ms Zhang", "role": "mediator",
                 "independence_declaration": "independent"}, code=201)  # fmt: skip
            continue
        case = go(z, case, step)
    case = post(z, f"/cases/{case['id']}/outcome", {"kind": outcome, "decided_on": "2025-09-01"})
    assert case["status"] == "decided"
    case = go(z, case, "closed")
    assert case["status"] == "closed" and case["outcome"]["kind"] == outcome


def test_withdrawal_and_a_party_intake(desk: Zone) -> None:
    z = desk
    # a trader opens a case naming its own enterprise; naming only others is refused
    r = z.client.post(f"{API}/cases", json={"type": "mediation", "subject": "x", "parties": [
        {"name": "A", "country": "CN", "role": "claimant"}, {"name": "B", "country": "KZ", "role": "respondent"}]},
        headers=z.headers("trader_a"))  # fmt: skip
    assert r.status_code == 422
    case = intake(z, "trader_a", "mediation")
    assert case["intake"] == "party"
    # a trader cannot run the desk's workflow
    r = z.client.post(f"{API}/cases/{case['id']}/transitions", json={"to": "notified"}, headers=z.headers("trader_a"))
    assert r.status_code == 403
    case = post(z, f"/cases/{case['id']}/outcome", {"kind": "withdrawal", "decided_on": "2025-09-01"})
    assert case["status"] == "withdrawn"
    assert go(z, case, "closed")["status"] == "closed"


def test_intake_rejects_bad_input_precisely(desk: Zone) -> None:
    z = desk
    # the records a case is about must exist in the zone (asked through the composition root)
    r = z.client.post(f"{API}/cases", json={"type": "consultation", "subject": "s", "parties": [
        {"name": "A", "country": "CN", "role": "claimant", "enterprise_id": "no-such-enterprise"}],
        "links": [{"kind": "declaration", "ref": "NO-SUCH"}, {"kind": "consignment", "ref": "NONE"},
                  {"kind": "bonded_movement", "ref": "NONE"}, {"kind": "contract", "ref": "any"}]},
        headers=z.headers("legal"))  # fmt: skip
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {
        "parties[0].enterprise_id", "links[0].ref", "links[1].ref", "links[2].ref"
    }  # fmt: skip
    r = z.client.post(f"{API}/cases", json={"type": "arbitration", "subject": " ", "parties": [
        {"name": "A", "country": "XX", "role": "claimant", "time_zone": "Mars/Base"}], "amount": "10"},
        headers=z.headers("legal"))  # fmt: skip
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"subject", "amount"} <= fields
    r = z.client.post(f"{API}/cases", json={"type": "arbitration", "subject": "s", "parties": [
        {"name": "A", "country": "XX", "role": "claimant", "time_zone": "Mars/Base"}]},
        headers=z.headers("legal"))  # fmt: skip
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"parties[0].country", "parties[0].time_zone", "parties"} <= fields
    r = z.client.post(f"{API}/cases", json={"type": "arbitration", "subject": "s", "parties": [], "extra": 1},
                      headers=z.headers("legal"))  # fmt: skip
    assert r.status_code == 422
    r = z.client.get(f"{API}/cases", headers=z.headers("legal"))
    assert r.json()["items"] == []


def test_conflict_check_before_appointment(desk: Zone) -> None:
    z = desk
    earlier = intake(z)  # Li Wei is counsel of enterprise A here
    go(z, earlier, "notified")
    # the arbitrator of an earlier case with the same respondent is conflicted in the next
    post(z, f"/cases/{earlier['id']}/neutrals", {"name": "Dr Petrov", "role": "arbitrator",
         "independence_declaration": "independent"}, code=201)  # fmt: skip
    case = intake(z, subject="Second dispute")
    go(z, case, "notified")
    r = post(z, f"/cases/{case['id']}/conflict-check", {"name": "Dr Petrov"})
    assert r["clear"] is False and r["conflicts"][0]["case"] == earlier["reference"]
    assert post(z, f"/cases/{case['id']}/conflict-check", {"name": "Li Wei"})["clear"] is False  # counsel here
    assert post(z, f"/cases/{case['id']}/conflict-check", {"name": "Prof. Nobody"})["clear"] is True
    r = z.client.post(f"{API}/cases/{case['id']}/neutrals", json={"name": "Dr Petrov", "role": "arbitrator",
                      "independence_declaration": "independent"}, headers=z.headers("legal"))  # fmt: skip
    assert r.status_code == 422 and "conflict of interest" in r.text
    r = z.client.post(f"{API}/cases/{case['id']}/neutrals", json={"name": "Prof. Nobody", "role": "arbitrator",
                      "independence_declaration": " "}, headers=z.headers("legal"))  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "independence_declaration"
    detail = z.client.get(f"{API}/cases/{case['id']}", headers=z.headers("legal")).json()
    assert detail["neutrals"] == []


def test_access_rules_and_documents(desk: Zone) -> None:
    z = desk
    case = intake(z)  # enterprise A is the claimant; enterprise B is not a party
    cid = case["id"]
    claimant, respondent = case["parties"][0]["id"], case["parties"][1]["id"]
    assert z.client.get(f"{API}/cases/{cid}", headers=z.headers("trader_b")).status_code == 404
    assert z.client.get(f"{API}/cases", headers=z.headers("trader_b")).json()["items"] == []
    assert z.client.get(f"{API}/cases", headers=z.headers("officer")).status_code == 403
    assert len(z.client.get(f"{API}/cases", headers=z.headers("trader_a")).json()["items"]) == 1
    # the desk uploads a note shared with nobody, and the contract shared with the claimant
    files = {"file": ("note.txt", b"internal note", "text/plain")}
    internal = z.client.post(f"{API}/cases/{cid}/documents", files=files, data={"title": "Desk note"},
                             headers=z.headers("legal")).json()  # fmt: skip
    contract = upload(z, cid, "contract.pdf", b"%PDF-1 v1", "legal", title="Contract", shared_with=claimant)
    assert contract.status_code == 201, contract.text
    doc = contract.json()
    assert doc["sha256"] == hashlib.sha256(b"%PDF-1 v1").hexdigest() and doc["version"] == 1
    v2 = upload(z, cid, "contract.pdf", b"%PDF-1 v2", "legal", document_id=doc["document_id"], shared_with=claimant)
    assert v2.json()["version"] == 2 and v2.json()["title"] == "Contract"
    # the party sees the shared document (both versions), not the desk's note
    seen = z.client.get(f"{API}/cases/{cid}", headers=z.headers("trader_a")).json()["documents"]
    assert {(d["document_id"], d["version"]) for d in seen} == {(doc["document_id"], 1), (doc["document_id"], 2)}
    got = z.client.get(f"{API}/cases/{cid}/documents/{doc['document_id']}", headers=z.headers("trader_a"))
    assert got.content == b"%PDF-1 v2" and got.headers["x-content-sha256"] == hashlib.sha256(b"%PDF-1 v2").hexdigest()
    old = z.client.get(f"{API}/cases/{cid}/documents/{doc['document_id']}/versions/1", headers=z.headers("trader_a"))
    assert old.content == b"%PDF-1 v1"
    assert z.client.get(f"{API}/cases/{cid}/documents/{internal['document_id']}",
                        headers=z.headers("trader_a")).status_code == 404  # fmt: skip
    assert z.client.get(f"{API}/cases/{cid}/documents/{doc['document_id']}",
                        headers=z.headers("trader_b")).status_code == 404  # fmt: skip
    # a party uploads its own evidence; sharing with an unknown party is refused
    bad = z.client.post(f"{API}/cases/{cid}/documents", files={"file": ("e.txt", b"x", "text/plain")},
                        data={"title": "Evidence", "shared_with": "nope"}, headers=z.headers("trader_a"))  # fmt: skip
    assert bad.status_code == 422
    empty = z.client.post(f"{API}/cases/{cid}/documents", files={"file": ("e.txt", b"", "text/plain")},
                          data={"title": "Evidence"}, headers=z.headers("trader_a"))  # fmt: skip
    assert empty.status_code == 422
    mine = upload(z, cid, "e.txt", b"evidence", "trader_a", title="Evidence", shared_with=respondent)
    assert mine.status_code == 201 and set(mine.json()["shared_with"]) == {claimant, respondent}
    # the export: the desk gets everything, the party only what it may see; the index hashes each file
    for who, expected in (("legal", 4), ("trader_a", 3)):
        r = z.client.get(f"{API}/cases/{cid}/export.zip", headers=z.headers(who))
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
            index = json.loads(zf.read("index.json"))
            docs = [f for f in index["files"] if f["path"].startswith("documents/")]
            assert len(docs) == expected
            for f in index["files"]:
                assert hashlib.sha256(zf.read(f["path"])).hexdigest() == f["sha256"]
            assert json.loads(zf.read("case.json"))["reference"] == case["reference"]
    assert z.client.get(f"{API}/cases/{cid}/export.zip", headers=z.headers("trader_b")).status_code == 404


def test_reminders_go_out_once_before_a_limit_passes(desk: Zone) -> None:
    z = desk
    case = intake(z)
    go(z, case, "notified")  # answer due 2025-10-16, reminder 7 days before
    assert post(z, "/reminders/run", {})["sent"] == []
    tick(z, 38)  # 2025-10-09
    sent = post(z, "/reminders/run", {})["sent"]
    assert [(s["code"], s["state"]) for s in sent] == [("answer_due", "open")]
    assert post(z, "/reminders/run", {})["sent"] == []  # once per due date
    assert z.client.post(f"{API}/reminders/run", headers=z.headers("trader_a")).status_code == 403
    detail = z.client.get(f"{API}/cases/{case['id']}", headers=z.headers("legal")).json()
    assert detail["deadlines"][0]["reminded_on"] == "2025-10-09"


def test_list_filters_paging_and_figures(desk: Zone) -> None:
    z = desk
    a = intake(z)
    intake(z, case_type="consultation", parties=[{"name": "Enterprise 101", "country": "CN", "role": "claimant"}])
    tick(z, 31)  # October
    c = intake(z, case_type="mediation")
    items = z.client.get(f"{API}/cases", params={"limit": 2}, headers=z.headers("legal")).json()
    assert items["items"][0]["id"] == c["id"] and items["next_cursor"]
    rest = z.client.get(f"{API}/cases", params={"limit": 2, "cursor": items["next_cursor"]}, headers=z.headers("legal"))
    assert len(rest.json()["items"]) == 1 and rest.json()["next_cursor"] is None

    def ids(**params: str) -> set[str]:
        return {
            i["id"] for i in z.client.get(f"{API}/cases", params=params, headers=z.headers("legal")).json()["items"]
        }

    assert ids(country="KZ") == {a["id"], c["id"]}
    assert ids(month="2025-09", type="arbitration") == {a["id"]}
    assert ids(status="intake", month="2025-10") == {c["id"]}
    assert z.client.get(f"{API}/cases", params={"month": "2025-13"}, headers=z.headers("legal")).status_code == 422
    assert z.client.get(f"{API}/cases", params={"country": "QQ"}, headers=z.headers("legal")).status_code == 422
    assert z.client.get(f"{API}/cases", params={"cursor": "garbage"}, headers=z.headers("legal")).status_code == 422
    # resolve the mediation 10 days after intake: cross-border (CN and KZ parties)
    go(z, c, "notified")
    post(
        z, f"/cases/{c['id']}/neutrals", {"name": "M", "role": "mediator", "independence_declaration": "yes"}, code=201
    )
    go(z, c, "neutral_appointed")
    go(z, c, "hearings")
    tick(z, 10)
    post(z, f"/cases/{c['id']}/outcome", {"kind": "settlement", "decided_on": "2025-10-12"})
    f = z.client.get(f"{API}/figures", headers=z.headers("analyst")).json()
    assert f["total"] == 3 and f["by_type"] == {"arbitration": 1, "consultation": 1, "mediation": 1}
    assert f["by_month"] == {"2025-09": 2, "2025-10": 1} and f["by_party_country"] == {"CN": 3, "KZ": 2}
    assert f["resolved"] == 1 and f["resolved_cross_border"] == 1 and f["median_days_to_resolution"] == "10"
    sept = z.client.get(f"{API}/figures", params={"from": "2025-09-01", "to": "2025-09-30"}, headers=z.headers("legal"))
    assert sept.json()["total"] == 2 and sept.json()["resolved"] == 0
    assert z.client.get(f"{API}/figures", headers=z.headers("trader_a")).status_code == 403
    bad = z.client.get(f"{API}/figures", params={"from": "2025-10-01", "to": "2025-09-01"}, headers=z.headers("legal"))
    assert bad.status_code == 422


def test_new_york_convention_lookup(desk: Zone) -> None:
    z = desk
    r = z.client.get(f"{API}/new-york-convention/kz", headers=z.headers("legal"))
    body = r.json()
    assert body["country"] == "KZ" and body["contracting_state"] is True and body["status"] == "contracting_state"
    assert body["participant"] == "Kazakhstan" and body["action"] == "accession"
    assert body["action_date"] == "1995-11-20" and body["source"]
    # Suriname (the 171st party, found last): both dates and its two declarations; the Maldives: no day read
    body = z.client.get(f"{API}/new-york-convention/sr", headers=z.headers("legal")).json()
    assert body["participant"] == "Suriname" and body["action"] == "accession"
    assert (body["action_date"], body["in_force"]) == ("2022-11-10", "2023-02-08")
    assert body["reservations"] == ["commercial", "reciprocity"]
    body = z.client.get(f"{API}/new-york-convention/MV", headers=z.headers("legal")).json()
    assert body["contracting_state"] is True and body["action_date"] is None and body["reservations"] is None
    # a country the table does not list is unknown, never "not a party" (Taiwan cannot deposit with the UN)
    r = z.client.get(f"{API}/new-york-convention/TW", headers=z.headers("legal"))
    assert r.json() == {"country": "TW", "contracting_state": None, "status": "unknown"}
    assert z.client.get(f"{API}/new-york-convention/ZZ", headers=z.headers("legal")).status_code == 422


def test_a_case_links_a_real_declaration(desk: Zone) -> None:
    z = desk
    r = z.client.post("/api/v1/declarations", json=declaration(), headers=z.headers("trader_a"))
    assert r.status_code == 201, r.text
    case = intake(z, "trader_a", links=[{"kind": "declaration", "ref": r.json()["id"]}])
    assert case["links"] == [{"kind": "declaration", "ref": r.json()["id"]}]
