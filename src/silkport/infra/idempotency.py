"""Idempotency-Key for every write: a retry with the same key and body replays the first response.

The key is reserved before the request runs (a unique row), so two concurrent retries cannot both
execute; the response is stored after it. A 5xx frees the key so that a retry can try again; the same
key with another body is a 409.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import anyio
from sqlalchemy import DateTime, Integer, LargeBinary, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from silkport.infra.db import Base
from silkport.infra.middleware import send_problem
from silkport.infra.web import SESSION_COOKIE
from silkport.shared.clock import Clock

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_KEY = 255


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)


@dataclass(frozen=True, slots=True)
class Stored:
    request_hash: str
    status: int | None
    content_type: str | None
    body: bytes | None


class IdempotencyStore:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._sf = session_factory
        self._clock = clock

    def reserve(self, scope: str, key: str, request_hash: str) -> Stored | None:
        """Reserve the key; None when reserved now, else what is stored under it already."""
        with self._sf() as s:
            s.add(IdempotencyRow(scope=scope, key=key, request_hash=request_hash, created_at=self._clock.now()))
            try:
                s.commit()
                return None
            except IntegrityError:
                s.rollback()
            row = s.get(IdempotencyRow, (scope, key))
            if row is None:  # freed in between: try once more
                return self.reserve(scope, key, request_hash)
            return Stored(row.request_hash, row.status, row.content_type, row.body)

    def complete(self, scope: str, key: str, status: int, content_type: str | None, body: bytes) -> None:
        with self._sf() as s:
            row = s.get(IdempotencyRow, (scope, key))
            if row is not None:
                row.status, row.content_type, row.body = status, content_type, body
                s.commit()

    def release(self, scope: str, key: str) -> None:
        with self._sf() as s:
            s.execute(delete(IdempotencyRow).where(IdempotencyRow.scope == scope, IdempotencyRow.key == key))
            s.commit()

    def count(self) -> int:
        with self._sf() as s:
            return len(s.scalars(select(IdempotencyRow.key)).all())


def _principal(headers: dict[bytes, bytes]) -> str:
    """Keys are scoped per caller: the credential presented (bearer token or session cookie)."""
    cred = headers.get(b"authorization", b"")
    if not cred:
        cookies = headers.get(b"cookie", b"").decode("latin-1")
        cred = next((c.strip().encode() for c in cookies.split(";") if c.strip().startswith(f"{SESSION_COOKIE}=")), b"")
    return hashlib.sha256(cred).hexdigest()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, store_factory: Callable[[], IdempotencyStore]) -> None:
        self.app = app
        self._store_factory = store_factory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        raw_key = headers.get(b"idempotency-key")
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY or not key.isprintable():
            await send_problem(
                send,
                400,
                "Bad Idempotency-Key",
                f"the key must be 1-{MAX_KEY} printable characters",
                errors=[{"field": "Idempotency-Key", "message": f"1-{MAX_KEY} printable characters"}],
            )
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        caller = _principal(headers)
        key_scope = hashlib.sha256(f"{caller}|{scope['method']}|{scope['path']}".encode()).hexdigest()
        request_hash = hashlib.sha256(body + b"|" + scope.get("query_string", b"")).hexdigest()
        store = self._store_factory()
        existing = await anyio.to_thread.run_sync(store.reserve, key_scope, key, request_hash)
        if existing is not None:
            await self._replay(send, existing, request_hash)
            return

        sent = False

        async def replay_receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 500
        content_type: str | None = None
        out: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                ct = dict(message.get("headers", [])).get(b"content-type")
                content_type = ct.decode("latin-1") if ct else None
            elif message["type"] == "http.response.body":
                out.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture)
        except BaseException:
            await anyio.to_thread.run_sync(store.release, key_scope, key)
            raise
        if status >= 500:
            await anyio.to_thread.run_sync(store.release, key_scope, key)
        else:
            await anyio.to_thread.run_sync(store.complete, key_scope, key, status, content_type, b"".join(out))

    async def _replay(self, send: Send, stored: Stored, request_hash: str) -> None:
        if stored.request_hash != request_hash:
            await send_problem(
                send,
                409,
                "Idempotency-Key reused",
                "this Idempotency-Key was used with a different request body",
                errors=[{"field": "Idempotency-Key", "message": "already used with another body"}],
            )
            return
        if stored.status is None:
            await send_problem(send, 409, "Request in progress", "a request with this Idempotency-Key is still running")
            return
        body = stored.body or b""
        headers = [(b"content-length", str(len(body)).encode()), (b"idempotent-replayed", b"true")]
        if stored.content_type:
            headers.append((b"content-type", stored.content_type.encode()))
        await send({"type": "http.response.start", "status": stored.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
