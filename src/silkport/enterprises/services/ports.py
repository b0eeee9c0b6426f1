"""What the enterprise services need from the outside world (adapters implement these)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol

from silkport.enterprises.domain.model import CreditGrade, Enterprise, EnterpriseStatus, Sector
from silkport.enterprises.domain.users import User
from silkport.shared.audit import AuditTrail
from silkport.shared.clock import Clock
from silkport.shared.paging import Page
from silkport.shared.uow import UnitOfWork

SortField = Literal["name_en", "registration_date", "area", "credit_grade", "country"]
StatsDimension = Literal["area", "sector", "month", "country", "credit_grade", "status", "foreign_invested"]


@dataclass(frozen=True, slots=True)
class EnterpriseFilter:
    q: str | None = None
    area: str | None = None
    sector: Sector | None = None
    status: EnterpriseStatus | None = None
    country: str | None = None
    credit_grade: CreditGrade | None = None
    foreign_invested: bool | None = None
    registered_from: date | None = None
    registered_to: date | None = None
    only_ids: frozenset[str] | None = field(default=None)


@dataclass(frozen=True, slots=True)
class StoredToken:
    id: str
    user_id: str
    kind: str
    expires_at: datetime
    revoked_at: datetime | None


class EnterpriseRepository(Protocol):
    def add(self, enterprise: Enterprise) -> None: ...
    def get(self, enterprise_id: str) -> Enterprise | None: ...
    def find_by_identifier(self, uscc: str | None, country: str, national_id: str | None) -> Enterprise | None: ...
    def save(self, enterprise: Enterprise) -> None: ...
    def search(
        self, flt: EnterpriseFilter, sort: SortField, descending: bool, cursor: str | None, limit: int
    ) -> Page[Enterprise]: ...
    def count(self, flt: EnterpriseFilter) -> int: ...
    def stats(self, flt: EnterpriseFilter, by: StatsDimension) -> list[tuple[str, int]]: ...


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...
    def get(self, user_id: str) -> User | None: ...
    def by_username(self, username: str) -> User | None: ...
    def all(self) -> list[User]: ...
    def save(self, user: User) -> None: ...


class TokenRepository(Protocol):
    def add(self, token_hash: str, token: StoredToken) -> None: ...
    def by_hash(self, token_hash: str) -> StoredToken | None: ...
    def with_user(self, token_hash: str) -> tuple[StoredToken, User] | None:
        """The token and its user, in one read (what every authenticated request asks)."""
        ...

    def revoke(self, token_id: str, when: datetime) -> None: ...
    def revoke_all_for(self, user_id: str, when: datetime) -> int: ...


class AreaDirectory(Protocol):
    """The zone context's answer to 'which areas exist'."""

    def area_codes(self) -> frozenset[str]: ...


class OfficeDirectory(Protocol):
    def office_codes(self) -> frozenset[str]: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...


class EnterpriseUnitOfWork(UnitOfWork, Protocol):
    """Read-only members, so an adapter's concrete repository types satisfy it."""

    @property
    def enterprises(self) -> EnterpriseRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def tokens(self) -> TokenRepository: ...
    @property
    def areas(self) -> AreaDirectory: ...
    @property
    def offices(self) -> OfficeDirectory: ...
    @property
    def audit(self) -> AuditTrail: ...
    @property
    def clock(self) -> Clock: ...
