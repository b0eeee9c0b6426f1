"""``silkport report`` as an operator runs it: the article's claims beside the computed figures, in every format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from silkport.bootstrap import Platform
from silkport.entrypoints.cli.main import app
from silkport.infra.settings import get_settings
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
