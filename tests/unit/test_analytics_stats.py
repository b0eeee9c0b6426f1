"""Pure computations behind the indicators: nearest-rank percentiles, changes and shares."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from silkport.analytics import stats
from silkport.analytics.indicators import Period, distribution, histogram, minute_distribution
from silkport.analytics.reference import load_references, parse_references

seconds = st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=200)


@given(seconds, st.integers(min_value=1, max_value=100))
def test_nearest_rank_is_a_value_with_enough_at_or_below(values: list[int], pct: int) -> None:
    p = stats.nearest_rank(values, pct)
    assert p in values
    at_or_below = sum(1 for v in values if v <= p)
    assert at_or_below * 100 >= pct * len(values)
    # and it is the smallest such value
    below = sum(1 for v in values if v < p)
    assert below * 100 < pct * len(values)


@given(seconds)
def test_percentiles_are_ordered_and_ignore_input_order(values: list[int]) -> None:
    p50, p90 = stats.nearest_rank(values, 50), stats.nearest_rank(values, 90)
    assert p50 is not None and p90 is not None and min(values) <= p50 <= p90 <= max(values)
    assert stats.nearest_rank(list(reversed(values)), 50) == p50
    assert stats.nearest_rank(values, 100) == max(values)


def test_percentile_examples_and_edges() -> None:
    assert stats.nearest_rank([], 50) is None
    assert stats.nearest_rank([15, 20, 35, 40, 50], 30) == 20
    assert stats.nearest_rank([15, 20, 35, 40, 50], 40) == 20
    assert stats.nearest_rank([15, 20, 35, 40, 50], 50) == 35
    with pytest.raises(ValueError):
        stats.nearest_rank([1], 0)


def test_changes_and_shares() -> None:
    assert stats.change_pct(Decimal(470), Decimal(100)) == Decimal("370.0")
    assert stats.change_pct(Decimal(1), Decimal(0)) is None
    assert stats.share_pct(Decimal(40), Decimal(100)) == Decimal("40.0")
    assert stats.difference_pct(None, Decimal(3)) is None
    assert stats.difference_pct(Decimal("2.85"), Decimal(3)) == Decimal("-5.0")
    assert stats.hours(5400) == Decimal("1.50")


@given(seconds)
def test_histogram_counts_every_value_once(values: list[int]) -> None:
    minutes = Counter(v // 60 for v in values)
    h = histogram(minutes)
    assert sum(n for _, n in h) == len(values)
    assert [b for b, _ in h] == list(range(12))
    assert distribution("x", values).count == len(values)


@given(
    st.dictionaries(st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=50)),
    st.integers(1, 100),
)
def test_counted_percentile_equals_the_percentile_of_the_expanded_values(counts: dict[int, int], pct: int) -> None:
    expanded = [v for v, c in counts.items() for _ in range(c)]
    assert stats.nearest_rank_counted(counts, pct) == stats.nearest_rank(expanded, pct)


@given(st.lists(st.integers(min_value=0, max_value=3000), min_size=1, max_size=100))
def test_minute_distribution_is_the_distribution_of_the_minutes(minutes: list[int]) -> None:
    d = minute_distribution("m", Counter(minutes))
    plain = distribution("m", [m * 60 for m in minutes])
    assert (d.count, d.p50_hours, d.p90_hours, d.mean_hours) == (
        plain.count,
        plain.p50_hours,
        plain.p90_hours,
        plain.mean_hours,
    )


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31)), st.integers(min_value=0, max_value=800))
def test_period_is_local_days(start: date, days: int) -> None:
    from datetime import timedelta

    p = Period(start, start + timedelta(days=days))
    assert (p.end_at - p.start_at) == timedelta(days=days + 1)
    assert p.start_at.hour == 18  # local midnight in Urumqi (UTC+6) is 18:00 UTC the day before
    assert p.year_before().start.year == start.year - 1


def test_reference_totals_have_sources_and_exact_periods() -> None:
    refs = load_references()
    jan_sep = refs.region_total(date(2025, 1, 1), date(2025, 9, 30))
    assert jan_sep is not None and jan_sep.estimated and "ESTIMATE" in jan_sep.source
    assert refs.region_total(date(2025, 1, 1), date(2025, 9, 29)) is None
    assert all(t.source for t in refs.xinjiang_trade)
    assert refs.area_airports["URUMQI"] == ("URC",)
    parsed = parse_references({"xinjiang_foreign_trade": [], "area_airports": {"HORGOS": None}})
    assert parsed.area_airports == {"HORGOS": ()}
