"""Training, measuring and storing the learned risk model.

Training (:func:`train_kcs`) is reproducible: records are replayed in date order (never file order), LightGBM
runs single-threaded and deterministic with a fixed seed, and the artifact records the sha256 of every input
file. The same call trains the *baseline* the issue compares against: LightGBM on the raw KCS columns with
plain label-encoded categoricals, on the same rows, split and seed. The baseline gets a generous capacity
(500 trees x 127 leaves, :data:`BASELINE_PARAMS`): with LightGBM's defaults it is much weaker, and a
weak baseline proves nothing. Our model is kept small (30 trees x 15 leaves) so the compiled scorer is fast.

The served score
    ``sigmoid(log-odds of fraud + duty_weight x log(1 + duty at stake))`` (see
    :class:`~silkport.riskmodel.scorer.RiskScorer`): the duty weight is chosen on the holdout days by
    :func:`choose_duty_weight` (the most evaded duty recovered while precision@n% stays within 0.02 of the
    likelihood alone) and stored in the artifact.

Time split
    The last ``holdout_share`` of the training days is held out: a model trained on the earlier days scores
    them with the history frozen at the split (the held-out rows' own outcomes are withheld, as for a file
    being scored), which gives the holdout metrics and the score distribution that seeds the inspection
    budget. The served model is then retrained on every day.

How customs measure it (:func:`evaluate_scores`)
    precision@n%
        of the n% of declarations with the highest scores (k = max(1, round(n% x rows)); ties broken by file
        order), the share that are fraud.
    evaded duty recovered@n%
        KCS has no duty-evaded column. We define the duty at stake of a row as Item Price x Tax Rate (the
        declared duty of the goods item) and report, for the fraud rows in the top n%, their duty at stake
        over the duty at stake of all fraud rows: the share of the duty exposed by fraud that the inspections
        would recover. (A proxy: the declared price of an undervalued item understates the true duty.)
    critical fraud caught@n%
        the share of the rows labelled Critical Fraud = 2 that are in the top n%.

The artifact (:class:`ModelArtifact`) is a directory ``<models>/<version>/`` with ``meta.json`` (version,
data fingerprint, seed, parameters, features, metrics, score sample), ``model.txt`` and ``baseline.txt``
(LightGBM model files), ``trees.json`` (the tree dump the fast scorer compiles), ``history.json.gz`` (the
declaration history at the end of training) and ``baseline_encoding.json``. ``<models>/LATEST`` names the last
saved version. The version is ``kcs-YYYYMMDD-<fingerprint8>``: the last training day and the first 8 hex digits
of the sha256 of (data fingerprint, seed, parameters, feature set): the same data and settings give the same
version.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from silkport.riskmodel.features import (
    CATEGORICAL_INDICES,
    FEATURE_SET_VERSION,
    FEATURES,
    FeatureSpec,
    HistoryState,
    feature_matrix,
    replay,
)
from silkport.riskmodel.kcs import KcsRecord, chronological
from silkport.riskmodel.scorer import CompiledTrees, RiskScorer

DEFAULT_MODEL_DIR = Path("var/models")
MODEL_DIR_ENV = "SILKPORT_MODEL_DIR"
ARTIFACT_FORMAT = "silkport-riskmodel/1"
SHARES: tuple[float, ...] = (0.01, 0.02, 0.05, 0.10)
DEFAULT_SEED = 42
DEFAULT_ROUNDS = 30
_COMMON_PARAMS: Mapping[str, Any] = {
    "objective": "binary",
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbose": -1,
}
#: LightGBM parameters (the seed is added). Few small trees keep the compiled scorer fast: 30 trees x 15 leaves.
#: Trained on train.csv and evaluated on valid.csv, 30 trees at rate 0.15 scored precision@1/2/5/10% of
#: 1.000/1.000/1.000/0.998 against 1.000/1.000/1.000/0.994 for 100 trees at 0.1, at a third of the scoring cost.
DEFAULT_PARAMS: Mapping[str, Any] = {**_COMMON_PARAMS, "learning_rate": 0.15, "num_leaves": 15, "min_data_in_leaf": 20}
#: the baseline gets a generous capacity (it does not have to be fast): 500 trees x 127 leaves
BASELINE_PARAMS: Mapping[str, Any] = {
    **_COMMON_PARAMS,
    "learning_rate": 0.05,
    "num_leaves": 127,
    "min_data_in_leaf": 10,
}
BASELINE_ROUNDS = 500
#: the duty weights tried on the holdout days (see :func:`choose_duty_weight`)
DUTY_WEIGHTS: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
PRECISION_TOLERANCE = 0.02
LATEST = "LATEST"


def model_dir(configured: Path | None = None) -> Path:
    """Where models live: the argument, else ``$SILKPORT_MODEL_DIR``, else ``var/models``."""
    if configured is not None:
        return configured
    env = os.environ.get(MODEL_DIR_ENV)
    return Path(env) if env else DEFAULT_MODEL_DIR


# ---------------------------------------------------------------------------------------------- metrics


def top_k(rows: int, share: float) -> int:
    """How many declarations n% of ``rows`` sends to red: max(1, round half up), at most ``rows``."""
    if rows <= 0:
        return 0
    return min(rows, max(1, math.floor(rows * share + 0.5)))


def ranking(scores: Sequence[float]) -> list[int]:
    """Row indices, highest score first; ties keep file order (a total, deterministic order)."""
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))


def precision_at(scores: Sequence[float], labels: Sequence[int], share: float) -> float:
    """Of the ``share`` of rows with the highest scores, the fraction labelled fraud."""
    k = top_k(len(scores), share)
    if k == 0:
        return 0.0
    return sum(labels[i] for i in ranking(scores)[:k]) / k


def duty_recovered_at(scores: Sequence[float], labels: Sequence[int], duties: Sequence[float], share: float) -> float:
    """Duty at stake of the fraud rows in the top ``share`` over that of all fraud rows (0 when there is none)."""
    total = sum(d for d, y in zip(duties, labels, strict=True) if y)
    if total <= 0:
        return 0.0
    top = ranking(scores)[: top_k(len(scores), share)]
    return sum(duties[i] for i in top if labels[i]) / total


@dataclass(frozen=True, slots=True)
class Metrics:
    rows: int
    frauds: int
    precision: Mapping[float, float]
    duty_recovered: Mapping[float, float]
    critical_caught: Mapping[float, float]

    def to_mapping(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "frauds": self.frauds,
            "precision": {str(k): v for k, v in self.precision.items()},
            "duty_recovered": {str(k): v for k, v in self.duty_recovered.items()},
            "critical_caught": {str(k): v for k, v in self.critical_caught.items()},
        }

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> Metrics:
        def shares(d: Mapping[str, float]) -> dict[float, float]:
            return {float(k): float(v) for k, v in d.items()}

        return cls(
            int(m["rows"]),
            int(m["frauds"]),
            shares(m["precision"]),
            shares(m["duty_recovered"]),
            shares(m["critical_caught"]),
        )


def evaluate_scores(scores: Sequence[float], records: Sequence[KcsRecord], shares: Sequence[float] = SHARES) -> Metrics:
    """precision@n%, evaded duty recovered@n% and critical fraud caught@n% of ``scores`` on labelled records."""
    if len(scores) != len(records):
        raise ValueError("one score per record")
    unlabelled = sum(1 for r in records if r.fraud is None)
    if unlabelled:
        raise ValueError(f"{unlabelled} record(s) have no Fraud label: evaluation needs a labelled file")
    labels = [int(r.fraud or 0) for r in records]
    duties = [r.duty for r in records]
    critical = [1 if r.critical_fraud == 2 else 0 for r in records]
    order = ranking(scores)
    n_critical = sum(critical)
    caught: dict[float, float] = {}
    for s in shares:
        top = order[: top_k(len(scores), s)]
        caught[s] = sum(critical[i] for i in top) / n_critical if n_critical else 0.0
    return Metrics(
        rows=len(records),
        frauds=sum(labels),
        precision={s: precision_at(scores, labels, s) for s in shares},
        duty_recovered={s: duty_recovered_at(scores, labels, duties, s) for s in shares},
        critical_caught=caught,
    )


# ---------------------------------------------------------------------------------------- the baseline

#: the baseline's columns: every KCS attribute as it is, categoricals label-encoded
BASELINE_CATEGORICAL: tuple[str, ...] = (
    "office",
    "process_type",
    "import_type",
    "import_use",
    "payment_type",
    "transport_mode",
    "declarant",
    "importer",
    "seller",
    "courier",
    "hs6",
    "departure_country",
    "origin_country",
    "tax_type",
    "origin_indicator",
)
BASELINE_NUMERIC: tuple[str, ...] = ("tax_rate", "net_mass", "item_price")


@dataclass(frozen=True, slots=True)
class LabelEncoding:
    """Plain label encoding: each categorical value -> its rank of first appearance (date order); unseen -> -1."""

    codes: Mapping[str, Mapping[str, int]]

    @classmethod
    def fit(cls, records: Sequence[KcsRecord]) -> LabelEncoding:
        codes: dict[str, dict[str, int]] = {c: {} for c in BASELINE_CATEGORICAL}
        for r in chronological(records):
            for c in BASELINE_CATEGORICAL:
                values = codes[c]
                values.setdefault(getattr(r, c), len(values))
        return cls(codes)

    def matrix(self, records: Sequence[KcsRecord]) -> np.ndarray[Any, np.dtype[np.float64]]:
        rows = [
            [float(self.codes[c].get(getattr(r, c), -1)) for c in BASELINE_CATEGORICAL]
            + [float(getattr(r, c)) for c in BASELINE_NUMERIC]
            for r in records
        ]
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(BASELINE_CATEGORICAL) + len(BASELINE_NUMERIC))


# --------------------------------------------------------------------------------------- the artifact


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def data_fingerprint(file_hashes: Sequence[str]) -> str:
    """sha256 over the input files' sha256 digests, sorted (training does not depend on the files' order)."""
    return hashlib.sha256("\n".join(sorted(file_hashes)).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SourceFile:
    name: str
    sha256: str
    rows: int


def _version(last_day: date, fingerprint: str, seed: int, config: Mapping[str, Any]) -> str:
    text = json.dumps(
        {"data": fingerprint, "seed": seed, "config": dict(config), "features": FEATURE_SET_VERSION}, sort_keys=True
    )
    return f"kcs-{last_day.strftime('%Y%m%d')}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


@dataclass
class ModelArtifact:
    """A trained model, its baseline, the history it scores with, and everything needed to reproduce it."""

    version: str
    meta: dict[str, Any]
    model_text: str
    trees: dict[str, Any]
    baseline_text: str
    baseline_encoding: LabelEncoding
    history: HistoryState
    path: Path | None = None
    _compiled: CompiledTrees | None = field(default=None, repr=False)
    _booster: lgb.Booster | None = field(default=None, repr=False)
    _baseline: lgb.Booster | None = field(default=None, repr=False)

    # -------------------------------------------------------------- what it knows

    @property
    def data_fingerprint(self) -> str:
        return str(self.meta["data"]["fingerprint"])

    @property
    def seed(self) -> int:
        return int(self.meta["seed"])

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(self.meta["features"])

    @property
    def trained_through(self) -> date:
        return date.fromisoformat(self.meta["trained_through"])

    @property
    def score_sample(self) -> list[float]:
        """Holdout scores (sorted, up to 1001 evenly spaced ranks): the seed of the inspection budget."""
        return [float(x) for x in self.meta.get("score_sample", [])]

    def holdout_metrics(self) -> tuple[Metrics, Metrics] | None:
        """(ours, baseline) on the holdout days, when there was a holdout."""
        holdout = self.meta.get("metrics", {}).get("holdout")
        if not holdout:
            return None
        return Metrics.from_mapping(holdout["model"]), Metrics.from_mapping(holdout["baseline"])

    # -------------------------------------------------------------- scoring

    @property
    def compiled(self) -> CompiledTrees:
        if self._compiled is None:
            self._compiled = CompiledTrees(self.trees)
        return self._compiled

    @property
    def booster(self) -> lgb.Booster:
        if self._booster is None:
            self._booster = lgb.Booster(model_str=self.model_text)
        return self._booster

    def explain_rows(self, rows: Sequence[Sequence[float]]) -> list[list[float]]:
        """LightGBM's SHAP values (``pred_contrib``) of feature vectors: one per feature, then the bias."""
        out = self.booster.predict(np.array(rows, dtype=np.float64), pred_contrib=True)
        return [[float(x) for x in row] for row in np.asarray(out)]

    @property
    def duty_weight(self) -> float:
        return float(self.meta.get("duty_weight", 0.0))

    def scorer(self) -> RiskScorer:
        """A scorer with its own copy of the training history (feed it declarations as they are filed)."""
        return RiskScorer(self.compiled, self.history.copy(), self.version, self.explain_rows, self.duty_weight)

    def score_records(self, records: Sequence[KcsRecord], *, learn_outcomes: bool = False) -> list[float]:
        """Scores of ``records`` (in their order), replayed in date order after the training history.

        By default the records' own outcomes are withheld (a file of new declarations); ``learn_outcomes``
        feeds each outcome into the history from the next day on (every declaration inspected)."""
        scorer = self.scorer()
        score = scorer.score_features
        scores = [0.0] * len(records)
        for i, x in replay(records, scorer.history, learn_outcomes=learn_outcomes):
            scores[i] = score(x)
        return scores

    def probabilities(self, records: Sequence[KcsRecord], *, learn_outcomes: bool = False) -> list[float]:
        """The likelihood of fraud alone (the compiled trees, without the duty term)."""
        state = self.history.copy()
        predict = self.compiled.predict
        out = [0.0] * len(records)
        for i, x in replay(records, state, learn_outcomes=learn_outcomes):
            out[i] = predict(x)
        return out

    def booster_scores(self, records: Sequence[KcsRecord], *, learn_outcomes: bool = False) -> list[float]:
        """LightGBM's own ``booster.predict`` of the likelihood (a check of :meth:`probabilities`)."""
        x = feature_matrix(records, self.history.copy(), learn_outcomes=learn_outcomes)
        return [float(s) for s in self.booster.predict(np.array(x, dtype=np.float64))]

    def baseline_scores(self, records: Sequence[KcsRecord]) -> list[float]:
        if self._baseline is None:
            self._baseline = lgb.Booster(model_str=self.baseline_text)
        return [float(s) for s in self._baseline.predict(self.baseline_encoding.matrix(records))]

    # -------------------------------------------------------------- storage

    def save(self, models: Path) -> Path:
        """Write the artifact under ``models/<version>/`` (atomically) and mark it the latest."""
        models.mkdir(parents=True, exist_ok=True)
        target = models / self.version
        work = Path(tempfile.mkdtemp(prefix=f".{self.version}-", dir=models))
        try:
            (work / "meta.json").write_text(json.dumps(self.meta, indent=2, sort_keys=True) + "\n")
            (work / "model.txt").write_text(self.model_text)
            (work / "baseline.txt").write_text(self.baseline_text)
            (work / "trees.json").write_text(json.dumps(self.trees))
            (work / "baseline_encoding.json").write_text(json.dumps({"codes": self.baseline_encoding.codes}))
            self.history.save(work / "history.json.gz")
            if target.exists():
                shutil.rmtree(target)
            work.rename(target)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        (models / LATEST).write_text(self.version + "\n")
        self.path = target
        return target


def load(models: Path, version: str) -> ModelArtifact:
    path = models / version
    meta_path = path / "meta.json"
    if not meta_path.is_file():
        known = ", ".join(list_versions(models)) or "none"
        raise FileNotFoundError(f"no model {version!r} under {models} (models there: {known})")
    meta = json.loads(meta_path.read_text())
    if meta.get("format") != ARTIFACT_FORMAT:
        raise ValueError(f"{path}: artifact format {meta.get('format')!r} is not {ARTIFACT_FORMAT!r}")
    return ModelArtifact(
        version=str(meta["version"]),
        meta=meta,
        model_text=(path / "model.txt").read_text(),
        trees=json.loads((path / "trees.json").read_text()),
        baseline_text=(path / "baseline.txt").read_text(),
        baseline_encoding=LabelEncoding(json.loads((path / "baseline_encoding.json").read_text())["codes"]),
        history=HistoryState.load(path / "history.json.gz"),
        path=path,
    )


def list_versions(models: Path) -> list[str]:
    if not models.is_dir():
        return []
    return sorted(p.name for p in models.iterdir() if (p / "meta.json").is_file())


def load_latest(models: Path | None = None) -> ModelArtifact:
    """The model saved last under ``models`` (default: :func:`model_dir`)."""
    models = model_dir(models)
    pointer = models / LATEST
    if pointer.is_file():
        return load(models, pointer.read_text().strip())
    versions = list_versions(models)
    if not versions:
        raise FileNotFoundError(f"no trained model under {models}: run `silkport risk train` first")
    return load(models, versions[-1])


# --------------------------------------------------------------------------------------------- training


def _booster(
    x: np.ndarray[Any, np.dtype[np.float64]],
    y: Sequence[int],
    params: Mapping[str, Any],
    rounds: int,
    names: Sequence[str],
    categorical: Sequence[int],
) -> lgb.Booster:
    dataset = lgb.Dataset(
        x,
        label=np.asarray(y, dtype=np.float64),
        feature_name=list(names),
        categorical_feature=list(categorical),
        free_raw_data=True,
        params={"verbose": -1},
    )
    return lgb.train(dict(params), dataset, num_boost_round=rounds)


def _matrix(rows: Sequence[Sequence[float]]) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


def _predict(booster: lgb.Booster, x: np.ndarray[Any, np.dtype[np.float64]]) -> list[float]:
    return [float(s) for s in np.asarray(booster.predict(x))]


def _sample(scores: Sequence[float], points: int = 1001) -> list[float]:
    ordered = sorted(scores)
    if len(ordered) <= points:
        return ordered
    return [ordered[round(i * (len(ordered) - 1) / (points - 1))] for i in range(points)]


def _risk(raw: Sequence[float], log_duty: Sequence[float], weight: float) -> list[float]:
    return [1.0 / (1.0 + math.exp(-(r + weight * d))) for r, d in zip(raw, log_duty, strict=True)]


def choose_duty_weight(
    raw: Sequence[float],
    records: Sequence[KcsRecord],
    weights: Sequence[float] = DUTY_WEIGHTS,
    tolerance: float = PRECISION_TOLERANCE,
) -> tuple[float, dict[str, Any]]:
    """The duty weight to serve, from holdout log-odds: among the weights whose precision@n% stays within
    ``tolerance`` of the likelihood alone (weight 0) at every n, the one that recovers the most evaded duty
    (mean over n); ties go to the smaller weight. Returns the weight and each candidate's metrics."""
    log_duty = [math.log1p(r.duty) for r in records]
    base = evaluate_scores(_risk(raw, log_duty, 0.0), records)
    best, best_duty = 0.0, -1.0
    tried: dict[str, Any] = {}
    for w in weights:
        m = evaluate_scores(_risk(raw, log_duty, w), records)
        tried[str(w)] = m.to_mapping()
        if any(m.precision[s] < base.precision[s] - tolerance for s in m.precision):
            continue
        duty = sum(m.duty_recovered.values()) / len(m.duty_recovered)
        if duty > best_duty + 1e-12:
            best, best_duty = w, duty
    return best, tried


def train_kcs(
    records: Sequence[KcsRecord],
    sources: Sequence[SourceFile],
    *,
    seed: int = DEFAULT_SEED,
    rounds: int = DEFAULT_ROUNDS,
    params: Mapping[str, Any] | None = None,
    baseline_params: Mapping[str, Any] | None = None,
    baseline_rounds: int = BASELINE_ROUNDS,
    holdout_share: float = 0.2,
    smoothing: float = 5.0,
    duty_weight: float | None = None,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> ModelArtifact:
    """Train the model and its baseline on labelled records (see the module docstring for the procedure).

    ``duty_weight`` None: chosen on the holdout days (:func:`choose_duty_weight`; 0 without a holdout)."""
    say = progress or (lambda _msg: None)
    unlabelled = sum(1 for r in records if r.fraud is None)
    if unlabelled:
        raise ValueError(f"{unlabelled} training record(s) have no Fraud label")
    if not records:
        raise ValueError("no training records")
    if not 0.0 <= holdout_share < 1.0:
        raise ValueError("holdout_share must be in [0, 1)")
    lgb_params = {**DEFAULT_PARAMS, **(params or {}), "seed": seed}
    base_params = {**BASELINE_PARAMS, **(baseline_params or {}), "seed": seed}
    rows = chronological(records)
    days = sorted({r.date for r in rows})
    split = len(days) - math.ceil(len(days) * holdout_share) if holdout_share > 0 else len(days)
    split_day = days[split] if 0 < split < len(days) else None
    fit = [r for r in rows if split_day is None or r.date < split_day]
    hold = [r for r in rows if split_day is not None and r.date >= split_day]

    say(f"features of {len(rows)} declarations ({len(days)} days)")
    spec = FeatureSpec.fit(rows, smoothing=smoothing)
    state = HistoryState(spec)
    x_fit = feature_matrix(fit, state)
    frozen = state.copy() if hold else None
    x_hold = feature_matrix(hold, state)
    y_all = [int(r.fraud or 0) for r in rows]
    x_all = _matrix(x_fit + x_hold)
    encoding = LabelEncoding.fit(rows)
    baseline_names = [*BASELINE_CATEGORICAL, *BASELINE_NUMERIC]
    no_categorical: list[int] = []

    metrics: dict[str, Any] = {}
    sample: list[float] = []
    weight = duty_weight if duty_weight is not None else 0.0
    if hold and frozen is not None:
        say(f"holdout: {len(fit)} declarations before {split_day}, {len(hold)} from it")
        y_fit = y_all[: len(fit)]
        x_hold_frozen = _matrix(feature_matrix(hold, frozen, learn_outcomes=False))
        ours = _booster(_matrix(x_fit), y_fit, lgb_params, rounds, FEATURES, CATEGORICAL_INDICES)
        base = _booster(encoding.matrix(fit), y_fit, base_params, baseline_rounds, baseline_names, no_categorical)
        raw = [float(v) for v in np.asarray(ours.predict(x_hold_frozen, raw_score=True))]
        chosen, tried = choose_duty_weight(raw, hold)
        if duty_weight is None:
            weight = chosen
        hold_scores = _risk(raw, [math.log1p(r.duty) for r in hold], weight)
        metrics["holdout"] = {
            "from": split_day.isoformat() if split_day else None,
            "rows": len(hold),
            "model": evaluate_scores(hold_scores, hold).to_mapping(),
            "likelihood_only": tried[str(0.0)],
            "baseline": evaluate_scores(_predict(base, encoding.matrix(hold)), hold).to_mapping(),
            "duty_weights": tried,
        }
        sample = _sample(hold_scores)

    say(f"training on all {len(rows)} declarations")
    final = _booster(x_all, y_all, lgb_params, rounds, FEATURES, CATEGORICAL_INDICES)
    baseline = _booster(encoding.matrix(rows), y_all, base_params, baseline_rounds, baseline_names, no_categorical)
    if not sample:
        raw_all = [float(v) for v in np.asarray(final.predict(x_all, raw_score=True))]
        sample = _sample(_risk(raw_all, [math.log1p(r.duty) for r in rows], weight))

    fingerprint = data_fingerprint([s.sha256 for s in sources])
    config = {"model": lgb_params, "rounds": rounds, "baseline": base_params, "baseline_rounds": baseline_rounds}
    config |= {"smoothing": smoothing, "holdout_share": holdout_share, "duty_weight": duty_weight}
    version = _version(days[-1], fingerprint, seed, config)
    gain = final.feature_importance(importance_type="gain")
    importance = sorted(((name, float(g)) for name, g in zip(FEATURES, gain, strict=True)), key=lambda p: (-p[1], p[0]))
    meta: dict[str, Any] = {
        "format": ARTIFACT_FORMAT,
        "version": version,
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "trained_through": days[-1].isoformat(),
        "trained_from": days[0].isoformat(),
        "rows": len(rows),
        "frauds": sum(y_all),
        "data": {
            "fingerprint": fingerprint,
            "files": [{"name": s.name, "sha256": s.sha256, "rows": s.rows} for s in sources],
        },
        "seed": seed,
        "params": lgb_params,
        "rounds": rounds,
        "baseline_params": base_params,
        "baseline_rounds": baseline_rounds,
        "smoothing": smoothing,
        "holdout_share": holdout_share,
        "duty_weight": weight,
        "feature_set": FEATURE_SET_VERSION,
        "features": list(FEATURES),
        "categorical_features": [FEATURES[i] for i in CATEGORICAL_INDICES],
        "baseline_features": baseline_names,
        "importance_gain": importance[:25],
        "metrics": metrics,
        "score_sample": sample,
        "lightgbm": lgb.__version__,
    }
    return ModelArtifact(
        version=version,
        meta=meta,
        model_text=final.model_to_string(),
        trees=final.dump_model(),
        baseline_text=baseline.model_to_string(),
        baseline_encoding=encoding,
        history=state,
    )


def train_kcs_files(paths: Sequence[Path], **options: Any) -> ModelArtifact:
    """Read KCS files and train on all their rows (``options`` as for :func:`train_kcs`)."""
    from silkport.riskmodel.kcs import iter_kcs

    records: list[KcsRecord] = []
    sources: list[SourceFile] = []
    seen: set[str] = set()
    for path in paths:
        rows = list(iter_kcs(path))
        for r in rows:
            if r.declaration_id in seen:
                raise ValueError(f"{path}: Declaration ID {r.declaration_id} appears in more than one row")
            seen.add(r.declaration_id)
        records.extend(rows)
        sources.append(SourceFile(path.name, file_sha256(path), len(rows)))
    return train_kcs(records, sources, **options)
