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

import hashlib
import hmac
import json
import logging
import re
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from silkport.infra.db import Base
from silkport.infra.uow import SqlAlchemyUnitOfWork
from silkport.shared.actor import Actor, Role
from silkport.shared.clock import Clock, ensure_utc
from silkport.shared.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)

log = logging.getLogger("silkport.partners")

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
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
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
    digest: Mapped[str] = mapped_column(String(64))
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
                queued_at=at,
                attempts=0,
                next_attempt_at=at,
            )
        )
        return mid


# --- wire format -------------------------------------------------------------------------------------

KEY_ID_HEADER = "X-Partner-Key-Id"
TIMESTAMP_HEADER = "X-Partner-Timestamp"
SIGNATURE_HEADER = "X-Partner-Signature"
MESSAGE_ID_HEADER = "X-Partner-Message-Id"
REPLAY_WINDOW = timedelta(minutes=5)
INBOUND_PATH = "/api/v1/partners/inbound"
ENVELOPE_FIELDS = frozenset({"message_id", "type", "created_at", "payload"})
#: answers that will not change however often the same message is sent: the message goes dead at once
PERMANENT_STATUSES = frozenset({400, 409, 413, 415, 422})


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 with the shared secret over ``<timestamp>.<exact body bytes>``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def envelope(message_id: str, message_type: str, created_at: datetime, payload: Mapping[str, Any]) -> bytes:
    """The body of one message: compact JSON, keys sorted (any byte-exact body verifies; this is ours)."""
    doc = {
        "message_id": message_id,
        "type": message_type,
        "created_at": ensure_utc(created_at).isoformat(),
        "payload": dict(payload),
    }
    return json.dumps(doc, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")


def signed_headers(key_id: str, secret: str, body: bytes, at: datetime, message_id: str) -> dict[str, str]:
    timestamp = str(int(ensure_utc(at).timestamp()))
    return {
        "Content-Type": "application/json",
        KEY_ID_HEADER: key_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        MESSAGE_ID_HEADER: message_id,
    }


def content_digest(message_type: str, payload: Mapping[str, Any]) -> str:
    """What makes two deliveries of one message id 'the same message': its type and payload."""
    canonical_doc = json.dumps({"type": message_type, "payload": payload}, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical_doc.encode("utf-8")).hexdigest()


# --- retry policy ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Deterministic exponential backoff: ``base``, 2*base, 4*base ... capped at ``cap`` (no jitter, so a
    schedule can be stated and tested); a message goes dead after ``max_attempts`` failed attempts or when
    it has been queued for ``max_age`` without being delivered."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 15
    max_age: timedelta = timedelta(days=2)

    def __post_init__(self) -> None:
        if self.base <= timedelta(0) or self.cap < self.base or self.max_attempts < 1 or self.max_age <= timedelta(0):
            raise ValueError("a retry policy needs 0 < base <= cap, max_attempts >= 1 and a positive max_age")

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (attempts >= 1)."""
        if attempts < 1:
            return timedelta(0)
        exponent = min(attempts - 1, 62)
        cap_s = self.cap.total_seconds()
        seconds = self.base.total_seconds() * (2**exponent)
        return self.cap if seconds >= cap_s else timedelta(seconds=seconds)

    def schedule(self) -> list[timedelta]:
        """Offsets from the first attempt at which each of the ``max_attempts`` attempts is made."""
        out = [timedelta(0)]
        for n in range(1, self.max_attempts):
            out.append(out[-1] + self.delay(n))
        return out

    def gives_up(self, attempts: int, queued_at: datetime, now: datetime) -> bool:
        return attempts >= self.max_attempts or now - ensure_utc(queued_at) >= self.max_age


# --- views -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Partner:
    code: str
    name: str
    url: str | None
    outbound_key_id: str | None
    has_outbound_secret: bool
    inbound_key_id: str
    active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PartnerCredentials:
    """The key a partner signs its messages to us with: shown once, when it is generated."""

    partner: Partner
    inbound_key_id: str
    inbound_secret: str


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    message_id: str
    partner: str
    message_type: str
    payload: dict[str, Any]
    created_at: datetime
    queued_at: datetime
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    dead_at: datetime | None
    last_error: str | None

    @property
    def status(self) -> str:
        if self.delivered_at is not None:
            return "delivered"
        return "dead" if self.dead_at is not None else "pending"


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """What a handler is given: one authenticated message from a partner, at least once per processing."""

    partner: str
    message_id: str
    message_type: str
    payload: dict[str, Any]
    received_at: datetime
    sent_at: datetime | None = None
    attempts: int = 0
    processed_at: datetime | None = None
    last_error: str | None = None

    @property
    def status(self) -> str:
        if self.processed_at is not None:
            return "processed"
        return "failing" if self.last_error is not None else "received"


InboundHandler = Callable[[InboundMessage], None]


@dataclass(frozen=True, slots=True)
class Receipt:
    partner: str
    message_id: str
    message_type: str
    received_at: datetime
    duplicate: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "duplicate" if self.duplicate else "accepted",
            "partner": self.partner,
            "message_id": self.message_id,
            "type": self.message_type,
            "received_at": self.received_at.isoformat(),
        }


def _partner(row: PartnerRow) -> Partner:
    return Partner(
        code=row.code,
        name=row.name,
        url=row.url,
        outbound_key_id=row.outbound_key_id,
        has_outbound_secret=bool(row.outbound_secret),
        inbound_key_id=row.inbound_key_id,
        active=row.active,
        created_at=ensure_utc(row.created_at),
        updated_at=ensure_utc(row.updated_at),
    )


def _opt(value: datetime | None) -> datetime | None:
    return None if value is None else ensure_utc(value)


def _outbound(row: OutboundMessageRow) -> OutboundMessage:
    return OutboundMessage(
        message_id=row.message_id,
        partner=row.partner,
        message_type=row.message_type,
        payload=dict(row.payload),
        created_at=ensure_utc(row.created_at),
        queued_at=ensure_utc(row.queued_at),
        attempts=row.attempts,
        next_attempt_at=ensure_utc(row.next_attempt_at),
        last_attempt_at=_opt(row.last_attempt_at),
        delivered_at=_opt(row.delivered_at),
        dead_at=_opt(row.dead_at),
        last_error=row.last_error,
    )


def _inbound(row: InboundMessageRow) -> InboundMessage:
    return InboundMessage(
        partner=row.partner,
        message_id=row.message_id,
        message_type=row.message_type,
        payload=dict(row.payload),
        received_at=ensure_utc(row.received_at),
        sent_at=_opt(row.sent_at),
        attempts=row.attempts,
        processed_at=_opt(row.processed_at),
        last_error=row.last_error,
    )


def _partner_audit(row: PartnerRow) -> dict[str, Any]:
    """What the audit log keeps of a partner: never a secret."""
    return {
        "code": row.code,
        "name": row.name,
        "url": row.url,
        "outbound_key_id": row.outbound_key_id,
        "inbound_key_id": row.inbound_key_id,
        "active": row.active,
    }


def _check_url(url: str | None) -> None:
    if url is None:
        return
    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValidationFailed(FieldError("url", "must be an absolute http(s) URL of the partner's inbound endpoint"))


def _check_key(field: str, value: str | None) -> None:
    if value is not None and not KEY_ID.match(value):
        raise ValidationFailed(FieldError(field, "1-64 of A-Za-z0-9_.:-"))


def _check_secret(field: str, value: str | None) -> None:
    if value is not None and not (16 <= len(value) <= 128 and value.isprintable() and value.strip() == value):
        raise ValidationFailed(FieldError(field, "16-128 printable characters, no surrounding spaces"))


KEY_ID = MESSAGE_ID


# --- partner registry --------------------------------------------------------------------------------


class PartnerRegistry:
    """Administrators configure the partner administrations and their keys (every change audited)."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._sf = session_factory
        self._clock = clock

    def add(
        self,
        actor: Actor,
        *,
        code: str,
        name: str,
        url: str | None = None,
        outbound_key_id: str | None = None,
        outbound_secret: str | None = None,
        inbound_key_id: str | None = None,
        inbound_secret: str | None = None,
    ) -> PartnerCredentials:
        """Register a partner; its inbound key (the one it signs with) is generated unless given."""
        _require_admin(actor)
        errors: list[FieldError] = []
        if not PARTNER_CODE.match(code):
            errors.append(FieldError("code", f"{code!r} is not a partner code (2-8 upper-case letters/digits)"))
        if not name.strip() or len(name) > 200:
            errors.append(FieldError("name", "1-200 characters"))
        if (outbound_key_id is None) != (outbound_secret is None):
            errors.append(FieldError("outbound_secret", "give the outbound key id and its secret together"))
        if (inbound_key_id is None) != (inbound_secret is None):
            errors.append(FieldError("inbound_secret", "give the inbound key id and its secret together"))
        if errors:
            raise ValidationFailed(errors)
        _check_url(url)
        _check_key("outbound_key_id", outbound_key_id)
        _check_key("inbound_key_id", inbound_key_id)
        _check_secret("outbound_secret", outbound_secret)
        _check_secret("inbound_secret", inbound_secret)
        now = self._clock.now()
        key_id = inbound_key_id or f"{code.lower()}-{secrets.token_hex(8)}"
        secret = inbound_secret or secrets.token_hex(32)
        with SqlAlchemyUnitOfWork(self._sf, self._clock) as uow:
            if uow.session.get(PartnerRow, code) is not None:
                raise Conflict(f"partner {code} is already registered")
            if uow.session.scalar(select(PartnerRow.code).where(PartnerRow.inbound_key_id == key_id)):
                raise Conflict(f"inbound key id {key_id} is already in use")
            row = PartnerRow(
                code=code,
                name=name.strip(),
                url=url,
                outbound_key_id=outbound_key_id,
                outbound_secret=outbound_secret,
                inbound_key_id=key_id,
                inbound_secret=secret,
                active=True,
                created_at=now,
                updated_at=now,
            )
            uow.session.add(row)
            uow.audit.record(
                actor=actor,
                action="partner.registered",
                object_type="partner",
                object_id=code,
                before=None,
                after=_partner_audit(row),
            )
            uow.commit()
            return PartnerCredentials(_partner(row), key_id, secret)

    def update(
        self,
        actor: Actor,
        code: str,
        *,
        name: str | None = None,
        url: str | None = None,
        outbound_key_id: str | None = None,
        outbound_secret: str | None = None,
        active: bool | None = None,
    ) -> Partner:
        _require_admin(actor)
        if name is not None and (not name.strip() or len(name) > 200):
            raise ValidationFailed(FieldError("name", "1-200 characters"))
        if (outbound_key_id is None) != (outbound_secret is None):
            raise ValidationFailed(FieldError("outbound_secret", "give the outbound key id and its secret together"))
        _check_url(url)
        _check_key("outbound_key_id", outbound_key_id)
        _check_secret("outbound_secret", outbound_secret)
        with SqlAlchemyUnitOfWork(self._sf, self._clock) as uow:
            row = uow.session.get(PartnerRow, code)
            if row is None:
                raise NotFound(f"partner {code} not found")
            before = _partner_audit(row)
            if name is not None:
                row.name = name.strip()
            if url is not None:
                row.url = url
            if outbound_key_id is not None and outbound_secret is not None:
                row.outbound_key_id, row.outbound_secret = outbound_key_id, outbound_secret
            if active is not None:
                row.active = active
            row.updated_at = self._clock.now()
            uow.audit.record(
                actor=actor,
                action="partner.updated",
                object_type="partner",
                object_id=code,
                before=before,
                after=_partner_audit(row),
            )
            uow.commit()
            return _partner(row)

    def rotate_inbound_key(self, actor: Actor, code: str) -> PartnerCredentials:
        """A new key for the partner to sign with (the old one stops working at once)."""
        _require_admin(actor)
        with SqlAlchemyUnitOfWork(self._sf, self._clock) as uow:
            row = uow.session.get(PartnerRow, code)
            if row is None:
                raise NotFound(f"partner {code} not found")
            before = _partner_audit(row)
            row.inbound_key_id = f"{code.lower()}-{secrets.token_hex(8)}"
            row.inbound_secret = secrets.token_hex(32)
            row.updated_at = self._clock.now()
            uow.audit.record(
                actor=actor,
                action="partner.key_rotated",
                object_type="partner",
                object_id=code,
                before=before,
                after=_partner_audit(row),
            )
            uow.commit()
            return PartnerCredentials(_partner(row), row.inbound_key_id, row.inbound_secret)

    def ping(self, actor: Actor, code: str) -> str:
        """Queue a ``PING`` for the partner: a check of the whole outbound path."""
        _require_admin(actor)
        with self._sf() as s:
            if s.get(PartnerRow, code) is None:
                raise NotFound(f"partner {code} not found")
            message_id = SqlPartnerOutbox(s).send(code, "PING", {"from": actor.username}, at=self._clock.now())
            s.commit()
            return message_id

    def get(self, code: str) -> Partner:
        with self._sf() as s:
            row = s.get(PartnerRow, code)
            if row is None:
                raise NotFound(f"partner {code} not found")
            return _partner(row)

    def all(self) -> list[Partner]:
        with self._sf() as s:
            return [_partner(r) for r in s.scalars(select(PartnerRow).order_by(PartnerRow.code))]


def _require_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(f"a {actor.role.label.lower()} may not configure partner administrations")


# --- outbound: the dispatcher and the dead letters ---------------------------------------------------

Post = Callable[[str, bytes, Mapping[str, str]], int]


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    attempted: int
    delivered: int
    retrying: int
    dead: int


class PartnerDispatcher:
    """Delivers due outbound messages, at least once, in queue order per round.

    A round first *claims* the due messages in a short transaction (each claimed message gets its
    attempt counted and its next attempt scheduled, which is also the lease that keeps a second worker
    off it), then POSTs them outside any transaction, then records each outcome. A worker that dies
    mid-round leaves its messages to be retried at their scheduled time.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        policy: RetryPolicy | None = None,
        post: Post | None = None,
    ) -> None:
        self._sf = session_factory
        self._clock = clock
        self.policy = policy or RetryPolicy()
        self._post = post or http_post

    def _claim(self, batch: int) -> list[tuple[OutboundMessageRow, PartnerRow]]:
        now = self._clock.now()
        with self._sf() as s:
            stmt = (
                select(OutboundMessageRow, PartnerRow)
                .join(PartnerRow, PartnerRow.code == OutboundMessageRow.partner)
                .where(
                    OutboundMessageRow.delivered_at.is_(None),
                    OutboundMessageRow.dead_at.is_(None),
                    OutboundMessageRow.next_attempt_at <= now,
                    PartnerRow.active.is_(True),
                    PartnerRow.url.is_not(None),
                    PartnerRow.outbound_key_id.is_not(None),
                    PartnerRow.outbound_secret.is_not(None),
                )
                .order_by(OutboundMessageRow.seq)
                .limit(batch)
                .with_for_update(of=OutboundMessageRow, skip_locked=True)
            )
            claimed = [(m, p) for m, p in s.execute(stmt)]
            for message, _partner_row in claimed:
                message.attempts += 1
                message.last_attempt_at = now
                message.next_attempt_at = now + self.policy.delay(message.attempts)
            s.commit()
            return claimed

    def deliver_due(self, batch: int = 100) -> DeliveryReport:
        claimed = self._claim(batch)
        outcomes: list[tuple[int, str | None, bool]] = []
        for message, partner in claimed:
            assert partner.url and partner.outbound_key_id and partner.outbound_secret  # claimed only if so
            body = envelope(message.message_id, message.message_type, message.created_at, message.payload)
            headers = signed_headers(
                partner.outbound_key_id, partner.outbound_secret, body, self._clock.now(), message.message_id
            )
            try:
                status = self._post(partner.url, body, headers)
                error = None if 200 <= status < 300 else f"HTTP {status}"
                permanent = status in PERMANENT_STATUSES
            except Exception as exc:  # any transport failure is retried
                error, permanent = f"{type(exc).__name__}: {exc}"[:2000], False
            outcomes.append((message.seq, error, permanent))
        delivered = retrying = dead = 0
        if outcomes:
            now = self._clock.now()
            with self._sf() as s:
                for seq, error, permanent in outcomes:
                    row = s.get(OutboundMessageRow, seq)
                    if row is None or row.delivered_at is not None:
                        continue
                    if error is None:
                        row.delivered_at, row.last_error, row.dead_at = now, None, None
                        delivered += 1
                        continue
                    row.last_error = error
                    if permanent or self.policy.gives_up(row.attempts, row.queued_at, now):
                        row.dead_at = now
                        dead += 1
                        log.warning(
                            "partner %s: message %s dead after %d attempts: %s",
                            row.partner,
                            row.message_id,
                            row.attempts,
                            error,
                        )
                    else:
                        retrying += 1
                s.commit()
        return DeliveryReport(len(claimed), delivered, retrying, dead)

    def messages(
        self, *, status: str | None = None, partner: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[OutboundMessage]:
        stmt = select(OutboundMessageRow)
        if status == "pending":
            stmt = stmt.where(OutboundMessageRow.delivered_at.is_(None), OutboundMessageRow.dead_at.is_(None))
        elif status == "delivered":
            stmt = stmt.where(OutboundMessageRow.delivered_at.is_not(None))
        elif status == "dead":
            stmt = stmt.where(OutboundMessageRow.dead_at.is_not(None), OutboundMessageRow.delivered_at.is_(None))
        elif status is not None:
            raise ValidationFailed(FieldError("status", "one of pending, delivered, dead"))
        if partner is not None:
            stmt = stmt.where(OutboundMessageRow.partner == partner)
        stmt = stmt.order_by(OutboundMessageRow.seq).limit(limit).offset(offset)
        with self._sf() as s:
            return [_outbound(r) for r in s.scalars(stmt)]

    def get(self, message_id: str) -> OutboundMessage:
        with self._sf() as s:
            row = s.scalar(select(OutboundMessageRow).where(OutboundMessageRow.message_id == message_id))
            if row is None:
                raise NotFound(f"outbound message {message_id} not found")
            return _outbound(row)

    def requeue(self, actor: Actor, message_id: str) -> OutboundMessage:
        """Give a dead letter a fresh schedule (attempts and age start again from now)."""
        _require_admin(actor)
        now = self._clock.now()
        with SqlAlchemyUnitOfWork(self._sf, self._clock) as uow:
            row = uow.session.scalar(
                select(OutboundMessageRow).where(OutboundMessageRow.message_id == message_id).with_for_update()
            )
            if row is None:
                raise NotFound(f"outbound message {message_id} not found")
            current = _outbound(row).status
            if current != "dead":
                raise Conflict(f"outbound message {message_id} is {current}: only a dead letter can be requeued")
            before = {"status": "dead", "attempts": row.attempts, "last_error": row.last_error}
            row.dead_at = None
            row.attempts = 0
            row.queued_at = now
            row.next_attempt_at = now
            uow.audit.record(
                actor=actor,
                action="partner_message.requeued",
                object_type="partner_outbound",
                object_id=message_id,
                before=before,
                after={"status": "pending", "attempts": 0},
            )
            uow.commit()
            return _outbound(row)

    def requeue_dead(self, actor: Actor, partner: str | None = None) -> list[str]:
        ids = [m.message_id for m in self.messages(status="dead", partner=partner, limit=10_000)]
        for mid in ids:
            self.requeue(actor, mid)
        return ids


def http_post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    response = httpx.post(url, content=body, headers=dict(headers), timeout=httpx.Timeout(10.0, connect=3.0))
    return response.status_code


# --- inbound: authentication, storage, processing ----------------------------------------------------


class BadPartnerRequest(DomainError):
    status = 400
    title = "Bad request"


class InboundReceiver:
    """Authenticates and stores one inbound message; processing happens later, in arrival order."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        accepted_types: Callable[[], Iterable[str]],
        window: timedelta = REPLAY_WINDOW,
    ) -> None:
        self._sf = session_factory
        self._clock = clock
        self._accepted_types = accepted_types
        self._window = window

    def _authenticate(self, s: Session, headers: Mapping[str, str], body: bytes) -> tuple[PartnerRow, datetime]:
        key_id = headers.get(KEY_ID_HEADER.lower()) or headers.get(KEY_ID_HEADER)
        timestamp = headers.get(TIMESTAMP_HEADER.lower()) or headers.get(TIMESTAMP_HEADER)
        sig = headers.get(SIGNATURE_HEADER.lower()) or headers.get(SIGNATURE_HEADER)
        missing = [
            name
            for name, value in ((KEY_ID_HEADER, key_id), (TIMESTAMP_HEADER, timestamp), (SIGNATURE_HEADER, sig))
            if not value
        ]
        if missing:
            raise AuthenticationFailed(f"missing partner authentication header(s): {', '.join(missing)}")
        assert key_id is not None and timestamp is not None and sig is not None
        if not timestamp.isdigit() or len(timestamp) > 12:
            raise AuthenticationFailed(f"{TIMESTAMP_HEADER} must be the Unix time in whole seconds, got {timestamp!r}")
        partner = s.scalar(select(PartnerRow).where(PartnerRow.inbound_key_id == key_id))
        if partner is None:
            raise AuthenticationFailed(f"unknown partner key id {key_id!r}")
        now = self._clock.now()
        sent = datetime.fromtimestamp(int(timestamp), UTC)
        skew = (sent - now).total_seconds()
        if abs(skew) > self._window.total_seconds():
            when = "behind" if skew < 0 else "ahead of"
            raise AuthenticationFailed(
                f"stale timestamp: {TIMESTAMP_HEADER} {timestamp} is {abs(int(skew))} s {when} our clock "
                f"({int(now.timestamp())}); the replay window is ±{int(self._window.total_seconds())} s"
            )
        if not hmac.compare_digest(
            sig.encode("utf-8", "replace"), signature(partner.inbound_secret, timestamp, body).encode()
        ):
            raise AuthenticationFailed(
                f"{SIGNATURE_HEADER} does not match: expected sha256=HMAC-SHA256(secret, timestamp + '.' + body)"
            )
        if not partner.active:
            raise PermissionDenied(f"partner {partner.code} is deactivated")
        return partner, sent

    def _parse(self, body: bytes) -> tuple[str, str, dict[str, Any], datetime | None]:
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadPartnerRequest(f"the body is not UTF-8 JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise ValidationFailed(FieldError("body", "must be a JSON object (the message envelope)"))
        errors: list[FieldError] = [FieldError(k, "unknown field") for k in sorted(set(doc) - ENVELOPE_FIELDS)]
        mid, mtype, payload, created = doc.get("message_id"), doc.get("type"), doc.get("payload"), doc.get("created_at")
        if not isinstance(mid, str) or not MESSAGE_ID.match(mid):
            errors.append(FieldError("message_id", "is required: 1-64 of A-Za-z0-9_.:-"))
        if not isinstance(mtype, str) or not MESSAGE_TYPE.match(mtype):
            errors.append(FieldError("type", "is required: 1-64 of A-Za-z0-9_.:-"))
        elif mtype not in set(self._accepted_types()):
            accepted = ", ".join(sorted(self._accepted_types())) or "none"
            errors.append(FieldError("type", f"unknown message type {mtype!r}; this installation accepts: {accepted}"))
        if not isinstance(payload, dict):
            errors.append(FieldError("payload", "is required: a JSON object"))
        created_at: datetime | None = None
        if created is not None:
            try:
                if not isinstance(created, str):
                    raise ValueError(created)
                created_at = datetime.fromisoformat(created)
                if created_at.tzinfo is None:
                    raise ValueError(created)
            except ValueError:
                errors.append(FieldError("created_at", "an ISO 8601 instant with its UTC offset"))
        if errors:
            raise ValidationFailed(errors)
        assert isinstance(mid, str) and isinstance(mtype, str) and isinstance(payload, dict)
        return mid, mtype, payload, created_at

    def receive(self, headers: Mapping[str, str], body: bytes) -> Receipt:
        """Store the message once per (partner, message id); a repeat is a harmless duplicate."""
        with self._sf() as s:
            partner, _sent = self._authenticate(s, headers, body)
            code = partner.code
            s.rollback()
        mid, mtype, payload, created_at = self._parse(body)
        digest = content_digest(mtype, payload)
        now = self._clock.now()
        with self._sf() as s:
            existing = self._existing(s, code, mid)
            if existing is None:
                s.add(
                    InboundMessageRow(
                        partner=code,
                        message_id=mid,
                        message_type=mtype,
                        payload=payload,
                        digest=digest,
                        sent_at=created_at,
                        received_at=now,
                        next_attempt_at=now,
                        attempts=0,
                    )
                )
                try:
                    s.commit()
                    return Receipt(code, mid, mtype, now, duplicate=False)
                except IntegrityError:  # the same message arrived twice at once: the other one won
                    s.rollback()
                    existing = self._existing(s, code, mid)
                    if existing is None:  # pragma: no cover - a unique violation means it exists
                        raise
            if existing.digest != digest:
                raise Conflict(f"message {mid} from {code} was already received with a different type or payload")
            return Receipt(code, mid, existing.message_type, ensure_utc(existing.received_at), duplicate=True)

    @staticmethod
    def _existing(s: Session, code: str, mid: str) -> InboundMessageRow | None:
        return s.scalar(
            select(InboundMessageRow).where(InboundMessageRow.partner == code, InboundMessageRow.message_id == mid)
        )


@dataclass(frozen=True, slots=True)
class ProcessReport:
    attempted: int
    processed: int
    failed: int


class InboundProcessor:
    """Hands received messages to their handlers in arrival order; a failure is retried with backoff.

    A message is marked processed only after its handler returned; if the handler raises, the error is
    kept and the message retried at the policy's schedule (never dropped: an inbound message does not
    go dead). Handlers see each message once in effect; should the process die between a handler's
    return and the mark, the handler sees the message again, so handlers with effects outside this
    database key them by (partner, message id).
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        handlers: Mapping[str, InboundHandler],
        policy: RetryPolicy | None = None,
    ) -> None:
        self._sf = session_factory
        self._clock = clock
        self._handlers = handlers
        self.policy = policy or RetryPolicy()

    def process_due(self, batch: int = 100) -> ProcessReport:
        now = self._clock.now()
        with self._sf() as s:
            rows = list(
                s.scalars(
                    select(InboundMessageRow)
                    .where(InboundMessageRow.processed_at.is_(None), InboundMessageRow.next_attempt_at <= now)
                    .order_by(InboundMessageRow.seq)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            )
            for row in rows:
                row.attempts += 1
                row.next_attempt_at = now + self.policy.delay(row.attempts)
            s.commit()
            messages = [(row.seq, _inbound(row)) for row in rows]
        processed = failed = 0
        for seq, message in messages:
            handler = self._handlers.get(message.message_type)
            error: str | None = None
            if handler is None:
                error = f"no handler for message type {message.message_type!r}"
            else:
                try:
                    handler(message)
                except Exception as exc:  # a handler failure is kept and retried, never lost
                    error = f"{type(exc).__name__}: {exc}"[:2000]
                    log.warning("partner %s: message %s failed: %s", message.partner, message.message_id, error)
            with self._sf() as s:
                done = s.get(InboundMessageRow, seq)
                if done is not None and done.processed_at is None:
                    if error is None:
                        done.processed_at, done.last_error = self._clock.now(), None
                    else:
                        done.last_error = error
                s.commit()
            if error is None:
                processed += 1
            else:
                failed += 1
        return ProcessReport(len(messages), processed, failed)

    def messages(
        self, *, status: str | None = None, partner: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[InboundMessage]:
        stmt = select(InboundMessageRow)
        if status == "processed":
            stmt = stmt.where(InboundMessageRow.processed_at.is_not(None))
        elif status == "received":
            stmt = stmt.where(InboundMessageRow.processed_at.is_(None), InboundMessageRow.last_error.is_(None))
        elif status == "failing":
            stmt = stmt.where(InboundMessageRow.processed_at.is_(None), InboundMessageRow.last_error.is_not(None))
        elif status is not None:
            raise ValidationFailed(FieldError("status", "one of received, processed, failing"))
        if partner is not None:
            stmt = stmt.where(InboundMessageRow.partner == partner)
        stmt = stmt.order_by(InboundMessageRow.seq).limit(limit).offset(offset)
        with self._sf() as s:
            return [_inbound(r) for r in s.scalars(stmt)]


def ping_handler(message: InboundMessage) -> None:
    """The built-in ``PING`` type: accepted, stored and processed, with no effect (a connectivity check)."""
