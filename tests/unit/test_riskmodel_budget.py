"""The inspection budget: the share sent to red converges to the zone's budget, forced reds use the same
capacity, and every decision is deterministic and replayable."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkport.riskmodel.budget import InspectionBudget, threshold_for


def stream(n: int, seed: int, shape: float = 1.0) -> list[float]:
    rng = random.Random(seed)
    return [rng.random() ** shape for _ in range(n)]


@pytest.mark.parametrize(("share", "shape"), [(0.05, 1.0), (0.01, 3.0), (0.10, 0.3)])
def test_the_share_sent_to_red_converges_to_the_budget(share: float, shape: float) -> None:
    budget = InspectionBudget(share, window=2000, seed=stream(2000, 1, shape))
    decisions = [budget.decide(s) for s in stream(20_000, 2, shape)]
    red = sum(d.red for d in decisions) / len(decisions)
    assert red == pytest.approx(share, rel=0.1)
    late = decisions[-5000:]
    assert sum(d.red for d in late) / len(late) == pytest.approx(share, rel=0.15)


def test_a_badly_seeded_budget_adapts_to_the_stream() -> None:
    """Seeded with scores far lower than the stream's: it over-inspects at first, then converges."""
    budget = InspectionBudget(0.05, window=1000, seed=[0.01] * 1000)
    decisions = [budget.decide(s) for s in stream(10_000, 3)]
    assert sum(d.red for d in decisions[:200]) > 100
    late = decisions[-5000:]
    assert sum(d.red for d in late) / len(late) == pytest.approx(0.05, rel=0.15)


def test_forced_reds_use_the_same_capacity() -> None:
    rng = random.Random(4)
    budget = InspectionBudget(0.05, window=2000, seed=stream(2000, 5))
    red = forced_count = 0
    n = 20_000
    for s in stream(n, 6):
        forced = rng.random() < 0.02
        d = budget.decide(s, forced_red=forced)
        forced_count += forced
        red += forced or d.red
        assert not (forced and d.red)
    assert red / n == pytest.approx(0.05, rel=0.1)
    assert forced_count / n == pytest.approx(0.02, rel=0.2)


def test_when_the_rules_force_more_than_the_budget_the_model_sends_none() -> None:
    budget = InspectionBudget(0.05, window=100)
    for _ in range(100):
        budget.decide(0.5, forced_red=True)
    assert budget.model_share() == 0.0
    d = budget.decide(0.999)
    assert not d.red
    assert d.threshold == math.inf


def test_decisions_are_deterministic_and_replayable() -> None:
    seed = stream(500, 7)
    scores = stream(3000, 8)
    forced = [i % 37 == 0 for i in range(3000)]
    a = InspectionBudget(0.05, window=800, seed=seed)
    b = InspectionBudget(0.05, window=800, seed=seed)
    run_a = [a.decide(s, forced_red=f) for s, f in zip(scores, forced, strict=True)]
    run_b = [b.decide(s, forced_red=f) for s, f in zip(scores, forced, strict=True)]
    assert run_a == run_b
    # a snapshot taken half-way continues exactly as the original
    c = InspectionBudget(0.05, window=800, seed=seed)
    for s, f in zip(scores[:1500], forced[:1500], strict=True):
        c.decide(s, forced_red=f)
    restored = InspectionBudget.restore(c.snapshot())
    assert [restored.decide(s, forced_red=f) for s, f in zip(scores[1500:], forced[1500:], strict=True)] == run_a[1500:]
    # the threshold used is recorded: a decision can be checked against it
    for d, f in zip(run_a, forced, strict=True):
        assert d.red == (not f and d.score > d.threshold)
    assert run_a[0].to_mapping()["window"] == 500


@settings(max_examples=100, deadline=None)
@given(scores=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=200), share=st.floats(0.0, 1.0))
def test_the_threshold_puts_the_budget_share_above_it(scores: list[float], share: float) -> None:
    ordered = sorted(scores)
    t = threshold_for(ordered, share)
    above = sum(1 for s in ordered if s > t)
    k = min(len(ordered), math.floor(share * len(ordered) + 0.5))
    assert above <= k  # ties at the threshold stay out
    if t != -math.inf and len(set(ordered)) == len(ordered):
        assert above == k


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        InspectionBudget(1.5)
    with pytest.raises(ValueError, match="at least one"):
        InspectionBudget(0.05, window=0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        InspectionBudget(0.05).decide(1.2)
