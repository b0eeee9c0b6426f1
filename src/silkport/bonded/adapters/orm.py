"""SQLAlchemy tables of the bonded context: accounts, lots, movements, postings."""

from __future__ import annotations
