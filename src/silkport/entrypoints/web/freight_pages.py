"""Web pages of freight: consignments with their delivery clocks, one consignment's EPCIS timeline, the
corridors' clocks (compliance, breaches, a bar chart drawn on the server) and TIR transports with their
operations.

Pages (web session; traders, logistics operators, customs and administrators - the roles the menu shows
Freight to; others get a 403 page):
    GET /freight                          consignments, filtered and paged (htmx: just the rows)
    GET /freight/consignments/{id}        the timeline of its events, its clock and alert, legs and objects
    GET /freight/corridors?month=YYYY-MM  compliance per corridor in a month, breaches now, service levels
    GET /freight/tir                      TIR transports, filtered by state and paged (htmx: just the rows)
    GET /freight/tir/{transport_id}       a transport's operations in order, its guarantee and message log

The routes are thin: they call the logistics and transit services, which scope what an enterprise-bound
user sees (another enterprise's consignment or transport is a 404 page, as for one that does not exist).
Clocks are evaluated at the platform clock's "now" with the corridor's service level (pure domain code).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from silkport.enterprises.services import handlers as enterprises
from silkport.entrypoints.web.declaration_pages import duration
from silkport.entrypoints.web.i18n import gettext as _
from silkport.entrypoints.web.pages import (
    FREIGHT_ROLES,
    CurrentViewer,
    Form,
    PageRoute,
    Uow,
    Viewer,
    choice,
    clock_now,
    is_htmx,
    render,
    require_csrf,
    templates,
)
from silkport.infra.web import service
from silkport.logistics.domain.consignment import Consignment, Mode, Status, StatusChange
from silkport.logistics.domain.epcis import AggregationEvent, ObjectEvent, TrackingEvent
from silkport.logistics.domain.sla import CorridorMonth, ServiceLevel, SlaResult, SlaStatus, evaluate
from silkport.logistics.domain.tracking import fresh, is_release_step, normalise_object_id
from silkport.logistics.services import handlers as logistics
from silkport.logistics.services.ports import Alert, Booked, ConsignmentFilter, LogisticsUnitOfWork
from silkport.shared.actor import Actor
from silkport.shared.clock import local
from silkport.shared.errors import DomainError, FieldError, IllegalTransition, PermissionDenied, ValidationFailed
from silkport.transit.domain.model import Guarantee, Operation, TirTransport, TransportState
from silkport.transit.services import handlers as transit
from silkport.transit.services.ports import TransitUnitOfWork

LogisticsUow = Annotated[LogisticsUnitOfWork, Depends(service("logistics"))]
TransitUow = Annotated[TransitUnitOfWork, Depends(service("transit"))]

router = APIRouter(include_in_schema=False, route_class=PageRoute)

PAGE_SIZE = 25
#: the overview counts clocks and alerts up to this many (then shows "100+")
SUMMARY_CAP = 100
#: breached consignments read for the corridor page (newest first); more are reported as "N+"
BREACH_LIMIT = 100
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")

templates.env.filters.setdefault("duration", duration)


def _allowed(viewer: Viewer) -> Actor:
    actor = viewer.actor
    if actor.role not in FREIGHT_ROLES:
        raise PermissionDenied(_("freight is followed by traders, logistics operators, customs and administrators"))
    return actor


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def _names(uow: Uow, actor: Actor, ids: Iterable[str]) -> dict[str, str]:
    """Enterprise names for the ids (an enterprise-bound user only ever sees its own)."""
    names: dict[str, str] = {}
    for enterprise_id in set(ids):
        try:
            names[enterprise_id] = enterprises.get_enterprise(uow, actor, enterprise_id).details.name_en
        except DomainError:
            names[enterprise_id] = enterprise_id
    return names


# --- delivery clocks as the pages show them -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClockView:
    """A consignment's delivery clock at 'now', in the terms a person reads: how long is left, or how late."""

    corridor: str | None
    state: str  # on_time | at_risk | breached | none (no corridor: no clock)
    phase: str  # none | waiting (the start anchor has not happened) | open | finished
    started_at: datetime | None = None
    deadline: datetime | None = None
    finished_at: datetime | None = None
    breached_at: datetime | None = None
    culprit_leg: int | None = None
    target_met: bool | None = None
    minutes_left: float | None = None  # open clocks: until the deadline, negative once overdue
    late_minutes: float | None = None  # finished clocks: past the deadline (0 or more) when breached
    elapsed_minutes: float | None = None  # start to finish, or start to now while open

    @property
    def overdue(self) -> bool:
        return self.minutes_left is not None and self.minutes_left < 0

    @property
    def left(self) -> float:
        return abs(self.minutes_left or 0.0)


def clock_view(corridor: str | None, result: SlaResult | None, now: datetime) -> ClockView:
    if result is None:
        return ClockView(corridor, "none", "none")
    state = result.status.value
    elapsed = None if result.elapsed is None else result.elapsed.total_seconds() / 60
    common: dict[str, Any] = {
        "started_at": result.started_at,
        "deadline": result.deadline,
        "finished_at": result.finished_at,
        "breached_at": result.breached_at,
        "culprit_leg": result.culprit_leg,
        "target_met": result.target_met,
        "elapsed_minutes": elapsed,
    }
    if result.started_at is None or result.deadline is None:
        return ClockView(corridor, state, "waiting", **common)
    if result.finished_at is not None:
        late = max(0.0, _minutes(result.deadline, result.finished_at)) if result.status is SlaStatus.BREACHED else None
        return ClockView(corridor, state, "finished", late_minutes=late, **common)
    return ClockView(corridor, state, "open", minutes_left=_minutes(now, result.deadline), **common)


def _evaluate(levels: Mapping[str, ServiceLevel], booked: Booked, now: datetime) -> SlaResult | None:
    corridor = booked.consignment.corridor
    level = None if corridor is None else levels.get(corridor)
    return None if level is None else evaluate(level, booked.consignment, now)


@dataclass(frozen=True, slots=True)
class ConsignmentRow:
    b: Booked
    owner: str
    clock: ClockView

    @property
    def origin(self) -> str:
        return self.b.consignment.legs[0].origin

    @property
    def destination(self) -> str:
        return self.b.consignment.legs[-1].destination


def _rows(
    uow: Uow, actor: Actor, levels: Mapping[str, ServiceLevel], items: Sequence[Booked], now: datetime
) -> list[ConsignmentRow]:
    names = _names(uow, actor, (b.enterprise_id for b in items)) if not actor.is_enterprise_bound else {}
    return [
        ConsignmentRow(
            b, names.get(b.enterprise_id, ""), clock_view(b.consignment.corridor, _evaluate(levels, b, now), now)
        )
        for b in items
    ]


def _corridor(value: str, levels: Mapping[str, ServiceLevel]) -> str | None:
    if not value:
        return None
    if value not in levels:
        raise ValidationFailed(
            FieldError(
                "corridor", _("%(value)s is not one of %(known)s", value=repr(value), known=", ".join(sorted(levels)))
            )
        )
    return value


# --- the overview ------------------------------------------------------------------------------------------


@router.get("/freight", response_class=HTMLResponse)
def consignment_list(
    request: Request,
    viewer: CurrentViewer,
    uow: Uow,
    luow: LogisticsUow,
    status: str = "",
    corridor: str = "",
    mode: str = "",
    clock: str = "",
    document: str = "",
    cursor: str = "",
) -> HTMLResponse:
    actor = _allowed(viewer)
    levels = luow.service_levels
    document = document.strip()[:60]
    flt = ConsignmentFilter(
        status=choice("status", status, Status),
        corridor=_corridor(corridor, levels),
        mode=choice("mode", mode, Mode),
        clock=choice("clock", clock, SlaStatus),
        document_number=document or None,
    )
    page = logistics.list_consignments(luow, actor, flt, cursor or None, PAGE_SIZE)
    filters = {"status": status, "corridor": corridor, "mode": mode, "clock": clock, "document": document}
    query = {k: v for k, v in filters.items() if v}
    more_url = "/freight?" + urlencode({**query, "cursor": page.next_cursor}) if page.next_cursor else None
    context = {
        "rows": _rows(uow, actor, levels, page.items, clock_now(request)),
        "owner_column": not actor.is_enterprise_bound,
        "more_url": more_url,
        "filters": filters,
        "statuses": list(Status),
        "modes": list(Mode),
        "clocks": list(SlaStatus),
        "corridors": sorted(levels.values(), key=lambda lv: lv.corridor),
        "first_page": not cursor,
    }
    if not is_htmx(request):
        context["summary"] = _summary(luow, actor)
    template = "freight/_rows.html" if is_htmx(request) else "freight/list.html"
    response = render(request, template, context, viewer=viewer, active="freight")
    response.headers["Vary"] = "HX-Request"
    return response


@dataclass(frozen=True, slots=True)
class Count:
    """A count read up to a cap: ``text`` is '100+' when there are more."""

    value: int
    more: bool

    @property
    def text(self) -> str:
        return f"{self.value}+" if self.more else str(self.value)


def _summary(luow: LogisticsUnitOfWork, actor: Actor) -> dict[str, Count]:
    """The overview's figures: clocks breached and at risk (whatever the filters), open breach alerts."""
    out: dict[str, Count] = {}
    for state in (SlaStatus.BREACHED, SlaStatus.AT_RISK):
        page = logistics.list_consignments(luow, actor, ConsignmentFilter(clock=state), None, SUMMARY_CAP)
        out[state.value] = Count(len(page.items), page.next_cursor is not None)
    alerts = logistics.list_alerts(luow, actor, False, None, SUMMARY_CAP)
    out["alerts"] = Count(len(alerts.items), alerts.next_cursor is not None)
    return out


# --- one consignment ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventRow:
    e: TrackingEvent
    objects: tuple[str, ...]  # what it names (EPCs, children, quantity classes)
    parent: str | None
    milestones: tuple[tuple[str, int | None], ...]  # (milestone kind, leg) the event moved the consignment by

    @property
    def kind(self) -> str:
        return self.e.type.value

    @property
    def step(self) -> str | None:
        """The CBV business step; a customs release (silkport's extension step) as ``released``."""
        return "released" if is_release_step(self.e.biz_step) else self.e.biz_step


@dataclass(frozen=True, slots=True)
class Packing:
    """An aggregation involving the consignment: what was packed into one of its keys, or it into what."""

    relation: str  # contains | packed_in
    object_id: str
    action: str  # ADD | DELETE | OBSERVE
    at: datetime
    where: str | None


def _norm(value: str) -> str:
    try:
        return normalise_object_id(value)
    except ValueError:
        return value


def _event_rows(events: Sequence[TrackingEvent], c: Booked) -> list[EventRow]:
    moved: dict[str, list[tuple[str, int | None]]] = {}
    for m in c.consignment.milestones:
        if m.note:
            event_id = m.note.removeprefix("implied by ")
            moved.setdefault(event_id, []).append((m.kind.value, m.leg))
    rows = []
    for e in events:
        if isinstance(e, AggregationEvent):
            objects = e.child_epcs + tuple(q.epc_class for q in e.child_quantities)
        else:
            objects = e.epcs + tuple(q.epc_class for q in e.quantities)
        parent = None if isinstance(e, ObjectEvent) else e.parent_id
        rows.append(EventRow(e, objects, parent, tuple(moved.get(e.event_id, ()))))
    return rows


def _packing(events: Sequence[TrackingEvent], keys: set[str]) -> list[Packing]:
    out: list[Packing] = []
    for e in events:
        if not isinstance(e, AggregationEvent) or e.parent_id is None:
            continue
        parent = _norm(e.parent_id)
        children = [_norm(c) for c in (*e.child_epcs, *(q.epc_class for q in e.child_quantities))]
        if parent in keys:
            out.extend(Packing("contains", child, e.action.value, e.event_time, e.location) for child in children)
        elif keys.intersection(children):
            out.append(Packing("packed_in", parent, e.action.value, e.event_time, e.location))
    return out


def status_changes(c: Consignment) -> list[StatusChange]:
    """The status changes its milestones made, replayed from the booking (storage keeps the milestones)."""
    if c.history:
        return list(c.history)
    replayed = fresh(c)
    try:
        for m in c.milestones:
            replayed.record(m)
    except (ValidationFailed, IllegalTransition):  # pragma: no cover - stored milestones replay as they were made
        return []
    return replayed.history


@dataclass(frozen=True, slots=True)
class LegRow:
    index: int
    mode: str
    carrier: str
    origin: str
    destination: str
    planned_departure: datetime
    planned_arrival: datetime
    actual_departure: datetime | None
    actual_arrival: datetime | None
    delay_minutes: float | None  # arrival against plan (departure while still moving); negative: early
    ends_at_border: bool
    culprit: bool


def _legs(b: Booked, clock: ClockView) -> list[LegRow]:
    rows = []
    for i, leg in enumerate(b.consignment.legs):
        delay = leg.arrival_delay if leg.arrival_delay is not None else leg.departure_delay
        rows.append(
            LegRow(
                index=i,
                mode=leg.mode.value,
                carrier=leg.carrier,
                origin=leg.origin,
                destination=leg.destination,
                planned_departure=leg.planned_departure,
                planned_arrival=leg.planned_arrival,
                actual_departure=leg.actual_departure,
                actual_arrival=leg.actual_arrival,
                delay_minutes=None if delay is None else delay.total_seconds() / 60,
                ends_at_border=leg.ends_at_border,
                culprit=clock.culprit_leg == i and clock.state != SlaStatus.ON_TIME.value,
            )
        )
    return rows


@router.get("/freight/consignments/{consignment_id}", response_class=HTMLResponse)
def consignment_detail(
    request: Request, consignment_id: str, viewer: CurrentViewer, uow: Uow, luow: LogisticsUow, done: str = ""
) -> HTMLResponse:
    actor = _allowed(viewer)
    booked, result = logistics.get_consignment(luow, actor, consignment_id)
    now = clock_now(request)
    history = logistics.history(luow, actor, booked.id)
    with luow:  # the consignment is visible to this viewer: so is its alert
        alert: Alert | None = luow.alerts.find(booked.id, "breached")
    clock = clock_view(booked.consignment.corridor, result, now)
    corridor = booked.consignment.corridor
    level = None if corridor is None else luow.service_levels.get(corridor)
    events = list(history.events)
    context = {
        "b": booked,
        "c": booked.consignment,
        "owner": _names(uow, actor, [booked.enterprise_id])[booked.enterprise_id],
        "clock": clock,
        "level": level,
        "alert": alert,
        "legs": _legs(booked, clock),
        "events": list(reversed(_event_rows(events, booked))),
        "packing": _packing(events, set(history.keys)),
        "keys": sorted(history.keys),
        "changes": list(reversed(status_changes(booked.consignment))),
        "tracking_status": None if history.status is None else history.status.value,
        "message": _("Alert acknowledged.") if done == "acknowledged" else None,
    }
    return render(request, "freight/detail.html", context, viewer=viewer, active="freight")


@router.post("/freight/alerts/{alert_id}/acknowledge", response_class=HTMLResponse)
def acknowledge_alert(
    request: Request, alert_id: str, viewer: CurrentViewer, form: Form, luow: LogisticsUow
) -> Response:
    """Acknowledge a breach alert (once; again changes nothing), then back to its consignment."""
    require_csrf(request, form)
    actor = _allowed(viewer)
    alert = logistics.acknowledge_alert(luow, actor, alert_id)
    target = f"/freight/consignments/{alert.consignment_id}?done=acknowledged"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


# --- corridor clocks ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChartBar:
    corridor: str
    share: Decimal  # 0-1
    finished: int
    on_time: int
    x: int
    y: Decimal
    height: Decimal
    grade: str  # good | fair | poor

    @property
    def percent(self) -> str:
        return f"{self.share * 100:.1f}"


#: the chart's geometry (SVG user units): bars grow up from BASELINE, 100 % is PLOT_TOP
CHART_HEIGHT = 200
PLOT_TOP = 28
BASELINE = 160
BAR_WIDTH = 44
BAR_STEP = 90
CHART_LEFT = 44


def compliance_bars(figures: Iterable[CorridorMonth]) -> list[ChartBar]:
    """One bar per corridor with finished clocks: its share on time as a height out of the plot's 100 %."""
    bars = []
    span = Decimal(BASELINE - PLOT_TOP)
    for i, f in enumerate(sorted((f for f in figures if f.share_on_time is not None), key=lambda f: f.corridor)):
        share = f.share_on_time or Decimal(0)
        height = (span * share).quantize(Decimal("0.1"))
        grade = "good" if share >= Decimal("0.95") else "fair" if share >= Decimal("0.80") else "poor"
        x = CHART_LEFT + 16 + i * BAR_STEP
        bars.append(ChartBar(f.corridor, share, f.finished, f.on_time, x, Decimal(BASELINE) - height, height, grade))
    return bars


#: months of the compliance trend on the corridor page (the chosen month and those before it)
TREND_MONTHS = 6


def _month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_up_to(month: str, count: int) -> list[str]:
    """``count`` months ending with ``month`` (YYYY-MM), oldest first."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1
    return [_month_name(i) for i in range(index - count + 1, index + 1)]


def _month(value: str, now: datetime) -> tuple[str, str, str]:
    """The month asked for (default: this zone month), with the months before and after it."""
    raw = value.strip() or local(now).strftime("%Y-%m")
    found = MONTH_RE.match(raw)
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1900:
        raise ValidationFailed(FieldError("month", _("%(value)s is not a month like 2025-09", value=repr(value))))
    index = int(found.group(1)) * 12 + int(found.group(2)) - 1
    return _month_name(index), _month_name(index - 1), _month_name(index + 1)


@dataclass(frozen=True, slots=True)
class CorridorRow:
    level: ServiceLevel
    figure: CorridorMonth | None
    open_breaches: int
    late_finished: int


@router.get("/freight/corridors", response_class=HTMLResponse)
def corridors(request: Request, viewer: CurrentViewer, uow: Uow, luow: LogisticsUow, month: str = "") -> HTMLResponse:
    actor = _allowed(viewer)
    now = clock_now(request)
    chosen, previous, following = _month(month, now)
    levels = luow.service_levels
    figures = logistics.figures(luow, actor, chosen)
    months = months_up_to(chosen, TREND_MONTHS)
    trend: dict[str, dict[str, CorridorMonth]] = {chosen: {f.corridor: f for f in figures}}
    for m in months[:-1]:
        trend[m] = {f.corridor: f for f in logistics.figures(luow, actor, m)}
    breached = logistics.list_consignments(luow, actor, ConsignmentFilter(clock=SlaStatus.BREACHED), None, BREACH_LIMIT)
    breach_rows = [r for r in _rows(uow, actor, levels, breached.items, now) if r.clock.state == "breached"]
    open_rows = [r for r in breach_rows if r.clock.phase == "open"]
    by_corridor = {f.corridor: f for f in figures}
    table = [
        CorridorRow(
            level,
            by_corridor.get(code),
            sum(1 for r in open_rows if r.clock.corridor == code),
            sum(1 for r in breach_rows if r.clock.corridor == code and r.clock.phase == "finished"),
        )
        for code, level in sorted(levels.items())
    ]
    bars = compliance_bars(figures)
    alerts = logistics.list_alerts(luow, actor, False, None, 20)
    context = {
        "month": chosen,
        "previous": previous,
        "following": following if following <= local(now).strftime("%Y-%m") else None,
        "table": table,
        "months": months,
        "trend": trend,
        "bars": bars,
        "chart": {
            "width": max(420, CHART_LEFT + 16 + len(bars) * BAR_STEP),
            "height": CHART_HEIGHT,
            "top": PLOT_TOP,
            "base": BASELINE,
            "mid": (PLOT_TOP + BASELINE) // 2,
            "left": CHART_LEFT,
            "bar_width": BAR_WIDTH,
        },
        "open_breaches": sorted(open_rows, key=lambda r: r.clock.left, reverse=True),
        "more_breaches": breached.next_cursor is not None,
        "alerts": alerts.items,
        "owner_column": not actor.is_enterprise_bound,
        "finished_total": sum(f.finished for f in figures),
        "on_time_total": sum(f.on_time for f in figures),
    }
    return render(request, "freight/corridors.html", context, viewer=viewer, active="freight")


# --- TIR transports ----------------------------------------------------------------------------------------

#: each operation's steps, in the order they happen: (the eTIR pair, the attribute holding its time)
OPERATION_STEPS = (
    ("I7/I8", "accepted_at"),
    ("I9/I10", "started_at"),
    ("I11/I12", "terminated_at"),
    ("I13/I14", "discharged_at"),
    ("I17/I18", "refused_at"),
)


@dataclass(frozen=True, slots=True)
class TransportRow:
    t: TirTransport
    guarantee: Guarantee | None
    guarantee_state: str | None
    holder: str
    latest_pair: str | None
    latest_operation: int | None
    latest_at: datetime | None

    @property
    def departure(self) -> str:
        return self.t.operations[0].office_of_start

    @property
    def destination(self) -> str:
        return self.t.operations[-1].office_of_end

    @property
    def countries(self) -> list[str]:
        return [o.country for o in self.t.operations]


def _guarantees(tuow: TransitUnitOfWork, actor: Actor, refs: Iterable[str]) -> dict[str, Guarantee]:
    found: dict[str, Guarantee] = {}
    for ref in set(refs):
        try:
            found[ref] = transit.query_guarantee(tuow, actor, ref)
        except DomainError:
            continue
    return found


def _transport_rows(
    uow: Uow, tuow: TransitUnitOfWork, actor: Actor, items: Sequence[TirTransport], now: datetime
) -> list[TransportRow]:
    guarantees = _guarantees(tuow, actor, (t.guarantee_reference for t in items))
    names = _names(uow, actor, (t.holder_enterprise_id for t in items)) if not actor.is_enterprise_bound else {}
    rows = []
    for t in items:
        g = guarantees.get(t.guarantee_reference)
        last = t.messages[-1] if t.messages else None
        rows.append(
            TransportRow(
                t=t,
                guarantee=g,
                guarantee_state=None if g is None else g.state_at(now).value,
                holder=names.get(t.holder_enterprise_id, ""),
                latest_pair=None if last is None else last.pair.value,
                latest_operation=None if last is None else last.operation,
                latest_at=None if last is None else last.at,
            )
        )
    return rows


@router.get("/freight/tir", response_class=HTMLResponse)
def transport_list(
    request: Request,
    viewer: CurrentViewer,
    uow: Uow,
    tuow: TransitUow,
    state: str = "",
    cursor: str = "",
) -> HTMLResponse:
    actor = _allowed(viewer)
    chosen = choice("state", state, TransportState)
    try:
        page = transit.list_transports(
            tuow, actor, state=chosen, guarantee_reference=None, limit=PAGE_SIZE, cursor=cursor or None
        )
    except ValueError:  # a cursor that decodes but holds no time: not one this server issued
        raise ValidationFailed(FieldError("cursor", _("is not a cursor this server issued"))) from None
    more_url = None
    if page.next_cursor:
        more_url = "/freight/tir?" + urlencode({**({"state": state} if state else {}), "cursor": page.next_cursor})
    context = {
        "rows": _transport_rows(uow, tuow, actor, page.items, clock_now(request)),
        "owner_column": not actor.is_enterprise_bound,
        "states": list(TransportState),
        "filters": {"state": state},
        "more_url": more_url,
        "first_page": not cursor,
    }
    template = "freight/_tir_rows.html" if is_htmx(request) else "freight/tir_list.html"
    response = render(request, template, context, viewer=viewer, active="freight")
    response.headers["Vary"] = "HX-Request"
    return response


@dataclass(frozen=True, slots=True)
class OperationRow:
    o: Operation
    steps: list[tuple[str, datetime]]  # (eTIR pair, when) in order
    w2w_minutes: float | None
    running_minutes: float | None  # started, not yet terminated: since the start


def _operation_rows(t: TirTransport, now: datetime) -> list[OperationRow]:
    rows = []
    for o in t.operations:
        steps = [(pair, at) for pair, name in OPERATION_STEPS if (at := getattr(o, name)) is not None]
        w2w = None if o.w2w is None else o.w2w.total_seconds() / 60
        running = _minutes(o.started_at, now) if o.started_at is not None and o.terminated_at is None else None
        rows.append(OperationRow(o, steps, w2w, running))
    return rows


@router.get("/freight/tir/{transport_id}", response_class=HTMLResponse)
def transport_detail(
    request: Request, transport_id: str, viewer: CurrentViewer, uow: Uow, tuow: TransitUow
) -> HTMLResponse:
    actor = _allowed(viewer)
    t, g = transit.get_transport(tuow, actor, transport_id)
    now = clock_now(request)
    context = {
        "t": t,
        "g": g,
        "guarantee_state": g.state_at(now).value,
        "holder": _names(uow, actor, [t.holder_enterprise_id])[t.holder_enterprise_id],
        "operations": _operation_rows(t, now),
        "messages": list(reversed(t.messages)),
        "w2w_minutes": None if t.w2w is None else t.w2w.total_seconds() / 60,
    }
    return render(request, "freight/tir_detail.html", context, viewer=viewer, active="freight")
