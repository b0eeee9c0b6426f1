"""SQLAlchemy tables of the transit context: TIR guarantees, transports and operations."""

from __future__ import annotations
