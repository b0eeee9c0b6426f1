"""What the transit services need from the outside world."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from silkport.shared.audit import AuditTrail
from silkport.shared.clock import Clock
from silkport.shared.paging import Page
from silkport.shared.uow import UnitOfWork
from silkport.transit.domain.model import Guarantee, GuaranteeState, TirTransport, TransportState


@dataclass(frozen=True, slots=True)
class TransportFilter:
    holder_enterprise_id: str | None = None
    state: TransportState | None = None
    guarantee_reference: str | None = None


class GuaranteeRepository(Protocol):
    def add(self, guarantee: Guarantee) -> None: ...
    def get(self, reference: str, for_update: bool = False) -> Guarantee | None: ...
    def save(self, guarantee: Guarantee) -> None: ...
    def list(
        self,
        holder_enterprise_id: str | None,
        state: GuaranteeState | None,
        at: datetime,
        limit: int,
        cursor: str | None,
    ) -> Page[Guarantee]:
        """Newest first; ``state`` as of ``at`` (``expired`` is derived from the validity)."""
        ...


class TransportRepository(Protocol):
    def add(self, transport: TirTransport) -> None: ...
    def get(self, transport_id: str, for_update: bool = False) -> TirTransport | None: ...
    def save(self, transport: TirTransport) -> None: ...
    def list(self, flt: TransportFilter, limit: int, cursor: str | None) -> Page[TirTransport]: ...
    def transport_of_message(self, message_id: str) -> str | None:
        """The transport a logged message id belongs to (partner messages are applied once by their id)."""
        ...


class HolderRegistry(Protocol):
    """The zone's enterprise registry as transit asks it: is the holder's enterprise registered, and active?"""

    def status_and_grade(self, enterprise_id: str) -> tuple[str, str] | None: ...


class PartnerNotifier(Protocol):
    """Sends a message to a partner customs administration in the caller's transaction (outbox)."""

    def notify(
        self, partner: str, message_type: str, payload: Mapping[str, Any], *, at: datetime, message_id: str
    ) -> str: ...


class Outbox(Protocol):
    def emit(self, enterprise_id: str, event_type: str, payload: Mapping[str, Any], at: datetime) -> None: ...


class TransitUnitOfWork(UnitOfWork, Protocol):
    @property
    def guarantees(self) -> GuaranteeRepository: ...
    @property
    def transports(self) -> TransportRepository: ...
    @property
    def partners(self) -> PartnerNotifier: ...
    @property
    def holders(self) -> HolderRegistry: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def audit(self) -> AuditTrail: ...
    @property
    def clock(self) -> Clock: ...
