"""The ``silkport`` command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from silkport.bootstrap import Platform, bootstrap
from silkport.enterprises.services import auth
from silkport.entrypoints.cli.analytics import app as analytics_app
from silkport.entrypoints.cli.bonded import app as bonded_app
from silkport.entrypoints.cli.declarations import export_app, import_app
from silkport.entrypoints.cli.freight import app as freight_app
from silkport.entrypoints.cli.partners import app as partners_app
from silkport.entrypoints.cli.partners import worker_partners
from silkport.entrypoints.cli.refdata import app as refdata_app
from silkport.entrypoints.cli.report import report
from silkport.entrypoints.cli.risk import app as risk_app
from silkport.entrypoints.cli.setup import migrate_and_seed
from silkport.entrypoints.cli.twin import app as twin_app
from silkport.infra.audit import verify_chain
from silkport.infra.migrate import current_revision, head_revision
from silkport.shared.actor import SYSTEM, Role
from silkport.shared.errors import DomainError
from silkport.zone.services.handlers import list_ports

app = typer.Typer(help="silkport — operating platform of a multi-site free trade zone.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
users_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(refdata_app, name="refdata")
app.add_typer(import_app, name="import")
app.add_typer(risk_app, name="risk")
app.add_typer(export_app, name="export")
app.add_typer(partners_app, name="partners")
app.add_typer(twin_app, name="twin")
app.add_typer(freight_app, name="freight")
app.add_typer(bonded_app, name="bonded")
app.add_typer(analytics_app, name="analytics")
app.command("report")(report)

console = Console()
err = Console(stderr=True)


def _platform() -> Platform:
    return bootstrap()


def _fail(exc: DomainError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc.detail}")
    return typer.Exit(code=2)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations and seed the zone's areas and ports (safe to run again)."""
    platform = _platform()
    areas, ports = migrate_and_seed(platform)
    console.print(f"schema at [bold]{current_revision(platform.engine)}[/bold]; seeded {areas} areas, {ports} ports")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database and the newest one available."""
    platform = _platform()
    console.print(f"current: {current_revision(platform.engine)}  head: {head_revision()}")


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[Role, typer.Option(help="the user's role")],
    enterprise: Annotated[str | None, typer.Option(help="USCC or enterprise id (enterprise-bound roles)")] = None,
    office: Annotated[str | None, typer.Option(help="customs office code or UN/LOCODE (customs officers)")] = None,
    password: Annotated[str | None, typer.Option(help="prompted for when not given")] = None,
    display_name: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a user with a role, bound to an enterprise or an office where the role needs it."""
    platform = _platform()
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    uow = platform.enterprises_uow()
    enterprise_id = enterprise
    if enterprise:
        with uow:
            found = uow.enterprises.find_by_identifier(enterprise.upper(), "CN", None) or uow.enterprises.get(
                enterprise
            )
        enterprise_id = found.id if found else enterprise
    office_code = office
    if office:
        ports = {p.code: p for p in list_ports(platform.zone_uow())}
        by_locode = [code for code, p in ports.items() if p.locode == office.replace(" ", "").upper()]
        office_code = office if office in ports else (by_locode[0] if len(by_locode) == 1 else office)
    try:
        user = auth.create_user(
            uow,
            SYSTEM,
            platform.hasher,
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            enterprise_id=enterprise_id,
            office_code=office_code,
        )
    except DomainError as exc:
        raise _fail(exc) from exc
    console.print(f"created [bold]{user.username}[/bold] ({user.role.label})")


@users_app.command("list")
def users_list() -> None:
    """List the users and their roles."""
    platform = _platform()
    uow = platform.enterprises_uow()
    with uow:
        users = uow.users.all()
    table = Table("username", "role", "enterprise", "office", "active")
    for u in users:
        table.add_row(u.username, u.role.label, u.enterprise_id or "", u.office_code or "", "yes" if u.active else "no")
    console.print(table)


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit chain from the start; name the first broken entry (exit 1) or confirm it is whole."""
    platform = _platform()
    with platform.session_factory() as session:
        report = verify_chain(session)
    if report.ok:
        console.print(f"[green]audit chain intact[/green]: {report.entries} entries verified")
        return
    err.print(f"[red]audit chain broken at entry {report.first_broken}[/red]: {report.problem}")
    raise typer.Exit(code=1)


worker_app = typer.Typer(help="Background workers.", no_args_is_help=True)
app.add_typer(worker_app, name="worker")
worker_app.command("partners")(worker_partners)


@worker_app.command("webhooks")
def worker_webhooks(
    once: Annotated[bool, typer.Option("--once", help="deliver what is due, then stop")] = False,
    interval: Annotated[float, typer.Option(min=0.1, help="seconds between rounds")] = 2.0,
) -> None:
    """Deliver outbox events to the enterprises' webhooks (signed, retried with backoff, at least once)."""
    import time

    dispatcher = _platform().dispatcher()
    while True:
        report = dispatcher.run_once()
        if report.attempted or report.fanned_out:
            console.print(
                f"fanned out {report.fanned_out} events; attempted {report.attempted}, "
                f"delivered {report.delivered}, gave up {report.failed}"
            )
        if once:
            return
        time.sleep(interval)


@worker_app.command("clocks")
def worker_clocks(
    once: Annotated[bool, typer.Option("--once", help="sweep once, then stop")] = False,
    interval: Annotated[float, typer.Option(min=1.0, help="seconds between sweeps")] = 60.0,
) -> None:
    """Re-evaluate delivery clocks that run out by time passing; alert each breach once (webhook)."""
    import time

    from silkport.logistics.services.handlers import sweep_clocks

    platform = _platform()
    while True:
        report = sweep_clocks(platform.logistics_uow(), SYSTEM)
        if report.evaluated or report.alerts:
            console.print(f"evaluated {report.evaluated} clocks; {len(report.alerts)} new breach alerts")
        if once:
            return
        time.sleep(interval)


@worker_app.command("reminders")
def worker_reminders(
    once: Annotated[bool, typer.Option("--once", help="send what is due, then stop")] = False,
    interval: Annotated[float, typer.Option(min=1.0, help="seconds between rounds")] = 3600.0,
) -> None:
    """Remind the parties of the legal desk's time limits about to pass (or passed): each once per due date."""
    from silkport.entrypoints.cli.disputes import remind_forever

    remind_forever(_platform(), once=once, interval=interval, out=console.print)


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port")] = None,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
    reload: Annotated[bool, typer.Option(help="reload on code changes (development)")] = False,
) -> None:
    """Serve the API and the web UI."""
    import uvicorn

    platform = _platform()
    host = host or platform.settings.host
    port = port or platform.settings.port
    console.print(f"silkport on [bold]http://{host}:{port}[/bold]  (API docs: /docs)")
    uvicorn.run(
        "silkport.entrypoints.web.asgi:app", host=host, port=port, workers=workers, reload=reload, log_level="warning"
    )


@app.command("demo")
def demo(
    no_serve: Annotated[bool, typer.Option("--no-serve", help="prepare the demo zone but do not serve it")] = False,
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    scale: Annotated[str, typer.Option(help="quick (about a minute) or full (two years at real volume)")] = "quick",
    seed: Annotated[int, typer.Option(help="the same seed builds the same zone")] = 7,
) -> None:
    """Build the calibrated demo zone (two years of the article's zone, through the services) and serve it."""
    platform = _platform()
    with console.status("migrating the database and seeding the zone..."):
        migrate_and_seed(platform)
    with console.status("loading reference data (HS 2022, UN/LOCODE)..."):
        from silkport.zone.adapters.refdata import reference_data

        counts = reference_data().counts()
    console.print(
        f"reference data: HS 2022 ({counts.hs_chapters} chapters, {counts.hs_headings:,} headings, "
        f"{counts.hs_subheadings:,} subheadings); UN/LOCODE ({counts.locations:,} locations in "
        f"{counts.countries} countries)"
    )
    from silkport.entrypoints.cli.demo_zone import SCALES, DemoExists, run_demo

    if scale not in SCALES:  # "test" is the tiny scale of the test suite
        err.print("[red]error:[/red] --scale: quick or full")
        raise typer.Exit(code=2)
    password = platform.settings.demo_password
    try:
        users = run_demo(platform, scale=scale, seed=seed, console=console)
    except DemoExists as exc:
        err.print(f"[red]error:[/red] {exc}")
        err.print(
            "hint: use a fresh database (SILKPORT_DATABASE_URL, or remove var/silkport.db), or the same --scale/--seed"
        )
        raise typer.Exit(code=2) from exc
    table = Table("sign in as", "role", "password", title="Demo sign-ins")
    for username, role in users:
        table.add_row(username, role.label, password)
    console.print(table)
    if not no_serve:
        serve(host=host, port=port, workers=1, reload=False)
