"""``silkport import declarations`` and ``silkport export declarations``.

Import reads JSON lines, UN/EDIFACT CUSDEC interchanges or WCO Data Model XML, files each declaration
through the same services as the API (validation, risk, taxes), shows a progress bar and reports every
declaration accepted or rejected with its reasons. It is resumable: a journal in the database remembers, per
input file (by content hash), how many messages were done, and a declaration whose
declarant already filed its LRN is reported as already imported, never filed twice.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from silkport.bootstrap import Platform, bootstrap
from silkport.clearance.domain.errors import FormatError
from silkport.clearance.domain.model import DeclarationContent, Status
from silkport.clearance.schemas import content_from_json, content_to_json
from silkport.clearance.services import handlers
from silkport.clearance.services.ports import DeclarationFilter
from silkport.infra.journal import ImportJournal
from silkport.shared.actor import Actor, Role
from silkport.shared.errors import Conflict, DomainError, FieldError, ValidationFailed

import_app = typer.Typer(help="Import data files.", no_args_is_help=True)
export_app = typer.Typer(help="Export data files.", no_args_is_help=True)

IMPORTER = Actor(user_id="import", username="import", role=Role.ADMIN)


class Format(StrEnum):
    AUTO = "auto"
    JSONL = "jsonl"
    EDIFACT = "edifact"
    XML = "xml"


@dataclass(frozen=True, slots=True)
class Message:
    """One declaration read from a file: where it was, and its content or why it could not be read."""

    ref: str
    content: DeclarationContent | None
    error: DomainError | None = None


def sniff(data: bytes) -> Format:
    head = data.lstrip()[:200]
    if head.startswith((b"UNA", b"UNB")):
        return Format.EDIFACT
    if head.startswith(b"<"):
        return Format.XML
    return Format.JSONL


def read_jsonl(data: bytes) -> Iterator[Message]:
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        ref = f"line {number}"
        try:
            raw = json.loads(line)
            if not isinstance(raw, dict):
                raise FormatError(ref, "each line must be a JSON object")
            yield Message(ref, content_from_json(raw))
        except json.JSONDecodeError as exc:
            yield Message(ref, None, FormatError(f"{ref}, column {exc.colno}", exc.msg))
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            errors = getattr(exc, "errors", None)
            if callable(errors):
                problems = [FieldError(".".join(str(p) for p in e["loc"]), str(e["msg"])) for e in errors()]
                yield Message(ref, None, ValidationFailed(problems))
            else:
                yield Message(ref, None, FormatError(ref, str(exc)))
        except DomainError as exc:
            yield Message(ref, None, exc)


def _readers() -> dict[Format, Callable[[bytes], Iterator[Message]]]:
    from silkport.clearance.adapters import edifact, wcodm

    def read_edifact(data: bytes) -> Iterator[Message]:
        try:
            parsed = edifact.parse_cusdec(data.decode("utf-8", errors="strict"))
        except UnicodeDecodeError as exc:
            yield Message("interchange", None, FormatError("interchange", f"not UTF-8 text: {exc.reason}"))
            return
        except DomainError as exc:
            yield Message("interchange", None, exc)
            return
        for p in parsed:
            yield Message(f"message {p.reference}", p.content)

    def read_xml(data: bytes) -> Iterator[Message]:
        try:
            parsed = wcodm.parse_declarations(data)
        except DomainError as exc:
            yield Message("document", None, exc)
            return
        for i, p in enumerate(parsed, start=1):
            yield Message(f"declaration {i} ({p.reference})", p.content)

    return {Format.JSONL: read_jsonl, Format.EDIFACT: read_edifact, Format.XML: read_xml}


@dataclass
class Outcome:
    file: str
    ref: str
    result: str  # accepted | rejected | already imported
    declaration_id: str
    lane: str
    status: str
    reasons: str


def _file_one(platform: Platform, message: Message, pre_arrival: bool) -> Outcome:
    blank = Outcome("", message.ref, "rejected", "", "", "", "")
    if message.content is None:
        err = message.error or FormatError(message.ref, "unreadable")
        return replace(blank, reasons=_reasons(err))
    try:
        content = handlers.resolve_declarant(platform.clearance_uow(), IMPORTER, message.content)
        outcome = handlers.file_declaration(
            platform.clearance_uow(), IMPORTER, platform.clearance_config(), content, pre_arrival=pre_arrival
        )
    except Conflict as exc:
        return replace(blank, result="already imported", reasons=exc.detail)
    except DomainError as exc:
        return replace(blank, reasons=_reasons(exc))
    d = outcome.declaration
    result = "rejected" if d.status is Status.REJECTED else "accepted"
    last = d.history[-1].reason if d.history else None
    return replace(
        blank,
        result=result,
        declaration_id=d.id,
        lane=d.lane.value if d.lane else "",
        status=d.status.value,
        reasons=last or "",
    )


def _reasons(exc: DomainError) -> str:
    if isinstance(exc, ValidationFailed):
        return "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
    return exc.detail


@import_app.command("declarations")
def import_declarations(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)],
    format: Annotated[Format, typer.Option(help="input format (auto: sniffed from the content)")] = Format.AUTO,
    report: Annotated[Path | None, typer.Option(help="write every outcome to this CSV file")] = None,
    pre_arrival: Annotated[bool, typer.Option(help="the goods have not arrived yet")] = True,
    restart: Annotated[bool, typer.Option(help="ignore the journal and start each file from its beginning")] = False,
) -> None:
    """File declarations from JSON lines, EDIFACT CUSDEC or WCO DM XML files (resumable)."""
    platform = bootstrap()
    console = Console()
    outcomes: list[Outcome] = []
    readers = _readers()
    journal = ImportJournal(platform.session_factory, platform.clock)
    for path in files:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if restart:
            journal.forget(digest)
        done = journal.done(digest)
        fmt = sniff(data) if format is Format.AUTO else format
        messages = list(readers[fmt](data))
        if done:
            console.print(f"{path.name}: resuming after {done} of {len(messages)} already done")
        with Progress(
            TextColumn(f"[bold]{path.name}[/bold] ({fmt.value})"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task("filing", total=len(messages), completed=done)
            for index, message in enumerate(messages[done:], start=done + 1):
                outcome = _file_one(platform, message, pre_arrival)
                outcome.file = path.name
                outcomes.append(outcome)
                journal.record(digest, str(path), index, len(messages))
                progress.advance(task)
    _print_summary(console, outcomes)
    if report is not None:
        with report.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["file", "ref", "result", "declaration_id", "lane", "status", "reasons"])
            for o in outcomes:
                writer.writerow([o.file, o.ref, o.result, o.declaration_id, o.lane, o.status, o.reasons])
        console.print(f"report written to {report}")
    if any(o.result == "rejected" for o in outcomes):
        raise typer.Exit(code=1)


def _print_summary(console: Console, outcomes: list[Outcome]) -> None:
    counts: dict[str, int] = {}
    for o in outcomes:
        key = f"{o.result} ({o.lane})" if o.lane else o.result
        counts[key] = counts.get(key, 0) + 1
    table = Table("outcome", "declarations", title="Import summary")
    for key in sorted(counts):
        table.add_row(key, str(counts[key]))
    console.print(table)
    rejected = [o for o in outcomes if o.result == "rejected"]
    if rejected:
        detail = Table("file", "where", "why", title="Rejected", show_lines=True)
        for o in rejected[:50]:
            detail.add_row(o.file, o.ref, o.reasons)
        console.print(detail)
        if len(rejected) > 50:
            console.print(f"... and {len(rejected) - 50} more (see --report)")


@export_app.command("declarations")
def export_declarations(
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write")],
    format: Annotated[Format, typer.Option(help="jsonl, edifact or xml (auto: from the file name)")] = Format.AUTO,
    status: Annotated[Status | None, typer.Option(help="only declarations in this status")] = None,
    lodged_from: Annotated[datetime | None, typer.Option(help="lodged at or after (UTC)")] = None,
    lodged_to: Annotated[datetime | None, typer.Option(help="lodged before (UTC)")] = None,
) -> None:
    """Write declarations out as JSON lines, one EDIFACT CUSDEC interchange, or one WCO DM XML document."""
    from silkport.clearance.adapters import edifact, wcodm

    if format is Format.AUTO:
        suffixes = {".xml": Format.XML, ".edi": Format.EDIFACT, ".edifact": Format.EDIFACT}
        format = suffixes.get(output.suffix.lower(), Format.JSONL)
    platform = bootstrap()
    console = Console()
    flt = DeclarationFilter(status=status, lodged_from=lodged_from, lodged_to=lodged_to)
    contents: list[DeclarationContent] = []
    cursor: str | None = None
    with Progress(TextColumn("reading declarations"), MofNCompleteColumn(), console=console) as progress:
        task = progress.add_task("read", total=None)
        while True:
            page = handlers.list_declarations(platform.clearance_uow(), IMPORTER, flt, cursor, 500)
            contents.extend(d.content for d in page.items)
            progress.advance(task, len(page.items))
            cursor = page.next_cursor
            if cursor is None:
                break
    contents.reverse()  # oldest first
    if format is Format.JSONL:
        output.write_text(
            "".join(json.dumps(content_to_json(c), ensure_ascii=False) + "\n" for c in contents), encoding="utf-8"
        )
    elif format is Format.EDIFACT:
        text = edifact.write_cusdec(
            contents, sender="SILKPORT", recipient="EXPORT", control_ref="1", prepared=platform.clock.now()
        )
        output.write_text(text, encoding="utf-8")
    else:
        output.write_bytes(wcodm.write_declarations(contents))
    console.print(f"wrote {len(contents)} declarations to {output} ({format.value})")
