"""``silkport freight``: load ITMATT advance data from a file, print vehicle counts and air tonnage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from silkport.bootstrap import Platform, bootstrap
from silkport.logistics.adapters import itmatt
from silkport.logistics.domain.vehicles import CountBy
from silkport.logistics.services import modes
from silkport.shared.actor import SYSTEM
from silkport.shared.errors import DomainError, ValidationFailed

app = typer.Typer(
    help="Freight modes: mail advance data, vehicle export counts, air cargo tonnage.", no_args_is_help=True
)
console = Console()
err = Console(stderr=True)


def _platform() -> Platform:
    return bootstrap()


def _fail(exc: DomainError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc.detail}")
    if isinstance(exc, ValidationFailed):
        for e in exc.errors[:50]:
            err.print(f"  {e.field}: {e.message}")
    return typer.Exit(code=2)


@app.command("import-itmatt")
def import_itmatt(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="ITMATT .json or .csv")],
    enterprise: Annotated[str, typer.Option("--enterprise", help="the posts operator's enterprise id")],
) -> None:
    """Store the items, receptacles and dispatches of an ITMATT file (all or nothing)."""
    body = file.read_bytes()
    try:
        raw = itmatt.parse_csv(body) if file.suffix.lower() == ".csv" else itmatt.parse_json(body)
        result = modes.receive_itmatt(_platform().freight_uow(), SYSTEM, raw, enterprise)
    except UnicodeDecodeError as exc:
        err.print(f"[red]error:[/red] {file} is not UTF-8")
        raise typer.Exit(code=2) from exc
    except DomainError as exc:
        raise _fail(exc) from exc
    table = Table(title=f"ITMATT {file.name}: {result.items} items, {result.receptacles} new receptacles")
    table.add_column("dispatch")
    table.add_column("items", justify="right")
    table.add_column("receptacles", justify="right")
    table.add_column("state")
    for d in result.dispatches:
        table.add_row(d.id, str(len(d.items)), str(len(d.receptacles)), d.state.value)
    console.print(table)


@app.command("vehicle-counts")
def vehicle_counts(
    by: Annotated[CountBy, typer.Option("--by")] = CountBy.MONTH,
    year: Annotated[int | None, typer.Option("--year")] = None,
) -> None:
    """Commercial vehicle exports per make, destination country or month."""
    counts = modes.count_vehicle_exports(_platform().freight_uow(), SYSTEM, by, year)
    table = Table(title=f"Vehicle exports by {by.value}" + (f", {year}" if year else ""))
    table.add_column(by.value)
    table.add_column("vehicles", justify="right")
    for key, n in counts.items():
        table.add_row(key, f"{n:,}")
    table.add_row("total", f"{sum(counts.values()):,}")
    console.print(table)


@app.command("air-tonnage")
def air_tonnage(year: Annotated[int, typer.Option("--year")]) -> None:
    """Air cargo tonnes per month of a year, with the change on the same month a year earlier."""
    try:
        months = modes.air_tonnage(_platform().freight_uow(), SYSTEM, year)
    except DomainError as exc:
        raise _fail(exc) from exc
    table = Table(title=f"Air cargo, {year}")
    for column in ("month", "tonnes", f"{year - 1}", "change %", "flights", "AWBs"):
        table.add_column(column, justify="right")
    for m in months:
        change = "-" if m.yoy_change_percent is None else f"{m.yoy_change_percent:+}"
        table.add_row(
            f"{year}-{m.month:02d}", f"{m.tonnes:.3f}", f"{m.previous_year_tonnes:.3f}", change, str(m.flights),
            str(m.awbs),
        )  # fmt: skip
    console.print(table)
