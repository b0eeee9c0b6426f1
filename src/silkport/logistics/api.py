"""HTTP API of the logistics context: consignments, tracking events, history, delivery clocks."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/logistics", tags=["logistics"])
