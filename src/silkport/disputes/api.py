"""HTTP API of the international legal service desk."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/disputes", tags=["disputes"])
