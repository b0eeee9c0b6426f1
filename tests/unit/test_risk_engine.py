"""The risk engine: each rule kind fires when it should and only then, forced lanes, deterministic sampling,
replay, redaction of the trader's view, and the score's properties."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkport.clearance.domain.model import (
    DeclarationContent,
    DeclarationType,
    Document,
    DocumentKind,
    GoodsItem,
    Incoterm,
    Lane,
    Party,
    TransportMode,
)
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
    RiskAssessment,
    RiskContext,
    Rule,
    Rulebook,
    RuleKind,
    RuleParams,
    TraderProfile,
    ValueDirection,
    ValuePerKgParams,
    assess,
    sampling_draw,
)
from silkport.shared.errors import ValidationFailed

D = Decimal


# ----------------------------------------------------------------------------------------- factories


def item(
    hs: str = "610910",
    *,
    value: str = "1000",
    net: str = "100",
    gross: str = "110",
    quantity: str = "500",
    unit: str = "H87",
    origin: str = "CN",
    licences: tuple[str, ...] = (),
    description: str = "T-shirts, cotton",
) -> GoodsItem:
    return GoodsItem(
        hs_code=hs,
        description=description,
        quantity=D(quantity),
        unit=unit,
        gross_mass_kg=D(gross),
        net_mass_kg=D(net),
        value=D(value),
        origin_country=origin,
        licences=licences,
    )


def content(*items: GoodsItem, **changes: Any) -> DeclarationContent:
    goods = items or (item(),)
    base = DeclarationContent(
        type=DeclarationType.EXPORT,
        declarant_id="ent-1",
        consignor=Party("Horgos Textiles Co.", "CN"),
        consignee=Party("Almaty Trade LLP", "KZ"),
        office_code="CNHRG",
        transport_mode=TransportMode.ROAD,
        transport_id="新F12345",
        dispatch_country="CN",
        origin_country="CN",
        destination_country="KZ",
        loading_locode="CNHRG",
        unloading_locode="KZALA",
        incoterm=Incoterm.FCA,
        invoice_currency="USD",
        invoice_amount=sum((i.value for i in goods), D(0)),
        freight=D(0),
        insurance=D(0),
        exchange_rate=D("7.1"),
        exchange_rate_date=date(2025, 10, 1),
        items=goods,
        documents=(Document(DocumentKind.INVOICE, "INV-1"),),
    )
    return replace(base, **changes)


def trader(
    grade: str = "general", declarations: int = 50, inspected: int = 10, discrepancies: int = 0
) -> TraderProfile:
    return TraderProfile("ent-1", grade, declarations, inspected, discrepancies)


def ctx(t: TraderProfile | None = None, **changes: Any) -> RiskContext:
    base = RiskContext(trader=t or trader(), value_ranges={"6109": (D("20"), D("200"))})
    return replace(base, **changes)


def rule(
    rule_id: str,
    params: RuleParams,
    weight: str = "10",
    force_lane: Lane | None = None,
    reason: str = "fired",
    trader_reason: str = "checked",
    enabled: bool = True,
) -> Rule:
    return Rule(rule_id, params.KIND, params, D(weight), force_lane, reason, trader_reason, enabled)


def book(*rules: Rule, version: str = "t-1", random_rate: str = "0", controlled: tuple[str, ...] = ()) -> Rulebook:
    return Rulebook(version, "test", D(30), D(60), D(random_rate), controlled, tuple(rules))


def fired_ids(result: RiskAssessment) -> list[str]:
    return [f.rule_id for f in result.fired]


def run(
    rb: Rulebook, c: DeclarationContent | None = None, x: RiskContext | None = None, did: str = "D1"
) -> RiskAssessment:
    return assess(did, c or content(), rb, x or ctx())


# ------------------------------------------------------------------------------------ each rule kind


def test_nothing_fires_on_a_plain_declaration_and_the_lane_is_green() -> None:
    result = run(book())
    assert result.score == 0
    assert result.lane is Lane.GREEN
    assert result.fired == ()
    assert result.forced_lane is None


def test_hs_watch_fires_on_chapter_heading_and_subheading_prefixes() -> None:
    for prefix in ("24", "2402", "240220"):
        rb = book(rule("watch", HsWatchParams((prefix,)), "35", reason="item {item}: {hs} on {prefix} ({count})"))
        result = run(rb, content(item(), item("24022090", description="cigarettes")))
        assert fired_ids(result) == ["watch"]
        assert result.fired[0].reason == f"item 2: 24022090 on {prefix} (1)"
        assert result.score == 35
        assert result.lane is Lane.YELLOW


def test_hs_watch_stays_silent_when_no_item_matches() -> None:
    rb = book(rule("watch", HsWatchParams(("2402", "2208"))))
    assert run(rb, content(item("220300"), item("240120"))).fired == ()


def test_country_watch_checks_origin_dispatch_destination_and_item_origins() -> None:
    rb = book(
        rule(
            "c",
            CountryWatchParams(origin=frozenset({"KP"}), destination=frozenset({"AF"})),
            reason="{role} {country}",
        )
    )
    assert run(rb).fired == ()
    assert run(rb, content(destination_country="AF")).fired[0].reason == "destination AF"
    assert run(rb, content(item(origin="KP"))).fired[0].reason == "origin KP"
    assert run(rb, content(origin_country="KP")).fired[0].reason == "origin KP"
    # dispatch is not listed: a declaration dispatched from AF is not caught
    assert run(rb, content(dispatch_country="AF")).fired == ()


def test_credit_grade_adds_or_takes_points() -> None:
    grades = CreditGradeParams({"discredited": D(60), "advanced_certified": D(-20), "general": D(0)})
    rb = book(rule("grade", grades, "1", reason="{grade} {points}"), rule("always", AlwaysParams(), "30"))
    bad = run(rb, x=ctx(trader("discredited")))
    assert bad.score == 90
    assert bad.lane is Lane.RED
    assert bad.fired[0].reason == "discredited 60"
    good = run(rb, x=ctx(trader("advanced_certified")))
    assert good.score == 10
    assert good.lane is Lane.GREEN
    assert fired_ids(run(rb, x=ctx(trader("general")))) == ["always"]  # 0 points: silent
    assert fired_ids(run(rb, x=ctx(trader("unknown_grade")))) == ["always"]


def test_credit_grade_points_are_multiplied_by_the_weight() -> None:
    rb = book(rule("grade", CreditGradeParams({"discredited": D("0.5")}), "45"))
    assert run(rb, x=ctx(trader("discredited"))).fired[0].contribution == D("22.5")


def test_compliance_history_needs_the_minimum_count_and_a_rate_above_the_threshold() -> None:
    rb = book(
        rule(
            "hist",
            ComplianceHistoryParams(D("0.1"), 5),
            "25",
            reason="{discrepancies}/{inspected} = {rate} > {threshold}",
        )
    )
    assert run(rb, x=ctx(trader(inspected=4, discrepancies=4))).fired == ()  # too few inspections
    assert run(rb, x=ctx(trader(inspected=10, discrepancies=1))).fired == ()  # exactly 10%: not above
    hit = run(rb, x=ctx(trader(inspected=10, discrepancies=2)))
    assert hit.fired[0].reason == "2/10 = 20% > 10%"


def test_value_per_kg_fires_below_and_above_the_reference_range() -> None:
    rb = book(
        rule(
            "vpk",
            ValuePerKgParams(),
            "30",
            reason="item {item} {hs4}: {value_per_kg} {direction} {low}-{high}",
        )
    )
    # 1000 USD x 7.1 / 100 kg = 71 CNY/kg: inside 20-200
    assert run(rb).fired == ()
    cheap = run(rb, content(item(value="100")))  # 7.1 CNY/kg
    assert cheap.fired[0].reason == "item 1 6109: 7.10 below 20-200"
    dear = run(rb, content(item(), item(value="10000")))  # 710 CNY/kg
    assert dear.fired[0].reason == "item 2 6109: 710.00 above 20-200"
    # headings without a reference range, and a context without ranges, are not judged
    assert run(rb, content(item("620520", value="1"))).fired == ()
    assert run(rb, content(item(value="1")), ctx(value_ranges={})).fired == ()


def test_value_per_kg_direction_limits_the_side() -> None:
    below_only = book(rule("vpk", ValuePerKgParams(ValueDirection.BELOW)))
    assert run(below_only, content(item(value="10000"))).fired == ()
    assert fired_ids(run(below_only, content(item(value="100")))) == ["vpk"]


def test_mass_inconsistency_net_over_gross() -> None:
    rb = book(rule("mass", MassInconsistencyParams(D("0.02")), "20", reason="{item}: {detail}"))
    assert run(rb).fired == ()
    hit = run(rb, content(item(net="120", gross="110")))
    assert hit.fired[0].reason == "1: net mass 120 kg exceeds gross mass 110 kg"


def test_mass_inconsistency_quantity_in_kilograms_must_match_the_net_mass() -> None:
    rb = book(rule("mass", MassInconsistencyParams(D("0.02"))))
    assert run(rb, content(item(unit="KGM", quantity="101", net="100"))).fired == ()  # within 2%
    assert fired_ids(run(rb, content(item(unit="KGM", quantity="150", net="100")))) == ["mass"]
    assert run(rb, content(item(unit="TNE", quantity="0.1", net="100"))).fired == ()
    assert fired_ids(run(rb, content(item(unit="TNE", quantity="1", net="100")))) == ["mass"]
    assert run(rb, content(item(unit="H87", quantity="150", net="100"))).fired == ()  # pieces: no check


def test_mass_inconsistency_against_the_manifest_total() -> None:
    rb = book(rule("mass", MassInconsistencyParams(D("0.02")), reason="{item}: {detail}"))
    two = content(item(gross="110"), item(net="80", gross="90"))
    assert run(rb, two, ctx(manifest_gross_kg=D("201"))).fired == ()
    hit = run(rb, two, ctx(manifest_gross_kg=D("300")))
    assert hit.fired[0].reason == "all: the items' gross masses add up to 200 kg, the manifest says 300 kg"


def test_first_time_trader() -> None:
    rb = book(rule("new", FirstTimeTraderParams(3), "15"))
    assert fired_ids(run(rb, x=ctx(trader(declarations=0, inspected=0)))) == ["new"]
    assert fired_ids(run(rb, x=ctx(trader(declarations=2, inspected=0)))) == ["new"]
    assert run(rb, x=ctx(trader(declarations=3, inspected=0))).fired == ()


def test_controlled_goods_without_a_licence_force_red_and_with_one_at_least_yellow() -> None:
    rb = book(
        rule("ctl", ControlledGoodsParams(), "5", reason="{hs} under {prefix}: licence {licence}"),
        controlled=("3002", "93"),
    )
    assert run(rb).fired == ()
    samples = item("300215", description="biomedical samples")
    red = run(rb, content(item(), samples))
    assert red.lane is Lane.RED
    assert red.forced_lane is Lane.RED
    assert red.score == 5
    assert red.fired[0].reason == "300215 under 3002: licence none"
    yellow = run(rb, content(replace(samples, licences=("QZ-2025-001",))))
    assert yellow.lane is Lane.YELLOW
    assert yellow.fired[0].reason == "300215 under 3002: licence QZ-2025-001"
    # one licensed, one not: red, and the reason names the unlicensed one
    mixed = run(rb, content(replace(samples, licences=("QZ-1",)), item("930200")))
    assert mixed.lane is Lane.RED
    assert mixed.fired[0].reason.startswith("930200 under 93")


def test_controlled_goods_are_silent_when_the_rulebook_lists_none() -> None:
    rb = book(rule("ctl", ControlledGoodsParams()))
    assert run(rb, content(item("300215"))).fired == ()


def test_model_score_contributes_weight_times_score_only_when_given() -> None:
    rb = book(rule("model", ModelScoreParams(), "40", reason="{model_version}: {model_score}"))
    assert run(rb).fired == ()
    result = run(rb, x=ctx(model_score=D("0.8125"), model_version="m-3"))
    assert result.fired[0].contribution == D("32.5")
    assert result.fired[0].reason == "m-3: 0.8125"
    assert result.model_version == "m-3"
    # a model score the rulebook does not weigh (no rule, or the rule switched off) is not recorded
    assert run(book(), x=ctx(model_score=D("0.8"), model_version="m-3")).model_version is None
    switched_off = book(rule("model", ModelScoreParams(), "40", enabled=False))
    assert run(switched_off, x=ctx(model_score=D("0.8"), model_version="m-3")).model_version is None
    with pytest.raises(ValidationFailed, match="model_score"):
        ctx(model_score=D("1.5"))


def test_model_score_contributions_are_rounded_to_the_stored_precision() -> None:
    rb = book(rule("model", ModelScoreParams(), "40"))
    result = run(rb, x=ctx(model_score=D("0.123456789")))
    assert result.score == D("4.938")


def test_disabled_rules_never_fire() -> None:
    rb = book(rule("always", AlwaysParams(), "50", enabled=False))
    assert run(rb).fired == ()


# --------------------------------------------------------------------------------------- lanes


def test_forced_lanes_beat_the_score() -> None:
    rb = book(rule("force", AlwaysParams(), "0", force_lane=Lane.RED))
    result = run(rb)
    assert result.score == 0
    assert result.lane is Lane.RED


def test_a_forced_yellow_does_not_lower_a_red_score() -> None:
    rb = book(rule("force", AlwaysParams(), "0", force_lane=Lane.YELLOW), rule("heavy", AlwaysParams(), "70"))
    result = run(rb)
    assert result.forced_lane is Lane.YELLOW
    assert result.lane is Lane.RED


def test_the_strictest_forced_lane_wins() -> None:
    rb = book(
        rule("y", AlwaysParams(), "0", force_lane=Lane.YELLOW),
        rule("r", AlwaysParams(), "0", force_lane=Lane.RED),
        rule("y2", AlwaysParams(), "0", force_lane=Lane.YELLOW),
    )
    assert run(rb).lane is Lane.RED
    assert run(rb).forced_lane is Lane.RED


def test_the_score_is_clipped_to_0_and_100() -> None:
    assert run(book(*(rule(f"r{i}", AlwaysParams(), "60") for i in range(3)))).score == 100
    assert run(book(rule("bonus", AlwaysParams(), "-40"))).score == 0


def test_thresholds_are_inclusive() -> None:
    assert run(book(rule("a", AlwaysParams(), "30"))).lane is Lane.YELLOW
    assert run(book(rule("a", AlwaysParams(), "29.999"))).lane is Lane.GREEN
    assert run(book(rule("a", AlwaysParams(), "60"))).lane is Lane.RED


# ------------------------------------------------------------------------------------ random sampling


def test_random_sampling_is_deterministic_per_id_and_version() -> None:
    rb = book(rule("rnd", RandomParams(), "0", force_lane=Lane.RED), random_rate="0.5")
    ids = [f"DEC-{n}" for n in range(200)]
    first = [run(rb, did=i).lane for i in ids]
    assert first == [run(rb, did=i).lane for i in ids]
    assert {Lane.GREEN, Lane.RED} == set(first)
    for i, lane in zip(ids, first, strict=True):
        assert (lane is Lane.RED) == (sampling_draw(i, "t-1") < D("0.5"))


def test_random_sampling_differs_across_versions() -> None:
    r = rule("rnd", RandomParams(), "0", force_lane=Lane.RED)
    v1, v2 = book(r, version="v1", random_rate="0.5"), book(r, version="v2", random_rate="0.5")
    ids = [f"DEC-{n}" for n in range(200)]
    assert [run(v1, did=i).lane for i in ids] != [run(v2, did=i).lane for i in ids]


def test_random_sampling_rate_over_20000_ids_is_close_to_the_configured_rate() -> None:
    rb = book(rule("rnd", RandomParams(), "0", force_lane=Lane.RED), random_rate="0.02")
    n = 20_000
    sampled = sum(1 for k in range(n) if run(rb, did=f"2025-HRG-{k:06d}").fired)
    # binomial: sd = sqrt(n p (1-p)) ~ 19.8; 5 sd either side of 400
    assert 300 < sampled < 500


def test_random_rate_zero_and_one_are_exact() -> None:
    r = rule("rnd", RandomParams(), "0", force_lane=Lane.RED)
    assert all(run(book(r, random_rate="0"), did=str(k)).fired == () for k in range(300))
    assert all(run(book(r, random_rate="1"), did=str(k)).lane is Lane.RED for k in range(300))


def test_sampling_draw_is_in_the_unit_interval() -> None:
    draws = [sampling_draw(str(k), "v") for k in range(500)]
    assert all(D(0) <= d < 1 for d in draws)


# --------------------------------------------------------------------------- replay and the two views


def full_book() -> Rulebook:
    return book(
        rule("watch", HsWatchParams(("2402",)), "35", reason="{hs}", trader_reason="Goods of this kind are checked."),
        rule("grade", CreditGradeParams({"discredited": D(60)}), "1", trader_reason=""),
        rule("rnd", RandomParams(), "0", force_lane=Lane.RED, reason="random {rate}", trader_reason="Routine check."),
        rule("model", ModelScoreParams(), "40", reason="model {model_score}", trader_reason="Routine check."),
        rule(
            "ctl", ControlledGoodsParams(), "20", reason="{hs} {licence}", trader_reason="Item {item} needs a licence"
        ),
        random_rate="1",
        controlled=("3002",),
    )


def test_replaying_the_same_inputs_gives_the_identical_assessment() -> None:
    c = content(item("240220"), item("300215"))
    x = ctx(trader("discredited"), model_score=D("0.37"), model_version="m-1")
    first = assess("D-42", c, full_book(), x)
    again = assess("D-42", c, full_book(), x)
    assert first == again
    assert first.officer_view() == again.officer_view()
    assert first.rulebook_version == "t-1"


def test_officer_view_has_everything_as_json_compatible_values() -> None:
    result = assess("D-42", content(item("240220")), full_book(), ctx(model_score=D("0.5"), model_version="m-1"))
    view = result.officer_view()
    assert view["lane"] == "red"
    assert view["score"] == "55"
    assert view["rulebook_version"] == "t-1"
    assert view["model_version"] == "m-1"
    assert [f["rule_id"] for f in view["fired"]] == ["watch", "rnd", "model"]
    assert view["fired"][2]["contribution"] == "20"
    assert view["fired"][1]["forced_lane"] == "red"
    # the values each reason was filled with, kept for showing it in another language
    assert view["fired"][0]["values"]["hs"] == "240220" and view["fired"][0]["reason"] == "240220"
    assert view["fired"][2]["values"] == {"model_score": "0.5", "model_version": "m-1"}
    json.dumps(view)  # no Decimal or enum left


def test_each_fired_rule_keeps_the_values_its_reasons_were_filled_with() -> None:
    c = content(item("240220"), item("300215"))
    result = assess("D-42", c, full_book(), ctx(trader("discredited"), model_score=D("0.37"), model_version="m-1"))
    book_ = full_book()
    for fired in result.fired:
        rule = book_.rule(fired.rule_id)
        assert rule is not None
        assert rule.reason.format_map(fired.values) == fired.reason
        assert rule.trader_reason.format_map(fired.values) == fired.trader_reason
    assert {f.rule_id for f in result.fired} >= {"watch", "grade", "ctl", "model"}


def test_trader_view_never_leaks_weights_rule_ids_kinds_or_the_score() -> None:
    rb = full_book()
    result = assess("D-42", content(item("240220"), item("300215")), rb, ctx(trader("discredited"), model_score=D(1)))
    view = result.trader_view()
    assert set(view) == {"lane", "reasons"}
    assert view["lane"] == "red"
    assert view["reasons"] == ["Goods of this kind are checked.", "Routine check.", "Item 2 needs a licence"]
    text = repr(view).lower()
    for r in rb.rules:
        assert r.id not in text
        assert r.kind.value not in text
    for f in result.fired:
        if f.contribution:
            assert str(f.contribution) not in text
    assert "random" not in text
    assert str(result.score) not in text


def test_trader_view_of_a_green_lane_gives_no_reasons() -> None:
    rb = book(rule("small", AlwaysParams(), "10", trader_reason="something"))
    assert run(rb).trader_view() == {"lane": "green", "reasons": []}


# ----------------------------------------------------------------------------- compliance history


def test_inspection_outcomes_feed_the_compliance_history() -> None:
    rb = book(rule("hist", ComplianceHistoryParams(D("0.1"), 5), "40"))
    profile = trader(declarations=20, inspected=4, discrepancies=0)
    assert run(rb, x=ctx(profile)).fired == ()
    profile = profile.after_inspection(finding_conform=False)
    assert (profile.inspected, profile.discrepancies) == (5, 1)
    assert run(rb, x=ctx(profile)).lane is Lane.YELLOW
    for _ in range(5):
        profile = profile.after_inspection(finding_conform=True)
    assert profile.discrepancy_rate == D("0.1")
    assert run(rb, x=ctx(profile)).fired == ()
    assert profile.after_declaration().declarations == 21


def test_trader_profile_refuses_impossible_counts() -> None:
    with pytest.raises(ValidationFailed, match="discrepancies"):
        TraderProfile("e", "general", 5, 1, 2)
    with pytest.raises(ValidationFailed, match="inspected: must not be negative"):
        TraderProfile("e", "general", 5, -1, 0)


# --------------------------------------------------------------------------------------- properties

weights = st.decimals(min_value=-100, max_value=100, places=3, allow_nan=False, allow_infinity=False)
pos_weights = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False)
hs_codes = st.sampled_from(["610910", "240220", "300215", "870323", "710812", "970190", "220830"])
grades = st.sampled_from(["advanced_certified", "general_certified", "general", "discredited"])


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Rulebook, DeclarationContent, RiskContext, str]:
    rules = [
        rule("watch", HsWatchParams(("2402", "2208")), str(draw(weights))),
        rule("grade", CreditGradeParams({"discredited": D(60), "advanced_certified": D(-20)}), str(draw(weights))),
        rule("hist", ComplianceHistoryParams(D("0.1"), 3), str(draw(weights))),
        rule("vpk", ValuePerKgParams(), str(draw(weights))),
        rule("mass", MassInconsistencyParams(), str(draw(weights))),
        rule("new", FirstTimeTraderParams(2), str(draw(weights))),
        rule("model", ModelScoreParams(), str(draw(weights))),
        rule("always", AlwaysParams(), str(draw(weights))),
    ]
    chosen = draw(st.lists(st.sampled_from(rules), unique_by=lambda r: r.id))
    items = draw(
        st.lists(
            st.builds(
                item,
                hs_codes,
                value=st.integers(1, 100_000).map(str),
                net=st.integers(1, 1000).map(str),
                gross=st.integers(1, 1100).map(str),
            ),
            min_size=1,
            max_size=5,
        )
    )
    inspected = draw(st.integers(0, 20))
    profile = TraderProfile("ent-1", draw(grades), draw(st.integers(0, 30)), inspected, draw(st.integers(0, inspected)))
    model = draw(st.none() | st.decimals(min_value=0, max_value=1, places=4))
    x = RiskContext(profile, {"6109": (D(20), D(200)), "8703": (D(50), D(500))}, model)
    return book(*chosen), content(*items), x, draw(st.text(min_size=1, max_size=12))


@given(scenarios())
@settings(max_examples=200)
def test_the_score_is_always_within_0_and_100(s: tuple[Rulebook, DeclarationContent, RiskContext, str]) -> None:
    rb, c, x, did = s
    result = assess(did, c, rb, x)
    assert D(0) <= result.score <= 100
    assert result.lane is rb.lane_for(result.score)  # nothing forces in these rulebooks


@given(
    st.decimals(min_value=0, max_value=100, places=3),
    st.decimals(min_value=0, max_value=100, places=3),
    st.decimals(min_value=0, max_value=100, places=3),
    st.decimals(min_value=0, max_value=100, places=3),
)
def test_the_lane_is_monotone_in_the_score(yellow: Decimal, red: Decimal, a: Decimal, b: Decimal) -> None:
    yellow, red = min(yellow, red), max(yellow, red)
    rb = Rulebook("v", "", yellow, red, D(0), (), ())
    order = {Lane.GREEN: 0, Lane.YELLOW: 1, Lane.RED: 2}
    low, high = min(a, b), max(a, b)
    assert order[rb.lane_for(low)] <= order[rb.lane_for(high)]
    # and assess agrees when a single rule carries the score
    lanes = [
        assess("d", content(), replace(rb, rules=(rule("w", AlwaysParams(), str(s)),)), ctx()).lane for s in (low, high)
    ]
    assert order[lanes[0]] <= order[lanes[1]]


@given(scenarios(), pos_weights)
@settings(max_examples=200)
def test_adding_a_firing_rule_never_lowers_the_score(
    s: tuple[Rulebook, DeclarationContent, RiskContext, str], weight: Decimal
) -> None:
    rb, c, x, did = s
    before = assess(did, c, rb, x)
    extra = rule("extra", AlwaysParams(), str(weight))
    after = assess(did, c, replace(rb, rules=(*rb.rules, extra)), x)
    assert "extra" in fired_ids(after)
    assert after.score >= before.score
    order = {Lane.GREEN: 0, Lane.YELLOW: 1, Lane.RED: 2}
    assert order[after.lane] >= order[before.lane]


def test_every_rule_kind_has_an_evaluator() -> None:
    from silkport.clearance.domain.rules import engine

    assert set(engine._EVALUATORS) == set(RuleKind)
