"""Web pages of clearance: the declaration list, one declaration with its lane, taxes and timeline, the filing
form with inline validation, and the officers' workbench.

The pages drive the same services as the API (``silkport.clearance.services.handlers``); rules, scoping and
authorisation stay there. Actions are plain POST forms carrying the session's CSRF token: on success they
redirect (303) back to the declaration with a short message, a domain error re-renders the page with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from silkport.clearance.api import OFFICER_ROLES, present
from silkport.clearance.domain.model import (
    FINAL,
    TRANSITIONS,
    Declaration,
    DeclarationType,
    Finding,
    Incoterm,
    Lane,
    Settlement,
    Stage,
    Status,
    TransportMode,
)
from silkport.clearance.schemas import DeclarationIn, DeclarationOut
from silkport.clearance.services import handlers as clearance
from silkport.clearance.services.handlers import ClearanceConfig
from silkport.clearance.services.ports import ClearanceUnitOfWork, DeclarationFilter
from silkport.enterprises.domain.model import EnterpriseStatus
from silkport.enterprises.services import handlers as enterprises
from silkport.enterprises.services.ports import EnterpriseFilter
from silkport.entrypoints.web import i18n, reasons
from silkport.entrypoints.web.i18n import N_, gettext
from silkport.entrypoints.web.pages import (
    CurrentViewer,
    Form,
    PageRoute,
    Uow,
    Viewer,
    ZoneUow,
    choice,
    clock_now,
    is_htmx,
    render,
    require_csrf,
    templates,
)
from silkport.infra.web import service
from silkport.shared.actor import Actor, Role
from silkport.shared.codes import all_countries, all_currencies
from silkport.shared.errors import (
    Conflict,
    DomainError,
    FieldError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from silkport.zone.services import handlers as zone_handlers

ClearanceUow = Annotated[ClearanceUnitOfWork, Depends(service("clearance"))]
Config = Annotated[ClearanceConfig, Depends(service("clearance_config"))]

router = APIRouter(include_in_schema=False, route_class=PageRoute)

PAGE_SIZE = 25
MAX_ITEMS = 50
FILERS = clearance.FILERS
OFFICERS = clearance.OFFICERS
SUPERVISORS = frozenset({Role.CUSTOMS_SUPERVISOR})
#: roles that confirm the goods' arrival and exit from a page (traders do it through their gate systems)
GATE_ROLES = OFFICERS | {Role.ADMIN}
#: the form files imports and exports; transit and bonded declarations come through the API and trade formats
FORM_TYPES = (DeclarationType.IMPORT, DeclarationType.EXPORT)


# --- form helpers -------------------------------------------------------------------------------------------


def _text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _required(form: FormData, name: str, label: str) -> str:
    value = _text(form, name)
    if not value:
        raise ValidationFailed(FieldError(name, gettext("%(label)s is required", label=gettext(label))))
    return value


# --- presentation ------------------------------------------------------------------------------------------


def duration(minutes: float | None) -> str:
    """Minutes in a few words: '0 min', '35 min', '2 h 05 min', '3 d 4 h' (in the request's language)."""
    return i18n.duration(minutes)


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def slug(name: str) -> str:
    """An HTML id for a form field name: 'items[0].hs_code' -> 'items-0--hs_code'."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


def _money(value: Any, currency: str | None = None) -> str:
    """Two decimals with the request's language's separators: '1,234.50', '1 234,50'."""
    return i18n.money(value, currency)


# the templates are pages.py's: same environment, same filters; these add clearance's own
templates.env.filters["duration"] = duration
templates.env.filters["slug"] = slug
templates.env.filters["money"] = _money


def _start(d: Declaration) -> datetime | None:
    times = [t for s, t in d.stages.items() if s in (Stage.LODGEMENT, Stage.ARRIVAL)]
    return min(times) if times else None


def _end(d: Declaration, now: datetime) -> datetime:
    if Stage.RELEASE in d.stages:
        return d.stages[Stage.RELEASE]
    if d.status in FINAL and d.history:
        return d.history[-1].at
    return now


def clearance_minutes(d: Declaration, now: datetime) -> float | None:
    """From lodgement (or arrival, when earlier) to release; still running while it is not released."""
    start = _start(d)
    return _minutes(start, _end(d, now)) if start else None


@dataclass(frozen=True, slots=True)
class Row:
    d: Declaration
    declarant: str
    lodged: datetime | None
    minutes: float | None
    running: bool
    waiting: float  # minutes since the last status change


def _declarant_names(uow: Uow, actor: Actor, ids: Iterable[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for enterprise_id in set(ids):
        try:
            names[enterprise_id] = enterprises.get_enterprise(uow, actor, enterprise_id).details.name_en
        except DomainError:
            names[enterprise_id] = enterprise_id
    return names


def _rows(uow: Uow, actor: Actor, items: Sequence[Declaration], now: datetime) -> list[Row]:
    names = _declarant_names(uow, actor, (d.content.declarant_id for d in items))
    rows = []
    for d in items:
        changed = d.history[-1].at if d.history else now
        rows.append(
            Row(
                d=d,
                declarant=names.get(d.content.declarant_id, d.content.declarant_id),
                lodged=d.stages.get(Stage.LODGEMENT),
                minutes=clearance_minutes(d, now),
                running=Stage.RELEASE not in d.stages and d.status not in FINAL,
                waiting=_minutes(changed, now),
            )
        )
    return rows


# --- the list ----------------------------------------------------------------------------------------------


@router.get("/declarations", response_class=HTMLResponse)
def declaration_list(
    request: Request,
    viewer: CurrentViewer,
    uow: Uow,
    zone_uow: ZoneUow,
    cuow: ClearanceUow,
    status: str = "",
    lane: str = "",
    office: str = "",
    type: str = "",
    cursor: str = "",
) -> HTMLResponse:
    flt = DeclarationFilter(
        office=office or None,
        status=choice("status", status, Status),
        lane=choice("lane", lane, Lane),
        type=choice("type", type, DeclarationType),
    )
    page = clearance.list_declarations(cuow, viewer.actor, flt, cursor or None, PAGE_SIZE)
    filters = {"status": status, "lane": lane, "office": office, "type": type}
    more_url = None
    if page.next_cursor:
        query = {**{k: v for k, v in filters.items() if v}, "cursor": page.next_cursor}
        more_url = "/declarations?" + urlencode(query)
    context = {
        "rows": _rows(uow, viewer.actor, page.items, clock_now(request)),
        "officer": viewer.actor.role in OFFICER_ROLES,
        "more_url": more_url,
        "filters": filters,
        "statuses": list(Status),
        "lanes": list(Lane),
        "types": list(DeclarationType),
        "offices": zone_handlers.list_ports(zone_uow),
        "can_file": viewer.actor.role in FILERS,
        "first_page": not cursor,
        "partial": is_htmx(request),
    }
    template = "declarations/_rows.html" if is_htmx(request) else "declarations/list.html"
    response = render(request, template, context, viewer=viewer, active="declarations")
    response.headers["Vary"] = "HX-Request"
    return response


# --- the workbench -----------------------------------------------------------------------------------------


@router.get("/workbench", response_class=HTMLResponse)
def workbench(request: Request, viewer: CurrentViewer, uow: Uow, cuow: ClearanceUow, office: str = "") -> HTMLResponse:
    actor = viewer.actor
    if actor.role not in OFFICERS:
        raise PermissionDenied(gettext("a %(role)s has no customs workbench", role=i18n.in_sentence(actor.role.label)))
    now = clock_now(request)
    page = clearance.queue(cuow, actor, office or None, None, None, 200)
    rows = sorted(_rows(uow, actor, page.items, now), key=lambda r: -r.waiting)
    workload = []
    avoided: list[dict[str, Any]] = []
    if actor.role in SUPERVISORS:
        for s in clearance.workload(cuow, actor, office or None):
            age = _minutes(s.oldest_lodged, now) if s.oldest_lodged else None
            workload.append({"office": s.office, "status": s.status, "lane": s.lane, "count": s.count, "age": age})
        avoided = _avoided_bars(clearance.inspections_avoided(cuow, actor, _months_back(now.date(), 11), now.date()))
    context = {
        "rows": rows,
        "office": office or actor.office_code,
        "workload": workload,
        "avoided": avoided,
        "avoided_total": sum(b["count"] for b in avoided),
        "supervisor": actor.role in SUPERVISORS,
        "more": page.next_cursor is not None,
    }
    return render(request, "declarations/workbench.html", context, viewer=viewer, active="workbench")


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _avoided_bars(months: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """The bars of the streamlined-highway chart: x, height (of 100) and label per month."""
    top = max((n for _, n in months), default=0) or 1
    return [
        {"month": m, "count": n, "x": i * 40, "height": round(100 * n / top, 1), "label": m[2:].replace("-", "/")}
        for i, (m, n) in enumerate(months)
    ]


# --- the filing form ---------------------------------------------------------------------------------------

#: the header fields of the form, in the order a declarant fills them in, with their labels
HEADER_FIELDS = {
    "type": N_("Declaration type"),
    "declarant": N_("Declarant"),
    "lrn": N_("Your reference (LRN)"),
    "office": N_("Customs office"),
    "consignor.name": N_("Consignor"),
    "consignor.country": N_("Consignor country"),
    "consignor.identifier": N_("Consignor identifier"),
    "consignee.name": N_("Consignee"),
    "consignee.country": N_("Consignee country"),
    "transport_mode": N_("Mode of transport"),
    "transport_id": N_("Means of transport"),
    "dispatch_country": N_("Country of dispatch"),
    "origin_country": N_("Country of origin"),
    "destination_country": N_("Country of destination"),
    "loading_locode": N_("Place of loading"),
    "unloading_locode": N_("Place of unloading"),
    "incoterm": N_("Incoterm"),
    "invoice_currency": N_("Invoice currency"),
    "invoice_amount": N_("Invoice amount"),
    "freight": N_("Freight"),
    "insurance": N_("Insurance"),
    "exchange_rate": N_("Exchange rate"),
    "exchange_rate_date": N_("Rate date"),
    "invoice_reference": N_("Invoice number"),
}
ITEM_FIELDS = {
    "hs_code": N_("HS code"),
    "description": N_("Description"),
    "quantity": N_("Quantity"),
    "unit": N_("Unit"),
    "gross_mass_kg": N_("Gross kg"),
    "net_mass_kg": N_("Net kg"),
    "value": N_("Value"),
    "origin_country": N_("Origin"),
    "licences": N_("Licences"),
}
ITEM_RE = re.compile(r"^items\[(\d{1,3})\]\.(\w+)$")
UPPER = {
    "consignor.country",
    "consignee.country",
    "dispatch_country",
    "origin_country",
    "destination_country",
    "loading_locode",
    "unloading_locode",
    "invoice_currency",
}
DECIMALS = ("invoice_amount", "freight", "insurance", "exchange_rate")
ITEM_DECIMALS = ("quantity", "gross_mass_kg", "net_mass_kg", "value")


@dataclass(slots=True)
class FilingForm:
    values: dict[str, Any]  # header fields by name
    items: list[tuple[int, dict[str, str]]]  # (the row's index in the form, its fields)
    pre_arrival: bool
    errors: dict[str, list[str]]  # by form field name; "form" for what belongs to no field
    body: DeclarationIn | None = None

    @property
    def ok(self) -> bool:
        return self.body is not None and not any(self.errors.values())

    @property
    def next_index(self) -> int:
        return max((i for i, _ in self.items), default=-1) + 1


def _item_values(raw: Mapping[str, str] | None = None) -> dict[str, str]:
    values = dict.fromkeys(ITEM_FIELDS, "")
    values.update(raw or {})
    return values


def read_filing_form(form: FormData, actor: Actor) -> FilingForm:
    values = {name: _text(form, name, 500) for name in HEADER_FIELDS}
    for name in UPPER:
        values[name] = values[name].upper()
    if actor.is_enterprise_bound:
        values["declarant"] = actor.enterprise_id or ""
    rows: dict[int, dict[str, str]] = {}
    for key in form:
        found = ITEM_RE.match(key)
        if found and found.group(2) in ITEM_FIELDS:
            rows.setdefault(int(found.group(1)), {})[found.group(2)] = _text(form, key, 500)
    items = [(i, _item_values(rows[i])) for i in sorted(rows)[:MAX_ITEMS]]
    for _, item in items:
        item["unit"] = item["unit"].upper()
        item["origin_country"] = item["origin_country"].upper()
    pre_arrival = _text(form, "pre_arrival").lower() in ("true", "on", "1", "yes")
    return FilingForm(values=values, items=items, pre_arrival=pre_arrival, errors={})


def _payload(f: FilingForm) -> dict[str, Any]:
    v = f.values

    def number(raw: str) -> str:
        return raw.replace(",", "").replace(" ", "")

    payload: dict[str, Any] = {
        "type": v["type"],
        "declarant": v["declarant"] or None,
        "lrn": v["lrn"] or None,
        "office": v["office"],
        "consignor": {
            "name": v["consignor.name"],
            "country": v["consignor.country"],
            "identifier": v["consignor.identifier"] or None,
        },
        "consignee": {"name": v["consignee.name"], "country": v["consignee.country"]},
        "transport_mode": v["transport_mode"],
        "transport_id": v["transport_id"],
        "dispatch_country": v["dispatch_country"],
        "origin_country": v["origin_country"],
        "destination_country": v["destination_country"],
        "loading_locode": v["loading_locode"],
        "unloading_locode": v["unloading_locode"],
        "incoterm": v["incoterm"],
        "invoice_currency": v["invoice_currency"],
        "invoice_amount": number(v["invoice_amount"]),
        "freight": number(v["freight"]) or "0",
        "insurance": number(v["insurance"]) or "0",
        "exchange_rate": number(v["exchange_rate"]),
        "exchange_rate_date": v["exchange_rate_date"],
        "items": [
            {
                **{k: item[k] for k in ("hs_code", "description", "unit", "origin_country")},
                **{k: number(item[k]) for k in ITEM_DECIMALS},
                "licences": [x for x in re.split(r"[\s,;]+", item["licences"]) if x],
            }
            for _, item in f.items
        ],
        "documents": [{"kind": "invoice", "reference": v["invoice_reference"]}] if v["invoice_reference"] else [],
    }
    return payload


#: stand-ins for malformed values, so the domain's checks still run on the rest of the form
_STAND_INS = {"decimal": "1", "date": "2000-01-01", "enum": None}


def _form_field(field: str, f: FilingForm) -> str:
    """The form's name for a field the schema or the domain named: items[i] is the i-th row shown."""
    found = re.match(r"^items\[(\d+)\](.*)$", field)
    if found:
        pos = int(found.group(1))
        rest = found.group(2)
        if pos < len(f.items):
            return f"items[{f.items[pos][0]}]{rest}"
        return "items"
    if field.startswith("documents"):
        return "invoice_reference"
    return field


def _pydantic_message(err: Mapping[str, Any]) -> str:
    kind = str(err.get("type", ""))
    if kind == "missing":
        return gettext("is required")
    if kind == "string_too_short":
        return gettext("is required")
    if kind == "string_too_long":
        return gettext("at most %(n)s characters", n=err.get("ctx", {}).get("max_length"))
    if kind.startswith("decimal"):
        return gettext("must be a number, e.g. 1200.50")
    if kind.startswith("date"):
        return gettext("must be a date (YYYY-MM-DD)")
    if kind == "enum":
        return gettext("choose one of the options")
    if kind == "too_short":
        return gettext("add at least one goods item")
    return str(err.get("msg", "is not valid")).removeprefix("Value error, ")


def _loc(loc: Iterable[Any]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def check_filing_form(f: FilingForm, config: ClearanceConfig, cuow: ClearanceUnitOfWork) -> FilingForm:
    """Field errors of the form: the schema's first (a malformed number), then the domain's (an unknown HS code)."""
    payload = _payload(f)
    errors: dict[str, list[str]] = {}
    body: DeclarationIn | None = None
    stood_in: set[str] = set()
    for _ in range(3):  # each round replaces the malformed values by stand-ins, to run the domain's rules
        try:
            body = DeclarationIn.model_validate(payload)
            break
        except ValidationError as exc:
            for err in exc.errors():
                name = _loc(err["loc"])
                if name not in stood_in:
                    errors.setdefault(_form_field(name, f), []).append(_pydantic_message(err))
                    stood_in.add(name)
                _stand_in(payload, list(err["loc"]), str(err.get("type", "")))
    if body is None:
        f.errors = errors
        return f
    content = body.to_content(f.values["declarant"])
    with cuow:
        rulebook = cuow.rulebooks.active()
    result = clearance.check(content, config, rulebook)
    for problem in result.errors:
        if problem.field in stood_in or (problem.field == "invoice_amount" and stood_in):
            continue  # a stand-in's consequence, not the user's
        errors.setdefault(_form_field(problem.field, f), []).append(i18n.field_message(problem))
    if not f.values["declarant"]:
        errors.setdefault("declarant", []).append(gettext("choose the enterprise that declares"))
    f.errors = errors
    f.body = body if not stood_in else None
    return f


def _stand_in(payload: dict[str, Any], loc: list[Any], kind: str) -> None:
    target: Any = payload
    for part in loc[:-1]:
        try:
            target = target[part]
        except (KeyError, IndexError, TypeError):
            return
    key = loc[-1] if loc else None
    if key is None or not isinstance(target, dict | list):
        return
    if kind.startswith("decimal"):
        target[key] = _STAND_INS["decimal"]
    elif kind.startswith("date"):
        target[key] = _STAND_INS["date"]
    elif kind == "enum" and isinstance(target, dict):
        target[key] = {"type": "import", "transport_mode": "road", "incoterm": "CIF"}.get(str(key), "import")
    elif kind in ("string_too_short", "missing") and isinstance(target, dict):
        target[key] = "X" * 3 if str(key) != "invoice_currency" else "CNY"
    elif kind == "string_too_long" and isinstance(target, dict):
        target[key] = str(target[key])[:3]
    elif kind == "too_short" and isinstance(target, dict):
        target[key] = target.get(key) or []


def field_label(name: str) -> str:
    """A form field's name as a reader says it: 'items[1].hs_code' -> 'Item 2 · HS code'."""
    found = ITEM_RE.match(name)
    if found:
        field = gettext(ITEM_FIELDS.get(found.group(2), found.group(2)))
        return gettext("Item %(n)s · %(field)s", n=int(found.group(1)) + 1, field=field)
    return gettext(HEADER_FIELDS.get(name, name.replace("_", " ").capitalize()))


def _require_filer(viewer: Viewer) -> None:
    if viewer.actor.role not in FILERS:
        raise PermissionDenied(
            gettext("a %(role)s may not file declarations", role=i18n.in_sentence(viewer.actor.role.label))
        )


def _form_context(request: Request, viewer: Viewer, uow: Uow, zone_uow: ZoneUow, f: FilingForm) -> dict[str, Any]:
    declarants: list[tuple[str, str]] = []
    if not viewer.actor.is_enterprise_bound:
        flt = EnterpriseFilter(status=EnterpriseStatus.ACTIVE)
        page = enterprises.list_enterprises(uow, viewer.actor, flt, "name_en", False, None, 500)
        declarants = [(e.id, e.details.name_en) for e in page.items]
    return {
        "f": f,
        "values": f.values,
        "errors": f.errors,
        "labels": HEADER_FIELDS,
        "field_label": field_label,
        "item_labels": ITEM_FIELDS,
        "types": FORM_TYPES,
        "modes": list(TransportMode),
        "incoterms": list(Incoterm),
        "offices": [p for p in zone_handlers.list_ports(zone_uow) if p.active],
        "countries": sorted(((code, i18n.country(code)) for code in all_countries()), key=lambda kv: kv[1]),
        "currencies": sorted(all_currencies()),
        "declarants": declarants,
        "trader": viewer.actor.is_enterprise_bound,
    }


def _blank_form(request: Request, actor: Actor) -> FilingForm:
    today = clock_now(request).date().isoformat()
    values = dict.fromkeys(HEADER_FIELDS, "") | {
        "type": "import",
        "declarant": (actor.enterprise_id or "") if actor.is_enterprise_bound else "",
        "consignee.country": "CN",
        "destination_country": "CN",
        "transport_mode": "road",
        "incoterm": "CIF",
        "invoice_currency": "USD",
        "freight": "0",
        "insurance": "0",
        "exchange_rate_date": today,
    }
    return FilingForm(values=values, items=[(0, _item_values())], pre_arrival=True, errors={})


@router.get("/declarations/new", response_class=HTMLResponse)
def declaration_new(request: Request, viewer: CurrentViewer, uow: Uow, zone_uow: ZoneUow) -> HTMLResponse:
    _require_filer(viewer)
    context = _form_context(request, viewer, uow, zone_uow, _blank_form(request, viewer.actor))
    return render(request, "declarations/new.html", context, viewer=viewer, active="declarations")


@router.get("/declarations/new/item", response_class=HTMLResponse)
def declaration_item_row(request: Request, viewer: CurrentViewer, index: int = 1, remove: bool = False) -> Response:
    """One more goods item row (htmx), and the 'add item' button that will ask for the next one.

    ``remove=true`` answers nothing: the row's "Remove" button swaps itself out with htmx's ``delete``.
    """
    _require_filer(viewer)
    if not 0 <= index < 1000:
        raise ValidationFailed(FieldError("index", "must be between 0 and 999"))
    if remove:
        return Response(status_code=200)
    context = {"index": index, "item": _item_values(), "errors": {}, "item_labels": ITEM_FIELDS, "oob_button": True}
    return render(request, "declarations/_item.html", context, viewer=viewer)


@router.post("/declarations/validate-form", response_class=HTMLResponse)
def declaration_validate(
    request: Request, viewer: CurrentViewer, form: Form, config: Config, cuow: ClearanceUow
) -> HTMLResponse:
    """Inline validation: every field's error slot, filled for the fields the user has filled in, else cleared."""
    require_csrf(request, form)
    _require_filer(viewer)
    f = check_filing_form(read_filing_form(form, viewer.actor), config, cuow)
    slots: list[tuple[str, list[str]]] = []
    for name in HEADER_FIELDS:
        slots.append((name, f.errors.get(name, []) if f.values.get(name) else []))
    for index, item in f.items:
        for name in ITEM_FIELDS:
            key = f"items[{index}].{name}"
            filled = item.get(name) or (name == "licences" and item.get("hs_code"))
            slots.append((key, f.errors.get(key, []) if filled else []))
    known = {name for name, _ in slots}
    general = [f"{k}: {m}" for k, ms in f.errors.items() if k not in known and k != "declarant" for m in ms]
    context = {"slots": slots, "general": general}
    return render(request, "declarations/_validation.html", context, viewer=viewer)


@router.post("/declarations/new", response_class=HTMLResponse)
def declaration_create(
    request: Request,
    viewer: CurrentViewer,
    form: Form,
    uow: Uow,
    zone_uow: ZoneUow,
    cuow: ClearanceUow,
    config: Config,
) -> Response:
    require_csrf(request, form)
    _require_filer(viewer)
    f = check_filing_form(read_filing_form(form, viewer.actor), config, cuow)
    if not f.items:
        f.errors.setdefault("form", []).append(gettext("add at least one goods item"))
    if f.ok and f.body is not None:
        content = f.body.to_content(f.values["declarant"])
        try:
            outcome = clearance.file_declaration(cuow, viewer.actor, config, content, pre_arrival=f.pre_arrival)
        except ValidationFailed as exc:
            for e in exc.errors:
                f.errors.setdefault(_form_field(e.field, f), []).append(i18n.field_message(e))
        except Conflict as exc:
            name, sep, message = exc.detail.partition(": ")
            if sep and name in HEADER_FIELDS:
                f.errors.setdefault(name, []).append(message)
            else:
                f.errors.setdefault("form", []).append(exc.detail)
        else:
            return RedirectResponse(f"/declarations/{outcome.declaration.id}?done=filed", status_code=303)
    context = _form_context(request, viewer, uow, zone_uow, f)
    return render(request, "declarations/new.html", context, viewer=viewer, active="declarations", status_code=422)


# --- one declaration ---------------------------------------------------------------------------------------

STAGE_LABELS = {
    Stage.ARRIVAL: N_("Arrival"),
    Stage.LODGEMENT: N_("Lodgement"),
    Stage.ACCEPTANCE: N_("Acceptance"),
    Stage.RISK_ASSESSMENT: N_("Risk assessment"),
    Stage.DOCUMENT_CHECK: N_("Document check"),
    Stage.INSPECTION: N_("Inspection"),
    Stage.DUTY_PAYMENT: N_("Duty settled"),
    Stage.RELEASE: N_("Release"),
    Stage.EXIT: N_("Exit"),
}
STAGE_ORDER = {s: n for n, s in enumerate(Stage)}


@dataclass(frozen=True, slots=True)
class Step:
    stage: Stage
    label: str
    at: datetime
    after: float | None  # minutes since the previous step
    offset: float  # minutes since the first step


@dataclass(frozen=True, slots=True)
class Timeline:
    steps: list[Step]
    total: float  # minutes from the first step to the last (or to now, while running)
    running: bool
    pending: list[str]  # the stages still to come, as labels

    @property
    def segments(self) -> list[tuple[float, float, Stage]]:
        """(x, width, stage) in percent of the bar: the time spent reaching each step."""
        if not self.steps or self.total <= 0:
            return []
        out = []
        for prev, step in zip(self.steps, self.steps[1:], strict=False):
            out.append((100 * prev.offset / self.total, 100 * (step.offset - prev.offset) / self.total, step.stage))
        return out

    @property
    def open_segment(self) -> tuple[float, float] | None:
        if not self.running or not self.steps or self.total <= 0:
            return None
        x = 100 * self.steps[-1].offset / self.total
        return (x, 100 - x)

    def marker(self, step: Step) -> float:
        return 100 * step.offset / self.total if self.total > 0 else 0.0


def timeline(d: Declaration, now: datetime) -> Timeline:
    ordered = sorted(d.stages.items(), key=lambda kv: (kv[1], STAGE_ORDER[kv[0]]))
    steps: list[Step] = []
    for stage, at in ordered:
        after = _minutes(steps[-1].at, at) if steps else None
        offset = _minutes(ordered[0][1], at)
        steps.append(Step(stage, gettext(STAGE_LABELS[stage]), at, after, offset))
    running = d.status not in FINAL and Stage.EXIT not in d.stages
    end = now if running and Stage.RELEASE not in d.stages else (steps[-1].at if steps else now)
    total = _minutes(ordered[0][1], end) if steps else 0.0
    if steps and Stage.RELEASE in d.stages:
        running = False
    expected = [Stage.ARRIVAL, Stage.LODGEMENT, Stage.ACCEPTANCE, Stage.RISK_ASSESSMENT]
    if d.lane is Lane.YELLOW:
        expected.append(Stage.DOCUMENT_CHECK)
    if d.lane is Lane.RED:
        expected.append(Stage.INSPECTION)
    if d.settlement is Settlement.UNPAID:
        expected.append(Stage.DUTY_PAYMENT)
    expected += [Stage.RELEASE, Stage.EXIT]
    pending = [gettext(STAGE_LABELS[s]) for s in expected if s not in d.stages] if d.status not in FINAL else []
    return Timeline(steps, total, running, pending)


def allowed_actions(actor: Actor, d: Declaration) -> list[str]:
    """What this viewer may do to the declaration now (the services check it again)."""
    role, s = actor.role, d.status
    can: list[str] = []
    if role in FILERS:
        if (
            d.settlement is Settlement.UNPAID
            and s not in FINAL
            and s not in (Status.DRAFT, Status.LODGED, Status.ACCEPTED)
        ):
            can.append("pay")
        if s is Status.DOCUMENTS_REQUESTED:
            can.append("documents")
        if Status.INVALIDATED in TRANSITIONS[s]:
            can.append("withdraw")
    if role in OFFICERS:
        waiting = (Status.DOCUMENT_CHECK, Status.INSPECTION, Status.HELD, Status.DOCUMENTS_REQUESTED)
        if s in waiting and d.assigned_to != actor.user_id:
            can.append("claim")
        if s is Status.DOCUMENT_CHECK:
            can.append("document-check")
        if s is Status.INSPECTION:
            can.append("inspection")
        if s is Status.HELD and role in SUPERVISORS:
            can.append("release-hold")
    if role in GATE_ROLES:
        if not d.arrived and s not in FINAL and s is not Status.RELEASED:
            can.append("arrival")
        if s is Status.RELEASED:
            can.append("exit")
    if role in OFFICERS:
        can.append("audit-flag")
    return can


def _assignee(uow: Uow, viewer: Viewer, d: Declaration) -> str | None:
    if not d.assigned_to or viewer.actor.role not in OFFICER_ROLES:
        return None
    if d.assigned_to == viewer.actor.user_id:
        return "you"
    with uow:
        user = uow.users.get(d.assigned_to)
    return user.display_name if user else d.assigned_to


DONE = {
    "filed": N_("Declaration filed."),
    "pay": N_("Duty settlement recorded."),
    "documents": N_("Your documents were sent to customs."),
    "withdraw": N_("Declaration withdrawn."),
    "claim": N_("You claimed this declaration."),
    "document-check": N_("Document check decided."),
    "inspection": N_("Inspection recorded."),
    "arrival": N_("Arrival of the goods confirmed."),
    "exit": N_("Exit of the goods confirmed."),
    "audit-flag": N_("Flagged for post-clearance audit."),
    "release-hold": N_("Hold lifted."),
}


def _detail(
    request: Request,
    viewer: Viewer,
    uow: Uow,
    zone_uow: ZoneUow,
    cuow: ClearanceUow,
    declaration_id: str,
    *,
    done: str = "",
    error: str | None = None,
    status_code: int = 200,
    form_values: Mapping[str, str] | None = None,
) -> HTMLResponse:
    actor = viewer.actor
    d = clearance.get_declaration(cuow, actor, declaration_id)
    out: DeclarationOut = present(cuow, actor, d)
    officer = actor.role in OFFICER_ROLES
    rulebook = None
    if out.reasons and d.rulebook_version and i18n.current_locale() != i18n.DEFAULT_LOCALE:
        with cuow:
            rulebook = cuow.rulebooks.get(d.rulebook_version)
    now = clock_now(request)
    ports = {p.code: p for p in zone_handlers.list_ports(zone_uow)}
    history = [
        {
            "at": h.at,
            "actor": h.actor,
            "from": h.from_status,
            "to": h.to_status,
            "reason": reasons.translate_built_in(h.reason)
            if h.reason and (officer or h.actor.startswith(actor.username))
            else None,
        }
        for h in d.history
    ]
    context = {
        "d": d,
        "c": d.content,
        "out": out,
        "reasons": reasons.shown_reasons(rulebook, out.reasons, officer=officer),
        "officer": officer,
        "declarant": _declarant_names(uow, actor, [d.content.declarant_id])[d.content.declarant_id],
        "office": ports.get(d.content.office_code),
        "timeline": timeline(d, now),
        "minutes": clearance_minutes(d, now),
        "history": list(reversed(history)),
        "actions": allowed_actions(actor, d),
        "assignee": _assignee(uow, viewer, d),
        "message": gettext(DONE[done]) if done in DONE else None,
        "error": error,
        "form_values": form_values or {},
        "findings": [Finding.CONFORM, Finding.DISCREPANCY_PENALTY, Finding.DISCREPANCY_SEIZURE],
    }
    return render(
        request, "declarations/detail.html", context, viewer=viewer, active="declarations", status_code=status_code
    )


@router.get("/declarations/{declaration_id}", response_class=HTMLResponse)
def declaration_detail(
    request: Request,
    declaration_id: str,
    viewer: CurrentViewer,
    uow: Uow,
    zone_uow: ZoneUow,
    cuow: ClearanceUow,
    done: str = "",
) -> HTMLResponse:
    return _detail(request, viewer, uow, zone_uow, cuow, declaration_id, done=done)


def _pay(cuow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, did: str, form: FormData) -> None:
    method = _text(form, "method")
    if method not in (Settlement.PAID.value, Settlement.GUARANTEED.value):
        raise ValidationFailed(FieldError("method", "choose paid or guaranteed"))
    reference = _required(form, "reference", N_("a payment or guarantee reference"))
    clearance.settle(cuow, actor, did, Settlement(method), reference[:64])


def _documents(cuow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, did: str, form: FormData) -> None:
    clearance.provide_documents(cuow, actor, did, _required(form, "note", N_("a note on the documents"))[:1000])


def _withdraw(cuow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, did: str, form: FormData) -> None:
    clearance.invalidate(cuow, actor, did, _required(form, "reason", N_("a reason"))[:1000])


def _claim(cuow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, did: str, form: FormData) -> None:
    clearance.claim(cuow, actor, did)


def _document_check(cuow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, did: str, form: FormData) -> None:
    decision = _text(form, "decision")
    if decision not in ("approve", "request_documents", "reject", "inspect"):
        raise ValidationFailed(FieldError("decision", "choose approve, request documents, reject or inspect"))
    reason = _required(form, "reason", N_("a reason"))[:1000]
    clearance.decide_document_check(cuow, actor, did, decision, reason)


def _inspection(cuow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, did: str, form: FormData) -> None:
    method = _text(form, "method")
    if method not in ("scanner", "manual"):
        raise ValidationFailed(FieldError("method", "choose scanner or manual"))
    finding = _text(form, "finding")
    if finding not in (Finding.CONFORM, Finding.DISCREPANCY_PENALTY, Finding.DISCREPANCY_SEIZURE):
        raise ValidationFailed(FieldError("finding", "choose conform, discrepancy with penalty or seizure"))
    note = _required(form, "note", N_("a note on what was found"))[:2000]
    clearance.record_inspection(cuow, actor, config, did, method=method, finding=Finding(finding), note=note)


def _arrival(cuow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, did: str, form: FormData) -> None:
    clearance.confirm_arrival(cuow, actor, did)


def _exit(cuow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, did: str, form: FormData) -> None:
    clearance.confirm_exit(cuow, actor, did)


def _audit_flag(cuow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, did: str, form: FormData) -> None:
    clearance.flag_for_audit(cuow, actor, did, _required(form, "reason", N_("a reason"))[:1000])


def _release_hold(cuow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, did: str, form: FormData) -> None:
    clearance.resolve_hold(cuow, actor, did, _required(form, "reason", N_("a reason"))[:1000])


Action = Callable[[ClearanceUnitOfWork, Actor, ClearanceConfig, str, FormData], None]
ACTIONS: dict[str, Action] = {
    "pay": _pay,
    "documents": _documents,
    "withdraw": _withdraw,
    "claim": _claim,
    "document-check": _document_check,
    "inspection": _inspection,
    "arrival": _arrival,
    "exit": _exit,
    "audit-flag": _audit_flag,
    "release-hold": _release_hold,
}


def _readable(exc: DomainError, d: Declaration | None) -> str:
    if isinstance(exc, IllegalTransition):
        status = i18n.label(exc.current).lower()
        return gettext(
            "The declaration is %(status)s now: that action is not possible any more. The page shows what is.",
            status=status,
        )
    if isinstance(exc, ValidationFailed):
        messages = [i18n.field_message(e) for e in exc.errors]
        return "; ".join(m[:1].upper() + m[1:] for m in messages) + "."
    detail = i18n.error_message(exc)
    return detail[:1].upper() + detail[1:]


@router.post("/declarations/{declaration_id}/actions/{action}", response_class=HTMLResponse)
def declaration_action(
    request: Request,
    declaration_id: str,
    action: str,
    viewer: CurrentViewer,
    form: Form,
    uow: Uow,
    zone_uow: ZoneUow,
    cuow: ClearanceUow,
    config: Config,
) -> Response:
    require_csrf(request, form)
    run = ACTIONS.get(action)
    if run is None:
        raise NotFound(f"there is no action {action!r} on declarations")
    try:
        run(cuow, viewer.actor, config, declaration_id, form)
    except (Conflict, ValidationFailed) as exc:
        values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        return _detail(
            request,
            viewer,
            uow,
            zone_uow,
            cuow,
            declaration_id,
            error=_readable(exc, None),
            status_code=exc.status,
            form_values={"action": action, **values},
        )
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": f"/declarations/{declaration_id}?done={action}"})
    return RedirectResponse(f"/declarations/{declaration_id}?done={action}", status_code=303)
