"""The unit of work of the freight modes: trains, vehicle exports, flights and mail in one transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from silkport.infra.outbox import SqlOutbox
from silkport.infra.uow import SqlAlchemyUnitOfWork
from silkport.logistics.adapters.modes_repository import (
    SqlFlightRepository,
    SqlMailRepository,
    SqlTrainRunRepository,
    SqlVehicleExportRepository,
    freight_reference,
)
from silkport.logistics.services.modes_ports import EnterpriseLookup, FreightReference
from silkport.shared.clock import Clock


class SqlFreightUnitOfWork(SqlAlchemyUnitOfWork):
    trains: SqlTrainRunRepository
    vehicles: SqlVehicleExportRepository
    flights: SqlFlightRepository
    mail: SqlMailRepository
    outbox: SqlOutbox
    enterprises: EnterpriseLookup

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        enterprises: Callable[[Session], EnterpriseLookup],
        reference: FreightReference | None = None,
    ) -> None:
        super().__init__(session_factory, clock)
        self._enterprises = enterprises
        self.reference = reference or freight_reference()

    def _open(self, session: Session) -> None:
        self.enterprises = self._enterprises(session)
        self.trains = SqlTrainRunRepository(session)
        self.vehicles = SqlVehicleExportRepository(session)
        self.flights = SqlFlightRepository(session)
        self.mail = SqlMailRepository(session)
        self.outbox = SqlOutbox(session)
