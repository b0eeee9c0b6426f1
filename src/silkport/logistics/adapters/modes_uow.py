"""The unit of work of the freight modes: trains, vehicle exports, flights and mail in one transaction."""

from __future__ import annotations

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
from silkport.logistics.services.modes_ports import FreightReference
from silkport.shared.clock import Clock


class SqlFreightUnitOfWork(SqlAlchemyUnitOfWork):
    trains: SqlTrainRunRepository
    vehicles: SqlVehicleExportRepository
    flights: SqlFlightRepository
    mail: SqlMailRepository
    outbox: SqlOutbox

    def __init__(
        self, session_factory: sessionmaker[Session], clock: Clock, reference: FreightReference | None = None
    ) -> None:
        super().__init__(session_factory, clock)
        self.reference = reference or freight_reference()

    def _open(self, session: Session) -> None:
        self.trains = SqlTrainRunRepository(session)
        self.vehicles = SqlVehicleExportRepository(session)
        self.flights = SqlFlightRepository(session)
        self.mail = SqlMailRepository(session)
        self.outbox = SqlOutbox(session)
