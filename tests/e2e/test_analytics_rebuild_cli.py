"""``silkport analytics rebuild``: rows written around the services (bulk SQL: no status change, no audit entry)
reach the dashboard's figures only after a rebuild, and then equal the direct query; ``--from/--to`` recounts one
period only. Also the dashboard's claims CSV on a scaled demo's data: the same scale columns as ``silkport
report``. Runs on SQLite and on PostgreSQL (SILKPORT_DATABASE_URL)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, update
from typer.testing import CliRunner

from silkport.analytics import indicators as ind
from silkport.analytics.indicators import Period
from silkport.bootstrap import Platform
from silkport.clearance.adapters.orm import DeclarationRow
from silkport.entrypoints.cli.demo_zone import DemoSummary, build_demo
from silkport.entrypoints.cli.main import app
from silkport.entrypoints.cli.report import COLUMNS
from silkport.infra.settings import get_settings
from silkport.logistics.adapters.modes_orm import VehicleExportRow
from silkport.shared.clock import FixedClock
from tests.analytics_rows import Rows, utc
from tests.conftest import Zone
from tests.e2e.test_pages import sign_in
from tests.integration.test_analytics_read_model import wipe

runner = CliRunner()
JAN = Period(date(2025, 1, 1), date(2025, 1, 31))
MAR = Period(date(2025, 3, 1), date(2025, 3, 31))
Q1 = Period(date(2025, 1, 1), date(2025, 3, 31))


@pytest.fixture
def cli_zone(zone: Zone, monkeypatch: pytest.MonkeyPatch) -> Iterator[Zone]:
    """The zone, with the CLI pointed at its database and the analytics' tables empty."""
    wipe(zone.platform)
    with zone.platform.engine.begin() as conn:
        conn.execute(delete(VehicleExportRow))
    monkeypatch.setenv("SILKPORT_DATABASE_URL", zone.platform.settings.database_url)
    get_settings.cache_clear()
    yield zone
    get_settings.cache_clear()


def vehicles_csv(z: Zone, period: Period) -> dict[str, int]:
    r = z.client.get(f"/dashboard/csv/vehicles-by-month?from={period.start}&to={period.end}")
    assert r.status_code == 200, r.text
    return {month: int(n) for month, n in list(csv.reader(io.StringIO(r.text)))[1:]}


def trade_csv(z: Zone, period: Period) -> dict[str, Decimal]:
    r = z.client.get(f"/dashboard/csv/trade-by-month?from={period.start}&to={period.end}")
    assert r.status_code == 200, r.text
    return {month: Decimal(v) for month, v in list(csv.reader(io.StringIO(r.text)))[1:]}


def direct(platform: Platform, period: Period) -> tuple[dict[str, int], dict[str, Decimal]]:
    """The figures counted from the rows themselves (no read model)."""
    with platform.read_sessions()() as s:
        vehicles = ind.vehicle_exports(s, period, read_model=False).by_month
        trade = ind.foreign_trade(s, period, read_model=False).by_month
    return dict(vehicles), {k: Decimal(v) for k, v in trade.items()}


def shown(z: Zone, period: Period) -> tuple[dict[str, int], dict[str, Decimal]]:
    return vehicles_csv(z, period), trade_csv(z, period)


def test_rows_written_by_sql_appear_after_a_rebuild_and_then_equal_the_direct_query(cli_zone: Zone) -> None:
    z = cli_zone
    p = z.platform
    with p.session_factory() as s:
        rows = Rows(s)
        jan = rows.declaration(lodged=utc(2025, 1, 10, 4), released=utc(2025, 1, 10, 6), value="1000.00")
        mar = rows.declaration(lodged=utc(2025, 3, 10, 4), released=utc(2025, 3, 10, 6), value="2000.00")
        s.commit()
    sign_in(z.client, "analyst")
    before = shown(z, Q1)  # builds the read models, then answers from them
    assert before == direct(p, Q1)
    assert before[1] == {"2025-01": Decimal("1000.00"), "2025-03": Decimal("2000.00")}

    # a repair and a bulk load by SQL: no status change, no audit entry -- the catch-up cannot see them
    with p.session_factory() as s:
        rows = Rows(s)
        rows.n = 1000
        for day in (date(2025, 1, 5), date(2025, 1, 6), date(2025, 3, 7)):
            rows.vehicle(day)
        s.execute(update(DeclarationRow).where(DeclarationRow.id == jan).values(customs_value_cny=Decimal("1500.00")))
        s.execute(update(DeclarationRow).where(DeclarationRow.id == mar).values(customs_value_cny=Decimal("2500.00")))
        s.commit()
    truth = direct(p, Q1)
    assert truth == ({"2025-01": 2, "2025-03": 1}, {"2025-01": Decimal("1500.00"), "2025-03": Decimal("2500.00")})
    assert shown(z, Q1) == before, "not seen before a rebuild"

    # one period: January is recounted, March is left as it was
    result = runner.invoke(app, ["analytics", "rebuild", "--from", "2025-01-01", "--to", "2025-01-31"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "read models rebuilt (2025-01-01 to 2025-01-31)" in said and "1 released declarations counted" in said
    assert shown(z, JAN) == direct(p, JAN)
    assert shown(z, MAR) == before_in(before, "2025-03")

    # everything
    result = runner.invoke(app, ["analytics", "rebuild"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "read models rebuilt (everything, built from scratch)" in said and "2 released declarations counted" in said
    assert shown(z, Q1) == truth
    for area in ("HORGOS", "KASHGAR"):
        with p.read_sessions()() as s:
            assert ind.vehicle_exports(s, Q1, area) == ind.vehicle_exports(s, Q1, area, read_model=False)
            assert ind.foreign_trade(s, Q1, area) == ind.foreign_trade(s, Q1, area, read_model=False)
    # a rebuild changes nothing that was right: run again, same figures
    assert runner.invoke(app, ["analytics", "rebuild", "--from", "2025-03-01", "--to", "2025-03-31"]).exit_code == 0
    assert shown(z, Q1) == truth


def before_in(
    figures: tuple[dict[str, int], dict[str, Decimal]], month: str
) -> tuple[dict[str, int], dict[str, Decimal]]:
    vehicles, trade = figures
    return {k: v for k, v in vehicles.items() if k == month}, {k: v for k, v in trade.items() if k == month}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2025-01-01"), "give --from and --to together"),
        (("--to", "2025-01-01"), "give --from and --to together"),
        (("--from", "2025-03-01", "--to", "2025-01-01"), "is before"),
    ],
)
def test_bad_periods_exit_2_and_change_nothing(cli_zone: Zone, args: tuple[str, ...], message: str) -> None:
    result = runner.invoke(app, ["analytics", "rebuild", *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert runner.invoke(app, ["analytics", "rebuild", "--from", "2025-13-01", "--to", "2025-12-31"]).exit_code == 2


# --- the dashboard's claims CSV on a scaled demo ------------------------------------------------------------


@pytest.fixture
def demo_zone(zone: Zone, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Zone, DemoSummary]]:
    summary, built = build_demo(zone.platform, clock, "test", seed=5)
    assert built
    monkeypatch.setenv("SILKPORT_DATABASE_URL", zone.platform.settings.database_url)
    get_settings.cache_clear()
    yield zone, summary
    get_settings.cache_clear()


def claims_csv(z: Zone) -> list[dict[str, str]]:
    sign_in(z.client, "analyst")
    r = z.client.get("/dashboard/csv/claims")
    assert r.status_code == 200, r.text
    reader = csv.DictReader(io.StringIO(r.text))
    assert reader.fieldnames == list(COLUMNS)
    return list(reader)


def test_the_claims_csv_of_a_scaled_demo_carries_the_factor_and_the_scaled_figures(
    demo_zone: tuple[Zone, DemoSummary],
) -> None:
    z, summary = demo_zone
    header = list(COLUMNS)
    # the columns the CSV always had, unrenamed and in place; the scale columns after them
    assert header[:10] == [
        "key",
        "claim",
        "unit",
        "from",
        "to",
        "area",
        "article_value",
        "computed_value",
        "difference_pct",
        "note",
    ]
    assert header[10:] == ["scale_factor", "scaled_value", "scaled_difference_pct"]
    rows = {r["key"]: r for r in claims_csv(z)}
    assert set(rows) == set(summary.claim_factors)
    report = runner.invoke(app, ["report", "--format", "json"])
    assert report.exit_code == 0, report.output
    expected = {c["key"]: c for c in json.loads(report.output)["claims"]}
    for key, row in rows.items():
        assert Decimal(row["scale_factor"]) == Decimal(repr(summary.claim_factors[key]))
        # exactly what `silkport report` says, column by column (empty in the CSV where the JSON has null)
        assert row == {k: "" if v is None else str(v) for k, v in expected[key].items()}
    vehicles = rows["vehicle_exports"]
    assert vehicles["scaled_value"] and abs(Decimal(vehicles["scaled_difference_pct"])) < abs(
        Decimal(vehicles["difference_pct"])
    )


def test_the_claims_csv_of_data_that_is_no_demo_has_empty_scale_columns(zone: Zone) -> None:
    rows = claims_csv(zone)
    assert rows
    assert all(r["scale_factor"] == r["scaled_value"] == r["scaled_difference_pct"] == "" for r in rows)
