"""Append-only, hash-chained audit log: each entry carries the hash of the one before it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BigInteger, Integer, String, Table, Text, insert, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from silkport.infra.db import Base, insert_together
from silkport.shared.actor import Actor
from silkport.shared.clock import Clock

GENESIS = "0" * 64
#: arbitrary constant naming the PostgreSQL advisory lock that serialises appends to the chain
_CHAIN_LOCK = 0x5117_0A0D


class AuditEntryRow(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(32), index=True)  # ISO 8601 UTC, microseconds: hashed as stored
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(128))
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(128), index=True)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


_TABLE = cast(Table, AuditEntryRow.__table__)
#: the columns written by the unit of work (``seq`` is the database's)
_COLUMNS: tuple[str, ...] = tuple(c.key for c in AuditEntryRow.__table__.columns if c.key != "seq")
_CHAIN_HEAD = select(AuditEntryRow.hash).order_by(AuditEntryRow.seq.desc()).limit(1)
_TAKE_CHAIN_LOCK = text("SELECT pg_advisory_xact_lock(:k)")
_INSERT = insert(_TABLE)


def canonical(value: Mapping[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, row: AuditEntryRow) -> str:
    payload = "\x1f".join(
        [
            prev_hash,
            row.at,
            row.actor_id,
            row.actor_name,
            row.actor_role,
            row.action,
            row.object_type,
            row.object_id,
            row.before or "",
            row.after or "",
            row.reason or "",
        ]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class SqlAuditTrail:
    """Implements :class:`silkport.shared.audit.AuditTrail` inside a unit of work's session.

    Entries are collected during the transaction and chained when it commits (``seal``): the chain's
    head is read and the new entries inserted under a short lock, so concurrent writers queue only for
    that final step, never for the whole transaction. A rolled-back transaction leaves no entry.
    """

    def __init__(self, session: Session, clock: Clock) -> None:
        self._session = session
        self._clock = clock
        self._pending: list[AuditEntryRow] = []

    def record(
        self,
        *,
        actor: Actor,
        action: str,
        object_type: str,
        object_id: str,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        reason: str | None = None,
    ) -> None:
        self._pending.append(
            AuditEntryRow(
                at=self._clock.now().isoformat(timespec="microseconds"),
                actor_id=actor.user_id,
                actor_name=actor.username,
                actor_role=actor.role.value,
                action=action,
                object_type=object_type,
                object_id=object_id,
                before=canonical(before),
                after=canonical(after),
                reason=reason,
            )
        )

    def seal(self) -> None:
        """Link the pending entries to the chain and add them (call right before the commit)."""
        if not self._pending:
            return
        session = self._session
        session.flush()
        conn = session.connection()  # Core from here: the ORM's statement bookkeeping costs as much as the SQL
        if conn.dialect.name == "postgresql":
            conn.execute(_TAKE_CHAIN_LOCK, {"k": _CHAIN_LOCK})
        last = conn.execute(_CHAIN_HEAD).scalar()  # a statement of its own: its snapshot is taken under the lock
        prev = last or GENESIS
        for row in self._pending:
            row.prev_hash = prev
            row.hash = prev = entry_hash(prev, row)
        # one statement in chain order (seq follows the order of the rows), without the ORM's bookkeeping
        insert_together(conn, [(_INSERT, [{c: getattr(row, c) for c in _COLUMNS} for row in self._pending])])
        self._pending = []

    def discard(self) -> None:
        self._pending = []


@dataclass(frozen=True, slots=True)
class ChainReport:
    entries: int
    first_broken: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def iter_entries(session: Session, batch: int = 5000) -> Iterator[AuditEntryRow]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.seq > last).order_by(AuditEntryRow.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session) -> ChainReport:
    """Walk the chain from the start; name the first entry whose link or content does not hold."""
    prev = GENESIS
    count = 0
    for row in iter_entries(session):
        count += 1
        if row.prev_hash != prev:
            return ChainReport(count, row.seq, f"entry {row.seq} does not link to the entry before it")
        if entry_hash(prev, row) != row.hash:
            return ChainReport(count, row.seq, f"entry {row.seq} was altered after it was written")
        prev = row.hash
    return ChainReport(count, None, None)
