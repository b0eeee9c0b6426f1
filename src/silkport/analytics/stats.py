"""Pure computations of the indicators: percentiles, changes and differences (no I/O, no storage).

Every function works on exact numbers (``int`` seconds, ``Decimal`` values), so the same rows give the
same answer whichever database they were read from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal

HOURS = Decimal("0.01")
PCT = Decimal("0.1")


def nearest_rank(values: Sequence[int], pct: int) -> int | None:
    """The nearest-rank percentile: the smallest value with at least ``pct``% of the values at or below it.

    ``values`` need not be sorted; ``None`` when there are none. Always one of the values (never interpolated).
    """
    if not 0 < pct <= 100:
        raise ValueError(f"percentile {pct} is not in (0, 100]")
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-pct * len(ordered) // 100))  # ceil(pct * n / 100)
    return ordered[rank - 1]


def nearest_rank_counted(counts: Mapping[int, int], pct: int) -> int | None:
    """``nearest_rank`` of the values given as value -> how many times it occurs (a histogram)."""
    if not 0 < pct <= 100:
        raise ValueError(f"percentile {pct} is not in (0, 100]")
    n = sum(c for c in counts.values() if c > 0)
    if n == 0:
        return None
    rank = max(1, -(-pct * n // 100))
    seen = 0
    for value in sorted(counts):
        seen += max(counts[value], 0)
        if seen >= rank:
            return value
    raise AssertionError("unreachable: the ranks add up to n")


def hours(seconds: int | None) -> Decimal | None:
    """Seconds as hours to two places (half-even)."""
    if seconds is None:
        return None
    return (Decimal(seconds) / Decimal(3600)).quantize(HOURS, rounding=ROUND_HALF_EVEN)


def change_pct(current: Decimal, previous: Decimal) -> Decimal | None:
    """Relative change from ``previous`` to ``current`` in % (one place); ``None`` when previous is zero."""
    if previous == 0:
        return None
    return ((current - previous) / previous * 100).quantize(PCT, rounding=ROUND_HALF_EVEN)


def share_pct(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole`` (one place); ``None`` when the whole is zero."""
    if whole == 0:
        return None
    return (part / whole * 100).quantize(PCT, rounding=ROUND_HALF_EVEN)


def difference_pct(computed: Decimal | None, claimed: Decimal) -> Decimal | None:
    """How far the computed figure is from the claimed one, in % of the claim (one place)."""
    if computed is None:
        return None
    return change_pct(computed, claimed)
