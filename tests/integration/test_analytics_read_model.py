"""The clearance read model gives exactly the figures of the direct per-declaration query, however the
declarations' histories arrive (all at once, in pieces between queries, amended after release, exited later),
on SQLite and PostgreSQL (the suite runs on PostgreSQL with SILKPORT_DATABASE_URL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from silkport.analytics import indicators as ind
from silkport.analytics.facts import ClearanceCountRow, ClearanceEntryRow, DeclarationCountriesRow, ReadModelStateRow
from silkport.analytics.indicators import Period
from silkport.analytics.readmodel import catch_up, rebuild
from silkport.bootstrap import Platform
from silkport.clearance.adapters.orm import DeclarationRow, DeclarationVersionRow, RulebookRow, StatusHistoryRow
from silkport.infra.audit import AuditEntryRow
from tests.analytics_rows import Rows, utc
from tests.integration.test_analytics_indicators import record_amendment

OFFICES = ("HRS-ROAD", "HRS-RAIL", "KSS-TIR", "URC-AIR")
#: a window across two month ends: periods cut it in whole months and loose days
T0 = utc(2025, 1, 25)
WINDOW_DAYS = 40
#: minutes after T0 around local midnights (18:00 UTC) that start or end a month: Feb 1, Mar 1
EDGES = [
    int((utc(2025, m, d, 18) - T0).total_seconds() // 60) + k
    for m, d in ((1, 31), (2, 28), (1, 30), (3, 1))
    for k in (-61, -1, 0, 1, 59)
]


def wipe(platform: Platform) -> None:
    with platform.engine.begin() as conn:
        for row in (
            ClearanceCountRow,
            ClearanceEntryRow,
            ReadModelStateRow,
            DeclarationCountriesRow,
            StatusHistoryRow,
            DeclarationVersionRow,
            DeclarationRow,
            RulebookRow,
            AuditEntryRow,
        ):
            conn.execute(delete(row))


@dataclass(frozen=True)
class Spec:
    office: str
    lane: str | None
    rulebook: str | None
    lodged_min: int  # minutes after T0 (whole and odd instants: seconds below)
    lodged_sec: int
    released_after_s: int | None  # seconds after lodgement; None = not released
    arrival_after_s: int | None
    accepted_after_s: int | None
    risk_after_s: int | None
    exit_after_s: int | None  # seconds after release


specs = st.builds(
    Spec,
    office=st.sampled_from(OFFICES),
    lane=st.sampled_from(("green", "yellow", "red", None)),
    rulebook=st.sampled_from(("manual-1", "smart-2", None)),
    lodged_min=st.one_of(st.integers(0, WINDOW_DAYS * 1440), st.sampled_from(EDGES)),
    lodged_sec=st.sampled_from((0, 29, 30, 31, 59)),
    released_after_s=st.one_of(st.none(), st.integers(0, 12 * 3600), st.sampled_from((29, 30, 89, 90, 3630))),
    arrival_after_s=st.one_of(st.none(), st.integers(-3600, 4 * 3600)),
    accepted_after_s=st.one_of(st.none(), st.integers(0, 1800)),
    risk_after_s=st.one_of(st.none(), st.integers(0, 3600)),
    exit_after_s=st.one_of(st.none(), st.integers(0, 6 * 3600)),
)

_days = st.one_of(
    st.dates(T0.date() - timedelta(days=3), T0.date() + timedelta(days=WINDOW_DAYS + 3)),
    st.sampled_from([date(2025, 1, 31), date(2025, 2, 1), date(2025, 2, 28), date(2025, 3, 1), date(2025, 3, 2)]),
)
periods = st.tuples(_days, _days).map(lambda t: Period(min(t), max(t)))


def add(session: Session, rows: Rows, spec: Spec) -> str:
    lodged = T0 + timedelta(minutes=spec.lodged_min, seconds=spec.lodged_sec)
    released = None if spec.released_after_s is None else lodged + timedelta(seconds=spec.released_after_s)
    stages: dict[str, datetime] = {}
    if spec.accepted_after_s is not None:
        stages["acceptance"] = lodged + timedelta(seconds=spec.accepted_after_s)
        if spec.risk_after_s is not None:
            stages["risk_assessment"] = stages["acceptance"] + timedelta(seconds=spec.risk_after_s)
    if released is not None and spec.exit_after_s is not None:
        stages["exit"] = released + timedelta(seconds=spec.exit_after_s)
    arrived = None if spec.arrival_after_s is None else lodged + timedelta(seconds=spec.arrival_after_s)
    return rows.declaration(
        office=spec.office,
        lane=spec.lane,
        rulebook=spec.rulebook,
        lodged=lodged,
        released=released,
        arrived=arrived,
        stages=stages,
    )


def rulebooks(rows: Rows) -> None:
    rows.rulebook("manual-1", utc(2024, 1, 1))
    rows.rulebook("smart-2", utc(2025, 2, 1))


def same(session: Session, period: Period) -> None:
    """Every filter the dashboard uses: the read model's figures equal the direct query's."""
    for area, office in ((None, None), ("HORGOS", None), ("KASHGAR", None), (None, "HRS-RAIL")):
        model = ind.clearance_times(session, period, area, office)
        direct = ind.clearance_times(session, period, area, office, read_model=False)
        assert model == direct, (period, area, office)


HYPOTHESIS = settings(
    max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@HYPOTHESIS
@given(declarations=st.lists(specs, max_size=25), checked=st.lists(periods, min_size=1, max_size=3))
def test_read_model_percentiles_equal_the_direct_query(
    platform: Platform, declarations: list[Spec], checked: list[Period]
) -> None:
    wipe(platform)
    with platform.session_factory() as s:
        rows = Rows(s)
        rulebooks(rows)
        for spec in declarations:
            add(s, rows, spec)
        s.commit()
    with platform.read_sessions()() as s:
        for period in checked:
            same(s, period)


@dataclass(frozen=True)
class Amend:
    which: int  # index among the declarations added so far
    office: str


@dataclass(frozen=True)
class Exit:
    which: int
    after_s: int


events = st.one_of(
    specs,
    st.builds(Amend, which=st.integers(0, 100), office=st.sampled_from(OFFICES)),
    st.builds(Exit, which=st.integers(0, 100), after_s=st.integers(0, 6 * 3600)),
)


@HYPOTHESIS
@given(batches=st.lists(st.lists(events, min_size=1, max_size=8), min_size=1, max_size=5), period=periods)
def test_data_arriving_between_queries_is_counted_by_the_next_one(
    platform: Platform, batches: list[list[Spec | Amend | Exit]], period: Period
) -> None:
    """Histories arrive in batches between queries: new declarations, amendments that move a released
    declaration to another office, exits after release. After each batch the next query counts it."""
    wipe(platform)
    ids: list[str] = []
    with platform.session_factory() as s:
        rows = Rows(s)
        rulebooks(rows)
        s.commit()
    for batch in batches:
        with platform.session_factory() as s:
            rows.s = s
            for event in batch:
                if isinstance(event, Spec):
                    ids.append(add(s, rows, event))
                    continue
                if not ids:
                    continue
                did = ids[event.which % len(ids)]
                if isinstance(event, Amend):
                    s.execute(update(DeclarationRow).where(DeclarationRow.id == did).values(office_code=event.office))
                    record_amendment(s, platform, did)
                else:
                    row = s.get(DeclarationRow, did)
                    assert row is not None
                    if row.release_at is None or row.exit_at is not None:
                        continue
                    exited = row.release_at + timedelta(seconds=event.after_s)
                    row.exit_at = exited
                    rows.status_change(did, "released", "exited", exited)
            s.commit()
        with platform.read_sessions()() as s:
            same(s, period)
    # the counts caught up in pieces are the counts built in one go
    with platform.session_factory() as s:
        pieces = counts(s)
        rebuild(s)
        assert counts(s) == pieces


def counts(session: Session) -> dict[tuple[str, str, date, str, str, str, int], int]:
    c = ClearanceCountRow
    rows = session.execute(select(c.grain, c.stage, c.start, c.office, c.lane, c.rulebook, c.minutes, c.count))
    return {tuple(r[:7]): int(r[7]) for r in rows if r[7] != 0}  # type: ignore[misc]


def test_a_release_after_a_query_is_counted_by_the_next_query(platform: Platform) -> None:
    period = Period(date(2025, 3, 1), date(2025, 3, 31))
    with platform.session_factory() as s:
        rows = Rows(s)
        rulebooks(rows)
        first = rows.declaration(lodged=utc(2025, 3, 2, 4), released=utc(2025, 3, 2, 6))
        s.commit()
    with platform.read_sessions()() as s:
        c = ind.clearance_times(s, period)
        assert (c.overall.count, c.overall.p50_hours) == (1, 2)
        assert catch_up(s).declarations_recounted == 0  # nothing new
    with platform.session_factory() as s:
        rows.s = s
        # a new declaration released in the period, and the first one leaves an hour after release
        rows.declaration(lodged=utc(2025, 3, 3, 4), released=utc(2025, 3, 3, 4, 30))
        s.execute(update(DeclarationRow).where(DeclarationRow.id == first).values(exit_at=utc(2025, 3, 2, 7)))
        rows.status_change(first, "released", "exited", utc(2025, 3, 2, 7))
        s.commit()
    with platform.read_sessions()() as s:
        c = ind.clearance_times(s, period)
        assert c.overall.count == 2
        assert {d.key: d.count for d in c.by_stage}["release_to_exit"] == 1
        assert c == ind.clearance_times(s, period, read_model=False)
    with platform.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(ClearanceEntryRow)) == 2
        # the watermark is the last status change and audit entry taken in
        state = s.get(ReadModelStateRow, "declarations")
        assert state is not None
        assert state.status_change_id == s.scalar(select(func.max(StatusHistoryRow.id)))


def test_an_amendment_after_release_moves_the_declaration_to_its_new_office(platform: Platform) -> None:
    period = Period(date(2025, 3, 1), date(2025, 3, 31))
    with platform.session_factory() as s:
        rows = Rows(s)
        did = rows.declaration(office="HRS-ROAD", lodged=utc(2025, 3, 2, 4), released=utc(2025, 3, 2, 5))
        s.commit()
    with platform.read_sessions()() as s:
        assert [p.key for p in ind.clearance_times(s, period).by_port] == ["HRS-ROAD"]
    with platform.session_factory() as s:
        s.execute(update(DeclarationRow).where(DeclarationRow.id == did).values(office_code="KSS-TIR"))
        record_amendment(s, platform, did)
        s.commit()
    with platform.read_sessions()() as s:
        c = ind.clearance_times(s, period)
        assert [(p.key, p.count) for p in c.by_port] == [("KSS-TIR", 1)]
        assert ind.clearance_times(s, period, "HORGOS").overall.count == 0
        assert ind.clearance_times(s, period, "KASHGAR").overall.count == 1


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2025, 1, 1), date(2025, 9, 30)),
        (date(2025, 1, 15), date(2025, 2, 10)),
        (date(2023, 11, 1), date(2026, 11, 29)),
        (date(2024, 12, 31), date(2025, 1, 31)),
    ],
)
def test_empty_read_model_answers_zero(platform: Platform, start: date, end: date) -> None:
    with platform.read_sessions()() as s:
        c = ind.clearance_times(s, Period(start, end))
        assert c.overall.count == 0 and c.by_port == [] and c.before is None


# -- trade, partners and vehicles from their read models; delivery percentiles ranked in the database -------
def quantized(value: object) -> object:
    """Money to the fen: SQLite sums customs values as floats in the direct query (the read model counts
    whole fen), so the two are compared to the fen."""
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    if isinstance(value, dict):
        return {k: quantized(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [quantized(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return quantized({f: getattr(value, f) for f in value.__dataclass_fields__})
    return value


@dataclass(frozen=True)
class Trade:
    kind: str
    office: str
    partner: str
    fen: int | None
    lodged_min: int
    released_after_min: int | None


trades = st.builds(
    Trade,
    kind=st.sampled_from(("import", "export", "transit")),
    office=st.sampled_from(OFFICES),
    partner=st.sampled_from(("KG", "KZ", "UZ")),
    fen=st.one_of(st.none(), st.integers(0, 10**11)),
    lodged_min=st.one_of(st.integers(0, WINDOW_DAYS * 1440), st.sampled_from(EDGES)),
    released_after_min=st.one_of(st.none(), st.integers(0, 600)),
)


@dataclass(frozen=True)
class Amendment:
    which: int
    office: str
    partner: str
    fen: int


amendments = st.builds(
    Amendment,
    which=st.integers(0, 100),
    office=st.sampled_from(OFFICES),
    partner=st.sampled_from(("KG", "TJ")),
    fen=st.integers(0, 10**9),
)


def add_trade(rows: Rows, t: Trade) -> str:
    lodged = T0 + timedelta(minutes=t.lodged_min)
    released = None if t.released_after_min is None else lodged + timedelta(minutes=t.released_after_min)
    value = None if t.fen is None else str(Decimal(t.fen).scaleb(-2))
    return rows.declaration(
        kind=t.kind, office=t.office, partner=t.partner, value=value, lodged=lodged, released=released
    )


def amend(session: Session, platform: Platform, did: str, a: Amendment) -> None:
    row = session.get(DeclarationRow, did)
    assert row is not None
    version = row.version + 1
    content = {
        "dispatch_country": a.partner if row.type == "import" else "CN",
        "destination_country": "CN" if row.type == "import" else a.partner,
    }
    session.add(
        DeclarationVersionRow(declaration_id=did, version=version, content=content, at=row.lodgement_at, actor="t")
    )
    session.flush()
    row.version = version
    row.office_code = a.office
    row.customs_value_cny = Decimal(a.fen).scaleb(-2)
    record_amendment(session, platform, did)


def same_trade(session: Session, period: Period) -> None:
    for area in (None, "HORGOS", "KASHGAR"):
        model = ind.foreign_trade(session, period, area)
        direct = ind.foreign_trade(session, period, area, read_model=False)
        assert quantized(model) == quantized(direct), (period, area)
        for partner in (None, "KG"):
            model_p = ind.bilateral_trade(session, period, area, partner)
            direct_p = ind.bilateral_trade(session, period, area, partner, read_model=False)
            assert quantized(model_p) == quantized(direct_p), (period, area, partner)


@HYPOTHESIS
@given(
    batches=st.lists(st.lists(st.one_of(trades, amendments), min_size=1, max_size=8), min_size=1, max_size=4),
    period=periods,
)
def test_trade_read_model_equals_the_direct_sums_as_declarations_arrive_and_are_amended(
    platform: Platform, batches: list[list[Trade | Amendment]], period: Period
) -> None:
    wipe(platform)
    ids: list[str] = []
    with platform.session_factory() as s:
        rows = Rows(s)
    for batch in batches:
        with platform.session_factory() as s:
            rows.s = s
            for event in batch:
                if isinstance(event, Trade):
                    ids.append(add_trade(rows, event))
                elif ids:
                    amend(s, platform, ids[event.which % len(ids)], event)
            s.commit()
        with platform.read_sessions()() as s:
            same_trade(s, period)


vehicles = st.lists(
    st.tuples(
        st.dates(date(2025, 1, 20), date(2025, 3, 10)),
        st.sampled_from(("FAW", "Sinotruk")),
        st.sampled_from(("KZ", "UZ")),
        st.sampled_from(("CNHRS", "CNKSS")),
    ),
    max_size=15,
)


@HYPOTHESIS
@given(batches=st.lists(vehicles, min_size=1, max_size=3), period=periods)
def test_vehicle_counts_equal_the_direct_count_as_exports_are_registered(
    platform: Platform, batches: list[list[tuple[date, str, str, str]]], period: Period
) -> None:
    """Each batch is registered as the freight service does it (rows and their audit entries)."""
    from silkport.infra.audit import SqlAuditTrail
    from silkport.logistics.adapters.modes_orm import VehicleExportRow
    from silkport.shared.actor import SYSTEM

    wipe(platform)
    with platform.engine.begin() as conn:
        conn.execute(delete(VehicleExportRow))
    with platform.session_factory() as s:
        rows = Rows(s)
    for batch in batches:
        with platform.session_factory() as s:
            rows.s = s
            trail = SqlAuditTrail(s, platform.clock)
            for day, make, destination, port in batch:
                vid = rows.vehicle(day, make, destination, port)
                trail.record(
                    actor=SYSTEM,
                    action="vehicle_export.registered",
                    object_type="vehicle_export",
                    object_id=vid,
                    before=None,
                    after=None,
                )
            s.flush()
            trail.seal()
            s.commit()
        with platform.read_sessions()() as s:
            for area in (None, "HORGOS", "KASHGAR"):
                assert ind.vehicle_exports(s, period, area) == ind.vehicle_exports(s, period, area, read_model=False)


consignments = st.lists(
    st.tuples(
        st.sampled_from(("KSS-KG", "HRS-ALA", "URC-AIR")),
        st.sampled_from(("on_time", "breached")),
        st.integers(0, WINDOW_DAYS * 1440),
        st.one_of(st.integers(0, 100 * 3600), st.sampled_from((0, 1, 3600, 3600))),
    ),
    max_size=30,
)


@HYPOTHESIS
@given(items=consignments, period=periods)
def test_delivery_percentiles_ranked_in_the_database_equal_the_ranking_in_python(
    platform: Platform, items: list[tuple[str, str, int, int]], period: Period
) -> None:
    from silkport.logistics.adapters.orm import ConsignmentRow

    with platform.engine.begin() as conn:
        conn.execute(delete(ConsignmentRow))
    with platform.session_factory() as s:
        rows = Rows(s)
        for corridor, status, start_min, seconds in items:
            started = T0 + timedelta(minutes=start_min)
            rows.consignment(corridor, status, started, started + timedelta(seconds=seconds))
        s.commit()
    with platform.read_sessions()() as s:
        for corridor in (None, "KSS-KG"):
            ranked = ind.delivery_compliance(s, period, corridor)
            assert ranked == ind.delivery_compliance(s, period, corridor, in_database=False)


def test_concurrent_releases_and_catch_ups_count_each_declaration_once(platform: Platform) -> None:
    """Writers release declarations while readers query (each query catches up): on PostgreSQL status change
    ids are handed out before commit, so without the lock a catch-up could pass an id still uncommitted."""
    import threading

    errors: list[BaseException] = []
    period = Period(date(2025, 3, 1), date(2025, 3, 31))

    def writer(k: int) -> None:
        try:
            for i in range(8):
                with platform.session_factory() as s:
                    rows = Rows(s)
                    rows.n = 1000 * (k + 1) + 10 * i
                    lodged = utc(2025, 3, 1 + k, 4, i)
                    rows.declaration(lodged=lodged, released=lodged + timedelta(minutes=7 * i + k))
                    s.commit()
        except BaseException as exc:
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(8):
                with platform.read_sessions()() as s:
                    ind.clearance_times(s, period, stages=False)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with platform.read_sessions()() as s:
        model = ind.clearance_times(s, period)
        assert model.overall.count == 24
        assert model == ind.clearance_times(s, period, read_model=False)
    with platform.session_factory() as s:
        pieces = counts(s)
        rebuild(s)
        assert counts(s) == pieces
