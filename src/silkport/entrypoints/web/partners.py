"""Partner customs exchange: partner registry, inbound endpoint, outbound queue and dead letters."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/partners", tags=["partners"])
