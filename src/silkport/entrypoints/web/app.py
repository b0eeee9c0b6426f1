"""The FastAPI application factory: API, web UI, operations endpoints, one process."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from silkport.bonded import api as bonded_api
from silkport.bootstrap import Platform, bootstrap
from silkport.clearance import api as clearance_api
from silkport.disputes import api as disputes_api
from silkport.enterprises import api as enterprises_api
from silkport.enterprises.services import auth
from silkport.entrypoints.web import (
    bonded_pages,
    dashboard_pages,
    declaration_pages,
    dispute_pages,
    freight_pages,
    i18n,
    ops,
    pages,
    partners,
    preferences,
    webhooks,
)
from silkport.entrypoints.web import twin as twin_web
from silkport.infra.idempotency import IdempotencyMiddleware
from silkport.infra.logs import configure_logging
from silkport.infra.middleware import BodyLimitMiddleware, Metrics, ObservabilityMiddleware
from silkport.infra.problems import install_problem_handlers
from silkport.infra.security import csrf_ok
from silkport.infra.web import SESSION_COOKIE
from silkport.logistics import api as logistics_api
from silkport.logistics import modes_api
from silkport.shared.actor import Actor
from silkport.shared.errors import AuthenticationFailed, PermissionDenied
from silkport.transit import api as transit_api
from silkport.twin.runs import TwinRuns
from silkport.zone import api as zone_api
from silkport.zone import refdata_api

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STATIC_DIR = Path(__file__).parent / "static"


def _authenticator(platform: Platform):  # type: ignore[no-untyped-def]
    def authenticate(request: Request) -> Actor | None:
        header = request.headers.get("authorization")
        if header:
            scheme, _, raw = header.partition(" ")
            if scheme.lower() != "bearer" or not raw.strip():
                raise AuthenticationFailed("the Authorization header must be 'Bearer <token>'")
            actor, _ = auth.resolve_token(platform.enterprises_reader(), raw.strip(), "api")
            return actor
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        try:
            actor, _ = auth.resolve_token(platform.enterprises_reader(), cookie, "session")
        except AuthenticationFailed:
            return None
        # a browser session calling the API must prove the request came from our own pages
        unsafe_api_call = request.method not in SAFE_METHODS and request.url.path.startswith("/api/")
        if unsafe_api_call and not csrf_ok(platform.settings.secret_key, cookie, request.headers.get("x-csrf-token")):
            raise PermissionDenied("missing or wrong X-CSRF-Token for a cookie-authenticated request")
        return actor

    return authenticate


def create_app(platform: Platform | None = None) -> FastAPI:
    platform = platform or bootstrap()
    settings = platform.settings
    configure_logging(settings.log_level, settings.log_json)
    app = FastAPI(
        title="silkport",
        version="0.1.0",
        description="Operating platform of the China (Xinjiang) Pilot Free Trade Zone model: registry, "
        "clearance, freight, bonded ledgers, disputes, analytics and a digital twin.",
    )
    metrics = Metrics()
    app.state.platform = platform
    app.state.metrics = metrics
    app.state.authenticate = _authenticator(platform)
    twin_runs = TwinRuns()
    app.state.services = {
        "enterprises": platform.enterprises_uow,
        "zone": platform.zone_uow,
        "hasher": lambda: platform.hasher,
        "clearance": platform.clearance_uow,
        "clearance_config": platform.clearance_config,
        "transit": platform.transit_uow,
        "logistics": platform.logistics_uow,
        "freight": platform.freight_uow,
        "bonded": platform.bonded_uow,
        "disputes": platform.disputes_uow,
        "bonded_config": platform.bonded_config,
        "webhooks": platform.webhooks,
        "partners": platform.partners,
        "partner_dispatcher": platform.partner_dispatcher,
        "partner_receiver": platform.partner_receiver,
        "partner_processor": platform.partner_processor,
        "twin_runs": lambda: twin_runs,
    }
    install_problem_handlers(app)
    # outermost first: ids/metrics see everything, then the size limit, then idempotency
    app.add_middleware(IdempotencyMiddleware, store_factory=platform.idempotency_store)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    app.add_middleware(i18n.LocaleMiddleware)  # the request's language (cookie, Accept-Language) for the pages

    app.include_router(ops.router)
    app.include_router(enterprises_api.auth_router)
    app.include_router(enterprises_api.router)
    app.include_router(zone_api.router)
    app.include_router(refdata_api.router)
    app.include_router(clearance_api.router)
    app.include_router(clearance_api.rulebook_router)
    app.include_router(webhooks.router)
    app.include_router(logistics_api.router)
    app.include_router(modes_api.router)
    app.include_router(transit_api.router)
    app.include_router(partners.router)
    app.include_router(bonded_api.router)
    app.include_router(disputes_api.router)
    app.include_router(pages.router)
    app.include_router(preferences.router)
    app.include_router(declaration_pages.router)
    app.include_router(dispute_pages.router)
    app.include_router(dashboard_pages.router)
    app.include_router(twin_web.router)
    app.include_router(freight_pages.router)
    app.include_router(bonded_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
