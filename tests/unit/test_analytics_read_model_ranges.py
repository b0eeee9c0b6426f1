"""A period is read from the clearance read model as whole months plus the loose days around them: together
they cover each day of the period exactly once."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from silkport.analytics.readmodel import period_ranges


def days_of(grain: str, first: date, last: date) -> list[date]:
    out = []
    d = first
    while d <= last:
        if grain == "day":
            out.append(d)
            d += timedelta(days=1)
        else:
            assert d.day == 1, "a month row starts on the first"
            nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
            out.extend(d + timedelta(days=k) for k in range((nxt - d).days))
            d = nxt
    return out


@given(start=st.dates(date(2020, 1, 1), date(2030, 12, 31)), length=st.integers(0, 900))
def test_months_and_days_cover_the_period_exactly_once(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    covered: list[date] = []
    for grain, first, last in period_ranges(start, end):
        assert grain in ("day", "month") and first <= last
        covered.extend(days_of(grain, first, last))
    assert sorted(covered) == [start + timedelta(days=k) for k in range(length + 1)]
    assert len(covered) == len(set(covered))


def test_whole_months_are_read_as_months() -> None:
    assert period_ranges(date(2025, 1, 1), date(2025, 9, 30)) == [("month", date(2025, 1, 1), date(2025, 9, 1))]
    assert period_ranges(date(2025, 1, 15), date(2025, 2, 10)) == [("day", date(2025, 1, 15), date(2025, 2, 10))]
    assert period_ranges(date(2024, 12, 31), date(2025, 3, 1)) == [
        ("month", date(2025, 1, 1), date(2025, 2, 1)),
        ("day", date(2024, 12, 31), date(2024, 12, 31)),
        ("day", date(2025, 3, 1), date(2025, 3, 1)),
    ]
