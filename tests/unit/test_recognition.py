"""Streamlined highway: an inspection upstream on a corridor is recognised downstream when the seals are intact."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from silkport.clearance.adapters.reference import load_recognition_policy
from silkport.clearance.domain.model import Container, Lane
from silkport.clearance.domain.recognition import (
    LEGAL_KINDS,
    Corridor,
    InspectedContainer,
    RecognitionPolicy,
    apply_recognition,
    find_recognition,
    seal_key,
)
from silkport.clearance.domain.rules.rulebook import RuleKind
from silkport.clearance.schemas import DeclarationIn
from tests.factories import declaration

NOW = datetime(2025, 9, 3, 10, 0, tzinfo=UTC)
POLICY = RecognitionPolicy(
    (
        Corridor("Kashgar - Horgos", frozenset({"KSS-TIR", "HRS-ROAD"})),
        Corridor("rail", frozenset({"URM-RAIL", "HRS-RAIL"})),
    ),
    timedelta(hours=168),
)
BOXES = [("MSCU6639870", ["S-1", "S-2"]), ("CSQU3054383", ["S-3"])]


def content(office: str = "HRS-ROAD", boxes: list[tuple[str, list[str]]] = BOXES):  # type: ignore[no-untyped-def]
    body = declaration(office=office, containers=[{"number": n, "seals": s} for n, s in boxes])
    return DeclarationIn.model_validate(body).to_content("ent")


def inspected(office: str = "KSS-TIR", hours_ago: float = 20, boxes: list[tuple[str, list[str]]] = BOXES):  # type: ignore[no-untyped-def]
    at = NOW - timedelta(hours=hours_ago)
    return [InspectedContainer(n, seal_key(s), office, "up-1", at) for n, s in boxes]


def test_every_container_under_the_same_seals_is_recognised() -> None:
    found = find_recognition(content(), inspected(), POLICY, NOW)
    assert found is not None
    assert (found.corridor, found.office_code, found.declaration_ids) == ("Kashgar - Horgos", "KSS-TIR", ("up-1",))
    assert found.containers == ("CSQU3054383", "MSCU6639870")


def test_seal_order_and_case_do_not_matter_but_a_new_seal_does() -> None:
    assert seal_key(["s-2 ", "S-1"]) == seal_key(["S-1", "S-2"])
    broken = [("MSCU6639870", ["S-1", "S-9"]), ("CSQU3054383", ["S-3"])]
    assert find_recognition(content(boxes=broken), inspected(), POLICY, NOW) is None


def test_nothing_is_recognised_off_the_corridor_too_late_partially_or_unsealed() -> None:
    assert find_recognition(content(office="URM-RAIL"), inspected(), POLICY, NOW) is None  # not on the corridor
    assert find_recognition(content(office="KSS-TIR"), inspected(), POLICY, NOW) is None  # same office
    assert find_recognition(content(), inspected(hours_ago=169), POLICY, NOW) is None  # too old
    assert find_recognition(content(), inspected(boxes=BOXES[:1]), POLICY, NOW) is None  # one box not inspected
    assert find_recognition(content(boxes=[]), inspected(), POLICY, NOW) is None  # no containers: no seals
    unsealed = [("MSCU6639870", [])]
    assert find_recognition(content(boxes=unsealed), inspected(boxes=unsealed), POLICY, NOW) is None
    # the two containers were inspected at two different offices: no single inspection covers them
    split = inspected(boxes=BOXES[:1]) + [replace(c, office_code="URM-RAIL") for c in inspected(boxes=BOXES[1:])]
    assert find_recognition(content(), split, POLICY, NOW) is None


def test_a_red_lane_is_lifted_unless_the_law_forced_it() -> None:
    found = find_recognition(content(), inspected(), POLICY, NOW)
    lane, reason = apply_recognition(Lane.RED, [(RuleKind.RANDOM, Lane.RED)], found)
    assert lane is Lane.GREEN and reason is not None and "KSS-TIR" in reason
    for kind in LEGAL_KINDS:
        assert apply_recognition(Lane.RED, [(kind, Lane.RED)], found) == (Lane.RED, None)
    assert apply_recognition(Lane.RED, [(RuleKind.RANDOM, Lane.RED)], None) == (Lane.RED, None)


@given(
    lane=st.sampled_from(list(Lane)),
    fired=st.lists(st.tuples(st.sampled_from(list(RuleKind)), st.sampled_from([None, *Lane])), max_size=5),
    recognised=st.booleans(),
)
def test_recognition_only_ever_turns_red_into_green(
    lane: Lane, fired: list[tuple[RuleKind, Lane | None]], recognised: bool
) -> None:
    found = find_recognition(content(), inspected(), POLICY, NOW) if recognised else None
    after, reason = apply_recognition(lane, fired, found)
    if after is not lane:
        assert (lane, after) == (Lane.RED, Lane.GREEN) and reason is not None
        assert not any(k in LEGAL_KINDS and forced is Lane.RED for k, forced in fired)
    else:
        assert reason is None


def test_the_shipped_policy_reads_and_names_zone_ports() -> None:
    policy = load_recognition_policy()
    assert policy is not None and policy.max_age == timedelta(hours=168)
    assert policy.corridor_of("KSS-TIR", "HRS-ROAD") is not None
    assert policy.corridor_of("HRS-ROAD", "HRS-ROAD") is None


def test_a_malformed_policy_is_refused_precisely() -> None:
    import pytest

    with pytest.raises(ValueError, match="max_age_hours"):
        RecognitionPolicy.from_mapping({"corridors": []})
    with pytest.raises(ValueError, match="at least two offices"):
        RecognitionPolicy.from_mapping({"max_age_hours": 5, "corridors": [{"name": "x", "offices": ["A"]}]})


def test_containers_of_a_declaration_keep_their_seals() -> None:
    c = content()
    assert c.containers[0] == Container("MSCU6639870", ("S-1", "S-2"))
