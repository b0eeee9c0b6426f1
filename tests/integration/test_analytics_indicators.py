"""The zone's indicators as queries on the store: exact figures for known rows, on SQLite and PostgreSQL
(the suite runs on PostgreSQL with SILKPORT_DATABASE_URL; the last test compares both databases directly)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlalchemy.orm import Session

from silkport.analytics import indicators as ind
from silkport.analytics.claims import compute_claims
from silkport.analytics.indicators import Period
from silkport.bootstrap import Platform
from silkport.shared.errors import ValidationFailed
from tests.analytics_rows import Rows, utc

JAN_SEP = Period(date(2025, 1, 1), date(2025, 9, 30))


def fill(session: Session) -> None:
    """A small zone whose figures are worked out by hand in the tests below."""
    r = Rows(session)
    # enterprises: 3 in the period (one foreign, one with two sectors), 1 before it
    r.enterprise(date(2025, 1, 1), "HORGOS", ("trade",))
    r.enterprise(date(2025, 3, 15), "KASHGAR", ("trade", "logistics"), foreign=True)
    r.enterprise(date(2025, 9, 30), "URUMQI", ("aviation",))
    r.enterprise(date(2024, 12, 31), "URUMQI", ("aviation",))
    # rulebooks: manual first, smart port later
    r.rulebook("manual-1", utc(2024, 1, 1))
    r.rulebook("smart-2", utc(2025, 5, 1))
    # Horgos road: before (3 h, 2 h, 4 h from lodgement) and after (1 h, 0.5 h) the switch
    for h, book, month in ((3, "manual-1", 2), (2, "manual-1", 3), (4, "manual-1", 4), (1, "smart-2", 6)):
        lodged = utc(2025, month, 10, 4)
        r.declaration(lodged=lodged, released=lodged + timedelta(hours=h), rulebook=book, value="1000.00")
    # one with its stages stamped: accepted after 10 min, risk assessed 5 min later, exited 2 h after release
    lodged = utc(2025, 6, 20, 4)
    stamps = {
        "acceptance": lodged + timedelta(minutes=10),
        "risk_assessment": lodged + timedelta(minutes=15),
        "exit": lodged + timedelta(hours=3),
    }
    r.declaration(lodged=lodged, released=lodged + timedelta(hours=1), rulebook="smart-2", value="0", stages=stamps)
    # goods arriving after lodgement: the clock starts at arrival (30 min to release)
    lodged = utc(2025, 7, 1, 2)
    r.declaration(
        lodged=lodged,
        arrived=lodged + timedelta(hours=5),
        released=lodged + timedelta(hours=5, minutes=30),
        rulebook="smart-2",
        kind="export",
        value="500.50",
        lane="yellow",
    )
    # Kashgar: trade with Kyrgyzstan (import 2000, export 3000) and Kazakhstan (import 700)
    r.declaration(office="KSS-TIR", partner="KG", lodged=utc(2025, 2, 1), released=utc(2025, 2, 1, 6), value="2000")
    r.declaration(
        office="KSS-TIR", kind="export", partner="KG", lodged=utc(2025, 3, 1), released=utc(2025, 3, 1, 2), value="3000"
    )
    r.declaration(office="KSS-TIR", partner="KZ", lodged=utc(2025, 3, 1), released=utc(2025, 3, 1, 1), value="700")
    # not counted: released after the period (local date 2025-10-01 06:30 at UTC+6), a transit, not released
    r.declaration(lodged=utc(2025, 9, 30, 18), released=utc(2025, 9, 30, 18, 30), value="99999")
    r.declaration(kind="transit", lodged=utc(2025, 5, 1), released=utc(2025, 5, 1, 1), value="88888")
    r.declaration(lodged=utc(2025, 5, 1), value="77777")
    # but one released just inside the period's last local day (2025-09-30 23:30 local)
    r.declaration(lodged=utc(2025, 9, 30, 17), released=utc(2025, 9, 30, 17, 30), value="1.00", rulebook="smart-2")
    # air: Jan-Aug 2025 2.5 t + 1.5 t at URC; Jan-Aug 2024 1 t; a Kashgar flight 0.25 t
    r.flight(date(2025, 1, 5), ["1000.000", "1500.000"])
    r.flight(date(2025, 8, 31), ["1500.000"], origin="ALA", destination="URC")
    r.flight(date(2024, 3, 1), ["1000.000"])
    r.flight(date(2025, 4, 1), ["250.000"], origin="KHG", destination="FRU")
    r.flight(date(2025, 9, 1), ["9999.000"])  # after Jan-Aug
    # vehicles
    r.vehicle(date(2025, 1, 31), "FAW", "KZ")
    r.vehicle(date(2025, 2, 1), "FAW", "UZ")
    r.vehicle(date(2025, 2, 2), "Sinotruk", "KZ")
    r.vehicle(date(2025, 2, 3), "Shacman", "KG", port="CNKSS")
    r.vehicle(date(2025, 10, 1), "FAW", "KZ")
    # TIR to Kyrgyzstan: 40 h, 50 h, 70 h, 80 h; one to Kazakhstan; one not delivered yet
    for h in (40, 50, 70, 80):
        r.tir(utc(2025, 4, 1), h)
    r.tir(utc(2025, 4, 1), 10, ("CN", "KZ"))
    r.tir(utc(2025, 4, 1), None)
    # corridors: KSS-KG two on time one breached; HRS-ALA one on time
    r.consignment("KSS-KG", "on_time", utc(2025, 5, 1), utc(2025, 5, 3))
    r.consignment("KSS-KG", "on_time", utc(2025, 5, 1), utc(2025, 5, 2, 12))
    r.consignment("KSS-KG", "breached", utc(2025, 5, 1), utc(2025, 5, 5))
    r.consignment("HRS-ALA", "on_time", utc(2025, 6, 1), utc(2025, 6, 1, 5))
    # bonded: 100 units worth 1000 USD of which 25 held; 10 held of 10 worth 50 EUR; uplifts
    r.bonded_lot("100", "1000.00", "25")
    r.bonded_lot("10", "50.00", "10", "EUR")
    r.uplift(utc(2025, 3, 1), "1000.000", "1234.56")
    r.uplift(utc(2025, 4, 1), "500.000", "617.28")
    r.uplift(utc(2024, 4, 1), "500.000", "617.28")
    session.commit()


@pytest.fixture
def session(platform: Platform) -> Iterator[Session]:
    with platform.session_factory() as s:
        fill(s)
    with platform.read_sessions()() as s:
        yield s


def test_new_enterprises_by_area_sector_and_month(session: Session) -> None:
    e = ind.new_enterprises(session, JAN_SEP)
    assert (e.total, e.foreign_invested) == (3, 1)
    assert e.by_area == {"HORGOS": 1, "KASHGAR": 1, "URUMQI": 1}
    assert e.by_sector == {"trade": 2, "aviation": 1, "logistics": 1}
    assert e.by_month == {"2025-01": 1, "2025-03": 1, "2025-09": 1}
    assert ind.new_enterprises(session, JAN_SEP, "KASHGAR").total == 1


def test_foreign_trade_counts_released_imports_and_exports_of_the_local_period(session: Session) -> None:
    t = ind.foreign_trade(session, JAN_SEP)
    assert t.import_cny == Decimal("4000.00") + Decimal("2700.00") + Decimal("1.00")
    assert t.export_cny == Decimal("3500.50")
    assert t.total_cny == Decimal("10201.50")
    assert t.declarations == 10
    assert t.region_total_estimated is True and t.region_total_cny == Decimal("400600000000")
    assert t.share_of_region_pct == Decimal("0.0")
    horgos = ind.foreign_trade(session, JAN_SEP, "HORGOS")
    assert horgos.total_cny == Decimal("4501.50")
    assert horgos.by_month["2025-02"] == Decimal("1000.00")
    assert sum(horgos.by_month.values()) == horgos.total_cny
    assert ind.foreign_trade(session, Period(date(2025, 2, 1), date(2025, 2, 28))).region_total_cny is None


def test_bilateral_trade_by_partner_country(session: Session) -> None:
    rows = ind.bilateral_trade(session, JAN_SEP, "KASHGAR")
    assert [(p.country, p.import_cny, p.export_cny, p.declarations) for p in rows] == [
        ("KG", Decimal("2000.00"), Decimal("3000.00"), 2),
        ("KZ", Decimal("700.00"), Decimal(0), 1),
    ]
    assert [p.total_cny for p in ind.bilateral_trade(session, JAN_SEP, partner="kg")] == [Decimal("5000.00")]


def test_air_cargo_tonnes_and_year_on_year(session: Session) -> None:
    jan_aug = Period(date(2025, 1, 1), date(2025, 8, 31))
    a = ind.air_cargo(session, jan_aug, "URUMQI")
    assert (a.flights, a.tonnes, a.previous_tonnes, a.change_pct) == (
        2,
        Decimal("4.000"),
        Decimal("1.000"),
        Decimal("300.0"),
    )
    assert a.by_month == {"2025-01": Decimal("2.500"), "2025-08": Decimal("1.500")}
    assert ind.air_cargo(session, jan_aug).tonnes == Decimal("4.250")
    assert ind.air_cargo(session, jan_aug, "HORGOS").tonnes == 0


def test_vehicle_exports_by_make_destination_month_and_area(session: Session) -> None:
    v = ind.vehicle_exports(session, JAN_SEP)
    assert v.total == 4
    assert v.by_make == {"FAW": 2, "Shacman": 1, "Sinotruk": 1}
    assert v.by_destination == {"KZ": 2, "KG": 1, "UZ": 1}
    assert v.by_month == {"2025-01": 1, "2025-02": 3}
    assert ind.vehicle_exports(session, JAN_SEP, "HORGOS").total == 3


def test_clearance_percentiles_before_and_after_the_rulebook_change(session: Session) -> None:
    c = ind.clearance_times(session, JAN_SEP, "HORGOS")
    # in order of publication; the transit declared without a rulebook comes last
    assert [b.key for b in c.by_rulebook] == ["manual-1", "smart-2", "none"]
    assert c.before is not None and c.after is not None
    assert (c.before_rulebook, c.after_rulebook) == ("manual-1", "smart-2")
    assert (c.before.count, c.before.p50_hours, c.before.p90_hours) == (3, Decimal("3.00"), Decimal("4.00"))
    # after: 1 h, 1 h, 0.5 h (from arrival), 0.5 h
    assert (c.after.count, c.after.p50_hours, c.after.p90_hours) == (4, Decimal("0.50"), Decimal("1.00"))
    stages = {d.key: d for d in c.by_stage}
    assert (stages["lodgement_to_acceptance"].count, stages["lodgement_to_acceptance"].p50_hours) == (
        1,
        Decimal("0.17"),
    )
    assert stages["acceptance_to_risk"].p50_hours == Decimal("0.08")
    assert stages["risk_to_release"].p50_hours == Decimal("0.75")
    assert stages["release_to_exit"].p50_hours == Decimal("2.00")
    assert {d.key: d.count for d in c.by_lane} == {"green": 7, "yellow": 1}
    assert c.histogram_before[:5] == [(0, 0), (1, 0), (2, 1), (3, 1), (4, 1)]
    assert sum(n for _, n in c.histogram_after) == 4
    assert c.overall.count == 8


def test_delivery_compliance_and_tir_times(session: Session) -> None:
    rows = {c.corridor: c for c in ind.delivery_compliance(session, JAN_SEP)}
    kg = rows["KSS-KG"]
    assert (kg.finished, kg.on_time, kg.breached, kg.share_on_time_pct) == (3, 2, 1, Decimal("66.7"))
    assert (kg.p50_hours, kg.p90_hours) == (Decimal("48.00"), Decimal("96.00"))
    assert rows["HRS-ALA"].share_on_time_pct == Decimal("100.0")
    t = ind.tir_deliveries(session, JAN_SEP, "KG")
    assert (t.delivered, t.within_48h, t.within_72h, t.share_within_72h_pct) == (4, 1, 3, Decimal("75.0"))
    assert (t.p50_hours, t.p90_hours) == (Decimal("50.00"), Decimal("80.00"))


def test_bonded_stock_and_fuel_duty(session: Session) -> None:
    b = ind.bonded(session, JAN_SEP)
    assert b.lots_in_bond == 2
    assert b.stock_value == {"EUR": Decimal("50.00"), "USD": Decimal("250.00")}
    assert (b.uplifts, b.fuel_litres, b.fuel_duty_suspended_cny) == (2, Decimal("1500.000"), Decimal("1851.84"))


def test_empty_store_gives_zeros_not_errors(platform: Platform) -> None:
    with platform.read_sessions()() as s:
        assert ind.new_enterprises(s, JAN_SEP).total == 0
        assert ind.foreign_trade(s, JAN_SEP).total_cny == 0
        assert ind.air_cargo(s, JAN_SEP).change_pct is None
        assert ind.clearance_times(s, JAN_SEP).overall.p50_hours is None
        assert ind.tir_deliveries(s, JAN_SEP).delivered == 0
        assert ind.bonded(s, JAN_SEP).stock_value == {}
        assert all(r.computed_value is None or r.computed_value == 0 for r in compute_claims(s))


def test_claims_use_their_own_periods_and_areas(session: Session) -> None:
    by_key = {r.key: r for r in compute_claims(session)}
    assert by_key["vehicle_exports"].period == Period(date(2023, 11, 1), date(2025, 9, 30))
    assert by_key["vehicle_exports"].area == "HORGOS" and by_key["vehicle_exports"].computed_value == 3
    assert by_key["kashgar_kyrgyzstan_trade"].computed_value == Decimal("5000.00")
    assert by_key["horgos_clearance_before"].computed_value == Decimal("3.00")
    assert by_key["horgos_clearance_before"].difference_pct == Decimal("0.0")
    assert by_key["horgos_clearance_after"].computed_value == Decimal("0.50")
    assert by_key["horgos_clearance_after"].difference_pct == Decimal("-50.0")
    assert "under rulebook smart-2" in by_key["horgos_clearance_after"].note
    assert by_key["air_cargo_yoy"].computed_value == Decimal("300.0")
    assert by_key["litigation_cases"].computed_value == 0  # no cases at the desk in this store
    overridden = {r.key: r for r in compute_claims(session, period=JAN_SEP, area="KASHGAR")}
    assert overridden["vehicle_exports"].computed_value == 1
    assert overridden["vehicle_exports"].period == JAN_SEP


def test_bad_period_and_area_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        Period(date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(ValidationFailed):
        ind.check_area("LHASA")
    assert ind.check_area(" horgos ") == "HORGOS"


def test_same_figures_on_sqlite_and_postgresql(platform: Platform, pg_platform: Platform) -> None:
    results = []
    for p in (platform, pg_platform):
        with p.session_factory() as s:
            fill(s)
        with p.read_sessions()() as s:
            results.append(
                (
                    ind.new_enterprises(s, JAN_SEP),
                    ind.foreign_trade(s, JAN_SEP),
                    ind.bilateral_trade(s, JAN_SEP),
                    ind.air_cargo(s, JAN_SEP),
                    ind.vehicle_exports(s, JAN_SEP),
                    ind.clearance_times(s, JAN_SEP),
                    ind.delivery_compliance(s, JAN_SEP),
                    ind.tir_deliveries(s, JAN_SEP),
                    ind.bonded(s, JAN_SEP),
                    compute_claims(s),
                )
            )
    assert platform.engine.dialect.name != pg_platform.engine.dialect.name or platform is not pg_platform
    assert results[0] == results[1]


def record_amendment(session: Session, platform: Platform, declaration_id: str) -> None:
    """The audit entry the clearance service records with an amendment (what the read models follow)."""
    from silkport.infra.audit import SqlAuditTrail
    from silkport.shared.actor import SYSTEM

    trail = SqlAuditTrail(session, platform.clock)
    trail.record(
        actor=SYSTEM,
        action="declaration.amended",
        object_type="declaration",
        object_id=declaration_id,
        before=None,
        after=None,
    )
    trail.seal()


def test_partner_read_model_follows_new_declarations_and_amendments(platform: Platform) -> None:
    from sqlalchemy import select, update

    from silkport.analytics.facts import DeclarationCountriesRow, catch_up
    from silkport.clearance.adapters.orm import DeclarationRow, DeclarationVersionRow

    with platform.session_factory() as s:
        fill(s)
    with platform.session_factory() as s:
        assert [p.country for p in ind.bilateral_trade(s, JAN_SEP, "KASHGAR")] == ["KG", "KZ"]
        assert catch_up(s) == 0  # complete: nothing to add
        # a new declaration arrives, and the Kashgar export to KG is amended to go to Uzbekistan
        r = Rows(s)
        r.n = 10_000
        r.declaration(office="KSS-TIR", partner="TJ", lodged=utc(2025, 6, 1), released=utc(2025, 6, 1, 3), value="50")
        export = s.scalar(
            select(DeclarationRow.id).where(DeclarationRow.office_code == "KSS-TIR", DeclarationRow.type == "export")
        )
        s.add(
            DeclarationVersionRow(
                declaration_id=export,
                version=2,
                content={"dispatch_country": "CN", "destination_country": "UZ"},
                at=utc(2025, 3, 2),
                actor="t",
            )
        )
        s.execute(update(DeclarationRow).where(DeclarationRow.id == export).values(version=2))
        record_amendment(s, platform, str(export))
        s.commit()
    with platform.session_factory() as s:
        rows = {p.country: p.total_cny for p in ind.bilateral_trade(s, JAN_SEP, "KASHGAR")}
        assert rows == {
            "KG": Decimal("2000.00"),
            "UZ": Decimal("3000.00"),
            "KZ": Decimal("700.00"),
            "TJ": Decimal("50.00"),
        }
        assert s.scalar(select(func.count()).select_from(DeclarationCountriesRow)) == s.scalar(
            select(func.count()).select_from(DeclarationVersionRow)
        )
