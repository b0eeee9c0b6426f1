"""What the desk's services need from storage: Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from silkport.disputes.domain import model as m
from silkport.shared.audit import AuditTrail
from silkport.shared.clock import Clock


@dataclass(frozen=True, slots=True)
class CaseFilter:
    enterprise_id: str | None = None  # only cases where this enterprise is a party
    type: m.CaseType | None = None
    status: m.Status | None = None
    country: str | None = None  # a party's country
    opened_from: datetime | None = None
    opened_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class DocumentVersion:
    document_id: str
    case_id: str
    version: int
    title: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_by_party: str | None
    shared_with: tuple[str, ...]  # party ids (the desk always sees every document)
    at: datetime


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


class CaseRepository(Protocol):
    def next_reference(self, year: int) -> str: ...
    def get(self, case_id: str, for_update: bool = False) -> m.Case | None: ...
    def save(self, case: m.Case) -> None: ...
    def search(self, f: CaseFilter, after: tuple[datetime, str] | None, limit: int) -> list[m.Case]: ...
    def all_open(self, claim: bool = False) -> list[m.Case]:
        """The cases not yet closed; ``claim``: lock them for this transaction, skipping any another
        transaction holds (two reminder workers never handle the same case at once)."""
        ...

    def facts(self, opened_from: datetime | None, opened_before: datetime | None) -> list[m.CaseFacts]: ...
    def prior_records(self, keys: frozenset[str]) -> list[m.PriorRecord]: ...
    def add_event(self, case_id: str, at: datetime, actor: str, action: str, detail: dict[str, Any]) -> None: ...
    def timeline(self, case_id: str) -> list[TimelineEntry]: ...
    def add_document(self, v: DocumentVersion, content: bytes) -> None: ...
    def documents(self, case_id: str) -> list[DocumentVersion]: ...
    def content(self, case_id: str, document_id: str, version: int) -> bytes | None: ...


class Outbox(Protocol):
    def emit(self, enterprise_id: str, event_type: str, payload: Any, at: datetime) -> None: ...


class ZoneRecords(Protocol):
    """The zone's records a case may be about, asked through the composition root (the other contexts)."""

    def checks(self, kind: str) -> bool:
        """Whether records of this kind are the zone's (a contract is a document of the case: not checked)."""
        ...

    def owner(self, kind: str, ref: str) -> str | None:
        """The enterprise a record belongs to (a declaration's declarant, a consignment's or a bonded
        movement's owner), as that record's own context decides who sees it; None: there is no such record."""
        ...

    def enterprise_exists(self, enterprise_id: str) -> bool: ...


class DisputesUnitOfWork(Protocol):
    cases: CaseRepository
    outbox: Outbox
    audit: AuditTrail
    clock: Clock
    time_limits: tuple[m.TimeLimit, ...]
    #: whether a country is a New York Convention contracting state (None: the table cannot tell)
    convention: Callable[[str], bool | None]
    #: the table's record of a contracting state (None: not in the table, so "unknown")
    convention_party: Callable[[str], m.ConventionParty | None]
    #: the zone's records (None when the unit of work runs without them, e.g. in the twin)
    records: ZoneRecords | None

    def __enter__(self) -> DisputesUnitOfWork: ...
    def __exit__(self, *args: object) -> None: ...
    def commit(self) -> None: ...
