"""SQLAlchemy tables of the freight modes: train runs, vehicle exports, flights, postal items."""

from __future__ import annotations
