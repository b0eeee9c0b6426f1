"""Training the risk model on a slice of the KCS data: the artifact is saved and reloaded, the compiled scorer
equals LightGBM, the metrics are computed as customs do, and ``silkport risk train/score/evaluate`` work."""

from __future__ import annotations

import csv
import hashlib
import math
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from silkport.clearance.schemas import content_from_json
from silkport.entrypoints.cli.risk import app
from silkport.riskmodel.budget import InspectionBudget
from silkport.riskmodel.features import FEATURES
from silkport.riskmodel.kcs import KCS_COLUMNS, KcsRecord, iter_kcs, to_records
from silkport.riskmodel.model import (
    ModelArtifact,
    SourceFile,
    duty_recovered_at,
    evaluate_scores,
    file_sha256,
    load,
    load_latest,
    precision_at,
    top_k,
    train_kcs,
)
from tests import factories
from tests.conftest import require

DATA = Path(__file__).parents[2].parent / "shared" / "data" / "customs-declarations-kcs"
TRAIN_ROWS = 3000


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """About 3,000 declarations of January 2020 to train on, and the next week's to score (whole days each)."""
    source = DATA / "train.csv"
    require(source.is_file(), f"the KCS data set is missing at {source}")
    with source.open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [row for _, row in zip(range(TRAIN_ROWS + 1500), reader, strict=False)]
    day = header.index("Date")
    rows.sort(key=lambda r: r[day])
    cut = rows[TRAIN_ROWS][day]
    later = sorted({r[day] for r in rows if r[day] > cut})[:5]
    folder = tmp_path_factory.mktemp("kcs")
    train, score = folder / "train-slice.csv", folder / "score-slice.csv"
    for path, part in ((train, [r for r in rows if r[day] < cut]), (score, [r for r in rows if r[day] in later])):
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(part)
    return train, score


@pytest.fixture(scope="module")
def trained(slices: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelArtifact]:
    train, _ = slices
    records = list(iter_kcs(train))
    artifact = train_kcs(records, [SourceFile(train.name, file_sha256(train), len(records))], baseline_rounds=100)
    artifact.save(tmp_path_factory.mktemp("models"))
    yield artifact


def test_the_artifact_is_saved_versioned_and_reloaded(trained: ModelArtifact, slices: tuple[Path, Path]) -> None:
    train, score = slices
    assert trained.path is not None
    assert re.fullmatch(r"kcs-\d{8}-[0-9a-f]{8}", trained.version)
    assert trained.version.startswith("kcs-" + trained.trained_through.strftime("%Y%m%d"))
    digest = hashlib.sha256(train.read_bytes()).hexdigest()
    assert trained.meta["data"]["files"][0]["sha256"] == digest
    assert trained.data_fingerprint == hashlib.sha256(digest.encode()).hexdigest()
    assert trained.seed == 42
    assert trained.features == FEATURES
    assert trained.meta["metrics"]["holdout"]["model"]["precision"]
    assert len(trained.score_sample) > 10
    reloaded = load_latest(trained.path.parent)
    assert reloaded.version == trained.version
    assert load(trained.path.parent, trained.version).meta == reloaded.meta
    records = list(iter_kcs(score))
    assert reloaded.score_records(records) == trained.score_records(records)
    assert reloaded.baseline_scores(records) == trained.baseline_scores(records)


def test_training_is_reproducible(trained: ModelArtifact, slices: tuple[Path, Path]) -> None:
    train, _ = slices
    records = list(iter_kcs(train))
    again = train_kcs(
        list(reversed(records)), [SourceFile(train.name, file_sha256(train), len(records))], baseline_rounds=100
    )
    assert again.version == trained.version
    assert again.trees == trained.trees


def test_the_compiled_scorer_equals_lightgbm(trained: ModelArtifact, slices: tuple[Path, Path]) -> None:
    _, score = slices
    records = list(iter_kcs(score))
    fast = trained.probabilities(records)
    reference = trained.booster_scores(records)
    assert max(abs(a - b) for a, b in zip(fast, reference, strict=True)) <= 1e-9
    # one declaration at a time (the API's path) gives the batch's scores
    scorer = trained.scorer()
    batch = trained.score_records(records)
    for i in sorted(range(len(records)), key=lambda i: (records[i].date, records[i].declaration_id)):
        assert scorer.score(records[i]) == batch[i]
        scorer.observe(records[i], with_outcome=False)
    assert all(0.0 <= s <= 1.0 for s in batch)


def test_an_officer_sees_the_features_behind_a_score(trained: ModelArtifact, slices: tuple[Path, Path]) -> None:
    _, score = slices
    record = next(iter_kcs(score))
    scorer = trained.scorer()
    x = scorer.features(record)
    top = scorer.explain(x, top=3)
    assert len(top) == 3
    assert all(c.feature in (*FEATURES, "duty_at_stake") for c in top)
    assert abs(top[0].contribution) >= abs(top[-1].contribution)
    # SHAP values add up to the log-odds of the likelihood
    contrib = trained.explain_rows([x])[0]
    p = scorer.probability_features(x)
    assert sum(contrib) == pytest.approx(math.log(p / (1 - p)), abs=1e-6)


def test_an_api_declaration_is_scored_by_the_same_model(trained: ModelArtifact) -> None:
    content = content_from_json(factories.declaration(declarant="ENT-1"))
    day = date.fromordinal(trained.trained_through.toordinal() + 1)
    records = to_records(content, "DEC-API-1", day, tax_rate=lambda _item: 8.0)
    scorer = trained.scorer()
    score = scorer.score_declaration(records)
    assert 0.0 < score < 1.0
    budget = InspectionBudget(0.05, seed=trained.score_sample)
    decision = budget.decide(score)
    assert decision.window == len(trained.score_sample)
    assert decision.red == (score > decision.threshold)
    assert budget.decide(score).window == decision.window + 1


def _example(declaration_id: str, item_price: float, fraud: int, critical: int) -> KcsRecord:
    """A goods item at a 10% tax rate: its duty at stake is a tenth of its price."""
    return KcsRecord(
        declaration_id=declaration_id,
        date=date(2021, 1, 1),
        office="40",
        process_type="B",
        import_type="11",
        import_use="21",
        payment_type="11",
        transport_mode="10",
        declarant="d",
        importer="i",
        seller="s",
        courier="",
        hs6="392690",
        departure_country="CN",
        origin_country="CN",
        tax_rate=10.0,
        tax_type="A",
        origin_indicator="Y",
        net_mass=1.0,
        item_price=item_price,
        fraud=fraud,
        critical_fraud=critical,
    )


def test_precision_and_duty_recovered_on_a_hand_made_example() -> None:
    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]
    labels = [1, 0, 1, 1, 0, 0, 0, 1, 0, 0]
    duties = [100.0, 999.0, 50.0, 0.0, 5.0, 5.0, 5.0, 850.0, 5.0, 5.0]
    assert top_k(10, 0.10) == 1
    assert top_k(10, 0.05) == 1  # at least one declaration
    assert top_k(10, 0.25) == 3  # 2.5 rounds half up
    assert top_k(200, 0.05) == 10
    assert precision_at(scores, labels, 0.1) == 1.0
    assert precision_at(scores, labels, 0.2) == 0.5
    assert precision_at(scores, labels, 0.4) == 0.75
    # ties keep file order: the first of two equal scores is taken
    assert precision_at([0.5, 0.5], [0, 1], 0.5) == 0.0
    # fraud duty at stake: 100 + 50 + 0 + 850 = 1000
    assert duty_recovered_at(scores, labels, duties, 0.1) == pytest.approx(0.1)
    assert duty_recovered_at(scores, labels, duties, 0.4) == pytest.approx(0.15)
    assert duty_recovered_at(scores, labels, duties, 1.0) == pytest.approx(1.0)
    records = [
        _example(f"D{i}", item_price=duty * 10, fraud=y, critical=2 if i == 7 else y)
        for i, (y, duty) in enumerate(zip(labels, duties, strict=True))
    ]
    m = evaluate_scores(scores, records, shares=(0.1, 0.4))
    assert m.precision == {0.1: 1.0, 0.4: 0.75}
    assert m.duty_recovered[0.4] == pytest.approx(0.15)
    assert m.critical_caught == {0.1: 0.0, 0.4: 0.0}
    assert evaluate_scores(scores, records, shares=(0.8,)).critical_caught == {0.8: 1.0}


def test_the_cli_trains_scores_and_evaluates(slices: tuple[Path, Path], tmp_path: Path) -> None:
    train, score = slices
    runner = CliRunner()
    models = tmp_path / "models"
    result = runner.invoke(app, ["train", "--format", "kcs", str(train), "--models", str(models)])
    assert result.exit_code == 0, result.output
    version = (models / "LATEST").read_text().strip()
    assert version in result.output
    assert "precision@5%" in result.output

    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", "--format", "kcs", str(score), "--output", str(out), "--models", str(models)])
    assert result.exit_code == 0, result.output
    with out.open(newline="") as fh:
        rows = list(csv.reader(fh))
    ids = [r.declaration_id for r in iter_kcs(score)]
    assert rows[0] == ["declaration_id", "score"]
    assert [r[0] for r in rows[1:]] == ids
    assert all(0.0 <= float(r[1]) <= 1.0 for r in rows[1:])

    result = runner.invoke(app, ["evaluate", str(score), "--models", str(models), "--model", version])
    assert result.exit_code == 0, result.output
    for n in ("1", "2", "5", "10"):
        assert f"precision@{n}%" in result.output
    assert "baseline" in result.output
    assert "evaded duty" in result.output

    # a file that overlaps the model's history would need look-ahead: refused with a clear message
    result = runner.invoke(app, ["evaluate", str(train), "--models", str(models)])
    assert result.exit_code == 2
    assert "would see later events" in result.output

    no_labels = tmp_path / "unlabelled.csv"
    with score.open(newline="") as src, no_labels.open("w", newline="") as dst:
        reader = csv.DictReader(src)
        columns = [c for c in KCS_COLUMNS if c not in ("Fraud", "Critical Fraud")]
        w = csv.DictWriter(dst, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(reader)
    result = runner.invoke(
        app, ["score", str(no_labels), "--output", str(tmp_path / "s2.csv"), "--models", str(models)]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["evaluate", str(no_labels), "--models", str(models)])
    assert result.exit_code == 2
    assert "needs the Fraud column" in result.output
