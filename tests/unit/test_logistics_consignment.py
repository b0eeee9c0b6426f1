"""Consignment: validation at booking and a status machine that moves only along legal edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from silkport.logistics.domain.consignment import (
    TRANSITIONS,
    Consignment,
    DocumentKind,
    GoodsSummary,
    Leg,
    Milestone,
    MilestoneKind,
    Mode,
    Party,
    Status,
    TransportDocument,
)
from silkport.shared.errors import IllegalTransition, ValidationFailed

T0 = datetime(2025, 9, 1, 2, 0, tzinfo=UTC)


def make(legs: int = 2) -> Consignment:
    chain = ["CNKSS", "KGTOR", "KGFRU", "KGOSS"]
    return Consignment.book(
        id="C1",
        document=TransportDocument.of(DocumentKind.TIR_CARNET, "XH 12345678"),
        shipper=Party("Kashgar Trading", "CN"),
        consignee=Party("Bishkek Import", "KG"),
        goods=GoodsSummary("textiles", 40, Decimal("12500.5")),
        legs=[
            Leg(
                Mode.ROAD,
                "Carrier",
                chain[i],
                chain[i + 1],
                T0 + timedelta(hours=10 * i),
                T0 + timedelta(hours=10 * i + 8),
                ends_at_border=i == 0,
            )
            for i in range(legs)
        ],
        declaration_ids=("D1",),
        corridor="KSS-KG",
    )


def test_document_numbers_are_validated_per_kind() -> None:
    assert TransportDocument.of("air_waybill", "784-12345675").number == "78412345675"
    assert TransportDocument.of(DocumentKind.POSTAL_ITEM, "ra473124829cn").number == "RA473124829CN"
    with pytest.raises(ValidationFailed) as info:
        TransportDocument.of(DocumentKind.AIR_WAYBILL, "784-12345674")
    assert info.value.errors[0].field == "document.number"
    with pytest.raises(ValidationFailed):
        TransportDocument.of("ship", "1")


def test_booking_reports_every_problem() -> None:
    naive = datetime(2025, 9, 1)
    with pytest.raises(ValidationFailed) as info:
        Consignment.book(
            id="C1",
            document=TransportDocument.of(DocumentKind.ROAD_CMR, "CMR-1"),
            shipper=Party("", "XX"),
            consignee=Party("B", "KG"),
            goods=GoodsSummary("x", 0, Decimal(-1)),
            legs=[Leg(Mode.ROAD, "c", "CN KSS", "nope", naive, naive)],
        )
    fields = {e.field for e in info.value.errors}
    assert {"shipper.name", "shipper.country", "goods.packages", "goods.gross_mass_kg", "legs[0].destination"} <= fields
    assert "legs[0].planned_departure" in fields


def test_happy_path_and_door_to_door() -> None:
    c = make()
    c.record(Milestone(MilestoneKind.DEPARTED, T0, leg=0))
    assert c.status is Status.IN_TRANSIT
    c.record(Milestone(MilestoneKind.ARRIVED, T0 + timedelta(hours=8), leg=0))
    assert str(c.status) == Status.AT_BORDER.value
    with pytest.raises(IllegalTransition):  # cannot leave the border before release
        c.record(Milestone(MilestoneKind.DEPARTED, T0 + timedelta(hours=9), leg=1))
    c.record(Milestone(MilestoneKind.RELEASED, T0 + timedelta(hours=9)))
    c.record(Milestone(MilestoneKind.DEPARTED, T0 + timedelta(hours=10), leg=1))
    c.record(Milestone(MilestoneKind.ARRIVED, T0 + timedelta(hours=20), leg=1))
    assert str(c.status) == Status.DELIVERED.value
    assert c.door_to_door == timedelta(hours=20)
    assert [h.to_status for h in c.history] == [
        Status.IN_TRANSIT,
        Status.AT_BORDER,
        Status.CLEARED,
        Status.IN_TRANSIT,
        Status.DELIVERED,
    ]
    with pytest.raises(IllegalTransition):
        c.record(Milestone(MilestoneKind.EXCEPTION, T0 + timedelta(hours=21)))


def test_exception_resumes_the_interrupted_status() -> None:
    c = make()
    c.record(Milestone(MilestoneKind.DEPARTED, T0, leg=0))
    c.record(Milestone(MilestoneKind.EXCEPTION, T0 + timedelta(hours=1), note="accident"))
    assert c.status is Status.EXCEPTION
    c.record(Milestone(MilestoneKind.RESOLVED, T0 + timedelta(hours=2)))
    assert str(c.status) == Status.IN_TRANSIT.value


def test_out_of_order_milestones_are_applied_by_event_time() -> None:
    c = make(1)
    c.record_all(
        [Milestone(MilestoneKind.ARRIVED, T0 + timedelta(hours=8), leg=0), Milestone(MilestoneKind.DEPARTED, T0, leg=0)]
    )
    assert c.status is Status.DELIVERED


milestones = st.builds(
    Milestone,
    kind=st.sampled_from(MilestoneKind),
    at=st.integers(0, 100).map(lambda h: T0 + timedelta(hours=h)),
    leg=st.one_of(st.none(), st.integers(0, 3)),
)


@given(st.lists(milestones, max_size=25))
def test_status_moves_only_along_legal_edges(steps: list[Milestone]) -> None:
    c = make(3)
    for step in steps:
        before = c.status
        try:
            c.record(step)
        except (IllegalTransition, ValidationFailed):
            assert c.status is before
            continue
        assert c.status is before or c.status in TRANSITIONS[before]
    for change in c.history:
        assert change.to_status in TRANSITIONS[change.from_status]
