"""A read model of the analytics: each declaration content version's countries, so that trade by partner
country is a join on narrow rows instead of parsing every declaration's JSON content at query time.

Correct as data arrives: a content version is immutable (an amendment adds a version), so a fact once
written never goes stale; versions without a fact are added by ``catch_up`` before each partner query. The
check is one count on each table; the insert of the missing facts (an anti-join; on a first build a plain
insert of every version) runs only when the counts differ, and is idempotent (``ON CONFLICT DO NOTHING``),
so concurrent readers may both run it. PostgreSQL gets fresh statistics of the table after each insert.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, ForeignKey, Index, Integer, String, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from silkport.clearance.adapters.orm import DeclarationVersionRow
from silkport.infra.db import Base


class DeclarationCountriesRow(Base):
    __tablename__ = "analytics_declaration_countries"
    __table_args__ = (
        Index(
            "ix_analytics_declaration_countries_cover",
            "declaration_id",
            "version",
            "dispatch_country",
            "destination_country",
        ),
    )

    declaration_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("declarations.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispatch_country: Mapped[str | None] = mapped_column(String(2))
    destination_country: Mapped[str | None] = mapped_column(String(2))


def catch_up(session: Session) -> int:
    """Add the facts of the content versions that have none yet; returns how many were added."""
    facts = session.scalar(select(func.count()).select_from(DeclarationCountriesRow)) or 0
    versions = session.scalar(select(func.count()).select_from(DeclarationVersionRow)) or 0
    if facts >= versions:
        return 0
    v = DeclarationVersionRow
    f = DeclarationCountriesRow
    missing = select(
        v.declaration_id,
        v.version,
        func.substr(v.content["dispatch_country"].as_string(), 1, 2),
        func.substr(v.content["destination_country"].as_string(), 1, 2),
    ).where(~select(f.declaration_id).where(f.declaration_id == v.declaration_id, f.version == v.version).exists())
    columns = ["declaration_id", "version", "dispatch_country", "destination_country"]
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = make(DeclarationCountriesRow).from_select(columns, missing).on_conflict_do_nothing()
    added = cast(CursorResult[Any], session.execute(stmt)).rowcount or 0
    if dialect == "postgresql":
        # fresh statistics, or the next anti-join is planned against an "empty" table (a nested loop that
        # scans the whole table per version)
        session.execute(text("ANALYZE analytics_declaration_countries"))
    session.commit()
    return int(added)
