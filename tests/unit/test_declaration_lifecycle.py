"""The declaration's lifecycle only moves along its legal edges, and stage times are kept once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from silkport.clearance.domain.model import FINAL, TRANSITIONS, Declaration, Stage, Status
from silkport.clearance.schemas import content_from_json
from silkport.shared.errors import IllegalTransition
from tests.factories import declaration

T0 = datetime(2025, 9, 1, 8, tzinfo=UTC)


def fresh() -> Declaration:
    return Declaration(id="d1", content=content_from_json({**declaration(), "declarant": "e1"}))


@given(st.lists(st.sampled_from(list(Status)), max_size=15))
def test_only_legal_edges_are_taken(targets: list[Status]) -> None:
    d = fresh()
    for n, target in enumerate(targets):
        before = d.status
        if target in TRANSITIONS[before]:
            d.move(target, T0 + timedelta(minutes=n), "someone")
            assert d.status is target and d.history[-1].from_status is before
        else:
            with pytest.raises(IllegalTransition):
                d.move(target, T0, "someone")
            assert d.status is before
    assert all(b.to_status in TRANSITIONS[b.from_status] for b in d.history)


def test_final_states_have_no_way_out() -> None:
    assert all(not TRANSITIONS[s] for s in FINAL)
    assert Status.RELEASED not in FINAL and TRANSITIONS[Status.RELEASED] == frozenset({Status.EXITED})


def test_every_state_is_reachable_from_draft() -> None:
    seen, todo = {Status.DRAFT}, [Status.DRAFT]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(Status)


def test_a_stage_keeps_its_first_time() -> None:
    d = fresh()
    d.stamp(Stage.ARRIVAL, T0)
    d.stamp(Stage.ARRIVAL, T0 + timedelta(hours=1))
    assert d.stages[Stage.ARRIVAL] == T0 and d.arrived


def test_a_final_declaration_cannot_be_amended() -> None:
    d = fresh()
    d.move(Status.INVALIDATED, T0, "trader", "withdrawn")
    with pytest.raises(IllegalTransition):
        d.amend(d.content, [])
