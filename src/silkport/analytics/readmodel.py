"""Keeping the analytics' read models (``silkport.analytics.facts``) up to date with the clearance context.

**What they follow.** Every change of a declaration that the read models depend on leaves a record with a
number that only grows:

- a status change (lodged, risk assessed, released, exited, ...) appends a row to
  ``declaration_status_history`` (``id`` grows); a release fixes the declaration's clearance time and the
  stages up to release, an exit adds the release-to-exit stage;
- an amendment adds a content version and records ``declaration.amended`` in the audit log (``seq``
  grows); an amendment after release may move the declaration to another office of lodgement and gives
  it new countries.

``analytics_read_model_state`` holds the last ``id`` and ``seq`` taken in (the watermark).

**Catch-up before each query** (:func:`catch_up`): two ``max()`` on primary keys tell whether anything
happened since; if so, the declarations *touched* since the watermark (a status change or an amendment)
are recounted: their old entries (``analytics_clearance_entries``) are subtracted from the counts, replaced
by entries computed from their current rows, added back, and their content versions' countries inserted
(``ON CONFLICT DO NOTHING``: versions are immutable). Recounting a declaration is idempotent, so a
declaration touched twice is simply recounted twice. The first catch-up (no watermark yet) builds
everything from the current rows in set-based statements (no anti-join).

**Why before each query, not at write time**: the clearance context must not know about the analytics
(contexts and their writes stay independent, import-linter), writes stay as fast as they are, and rows
that arrive by any path that records status changes (services, imports, the demo) are counted; the price
is a check of two primary keys per query and a short recount of what changed.

**Concurrency.** Catch-ups are serialized and never skip a record: on SQLite the write transaction
(``BEGIN IMMEDIATE``) excludes every other writer, so ids are visible in commit order; on PostgreSQL the
catch-up takes ``SHARE ROW EXCLUSIVE`` on ``declaration_status_history``, which waits for the transactions
that inserted status changes to finish (a sequence hands out ids before commit: without it a later id could
be taken in before an earlier one commits) and excludes other catch-ups, then reads everything in one
``REPEATABLE READ`` snapshot taken after the lock (the maxima and the rows counted agree); audit entries are
chained under a transaction lock, so their ``seq`` is in commit order already.

**Vehicle exports** are immutable and each registration records ``vehicle_export.registered`` in the audit
log: the exports whose entries lie past the watermark are added to ``analytics_vehicle_counts`` (once each:
the watermark passes an entry once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from silkport.analytics import sqltime
from silkport.analytics.facts import (
    TOTAL,
    ClearanceCountRow,
    ClearanceEntryRow,
    DeclarationCountriesRow,
    ReadModelStateRow,
    TradeCountRow,
    VehicleCountRow,
)
from silkport.clearance.adapters.orm import DeclarationRow, DeclarationVersionRow, StatusHistoryRow
from silkport.infra.audit import AuditEntryRow
from silkport.infra.db import READ_ONLY_OPTION
from silkport.logistics.adapters.modes_orm import VehicleExportRow
from silkport.shared.clock import ZONE_TZ

STATE = "declarations"
AMENDED = "declaration.amended"
VEHICLES_REGISTERED = "vehicle_export.registered"

#: the stages counted besides the clearance time: (name, from column, to column) of ``declarations``
STAGES: tuple[tuple[str, str, str], ...] = (
    ("lodgement_to_acceptance", "lodgement_at", "acceptance_at"),
    ("acceptance_to_risk", "acceptance_at", "risk_assessment_at"),
    ("risk_to_release", "risk_assessment_at", "release_at"),
    ("release_to_exit", "release_at", "exit_at"),
)
STAGE_NAMES = tuple(name for name, _, _ in STAGES)
TRADE_TYPES = ("import", "export")
_PK = ("grain", "stage", "start", "office", "lane", "rulebook", "minutes")


@dataclass(frozen=True, slots=True)
class CatchUp:
    full: bool  # built from scratch (no watermark yet)
    status_changes: int  # status history rows taken in
    amendments: int  # amendments taken in
    declarations_recounted: int
    countries_added: int
    vehicles_added: int = 0


NOTHING = CatchUp(False, 0, 0, 0, 0)


def _maxima(session: Session) -> tuple[int, int]:
    history = session.scalar(select(func.max(StatusHistoryRow.id))) or 0
    audit = session.scalar(select(func.max(AuditEntryRow.seq))) or 0
    return int(history), int(audit)


def _state(session: Session) -> tuple[int, int] | None:
    row = session.execute(
        select(ReadModelStateRow.status_change_id, ReadModelStateRow.audit_seq).where(ReadModelStateRow.name == STATE)
    ).first()
    return None if row is None else (int(row[0]), int(row[1]))


def _writable(session: Session) -> bool:
    bind = session.get_bind()
    options = bind.get_execution_options() if hasattr(bind, "get_execution_options") else {}
    return not options.get(READ_ONLY_OPTION, False)


def catch_up(session: Session) -> CatchUp:
    """Bring the read models up to date with the clearance context (see the module's docstring).

    On PostgreSQL the work is done in a separate ``REPEATABLE READ`` transaction. On SQLite a read-only session
    (deferred ``BEGIN``) gets the work done in a separate write transaction and is then committed, so that its
    next read sees the caught-up tables; a writable session does the work itself (``BEGIN IMMEDIATE``: one
    writer, one snapshot) and is committed.
    """
    state = _state(session)
    if state is not None:
        history, audit = _maxima(session)
        if history <= state[0] and audit <= state[1]:
            return NOTHING
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # one snapshot for the whole catch-up (taken after the lock): the watermark read and the rows counted
        # agree, so nothing committed meanwhile is counted twice
        # (set on the connection: an isolation level given to an engine that already has one, like the
        # read-only sessions' AUTOCOMMIT, is not replaced)
        engine = bind.engine if isinstance(bind, Connection) else bind
        with engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ")
            with Session(bind=conn, autoflush=False) as worker:
                result = _run(worker)
                worker.commit()
        return result
    if _writable(session):
        result = _run(session)
        session.commit()
        return result
    if session.in_transaction():
        session.commit()
    writable = bind.execution_options(**{READ_ONLY_OPTION: False})
    with Session(bind=writable, autoflush=False) as worker:
        result = _run(worker)
        worker.commit()
    return result


#: told each step of a rebuild as it finishes: (step's name, steps done, steps in all)
Progress = Callable[[str, int, int], None]


def _quiet(_step: str, _done: int, _total: int) -> None:
    return None


def rebuild(session: Session, progress: Progress | None = None) -> CatchUp:
    """Throw the read models away and build them again from the current rows (after a repair by SQL: rows
    written without the status changes and audit entries the catch-up follows are counted only by a rebuild).
    ``progress`` is told each step as it finishes."""
    tell = progress or _quiet
    session.execute(delete(ReadModelStateRow).where(ReadModelStateRow.name == STATE))
    session.execute(delete(DeclarationCountriesRow))
    tell("cleared", 1, len(BUILD_STEPS) + 1)
    result = _run(session, lambda step, done: tell(step, done + 1, len(BUILD_STEPS) + 1))
    session.commit()
    return result


def rebuild_period(session: Session, start: date, end: date, progress: Progress | None = None) -> CatchUp:
    """Recount only what lies in ``[start, end]`` (local days): the declarations released in it, or counted in
    it before (a repair may have moved a release out of the period), and the vehicle exports of the whole months
    it touches. Everything else is caught up as usual first. Recounting is idempotent: a declaration recounted
    that did not change adds and takes back the same entries. ``progress`` is told each chunk as it finishes."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    tell = progress or _quiet
    dialect = session.get_bind().dialect.name
    caught = _run(session)  # locks on PostgreSQL, as every catch-up; builds everything when nothing was built
    if caught.full:
        session.commit()
        tell("built", 1, 1)
        return caught
    d = DeclarationRow
    e = ClearanceEntryRow
    released = select(d.id).where(
        d.release_at >= _local_midnight(start),
        d.release_at < _local_midnight(end + timedelta(days=1)),
    )
    counted = select(e.declaration_id).where(e.day >= start, e.day <= end)
    touched = sorted(set(session.scalars(released)) | set(session.scalars(counted)))
    chunks = _chunks(touched)
    total = len(chunks) + 1
    countries = recounted = 0
    for n, chunk in enumerate(chunks, 1):
        countries += _add_countries(session, [DeclarationVersionRow.declaration_id.in_(chunk)])
        _count_entries(session, -1, [e.declaration_id.in_(chunk)])
        session.execute(delete(e).where(e.declaration_id.in_(chunk)))
        recounted += _add_entries(session, dialect, [DeclarationRow.id.in_(chunk)])
        _count_entries(session, 1, [e.declaration_id.in_(chunk)])
        tell("declarations", n, total)
    first, last = start.replace(day=1), _next_month(end) - timedelta(days=1)
    v = VehicleCountRow
    session.execute(delete(v).where(v.start >= first, v.start <= last))
    x = VehicleExportRow
    vehicles = _count_vehicles(session, dialect, [x.exit_date >= first, x.exit_date <= last])
    tell("vehicles", total, total)
    session.commit()
    return CatchUp(False, caught.status_changes, caught.amendments, recounted, countries, vehicles)


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _run(session: Session, step: Callable[[str, int], None] | None = None) -> CatchUp:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("LOCK TABLE declaration_status_history IN SHARE ROW EXCLUSIVE MODE"))
    state = _state(session)
    history, audit = _maxima(session)
    if state is None:
        result = _build(session, dialect, step)
        session.execute(insert(ReadModelStateRow).values(name=STATE, status_change_id=history, audit_seq=audit))
        if dialect == "postgresql":
            # fresh statistics for the planner (the tables were empty when last analysed)
            for table in (
                "analytics_declaration_countries",
                "analytics_clearance_entries",
                "analytics_clearance_counts",
                "analytics_trade_counts",
                "analytics_vehicle_counts",
            ):
                session.execute(text(f"ANALYZE {table}"))
        return result
    seen_history, seen_audit = state
    if history <= seen_history and audit <= seen_audit:
        return NOTHING
    h = StatusHistoryRow
    a = AuditEntryRow
    changed = select(h.declaration_id).where(h.id > seen_history, h.id <= history)
    amended = select(a.object_id).where(
        a.action == AMENDED, a.object_type == "declaration", a.seq > seen_audit, a.seq <= audit
    )
    status_changes = session.scalar(select(func.count()).select_from(changed.subquery())) or 0
    # the touched declarations as a list, recounted a chunk at a time by primary key lookups (an IN over a
    # subquery let PostgreSQL plan a scan of every entry per statement: 10 s for 1,000 new declarations)
    amended_ids = set(session.scalars(amended))
    touched = sorted(set(session.scalars(changed.distinct())) | amended_ids)
    countries = recounted = 0
    e = ClearanceEntryRow
    for chunk in _chunks(touched):
        countries += _add_countries(session, [DeclarationVersionRow.declaration_id.in_(chunk)])
        _count_entries(session, -1, [e.declaration_id.in_(chunk)])
        session.execute(delete(e).where(e.declaration_id.in_(chunk)))
        recounted += _add_entries(session, dialect, [DeclarationRow.id.in_(chunk)])
        _count_entries(session, 1, [e.declaration_id.in_(chunk)])
    registered = select(a.object_id).where(
        a.action == VEHICLES_REGISTERED, a.object_type == "vehicle_export", a.seq > seen_audit, a.seq <= audit
    )
    vehicles = 0
    for chunk in _chunks(sorted(session.scalars(registered))):
        vehicles += _count_vehicles(session, dialect, [VehicleExportRow.id.in_(chunk)])
    session.execute(
        update(ReadModelStateRow)
        .where(ReadModelStateRow.name == STATE)
        .values(status_change_id=history, audit_seq=audit)
    )
    return CatchUp(False, int(status_changes), len(amended_ids), recounted, countries, vehicles)


def _local_midnight(day: date) -> datetime:
    """The first instant of a local day (Asia/Urumqi) in UTC, as the indicators bound their periods."""
    return datetime.combine(day, time(0), ZONE_TZ).astimezone(UTC)


def _chunks(ids: Sequence[str], size: int = 5000) -> list[list[str]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


#: the steps of a build from scratch, in order (what a rebuild's progress reports)
BUILD_STEPS = ("countries", "entries", "counts", "vehicles")


def _build(session: Session, dialect: str, step: Callable[[str, int], None] | None = None) -> CatchUp:
    tell = step or (lambda _name, _done: None)
    session.execute(delete(ClearanceCountRow))
    session.execute(delete(TradeCountRow))
    session.execute(delete(VehicleCountRow))
    session.execute(delete(ClearanceEntryRow))
    countries = _add_countries(session, [])
    tell(BUILD_STEPS[0], 1)
    recounted = _add_entries(session, dialect, [])
    tell(BUILD_STEPS[1], 2)
    _count_entries(session, 1, [], fresh=True)
    tell(BUILD_STEPS[2], 3)
    vehicles = _count_vehicles(session, dialect, [], fresh=True)
    tell(BUILD_STEPS[3], 4)
    return CatchUp(True, 0, 0, recounted, countries, vehicles)


def _execute(session: Session, stmt: Any) -> Any:
    """Run an ``INSERT ... SELECT`` keeping the driver's count of the rows it wrote."""
    return session.execute(stmt.execution_options(preserve_rowcount=True))


def _rowcount(result: Any) -> int:
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


def _add_countries(session: Session, where: Sequence[ColumnElement[bool]]) -> int:
    v = DeclarationVersionRow
    rows = select(
        v.declaration_id,
        v.version,
        func.substr(v.content["dispatch_country"].as_string(), 1, 2),
        func.substr(v.content["destination_country"].as_string(), 1, 2),
    ).where(true(), *where)  # SQLite: a WHERE before ON CONFLICT (else it reads a join's ON)
    columns = ["declaration_id", "version", "dispatch_country", "destination_country"]
    # no anti-join: the primary key drops the versions already there (an anti-join against the table being
    # filled was planned by PostgreSQL as a nested loop re-scanning it per row: quadratic, 324 s for 250 k)
    stmt = _insert(session)(DeclarationCountriesRow).from_select(columns, rows).on_conflict_do_nothing()
    return _rowcount(_execute(session, stmt))


def _add_entries(session: Session, dialect: str, where: Sequence[ColumnElement[bool]]) -> int:
    d = DeclarationRow
    start = case((and_(d.arrival_at.is_not(None), d.arrival_at > d.lodgement_at), d.arrival_at), else_=d.lodgement_at)

    def stage(a: str, b: str) -> ColumnElement[Any]:
        ca, cb = getattr(d, a), getattr(d, b)
        # like the clearance time, the stages count only lodged declarations
        known = and_(d.lodgement_at.is_not(None), ca.is_not(None), cb.is_not(None))
        return case((known, sqltime.minutes(dialect, cb, ca)), else_=None)

    f = DeclarationCountriesRow
    partner = (
        select(case((d.type == "import", f.dispatch_country), else_=f.destination_country))
        .where(f.declaration_id == d.id, f.version == d.version)
        .scalar_subquery()
    )
    rows = select(
        d.id,
        sqltime.local_day(dialect, d.release_at),
        sqltime.local_month_start(dialect, d.release_at),
        d.office_code,
        func.coalesce(d.lane, "none"),
        func.coalesce(d.rulebook_version, "none"),
        case((d.lodgement_at.is_(None), None), else_=sqltime.minutes(dialect, d.release_at, start)),
        d.type,
        cast(func.round(d.customs_value_cny * 100), BigInteger),
        partner,
        *(stage(a, b) for _, a, b in STAGES),
    ).where(d.release_at.is_not(None), *where)
    columns = [
        "declaration_id",
        "day",
        "month",
        "office",
        "lane",
        "rulebook",
        "total",
        "type",
        "value_fen",
        "partner",
        *STAGE_NAMES,
    ]
    return _rowcount(_execute(session, insert(ClearanceEntryRow).from_select(columns, rows)))


def _count_entries(session: Session, sign: int, where: Sequence[ColumnElement[bool]], fresh: bool = False) -> None:
    """Add (``sign`` 1) or take back (-1) the counts of the entries selected by ``where``."""
    e = ClearanceEntryRow
    c = ClearanceCountRow
    for grain, start in (("day", e.day), ("month", e.month)):
        for stage in (TOTAL, *STAGE_NAMES):
            minutes = getattr(e, stage)
            rows = (
                select(
                    literal_column(f"'{grain}'"),
                    literal_column(f"'{stage}'"),
                    start,
                    e.office,
                    e.lane,
                    e.rulebook,
                    minutes,
                    func.count() * sign,
                )
                .where(minutes.is_not(None), *where)
                .group_by(start, e.office, e.lane, e.rulebook, minutes)
            )
            if fresh:
                session.execute(insert(c).from_select([*_PK, "count"], rows))
                continue
            stmt = _insert(session)(c).from_select([*_PK, "count"], rows)
            stmt = stmt.on_conflict_do_update(index_elements=list(_PK), set_={"count": c.count + stmt.excluded.count})
            session.execute(stmt)
        t = TradeCountRow
        partner = func.coalesce(e.partner, "")
        trade: Any = (
            select(
                literal_column(f"'{grain}'"),
                start,
                e.office,
                e.type,
                partner,
                func.count() * sign,
                func.coalesce(func.sum(e.value_fen), 0) * sign,
            )
            .where(e.type.in_(TRADE_TYPES), *where)
            .group_by(start, e.office, e.type, partner)
        )
        columns = ["grain", "start", "office", "type", "partner", "declarations", "value_fen"]
        if fresh:
            session.execute(insert(t).from_select(columns, trade))
            continue
        upsert = _insert(session)(t).from_select(columns, trade)
        upsert = upsert.on_conflict_do_update(
            index_elements=columns[:5],
            set_={
                "declarations": t.declarations + upsert.excluded.declarations,
                "value_fen": t.value_fen + upsert.excluded.value_fen,
            },
        )
        session.execute(upsert)


def _count_vehicles(session: Session, dialect: str, where: Sequence[ColumnElement[bool]], fresh: bool = False) -> int:
    """Add the vehicle exports selected by ``where`` to the counts (each export is taken in once: its
    registration's audit entry is passed by the watermark once); returns how many."""
    v = VehicleExportRow
    t = VehicleCountRow
    month = (
        func.date(v.exit_date, "start of month")
        if dialect != "postgresql"
        else cast(func.date_trunc("month", v.exit_date), Date)
    )
    added = 0
    for grain, start in (("day", v.exit_date), ("month", month)):
        rows = (
            select(literal_column(f"'{grain}'"), start, v.exit_port, v.make, v.destination, func.count())
            .where(true(), *where)
            .group_by(start, v.exit_port, v.make, v.destination)
        )
        columns = ["grain", "start", "exit_port", "make", "destination", "count"]
        if fresh:
            result = _execute(session, insert(t).from_select(columns, rows))
        else:
            upsert = _insert(session)(t).from_select(columns, rows)
            upsert = upsert.on_conflict_do_update(
                index_elements=columns[:5], set_={"count": t.count + upsert.excluded.count}
            )
            result = _execute(session, upsert)
        if grain == "day":
            added = _rowcount(result)
    return added


# -- reading the counts ------------------------------------------------------------------------------------
def period_ranges(start: date, end: date) -> list[tuple[str, date, date]]:
    """The period ``[start, end]`` as whole local months (``month`` rows) and the days around them (``day``
    rows): ``(grain, first start, last start)``, both included."""
    first_full = start if start.day == 1 else _next_month(start)
    after = end + timedelta(days=1)
    end_full = after if after.day == 1 else end.replace(day=1)  # first day after the last whole month
    if first_full >= end_full:
        return [("day", start, end)]
    out = [("month", first_full, _previous_month(end_full))]
    if start < first_full:
        out.append(("day", start, first_full - timedelta(days=1)))
    if end_full <= end:
        out.append(("day", end_full, end))
    return out


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _previous_month(d: date) -> date:
    return date(d.year - (d.month == 1), (d.month - 2) % 12 + 1, 1)


def clearance_counts(
    session: Session, start: date, end: date, where: Iterable[ColumnElement[bool]] = ()
) -> list[tuple[str, str, str, int, int]]:
    """(office, lane, rulebook, minutes, count) of the clearance times of the declarations released in the
    local days ``[start, end]``; ``where`` filters on ``ClearanceCountRow.office``."""
    c = ClearanceCountRow
    filters = list(where)
    acc: dict[tuple[str, str, str, int], int] = {}
    for grain, a, b in period_ranges(start, end):
        rows = session.execute(
            select(c.office, c.lane, c.rulebook, c.minutes, func.sum(c.count))
            .where(c.grain == grain, c.stage == TOTAL, c.start >= a, c.start <= b, *filters)
            .group_by(c.office, c.lane, c.rulebook, c.minutes)
            .having(func.sum(c.count) > 0)
        ).all()
        for office, lane, book, minutes, n in rows:
            key = (office, lane, book, int(minutes))
            acc[key] = acc.get(key, 0) + int(n)
    return [(*k, n) for k, n in acc.items()]


def stage_counts(
    session: Session, start: date, end: date, where: Iterable[ColumnElement[bool]] = ()
) -> dict[str, dict[int, int]]:
    """stage -> minutes -> count over the declarations released in the local days ``[start, end]``."""
    c = ClearanceCountRow
    filters = list(where)
    out: dict[str, dict[int, int]] = {name: {} for name in STAGE_NAMES}
    for grain, a, b in period_ranges(start, end):
        rows = session.execute(
            select(c.stage, c.minutes, func.sum(c.count))
            .where(c.grain == grain, c.stage.in_(STAGE_NAMES), c.start >= a, c.start <= b, *filters)
            .group_by(c.stage, c.minutes)
            .having(func.sum(c.count) > 0)
        ).all()
        for stage, minutes, n in rows:
            into = out[stage]
            into[int(minutes)] = into.get(int(minutes), 0) + int(n)
    return out


def trade_counts(
    session: Session, start: date, end: date, where: Iterable[ColumnElement[bool]] = (), by_partner: bool = False
) -> list[tuple[str, str, int, int]]:
    """(type, month ``YYYY-MM`` or partner country, declarations, customs value in fen) of the import and export
    declarations released in the local days ``[start, end]``; ``where`` filters on ``TradeCountRow``."""
    t = TradeCountRow
    filters = list(where)
    acc: dict[tuple[str, str], list[int]] = {}
    for grain, a, b in period_ranges(start, end):
        key = t.partner if by_partner else t.start
        rows = session.execute(
            select(t.type, key, func.sum(t.declarations), func.sum(t.value_fen))
            .where(t.grain == grain, t.start >= a, t.start <= b, t.type.in_(TRADE_TYPES), *filters)
            .group_by(t.type, key)
            .having(func.sum(t.declarations) > 0)
        ).all()
        for kind, k, n, fen in rows:
            label = str(k) if by_partner else _month_label(k)
            entry = acc.setdefault((str(kind), label), [0, 0])
            entry[0] += int(n)
            entry[1] += int(fen)
    return [(kind, label, n, fen) for (kind, label), (n, fen) in acc.items()]


def _month_label(start: object) -> str:
    return start.isoformat()[:7] if isinstance(start, date) else str(start)[:7]


def vehicle_counts(
    session: Session, start: date, end: date, where: Iterable[ColumnElement[bool]] = ()
) -> list[tuple[str, str, str, int]]:
    """(month ``YYYY-MM``, make, destination, count) of the vehicle exports with an exit date in ``[start, end]``;
    ``where`` filters on ``VehicleCountRow``."""
    t = VehicleCountRow
    filters = list(where)
    acc: dict[tuple[str, str, str], int] = {}
    for grain, a, b in period_ranges(start, end):
        rows = session.execute(
            select(t.start, t.make, t.destination, func.sum(t.count))
            .where(t.grain == grain, t.start >= a, t.start <= b, *filters)
            .group_by(t.start, t.make, t.destination)
            .having(func.sum(t.count) > 0)
        ).all()
        for first, make, destination, n in rows:
            key = (_month_label(first), str(make), str(destination))
            acc[key] = acc.get(key, 0) + int(n)
    return [(*k, n) for k, n in acc.items()]
