"""Reference figures from outside the zone's own data (analytics/data/reference.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class RegionTotal:
    start: date
    end: date
    total_cny: Decimal
    estimated: bool
    source: str


@dataclass(frozen=True, slots=True)
class References:
    xinjiang_trade: tuple[RegionTotal, ...]
    area_airports: dict[str, tuple[str, ...]]

    def region_total(self, start: date, end: date) -> RegionTotal | None:
        """Xinjiang's foreign trade total for exactly this period, when one is configured."""
        for entry in self.xinjiang_trade:
            if entry.start == start and entry.end == end:
                return entry
        return None


def parse_references(data: dict[str, Any]) -> References:
    totals = tuple(
        RegionTotal(
            start=date.fromisoformat(str(e["from"])),
            end=date.fromisoformat(str(e["to"])),
            total_cny=Decimal(str(e["total_cny"])),
            estimated=bool(e.get("estimated", False)),
            source=str(e["source"]).strip(),
        )
        for e in data.get("xinjiang_foreign_trade", [])
    )
    airports = {str(k): tuple(str(x) for x in v or ()) for k, v in (data.get("area_airports") or {}).items()}
    return References(totals, airports)


@cache
def load_references() -> References:
    text = resources.files("silkport.analytics").joinpath("data/reference.yaml").read_text(encoding="utf-8")
    return parse_references(yaml.safe_load(text))
