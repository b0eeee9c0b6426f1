"""EPCIS event capture: events/s through the HTTP API and through the service, vs a raw insert, side by side;
then a consignment's history with N events stored: p50/p99 latency.

Goal (issue #5): event capture on SQLite and PostgreSQL, events/s through the API and in bulk, and the ratio
to a raw insert of the same rows; a consignment's history with 10 million events stored, p50/p99.

Capture, timed in alternating rounds (api, service, raw, api, service, raw ...) on the same database, each
batch ``--batch`` new events (ObjectEvents naming a container and a train, every tenth about a booked
consignment, every twentieth an AggregationEvent packing the container onto a wagon):

``api``
    ``POST /api/v1/logistics/events`` with the batch as an EPCIS 2.0 JSON-LD document, through the whole ASGI
    app in process (FastAPI TestClient: authentication, middleware, parsing, idempotency check, index,
    re-derivation of the consignments named, clock, audit, commit). No socket: see bench_http.py for those costs.
``service``
    ``handlers.capture`` with the batch already parsed (the same work minus HTTP and JSON parsing).
``raw``
    the same rows (events with their JSON, and the object index) with SQLAlchemy Core ``executemany`` in one
    transaction per batch. No parsing, no duplicate check, no consignments, no audit.

History: ``--history-events`` background events (default 200 000; ``--history-events 10000000`` for the
issue's 10 million) are loaded fast (PostgreSQL ``COPY``, SQLite ``executemany``), each naming its own
container and one of 1000 trains, plus the measured consignment's ``--own-events`` (default 60) events, some
about a wagon its container rode on. Then ``--queries`` calls of ``handlers.history`` for the consignment (the
full path: key lookup, index query, aggregate expansion, JSON decoding, event-time ordering) and of the bare
index query alone, p50/p99.

    .venv/bin/python bench/bench_events.py [--batch 200] [--rounds 3] [--seconds 3]
    .venv/bin/python bench/bench_events.py --database-url postgresql+psycopg://postgres@127.0.0.1:55432/postgres
    .venv/bin/python bench/bench_events.py --database-url postgresql+psycopg://... --history-events 10000000

With a PostgreSQL URL a database ``silkport_bench_<random>`` is created on that server and dropped at the end;
without one a SQLite file in a temp dir is used.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as pyplatform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from fastapi.testclient import TestClient
from sqlalchemy import Table, create_engine, insert, select, text
from sqlalchemy.engine import make_url

from silkport.bootstrap import Platform, bootstrap
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.domain.model import EnterpriseDetails, Sector
from silkport.enterprises.services import auth
from silkport.enterprises.services import handlers as enterprise_handlers
from silkport.entrypoints.cli.setup import demo_uscc, migrate_and_seed
from silkport.entrypoints.web.app import create_app
from silkport.infra.settings import Settings
from silkport.logistics.adapters.orm import EventObjectRow, TrackingEventRow
from silkport.logistics.domain.consignment import GoodsSummary, Party
from silkport.logistics.domain.epcis import event_to_json, parse_json
from silkport.logistics.domain.tracking import index_entries
from silkport.logistics.services import handlers
from silkport.logistics.services.handlers import BookConsignment, LegSpec
from silkport.shared.actor import SYSTEM, Actor, Role

EVENTS = cast(Table, TrackingEventRow.__table__)
OBJECTS = cast(Table, EventObjectRow.__table__)
T0 = datetime(2025, 9, 1, 2, 0, tzinfo=UTC)
PASSWORD = "bench-password-123"
CONTAINER = "urn:epc:id:bic:CSQU3054383"


def machine() -> str:
    model = "unknown CPU"
    with Path("/proc/cpuinfo").open(encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{model}, nproc {os.cpu_count()}, Python {pyplatform.python_version()} ({sys.implementation.name}), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


class Source:
    """Fresh, distinct events; some about booked consignments, some packing containers onto wagons."""

    def __init__(self, consignments: list[str]) -> None:
        self.n = 0
        self.consignments = consignments

    def event(self) -> dict[str, Any]:
        self.n += 1
        n = self.n
        at = (T0 + timedelta(seconds=n)).isoformat()
        container = f"urn:silkport:container:BNCH{n:07d}"
        if n % 20 == 0:
            return {
                "type": "AggregationEvent",
                "eventID": f"urn:uuid:{uuid.uuid4()}",
                "eventTime": at,
                "eventTimeZoneOffset": "+08:00",
                "parentID": f"urn:silkport:wagon:W{n % 500}",
                "childEPCs": [container],
                "action": "ADD",
                "bizStep": "loading",
                "readPoint": {"id": "CNHRS"},
            }
        epcs = [container, f"urn:silkport:train:X{n % 1000}"]
        if n % 10 == 0 and self.consignments:
            epcs = [self.consignments[n // 10 % len(self.consignments)]]
        return {
            "type": "ObjectEvent",
            "eventID": f"urn:uuid:{uuid.uuid4()}",
            "eventTime": at,
            "eventTimeZoneOffset": "+08:00",
            "epcList": epcs,
            "action": "OBSERVE",
            "bizStep": "inspecting" if n % 10 == 0 else "transporting",
            "disposition": "in_transit",
            "readPoint": {"id": "CNHRS"},
        }

    def batch(self, size: int) -> list[dict[str, Any]]:
        return [self.event() for _ in range(size)]


def document(events: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        {
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": T0.isoformat(),
            "epcisBody": {"eventList": events},
        }
    ).encode()


def raw_rows(events: list[dict[str, Any]], now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows the event store writes for these events (prepared outside the timing)."""
    event_rows: list[dict[str, Any]] = []
    object_rows: list[dict[str, Any]] = []
    for e in parse_json(events):
        ref = uuid.uuid4().hex
        at = e.event_time.astimezone(UTC)
        event_rows.append(
            {
                "ref": ref, "event_id": e.event_id, "event_type": e.type.value, "action": e.action.value,
                "event_time": at, "time_zone_offset": e.time_zone_offset, "record_time": now,
                "biz_step": e.biz_step, "disposition": e.disposition, "read_point": e.read_point,
                "biz_location": e.biz_location, "captured_by": "bench", "captured_for": None,
                "body": event_to_json(e),
            }
        )  # fmt: skip
        object_rows.extend(
            {"object_id": x.object_id, "event_ref": ref, "event_time": at, "role": x.role} for x in index_entries(e)
        )
    return event_rows, object_rows


def set_up(platform: Platform, consignments: int) -> tuple[str, list[str]]:
    details = EnterpriseDetails(
        name_en="Bench Logistics Co., Ltd.",
        name_zh="基准物流有限公司",
        country="CN",
        area_code="HORGOS",
        sectors=frozenset({Sector.LOGISTICS}),
        registration_date=date(2024, 1, 2),
        uscc=demo_uscc(901),
    )
    enterprise = enterprise_handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=details)
    ).id
    auth.create_user(
        platform.enterprises_uow(), SYSTEM, platform.hasher, username="bench-operator", password=PASSWORD,
        role=Role.LOGISTICS_OPERATOR, enterprise_id=enterprise, office_code=None,
    )  # fmt: skip
    ids = []
    for i in range(consignments):
        cmd = BookConsignment(
            document_kind="road_cmr",
            document_number=f"BENCH{i:06d}",
            shipper=Party("Shipper", "CN"),
            consignee=Party("Consignee", "KZ"),
            goods=GoodsSummary("goods", 1, Decimal("100")),
            legs=[LegSpec("road", "carrier", "CNHRS", "KZALA", T0, T0 + timedelta(hours=20))],
            corridor="HRS-ALA",
            equipment=[f"BNCHC{i:05d}"],
            enterprise_id=enterprise,
        )
        ids.append(handlers.book(platform.logistics_uow(), SYSTEM, cmd).id)
    return enterprise, ids


def capture_rounds(platform: Platform, args: argparse.Namespace, enterprise: str, consignments: list[str]) -> None:
    client = TestClient(create_app(platform))
    client.__enter__()
    token = client.post("/api/v1/auth/token", json={"username": "bench-operator", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}", "Content-Type": "application/ld+json"}
    actor = Actor("bench", "bench-operator", Role.LOGISTICS_OPERATOR, enterprise_id=enterprise)
    source = Source(consignments)
    totals: dict[str, list[tuple[int, float]]] = {"api": [], "service": [], "raw": []}

    def api() -> int:
        body = document(source.batch(args.batch))
        r = client.post("/api/v1/logistics/events", content=body, headers=headers)
        assert r.status_code == 200 and r.json()["accepted"] == args.batch, r.text
        return args.batch

    def service() -> tuple[int, float]:
        events = parse_json(source.batch(args.batch))
        start = time.perf_counter()
        report = handlers.capture(platform.logistics_uow(), actor, events)
        assert report.accepted == args.batch
        return args.batch, time.perf_counter() - start

    def raw() -> tuple[int, float]:
        event_rows, object_rows = raw_rows(source.batch(args.batch), datetime.now(UTC))
        start = time.perf_counter()
        with platform.engine.begin() as conn:
            conn.execute(insert(EVENTS), event_rows)
            conn.execute(insert(OBJECTS), object_rows)
        return args.batch, time.perf_counter() - start

    api()
    service()
    raw()  # warm-up
    for _ in range(args.rounds):
        for name in ("api", "service", "raw"):
            done, spent = 0, 0.0
            while spent < args.seconds:
                if name == "api":
                    start = time.perf_counter()
                    n = api()
                    elapsed = time.perf_counter() - start
                else:
                    n, elapsed = service() if name == "service" else raw()
                done += n
                spent += elapsed
            totals[name].append((done, spent))
    client.__exit__(None, None, None)
    rates = {k: [n / s for n, s in v] for k, v in totals.items()}
    raw_rate = statistics.median(rates["raw"])
    print(
        f"\ncapture, batches of {args.batch} events, {args.rounds} rounds of {args.seconds} s each (median of rounds)"
    )
    print(f"{'path':<9}{'events/s':>11}{'rounds':>28}{'vs raw':>9}")
    for name in ("api", "service", "raw"):
        med = statistics.median(rates[name])
        each = ", ".join(f"{r:,.0f}" for r in rates[name])
        print(f"{name:<9}{med:>11,.0f}{each:>28}{med / raw_rate:>8.1%}")


def _background(n: int, start_at: int) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    now = datetime.now(UTC)
    for i in range(start_at, start_at + n):
        ref = uuid.uuid4().hex
        at = T0 + timedelta(seconds=i)
        event_id = f"urn:uuid:bg-{i}"
        body = {
            "type": "ObjectEvent", "eventID": event_id, "eventTime": at.isoformat(), "eventTimeZoneOffset": "+00:00",
            "epcList": [f"BG{i:09d}"], "action": "OBSERVE", "bizStep": "transporting", "readPoint": {"id": "CNHRS"},
        }  # fmt: skip
        yield (
            (ref, event_id, "ObjectEvent", "OBSERVE", at, "+00:00", now, "transporting", None, "CNHRS", None,
             "bench", None, json.dumps(body)),
            (f"BG{i:09d}", ref, at, "epc"),
        )  # fmt: skip


EVENT_COLUMNS = (
    "ref, event_id, event_type, action, event_time, time_zone_offset, record_time, biz_step, disposition, "
    "read_point, biz_location, captured_by, captured_for, body"
)


def load_background(platform: Platform, n: int) -> float:
    """Load n events naming one object each (and one index row each) as fast as the database takes them."""
    start = time.perf_counter()
    if platform.engine.dialect.name == "postgresql":
        raw = platform.engine.raw_connection()
        try:
            cur = raw.cursor()
            chunk = 1_000_000
            for offset in range(0, n, chunk):
                size = min(chunk, n - offset)
                rows = list(_background(size, offset))
                with cur.copy(f"COPY logistics_events ({EVENT_COLUMNS}) FROM STDIN") as cp:  # type: ignore[attr-defined]
                    for event_row, _ in rows:
                        cp.write_row(event_row)
                with cur.copy("COPY logistics_event_objects (object_id, event_ref, event_time, role) FROM STDIN") as cp:  # type: ignore[attr-defined]
                    for _, object_row in rows:
                        cp.write_row(object_row)
                raw.commit()
                print(f"  loaded {offset + size:,} events ({time.perf_counter() - start:,.0f} s)", flush=True)
            cur.execute("ANALYZE logistics_events")
            cur.execute("ANALYZE logistics_event_objects")
            raw.commit()
        finally:
            raw.close()
    else:
        chunk = 50_000
        names = [c.strip() for c in EVENT_COLUMNS.split(",")]
        for offset in range(0, n, chunk):
            size = min(chunk, n - offset)
            rows = list(_background(size, offset))
            with platform.engine.begin() as conn:
                conn.execute(
                    insert(EVENTS), [dict(zip(names, (*e[:-1], json.loads(e[-1])), strict=True)) for e, _ in rows]
                )
                conn.execute(
                    insert(OBJECTS),
                    [dict(zip(("object_id", "event_ref", "event_time", "role"), o, strict=True)) for _, o in rows],
                )
            if (offset // chunk) % 20 == 19:
                print(f"  loaded {offset + size:,} events ({time.perf_counter() - start:,.0f} s)", flush=True)
        with platform.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - start


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))]


def history_latency(platform: Platform, args: argparse.Namespace, enterprise: str) -> None:
    print(f"\nhistory: loading {args.history_events:,} background events ...", flush=True)
    loaded = load_background(platform, args.history_events)
    cmd = BookConsignment(
        document_kind="road_cmr",
        document_number="HISTORY000001",
        shipper=Party("Shipper", "CN"),
        consignee=Party("Consignee", "KZ"),
        goods=GoodsSummary("goods", 1, Decimal("100")),
        legs=[LegSpec("road", "carrier", "CNHRS", "KZALA", T0, T0 + timedelta(hours=20))],
        corridor="HRS-ALA",
        equipment=["CSQU3054383"],
        enterprise_id=enterprise,
    )
    cid = handlers.book(platform.logistics_uow(), SYSTEM, cmd).id
    own: list[dict[str, Any]] = []
    for i in range(args.own_events):
        at = (T0 + timedelta(minutes=i)).isoformat()
        if i % 10 == 0:
            own.append({"type": "AggregationEvent", "eventID": f"urn:uuid:own-agg-{i}", "eventTime": at,
                        "eventTimeZoneOffset": "+08:00", "parentID": f"urn:silkport:wagon:HW{i}",
                        "childEPCs": ["urn:epc:id:bic:CSQU3054383"], "action": "ADD",
                        "bizStep": "loading"})  # fmt: skip
        elif i % 10 == 5:
            own.append({"type": "ObjectEvent", "eventID": f"urn:uuid:own-wagon-{i}", "eventTime": at,
                        "eventTimeZoneOffset": "+08:00", "epcList": [f"urn:silkport:wagon:HW{i - 5}"],
                        "action": "OBSERVE", "bizStep": "transporting"})  # fmt: skip
        else:
            own.append({"type": "ObjectEvent", "eventID": f"urn:uuid:own-{i}", "eventTime": at,
                        "eventTimeZoneOffset": "+08:00", "epcList": [cid], "action": "OBSERVE",
                        "bizStep": "inspecting" if i % 2 else "transporting"})  # fmt: skip
    handlers.capture(platform.logistics_uow(), SYSTEM, parse_json(own))
    with platform.engine.connect() as conn:
        stored = conn.execute(select(text("count(*)")).select_from(EVENTS)).scalar_one()
    full: list[float] = []
    bare: list[float] = []
    found = 0
    for _ in range(args.queries):
        start = time.perf_counter()
        h = handlers.history(platform.logistics_uow(), SYSTEM, cid)
        full.append(time.perf_counter() - start)
        found = len(h.events)
        start = time.perf_counter()
        with platform.engine.connect() as conn:
            conn.execute(
                select(TrackingEventRow.body)
                .join(EventObjectRow, EventObjectRow.event_ref == TrackingEventRow.ref)
                .where(EventObjectRow.object_id == cid)
                .order_by(EventObjectRow.event_time)
            ).all()
        bare.append(time.perf_counter() - start)
    print(
        f"  {stored:,} events stored (background loaded in {loaded:,.0f} s); the consignment's history: {found} events"
    )
    print(f"{'query':<44}{'p50 ms':>9}{'p99 ms':>9}   ({args.queries} calls)")
    for name, values in (
        ("handlers.history (keys, aggregates, decode)", full),
        ("bare index query (one object)", bare),
    ):
        print(f"{name:<44}{percentile(values, 50) * 1000:>9.2f}{percentile(values, 99) * 1000:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--consignments", type=int, default=50)
    parser.add_argument("--history-events", type=int, default=200_000)
    parser.add_argument("--own-events", type=int, default=60)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--skip-capture", action="store_true")
    args = parser.parse_args()

    name = None
    tmp = None
    if args.database_url.startswith("postgresql"):
        name = f"silkport_bench_{uuid.uuid4().hex[:10]}"
        server = make_url(args.database_url).set(database="postgres").render_as_string(hide_password=False)
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
    elif args.database_url:
        url = args.database_url
    else:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/bench.db"
    platform = bootstrap(Settings(database_url=url, secret_key="bench-secret-key-0123456789"), fast_hashing=True)
    try:
        print(machine())
        print(f"database: {platform.engine.dialect.name}")
        migrate_and_seed(platform)
        enterprise, consignments = set_up(platform, args.consignments)
        if not args.skip_capture:
            capture_rounds(platform, args, enterprise, consignments)
        history_latency(platform, args, enterprise)
    finally:
        platform.dispose()
        if name is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
