"""``silkport partners ...`` (partner administrations, dead letters) and ``silkport worker partners``."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from silkport.bootstrap import Platform, bootstrap
from silkport.shared.actor import SYSTEM
from silkport.shared.errors import DomainError

app = typer.Typer(help="Exchange with partner customs administrations.", no_args_is_help=True)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _platform() -> Platform:
    return bootstrap()


def _fail(exc: DomainError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc.detail}")
    return typer.Exit(code=2)


@app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="the partner's code, e.g. KG or KZ")],
    name: Annotated[str, typer.Option(help="the administration's name")],
    url: Annotated[str | None, typer.Option(help="the partner's inbound endpoint URL")] = None,
    outbound_key_id: Annotated[str | None, typer.Option(help="key id the partner gave us to sign with")] = None,
    outbound_secret: Annotated[str | None, typer.Option(help="its secret")] = None,
    inbound_key_id: Annotated[
        str | None, typer.Option(help="key id the partner signs with (generated if absent)")
    ] = None,
    inbound_secret: Annotated[str | None, typer.Option(help="its secret (generated if absent)")] = None,
) -> None:
    """Register a partner administration; prints the key it signs with (once: hand it over securely)."""
    try:
        created = (
            _platform()
            .partners()
            .add(
                SYSTEM,
                code=code,
                name=name,
                url=url,
                outbound_key_id=outbound_key_id,
                outbound_secret=outbound_secret,
                inbound_key_id=inbound_key_id,
                inbound_secret=inbound_secret,
            )
        )
    except DomainError as exc:
        raise _fail(exc) from exc
    console.print(f"partner [bold]{created.partner.code}[/bold] registered")
    console.print(f"inbound key id: {created.inbound_key_id}")
    console.print(f"inbound secret: {created.inbound_secret}  (shown once)", soft_wrap=True)


@app.command("list")
def list_partners() -> None:
    """The partner administrations, their endpoints and keys (never secrets)."""
    table = Table("code", "name", "url", "we sign with", "they sign with", "active")
    for p in _platform().partners().all():
        table.add_row(
            p.code, p.name, p.url or "-", p.outbound_key_id or "-", p.inbound_key_id, "yes" if p.active else "no"
        )
    console.print(table)


@app.command("dead-letters")
def dead_letters(
    partner: Annotated[str | None, typer.Option(help="only this partner's")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
) -> None:
    """Outbound messages the dispatcher gave up on."""
    messages = _platform().partner_dispatcher().messages(status="dead", partner=partner, limit=limit)
    table = Table("partner", "type", "attempts", "dead at", "last error")
    table.add_column("message id", no_wrap=True)
    for m in messages:
        dead_at = m.dead_at.isoformat(timespec="seconds") if m.dead_at else "-"
        table.add_row(m.partner, m.message_type, str(m.attempts), dead_at, m.last_error or "-", m.message_id)
    console.print(table)
    console.print(f"{len(messages)} dead letter(s)")


@app.command("requeue")
def requeue(
    message_id: Annotated[str | None, typer.Argument(help="the dead letter to send again")] = None,
    all_dead: Annotated[bool, typer.Option("--all", help="requeue every dead letter (of --partner)")] = False,
    partner: Annotated[str | None, typer.Option(help="with --all: only this partner's")] = None,
) -> None:
    """Give dead letters a fresh retry schedule starting now."""
    if (message_id is None) == (not all_dead):
        err.print("[red]error:[/red] give a message id, or --all")
        raise typer.Exit(code=2)
    dispatcher = _platform().partner_dispatcher()
    try:
        ids = (
            dispatcher.requeue_dead(SYSTEM, partner)
            if all_dead
            else [dispatcher.requeue(SYSTEM, str(message_id)).message_id]
        )
    except DomainError as exc:
        raise _fail(exc) from exc
    console.print(f"requeued {len(ids)} message(s)")


def worker_partners(
    once: Annotated[bool, typer.Option("--once", help="one round, then stop")] = False,
    interval: Annotated[float, typer.Option(min=0.1, help="seconds between rounds")] = 2.0,
) -> None:
    """Deliver due messages to partner administrations and process received ones, in a loop."""
    platform = _platform()
    dispatcher, processor = platform.partner_dispatcher(), platform.partner_processor()
    while True:
        sent = dispatcher.deliver_due()
        handled = processor.process_due()
        if sent.attempted or handled.attempted or once:
            console.print(
                f"outbound: attempted {sent.attempted}, delivered {sent.delivered}, retrying {sent.retrying}, "
                f"dead {sent.dead}; inbound: processed {handled.processed}, failed {handled.failed}"
            )
        if once:
            return
        time.sleep(interval)
