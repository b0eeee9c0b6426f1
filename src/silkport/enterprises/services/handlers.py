"""Enterprise registry use cases. Authorisation is enforced here, not only in the routes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

from silkport.enterprises.domain.commands import ChangeEnterpriseStatus, RegisterEnterprise, UpdateEnterprise
from silkport.enterprises.domain.model import Enterprise
from silkport.enterprises.services.ports import (
    EnterpriseFilter,
    EnterpriseUnitOfWork,
    SortField,
    StatsDimension,
)
from silkport.shared.actor import Actor, Role
from silkport.shared.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from silkport.shared.paging import Page
from silkport.shared.text import templated

#: who may register and change enterprises in the registry
REGISTRARS = frozenset({Role.ADMIN})
#: who may suspend, reinstate or deregister (and so change the credit grade) - zone administration and customs
STATUS_CHANGERS = frozenset({Role.ADMIN, Role.CUSTOMS_SUPERVISOR})

IdFactory = Callable[[], str]


def new_id() -> str:
    return uuid.uuid4().hex


def snapshot(enterprise: Enterprise) -> dict[str, Any]:
    """The enterprise as plain data, for the audit log and the read side."""
    data = asdict(enterprise.details)
    data["sectors"] = sorted(s.value for s in enterprise.details.sectors)
    data["investor_countries"] = sorted(enterprise.details.investor_countries)
    data["credit_grade"] = enterprise.details.credit_grade.value
    data["registered_capital"] = (
        str(enterprise.details.registered_capital) if enterprise.details.registered_capital is not None else None
    )
    data["registration_date"] = enterprise.details.registration_date.isoformat()
    data.update(id=enterprise.id, status=enterprise.status.value, status_reason=enterprise.status_reason)
    data["version"] = enterprise.version
    return data


def _scope(actor: Actor, flt: EnterpriseFilter) -> EnterpriseFilter:
    if actor.is_enterprise_bound:
        return replace(flt, only_ids=frozenset({actor.enterprise_id or ""}))
    return flt


def _visible(uow: EnterpriseUnitOfWork, actor: Actor, enterprise_id: str) -> Enterprise:
    enterprise = uow.enterprises.get(enterprise_id)
    if enterprise is None or not actor.sees_enterprise(enterprise_id):
        # an enterprise-bound user cannot even learn that another enterprise's record exists
        raise NotFound(templated("enterprise %(enterprise_id)s not found", enterprise_id=enterprise_id))
    return enterprise


def _require(actor: Actor, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"a {actor.role.label.lower()} may not {what}")


def register_enterprise(
    uow: EnterpriseUnitOfWork, actor: Actor, cmd: RegisterEnterprise, id_factory: IdFactory = new_id
) -> Enterprise:
    _require(actor, REGISTRARS, "register enterprises")
    with uow:
        enterprise = Enterprise.register(id_factory(), cmd.details, uow.areas.area_codes())
        d = enterprise.details
        clash = uow.enterprises.find_by_identifier(d.uscc, d.country, d.national_id)
        if clash is not None:
            field = "uscc" if d.uscc else "national_id"
            raise Conflict(
                templated(
                    "%(field)s: an enterprise with identifier %(identifier)s is already registered",
                    field=field,
                    identifier=enterprise.identifier,
                )
            )
        uow.enterprises.add(enterprise)
        uow.audit.record(
            actor=actor,
            action="enterprise.registered",
            object_type="enterprise",
            object_id=enterprise.id,
            before=None,
            after=snapshot(enterprise),
        )
        uow.commit()
    return enterprise


def update_enterprise(uow: EnterpriseUnitOfWork, actor: Actor, cmd: UpdateEnterprise) -> Enterprise:
    with uow:
        enterprise = _visible(uow, actor, cmd.enterprise_id)
        _require(actor, REGISTRARS, "change an enterprise's registration")
        before = snapshot(enterprise)
        if cmd.details.credit_grade != enterprise.details.credit_grade and actor.role not in STATUS_CHANGERS:
            raise PermissionDenied("only customs or the zone administration may change a credit grade")
        enterprise.update(cmd.details, uow.areas.area_codes())
        d = enterprise.details
        clash = uow.enterprises.find_by_identifier(d.uscc, d.country, d.national_id)
        if clash is not None and clash.id != enterprise.id:
            raise Conflict(
                templated(
                    "an enterprise with identifier %(identifier)s is already registered",
                    identifier=enterprise.identifier,
                )
            )
        uow.enterprises.save(enterprise)
        uow.audit.record(
            actor=actor,
            action="enterprise.updated",
            object_type="enterprise",
            object_id=enterprise.id,
            before=before,
            after=snapshot(enterprise),
        )
        uow.commit()
    return enterprise


def change_status(uow: EnterpriseUnitOfWork, actor: Actor, cmd: ChangeEnterpriseStatus) -> Enterprise:
    with uow:
        enterprise = _visible(uow, actor, cmd.enterprise_id)
        _require(actor, STATUS_CHANGERS, f"{cmd.action} enterprises")
        before = snapshot(enterprise)
        actions = {
            "suspend": enterprise.suspend,
            "reinstate": enterprise.reinstate,
            "deregister": enterprise.deregister,
        }
        if cmd.action not in actions:
            raise ValidationFailed(FieldError("action", f"must be one of {', '.join(actions)}"))
        actions[cmd.action](cmd.reason)
        uow.enterprises.save(enterprise)
        uow.audit.record(
            actor=actor,
            action=f"enterprise.{enterprise.status.value}",
            object_type="enterprise",
            object_id=enterprise.id,
            before=before,
            after=snapshot(enterprise),
            reason=cmd.reason,
        )
        uow.commit()
    return enterprise


def get_enterprise(uow: EnterpriseUnitOfWork, actor: Actor, enterprise_id: str) -> Enterprise:
    with uow:
        return _visible(uow, actor, enterprise_id)


def list_enterprises(
    uow: EnterpriseUnitOfWork,
    actor: Actor,
    flt: EnterpriseFilter,
    sort: SortField = "name_en",
    descending: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Enterprise]:
    if not 1 <= limit <= 500:
        raise ValidationFailed(FieldError("limit", "must be between 1 and 500"))
    with uow:
        return uow.enterprises.search(_scope(actor, flt), sort, descending, cursor, limit)


def count_enterprises(uow: EnterpriseUnitOfWork, actor: Actor, flt: EnterpriseFilter) -> int:
    with uow:
        return uow.enterprises.count(_scope(actor, flt))


def enterprise_stats(
    uow: EnterpriseUnitOfWork, actor: Actor, flt: EnterpriseFilter, by: StatsDimension
) -> list[tuple[str, int]]:
    """Counts by area, sector, month... (the article's '18,000 new enterprises' is one of them)."""
    with uow:
        return uow.enterprises.stats(_scope(actor, flt), by)
