"""Partner customs exchange: partner registry, inbound endpoint, outbound queue and dead letters.

``POST /api/v1/partners/inbound`` is authenticated by the partner's key and HMAC signature (see
docs/partner-exchange.md), not by a user token; everything else is for administrators (reads also for
customs supervisors).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from silkport.infra.partners import (
    InboundMessage,
    InboundProcessor,
    InboundReceiver,
    OutboundMessage,
    Partner,
    PartnerCredentials,
    PartnerDispatcher,
    PartnerRegistry,
)
from silkport.infra.web import CurrentActor
from silkport.shared.actor import Actor, Role
from silkport.shared.errors import PermissionDenied

router = APIRouter(prefix="/api/v1/partners", tags=["partners"])

READERS = frozenset({Role.ADMIN, Role.CUSTOMS_SUPERVISOR})


class PartnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="the partner administration's code, e.g. KZ, KG", examples=["KG"])
    name: str = Field(examples=["State Customs Service of the Kyrgyz Republic"])
    url: str | None = Field(default=None, description="the partner's inbound endpoint (absolute http(s) URL)")
    outbound_key_id: str | None = Field(default=None, description="the key id the partner gave us to sign with")
    outbound_secret: str | None = Field(default=None, description="its secret (never shown again)")
    inbound_key_id: str | None = Field(default=None, description="generated when not given")
    inbound_secret: str | None = Field(default=None, description="generated when not given")


class PartnerPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    url: str | None = None
    outbound_key_id: str | None = None
    outbound_secret: str | None = None
    active: bool | None = None


class PartnerOut(BaseModel):
    code: str
    name: str
    url: str | None
    outbound_key_id: str | None
    has_outbound_secret: bool
    inbound_key_id: str
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: Partner) -> PartnerOut:
        return cls(
            code=p.code,
            name=p.name,
            url=p.url,
            outbound_key_id=p.outbound_key_id,
            has_outbound_secret=p.has_outbound_secret,
            inbound_key_id=p.inbound_key_id,
            active=p.active,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


class PartnerCreated(PartnerOut):
    inbound_secret: str = Field(description="the secret the partner signs with: shown once, hand it over securely")

    @classmethod
    def with_secret(cls, c: PartnerCredentials) -> PartnerCreated:
        return cls(**PartnerOut.of(c.partner).model_dump(), inbound_secret=c.inbound_secret)


class OutboundOut(BaseModel):
    message_id: str
    partner: str
    type: str
    status: str
    payload: dict[str, Any]
    created_at: datetime
    queued_at: datetime
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    dead_at: datetime | None
    last_error: str | None

    @classmethod
    def of(cls, m: OutboundMessage) -> OutboundOut:
        return cls(
            message_id=m.message_id,
            partner=m.partner,
            type=m.message_type,
            status=m.status,
            payload=m.payload,
            created_at=m.created_at,
            queued_at=m.queued_at,
            attempts=m.attempts,
            next_attempt_at=m.next_attempt_at if m.status == "pending" else None,
            last_attempt_at=m.last_attempt_at,
            delivered_at=m.delivered_at,
            dead_at=m.dead_at,
            last_error=m.last_error,
        )


class InboundOut(BaseModel):
    partner: str
    message_id: str
    type: str
    status: str
    payload: dict[str, Any]
    sent_at: datetime | None
    received_at: datetime
    processed_at: datetime | None
    attempts: int
    last_error: str | None

    @classmethod
    def of(cls, m: InboundMessage) -> InboundOut:
        return cls(
            partner=m.partner,
            message_id=m.message_id,
            type=m.message_type,
            status=m.status,
            payload=m.payload,
            sent_at=m.sent_at,
            received_at=m.received_at,
            processed_at=m.processed_at,
            attempts=m.attempts,
            last_error=m.last_error,
        )


class PingOut(BaseModel):
    message_id: str


def _svc(request: Request, name: str) -> Any:
    return request.app.state.services[name]()


def _registry(request: Request) -> PartnerRegistry:
    registry: PartnerRegistry = _svc(request, "partners")
    return registry


def _dispatcher(request: Request) -> PartnerDispatcher:
    dispatcher: PartnerDispatcher = _svc(request, "partner_dispatcher")
    return dispatcher


def _reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise PermissionDenied(f"a {actor.role.label.lower()} may not see the partner-customs exchange")


Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0)]


@router.post(
    "/inbound",
    status_code=status.HTTP_202_ACCEPTED,
    responses={200: {"description": "a message id received before: the original receipt, not processed again"}},
)
async def inbound(request: Request) -> JSONResponse:
    """A partner administration delivers one signed message (headers X-Partner-Key-Id, X-Partner-Timestamp,
    X-Partner-Signature). 202 with a receipt when stored; 200 with the original receipt for a repeat."""
    body = await request.body()
    receiver: InboundReceiver = _svc(request, "partner_receiver")
    receipt = await run_in_threadpool(receiver.receive, request.headers, body)
    return JSONResponse(receipt.as_json(), status_code=200 if receipt.duplicate else 202)


@router.get("/inbound", response_model=list[InboundOut])
def list_inbound(
    request: Request,
    actor: CurrentActor,
    status_: Annotated[Literal["received", "processed", "failing"] | None, Query(alias="status")] = None,
    partner: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[InboundOut]:
    _reader(actor)
    processor: InboundProcessor = _svc(request, "partner_processor")
    return [InboundOut.of(m) for m in processor.messages(status=status_, partner=partner, limit=limit, offset=offset)]


@router.get("/outbound", response_model=list[OutboundOut])
def list_outbound(
    request: Request,
    actor: CurrentActor,
    status_: Annotated[Literal["pending", "delivered", "dead"] | None, Query(alias="status")] = None,
    partner: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[OutboundOut]:
    _reader(actor)
    messages = _dispatcher(request).messages(status=status_, partner=partner, limit=limit, offset=offset)
    return [OutboundOut.of(m) for m in messages]


@router.get("/dead-letters", response_model=list[OutboundOut])
def dead_letters(
    request: Request, actor: CurrentActor, partner: str | None = None, limit: Limit = 100, offset: Offset = 0
) -> list[OutboundOut]:
    """Outbound messages the dispatcher gave up on (too many attempts, too old, or refused for good)."""
    _reader(actor)
    messages = _dispatcher(request).messages(status="dead", partner=partner, limit=limit, offset=offset)
    return [OutboundOut.of(m) for m in messages]


@router.get("/outbound/{message_id}", response_model=OutboundOut)
def get_outbound(message_id: str, request: Request, actor: CurrentActor) -> OutboundOut:
    _reader(actor)
    return OutboundOut.of(_dispatcher(request).get(message_id))


@router.post("/outbound/{message_id}/requeue", response_model=OutboundOut)
def requeue(message_id: str, request: Request, actor: CurrentActor) -> OutboundOut:
    """Give a dead letter a fresh retry schedule starting now (admin)."""
    return OutboundOut.of(_dispatcher(request).requeue(actor, message_id))


@router.post("", response_model=PartnerCreated, status_code=status.HTTP_201_CREATED)
def add_partner(body: PartnerIn, request: Request, actor: CurrentActor) -> PartnerCreated:
    """Register a partner administration; the key it signs with is returned once, here."""
    created = _registry(request).add(actor, **body.model_dump())
    return PartnerCreated.with_secret(created)


@router.get("", response_model=list[PartnerOut])
def list_partners(request: Request, actor: CurrentActor) -> list[PartnerOut]:
    _reader(actor)
    return [PartnerOut.of(p) for p in _registry(request).all()]


@router.get("/{code}", response_model=PartnerOut)
def get_partner(code: str, request: Request, actor: CurrentActor) -> PartnerOut:
    _reader(actor)
    return PartnerOut.of(_registry(request).get(code))


@router.patch("/{code}", response_model=PartnerOut)
def update_partner(code: str, body: PartnerPatch, request: Request, actor: CurrentActor) -> PartnerOut:
    """Change the URL, our signing key (both id and secret), the name, or (de)activate the partner."""
    return PartnerOut.of(_registry(request).update(actor, code, **body.model_dump()))


@router.post("/{code}/rotate-key", response_model=PartnerCreated)
def rotate_key(code: str, request: Request, actor: CurrentActor) -> PartnerCreated:
    """A new key for the partner to sign with; the old one stops working at once. Shown once."""
    return PartnerCreated.with_secret(_registry(request).rotate_inbound_key(actor, code))


@router.post("/{code}/ping", response_model=PingOut, status_code=status.HTTP_202_ACCEPTED)
def ping(code: str, request: Request, actor: CurrentActor) -> PingOut:
    """Queue a PING for the partner (a connectivity check through the whole outbound path)."""
    return PingOut(message_id=_registry(request).ping(actor, code))
