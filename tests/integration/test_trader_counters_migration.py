"""Migration 0015 fills each declarant's counters from the declarations and inspections already stored."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url

from silkport.infra.migrate import upgrade

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def _engine_sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        yield from _engine_sqlite(tmp_path)
        return
    server = request.getfixturevalue("postgres_url")
    name = f"silkport_m15_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(server).set(database=name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _declaration(conn: Connection, declaration_id: str, declarant: str, lodged: bool) -> None:
    conn.execute(
        text(
            "INSERT INTO declarations (id, declarant_id, lrn, type, office_code, transport_mode, status, settlement,"
            " version, pre_arrival, audit_flags, created_at, lodgement_at) VALUES (:id, :d, :id, 'import',"
            " 'HRS-ROAD', 'road', :status, 'none_due', 1, false, '[]', :now, :lodged)"
        ),
        {
            "id": declaration_id,
            "d": declarant,
            "status": "released" if lodged else "draft",
            "now": NOW,
            "lodged": NOW if lodged else None,
        },
    )


def test_the_counters_start_from_the_stored_record(engine: Engine) -> None:
    upgrade(engine, "0014")
    with engine.begin() as conn:
        for n in range(3):
            _declaration(conn, f"a{n}", "ent-a", lodged=True)
        _declaration(conn, "a-draft", "ent-a", lodged=False)
        _declaration(conn, "b0", "ent-b", lodged=True)
        _declaration(conn, "c-draft", "ent-c", lodged=False)
        for declaration_id, enterprise, finding in (
            ("a0", "ent-a", "conform"),
            ("a1", "ent-a", "discrepancy_penalty"),
            ("a1", "ent-a", "discrepancy_seizure"),
            ("b0", "ent-b", "conform"),
        ):
            conn.execute(
                text(
                    "INSERT INTO inspections (declaration_id, enterprise_id, method, finding, note, at, officer)"
                    " VALUES (:d, :e, 'manual', :f, '', :now, 'off')"
                ),
                {"d": declaration_id, "e": enterprise, "f": finding, "now": NOW},
            )
    upgrade(engine, "0015")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT enterprise_id, lodged, inspected, discrepancies FROM clearance_trader_counters")
        ).all()
    assert sorted(tuple(r) for r in rows) == [("ent-a", 3, 3, 2), ("ent-b", 1, 1, 0)]
