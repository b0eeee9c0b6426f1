"""Time arithmetic written in SQL the same way on SQLite and PostgreSQL (durations, local days and months).

The indicators and the read models use these same expressions, so a figure read from a read model is the
figure the direct query over the contexts' rows gives.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Integer, cast, func
from sqlalchemy.sql.elements import ColumnElement


def seconds(dialect: str, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Whole seconds from ``earlier`` to ``later`` (rounded), computed by the database."""
    if dialect == "postgresql":
        return func.round(func.extract("epoch", later - earlier))
    return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0)


def minutes(dialect: str, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Whole minutes from ``earlier`` to ``later`` (whole seconds first, then to the nearest minute, half up),
    in integer arithmetic so that both databases round alike."""
    return (cast(seconds(dialect, later, earlier), Integer) + 30) // 60


def local_day(dialect: str, instant: Any) -> ColumnElement[Any]:
    """The zone's local date (Asia/Urumqi, UTC+6 all year) of a UTC instant."""
    if dialect == "postgresql":
        return cast(func.timezone("Asia/Urumqi", instant), Date)
    return func.date(instant, "+6 hours")


def local_month_start(dialect: str, instant: Any) -> ColumnElement[Any]:
    """The first day of the zone's local month of a UTC instant."""
    if dialect == "postgresql":
        return cast(func.date_trunc("month", func.timezone("Asia/Urumqi", instant)), Date)
    return func.date(instant, "+6 hours", "start of month")
