"""SQLAlchemy repositories of the enterprise registry: rows in, domain objects out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, extract, func, or_, select, update
from sqlalchemy.orm import Session

from silkport.enterprises.adapters.orm import (
    EnterpriseInvestorRow,
    EnterpriseRow,
    EnterpriseSectorRow,
    TokenRow,
    UserRow,
)
from silkport.enterprises.domain.model import (
    CreditGrade,
    Enterprise,
    EnterpriseDetails,
    EnterpriseStatus,
    Sector,
)
from silkport.enterprises.domain.users import User
from silkport.enterprises.services.ports import EnterpriseFilter, SortField, StatsDimension, StoredToken
from silkport.shared.actor import Role
from silkport.shared.paging import Page, cursor_date, decode_cursor, encode_cursor

_SORT_COLUMNS: dict[str, Any] = {
    "name_en": EnterpriseRow.name_en,
    "registration_date": EnterpriseRow.registration_date,
    "area": EnterpriseRow.area_code,
    "credit_grade": EnterpriseRow.credit_grade,
    "country": EnterpriseRow.country,
}


def _to_domain(row: EnterpriseRow) -> Enterprise:
    details = EnterpriseDetails(
        name_en=row.name_en,
        name_zh=row.name_zh,
        country=row.country,
        area_code=row.area_code,
        sectors=frozenset(Sector(s.sector) for s in row.sectors),
        registration_date=row.registration_date,
        uscc=row.uscc,
        national_id=row.national_id,
        foreign_invested=row.foreign_invested,
        investor_countries=frozenset(i.country for i in row.investors),
        registered_capital=row.registered_capital,
        capital_currency=row.capital_currency,
        credit_grade=CreditGrade(row.credit_grade),
    )
    return Enterprise(
        id=row.id,
        details=details,
        status=EnterpriseStatus(row.status),
        status_reason=row.status_reason,
        version=row.version,
    )


def _fill(row: EnterpriseRow, e: Enterprise) -> None:
    d = e.details
    row.uscc = d.uscc
    row.national_id = d.national_id
    row.country = d.country
    row.name_en = d.name_en
    row.name_zh = d.name_zh
    row.area_code = d.area_code
    row.registration_date = d.registration_date
    row.foreign_invested = d.foreign_invested
    row.registered_capital = d.registered_capital
    row.capital_currency = d.capital_currency
    row.credit_grade = d.credit_grade.value
    row.status = e.status.value
    row.status_reason = e.status_reason
    row.version = e.version
    row.sectors = [EnterpriseSectorRow(sector=s.value) for s in sorted(d.sectors)]
    row.investors = [EnterpriseInvestorRow(country=c) for c in sorted(d.investor_countries)]


def _conditions(flt: EnterpriseFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if flt.only_ids is not None:
        conds.append(EnterpriseRow.id.in_(sorted(flt.only_ids)))
    if flt.q:
        like = f"%{flt.q.strip().lower()}%"
        conds.append(
            or_(
                func.lower(EnterpriseRow.name_en).like(like),
                EnterpriseRow.name_zh.like(f"%{flt.q.strip()}%"),
                func.lower(EnterpriseRow.uscc).like(like),
                func.lower(EnterpriseRow.national_id).like(like),
            )
        )
    if flt.area:
        conds.append(EnterpriseRow.area_code == flt.area)
    if flt.sector:
        conds.append(
            EnterpriseRow.id.in_(
                select(EnterpriseSectorRow.enterprise_id).where(EnterpriseSectorRow.sector == flt.sector.value)
            )
        )
    if flt.status:
        conds.append(EnterpriseRow.status == flt.status.value)
    if flt.country:
        conds.append(EnterpriseRow.country == flt.country)
    if flt.credit_grade:
        conds.append(EnterpriseRow.credit_grade == flt.credit_grade.value)
    if flt.foreign_invested is not None:
        conds.append(EnterpriseRow.foreign_invested == flt.foreign_invested)
    if flt.registered_from:
        conds.append(EnterpriseRow.registration_date >= flt.registered_from)
    if flt.registered_to:
        conds.append(EnterpriseRow.registration_date <= flt.registered_to)
    return conds


#: statements on every request's path, built once (with bind parameters)
_STATUS_AND_GRADE = select(EnterpriseRow.status, EnterpriseRow.credit_grade).where(
    EnterpriseRow.id == bindparam("enterprise_id")
)
_TOKEN_WITH_USER = (
    select(TokenRow.id, TokenRow.user_id, TokenRow.kind, TokenRow.expires_at, TokenRow.revoked_at)
    .add_columns(UserRow.username, UserRow.role, UserRow.password_hash, UserRow.display_name)
    .add_columns(UserRow.enterprise_id, UserRow.office_code, UserRow.active, UserRow.locale)
    .join(UserRow, UserRow.id == TokenRow.user_id)
    .where(TokenRow.token_hash == bindparam("token_hash"))
)


class SqlEnterpriseRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, enterprise: Enterprise) -> None:
        row = EnterpriseRow(id=enterprise.id)
        _fill(row, enterprise)
        self._s.add(row)
        self._s.flush()

    def get(self, enterprise_id: str) -> Enterprise | None:
        row = self._s.get(EnterpriseRow, enterprise_id)
        return _to_domain(row) if row is not None else None

    def status_and_grade(self, enterprise_id: str) -> tuple[str, str] | None:
        """Just the status and credit grade (what other contexts ask most often)."""
        self._s.flush()
        # Core and a statement built once: asked on every lodgement, where building and the ORM's bookkeeping
        # cost as much as the SQL
        row = self._s.connection().execute(_STATUS_AND_GRADE, {"enterprise_id": enterprise_id}).first()
        return (str(row[0]), str(row[1])) if row is not None else None

    def find_by_identifier(self, uscc: str | None, country: str, national_id: str | None) -> Enterprise | None:
        if uscc:
            stmt = select(EnterpriseRow).where(EnterpriseRow.uscc == uscc)
        else:
            stmt = select(EnterpriseRow).where(
                EnterpriseRow.country == country, EnterpriseRow.national_id == national_id
            )
        row = self._s.scalars(stmt).first()
        return _to_domain(row) if row is not None else None

    def save(self, enterprise: Enterprise) -> None:
        row = self._s.get(EnterpriseRow, enterprise.id)
        if row is None:
            raise LookupError(enterprise.id)
        _fill(row, enterprise)
        self._s.flush()

    def search(
        self, flt: EnterpriseFilter, sort: SortField, descending: bool, cursor: str | None, limit: int
    ) -> Page[Enterprise]:
        col = _SORT_COLUMNS[sort]
        stmt = select(EnterpriseRow).where(*_conditions(flt))
        if cursor:
            value, last_id = decode_cursor(cursor, 2)
            if sort == "registration_date":
                value = cursor_date(value)
            if descending:
                stmt = stmt.where(or_(col < value, and_(col == value, EnterpriseRow.id < last_id)))
            else:
                stmt = stmt.where(or_(col > value, and_(col == value, EnterpriseRow.id > last_id)))
        order = (col.desc(), EnterpriseRow.id.desc()) if descending else (col.asc(), EnterpriseRow.id.asc())
        rows = self._s.scalars(stmt.order_by(*order).limit(limit + 1)).all()
        items = [_to_domain(r) for r in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            key = getattr(last, col.key)
            next_cursor = encode_cursor([key.isoformat() if isinstance(key, date) else key, last.id])
        return Page(items=items, next_cursor=next_cursor)

    def count(self, flt: EnterpriseFilter) -> int:
        return int(self._s.scalar(select(func.count()).select_from(EnterpriseRow).where(*_conditions(flt))) or 0)

    def stats(self, flt: EnterpriseFilter, by: StatsDimension) -> list[tuple[str, int]]:
        conds = _conditions(flt)
        n = func.count(EnterpriseRow.id)
        if by == "sector":
            by_sector = self._s.execute(
                select(EnterpriseSectorRow.sector, n)
                .join(EnterpriseRow, EnterpriseRow.id == EnterpriseSectorRow.enterprise_id)
                .where(*conds)
                .group_by(EnterpriseSectorRow.sector)
                .order_by(EnterpriseSectorRow.sector)
            ).all()
            return [(str(k), int(c)) for k, c in by_sector]
        if by == "month":
            y = extract("year", EnterpriseRow.registration_date)
            m = extract("month", EnterpriseRow.registration_date)
            by_month = self._s.execute(select(y, m, n).where(*conds).group_by(y, m).order_by(y, m)).all()
            return [(f"{int(yy):04d}-{int(mm):02d}", int(c)) for yy, mm, c in by_month]
        col = {
            "area": EnterpriseRow.area_code,
            "country": EnterpriseRow.country,
            "credit_grade": EnterpriseRow.credit_grade,
            "status": EnterpriseRow.status,
            "foreign_invested": EnterpriseRow.foreign_invested,
        }[by]
        rows = self._s.execute(select(col, n).where(*conds).group_by(col).order_by(col)).all()
        return [(str(k).lower() if isinstance(k, bool) else str(k), int(c)) for k, c in rows]


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        password_hash=row.password_hash,
        display_name=row.display_name,
        enterprise_id=row.enterprise_id,
        office_code=row.office_code,
        active=row.active,
        locale=row.locale,
    )


class SqlUserRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, user: User) -> None:
        self._s.add(
            UserRow(
                id=user.id,
                username=user.username,
                display_name=user.display_name,
                password_hash=user.password_hash,
                role=user.role.value,
                enterprise_id=user.enterprise_id,
                office_code=user.office_code,
                active=user.active,
                locale=user.locale,
            )
        )
        self._s.flush()

    def get(self, user_id: str) -> User | None:
        row = self._s.get(UserRow, user_id)
        return _user(row) if row else None

    def by_username(self, username: str) -> User | None:
        row = self._s.scalars(select(UserRow).where(UserRow.username == username)).first()
        return _user(row) if row else None

    def all(self) -> list[User]:
        return [_user(r) for r in self._s.scalars(select(UserRow).order_by(UserRow.username))]

    def save(self, user: User) -> None:
        row = self._s.get(UserRow, user.id)
        if row is None:
            raise LookupError(user.id)
        row.display_name = user.display_name
        row.password_hash = user.password_hash
        row.active = user.active
        row.locale = user.locale
        self._s.flush()


class SqlTokenRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, token_hash: str, token: StoredToken) -> None:
        self._s.add(
            TokenRow(
                id=token.id,
                token_hash=token_hash,
                user_id=token.user_id,
                kind=token.kind,
                expires_at=token.expires_at,
                revoked_at=token.revoked_at,
            )
        )
        self._s.flush()

    def by_hash(self, token_hash: str) -> StoredToken | None:
        self._s.flush()
        row = (  # Core: every API request resolves its token
            self._s.connection()
            .execute(
                select(TokenRow.id, TokenRow.user_id, TokenRow.kind, TokenRow.expires_at, TokenRow.revoked_at).where(
                    TokenRow.token_hash == token_hash
                )
            )
            .first()
        )
        if row is None:
            return None
        return StoredToken(id=row[0], user_id=row[1], kind=row[2], expires_at=row[3], revoked_at=row[4])

    def with_user(self, token_hash: str) -> tuple[StoredToken, User] | None:
        self._s.flush()
        row = self._s.connection().execute(_TOKEN_WITH_USER, {"token_hash": token_hash}).first()
        if row is None:
            return None
        token = StoredToken(id=row[0], user_id=row[1], kind=row[2], expires_at=row[3], revoked_at=row[4])
        user = User(
            id=row[1],
            username=row[5],
            role=Role(row[6]),
            password_hash=row[7],
            display_name=row[8],
            enterprise_id=row[9],
            office_code=row[10],
            active=row[11],
            locale=row[12],
        )
        return token, user

    def revoke(self, token_id: str, when: datetime) -> None:
        self._s.execute(
            update(TokenRow).where(TokenRow.id == token_id, TokenRow.revoked_at.is_(None)).values(revoked_at=when)
        )

    def revoke_all_for(self, user_id: str, when: datetime) -> int:
        result = self._s.execute(
            update(TokenRow).where(TokenRow.user_id == user_id, TokenRow.revoked_at.is_(None)).values(revoked_at=when)
        )
        return int(getattr(result, "rowcount", 0) or 0)
