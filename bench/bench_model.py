"""The learned risk model on the KCS data: train on train.csv, evaluate on valid.csv, time the scorer.

Prints, measured in this run:
- precision@1/2/5/10%, evaded duty recovered and critical fraud caught on valid.csv (history frozen at the end
  of train.csv: valid's own outcomes are never used) for our model, its likelihood alone (no duty term), an
  ablation without the declared-value-pattern histories (HS6 x price, HS6 x mass, price, mass), and the
  label-encoded LightGBM baseline trained on the same file with the same seed, side by side;
- the largest difference between the compiled scorer and ``booster.predict`` over valid.csv;
- microseconds per declaration: features + compiled trees (what the clearance pipeline calls), the compiled
  trees alone, and ``booster.predict`` on one row; and the ratio.

    .venv/bin/python bench/bench_model.py [DATA_DIR]

DATA_DIR defaults to ../shared/data/customs-declarations-kcs beside the clone.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import lightgbm as lgb
import numpy as np

from silkport.riskmodel.features import CATEGORICAL_INDICES, FEATURES, FeatureSpec, HistoryState, feature_matrix
from silkport.riskmodel.kcs import KcsRecord, chronological, read_kcs
from silkport.riskmodel.model import DEFAULT_PARAMS, DEFAULT_ROUNDS, Metrics, evaluate_scores, train_kcs_files

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "customs-declarations-kcs"
PATTERN_GROUPS = ("hs6_price", "hs6_mass", "price", "mass")


def table(columns: list[tuple[str, Metrics]]) -> None:
    width = max(len(n) for n, _ in columns) + 2
    print(f"{'':28s}" + "".join(f"{n:>{width}s}" for n, _ in columns))
    first = columns[0][1]
    for label, attr in (
        ("precision", "precision"),
        ("duty recovered", "duty_recovered"),
        ("critical", "critical_caught"),
    ):
        for share in getattr(first, attr):
            row = f"{label}@{share * 100:g}%"
            print(f"{row:28s}" + "".join(f"{getattr(m, attr)[share]:>{width}.3f}" for _, m in columns))


def ablation(train_rows: list[KcsRecord], valid_rows: list[KcsRecord], spec: FeatureSpec) -> list[float]:
    """Our model without the declared-value-pattern histories (same procedure, columns dropped)."""
    keep = [i for i, name in enumerate(FEATURES) if not name.startswith(tuple(f"{g}_" for g in PATTERN_GROUPS))]
    state = HistoryState(spec)
    rows = chronological(train_rows)
    x = np.array(feature_matrix(rows, state))[:, keep]
    y = np.array([r.fraud for r in rows], dtype=np.float64)
    categorical = [keep.index(i) for i in CATEGORICAL_INDICES]
    booster = lgb.train(
        {**DEFAULT_PARAMS, "seed": 42},
        lgb.Dataset(x, y, feature_name=[FEATURES[i] for i in keep], categorical_feature=categorical),
        DEFAULT_ROUNDS,
    )
    xv = np.array(feature_matrix(valid_rows, state, learn_outcomes=False))[:, keep]
    return [float(s) for s in booster.predict(xv)]


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    train_file, valid_file = data / "train.csv", data / "valid.csv"
    t0 = time.perf_counter()
    artifact = train_kcs_files([train_file])
    train_s = time.perf_counter() - t0
    valid = read_kcs([valid_file])
    print(f"trained {artifact.version} on {artifact.meta['rows']} declarations in {train_s:.1f} s")
    print(f"  duty weight chosen on the holdout days: {artifact.duty_weight}")

    t0 = time.perf_counter()
    ours = artifact.score_records(valid)
    batch_s = time.perf_counter() - t0
    likelihood = artifact.probabilities(valid)
    reference = artifact.booster_scores(valid)
    baseline = artifact.baseline_scores(valid)
    no_patterns = ablation(read_kcs([train_file]), valid, artifact.history.spec)
    frauds = sum(int(r.fraud or 0) for r in valid)
    print(f"\nvalid.csv: {len(valid)} declarations, {frauds} frauds ({frauds / len(valid):.1%})")
    table(
        [
            ("ours", evaluate_scores(ours, valid)),
            ("likelihood only", evaluate_scores(likelihood, valid)),
            ("no value patterns", evaluate_scores(no_patterns, valid)),
            ("baseline", evaluate_scores(baseline, valid)),
        ]
    )
    print("(evaded duty = Item Price x Tax Rate of the fraud rows caught / of all fraud rows)")
    print("\ntop features by gain:", ", ".join(name for name, _ in artifact.meta["importance_gain"][:12]))

    diff = max(abs(a - b) for a, b in zip(likelihood, reference, strict=True))
    print(f"\ncompiled trees vs booster.predict on valid.csv: max |difference| = {diff:.3g}")
    print(f"batch scoring of valid.csv: {batch_s:.2f} s ({len(valid) / batch_s:,.0f} rows/s)")

    # single-declaration timings, in date order as the clearance pipeline meets them
    records = chronological(valid)
    scorer = artifact.scorer()
    t0 = time.perf_counter()
    for r in records:
        scorer.score(r)
    score_us = (time.perf_counter() - t0) / len(records) * 1e6
    t0 = time.perf_counter()
    for r in records:
        scorer.observe(r, with_outcome=False)
    scorer.history.advance(date.fromordinal(records[-1].date.toordinal() + 1))
    observe_us = (time.perf_counter() - t0) / len(records) * 1e6
    vectors = feature_matrix(records, artifact.history.copy(), learn_outcomes=False)
    raw = artifact.compiled.raw
    t0 = time.perf_counter()
    for x in vectors:
        raw(x)
    trees_us = (time.perf_counter() - t0) / len(vectors) * 1e6
    booster = artifact.booster
    sample = [np.array([x], dtype=np.float64) for x in vectors[:500]]

    def per_call_us(threads: int) -> float:
        """The median of single calls (robust to other processes on a shared machine)."""
        times = []
        for row in sample:
            t = time.perf_counter()
            booster.predict(row, num_threads=threads)
            times.append(time.perf_counter() - t)
        return sorted(times)[len(times) // 2] * 1e6

    booster_us = per_call_us(1)
    threaded_us = per_call_us(0)  # LightGBM's default: OpenMP over all cores
    full_us = score_us
    print(f"\none declaration: score (features + compiled trees) {score_us:.1f} us")
    print(f"                 compiled trees alone {trees_us:.1f} us")
    print(f"                 observe (the filing enters the history) {observe_us:.1f} us")
    print(f"                 booster.predict on one row {booster_us:.0f} us single-threaded, {threaded_us:.0f} us with")
    print("                 LightGBM's default threads")
    print(
        f"compiled trees are {booster_us / trees_us:.0f}x faster than booster.predict; with the features "
        f"{booster_us / full_us:.0f}x; {1e6 / full_us:,.0f} scores/s on one core"
    )


if __name__ == "__main__":
    main()
