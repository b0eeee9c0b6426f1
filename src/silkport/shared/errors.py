"""Errors every bounded context raises; entrypoints map them to RFC 9457 problems."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field-level problem a user can act on, e.g. ``uscc``: check character should be 8.

    ``message`` is the English text (the API shows it). ``template`` and ``params``, when given, are the message's
    gettext template (``"%(code)s does not exist in HS 2022"``) and its values, so that the web pages can show it in
    the reader's language (build one with :func:`silkport.shared.text.field_error`). They take no part in equality:
    two errors are the same when they name the same field with the same English text.
    """

    field: str
    message: str
    template: str | None = dataclasses.field(default=None, compare=False)
    params: Mapping[str, object] | None = dataclasses.field(default=None, compare=False)


class DomainError(Exception):
    """Base of every expected, user-facing error.

    ``detail`` is English (the API shows it). Given a :class:`silkport.shared.text.Text` (``templated(...)``), the
    error also keeps its ``template`` and ``params`` for the pages to show it in the reader's language."""

    status: int = 400
    title: str = "Bad request"
    template: str | None = None
    params: Mapping[str, object] | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = str(detail)
        template = getattr(detail, "template", None)
        if isinstance(template, str):
            self.template = template
            self.params = getattr(detail, "params", None)


class ValidationFailed(DomainError):
    """Input broke one or more rules; ``errors`` names each field."""

    status = 422
    title = "Validation failed"

    def __init__(self, errors: list[FieldError] | FieldError, detail: str | None = None) -> None:
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        super().__init__(detail or "; ".join(f"{e.field}: {e.message}" for e in self.errors))


class NotFound(DomainError):
    """The object does not exist, or the actor may not know it exists."""

    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The request clashes with the current state (duplicate, illegal transition...)."""

    status = 409
    title = "Conflict"


class PermissionDenied(DomainError):
    """The actor is known but their role may not do this."""

    status = 403
    title = "Forbidden"


class AuthenticationFailed(DomainError):
    """No valid credentials."""

    status = 401
    title = "Unauthorized"


class IllegalTransition(Conflict):
    """A state machine was asked to move along an edge it does not have."""

    title = "Illegal state transition"

    def __init__(self, what: str, current: str, target: str) -> None:
        super().__init__(f"{what} cannot go from {current!r} to {target!r}")
        self.current = current
        self.target = target
