"""Scoring one declaration in microseconds, and explaining a score to an officer.

``booster.predict`` on a single row costs hundreds of microseconds (argument checks, a numpy matrix, a C call
per row), far above the clearance pipeline's budget (10,000 declarations/s in-process, everything included).
:class:`CompiledTrees` turns LightGBM's tree dump (``booster.dump_model()``, stored as JSON in the model
artifact) into generated Python, compiled once at load time: each tree is one nested conditional expression
ending in its leaf values, and ``raw(x)`` returns ``0.0 + tree_0 + tree_1 + ...`` in LightGBM's order, so the
raw score is the very double LightGBM computes; ``raw_all(xs)`` does it for a declaration's goods items in one
call. The score is the same sigmoid of that sum. The generated source contains only numbers and feature
indices read from the dump and validated as such, never text from the dump.

LightGBM's decision rules are reproduced exactly (``Tree::NumericalDecision`` / ``CategoricalDecision``):
    numerical split ``x <= threshold`` goes left; a NaN goes to the default side when the split's missing
    type is ``NaN``, and counts as 0.0 when it is ``None``; with missing type ``Zero`` a zero (|x| <= 1e-35)
    or a NaN goes to the default side. A categorical split truncates the value to a C ``int`` and goes left
    when that integer is among the split's categories; a negative integer, a NaN or a value outside the
    ``int`` range goes right (:func:`categorical_left`).
Equality with ``booster.predict`` to the bit is checked by the tests: on every row of ``valid.csv`` and on
random vectors (NaN, infinities, fractions in categorical features) for models with each missing type.

:class:`RiskScorer` joins the features (:class:`~silkport.riskmodel.features.HistoryState`) and the trees:
``score(record)`` is what the clearance pipeline calls (the likelihood of fraud tilted by the duty at stake).
``explain`` gives the officer the features that pushed this declaration's score up or down (LightGBM's SHAP
values, ``pred_contrib``): slower, on demand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from silkport.riskmodel.features import FEATURES, HistoryState
from silkport.riskmodel.kcs import KcsRecord

LOG_DUTY = FEATURES.index("log_duty")
DUTY_TERM = "duty_at_stake"
_ZERO_THRESHOLD = 1e-35  # LightGBM's kZeroThreshold
_MAX_DEPTH = 80  # the Python parser refuses deeper nesting (100 indentation levels)


class ModelFormatError(ValueError):
    """A tree dump this evaluator does not understand."""


def _num(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelFormatError(f"{what} must be a number, not {value!r}")
    x = float(value)
    if math.isnan(x):
        raise ModelFormatError(f"{what} is NaN")
    return x


def _index(value: Any, limit: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < limit:
        raise ModelFormatError(f"{what} must be an integer in [0, {limit}), not {value!r}")
    return value


_INT_LOW, _INT_HIGH = -2147483649.0, 2147483648.0  # the doubles whose truncation fits a C int


def categorical_left(x: float, categories: frozenset[float]) -> bool:
    """LightGBM's ``CategoricalDecision`` for any double: whether ``x`` goes to the left child.

    LightGBM truncates the value to a C ``int`` (``static_cast<int>``) and sends it right when that is negative,
    else left when the integer is among the split's categories. On x86-64 the conversion of a NaN or of a value
    outside the ``int`` range gives ``INT_MIN`` (negative): right. So -0.5 counts as category 0 and 2.7 as 2."""
    if x != x or not _INT_LOW < x < _INT_HIGH:
        return False
    i = int(x)  # truncation towards zero, as static_cast<int>
    return i >= 0 and float(i) in categories


class _Emitter:
    """One tree as one Python expression: nested conditional expressions ending in the leaf values."""

    def __init__(self, n_features: int) -> None:
        self.n_features = n_features
        self.constants: dict[str, frozenset[float]] = {}
        self.used: set[int] = set()
        self.categorical: set[int] = set()  # the features of categorical splits
        self.integral = False  # emit categorical splits for integral values only (see CompiledTrees)

    def expression(self, node: Mapping[str, Any], depth: int = 0) -> str:
        if depth > _MAX_DEPTH:
            raise ModelFormatError(f"a tree deeper than {_MAX_DEPTH} levels")
        if "leaf_value" in node:
            return repr(_num(node["leaf_value"], "leaf_value"))
        condition = self.condition(node)
        left = self.expression(node["left_child"], depth + 1)
        right = self.expression(node["right_child"], depth + 1)
        return f"({left} if {condition} else {right})"

    def condition(self, node: Mapping[str, Any]) -> str:
        f = _index(node.get("split_feature"), self.n_features, "split_feature")
        self.used.add(f)
        x = f"f{f}"
        decision = node.get("decision_type")
        if decision == "==":
            raw = str(node.get("threshold", ""))
            try:
                codes = [int(c) for c in raw.split("||")]
            except ValueError:
                raise ModelFormatError(f"categorical threshold {raw!r} is not a list of integers") from None
            if any(not 0 <= c < _INT_HIGH for c in codes):
                raise ModelFormatError(f"categorical threshold {raw!r} has a category outside [0, 2**31)")
            categories = frozenset(float(c) for c in codes)
            name = next((n for n, c in self.constants.items() if c == categories), f"C{len(self.constants)}")
            self.constants[name] = categories
            self.categorical.add(f)
            if self.integral:  # a finite integral value: the set decides (see CompiledTrees)
                return f"{x} in {name}"
            # an integral value (the codes the features give) is decided by the set alone; any other double
            # (a fraction, NaN, inf) as LightGBM truncates it
            return f"({x} in {name} or ({x} % 1.0 != 0.0 and _categorical_left({x}, {name})))"
        if decision == "<=":
            t = repr(_num(node.get("threshold"), "threshold"))
            missing = node.get("missing_type", "None")
            default_left = bool(node.get("default_left", True))
            if missing == "NaN":
                return f"not {x} > {t}" if default_left else f"{x} <= {t}"
            if missing == "None":  # a NaN counts as 0.0
                return f"not {x} > {t}" if float(t) >= 0.0 else f"{x} <= {t}"
            if missing == "Zero":
                zero = f"({x} != {x} or -{_ZERO_THRESHOLD!r} <= {x} <= {_ZERO_THRESHOLD!r})"
                return f"({zero} or {x} <= {t})" if default_left else f"(not {zero} and {x} <= {t})"
            raise ModelFormatError(f"unknown missing_type {missing!r}")
        raise ModelFormatError(f"unknown decision_type {decision!r}")


class CompiledTrees:
    """A binary LightGBM model as generated Python: ``raw(x)`` is the sum of the trees' leaves for one feature
    vector, ``raw_all(xs)`` the list of those sums for several (one call for a declaration's goods items).

    Each tree is one nested conditional expression; the sum starts at 0.0 and adds the trees in LightGBM's
    order, so it is the same double ``booster.predict(raw_score=True)`` computes. Each tree is emitted twice:
    for a vector whose categorical-split features are all finite integers (what the features give: codes,
    -1.0 for unseen) a categorical split is one set membership; otherwise it also decides fractions, NaN and
    infinities as LightGBM truncates them (:func:`categorical_left`). One test per vector picks the variant."""

    def __init__(self, dump: Mapping[str, Any]) -> None:
        if int(dump.get("num_class", 1)) != 1 or int(dump.get("num_tree_per_iteration", 1)) != 1:
            raise ModelFormatError("only binary (one tree per iteration) models are supported")
        objective = str(dump.get("objective", ""))
        if not objective.startswith("binary"):
            raise ModelFormatError(f"objective {objective!r} is not binary")
        self.sigmoid = 1.0
        for part in objective.split():
            if part.startswith("sigmoid:"):
                self.sigmoid = float(part.split(":", 1)[1])
        self.feature_names: tuple[str, ...] = tuple(str(n) for n in dump.get("feature_names", ()))
        self.n_features = len(self.feature_names) or int(dump.get("max_feature_idx", -1)) + 1
        trees = dump.get("tree_info", [])
        self.n_trees = len(trees)
        emitter = _Emitter(self.n_features)
        terms = [emitter.expression(tree["tree_structure"]) for tree in trees]
        emitter.integral = True
        integral_terms = [emitter.expression(tree["tree_structure"]) for tree in trees]
        unpack = f"({', '.join(f'f{i}' for i in range(self.n_features))},) = x" if self.n_features else "pass"
        # A categorical split of a finite integral value is decided by set membership alone (a value outside
        # the int range or negative is in no set: right, as in LightGBM), which the features always give
        # (codes, -1.0 for unseen). One test per vector picks those cheaper expressions, else the exact ones.
        integral = " and ".join(f"f{f} % 1.0 == 0.0" for f in sorted(emitter.categorical)) or "True"
        total = "".join(f"\n            + {term}" for term in terms)
        integral_total = "".join(f"\n            + {term}" for term in integral_terms)
        self.source = "\n".join(
            [
                "def raw(x):",
                f"    {unpack}",
                f"    if {integral}:",
                f"        return (0.0{integral_total}\n        )",
                f"    return (0.0{total}\n    )",
                "",
                "def raw_all(xs):",
                "    out = []",
                "    for x in xs:",
                f"        {unpack}",
                f"        if {integral}:",
                f"            out.append(0.0{integral_total}\n            )",
                "        else:",
                f"            out.append(0.0{total}\n            )",
                "    return out",
                "",
            ]
        )
        namespace: dict[str, Any] = {"_categorical_left": categorical_left, **emitter.constants}
        # The source is generated above from validated numbers and indices only (no text from the dump).
        exec(compile(self.source, "<silkport.riskmodel compiled trees>", "exec"), namespace)  # noqa: S102
        self.raw: Callable[[Sequence[float]], float] = namespace["raw"]
        self.raw_all: Callable[[Iterable[Sequence[float]]], list[float]] = namespace["raw_all"]

    def predict(self, x: Sequence[float]) -> float:
        """The probability of fraud, as ``booster.predict`` gives it."""
        return 1.0 / (1.0 + math.exp(-self.sigmoid * self.raw(x)))


class Explainer(Protocol):
    def __call__(self, rows: Sequence[Sequence[float]]) -> list[list[float]]:
        """Per row: one contribution per feature (log-odds), then the expected value (LightGBM pred_contrib)."""
        ...


@dataclass(frozen=True, slots=True)
class Contribution:
    feature: str
    value: float  # the feature's value for this declaration
    contribution: float  # its share of the score, in log-odds (positive: towards fraud)


class RiskScorer:
    """A model's trees with the declaration history: the clearance pipeline's ``score(record)``.

    The score is the risk of the goods item: ``sigmoid(raw + duty_weight x log(1 + duty at stake))`` where
    ``raw`` is the trees' log-odds of fraud and the duty at stake is Item Price x Tax Rate. Risk is likelihood
    tilted by consequence: among declarations the model finds equally suspicious, the one with more duty at
    stake is inspected first. ``duty_weight`` is chosen at training time on the holdout days (0 makes the
    score LightGBM's probability exactly); :meth:`probability` gives the likelihood alone.

    The history is the scorer's own (a copy of the artifact's): feed it with ``observe`` as declarations are
    filed and ``history.record_outcome`` as inspections conclude, so later scores learn from them."""

    def __init__(
        self,
        trees: CompiledTrees,
        history: HistoryState,
        version: str,
        explainer: Explainer | None = None,
        duty_weight: float = 0.0,
    ) -> None:
        if trees.n_features != len(FEATURES):
            raise ModelFormatError(f"the model has {trees.n_features} features, this version computes {len(FEATURES)}")
        self.trees = trees
        self.history = history
        self.version = version
        self.duty_weight = duty_weight
        self._explainer = explainer
        self._raw = trees.raw
        self._raw_all = trees.raw_all
        self._sigmoid = trees.sigmoid

    def features(self, record: KcsRecord) -> list[float]:
        return self.history.features(record)

    def features_of_declaration(self, records: Sequence[KcsRecord]) -> list[list[float]]:
        """The feature vectors of a declaration's goods items (see ``HistoryState.features_of_declaration``)."""
        return self.history.features_of_declaration(records)

    def score_features(self, x: Sequence[float]) -> float:
        """The risk score of a feature vector (see the class docstring)."""
        return 1.0 / (1.0 + math.exp(-(self._sigmoid * self._raw(x) + self.duty_weight * x[LOG_DUTY])))

    def scores_of(self, vectors: Sequence[Sequence[float]]) -> list[float]:
        """:meth:`score_features` of each vector (a declaration's goods items: one call into the trees)."""
        sigmoid, weight, exp = self._sigmoid, self.duty_weight, math.exp
        return [
            1.0 / (1.0 + exp(-(sigmoid * raw + weight * x[LOG_DUTY])))
            for raw, x in zip(self._raw_all(vectors), vectors, strict=True)
        ]

    def probability_features(self, x: Sequence[float]) -> float:
        """The likelihood of fraud alone (LightGBM's probability)."""
        return 1.0 / (1.0 + math.exp(-self._sigmoid * self._raw(x)))

    def score(self, record: KcsRecord) -> float:
        """The risk score of one goods item in [0, 1], from the history before its day."""
        x = self.history.features(record)
        return 1.0 / (1.0 + math.exp(-(self._sigmoid * self._raw(x) + self.duty_weight * x[LOG_DUTY])))

    def probability(self, record: KcsRecord) -> float:
        return self.probability_features(self.history.features(record))

    def score_declaration(self, records: Sequence[KcsRecord]) -> float:
        """A declaration's score: the riskiest of its goods items."""
        return max(self.score(r) for r in records)

    def observe(self, record: KcsRecord, *, with_outcome: bool = True) -> None:
        """A declaration was filed (with its outcome if the record carries one and ``with_outcome``)."""
        self.history.update(record, with_outcome=with_outcome)

    def explain(self, x: Sequence[float], top: int = 5) -> list[Contribution]:
        """The ``top`` terms that moved this score the most, largest first: the features' SHAP values (log-odds)
        and, when the duty weight is not 0, the duty-at-stake term (``duty_at_stake``)."""
        if self._explainer is None:
            raise RuntimeError("this scorer has no explainer (load it from a model artifact)")
        contrib = self._explainer([x])[0]
        terms = [Contribution(FEATURES[i], float(x[i]), float(contrib[i])) for i in range(len(FEATURES))]
        if self.duty_weight:
            terms.append(Contribution(DUTY_TERM, float(x[LOG_DUTY]), self.duty_weight * float(x[LOG_DUTY])))
        terms.sort(key=lambda c: -abs(c.contribution))
        return terms[:top]
