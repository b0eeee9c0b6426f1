"""Web pages of the bonded ledgers: the role's overview, the ledger with running balances, a lot with its
movements and status history, fuel uplifts with the form to record one, maintenance work orders, and stocktakes
(the count sheet, the differences against the book, the customs decision).

The pages drive the bonded services (``silkport.bonded.services``): scoping and authorisation stay there, so a
stranger's lot or work order is a 404 page. Actions are POST forms with the session's CSRF token; a form carries
a key made when it was drawn, so a resubmitted form books nothing twice (the uplift's movement key, the
stocktake's key). A rejected form is shown again with the message beside each field.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.numbers import NumberFormatError, get_group_symbol, parse_decimal
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from starlette.datastructures import FormData

from silkport.bonded.domain.model import AccountKind, Category, CustomsStatus, InsufficientStock, quantity
from silkport.bonded.services import handlers, views
from silkport.bonded.services.handlers import CUSTOMS, OPERATORS, BondedConfig
from silkport.bonded.services.ports import BondedUnitOfWork
from silkport.entrypoints.web.i18n import (
    _,
    current_locale,
    error_message,
    field_message,
    in_sentence,
    money,
    number,
)
from silkport.entrypoints.web.pages import (
    CurrentViewer,
    Form,
    PageRoute,
    Viewer,
    clock_now,
    render,
    require_csrf,
    templates,
)
from silkport.infra.audit import AuditEntryRow
from silkport.infra.web import service
from silkport.shared.actor import Role
from silkport.shared.clock import local
from silkport.shared.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed

BondedUow = Annotated[BondedUnitOfWork, Depends(service("bonded"))]
Config = Annotated[BondedConfig, Depends(service("bonded_config"))]


def _factory(request: Request) -> Callable[[], BondedUnitOfWork]:
    factory: Callable[[], BondedUnitOfWork] = request.app.state.services["bonded"]
    return factory


Factory = Annotated[Callable[[], BondedUnitOfWork], Depends(_factory)]

router = APIRouter(include_in_schema=False, route_class=PageRoute)

#: the uplift form's fields, in the order they are filled in
UPLIFT_FIELDS = (
    "owner",
    "tank",
    "airline",
    "flight_number",
    "aircraft_registration",
    "next_airport",
    "litres_15c",
    "density_15c",
)
#: the services' field names as the form calls them
UPLIFT_FIELD_NAMES = {"quantity": "litres_15c", "airline_id": "airline"}
#: what a done=... redirect says (the template words it, translated)
DONE = frozenset(
    {"uplift", "reading", "declared", "stocktake", "decision", "alert", "admitted", "withdrawn", "loss", "loss_decided"}
)


# --- presentation ------------------------------------------------------------------------------------------


def qty(value: Any) -> str:
    """A quantity without trailing zeros, with the language's separators: '1,000', '52.5', '0'."""
    if value is None or value == "":
        return ""
    q = Decimal(str(value))
    return number(q.normalize() if q != 0 else Decimal(0))


def signed(value: Any) -> str:
    q = Decimal(str(value))
    return ("+" if q > 0 else "") + qty(q)


templates.env.filters["bqty"] = qty
templates.env.filters["bamount"] = money
templates.env.filters["bsigned"] = signed


def _page(request: Request, viewer: Viewer, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    actor = viewer.actor
    context = {
        "operator": actor.role in OPERATORS,
        "customs": actor.role in CUSTOMS,
        "staff": not actor.is_enterprise_bound,
        **context,
    }
    return render(request, template, context, viewer=viewer, active="bonded", status_code=status_code)


def _text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _day(name: str, value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(FieldError(name, _("%(value)s is not a date (YYYY-MM-DD)", value=repr(value)))) from None


def _new_key() -> str:
    return uuid.uuid4().hex


def _done(value: str) -> str:
    return value if value in DONE else ""


def _key(form: FormData) -> str:
    """The form's key (32 hex digits, made when the form was drawn); a new one if it is missing or malformed."""
    key = _text(form, "key", 64)
    return key if len(key) == 32 and all(c in "0123456789abcdef" for c in key) else _new_key()


_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _number(value: str) -> str:
    """A number as the reader types it in their language ('1,000.5'; Russian '1 000,5'), as a plain decimal string;
    '1000.5' is read the same in every language. What is no number is given on as typed: the service names it."""
    group = get_group_symbol(current_locale())
    text = value.strip()
    for space in (" ", "\u00a0", "\u202f"):
        text = text.replace(space, group if group.isspace() else "")
    if _PLAIN_NUMBER.match(text):
        return text
    try:
        return str(parse_decimal(text, locale=current_locale(), strict=True))
    except NumberFormatError:
        return value.strip()


# --- the overview ------------------------------------------------------------------------------------------


@router.get("/bonded", response_class=HTMLResponse)
def bonded_home(request: Request, viewer: CurrentViewer, uow: BondedUow, config: Config, done: str = "") -> Response:
    """The role's bonded business: stock per site and per lot with value and duty suspended, fuel, maintenance,
    alerts; links to the ledger, fuel, maintenance and stocktake pages."""
    actor = viewer.actor
    ov = views.overview(uow, actor, config)
    alerts = handlers.alerts(uow, actor, config)
    ageing = handlers.ageing(uow, actor)
    open_counts = sum(st.open for st in views.stocktakes(uow, actor))
    context = {
        "ov": ov,
        "alerts": alerts,
        "ageing": ageing,
        "done": _done(done),
        "open_counts": open_counts,
        "fuel_first": actor.role is Role.AIRLINE,
        "fuel_lots": [h for h in ov.holdings if h.lot.category.value == "fuel"],
        "stock_lots": [h for h in ov.holdings if h.lot.category.value != "fuel"],
    }
    return _page(request, viewer, "bonded/overview.html", context)


@router.post("/bonded/alerts/{alert_id}/close")
def close_alert(request: Request, viewer: CurrentViewer, form: Form, uows: Factory, alert_id: str) -> Response:
    """Customs closes a shortage alert with a note (closing it again is a 409: nothing changes)."""
    require_csrf(request, form)
    note = _text(form, "note", 500)
    if not note:
        raise ValidationFailed(FieldError("note", _("say how the shortage was settled")))
    handlers.close_alert(uows, viewer.actor, alert_id, note)
    return RedirectResponse("/bonded?done=alert#h-alerts", status_code=303)


# --- admitting goods --------------------------------------------------------------------------------------

#: the admission form's fields, in the order they are filled in (``site`` is the port, ``bin`` its bay or bin)
ADMIT_FIELDS = (
    "owner",
    "site",
    "bin",
    "declaration_ref",
    "hs_code",
    "description",
    "origin",
    "unit",
    "quantity",
    "value",
    "currency",
    "category",
    "status",
    "storage_days",
    "reexport_by",
    "loss_allowance_pct",
)
ADMIT_REQUIRED = (
    "site",
    "declaration_ref",
    "hs_code",
    "description",
    "origin",
    "unit",
    "quantity",
    "value",
    "currency",
)
#: what a keeper admits (fuel arrives by a fuel receipt, removed parts from a work order)
ADMIT_CATEGORIES = (Category.GOODS, Category.AWAITING_REPAIR, Category.REPAIR_MATERIAL)
ADMIT_STATUSES = (CustomsStatus.BONDED, CustomsStatus.DOMESTIC)
#: the longest text each field keeps
ADMIT_LIMITS = {"description": 300, "declaration_ref": 64, "owner": 32}


def _may_admit(viewer: Viewer) -> None:
    if viewer.actor.role not in OPERATORS:
        raise PermissionDenied(_("a %(role)s may not admit goods", role=in_sentence(viewer.actor.role.label)))


def _admit_values(viewer: Viewer, uow: BondedUnitOfWork, config: BondedConfig) -> dict[str, str]:
    """A new form: the port where the enterprise already keeps stock, kilograms, CNY, goods under bond."""
    values = dict.fromkeys(ADMIT_FIELDS, "")
    held = (
        [site for _owner, site, _lots in views.stock_sites(uow, viewer.actor)]
        if viewer.actor.is_enterprise_bound
        else []
    )
    ports = sorted(config.sites)
    values["site"] = next((site.split("/")[0] for site in held if site.split("/")[0] in config.sites), "")
    values["site"] = values["site"] or (ports[0] if ports else "")
    values["unit"] = "KGM" if "KGM" in config.units else next(iter(config.units), "")
    values["currency"] = "CNY"
    values["category"] = Category.GOODS.value
    values["status"] = CustomsStatus.BONDED.value
    values["key"] = _new_key()
    return values


def _admit_page(
    request: Request,
    viewer: Viewer,
    config: BondedConfig,
    values: dict[str, str],
    errors: dict[str, list[str]],
    status_code: int = 200,
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "ports": sorted(config.sites),
        "units": list(config.units),
        "categories": [c.value for c in ADMIT_CATEGORIES],
        "statuses": [c.value for c in ADMIT_STATUSES],
        "storage_days": config.storage_days,
        "reexport_days": config.reexport_days,
    }
    return _page(request, viewer, "bonded/admit.html", context, status_code=status_code)


@router.get("/bonded/admit", response_class=HTMLResponse)
def admit_page(request: Request, viewer: CurrentViewer, uow: BondedUow, config: Config) -> Response:
    """The form to admit goods into a bonded warehouse under their bonded-entry declaration (a new lot)."""
    _may_admit(viewer)
    return _admit_page(request, viewer, config, _admit_values(viewer, uow, config), {})


@router.post("/bonded/admit", response_class=HTMLResponse)
def admit_goods(request: Request, viewer: CurrentViewer, form: Form, uows: Factory, config: Config) -> Response:
    """Admit goods from the form; the form's key is the movement key, so a resubmission books nothing (it leads to
    the lot the first one made)."""
    require_csrf(request, form)
    _may_admit(viewer)
    actor = viewer.actor
    values = {name: _text(form, name, ADMIT_LIMITS.get(name, 64)) for name in ADMIT_FIELDS}
    if actor.is_enterprise_bound:
        values["owner"] = ""  # an enterprise's user admits its own goods
    values["key"] = _key(form)
    errors: dict[str, list[str]] = {}
    for name in ADMIT_REQUIRED:
        if not values[name]:
            errors.setdefault(name, []).append(_("is required"))
    if not actor.is_enterprise_bound and not values["owner"]:
        errors.setdefault("owner", []).append(_("name the enterprise whose goods these are"))
    category = next((c for c in ADMIT_CATEGORIES if c.value == values["category"]), None)
    if category is None:
        errors.setdefault("category", []).append(_("choose one of the categories listed"))
    status = next((c for c in ADMIT_STATUSES if c.value == values["status"]), None)
    if status is None:
        errors.setdefault("status", []).append(_("choose bonded or domestic"))
    storage_days: int | None = None
    if values["storage_days"]:
        if values["storage_days"].isdigit():
            storage_days = int(values["storage_days"])
        else:
            errors.setdefault("storage_days", []).append(_("is not a whole number of days"))
    reexport_by: date | None = None
    try:
        reexport_by = _day("reexport_by", values["reexport_by"])
    except ValidationFailed as exc:
        errors.setdefault("reexport_by", []).extend(field_message(e) for e in exc.errors)
    site = values["site"].upper() + (f"/{values['bin'].upper()}" if values["bin"] else "")
    conflict = False
    if not errors:
        assert category is not None and status is not None
        try:
            _movement, lot = handlers.admit(
                uows,
                actor,
                config,
                handlers.Admission(
                    site=site,
                    declaration_ref=values["declaration_ref"],
                    hs_code=values["hs_code"].replace(".", "").replace(" ", ""),
                    description=values["description"],
                    origin=values["origin"].upper(),
                    unit=values["unit"],
                    quantity=_number(values["quantity"]),
                    value=_number(values["value"]),
                    currency=values["currency"].upper(),
                    owner=values["owner"] or None,
                    category=category,
                    status=status,
                    storage_days=storage_days,
                    reexport_by=reexport_by,
                    loss_allowance_pct=_number(values["loss_allowance_pct"]) or "0",
                    key=values["key"],
                ),
            )
        except ValidationFailed as exc:
            for e in exc.errors:
                name = e.field
                if name == "site" and values["bin"] and values["site"].upper() in config.sites:
                    name = "bin"  # the port came from the list: the bin made the site code wrong
                errors.setdefault(name if name in ADMIT_FIELDS else "form", []).append(field_message(e))
        except (Conflict, NotFound) as exc:
            conflict = True
            errors.setdefault("form", []).append(error_message(exc))
        else:
            return RedirectResponse(f"/bonded/lots/{lot.id}?done=admitted", status_code=303)
    return _admit_page(request, viewer, config, values, errors, status_code=409 if conflict else 422)


# --- the ledger --------------------------------------------------------------------------------------------


@router.get("/bonded/ledger", response_class=HTMLResponse)
def ledger_page(
    request: Request,
    viewer: CurrentViewer,
    uow: BondedUow,
    start: Annotated[str, Query(alias="from")] = "",
    end: Annotated[str, Query(alias="to")] = "",
    account: str = "",
) -> Response:
    """Movements of the period in order with the running balance of each account; CSV from the reports API."""
    led = views.ledger(uow, viewer.actor, _day("from", start.strip()), _day("to", end.strip()), account.strip() or None)
    csv_query = {
        "from": f"{led.start.isoformat()}T00:00:00+00:00",
        "to": f"{(led.end + timedelta(days=1)).isoformat()}T00:00:00+00:00",
        "format": "csv",
        "limit": "5000",
    }
    context = {
        "led": led,
        "account": account.strip(),
        "movements_csv": "/api/v1/bonded/movements?" + urlencode(csv_query),
        "reconciliation_csv": "/api/v1/bonded/reports/reconciliation?"
        + urlencode({"from": led.start.isoformat(), "to": led.end.isoformat(), "format": "csv"}),
        "statement_csv": {
            s.account.id: "/api/v1/bonded/reports/statement?"
            + urlencode({"account": s.account.id, "from": led.start.isoformat(), "to": led.end.isoformat()})
            + "&format=csv"
            for s in led.sections
        },
    }
    return _page(request, viewer, "bonded/ledger.html", context)


@router.get("/bonded/reconciliation", response_class=HTMLResponse)
def reconciliation_page(
    request: Request,
    viewer: CurrentViewer,
    uow: BondedUow,
    start: Annotated[str, Query(alias="from")] = "",
    end: Annotated[str, Query(alias="to")] = "",
) -> Response:
    """Per lot and account in bond: opening, receipts, transfers, removals, adjustments with reason codes,
    closing, balanced; the period's counts and the discrepancies awaiting customs (the reports API's figures)."""
    today = local(clock_now(request)).date()
    first, last = views.period(_day("from", start.strip()), _day("to", end.strip()), today)
    report = handlers.reconciliation(uow, viewer.actor, first, last)
    context = {
        "report": report,
        "start": first,
        "end": last,
        "unbalanced": [x for x in report["lines"] if not x["balanced"]],
        "csv": "/api/v1/bonded/reports/reconciliation?"
        + urlencode({"from": first.isoformat(), "to": last.isoformat(), "format": "csv"}),
    }
    return _page(request, viewer, "bonded/reconciliation.html", context)


# --- a lot -------------------------------------------------------------------------------------------------


def _lot_history(request: Request, lot_id: str) -> list[dict[str, Any]]:
    """The lot's status and category changes, from the audit log (who, when, from, to)."""
    stmt = (
        select(AuditEntryRow)
        .where(AuditEntryRow.object_type == "bonded_lot", AuditEntryRow.object_id == lot_id)
        .order_by(AuditEntryRow.seq)
    )
    with request.app.state.platform.session_factory() as s:
        rows = list(s.scalars(stmt))
    history = []
    for r in rows:
        before = json.loads(r.before) if r.before else {}
        after = json.loads(r.after) if r.after else {}
        history.append(
            {
                "at": r.at,
                "action": r.action,
                "by": r.actor_name,
                "before": before.get("status") or before.get("category") or "",
                "after": after.get("status") or after.get("category") or "",
                "declaration_ref": after.get("declaration_ref"),
            }
        )
    return history


#: the withdrawal form's fields and the loss form's (each form's fields are shown with its prefix: w-, l-)
WITHDRAW_FIELDS = ("site", "purpose", "declaration_ref", "quantity")
LOSS_FIELDS = ("site", "quantity", "reason")
PURPOSES = ("re_export", "home_consumption")


def _stock_sites(view: views.LotView) -> list[tuple[str, Decimal]]:
    """Where the lot lies in stock (sites with a positive balance): what a withdrawal or a loss takes from."""
    return [(a.site, q) for a, q in view.balances if a.kind is AccountKind.STOCK and a.site and q > 0]


def _plain(q: Decimal) -> str:
    """A quantity for a form's box: '1000', '52.5' (read back the same in every language)."""
    return format(q.normalize(), "f") if q != 0 else "0"


def _lot_forms(view: views.LotView) -> tuple[dict[str, str], dict[str, str]]:
    """Fresh withdrawal and loss forms: the first site the lot lies at, all of it held there to withdraw."""
    sites = _stock_sites(view)
    site, held = sites[0] if sites else ("", Decimal(0))
    withdrawal = {"site": site, "purpose": "re_export", "declaration_ref": "", "quantity": _plain(held)}
    loss = {"site": site, "quantity": "", "reason": ""}
    return {**withdrawal, "key": _new_key()}, {**loss, "key": _new_key()}


def _lot_page(
    request: Request,
    viewer: Viewer,
    uow: BondedUnitOfWork,
    config: BondedConfig,
    lot_id: str,
    *,
    done: str = "",
    withdrawal: dict[str, str] | None = None,
    withdrawal_errors: dict[str, list[str]] | None = None,
    loss: dict[str, str] | None = None,
    loss_errors: dict[str, list[str]] | None = None,
    decided: str = "",
    decision_error: str = "",
    status_code: int = 200,
) -> Response:
    view = views.lot_view(uow, viewer.actor, config, lot_id)
    with uow:
        losses = uow.bonded.records("loss", order_by="reported_at", lot_id=view.lot.id)
    fresh_withdrawal, fresh_loss = _lot_forms(view)
    outcomes = _loss_outcomes(view, losses)
    notice = ""
    if done == "loss_decided":
        decided_loss = next((x for x in losses if x["id"] == decided), None)
        notice = _decision_notice(decided_loss, outcomes.get(decided), view.lot.unit) if decided_loss else ""
    context = {
        "v": view,
        "lot": view.lot,
        "history": _lot_history(request, lot_id),
        "done": _done(done) if done != "loss_decided" or notice else "",
        "decided_notice": notice,
        "decision_error": decision_error,
        "losses": losses,
        "outcomes": outcomes,
        "stock_sites": [site for site, _held in _stock_sites(view)],
        "site_texts": {site: f"{site} — {qty(q)} {view.lot.unit}" for site, q in _stock_sites(view)},
        "purposes": PURPOSES,
        "w": withdrawal or fresh_withdrawal,
        "w_errors": withdrawal_errors or {},
        "l": loss or fresh_loss,
        "l_errors": loss_errors or {},
    }
    return _page(request, viewer, "bonded/lot.html", context, status_code=status_code)


@router.get("/bonded/lots/{lot_id}", response_class=HTMLResponse)
def lot_page(
    request: Request,
    viewer: CurrentViewer,
    uow: BondedUow,
    config: Config,
    lot_id: str,
    done: str = "",
    loss: str = "",
) -> Response:
    """A lot, where it lies, its movements, its reported losses and status history; to a keeper, the forms to
    withdraw it from bond and to report a loss; to customs, the buttons to decide each pending loss."""
    return _lot_page(request, viewer, uow, config, lot_id, done=done, decided=loss.strip()[:64])


def _insufficient(exc: InsufficientStock, site: str, view: views.LotView) -> str:
    """More than the site holds: said with what it holds of the lot (the service's text if the lot is not there)."""
    held = dict(_stock_sites(view)).get(site)
    if held is None:
        return error_message(exc)
    return _("%(site)s holds only %(held)s %(unit)s of this lot", site=site, held=qty(held), unit=view.lot.unit)


@router.post("/bonded/lots/{lot_id}/withdrawals", response_class=HTMLResponse)
def withdraw_lot(
    request: Request, viewer: CurrentViewer, form: Form, uows: Factory, uow: BondedUow, config: Config, lot_id: str
) -> Response:
    """Take the lot out of bond from the lot page: re-export or home consumption under a declaration (the same
    withdrawal the API books, naming this lot). The form's key is the movement key: a resubmission books nothing."""
    require_csrf(request, form)
    actor = viewer.actor
    if actor.role not in OPERATORS:
        raise PermissionDenied(_("a %(role)s may not withdraw goods", role=in_sentence(actor.role.label)))
    view = views.lot_view(uow, actor, config, lot_id)  # another enterprise's lot: not found
    values = {name: _text(form, name, 64) for name in WITHDRAW_FIELDS}
    values["key"] = _key(form)
    errors: dict[str, list[str]] = {}
    for name in WITHDRAW_FIELDS:
        if not values[name]:
            errors.setdefault(name, []).append(_("is required"))
    if values["purpose"] and values["purpose"] not in PURPOSES:
        errors.setdefault("purpose", []).append(_("choose re-export or home consumption"))
    conflict = False
    if not errors:
        try:
            movement = handlers.withdraw(
                uows,
                actor,
                config,
                handlers.Withdrawal(
                    site=values["site"],
                    purpose=values["purpose"],
                    declaration_ref=values["declaration_ref"],
                    pick=handlers.Pick(lots=((view.lot.id, _number(values["quantity"])),)),
                    owner=view.lot.owner_id,
                    key=values["key"],
                ),
            )
        except ValidationFailed as exc:
            for e in exc.errors:
                name = "quantity" if e.field.startswith("lots[") and e.field.endswith(".quantity") else e.field
                errors.setdefault(name if name in WITHDRAW_FIELDS else "form", []).append(field_message(e))
        except InsufficientStock as exc:
            conflict = True
            errors.setdefault("form", []).append(_insufficient(exc, values["site"].upper(), view))
        except (Conflict, NotFound) as exc:
            conflict = True
            errors.setdefault("form", []).append(error_message(exc))
        else:
            return RedirectResponse(f"/bonded/lots/{lot_id}?done=withdrawn#m-{movement.id}", status_code=303)
    return _lot_page(
        request, viewer, uow, config, lot_id, withdrawal=values, withdrawal_errors=errors,
        status_code=409 if conflict else 422,
    )  # fmt: skip


#: a loss report is no movement (customs decides it later): its form's key is kept in the idempotency store
LOSS_KEY_SCOPE = "bonded-page-loss"


def _loss_scope(actor_id: str, lot_id: str) -> str:
    return hashlib.sha256(f"{LOSS_KEY_SCOPE}|{actor_id}|{lot_id}".encode()).hexdigest()


@router.post("/bonded/lots/{lot_id}/losses", response_class=HTMLResponse)
def report_lot_loss(
    request: Request, viewer: CurrentViewer, form: Form, uows: Factory, uow: BondedUow, config: Config, lot_id: str
) -> Response:
    """Report a loss of the lot at a site, with its reason; customs decides it. The form's key is reserved before
    the report is recorded, so a resubmission records nothing (it leads to the lot page as the first one did)."""
    require_csrf(request, form)
    actor = viewer.actor
    if actor.role not in OPERATORS:
        raise PermissionDenied(_("a %(role)s may not report losses", role=in_sentence(actor.role.label)))
    view = views.lot_view(uow, actor, config, lot_id)
    values = {name: _text(form, name, 500 if name == "reason" else 64) for name in LOSS_FIELDS}
    values["key"] = _key(form)
    errors: dict[str, list[str]] = {}
    for name in LOSS_FIELDS:
        if not values[name]:
            errors.setdefault(name, []).append(_("is required"))
    conflict = False
    if not errors:
        store = request.app.state.platform.idempotency_store()
        scope = _loss_scope(actor.user_id, view.lot.id)
        stored = store.reserve(scope, values["key"], values["key"])
        if stored is not None and stored.status is not None and stored.body:
            return RedirectResponse(stored.body.decode(), status_code=303)  # already reported from this form
        if stored is not None:
            conflict = True
            errors.setdefault("form", []).append(_("this form is being sent already; reload the lot page"))
        else:
            recorded = False
            try:
                loss = handlers.report_loss(
                    uows,
                    actor,
                    config,
                    site=values["site"],
                    lot_id=view.lot.id,
                    quantity_=_number(values["quantity"]),
                    reason=values["reason"],
                )
                recorded = True
            except ValidationFailed as exc:
                for e in exc.errors:
                    errors.setdefault(e.field if e.field in LOSS_FIELDS else "form", []).append(field_message(e))
            except InsufficientStock as exc:
                conflict = True
                errors.setdefault("form", []).append(_insufficient(exc, values["site"].upper(), view))
            except (Conflict, NotFound) as exc:
                conflict = True
                errors.setdefault("form", []).append(error_message(exc))
            finally:
                if not recorded:
                    store.release(scope, values["key"])  # nothing recorded: the corrected form may use the key
            if recorded:
                location = f"/bonded/lots/{lot_id}?done=loss#loss-{loss['id']}"
                store.complete(scope, values["key"], 303, None, location.encode())
                return RedirectResponse(location, status_code=303)
    return _lot_page(
        request, viewer, uow, config, lot_id, loss=values, loss_errors=errors, status_code=409 if conflict else 422
    )


# --- customs decides a reported loss ------------------------------------------------------------------------


def _loss_outcomes(view: views.LotView, losses: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What each approved loss booked, from its movement (as ``handlers.decide_loss`` recorded it): the quantity
    within the lot's allowance, the quantity beyond it, and the duty and taxes due on that (None: no duty)."""
    moved = {line.movement.id: line.movement for line in view.lines}
    outcomes: dict[str, dict[str, Any]] = {}
    for x in losses:
        movement = moved.get(x.get("movement_id") or "")
        if x["status"] != "approved" or movement is None:
            continue
        details = movement.details or {}
        duty = movement.duty or {}
        lots = duty.get("lots")
        quote = lots.get(view.lot.id) if isinstance(lots, dict) else None
        outcomes[x["id"]] = {
            "movement": movement.id,
            "within": Decimal(str(details.get("within_allowance", "0"))),
            "beyond": Decimal(str(details.get("beyond_allowance", "0"))),
            "duty": quote if isinstance(quote, dict) else None,
        }
    return outcomes


def _decision_notice(loss: dict[str, Any], outcome: dict[str, Any] | None, unit: str) -> str:
    """What customs decided, said to the officer who decided it (and what it means for duty)."""
    if loss["status"] == "rejected":
        return _("Loss rejected: nothing is written off, the lot's stock stays as booked.")
    if loss["status"] != "approved" or outcome is None:
        return ""
    within, beyond, duty = qty(outcome["within"]), qty(outcome["beyond"]), outcome["duty"]
    if outcome["beyond"] == 0:
        return _(
            "Loss approved: %(within)s %(unit)s written off within the lot's allowance, no duty is due.",
            within=within,
            unit=unit,
        )
    if duty is None:
        return _(
            "Loss approved: %(within)s %(unit)s within the lot's allowance and %(beyond)s %(unit)s beyond it; "
            "the goods are not under bond, so no duty is due.",
            within=within,
            beyond=beyond,
            unit=unit,
        )
    return _(
        "Loss approved: %(within)s %(unit)s within the lot's allowance and %(beyond)s %(unit)s beyond it. "
        "Duty and taxes are due on %(beyond)s %(unit)s: %(total)s CNY (duty %(duty)s, excise %(excise)s, "
        "VAT %(vat)s; customs value %(value)s CNY).",
        within=within,
        beyond=beyond,
        unit=unit,
        total=money(duty.get("total")),
        duty=money(duty.get("duty")),
        excise=money(duty.get("excise")),
        vat=money(duty.get("vat")),
        value=money(duty.get("customs_value")),
    )


#: what the decision form's ``approve`` says
APPROVE = {"yes": True, "no": False}


@router.post("/bonded/losses/{loss_id}/decision", response_class=HTMLResponse)
def decide_lot_loss(
    request: Request, viewer: CurrentViewer, form: Form, uows: Factory, uow: BondedUow, config: Config, loss_id: str
) -> Response:
    """Customs approves or rejects a reported loss from the lot page (``approve=yes|no``), through
    ``handlers.decide_loss``: approved, the ledger books the loss (duty due beyond the lot's allowance). A loss
    decided already is a 409 that says how it was decided (nothing changes); a stranger's loss is not found."""
    require_csrf(request, form)
    actor = viewer.actor
    with uow:
        loss = uow.bonded.record("loss", loss_id)
    if loss is None:
        raise NotFound(_("loss %(loss_id)s not found", loss_id=loss_id))
    lot_id = views.lot_view(uow, actor, config, loss["lot_id"]).lot.id  # another enterprise's loss: not found
    if actor.role not in CUSTOMS:
        raise PermissionDenied(_("a %(role)s may not decide losses", role=in_sentence(actor.role.label)))
    approve = APPROVE.get(_text(form, "approve", 8).lower())
    if approve is None:
        message = _("choose to approve or to reject the loss")
        return _lot_page(request, viewer, uow, config, lot_id, decision_error=message, status_code=422)
    try:
        handlers.decide_loss(uows, actor, config, loss_id, approve)
    except Conflict:
        with uow:
            now = uow.bonded.record("loss", loss_id) or loss
        message = (
            _("This loss was approved by customs already: nothing was changed.")
            if now["status"] == "approved"
            else _("This loss was rejected by customs already: nothing was changed.")
            if now["status"] == "rejected"
            else _("This loss cannot be decided now: nothing was changed.")
        )
        return _lot_page(request, viewer, uow, config, lot_id, decided=loss_id, decision_error=message, status_code=409)
    return RedirectResponse(f"/bonded/lots/{lot_id}?done=loss_decided&loss={loss_id}#loss-{loss_id}", status_code=303)


# --- fuel --------------------------------------------------------------------------------------------------


def _uplift_values(viewer: Viewer) -> dict[str, str]:
    values = dict.fromkeys(UPLIFT_FIELDS, "")
    if viewer.actor.role is Role.AIRLINE and viewer.actor.enterprise_id:
        values["airline"] = viewer.actor.enterprise_id
    values["key"] = _new_key()
    return values


def _fuel_page(
    request: Request,
    viewer: Viewer,
    uow: BondedUnitOfWork,
    config: BondedConfig,
    month: str,
    values: dict[str, str],
    errors: dict[str, list[str]],
    done: str = "",
    status_code: int = 200,
    day: str = "",
    reading: dict[str, str] | None = None,
    reading_errors: dict[str, list[str]] | None = None,
    declare_error: str = "",
) -> Response:
    actor = viewer.actor
    shown_month, rows, cut = views.uplifts(uow, actor, config, month)
    shown_day = _day("day", day) or local(clock_now(request)).date()
    readings = handlers.fuel_reconciliation(uow, actor, shown_day)
    monthly = None
    if actor.role is Role.AIRLINE and actor.enterprise_id:
        monthly = handlers.monthly_declaration(uow, actor, actor.enterprise_id, shown_month)
    tanks: list[tuple[str, Decimal]] = []
    if actor.role in OPERATORS:
        owner = actor.enterprise_id if actor.is_enterprise_bound else (values.get("owner") or None)
        tanks = views.fuel_tanks(uow, actor, owner)
    context = {
        "month": shown_month,
        "rows": rows,
        "cut": cut,
        "tanks": tanks,
        "values": values,
        "errors": errors,
        "done": _done(done),
        "day": shown_day,
        "readings": readings,
        "reading": reading or {"day": shown_day.isoformat(), "method": "dip"},
        "reading_errors": reading_errors or {},
        "monthly": monthly,
        "declare_error": declare_error,
        "airline_fixed": actor.role is Role.AIRLINE,
        "total_litres": sum((r.litres for r in rows), Decimal(0)),
        "total_kg": sum((r.kg for r in rows if r.kg is not None), Decimal(0)),
        "total_paid": sum((r.duty_paid for r in rows), Decimal(0)),
        "total_suspended": sum((r.duty_suspended for r in rows if r.duty_suspended is not None), Decimal(0)),
    }
    return _page(request, viewer, "bonded/fuel.html", context, status_code=status_code)


@router.get("/bonded/fuel", response_class=HTMLResponse)
def fuel_page(
    request: Request,
    viewer: CurrentViewer,
    uow: BondedUow,
    config: Config,
    month: str = "",
    day: str = "",
    done: str = "",
) -> Response:
    """The month's uplifts, the form to record one, and a day's tank readings against the book."""
    return _fuel_page(request, viewer, uow, config, month.strip(), _uplift_values(viewer), {}, done, day=day.strip())


@router.post("/bonded/fuel/declarations", response_class=HTMLResponse)
def declare_month(
    request: Request, viewer: CurrentViewer, form: Form, uows: Factory, uow: BondedUow, config: Config
) -> Response:
    """The airline records the consolidated declaration that covers its undeclared uplifts of a month that is
    over (a resend finds none left undeclared: 409, nothing changes)."""
    require_csrf(request, form)
    actor = viewer.actor
    if actor.role is not Role.AIRLINE or not actor.enterprise_id:
        raise PermissionDenied(_("only an airline declares its monthly uplifts here"))
    month = views.month_of(_text(form, "month", 7), local(clock_now(request)).date())
    try:
        handlers.declare_month(uows, actor, actor.enterprise_id, month, _text(form, "declaration_ref", 64))
    except (ValidationFailed, Conflict) as exc:
        message = error_message(exc)
        status = 422 if isinstance(exc, ValidationFailed) else 409
        values = _uplift_values(viewer)
        return _fuel_page(request, viewer, uow, config, month, values, {}, status_code=status, declare_error=message)
    return RedirectResponse(f"/bonded/fuel?month={month}&done=declared#monthly", status_code=303)


READING_FIELDS = ("owner", "tank", "day", "measured_litres_15c", "method", "tolerance_pct")


@router.post("/bonded/fuel/readings", response_class=HTMLResponse)
def record_reading(
    request: Request, viewer: CurrentViewer, form: Form, uows: Factory, uow: BondedUow, config: Config
) -> Response:
    """A daily dip or meter reading of a tank (litres at 15 degC) against the book; one per tank and day, so a
    resubmitted form is refused (409) and records nothing."""
    require_csrf(request, form)
    actor = viewer.actor
    if actor.role not in OPERATORS:
        raise PermissionDenied(_("a %(role)s may not record fuel readings", role=actor.role.label.lower()))
    values = {name: _text(form, name, 64) for name in READING_FIELDS}
    errors: dict[str, list[str]] = {}
    for name in ("tank", "day", "measured_litres_15c", "method"):
        if not values[name]:
            errors.setdefault(name, []).append(_("is required"))
    if not errors:
        try:
            handlers.fuel_reading(
                uows,
                actor,
                config,
                tank=values["tank"],
                day=_day("day", values["day"]) or date.min,
                measured=values["measured_litres_15c"].replace(",", "").replace(" ", ""),
                method=values["method"],
                tolerance_pct=values["tolerance_pct"] or None,
                owner=values["owner"] or None,
            )
        except ValidationFailed as exc:
            for e in exc.errors:
                name = "measured_litres_15c" if e.field == "measured" else e.field
                errors.setdefault(name if name in READING_FIELDS else "form", []).append(field_message(e))
        except (Conflict, NotFound) as exc:
            errors.setdefault("form", []).append(error_message(exc))
        else:
            return RedirectResponse(f"/bonded/fuel?day={values['day']}&done=reading#readings", status_code=303)
    status = 409 if "form" in errors and len(errors) == 1 else 422
    return _fuel_page(
        request, viewer, uow, config, "", _uplift_values(viewer), {}, status_code=status,
        day=values["day"] if not errors.get("day") else "", reading=values, reading_errors=errors,
    )  # fmt: skip


@router.post("/bonded/fuel/uplifts", response_class=HTMLResponse)
def record_uplift(
    request: Request, viewer: CurrentViewer, form: Form, uows: Factory, uow: BondedUow, config: Config
) -> Response:
    """Record an uplift from the form; the form's key is the movement key, so a resubmission books nothing."""
    require_csrf(request, form)
    actor = viewer.actor
    if actor.role not in OPERATORS:
        raise PermissionDenied(_("a %(role)s may not book uplifts", role=actor.role.label.lower()))
    values = {name: _text(form, name, 64) for name in UPLIFT_FIELDS}
    if actor.role is Role.AIRLINE and actor.enterprise_id:
        values["airline"] = actor.enterprise_id  # an airline books its own uplifts
    key = _text(form, "key", 64)
    values["key"] = key if len(key) == 32 and all(c in "0123456789abcdef" for c in key) else _new_key()
    errors: dict[str, list[str]] = {}
    for name in ("tank", "airline", "flight_number", "aircraft_registration", "next_airport", "litres_15c"):
        if not values[name]:
            errors.setdefault(name, []).append(_("is required"))
    if not values["density_15c"]:
        errors.setdefault("density_15c", []).append(_("is required: the density on the delivery ticket, e.g. 800"))
    if not errors:
        try:
            movement = handlers.uplift(
                uows,
                actor,
                config,
                handlers.Uplift(
                    tank=values["tank"],
                    airline_id=values["airline"],
                    flight_number=values["flight_number"],
                    aircraft_registration=values["aircraft_registration"],
                    next_airport=values["next_airport"],
                    quantity=values["litres_15c"].replace(",", "").replace(" ", ""),
                    owner=values["owner"] or None,
                    key=values["key"],
                    density_15c=values["density_15c"].replace(",", "."),
                ),
            )
        except ValidationFailed as exc:
            for e in exc.errors:
                name = UPLIFT_FIELD_NAMES.get(e.field, e.field)
                errors.setdefault(name if name in UPLIFT_FIELDS else "form", []).append(field_message(e))
        except (Conflict, NotFound) as exc:
            errors.setdefault("form", []).append(error_message(exc))
        else:
            month = movement.at.strftime("%Y-%m")
            return RedirectResponse(f"/bonded/fuel?month={month}&done=uplift#u-{movement.id}", status_code=303)
    status = 409 if "form" in errors and len(errors) == 1 else 422
    return _fuel_page(request, viewer, uow, config, "", values, errors, status_code=status)


# --- maintenance -------------------------------------------------------------------------------------------


@router.get("/bonded/maintenance", response_class=HTMLResponse)
def maintenance_page(request: Request, viewer: CurrentViewer, uow: BondedUow, status: str = "") -> Response:
    orders = views.work_orders(uow, viewer.actor, status.strip())
    return _page(request, viewer, "bonded/maintenance.html", {"orders": orders, "status": status.strip()})


@router.get("/bonded/work-orders/{wo_id}", response_class=HTMLResponse)
def work_order_page(request: Request, viewer: CurrentViewer, uow: BondedUow, wo_id: str) -> Response:
    view = views.work_order_view(uow, viewer.actor, wo_id)
    return _page(request, viewer, "bonded/work_order.html", {"v": view, "wo": view.order})


# --- stocktakes --------------------------------------------------------------------------------------------


@router.get("/bonded/stocktakes", response_class=HTMLResponse)
def stocktakes_page(request: Request, viewer: CurrentViewer, uow: BondedUow) -> Response:
    """Where a count can be taken (the keeper's sites), and the stocktakes taken, newest first."""
    actor = viewer.actor
    sheets = views.stock_sites(uow, actor)
    context = {"sheets": sheets, "stocktakes": views.stocktakes(uow, actor)[:50]}
    return _page(request, viewer, "bonded/stocktakes.html", context)


def _sheet(
    request: Request,
    viewer: Viewer,
    uow: BondedUnitOfWork,
    owner: str,
    site: str,
    values: dict[str, str],
    errors: dict[str, list[str]],
    key: str,
    status_code: int = 200,
) -> Response:
    lots = views.count_sheet(uow, viewer.actor, owner, site)
    if not lots and status_code == 200:
        raise NotFound(_("no stock of %(owner)s at %(site)s", owner=owner, site=site))
    context = {"owner": owner, "site": site, "lots": lots, "values": values, "errors": errors, "key": key}
    return _page(request, viewer, "bonded/count_sheet.html", context, status_code=status_code)


def _sheet_owner(viewer: Viewer, owner: str) -> str:
    actor = viewer.actor
    if actor.role not in OPERATORS:
        raise PermissionDenied(_("a %(role)s may not count stock", role=actor.role.label.lower()))
    if actor.is_enterprise_bound:
        if owner and owner != actor.enterprise_id:
            raise NotFound(_("enterprise %(id)s not found", id=owner))
        assert actor.enterprise_id is not None
        return actor.enterprise_id
    if not owner:
        raise ValidationFailed(FieldError("owner", _("name the enterprise whose stock is counted")))
    return owner


@router.get("/bonded/stocktake", response_class=HTMLResponse)
def count_sheet_page(
    request: Request, viewer: CurrentViewer, uow: BondedUow, site: str = "", owner: str = ""
) -> Response:
    """The count sheet of a site: every lot held there, a box for the counted quantity (a blind count)."""
    who = _sheet_owner(viewer, owner.strip())
    return _sheet(request, viewer, uow, who, site.strip().upper(), {}, {}, _new_key())


@router.post("/bonded/stocktake", response_class=HTMLResponse)
def record_stocktake(
    request: Request, viewer: CurrentViewer, form: Form, uows: Factory, uow: BondedUow, config: Config
) -> Response:
    """Record the counts (blank boxes are lots not counted); the differences against the book go to customs."""
    require_csrf(request, form)
    who = _sheet_owner(viewer, _text(form, "owner", 32))
    site = _text(form, "site", 64).upper()
    key = _text(form, "key", 64)
    lots = [lot for lot, _unit in views.count_sheet(uow, viewer.actor, who, site)]
    values = {lot.id: _text(form, f"count-{lot.id}", 32) for lot in lots}
    counts = [(lot.id, values[lot.id].replace(",", "").replace(" ", "")) for lot in lots if values[lot.id]]
    errors: dict[str, list[str]] = {}
    for lot_id, raw in counts:  # every box checked at once, so each wrong one is named
        try:
            if quantity(raw, f"count-{lot_id}", positive=False) < 0:
                errors.setdefault(f"count-{lot_id}", []).append(_("is negative"))
        except ValidationFailed as exc:
            errors.setdefault(f"count-{lot_id}", []).extend(field_message(e) for e in exc.errors)
    if not errors:
        try:
            owner = None if viewer.actor.is_enterprise_bound else who
            rows = handlers.stocktake(
                uows, viewer.actor, config, site=site, counts=counts, owner=owner, key=key or None
            )
        except ValidationFailed as exc:
            for e in exc.errors:
                name = "form"
                if e.field.startswith("counts["):
                    index = int(e.field[len("counts[") : e.field.index("]")])
                    name = f"count-{counts[index][0]}"
                errors.setdefault(name, []).append(field_message(e))
        else:
            return RedirectResponse(f"/bonded/stocktakes/{rows[0]['stocktake_id']}?done=stocktake", status_code=303)
    form_values = {f"count-{k}": v for k, v in values.items()}
    return _sheet(request, viewer, uow, who, site, form_values, errors, key or _new_key(), status_code=422)


@router.get("/bonded/stocktakes/{stocktake_id}", response_class=HTMLResponse)
def stocktake_page(
    request: Request, viewer: CurrentViewer, uow: BondedUow, stocktake_id: str, done: str = ""
) -> Response:
    """Counted against the book per lot; customs decides each difference (write off with duty, or correct)."""
    found = views.stocktakes(uow, viewer.actor, stocktake_id)
    return _page(request, viewer, "bonded/stocktake.html", {"st": found[0], "done": _done(done)})


@router.post("/bonded/counts/{count_id}/decision")
def decide_count(
    request: Request, viewer: CurrentViewer, form: Form, uows: Factory, config: Config, count_id: str
) -> Response:
    require_csrf(request, form)
    decision = _text(form, "decision", 16)
    result = handlers.decide_count(uows, viewer.actor, config, count_id, decision)
    return RedirectResponse(f"/bonded/stocktakes/{result['stocktake_id']}?done=decision", status_code=303)
