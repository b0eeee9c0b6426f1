"""HTTP API of the enterprise registry, users and sign-in tokens."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from silkport.enterprises.domain.commands import ChangeEnterpriseStatus, RegisterEnterprise, UpdateEnterprise
from silkport.enterprises.domain.model import CreditGrade, EnterpriseStatus, Sector
from silkport.enterprises.schemas import (
    CountRow,
    EnterpriseCreate,
    EnterprisePage,
    EnterpriseRead,
    EnterpriseStats,
    EnterpriseUpdate,
    StatusChange,
    TokenRequest,
    TokenResponse,
    UserCreate,
    UserRead,
)
from silkport.enterprises.services import auth, handlers
from silkport.enterprises.services.ports import (
    EnterpriseFilter,
    EnterpriseUnitOfWork,
    PasswordHasher,
    SortField,
    StatsDimension,
)
from silkport.infra.web import CurrentActor, service
from silkport.shared.errors import AuthenticationFailed

Uow = Annotated[EnterpriseUnitOfWork, Depends(service("enterprises"))]
Hasher = Annotated[PasswordHasher, Depends(service("hasher"))]

router = APIRouter(prefix="/api/v1", tags=["enterprises"])


def enterprise_filter(
    q: Annotated[str | None, Query(max_length=100, description="name, USCC or national id contains")] = None,
    area: str | None = None,
    sector: Sector | None = None,
    status: EnterpriseStatus | None = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    credit_grade: CreditGrade | None = None,
    foreign_invested: bool | None = None,
    registered_from: date | None = None,
    registered_to: date | None = None,
) -> EnterpriseFilter:
    return EnterpriseFilter(
        q=q or None,
        area=area,
        sector=sector,
        status=status,
        country=country,
        credit_grade=credit_grade,
        foreign_invested=foreign_invested,
        registered_from=registered_from,
        registered_to=registered_to,
    )


Filter = Annotated[EnterpriseFilter, Depends(enterprise_filter)]
SortParam = Literal[
    "name_en",
    "-name_en",
    "registration_date",
    "-registration_date",
    "area",
    "-area",
    "credit_grade",
    "-credit_grade",
    "country",
    "-country",
]


@router.get("/enterprises", response_model=EnterprisePage)
def list_enterprises(
    uow: Uow,
    actor: CurrentActor,
    flt: Filter,
    sort: SortParam = "name_en",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> EnterprisePage:
    """Enterprises the caller may see, filtered and sorted, a page at a time (follow ``next_cursor``)."""
    field: SortField = sort.lstrip("-")  # type: ignore[assignment]
    page = handlers.list_enterprises(uow, actor, flt, field, sort.startswith("-"), cursor, limit)
    total = handlers.count_enterprises(uow, actor, flt)
    return EnterprisePage(items=[EnterpriseRead.of(e) for e in page.items], next_cursor=page.next_cursor, total=total)


@router.get("/enterprises/stats", response_model=EnterpriseStats)
def enterprise_stats(uow: Uow, actor: CurrentActor, flt: Filter, by: StatsDimension = "area") -> EnterpriseStats:
    """Counts by area, sector, month, country, credit grade, status or foreign investment."""
    rows = handlers.enterprise_stats(uow, actor, flt, by)
    total = handlers.count_enterprises(uow, actor, flt)
    return EnterpriseStats(by=by, total=total, counts=[CountRow(key=k, count=c) for k, c in rows])


@router.post("/enterprises", response_model=EnterpriseRead, status_code=status.HTTP_201_CREATED)
def register_enterprise(body: EnterpriseCreate, uow: Uow, actor: CurrentActor, response: Response) -> EnterpriseRead:
    enterprise = handlers.register_enterprise(uow, actor, RegisterEnterprise(details=body.to_details()))
    response.headers["Location"] = f"/api/v1/enterprises/{enterprise.id}"
    return EnterpriseRead.of(enterprise)


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseRead)
def get_enterprise(enterprise_id: str, uow: Uow, actor: CurrentActor) -> EnterpriseRead:
    return EnterpriseRead.of(handlers.get_enterprise(uow, actor, enterprise_id))


@router.patch("/enterprises/{enterprise_id}", response_model=EnterpriseRead)
def update_enterprise(enterprise_id: str, body: EnterpriseUpdate, uow: Uow, actor: CurrentActor) -> EnterpriseRead:
    current = handlers.get_enterprise(uow, actor, enterprise_id)
    cmd = UpdateEnterprise(enterprise_id=enterprise_id, details=body.apply(current.details))
    return EnterpriseRead.of(handlers.update_enterprise(uow, actor, cmd))


@router.post("/enterprises/{enterprise_id}/{action}", response_model=EnterpriseRead)
def change_status(
    enterprise_id: str,
    action: Literal["suspend", "reinstate", "deregister"],
    body: StatusChange,
    uow: Uow,
    actor: CurrentActor,
) -> EnterpriseRead:
    cmd = ChangeEnterpriseStatus(enterprise_id=enterprise_id, action=action, reason=body.reason)
    return EnterpriseRead.of(handlers.change_status(uow, actor, cmd))


auth_router = APIRouter(prefix="/api/v1", tags=["sign-in and users"])


@auth_router.post("/auth/token", response_model=TokenResponse)
def issue_token(body: TokenRequest, uow: Uow, hasher: Hasher, request: Request) -> TokenResponse:
    """Exchange a username and password for a bearer token (expires; revoke it with DELETE)."""
    user = auth.authenticate(uow, hasher, body.username, body.password)
    ttl = timedelta(minutes=request.app.state.platform.settings.token_ttl_minutes)
    raw, token = auth.issue_token(uow, user, "api", ttl)
    return TokenResponse(access_token=raw, expires_at=token.expires_at.isoformat())


@auth_router.delete("/auth/token", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(uow: Uow, actor: CurrentActor, request: Request) -> Response:
    """Revoke the bearer token this request carries."""
    raw = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not raw:
        raise AuthenticationFailed("send the token to revoke as 'Authorization: Bearer <token>'")
    _, token = auth.resolve_token(uow, raw, "api")
    auth.revoke_token(uow, actor, token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@auth_router.get("/auth/me", response_model=UserRead)
def me(uow: Uow, actor: CurrentActor) -> UserRead:
    with uow:
        user = uow.users.get(actor.user_id)
    if user is None:
        raise AuthenticationFailed("the signed-in user no longer exists")
    return UserRead.of(user)


@auth_router.get("/users", response_model=list[UserRead])
def list_users(uow: Uow, actor: CurrentActor) -> list[UserRead]:
    return [UserRead.of(u) for u in auth.list_users(uow, actor)]


@auth_router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, uow: Uow, hasher: Hasher, actor: CurrentActor) -> UserRead:
    user = auth.create_user(
        uow,
        actor,
        hasher,
        username=body.username,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        enterprise_id=body.enterprise,
        office_code=body.office,
    )
    return UserRead.of(user)
