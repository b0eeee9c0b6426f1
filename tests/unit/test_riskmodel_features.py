"""The risk model's feature pipeline: no look-ahead, same-day isolation, one code path, and the mapping of a
silkport declaration onto the KCS record."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkport.clearance.domain.model import DocumentKind
from silkport.clearance.schemas import content_from_json
from silkport.riskmodel.features import (
    FEATURES,
    GROUP_NAMES,
    HEADER_FIELDS,
    HS_GROUPS,
    ITEM_GROUPS,
    SHARED_GROUPS,
    FeatureSpec,
    HistoryState,
    LookAheadError,
    feature_matrix,
    history_keys,
)
from silkport.riskmodel.features import (
    _header as _header_of,
)
from silkport.riskmodel.kcs import Header, KcsRecord, declaration_goods, to_record, to_records
from tests import factories

START = date(2020, 3, 1)
_col = FEATURES.index


def record(n: int, day: int = 0, **over: object) -> KcsRecord:
    values: dict[str, object] = {
        "declaration_id": f"D{n:05d}",
        "date": START + timedelta(days=day),
        "office": "40",
        "process_type": "B",
        "import_type": "11",
        "import_use": "21",
        "payment_type": "11",
        "transport_mode": "10",
        "declarant": "DECL1",
        "importer": "IMP1",
        "seller": "SELL1",
        "courier": "",
        "hs6": "392690",
        "departure_country": "CN",
        "origin_country": "CN",
        "tax_rate": 8.0,
        "tax_type": "A",
        "origin_indicator": "Y",
        "net_mass": 100.0,
        "item_price": 50_000.0,
        "fraud": 0,
        "critical_fraud": 0,
    }
    values.update(over)
    return KcsRecord(**values)  # type: ignore[arg-type]


def same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b, strict=True))


# ------------------------------------------------------------------------------ hypothesis: no look-ahead

_pool = st.sampled_from


@st.composite
def records_strategy(draw: st.DrawFn, n_min: int = 2, n_max: int = 25) -> list[KcsRecord]:
    n = draw(st.integers(n_min, n_max))
    rows = []
    for i in range(n):
        fraud = draw(st.integers(0, 1))
        rows.append(
            record(
                i,
                day=draw(st.integers(0, 5)),
                importer=draw(_pool(["I1", "I2", "I3"])),
                declarant=draw(_pool(["D1", "D2"])),
                seller=draw(_pool(["", "S1", "S2"])),
                courier=draw(_pool(["", "C1"])),
                office=draw(_pool(["10", "20"])),
                hs6=draw(_pool(["392690", "392610", "850440"])),
                origin_country=draw(_pool(["CN", "VN"])),
                departure_country=draw(_pool(["CN", "HK"])),
                net_mass=draw(_pool([1.0, 10.0, 250.5])),
                item_price=draw(_pool([0.0, 1000.0, 31824000.0])),
                tax_rate=draw(_pool([0.0, 8.0])),
                fraud=fraud,
                critical_fraud=fraud * draw(st.integers(1, 2)),
            )
        )
    return rows


def _alter(r: KcsRecord, k: int) -> KcsRecord:
    """Another declaration in every attribute the history keys on, with the opposite outcome."""
    return r._replace(
        importer="I1" if r.importer != "I1" else "I2",
        declarant=f"D{k}",
        seller="S1",
        hs6="392690",
        item_price=1000.0,
        net_mass=10.0,
        fraud=1 - (r.fraud or 0),
        critical_fraud=0 if r.fraud else 2,
    )


@settings(max_examples=60, deadline=None)
@given(rows=records_strategy(), pivot=st.integers(0, 5), extra=st.integers(0, 3))
def test_features_of_a_row_never_depend_on_rows_of_its_day_or_later(
    rows: list[KcsRecord], pivot: int, extra: int
) -> None:
    """Alter every row dated on or after the pivot day (attributes and labels; the row scored keeps its own
    attributes but not its label), add some more: the features of every row dated up to the pivot are unchanged."""
    spec = FeatureSpec.fit(rows)  # the vocabulary is fixed with the model
    before = feature_matrix(rows, HistoryState(spec))
    day = START + timedelta(days=pivot)
    at_pivot = [i for i, r in enumerate(rows) if r.date == day]
    altered = [
        (r._replace(fraud=1 - (r.fraud or 0), critical_fraud=0) if i in at_pivot else _alter(r, i))
        if r.date >= day
        else r
        for i, r in enumerate(rows)
    ]
    added = [record(1000 + k, day=pivot + k % 2, importer="I1", hs6="392690", fraud=1) for k in range(extra)]
    after = feature_matrix([*altered, *added], HistoryState(spec))
    for i, r in enumerate(rows):
        if r.date < day or i in at_pivot:
            assert same(before[i], after[i]), f"row {i} dated {r.date} changed"


@settings(max_examples=40, deadline=None)
@given(rows=records_strategy(n_min=1))
def test_one_code_path_row_by_row_equals_the_batch(rows: list[KcsRecord]) -> None:
    """Scoring one declaration at a time (features, then update) gives the batch's vectors, and a saved and
    reloaded history answers exactly as the live one."""
    spec = FeatureSpec.fit(rows)
    batch = feature_matrix(rows, HistoryState(spec))
    state = HistoryState(spec)
    ordered = sorted(range(len(rows)), key=lambda i: (rows[i].date, rows[i].declaration_id))
    for i in ordered:
        assert same(state.features(rows[i]), batch[i])
        state.update(rows[i])
    probe = record(9999, day=10, importer="I1", hs6="392690")
    live = state.features(probe)
    reloaded = HistoryState.from_mapping(state.copy().to_mapping())
    assert same(reloaded.features(probe), live)


@settings(max_examples=60, deadline=None)
@given(
    history=records_strategy(n_min=1),
    items=st.lists(
        st.tuples(
            st.sampled_from(["392690", "392610", "850440"]),
            st.sampled_from(["CN", "VN"]),
            st.sampled_from(["A", "B"]),
            st.sampled_from([1.0, 10.0]),
            st.sampled_from([0.0, 1000.0]),
        ),
        min_size=1,
        max_size=6,
    ),
    other_header=st.integers(-1, 5),
)
def test_a_declaration_at_once_equals_its_items_one_by_one(
    history: list[KcsRecord], items: list[tuple[str, str, str, float, float]], other_header: int
) -> None:
    """The lodgement path looks up what a declaration's items share once: same vectors as item by item, also
    when one record does not share the header (it is then computed on its own)."""
    spec = FeatureSpec.fit(history)
    base = HistoryState(spec)
    for r in sorted(history, key=lambda r: (r.date, r.declaration_id)):
        base.update(r)
    records = [
        record(
            5000 + n,
            day=7,
            importer="I1",
            hs6=hs6,
            origin_country=origin,
            tax_type=tax,
            net_mass=mass,
            item_price=price,
            fraud=None,
            critical_fraud=None,
        )
        for n, (hs6, origin, tax, mass, price) in enumerate(items)
    ]
    if 0 <= other_header < len(records):
        records[other_header] = records[other_header]._replace(importer="I2", courier="C1")
    at_once = base.copy().features_of_declaration(records)
    one_by_one = base.copy()
    assert len(at_once) == len(records)
    for vector, r in zip(at_once, records, strict=True):
        assert same(vector, one_by_one.features(r))


@settings(max_examples=60, deadline=None)
@given(rows=records_strategy(n_min=2, n_max=30), sizes=st.lists(st.integers(1, 4), min_size=1, max_size=30))
def test_the_declaration_path_stays_equal_while_the_history_grows(rows: list[KcsRecord], sizes: list[int]) -> None:
    """Declarations of several goods items filed day after day (each then fed to the history, some outcomes
    recorded later): the lodgement path, with its per-HS6 cache, always answers as the reference path."""
    spec = FeatureSpec.fit(rows)
    fast, reference = HistoryState(spec), HistoryState(spec)
    ordered = sorted(rows, key=lambda r: (r.date, r.declaration_id))
    start = 0
    for size in sizes * 30:
        group = ordered[start : start + size]
        if not group:
            break
        start += size
        day = group[0].date
        items = [r._replace(date=day) for r in group]  # a declaration's items are filed the same day
        if len(items) > 1 and size % 2:  # the same parties on every item, as to_records gives
            items = [
                items[0],
                *(r._replace(importer=items[0].importer, declarant=items[0].declarant) for r in items[1:]),
            ]
        got = fast.features_of_declaration(items)
        assert len(got) == len(items)
        for vector, r in zip(got, items, strict=True):
            assert same(vector, reference.features(r))
        for r in items:
            fast.update(r, with_outcome=size != 3)
            reference.update(r, with_outcome=size != 3)
        if size == 3:  # an inspection concludes the same day: visible from the next day on
            fast.record_outcome(items[0], 1, 1, day)
            reference.record_outcome(items[0], 1, 1, day)


def test_the_declaration_path_refuses_look_ahead_and_takes_other_days_one_by_one() -> None:
    state = HistoryState(FeatureSpec.fit([record(1)]))
    state.update(record(1, day=3))
    with pytest.raises(LookAheadError):
        state.features_of_declaration([record(2, day=1)])
    mixed = [record(3, day=4), record(4, day=5), record(5, day=4, importer="I9")]
    twin = state.copy()
    with pytest.raises(LookAheadError):  # as one by one: the third item is dated before the history's day
        state.features_of_declaration(mixed)
    assert same(twin.features_of_declaration(mixed[:2])[1], state.copy().features(mixed[1]))
    assert state.features_of_declaration([]) == []


def test_the_declaration_path_reads_the_histories_in_their_order() -> None:
    r = record(1, hs6="850440", origin_country="VN", departure_country="HK", item_price=5.0, net_mass=2.0)
    assert SHARED_GROUPS + HS_GROUPS + ITEM_GROUPS == GROUP_NAMES
    assert len(history_keys(r)) == len(GROUP_NAMES)
    keys = dict(zip(GROUP_NAMES, history_keys(r), strict=True))
    assert [keys[g] for g in SHARED_GROUPS] == [r.importer, r.declarant, r.seller, r.courier, r.office]
    assert [keys[g] for g in HS_GROUPS] == ["850440", "8504"]
    assert [keys[g] for g in ITEM_GROUPS] == [
        ("850440", "VN"),
        ("850440", "HK"),
        ("850440", 5.0),
        ("850440", 2.0),
        5.0,
        2.0,
    ]


# ------------------------------------------------------------------------------------ same-day isolation


def test_rows_of_the_same_day_do_not_see_each_other() -> None:
    spec = FeatureSpec.fit([record(0)])
    state = HistoryState(spec)
    first, second = record(1, day=0, fraud=1), record(2, day=0)
    f1 = state.features(first)
    state.update(first)
    f2 = state.features(second)
    assert f2[_col("importer_count")] == 0.0
    assert f2[_col("importer_fraud_rate")] == f1[_col("importer_fraud_rate")]
    assert f2[_col("importer_days_since")] == -1.0
    # the next day both are history
    later = record(3, day=1)
    state.update(second)
    f3 = state.features(later)
    assert f3[_col("importer_count")] == 2.0
    assert f3[_col("importer_days_since")] == 1.0
    assert f3[_col("importer_fraud_rate")] > f1[_col("importer_fraud_rate")]


def test_smoothed_fraud_rate_and_value_per_kg_against_the_past() -> None:
    rows = [record(i, day=0, fraud=int(i < 2), item_price=1000.0 * (i + 1)) for i in range(4)]
    state = HistoryState(FeatureSpec.fit(rows, smoothing=5.0))
    for r in rows:
        state.features(r)
        state.update(r)
    probe = record(10, day=3, item_price=2000.0)
    x = state.features(probe)
    prior = (2 + 1.0) / (4 + 5.0)  # Beta(1, 4) prior on the overall past fraud rate
    assert x[_col("importer_fraud_rate")] == pytest.approx((2 + 5.0 * prior) / (4 + 5.0))
    assert x[_col("hs6_count")] == 4.0
    assert x[_col("hs6_days_since")] == 3.0
    # the median of the past log value per kg of the HS6 (upper median of 4): the 3rd smallest, price 3000
    expected = math.log(2001.0 / 100.01) - math.log(3001.0 / 100.01)
    assert x[_col("value_per_kg_vs_hs6")] == pytest.approx(expected)
    unseen = state.features(record(11, day=3, hs6="010121"))
    assert math.isnan(unseen[_col("value_per_kg_vs_hs6")])
    assert unseen[_col("hs6_count")] == 0.0
    assert unseen[_col("hs6_fraud_rate")] == pytest.approx(prior)


def test_an_outcome_recorded_later_is_visible_from_the_next_day() -> None:
    filed = record(1, day=0, fraud=None, critical_fraud=None)
    state = HistoryState(FeatureSpec.fit([filed]))
    state.features(filed)
    state.update(filed)
    on_day_2 = state.features(record(2, day=2))
    assert on_day_2[_col("importer_count")] == 1.0
    state.record_outcome(filed, 1, 2, on=date(2020, 3, 3))
    same_day = state.features(record(3, day=2))
    assert same_day[_col("importer_fraud_rate")] == on_day_2[_col("importer_fraud_rate")]
    next_day = state.features(record(4, day=3))
    assert next_day[_col("importer_fraud_rate")] > on_day_2[_col("importer_fraud_rate")]
    assert next_day[_col("importer_count")] == 1.0  # an outcome is not another declaration


def test_a_declaration_dated_before_the_history_is_refused() -> None:
    state = HistoryState(FeatureSpec.fit([record(0)]))
    state.update(record(1, day=3))
    state.features(record(2, day=4))
    with pytest.raises(LookAheadError, match="would see later events"):
        state.features(record(3, day=3))


def test_unseen_categories_are_coded_minus_one() -> None:
    state = HistoryState(FeatureSpec.fit([record(0)]))
    x = state.features(record(1, office="99", tax_type="FCN1"))
    assert x[_col("office")] == -1.0
    assert x[_col("tax_type")] == -1.0
    assert x[_col("import_type")] == 0.0


# ------------------------------------------------------------------------------- silkport declarations


def test_a_silkport_declaration_maps_onto_kcs_records() -> None:
    body = factories.declaration(
        declarant="ENT-1",
        transport_mode="mail",
        transport_id="EMS-123",
        items=[factories.item(), factories.item(hs_code="61091000", value="1000.00", preference="CN-SCO")],
        documents=[{"kind": "certificate_of_origin", "reference": "CO-1"}],
    )
    content = content_from_json(body)
    assert any(d.kind is DocumentKind.CERTIFICATE_OF_ORIGIN for d in content.documents)
    records = to_records(content, "DEC-1", date(2025, 9, 1), tax_rate=lambda item: 5.0 if item.hs6 == "847130" else 0.0)
    assert [r.declaration_id for r in records] == ["DEC-1", "DEC-1#2"]
    first = records[0]
    assert first.office == content.office_code
    assert first.declarant == content.declarant_id
    assert first.importer == content.consignee.name  # no identifier: the name
    assert first.seller == "KZ-BIN-120340012345"
    assert first.courier == "EMS-123"
    assert first.transport_mode == "50"
    assert first.hs6 == "847130"
    assert first.departure_country == "KZ"
    assert first.tax_rate == 5.0
    assert first.tax_type == "A"
    assert first.origin_indicator == "Y"
    assert first.net_mass == 400.0
    assert first.item_price == pytest.approx(60000.0 * 7.1)
    assert first.fraud is None
    assert records[1].tax_type == "CN-SCO"
    assert records[1].hs6 == "610910"
    assert to_record(content, "DEC-1", date(2025, 9, 1), item=1) == records[1]._replace(tax_rate=0.0)
    assert to_record(content, "DEC-1", date(2025, 9, 1), price_scale=2.0).item_price == pytest.approx(
        float(Decimal("60000.00") * Decimal("7.1")) * 2.0
    )
    # the API's records go through the same features
    state = HistoryState(FeatureSpec.fit(records))
    assert len(state.features(first)) == len(FEATURES)


_item_choices = st.tuples(
    st.sampled_from(["847130", "85171300", "392690", "610910"]),
    st.sampled_from(["CN", "VN", "KZ"]),
    st.sampled_from([None, "CN-SCO"]),
    st.sampled_from(["1.0", "400.0", "0.5"]),
    st.sampled_from(["0", "1000.00", "60000.00", "12.34"]),
)


@settings(max_examples=60, deadline=None)
@given(
    history=records_strategy(n_min=1),
    items=st.lists(_item_choices, min_size=1, max_size=6),
    mail=st.booleans(),
    certificate=st.booleans(),
)
def test_the_lodgement_path_scores_a_declaration_as_its_records(
    history: list[KcsRecord], items: list[tuple[str, str, str | None, str, str]], mail: bool, certificate: bool
) -> None:
    """``features_of_goods(declaration_goods(content))`` (what a lodgement computes, no records built) gives
    the reference ``features`` of each record ``to_records`` makes of the same declaration."""
    spec = FeatureSpec.fit(history)
    state = HistoryState(spec)
    for r in sorted(history, key=lambda r: (r.date, r.declaration_id)):
        state.update(r)
    body = factories.declaration(
        declarant="ENT-1",
        transport_mode="mail" if mail else "road",
        transport_id="EMS-1" if mail else "KZ 1",
        items=[
            factories.item(hs_code=hs, origin_country=o, preference=p, net_mass_kg=mass, gross_mass_kg="500", value=v)
            for hs, o, p, mass, v in items
        ],
        documents=[{"kind": "certificate_of_origin", "reference": "CO-1"}] if certificate else [],
    )
    content = content_from_json(body)
    day = START + timedelta(days=9)

    def rate(item: object) -> float:
        return 8.0 if getattr(item, "hs_code", "").startswith("8471") else 0.0

    header, goods = declaration_goods(content, tax_rate=rate, price_scale=176.0)
    assert tuple(header) == _header_of(to_records(content, "DEC-9", day, tax_rate=rate, price_scale=176.0)[0])
    fast = state.copy().features_of_goods(day, header, goods, "DEC-9")
    reference = state.copy()
    records = to_records(content, "DEC-9", day, tax_rate=rate, price_scale=176.0)
    assert len(fast) == len(records)
    for vector, r in zip(fast, records, strict=True):
        assert same(vector, reference.features(r))
    assert all(same(a, b) for a, b in zip(state.copy().features_of_declaration(records), fast, strict=True))


def test_the_header_is_the_shared_record_fields() -> None:
    assert Header._fields == HEADER_FIELDS
