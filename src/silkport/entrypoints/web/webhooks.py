"""Webhook subscriptions: an enterprise's users register URLs that receive its status events."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from silkport.infra.outbox import Webhook, WebhookRegistry
from silkport.infra.web import CurrentActor
from silkport.shared.actor import Actor, Role
from silkport.shared.errors import FieldError, NotFound, PermissionDenied, ValidationFailed

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    enterprise: str | None = Field(default=None, description="administrators register for an enterprise")


class WebhookOut(BaseModel):
    id: str
    enterprise: str
    url: str
    active: bool
    created_at: datetime
    secret: str | None = Field(default=None, description="shown once, when the webhook is created")

    @classmethod
    def of(cls, hook: Webhook, with_secret: bool = False) -> WebhookOut:
        return cls(
            id=hook.id,
            enterprise=hook.enterprise_id,
            url=hook.url,
            active=hook.active,
            created_at=hook.created_at,
            secret=hook.secret if with_secret else None,
        )


def _registry(request: Request) -> WebhookRegistry:
    registry: WebhookRegistry = request.app.state.services["webhooks"]()
    return registry


def _enterprise_of(actor: Actor, requested: str | None) -> str | None:
    if actor.is_enterprise_bound:
        return actor.enterprise_id
    if actor.role is Role.ADMIN:
        return requested
    raise PermissionDenied(f"a {actor.role.label.lower()} has no webhooks")


@router.post("", response_model=WebhookOut, status_code=status.HTTP_201_CREATED)
def register(body: WebhookIn, request: Request, actor: CurrentActor) -> WebhookOut:
    """Events are POSTed as JSON, signed: ``X-Silkport-Signature: sha256=HMAC(secret, body)``."""
    enterprise = _enterprise_of(actor, body.enterprise)
    if not enterprise:
        raise ValidationFailed(FieldError("enterprise", "is required for an administrator"))
    return WebhookOut.of(_registry(request).register(enterprise, str(body.url)), with_secret=True)


@router.get("", response_model=list[WebhookOut])
def list_webhooks(request: Request, actor: CurrentActor) -> list[WebhookOut]:
    return [WebhookOut.of(h) for h in _registry(request).list(_enterprise_of(actor, None))]


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def deactivate(webhook_id: str, request: Request, actor: CurrentActor) -> Response:
    if not _registry(request).deactivate(webhook_id, _enterprise_of(actor, None)):
        raise NotFound(f"webhook {webhook_id} not found")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
