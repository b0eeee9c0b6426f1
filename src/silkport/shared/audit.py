"""The port through which every state change is written to the append-only audit log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from silkport.shared.actor import Actor


class AuditTrail(Protocol):
    def record(
        self,
        *,
        actor: Actor,
        action: str,
        object_type: str,
        object_id: str,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        reason: str | None = None,
    ) -> None:
        """Append one entry (who, when, what, why) in the caller's transaction."""
        ...
