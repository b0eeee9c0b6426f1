"""The enterprise registry's unit of work over SQLAlchemy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from silkport.enterprises.adapters.repository import (
    SqlEnterpriseRepository,
    SqlTokenRepository,
    SqlUserRepository,
)
from silkport.enterprises.services.ports import AreaDirectory, OfficeDirectory
from silkport.infra.uow import SqlAlchemyUnitOfWork
from silkport.shared.clock import Clock


class ZoneDirectory(AreaDirectory, OfficeDirectory, Protocol):
    """Both questions the registry asks of the zone context."""


class SqlEnterpriseUnitOfWork(SqlAlchemyUnitOfWork):
    enterprises: SqlEnterpriseRepository
    users: SqlUserRepository
    tokens: SqlTokenRepository
    areas: AreaDirectory
    offices: OfficeDirectory

    def __init__(
        self, session_factory: sessionmaker[Session], clock: Clock, directory: Callable[[Session], ZoneDirectory]
    ) -> None:
        super().__init__(session_factory, clock)
        self._directory = directory

    def _open(self, session: Session) -> None:
        self.enterprises = SqlEnterpriseRepository(session)
        self.users = SqlUserRepository(session)
        self.tokens = SqlTokenRepository(session)
        # the zone context answers which areas and offices exist; bootstrap wires its adapter in
        self.areas = self.offices = self._directory(session)
