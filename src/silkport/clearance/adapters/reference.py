"""Reference tables of the clearance context shipped as package data."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from functools import lru_cache
from importlib import resources

import yaml

from silkport.clearance.domain.recognition import RecognitionPolicy


def _text(name: str) -> str | None:
    path = resources.files("silkport.clearance").joinpath(f"data/{name}")
    return path.read_text(encoding="utf-8") if path.is_file() else None


@lru_cache(maxsize=1)
def load_units() -> frozenset[str]:
    """UN/ECE Recommendation 20 codes silkport knows (``data/rec20-units.csv``)."""
    text = _text("rec20-units.csv") or ""
    return frozenset(row["code"] for row in csv.DictReader(io.StringIO(text)))


@lru_cache(maxsize=1)
def load_value_ranges() -> dict[str, tuple[Decimal, Decimal]]:
    """Reference value per net kg (CNY) by HS heading (``data/value-ranges.csv``), if shipped."""
    text = _text("value-ranges.csv")
    if text is None:
        return {}
    rows = csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#"))
    return {row["hs4"]: (Decimal(row["low_cny_per_kg"]), Decimal(row["high_cny_per_kg"])) for row in rows}


@lru_cache(maxsize=1)
def load_recognition_policy() -> RecognitionPolicy | None:
    """The streamlined-highway corridors (``data/streamlined-highway.yaml``), if shipped."""
    text = _text("streamlined-highway.yaml")
    if text is None:
        return None
    return RecognitionPolicy.from_mapping(yaml.safe_load(text))
