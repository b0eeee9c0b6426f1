"""SQLAlchemy tables of the logistics context: consignments, legs, tracking events, SLA alerts."""

from __future__ import annotations
