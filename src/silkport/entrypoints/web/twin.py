"""The digital twin on the web: list runs, show their reports, launch a shipped scenario with a progress bar.

API (bearer token or session + X-CSRF-Token):
    GET  /api/v1/twin/scenarios           shipped scenarios
    GET  /api/v1/twin/runs                runs, newest first (status, done/total)
    POST /api/v1/twin/runs                {"scenario", "replications", "seed", "days"} -> 202, runs in the background
    GET  /api/v1/twin/runs/{id}           status, and the figures once done
Pages (web session):
    GET  /twin                            the runs with progress bars (refreshes while one runs) and a launch form
    POST /twin/runs                       the form (CSRF token)
    GET  /twin/runs/{id}/report           the run's HTML report

Analysts, customs supervisors and administrators only (the twin shows the rulebook's effect; 403 for others).
"""

from __future__ import annotations

import html
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from silkport.entrypoints.web.pages import require_csrf
from silkport.infra.security import csrf_token
from silkport.infra.web import SESSION_COOKIE, CurrentActor, OptionalActor, service
from silkport.shared.actor import Actor, Role
from silkport.shared.errors import FieldError, PermissionDenied, ValidationFailed
from silkport.twin.runs import MAX_REPLICATIONS, TwinRuns
from silkport.twin.scenario import load_scenario, shipped_scenarios

router = APIRouter(tags=["twin"])
TWIN_ROLES = frozenset({Role.ANALYST, Role.CUSTOMS_SUPERVISOR, Role.ADMIN})
Runs = Annotated[TwinRuns, Depends(service("twin_runs"))]


def _allowed(actor: Actor) -> None:
    if actor.role not in TWIN_ROLES:
        raise PermissionDenied("only analysts, customs supervisors and administrators run the digital twin")


class LaunchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: str = Field(min_length=1, max_length=80)
    replications: int = Field(default=5, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(default=1, ge=0, le=2**31)
    days: float | None = Field(default=None, gt=0, le=366)


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


def _page(request: Request, actor: Actor, runs: TwinRuns, error: str | None = None) -> str:
    cookie = request.cookies.get(SESSION_COOKIE)
    secret: str = request.app.state.platform.settings.secret_key
    token = csrf_token(secret, cookie) if cookie else ""
    listed = runs.list()
    running = any(r["status"] == "running" for r in listed)
    rows = []
    for r in listed:
        rid = html.escape(r["id"])
        done, total = r.get("done"), r.get("total")
        bar = f'<progress value="{done}" max="{total}">{done}/{total}</progress> {done}/{total}' if total else ""
        link = f'<a href="/twin/runs/{rid}/report">report</a>' if r["has_report"] else ""
        rows.append(
            f"<tr><td>{rid}</td><td>{html.escape(str(r.get('scenario') or '-'))}</td>"
            f"<td>{html.escape(str(r['status']))}</td><td>{bar}</td><td>{link}</td></tr>"
        )
    options = "".join(f'<option value="{html.escape(n)}">{html.escape(n)}</option>' for n in shipped_scenarios())
    refresh = '<meta http-equiv="refresh" content="2">' if running else ""
    problem = f'<p role="alert" class="error">{html.escape(error)}</p>' if error else ""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">{refresh}<title>Digital twin — silkport</title>'
        '<link rel="stylesheet" href="/static/silkport.css"></head><body><main>'
        f"<h1>Digital twin</h1><p>Signed in as {html.escape(actor.username)}. <a href='/'>Dashboard</a></p>{problem}"
        '<form method="post" action="/twin/runs">'
        f'<input type="hidden" name="csrf_token" value="{html.escape(token or "")}">'
        f'<label>Scenario <select name="scenario">{options}</select></label> '
        f'<label>Replications <input name="replications" type="number" min="1" max="{MAX_REPLICATIONS}" value="5">'
        '</label> <label>Days <input name="days" type="number" min="1" max="366" step="any"></label> '
        '<label>Seed <input name="seed" type="number" min="0" value="1"></label> <button>Run</button></form>'
        "<table><thead><tr><th>run</th><th>scenario</th><th>status</th><th>progress</th><th></th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></main></body></html>"
    )


@router.get("/twin", response_class=HTMLResponse, include_in_schema=False)
def page(request: Request, actor: OptionalActor, runs: Runs) -> Response:
    if actor is None:
        return RedirectResponse("/login?next=/twin", status_code=303)
    _allowed(actor)
    return HTMLResponse(_page(request, actor, runs))


@router.post("/twin/runs", include_in_schema=False)
async def page_launch(request: Request, actor: OptionalActor, runs: Runs) -> Response:
    if actor is None:
        return RedirectResponse("/login?next=/twin", status_code=303)
    _allowed(actor)
    form = await request.form()
    require_csrf(request, form)

    def number(name: str, default: str | None) -> float | None:
        raw = form.get(name)
        text = raw if isinstance(raw, str) and raw.strip() else default
        if text is None:
            return None
        try:
            return float(text)
        except ValueError as exc:
            raise ValidationFailed(FieldError(name, "must be a number")) from exc

    try:
        scenario = form.get("scenario")
        replications = number("replications", "5")
        seed = number("seed", "1")
        runs.launch(
            scenario if isinstance(scenario, str) else "",
            int(replications or 0),
            int(seed or 0),
            number("days", None),
            actor.username,
        )
    except ValidationFailed as exc:
        message = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
        return HTMLResponse(_page(request, actor, runs, message), status_code=422)
    return RedirectResponse("/twin", status_code=303)


@router.get("/twin/runs/{run_id}/report", response_class=HTMLResponse, include_in_schema=False)
def page_report(run_id: str, actor: OptionalActor, runs: Runs) -> Response:
    if actor is None:
        return RedirectResponse(f"/login?next=/twin/runs/{run_id}/report", status_code=303)
    _allowed(actor)
    return HTMLResponse(runs.report(run_id))
