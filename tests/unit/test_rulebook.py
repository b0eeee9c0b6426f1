"""The rulebook as data: mapping round-trips, field-precise errors, fingerprints and the shipped YAML files."""

from __future__ import annotations

import copy
import json
import pickle
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkport.clearance.adapters.rulebook_file import (
    SHIPPED,
    default_rulebook,
    dump_rulebook,
    load_rulebook_path,
    load_rulebook_text,
    load_shipped,
    parse_yaml,
)
from silkport.clearance.domain.model import Lane
from silkport.clearance.domain.rules import (
    AlwaysParams,
    ComplianceHistoryParams,
    ControlledGoodsParams,
    CountryWatchParams,
    CreditGradeParams,
    FirstTimeTraderParams,
    HsWatchParams,
    MassInconsistencyParams,
    ModelScoreParams,
    RandomParams,
    Rule,
    Rulebook,
    RuleKind,
    RuleParams,
    ValueDirection,
    ValuePerKgParams,
)
from silkport.shared.errors import ValidationFailed

D = Decimal


def minimal() -> dict[str, Any]:
    return {
        "version": "2025.1-test",
        "description": "a test rulebook",
        "yellow_at": 30,
        "red_at": "60",
        "random_rate": "0.02",
        "controlled_hs": ["3002", "93"],
        "rules": [
            {
                "id": "watch-excise",
                "kind": "hs_watch",
                "params": {"prefixes": ["2402", "2208"]},
                "weight": 35,
                "reason": "item {item}: HS {hs}",
                "trader_reason": "Goods of this kind are checked more often.",
            },
            {"id": "random-sample", "kind": "random", "weight": 0, "force_lane": "red", "reason": "random {rate}"},
        ],
    }


def errors_of(data: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        Rulebook.from_mapping(data)
    return {e.field: e.message for e in caught.value.errors}


# ------------------------------------------------------------------------------------------ reading


def test_a_minimal_mapping_reads_with_defaults() -> None:
    rb = Rulebook.from_mapping(minimal())
    assert rb.version == "2025.1-test"
    assert rb.yellow_at == 30
    assert rb.random_rate == D("0.02")
    assert rb.controlled_hs == ("3002", "93")
    watch, sample = rb.rules
    assert watch.params == HsWatchParams(("2402", "2208"))
    assert watch.force_lane is None
    assert watch.enabled
    assert sample.kind is RuleKind.RANDOM
    assert sample.force_lane is Lane.RED
    assert sample.trader_reason == ""


def test_errors_name_the_exact_field() -> None:
    data = minimal()
    data["rules"][0]["params"]["prefixes"] = ["2402", "24x2", "240"]
    data["rules"][1]["force_lane"] = "purple"
    data["yellow_at"] = "abc"
    data["controlled_hs"] = ["3002", 93]
    errs = errors_of(data)
    assert set(errs) == {
        "rules[0].params.prefixes[1]",
        "rules[0].params.prefixes[2]",
        "rules[1].force_lane",
        "yellow_at",
        "controlled_hs[1]",
    }
    assert "2/4/6" in errs["rules[0].params.prefixes[1]"] or "2, 4, 6" in errs["rules[0].params.prefixes[1]"]
    assert "quote HS codes" in errs["controlled_hs[1]"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: d.pop("version"), "version", "is required"),
        (lambda d: d.update(wieght=1), "wieght", "unknown field"),
        (lambda d: d.update(version="has space"), "version", "a version is"),
        (lambda d: d.update(red_at=20), "red_at", "must not be below yellow_at"),
        (lambda d: d.update(red_at=101), "red_at", "between 0 and 100"),
        (lambda d: d.update(random_rate=0.02), "random_rate", "not a float"),
        (lambda d: d.update(random_rate="1.5"), "random_rate", "between 0 and 1"),
        (lambda d: d.update(yellow_at="NaN"), "yellow_at", "finite"),
        (lambda d: d.update(rules="none"), "rules", "must be a list"),
        (lambda d: d["rules"].append("x"), "rules[2]", "must be a mapping"),
        (lambda d: d["rules"][0].update(kind="hs_wach"), "rules[0].kind", "not a rule kind"),
        (lambda d: d["rules"][0].update(wieght=1), "rules[0].wieght", "unknown field"),
        (lambda d: d["rules"][0].pop("reason"), "rules[0].reason", "is required"),
        (lambda d: d["rules"][0].update(reason="  "), "rules[0].reason", "officers need a reason"),
        (lambda d: d["rules"][0].update(weight="12.3456"), "rules[0].weight", "at most 3 decimal places"),
        (lambda d: d["rules"][0].update(weight=250), "rules[0].weight", "between -100 and 100"),
        (lambda d: d["rules"][0].update(weight=True), "rules[0].weight", "not a float"),
        (lambda d: d["rules"][0].update(enabled="yes"), "rules[0].enabled", "true or false"),
        (lambda d: d["rules"][0].update(force_lane="green"), "rules[0].force_lane", "yellow or red"),
        (lambda d: d["rules"][0].update(id="Watch Excise"), "rules[0].id", "a rule id"),
        (lambda d: d["rules"][1].update(id="watch-excise"), "rules[1].id", "already the id of rules[0]"),
        (lambda d: d["rules"][0].update(reason="{hz}"), "rules[0].reason", "unknown placeholder {hz}"),
        (lambda d: d["rules"][0].update(reason="{hs!r}"), "rules[0].reason", "no format"),
        (lambda d: d["rules"][0].update(reason="{0.__class__}"), "rules[0].reason", "unknown placeholder"),
        (lambda d: d["rules"][0].update(reason="a { b"), "rules[0].reason", "unbalanced braces"),
        (lambda d: d["rules"][0].update(trader_reason="{hs}"), "rules[0].trader_reason", "unknown placeholder"),
        (lambda d: d["rules"][0]["params"].update(extra=1), "rules[0].params.extra", "unknown field"),
        (lambda d: d["rules"][0].update(params={}), "rules[0].params.prefixes", "is required"),
        (lambda d: d["rules"][0]["params"].update(prefixes=[]), "rules[0].params.prefixes", "at least one"),
        (lambda d: d["rules"][0]["params"].update(prefixes=["2402", "2402"]), "rules[0].params.prefixes[1]", "twice"),
        (lambda d: d["rules"][1].update(params={"rate": 1}), "rules[1].params.rate", "unknown field"),
        (lambda d: d["rules"].append(dict(d["rules"][1], id="again")), "rules[2].kind", "only one random rule"),
    ],
)
def test_each_problem_is_reported_on_its_field(change: Any, field: str, message: str) -> None:
    data = minimal()
    change(data)
    errs = errors_of(data)
    assert field in errs, errs
    assert message in errs[field]


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        ({"kind": "country_watch", "params": {"origin": ["XX"]}}, "rules[0].params.origin", "ISO 3166"),
        ({"kind": "country_watch", "params": {}}, "rules[0].params.origin", "at least one"),
        ({"kind": "credit_grade", "params": {"grades": {"Bad Grade": 1}}}, "rules[0].params.grades.Bad Grade", "lower"),
        ({"kind": "credit_grade", "params": {"grades": {"general": 0.5}}}, "rules[0].params.grades.general", "float"),
        ({"kind": "credit_grade", "params": {"grades": ["general"]}}, "rules[0].params.grades", "must map"),
        (
            {"kind": "compliance_history", "params": {"threshold": "1.2", "min_inspected": 5}},
            "rules[0].params.threshold",
            "between 0 and 1",
        ),
        (
            {"kind": "compliance_history", "params": {"threshold": "0.1", "min_inspected": 0}},
            "rules[0].params.min_inspected",
            "at least 1",
        ),
        (
            {"kind": "compliance_history", "params": {"threshold": "0.1", "min_inspected": "5"}},
            "rules[0].params.min_inspected",
            "whole number",
        ),
        ({"kind": "value_per_kg", "params": {"direction": "up"}}, "rules[0].params.direction", "below, above, both"),
        ({"kind": "mass_inconsistency", "params": {"tolerance": 1}}, "rules[0].params.tolerance", "below 1"),
        ({"kind": "first_time_trader", "params": {"min_declarations": 0}}, "rules[0].params.min_declarations", "1"),
        ({"kind": "controlled_goods", "force_lane": "red"}, "rules[0].force_lane", "leave empty"),
    ],
)
def test_params_of_each_kind_are_checked(rule: dict[str, Any], field: str, message: str) -> None:
    data = minimal()
    data["rules"] = [{"id": "r", "weight": 1, "reason": "x", **rule}]
    errs = errors_of(data)
    assert field in errs, errs
    assert message in errs[field]


def test_every_problem_is_reported_at_once() -> None:
    data = minimal()
    data["version"] = ""
    data["rules"][0]["weight"] = "x"
    data["rules"][1]["kind"] = "nope"
    assert {"version", "rules[0].weight", "rules[1].kind"} <= set(errors_of(data))


def test_a_rulebook_is_a_mapping() -> None:
    assert errors_of(["not", "a", "mapping"]) == {"rulebook": "must be a mapping of fields"}


def test_hand_built_rulebooks_are_checked_too() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Rulebook(
            "v1",
            "",
            D(30),
            D(60),
            D(0),
            (),
            (Rule("r", RuleKind.HS_WATCH, RandomParams(), D(1), reason="x"),),
        )
    assert caught.value.errors[0].field == "rules[0].params"


# ---------------------------------------------------------------------------------- round trip


def decimals(low: int, high: int, places: int = 3) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=low, max_value=high, places=places, allow_nan=False, allow_infinity=False)


hs_prefixes = st.lists(
    st.integers(2, 6).filter(lambda n: n % 2 == 0).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)),
    min_size=1,
    max_size=6,
    unique=True,
)
countries = st.frozensets(st.sampled_from(["CN", "KZ", "KG", "UZ", "TJ", "PK", "RU", "KP", "AF"]), max_size=4)
texts = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="{}"), max_size=40)

params_by_kind: dict[RuleKind, st.SearchStrategy[RuleParams]] = {
    RuleKind.HS_WATCH: hs_prefixes.map(lambda p: HsWatchParams(tuple(p))),
    RuleKind.COUNTRY_WATCH: st.builds(CountryWatchParams, countries, countries, countries).filter(
        lambda p: bool(p.origin or p.dispatch or p.destination)
    ),
    RuleKind.CREDIT_GRADE: st.dictionaries(
        st.sampled_from(["advanced_certified", "general_certified", "general", "discredited"]),
        decimals(-100, 100),
        min_size=1,
    ).map(CreditGradeParams),
    RuleKind.COMPLIANCE_HISTORY: st.builds(ComplianceHistoryParams, decimals(0, 1), st.integers(1, 50)),
    RuleKind.VALUE_PER_KG: st.builds(ValuePerKgParams, st.sampled_from(ValueDirection)),
    RuleKind.MASS_INCONSISTENCY: st.builds(MassInconsistencyParams, decimals(0, 1).filter(lambda d: d < 1)),
    RuleKind.FIRST_TIME_TRADER: st.builds(FirstTimeTraderParams, st.integers(1, 20)),
    RuleKind.CONTROLLED_GOODS: st.just(ControlledGoodsParams()),
    RuleKind.RANDOM: st.just(RandomParams()),
    RuleKind.MODEL_SCORE: st.just(ModelScoreParams()),
    RuleKind.ALWAYS: st.just(AlwaysParams()),
}


@st.composite
def rules(draw: st.DrawFn, index: int) -> Rule:
    kind = draw(st.sampled_from(RuleKind))
    force: Lane | None = (
        None if kind is RuleKind.CONTROLLED_GOODS else draw(st.sampled_from([None, Lane.YELLOW, Lane.RED]))
    )
    return Rule(
        id=f"r{index}-{kind.value.replace('_', '-')}",
        kind=kind,
        params=draw(params_by_kind[kind]),
        weight=draw(decimals(-100, 100)),
        force_lane=force,
        reason=draw(texts.filter(lambda t: bool(t.strip()))),
        trader_reason=draw(texts | st.just("Item {item} is checked.")),
        enabled=draw(st.booleans()),
    )


@st.composite
def rulebooks(draw: st.DrawFn) -> Rulebook:
    yellow, red = sorted((draw(decimals(0, 100)), draw(decimals(0, 100))))
    n = draw(st.integers(0, 6))
    drawn = [draw(rules(i)) for i in range(n)]
    seen: set[RuleKind] = set()
    kept = []
    for r in drawn:  # at most one random / model_score / controlled_goods rule
        if r.kind in (RuleKind.RANDOM, RuleKind.MODEL_SCORE, RuleKind.CONTROLLED_GOODS) and r.kind in seen:
            continue
        seen.add(r.kind)
        kept.append(r)
    return Rulebook(
        version=draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,20}", fullmatch=True)),
        description=draw(texts),
        yellow_at=yellow,
        red_at=red,
        random_rate=draw(decimals(0, 1, places=6)),
        controlled_hs=tuple(draw(hs_prefixes | st.just([]))),
        rules=tuple(kept),
    )


@given(rulebooks())
@settings(max_examples=150)
def test_from_mapping_of_to_mapping_is_the_same_rulebook(rb: Rulebook) -> None:
    mapping = rb.to_mapping()
    again = Rulebook.from_mapping(mapping)
    assert again == rb
    assert again.to_mapping() == mapping
    assert again.fingerprint() == rb.fingerprint()
    # JSON-compatible (stored in a JSON column) and YAML round-trips too
    assert Rulebook.from_mapping(json.loads(json.dumps(mapping))) == rb
    assert load_rulebook_text(dump_rulebook(rb)) == rb


@given(rulebooks())
@settings(max_examples=50)
def test_the_fingerprint_follows_the_content(rb: Rulebook) -> None:
    changed = Rulebook.from_mapping({**rb.to_mapping(), "description": rb.description + " (edited)"})
    assert changed.fingerprint() != rb.fingerprint()


def test_equal_values_written_differently_have_the_same_fingerprint() -> None:
    a = minimal()
    b = copy.deepcopy(a)
    b["yellow_at"] = "30.000"
    b["random_rate"] = D("0.020")
    assert Rulebook.from_mapping(a).fingerprint() == Rulebook.from_mapping(b).fingerprint()


def test_the_fingerprint_is_sha256_hex() -> None:
    fp = Rulebook.from_mapping(minimal()).fingerprint()
    assert len(fp) == 64
    int(fp, 16)


# ------------------------------------------------------------------------------------------ YAML


def test_yaml_numbers_are_read_as_exact_decimals() -> None:
    data = parse_yaml("rate: 0.1\nweight: 35\nbig: 1_000.5\n")
    assert data == {"rate": D("0.1"), "weight": 35, "big": D("1000.5")}
    assert isinstance(data["rate"], Decimal)


def test_yaml_syntax_errors_name_the_line() -> None:
    with pytest.raises(ValidationFailed) as caught:
        load_rulebook_text("version: x\nrules: [\n  - a: b\n")
    assert caught.value.errors[0].field == "yaml"
    assert "line" in caught.value.errors[0].message


def test_yaml_refuses_arbitrary_objects() -> None:
    with pytest.raises(ValidationFailed):
        load_rulebook_text("!!python/object/apply:os.system ['true']\n")


def test_non_finite_yaml_numbers_are_field_errors() -> None:
    text = dump_rulebook(Rulebook.from_mapping(minimal())).replace("yellow_at: '30'", "yellow_at: .inf")
    with pytest.raises(ValidationFailed) as caught:
        load_rulebook_text(text)
    assert caught.value.errors[0].field == "yellow_at"


def test_loading_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "rb.yaml"
    path.write_text(dump_rulebook(Rulebook.from_mapping(minimal())), encoding="utf-8")
    assert load_rulebook_path(path) == Rulebook.from_mapping(minimal())


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_the_shipped_rulebooks_load(name: str) -> None:
    rb = load_shipped(name)
    assert rb.rules
    assert load_rulebook_text(dump_rulebook(rb)) == rb


def test_the_default_rulebook_has_what_the_issue_asks_for() -> None:
    rb = default_rulebook()
    assert rb.version == "2025.1-smart-port"
    assert (rb.yellow_at, rb.red_at, rb.random_rate) == (D(30), D(60), D("0.02"))
    for heading in ("3002", "2939", "3003", "3004", "2844", "9301", "9306", "3601", "3604"):
        assert heading in rb.controlled_hs
    kinds = {r.kind for r in rb.rules}
    assert kinds >= set(RuleKind) - {RuleKind.ALWAYS}
    watched = {p for r in rb.rules if isinstance(r.params, HsWatchParams) for p in r.params.prefixes}
    assert {"2402", "2208", "7108", "9701", "9706", "8703"} <= watched
    model = next(r for r in rb.rules if r.kind is RuleKind.MODEL_SCORE)
    assert not model.enabled
    assert model.weight > 0
    assert rb.fingerprint() == load_shipped("smart-port").fingerprint()


def test_the_manual_rulebook_sends_everything_at_least_to_yellow() -> None:
    rb = load_shipped("manual")
    always = [r for r in rb.rules if r.kind is RuleKind.ALWAYS]
    assert always
    assert always[0].force_lane is Lane.YELLOW
    assert any(r.kind is RuleKind.RANDOM and r.force_lane is Lane.RED for r in rb.rules)
    assert rb.random_rate > 0


def test_an_unknown_shipped_name_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="not a shipped rulebook"):
        load_shipped("nope")


def test_a_rulebook_survives_pickling_for_the_digital_twin() -> None:
    rb = default_rulebook()
    again = pickle.loads(pickle.dumps(rb))
    assert again == rb
    assert again.fingerprint() == rb.fingerprint()
    assert again.random_threshold == rb.random_threshold
    assert copy.deepcopy(rb) == rb
