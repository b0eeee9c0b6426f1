"""The "bare endpoint" that ``bench_http.py`` compares silkport's lodgement with.

The issue's yardstick: "a bare endpoint that inserts the same rows without the engine". So this endpoint
decodes the same JSON body with ``DeclarationIn`` and inserts, in one transaction, exactly the rows one real
lodgement writes -- the declaration row, its content version, its risk assessment, its duty assessment, its
status-history rows, its audit entries and its outbox events -- copied from a lodgement that ``bench_http.py``
made through silkport before starting the servers (``SILKPORT_BENCH_ROWS``: a JSON file, table -> rows) with
the new declaration's id, LRN, declarant and content put in. The rows go with SQLAlchemy Core, one
multi-row ``INSERT`` per table, on an engine made by silkport's own ``make_engine`` (SQLite WAL pragmas and
writer queue, or the PostgreSQL pool). No authentication, validation, risk, taxes, audit chaining (the hashes
are random), idempotency or response building from the assessment -- that is the engine this measures against.

``SILKPORT_BENCH_BARE=minimal`` makes it insert only the declaration row and its version row (the stricter
baseline of the first rounds, see bench/README.md).

    SILKPORT_DATABASE_URL=... SILKPORT_BENCH_ROWS=rows.json \\
        .venv/bin/uvicorn bench_http_bare:app --app-dir bench --workers 2 --port 8101
"""

from __future__ import annotations

import copy
import json
import os
import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI, status
from sqlalchemy import JSON, DateTime, Numeric, Table, insert

from silkport.clearance.adapters.repository import SqlDeclarationRepository
from silkport.clearance.domain.model import Declaration
from silkport.clearance.schemas import DeclarationIn, content_to_json
from silkport.infra.db import Base, make_engine, make_session_factory
from silkport.infra.settings import Settings

#: the tables a lodgement writes, parents first
TABLES = (
    "declarations",
    "declaration_versions",
    "risk_assessments",
    "duty_assessments",
    "declaration_status_history",
    "audit_log",
    "outbox",
)

engine = make_engine(Settings())
session_factory = make_session_factory(engine)
MINIMAL = os.environ.get("SILKPORT_BENCH_BARE", "same-rows") == "minimal"
app = FastAPI(title="bare lodgement (bench baseline)")


def _load(path: str) -> dict[str, list[dict[str, Any]]]:
    """The captured rows, with dates and decimals back in their Python types."""
    import silkport.entrypoints.web.app  # noqa: F401  (every context's tables on Base.metadata)

    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    rows: dict[str, list[dict[str, Any]]] = {}
    for name in TABLES:
        table: Table = Base.metadata.tables[name]
        generated = table.autoincrement_column  # filled by the database: left out of the copies
        out = []
        for row in raw[name]:
            row = {k: v for k, v in row.items() if generated is None or k != generated.name}
            for column in table.columns:
                value = row.get(column.name)
                if isinstance(value, str) and isinstance(column.type, JSON):
                    row[column.name] = json.loads(value)  # read back as text on SQLite
                elif isinstance(value, str) and isinstance(column.type, DateTime):
                    row[column.name] = datetime.fromisoformat(value)
                elif isinstance(value, str | int | float) and isinstance(column.type, Numeric):
                    row[column.name] = Decimal(str(value))
            out.append(row)
        rows[name] = out
    return rows


TEMPLATE = None if MINIMAL else _load(os.environ["SILKPORT_BENCH_ROWS"])
INSERTS = {name: insert(Base.metadata.tables[name]) for name in TABLES}


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/api/v1/declarations", status_code=status.HTTP_201_CREATED)
def lodge(body: DeclarationIn) -> dict[str, str | None]:
    """Decode and store the rows of a lodgement, in one transaction."""
    content = body.to_content(body.declarant or "")
    declaration_id = uuid.uuid4().hex
    if TEMPLATE is None:
        declaration = Declaration(id=declaration_id, content=content, pre_arrival=True)
        with session_factory() as session, session.begin():
            SqlDeclarationRepository(session).add(declaration, "bare", "filed")
        return {"id": declaration_id, "lrn": content.lrn}
    rows = copy.deepcopy(TEMPLATE)
    for row in rows["declarations"]:
        row.update(id=declaration_id, lrn=content.lrn, declarant_id=content.declarant_id)
    for row in rows["declaration_versions"]:
        row.update(declaration_id=declaration_id, content=content_to_json(content))
    for name in ("risk_assessments", "duty_assessments", "declaration_status_history"):
        for row in rows[name]:
            row["declaration_id"] = declaration_id
    for row in rows["audit_log"]:
        row.update(object_id=declaration_id, prev_hash=uuid.uuid4().hex * 2, hash=uuid.uuid4().hex * 2)
    for row in rows["outbox"]:
        row.update(id=uuid.uuid4().hex, enterprise_id=content.declarant_id)
    with session_factory() as session, session.begin():
        for name in TABLES:
            if rows[name]:
                session.execute(INSERTS[name], rows[name])
    return {"id": declaration_id, "lrn": content.lrn}
