"""Freight modes domain: wagons and gauge change, vehicle exports, air tonnage, mail and its clearance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso6346

from silkport.logistics.domain.air import Flight, FlightWeight, flight_number_problem, new_load, tonnage
from silkport.logistics.domain.identifiers import s10_check_digit, vin_check_digit
from silkport.logistics.domain.mail import (
    ClearanceRules,
    Dispatch,
    DispatchState,
    Outcome,
    parse_item,
    receptacle_problem,
    receptacle_weight_kg,
)
from silkport.logistics.domain.rail import Gauge, TrainRun, luhn_check_digit, wagon_problem
from silkport.logistics.domain.vehicles import CountBy, count, new_export
from silkport.shared.errors import Conflict, ValidationFailed

T0 = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
BOG = frozenset({"CNHRS", "KZHOR", "BYBQT"})


def wagon(prefix: str) -> str:
    return prefix + luhn_check_digit(prefix)


def container(serial: int) -> str:
    body = f"CSQU{serial:06d}"
    return body + iso6346.calc_check_digit(body)


def s10(serial: int, country: str = "CN") -> str:
    digits = f"{serial:08d}"
    return f"RA{digits}{s10_check_digit(digits)}{country}"


DISPATCH = "CNKSSAKGFRUAAUN50001"
RECEPTACLE = DISPATCH + "001" + "0" + "0" + "0125"


# -- wagons -----------------------------------------------------------------------------------------
def test_uic_self_check_digit_matches_the_published_examples() -> None:
    assert luhn_check_digit("21812471217") == "3"
    assert luhn_check_digit("51800843001") == "0"
    assert wagon_problem("21 81 2471 217-3") is None
    assert wagon_problem("21 81 2471 217-4") == "self-check digit should be 3, not 4"
    assert "12 digits" in (wagon_problem("1234") or "")
    assert "only digits" in (wagon_problem("21812471217X") or "")


@given(st.text("0123456789", min_size=11, max_size=11), st.integers(0, 10), st.integers(1, 9))
def test_any_single_digit_error_in_a_wagon_number_is_caught(body: str, position: int, delta: int) -> None:
    number = body + luhn_check_digit(body)
    assert wagon_problem(number) is None
    digit = (int(number[position]) + delta) % 10
    corrupted = number[:position] + str(digit) + number[position + 1 :]
    assert wagon_problem(corrupted) is not None


# -- train runs -------------------------------------------------------------------------------------
def run_with_wagons() -> tuple[TrainRun, list[str], list[str]]:
    run = TrainRun.create("trn_1", "ent_a", "x8017", "CNURC", "DEDUI", T0)
    standard = [wagon(f"3180455{i:04d}") for i in range(3)]
    broad = [wagon(f"5{i:06d}") for i in range(3)]
    for w in standard:
        run.add_wagon(w, 1435)
    for w in broad:
        run.add_wagon(w, 1520)
    return run, standard, broad


def test_train_run_validates_its_fields() -> None:
    with pytest.raises(ValidationFailed) as exc:
        TrainRun.create("t", "e", "", "nowhere", "CNURC", datetime(2025, 1, 1), None)
    fields = {e.field for e in exc.value.errors}
    assert fields == {"train_number", "origin", "departure"}
    with pytest.raises(ValidationFailed) as exc:
        TrainRun.create("t", "e", "X1", "CNURC", "CN URC", T0, T0 - timedelta(hours=1))
    assert {e.field for e in exc.value.errors} == {"destination", "arrival"}


def test_container_gauge_change_at_a_break_of_gauge_point() -> None:
    run, standard, broad = run_with_wagons()
    c1, c2 = container(305438), container(305439)
    run.load(c1, standard[0], ["SMGS-1"])
    run.load(c2, standard[0], ["SMGS-2", "SMGS-3"])
    record = run.transship("CN HRS", T0 + timedelta(hours=5), [(c1, broad[0]), (c2, broad[1])], BOG)
    assert record.from_gauge is Gauge.STANDARD and record.to_gauge is Gauge.BROAD
    assert run.placements == {c1: broad[0], c2: broad[1]}
    assert run.consignments[c2] == ("SMGS-2", "SMGS-3")
    assert record.moves == ((c1, standard[0], broad[0]), (c2, standard[0], broad[1]))


def test_transshipment_refusals_change_nothing() -> None:
    run, standard, broad = run_with_wagons()
    c1, c2 = container(1), container(2)
    run.load(c1, standard[0], [])
    run.load(c2, broad[0], [])
    before = dict(run.placements)
    cases: list[tuple[str, list[tuple[str, str]], str]] = [
        ("CNURC", [(c1, broad[1])], "station"),  # not a break-of-gauge point
        ("CNHRS", [(c1, standard[1])], "moves[0].wagon"),  # same gauge
        ("CNHRS", [(container(3), broad[1])], "moves[0].container"),  # not on the train
        ("CNHRS", [(c1, broad[1]), (c1, broad[2])], "moves[1].container"),  # named twice
        ("CNHRS", [(c1, broad[1]), (c2, standard[1])], "moves"),  # both directions at once
        ("CNHRS", [], "moves"),
    ]
    for station, moves, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            run.transship(station, T0 + timedelta(hours=1), moves, BOG)
        assert field in {e.field for e in exc.value.errors}, (station, moves)
        assert run.placements == before
        assert run.transshipments == []


def test_a_container_cannot_be_loaded_twice() -> None:
    run, standard, _ = run_with_wagons()
    run.load(container(7), standard[0], [])
    with pytest.raises(Conflict):
        run.load(container(7), standard[1], [])
    with pytest.raises(ValidationFailed):
        run.load(container(8), wagon("00000000001"), [])
    with pytest.raises(ValidationFailed):
        run.load("CSQU3054384", standard[0], [])  # wrong ISO 6346 check digit
    with pytest.raises(Conflict):
        run.add_wagon(standard[0], 1435)


@given(
    st.lists(
        st.tuples(st.sampled_from(["load", "unload", "transship"]), st.integers(0, 5), st.integers(0, 5)),
        max_size=40,
    )
)
def test_a_container_is_never_on_two_wagons(ops: list[tuple[str, int, int]]) -> None:
    run, standard, broad = run_with_wagons()
    wagons = standard + broad
    containers = [container(i) for i in range(6)]
    for op, c, w in ops:
        try:
            if op == "load":
                run.load(containers[c], wagons[w], [])
            elif op == "unload":
                run.unload(containers[c])
            else:
                run.transship("KZHOR", T0 + timedelta(hours=1), [(containers[c], wagons[w])], BOG)
        except (ValidationFailed, Conflict):
            pass
        on_wagons = [x for wg in wagons for x in run.containers_on(wg)]
        assert len(on_wagons) == len(set(on_wagons)) == len(run.placements)
        assert all(p in run.wagons for p in run.placements.values())
        for t in run.transshipments:
            for _, src, dst in t.moves:
                assert run.wagons[src].gauge is t.from_gauge and run.wagons[dst].gauge is t.to_gauge


# -- vehicles ---------------------------------------------------------------------------------------
def vin(serial: int) -> str:
    draft = f"LGHXCAE2{0}M{serial:07d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def test_vehicle_export_validation_names_each_problem() -> None:
    e = new_export(
        "v1", "e", vin=vin(1), make=" sinotruk ", model="HOWO  T7H", category="n3", destination="kz",
        exit_port="CN HRS", exit_date=date(2025, 3, 4),
    )  # fmt: skip
    assert (e.make, e.model, e.destination, e.exit_port, e.month) == ("SINOTRUK", "HOWO T7H", "KZ", "CNHRS", "2025-03")
    with pytest.raises(ValidationFailed) as exc:
        new_export(
            "v2", "e", vin="LGHXCAE20M0000000", make="", model="x", category="M1", destination="CN",
            exit_port="KZALA", exit_date=date(2025, 3, 4), prefix="rows[3].",
        )  # fmt: skip
    assert {e.field for e in exc.value.errors} == {
        "rows[3].vin", "rows[3].make", "rows[3].category", "rows[3].destination", "rows[3].exit_port"
    }  # fmt: skip


@given(
    st.lists(
        st.tuples(st.sampled_from(["FAW", "SHACMAN", "FOTON"]), st.sampled_from(["KZ", "UZ", "KG", "RU"]),
                  st.dates(date(2023, 11, 1), date(2025, 9, 30))),
        max_size=60,
    )
)  # fmt: skip
def test_counts_by_make_destination_and_month_sum_to_the_total(rows: list[tuple[str, str, date]]) -> None:
    exports = [
        new_export(
            f"v{i}", "e", vin=vin(i), make=m, model="X", category="N3", destination=d, exit_port="CNHRS", exit_date=day
        )
        for i, (m, d, day) in enumerate(rows)
    ]
    for by in CountBy:
        counts = count(exports, by)
        assert sum(counts.values()) == len(exports)
        assert list(counts) == sorted(counts)
    assert count(exports, CountBy.MONTH) == dict(
        sorted({m: sum(1 for e in exports if e.month == m) for m in {e.month for e in exports}}.items())
    )


# -- air --------------------------------------------------------------------------------------------
def test_flight_numbers_and_awb_loads() -> None:
    assert flight_number_problem("cz 6901") is None
    assert flight_number_problem("3U8001A") is None
    assert flight_number_problem("12345") is not None
    assert flight_number_problem("CZ69012") is not None
    flight = Flight.create("f", "e", "CZ6901", date(2025, 8, 1), "urc", "ALA")
    flight.load(new_load("784-1234 5675", 3, Decimal("120.5"), Decimal("150")))
    with pytest.raises(Conflict):
        flight.load(new_load("78412345675", 1, Decimal(1), Decimal(1)))
    with pytest.raises(ValidationFailed) as exc:
        new_load("78412345670", 0, Decimal("10"), Decimal("9"))
    assert {e.field for e in exc.value.errors} == {"awb", "pieces", "chargeable_weight_kg"}
    assert flight.gross_weight_kg == Decimal("120.5")


def test_tonnage_per_month_with_year_on_year_change() -> None:
    flights = [
        FlightWeight(date(2024, 1, 10), Decimal("1000"), 2),
        FlightWeight(date(2025, 1, 5), Decimal("3000"), 3),
        FlightWeight(date(2025, 1, 20), Decimal("1700"), 1),
        FlightWeight(date(2025, 2, 1), Decimal("500"), 1),
    ]
    months = tonnage(2025, flights)
    assert [m.month for m in months] == list(range(1, 13))
    jan, feb = months[0], months[1]
    assert (jan.tonnes, jan.previous_year_tonnes, jan.flights, jan.awbs) == (Decimal("4.7"), Decimal(1), 2, 4)
    assert jan.yoy_change_percent == Decimal("370.0")
    assert feb.yoy_change_percent is None


@given(st.lists(st.tuples(st.dates(date(2023, 1, 1), date(2025, 12, 31)), st.integers(0, 100_000)), max_size=50))
def test_monthly_tonnage_sums_to_the_year(rows: list[tuple[date, int]]) -> None:
    flights = [FlightWeight(d, Decimal(kg), 1) for d, kg in rows]
    months = tonnage(2025, flights)
    assert sum(m.tonnes for m in months) * 1000 == sum(Decimal(kg) for d, kg in rows if d.year == 2025)
    assert sum(m.previous_year_tonnes for m in months) * 1000 == sum(Decimal(kg) for d, kg in rows if d.year == 2024)
    assert sum(m.flights for m in months) == sum(1 for d, _ in rows if d.year == 2025)


# -- mail -------------------------------------------------------------------------------------------
def test_s9_receptacle_identifier() -> None:
    assert receptacle_problem(RECEPTACLE) is None
    assert receptacle_weight_kg(RECEPTACLE) == Decimal("12.5")
    assert "29 characters" in (receptacle_problem(RECEPTACLE[:-1]) or "")
    assert "mail category" in (receptacle_problem(DISPATCH[:12] + "X" + RECEPTACLE[13:]) or "")
    assert "receptacle serial" in (receptacle_problem(DISPATCH + "000" + "00" + "0125") or "")
    assert "highest receptacle" in (receptacle_problem(DISPATCH + "001" + "5" + "0" + "0125") or "")
    assert "origin office" in (receptacle_problem("ZZKSSA" + RECEPTACLE[6:]) or "")


def raw_item(serial: int, **over: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "item_id": s10(serial),
        "receptacle_id": RECEPTACLE,
        "sender_country": "CN",
        "addressee_country": "KG",
        "category": "sale_of_goods",
        "form": "CN22",
        "gross_weight_kg": "0.8",
        "currency": "USD",
        "contents": [
            {"description": "cotton T-shirts", "quantity": 3, "net_weight_kg": "0.6", "value": "45",
             "hs_code": "610910", "origin_country": "CN"},
        ],
    }  # fmt: skip
    item.update(over)
    return item


def rules() -> ClearanceRules:
    return ClearanceRules.from_mapping(
        {
            "version": "t1",
            "cn23_above": {"USD": 400},
            "duty_free_up_to": {"USD": 110},
            "prohibited_hs": ["3604"],
            "controlled_hs": ["3004"],
        }
    )


def line(**over: Any) -> dict[str, Any]:
    base = {"description": "goods", "quantity": 1, "net_weight_kg": "0.1", "value": "10", "hs_code": "610910",
            "origin_country": "CN"}  # fmt: skip
    base.update(over)
    return base


@pytest.mark.parametrize(
    ("over", "outcome", "codes"),
    [
        ({}, Outcome.RELEASED, []),
        ({"contents": [line(value="500")], "form": "CN22"}, Outcome.HELD, ["CN23_REQUIRED", "DUTY"]),
        ({"contents": [line(value="90")], "form": "CN23"}, Outcome.RELEASED, []),
        ({"contents": [line(hs_code="360410")]}, Outcome.RETURNED, ["PROHIBITED"]),
        ({"contents": [line(hs_code="300490")]}, Outcome.HELD, ["CONTROLLED"]),
        ({"contents": [line(hs_code=None, origin_country=None)]}, Outcome.HELD, ["MISSING_DATA"]),
        ({"contents": []}, Outcome.HELD, ["NO_CONTENT"]),
        ({"contents": [], "category": "documents"}, Outcome.RELEASED, []),
        ({"currency": "JPY"}, Outcome.HELD, ["CURRENCY"]),
        ({"contents": [line(hs_code="360410"), line(hs_code=None)]}, Outcome.RETURNED, ["PROHIBITED", "MISSING_DATA"]),
    ],
)
def test_clearance_rules(over: dict[str, Any], outcome: Outcome, codes: list[str]) -> None:
    decided, reasons = rules().decide(parse_item(raw_item(1, **over)))
    assert decided is outcome
    assert [r.code for r in reasons] == codes


def test_item_parsing_names_every_malformed_field() -> None:
    bad = raw_item(1, item_id="RA000000000CN", sender_country="XX", form="CN99", currency="ABC")
    bad["contents"] = [line(quantity=0, hs_code="12", value="-1")]
    with pytest.raises(ValidationFailed) as exc:
        parse_item(bad, prefix="items[0].")
    assert {e.field for e in exc.value.errors} == {
        "items[0].item_id", "items[0].sender_country", "items[0].form", "items[0].currency",
        "items[0].contents[0].quantity", "items[0].contents[0].hs_code", "items[0].contents[0].value",
    }  # fmt: skip


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "value": st.decimals(0, 1000, places=2),
                "hs": st.sampled_from(["610910", "360410", "300490", None]),
                "currency": st.sampled_from(["USD", "JPY"]),
                "form": st.sampled_from(["CN22", "CN23"]),
                "category": st.sampled_from(["gift", "documents", "sale_of_goods", "returned_goods"]),
            }
        ),
        min_size=1,
        max_size=30,
    )
)
def test_every_item_of_a_cleared_dispatch_gets_exactly_one_answer(specs: list[dict[str, Any]]) -> None:
    dispatch = Dispatch(DISPATCH, "post", T0)
    for i, spec in enumerate(specs):
        item = parse_item(
            raw_item(i + 1, currency=spec["currency"], form=spec["form"], category=spec["category"],
                     contents=[line(value=str(spec["value"]), hs_code=spec["hs"])])
        )  # fmt: skip
        dispatch.add(item)
    answers = dispatch.clear(rules(), "officer", T0)
    assert sorted(a.item_id for a in answers) == sorted(dispatch.items)
    assert len({a.item_id for a in answers}) == len(answers)
    for a in answers:
        assert (a.outcome is Outcome.RELEASED) == (a.reasons == ())
    assert dispatch.state is DispatchState.CLEARED
    with pytest.raises(Conflict):
        dispatch.clear(rules(), "officer", T0)


def test_an_item_must_travel_in_a_receptacle_of_its_dispatch() -> None:
    dispatch = Dispatch("CNKSSAKGFRUAAUN50002", "post", T0)
    with pytest.raises(ValidationFailed):
        dispatch.add(parse_item(raw_item(1)))


def test_transshipments_are_in_time_order_between_departure_and_arrival() -> None:
    run, standard, broad = run_with_wagons()
    run.load(container(1), standard[0], [])
    run.transship("CNHRS", T0 + timedelta(hours=10), [(container(1), broad[0])], BOG)
    for at in (T0 - timedelta(minutes=1), T0 + timedelta(hours=9)):
        with pytest.raises(ValidationFailed) as exc:
            run.transship("BYBQT", at, [(container(1), standard[1])], BOG)
        assert [e.field for e in exc.value.errors] == ["at"]
    with pytest.raises(ValidationFailed):
        run.record_arrival(T0 + timedelta(hours=9))
    run.record_arrival(T0 + timedelta(days=12))
    with pytest.raises(ValidationFailed):
        run.transship("BYBQT", T0 + timedelta(days=13), [(container(1), standard[1])], BOG)
    record = run.transship("BYBQT", T0 + timedelta(days=8), [(container(1), standard[1])], BOG)
    assert (record.from_gauge, record.to_gauge) == (Gauge.BROAD, Gauge.STANDARD)
    assert run.placements == {container(1): standard[1]}
