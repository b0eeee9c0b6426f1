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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload


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


class SortedScores(Sequence[float]):
    """A multiset of floats kept in ascending order, as sorted blocks of at most ``2 * load`` values.

    The window of an inspection budget is 10,000 scores long and takes one insertion and one removal per
    declaration. In one flat sorted list each costs a ``memmove`` of up to the whole list (80 kB of pointers
    to shift for a low score: ~2.5 µs for the pair, sweeping the CPU's L1 cache every declaration); here it
    shifts one block. Indexing counts block lengths from the nearer end (the budget's threshold sits near
    the top)."""

    __slots__ = ("_blocks", "_len", "_load", "_maxes")

    def __init__(self, values: Iterable[float] = (), load: int = 128) -> None:
        if load < 1:
            raise ValueError("load must be at least 1")
        self._load = load
        ordered = sorted(values)
        self._blocks: list[list[float]] = [ordered[i : i + load] for i in range(0, len(ordered), load)]
        self._maxes: list[float] = [b[-1] for b in self._blocks]
        self._len = len(ordered)

    def __len__(self) -> int:
        return self._len

    def add(self, x: float) -> None:
        maxes = self._maxes
        if not maxes:
            self._blocks.append([x])
            maxes.append(x)
            self._len = 1
            return
        i = bisect.bisect_left(maxes, x)
        if i == len(maxes):  # above every block's maximum: it joins the last block, as its new maximum
            i -= 1
            block = self._blocks[i]
            block.append(x)
            maxes[i] = x
        else:
            block = self._blocks[i]
            bisect.insort(block, x)
        self._len += 1
        if len(block) > 2 * self._load:
            half = len(block) // 2
            self._blocks[i : i + 1] = [block[:half], block[half:]]
            maxes[i : i + 1] = [block[half - 1], block[-1]]

    def remove(self, x: float) -> None:
        """Remove one occurrence of ``x`` (ValueError when there is none)."""
        maxes = self._maxes
        i = bisect.bisect_left(maxes, x)
        if i == len(maxes):
            raise ValueError(f"{x!r} is not among the scores")
        block = self._blocks[i]
        j = bisect.bisect_left(block, x)
        if block[j] != x:
            raise ValueError(f"{x!r} is not among the scores")
        del block[j]
        self._len -= 1
        if not block:
            del self._blocks[i]
            del maxes[i]
        elif j == len(block):
            maxes[i] = block[-1]

    @overload
    def __getitem__(self, index: int) -> float: ...
    @overload
    def __getitem__(self, index: slice) -> list[float]: ...
    def __getitem__(self, index: int | slice) -> float | list[float]:
        if isinstance(index, slice):
            return list(self)[index]
        n = self._len
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("score index out of range")
        blocks = self._blocks
        if index < n // 2:
            for block in blocks:
                if index < len(block):
                    return block[index]
                index -= len(block)
        else:
            back = n - 1 - index  # counted from the top
            for block in reversed(blocks):
                size = len(block)
                if back < size:
                    return block[size - 1 - back]
                back -= size
        raise AssertionError("unreachable: the block lengths add up to the length")  # pragma: no cover

    def from_top(self, k: int) -> float:
        """The ``k``-th largest value, 0-based (``self[len(self) - 1 - k]``), counting from the top block."""
        if not 0 <= k < self._len:
            raise IndexError("score index out of range")
        for block in reversed(self._blocks):
            size = len(block)
            if k < size:
                return block[size - 1 - k]
            k -= size
        raise AssertionError("unreachable: the block lengths add up to the length")  # pragma: no cover

    def __iter__(self) -> Iterator[float]:
        for block in self._blocks:
            yield from block


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
        self._sorted = SortedScores()  # the non-forced scores of the window, ascending
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
            self._sorted.add(score)
        if len(self._recent) > self.window:
            old, was_forced = self._recent.popleft()
            if was_forced:
                self._forced -= 1
            else:
                self._sorted.remove(old)

    def model_share(self) -> float:
        """The share of non-forced declarations the model may send to red now."""
        n = len(self._recent)
        if n == 0:
            return self.share
        forced = self._forced / n
        if forced >= self.share or forced >= 1.0:
            return 0.0
        return (self.share - forced) / (1.0 - forced)

    def _threshold(self, share: float) -> float:
        """``threshold_for(self._sorted, share)`` without indexing from the bottom."""
        ordered = self._sorted
        n = len(ordered)
        k = min(n, math.floor(share * n + 0.5)) if n else 0
        if k <= 0:
            return math.inf
        if k >= n:
            return -math.inf
        return ordered.from_top(k)

    def threshold(self) -> float:
        return self._threshold(self.model_share())

    def admit(self, score: float, *, forced_red: bool = False) -> float:
        """:meth:`decide` for a caller that needs only the threshold: the threshold this declaration was judged
        by (red by score when ``score`` is above it and the rules did not force red); then it joins the window."""
        # model_share() and _threshold() inlined: this runs on every lodgement (the tests hold it to decide())
        x = float(score)
        if not 0.0 <= x <= 1.0:
            raise ValueError(f"a model score is between 0 and 1, not {score!r}")
        n = len(self._recent)
        q = self.share
        if n:
            forced = self._forced / n
            q = 0.0 if forced >= q or forced >= 1.0 else (q - forced) / (1.0 - forced)
        ordered = self._sorted
        m = ordered._len
        k = min(m, math.floor(q * m + 0.5)) if m else 0
        t = math.inf if k <= 0 else -math.inf if k >= m else ordered.from_top(k)
        self._push(x, forced_red)
        return t

    def decide(self, score: float, *, forced_red: bool = False) -> BudgetDecision:
        """Whether ``score`` sends a declaration to red; then the declaration joins the window."""
        x = self._check(score)
        q = self.model_share()
        t = self._threshold(q)
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
