"""EPCIS 2.0 tracking events: parsing, serialising, and the order-independent history."""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from silkport.logistics.domain.epcis import (
    Action,
    AggregationEvent,
    BizTransaction,
    EpcisFormatError,
    History,
    ObjectEvent,
    Outcome,
    QuantityElement,
    TrackingEvent,
    TrackingStatus,
    TransactionEvent,
    format_offset,
    parse_document,
    parse_json,
    to_document,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "epcis"
URUMQI = timezone(timedelta(hours=8))


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# ------------------------------------------------------------------------------------------ fixtures
def test_the_sample_batch_reads_all_three_event_types() -> None:
    truck, packing, awb = parse_document(_fixture("horgos-urumqi-batch.jsonld"))

    assert isinstance(truck, ObjectEvent)
    assert truck.event_id == "urn:uuid:0b7c1f2e-8d1a-4d6e-9a51-2f3c9e0a1101"
    assert truck.event_time == datetime(2025, 10, 1, 6, 30, tzinfo=UTC)
    assert truck.event_time.utcoffset() == timedelta(hours=6)  # the declared offset is kept
    assert truck.time_zone_offset == "+06:00"
    assert truck.record_time == datetime(2025, 10, 1, 6, 31, 12, 250000, tzinfo=UTC)
    assert truck.biz_step == "departing"
    assert truck.disposition == "in_transit"
    assert truck.read_point == "CNHRS"
    assert truck.biz_location == "urn:epc:id:sgln:6901234.00001.0"
    assert truck.biz_transactions == (
        BizTransaction(id="CMR-KZ-2025-88412", type="bol"),
        BizTransaction(id="DEC-2025-HRS-004211", type="declaration"),
    )

    assert isinstance(packing, AggregationEvent)
    assert packing.action is Action.ADD
    assert packing.parent_id == "urn:silkport:wagon:RZD-52718364"
    assert packing.child_epcs == ("urn:silkport:container:CSQU3054383", "urn:silkport:container:TGHU1234568")
    assert packing.biz_step == "loading"
    assert packing.disposition == "container_closed"
    assert packing.read_point == "CNURC"
    assert packing.biz_location == "site:urumqi-international-land-port"

    assert isinstance(awb, TransactionEvent)
    assert awb.biz_transactions == (BizTransaction(id="16012345675", type="awb"),)
    assert awb.epcs == ("urn:silkport:consignment:CSG-2025-000502",)
    assert awb.quantities == (QuantityElement("urn:silkport:goods:HS847130", Decimal("1250.5"), "KGM"),)
    assert awb.event_time.utcoffset() == timedelta(hours=8)


def test_the_sample_batch_survives_a_round_trip() -> None:
    events = parse_document(_fixture("horgos-urumqi-batch.jsonld"))
    assert parse_document(json.dumps(to_document(events))) == events


@pytest.mark.parametrize(
    ("name", "location", "words"),
    [
        ("broken-bad-event-time.jsonld", "epcisBody.eventList[3].eventTime", "time zone"),
        ("broken-missing-event-id.jsonld", "epcisBody.eventList[0].eventID", "required"),
        ("broken-unknown-bizstep.jsonld", "epcisBody.eventList[0].bizStep", "not a CBV business step"),
        ("broken-transaction-without-biz-transaction.jsonld", "epcisBody.eventList[0].bizTransactionList", "needs"),
        ("broken-not-json.jsonld", "(document)", "not JSON"),
    ],
)
def test_broken_documents_name_the_json_path(name: str, location: str, words: str) -> None:
    with pytest.raises(EpcisFormatError) as caught:
        parse_document(_fixture(name))
    assert caught.value.location == location
    assert words in caught.value.message
    assert caught.value.errors[0].field == location


def _event_json(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": "ev-1",
        "eventTime": "2025-10-01T06:30:00Z",
        "eventTimeZoneOffset": "+06:00",
        "epcList": ["urn:silkport:vehicle:TRUCK-1"],
        "action": "OBSERVE",
    }
    event.update(overrides)
    return {k: v for k, v in event.items() if v is not None}


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"eventTimeZoneOffset": "+25:00"}, "[0].eventTimeZoneOffset"),
        ({"eventTimeZoneOffset": None}, "[0].eventTimeZoneOffset"),
        ({"action": "MOVE"}, "[0].action"),
        ({"type": "TransformationEvent"}, "[0].type"),
        ({"epcList": "urn:x"}, "[0].epcList"),
        ({"epcList": [1]}, "[0].epcList[0]"),
        ({"epcList": []}, "[0].epcList"),
        ({"readPoint": {"id": ""}}, "[0].readPoint.id"),
        ({"readPoint": {}}, "[0].readPoint.id"),
        ({"quantityList": [{"epcClass": "c", "quantity": -1}]}, "[0].quantityList[0].quantity"),
        ({"quantityList": [{"epcClass": "c", "quantity": "lots"}]}, "[0].quantityList[0].quantity"),
        ({"bizTransactionList": [{"type": "awb"}]}, "[0].bizTransactionList[0].bizTransaction"),
        ({"disposition": "urn:epcglobal:cbv:disp:lost_in_space"}, "[0].disposition"),
        ({"eventTime": "0001-01-01T00:00:00+00:00", "eventTimeZoneOffset": "-05:00"}, "[0].eventTime"),
    ],
)
def test_malformed_fields_are_refused_with_their_path(overrides: dict[str, Any], where: str) -> None:
    with pytest.raises(EpcisFormatError) as caught:
        parse_document(json.dumps([_event_json(**overrides)]))
    assert caught.value.location == where


def test_cbv_vocabulary_in_all_three_spellings_becomes_short_names() -> None:
    for step, disposition in [
        ("shipping", "in_transit"),
        ("urn:epcglobal:cbv:bizstep:shipping", "urn:epcglobal:cbv:disp:in_transit"),
        ("https://ref.gs1.org/cbv/BizStep-shipping", "https://ref.gs1.org/cbv/Disp-in_transit"),
    ]:
        (event,) = parse_document(json.dumps([_event_json(bizStep=step, disposition=disposition)]))
        assert (event.biz_step, event.disposition) == ("shipping", "in_transit")
    (custom,) = parse_document(json.dumps([_event_json(bizStep="https://silkport.example/bizstep/gauge_change")]))
    assert custom.biz_step == "https://silkport.example/bizstep/gauge_change"


def test_plain_locodes_are_normalised_and_site_ids_kept() -> None:
    for raw, kept in [("cn-hrs", "CNHRS"), ("CN HRS", "CNHRS"), ("KZALA", "KZALA"), ("site:kashgar-tir-hub", None)]:
        (event,) = parse_document(json.dumps([_event_json(bizLocation={"id": raw})]))
        assert event.biz_location == (kept or raw)


def test_a_query_document_and_a_bare_list_are_read_too() -> None:
    query = {
        "type": "EPCISQueryDocument",
        "epcisBody": {"queryResults": {"resultsBody": {"eventList": [_event_json()]}}},
    }
    assert parse_json(query) == parse_document(json.dumps([_event_json()]))


# --------------------------------------------------------------------------------- fuzzing the parser
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)


@given(json_values)
def test_random_json_raises_only_format_errors(value: Any) -> None:
    with contextlib.suppress(EpcisFormatError):
        parse_document(json.dumps(value))


@given(st.binary(max_size=200))
def test_random_bytes_raise_only_format_errors(data: bytes) -> None:
    with contextlib.suppress(EpcisFormatError):
        parse_document(data)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


def _set(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[head] = _set(document[head], tuple(rest), new)
    return copy


VALID = json.loads(_fixture("horgos-urumqi-batch.jsonld"))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_valid_documents_raise_only_format_errors(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(_paths(VALID)))
    mutated = _set(VALID, path, data.draw(json_values))
    with contextlib.suppress(EpcisFormatError):
        parse_document(json.dumps(mutated))


# ----------------------------------------------------------------------------------------- round trip
ids = st.text(
    st.characters(min_codepoint=33, max_codepoint=0x2FFF, exclude_categories=("Z", "C")), min_size=1, max_size=30
)
places = st.sampled_from(
    ["CNHRS", "CNURC", "CNKHG", "KZALA", "KGFRU", "urn:epc:id:sgln:6901234.00001.0", "site:kashgar-tir-hub"]
)
offsets = st.integers(min_value=-14 * 4, max_value=14 * 4).map(lambda q: timedelta(minutes=15 * q))
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
quantities = st.builds(
    QuantityElement,
    epc_class=ids,
    quantity=st.decimals(min_value=0, max_value=10**9, allow_nan=False, allow_infinity=False, places=3),
    uom=st.none() | st.sampled_from(["KGM", "TNE", "C62", "LTR"]),
)
biz_transactions = st.builds(
    BizTransaction, id=ids, type=st.none() | st.sampled_from(["po", "bol", "awb", "declaration", "consignment"])
)


@st.composite
def common_fields(draw: st.DrawFn, event_id: str | None = None) -> dict[str, Any]:
    offset = draw(offsets)
    return {
        "event_id": event_id if event_id is not None else draw(ids),
        "event_time": draw(instants).astimezone(timezone(offset)),
        "time_zone_offset": format_offset(offset),
        "record_time": draw(st.none() | instants),
        "action": draw(st.sampled_from(Action)),
        "biz_step": draw(st.none() | st.sampled_from(["shipping", "departing", "arriving", "inspecting", "receiving"])),
        "disposition": draw(st.none() | st.sampled_from(["in_transit", "in_progress", "container_closed"])),
        "read_point": draw(st.none() | places),
        "biz_location": draw(st.none() | places),
        "biz_transactions": tuple(draw(st.lists(biz_transactions, max_size=3))),
    }


@st.composite
def tracking_events(draw: st.DrawFn, event_id: str | None = None) -> TrackingEvent:
    common = draw(common_fields(event_id))
    kind = draw(st.sampled_from(["object", "aggregation", "transaction"]))
    if kind == "object":
        return ObjectEvent(
            **common,
            epcs=tuple(draw(st.lists(ids, min_size=1, max_size=4))),
            quantities=tuple(draw(st.lists(quantities, max_size=2))),
        )
    if kind == "aggregation":
        common["action"] = draw(st.sampled_from([Action.ADD, Action.DELETE]))
        return AggregationEvent(
            **common,
            parent_id=draw(ids),
            child_epcs=tuple(draw(st.lists(ids, min_size=1, max_size=4))),
            child_quantities=tuple(draw(st.lists(quantities, max_size=2))),
        )
    if not common["biz_transactions"]:
        common["biz_transactions"] = (draw(biz_transactions),)
    return TransactionEvent(
        **common,
        parent_id=draw(st.none() | ids),
        epcs=tuple(draw(st.lists(ids, max_size=3))),
        quantities=tuple(draw(st.lists(quantities, max_size=2))),
    )


@given(st.lists(tracking_events(), max_size=6))
def test_to_document_round_trips(events: list[TrackingEvent]) -> None:
    back = parse_document(json.dumps(to_document(events)))
    assert back == events
    assert [e.event_time.utcoffset() for e in back] == [e.event_time.utcoffset() for e in events]


# -------------------------------------------------------------------------------------------- history
def _object(event_id: str, when: datetime, epcs: tuple[str, ...], step: str, **kw: Any) -> ObjectEvent:
    return ObjectEvent(
        event_id=event_id,
        event_time=when.astimezone(URUMQI),
        time_zone_offset="+08:00",
        action=Action.OBSERVE,
        epcs=epcs,
        biz_step=step,
        **kw,
    )


T0 = datetime(2025, 10, 1, tzinfo=UTC)
CONTAINER, WAGON, TRAIN, CONSIGNMENT, AWB = "CSQU3054383", "WAGON-1", "TRAIN-X8001", "CSG-1", "16012345675"


def _rail_story() -> list[TrackingEvent]:
    def aggregation(event_id: str, hours: int, parent: str, child: str, action: Action) -> AggregationEvent:
        return AggregationEvent(
            event_id=event_id,
            event_time=(T0 + timedelta(hours=hours)).astimezone(URUMQI),
            time_zone_offset="+08:00",
            action=action,
            parent_id=parent,
            child_epcs=(child,),
            biz_step="loading" if action is Action.ADD else "unloading",
            read_point="CNURC",
        )

    return [
        _object("e01", T0, (CONTAINER,), "receiving", biz_location="CNURC"),
        aggregation("e02", 1, WAGON, CONTAINER, Action.ADD),
        aggregation("e03", 2, TRAIN, WAGON, Action.ADD),
        _object("e04", T0 + timedelta(hours=3), (TRAIN,), "departing", read_point="CNURC"),
        _object("e05", T0 + timedelta(hours=30), (TRAIN,), "arriving", read_point="KZALA"),
        _object("e06", T0 + timedelta(hours=31), (WAGON,), "inspecting", read_point="KZALA"),
        aggregation("e07", 32, WAGON, CONTAINER, Action.DELETE),
        _object("e08", T0 + timedelta(hours=33), (TRAIN,), "departing", read_point="KZALA"),
    ]


def test_a_containers_history_includes_what_happened_to_its_wagon_and_train_while_packed() -> None:
    history = History(_rail_story())
    assert [e.event_id for e in history.history_of(CONTAINER)] == ["e01", "e02", "e03", "e04", "e05", "e06", "e07"]
    # the train leaves again after the container was unpacked: not the container's event
    assert history.current_status(CONTAINER) is TrackingStatus.UNLOADED
    assert history.current_status(TRAIN) is TrackingStatus.IN_TRANSIT
    assert history.current_status(WAGON) is TrackingStatus.IN_TRANSIT  # still on the train
    assert history.current_status("nothing-known") is None
    assert history.history_of("nothing-known") == ()


def test_status_follows_the_business_step() -> None:
    steps = [
        ("departing", TrackingStatus.IN_TRANSIT),
        ("arriving", TrackingStatus.ARRIVED),
        ("inspecting", TrackingStatus.UNDER_INSPECTION),
        ("receiving", TrackingStatus.RECEIVED),
    ]
    for step, status in steps:
        history = History([_object("e1", T0, (CONSIGNMENT,), step, biz_location="KZALA")])
        assert history.current_status(CONSIGNMENT) is status
    delivered = History([_object("e1", T0, (CONSIGNMENT,), "receiving", biz_location="KZALA")])
    assert delivered.current_status(CONSIGNMENT, destination="KZ ALA") is TrackingStatus.DELIVERED
    assert delivered.current_status(CONSIGNMENT, destination="KGFRU") is TrackingStatus.RECEIVED


def test_a_transaction_links_an_air_waybill_to_a_consignment() -> None:
    link = TransactionEvent(
        event_id="t1",
        event_time=T0,
        time_zone_offset="+00:00",
        action=Action.ADD,
        epcs=(CONSIGNMENT,),
        biz_transactions=(BizTransaction(AWB, "awb"),),
    )
    flight = _object("f1", T0 + timedelta(hours=2), (), "departing", biz_transactions=(BizTransaction(AWB, "awb"),))
    history = History([flight, link])
    assert [e.event_id for e in history.history_of(CONSIGNMENT)] == ["t1", "f1"]
    assert [e.event_id for e in history.history_of(AWB)] == ["t1", "f1"]
    assert history.current_status(CONSIGNMENT) is TrackingStatus.IN_TRANSIT


def test_same_id_twice_is_a_no_op_and_different_content_is_a_conflict() -> None:
    event = _object("e1", T0, (CONSIGNMENT,), "departing")
    history = History()
    assert history.add(event) is Outcome.ADDED
    assert history.add(event) is Outcome.DUPLICATE
    assert history.add(replace(event, record_time=T0 + timedelta(minutes=5))) is Outcome.DUPLICATE
    changed = replace(event, biz_step="arriving")
    assert history.add(changed) is Outcome.CONFLICT
    assert history.events == (event,)
    (conflict,) = history.conflicts
    assert (conflict.event_id, conflict.kept, conflict.rejected, conflict.status) == ("e1", event, changed, 409)


def test_same_instant_events_are_ordered_by_event_id() -> None:
    b = _object("b", T0, (CONSIGNMENT,), "arriving")
    a = _object("a", T0, (CONSIGNMENT,), "departing")
    assert [e.event_id for e in History([b, a]).events] == ["a", "b"]
    assert History([b, a]).current_status(CONSIGNMENT) is TrackingStatus.ARRIVED


object_pool = st.sampled_from([CONTAINER, WAGON, TRAIN, CONSIGNMENT, AWB])


@st.composite
def story_events(draw: st.DrawFn) -> list[TrackingEvent]:
    """Events over a small pool of objects, unique ids, some sent twice."""
    count = draw(st.integers(min_value=0, max_value=12))
    events: list[TrackingEvent] = []
    for i in range(count):
        base = draw(tracking_events(event_id=f"e{i:02d}"))
        base = replace(base, event_time=T0 + timedelta(minutes=draw(st.integers(0, 20))))
        if isinstance(base, AggregationEvent):
            event: TrackingEvent = replace(base, parent_id=draw(object_pool), child_epcs=(draw(object_pool),))
        elif isinstance(base, TransactionEvent):
            event = replace(base, epcs=(draw(object_pool),), biz_transactions=(BizTransaction(draw(object_pool)),))
        else:
            event = replace(base, epcs=(draw(object_pool),))
        events.append(event)
    return events + draw(st.lists(st.sampled_from(events), max_size=3)) if events else events


@given(story_events(), st.randoms(use_true_random=False))
def test_arrival_order_never_changes_history_or_status(events: list[TrackingEvent], rnd: Any) -> None:
    shuffled = list(events)
    rnd.shuffle(shuffled)
    ordered, other = History(events), History(shuffled)
    assert ordered.events == other.events
    assert not ordered.conflicts and not other.conflicts
    for obj in [CONTAINER, WAGON, TRAIN, CONSIGNMENT, AWB]:
        assert ordered.history_of(obj) == other.history_of(obj)
        assert ordered.current_status(obj) == other.current_status(obj)
        assert ordered.current_status(obj, destination="KZALA") == other.current_status(obj, destination="KZALA")
    times = [(e.event_time, e.event_id) for e in ordered.events]
    assert times == sorted(times)
