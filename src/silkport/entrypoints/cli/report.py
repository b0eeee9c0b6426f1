"""``silkport report``: the article's figures beside the figures computed from the zone's own data.

Each claim is computed over its own period (and area, for the claims about one area) unless ``--from``
and ``--to`` (both) replace every claim's period, or ``--area`` every claim's area. ``--format json`` is a
public interface, documented in docs/analytics.md.

On a scaled-down demo (``silkport demo --scale quick``) the counts and sums are the article's times the
demo's factor: the report reads the factors the demo recorded (its ``demo.finished`` audit entry) and shows,
beside each computed figure, the factor and the figure scaled back (computed / factor) with its difference
from the article, saying that it is scaled.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from silkport.analytics.claims import ClaimResult, ScaledBack, compute_claims, scale_back
from silkport.analytics.indicators import Period, check_area
from silkport.bootstrap import Platform, bootstrap
from silkport.entrypoints.cli.demo_zone import existing_demo
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
    # added with the demo's scale factors (null/empty when the data is not a scaled demo's)
    "scale_factor",
    "scaled_value",
    "scaled_difference_pct",
)


@dataclass(frozen=True, slots=True)
class DemoScale:
    """The demo that made this database's data, and by what factor it scaled each claim's figure."""

    scale: str
    seed: int
    factors: dict[str, Decimal]

    def factor(self, key: str) -> Decimal | None:
        return self.factors.get(key)

    def as_json(self) -> dict[str, Any]:
        return {"scale": self.scale, "seed": self.seed}


def demo_scale(platform: Platform) -> DemoScale | None:
    """The finished demo recorded in the database, with its claim factors (None: not a demo's data)."""
    found = existing_demo(platform)
    if found is None or found[2] is None or not found[2].claim_factors:
        return None
    summary = found[2]
    factors = {k: Decimal(repr(float(v))) for k, v in summary.claim_factors.items()}
    return DemoScale(summary.scale, summary.seed, factors)


def _scaled(r: ClaimResult, demo: DemoScale | None) -> ScaledBack | None:
    factor = demo.factor(r.key) if demo is not None else None
    return None if factor is None else scale_back(r, factor)


def _note(r: ClaimResult, demo: DemoScale | None, scaled: ScaledBack | None) -> str:
    if demo is None or scaled is None or not scaled.scaled:
        return r.note
    return (
        f"{r.note}; SCALED: demo '{demo.scale}' generated {scaled.factor} of the article's volume, "
        f"computed / {scaled.factor} = {_text(scaled.value) or 'n/a'}"
    )


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    MD = "md"


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def claim_record(r: ClaimResult, demo: DemoScale | None = None) -> dict[str, Any]:
    """One claim as the JSON/CSV record (decimals as exact strings, null when not computed)."""
    scaled = _scaled(r, demo)
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
        "note": _note(r, demo, scaled),
        "scale_factor": None if scaled is None else str(scaled.factor),
        "scaled_value": None if scaled is None or scaled.value is None else str(scaled.value),
        "scaled_difference_pct": None
        if scaled is None or scaled.difference_pct is None
        else str(scaled.difference_pct),
    }


def render(
    results: list[ClaimResult],
    fmt: Format,
    options: dict[str, Any],
    generated_at: datetime,
    demo: DemoScale | None = None,
) -> str:
    records = [claim_record(r, demo) for r in results]
    if fmt is Format.JSON:
        doc = {
            "schema_version": JSON_SCHEMA_VERSION,
            "generated_at": generated_at.isoformat(),
            "options": options,
            "claims": records,
            "demo": None if demo is None else demo.as_json(),
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
    if demo is not None:
        lines = [
            f"Data of a scaled-down demo (scale {demo.scale}, seed {demo.seed}): counts and sums are the article's "
            "times the factor; 'scaled back' = computed / factor, to compare with the article.",
            "",
            "| claim | period | area | article | computed | difference | note | factor | scaled back | difference |",
            "|---|---|---|---:|---:|---:|---|---:|---:|---:|",
        ]
    for r in results:
        diff = "" if r.difference_pct is None else f"{r.difference_pct:+}%"
        computed = "n/a" if r.computed_value is None else f"{r.computed_value} {r.unit}"
        note = r.note.replace("|", "/")
        line = (
            f"| {r.claim} | {r.period.start}..{r.period.end} | {r.area or 'zone'} | {r.article_value} {r.unit} "
            f"| {computed} | {diff} | {note} |"
        )
        if demo is not None:
            sb = _scaled(r, demo)
            factor = "" if sb is None else str(sb.factor)
            value = "" if sb is None or sb.value is None else f"{sb.value} {r.unit}"
            sdiff = "" if sb is None or sb.difference_pct is None else f"{sb.difference_pct:+}%"
            line += f" {factor} | {value} | {sdiff} |"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _table(results: list[ClaimResult], demo: DemoScale | None = None) -> Table:
    columns = ["claim", "period", "area", "article", "computed", "diff %", "note"]
    title = "The article's figures"
    if demo is not None:
        columns += ["factor", "scaled back", "scaled diff %"]
        title += f" (SCALED demo '{demo.scale}', seed {demo.seed}: scaled back = computed / factor)"
    table = Table(*columns, title=title)
    for r in results:
        diff = "" if r.difference_pct is None else f"{r.difference_pct:+}"
        computed = "n/a" if r.computed_value is None else f"{r.computed_value:,} {r.unit}"
        cells = [
            r.claim,
            f"{r.period.start}..{r.period.end}",
            r.area or "zone",
            f"{r.article_value:,} {r.unit}",
            computed,
            diff,
            r.note,
        ]
        if demo is not None:
            sb = _scaled(r, demo)
            cells += [
                "" if sb is None else str(sb.factor),
                "" if sb is None or sb.value is None else f"{sb.value:,} {r.unit}",
                "" if sb is None or sb.difference_pct is None else f"{sb.difference_pct:+}",
            ]
        table.add_row(*cells)
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
        demo = demo_scale(platform)
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
        console.print(_table(results, demo))
        return
    typer.echo(render(results, fmt, options, generated, demo), nl=False)


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()
