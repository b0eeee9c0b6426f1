"""The inspection budget: inspection capacity is fixed, so the zone sends a set share of declarations to red.

Pure: no I/O, no clock, no randomness. :class:`InspectionBudget` keeps the last ``window`` declarations'
model scores (seeded with the score distribution of the model's holdout days, stored in the model artifact)
and sends a declaration to red when its score is above the threshold that would have sent ``share`` of that
window to red. Declarations the rules force to red (controlled goods, watch lists) use the same capacity:
when a share ``f`` of the window was forced red, the model may only fill ``share - f``, so it picks the
top ``(share - f) / (1 - f)`` of the declarations that were not forced (none once ``f >= share``).

Every decision returns the threshold it used and the window it saw, so it can be recorded and replayed: the
same seed and the same stream of (score, forced) give the same decisions. :meth:`InspectionBudget.snapshot`
and :meth:`InspectionBudget.restore` carry the state across restarts.

The threshold: with ``n`` non-forced scores in the window sorted ascending and ``k = round(q x n)`` of them
to send to red (``q`` the model's share of the non-forced), the threshold is the ``(n - k)``-th smallest
score, and a declaration goes red when its score is strictly above it (so ties at the threshold stay out,
and with ``k = 0`` nothing goes red by score).
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class BudgetDecision:
    red: bool  # the model's score sends it to red (always False for a forced declaration: the rule decided)
    score: float
    threshold: float  # red when score > threshold (inf: nothing goes red by score)
    share: float  # the zone's inspection budget
    model_share: float  # the share of non-forced declarations the model could send to red at this point
    window: int  # how many declarations the threshold was computed over

    def to_mapping(self) -> dict[str, Any]:
        return {
            "red": self.red,
            "score": self.score,
            "threshold": self.threshold if math.isfinite(self.threshold) else None,
            "share": self.share,
            "model_share": self.model_share,
            "window": self.window,
        }


def threshold_for(sorted_scores: Sequence[float], share: float) -> float:
    """The score above which ``share`` of ``sorted_scores`` (ascending) lies; ``inf`` when no one should."""
    n = len(sorted_scores)
    k = min(n, math.floor(share * n + 0.5)) if n else 0
    if k <= 0:
        return math.inf
    if k >= n:
        return -math.inf
    return sorted_scores[n - k - 1]


class InspectionBudget:
    """A rolling quantile of recent scores that keeps the share sent to red at the zone's budget."""

    def __init__(self, share: float, window: int = 10_000, seed: Iterable[float] = ()) -> None:
        if not 0.0 <= share <= 1.0:
            raise ValueError("the inspection budget is a share between 0 and 1")
        if window < 1:
            raise ValueError("the window holds at least one declaration")
        self.share = share
        self.window = window
        self._recent: deque[tuple[float, bool]] = deque()
        self._sorted: list[float] = []  # the non-forced scores of the window, ascending
        self._forced = 0
        for s in seed:
            self._push(self._check(s), False)

    @staticmethod
    def _check(score: float) -> float:
        x = float(score)
        if not 0.0 <= x <= 1.0:
            raise ValueError(f"a model score is between 0 and 1, not {score!r}")
        return x

    def _push(self, score: float, forced: bool) -> None:
        self._recent.append((score, forced))
        if forced:
            self._forced += 1
        else:
            bisect.insort(self._sorted, score)
        if len(self._recent) > self.window:
            old, was_forced = self._recent.popleft()
            if was_forced:
                self._forced -= 1
            else:
                del self._sorted[bisect.bisect_left(self._sorted, old)]

    def model_share(self) -> float:
        """The share of non-forced declarations the model may send to red now."""
        n = len(self._recent)
        if n == 0:
            return self.share
        forced = self._forced / n
        if forced >= self.share or forced >= 1.0:
            return 0.0
        return (self.share - forced) / (1.0 - forced)

    def threshold(self) -> float:
        return threshold_for(self._sorted, self.model_share())

    def decide(self, score: float, *, forced_red: bool = False) -> BudgetDecision:
        """Whether ``score`` sends a declaration to red; then the declaration joins the window."""
        x = self._check(score)
        q = self.model_share()
        t = threshold_for(self._sorted, q)
        decision = BudgetDecision(
            red=(not forced_red) and x > t,
            score=x,
            threshold=t,
            share=self.share,
            model_share=q,
            window=len(self._recent),
        )
        self._push(x, forced_red)
        return decision

    def snapshot(self) -> dict[str, Any]:
        """JSON-compatible state: the window in arrival order."""
        return {
            "share": self.share,
            "window": self.window,
            "recent": [[s, f] for s, f in self._recent],
        }

    @classmethod
    def restore(cls, m: Mapping[str, Any]) -> InspectionBudget:
        budget = cls(float(m["share"]), int(m["window"]))
        for s, f in m["recent"]:
            budget._push(cls._check(s), bool(f))
        return budget
