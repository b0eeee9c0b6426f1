"""Object-id normalisation, the event-object index and replaying a consignment from its events."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkport.logistics.domain.consignment import (
    TRANSITIONS,
    Consignment,
    DocumentKind,
    GoodsSummary,
    Leg,
    Mode,
    Party,
    Status,
    TransportDocument,
)
from silkport.logistics.domain.epcis import (
    Action,
    AggregationEvent,
    BizTransaction,
    ObjectEvent,
    TrackingEvent,
    TransactionEvent,
    objects_of,
)
from silkport.logistics.domain.tracking import (
    advance,
    index_entries,
    is_release_step,
    may_move,
    normalise_object_id,
    normalised,
    replay,
)

T0 = datetime(2025, 9, 1, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("784-1234 5675", "78412345675"),
        ("rr 123 456 785 cn", "RR123456785CN"),
        ("CSQU 305438-3", "CSQU3054383"),
        ("urn:epc:id:bic:CSQU3054383", "CSQU3054383"),
        ("urn:silkport:container:CSQU3054383", "CSQU3054383"),
        ("urn:silkport:vehicle:lsvau2180n2183294", "LSVAU2180N2183294"),
        ("urn:silkport:wagon:52718364", "52718364"),
        ("x8001-1", "X80011"),
        ("CMR-2025-0001", "CMR20250001"),
        ("21 81 2471 217-3", "218124712173"),
        ("urn:epc:id:sgtin:0614141.107346.2018", "urn:epc:id:sgtin:0614141.107346.2018"),
        ("https://id.gs1.org/00/106141412345678908", "https://id.gs1.org/00/106141412345678908"),
        ("urn:epc:id:bic:CSQU3054384", "urn:epc:id:bic:CSQU3054384"),  # bad check digit: kept as sent
    ],
)
def test_object_ids_normalise(raw: str, expected: str) -> None:
    assert normalise_object_id(raw) == expected


def test_empty_or_huge_object_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        normalise_object_id("  ")
    with pytest.raises(ValueError, match="separators"):
        normalise_object_id(" - ./")
    with pytest.raises(ValueError, match="longer"):
        normalise_object_id("A" * 501)


@given(st.text(min_size=1, max_size=60))
def test_normalising_is_idempotent(raw: str) -> None:
    try:
        once = normalise_object_id(raw)
    except ValueError:
        return
    assert normalise_object_id(once) == once


def test_release_steps() -> None:
    assert is_release_step("urn:silkport:bizstep:released")
    assert is_release_step("https://silkport.example/bizstep/customs_released")
    assert not is_release_step("departing") and not is_release_step(None)


def _event(event_id: str, hours: float, step: str | None, epcs: tuple[str, ...], where: str | None = None,
           disposition: str | None = None) -> ObjectEvent:  # fmt: skip
    return ObjectEvent(
        event_id=event_id,
        event_time=T0 + timedelta(hours=hours),
        time_zone_offset="+00:00",
        action=Action.OBSERVE,
        biz_step=step,
        read_point=where,
        disposition=disposition,
        epcs=epcs,
    )


def test_index_entries_name_every_object_once_with_its_role() -> None:
    agg = AggregationEvent(
        event_id="a",
        event_time=T0,
        time_zone_offset="+00:00",
        action=Action.ADD,
        parent_id="urn:silkport:wagon:W1",
        child_epcs=("urn:epc:id:bic:CSQU3054383", "TGHU1234568"),
        biz_transactions=(BizTransaction("784-1234 5675", "awb"),),
    )
    entries = {e.object_id: e.role for e in index_entries(agg)}
    assert entries == {"W1": "parent", "CSQU3054383": "child", "TGHU1234568": "child", "78412345675": "transaction"}
    tx = TransactionEvent(
        event_id="t",
        event_time=T0,
        time_zone_offset="+00:00",
        action=Action.ADD,
        epcs=("C1",),
        biz_transactions=(BizTransaction("DEC-1", "declaration"),),
    )
    assert {e.object_id for e in index_entries(tx)} == objects_of(normalised(tx)) == {"C1", "DEC1"}


def booked() -> Consignment:
    legs = [
        Leg(Mode.ROAD, "carrier", "CNKSS", "CNTRT", T0, T0 + timedelta(hours=8), ends_at_border=True),
        Leg(Mode.ROAD, "carrier", "CNTRT", "KGFRU", T0 + timedelta(hours=12), T0 + timedelta(hours=40)),
    ]
    return Consignment.book(
        id="CSG1",
        document=TransportDocument(DocumentKind.ROAD_CMR, "CMR1"),
        shipper=Party("a", "CN"),
        consignee=Party("b", "KG"),
        goods=GoodsSummary("goods", 1, Decimal("10")),
        legs=legs,
        corridor="KSS-KG",
    )


JOURNEY = [
    _event("e1", 0, "departing", ("CSG1",), "CNKSS"),
    _event("e2", 3, None, ("CSG1",), None, "damaged"),
    _event("e3", 4, None, ("CSG1",), None, "in_transit"),
    _event("e4", 8, "arriving", ("CSG1",), "CNTRT"),
    _event("e5", 9, "inspecting", ("CSG1",), "CNTRT"),
    _event("e6", 10, "urn:silkport:bizstep:released", ("CSG1",), "CNTRT"),
    _event("e7", 12, "departing", ("CSG1",), "CNTRT"),
    _event("e8", 20, "arriving", ("CSG1",), "KZALA"),  # en route: not the leg's arrival
    _event("e9", 39, "arriving", ("CSG1",), "KGFRU"),
]


def test_replay_walks_the_journey() -> None:
    c, skipped = replay(booked(), JOURNEY)
    assert c.status is Status.DELIVERED and skipped == []
    assert [(m.kind.value, m.leg) for m in c.milestones] == [
        ("departed", 0), ("exception", None), ("resolved", None), ("arrived", 0), ("released", None),
        ("departed", 1), ("arrived", 1),
    ]  # fmt: skip
    assert c.legs[1].actual_arrival == T0 + timedelta(hours=39)


def test_departing_without_an_arrival_implies_it_and_bad_events_are_skipped() -> None:
    events = [
        _event("d1", 0, "departing", ("X",), "CNKSS"),
        _event("d2", 10, "urn:silkport:bizstep:released", ("X",)),  # released while in transit: illegal
        _event("d3", 12, "departing", ("X",), "CNTRT"),
    ]
    c, skipped = replay(booked(), events)
    # the implied arrival of leg 0 puts it at the border, where it may not depart unreleased: d3 is skipped whole
    assert [s.event_id for s in skipped] == ["d2", "d3"]
    assert c.status is Status.IN_TRANSIT and c.legs[0].actual_arrival is None
    inland = booked()
    inland.legs = (replace(inland.legs[0], ends_at_border=False), inland.legs[1])
    c, skipped = replay(inland, [events[0], events[2]])
    assert skipped == [] and c.legs[0].actual_arrival == T0 + timedelta(hours=12)
    assert c.legs[1].actual_departure == T0 + timedelta(hours=12) and c.status is Status.IN_TRANSIT
    c2, skipped2 = replay(booked(), [_event("x", 5, "arriving", ("X",), "KGFRU")])
    assert c2.status is Status.BOOKED and skipped2 == []  # nothing in transit: means nothing


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.lists(st.integers(0, len(JOURNEY) - 1), max_size=20))
def test_replay_is_independent_of_arrival_order_and_follows_legal_edges(rnd: random.Random, picks: list[int]) -> None:
    chosen: list[TrackingEvent] = [JOURNEY[i] for i in picks] or list(JOURNEY)
    shuffled = list(chosen)
    rnd.shuffle(shuffled)
    a, skipped_a = replay(booked(), chosen)
    b, skipped_b = replay(booked(), shuffled)
    assert (a.status, a.legs, a.milestones) == (b.status, b.legs, b.milestones)
    assert skipped_a == skipped_b
    status = Status.BOOKED
    for change in a.history:
        assert change.from_status is status and change.to_status in TRANSITIONS[status]
        status = change.to_status
    assert status is a.status
    again, _ = replay(replace(a), chosen)  # replaying a replayed consignment starts from its booking
    assert (again.status, again.legs) == (a.status, a.legs)


STEPS = st.sampled_from(["departing", "arriving", "receiving", "inspecting", "holding", "transporting", "loading",
                         "urn:silkport:bizstep:released", None])  # fmt: skip
DISPOSITIONS = st.sampled_from([None, "in_transit", "damaged", "container_closed", "active", "unknown"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), STEPS, DISPOSITIONS, st.sampled_from([None, "CNKSS", "CNTRT", "KGFRU"])),
                max_size=12))  # fmt: skip
def test_events_that_may_not_move_change_nothing(spec: list[tuple[int, str | None, str | None, str | None]]) -> None:
    events = [_event(f"g{i}", h, step, ("X",), where, disp) for i, (h, step, disp, where) in enumerate(spec)]
    movers = [e for e in events if may_move(e)]
    with_all, _ = replay(booked(), events)
    only_movers, _ = replay(booked(), movers)
    assert (with_all.status, with_all.legs, with_all.milestones) == (
        only_movers.status, only_movers.legs, only_movers.milestones,
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), STEPS, DISPOSITIONS, st.sampled_from([None, "CNKSS", "CNTRT", "KGFRU"])),
                max_size=12), st.integers(0, 12))  # fmt: skip
def test_advancing_with_later_events_equals_replaying_them_all(
    spec: list[tuple[int, str | None, str | None, str | None]], cut: int
) -> None:
    events = sorted(
        (_event(f"g{i:02d}", h, step, ("X",), where, disp) for i, (h, step, disp, where) in enumerate(spec)),
        key=lambda e: (e.event_time, e.event_id),
    )
    earlier, later = events[:cut], events[cut:]
    advanced, skipped_later = advance(replay(booked(), earlier)[0], later)
    whole, skipped_all = replay(booked(), events)
    assert (advanced.status, advanced.legs, advanced.milestones) == (whole.status, whole.legs, whole.milestones)
    assert {s.event_id for s in skipped_later} <= {s.event_id for s in skipped_all}
