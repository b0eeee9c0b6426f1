"""Operations endpoints: liveness, readiness, Prometheus metrics, and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import select, text

from silkport.infra.audit import AuditEntryRow, verify_chain
from silkport.infra.migrate import current_revision, head_revision
from silkport.infra.web import CurrentActor
from silkport.shared.actor import Role
from silkport.shared.errors import PermissionDenied

router = APIRouter(tags=["operations"])
AUDITORS = frozenset({Role.ADMIN, Role.CUSTOMS_SUPERVISOR})


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/ready")
def ready(request: Request) -> JSONResponse:
    """Readiness: the database answers and its schema is at the newest migration."""
    platform = request.app.state.platform
    checks: dict[str, Any] = {}
    ok = True
    try:
        with platform.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
        current, head = current_revision(platform.engine), head_revision()
        checks["migrations"] = {"current": current, "head": head}
        ok = current == head
    except Exception as exc:  # the point of /ready is to report any failure, not raise it
        checks["database"] = f"unreachable: {type(exc).__name__}"
        ok = False
    body = {"status": "ready" if ok else "not ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


class AuditEntry(BaseModel):
    seq: int
    at: str
    actor: str
    role: str
    action: str
    object_type: str
    object_id: str
    before: str | None
    after: str | None
    reason: str | None
    hash: str


class ChainStatus(BaseModel):
    ok: bool
    entries: int
    first_broken: int | None
    problem: str | None


@router.get("/api/v1/audit", response_model=list[AuditEntry], tags=["audit"])
def audit_entries(
    request: Request,
    actor: CurrentActor,
    object_id: str | None = None,
    before_seq: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEntry]:
    """The newest audit entries first (administrators and customs supervisors)."""
    if actor.role not in AUDITORS:
        raise PermissionDenied("only administrators and customs supervisors read the audit log")
    stmt = select(AuditEntryRow).order_by(AuditEntryRow.seq.desc()).limit(limit)
    if object_id:
        stmt = stmt.where(AuditEntryRow.object_id == object_id)
    if before_seq:
        stmt = stmt.where(AuditEntryRow.seq < before_seq)
    with request.app.state.platform.session_factory() as s:
        rows = s.scalars(stmt).all()
    return [
        AuditEntry(
            seq=r.seq,
            at=r.at,
            actor=r.actor_name,
            role=r.actor_role,
            action=r.action,
            object_type=r.object_type,
            object_id=r.object_id,
            before=r.before,
            after=r.after,
            reason=r.reason,
            hash=r.hash,
        )
        for r in rows
    ]


@router.get("/api/v1/audit/verify", response_model=ChainStatus, tags=["audit"])
def audit_verify(request: Request, actor: CurrentActor) -> ChainStatus:
    if actor.role not in AUDITORS:
        raise PermissionDenied("only administrators and customs supervisors verify the audit log")
    with request.app.state.platform.session_factory() as s:
        report = verify_chain(s)
    return ChainStatus(ok=report.ok, entries=report.entries, first_broken=report.first_broken, problem=report.problem)
