"""Ports of the freight-modes services: the repositories and unit of work the adapters implement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from silkport.logistics.domain.air import Flight, FlightWeight
from silkport.logistics.domain.mail import ClearanceRules, Dispatch
from silkport.logistics.domain.rail import TrainRun
from silkport.logistics.domain.vehicles import CountBy, VehicleExport
from silkport.shared.actor import Actor
from silkport.shared.clock import Clock


@dataclass(frozen=True)
class FreightReference:
    """Reference data the freight modes decide with (loaded from files by the adapters)."""

    break_of_gauge: frozenset[str]
    mail_rules: ClearanceRules


class TrainRunRepository(Protocol):
    def add(self, run: TrainRun, at: datetime) -> None: ...
    def get(self, run_id: str, for_update: bool = False) -> TrainRun | None: ...
    def save(self, run: TrainRun) -> None: ...
    def delete(self, run_id: str) -> None: ...
    def list(self, enterprise_id: str | None, limit: int, offset: int) -> Sequence[TrainRun]: ...


class VehicleExportRepository(Protocol):
    def add_all(self, exports: Sequence[VehicleExport], at: datetime) -> None: ...
    def get(self, export_id: str) -> VehicleExport | None: ...
    def existing_vins(self, vins: Sequence[str]) -> set[str]: ...
    def list(self, enterprise_id: str | None, limit: int, offset: int) -> Sequence[VehicleExport]: ...
    def count(self, by: CountBy, enterprise_id: str | None, year: int | None) -> dict[str, int]: ...


class FlightRepository(Protocol):
    def add(self, flight: Flight, at: datetime) -> None: ...
    def get(self, flight_id: str, for_update: bool = False) -> Flight | None: ...
    def exists(self, flight_number: str, flight_date: Any) -> bool: ...
    def save(self, flight: Flight) -> None: ...
    def list(self, enterprise_id: str | None, limit: int, offset: int) -> Sequence[Flight]: ...
    def weights(self, years: tuple[int, int], enterprise_id: str | None) -> Sequence[FlightWeight]: ...


class MailRepository(Protocol):
    def get(self, dispatch_id: str, for_update: bool = False) -> Dispatch | None: ...
    def add(self, dispatch: Dispatch) -> None: ...
    def save(self, dispatch: Dispatch) -> None: ...
    def list(self, enterprise_id: str | None, limit: int, offset: int) -> Sequence[Dispatch]: ...


class AuditTrail(Protocol):
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
    ) -> None: ...


class Outbox(Protocol):
    def emit(self, enterprise_id: str, event_type: str, payload: Mapping[str, Any], at: datetime) -> None: ...


class FreightUnitOfWork(Protocol):
    trains: TrainRunRepository
    vehicles: VehicleExportRepository
    flights: FlightRepository
    mail: MailRepository
    audit: AuditTrail
    outbox: Outbox
    clock: Clock
    reference: FreightReference

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
