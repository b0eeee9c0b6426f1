"""What the logistics services need from the outside world (storage, outbox, registry, service levels)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from silkport.logistics.domain.consignment import Consignment, Mode, Status
from silkport.logistics.domain.epcis import TrackingEvent
from silkport.logistics.domain.sla import ServiceLevel, SlaResult, SlaStatus
from silkport.logistics.domain.tracking import IndexEntry
from silkport.shared.audit import AuditTrail
from silkport.shared.clock import Clock
from silkport.shared.paging import Page
from silkport.shared.uow import UnitOfWork


@dataclass(slots=True)
class Booked:
    """A stored consignment: the aggregate plus who owns it, what equipment it travels in, its clock."""

    consignment: Consignment
    enterprise_id: str
    mode: Mode
    equipment: tuple[str, ...]
    created_at: datetime
    clock: SlaResult | None = None  # as last evaluated
    at_risk_from: datetime | None = None
    updated_at: datetime | None = None
    last_event_at: datetime | None = None  # the latest event its milestones were derived from

    @property
    def id(self) -> str:
        return self.consignment.id


@dataclass(frozen=True, slots=True)
class ConsignmentFilter:
    enterprise_id: str | None = None
    status: Status | None = None
    corridor: str | None = None
    mode: Mode | None = None
    clock: SlaStatus | None = None
    document_number: str | None = None
    now: datetime | None = None  # for the clock filter: open clocks past their deadline are breached


@dataclass(frozen=True, slots=True)
class Alert:
    id: str
    consignment_id: str
    enterprise_id: str
    corridor: str
    kind: str
    deadline: datetime
    breached_at: datetime
    culprit_leg: int | None
    raised_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None


class ConsignmentRepository(Protocol):
    def add(self, booked: Booked, keys: Iterable[str]) -> None: ...
    def get(self, consignment_id: str, for_update: bool = False) -> Booked | None: ...
    def save(self, booked: Booked) -> None:
        """Legs' actual times, status, milestones and clock."""
        ...

    def document_taken(self, kind: str, number: str) -> bool: ...
    def keys_of(self, consignment_id: str) -> set[str]: ...
    def keys_of_many(self, consignment_ids: Iterable[str]) -> dict[str, set[str]]: ...
    def by_keys(self, object_ids: Iterable[str]) -> dict[str, set[str]]:
        """Consignment id -> the given object ids that are its keys."""
        ...

    def list(self, flt: ConsignmentFilter, limit: int, cursor: str | None) -> Page[Booked]: ...
    def due_clocks(self, now: datetime, limit: int) -> builtins.list[str]:
        """Consignments with an open clock whose deadline or at-risk time has come (sweep candidates)."""
        ...

    def finished_between(self, start: datetime, end: datetime, enterprise_id: str | None) -> builtins.list[Booked]: ...


class EventStore(Protocol):
    def known(self, event_ids: Sequence[str]) -> dict[str, TrackingEvent]: ...
    def add(
        self,
        events: Sequence[tuple[TrackingEvent, Sequence[IndexEntry]]],
        *,
        record_time: datetime,
        captured_by: str,
        captured_for: str | None,
    ) -> None: ...
    def events_about(self, object_ids: Iterable[str]) -> list[TrackingEvent]:
        """Every stored event naming any of the (normalised) object ids, as captured."""
        ...

    def children_of(self, object_ids: Iterable[str]) -> dict[str, set[str]]:
        """Parent -> the objects ever aggregated into it, for these parents."""
        ...


class AlertRepository(Protocol):
    def find(self, consignment_id: str, kind: str) -> Alert | None: ...
    def add(self, alert: Alert) -> None: ...
    def get(self, alert_id: str) -> Alert | None: ...
    def save(self, alert: Alert) -> None: ...
    def list(
        self, enterprise_id: str | None, acknowledged: bool | None, limit: int, cursor: str | None
    ) -> Page[Alert]: ...


class Outbox(Protocol):
    def emit(self, enterprise_id: str, event_type: str, payload: Mapping[str, Any], at: datetime) -> None: ...


class EnterpriseRegistry(Protocol):
    def status_and_grade(self, enterprise_id: str) -> tuple[str, str] | None: ...


class LogisticsUnitOfWork(UnitOfWork, Protocol):
    @property
    def consignments(self) -> ConsignmentRepository: ...
    @property
    def events(self) -> EventStore: ...
    @property
    def alerts(self) -> AlertRepository: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def registry(self) -> EnterpriseRegistry: ...
    @property
    def audit(self) -> AuditTrail: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def service_levels(self) -> Mapping[str, ServiceLevel]: ...
