"""``silkport risk``: train, score and evaluate the learned risk model.

    silkport risk train --format kcs train.csv [valid.csv ...]     # stores var/models/<version>/
    silkport risk score --format kcs new.csv --output scores.csv   # declaration_id,score for every row
    silkport risk evaluate valid.csv [--model VERSION]             # precision@1/2/5/10%, ours vs the baseline

Models live under ``--models`` (default ``$SILKPORT_MODEL_DIR`` or ``var/models``). LightGBM is imported only
by the commands that need it, so ``silkport --help`` stays quick.
"""

from __future__ import annotations

import csv
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from silkport.riskmodel.features import LookAheadError, replay
from silkport.riskmodel.kcs import KcsFormatError, KcsRecord, read_kcs

if TYPE_CHECKING:
    from silkport.riskmodel.model import Metrics, ModelArtifact

app = typer.Typer(help="Learned risk score", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


class InputFormat(StrEnum):
    KCS = "kcs"


ModelsOption = Annotated[
    Path | None, typer.Option("--models", help="model directory (default: $SILKPORT_MODEL_DIR or var/models)")
]
FormatOption = Annotated[InputFormat, typer.Option("--format", help="input file format")]


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True, highlight=False)
    return typer.Exit(code=2)


def _read(files: list[Path]) -> list[KcsRecord]:
    for f in files:
        if not f.is_file():
            raise _fail(f"{f}: no such file")
    try:
        return read_kcs(files)
    except KcsFormatError as exc:
        raise _fail(str(exc)) from exc


def _load(models: Path | None, version: str | None) -> ModelArtifact:
    from silkport.riskmodel.model import load, load_latest, model_dir

    try:
        return load(model_dir(models), version) if version else load_latest(models)
    except (FileNotFoundError, ValueError) as exc:
        raise _fail(str(exc)) from exc


def _pct(share: float) -> str:
    return f"{share * 100:g}%"


def _metrics_table(title: str, columns: list[tuple[str, Metrics]]) -> Table:
    table = Table(title=title)
    table.add_column("measure")
    for name, _ in columns:
        table.add_column(name, justify="right")
    first = columns[0][1]
    for share in first.precision:
        table.add_row(f"precision@{_pct(share)}", *(f"{m.precision[share]:.3f}" for _, m in columns))
    for share in first.duty_recovered:
        table.add_row(f"evaded duty recovered@{_pct(share)}", *(f"{m.duty_recovered[share]:.3f}" for _, m in columns))
    for share in first.critical_caught:
        table.add_row(f"critical fraud caught@{_pct(share)}", *(f"{m.critical_caught[share]:.3f}" for _, m in columns))
    return table


@app.command("train")
def train(
    files: Annotated[list[Path] | None, typer.Argument(help="labelled declaration files", show_default=False)] = None,
    fmt: FormatOption = InputFormat.KCS,
    from_store: Annotated[
        bool, typer.Option("--from-store", help="train on the zone's recorded inspection outcomes")
    ] = False,
    seed: Annotated[int, typer.Option(help="random seed (training is reproducible)")] = 42,
    holdout: Annotated[float, typer.Option(min=0.0, max=0.9, help="share of the last days held out")] = 0.2,
    models: ModelsOption = None,
) -> None:
    """Train a versioned model (and the label-encoded LightGBM baseline) on labelled declarations."""
    if from_store:
        _train_from_store(seed, holdout, models)
        return
    if not files:
        raise _fail("name at least one labelled file (or --from-store)")
    from silkport.riskmodel.model import model_dir, train_kcs_files

    for f in files:
        if not f.is_file():
            raise _fail(f"{f}: no such file")
    try:
        with console.status("training...") as status:
            artifact = train_kcs_files(files, seed=seed, holdout_share=holdout, progress=status.update)
    except ValueError as exc:  # KcsFormatError included
        raise _fail(str(exc)) from exc
    path = artifact.save(model_dir(models))
    meta = artifact.meta
    console.print(
        f"model [bold]{artifact.version}[/bold] saved to {path}\n"
        f"  {meta['rows']} declarations {meta['trained_from']} .. {meta['trained_through']}, "
        f"data sha256 {artifact.data_fingerprint[:16]}..., seed {artifact.seed}, duty weight {artifact.duty_weight}"
    )
    found = artifact.holdout_metrics()
    if found:
        ours, baseline = found
        since = artifact.meta["metrics"]["holdout"]["from"]
        console.print(
            _metrics_table(
                f"holdout: the days from {since} (history frozen at the split)",
                [("ours", ours), ("baseline (label-encoded LightGBM)", baseline)],
            )
        )


@app.command("score")
def score(
    file: Annotated[Path, typer.Argument(help="declarations to score")],
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV to write: declaration_id,score")],
    fmt: FormatOption = InputFormat.KCS,
    model: Annotated[str | None, typer.Option("--model", help="model version (default: the latest)")] = None,
    learn_outcomes: Annotated[
        bool,
        typer.Option(help="feed the file's own outcomes (when present) into the history from the next day on"),
    ] = False,
    models: ModelsOption = None,
) -> None:
    """Score every row of a file (in date order, after the model's history); write declaration_id,score."""
    records = _read([file])
    artifact = _load(models, model)
    scorer = artifact.scorer()
    scores = [0.0] * len(records)
    columns = (
        TextColumn("scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("score", total=len(records))
            for n, (i, x) in enumerate(replay(records, scorer.history, learn_outcomes=learn_outcomes), start=1):
                scores[i] = scorer.score_features(x)
                if n % 1000 == 0:
                    progress.update(task, completed=n)
            progress.update(task, completed=len(records))
    except LookAheadError as exc:
        raise _fail(f"{exc} (model {artifact.version} knows declarations through {artifact.trained_through})") from exc
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["declaration_id", "score"])
        for r, s in zip(records, scores, strict=True):
            writer.writerow([r.declaration_id, repr(s)])
    console.print(f"scored {len(records)} declarations with model [bold]{artifact.version}[/bold] -> {output}")


@app.command("evaluate")
def evaluate(
    file: Annotated[Path, typer.Argument(help="a labelled file dated after the model's training data")],
    fmt: FormatOption = InputFormat.KCS,
    model: Annotated[str | None, typer.Option("--model", help="model version (default: the latest)")] = None,
    learn_outcomes: Annotated[
        bool, typer.Option(help="also show the model when each outcome is known from the next day on")
    ] = False,
    models: ModelsOption = None,
) -> None:
    """precision@1/2/5/10%, evaded duty recovered and critical fraud caught: the model next to the baseline."""
    from silkport.riskmodel.model import evaluate_scores

    records = _read([file])
    if any(r.fraud is None for r in records):
        raise _fail(f"{file}: evaluation needs the Fraud column on every row")
    artifact = _load(models, model)
    try:
        with console.status("scoring..."):
            columns = [("ours", evaluate_scores(artifact.score_records(records), records))]
            if learn_outcomes:
                learnt = artifact.score_records(records, learn_outcomes=True)
                columns.append(("ours, outcomes fed back daily", evaluate_scores(learnt, records)))
            columns.append(("baseline", evaluate_scores(artifact.baseline_scores(records), records)))
    except LookAheadError as exc:
        raise _fail(f"{exc} (model {artifact.version} knows declarations through {artifact.trained_through})") from exc
    frauds = sum(int(r.fraud or 0) for r in records)
    title = f"{file.name}: {len(records)} declarations, {frauds} frauds ({frauds / len(records):.1%})"
    console.print(_metrics_table(title, columns))
    console.print(f"ours = model {artifact.version}; baseline = label-encoded LightGBM trained on the same files")
    console.print(
        "evaded duty = Item Price x Tax Rate of the fraud rows caught / of all fraud rows (KCS has no duty column); "
        "critical fraud = Critical Fraud 2"
    )


#: a finding of an inspection as a label: any discrepancy is fraud; a seizure is critical (2), others 1
_CRITICAL = {"conform": 0, "discrepancy_amendment": 1, "discrepancy_penalty": 1, "discrepancy_seizure": 2}


def _train_from_store(seed: int, holdout: float, models: Path | None) -> None:
    """Train on the zone's own inspected declarations, in lodgement order (the holdout is the last days)."""
    import hashlib
    import json

    from silkport.bootstrap import bootstrap
    from silkport.riskmodel.kcs import to_records
    from silkport.riskmodel.model import SourceFile, model_dir, train_kcs
    from silkport.riskmodel.service import KRW_PER_CNY

    platform = bootstrap()
    tariff = platform.clearance_config().tariff

    def tax_rate(item: Any) -> float:
        line = tariff.lookup(item.hs_code)
        return float(line.mfn_rate) if line is not None else 0.0

    with platform.clearance_uow() as uow:
        outcomes = uow.declarations.inspection_outcomes()
    records = []
    for declaration_id, content, lodged, finding in outcomes:
        for record in to_records(content, declaration_id, lodged.date(), tax_rate=tax_rate, price_scale=KRW_PER_CNY):
            critical = _CRITICAL.get(finding, 1)
            records.append(record._replace(fraud=int(critical > 0), critical_fraud=critical))
    frauds = sum(r.fraud or 0 for r in records)
    if len(records) < 50 or frauds == 0 or frauds == len(records):
        raise _fail(
            f"the store holds {len(records)} inspected goods items ({frauds} with a discrepancy): training needs at "
            "least 50, with both conform and discrepant outcomes"
        )
    digest = hashlib.sha256(
        json.dumps([[r.declaration_id, r.date.isoformat(), r.fraud] for r in records]).encode()
    ).hexdigest()
    try:
        with console.status("training on the store's inspection outcomes...") as status:
            artifact = train_kcs(
                records,
                [SourceFile("store", digest, len(records))],
                seed=seed,
                holdout_share=holdout,
                progress=status.update,
            )
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    path = artifact.save(model_dir(models or platform.settings.model_dir))
    console.print(f"model [bold]{artifact.version}[/bold] trained on {len(records)} inspected items, saved to {path}")
