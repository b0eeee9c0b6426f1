"""HTTP API of the freight modes: China-Europe trains, vehicle exports, air cargo, mail."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/freight", tags=["freight"])
