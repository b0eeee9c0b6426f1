"""HTTP API of TIR transit, named after the eTIR message pairs."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/transit", tags=["transit"])
