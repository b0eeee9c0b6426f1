"""What the clearance services need from the outside world."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from silkport.clearance.domain.model import Declaration, DeclarationContent, DeclarationType, Finding, Lane, Status
from silkport.clearance.domain.recognition import InspectedContainer, Recognition
from silkport.clearance.domain.rules import Rulebook
from silkport.shared.audit import AuditTrail
from silkport.shared.clock import Clock
from silkport.shared.paging import Page
from silkport.shared.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class DeclarationFilter:
    declarant_id: str | None = None
    office: str | None = None
    status: Status | None = None
    statuses: frozenset[Status] | None = None
    lane: Lane | None = None
    type: DeclarationType | None = None
    assigned_to: str | None = None
    lodged_from: datetime | None = None
    lodged_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredAssessment:
    """A risk decision as recorded: enough to show it and to replay it."""

    declaration_id: str
    content_version: int
    rulebook_version: str
    model_version: str | None
    score: Decimal
    lane: Lane
    fired: Sequence[Mapping[str, Any]]  # officer view of each fired rule
    trader_reasons: Sequence[str]
    inputs: Mapping[str, Any]  # the trader profile and model score the engine saw
    at: datetime


@dataclass(frozen=True, slots=True)
class QueueStat:
    office: str
    status: Status
    lane: Lane | None
    count: int
    oldest_lodged: datetime | None


class DeclarationRepository(Protocol):
    def add(self, declaration: Declaration, actor: str, reason: str | None) -> None: ...
    def get(self, declaration_id: str, for_update: bool = False) -> Declaration | None: ...
    def save(self, declaration: Declaration) -> None: ...
    def search(self, flt: DeclarationFilter, cursor: str | None, limit: int) -> Page[Declaration]: ...
    def add_version(
        self,
        declaration_id: str,
        version: int,
        content: DeclarationContent,
        at: datetime,
        actor: str,
        reason: str | None,
    ) -> None: ...
    def versions(self, declaration_id: str) -> list[tuple[int, DeclarationContent, datetime, str, str | None]]: ...
    def content_at(self, declaration_id: str, version: int) -> DeclarationContent | None: ...
    def add_assessment(self, assessment: StoredAssessment) -> None: ...
    def latest_assessment(self, declaration_id: str) -> StoredAssessment | None: ...
    def set_taxes(self, declaration_id: str, version: int, taxes: Mapping[str, Any]) -> None: ...
    def taxes(self, declaration_id: str) -> Mapping[str, Any] | None: ...
    def latest_assessments(self, declaration_ids: Sequence[str]) -> dict[str, StoredAssessment]: ...
    def latest_taxes(self, declaration_ids: Sequence[str]) -> dict[str, Mapping[str, Any]]: ...
    def add_inspection(
        self,
        declaration_id: str,
        enterprise_id: str,
        method: str,
        finding: Finding,
        note: str,
        at: datetime,
        officer: str,
    ) -> None: ...
    def trader_history(self, enterprise_id: str) -> tuple[int, int, int]: ...
    def queue_stats(self, office: str | None) -> list[QueueStat]: ...
    def add_inspected_containers(self, rows: Sequence[InspectedContainer]) -> None: ...
    def inspected_containers(self, containers: Sequence[str], since: datetime) -> list[InspectedContainer]: ...
    def add_recognition(
        self, declaration_id: str, office_code: str, recognition: Recognition, at: datetime
    ) -> None: ...
    def recognitions_by_month(self, since: datetime, until: datetime, office: str | None) -> list[tuple[str, int]]: ...


class RulebookStore(Protocol):
    def active(self) -> Rulebook: ...
    def get(self, version: str) -> Rulebook | None: ...
    def publish(self, rulebook: Rulebook, at: datetime, actor: str) -> None: ...
    def versions(self) -> list[tuple[str, datetime, str, bool]]: ...


class EnterpriseLookup(Protocol):
    """The registry's answers clearance needs: does the enterprise exist, is it active, its credit grade."""

    def status_and_grade(self, enterprise_id: str) -> tuple[str, str] | None: ...
    def id_by_identifier(self, stated: str) -> str | None:
        """The enterprise id for an id, a USCC or ``country:national id`` as trade formats state them."""
        ...


class ModelScore(NamedTuple):
    """What the learned model says of one declaration, with what is needed to explain and replay it.

    A named tuple, not a frozen dataclass: it is made on every lodgement, and a frozen dataclass's
    ``__init__`` sets each field through ``object.__setattr__`` (three times the cost)."""

    score: Decimal  # in [0, 1]
    version: str
    features: Sequence[float]  # the feature vector it scored (kept so the officer's explanation matches)


class RiskModel(Protocol):
    """The learned risk score and the inspection budget (silkport.riskmodel behind it)."""

    @property
    def version(self) -> str: ...
    def score(self, declaration_id: str, content: DeclarationContent, on: date) -> ModelScore: ...
    def threshold(self, score: Decimal, forced_red: bool) -> Decimal | None:
        """The budget's score threshold at this moment (None: the model sends nothing to red now)."""
        ...

    def explain(self, features: Sequence[float], top: int = 5) -> list[tuple[str, float, float]]:
        """(feature, value, contribution in log-odds), largest first."""
        ...


class Outbox(Protocol):
    def emit(self, enterprise_id: str, event_type: str, payload: Mapping[str, Any], at: datetime) -> None: ...


class ClearanceUnitOfWork(UnitOfWork, Protocol):
    def reads_until_commit(self) -> None:
        """Called first: this unit of work only reads until it commits what it created (a filing), so the
        store may keep its write transaction to the commit (SQLite: other writers are not held up meanwhile)."""
        ...

    def prefetch_filing(self, declarant_id: str) -> None:
        """Called at the start of a filing for ``declarant_id``: the store may read at once, in one round trip,
        what the filing will ask it (the active rulebook, the declarant's record); the answers are the same."""
        ...

    @property
    def declarations(self) -> DeclarationRepository: ...
    @property
    def rulebooks(self) -> RulebookStore: ...
    @property
    def enterprises(self) -> EnterpriseLookup: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def audit(self) -> AuditTrail: ...
    @property
    def clock(self) -> Clock: ...
