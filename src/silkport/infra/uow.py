"""Unit of work: one transaction, its repositories and its audit trail; services never see the session."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from silkport.infra.audit import SqlAuditTrail
from silkport.shared.clock import Clock


class SqlAlchemyUnitOfWork:
    """Base for each context's unit of work; subclasses add their repositories in ``_open``."""

    session: Session
    audit: SqlAuditTrail

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._session_factory = session_factory
        self.clock = clock

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.audit = SqlAuditTrail(self.session, self.clock)
        self._open(self.session)
        return self

    def _open(self, session: Session) -> None:
        """Create the context's repositories on ``session``."""

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        self.audit.seal()
        self.session.commit()

    def rollback(self) -> None:
        self.audit.discard()
        self.session.rollback()
