"""``silkport refdata``: check the shipped reference data (HS 2022, UN/LOCODE) loads and covers the zone."""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.table import Table

from silkport.zone.adapters.refdata import reference_data
from silkport.zone.domain.refdata import Location, ReferenceData

app = typer.Typer(help="Reference data", no_args_is_help=True)

# the zone's own locations and its partners across the border (see the data README)
ZONE_LOCODES = (
    "CN URM",
    "CN URC",
    "CN ULZ",
    "CN HRS",
    "KZ HOR",
    "CN KSS",
    "CN KHG",
    "CN YRK",
    "CN TRT",
    "CN AKL",
    "KZ ALA",
    "KZ ZRK",
    "KG FRU",
    "KG OSS",
    "UZ TAS",
)
SEZ_FUNCTION = "A"


def _counts_table(rd: ReferenceData, seconds: float) -> Table:
    counts = rd.counts()
    table = Table(title=f"Reference data (loaded in {seconds:.2f} s)")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("HS 2022 sections", f"{counts.hs_sections:,}")
    table.add_row("HS 2022 chapters", f"{counts.hs_chapters:,}")
    table.add_row("HS 2022 headings", f"{counts.hs_headings:,}")
    table.add_row("HS 2022 subheadings", f"{counts.hs_subheadings:,}")
    table.add_row("UN/LOCODE locations", f"{counts.locations:,}")
    table.add_row("UN/LOCODE countries covered", f"{counts.countries:,}")
    sez = counts.with_function(SEZ_FUNCTION)
    table.add_row("UN/LOCODE with function A (special economic zone)", f"{sez:,}")
    if not sez:
        table.caption = "this UN/LOCODE edition marks no location with function A"
    return table


def _functions(rd: ReferenceData, loc: Location) -> str:
    return ", ".join(f"{code} {label.split(' (')[0].lower()}" for code, label in rd.function_labels(loc)) or "-"


def _zone_table(rd: ReferenceData) -> tuple[Table, int]:
    table = Table(title="The zone's locations in UN/LOCODE")
    for column in ("locode", "name", "subdivision", "functions", "lat", "lon"):
        table.add_column(column, justify="right" if column in ("lat", "lon") else "left")
    missing = 0
    for code in ZONE_LOCODES:
        loc = rd.location(code)
        if loc is None:
            missing += 1
            table.add_row(code, "[red]missing[/red]", "", "", "", "")
            continue
        sub = rd.subdivision_of(loc)
        table.add_row(
            loc.spaced,
            loc.name,
            f"{loc.subdivision} {sub.name}" if sub else loc.subdivision or "-",
            _functions(rd, loc),
            f"{loc.lat:f}" if loc.lat is not None else "-",
            f"{loc.lon:f}" if loc.lon is not None else "-",
        )
    return table, missing


@app.callback()
def refdata() -> None:
    """Reference data: HS 2022 and UN/LOCODE as shipped with silkport."""


@app.command("check")
def check() -> None:
    """Load HS 2022 and UN/LOCODE, print their counts and the zone's own locations."""
    console = Console()  # made per call, so it measures the terminal it prints to
    started = time.perf_counter()
    rd = reference_data()
    seconds = time.perf_counter() - started
    console.print(_counts_table(rd, seconds))
    table, missing = _zone_table(rd)
    console.print(table)
    if missing:
        console.print(f"[yellow]{missing} of the zone's {len(ZONE_LOCODES)} codes are not in UN/LOCODE[/yellow]")
    else:
        console.print(f"all {len(ZONE_LOCODES)} of the zone's codes are in UN/LOCODE")
