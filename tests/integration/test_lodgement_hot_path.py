"""The lodgement's hot path keeps its promises: the rows written together are the rows given, in their order;
a rulebook a supervisor publishes judges the next lodgement, whichever server takes it; the write burst is
atomic; a pooled connection the server dropped is replaced. Runs on the configured database (SQLite, or
PostgreSQL with SILKPORT_DATABASE_URL), the pool tests on PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from silkport.bootstrap import Platform, bootstrap
from silkport.clearance.adapters.rulebook_file import default_rulebook
from silkport.clearance.schemas import DeclarationOut
from silkport.clearance.services.handlers import publish_rulebook
from silkport.infra import db
from silkport.infra.audit import verify_chain
from silkport.shared.actor import Actor, Role
from tests.conftest import Zone
from tests.factories import declaration

SUPERVISOR = Actor("sup", "supervisor", Role.CUSTOMS_SUPERVISOR)

# -- insert_together: the rows given, in order, parents before children -------------------------------------

_META = MetaData()
PARENTS = Table(
    "hot_path_parents",
    _META,
    Column("id", String(16), primary_key=True),
    Column("n", Integer),
    Column("data", JSON),
    Column("at", DateTime(timezone=True)),
    Column("amount", Numeric(18, 2)),
)
CHILDREN = Table(
    "hot_path_children",
    _META,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("parent_id", String(16), ForeignKey("hot_path_parents.id")),
    Column("label", String(32)),
)
COUNTERS = Table("hot_path_counters", _META, Column("key", String(8), primary_key=True), Column("n", Integer))


def _upsert(dialect: str) -> Any:
    base: Any = (postgres_insert if dialect == "postgresql" else sqlite_insert)(COUNTERS)
    return base.on_conflict_do_update(index_elements=["key"], set_={"n": COUNTERS.c.n + base.excluded.n})


@pytest.fixture
def scratch(platform: Platform) -> Iterator[Engine]:
    _META.create_all(platform.engine)
    yield platform.engine
    _META.drop_all(platform.engine)


_ids = itertools.count()
BASE_AT = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
texts = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=8)  # PostgreSQL
parent_rows = st.lists(
    st.fixed_dictionaries(
        {
            "n": st.integers(-1000, 1000),
            "data": st.dictionaries(st.sampled_from("abc"), st.integers(0, 9) | texts, max_size=3),
            "minutes": st.integers(0, 10_000),
            "amount": st.decimals(-(10**6), 10**6, places=2, allow_nan=False, allow_infinity=False),
        }
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parents=parent_rows,
    children=st.lists(st.tuples(st.integers(0, 3), texts), max_size=8),
    counts=st.dictionaries(st.sampled_from(["k1", "k2", "k3"]), st.integers(1, 5), max_size=3),
)
def test_rows_written_together_are_the_rows_given_in_their_order(
    scratch: Engine,
    parents: list[dict[str, Any]],
    children: list[tuple[int, str]],
    counts: dict[str, int],
) -> None:
    tag = f"p{next(_ids)}-"
    prows = [
        {
            "id": f"{tag}{i}",
            "n": p["n"],
            "data": p["data"],
            "at": BASE_AT + timedelta(minutes=p["minutes"]),
            "amount": p["amount"],
        }
        for i, p in enumerate(parents)
    ]
    crows = [{"parent_id": prows[k % len(prows)]["id"], "label": label} for k, label in children]
    with scratch.begin() as conn:
        before = dict(conn.execute(select(COUNTERS.c.key, COUNTERS.c.n)).all())
        low = conn.execute(select(func.coalesce(func.max(CHILDREN.c.seq), 0))).scalar_one()
        db.insert_together(
            conn,
            [
                (insert(PARENTS), prows),
                (insert(CHILDREN), crows),
                (_upsert(conn.dialect.name), [{"key": k, "n": n} for k, n in sorted(counts.items())]),
            ],
        )
    with scratch.connect() as conn:
        stored = conn.execute(select(PARENTS).where(PARENTS.c.id.startswith(tag)).order_by(PARENTS.c.id)).all()
        kids = conn.execute(
            select(CHILDREN.c.parent_id, CHILDREN.c.label).where(CHILDREN.c.seq > low).order_by(CHILDREN.c.seq)
        ).all()
        after = dict(conn.execute(select(COUNTERS.c.key, COUNTERS.c.n)).all())
    expected = sorted(prows, key=lambda r: r["id"])
    assert [r.id for r in stored] == [r["id"] for r in expected]
    for got, want in zip(stored, expected, strict=True):
        assert (got.n, got.data, got.amount) == (want["n"], want["data"], want["amount"])
        assert got.at.replace(tzinfo=got.at.tzinfo or UTC) == want["at"]
    assert [tuple(k) for k in kids] == [(c["parent_id"], c["label"]) for c in crows], "children in the given order"
    assert after == {k: before.get(k, 0) + counts.get(k, 0) for k in set(before) | set(counts)}


def test_a_batch_too_big_to_combine_goes_table_by_table(scratch: Engine) -> None:
    prows = [{"id": f"big-{i}", "n": i, "data": {}, "at": BASE_AT, "amount": Decimal("1.00")} for i in range(3)]
    crows = [{"parent_id": f"big-{i % 3}", "label": f"c{i}"} for i in range(600)]  # 1,200 values
    with scratch.begin() as conn:
        db.insert_together(conn, [(insert(PARENTS), prows), (insert(CHILDREN), crows)])
    with scratch.connect() as conn:
        labels = conn.execute(select(CHILDREN.c.label).order_by(CHILDREN.c.seq)).scalars().all()
    assert labels == [f"c{i}" for i in range(600)]


def test_a_child_without_its_parent_fails_the_whole_write(scratch: Engine) -> None:
    if scratch.dialect.name == "sqlite":
        with scratch.connect() as conn:
            if not conn.exec_driver_sql("PRAGMA foreign_keys").scalar():
                pytest.skip("foreign keys are off on this connection")
    prow = {"id": "orphan-p", "n": 1, "data": {}, "at": BASE_AT, "amount": Decimal("0")}
    with pytest.raises(Exception), scratch.begin() as conn:  # noqa: B017 (the driver's IntegrityError)
        db.insert_together(
            conn,
            [(insert(PARENTS), [prow]), (insert(CHILDREN), [{"parent_id": "nobody", "label": "x"}])],
        )
    with scratch.connect() as conn:
        assert conn.execute(select(func.count()).select_from(PARENTS)).scalar_one() == 0


# -- the rulebook: a publication applies to the next lodgement, on any server -------------------------------


@pytest.fixture
def second_server(platform: Platform) -> Iterator[Platform]:
    """Another process's view of the same database: its own engine and pool (like a second uvicorn worker)."""
    other = bootstrap(platform.settings, clock=platform.clock, fast_hashing=True)
    yield other
    other.dispose()


_versions = itertools.count()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["publish", "lodge"]), st.booleans()), min_size=1, max_size=6))
def test_the_next_lodgement_is_judged_by_the_rulebook_just_published(
    zone: Zone, second_server: Platform, steps: list[tuple[str, bool]]
) -> None:
    from fastapi.testclient import TestClient

    from silkport.entrypoints.web.app import create_app

    servers = {False: zone.platform, True: second_server}
    with TestClient(create_app(second_server)) as other_client:
        clients = {False: zone.client, True: other_client}
        with zone.platform.clearance_uow() as uow:
            current = uow.rulebooks.active().version
        for action, on_second in steps:
            if action == "publish":
                current = f"hot-path-{next(_versions)}"
                rulebook = replace(default_rulebook(), version=current, random_rate=Decimal(0))
                publish_rulebook(servers[on_second].clearance_uow(), SUPERVISOR, rulebook)
            else:
                body = declaration(lrn=f"HP-{next(_versions)}")
                r = clients[on_second].post("/api/v1/declarations", json=body, headers=zone.headers("trader_a"))
                assert r.status_code == 201, r.text
                assert r.json()["rulebook_version"] == current


# -- the lodgement's response and its write ----------------------------------------------------------------


def _count(platform: Platform, table: str) -> int:
    with platform.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_the_lodgement_answers_201_with_its_location_and_the_documented_body(zone: Zone) -> None:
    r = zone.client.post("/api/v1/declarations", json=declaration(lrn="HP-BODY"), headers=zone.headers("trader_a"))
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert r.headers["location"] == f"/api/v1/declarations/{body['id']}"
    assert DeclarationOut.model_validate(body).model_dump(mode="json", by_alias=True) == body
    again = zone.client.get(r.headers["location"], headers=zone.headers("trader_a")).json()
    assert {k: again[k] for k in ("id", "status", "lane", "taxes", "stages")} == {
        k: body[k] for k in ("id", "status", "lane", "taxes", "stages")
    }


def test_a_reused_lrn_writes_nothing_at_all(zone: Zone) -> None:
    body = declaration(lrn="HP-TWICE")
    assert zone.client.post("/api/v1/declarations", json=body, headers=zone.headers("trader_a")).status_code == 201
    tables = ("declarations", "declaration_versions", "declaration_status_history", "audit_log", "outbox")
    before = {t: _count(zone.platform, t) for t in tables}
    with zone.platform.engine.connect() as conn:
        counters = conn.execute(text("SELECT lodged FROM clearance_trader_counters")).scalars().all()
    r = zone.client.post("/api/v1/declarations", json=body, headers=zone.headers("trader_a"))
    assert r.status_code == 409, r.text
    assert {t: _count(zone.platform, t) for t in tables} == before
    with zone.platform.engine.connect() as conn:
        assert conn.execute(text("SELECT lodged FROM clearance_trader_counters")).scalars().all() == counters
    with zone.platform.session_factory() as s:
        assert verify_chain(s).ok


# -- the pool: connections the server dropped -------------------------------------------------------------


def _drop_other_connections(platform: Platform) -> None:
    """What a database restart does to the pool: every other backend of this database is terminated."""
    with platform.engine.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        conn.commit()


def _fill_pool(platform: Platform, n: int = 3) -> None:
    conns = [platform.engine.connect() for _ in range(n)]
    for c in conns:
        c.execute(text("SELECT 1"))
    for c in conns:
        c.close()


def test_an_idle_connection_the_server_dropped_is_pinged_and_replaced(
    pg_platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # every connection counts as idle: pinged at checkout
    _fill_pool(pg_platform)
    _drop_other_connections(pg_platform)  # the pool now holds the connection that did it and two dead ones
    held = [pg_platform.engine.connect() for _ in range(3)]  # each pooled connection checked out at once
    try:
        assert [c.execute(text("SELECT 1")).scalar_one() for c in held] == [1, 1, 1]
    finally:
        for c in held:
            c.close()


def test_a_connection_used_a_moment_ago_is_not_pinged(pg_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    pings: list[object] = []
    dialect = pg_platform.engine.dialect
    original = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda c: pings.append(c) or original(c))
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)
    _fill_pool(pg_platform, 1)
    pings.clear()
    for _ in range(5):
        with pg_platform.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    assert pings == []
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
    with pg_platform.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert len(pings) == 1
