"""Transactional outbox and webhook delivery.

Events are written in the same transaction as the change they announce (so none is lost and none is
announced without its change). A dispatcher fans each event out to the enterprise's active webhooks
and POSTs it, signed with HMAC-SHA256, retrying with exponential backoff until a 2xx: delivery is at
least once, and receivers deduplicate by the ``event_id`` in the body and the ``X-Silkport-Event-Id``
header.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Insert, Integer, String, Table, Text, event, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from silkport.infra.db import Base
from silkport.shared.clock import Clock, ensure_utc

log = logging.getLogger("silkport.webhooks")
MAX_BACKOFF = timedelta(hours=1)
GIVE_UP_AFTER = 20


class OutboxRow(Base):
    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    fanned_out: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


_OUTBOX_TABLE = cast(Table, OutboxRow.__table__)


class WebhookRow(Base):
    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(32), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DeliveryRow(Base):
    __tablename__ = "webhook_deliveries"

    event_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(Text)


_PENDING = "silkport.outbox.pending"


class SqlOutbox:
    """Implements the contexts' ``Outbox`` port inside their unit of work's session.

    Events wait in the session and are written in one executemany right before it commits (a rolled-back
    session writes none): one statement per transaction instead of an ORM flush per event."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def emit(self, enterprise_id: str, event_type: str, payload: Mapping[str, Any], at: datetime) -> None:
        event_id = uuid.uuid4().hex
        body = {**payload, "event_id": event_id, "type": event_type, "at": at.isoformat()}
        pending: list[dict[str, Any]] = self._s.info.setdefault(_PENDING, [])
        pending.append(
            {
                "id": event_id,
                "enterprise_id": enterprise_id,
                "event_type": event_type,
                "payload": body,
                "created_at": at,
                "fanned_out": False,
            }
        )


#: the outbox's ``INSERT`` (built once)
OUTBOX_INSERT = insert(_OUTBOX_TABLE)


def take_pending_events(session: Session) -> list[tuple[Insert, list[dict[str, Any]]]]:
    """The events emitted in ``session`` and not written yet, as (statement, rows), for a unit of work that
    writes them together with its own rows (see ``silkport.infra.db.insert_together``); they are then no longer
    written at the commit."""
    pending: list[dict[str, Any]] = session.info.pop(_PENDING, None) or []
    return [(OUTBOX_INSERT, pending)] if pending else []


@event.listens_for(Session, "before_commit")
def _write_pending_events(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.connection().execute(OUTBOX_INSERT, pending)  # Core: no ORM bookkeeping


@event.listens_for(Session, "after_rollback")
def _drop_pending_events(session: Session) -> None:
    session.info.pop(_PENDING, None)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s ... capped at an hour."""
    return min(timedelta(seconds=10 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    enterprise_id: str
    url: str
    secret: str
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DispatchReport:
    fanned_out: int
    attempted: int
    delivered: int
    failed: int


class WebhookRegistry:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._sf = session_factory
        self._clock = clock

    def register(self, enterprise_id: str, url: str) -> Webhook:
        row = WebhookRow(
            id=uuid.uuid4().hex,
            enterprise_id=enterprise_id,
            url=url,
            secret=secrets.token_hex(32),
            active=True,
            created_at=self._clock.now(),
        )
        with self._sf() as s:
            s.add(row)
            s.commit()
            return _hook(row)

    def list(self, enterprise_id: str | None) -> list[Webhook]:
        stmt = select(WebhookRow).order_by(WebhookRow.created_at)
        if enterprise_id is not None:
            stmt = stmt.where(WebhookRow.enterprise_id == enterprise_id)
        with self._sf() as s:
            return [_hook(r) for r in s.scalars(stmt)]

    def deactivate(self, webhook_id: str, enterprise_id: str | None) -> bool:
        with self._sf() as s:
            row = s.get(WebhookRow, webhook_id)
            if row is None or (enterprise_id is not None and row.enterprise_id != enterprise_id):
                return False
            row.active = False
            s.commit()
            return True


def _hook(row: WebhookRow) -> Webhook:
    return Webhook(row.id, row.enterprise_id, row.url, row.secret, row.active, ensure_utc(row.created_at))


class Dispatcher:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        post: Callable[[str, bytes, Mapping[str, str]], int] | None = None,
    ) -> None:
        self._sf = session_factory
        self._clock = clock
        self._post = post or _http_post

    def fan_out(self, batch: int = 500) -> int:
        """Create one delivery per (event, active webhook of the event's enterprise)."""
        with self._sf() as s:
            events = s.scalars(
                select(OutboxRow).where(OutboxRow.fanned_out.is_(False)).order_by(OutboxRow.seq).limit(batch)
            ).all()
            hooks: dict[str, list[WebhookRow]] = {}
            for event in events:
                if event.enterprise_id not in hooks:
                    hooks[event.enterprise_id] = list(
                        s.scalars(
                            select(WebhookRow).where(
                                WebhookRow.enterprise_id == event.enterprise_id, WebhookRow.active.is_(True)
                            )
                        )
                    )
                for hook in hooks[event.enterprise_id]:
                    s.add(
                        DeliveryRow(
                            event_id=event.id, webhook_id=hook.id, attempts=0, next_attempt_at=self._clock.now()
                        )
                    )
                event.fanned_out = True
            s.commit()
            return len(events)

    def deliver_due(self, batch: int = 200) -> tuple[int, int, int]:
        now = self._clock.now()
        attempted = delivered = failed = 0
        with self._sf() as s:
            due = s.execute(
                select(DeliveryRow, WebhookRow, OutboxRow)
                .join(WebhookRow, WebhookRow.id == DeliveryRow.webhook_id)
                .join(OutboxRow, OutboxRow.id == DeliveryRow.event_id)
                .where(
                    DeliveryRow.delivered_at.is_(None),
                    DeliveryRow.failed.is_(False),
                    DeliveryRow.next_attempt_at <= now,
                )
                .order_by(OutboxRow.seq)
                .limit(batch)
            ).all()
            for delivery, hook, event in due:
                attempted += 1
                body = json.dumps(event.payload, separators=(",", ":"), sort_keys=True).encode()
                headers = {
                    "Content-Type": "application/json",
                    "X-Silkport-Event-Id": event.id,
                    "X-Silkport-Event-Type": event.event_type,
                    "X-Silkport-Signature": sign(hook.secret, body),
                }
                delivery.attempts += 1
                try:
                    status = self._post(hook.url, body, headers)
                    error = None if 200 <= status < 300 else f"HTTP {status}"
                except Exception as exc:  # any transport failure is retried
                    error = f"{type(exc).__name__}: {exc}"
                if error is None:
                    delivery.delivered_at = now
                    delivery.last_error = None
                    delivered += 1
                else:
                    delivery.last_error = error
                    if delivery.attempts >= GIVE_UP_AFTER:
                        delivery.failed = True
                        failed += 1
                        log.warning("webhook %s gave up on event %s: %s", hook.id, event.id, error)
                    else:
                        delivery.next_attempt_at = now + backoff(delivery.attempts)
            s.commit()
        return attempted, delivered, failed

    def run_once(self) -> DispatchReport:
        fanned = self.fan_out()
        attempted, delivered, failed = self.deliver_due()
        return DispatchReport(fanned, attempted, delivered, failed)


def _http_post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    response = httpx.post(url, content=body, headers=dict(headers), timeout=10.0)
    return response.status_code
