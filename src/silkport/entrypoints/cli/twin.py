"""``silkport twin``: run the digital twin of a port with the zone's own rulebook.

    silkport twin list                                         # the shipped scenarios
    silkport twin run horgos-smart-port --replications 10 --workers 2 --json out.json
    silkport twin run my-port.yaml --days 365 --out var/twin/my-run
    silkport twin run horgos-smart-port -n 100 --cluster tcp://scheduler:8786   # on a Dask cluster
    silkport twin compare horgos-before horgos-smart-port      # paired, common random numbers
    silkport twin replay --date 2025-09-01 --scenario horgos-smart-port

Each run writes figures.json and report.html (inline SVG plots) under --out (default var/twin/<run-id>/).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from silkport.shared.errors import DomainError
from silkport.twin.report import html_report, write_outputs
from silkport.twin.runner import ClusterUnavailable, aggregate, compare, run_replications
from silkport.twin.scenario import LoadedScenario, load_scenario, shipped_scenarios

app = typer.Typer(help="Digital twin: simulate a port with the live rulebook.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

Replications = Annotated[int, typer.Option("--replications", "-n", min=1, max=1000, help="independent replications")]
Workers = Annotated[int, typer.Option("--workers", "-w", min=1, max=64, help="parallel processes")]
Seed = Annotated[int, typer.Option("--seed", min=0, help="seed of the random streams (same seed: same trucks)")]
Days = Annotated[float | None, typer.Option("--days", min=0.5, max=3660, help="horizon (default: the scenario's)")]
OutDir = Annotated[Path | None, typer.Option("--out", help="folder for figures.json + report.html")]
JsonOut = Annotated[Path | None, typer.Option("--json", help="also write the figures to this JSON file")]
Cluster = Annotated[
    str | None,
    typer.Option("--cluster", help="run the replications on this Dask scheduler (tcp://host:8786) instead of here"),
]
ClusterTimeout = Annotated[
    float, typer.Option("--cluster-timeout", min=0.1, max=600, help="seconds to wait for the scheduler to answer")
]


def _fail(exc: DomainError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc.detail}")
    for fe in getattr(exc, "errors", []) or []:
        err.print(f"  {fe.field}: {fe.message}")
    return typer.Exit(code=2)


def _load(name: str) -> LoadedScenario:
    try:
        return load_scenario(name)
    except DomainError as exc:
        raise _fail(exc) from exc


def _simulate(
    loaded: LoadedScenario,
    replications: int,
    workers: int,
    seed: int,
    days: float | None,
    cluster: str | None = None,
    cluster_timeout: float = 10.0,
) -> dict[str, Any]:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    where = f" on {cluster}" if cluster else ""
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(f"{loaded.scenario.name}{where}", total=replications)
        try:
            results = run_replications(
                loaded, replications, seed, workers, days, lambda k: bar.advance(task, k), cluster, cluster_timeout
            )
        except DomainError as exc:
            raise _fail(exc) from exc
        except ClusterUnavailable as exc:
            err.print(f"[red]error:[/red] --cluster: {exc}")
            raise typer.Exit(code=1) from exc
    return aggregate(loaded, results, seed, days)


def _run_dir(out: Path | None, name: str) -> Path:
    if out is not None:
        return out
    return Path("var") / "twin" / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{name}"


def _print(figures: dict[str, Any]) -> None:
    table = Table(title=f"{figures['scenario']}: clearance time (hours, arrival to release)")
    for col in ("figure", "value", "95% CI"):
        table.add_column(col, justify="right")
    for q in ("mean", "median", "p90", "p99"):
        c = figures["clearance_time_hours"][q]
        ci = "-" if c["ci_low"] is None else f"{c['ci_low']:.3f} - {c['ci_high']:.3f}"
        table.add_row(q, f"{c['mean']:.3f}", ci)
    console.print(table)
    lanes = ", ".join(f"{k} {v['share']['mean']:.1%}" for k, v in figures["lanes"].items())
    console.print(
        f"lanes: {lanes}; within {figures['target_hours']:g} h: {figures['share_within_target']['mean']:.1%}; "
        f"throughput {figures['throughput_per_day']['mean']:.0f}/day"
    )


@app.command("list")
def list_scenarios() -> None:
    """The scenarios shipped with silkport."""
    for name in shipped_scenarios():
        console.print(f"{name}: {load_scenario(name).scenario.description}")


@app.command("run")
def run(
    scenario: Annotated[str, typer.Argument(help="a shipped scenario's name or a YAML file")],
    replications: Replications = 10,
    workers: Workers = 1,
    seed: Seed = 1,
    json_out: JsonOut = None,
    out: OutDir = None,
    days: Days = None,
    cluster: Cluster = None,
    cluster_timeout: ClusterTimeout = 10.0,
) -> None:
    """Run a scenario: independent replications, 95% confidence intervals, a JSON and an HTML report."""
    loaded = _load(scenario)
    figures = _simulate(loaded, replications, workers, seed, days, cluster, cluster_timeout)
    folder = _run_dir(out, loaded.scenario.name)
    json_path, html_path = write_outputs(folder, figures, html_report([figures]))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    _print(figures)
    console.print(f"wrote {json_path} and {html_path}")


@app.command("compare")
def compare_cmd(
    a: Annotated[str, typer.Argument(help="the baseline scenario (name or file)")],
    b: Annotated[str, typer.Argument(help="the alternative")],
    replications: Replications = 10,
    workers: Workers = 1,
    seed: Seed = 1,
    json_out: JsonOut = None,
    out: OutDir = None,
    days: Days = None,
    cluster: Cluster = None,
    cluster_timeout: ClusterTimeout = 10.0,
) -> None:
    """Run two scenarios on the same random numbers and report the paired difference (b - a)."""
    la, lb = _load(a), _load(b)
    fa = _simulate(la, replications, workers, seed, days, cluster, cluster_timeout)
    fb = _simulate(lb, replications, workers, seed, days, cluster, cluster_timeout)
    diff = compare(fa, fb)
    folder = _run_dir(out, f"{la.scenario.name}-vs-{lb.scenario.name}")
    figures = {"a": fa, "b": fb, "comparison": diff}
    json_path, html_path = write_outputs(folder, figures, html_report([fa, fb], diff))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    _print(fa)
    _print(fb)
    table = Table(title=f"{lb.scenario.name} - {la.scenario.name} (paired, common random numbers)")
    for col in ("figure", "difference (h)", "95% CI"):
        table.add_column(col, justify="right")
    for q, v in diff["difference_hours"].items():
        table.add_row(q, f"{v['mean']:+.3f}", f"{v['ci_low']:+.3f} - {v['ci_high']:+.3f}")
    console.print(table)
    console.print(f"wrote {json_path} and {html_path}")


@app.command("replay")
def replay_cmd(
    day: Annotated[str, typer.Option("--date", help="the day of lodgements to replay (YYYY-MM-DD, UTC)")],
    scenario: Annotated[str, typer.Option("--scenario", help="resources and task times")] = "horgos-smart-port",
    seed: Seed = 1,
) -> None:
    """Run a recorded day of declarations through the twin and print the difference to the recorded times."""
    from silkport.bootstrap import bootstrap
    from silkport.twin.replay import load_day, replay_day

    try:
        when = date.fromisoformat(day)
    except ValueError as exc:
        err.print(f"[red]error:[/red] --date: {day!r} is not a date (YYYY-MM-DD)")
        raise typer.Exit(code=2) from exc
    loaded = _load(scenario)
    platform = bootstrap()
    recorded = load_day(platform.engine, when)
    if not recorded:
        err.print(f"no declaration with an arrival and a release on {when.isoformat()}")
        raise typer.Exit(code=1)
    result = replay_day(loaded, recorded, seed)
    table = Table(title=f"replay of {when.isoformat()} through {loaded.scenario.name}: clearance time (hours)")
    for col in ("figure", "recorded", "twin", "twin - recorded"):
        table.add_column(col, justify="right")
    for q in ("mean", "median", "p90"):
        r, s = result["recorded"][q], result["simulated"][q]
        table.add_row(q, f"{r:.3f}", f"{s:.3f}", f"{s - r:+.3f}")
    console.print(table)
    console.print(
        f"{result['declarations']} declarations; mean absolute difference per declaration "
        f"{result['mean_absolute_difference']:.3f} h"
    )
