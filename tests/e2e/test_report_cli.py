"""``silkport report`` as an operator runs it: the article's claims beside the computed figures, in every format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from silkport.analytics import stats
from silkport.bootstrap import Platform
from silkport.entrypoints.cli.demo_zone import DemoSummary, build_demo
from silkport.entrypoints.cli.main import app
from silkport.infra.settings import get_settings
from silkport.shared.clock import FixedClock
from tests.integration.test_analytics_indicators import fill

runner = CliRunner()


@pytest.fixture
def store(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with platform.session_factory() as s:
        fill(s)
    monkeypatch.setenv("SILKPORT_DATABASE_URL", platform.settings.database_url)
    get_settings.cache_clear()
    yield platform
    get_settings.cache_clear()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["report", *args])
    return result.exit_code, result.output


def test_json_lists_every_claim_with_its_own_period(store: Platform) -> None:
    code, out = invoke("--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["schema_version"] == 1
    assert doc["options"] == {"from": None, "to": None, "area": None}
    claims = {c["key"]: c for c in doc["claims"]}
    assert len(claims) == 11
    vehicles = claims["vehicle_exports"]
    assert vehicles["from"] == "2023-11-01" and vehicles["to"] == "2025-09-30" and vehicles["area"] == "HORGOS"
    assert vehicles["article_value"] == "780000" and vehicles["computed_value"] == "3"
    assert claims["kashgar_kyrgyzstan_trade"]["computed_value"] == "5000.00"
    assert claims["horgos_clearance_before"]["computed_value"] == "3.00"
    assert claims["horgos_clearance_before"]["difference_pct"] == "0.0"
    assert claims["horgos_clearance_after"]["difference_pct"] == "-50.0"
    assert claims["air_cargo_yoy"]["computed_value"] == "300.0"
    assert claims["litigation_cases"]["computed_value"] == "0"
    assert claims["litigation_cases"]["difference_pct"] == "-100.0"
    assert "ESTIMATED" in claims["foreign_trade_share"]["note"]


def test_period_and_area_options_replace_the_claims_own(store: Platform) -> None:
    code, out = invoke("--from", "2025-01-01", "--to", "2025-09-30", "--area", "kashgar", "--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["options"] == {"from": "2025-01-01", "to": "2025-09-30", "area": "KASHGAR"}
    claims = {c["key"]: c for c in doc["claims"]}
    assert all(c["from"] == "2025-01-01" and c["area"] == "KASHGAR" for c in doc["claims"])
    assert claims["vehicle_exports"]["computed_value"] == "1"
    assert claims["new_enterprises"]["computed_value"] == "1"


def test_csv_and_markdown(store: Platform) -> None:
    code, out = invoke("--format", "csv")
    assert code == 0, out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 11
    assert rows[0]["key"] == "new_enterprises" and rows[0]["article_value"] == "18000"
    assert {r["key"]: r["computed_value"] for r in rows}["litigation_cases"] == "0"
    code, out = invoke("--format", "md")
    assert code == 0, out
    lines = out.strip().splitlines()
    assert lines[0].startswith("| claim |") and len(lines) == 13
    assert any("780000 vehicles | 3 vehicles | -100.0%" in line for line in lines)


def test_table_is_the_default(store: Platform) -> None:
    code, out = invoke()
    assert code == 0, out
    assert "The article's figures" in out and "18,000" in out and "780,000" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2025-01-01"), "give --from and --to together"),
        (("--from", "2025-09-30", "--to", "2025-01-01"), "is before"),
        (("--area", "LHASA"), "is not an area of the zone"),
    ],
)
def test_bad_options_exit_2_with_the_reason(store: Platform, args: tuple[str, ...], message: str) -> None:
    result = runner.invoke(app, ["report", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_bad_date_is_refused(store: Platform) -> None:
    result = runner.invoke(app, ["report", "--from", "2025-13-01", "--to", "2025-12-31"])
    assert result.exit_code == 2


@pytest.fixture
def demo_store(platform: Platform, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoSummary]:
    summary, built = build_demo(platform, clock, "test", seed=5)
    assert built
    monkeypatch.setenv("SILKPORT_DATABASE_URL", platform.settings.database_url)
    get_settings.cache_clear()
    yield summary
    get_settings.cache_clear()


def test_a_scaled_demo_shows_the_factor_and_the_figure_scaled_back(demo_store: DemoSummary) -> None:
    code, out = invoke("--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["demo"] == {"scale": "test", "seed": 5}
    claims = {c["key"]: c for c in doc["claims"]}
    assert set(claims) == set(demo_store.claim_factors)
    for key, factor in demo_store.claim_factors.items():
        c = claims[key]
        assert Decimal(c["scale_factor"]) == Decimal(repr(factor))
        if c["computed_value"] is None:
            assert c["scaled_value"] is None
            continue
        computed, scaled = Decimal(c["computed_value"]), Decimal(c["scaled_value"])
        exponent = computed.as_tuple().exponent
        if key != "foreign_trade_share":  # a share is scaled back from its unrounded value (below)
            assert scaled == (computed / Decimal(repr(factor))).quantize(Decimal(1).scaleb(exponent))  # type: ignore[arg-type]
        assert c["scaled_difference_pct"] == str(stats.difference_pct(scaled, Decimal(c["article_value"])))
        if factor != 1:
            assert "SCALED" in c["note"] and scaled != computed
        else:
            assert scaled == computed and "SCALED" not in c["note"]
    # the share of Xinjiang's trade: the zone's total scaled back, over the region's total, to 0.1 %
    share = claims["foreign_trade_share"]
    zone_cny = Decimal(share["note"].split()[1])
    expected = zone_cny / Decimal(repr(demo_store.claim_factors["foreign_trade_share"])) / Decimal("400600000000") * 100
    assert Decimal(share["scaled_value"]) == expected.quantize(Decimal("0.1"))
    # the vehicles: the demo made the article's ~780,000 times its factor, the report brings them back
    vehicles = claims["vehicle_exports"]
    assert Decimal(vehicles["computed_value"]) == demo_store.counts["vehicle_exports"]
    assert abs(Decimal(vehicles["scaled_difference_pct"])) < abs(Decimal(vehicles["difference_pct"]))
    # the fields of schema 1 are all still there, in CSV too (the new ones added at the end)
    code, out = invoke("--format", "csv")
    assert code == 0, out
    header = out.splitlines()[0].split(",")
    assert header[:10] == ["key", "claim", "unit", "from", "to", "area", "article_value", "computed_value",
                           "difference_pct", "note"]  # fmt: skip
    assert header[10:] == ["scale_factor", "scaled_value", "scaled_difference_pct"]
    code, out = invoke("--format", "md")
    assert code == 0, out
    assert out.startswith("Data of a scaled-down demo (scale test, seed 5)") and "| factor | scaled back |" in out
    code, out = invoke()
    assert code == 0, out
    assert "SCALED demo 'test'" in " ".join(out.split())


def test_data_not_from_a_demo_has_no_factors(store: Platform) -> None:
    code, out = invoke("--format", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["demo"] is None
    assert all(c["scale_factor"] is None and c["scaled_value"] is None for c in doc["claims"])
