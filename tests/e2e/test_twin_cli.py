"""``silkport twin``: run by name or file, JSON figures with intervals, HTML report, workers, compare."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from silkport.entrypoints.cli.main import app

runner = CliRunner()


def test_run_a_shipped_scenario_writes_json_and_html(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["twin", "run", "horgos-smart-port", "-n", "3", "--days", "3", "--seed", "4",
                                 "--json", str(tmp_path / "f.json"), "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    figures = json.loads((tmp_path / "f.json").read_text())
    assert figures == json.loads((out / "figures.json").read_text())
    ct = figures["clearance_time_hours"]
    for q in ("mean", "median", "p90", "p99"):
        assert ct[q]["ci_low"] <= ct[q]["mean"] <= ct[q]["ci_high"]
        assert ct[q]["replications"] == 3
    assert ct["median"]["mean"] <= ct["p90"]["mean"] <= ct["p99"]["mean"]
    assert set(figures["lanes"]) == {"green", "yellow", "red"}
    assert {"waiting_mean", "working_mean", "share"} <= set(figures["stages"]["document_check"])
    assert 0 < figures["resources"]["checkpoint_lanes"]["utilisation"]["mean"] < 1
    assert len(figures["resources"]["checkpoint_lanes"]["utilisation_by_hour"]) == 24
    assert 0 <= figures["share_within_target"]["mean"] <= 1 and figures["throughput_per_day"]["mean"] > 1000
    page = (out / "report.html").read_text()
    assert page.startswith("<!doctype html>") and page.count("<svg") >= 3 and "<script" not in page


def test_workers_give_the_same_figures_as_one_process(tmp_path: Path) -> None:
    args = ["twin", "run", "horgos-before", "-n", "2", "--days", "3", "--seed", "8"]
    one = runner.invoke(app, [*args, "--out", str(tmp_path / "a")])
    two = runner.invoke(app, [*args, "--workers", "2", "--out", str(tmp_path / "b")])
    assert one.exit_code == two.exit_code == 0, one.output + two.output
    fa = json.loads((tmp_path / "a" / "figures.json").read_text())
    fb = json.loads((tmp_path / "b" / "figures.json").read_text())
    assert fa == fb


def test_run_from_a_file_and_refuse_a_bad_one(tmp_path: Path) -> None:
    from silkport.twin.scenario import load_scenario  # noqa: F401  (the shipped file is the template)

    shipped = Path(__file__).parents[2] / "src/silkport/twin/scenarios/horgos-smart-port.yaml"
    data = yaml.safe_load(shipped.read_text())
    data["name"] = "two-more-bays"
    data["stations"]["inspection_bays"]["servers"] = 12
    good = tmp_path / "mine.yaml"
    good.write_text(yaml.safe_dump(data))
    ok = runner.invoke(app, ["twin", "run", str(good), "-n", "2", "--days", "3", "--out", str(tmp_path / "o")])
    assert ok.exit_code == 0, ok.output
    assert json.loads((tmp_path / "o" / "figures.json").read_text())["scenario"] == "two-more-bays"
    data["stations"]["inspection_bays"]["servers"] = -1
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    refused = runner.invoke(app, ["twin", "run", str(bad)])
    assert refused.exit_code == 2
    assert "stations.inspection_bays.servers" in refused.output
    assert runner.invoke(app, ["twin", "run", "no-such-port"]).exit_code == 2
    assert runner.invoke(app, ["twin", "run", str(tmp_path / "missing.yaml")]).exit_code == 2
    short = runner.invoke(app, ["twin", "run", "horgos-before", "--days", "1"])
    assert short.exit_code == 2 and "warm-up" in short.output


def test_compare_is_paired(tmp_path: Path) -> None:
    result = runner.invoke(app, ["twin", "compare", "horgos-before", "horgos-smart-port", "-n", "3", "--days", "3",
                                 "--out", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    figures = json.loads((tmp_path / "figures.json").read_text())
    diff = figures["comparison"]["difference_hours"]["median"]
    assert diff["ci_high"] < 0  # the smart port is faster, with certainty
    assert "Clearance time distribution" in (tmp_path / "report.html").read_text()


def test_list() -> None:
    result = runner.invoke(app, ["twin", "list"])
    assert result.exit_code == 0 and "horgos-smart-port-plus" in result.output
