"""What actors ask of the enterprise registry."""

from __future__ import annotations

from dataclasses import dataclass

from silkport.enterprises.domain.model import EnterpriseDetails
from silkport.shared.messages import Command


@dataclass(frozen=True, kw_only=True)
class RegisterEnterprise(Command):
    details: EnterpriseDetails


@dataclass(frozen=True, kw_only=True)
class UpdateEnterprise(Command):
    enterprise_id: str
    details: EnterpriseDetails


@dataclass(frozen=True, kw_only=True)
class ChangeEnterpriseStatus(Command):
    enterprise_id: str
    action: str  # suspend | reinstate | deregister
    reason: str
