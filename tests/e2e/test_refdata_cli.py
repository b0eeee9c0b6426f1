"""``silkport refdata check`` through Typer's test runner."""

from __future__ import annotations

from typer.testing import CliRunner

from silkport.entrypoints.cli.refdata import ZONE_LOCODES, app


def test_check_prints_counts_and_the_zone() -> None:
    result = CliRunner().invoke(app, ["check"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    for label, count in [
        ("HS 2022 sections", "21"),
        ("HS 2022 chapters", "97"),
        ("HS 2022 headings", "1,229"),
        ("HS 2022 subheadings", "5,613"),
        ("UN/LOCODE countries covered", "249"),
    ]:
        line = next(x for x in out.splitlines() if label in x)
        assert count in line, line
    assert "UN/LOCODE locations" in out and "function A" in out
    for code in ZONE_LOCODES:
        assert code in out
    assert "missing" not in out
    assert "Urumqi Diwobao International Apt" in out and "Xinjiang" in out
    assert "all 15 of the zone's codes are in UN/LOCODE" in out


def test_help_lists_check() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0 and "check" in result.output
