"""``silkport analytics rebuild``: build the dashboard's read models again from the store's rows.

The read models (silkport.analytics.readmodel) follow the clearance context by its status changes and audit
entries, before each dashboard query. Rows written around the services (a repair or a bulk load by SQL) leave
neither, so the dashboard does not see them until the read models are rebuilt: all of them, or only a period
(``--from``/``--to``: the declarations released in it and the vehicle exports of the months it touches).
See docs/analytics.md.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from silkport.analytics import readmodel
from silkport.bootstrap import Platform, bootstrap

app = typer.Typer(help="The zone's analytics: the dashboard's read models.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


def _platform() -> Platform:
    return bootstrap()


@app.command("rebuild")
def rebuild(
    date_from: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="first local day to recount (with --to)"),
    ] = None,
    date_to: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="last local day to recount (with --from)"),
    ] = None,
) -> None:
    """Rebuild the dashboard's read models from the current rows (all of them, or one period), with a progress
    bar and a summary of what was counted."""
    if (date_from is None) != (date_to is None):
        err.print("[red]error:[/red] --from/--to: give --from and --to together (or neither: everything)")
        raise typer.Exit(code=2)
    start = date_from.date() if date_from is not None else None
    end = date_to.date() if date_to is not None else None
    if start is not None and end is not None and end < start:
        err.print(f"[red]error:[/red] --to: {end} is before --from {start}")
        raise typer.Exit(code=2)
    platform = _platform()
    began = time.perf_counter()
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task("rebuilding the read models", total=None)

            def tell(step: str, done: int, total: int) -> None:
                progress.update(task, description=f"rebuilding: {step}", completed=done, total=total)

            with platform.session_factory() as session:
                if start is not None and end is not None:
                    result = readmodel.rebuild_period(session, start, end, tell)
                else:
                    result = readmodel.rebuild(session, tell)
    finally:
        platform.dispose()
    seconds = time.perf_counter() - began
    scope = f"{start} to {end}" if start is not None else "everything"
    console.print(
        f"read models rebuilt ({scope}{', built from scratch' if result.full else ''}) in {seconds:.1f} s: "
        f"{result.declarations_recounted:,} released declarations counted, "
        f"{result.countries_added:,} declaration versions' countries added, "
        f"{result.vehicles_added:,} (exit day, port, make, destination) groups of vehicle exports counted",
        soft_wrap=True,
    )
