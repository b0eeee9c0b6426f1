"""Web UI pages (Jinja2 + htmx): sign-in, dashboard, the enterprise registry, the zone, users and the audit log.

Pages are rendered on the server; htmx (vendored under ``static/vendor``: no CDN, the zone may be air-gapped)
swaps partials for the live search, "load more" and inline validation. Every page needs a signed-in web session
(else 303 to ``/login?next=...``), every POST carries the session's CSRF token, and errors on these routes are
friendly HTML pages (the API keeps RFC 9457 problem+json). The routes are thin: rules and authorisation live
in the services.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import FormData

from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.domain.model import CreditGrade, EnterpriseDetails, EnterpriseStatus, Sector
from silkport.enterprises.schemas import EnterpriseCreate
from silkport.enterprises.services import auth, handlers
from silkport.enterprises.services.ports import EnterpriseFilter, EnterpriseUnitOfWork, PasswordHasher
from silkport.entrypoints.web import i18n
from silkport.entrypoints.web.i18n import N_, gettext
from silkport.entrypoints.web.ops import AUDITORS
from silkport.infra.audit import AuditEntryRow, verify_chain
from silkport.infra.security import csrf_ok, csrf_token
from silkport.infra.web import SESSION_COOKIE, ZONE_NAME, OptionalActor, service
from silkport.shared.actor import Actor, Role
from silkport.shared.clock import ZONE_TZ, local
from silkport.shared.codes import all_countries, all_currencies, country_name
from silkport.shared.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    FieldError,
    PermissionDenied,
    ValidationFailed,
)
from silkport.zone.domain.model import DAYS, OpeningHours
from silkport.zone.services import handlers as zone_handlers
from silkport.zone.services.ports import ZoneUnitOfWork

PAGE_SIZE = 25
AUDIT_PAGE = 50
TEMPLATES_DIR = Path(__file__).parent / "templates"

#: tight by default: only our own scripts, styles and forms; htmx runs with eval switched off (see base.html)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

Uow = Annotated[EnterpriseUnitOfWork, Depends(service("enterprises"))]
ZoneUow = Annotated[ZoneUnitOfWork, Depends(service("zone"))]
Hasher = Annotated[PasswordHasher, Depends(service("hasher"))]


# --- presentation helpers ---------------------------------------------------------------------------------


def zone_time(value: datetime | str | None) -> str:
    """An instant as the zone's local time (Asia/Urumqi, UTC+6), e.g. '2025-09-01 14:00'."""
    if value is None or value == "":
        return ""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return local(instant).strftime("%Y-%m-%d %H:%M")


def iso_instant(value: datetime | str) -> str:
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return local(instant).isoformat(timespec="seconds")


def _country(code: str | None) -> str:
    if not code:
        return ""
    return country_name(code) or code


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def opening_hours(hours: OpeningHours) -> str:
    """Opening hours in a few words: '24/7', 'Daily 08:00-22:00', 'Mon-Fri 09:00-20:00 · Sat 10:00-18:00 · ...'."""
    by_day = dict(hours.windows)
    if all(by_day.get(d) == ("00:00-24:00",) for d in DAYS):
        return "24/7"
    groups: list[tuple[str, str, tuple[str, ...]]] = []
    for day in DAYS:
        windows = tuple(by_day.get(day, ()))
        if groups and groups[-1][2] == windows:
            groups[-1] = (groups[-1][0], day, windows)
        else:
            groups.append((day, day, windows))
    if len(groups) == 1 and groups[0][2]:
        return gettext("Daily %(hours)s", hours=", ".join(groups[0][2]))
    parts = []
    closed = gettext("closed")
    for first, last, windows in groups:
        days = i18n.weekday(first) if first == last else f"{i18n.weekday(first)}–{i18n.weekday(last)}"
        parts.append(f"{days} {', '.join(windows) if windows else closed}")
    return " · ".join(parts)


templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.filters["zone_time"] = zone_time
templates.env.filters["iso_instant"] = iso_instant
templates.env.filters["country"] = _country
templates.env.filters["label"] = _label
templates.env.filters["opening_hours"] = opening_hours
#: messages in the request's language (i18n.py); zone_time, label and the number filters become locale-aware
i18n.install(templates.env)
templates.env.globals["zone_name"] = ZONE_NAME
templates.env.globals["zone_tz"] = str(ZONE_TZ)


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str
    label: str
    href: str


ZONE_STAFF = frozenset({Role.ADMIN, Role.CUSTOMS_OFFICER, Role.CUSTOMS_SUPERVISOR})
CUSTOMS = frozenset({Role.CUSTOMS_OFFICER, Role.CUSTOMS_SUPERVISOR})
#: who files or decides declarations
DECLARATION_ROLES = frozenset({Role.TRADER, Role.ADMIN}) | CUSTOMS
#: who follows consignments, corridor clocks and TIR operations (an airline: its air cargo consignments)
FREIGHT_ROLES = frozenset({Role.TRADER, Role.LOGISTICS_OPERATOR, Role.AIRLINE, Role.ADMIN}) | CUSTOMS
#: who keeps or looks into bonded ledgers (warehouses, maintenance, fuel)
BONDED_ROLES = frozenset({Role.TRADER, Role.WAREHOUSE_KEEPER, Role.AIRLINE, Role.ADMIN}) | CUSTOMS
#: who sees dispute cases: the legal desk, and a trader its own cases as a party
DISPUTE_ROLES = frozenset({Role.LEGAL_OFFICER, Role.TRADER})
#: who runs the digital twin
TWIN_NAV_ROLES = frozenset({Role.ANALYST, Role.CUSTOMS_SUPERVISOR, Role.ADMIN})


def navigation(actor: Actor) -> list[NavItem]:
    """The menu of a role: what its user works with, in the order of a working day."""
    role = actor.role
    items = [NavItem("dashboard", gettext("Dashboard"), "/")]
    if actor.is_enterprise_bound:
        items.append(NavItem("enterprises", gettext("My enterprise"), f"/enterprises/{actor.enterprise_id}"))
    else:
        items.append(NavItem("enterprises", gettext("Enterprises"), "/enterprises"))
    if role in DECLARATION_ROLES:
        items.append(NavItem("declarations", gettext("Declarations"), "/declarations"))
    if role in CUSTOMS:
        items.append(NavItem("workbench", gettext("Workbench"), "/workbench"))
    if role in FREIGHT_ROLES:
        items.append(NavItem("freight", i18n.pgettext("navigation", "Freight"), "/freight"))
    if role in BONDED_ROLES:
        items.append(NavItem("bonded", gettext("Bonded"), "/bonded"))
    if role in DISPUTE_ROLES:
        items.append(NavItem("disputes", gettext("Disputes"), "/disputes"))
    if role in ZONE_STAFF:
        items.append(NavItem("zone", gettext("Zone & ports"), "/zone"))
    if role is Role.ADMIN:
        items.append(NavItem("users", gettext("Users"), "/users"))
    if role in AUDITORS:
        items.append(NavItem("audit", gettext("Audit"), "/audit"))
    if role in (Role.ANALYST, Role.ADMIN):
        items.append(NavItem("analytics", gettext("Zone dashboard"), "/dashboard"))
    if role in TWIN_NAV_ROLES:
        items.append(NavItem("twin", gettext("Digital twin"), "/twin"))
    return items


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in user as the pages show them."""

    actor: Actor
    display_name: str
    csrf: str | None
    #: the language the user chose (None: the cookie or the browser decides)
    locale: str | None = None

    @property
    def nav(self) -> list[NavItem]:
        return navigation(self.actor)

    @property
    def hx_headers(self) -> str:
        return json.dumps({"X-CSRF-Token": self.csrf}) if self.csrf else ""


def _settings_secret(request: Request) -> str:
    secret: str = request.app.state.platform.settings.secret_key
    return secret


def clock_now(request: Request) -> datetime:
    now: datetime = request.app.state.platform.clock.now()
    return now


def _viewer_of(request: Request, actor: Actor, uow: EnterpriseUnitOfWork) -> Viewer:
    with uow:
        user = uow.users.get(actor.user_id)
    cookie = request.cookies.get(SESSION_COOKIE)
    token = csrf_token(_settings_secret(request), cookie) if cookie else None
    viewer = Viewer(
        actor=actor,
        display_name=user.display_name if user else actor.username,
        csrf=token,
        locale=user.locale if user else None,
    )
    i18n.prefer_user_locale(viewer.locale)
    request.state.viewer = viewer
    return viewer


class SignInRequired(Exception):
    """Raised by the page dependency when nobody is signed in; the page route turns it into a redirect."""


def signed_in(request: Request, actor: OptionalActor, uow: Uow) -> Viewer:
    if actor is None:
        raise SignInRequired
    return _viewer_of(request, actor, uow)


CurrentViewer = Annotated[Viewer, Depends(signed_in)]


async def read_form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(read_form)]


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    viewer: Viewer | None = None,
    active: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    if viewer is not None:
        i18n.prefer_user_locale(viewer.locale)
    ctx: dict[str, Any] = {"viewer": viewer, "active": active, "now": clock_now(request)}
    ctx.update(i18n.template_context())
    ctx.update(context or {})
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    response.headers["Content-Language"] = ctx["html_lang"]
    return response


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-history-restore-request") != "true"


def require_csrf(request: Request, form: FormData) -> None:
    """A cookie-authenticated POST must echo the session's CSRF token (form field or X-CSRF-Token header)."""
    if request.headers.get("authorization"):
        return  # a bearer token is never sent by a browser on its own: nothing to forge
    cookie = request.cookies.get(SESSION_COOKIE, "")
    presented = form.get("csrf_token") or request.headers.get("x-csrf-token")
    if not cookie or not csrf_ok(_settings_secret(request), cookie, presented if isinstance(presented, str) else None):
        raise PermissionDenied(
            gettext("the form's security token is missing or out of date; go back, reload the page and try again")
        )


def _safe_next(value: object) -> str:
    """Only a path on this site: never '//host' or 'https://host' (an open redirect)."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return "/"
    if "\\" in value or any(c.isspace() or ord(c) < 0x20 for c in value):
        return "/"  # browsers drop tabs and newlines and read '\\' as '/': '/\t/evil' would become '//evil'

    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def _login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login" if target == "/" else f"/login?next={quote(target, safe='/')}"


# --- the page route: HTML errors, sign-in redirects and security headers for every page ---------------------

ERROR_TITLES = {
    400: N_("That request could not be understood"),
    401: N_("Please sign in"),
    403: N_("You may not open this page"),
    404: N_("Page not found"),
    409: N_("That clashes with what is already there"),
    422: N_("Some values need attention"),
}


async def _error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    if viewer is None and getattr(request.state, "actor", None) is not None:
        uow = request.app.state.services["enterprises"]()
        viewer = await run_in_threadpool(_viewer_of, request, request.state.actor, uow)
    title = gettext(ERROR_TITLES.get(status, N_("Something went wrong")))
    context = {"status": status, "title": title, "detail": detail}
    return render(request, "error.html", context, viewer=viewer, status_code=status)


def _readable_detail(exc: DomainError) -> str:
    """What went wrong, for the error page: a validation failure's field messages in the reader's language (the
    ones the domain templated; others as written), any other error as the domain wrote it."""
    if isinstance(exc, ValidationFailed):
        return "; ".join(f"{e.field}: {i18n.field_message(e)}" for e in exc.errors)
    return i18n.error_message(exc)


class PageRoute(APIRoute):
    """Routes of the web UI: sign-in redirects and friendly HTML errors instead of problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def page(request: Request) -> Response:
            response: Response
            try:
                response = await handle(request)
            except (SignInRequired, AuthenticationFailed):
                response = _to_login(request)
            except DomainError as exc:
                response = await _error_page(request, exc.status, _readable_detail(exc))
            except RequestValidationError as exc:
                detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
                response = await _error_page(request, 400, detail)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return page


def _to_login(request: Request) -> Response:
    target = _login_url(request)
    if is_htmx(request):
        # a redirect would be followed inside the XHR and the sign-in page swapped into a table: tell htmx instead
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


router = APIRouter(include_in_schema=False, route_class=PageRoute)


# --- sign in and out --------------------------------------------------------------------------------------


def _same_origin(request: Request) -> bool:
    """Login CSRF: a browser always sends Origin on a cross-site POST; it must name this host.

    Only the host and port are compared: behind a TLS-terminating proxy the app itself may see plain http.
    """
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "").lower()
    return bool(host) and urlsplit(origin).netloc.lower() == host


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, actor: OptionalActor, next: str = "/") -> Response:
    if actor is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "username": "", "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form: Form, uow: Uow, hasher: Hasher) -> Response:
    if not _same_origin(request):
        raise PermissionDenied(gettext("sign-in is only accepted from this site's own sign-in page"))
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    target = _safe_next(form.get("next"))
    context: dict[str, Any] = {"next": target, "username": username}
    if not username or not password:
        context["error"] = gettext("Enter your username and your password.")
        return render(request, "login.html", context, status_code=422)
    try:
        user = auth.authenticate(uow, hasher, username, password)
    except AuthenticationFailed:
        context["error"] = gettext("Wrong username or password. Check both and try again.")
        return render(request, "login.html", context, status_code=401)
    settings = request.app.state.platform.settings
    ttl = timedelta(minutes=settings.session_ttl_minutes)
    raw, _ = auth.issue_token(uow, user, "session", ttl)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        max_age=int(ttl.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=bool(settings.cookie_secure),
    )
    return response


@router.post("/logout")
def logout(request: Request, form: Form, uow: Uow, actor: OptionalActor) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if actor is not None and cookie:
        require_csrf(request, form)
        try:
            _, token = auth.resolve_token(uow, cookie, "session")
            auth.revoke_token(uow, actor, token)
        except AuthenticationFailed:
            pass  # already expired or revoked: signing out again is fine
    response = RedirectResponse("/login", status_code=303)
    secure = bool(request.app.state.platform.settings.cookie_secure)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
    return response


# --- dashboard and the zone ------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, viewer: CurrentViewer, uow: Uow, zone_uow: ZoneUow) -> HTMLResponse:
    areas = zone_handlers.list_areas(zone_uow)
    ports = zone_handlers.list_ports(zone_uow)
    counts = dict(handlers.enterprise_stats(uow, viewer.actor, EnterpriseFilter(), "area"))
    context = {
        "areas": areas,
        "total_km2": zone_handlers.total_area_km2(areas),
        "ports": [p for p in ports if p.active],
        "counts": counts,
        "enterprise_total": sum(counts.values()),
        "largest_km2": max((a.area_km2 for a in areas), default=Decimal(1)),
    }
    return render(request, "dashboard.html", context, viewer=viewer, active="dashboard")


@router.get("/zone", response_class=HTMLResponse)
def zone_page(request: Request, viewer: CurrentViewer, zone_uow: ZoneUow) -> HTMLResponse:
    areas = zone_handlers.list_areas(zone_uow)
    ports = zone_handlers.list_ports(zone_uow)
    context = {"areas": areas, "total_km2": zone_handlers.total_area_km2(areas), "ports": ports}
    return render(request, "zone.html", context, viewer=viewer, active="zone")


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, viewer: CurrentViewer, uow: Uow) -> HTMLResponse:
    users = sorted(auth.list_users(uow, viewer.actor), key=lambda u: (u.role.value, u.username))
    return render(request, "users.html", {"users": users}, viewer=viewer, active="users")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, viewer: CurrentViewer, before: int | None = None, verify: bool = False
) -> HTMLResponse:
    """The newest audit entries; the hash chain is verified on request (it reads the whole log)."""
    if viewer.actor.role not in AUDITORS:
        raise PermissionDenied(gettext("only administrators and customs supervisors read the audit log"))
    stmt = select(AuditEntryRow).order_by(AuditEntryRow.seq.desc()).limit(AUDIT_PAGE)
    if before:
        stmt = stmt.where(AuditEntryRow.seq < before)
    with request.app.state.platform.session_factory() as s:
        rows = list(s.scalars(stmt).all())
        chain = verify_chain(s) if verify else None
    older = rows[-1].seq if len(rows) == AUDIT_PAGE else None
    context = {"rows": rows, "chain": chain, "older": older}
    return render(request, "audit.html", context, viewer=viewer, active="audit")


# --- the enterprise registry ------------------------------------------------------------------------------


E = TypeVar("E", bound=StrEnum)


def choice(name: str, value: str, enum: type[E]) -> E | None:
    """A filter's value as its enum member (None when empty); anything else is a 422 naming the field."""
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        known = ", ".join(m.value for m in enum)
        raise ValidationFailed(
            FieldError(name, gettext("%(value)r is not one of %(known)s", value=value, known=known))
        ) from None


@router.get("/enterprises", response_class=HTMLResponse)
def enterprise_list(
    request: Request,
    viewer: CurrentViewer,
    uow: Uow,
    zone_uow: ZoneUow,
    q: str = "",
    area: str = "",
    sector: str = "",
    status: str = "",
    cursor: str = "",
) -> HTMLResponse:
    q = q.strip()[:100]
    flt = EnterpriseFilter(
        q=q or None,
        area=area or None,
        sector=choice("sector", sector, Sector),
        status=choice("status", status, EnterpriseStatus),
    )
    page = handlers.list_enterprises(uow, viewer.actor, flt, "name_en", False, cursor or None, PAGE_SIZE)
    total = handlers.count_enterprises(uow, viewer.actor, flt)
    filters = {"q": q, "area": area, "sector": sector, "status": status}
    more_url = None
    if page.next_cursor:
        more_url = "/enterprises?" + urlencode({**{k: v for k, v in filters.items() if v}, "cursor": page.next_cursor})
    context = {
        "enterprises": page.items,
        "total": total,
        "more_url": more_url,
        "filters": filters,
        "areas": zone_handlers.list_areas(zone_uow),
        "sectors": list(Sector),
        "statuses": list(EnterpriseStatus),
        "can_register": viewer.actor.role in handlers.REGISTRARS,
        "first_page": not cursor,
        "partial": is_htmx(request),
    }
    template = "enterprises/_rows.html" if is_htmx(request) else "enterprises/list.html"
    response = render(request, template, context, viewer=viewer, active="enterprises")
    response.headers["Vary"] = "HX-Request"
    return response


#: the form's fields, in the order a registrant fills them in
FORM_FIELDS = (
    "name_en",
    "name_zh",
    "country",
    "uscc",
    "national_id",
    "area",
    "sectors",
    "registration_date",
    "foreign_invested",
    "investor_countries",
    "registered_capital",
    "capital_currency",
    "credit_grade",
)
FIELD_LABELS = {
    "name_en": N_("English name"),
    "name_zh": N_("Chinese name"),
    "country": N_("Country"),
    "uscc": N_("USCC"),
    "national_id": N_("National identifier"),
    "area": N_("Area"),
    "sectors": N_("Sectors"),
    "registration_date": N_("Registration date"),
    "foreign_invested": N_("Foreign investment"),
    "investor_countries": N_("Investor countries"),
    "registered_capital": N_("Registered capital"),
    "capital_currency": N_("Currency"),
    "credit_grade": N_("Credit grade"),
}


@dataclass(slots=True)
class EnterpriseForm:
    values: dict[str, Any]
    errors: dict[str, list[str]]
    body: EnterpriseCreate | None

    @property
    def ok(self) -> bool:
        return self.body is not None and not any(self.errors.values())


def _base_field(loc: str) -> str:
    return re.split(r"[\[.]", loc, maxsplit=1)[0]


def _pydantic_message(err: Any) -> str:
    kind = str(err.get("type", ""))
    field = str(err["loc"][0]) if err.get("loc") else ""
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return gettext("is required")
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return gettext("is required")
        return gettext("at least %(n)s characters", n=ctx.get("min_length"))
    if kind == "string_too_long":
        return gettext("at most %(n)s characters", n=ctx.get("max_length"))
    if kind == "too_short" and field == "sectors":
        return gettext("choose at least one sector")
    if kind.startswith("date"):
        return gettext("must be a date (YYYY-MM-DD)")
    if kind.startswith("decimal") or kind in ("finite_number", "decimal_type"):
        return gettext("must be a number, e.g. 5000000.00")
    if kind == "string_pattern_mismatch":
        if field in ("country", "investor_countries"):
            return gettext("must be two-letter ISO 3166-1 country codes, e.g. KZ")
        if field == "capital_currency":
            return gettext("must be a three-letter ISO 4217 currency code, e.g. CNY")
    return str(err.get("msg", "is not valid")).removeprefix("Value error, ")


def _split_codes(raw: str) -> list[str]:
    codes: list[str] = []
    for part in re.split(r"[\s,;]+", raw.upper()):
        if part and part not in codes:
            codes.append(part)
    return codes


def _lenient_details(values: dict[str, Any]) -> EnterpriseDetails:
    """The details as far as they can be read, so that domain rules are checked even when some field is malformed."""
    try:
        registered = date.fromisoformat(values["registration_date"])
    except ValueError:
        registered = date(2000, 1, 1)  # not looked at by the domain's rules
    capital: Decimal | None
    try:
        capital = Decimal(values["registered_capital"].replace(",", "")) if values["registered_capital"] else None
    except InvalidOperation:
        capital = None
    if capital is not None and not capital.is_finite():
        capital = None
    sector_values = {s.value for s in Sector}
    grades = {g.value: g for g in CreditGrade}
    return EnterpriseDetails(
        name_en=values["name_en"],
        name_zh=values["name_zh"] or None,
        country=values["country"],
        area_code=values["area"],
        sectors=frozenset(Sector(s) for s in values["sectors"] if s in sector_values),
        registration_date=registered,
        uscc=values["uscc"] or None,
        national_id=values["national_id"] or None,
        foreign_invested=values["foreign_invested"],
        investor_countries=frozenset(_split_codes(values["investor_countries"])),
        registered_capital=capital,
        capital_currency=values["capital_currency"] or None,
        credit_grade=grades.get(values["credit_grade"], CreditGrade.GENERAL),
    )


def read_enterprise_form(form: FormData, known_areas: frozenset[str]) -> EnterpriseForm:
    """Field errors of the registration form: the domain's own rules first, then the API schema's."""

    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    values: dict[str, Any] = {name: text(name) for name in FORM_FIELDS}
    values["country"] = values["country"].upper()
    values["capital_currency"] = values["capital_currency"].upper()
    values["sectors"] = [s for s in form.getlist("sectors") if isinstance(s, str)]
    values["foreign_invested"] = text("foreign_invested").lower() in ("true", "on", "1", "yes")
    values["credit_grade"] = values["credit_grade"] or CreditGrade.GENERAL.value

    payload: dict[str, Any] = {
        "name_en": values["name_en"],
        "name_zh": values["name_zh"] or None,
        "country": values["country"] or "CN",
        "area": values["area"],
        "sectors": values["sectors"],
        "uscc": values["uscc"] or None,
        "national_id": values["national_id"] or None,
        "foreign_invested": values["foreign_invested"],
        "investor_countries": _split_codes(values["investor_countries"]),
        "registered_capital": values["registered_capital"].replace(",", "").replace(" ", "") or None,
        "capital_currency": values["capital_currency"] or None,
        "credit_grade": values["credit_grade"],
    }
    if values["registration_date"]:
        payload["registration_date"] = values["registration_date"]

    schema_errors: dict[str, list[str]] = {}
    body: EnterpriseCreate | None = None
    try:
        body = EnterpriseCreate.model_validate(payload)
    except ValidationError as exc:
        for err in exc.errors():
            name = _base_field(str(err["loc"][0])) if err["loc"] else "form"
            schema_errors.setdefault(name, []).append(_pydantic_message(err))

    details = body.to_details() if body is not None else _lenient_details(values)
    domain_errors: dict[str, list[str]] = {}
    for problem in details.problems(known_areas):
        domain_errors.setdefault(_base_field(problem.field), []).append(i18n.field_message(problem))
    if not values["area"]:
        domain_errors["area"] = [gettext("choose the area of the zone")]

    errors: dict[str, list[str]] = {}
    for name in {*FORM_FIELDS, *schema_errors, *domain_errors}:
        messages = domain_errors.get(name) or schema_errors.get(name) or []
        if messages:
            errors[name if name in FORM_FIELDS else "form"] = messages
    return EnterpriseForm(values=values, errors=errors, body=body)


def _form_context(zone_uow: ZoneUnitOfWork, form: EnterpriseForm) -> dict[str, Any]:
    countries = sorted(((code, i18n.country(code)) for code in all_countries()), key=lambda kv: kv[1])
    currencies = sorted((code, i18n.currency(code, name)) for code, name in all_currencies().items())
    return {
        "values": form.values,
        "errors": form.errors,
        "fields": FORM_FIELDS,
        "labels": FIELD_LABELS,
        "countries": countries,
        "currencies": currencies,
        "areas": zone_handlers.list_areas(zone_uow),
        "sectors": list(Sector),
        "grades": list(CreditGrade),
    }


def _require_registrar(viewer: Viewer) -> None:
    if viewer.actor.role not in handlers.REGISTRARS:
        role = i18n.in_sentence(viewer.actor.role.label)
        raise PermissionDenied(gettext("a %(role)s may not register enterprises", role=role))


def _known_areas(zone_uow: ZoneUnitOfWork) -> frozenset[str]:
    return frozenset(a.code for a in zone_handlers.list_areas(zone_uow))


@router.get("/enterprises/new", response_class=HTMLResponse)
def enterprise_new(request: Request, viewer: CurrentViewer, zone_uow: ZoneUow) -> HTMLResponse:
    _require_registrar(viewer)
    today = local(clock_now(request)).date().isoformat()
    values = dict.fromkeys(FORM_FIELDS, "") | {
        "country": "CN",
        "sectors": [],
        "foreign_invested": False,
        "registration_date": today,
        "credit_grade": CreditGrade.GENERAL.value,
    }
    form = EnterpriseForm(values=values, errors={}, body=None)
    return render(request, "enterprises/new.html", _form_context(zone_uow, form), viewer=viewer, active="enterprises")


@router.post("/enterprises/validate", response_class=HTMLResponse)
def enterprise_validate(
    request: Request, viewer: CurrentViewer, form: Form, zone_uow: ZoneUow, field: str = ""
) -> HTMLResponse:
    """Inline validation: the error of the field that changed, and clears every other field that is now right."""
    require_csrf(request, form)
    _require_registrar(viewer)
    checked = read_enterprise_form(form, _known_areas(zone_uow))
    changed = field if field in FORM_FIELDS else None
    # another field's errors show once the user has filled it in (a country change can make a USCC wrong);
    # an untouched empty field is not scolded before the form is submitted - it is only cleared when fine
    others = [
        (name, checked.errors.get(name, []))
        for name in FORM_FIELDS
        if name != changed and (not checked.errors.get(name) or checked.values[name])
    ]
    context = {"field": changed, "errors": checked.errors, "others": others}
    return render(request, "enterprises/_validation.html", context, viewer=viewer)


@router.post("/enterprises/new", response_class=HTMLResponse)
def enterprise_create(request: Request, viewer: CurrentViewer, form: Form, uow: Uow, zone_uow: ZoneUow) -> Response:
    require_csrf(request, form)
    _require_registrar(viewer)
    checked = read_enterprise_form(form, _known_areas(zone_uow))
    if checked.ok and checked.body is not None:
        try:
            cmd = RegisterEnterprise(details=checked.body.to_details())
            enterprise = handlers.register_enterprise(uow, viewer.actor, cmd)
        except ValidationFailed as exc:
            for err in exc.errors:
                checked.errors.setdefault(_base_field(err.field), []).append(err.message)
        except Conflict as exc:
            name, sep, message = exc.detail.partition(": ")
            key = name if sep and name in FORM_FIELDS else "form"
            checked.errors.setdefault(key, []).append(message if key != "form" else exc.detail)
        else:
            return RedirectResponse(f"/enterprises/{enterprise.id}", status_code=303)
    context = _form_context(zone_uow, checked)
    return render(request, "enterprises/new.html", context, viewer=viewer, active="enterprises", status_code=422)


@router.get("/enterprises/{enterprise_id}", response_class=HTMLResponse)
def enterprise_detail(request: Request, enterprise_id: str, viewer: CurrentViewer, uow: Uow) -> HTMLResponse:
    enterprise = handlers.get_enterprise(uow, viewer.actor, enterprise_id)
    context = {"e": enterprise, "d": enterprise.details}
    return render(request, "enterprises/detail.html", context, viewer=viewer, active="enterprises")
