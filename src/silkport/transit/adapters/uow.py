"""The transit unit of work (defined with its repositories in :mod:`silkport.transit.adapters.repository`)."""

from __future__ import annotations

from silkport.transit.adapters.repository import SqlTransitUnitOfWork

__all__ = ["SqlTransitUnitOfWork"]
