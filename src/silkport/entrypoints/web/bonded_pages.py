"""Web pages for bonded (placeholder: filled in by its author this session)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
