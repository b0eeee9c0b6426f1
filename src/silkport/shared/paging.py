"""Cursor pagination shared by every list endpoint."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from silkport.shared.errors import FieldError, ValidationFailed

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, expected_len: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(FieldError("cursor", "is not a cursor this server issued")) from exc
    if not isinstance(values, list) or len(values) != expected_len:
        raise ValidationFailed(FieldError("cursor", "does not match this listing's sort order"))
    return values


def cursor_instant(value: Any) -> datetime:
    """The timestamp a cursor carries; anything else is the client's bad cursor (422), never a 500."""
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationFailed(FieldError("cursor", "is not a cursor this server issued")) from exc


def cursor_date(value: Any) -> date:
    """The date a cursor carries (see :func:`cursor_instant`)."""
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationFailed(FieldError("cursor", "is not a cursor this server issued")) from exc
