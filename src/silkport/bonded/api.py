"""HTTP API of bonded operations: warehouses, aircraft maintenance, aviation fuel, reports."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/bonded", tags=["bonded"])
