"""The serving path scores exactly what LightGBM would: the model trained on ``train.csv`` with the shipped
defaults, every declaration of ``valid.csv``.

- the compiled trees give LightGBM's raw score (``Booster.predict(raw_score=True)``) and probability to the
  bit, one vector at a time and a declaration's vectors at once;
- the lodgement path's features (``features_of_declaration``, with its per-HS6 cache) equal the reference
  ``features`` row by row while the history grows day by day (so a stale cache would show);
- ``scores_of`` equals ``score_features``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from silkport.clearance.schemas import content_from_json
from silkport.riskmodel.budget import InspectionBudget
from silkport.riskmodel.features import feature_matrix
from silkport.riskmodel.kcs import iter_kcs, to_records
from silkport.riskmodel.model import ModelArtifact, SourceFile, file_sha256, train_kcs
from silkport.riskmodel.service import KRW_PER_CNY, ZoneRiskModel
from tests import factories
from tests.conftest import require

DATA = Path(__file__).parents[2].parent / "shared" / "data" / "customs-declarations-kcs"


@pytest.fixture(scope="module")
def full_model() -> Iterator[ModelArtifact]:
    train = DATA / "train.csv"
    require(train.is_file(), f"the KCS data set is missing at {train}")
    records = list(iter_kcs(train))
    # the shipped defaults (trees, features, seed); the baseline is not scored here, so a short one
    yield train_kcs(records, [SourceFile(train.name, file_sha256(train), len(records))], baseline_rounds=5)


def same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b, strict=True))


def test_every_valid_row_scores_as_lightgbm_to_the_bit(full_model: ModelArtifact) -> None:
    valid = DATA / "valid.csv"
    require(valid.is_file(), f"the KCS data set is missing at {valid}")
    records = list(iter_kcs(valid))
    x = feature_matrix(records, full_model.history.copy(), learn_outcomes=False)
    assert len(x) == len(records) > 8000
    assert any(v != v for row in x for v in row), "valid.csv should exercise missing values (NaN)"
    matrix = np.array(x, dtype=np.float64)
    raw = [float(r) for r in full_model.booster.predict(matrix, raw_score=True)]
    probability = [float(p) for p in full_model.booster.predict(matrix)]
    compiled = full_model.compiled
    assert [compiled.raw(row) for row in x] == raw
    assert compiled.raw_all(x) == raw
    assert [compiled.predict(row) for row in x] == probability
    assert full_model.probabilities(records) == probability
    scorer = full_model.scorer()
    assert scorer.scores_of(x) == [scorer.score_features(row) for row in x]


def test_the_lodgement_features_equal_the_reference_as_the_history_grows(full_model: ModelArtifact) -> None:
    records = list(iter_kcs(DATA / "valid.csv"))
    fast, reference = full_model.history.copy(), full_model.history.copy()
    ordered = sorted(records, key=lambda r: (r.date, r.declaration_id))
    for r in ordered:  # the declarations of valid.csv are filed (with their outcomes) day after day
        got = fast.features_of_declaration([r])[0]
        assert same(got, reference.features(r)), r.declaration_id
        fast.update(r)
        reference.update(r)
    assert fast.derived, "the per-HS6 cache was used"


def test_a_lodgement_is_scored_as_its_records_are(full_model: ModelArtifact) -> None:
    """``ZoneRiskModel.score`` (the lodgement path: no records, per-HS6 cache, the trees for all items in one
    call) gives the riskiest item's score of the reference path, and that item's feature vector."""
    model = ZoneRiskModel(full_model, 0.05)
    reference = full_model.scorer()
    day = date.fromordinal(full_model.trained_through.toordinal() + 1)
    variants = [
        factories.declaration(declarant="ENT-1"),
        factories.declaration(
            declarant="ENT-2",
            transport_mode="mail",
            transport_id="EMS-1",
            items=[
                factories.item(),
                factories.item(hs_code="61091000", value="10.00", net_mass_kg="100", preference="CN-SCO"),
                factories.item(hs_code="392690", value="0", origin_country="VN"),
            ],
        ),
    ]
    for n, body in enumerate(variants * 3):  # again and again: the per-HS6 cache answers as the first time
        content = content_from_json(body)
        opinion = model.score(f"DEC-{n}", content, day)
        records = to_records(content, f"DEC-{n}", day, price_scale=KRW_PER_CNY)
        scores = [reference.score(r) for r in records]
        worst = max(range(len(scores)), key=scores.__getitem__)
        assert opinion.score == Decimal(repr(scores[worst])).quantize(Decimal("0.000001"))
        assert same(list(opinion.features), reference.features(records[worst]))
        assert opinion.version == full_model.version


def test_the_lodgement_threshold_is_the_budgets_decision(full_model: ModelArtifact) -> None:
    """``ZoneRiskModel.threshold`` (``admit``, its decimal reused while the threshold stays) gives the threshold
    ``InspectionBudget.decide`` records, as a decimal to the millionth."""
    model = ZoneRiskModel(full_model, 0.05)
    reference = InspectionBudget(0.05, seed=full_model.score_sample)
    stream = [Decimal(f"0.{(i * 7919) % 1_000_000:06d}") for i in range(3000)]
    for i, score in enumerate(stream):
        forced = i % 17 == 0
        decision = reference.decide(float(score), forced_red=forced)
        got = model.threshold(score, forced_red=forced)
        assert got == Decimal(repr(decision.threshold)).quantize(Decimal("0.000001"))
