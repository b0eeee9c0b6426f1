"""RFC 9457 problem+json for every error, with field-level detail; a 500 is a bug and says so."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from silkport.shared.errors import DomainError, ValidationFailed

log = logging.getLogger("silkport.http")
PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, instance: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _loc(loc: tuple[int | str, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header", "cookie")] or list(loc)
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "is required"
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = next(str(e.get("ctx", {}).get("error", "")) for e in errors if e.get("type") == "json_invalid")
        return problem(400, "Malformed JSON", f"the request body is not valid JSON: {detail}".rstrip(": "))
    fields = [{"field": _loc(tuple(e.get("loc", ()))), "message": _message(e)} for e in errors]
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return problem(422, "Validation failed", detail, errors=fields)


async def _domain(request: Request, exc: DomainError) -> JSONResponse:
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationFailed):
        extra["errors"] = [{"field": e.field, "message": e.message} for e in exc.errors]
    # a context may add members of its own (e.g. transit's eTIR error class and code)
    more = getattr(exc, "problem_extra", None)
    if isinstance(more, dict):
        extra.update(more)
    return problem(exc.status, exc.title, exc.detail, **extra)


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden", 413: "Too large"}
    return problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "Internal error", "an unexpected error occurred; it has been logged")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(DomainError, _domain)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
