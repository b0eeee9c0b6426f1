"""Who is acting: the identity every service function is given and authorises against."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    TRADER = "trader"
    CUSTOMS_OFFICER = "customs_officer"
    CUSTOMS_SUPERVISOR = "customs_supervisor"
    LOGISTICS_OPERATOR = "logistics_operator"
    WAREHOUSE_KEEPER = "warehouse_keeper"
    AIRLINE = "airline"
    LEGAL_OFFICER = "legal_officer"
    ANALYST = "analyst"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


#: roles whose user belongs to one enterprise and sees only its business
ENTERPRISE_BOUND = frozenset({Role.TRADER, Role.LOGISTICS_OPERATOR, Role.WAREHOUSE_KEEPER, Role.AIRLINE})
#: roles whose user belongs to one customs office
OFFICE_BOUND = frozenset({Role.CUSTOMS_OFFICER})


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str
    username: str
    role: Role
    enterprise_id: str | None = None
    office_code: str | None = None

    @property
    def is_enterprise_bound(self) -> bool:
        return self.role in ENTERPRISE_BOUND

    def sees_enterprise(self, enterprise_id: str) -> bool:
        """Enterprise-bound users see only their own enterprise; zone staff see all."""
        return not self.is_enterprise_bound or self.enterprise_id == enterprise_id


SYSTEM = Actor(user_id="system", username="system", role=Role.ADMIN)
