"""Exchange with partner customs administrations: partners, outbound and inbound messages.

Outbound messages are written by :class:`SqlPartnerOutbox` in the same transaction as the change they
announce (a TIR start, a termination ...), so a message is never lost and never sent without its change.
The :class:`PartnerDispatcher` POSTs each due message, signed with the partner's key, to the partner's
inbound URL and retries with a deterministic exponential backoff until a 2xx; after too many attempts
(or too long) the message becomes a dead letter an administrator can requeue. Delivery is at least
once; the receiver deduplicates by (partner, message id), which makes it exactly once in effect.

Inbound messages are authenticated per partner (key id + HMAC-SHA256 over the timestamp and the exact
body, ±5 minutes replay window), stored once per (partner, message id), and processed in arrival order
by the handler registered for their type; a failing handler is retried later, the message is never lost.
The wire format is described in docs/partner-exchange.md.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from silkport.infra.db import Base
from silkport.shared.clock import ensure_utc
from silkport.shared.errors import FieldError, ValidationFailed

PARTNER_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
MESSAGE_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
MESSAGE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


class PartnerRow(Base):
    """A partner administration. We sign what we send with ``outbound_key_id``/``outbound_secret`` (the
    partner holds the same pair as its inbound key); the partner signs what it sends us with
    ``inbound_key_id``/``inbound_secret`` (generated here and handed to the partner once)."""

    __tablename__ = "partners"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    outbound_key_id: Mapped[str | None] = mapped_column(String(64))
    outbound_secret: Mapped[str | None] = mapped_column(String(128))
    inbound_key_id: Mapped[str] = mapped_column(String(64), unique=True)
    inbound_secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboundMessageRow(Base):
    __tablename__ = "partner_outbound"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    partner: Mapped[str] = mapped_column(String(8), index=True)
    message_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class InboundMessageRow(Base):
    __tablename__ = "partner_inbound"
    __table_args__ = (UniqueConstraint("partner", "message_id", name="uq_partner_inbound_partner_message_id"),)

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    partner: Mapped[str] = mapped_column(String(8))
    message_id: Mapped[str] = mapped_column(String(64))
    message_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    body_sha256: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return ensure_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A plain JSON object of ``payload``: decimals as strings (no float rounding), instants as ISO 8601 UTC."""
    try:
        body = json.loads(json.dumps(dict(payload), default=_json_default))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(FieldError("payload", f"is not JSON serialisable: {exc}")) from exc
    if not isinstance(body, dict):  # pragma: no cover - dict in, dict out
        raise ValidationFailed(FieldError("payload", "must be a JSON object"))
    return body


def _check_send(partner: str, message_type: str, message_id: str | None) -> None:
    errors: list[FieldError] = []
    if not PARTNER_CODE.match(partner):
        errors.append(FieldError("partner", f"{partner!r} is not a partner code (2-8 upper-case letters/digits)"))
    if not MESSAGE_TYPE.match(message_type):
        errors.append(FieldError("message_type", f"{message_type!r} is not a message type (1-64 of A-Za-z0-9_.:-)"))
    if message_id is not None and not MESSAGE_ID.match(message_id):
        errors.append(FieldError("message_id", f"{message_id!r} is not a message id (1-64 of A-Za-z0-9_.:-)"))
    if errors:
        raise ValidationFailed(errors)


class SqlPartnerOutbox:
    """Queues a message for a partner administration inside the caller's transaction.

    Nothing is sent until the caller commits; the dispatcher then delivers it at least once. A message
    for a partner that is not configured (or deactivated) waits, undelivered, until it is.
    """

    def __init__(self, session: Session) -> None:
        self._s = session

    def send(
        self,
        partner: str,
        message_type: str,
        payload: Mapping[str, Any],
        *,
        at: datetime,
        message_id: str | None = None,
    ) -> str:
        """Queue ``payload`` (JSON-serialisable) as ``message_type`` for ``partner``; returns the message id.

        Give ``message_id`` to make the send idempotent (e.g. derived from the business key): sending the
        same id again within or across transactions queues nothing new.
        """
        _check_send(partner, message_type, message_id)
        if at.tzinfo is None:
            raise ValueError("send needs a timezone-aware instant")
        mid = message_id or uuid.uuid4().hex
        body = to_json(payload)
        if message_id is not None:
            queued = any(isinstance(o, OutboundMessageRow) and o.message_id == message_id for o in self._s.new)
            if queued or self._s.scalar(select(OutboundMessageRow.seq).where(OutboundMessageRow.message_id == mid)):
                return mid
        self._s.add(
            OutboundMessageRow(
                message_id=mid,
                partner=partner,
                message_type=message_type,
                payload=body,
                created_at=at,
                attempts=0,
                next_attempt_at=at,
            )
        )
        return mid
