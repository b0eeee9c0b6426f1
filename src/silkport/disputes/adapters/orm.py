"""SQLAlchemy tables of the disputes context."""

from __future__ import annotations
