"""The compiled trees decide every split exactly as LightGBM does: on random feature vectors (NaN, zeros,
infinities, fractions and negative values in categorical features), ``CompiledTrees.raw`` is the very double
``Booster.predict(raw_score=True)`` gives, for models with categorical splits and each missing-value type."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import lightgbm as lgb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkport.riskmodel.scorer import CompiledTrees, ModelFormatError, categorical_left

N_FEATURES = 6
CATEGORICAL = (0, 1)  # feature 0: codes 0..9; feature 1: codes 0..3


def _training_data(zero_as_missing: bool) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    rng = np.random.default_rng(7)
    n = 3000
    x = np.empty((n, N_FEATURES))
    x[:, 0] = rng.integers(0, 10, n)
    x[:, 1] = rng.integers(0, 4, n)
    x[:, 2] = rng.normal(0, 1, n)
    x[:, 3] = rng.choice([0.0, 1.0, 2.5, -3.0], n)
    x[:, 4] = rng.normal(5, 2, n)
    x[:, 5] = rng.exponential(1.0, n)
    x[rng.random(n) < 0.15, 2] = np.nan  # missing values: a NaN missing type on feature 2
    x[rng.random(n) < 0.10, 0] = np.nan
    logit = (
        np.isin(x[:, 0], [1, 3, 7]) * 1.5
        + (x[:, 1] == 2) * 1.0
        + np.nan_to_num(x[:, 2], nan=1.0)
        + (x[:, 3] == 0.0) * 0.8
        - 0.3 * x[:, 4]
        + np.sin(x[:, 5])
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return x, y


def _booster(zero_as_missing: bool) -> lgb.Booster:
    x, y = _training_data(zero_as_missing)
    params = {
        "objective": "binary",
        "num_leaves": 15,
        "learning_rate": 0.2,
        "min_data_in_leaf": 10,
        "cat_smooth": 1.0,
        "min_data_per_group": 5,
        "max_cat_to_onehot": 2,  # feature 1 (4 codes) splits many-vs-many, feature 0 too
        "zero_as_missing": zero_as_missing,
        "seed": 1,
        "deterministic": True,
        "num_threads": 1,
        "verbose": -1,
    }
    data = lgb.Dataset(x, label=y, categorical_feature=list(CATEGORICAL), params={"verbose": -1})
    return lgb.train(params, data, num_boost_round=25)


@pytest.fixture(scope="module", params=[False, True], ids=["nan-missing", "zero-as-missing"])
def models(request: pytest.FixtureRequest) -> Iterator[tuple[lgb.Booster, CompiledTrees]]:
    booster = _booster(zero_as_missing=request.param)
    yield booster, CompiledTrees(booster.dump_model())


def _kinds(dump: dict[str, Any]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()

    def walk(node: dict[str, Any]) -> None:
        if "leaf_value" in node:
            return
        found.add((node["decision_type"], node.get("missing_type", "None")))
        walk(node["left_child"])
        walk(node["right_child"])

    for tree in dump["tree_info"]:
        walk(tree["tree_structure"])
    return found


def test_the_models_exercise_categorical_splits_and_missing_types() -> None:
    plain, zero = _kinds(_booster(False).dump_model()), _kinds(_booster(True).dump_model())
    assert any(kind == "==" for kind, _ in plain)
    assert {("<=", "NaN"), ("<=", "None")} <= plain
    assert ("<=", "Zero") in zero


special = st.sampled_from(
    [
        math.nan,
        math.inf,
        -math.inf,
        0.0,
        -0.0,
        1e-36,
        -1e-36,
        1e-35,
        -0.5,
        -1.0,
        0.5,
        2.7,
        3.0,
        7.0,
        9.999,
        2147483647.0,
        2147483648.0,
        -2147483649.5,
        1e300,
    ]
)
value = st.one_of(special, st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 12).map(float))
vectors = st.lists(st.lists(value, min_size=N_FEATURES, max_size=N_FEATURES), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(rows=vectors)
def test_raw_scores_are_lightgbms_to_the_bit(
    models: tuple[lgb.Booster, CompiledTrees], rows: list[list[float]]
) -> None:
    booster, compiled = models
    expected = booster.predict(np.array(rows, dtype=np.float64), raw_score=True)
    got = [compiled.raw(r) for r in rows]
    assert got == [float(e) for e in expected]
    assert compiled.raw_all(rows) == got
    probabilities = booster.predict(np.array(rows, dtype=np.float64))
    assert [compiled.predict(r) for r in rows] == [float(p) for p in probabilities]


def test_categorical_decision_truncates_like_a_c_int() -> None:
    cats = frozenset({0.0, 2.0})
    assert categorical_left(2.7, cats) and categorical_left(-0.5, cats) and categorical_left(-0.0, cats)
    assert not categorical_left(1.0, cats)
    assert not categorical_left(-1.0, cats)
    assert not categorical_left(math.nan, cats)
    assert not categorical_left(math.inf, cats)
    assert not categorical_left(2147483648.0 + 2.0, cats)


def test_a_dump_it_does_not_understand_is_refused() -> None:
    dump = _booster(False).dump_model()
    broken = {**dump, "tree_info": [{"tree_structure": {"split_feature": 99, "decision_type": "<=", "threshold": 1}}]}
    with pytest.raises(ModelFormatError, match="split_feature"):
        CompiledTrees(broken)
    odd = {**dump, "tree_info": [{"tree_structure": {"split_feature": 0, "decision_type": "!=", "threshold": 1}}]}
    with pytest.raises(ModelFormatError, match="decision_type"):
        CompiledTrees(odd)
    text = {
        **dump,
        "tree_info": [
            {
                "tree_structure": {
                    "split_feature": 0,
                    "decision_type": "==",
                    "threshold": "1||__import__('os')",
                    "left_child": {"leaf_value": 1.0},
                    "right_child": {"leaf_value": 0.0},
                }
            }
        ],
    }
    with pytest.raises(ModelFormatError, match="categorical threshold"):
        CompiledTrees(text)
    with pytest.raises(ModelFormatError, match="binary"):
        CompiledTrees({**dump, "objective": "regression"})


def test_integral_and_fractional_categorical_values_take_their_own_path_and_both_are_lightgbms(
    models: tuple[lgb.Booster, CompiledTrees],
) -> None:
    """A vector whose categorical features are finite integers is scored by set membership alone (the
    features always give codes); any other value there (a fraction, NaN, inf) by LightGBM's truncation."""
    booster, compiled = models
    assert "f0 % 1.0 == 0.0 and f1 % 1.0 == 0.0" in compiled.source  # the one test per vector
    integral = [
        [3.0, 2.0, 0.1, 0.0, 5.0, 1.0],
        [-0.0, 1.0, math.nan, 2.5, 4.0, 0.2],
        [1e300, -1.0, 0.0, -3.0, 6.0, 3.0],
    ]
    other = [[2.7, 2.0, 0.1, 0.0, 5.0, 1.0], [3.0, 1.999, 0.1, 0.0, 5.0, 1.0], [math.nan, math.inf, 0.0, 0.0, 5.0, 1.0]]
    for rows in (integral, other):
        expected = [float(e) for e in booster.predict(np.array(rows, dtype=np.float64), raw_score=True)]
        assert [compiled.raw(r) for r in rows] == expected
        assert compiled.raw_all(rows) == expected
