"""Loads the corridors' service levels from ``logistics/data/corridors.yaml`` (or another file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from silkport.logistics.domain.sla import ServiceLevel, parse_corridors

CORRIDORS_FILE = Path(__file__).resolve().parent.parent / "data" / "corridors.yaml"


def load_service_levels(path: Path | None = None) -> dict[str, ServiceLevel]:
    """Service levels by corridor code; a malformed file raises ValidationFailed naming each field."""
    with (path or CORRIDORS_FILE).open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        data = {}
    return parse_corridors(data)


@lru_cache(maxsize=1)
def default_service_levels() -> dict[str, ServiceLevel]:
    return load_service_levels()
