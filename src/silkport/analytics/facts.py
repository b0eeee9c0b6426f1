"""The analytics' read models: narrow tables derived from the clearance context's rows, so the dashboard's
declaration queries read a few thousand rows instead of every declaration.

- ``analytics_declaration_countries``: each declaration content version's countries of dispatch and
  destination (trade by partner country is a join on narrow rows instead of parsing JSON at query time).
- ``analytics_clearance_entries``: what each released declaration contributes to the clearance times and to
  foreign trade (its local release day and month, office, lane, rulebook, durations in whole minutes, type,
  customs value in fen and partner country), so that a change to it can be taken back exactly.
- ``analytics_clearance_counts``: how many declarations took each whole number of minutes, per local **day**
  and per local **month**, office, lane, rulebook version and stage (``total`` = the clearance time).
- ``analytics_trade_counts``: released import and export declarations and their customs value (whole fen)
  per local day and month, office, type and partner country.
- ``analytics_vehicle_counts``: vehicle exports per exit day and month, exit port, make and destination
  (vehicle exports are immutable; each registration records ``vehicle_export.registered`` in the audit log).
- ``analytics_read_model_state``: how far the read models have followed the clearance context (the last
  status change id and audit entry seq taken in).

They are kept up to date by :func:`silkport.analytics.readmodel.catch_up` (see there and docs/analytics.md).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

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


#: the clearance counts' stages: ``total`` (release - max(lodgement, arrival)) and the WCO stages
TOTAL = "total"


class ClearanceEntryRow(Base):
    """One released declaration's contribution to the clearance counts (durations in whole minutes)."""

    __tablename__ = "analytics_clearance_entries"

    declaration_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date)  # local date of release
    month: Mapped[date] = mapped_column(Date)  # first day of the local month of release
    office: Mapped[str] = mapped_column(String(32))
    lane: Mapped[str] = mapped_column(String(8))  # "none" when no lane
    rulebook: Mapped[str] = mapped_column(String(64))  # "none" when no rulebook
    total: Mapped[int | None] = mapped_column(Integer)  # None: never lodged
    type: Mapped[str] = mapped_column(String(16))
    value_fen: Mapped[int | None] = mapped_column(BigInteger)  # customs value in CNY fen
    partner: Mapped[str | None] = mapped_column(String(2))  # dispatch country of an import, destination of an export
    lodgement_to_acceptance: Mapped[int | None] = mapped_column(Integer)
    acceptance_to_risk: Mapped[int | None] = mapped_column(Integer)
    risk_to_release: Mapped[int | None] = mapped_column(Integer)
    release_to_exit: Mapped[int | None] = mapped_column(Integer)


class ClearanceCountRow(Base):
    """How many released declarations took ``minutes`` at one stage, per (grain, start, office, lane, rulebook).

    ``grain`` is ``day`` (``start`` = the local date of release) or ``month`` (``start`` = the first day of
    the local month). A row's count never goes below zero; a count of zero is left in place (queries skip it).
    """

    __tablename__ = "analytics_clearance_counts"
    #: on SQLite clustered on the primary key: a range of it is one read
    __table_args__ = ({"sqlite_with_rowid": False},)

    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    stage: Mapped[str] = mapped_column(String(24), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    office: Mapped[str] = mapped_column(String(32), primary_key=True)
    lane: Mapped[str] = mapped_column(String(8), primary_key=True)
    rulebook: Mapped[str] = mapped_column(String(64), primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class TradeCountRow(Base):
    """Released import/export declarations and their customs value per (grain, start, office, type, partner).

    ``partner`` is "" when the declaration's current version names no country.
    """

    __tablename__ = "analytics_trade_counts"
    __table_args__ = ({"sqlite_with_rowid": False},)

    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    office: Mapped[str] = mapped_column(String(32), primary_key=True)
    type: Mapped[str] = mapped_column(String(16), primary_key=True)
    partner: Mapped[str] = mapped_column(String(2), primary_key=True)
    declarations: Mapped[int] = mapped_column(Integer)
    value_fen: Mapped[int] = mapped_column(BigInteger)


class VehicleCountRow(Base):
    """Vehicle exports per (grain, start, exit port, make, destination); ``start`` = exit date or its month."""

    __tablename__ = "analytics_vehicle_counts"
    __table_args__ = ({"sqlite_with_rowid": False},)

    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    exit_port: Mapped[str] = mapped_column(String(5), primary_key=True)
    make: Mapped[str] = mapped_column(String(40), primary_key=True)
    destination: Mapped[str] = mapped_column(String(2), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class ReadModelStateRow(Base):
    """How far a read model has followed its sources (ids and seqs only grow)."""

    __tablename__ = "analytics_read_model_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    status_change_id: Mapped[int] = mapped_column(BigInteger)  # declaration_status_history.id taken in
    audit_seq: Mapped[int] = mapped_column(BigInteger)  # audit_log.seq taken in


def catch_up(session: Session) -> int:
    """Bring the read models up to date; returns how many content versions' countries were added."""
    from silkport.analytics.readmodel import catch_up as catch_up_all

    return catch_up_all(session).countries_added
