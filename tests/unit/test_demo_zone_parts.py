"""The demo generator's pure parts: how volumes are split over months, and the identifiers it makes."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from silkport.clearance.domain.model import Lane
from silkport.enterprises.domain.model import uscc_problem
from silkport.entrypoints.cli.demo_zone import (
    SCALES,
    _air_tonnes,
    _kg_trade_cny,
    _months,
    _spread,
    _uscc,
    horgos_smart_port,
)
from silkport.logistics.domain.identifiers import awb_check_digit, awb_problem, vin_check_digit, vin_problem


@given(st.integers(0, 10**6), st.lists(st.floats(0.01, 1000), min_size=1, max_size=40))
def test_a_volume_is_split_whole_in_proportion(total: int, weights: list[float]) -> None:
    parts = _spread(total, weights)
    assert sum(parts) == total and len(parts) == len(weights) and min(parts) >= 0
    share = sum(weights)
    assert all(abs(p - total * w / share) < 1 for p, w in zip(parts, weights, strict=True))


def test_the_window_and_the_calibration_series() -> None:
    months = _months()
    assert (months[0], months[-1]) == (datetime(2023, 11, 1, tzinfo=UTC), datetime(2025, 9, 1, tzinfo=UTC))
    assert len(months) == 23
    jan_aug = [m for m in months if m.month <= 8]
    t25 = sum(_air_tonnes(m) for m in jan_aug if m.year == 2025)
    t24 = sum(_air_tonnes(m) for m in jan_aug if m.year == 2024)
    assert round(t25) == 68_100 and round((t25 / t24 - 1) * 100) == 370
    assert round(sum(_kg_trade_cny(m) for m in months if m.year == 2025)) == 3_660_000_000
    assert SCALES["full"].factors.keys() == SCALES["quick"].factors.keys() == SCALES["test"].factors.keys()


@given(st.integers(0, 9_999_999), st.integers(0, 10**6))
def test_generated_identifiers_are_valid(serial: int, seed: int) -> None:
    assert uscc_problem(_uscc("654004", seed, serial)) is None
    draft = f"LZZ{seed % 97:02d}A{serial % 100:02d}0S{'A'}{serial % 1_000_000:06d}"
    vin = draft[:8] + vin_check_digit(draft) + draft[9:]
    assert vin_problem(vin) is None
    serial7 = f"{serial:07d}"
    assert awb_problem(f"784{serial7}{awb_check_digit(serial7)}") is None


def test_the_horgos_rulebook_document_checks_commercial_vehicles_only() -> None:
    rulebook = horgos_smart_port()
    assert rulebook.version.endswith("-horgos")
    rule = next(r for r in rulebook.rules if r.id == "vehicle-export-licence")
    assert rule.force_lane is Lane.YELLOW
