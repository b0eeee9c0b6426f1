"""Scoring one declaration in microseconds, and explaining a score to an officer.

``booster.predict`` on a single row costs hundreds of microseconds (argument checks, a numpy matrix, a C call
per row), far above the clearance pipeline's budget (10,000 declarations/s in-process, everything included).
:class:`CompiledTrees` turns LightGBM's tree dump (``booster.dump_model()``, stored as JSON in the model
artifact) into one generated Python function of nested ``if`` statements, one block per tree, that adds the
leaf values in LightGBM's order; the score is the same sigmoid of that raw sum. The generated source contains
only numbers and feature indices read from the dump and validated as such, never text from the dump.

LightGBM's decision rules are reproduced exactly (``Tree::NumericalDecision`` / ``CategoricalDecision``):
    numerical split ``x <= threshold`` goes left; a NaN goes to the default side when the split's missing
    type is ``NaN``, and counts as 0.0 when it is ``None``; with missing type ``Zero`` a zero (|x| <= 1e-35)
    or a NaN goes to the default side. A categorical split goes left when the (integral) code is among the
    split's categories; negative codes and NaN go right.
Equality with ``booster.predict`` to 1e-9 is checked by the tests and the bench.

:class:`RiskScorer` joins the features (:class:`~silkport.riskmodel.features.HistoryState`) and the trees:
``score(record)`` is what the clearance pipeline calls (the likelihood of fraud tilted by the duty at stake).
``explain`` gives the officer the features that pushed this declaration's score up or down (LightGBM's SHAP
values, ``pred_contrib``): slower, on demand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
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


class _Emitter:
    def __init__(self, n_features: int) -> None:
        self.n_features = n_features
        self.lines: list[str] = []
        self.constants: dict[str, frozenset[float]] = {}
        self.used: set[int] = set()

    def node(self, node: Mapping[str, Any], depth: int) -> None:
        pad = "    " * depth
        if depth > _MAX_DEPTH:
            raise ModelFormatError(f"a tree deeper than {_MAX_DEPTH} levels")
        if "leaf_value" in node:
            self.lines.append(f"{pad}s += {_num(node['leaf_value'], 'leaf_value')!r}")
            return
        f = _index(node.get("split_feature"), self.n_features, "split_feature")
        self.used.add(f)
        x = f"f{f}"
        decision = node.get("decision_type")
        if decision == "==":
            raw = str(node.get("threshold", ""))
            try:
                categories = frozenset(float(int(c)) for c in raw.split("||"))
            except ValueError:
                raise ModelFormatError(f"categorical threshold {raw!r} is not a list of integers") from None
            name = f"C{len(self.constants)}"
            self.constants[name] = categories
            condition = f"{x} in {name}"
        elif decision == "<=":
            t = repr(_num(node.get("threshold"), "threshold"))
            missing = node.get("missing_type", "None")
            default_left = bool(node.get("default_left", True))
            if missing == "NaN":
                condition = f"not {x} > {t}" if default_left else f"{x} <= {t}"
            elif missing == "None":  # a NaN counts as 0.0
                condition = f"not {x} > {t}" if float(t) >= 0.0 else f"{x} <= {t}"
            elif missing == "Zero":
                zero = f"({x} != {x} or -{_ZERO_THRESHOLD!r} <= {x} <= {_ZERO_THRESHOLD!r})"
                condition = f"({zero} or {x} <= {t})" if default_left else f"(not {zero} and {x} <= {t})"
            else:
                raise ModelFormatError(f"unknown missing_type {missing!r}")
        else:
            raise ModelFormatError(f"unknown decision_type {decision!r}")
        self.lines.append(f"{pad}if {condition}:")
        self.node(node["left_child"], depth + 1)
        self.lines.append(f"{pad}else:")
        self.node(node["right_child"], depth + 1)


class CompiledTrees:
    """A binary LightGBM model as one generated Python function: ``raw(x)`` is the sum of the trees' leaves."""

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
        for tree in trees:
            emitter.node(tree["tree_structure"], 1)
        unpack = ", ".join(f"f{i}" for i in range(self.n_features))
        header = ["def raw(x):", f"    ({unpack},) = x" if self.n_features else "    pass", "    s = 0.0"]
        self.source = "\n".join([*header, *emitter.lines, "    return s", ""])
        namespace: dict[str, Any] = dict(emitter.constants)
        # The source is generated above from validated numbers and indices only (no text from the dump).
        exec(compile(self.source, "<silkport.riskmodel compiled trees>", "exec"), namespace)  # noqa: S102
        self.raw: Callable[[Sequence[float]], float] = namespace["raw"]

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
        self._sigmoid = trees.sigmoid

    def features(self, record: KcsRecord) -> list[float]:
        return self.history.features(record)

    def features_of_declaration(self, records: Sequence[KcsRecord]) -> list[list[float]]:
        """The feature vectors of a declaration's goods items (see ``HistoryState.features_of_declaration``)."""
        return self.history.features_of_declaration(records)

    def score_features(self, x: Sequence[float]) -> float:
        """The risk score of a feature vector (see the class docstring)."""
        return 1.0 / (1.0 + math.exp(-(self._sigmoid * self._raw(x) + self.duty_weight * x[LOG_DUTY])))

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
