"""Base types for commands (intent) and events (facts) that contexts exchange."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Command:
    """Something an actor asks for; a handler accepts or refuses it."""


@dataclass(frozen=True, kw_only=True)
class Event:
    """Something that happened; other contexts may react to it."""
