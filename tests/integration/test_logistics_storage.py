"""Logistics storage: consignments round-trip, the event store and its object index, alerts, concurrency.

Runs on SQLite by default and on PostgreSQL with SILKPORT_DATABASE_URL; the concurrency test needs
PostgreSQL (``pg_platform``)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from silkport.bootstrap import Platform
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import handlers as enterprise_handlers
from silkport.logistics.domain.consignment import GoodsSummary, Party, Status
from silkport.logistics.domain.epcis import Action, AggregationEvent, ObjectEvent
from silkport.logistics.domain.sla import SlaStatus
from silkport.logistics.domain.tracking import index_entries
from silkport.logistics.services import handlers
from silkport.logistics.services.handlers import BookConsignment, LegSpec
from silkport.logistics.services.ports import ConsignmentFilter
from silkport.shared.actor import SYSTEM, Actor, Role
from silkport.shared.errors import Conflict
from tests.conftest import make_details

T0 = datetime(2025, 9, 1, 2, 0, tzinfo=UTC)


def _enterprise(platform: Platform, serial: int = 301) -> str:
    e = enterprise_handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(serial, "KASHGAR"))
    )
    return e.id


def _book(platform: Platform, enterprise_id: str, number: str = "CMR-1", equipment: tuple[str, ...] = ()) -> str:
    cmd = BookConsignment(
        document_kind="road_cmr",
        document_number=number,
        shipper=Party("Shipper", "CN"),
        consignee=Party("Consignee", "KG"),
        goods=GoodsSummary("goods", 3, Decimal("12.5")),
        legs=[LegSpec("road", "carrier", "CNKSS", "KGFRU", T0, T0 + timedelta(hours=30))],
        corridor="KSS-KG",
        equipment=equipment,
        enterprise_id=enterprise_id,
    )
    return handlers.book(platform.logistics_uow(), SYSTEM, cmd).id


def _obj(event_id: str, hours: float, step: str, *epcs: str, where: str | None = None) -> ObjectEvent:
    return ObjectEvent(
        event_id=event_id,
        event_time=(T0 + timedelta(hours=hours)).astimezone(timezone(timedelta(hours=8))),
        time_zone_offset="+08:00",
        action=Action.OBSERVE,
        biz_step=step,
        read_point=where,
        epcs=epcs,
    )


def test_consignment_round_trips_with_times_in_utc(platform: Platform) -> None:
    enterprise = _enterprise(platform)
    cid = _book(platform, enterprise, equipment=("CSQU3054383",))
    with platform.logistics_uow() as uow:
        b = uow.consignments.get(cid)
        assert b is not None and b.enterprise_id == enterprise and b.equipment == ("CSQU3054383",)
        assert b.consignment.legs[0].planned_departure == T0
        assert b.consignment.goods.gross_mass_kg == Decimal("12.5")
        assert uow.consignments.keys_of(cid) == {cid, "CMR1", "CSQU3054383"}
        assert uow.consignments.by_keys({"CSQU3054383", "nothing"}) == {cid: {"CSQU3054383"}}
        assert uow.consignments.document_taken("road_cmr", "CMR1")


def test_event_store_indexes_objects_and_orders_by_event_time(platform: Platform) -> None:
    wagon = AggregationEvent(
        event_id="agg-1",
        event_time=(T0 + timedelta(hours=1)).astimezone(timezone(timedelta(hours=6))),
        time_zone_offset="+06:00",
        action=Action.ADD,
        parent_id="urn:silkport:wagon:W-1",
        child_epcs=("CSQU3054383",),
    )
    later = _obj("ev-2", 5, "departing", "w 1", where="CNKSS")
    earlier = _obj("ev-1", 0.5, "loading", "CSQU3054383")
    with platform.logistics_uow() as uow:
        uow.events.add(
            [(e, index_entries(e)) for e in (later, wagon, earlier)], record_time=T0, captured_by="u", captured_for=None
        )
        uow.commit()
    with platform.logistics_uow() as uow:
        found = uow.events.events_about({"W1"})  # the store is asked with normalised ids
        assert [e.event_id for e in found] == ["agg-1", "ev-2"]
        assert found[0].event_time == wagon.event_time and found[0].time_zone_offset == "+06:00"
        assert uow.events.children_of({"W1", "CSQU3054383"}) == {"W1": {"CSQU3054383"}}
        assert set(uow.events.known(["ev-1", "nope"])) == {"ev-1"}


def test_capture_updates_the_consignment_and_the_clock_filter(platform: Platform, clock: object) -> None:
    enterprise = _enterprise(platform)
    cid = _book(platform, enterprise)
    operator = Actor("op", "op", Role.LOGISTICS_OPERATOR, enterprise_id="other")
    report = handlers.capture(platform.logistics_uow(), operator, [_obj("c1", 0, "departing", "CMR1", where="CNKSS")])
    assert report.consignments == (cid,) and report.accepted == 1
    with platform.logistics_uow() as uow:
        b = uow.consignments.get(cid)
        assert b is not None and b.consignment.status is Status.IN_TRANSIT
        assert b.clock is not None and b.clock.deadline == T0 + timedelta(hours=72)
        flt = ConsignmentFilter(clock=SlaStatus.BREACHED, now=T0 + timedelta(hours=73))
        assert [x.id for x in uow.consignments.list(flt, 10, None).items] == [cid]
        flt = ConsignmentFilter(clock=SlaStatus.AT_RISK, now=T0 + timedelta(hours=67))
        assert [x.id for x in uow.consignments.list(flt, 10, None).items] == [cid]
        flt = ConsignmentFilter(clock=SlaStatus.ON_TIME, now=T0 + timedelta(hours=1))
        assert [x.id for x in uow.consignments.list(flt, 10, None).items] == [cid]
        assert uow.consignments.due_clocks(T0 + timedelta(hours=1), 10) == []
        assert uow.consignments.due_clocks(T0 + timedelta(hours=73), 10) == [cid]


def test_the_same_batch_captured_concurrently_is_stored_once(pg_platform: Platform) -> None:
    enterprise = _enterprise(pg_platform, 302)
    cid = _book(pg_platform, enterprise)
    batch = [_obj("p0", 0, "departing", cid, where="CNKSS")]
    batch += [_obj(f"p{i}", i / 10, "inspecting", cid) for i in range(1, 50)]
    results: list[str] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        try:
            r = handlers.capture(pg_platform.logistics_uow(), SYSTEM, batch)
            results.append(f"ok {r.accepted}")
        except Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "ok 50" in results
    assert sorted(results) in (["conflict", "ok 50"], ["ok 0", "ok 50"])
    again = handlers.capture(pg_platform.logistics_uow(), SYSTEM, batch)
    assert again.accepted == 0 and again.duplicates == 50
    with pg_platform.logistics_uow() as uow:
        assert len(uow.events.events_about({cid})) == 50
