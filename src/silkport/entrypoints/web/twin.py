"""The digital twin on the web: list runs, show their reports, launch a shipped scenario with a progress bar.

API (bearer token or session + X-CSRF-Token):
    GET  /api/v1/twin/scenarios           shipped scenarios
    GET  /api/v1/twin/runs                runs, newest first (status, done/total)
    POST /api/v1/twin/runs                {"scenario", "replications", "seed", "days"} -> 202, runs in the background
    GET  /api/v1/twin/runs/{id}           status, and the figures once done
Pages (web session; templates under templates/twin/):
    GET  /twin                            the launch form and the runs with progress bars
    GET  /twin/runs                       the runs table alone (htmx polls it every 2 s while a run is running)
    POST /twin/runs                       the form (CSRF token); errors shown under their fields (422)
    GET  /twin/runs/{id}/report           the run's report: figures with 95% intervals, the clearance-time
                                          distribution per lane (inline SVG drawn on the server), stages, resources;
                                          ``?against=OTHER`` adds a before/after comparison with another run (paired
                                          differences when both used the same seed and replications: common random
                                          numbers)

Analysts, customs supervisors and administrators only (the twin shows the rulebook's effect; 403 for others).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from silkport.entrypoints.web.i18n import field_message
from silkport.entrypoints.web.i18n import gettext as _
from silkport.entrypoints.web.pages import CurrentViewer, Form, PageRoute, Viewer, is_htmx, render, require_csrf
from silkport.infra.web import CurrentActor, service
from silkport.shared.actor import Actor, Role
from silkport.shared.errors import NotFound, PermissionDenied, ValidationFailed
from silkport.twin.runner import compare
from silkport.twin.runs import MAX_DAYS, MAX_REPLICATIONS, TwinRuns
from silkport.twin.scenario import load_scenario, shipped_scenarios

router = APIRouter(tags=["twin"])
pages = APIRouter(include_in_schema=False, route_class=PageRoute)
TWIN_ROLES = frozenset({Role.ANALYST, Role.CUSTOMS_SUPERVISOR, Role.ADMIN})
Runs = Annotated[TwinRuns, Depends(service("twin_runs"))]
LANES = ("green", "yellow", "red")
QUANTILES = ("median", "mean", "p90", "p99")


def _allowed(actor: Actor) -> None:
    if actor.role not in TWIN_ROLES:
        raise PermissionDenied("only analysts, customs supervisors and administrators run the digital twin")


class LaunchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: str = Field(min_length=1, max_length=80)
    replications: int = Field(default=5, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(default=1, ge=0, le=2**31)
    days: float | None = Field(default=None, gt=0, le=366)


# --- API ----------------------------------------------------------------------------------------------------


@router.get("/api/v1/twin/scenarios")
def api_scenarios(actor: CurrentActor) -> list[dict[str, str]]:
    _allowed(actor)
    return [{"name": n, "description": load_scenario(n).scenario.description} for n in shipped_scenarios()]


@router.get("/api/v1/twin/runs")
def api_runs(actor: CurrentActor, runs: Runs) -> list[dict[str, Any]]:
    _allowed(actor)
    return runs.list()


@router.post("/api/v1/twin/runs", status_code=202)
def api_launch(body: LaunchIn, actor: CurrentActor, runs: Runs) -> dict[str, Any]:
    _allowed(actor)
    return runs.launch(body.scenario, body.replications, body.seed, body.days, actor.username)


@router.get("/api/v1/twin/runs/{run_id}")
def api_run(run_id: str, actor: CurrentActor, runs: Runs) -> dict[str, Any]:
    _allowed(actor)
    status = runs.status(run_id)
    if status["status"] == "done":
        status["figures"] = runs.figures(run_id)
    return status


# --- charts (geometry computed here, drawn by templates/twin/_charts.html) ------------------------------------

CHART_W, CHART_H = 640.0, 240.0
PAD_L, PAD_R, PAD_T, PAD_B = 48.0, 12.0, 14.0, 34.0


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class Series:
    key: str  # a CSS class suffix: green, yellow, red, all, before, after, series-N
    label: str
    points: str  # the polyline's points
    marker_x: float | None = None  # a vertical mark (the median), if any
    marker_label: str = ""


@dataclass(frozen=True, slots=True)
class Chart:
    name: str
    title: str
    x_label: str
    y_label: str
    width: float
    height: float
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    series: list[Series]


def _line_chart(
    name: str,
    title: str,
    x_label: str,
    y_label: str,
    xs: list[float],
    series: list[tuple[str, str, list[float], float | None]],
    x_max: float,
    x_step: float,
    percent: bool,
) -> Chart:
    """Polylines over a common x grid; y from 0 to a rounded top; markers (medians) as vertical lines."""
    top = max((max(v) for _, _, v, _ in series if v), default=0.0)
    top = _nice(top) if top > 0 else 1.0
    left, right, upper, lower = PAD_L, CHART_W - PAD_R, PAD_T, CHART_H - PAD_B

    def sx(x: float) -> float:
        return round(left + (right - left) * min(x, x_max) / x_max, 1)

    def sy(y: float) -> float:
        return round(lower - (lower - upper) * y / top, 1)

    out = []
    for key, label, values, marker in series:
        pts = " ".join(f"{sx(x)},{sy(v)}" for x, v in zip(xs, values, strict=True) if x <= x_max)
        mark = sx(marker) if marker is not None and not math.isnan(marker) and marker <= x_max else None
        out.append(Series(key, label, pts, mark, f"{marker:.2f} h" if mark is not None and marker is not None else ""))
    ticks_x = [Tick(sx(k * x_step), lower, f"{k * x_step:g}") for k in range(int(x_max / x_step + 1e-9) + 1)]
    ticks_y = [
        Tick(left, sy(f * top), f"{f * top:.0%}" if percent else f"{f * top:.3g}") for f in (0.0, 0.25, 0.5, 0.75, 1.0)
    ]
    return Chart(name, title, x_label, y_label, CHART_W, CHART_H, left, right, upper, lower, ticks_x, ticks_y, out)


def _nice(v: float) -> float:
    """A round number at or above v (1, 2, 2.5, 5 x 10^k)."""
    exp = math.floor(math.log10(v))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10**exp >= v - 1e-12:
            return m * 10.0**exp
    return 10.0 ** (exp + 1)


def _bins(figures: dict[str, Any]) -> list[float]:
    edges: list[float] = figures["histogram"]["edges_hours"]
    return [(a + b) / 2 for a, b in itertools.pairwise(edges)]


def _shares(counts: list[int], nbins: int) -> list[float]:
    total = sum(counts) or 1
    return [c / total for c in counts[:nbins]]


def _x_extent(count_lists: list[list[int]], edges: list[float]) -> float:
    """Hours shown: up to where 99.5% of every distribution lies (at least 2 h, at most the histogram's end)."""
    reach = 2.0
    for counts in count_lists:
        total = sum(counts)
        if not total:
            continue
        running = 0
        for k, c in enumerate(counts[: len(edges) - 1]):
            running += c
            if running >= 0.995 * total:
                reach = max(reach, edges[k + 1])
                break
        else:
            reach = edges[-1]
    return float(min(edges[-1], math.ceil(reach)))


def lane_chart(figures: dict[str, Any]) -> Chart | None:
    """The clearance-time distribution of each lane: share of the lane's declarations per 5-minute bin."""
    by_lane: dict[str, list[int]] | None = figures.get("histogram_by_lane")
    if not by_lane:
        return None
    xs = _bins(figures)
    edges = figures["histogram"]["edges_hours"]
    lanes = [lane for lane in LANES if sum(by_lane.get(lane, [])) > 0]
    x_max = _x_extent([by_lane[lane] for lane in lanes], edges)
    series = [
        (
            lane,
            _lane_label(lane),
            _shares(by_lane[lane], len(xs)),
            figures["lanes"][lane]["clearance_time_hours"]["median"]["mean"],
        )
        for lane in lanes
    ]
    return _line_chart(
        "lanes",
        _("Clearance time by lane"),
        _("hours from arrival to release"),
        _("share of the lane's declarations"),
        xs,
        series,
        x_max,
        1.0 if x_max <= 12 else 2.0,
        True,
    )


def before_after_chart(before: dict[str, Any], after: dict[str, Any], labels: tuple[str, str]) -> Chart:
    xs = _bins(after)
    edges = after["histogram"]["edges_hours"]
    counts = [before["histogram"]["counts"], after["histogram"]["counts"]]
    x_max = _x_extent(counts, edges)
    series = [
        (key, label, _shares(c, len(xs)), f["clearance_time_hours"]["median"]["mean"])
        for key, label, c, f in zip(("before", "after"), labels, counts, (before, after), strict=True)
    ]
    return _line_chart(
        "before-after",
        _("Clearance time, before and after"),
        _("hours from arrival to release"),
        _("share of declarations"),
        xs,
        series,
        x_max,
        1.0,
        True,
    )


def utilisation_chart(figures: dict[str, Any]) -> Chart:
    hours = [float(h) + 0.5 for h in range(24)]
    series: list[tuple[str, str, list[float], float | None]] = [
        (f"series-{k % 8}", name.replace("_", " ").capitalize(), [min(1.0, u) for u in v["utilisation_by_hour"]], None)
        for k, (name, v) in enumerate(figures["resources"].items())
    ]
    return _line_chart(
        "utilisation",
        _("Utilisation over the day"),
        _("hour of day (zone time)"),
        _("busy share of the servers on shift"),
        hours,
        series,
        24.0,
        3.0,
        True,
    )


def _lane_label(lane: str) -> str:
    return {"green": _("Green"), "yellow": _("Yellow"), "red": _("Red")}.get(lane, lane)


# --- pages --------------------------------------------------------------------------------------------------

FIELDS = ("scenario", "replications", "days", "seed")


def _scenario_choices() -> list[dict[str, Any]]:
    out = []
    for name in shipped_scenarios():
        sc = load_scenario(name).scenario
        out.append({"name": name, "description": sc.description, "days": sc.days, "warmup_days": sc.warmup_days})
    return out


def _runs_view(runs: TwinRuns) -> tuple[list[dict[str, Any]], bool]:
    listed = runs.list()
    for r in listed:
        done, total = r.get("done"), r.get("total")
        r["percent"] = round(100 * done / total) if isinstance(done, int) and isinstance(total, int) and total else None
    return listed, any(r["status"] == "running" for r in listed)


def _index(
    request: Request,
    viewer: Viewer,
    runs: TwinRuns,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    listed, running = _runs_view(runs)
    context = {
        "scenarios": _scenario_choices(),
        "runs": listed,
        "running": running,
        "values": values or {"scenario": "horgos-smart-port", "replications": "5", "days": "", "seed": "1"},
        "errors": errors or {},
        "max_replications": MAX_REPLICATIONS,
        "max_days": MAX_DAYS,
        "labels": _field_labels(),
    }
    return render(request, "twin/index.html", context, viewer=viewer, active="twin", status_code=status_code)


def _field_labels() -> dict[str, str]:
    return {"scenario": _("Scenario"), "replications": _("Replications"), "days": _("Days"), "seed": _("Seed")}


@pages.get("/twin", response_class=HTMLResponse)
def page(request: Request, viewer: CurrentViewer, runs: Runs) -> HTMLResponse:
    _allowed(viewer.actor)
    return _index(request, viewer, runs)


@pages.get("/twin/runs", response_class=HTMLResponse)
def page_runs(request: Request, viewer: CurrentViewer, runs: Runs) -> Response:
    """The runs table alone, for htmx polling (it stops polling itself once nothing runs)."""
    _allowed(viewer.actor)
    if not is_htmx(request):
        return RedirectResponse("/twin", status_code=303)
    listed, running = _runs_view(runs)
    return render(request, "twin/_runs.html", {"runs": listed, "running": running}, viewer=viewer)


def _whole(form: Form, name: str, default: str | None, errors: dict[str, list[str]]) -> int | None:
    raw = form.get(name)
    text = raw.strip() if isinstance(raw, str) and raw.strip() else default
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        errors.setdefault(name, []).append(_("must be a whole number"))
        return None


@pages.post("/twin/runs", response_class=HTMLResponse)
def page_launch(request: Request, viewer: CurrentViewer, form: Form, runs: Runs) -> Response:
    _allowed(viewer.actor)
    require_csrf(request, form)
    values = {k: str(form.get(k) or "").strip() for k in FIELDS}
    errors: dict[str, list[str]] = {}
    replications = _whole(form, "replications", "5", errors)
    seed = _whole(form, "seed", "1", errors)
    days: float | None = None
    if values["days"]:
        try:
            days = float(values["days"])
            if not math.isfinite(days):
                raise ValueError(values["days"])
        except ValueError:
            errors.setdefault("days", []).append(_("must be a number"))
    if not errors:
        try:
            runs.launch(values["scenario"], replications or 0, seed or 0, days, viewer.actor.username)
        except ValidationFailed as exc:
            for fe in exc.errors:
                errors.setdefault(fe.field if fe.field in FIELDS else "form", []).append(field_message(fe))
    if errors:
        return _index(request, viewer, runs, values, errors, status_code=422)
    return RedirectResponse("/twin", status_code=303)


def _run_figures(runs: TwinRuns, run_id: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A run's figures, and for a `twin compare` run made by the CLI the baseline ("a") too."""
    figures = runs.figures(run_id)
    if "comparison" in figures and "a" in figures and "b" in figures:
        return figures["b"], figures["a"]
    return figures, None


def _comparison(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Differences after - before: paired (common random numbers) when both used the same seed and replications."""
    paired = (
        before.get("seed") == after.get("seed")
        and before.get("replications") == after.get("replications")
        and before.get("days") == after.get("days")
    )
    rows = []
    diff = compare(before, after)["difference_hours"] if paired else None
    for q in QUANTILES:
        b = before["clearance_time_hours"][q]["mean"]
        a = after["clearance_time_hours"][q]["mean"]
        row = {"figure": q, "before": b, "after": a, "difference": a - b, "ci_low": None, "ci_high": None}
        if diff is not None:
            row.update(difference=diff[q]["mean"], ci_low=diff[q]["ci_low"], ci_high=diff[q]["ci_high"])
        rows.append(row)
    return {"paired": paired, "rows": rows}


@pages.get("/twin/runs/{run_id}/report", response_class=HTMLResponse)
def page_report(request: Request, viewer: CurrentViewer, runs: Runs, run_id: str, against: str = "") -> Response:
    _allowed(viewer.actor)
    status = runs.status(run_id)
    if status["status"] != "done":
        raise NotFound(f"twin run {run_id!r} has no report yet ({status['status']})")
    figures, baseline = _run_figures(runs, run_id)
    other_id = against or None
    errors: list[str] = []
    if other_id is not None:
        try:
            other_status = runs.status(other_id)
            if other_status["status"] != "done":
                raise NotFound(f"twin run {other_id!r} has not finished")
            baseline, _ignored = _run_figures(runs, other_id)
        except NotFound as exc:
            errors.append(exc.detail)
            baseline, other_id = None, None
    comparison = None
    if baseline is not None:
        before_label = baseline["scenario"] + (f" ({other_id})" if other_id else "")
        comparison = {
            "before": baseline,
            "before_label": before_label,
            "chart": before_after_chart(baseline, figures, (before_label, figures["scenario"])),
            **_comparison(baseline, figures),
        }
    others = [r for r in runs.list() if r["id"] != run_id and r["status"] == "done"]
    context = {
        "run": status,
        "f": figures,
        "lane_chart": lane_chart(figures),
        "utilisation_chart": utilisation_chart(figures),
        "lanes": LANES,
        "quantiles": QUANTILES,
        "comparison": comparison,
        "against": other_id or "",
        "others": others,
        "errors": errors,
    }
    return render(request, "twin/report.html", context, viewer=viewer, active="twin")


router.include_router(pages)
