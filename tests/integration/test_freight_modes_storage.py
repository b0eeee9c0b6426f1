"""Freight modes storage: aggregates round-trip exactly, counts are computed in SQL, simultaneous
announcements of one dispatch or one VIN store it once (SQLite by default, PostgreSQL via pg_platform)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from stdnum import iso6346

from silkport.bootstrap import Platform
from silkport.logistics.adapters.modes_orm import PostalItemRow, VehicleExportRow
from silkport.logistics.domain.identifiers import s10_check_digit, vin_check_digit
from silkport.logistics.domain.rail import luhn_check_digit
from silkport.logistics.domain.vehicles import CountBy
from silkport.logistics.services import modes
from silkport.shared.actor import Actor, Role
from silkport.shared.errors import Conflict

OPERATOR = Actor("u-op", "operator", Role.LOGISTICS_OPERATOR, enterprise_id="ent_post")
TRADER = Actor("u-tr", "trader", Role.TRADER, enterprise_id="ent_trader")
AIRLINE = Actor("u-air", "airline", Role.AIRLINE, enterprise_id="ent_air")
OFFICER = Actor("u-off", "officer", Role.CUSTOMS_OFFICER, office_code="KSS-MAIL")
ADMIN = Actor("u-adm", "admin", Role.ADMIN)
T0 = datetime(2025, 9, 1, 8, tzinfo=UTC)
DISPATCH = "CNKSSAKGFRUAAUN50001"
RECEPTACLE = DISPATCH + "001" + "9" + "1" + "0210"


def vin(serial: int) -> str:
    draft = f"LGHXCAE20M{serial:07d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def s10(serial: int) -> str:
    digits = f"{serial:08d}"
    return f"EE{digits}{s10_check_digit(digits)}CN"


def item(serial: int) -> dict[str, Any]:
    return {
        "item_id": s10(serial), "receptacle_id": RECEPTACLE, "sender_country": "CN", "addressee_country": "KG",
        "category": "gift", "form": "CN23", "gross_weight_kg": "1.250", "currency": "CNY",
        "contents": [{"description": "silk scarf", "quantity": 2, "net_weight_kg": "0.3", "value": "560.5",
                      "hs_code": "621410", "origin_country": "CN"}],
    }  # fmt: skip


def test_train_run_round_trips_with_wagons_containers_and_transshipments(platform: Platform) -> None:
    run = modes.create_train_run(
        platform.freight_uow(), OPERATOR, train_number="80001/80002", origin="CNURC", destination="PLMAA",
        departure=T0,
    )  # fmt: skip
    std, broad = "31804552001" + luhn_check_digit("31804552001"), "5000001" + luhn_check_digit("5000001")
    modes.add_wagon(platform.freight_uow(), OPERATOR, run.id, number=std, gauge=1435)
    modes.add_wagon(platform.freight_uow(), OPERATOR, run.id, number=broad, gauge=1520)
    box = "TGHU000001"
    box += iso6346.calc_check_digit(box)
    modes.load_container(platform.freight_uow(), OPERATOR, run.id, container=box, wagon=std, consignments=["A", "B"])
    modes.transship(
        platform.freight_uow(), OPERATOR, run.id, station="KZHOR", at=T0 + timedelta(hours=30), moves=[(box, broad)]
    )
    stored = modes.get_train_run(platform.freight_uow(), OFFICER, run.id)
    assert stored.placements == {box: broad}
    assert stored.consignments == {box: ("A", "B")}
    assert stored.transshipments[0].at == T0 + timedelta(hours=30)
    assert stored.transshipments[0].moves == ((box, std, broad),)
    assert stored.departure == T0


def test_flight_loads_round_trip_and_tonnage_is_summed_in_sql(platform: Platform) -> None:
    flight = modes.create_flight(
        platform.freight_uow(), AIRLINE, flight_number="CZ6901", flight_date=date(2025, 8, 3), origin="URC",
        destination="FRU",
    )  # fmt: skip
    modes.load_awb(platform.freight_uow(), AIRLINE, flight.id, awb="78412345675", pieces=2,
                   gross_weight_kg=Decimal("100.125"), chargeable_weight_kg=Decimal("120"))  # fmt: skip
    modes.load_awb(platform.freight_uow(), AIRLINE, flight.id, awb="78412345686", pieces=1,
                   gross_weight_kg=Decimal("0.875"), chargeable_weight_kg=Decimal("1"))  # fmt: skip
    modes.offload_awb(platform.freight_uow(), AIRLINE, flight.id, "784-1234 5686")
    stored = modes.get_flight(platform.freight_uow(), AIRLINE, flight.id)
    assert [(a.awb, a.gross_weight_kg) for a in stored.loads.values()] == [("78412345675", Decimal("100.125"))]
    aug = modes.air_tonnage(platform.freight_uow(), ADMIN, 2025)[7]
    assert (aug.tonnes, aug.flights, aug.awbs) == (Decimal("0.100125"), 1, 1)


def test_dispatch_round_trips_with_answers(platform: Platform) -> None:
    modes.receive_itmatt(platform.freight_uow(), OPERATOR, [item(1), item(2)])
    _, answers = modes.clear_dispatch(platform.freight_uow(), OFFICER, DISPATCH)
    stored = modes.get_dispatch(platform.freight_uow(), OPERATOR, DISPATCH)
    assert stored.answers == {a.item_id: a for a in answers}
    assert stored.receptacles == [RECEPTACLE]
    assert stored.items[s10(1)].contents[0].value == Decimal("560.5")


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["FAW", "FOTON"]), st.sampled_from(["KZ", "UZ"]),
                          st.dates(date(2024, 11, 1), date(2025, 2, 28))), min_size=1, max_size=12))  # fmt: skip
def test_sql_counts_sum_to_the_stored_exports(platform: Platform, rows: list[tuple[str, str, date]]) -> None:
    with platform.engine.begin() as conn:
        conn.execute(VehicleExportRow.__table__.delete())
    base = int(datetime.now(UTC).timestamp() * 1000) % 1_000_000
    batch = [
        {"vin": vin(base * 10 + i), "make": m, "model": "X", "category": "N3", "destination": d,
         "exit_port": "CNHRS", "exit_date": day.isoformat()}
        for i, (m, d, day) in enumerate(rows)
    ]  # fmt: skip
    modes.register_vehicle_exports(platform.freight_uow(), TRADER, batch)
    for by in CountBy:
        counts = modes.count_vehicle_exports(platform.freight_uow(), TRADER, by)
        assert sum(counts.values()) == len(rows)
    by_year = modes.count_vehicle_exports(platform.freight_uow(), ADMIN, CountBy.MONTH, 2025)
    assert sum(by_year.values()) == sum(1 for *_, day in rows if day.year == 2025)


def _race(platform: Platform, fn: Any, n: int = 4) -> list[str]:
    def attempt(_: int) -> str:
        try:
            fn()
            return "ok"
        except Conflict:
            return "conflict"

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(attempt, range(n)))


@pytest.mark.parametrize("which", ["sqlite_or_configured", "postgresql"])
def test_simultaneous_announcements_store_once(which: str, request: pytest.FixtureRequest) -> None:
    platform: Platform = request.getfixturevalue("platform" if which == "sqlite_or_configured" else "pg_platform")
    results = _race(platform, lambda: modes.receive_itmatt(platform.freight_uow(), OPERATOR, [item(7)]))
    assert sorted(results) == ["conflict"] * 3 + ["ok"]
    results = _race(
        platform,
        lambda: modes.register_vehicle_exports(
            platform.freight_uow(),
            TRADER,
            [
                {
                    "vin": vin(42),
                    "make": "FAW",
                    "model": "J6",
                    "category": "N3",
                    "destination": "KZ",
                    "exit_port": "CNHRS",
                    "exit_date": "2025-05-05",
                }
            ],
            bulk=False,
        ),
    )
    assert sorted(results) == ["conflict"] * 3 + ["ok"]
    with platform.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(PostalItemRow)) == 1
        assert s.scalar(select(func.count()).select_from(VehicleExportRow)) == 1


@pytest.mark.parametrize("which", ["sqlite_or_configured", "postgresql"])
def test_simultaneous_loads_on_one_train_lose_no_container(which: str, request: pytest.FixtureRequest) -> None:
    """The run is written whole under a row lock: concurrent loads serialise, none overwrites another."""
    platform: Platform = request.getfixturevalue("platform" if which == "sqlite_or_configured" else "pg_platform")
    run = modes.create_train_run(
        platform.freight_uow(), OPERATOR, train_number="X9001", origin="CNURC", destination="BYMSQ", departure=T0
    )
    wagon = "31804552001" + luhn_check_digit("31804552001")
    modes.add_wagon(platform.freight_uow(), OPERATOR, run.id, number=wagon, gauge=1435)
    boxes = []
    for i in range(8):
        body = f"MSKU{i:06d}"
        boxes.append(body + iso6346.calc_check_digit(body))

    def load(box: str) -> None:
        modes.load_container(platform.freight_uow(), OPERATOR, run.id, container=box, wagon=wagon, consignments=[])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(load, boxes))
    stored = modes.get_train_run(platform.freight_uow(), OPERATOR, run.id)
    assert sorted(stored.placements) == sorted(boxes)
    # the same container unloaded by four requests at once: one wins, the others are a 409
    results = _race(platform, lambda: modes.unload_container(platform.freight_uow(), OPERATOR, run.id, boxes[0]))
    assert sorted(results) == ["conflict"] * 3 + ["ok"]
