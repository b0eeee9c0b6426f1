"""The zone dashboard's queries on a large store: the time of each indicator, on SQLite and PostgreSQL.

Goal (issue #7): on the full demo, every dashboard query answers in under a second on SQLite and PostgreSQL.

The store is filled fast with SQLAlchemy Core bulk inserts (no services: the rows only need the shapes the
queries read), at the full demo's volumes with ``--scale 1`` (two years, Nov 2023 - Sep 2025):

    20,000 enterprises (+ sectors) · 1,000,000 declarations (+ one content version each, ~0.5 kB JSON, and the
    status change the services record with each: what the analytics' read models follow)
    780,000 vehicle exports · 30,000 flights with 150,000 AWB loads · 50,000 TIR transports (+ operations)
    200,000 consignments with delivery clocks · 50,000 bonded fuel uplifts · 20,000 bonded lots

The read models (``silkport.analytics.readmodel``) are built once after loading, timed apart. Then every
dashboard query (the indicators for the whole zone and for one area over Jan-Sep 2025, the
article's claims each over its own period, and the whole page's figures) runs ``--repeat`` times; the table
shows the median and the worst, in ms. The last row lodges 1,000 new declarations before each run of a
clearance query: its time includes the read models' catch-up.

    .venv/bin/python bench/bench_dashboard.py [--scale 0.25] [--repeat 3]
    .venv/bin/python bench/bench_dashboard.py --database-url postgresql+psycopg://postgres@127.0.0.1:55432/postgres

With a PostgreSQL URL a database ``silkport_bench_<random>`` is created on that server and dropped at the end
(``--keep`` keeps it, and the SQLite file); without one a SQLite file in a temp dir is used.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, create_engine, insert, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from silkport.analytics import indicators as ind
from silkport.analytics.claims import compute_claims
from silkport.analytics.indicators import Period
from silkport.analytics.readmodel import catch_up
from silkport.bonded.adapters.orm import (
    BondedAccountRow,
    BondedBalanceRow,
    BondedLotRow,
    BondedMovementRow,
    BondedUpliftRow,
)
from silkport.bootstrap import bootstrap
from silkport.clearance.adapters.orm import DeclarationRow, DeclarationVersionRow, RulebookRow, StatusHistoryRow
from silkport.enterprises.adapters.orm import EnterpriseRow, EnterpriseSectorRow
from silkport.entrypoints.cli.setup import migrate_and_seed
from silkport.entrypoints.web.dashboard_pages import figures
from silkport.infra.settings import Settings
from silkport.logistics.adapters.modes_orm import AwbLoadRow, FlightRow, VehicleExportRow
from silkport.logistics.adapters.orm import ConsignmentRow
from silkport.transit.adapters.orm import GuaranteeRow, OperationRow, TransportRow

START = datetime(2023, 11, 1, tzinfo=UTC)
DAYS = 700
SWITCH = datetime(2025, 3, 1, tzinfo=UTC)  # the smart-port rulebook
OFFICES = ["URC-AIR", "URM-RAIL", "HRS-RAIL", "HRS-ROAD", "KSS-TIR", "KSS-MAIL"]
PARTNERS = ["KZ", "KG", "UZ", "RU", "TJ", "DE", "PL", "TR", "AE", "PK", "MN", "BY"]
SECTORS = ["aviation", "logistics", "biomedicine", "vehicles", "trade", "manufacturing", "services", "energy"]
MAKES = ["FAW", "Sinotruk", "Shacman", "Dongfeng", "Foton", "JAC", "Yutong", "King Long"]
CORRIDORS = ["HRS-ALA", "KSS-KG", "URC-AIR", "CHINA-EUROPE", "KSS-MAIL"]
FILLER = [{"hs_code": "870421", "description": "Goods vehicle, diesel, GVW <= 5 t", "quantity": "1", "value": "1"}] * 3

BASE: dict[str, float] = {
    "enterprises": 20_000,
    "declarations": 1_000_000,
    "vehicles": 780_000,
    "flights": 30_000,
    "tir": 50_000,
    "consignments": 200_000,
    "uplifts": 50_000,
    "lots": 20_000,
}


def chunks(rows: Iterator[dict[str, Any]], size: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load(engine: Engine, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    n = 0
    for batch in chunks(rows):
        with engine.begin() as conn:
            conn.execute(insert(table), batch)
        n += len(batch)
    return n


def at(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.randrange(DAYS * 86400))


def declarations(
    engine: Engine, rng: random.Random, first: int, count: int, enterprises: int, when: datetime | None = None
) -> tuple[int, int]:
    """``count`` declarations from number ``first`` (95 % released), each with its content version and the
    status change the clearance services record with it (released, or risk assessed): what the analytics'
    read models follow. ``when``: every lodgement at that instant (new arrivals) instead of over two years."""

    def rows() -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
        for i in range(first, first + count):
            lodged = when or at(rng)
            kind = rng.choices(["import", "export", "transit"], [4, 5, 1])[0]
            released = rng.random() < 0.95
            smart = lodged >= SWITCH
            hours = rng.lognormvariate(0 if smart else 1.05, 0.5)
            partner = rng.choice(PARTNERS)
            row = {
                "id": f"dec{i:09d}",
                "declarant_id": f"ent{rng.randrange(enterprises):08d}",
                "type": kind,
                "office_code": rng.choice(OFFICES),
                "transport_mode": "road",
                "status": "released" if released else "risk_assessed",
                "lane": rng.choices(["green", "yellow", "red"], [80, 15, 5])[0],
                "rulebook_version": "smart-2" if smart else "manual-1",
                "settlement": "paid",
                "version": 1,
                "pre_arrival": False,
                "audit_flags": [],
                "customs_value_cny": Decimal(rng.randrange(10_000, 5_000_000)),
                "created_at": lodged,
                "lodgement_at": lodged,
                "acceptance_at": lodged + timedelta(seconds=60),
                "risk_assessment_at": lodged + timedelta(seconds=90),
                "release_at": lodged + timedelta(hours=hours) if released else None,
            }
            content = {
                "dispatch_country": partner if kind == "import" else "CN",
                "destination_country": "CN" if kind == "import" else partner,
                "items": FILLER,
            }
            version = {"declaration_id": row["id"], "version": 1, "content": content, "at": lodged, "actor": "bench"}
            change = {
                "declaration_id": row["id"],
                "at": row["release_at"] or row["risk_assessment_at"],
                "actor": "bench",
                "from_status": "cleared" if released else "accepted",
                "to_status": row["status"],
            }
            yield row, version, change

    dec_rows = 0
    for batch in chunks((r for r in rows()), 20_000):  # type: ignore[arg-type]
        with engine.begin() as conn:
            conn.execute(insert(DeclarationRow.__table__), [d for d, _, _ in batch])  # type: ignore[arg-type]
            conn.execute(insert(DeclarationVersionRow.__table__), [v for _, v, _ in batch])  # type: ignore[arg-type]
            conn.execute(insert(StatusHistoryRow.__table__), [h for _, _, h in batch])  # type: ignore[arg-type]
        dec_rows += len(batch)
    return dec_rows, dec_rows


def fill(engine: Engine, scale: float, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    n = {k: max(1, int(v * scale)) for k, v in BASE.items()}
    counts: dict[str, int] = {}

    def enterprises() -> Iterator[dict[str, Any]]:
        for i in range(n["enterprises"]):
            yield {
                "id": f"ent{i:08d}",
                "country": "CN",
                "name_en": f"Enterprise {i}",
                "area_code": rng.choice(["URUMQI", "HORGOS", "KASHGAR"]),
                "registration_date": (START + timedelta(days=rng.randrange(DAYS))).date(),
                "foreign_invested": rng.random() < 0.12,
                "credit_grade": "general",
                "status": "active",
                "version": 1,
            }

    counts["enterprises"] = load(engine, EnterpriseRow.__table__, enterprises())  # type: ignore[arg-type]
    counts["enterprise_sectors"] = load(
        engine,
        EnterpriseSectorRow.__table__,  # type: ignore[arg-type]
        (
            {"enterprise_id": f"ent{i:08d}", "sector": s}
            for i in range(n["enterprises"])
            for s in {rng.choice(SECTORS), rng.choice(SECTORS)}
        ),
    )
    with engine.begin() as conn:
        conn.execute(
            insert(RulebookRow.__table__),  # type: ignore[arg-type]
            [
                {
                    "version": "manual-1",
                    "content": {},
                    "fingerprint": "m",
                    "published_at": START,
                    "published_by": "b",
                    "active": False,
                },
                {
                    "version": "smart-2",
                    "content": {},
                    "fingerprint": "s",
                    "published_at": SWITCH,
                    "published_by": "b",
                    "active": True,
                },
            ],
        )

    dec_rows, ver_rows = declarations(engine, rng, 0, n["declarations"], n["enterprises"])
    counts["declarations"], counts["declaration_versions"] = dec_rows, ver_rows

    def vehicles() -> Iterator[dict[str, Any]]:
        for i in range(n["vehicles"]):
            day = (START + timedelta(days=rng.randrange(DAYS))).date()
            yield {
                "id": f"veh{i:09d}",
                "enterprise_id": "ent00000001",
                "vin": f"LB{i:015d}",
                "make": rng.choice(MAKES),
                "model": "X",
                "category": "N3",
                "destination": rng.choice(PARTNERS[:5]),
                "exit_port": "CNHRS" if rng.random() < 0.95 else "CNKSS",
                "exit_date": day,
                "exit_month": day.strftime("%Y-%m"),
                "created_at": START,
            }

    counts["vehicle_exports"] = load(engine, VehicleExportRow.__table__, vehicles())  # type: ignore[arg-type]

    def flights() -> Iterator[dict[str, Any]]:
        for i in range(n["flights"]):
            yield {
                "id": f"fl{i:08d}",
                "enterprise_id": "ent00000002",
                "flight_number": f"KC{i % 9000}",
                "flight_date": (START + timedelta(days=i * DAYS // n["flights"])).date(),
                "origin": "URC",
                "destination": rng.choice(["ALA", "TAS", "FRU", "IST", "DXB"]),
                "created_at": START,
            }

    counts["flights"] = load(engine, FlightRow.__table__, flights())  # type: ignore[arg-type]
    counts["awb_loads"] = load(
        engine,
        AwbLoadRow.__table__,  # type: ignore[arg-type]
        (
            {
                "flight_id": f"fl{i:08d}",
                "awb": f"{i:08d}{j:03d}",
                "pieces": 3,
                "gross_weight_kg": Decimal(rng.randrange(100, 4000)),
                "chargeable_weight_kg": Decimal(4000),
            }
            for i in range(n["flights"])
            for j in range(5)
        ),
    )

    def tir() -> Iterator[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]:
        for i in range(n["tir"]):
            created = at(rng)
            ref = f"XK{i:08d}"
            g = {
                "reference": ref,
                "chain": "IRU",
                "holder_id": "CHN/1/1",
                "holder_enterprise_id": "e",
                "amount": Decimal(1),
                "currency": "EUR",
                "valid_until": created,
                "registered_at": created,
                "updated_at": created,
                "state": "used",
                "transport_id": f"tir{i:08d}",
            }
            t = {
                "id": f"tir{i:08d}",
                "guarantee_reference": ref,
                "holder_id": "CHN/1/1",
                "holder_enterprise_id": "e",
                "vehicle": "V",
                "goods_description": "g",
                "gross_mass_kg": Decimal(1),
                "state": "terminated",
                "current_seals": [],
                "created_at": created,
                "w2w_seconds": int(rng.uniform(36, 80) * 3600),
            }
            ops = [
                {
                    "transport_id": t["id"],
                    "sequence": k + 1,
                    "country": c,
                    "office_of_start": "A",
                    "office_of_end": "B",
                    "state": "discharged",
                    "seals_at_start": [],
                    "seals_at_termination": [],
                }
                for k, c in enumerate(("CN", rng.choice(["KG", "KG", "KZ", "UZ"])))
            ]
            yield g, t, ops

    count = 0
    for batch in chunks((x for x in tir()), 10_000):  # type: ignore[arg-type]
        with engine.begin() as conn:
            conn.execute(insert(GuaranteeRow.__table__), [g for g, _, _ in batch])  # type: ignore[arg-type]
            conn.execute(insert(TransportRow.__table__), [t for _, t, _ in batch])  # type: ignore[arg-type]
            conn.execute(insert(OperationRow.__table__), [o for _, _, ops in batch for o in ops])  # type: ignore[arg-type]
        count += len(batch)
    counts["tir_transports"] = count

    def consignments() -> Iterator[dict[str, Any]]:
        for i in range(n["consignments"]):
            started = at(rng)
            finished = started + timedelta(hours=rng.uniform(2, 90))
            yield {
                "id": f"con{i:09d}",
                "enterprise_id": "e",
                "document_kind": "cmr",
                "document_number": f"D{i}",
                "mode": "road",
                "corridor": rng.choice(CORRIDORS),
                "shipper": {},
                "consignee": {},
                "goods_description": "g",
                "packages": 1,
                "gross_mass_kg": Decimal(1),
                "declaration_ids": [],
                "equipment": [],
                "status": "delivered",
                "milestones": [],
                "created_at": started,
                "updated_at": finished,
                "clock_status": "on_time" if rng.random() < 0.9 else "breached",
                "clock_started_at": started,
                "clock_finished_at": finished,
            }

    counts["consignments"] = load(engine, ConsignmentRow.__table__, consignments())  # type: ignore[arg-type]

    with engine.begin() as conn:
        conn.execute(
            insert(BondedAccountRow.__table__),
            [
                {
                    "id": "stock:b",
                    "kind": "stock",
                    "owner_id": "b",
                    "site": "URC",
                    "label": "s",
                    "allows_negative": False,
                }
            ],
        )  # type: ignore[arg-type]
    counts["bonded_lots"] = load(
        engine,
        BondedLotRow.__table__,  # type: ignore[arg-type]
        (
            {
                "id": f"lot{i:08d}",
                "owner_id": "b",
                "status": "bonded",
                "category": "parts",
                "hs_code": "880730",
                "description": "p",
                "origin": "FR",
                "unit": "H87",
                "quantity": Decimal(100),
                "value": Decimal(1000),
                "currency": "USD",
                "declaration_ref": "D",
                "admitted_at": START,
                "loss_allowance_pct": Decimal(0),
            }
            for i in range(n["lots"])
        ),
    )
    load(
        engine,
        BondedBalanceRow.__table__,
        (
            {
                "account_id": "stock:b",
                "lot_id": f"lot{i:08d}",
                "quantity": Decimal(rng.randrange(0, 100)),
                "allows_negative": False,
            }
            for i in range(n["lots"])
        ),
    )  # type: ignore[arg-type]

    def uplifts() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for i in range(n["uplifts"]):
            when = at(rng)
            mid = f"mov{i:09d}"
            yield (
                {"id": mid, "kind": "fuel_uplift", "owner_id": "b", "at": when, "actor_id": "u"},
                {
                    "id": mid,
                    "supplier_id": "b",
                    "airline_id": "a",
                    "flight_number": "KC1",
                    "aircraft_registration": "UP-A1",
                    "next_airport": "KZALA",
                    "international": True,
                    "tank": "T1",
                    "quantity": Decimal(rng.randrange(1000, 40000)),
                    "at": when,
                    "month": when.strftime("%Y-%m"),
                    "duty": Decimal(rng.randrange(1000, 40000)),
                },
            )

    count = 0
    for batch in chunks((x for x in uplifts()), 20_000):  # type: ignore[arg-type]
        with engine.begin() as conn:
            conn.execute(insert(BondedMovementRow.__table__), [m for m, _ in batch])  # type: ignore[arg-type]
            conn.execute(insert(BondedUpliftRow.__table__), [u for _, u in batch])  # type: ignore[arg-type]
        count += len(batch)
    counts["bonded_uplifts"] = count
    return counts


def queries() -> list[tuple[str, Callable[[Session], object]]]:
    jan_sep = Period(date(2025, 1, 1), date(2025, 9, 30))
    two_years = Period(date(2023, 11, 1), date(2025, 9, 30))
    out: list[tuple[str, Callable[[Session], object]]] = []
    for area in (None, "HORGOS"):
        tag = area or "zone"
        out += [
            (f"new_enterprises [{tag}]", lambda s, a=area: ind.new_enterprises(s, jan_sep, a)),
            (f"foreign_trade [{tag}]", lambda s, a=area: ind.foreign_trade(s, jan_sep, a)),
            (f"bilateral_trade [{tag}]", lambda s, a=area: ind.bilateral_trade(s, jan_sep, a)),
            (f"air_cargo (+ year before) [{tag}]", lambda s, a=area: ind.air_cargo(s, jan_sep, a)),
            (f"vehicle_exports [{tag}]", lambda s, a=area: ind.vehicle_exports(s, jan_sep, a)),
            (f"clearance_times [{tag}]", lambda s, a=area: ind.clearance_times(s, jan_sep, a)),
        ]
    out += [
        ("vehicle_exports, two years [HORGOS]", lambda s: ind.vehicle_exports(s, two_years, "HORGOS")),
        ("clearance_times, two years [HORGOS]", lambda s: ind.clearance_times(s, two_years, "HORGOS")),
        ("delivery_compliance [zone]", lambda s: ind.delivery_compliance(s, jan_sep)),
        ("tir_deliveries KG [zone]", lambda s: ind.tir_deliveries(s, jan_sep, "KG")),
        ("bonded [zone]", lambda s: ind.bonded(s, jan_sep)),
        ("claims (each its own period)", lambda s: compute_claims(s)),
        ("whole page figures [zone]", lambda s: figures(s, jan_sep, None)),
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--scale", type=float, default=0.25, help="1 = the full demo's volumes")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    admin = None
    if args.database_url.startswith("postgresql"):
        name = f"silkport_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(make_url(args.database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
    else:
        name = str(Path(tempfile.mkdtemp(prefix="silkport-bench-")) / "dashboard.db")
        url = f"sqlite:///{name}"
    platform = bootstrap(Settings(database_url=url), fast_hashing=True)
    try:
        migrate_and_seed(platform)
        t0 = time.perf_counter()
        counts = fill(platform.engine, args.scale)
        if platform.engine.dialect.name == "postgresql":
            with platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with platform.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        loaded = time.perf_counter() - t0
        t1 = time.perf_counter()
        with platform.session_factory() as session:
            built = catch_up(session)
        caught_up = time.perf_counter() - t1
        print(f"database: {platform.engine.dialect.name}  scale {args.scale}  loaded in {loaded:.0f} s")
        print(
            f"read models built in {caught_up:.1f} s (once): countries of {built.countries_added:,} content versions,"
            f" clearance entries of {built.declarations_recounted:,} released declarations,"
            f" {built.vehicles_added:,} vehicle day groups"
        )
        for table, c in counts.items():
            print(f"  {table:>22}: {c:>10,}")
        print(f"\n| query | median ms | worst ms | (of {args.repeat}) |\n|---|---:|---:|---|")
        slowest = 0.0
        for label, run in queries():
            times = []
            for _ in range(args.repeat):
                with platform.read_sessions()() as session:
                    start = time.perf_counter()
                    run(session)
                    times.append((time.perf_counter() - start) * 1000)
            slowest = max(slowest, max(times))
            print(f"| {label} | {statistics.median(times):,.0f} | {max(times):,.0f} | |")
        # data arriving: each round 1,000 declarations are lodged (and 95 % released) on the period's last day,
        # then the clearance query runs, catch-up of the read model included
        rng = random.Random(11)
        first = counts["declarations"]
        arrivals = []
        for k in range(args.repeat):
            declarations(
                platform.engine, rng, first + k * 1000, 1000, counts["enterprises"], datetime(2025, 9, 29, tzinfo=UTC)
            )
            with platform.read_sessions()() as session:
                start = time.perf_counter()
                ind.clearance_times(session, Period(date(2025, 1, 1), date(2025, 9, 30)))
                arrivals.append((time.perf_counter() - start) * 1000)
        slowest = max(slowest, max(arrivals))
        label = "clearance_times [zone] after 1,000 new declarations (catch-up included)"
        print(f"| {label} | {statistics.median(arrivals):,.0f} | {max(arrivals):,.0f} | |")
        print(f"\nslowest single query: {slowest:,.0f} ms")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        sys.stdout.flush()
    finally:
        platform.dispose()
        if admin is not None:
            if not args.keep:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        elif not args.keep:
            Path(name).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
