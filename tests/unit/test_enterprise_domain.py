"""The enterprise aggregate: identifiers, validation and the status state machine (pure, fast)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from silkport.enterprises.domain.model import (
    TRANSITIONS,
    USCC_ALPHABET,
    Enterprise,
    EnterpriseDetails,
    EnterpriseStatus,
    Sector,
    uscc_problem,
)
from silkport.shared.errors import IllegalTransition, ValidationFailed

AREAS = frozenset({"URUMQI", "HORGOS", "KASHGAR"})


def details(**over: object) -> EnterpriseDetails:
    base = EnterpriseDetails(
        name_en="Horgos Trading Co., Ltd.",
        name_zh="霍尔果斯贸易有限公司",
        country="CN",
        area_code="HORGOS",
        sectors=frozenset({Sector.TRADE}),
        registration_date=date(2024, 3, 1),
        uscc="91310000775785552L",
    )
    return replace(base, **over)  # type: ignore[arg-type]


def fields(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.message for e in exc.errors}


def test_a_valid_uscc_passes_and_a_wrong_check_character_is_named() -> None:
    assert uscc_problem("91310000775785552L") is None
    assert uscc_problem("913100007757855529") == "check character should be L"


def test_uscc_problems_name_what_is_wrong() -> None:
    assert uscc_problem("9131000077578555") == "must be 18 characters, got 16"
    assert uscc_problem("9A310000775785552L") == "the first 8 characters must be digits"
    assert "not allowed" in (uscc_problem("91310000775785I52L") or "")


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))
def test_any_code_with_its_computed_check_character_is_valid(head: str, middle: str) -> None:
    body = head + middle
    code = body + stdnum_uscc.calc_check_digit(body)
    assert uscc_problem(code) is None
    wrong = next(c for c in USCC_ALPHABET if c != code[-1])
    assert uscc_problem(body + wrong) == f"check character should be {code[-1]}"


def test_registration_reports_every_field_error_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Enterprise.register(
            "e1",
            details(uscc="913100007757855529", area_code="NOWHERE", sectors=frozenset(), name_zh=None),
            AREAS,
        )
    errs = fields(caught.value)
    assert errs["uscc"] == "check character should be L"
    assert "NOWHERE" in errs["area"]
    assert errs["sectors"] == "at least one sector is required"
    assert "Chinese name" in errs["name_zh"]


def test_a_foreign_enterprise_needs_a_national_id_not_a_uscc() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Enterprise.register("e1", details(country="KZ", uscc="91310000775785552L"), AREAS)
    assert set(fields(caught.value)) == {"uscc", "national_id"}
    ok = Enterprise.register("e2", details(country="KZ", uscc=None, national_id="123456789012", name_zh=None), AREAS)
    assert ok.identifier == "KZ:123456789012"


def test_foreign_investment_and_capital_are_consistent() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Enterprise.register(
            "e1",
            details(foreign_invested=True, registered_capital=Decimal("-1"), capital_currency="XXY"),
            AREAS,
        )
    errs = fields(caught.value)
    assert set(errs) == {"investor_countries", "registered_capital", "capital_currency"}


def test_uscc_is_stored_compact_and_upper_case() -> None:
    e = Enterprise.register("e1", details(uscc="91310000-775785552l"), AREAS)
    assert e.details.uscc == "91310000775785552L"


def test_status_changes_need_a_reason_and_follow_the_edges() -> None:
    e = Enterprise.register("e1", details(), AREAS)
    with pytest.raises(ValidationFailed):
        e.suspend("  ")
    e.suspend("unpaid duties")
    assert e.status is EnterpriseStatus.SUSPENDED
    e.reinstate("duties paid")
    e.deregister("left the zone")
    with pytest.raises(IllegalTransition):
        e.reinstate("changed their mind")
    with pytest.raises(IllegalTransition):
        e.update(details(), AREAS)


@given(st.lists(st.sampled_from(list(EnterpriseStatus)), max_size=12))
def test_the_status_machine_only_moves_along_legal_edges(targets: list[EnterpriseStatus]) -> None:
    e = Enterprise.register("e1", details(), AREAS)
    for target in targets:
        before = e.status
        version = e.version
        if target in TRANSITIONS[before]:
            e.move_to(target, "because")
            assert e.status is target and e.version == version + 1
        else:
            with pytest.raises(IllegalTransition):
                e.move_to(target, "because")
            assert e.status is before and e.version == version
