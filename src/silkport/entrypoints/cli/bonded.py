"""``silkport bonded ...``: the ledger check, alerts and the reconciliation report, for customs and operators."""

from __future__ import annotations

import csv
import sys
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from silkport.bonded.services import handlers
from silkport.bootstrap import Platform, bootstrap
from silkport.shared.actor import SYSTEM
from silkport.shared.errors import DomainError

app = typer.Typer(help="Bonded ledgers: warehouses, aircraft maintenance, aviation fuel.", no_args_is_help=True)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _platform() -> Platform:
    return bootstrap()


def _fail(exc: DomainError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc.detail}")
    return typer.Exit(code=2)


@app.command("check")
def check() -> None:
    """Verify every invariant over the whole ledger (balances = postings, nothing negative, all balanced)."""
    problems = handlers.check_ledger(_platform().bonded_uow())
    if problems:
        for problem in problems:
            err.print(f"[red]{problem}[/red]")
        raise typer.Exit(code=1)
    console.print("bonded ledger OK: every balance equals its postings, none negative, every movement balanced")


@app.command("alerts")
def alerts(
    within_days: Annotated[int, typer.Option(help="storage limits and re-export deadlines due within")] = 30,
) -> None:
    """Open shortage alerts, and bonded lots near or past their storage limit or re-export deadline."""
    platform = _platform()
    found = handlers.alerts(platform.bonded_uow(), SYSTEM, platform.bonded_config(), within_days)
    table = Table("kind", "lot", "owner", "quantity", "due / since", "overdue")
    for a in found:
        table.add_row(
            a["kind"],
            a["lot"],
            a["owner"],
            a["quantity"],
            a.get("due") or a.get("since", ""),
            str(a.get("overdue", "")),
        )
    console.print(table)
    console.print(f"{len(found)} alert(s)")


@app.command("reconciliation")
def reconciliation(
    start: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--to", help="last day, YYYY-MM-DD")],
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on standard output")] = False,
) -> None:
    """Per account, lot and status: opening, receipts, transfers, removals, adjustments, closing."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from exc
    try:
        view = handlers.reconciliation(_platform().bonded_uow(), SYSTEM, first, last)
    except DomainError as exc:
        raise _fail(exc) from exc
    columns = [
        "account",
        "lot",
        "status",
        "hs_code",
        "unit",
        "opening",
        "receipts",
        "transfers_in",
        "transfers_out",
        "removals",
        "adjustments_plus",
        "adjustments_minus",
        "closing",
        "balanced",
    ]
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(view["lines"])
        return
    table = Table(*columns)
    for line in view["lines"]:
        table.add_row(*(str(line[c]) for c in columns))
    console.print(table)
    console.print(f"{len(view['discrepancies'])} discrepancy(ies) awaiting a customs decision")
