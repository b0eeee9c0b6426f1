"""The zone dashboard for analysts and administrators: the indicators of a period and area as figures,
time series and bars (inline SVG, drawn on the server: no chart library, no CDN), with a CSV download of
every table.

Pages (web session; analysts and administrators, 403 for others):
    GET /dashboard?from=YYYY-MM-DD&to=YYYY-MM-DD&area=HORGOS   the page (htmx: only its body, for the filters)
    GET /dashboard/csv/{table}?from=&to=&area=                 one table as CSV (tables: see CSV_TABLES)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from silkport.analytics import indicators as ind
from silkport.analytics.claims import compute_claims
from silkport.analytics.indicators import Period
from silkport.entrypoints.cli.report import COLUMNS as CLAIM_COLUMNS
from silkport.entrypoints.cli.report import DemoScale, claim_record, demo_scale
from silkport.entrypoints.web import i18n
from silkport.entrypoints.web.i18n import gettext
from silkport.entrypoints.web.pages import CurrentViewer, PageRoute, is_htmx, render, templates
from silkport.shared.actor import Actor, Role
from silkport.shared.clock import local
from silkport.shared.errors import FieldError, NotFound, PermissionDenied, ValidationFailed

router = APIRouter(include_in_schema=False, route_class=PageRoute)
DASHBOARD_ROLES = frozenset({Role.ANALYST, Role.ADMIN})
ZONE_ESTABLISHED = date(2023, 11, 1)  # the default period starts with the zone


def _allowed(actor: Actor) -> None:
    if actor.role not in DASHBOARD_ROLES:
        raise PermissionDenied(gettext("the zone dashboard is for analysts and administrators"))


# -- charts: geometry computed here, drawn by the template as SVG ------------------------------------------
@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: Decimal
    text: str  # the value as shown
    pct: Decimal  # length relative to the largest bar, 0-100


def bars(items: Sequence[tuple[str, Decimal | int]], limit: int = 12, unit: str = "") -> list[Bar]:
    """Bars for the ``limit`` first items (callers sort them), each as a share of the largest."""
    chosen = [(k, Decimal(v)) for k, v in items[:limit]]
    top = max((v for _, v in chosen), default=Decimal(0))
    out = []
    for label, value in chosen:
        pct = (value / top * 100).quantize(Decimal("0.1")) if top > 0 else Decimal(0)
        out.append(Bar(label, value, f"{_fmt(value)}{unit}", max(pct, Decimal(0))))
    return out


@dataclass(frozen=True, slots=True)
class Point:
    label: str
    value: Decimal
    x: Decimal
    y: Decimal


@dataclass(frozen=True, slots=True)
class Series:
    points: list[Point]
    polyline: str  # "x,y x,y ..." for <polyline points>
    top: Decimal
    width: int = 600
    height: int = 160


def series(data: Mapping[str, Decimal | int], width: int = 600, height: int = 160, pad: int = 8) -> Series:
    """A time series (months in order) scaled into a ``width`` x ``height`` box; y grows downwards in SVG."""
    items = sorted((k, Decimal(v)) for k, v in data.items())
    top = max((v for _, v in items), default=Decimal(0))
    n = len(items)
    points = []
    for i, (label, value) in enumerate(items):
        x = Decimal(pad) + (Decimal(width - 2 * pad) * i / (n - 1) if n > 1 else Decimal(width - 2 * pad) / 2)
        y = Decimal(height - pad) - ((Decimal(height - 2 * pad) * value / top) if top > 0 else Decimal(0))
        points.append(Point(label, value, x.quantize(Decimal("0.1")), y.quantize(Decimal("0.1"))))
    return Series(points, " ".join(f"{p.x},{p.y}" for p in points), top, width, height)


def _fmt(value: Decimal | int | None) -> str:
    """Whole figures without decimals, others with two, with the request's language's separators."""
    return i18n.figure(value)


templates.env.filters["figure"] = _fmt


# -- the figures of a page --------------------------------------------------------------------------------
def _params(request: Request) -> tuple[Period, str | None]:
    q = request.query_params
    errors = []
    today = local(request.app.state.platform.clock.now()).date()
    dates: dict[str, date] = {}
    for name, default in (("from", ZONE_ESTABLISHED), ("to", today)):
        raw = (q.get(name) or "").strip()
        if not raw:
            dates[name] = default
            continue
        try:
            dates[name] = date.fromisoformat(raw)
        except ValueError:
            errors.append(FieldError(name, gettext("%(value)r is not a date like 2025-09-30", value=raw)))
    if errors:
        raise ValidationFailed(errors)
    return Period(dates["from"], dates["to"]), ind.check_area(q.get("area"))


def _session(request: Request) -> Session:
    session: Session = request.app.state.platform.read_sessions()()
    return session


def figures(session: Session, period: Period, area: str | None) -> dict[str, Any]:
    enterprises = ind.new_enterprises(session, period, area)
    trade = ind.foreign_trade(session, period, area)
    partners = ind.bilateral_trade(session, period, area)
    air = ind.air_cargo(session, period, area)
    vehicles = ind.vehicle_exports(session, period, area)
    clearance = ind.clearance_times(session, period, area)
    corridors = ind.delivery_compliance(session, period)
    tir = ind.tir_deliveries(session, period, "KG")
    bonded = ind.bonded(session, period)
    legal = ind.legal_cases(session, period)
    return {
        "legal": legal,
        "enterprises": enterprises,
        "trade": trade,
        "partners": partners,
        "air": air,
        "vehicles": vehicles,
        "clearance": clearance,
        "corridors": corridors,
        "tir": tir,
        "bonded": bonded,
    }


# -- CSV tables: name -> (header, rows of the figures) ------------------------------------------------------
Rows = list[list[object]]


def _claims_rows(s: Session, p: Period, a: str | None, demo: DemoScale | None = None) -> Rows:
    """The article's claims, each over its own period and area (the filters do not apply), as on the page; on a
    scaled demo's data with the demo's factor and the figure scaled back, exactly as ``silkport report`` writes them
    (the same record, :func:`silkport.entrypoints.cli.report.claim_record`)."""
    return [
        [record[column] for column in CLAIM_COLUMNS] for record in (claim_record(r, demo) for r in compute_claims(s))
    ]


def _dist_rows(dists: Sequence[ind.TimeDistribution], group: str) -> Rows:
    return [[group, d.key, d.count, d.p50_hours, d.p90_hours, d.mean_hours] for d in dists]


def _clearance_rows(s: Session, p: Period, a: str | None) -> Rows:
    c = ind.clearance_times(s, p, a)
    rows = _dist_rows([c.overall], "all")
    rows += _dist_rows(c.by_port, "port") + _dist_rows(c.by_lane, "lane") + _dist_rows(c.by_stage, "stage")
    rows += _dist_rows(c.by_rulebook, "rulebook")
    rows += _dist_rows([d for d in (c.before, c.after) if d is not None], "change")
    return rows


CSV_TABLES: dict[str, tuple[list[str], Callable[[Session, Period, str | None], Rows]]] = {
    "enterprises-by-month": (
        ["month", "new_enterprises"],
        lambda s, p, a: [[k, v] for k, v in ind.new_enterprises(s, p, a).by_month.items()],
    ),
    "enterprises-by-sector": (
        ["sector", "new_enterprises"],
        lambda s, p, a: [[k, v] for k, v in ind.new_enterprises(s, p, a).by_sector.items()],
    ),
    "trade-by-month": (
        ["month", "customs_value_cny"],
        lambda s, p, a: [[k, v] for k, v in ind.foreign_trade(s, p, a).by_month.items()],
    ),
    "trade-by-partner": (
        ["country", "declarations", "import_cny", "export_cny", "total_cny"],
        lambda s, p, a: [
            [t.country, t.declarations, t.import_cny, t.export_cny, t.total_cny] for t in ind.bilateral_trade(s, p, a)
        ],
    ),
    "air-cargo-by-month": (
        ["month", "tonnes"],
        lambda s, p, a: [[k, v] for k, v in ind.air_cargo(s, p, a).by_month.items()],
    ),
    "vehicles-by-month": (
        ["month", "vehicles"],
        lambda s, p, a: [[k, v] for k, v in ind.vehicle_exports(s, p, a).by_month.items()],
    ),
    "vehicles-by-make": (
        ["make", "vehicles"],
        lambda s, p, a: [[k, v] for k, v in ind.vehicle_exports(s, p, a).by_make.items()],
    ),
    "vehicles-by-destination": (
        ["country", "vehicles"],
        lambda s, p, a: [[k, v] for k, v in ind.vehicle_exports(s, p, a).by_destination.items()],
    ),
    "clearance-times": (["group", "key", "declarations", "p50_hours", "p90_hours", "mean_hours"], _clearance_rows),
    "corridors": (
        ["corridor", "finished", "on_time", "breached", "share_on_time_pct", "p50_hours", "p90_hours"],
        lambda s, p, a: [
            [c.corridor, c.finished, c.on_time, c.breached, c.share_on_time_pct, c.p50_hours, c.p90_hours]
            for c in ind.delivery_compliance(s, p)
        ],
    ),
    "claims": (list(CLAIM_COLUMNS), _claims_rows),
}


def csv_text(header: Sequence[str], rows: Rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    return out.getvalue()


# -- routes ----------------------------------------------------------------------------------------------------
@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, viewer: CurrentViewer) -> HTMLResponse:
    _allowed(viewer.actor)
    period, area = _params(request)
    with _session(request) as session:
        data = figures(session, period, area)
        claims = compute_claims(session)  # each claim over its own period and area, as `silkport report`
    query = f"from={period.start}&to={period.end}" + (f"&area={area}" if area else "")
    c = data["clearance"]
    context = {
        **data,
        "period": period,
        "area": area,
        "areas": ind.AREAS,
        "query": query,
        "claims": claims,
        "trade_series": series(data["trade"].by_month),
        "enterprise_series": series(data["enterprises"].by_month),
        "vehicle_series": series(data["vehicles"].by_month),
        "air_series": series(data["air"].by_month),
        "partner_bars": bars([(t.country, t.total_cny) for t in data["partners"]], unit=" CNY"),
        "sector_bars": bars(list(data["enterprises"].by_sector.items())),
        "make_bars": bars(list(data["vehicles"].by_make.items())),
        "destination_bars": bars(list(data["vehicles"].by_destination.items())),
        "hist_before": bars([(f"{h}h", n) for h, n in c.histogram_before], limit=24),
        "hist_after": bars([(f"{h}h", n) for h, n in c.histogram_after], limit=24),
    }
    template = "analytics/_body.html" if is_htmx(request) else "analytics/dashboard.html"
    return render(request, template, context, viewer=viewer, active="analytics")


@router.get("/dashboard/csv/{table}")
def dashboard_csv(table: str, request: Request, viewer: CurrentViewer) -> Response:
    _allowed(viewer.actor)
    if table not in CSV_TABLES:
        raise NotFound(f"no table {table!r} (tables: {', '.join(CSV_TABLES)})")
    period, area = _params(request)
    header, build = CSV_TABLES[table]
    demo = demo_scale(request.app.state.platform) if table == "claims" else None
    with _session(request) as session:
        rows = _claims_rows(session, period, area, demo) if table == "claims" else build(session, period, area)
        text = csv_text(header, rows)
    name = f"silkport-{table}-{period.start}-{period.end}{'-' + area.lower() if area else ''}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
