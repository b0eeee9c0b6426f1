"""The language switcher: POST /preferences/language (a plain form: works without JavaScript).

Signed in, the choice is stored on the user (it follows them to any browser) and in the ``lang`` cookie; the
form carries the session's CSRF token. On the sign-in page, with nobody signed in, only the cookie is set (the
request must come from this site's own pages: a foreign site may not change a visitor's language either).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from silkport.enterprises.services import auth
from silkport.enterprises.services.ports import EnterpriseUnitOfWork
from silkport.entrypoints.web import i18n
from silkport.entrypoints.web.i18n import gettext
from silkport.entrypoints.web.pages import Form, PageRoute, _safe_next, _same_origin, require_csrf
from silkport.infra.web import OptionalActor, service
from silkport.shared.errors import FieldError, PermissionDenied, ValidationFailed

router = APIRouter(include_in_schema=False, route_class=PageRoute)

Uow = Annotated[EnterpriseUnitOfWork, Depends(service("enterprises"))]


@router.post("/preferences/language")
def choose_language(request: Request, form: Form, uow: Uow, actor: OptionalActor) -> Response:
    chosen = form.get("locale")
    locale = chosen.strip() if isinstance(chosen, str) else ""
    if actor is not None:
        require_csrf(request, form)
    elif not _same_origin(request):
        raise PermissionDenied(gettext("the language can only be changed from this site's own pages"))
    if locale not in i18n.LOCALES:
        known = ", ".join(i18n.LOCALES)
        raise ValidationFailed(
            FieldError(
                "locale", gettext("%(value)r is not a language of the web UI (%(known)s)", value=locale, known=known)
            )
        )
    if actor is not None:
        auth.set_locale(uow, actor, locale)
    i18n.prefer_user_locale(locale)
    response = RedirectResponse(_safe_next(form.get("next")), status_code=303)
    response.set_cookie(
        i18n.LOCALE_COOKIE,
        locale,
        max_age=i18n.LOCALE_COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=bool(request.app.state.platform.settings.cookie_secure),
    )
    return response
