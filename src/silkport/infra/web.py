"""HTTP plumbing shared by every context's router: who is calling, and their unit of work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from silkport.shared.actor import Actor
from silkport.shared.errors import AuthenticationFailed

Authenticator = Callable[[Request], Actor | None]
#: the web session cookie (HttpOnly, SameSite=Lax, Secure unless SILKPORT_COOKIE_SECURE=false)
SESSION_COOKIE = "silkport_session"
#: the zone this installation runs
ZONE_NAME = "China (Xinjiang) Pilot Free Trade Zone"


# The dependencies below are coroutines on purpose: FastAPI runs every plain ``def`` dependency in the thread
# pool, one hand-off from the event loop to a worker thread and back per dependency (a lock hand-over, a thread
# wake-up and a loop wake-up each). Only the token check does I/O, so only it goes to a thread, once a request.


async def optional_actor(request: Request) -> Actor | None:
    """The caller, from a bearer token or a web session cookie (set up by the app factory)."""
    if not hasattr(request.state, "actor"):
        authenticate: Authenticator = request.app.state.authenticate
        request.state.actor = await run_in_threadpool(authenticate, request)  # reads the token's row
    actor: Actor | None = request.state.actor
    return actor


async def current_actor(request: Request) -> Actor:
    actor = await optional_actor(request)
    if actor is None:
        raise AuthenticationFailed("sign in, or send 'Authorization: Bearer <token>' (POST /api/v1/auth/token)")
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
OptionalActor = Annotated[Actor | None, Depends(optional_actor)]


def service(name: str) -> Callable[[Request], Any]:
    """A dependency that builds the named unit of work (or other service) the composition root registered.

    Run on the event loop: the factories only construct objects (a unit of work opens its session when it is
    entered, in the endpoint's thread); the configurations the composition root caches are built on their
    first call, once per process."""

    async def provide(request: Request) -> Any:
        factory: Callable[[], Any] = request.app.state.services[name]
        return factory()

    provide.__name__ = f"provide_{name}"
    return provide
