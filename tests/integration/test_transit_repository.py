"""Transit storage: aggregates round-trip exactly, partner messages apply once, concurrent customs messages
on one operation serialise (SQLite by default, PostgreSQL with SILKPORT_DATABASE_URL / pg_platform)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from silkport.bootstrap import Platform
from silkport.enterprises.domain.commands import ChangeEnterpriseStatus, RegisterEnterprise
from silkport.enterprises.services import handlers as enterprise_handlers
from silkport.shared.actor import SYSTEM, Actor, Role
from silkport.transit.adapters.orm import MessageRow
from silkport.transit.domain.errors import EtirError
from silkport.transit.domain.model import IncidentKind, Leg, MessagePair, TransportState
from silkport.transit.services import handlers
from tests.conftest import make_details

OFFICER = Actor("u-officer", "officer", Role.CUSTOMS_OFFICER, office_code="KSS-TIR")
SEALS = ["CN-1", "CN-2"]
ROUTE = [Leg("CN", "CNKSS-TIR", "CNYRK"), Leg("KG", "KGOSS-IRK", "KGFRU")]


def holder(platform: Platform) -> Actor:
    """A logistics operator of a registered enterprise (the TIR holder), registered once per platform."""
    known = platform.extras.get("transit_holder")
    if isinstance(known, Actor):
        return known
    e = enterprise_handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(301, "KASHGAR"))
    )
    actor = Actor("u-holder", "holder", Role.LOGISTICS_OPERATOR, enterprise_id=e.id)
    platform.extras["transit_holder"] = actor
    return actor


def transport(platform: Platform, reference: str = "XZ81234567") -> str:
    holder_actor = holder(platform)
    handlers.register(
        platform.transit_uow(),
        SYSTEM,
        reference=reference,
        chain="IRU",
        holder_id="CHN/080/000101",
        holder_enterprise_id=holder_actor.enterprise_id or "",
        amount=Decimal("100000.00"),
        currency="EUR",
        valid_until=platform.clock.now() + timedelta(days=30),
    )
    result = handlers.submit_advance_data(
        platform.transit_uow(),
        holder_actor,
        guarantee_reference=reference,
        holder_id="CHN/080/000101",
        vehicle="A-12345",
        goods_description="cotton fabrics",
        gross_mass_kg=Decimal("18400.5"),
        itinerary=ROUTE,
    )
    return result.transport.id


def advance(platform: Platform, hours: int) -> None:
    platform.clock.advance(timedelta(hours=hours))  # type: ignore[attr-defined]


def test_a_transport_round_trips_exactly(platform: Platform) -> None:
    tid = transport(platform)
    handlers.operate(platform.transit_uow(), OFFICER, tid, 1, MessagePair.RECORD_DECLARATION_DATA)
    advance(platform, 1)
    handlers.operate(platform.transit_uow(), OFFICER, tid, 1, MessagePair.START, seals=SEALS)
    advance(platform, 3)
    handlers.record_incident(
        platform.transit_uow(),
        OFFICER,
        tid,
        1,
        kind=IncidentKind.BROKEN_SEALS,
        place="G3012 km 1410",
        description="seal CN-2 broken",
        new_seals=["CN-3"],
    )
    advance(platform, 17)
    last = handlers.operate(platform.transit_uow(), OFFICER, tid, 1, MessagePair.TERMINATE, seals=["CN-3"])

    stored, g = handlers.get_transport(platform.transit_uow(), SYSTEM, tid)
    assert stored == last.transport, "what was saved is what is read back"
    assert g == last.guarantee
    assert stored.state is TransportState.IN_TRANSIT
    assert stored.operations[0].w2w == timedelta(hours=20)
    assert [m.pair for m in stored.messages] == [
        MessagePair.ADVANCE_TIR_DATA,
        MessagePair.RECORD_DECLARATION_DATA,
        MessagePair.START,
        MessagePair.INCIDENT,
        MessagePair.TERMINATE,
        MessagePair.NOTIFY_CUSTOMS,
    ]
    assert all(m.at.tzinfo is not None for m in stored.messages)


def test_a_partner_message_applies_once_even_when_delivered_again(platform: Platform) -> None:
    tid = transport(platform)
    for pair, seals in [
        (MessagePair.RECORD_DECLARATION_DATA, None),
        (MessagePair.START, SEALS),
        (MessagePair.TERMINATE, SEALS),
    ]:
        handlers.operate(platform.transit_uow(), OFFICER, tid, 1, pair, seals=seals)
        advance(platform, 1)
    payload = {"transport_id": tid, "operation": 2, "at": platform.clock.now().isoformat(), "seals": SEALS}
    outcomes = [handlers.apply_partner_message(platform.transit_uow(), "KG", "kg-42", "I10", payload) for _ in range(3)]
    assert outcomes == ["applied", "duplicate", "duplicate"]
    with platform.session_factory() as s:
        logged = s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.message_id == "KG:kg-42"))
    assert logged == 1
    with pytest.raises(EtirError) as e:  # Kazakh customs cannot report on the Kyrgyz operation
        handlers.apply_partner_message(platform.transit_uow(), "KZ", "kz-1", "I12", payload)
    assert (e.value.code, e.value.pointer) == (300, "operation")
    with pytest.raises(EtirError) as e:
        handlers.apply_partner_message(platform.transit_uow(), "KG", "kg-43", "I12", {**payload, "at": "yesterday"})
    assert (e.value.code, e.value.pointer) == (103, "at")


def test_concurrent_starts_of_one_operation_start_it_once(pg_platform: Platform) -> None:
    tid = transport(pg_platform)
    handlers.operate(pg_platform.transit_uow(), OFFICER, tid, 1, MessagePair.RECORD_DECLARATION_DATA)

    def start(_: int) -> str:
        try:
            handlers.operate(pg_platform.transit_uow(), OFFICER, tid, 1, MessagePair.START, seals=SEALS)
        except EtirError as e:
            return str(e.code)
        return "started"

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = sorted(pool.map(start, range(6)))
    assert results == ["210"] * 5 + ["started"]
    stored, _ = handlers.get_transport(pg_platform.transit_uow(), SYSTEM, tid)
    assert [m.pair for m in stored.messages].count(MessagePair.START) == 1


def test_concurrent_deliveries_of_one_partner_message_apply_it_once(pg_platform: Platform) -> None:
    tid = transport(pg_platform)
    for pair in (MessagePair.RECORD_DECLARATION_DATA, MessagePair.START, MessagePair.TERMINATE):
        handlers.operate(pg_platform.transit_uow(), OFFICER, tid, 1, pair, seals=SEALS)
    payload = {"transport_id": tid, "operation": 2, "at": pg_platform.clock.now().isoformat(), "seals": SEALS}

    def deliver(_: int) -> str:
        return handlers.apply_partner_message(pg_platform.transit_uow(), "KG", "kg-7", "I10", payload)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = sorted(pool.map(deliver, range(4)))
    assert results == ["applied"] + ["duplicate"] * 3


def test_the_holder_must_be_a_registered_active_enterprise(platform: Platform) -> None:
    args = {
        "chain": "IRU",
        "holder_id": "CHN/080/000101",
        "amount": Decimal("1000"),
        "currency": "EUR",
        "valid_until": platform.clock.now() + timedelta(days=3),
    }
    with pytest.raises(EtirError) as e:
        handlers.register(platform.transit_uow(), SYSTEM, reference="XZ00000009", holder_enterprise_id="nobody", **args)
    assert (e.value.code, e.value.status, e.value.pointer) == (322, 422, "holder_enterprise_id")
    h = holder(platform)
    handlers.register(
        platform.transit_uow(), SYSTEM, reference="XZ00000009", holder_enterprise_id=h.enterprise_id or "", **args
    )
    enterprise_handlers.change_status(
        platform.enterprises_uow(),
        SYSTEM,
        ChangeEnterpriseStatus(enterprise_id=h.enterprise_id or "", action="suspend", reason="audit finding"),
    )
    with pytest.raises(EtirError) as e:
        handlers.submit_advance_data(
            platform.transit_uow(),
            h,
            guarantee_reference="XZ00000009",
            holder_id="CHN/080/000101",
            vehicle="A-1",
            goods_description="cotton",
            gross_mass_kg=Decimal(1),
            itinerary=ROUTE,
        )
    assert (e.value.code, e.value.name, e.value.message) == (321, "Holder not authorized", "E9/E10")


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["I7", "I9", "I11", "I13", "I17", "incident"]),
            st.sampled_from([1, 1, 1, 2]),
            st.sampled_from([0, 0, 0, 3]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_what_the_services_store_is_what_the_domain_computed(
    platform: Platform, steps: list[tuple[str, int, int]]
) -> None:
    """Random customs messages through the services: after each, the stored transport and guarantee equal
    the in-memory result of the same message; a refused one leaves the stored state as it was."""
    tid = transport(platform, reference=f"XZ{uuid.uuid4().int % 10**8:08d}")
    pairs = {
        "I7": MessagePair.RECORD_DECLARATION_DATA,
        "I9": MessagePair.START,
        "I11": MessagePair.TERMINATE,
        "I13": MessagePair.DISCHARGE,
        "I17": MessagePair.REFUSAL_TO_START,
    }
    for kind, seq, hours in steps:
        advance(platform, hours)
        before = handlers.get_transport(platform.transit_uow(), SYSTEM, tid)
        try:
            if kind == "incident":
                result = handlers.record_incident(
                    platform.transit_uow(),
                    OFFICER,
                    tid,
                    seq,
                    kind=IncidentKind.BROKEN_SEALS,
                    place="km 7",
                    description="seal broken",
                    new_seals=SEALS,
                )
            else:
                result = handlers.operate(
                    platform.transit_uow(), OFFICER, tid, seq, pairs[kind], seals=SEALS, reason="not sealable"
                )
        except EtirError:
            assert handlers.get_transport(platform.transit_uow(), SYSTEM, tid) == before
            continue
        assert handlers.get_transport(platform.transit_uow(), SYSTEM, tid) == (result.transport, result.guarantee)
