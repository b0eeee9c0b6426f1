"""The zone's indicators: each one a query on the store for a period and, optionally, an area.

A period is a pair of calendar dates ``[start, end]``, both included, read in the zone's local time
(Asia/Urumqi): an instant belongs to the period when its local date does. Date columns (registration
date, exit date, flight date) are compared as dates. An area (URUMQI, HORGOS, KASHGAR) selects what
happened at its ports (declarations by office of lodgement, vehicle exports by exit port) or belongs to
it (enterprises by registration area, air cargo by the area's airports).

Aggregates (sums, counts, groups) run in SQL; percentiles are computed in Python from whole seconds the
database computed, so SQLite and PostgreSQL give the same answer for the same rows. Every function takes a
SQLAlchemy ``Session`` and returns plain frozen dataclasses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from silkport.analytics import readmodel, sqltime, stats
from silkport.analytics.facts import ClearanceCountRow, DeclarationCountriesRow, TradeCountRow, VehicleCountRow
from silkport.analytics.readmodel import catch_up
from silkport.analytics.reference import References, load_references
from silkport.bonded.adapters.orm import BondedAccountRow, BondedBalanceRow, BondedLotRow, BondedUpliftRow
from silkport.clearance.adapters.orm import DeclarationRow, RulebookRow
from silkport.enterprises.adapters.orm import EnterpriseRow, EnterpriseSectorRow
from silkport.logistics.adapters.modes_orm import AwbLoadRow, FlightRow, VehicleExportRow
from silkport.logistics.adapters.orm import ConsignmentRow
from silkport.shared.clock import ZONE_TZ
from silkport.shared.errors import FieldError, ValidationFailed
from silkport.transit.adapters.orm import OperationRow, TransportRow
from silkport.zone.adapters.orm import PortRow

AREAS = ("URUMQI", "HORGOS", "KASHGAR")
TRADE_TYPES = ("import", "export")
ZERO = Decimal(0)


# -- period and area ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # included

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationFailed(FieldError("to", f"{self.end} is before {self.start}"))

    @property
    def start_at(self) -> datetime:
        """The first instant of the period (local midnight of ``start``) in UTC."""
        return datetime.combine(self.start, time(0), ZONE_TZ).astimezone(UTC)

    @property
    def end_at(self) -> datetime:
        """The first instant after the period (local midnight after ``end``) in UTC."""
        return datetime.combine(self.end + timedelta(days=1), time(0), ZONE_TZ).astimezone(UTC)

    def year_before(self) -> Period:
        return Period(_minus_year(self.start), _minus_year(self.end))

    def label(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def _minus_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def check_area(area: str | None) -> str | None:
    if area is None or area == "":
        return None
    code = area.strip().upper()
    if code not in AREAS:
        raise ValidationFailed(FieldError("area", f"{area!r} is not an area of the zone ({', '.join(AREAS)})"))
    return code


def _between(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start_at, column < period.end_at)


def _dates_between(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column <= period.end)


def _offices_of(area: str) -> Select[Any]:
    return select(PortRow.code).where(PortRow.area_code == area)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _local_month(session: Session, column: Any) -> ColumnElement[str]:
    """``YYYY-MM`` of an instant in the zone's local time (UTC+6, no daylight saving)."""
    if _dialect(session) == "postgresql":
        return func.to_char(func.timezone("Asia/Urumqi", column), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+6 hours")


def _date_month(session: Session, column: Any) -> ColumnElement[str]:
    if _dialect(session) == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)


def _seconds(session: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Whole seconds from ``earlier`` to ``later`` (rounded), computed by the database."""
    return sqltime.seconds(_dialect(session), later, earlier)


def _minutes(session: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Whole minutes from ``earlier`` to ``later`` (whole seconds first, then to the nearest minute, half up),
    in integer arithmetic so that both databases round alike."""
    return sqltime.minutes(_dialect(session), later, earlier)


def _dec(value: object) -> Decimal:
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


# -- new enterprises -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EnterpriseFigures:
    period: Period
    area: str | None
    total: int
    foreign_invested: int
    by_area: dict[str, int]
    by_sector: dict[str, int]  # an enterprise with several sectors counts in each
    by_month: dict[str, int]  # YYYY-MM of the registration date


def new_enterprises(session: Session, period: Period, area: str | None = None) -> EnterpriseFigures:
    """Enterprises registered in the period (by registration date), by area, sector and month."""
    where = [_dates_between(EnterpriseRow.registration_date, period)]
    if area:
        where.append(EnterpriseRow.area_code == area)
    total, foreign = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((EnterpriseRow.foreign_invested.is_(True), 1), else_=0)), 0),
        ).where(*where)
    ).one()
    by_area = dict(
        session.execute(
            select(EnterpriseRow.area_code, func.count()).where(*where).group_by(EnterpriseRow.area_code)
        ).all()
    )
    by_sector = dict(
        session.execute(
            select(EnterpriseSectorRow.sector, func.count())
            .join(EnterpriseRow, EnterpriseRow.id == EnterpriseSectorRow.enterprise_id)
            .where(*where)
            .group_by(EnterpriseSectorRow.sector)
        ).all()
    )
    month = _date_month(session, EnterpriseRow.registration_date)
    by_month = dict(session.execute(select(month, func.count()).where(*where).group_by(month)).all())
    return EnterpriseFigures(
        period,
        area,
        int(total),
        int(foreign),
        {k: int(v) for k, v in sorted(by_area.items())},
        {k: int(v) for k, v in sorted(by_sector.items(), key=lambda kv: (-kv[1], kv[0]))},
        {k: int(v) for k, v in sorted(by_month.items())},
    )


# -- foreign trade -------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TradeFigures:
    period: Period
    area: str | None
    declarations: int
    import_cny: Decimal
    export_cny: Decimal
    total_cny: Decimal
    by_month: dict[str, Decimal]
    region_total_cny: Decimal | None  # Xinjiang's total for exactly this period, when configured
    region_total_estimated: bool
    region_source: str | None
    share_of_region_pct: Decimal | None


def _trade_where(period: Period, area: str | None) -> list[ColumnElement[bool]]:
    where = [
        DeclarationRow.type.in_(TRADE_TYPES),
        DeclarationRow.release_at.is_not(None),
        _between(DeclarationRow.release_at, period),
    ]
    if area:
        where.append(DeclarationRow.office_code.in_(_offices_of(area)))
    return where


def _fen(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def _trade_filters(area: str | None) -> list[ColumnElement[bool]]:
    return [TradeCountRow.office.in_(_offices_of(area))] if area else []


def foreign_trade(
    session: Session,
    period: Period,
    area: str | None = None,
    references: References | None = None,
    read_model: bool = True,
) -> TradeFigures:
    """Customs value (CNY) of the import and export declarations released in the period, and its share of
    Xinjiang's foreign trade when the region's total for the period is configured.

    Read from the trade read model (``analytics_trade_counts``, caught up first); ``read_model=False`` sums
    the declarations themselves (the definition the read model is tested against)."""
    rows: Sequence[tuple[str, str, int, Any]]
    if read_model:
        catch_up(session)
        counted = readmodel.trade_counts(session, period.start, period.end, _trade_filters(area))
        rows = [(kind, m, n, _fen(fen)) for kind, m, n, fen in counted]
    else:
        month = _local_month(session, DeclarationRow.release_at)
        # one pass: (type, month) groups, summed here
        rows = session.execute(
            select(DeclarationRow.type, month, func.count(), func.sum(DeclarationRow.customs_value_cny))
            .where(*_trade_where(period, area))
            .group_by(DeclarationRow.type, month)
        ).all()
    values: dict[str, Decimal] = defaultdict(Decimal)
    months: dict[str, Decimal] = defaultdict(Decimal)
    count = 0
    for kind, m, n, v in rows:
        values[kind] += _dec(v)
        months[m] += _dec(v)
        count += int(n)
    by_month = dict(sorted(months.items()))
    imports, exports = values.get("import", ZERO), values.get("export", ZERO)
    total = imports + exports
    refs = references or load_references()
    region = refs.region_total(period.start, period.end)
    share = stats.share_pct(total, region.total_cny) if region else None
    return TradeFigures(
        period,
        area,
        count,
        imports,
        exports,
        total,
        by_month,
        region.total_cny if region else None,
        region.estimated if region else False,
        region.source if region else None,
        share,
    )


@dataclass(frozen=True, slots=True)
class PartnerTrade:
    country: str
    declarations: int
    import_cny: Decimal
    export_cny: Decimal
    total_cny: Decimal


def bilateral_trade(
    session: Session, period: Period, area: str | None = None, partner: str | None = None, read_model: bool = True
) -> list[PartnerTrade]:
    """Trade by partner country: the country of dispatch of an import, the country of destination of an
    export (as the current version of the declaration states it), largest first."""
    catch_up(session)
    rows: Sequence[tuple[Any, str, int, Any]]
    if read_model:
        filters = _trade_filters(area)
        if partner:
            filters.append(TradeCountRow.partner == partner.upper())
        counted = readmodel.trade_counts(session, period.start, period.end, filters, by_partner=True)
        # a version naming no country is counted under "" (and shown as the direct query shows it: "None")
        rows = [(code or None, kind, n, _fen(fen)) for kind, code, n, fen in counted]
    else:
        f = DeclarationCountriesRow
        country = case((DeclarationRow.type == "import", f.dispatch_country), else_=f.destination_country)
        query = (
            select(country, DeclarationRow.type, func.count(), func.sum(DeclarationRow.customs_value_cny))
            .join(f, and_(f.declaration_id == DeclarationRow.id, f.version == DeclarationRow.version))
            .where(*_trade_where(period, area))
            .group_by(country, DeclarationRow.type)
        )
        if partner:
            query = query.where(country == partner.upper())
        rows = session.execute(query).all()
    acc: dict[str, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO])
    for code, kind, n, value in rows:
        entry = acc[str(code)]
        entry[0] += int(n)
        entry[1 if kind == "import" else 2] += _dec(value)
    out = [PartnerTrade(c, e[0], e[1], e[2], e[1] + e[2]) for c, e in acc.items()]
    return sorted(out, key=lambda p: (-p.total_cny, p.country))


# -- air cargo -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AirCargoFigures:
    period: Period
    area: str | None
    airports: tuple[str, ...]
    flights: int
    tonnes: Decimal  # gross weight of the AWBs loaded, in tonnes (3 places)
    previous_tonnes: Decimal  # the same dates a year before
    change_pct: Decimal | None  # year on year
    by_month: dict[str, Decimal]


def _air(session: Session, period: Period, airports: Sequence[str] | None) -> tuple[int, Decimal, dict[str, Decimal]]:
    where = [_dates_between(FlightRow.flight_date, period)]
    if airports is not None:
        if not airports:
            return 0, ZERO, {}
        where.append(or_(FlightRow.origin.in_(airports), FlightRow.destination.in_(airports)))
    flights = session.scalar(select(func.count()).select_from(FlightRow).where(*where)) or 0
    month = _date_month(session, FlightRow.flight_date)
    rows = session.execute(
        select(month, func.sum(AwbLoadRow.gross_weight_kg))
        .join(FlightRow, FlightRow.id == AwbLoadRow.flight_id)
        .where(*where)
        .group_by(month)
        .order_by(month)
    ).all()
    by_month = {m: (_dec(kg) / 1000).quantize(Decimal("0.001")) for m, kg in rows}
    total = (sum((_dec(kg) for _, kg in rows), ZERO) / 1000).quantize(Decimal("0.001"))
    return int(flights), total, by_month


def air_cargo(
    session: Session, period: Period, area: str | None = None, references: References | None = None
) -> AirCargoFigures:
    """Tonnes of air cargo (AWB gross weight) on the flights of the period, and the change on a year before.

    Without an area every recorded flight counts (the zone's flights); with one, the flights from or to the
    area's airports (configured in analytics/data/reference.yaml)."""
    refs = references or load_references()
    airports = None if area is None else refs.area_airports.get(area, ())
    flights, tonnes, by_month = _air(session, period, airports)
    _, previous, _ = _air(session, period.year_before(), airports)
    return AirCargoFigures(
        period,
        area,
        tuple(airports or ()),
        flights,
        tonnes,
        previous,
        stats.change_pct(tonnes, previous),
        by_month,
    )


# -- vehicle exports -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class VehicleFigures:
    period: Period
    area: str | None
    total: int
    by_make: dict[str, int]
    by_destination: dict[str, int]
    by_month: dict[str, int]


def vehicle_exports(
    session: Session, period: Period, area: str | None = None, read_model: bool = True
) -> VehicleFigures:
    """Commercial vehicles exported in the period (by exit date), by make, destination and month.

    Read from the vehicle read model (``analytics_vehicle_counts``, caught up first); ``read_model=False``
    counts the vehicle exports themselves."""
    ports = select(PortRow.locode).where(PortRow.area_code == area)
    rows: Sequence[tuple[str, str, str, int]]
    if read_model:
        catch_up(session)
        filters = [VehicleCountRow.exit_port.in_(ports)] if area else []
        rows = readmodel.vehicle_counts(session, period.start, period.end, filters)
    else:
        v = VehicleExportRow
        where = [_dates_between(v.exit_date, period)]
        if area:
            where.append(v.exit_port.in_(ports))
        # one pass: (month, make, destination) groups (a few thousand at most), added up here
        rows = session.execute(
            select(v.exit_month, v.make, v.destination, func.count())
            .where(*where)
            .group_by(v.exit_month, v.make, v.destination)
        ).all()
    months: dict[str, int] = defaultdict(int)
    makes: dict[str, int] = defaultdict(int)
    destinations: dict[str, int] = defaultdict(int)
    for m, make, dest, n in rows:
        months[m] += int(n)
        makes[make] += int(n)
        destinations[dest] += int(n)
    by_month = dict(sorted(months.items()))
    by_make = dict(sorted(makes.items(), key=lambda kv: (-kv[1], kv[0])))
    by_destination = dict(sorted(destinations.items(), key=lambda kv: (-kv[1], kv[0])))
    return VehicleFigures(period, area, sum(by_month.values()), by_make, by_destination, by_month)


# -- clearance times -----------------------------------------------------------------------------------------
#: (name, from column, to column): lodgement->acceptance, acceptance->risk, risk->release, release->exit
STAGES = readmodel.STAGES


@dataclass(frozen=True, slots=True)
class TimeDistribution:
    key: str  # what the group is (a port, a lane, a stage, a rulebook version, "before", "after")
    count: int
    p50_hours: Decimal | None
    p90_hours: Decimal | None
    mean_hours: Decimal | None


@dataclass(frozen=True, slots=True)
class ClearanceFigures:
    """Clearance time: from lodgement (or the goods' arrival, when later) to release, of the declarations
    released in the period. ``before``/``after`` split them at the rulebook change: the declarations risk
    assessed under the earliest-published rulebook used in the period against those under the latest one."""

    period: Period
    area: str | None
    overall: TimeDistribution
    by_port: list[TimeDistribution]
    by_lane: list[TimeDistribution]
    by_stage: list[TimeDistribution]
    by_rulebook: list[TimeDistribution]  # in order of publication
    before: TimeDistribution | None
    after: TimeDistribution | None
    before_rulebook: str | None = None
    after_rulebook: str | None = None
    histogram_before: list[tuple[int, int]] = field(default_factory=list)  # (hour bucket, count)
    histogram_after: list[tuple[int, int]] = field(default_factory=list)


def distribution(key: str, seconds: Sequence[int]) -> TimeDistribution:
    """Count, p50, p90 and mean (hours) of durations in seconds."""
    mean = None
    if seconds:
        mean = (Decimal(sum(seconds)) / Decimal(len(seconds)) / Decimal(3600)).quantize(stats.HOURS)
    return TimeDistribution(
        key,
        len(seconds),
        stats.hours(stats.nearest_rank(seconds, 50)),
        stats.hours(stats.nearest_rank(seconds, 90)),
        mean,
    )


def minute_distribution(key: str, minutes: Mapping[int, int]) -> TimeDistribution:
    """Count, p50, p90 and mean (hours) of durations in whole minutes, given as minutes -> how many."""
    n = sum(minutes.values())
    mean = None
    if n:
        total = sum(m * c for m, c in minutes.items())
        mean = (Decimal(total) / Decimal(n) / Decimal(60)).quantize(stats.HOURS)

    def as_hours(m: int | None) -> Decimal | None:
        return None if m is None else stats.hours(m * 60)

    return TimeDistribution(
        key,
        n,
        as_hours(stats.nearest_rank_counted(minutes, 50)),
        as_hours(stats.nearest_rank_counted(minutes, 90)),
        mean,
    )


def histogram(minutes: Mapping[int, int], buckets: int = 12) -> list[tuple[int, int]]:
    """Counts per whole hour (0 = under one hour ...), the last bucket holding everything longer."""
    counts = [0] * buckets
    for m, c in minutes.items():
        counts[min(max(m, 0) // 60, buckets - 1)] += c
    return list(enumerate(counts))


def _add(into: dict[int, int], minutes: int, count: int) -> None:
    into[minutes] = into.get(minutes, 0) + count


def _clearance_direct(
    session: Session, period: Period, area: str | None, office: str | None, stages: bool
) -> tuple[list[tuple[str, str, str, int, int]], dict[str, dict[int, int]]]:
    """The clearance read model's rows computed straight from the declarations: (office, lane, rulebook,
    minutes, count) of the clearance times, and stage -> minutes -> count."""
    d = DeclarationRow
    start = case((and_(d.arrival_at.is_not(None), d.arrival_at > d.lodgement_at), d.arrival_at), else_=d.lodgement_at)
    where = [d.release_at.is_not(None), d.lodgement_at.is_not(None), _between(d.release_at, period)]
    if area:
        where.append(d.office_code.in_(_offices_of(area)))
    if office:
        where.append(d.office_code == office)
    # durations in whole minutes, grouped in the database: the rows returned are (group, minutes, count)
    total = _minutes(session, d.release_at, start)
    rows = session.execute(
        select(
            d.office_code,
            func.coalesce(d.lane, literal("none")),
            func.coalesce(d.rulebook_version, literal("none")),
            total,
            func.count(),
        )
        .where(*where)
        .group_by(d.office_code, d.lane, d.rulebook_version, total)
    ).all()
    by_stage: dict[str, dict[int, int]] = {}
    for name, a, b in STAGES if stages else ():
        ca, cb = getattr(d, a), getattr(d, b)
        stage = _minutes(session, cb, ca)
        counted = session.execute(
            select(stage, func.count()).where(*where, ca.is_not(None), cb.is_not(None)).group_by(stage)
        ).all()
        by_stage[name] = {int(m): int(n) for m, n in counted}
    return [(str(o), str(la), str(bk), int(m), int(n)) for o, la, bk, m, n in rows], by_stage


def clearance_times(
    session: Session,
    period: Period,
    area: str | None = None,
    office: str | None = None,
    stages: bool = True,
    read_model: bool = True,
) -> ClearanceFigures:
    """``stages=False`` skips the per-stage durations.

    Read from the clearance read model (``analytics_clearance_counts``, caught up first: a few thousand rows
    per month whatever the number of declarations); ``read_model=False`` runs the same figures as grouped
    queries over every released declaration of the period (the definition the read model is tested against).
    """
    if read_model:
        catch_up(session)
        c = ClearanceCountRow
        filters: list[ColumnElement[bool]] = []
        if area:
            filters.append(c.office.in_(_offices_of(area)))
        if office:
            filters.append(c.office == office)
        rows: Sequence[tuple[str, str, str, int, int]] = readmodel.clearance_counts(
            session, period.start, period.end, filters
        )
        by_stage = readmodel.stage_counts(session, period.start, period.end, filters) if stages else {}
    else:
        rows, by_stage = _clearance_direct(session, period, area, office, stages)
    by_port: dict[str, dict[int, int]] = defaultdict(dict)
    by_lane: dict[str, dict[int, int]] = defaultdict(dict)
    by_book: dict[str, dict[int, int]] = defaultdict(dict)
    everything: dict[int, int] = {}
    for port, lane, book, minutes, n in rows:
        m, k = int(minutes), int(n)
        _add(everything, m, k)
        _add(by_port[port], m, k)
        _add(by_lane[lane], m, k)
        _add(by_book[book], m, k)
    stage_rows = [minute_distribution(name, by_stage.get(name, {})) for name, _, _ in STAGES] if stages else []
    published: dict[str, datetime] = {}
    books = select(RulebookRow.version, RulebookRow.published_at).where(RulebookRow.version.in_(by_book))
    for row in session.execute(books):
        published[row.version] = row.published_at
    far = "9999"
    order = sorted(by_book, key=lambda v: (published[v].replace(tzinfo=None).isoformat() if v in published else far, v))
    used = [v for v in order if v in published]
    before = minute_distribution("before", by_book[used[0]]) if len(used) > 1 else None
    after = minute_distribution("after", by_book[used[-1]]) if len(used) > 1 else None
    return ClearanceFigures(
        period,
        area,
        minute_distribution("all", everything),
        [minute_distribution(k, v) for k, v in sorted(by_port.items())],
        [minute_distribution(k, v) for k, v in sorted(by_lane.items())],
        stage_rows,
        [minute_distribution(k, by_book[k]) for k in order],
        before,
        after,
        used[0] if before else None,
        used[-1] if after else None,
        histogram(by_book[used[0]]) if before else [],
        histogram(by_book[used[-1]]) if after else [],
    )


# -- delivery time ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CorridorCompliance:
    corridor: str
    finished: int  # delivery clocks that finished in the period
    on_time: int
    breached: int
    share_on_time_pct: Decimal | None
    p50_hours: Decimal | None  # clock start to finish
    p90_hours: Decimal | None


def delivery_compliance(
    session: Session, period: Period, corridor: str | None = None, in_database: bool = True
) -> list[CorridorCompliance]:
    """Per corridor: the consignments whose delivery clock finished in the period, how many on time, and
    the clock's duration (start to finish).

    The percentiles are ranked in the database (a window over the covering index of migration 0013: two
    rows per corridor come back instead of every consignment); ``in_database=False`` fetches every duration
    and ranks them here (the definition the ranked query is tested against)."""
    c = ConsignmentRow
    where = [c.corridor.is_not(None), c.clock_finished_at.is_not(None), _between(c.clock_finished_at, period)]
    if corridor:
        where.append(c.corridor == corridor)
    if in_database:
        return _delivery_ranked(session, where)
    rows = session.execute(
        select(
            c.corridor,
            c.clock_status,
            case(
                (c.clock_started_at.is_(None), None), else_=_seconds(session, c.clock_finished_at, c.clock_started_at)
            ),
        ).where(*where)
    ).all()
    groups: dict[str, list[tuple[str | None, int | None]]] = defaultdict(list)
    for name, status, secs in rows:
        groups[name].append((status, None if secs is None else int(secs)))
    out = []
    for name, items in sorted(groups.items()):
        on_time = sum(1 for s, _ in items if s == "on_time")
        breached = sum(1 for s, _ in items if s == "breached")
        durations = [x for _, x in items if x is not None]
        out.append(
            CorridorCompliance(
                name,
                len(items),
                on_time,
                breached,
                stats.share_pct(Decimal(on_time), Decimal(len(items))),
                stats.hours(stats.nearest_rank(durations, 50)),
                stats.hours(stats.nearest_rank(durations, 90)),
            )
        )
    return out


def _delivery_ranked(session: Session, where: Sequence[ColumnElement[bool]]) -> list[CorridorCompliance]:
    c = ConsignmentRow
    totals = session.execute(
        select(
            c.corridor,
            func.count(),
            func.coalesce(func.sum(case((c.clock_status == "on_time", 1), else_=0)), 0),
            func.coalesce(func.sum(case((c.clock_status == "breached", 1), else_=0)), 0),
        )
        .where(*where)
        .group_by(c.corridor)
    ).all()
    durations = (
        select(c.corridor.label("corridor"), _seconds(session, c.clock_finished_at, c.clock_started_at).label("secs"))
        .where(*where, c.clock_started_at.is_not(None))
        .subquery()
    )
    ranked = select(
        durations.c.corridor,
        durations.c.secs,
        func.row_number().over(partition_by=durations.c.corridor, order_by=durations.c.secs).label("rn"),
        func.count().over(partition_by=durations.c.corridor).label("n"),
    ).subquery()
    rank50 = (50 * ranked.c.n + 99) // 100  # nearest rank: ceil(p * n / 100), at least 1 since n >= 1
    rank90 = (90 * ranked.c.n + 99) // 100
    picked: dict[str, dict[str, int]] = defaultdict(dict)
    for name, secs, rn, n50, n90 in session.execute(
        select(ranked.c.corridor, ranked.c.secs, ranked.c.rn, rank50, rank90).where(
            or_(ranked.c.rn == rank50, ranked.c.rn == rank90)
        )
    ).all():
        if rn == n50:
            picked[name]["p50"] = int(secs)
        if rn == n90:
            picked[name]["p90"] = int(secs)
    out = []
    for name, finished, on_time, breached in sorted(totals, key=lambda r: str(r[0])):
        p = picked.get(name, {})
        out.append(
            CorridorCompliance(
                name,
                int(finished),
                int(on_time),
                int(breached),
                stats.share_pct(Decimal(int(on_time)), Decimal(int(finished))),
                stats.hours(p.get("p50")),
                stats.hours(p.get("p90")),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class TirDeliveries:
    period: Period
    partner: str
    delivered: int  # transports with a warehouse-to-warehouse time, created in the period
    within_48h: int
    within_72h: int
    share_within_72h_pct: Decimal | None
    p50_hours: Decimal | None
    p90_hours: Decimal | None


def tir_deliveries(session: Session, period: Period, partner: str = "KG") -> TirDeliveries:
    """TIR transports to or from ``partner`` (an operation in that country) and their warehouse-to-warehouse
    times."""
    t = TransportRow
    rows = session.scalars(
        select(t.w2w_seconds).where(
            t.w2w_seconds.is_not(None),
            _between(t.created_at, period),
            t.id.in_(select(OperationRow.transport_id).where(OperationRow.country == partner)),
        )
    ).all()
    secs = [int(s) for s in rows if s is not None]
    within_72 = sum(1 for s in secs if s <= 72 * 3600)
    return TirDeliveries(
        period,
        partner,
        len(secs),
        sum(1 for s in secs if s <= 48 * 3600),
        within_72,
        stats.share_pct(Decimal(within_72), Decimal(len(secs))),
        stats.hours(stats.nearest_rank(secs, 50)),
        stats.hours(stats.nearest_rank(secs, 90)),
    )


# -- bonded ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BondedFigures:
    period: Period
    lots_in_bond: int  # lots with a positive balance on a holding account (stock, work order), now
    stock_value: dict[str, Decimal]  # currency -> value of the bonded quantity in stock, now
    uplifts: int  # bonded fuel uplifts in the period
    fuel_litres: Decimal
    fuel_duty_suspended_cny: Decimal


def bonded(session: Session, period: Period) -> BondedFigures:
    """Stock in bond now (value pro rata of the quantity still held) and fuel uplifted in bond in the period
    with the duty it did not pay."""
    holding = ("stock", "work_order")
    rows = session.execute(
        select(
            BondedLotRow.id, BondedLotRow.currency, BondedLotRow.value, BondedLotRow.quantity, BondedBalanceRow.quantity
        )
        .join(BondedBalanceRow, BondedBalanceRow.lot_id == BondedLotRow.id)
        .join(BondedAccountRow, BondedAccountRow.id == BondedBalanceRow.account_id)
        .where(BondedAccountRow.kind.in_(holding), BondedBalanceRow.quantity > 0, BondedLotRow.status == "bonded")
    ).all()
    lots: set[str] = set()
    value: dict[str, Decimal] = defaultdict(Decimal)
    for lot_id, currency, lot_value, lot_qty, held in rows:
        lots.add(lot_id)
        value[currency] += (_dec(lot_value) * _dec(held) / _dec(lot_qty)).quantize(Decimal("0.01"))
    u = BondedUpliftRow
    n, litres, duty = session.execute(
        select(func.count(), func.sum(u.quantity), func.sum(u.duty)).where(_between(u.at, period))
    ).one()
    return BondedFigures(period, len(lots), dict(sorted(value.items())), int(n), _dec(litres), _dec(duty))


# -- legal cases --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LegalFigures:
    period: Period
    available: bool
    litigation_cases: int
    disputes_resolved: int
    by_kind: dict[str, int]


def legal_cases(session: Session, period: Period) -> LegalFigures:
    """Cases of the legal service desk opened in the period (litigation) and disputes resolved in it."""
    from silkport.analytics import legal

    return legal.figures(session, period)
