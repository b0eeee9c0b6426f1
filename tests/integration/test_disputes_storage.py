"""Cases, participants, timeline and document versions in the database (SQLite by default, PostgreSQL with
SILKPORT_DATABASE_URL)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from silkport.bootstrap import Platform
from silkport.disputes.domain import model as m
from silkport.disputes.services.ports import CaseFilter, DocumentVersion

T0 = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)


def case(case_id: str, country: str, counsel: str, enterprise: str | None = None) -> m.Case:
    parties = (
        m.Party(f"{case_id}-a", "Horgos Trading", "CN", m.PartyRole.CLAIMANT, enterprise, None, "Asia/Urumqi",
                m.Counsel(counsel)),
        m.Party(f"{case_id}-b", f"Buyer {country}", country, m.PartyRole.RESPONDENT, None, f"ID-{country}", "UTC"),
    )  # fmt: skip
    return m.open_case(
        id=case_id, reference=f"LSD-2025-{case_id}", case_type=m.CaseType.ARBITRATION, intake=m.Intake.DESK,
        subject="s", parties=parties, languages=("zh",), governing_law="CISG", seat="CN", amount=Decimal("1.50"),
        currency="USD", links=(m.Link("declaration", "D1"),), at=T0,
    )  # fmt: skip


def test_cases_round_trip_and_are_found_by_party_country_and_enterprise(platform: Platform) -> None:
    uow = platform.disputes_uow()
    with uow:
        uow.cases.save(case("c1", "KZ", "Li Wei", "ent-1"))
        uow.cases.save(case("c2", "KG", "Wang Fang"))
        uow.commit()
    with platform.disputes_uow() as uow:
        assert uow.cases.get("c1") == case("c1", "KZ", "Li Wei", "ent-1")
        assert [c.id for c in uow.cases.search(CaseFilter(country="KG"), None, 10)] == ["c2"]
        assert [c.id for c in uow.cases.search(CaseFilter(enterprise_id="ent-1"), None, 10)] == ["c1"]
        assert len(uow.cases.search(CaseFilter(country="CN"), None, 10)) == 2
        # the conflict check's records: every case a person appears in, with everyone in it
        records = uow.cases.prior_records(frozenset({m.person_key("Li Wei", None)}))
        assert [r.case_id for r in records] == ["c1"]
        assert m.person_key("Buyer KZ", "ID-KZ") in records[0].keys
        assert uow.cases.next_reference(2025) == "LSD-2025-00003"


def test_saving_again_rewrites_the_participants(platform: Platform) -> None:
    with platform.disputes_uow() as uow:
        uow.cases.save(case("c1", "KZ", "Li Wei"))
        uow.commit()
    with platform.disputes_uow() as uow:
        c = uow.cases.get("c1")
        assert c is not None
        c = m.transition(c, m.Status.NOTIFIED, uow.time_limits, T0)
        c = m.appoint(c, m.Neutral("Dr Petrov", m.NeutralRole.ARBITRATOR, None, "independent", T0), [])
        uow.cases.save(c)
        uow.commit()
    with platform.disputes_uow() as uow:
        assert [r.case_id for r in uow.cases.prior_records(frozenset({m.person_key("Dr Petrov", None)}))] == ["c1"]
        assert uow.cases.get("c1") == c


def test_document_versions_are_unique_and_kept_with_their_bytes(platform: Platform) -> None:
    with platform.disputes_uow() as uow:
        uow.cases.save(case("c1", "KZ", "Li Wei"))
        v = DocumentVersion("d1", "c1", 1, "Contract", "c.pdf", "application/pdf", 3, "00" * 32, "legal", None,
                            ("c1-a",), T0)  # fmt: skip
        uow.cases.add_document(v, b"\x00\xffA")
        uow.commit()
    with platform.disputes_uow() as uow:
        assert uow.cases.content("c1", "d1", 1) == b"\x00\xffA"
        assert uow.cases.documents("c1") == [v]
        with pytest.raises(IntegrityError):
            uow.cases.add_document(v, b"again")


def test_concurrent_intakes_get_distinct_references_on_postgresql(pg_platform: Platform) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from silkport.disputes.services import handlers as h
    from silkport.shared.actor import Actor, Role

    officer = Actor("u-legal", "legal", Role.LEGAL_OFFICER)
    data = h.IntakeIn(m.CaseType.CONSULTATION, "advice", (h.PartyIn("Client", "CN", m.PartyRole.CLAIMANT),), ("zh",))
    with ThreadPoolExecutor(4) as pool:
        cases = list(pool.map(lambda _: h.intake(pg_platform.disputes_uow(), officer, data), range(8)))
    assert sorted(c.reference for c in cases) == [f"LSD-2025-{n:05d}" for n in range(1, 9)]
