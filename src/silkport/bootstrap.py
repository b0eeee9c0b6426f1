"""Composition root: builds the platform with real adapters (or test doubles) for every entrypoint."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from silkport.enterprises.adapters.uow import SqlEnterpriseUnitOfWork
from silkport.infra.db import make_engine, make_session_factory
from silkport.infra.idempotency import IdempotencyStore
from silkport.infra.security import Argon2Hasher
from silkport.infra.settings import Settings, get_settings
from silkport.shared.clock import Clock, SystemClock
from silkport.zone.adapters.repository import SqlZoneRepository
from silkport.zone.adapters.uow import SqlZoneUnitOfWork


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    hasher: Argon2Hasher
    extras: dict[str, object] = field(default_factory=dict)

    def enterprises_uow(self) -> SqlEnterpriseUnitOfWork:
        return SqlEnterpriseUnitOfWork(self.session_factory, self.clock, SqlZoneRepository)

    def zone_uow(self) -> SqlZoneUnitOfWork:
        return SqlZoneUnitOfWork(self.session_factory, self.clock)

    def idempotency_store(self) -> IdempotencyStore:
        return IdempotencyStore(self.session_factory, self.clock)

    def dispose(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, clock: Clock | None = None, fast_hashing: bool = False) -> Platform:
    settings = settings or get_settings()
    engine = make_engine(settings)
    return Platform(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        clock=clock or SystemClock(),
        hasher=Argon2Hasher(fast=fast_hashing),
    )
