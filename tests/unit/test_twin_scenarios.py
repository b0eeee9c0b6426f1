"""Twin scenarios (validation with precise errors, the shipped calibration) and the output statistics."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from silkport.clearance.adapters.rulebook_file import dump_rulebook, load_shipped
from silkport.shared.errors import ValidationFailed
from silkport.twin.runner import aggregate, compare, run_replications
from silkport.twin.scenario import load_scenario, parse_scenario, shipped_scenarios
from silkport.twin.stats import (
    confidence_interval,
    mser_truncation,
    mser_truncation_replications,
    paired_interval,
    t_quantile,
)

BASE = {
    "name": "tiny",
    "rulebook": "smart-port",
    "days": 3,
    "warmup_days": 1,
    "arrivals": [{"mode": "road", "per_day": 100}],
    "goods": [{"template": "electronics-export", "weight": 1}],
    "traders": [{"grade": "general", "weight": 1}],
    "lodgement": {"pre_arrival_share": 0.5, "lead_time": {"dist": "exponential", "mean": 120}},
    "stations": {"officers": {"servers": 2}, "gates": {"shifts": [{"start": 6, "end": 22, "servers": 2}]}},
    "tasks": {
        name: {"service": {"dist": "deterministic", "value": 1}}
        for name in ("lodgement", "acceptance", "risk_assessment", "entry_check", "duty_payment", "release")
    }
    | {
        "document_check": {"station": "officers", "service": {"dist": "lognormal", "mean": 10, "cv": 0.5}},
        "inspection": {"station": "officers", "service": {"dist": "gamma", "mean": 30, "cv": 0.5}},
        "exit": {"station": "gates", "service": {"dist": "uniform", "low": 1, "high": 3}},
    },
}


def errors_of(data: object) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as info:
        parse_scenario(yaml.safe_dump(data))
    return {e.field: e.message for e in info.value.errors}


def with_(path: str, value: object) -> dict[str, object]:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if value is ...:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data  # type: ignore[no-any-return]


def test_the_base_scenario_is_valid_and_runs() -> None:
    loaded = parse_scenario(yaml.safe_dump(BASE))
    results = run_replications(loaded, 2, seed=3)
    figures = aggregate(loaded, results, 3, None)
    assert figures["clearance_time_hours"]["median"]["mean"] > 0
    assert set(figures["resources"]) == {"officers", "gates"}


@pytest.mark.parametrize(
    ("path", "value", "field", "fragment"),
    [
        ("arrivals.0.per_day", -5, "arrivals.0.per_day", "greater than 0"),
        ("arrivals.0.mode", "boat", "arrivals.0.mode", "road"),
        ("arrivals.0.profile", [1, 2, 3], "arrivals.0.profile", "24 hourly weights"),
        ("lodgement.pre_arrival_share", 1.5, "lodgement.pre_arrival_share", "less than or equal to 1"),
        ("lodgement.lead_time", ..., "lodgement", "needs a lead_time"),
        ("stations.gates.shifts.0.end", 3, "stations.gates.shifts.0", "end must be after start"),
        ("stations.officers.servers", 0, "stations.officers.servers", "greater than or equal to 1"),
        ("tasks.exit.station", "nowhere", "scenario", "no station named 'nowhere'"),
        ("tasks.exit.service", {"dist": "weibull", "mean": 3}, "tasks.exit.service", "does not match"),
        ("tasks.exit.service", {"dist": "uniform", "low": 5, "high": 1}, "tasks.exit.service", "high must not"),
        ("goods.0.template", "caviar", "scenario", "unknown template 'caviar'"),
        ("traders.0.grade", "excellent", "traders.0.grade", "advanced_certified"),
        ("tasks.release", ..., "scenario", "tasks missing: release"),
        ("colour", "blue", "colour", "Extra inputs are not permitted"),
        ("warmup_days", 5, "scenario", "warmup_days must be shorter than days"),
    ],
)
def test_bad_scenarios_are_refused_with_the_field_and_reason(
    path: str, value: object, field: str, fragment: str
) -> None:
    errors = errors_of(with_(path, value))
    assert field in errors, errors
    assert fragment in errors[field], errors


def test_an_unknown_rulebook_or_scenario_name_is_refused() -> None:
    errors = errors_of(with_("rulebook", "no-such-rulebook"))
    assert "neither shipped" in errors["rulebook"]
    with pytest.raises(ValidationFailed) as info:
        load_scenario("horgos-tomorrow")
    assert "horgos-before" in info.value.errors[0].message
    with pytest.raises(ValidationFailed):
        parse_scenario("name: [unclosed")


def test_shipped_scenarios_load_with_their_rulebooks() -> None:
    names = shipped_scenarios()
    assert {"horgos-before", "horgos-smart-port", "horgos-smart-port-plus"} <= set(names)
    assert load_scenario("horgos-before").rulebook.version == "2023.0-manual"
    assert load_scenario("horgos-smart-port").rulebook.version == "2025.1-smart-port"


@pytest.mark.statistical
def test_calibration_three_hours_to_one_and_lower() -> None:
    """The shipped scenarios reproduce the article: median ~3 h before, ~1 h with the smart port, lower with more."""
    figures = {}
    for name in ("horgos-before", "horgos-smart-port", "horgos-smart-port-plus"):
        loaded = load_scenario(name)
        figures[name] = aggregate(loaded, run_replications(loaded, 3, seed=1, days=10), 1, 10)
    med = {k: v["clearance_time_hours"]["median"]["mean"] for k, v in figures.items()}
    assert 2.5 <= med["horgos-before"] <= 3.5, med
    assert 0.75 <= med["horgos-smart-port"] <= 1.25, med
    assert med["horgos-smart-port-plus"] < 0.6, med
    diff = compare(figures["horgos-before"], figures["horgos-smart-port"])["difference_hours"]["median"]
    assert diff["ci_high"] < -1.5  # paired (common random numbers): the gain is certain
    lanes = figures["horgos-smart-port"]["lanes"]
    assert lanes["green"]["share"]["mean"] > 0.8  # the real engine sends most of the mix green
    assert figures["horgos-before"]["lanes"]["green"]["share"]["mean"] == 0.0  # manual: everything is checked


@pytest.mark.parametrize("df", [1, 2, 3, 5, 9, 19, 29, 99])
@pytest.mark.parametrize("p", [0.9, 0.975, 0.995, 0.025])
def test_t_quantile_matches_scipy(df: int, p: float) -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    assert t_quantile(p, df) == pytest.approx(float(scipy_stats.t.ppf(p, df)), rel=1e-9, abs=1e-9)


def test_confidence_interval_textbook_example() -> None:
    ci = confidence_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    assert ci.mean == 3.0
    assert ci.half_width == pytest.approx(2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5))


def test_paired_interval_removes_the_common_noise() -> None:
    rng = np.random.default_rng(1)
    common = rng.normal(0, 10, 30)
    a, b = common + 1.0, common + 1.5 + rng.normal(0, 0.1, 30)
    paired = paired_interval(a, b)
    assert paired.contains(0.5) and paired.half_width < 0.1
    assert confidence_interval(b).half_width > 3


def test_mser_finds_an_initial_transient() -> None:
    rng = np.random.default_rng(4)
    series = np.concatenate([np.linspace(20, 0, 200), rng.normal(0, 1, 2000)])
    d = mser_truncation(series)
    assert 150 <= d <= 260
    assert mser_truncation_replications([series, series[::1] + 0.0]) == d


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=0, max_size=300))
def test_mser_never_cuts_more_than_half(values: list[float]) -> None:
    d = mser_truncation(values)
    assert 0 <= d <= len(values) // 2 + 5 and d % 5 == 0


def test_a_supervisors_draft_rulebook_file_drives_the_lanes(tmp_path: Path) -> None:
    """'What if we sampled 30% for inspection?': the scenario points at an edited rulebook file, relative to it."""
    draft = yaml.safe_load(dump_rulebook(load_shipped("smart-port")))
    draft["version"] = "2026.0-draft-30pc"
    draft["random_rate"] = "0.30"
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "draft.yaml").write_text(yaml.safe_dump(draft))
    scenario = yaml.safe_load(yaml.safe_dump(BASE)) | {"rulebook": "rules/draft.yaml"}
    path = tmp_path / "what-if.yaml"
    path.write_text(yaml.safe_dump(scenario))
    loaded = load_scenario(str(path))
    assert loaded.rulebook.version == "2026.0-draft-30pc"
    figures = aggregate(loaded, run_replications(loaded, 2, seed=1, days=6), 1, 6)
    baseline = parse_scenario(yaml.safe_dump(BASE))
    base_figures = aggregate(baseline, run_replications(baseline, 2, seed=1, days=6), 1, 6)
    red, base_red = figures["lanes"]["red"]["share"]["mean"], base_figures["lanes"]["red"]["share"]["mean"]
    assert 0.25 < red < 0.35 and base_red < 0.05
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(scenario | {"rulebook": "rules/missing.yaml"}))
    with pytest.raises(ValidationFailed) as info:
        load_scenario(str(broken))
    assert info.value.errors[0].field == "rulebook"
