"""HTTP API of clearance: traders file and follow; officers work their queues; supervisors oversee."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from silkport.clearance.adapters import edifact, wcodm
from silkport.clearance.adapters.rulebook_file import dump_rulebook, load_rulebook_text
from silkport.clearance.domain.model import Declaration, DeclarationType, Lane, Status
from silkport.clearance.domain.rules import Rulebook
from silkport.clearance.schemas import (
    AmendmentIn,
    AssignIn,
    DeclarationIn,
    DeclarationOut,
    DeclarationPage,
    DocumentCheckDecision,
    Explanation,
    FeatureContribution,
    FieldProblem,
    FileOptions,
    FiredRuleOut,
    InspectionIn,
    PaymentIn,
    ReasonIn,
)
from silkport.clearance.services import handlers
from silkport.clearance.services.handlers import ClearanceConfig, Extras, Outcome
from silkport.clearance.services.ports import ClearanceUnitOfWork, DeclarationFilter
from silkport.infra.web import CurrentActor, service
from silkport.shared.actor import Actor, Role
from silkport.shared.errors import DomainError, FieldError, PermissionDenied, ValidationFailed

Uow = Annotated[ClearanceUnitOfWork, Depends(service("clearance"))]
Config = Annotated[ClearanceConfig, Depends(service("clearance_config"))]

router = APIRouter(prefix="/api/v1", tags=["clearance"])

OFFICER_ROLES = frozenset({Role.CUSTOMS_OFFICER, Role.CUSTOMS_SUPERVISOR, Role.ADMIN})


def _values(fired: Mapping[str, Any]) -> dict[str, str] | None:
    """A stored fired rule's placeholder values (None: a text no rule wrote, or an assessment stored before)."""
    values = fired.get("values")
    return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else None


def _declarant(actor: Actor, body: DeclarationIn) -> str:
    if actor.is_enterprise_bound:
        if body.declarant and body.declarant != actor.enterprise_id:
            raise ValidationFailed(FieldError("declarant", "a trader declares for their own enterprise only"))
        return actor.enterprise_id or ""
    if not body.declarant:
        raise ValidationFailed(FieldError("declarant", "is required when filing for an enterprise"))
    return body.declarant


def present(
    uow: ClearanceUnitOfWork,
    actor: Actor,
    d: Declaration,
    warnings: tuple[FieldError, ...] = (),
    extras: Extras | None = None,
) -> DeclarationOut:
    """The declaration as this actor may see it: officers get scores and rule contributions, traders don't.
    ``extras`` (its assessment and taxes) are read when the caller does not have them already."""
    officer = actor.role in OFFICER_ROLES
    if extras is None:
        extras = handlers.extras_of(uow, actor, [d]).get(d.id, Extras(None, None))
    stored = extras.assessment if d.lane is not None else None
    reasons: list[FiredRuleOut] = []
    if stored is not None:
        if officer:
            reasons = [
                FiredRuleOut(
                    rule=str(f.get("rule_id")),
                    kind=str(f.get("kind")),
                    contribution=f.get("contribution"),
                    reason=str(f.get("reason")),
                    values=_values(f),
                )
                for f in stored.fired
            ]
        else:
            reasons = [FiredRuleOut(reason=r) for r in stored.trader_reasons]
    taxes: Any = extras.taxes
    return DeclarationOut(
        id=d.id,
        version=d.version,
        status=d.status,
        lane=d.lane,
        risk_score=d.risk_score if officer else None,
        model_score=Decimal(stored.inputs["model_score"])
        if officer and stored is not None and stored.inputs.get("model_score")
        else None,
        rulebook_version=d.rulebook_version,
        model_version=d.model_version,
        reasons=reasons,
        settlement=d.settlement,
        pre_arrival=d.pre_arrival,
        stages=dict(d.stages),
        assigned_to=d.assigned_to if officer else None,
        audit_flags=list(d.audit_flags) if officer else [],
        warnings=[FieldProblem(field=w.field, message=w.message) for w in warnings],
        taxes=taxes,
        declaration=DeclarationIn.of(d.content),
    )


def _out(uow: ClearanceUnitOfWork, actor: Actor, outcome: Outcome) -> DeclarationOut:
    return present(uow, actor, outcome.declaration, outcome.warnings, outcome.extras)


def _page(uow: ClearanceUnitOfWork, actor: Actor, items: list[Declaration]) -> list[DeclarationOut]:
    extras = handlers.extras_of(uow, actor, items)
    return [present(uow, actor, d, extras=extras.get(d.id, Extras(None, None))) for d in items]


def _json(out: BaseModel, status_code: int = status.HTTP_200_OK, headers: dict[str, str] | None = None) -> Response:
    """The response, serialised here in the endpoint's thread. Returned as a model, FastAPI would validate it
    again and serialise it in a second hand-off to the thread pool; the route still declares its
    ``response_model`` (the OpenAPI schema), and the bytes are the same (by alias, nothing excluded)."""
    return Response(out.model_dump_json(by_alias=True), status_code, headers, media_type="application/json")


@router.post("/declarations", response_model=DeclarationOut, status_code=status.HTTP_201_CREATED)
def file_declaration(
    body: DeclarationIn,
    uow: Uow,
    config: Config,
    actor: CurrentActor,
    lodge: bool = True,
    pre_arrival: bool = True,
) -> Response:
    """File a declaration. By default it is lodged at once and runs through acceptance, risk and taxes;
    a green one is released the moment its goods arrive and duty is settled."""
    options = FileOptions(lodge=lodge, pre_arrival=pre_arrival)
    content = body.to_content(_declarant(actor, body))
    outcome = handlers.file_declaration(
        uow, actor, config, content, lodge=options.lodge, pre_arrival=options.pre_arrival
    )
    location = f"/api/v1/declarations/{outcome.declaration.id}"
    return _json(_out(uow, actor, outcome), status.HTTP_201_CREATED, {"Location": location})


@router.post("/declarations/validate", response_model=list[FieldProblem])
def validate_declaration(body: DeclarationIn, config: Config, actor: CurrentActor) -> list[FieldProblem]:
    """Check a declaration without filing it: every field error and warning, nothing stored."""
    content = body.to_content(body.declarant or actor.enterprise_id or "")
    result = handlers.check(content, config)
    return [FieldProblem(field=e.field, message=e.message) for e in (*result.errors, *result.warnings)]


@router.get("/declarations", response_model=DeclarationPage)
def list_declarations(
    uow: Uow,
    actor: CurrentActor,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    lane: Lane | None = None,
    office: str | None = None,
    type_: Annotated[DeclarationType | None, Query(alias="type")] = None,
    declarant: str | None = None,
    lodged_from: datetime | None = None,
    lodged_to: datetime | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DeclarationPage:
    flt = DeclarationFilter(
        declarant_id=declarant,
        office=office,
        status=status_,
        lane=lane,
        type=type_,
        lodged_from=lodged_from,
        lodged_to=lodged_to,
    )
    page = handlers.list_declarations(uow, actor, flt, cursor, limit)
    return DeclarationPage(items=_page(uow, actor, list(page.items)), next_cursor=page.next_cursor)


@router.get("/declarations/{declaration_id}", response_model=DeclarationOut)
def get_declaration(declaration_id: str, uow: Uow, actor: CurrentActor) -> DeclarationOut:
    return present(uow, actor, handlers.get_declaration(uow, actor, declaration_id))


@router.get("/declarations/{declaration_id}/history")
def history(declaration_id: str, uow: Uow, actor: CurrentActor) -> list[dict[str, Any]]:
    d = handlers.get_declaration(uow, actor, declaration_id)
    return [
        {
            "at": h.at.isoformat(),
            "actor": h.actor,
            "from": h.from_status.value,
            "to": h.to_status.value,
            "reason": h.reason if actor.role in OFFICER_ROLES or h.actor.startswith(actor.username) else None,
        }
        for h in d.history
    ]


@router.get("/declarations/{declaration_id}/explanation", response_model=Explanation, tags=["officer workbench"])
def explanation(declaration_id: str, uow: Uow, config: Config, actor: CurrentActor) -> Explanation:
    """The one explainable decision behind the lane: fired rules with their contributions, the model's
    score and the features that moved it most for this declaration, and the inspection budget's threshold."""
    if actor.role not in OFFICER_ROLES:
        raise PermissionDenied("only customs sees how the risk decision was made")
    d = handlers.get_declaration(uow, actor, declaration_id)
    stored = handlers.assessment_of(uow, actor, declaration_id)
    inputs = stored.inputs if stored else {}
    features = inputs.get("model_features")
    vector = [math.nan if f is None else float(f) for f in features] if features else []
    top = config.model.explain(vector) if config.model is not None and vector else []
    return Explanation(
        declaration_id=d.id,
        lane=d.lane,
        rulebook_version=d.rulebook_version,
        rule_score=d.risk_score,
        rules=[
            FiredRuleOut(
                rule=str(f.get("rule_id")),
                kind=str(f.get("kind")),
                contribution=f.get("contribution"),
                reason=str(f.get("reason")),
                values=_values(f),
            )
            for f in (stored.fired if stored else [])
        ],
        model_version=inputs.get("model_version"),
        model_score=Decimal(inputs["model_score"]) if inputs.get("model_score") else None,
        budget_threshold=Decimal(inputs["budget_threshold"]) if inputs.get("budget_threshold") else None,
        top_features=[FeatureContribution(feature=f, value=v, contribution=c) for f, v, c in top],
    )


@router.post("/declarations/{declaration_id}/lodge", response_model=DeclarationOut)
def lodge(declaration_id: str, uow: Uow, config: Config, actor: CurrentActor) -> DeclarationOut:
    return _out(uow, actor, handlers.lodge(uow, actor, config, declaration_id))


@router.post("/declarations/{declaration_id}/arrival", response_model=DeclarationOut)
def arrival(declaration_id: str, uow: Uow, actor: CurrentActor) -> DeclarationOut:
    """The goods are at the office: a cleared declaration is released on arrival."""
    return _out(uow, actor, handlers.confirm_arrival(uow, actor, declaration_id))


@router.post("/declarations/{declaration_id}/payment", response_model=DeclarationOut)
def payment(declaration_id: str, body: PaymentIn, uow: Uow, actor: CurrentActor) -> DeclarationOut:
    return _out(uow, actor, handlers.settle(uow, actor, declaration_id, body.method, body.reference))


@router.post("/declarations/{declaration_id}/documents", response_model=DeclarationOut)
def documents(declaration_id: str, body: ReasonIn, uow: Uow, actor: CurrentActor) -> DeclarationOut:
    """The trader answers a request for documents."""
    return _out(uow, actor, handlers.provide_documents(uow, actor, declaration_id, body.reason))


@router.post("/declarations/{declaration_id}/amendments", response_model=DeclarationOut)
def amendment(declaration_id: str, body: AmendmentIn, uow: Uow, config: Config, actor: CurrentActor) -> DeclarationOut:
    current = handlers.get_declaration(uow, actor, declaration_id)
    content = body.declaration.to_content(current.content.declarant_id)
    return _out(uow, actor, handlers.amend(uow, actor, config, declaration_id, content, body.reason))


@router.get("/declarations/{declaration_id}/versions")
def versions(declaration_id: str, uow: Uow, actor: CurrentActor) -> list[dict[str, Any]]:
    handlers.get_declaration(uow, actor, declaration_id)
    with uow:
        rows = uow.declarations.versions(declaration_id)
    return [
        {
            "version": v,
            "at": at.isoformat(),
            "actor": who,
            "reason": why,
            "declaration": DeclarationIn.of(c).model_dump(mode="json"),
        }
        for v, c, at, who, why in rows
    ]


@router.post("/declarations/{declaration_id}/withdraw", response_model=DeclarationOut)
def withdraw(declaration_id: str, body: ReasonIn, uow: Uow, actor: CurrentActor) -> DeclarationOut:
    return _out(uow, actor, handlers.invalidate(uow, actor, declaration_id, body.reason))


@router.post("/declarations/{declaration_id}/exit", response_model=DeclarationOut)
def exit_confirmed(declaration_id: str, uow: Uow, actor: CurrentActor) -> DeclarationOut:
    return _out(uow, actor, handlers.confirm_exit(uow, actor, declaration_id))


# -- officer workbench -------------------------------------------------------------------------


@router.get("/workbench/queue", response_model=DeclarationPage, tags=["officer workbench"])
def work_queue(
    uow: Uow,
    actor: CurrentActor,
    office: str | None = None,
    lane: Lane | None = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DeclarationPage:
    page = handlers.queue(uow, actor, office, lane, cursor, limit)
    return DeclarationPage(items=_page(uow, actor, list(page.items)), next_cursor=page.next_cursor)


@router.get("/workbench/workload", tags=["officer workbench"])
def workload(uow: Uow, actor: CurrentActor, request: Request, office: str | None = None) -> list[dict[str, Any]]:
    """Per office, status and lane: how many wait and the age of the oldest (supervisors)."""
    now = request.app.state.platform.clock.now()
    return [
        {
            "office": s.office,
            "status": s.status.value,
            "lane": s.lane.value if s.lane else None,
            "count": s.count,
            "oldest_lodged": s.oldest_lodged.isoformat() if s.oldest_lodged else None,
            "oldest_age_minutes": round((now - s.oldest_lodged).total_seconds() / 60, 1) if s.oldest_lodged else None,
        }
        for s in handlers.workload(uow, actor, office)
    ]


class MonthCount(BaseModel):
    month: str
    inspections_avoided: int


class StreamlinedFigures(BaseModel):
    office: str | None
    corridors: list[str]
    months: list[MonthCount]
    total: int


def _month(value: str, name: str) -> date:
    year, sep, month = value.partition("-")
    if sep and len(year) == 4 and len(month) == 2 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return date(int(year), int(month), 1)
    raise ValidationFailed(FieldError(name, f"{value!r} is not a month (YYYY-MM)"))


@router.get("/clearance/streamlined-highway", response_model=StreamlinedFigures, tags=["officer workbench"])
def streamlined_highway(
    uow: Uow,
    config: Config,
    actor: CurrentActor,
    from_: Annotated[str, Query(alias="from", description="first month, YYYY-MM")],
    to: Annotated[str, Query(description="last month, YYYY-MM")],
    office: str | None = None,
) -> StreamlinedFigures:
    """Streamlined highway transport: inspections avoided per month because an inspection upstream on the same
    corridor was recognised (every container under the seals affixed there)."""
    rows = handlers.inspections_avoided(uow, actor, _month(from_, "from"), _month(to, "to"), office)
    corridors = [c.name for c in config.recognition.corridors] if config.recognition else []
    return StreamlinedFigures(
        office=office,
        corridors=corridors,
        months=[MonthCount(month=m, inspections_avoided=n) for m, n in rows],
        total=sum(n for _, n in rows),
    )


@router.post("/declarations/{declaration_id}/claim", response_model=DeclarationOut, tags=["officer workbench"])
def claim(declaration_id: str, uow: Uow, actor: CurrentActor) -> DeclarationOut:
    return _out(uow, actor, handlers.claim(uow, actor, declaration_id))


@router.post("/declarations/{declaration_id}/assign", response_model=DeclarationOut, tags=["officer workbench"])
def assign(declaration_id: str, body: AssignIn, uow: Uow, actor: CurrentActor) -> DeclarationOut:
    return _out(uow, actor, handlers.reassign(uow, actor, declaration_id, body.officer))


@router.post("/declarations/{declaration_id}/document-check", response_model=DeclarationOut, tags=["officer workbench"])
def document_check(declaration_id: str, body: DocumentCheckDecision, uow: Uow, actor: CurrentActor) -> DeclarationOut:
    return _out(uow, actor, handlers.decide_document_check(uow, actor, declaration_id, body.decision, body.reason))


@router.post("/declarations/{declaration_id}/inspection", response_model=DeclarationOut, tags=["officer workbench"])
def inspection(
    declaration_id: str, body: InspectionIn, uow: Uow, config: Config, actor: CurrentActor
) -> DeclarationOut:
    amended = None
    if body.amended is not None:
        current = handlers.get_declaration(uow, actor, declaration_id)
        amended = body.amended.to_content(current.content.declarant_id)
    outcome = handlers.record_inspection(
        uow, actor, config, declaration_id, method=body.method, finding=body.finding, note=body.note, amended=amended
    )
    return _out(uow, actor, outcome)


@router.post("/declarations/{declaration_id}/release-hold", response_model=DeclarationOut, tags=["officer workbench"])
def release_hold(declaration_id: str, body: ReasonIn, uow: Uow, actor: CurrentActor) -> DeclarationOut:
    return _out(uow, actor, handlers.resolve_hold(uow, actor, declaration_id, body.reason))


@router.post("/declarations/{declaration_id}/audit-flag", response_model=DeclarationOut, tags=["officer workbench"])
def audit_flag(declaration_id: str, body: ReasonIn, uow: Uow, actor: CurrentActor) -> DeclarationOut:
    return _out(uow, actor, handlers.flag_for_audit(uow, actor, declaration_id, body.reason))


@router.get("/declarations/{declaration_id}/replay", tags=["officer workbench"])
def replay(declaration_id: str, uow: Uow, config: Config, actor: CurrentActor) -> dict[str, Any]:
    """Run the risk engine again with the recorded rulebook version and inputs; the lane must match."""
    result = handlers.replay(uow, actor, config, declaration_id)
    recorded = handlers.get_declaration(uow, actor, declaration_id)
    return {
        "recorded_lane": recorded.lane.value if recorded.lane else None,
        "replayed_lane": result.lane.value,
        "same": recorded.lane is result.lane and recorded.risk_score == result.score,
        "rulebook_version": result.rulebook_version,
        "assessment": result.officer_view(),
    }


# -- the rulebook (data, not code: supervisors publish new versions) ---------------------------

rulebook_router = APIRouter(prefix="/api/v1/rulebooks", tags=["rulebook"])


@rulebook_router.get("")
def rulebook_versions(uow: Uow, actor: CurrentActor) -> list[dict[str, Any]]:
    """Every published version, and which one is active."""
    if actor.role not in OFFICER_ROLES:
        raise PermissionDenied("only customs and administrators read the rulebook")
    with uow:
        active = uow.rulebooks.active().version
        published = uow.rulebooks.versions()
    rows = [
        {"version": v, "published_at": at.isoformat(), "published_by": who, "active": on}
        for v, at, who, on in published
    ]
    if not any(r["active"] for r in rows):
        rows.append({"version": active, "published_at": None, "published_by": "shipped default", "active": True})
    return rows


@rulebook_router.get("/active")
def active_rulebook(uow: Uow, actor: CurrentActor, format: str = "json") -> Response:
    """The rulebook in force, as JSON or as the YAML a supervisor edits (``?format=yaml``)."""
    if actor.role not in OFFICER_ROLES:
        raise PermissionDenied("only customs and administrators read the rulebook")
    with uow:
        rulebook = uow.rulebooks.active()
    if format == "yaml":
        return Response(dump_rulebook(rulebook), media_type="application/yaml")
    return JSONResponse({**rulebook.to_mapping(), "fingerprint": rulebook.fingerprint()})


@rulebook_router.post("", status_code=status.HTTP_201_CREATED)
async def publish(request: Request, uow: Uow, actor: CurrentActor) -> dict[str, Any]:
    """Publish and switch on a new rulebook version: a YAML (``Content-Type: application/yaml``) or JSON
    body. Every problem in it is reported with its path (``rules[3].params.prefixes``); versions are
    immutable and each publication is audited."""
    raw = (await request.body()).decode("utf-8", errors="replace")
    if "yaml" in request.headers.get("content-type", ""):
        rulebook = load_rulebook_text(raw)
    else:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(FieldError("body", f"not valid JSON: {exc.msg} (line {exc.lineno})")) from exc
        rulebook = Rulebook.from_mapping(data)
    handlers.publish_rulebook(uow, actor, rulebook)
    return {"version": rulebook.version, "fingerprint": rulebook.fingerprint(), "active": True}


# -- trade formats over HTTP ---------------------------------------------------------------------

MAX_MESSAGE_BYTES = 4 * 1024 * 1024


def _file_each(
    uow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, content: Any, pre_arrival: bool
) -> Outcome:
    resolved = handlers.resolve_declarant(uow, actor, content)
    return handlers.file_declaration(uow, actor, config, resolved, pre_arrival=pre_arrival)


@router.post(
    "/declarations/edifact",
    tags=["trade formats"],
    response_class=Response,
    responses={200: {"content": {"application/EDIFACT": {}}, "description": "a CUSRES interchange"}},
)
async def file_cusdec(
    request: Request, uow: Uow, config: Config, actor: CurrentActor, pre_arrival: bool = True
) -> Response:
    """File every CUSDEC message of a UN/EDIFACT interchange; answer with a CUSRES interchange holding, per
    message, an acceptance (and a release when it is released at once) or a rejection with its errors.
    An interchange that cannot be read at all is a 422 naming the segment and element."""
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(FieldError("body", f"not UTF-8 text at byte {exc.start}")) from exc
    parsed = edifact.parse_cusdec(text)
    now = request.app.state.platform.clock.now()
    responses: list[edifact.CustomsResponse] = []
    for message in parsed:
        lrn = message.content.lrn
        unfiled = f"NOT-FILED-{lrn or message.reference}"  # a refused message has no customs number
        try:
            outcome = await run_in_threadpool(_file_each, uow, actor, config, message.content, pre_arrival)
        except ValidationFailed as exc:
            errors = tuple(edifact.response_error("VAL", e.field, e.message, message) for e in exc.errors)
            responses.append(
                edifact.CustomsResponse(edifact.ResponseKind.REJECTED, unfiled, now, lrn, message.reference, errors)
            )
            continue
        except DomainError as exc:
            error = edifact.response_error(str(exc.status), "", exc.detail, message)
            responses.append(
                edifact.CustomsResponse(edifact.ResponseKind.REJECTED, unfiled, now, lrn, message.reference, (error,))
            )
            continue
        d = outcome.declaration
        if d.status is Status.REJECTED:
            reason = d.history[-1].reason or "rejected" if d.history else "rejected"
            error = edifact.response_error("REJ", "", reason, message)
            responses.append(
                edifact.CustomsResponse(edifact.ResponseKind.REJECTED, d.id, now, lrn, message.reference, (error,))
            )
            continue
        responses.append(edifact.CustomsResponse(edifact.ResponseKind.ACCEPTED, d.id, now, lrn, message.reference))
        if d.status is Status.RELEASED:
            responses.append(edifact.CustomsResponse(edifact.ResponseKind.RELEASED, d.id, now, lrn, message.reference))
    reply = edifact.write_cusres(
        responses,
        sender="SILKPORT",
        recipient=actor.username.upper()[:35],
        control_ref=now.strftime("%y%m%d%H%M%S"),
        prepared=now,
    )
    return Response(reply, media_type="application/EDIFACT")


class FormatOutcome(BaseModel):
    reference: str
    accepted: bool
    declaration: DeclarationOut | None = None
    errors: list[FieldProblem] = Field(default_factory=list)


@router.post("/declarations/wcodm", response_model=list[FormatOutcome], tags=["trade formats"])
async def file_wcodm(
    request: Request, uow: Uow, config: Config, actor: CurrentActor, pre_arrival: bool = True
) -> list[FormatOutcome]:
    """File every declaration of a WCO Data Model XML document (a ``Declaration`` or a ``MetaData`` of
    several). Each gets its outcome; a document that cannot be read is a 422 naming the XPath and line."""
    parsed = wcodm.parse_declarations(await request.body())
    results: list[FormatOutcome] = []
    for p in parsed:
        try:
            outcome = await run_in_threadpool(_file_each, uow, actor, config, p.content, pre_arrival)
        except ValidationFailed as exc:
            problems = [FieldProblem(field=e.field, message=e.message) for e in exc.errors]
            results.append(FormatOutcome(reference=p.reference, accepted=False, errors=problems))
            continue
        except DomainError as exc:
            problems = [FieldProblem(field="declaration", message=exc.detail)]
            results.append(FormatOutcome(reference=p.reference, accepted=False, errors=problems))
            continue
        out = await run_in_threadpool(present, uow, actor, outcome.declaration, outcome.warnings)
        results.append(
            FormatOutcome(reference=p.reference, accepted=out.status is not Status.REJECTED, declaration=out)
        )
    return results
