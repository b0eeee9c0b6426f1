"""The logistics unit of work: consignments, the event store, alerts, the outbox and the service levels."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from silkport.infra.outbox import SqlOutbox
from silkport.infra.uow import SqlAlchemyUnitOfWork
from silkport.logistics.adapters.corridors import default_service_levels
from silkport.logistics.adapters.repository import SqlAlertRepository, SqlConsignmentRepository, SqlEventStore
from silkport.logistics.domain.sla import ServiceLevel
from silkport.shared.clock import Clock


class SqlLogisticsUnitOfWork(SqlAlchemyUnitOfWork):
    consignments: SqlConsignmentRepository
    events: SqlEventStore
    alerts: SqlAlertRepository
    outbox: SqlOutbox
    registry: Any

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        registry: Callable[[Session], Any],
        service_levels: Mapping[str, ServiceLevel] | None = None,
    ) -> None:
        super().__init__(session_factory, clock)
        self._registry = registry
        self.service_levels: Mapping[str, ServiceLevel] = (
            service_levels if service_levels is not None else default_service_levels()
        )

    def _open(self, session: Session) -> None:
        self.consignments = SqlConsignmentRepository(session)
        self.events = SqlEventStore(session)
        self.alerts = SqlAlertRepository(session)
        self.outbox = SqlOutbox(session)
        self.registry = self._registry(session)
