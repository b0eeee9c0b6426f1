"""The "bare endpoint" that ``bench_http.py`` compares silkport's lodgement with.

It does the least a lodgement must do: decode the same JSON body with ``DeclarationIn``, and insert the same
two rows (the declaration and its content version, through the clearance repository's ``add``) in one
transaction -- no authentication, validation, risk, taxes, audit, outbox or idempotency. It uses silkport's
own engine settings (``make_engine``: SQLite WAL pragmas, or the PostgreSQL pool) and is served the same way
(uvicorn, 2 workers). The database comes from ``SILKPORT_DATABASE_URL``, already migrated by the bench.

    SILKPORT_DATABASE_URL=... .venv/bin/uvicorn bench_http_bare:app --app-dir bench --workers 2 --port 8101
"""

from __future__ import annotations

import uuid

from fastapi import FastAPI, status

from silkport.clearance.adapters.repository import SqlDeclarationRepository
from silkport.clearance.domain.model import Declaration
from silkport.clearance.schemas import DeclarationIn
from silkport.infra.db import make_engine, make_session_factory
from silkport.infra.settings import Settings

engine = make_engine(Settings())
session_factory = make_session_factory(engine)
app = FastAPI(title="bare lodgement (bench baseline)")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/api/v1/declarations", status_code=status.HTTP_201_CREATED)
def lodge(body: DeclarationIn) -> dict[str, str | None]:
    """Decode and store: the declaration row and its version row, in one transaction."""
    content = body.to_content(body.declarant or "")
    declaration = Declaration(id=uuid.uuid4().hex, content=content, pre_arrival=True)
    with session_factory() as session, session.begin():
        SqlDeclarationRepository(session).add(declaration, "bare", "filed")
    return {"id": declaration.id, "lrn": content.lrn}
