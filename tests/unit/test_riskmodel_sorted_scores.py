"""The inspection budget's window of scores (``SortedScores``) behaves exactly like one sorted list."""

from __future__ import annotations

import bisect

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkport.riskmodel.budget import SortedScores, threshold_for

scores = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
# a few distinct values, so that duplicates (and blocks of equal values) are common
coarse = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.5000000000000001, 0.75, 1.0])
operations = st.lists(st.tuples(st.booleans(), st.one_of(scores, coarse)), max_size=400)


@settings(max_examples=200, deadline=None)
@given(initial=st.lists(st.one_of(scores, coarse), max_size=50), ops=operations, load=st.integers(1, 8))
def test_adds_and_removes_keep_the_same_order_as_a_sorted_list(
    initial: list[float], ops: list[tuple[bool, float]], load: int
) -> None:
    blocked = SortedScores(initial, load=load)
    flat = sorted(initial)
    for add, x in ops:
        if add or not flat:
            blocked.add(x)
            bisect.insort(flat, x)
        else:
            victim = flat[int(x * (len(flat) - 1))]  # remove a value that is there
            blocked.remove(victim)
            del flat[bisect.bisect_left(flat, victim)]
        assert len(blocked) == len(flat)
    assert list(blocked) == flat
    assert [blocked[i] for i in range(len(flat))] == flat
    assert [blocked[-i] for i in range(1, len(flat) + 1)] == [flat[-i] for i in range(1, len(flat) + 1)]
    assert blocked[1:3] == flat[1:3]
    for share in (0.0, 0.01, 0.05, 0.1, 0.5, 1.0):
        assert threshold_for(blocked, share) == threshold_for(flat, share)
    for b in blocked._blocks:  # no empty block, none above twice the load
        assert 0 < len(b) <= 2 * load
    assert blocked._maxes == [b[-1] for b in blocked._blocks]


def test_removing_a_score_that_is_not_there_is_refused() -> None:
    s = SortedScores([0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="not among"):
        s.remove(0.25)
    with pytest.raises(ValueError, match="not among"):
        s.remove(0.9)
    with pytest.raises(IndexError):
        s[3]
    with pytest.raises(ValueError, match="load"):
        SortedScores(load=0)
    assert list(s) == [0.1, 0.2, 0.3]


@settings(max_examples=100, deadline=None)
@given(
    stream=st.lists(st.tuples(st.one_of(scores, coarse), st.booleans()), max_size=300),
    share=st.sampled_from([0.0, 0.05, 0.1, 0.5, 1.0]),
    window=st.integers(1, 60),
)
def test_admit_gives_the_threshold_decide_gives(stream: list[tuple[float, bool]], share: float, window: int) -> None:
    from silkport.riskmodel.budget import InspectionBudget

    deciding, admitting = InspectionBudget(share, window), InspectionBudget(share, window)
    for x, forced in stream:
        decision = deciding.decide(x, forced_red=forced)
        assert admitting.admit(x, forced_red=forced) == decision.threshold
        assert decision.red == ((not forced) and x > decision.threshold)
        assert deciding.threshold() == admitting.threshold()
    assert deciding.snapshot() == admitting.snapshot()
