"""``silkport report``: the article's figures beside the figures computed from the zone's own data.

Each claim is computed over its own period (and area, for the claims about one area) unless ``--from``
and ``--to`` (both) replace every claim's period, or ``--area`` every claim's area. ``--format json`` is a
public interface, documented in docs/analytics.md.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from silkport.analytics.claims import ClaimResult, compute_claims
from silkport.analytics.indicators import Period, check_area
from silkport.bootstrap import bootstrap
from silkport.shared.errors import DomainError, FieldError, ValidationFailed

console = Console()
err = Console(stderr=True)

JSON_SCHEMA_VERSION = 1
COLUMNS = (
    "key",
    "claim",
    "unit",
    "from",
    "to",
    "area",
    "article_value",
    "computed_value",
    "difference_pct",
    "note",
)


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    MD = "md"


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def claim_record(r: ClaimResult) -> dict[str, Any]:
    """One claim as the JSON/CSV record (decimals as exact strings, null when not computed)."""
    return {
        "key": r.key,
        "claim": r.claim,
        "unit": r.unit,
        "from": r.period.start.isoformat(),
        "to": r.period.end.isoformat(),
        "area": r.area,
        "article_value": str(r.article_value),
        "computed_value": None if r.computed_value is None else str(r.computed_value),
        "difference_pct": None if r.difference_pct is None else str(r.difference_pct),
        "note": r.note,
    }


def render(results: list[ClaimResult], fmt: Format, options: dict[str, Any], generated_at: datetime) -> str:
    records = [claim_record(r) for r in results]
    if fmt is Format.JSON:
        doc = {
            "schema_version": JSON_SCHEMA_VERSION,
            "generated_at": generated_at.isoformat(),
            "options": options,
            "claims": records,
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt is Format.CSV:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for rec in records:
            writer.writerow({k: "" if v is None else v for k, v in rec.items()})
        return out.getvalue()
    # markdown
    lines = [
        "| claim | period | area | article | computed | difference | note |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for r in results:
        diff = "" if r.difference_pct is None else f"{r.difference_pct:+}%"
        computed = "n/a" if r.computed_value is None else f"{r.computed_value} {r.unit}"
        note = r.note.replace("|", "/")
        lines.append(
            f"| {r.claim} | {r.period.start}..{r.period.end} | {r.area or 'zone'} | {r.article_value} {r.unit} "
            f"| {computed} | {diff} | {note} |"
        )
    return "\n".join(lines) + "\n"


def _table(results: list[ClaimResult]) -> Table:
    table = Table("claim", "period", "area", "article", "computed", "diff %", "note", title="The article's figures")
    for r in results:
        diff = "" if r.difference_pct is None else f"{r.difference_pct:+}"
        computed = "n/a" if r.computed_value is None else f"{r.computed_value:,} {r.unit}"
        table.add_row(
            r.claim,
            f"{r.period.start}..{r.period.end}",
            r.area or "zone",
            f"{r.article_value:,} {r.unit}",
            computed,
            diff,
            r.note,
        )
    return table


def report(
    date_from: Annotated[
        datetime | None,
        typer.Option(
            "--from", formats=["%Y-%m-%d"], help="first day (zone time); with --to replaces each claim's period"
        ),
    ] = None,
    date_to: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="last day, included (zone time)")
    ] = None,
    area: Annotated[str | None, typer.Option(help="URUMQI, HORGOS or KASHGAR: replaces each claim's area")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv, json or md")] = Format.TABLE,
) -> None:
    """Print the article's claims about the zone, each with the figure computed from the zone's data."""
    try:
        if (date_from is None) != (date_to is None):
            raise ValidationFailed(FieldError("to" if date_to is None else "from", "give --from and --to together"))
        period = None
        if date_from is not None and date_to is not None:
            period = Period(date_from.date(), date_to.date())
        area_code = check_area(area)
        platform = bootstrap()
        with platform.read_sessions()() as session:
            results = compute_claims(session, period, area_code)
        generated = platform.clock.now()
    except DomainError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        if isinstance(exc, ValidationFailed):
            for e in exc.errors:
                err.print(f"  {e.field}: {e.message}")
        raise typer.Exit(code=2) from exc
    options = {
        "from": _iso(period.start if period else None),
        "to": _iso(period.end if period else None),
        "area": area_code,
    }
    if fmt is Format.TABLE:
        console.print(_table(results))
        return
    typer.echo(render(results, fmt, options, generated), nl=False)


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()
