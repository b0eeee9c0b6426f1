"""HTTP plumbing shared by every context's router: who is calling, and their unit of work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from silkport.shared.actor import Actor
from silkport.shared.errors import AuthenticationFailed

Authenticator = Callable[[Request], Actor | None]
#: the web session cookie (HttpOnly, SameSite=Lax, Secure unless SILKPORT_COOKIE_SECURE=false)
SESSION_COOKIE = "silkport_session"
#: the zone this installation runs
ZONE_NAME = "China (Xinjiang) Pilot Free Trade Zone"


def optional_actor(request: Request) -> Actor | None:
    """The caller, from a bearer token or a web session cookie (set up by the app factory)."""
    if not hasattr(request.state, "actor"):
        authenticate: Authenticator = request.app.state.authenticate
        request.state.actor = authenticate(request)
    actor: Actor | None = request.state.actor
    return actor


def current_actor(request: Request) -> Actor:
    actor = optional_actor(request)
    if actor is None:
        raise AuthenticationFailed("sign in, or send 'Authorization: Bearer <token>' (POST /api/v1/auth/token)")
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
OptionalActor = Annotated[Actor | None, Depends(optional_actor)]


def service(name: str) -> Callable[[Request], Any]:
    """A dependency that builds the named unit of work (or other service) the composition root registered."""

    def provide(request: Request) -> Any:
        factory: Callable[[], Any] = request.app.state.services[name]
        return factory()

    provide.__name__ = f"provide_{name}"
    return provide
