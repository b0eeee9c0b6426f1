"""ISO 3166 countries and ISO 4217 currencies (pycountry), and code-shaped value checks."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

LOCODE_RE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
HS_RE = re.compile(r"^\d{6}(\d{2}){0,2}$")


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    return {c.alpha_2: c.name for c in pycountry.countries}


@lru_cache(maxsize=1)
def _currencies() -> dict[str, str]:
    return {c.alpha_3: c.name for c in pycountry.currencies}


def is_country(code: str) -> bool:
    return code in _countries()


def country_name(code: str) -> str | None:
    return _countries().get(code)


def all_countries() -> dict[str, str]:
    return dict(_countries())


def is_currency(code: str) -> bool:
    return code in _currencies()


def currency_name(code: str) -> str | None:
    return _currencies().get(code)


def all_currencies() -> dict[str, str]:
    return dict(_currencies())


def normalise_locode(code: str) -> str:
    """'CN URC', 'cnurc' and 'CN-URC' all become 'CNURC'."""
    return re.sub(r"[\s\-]", "", code).upper()


def is_locode_shaped(code: str) -> bool:
    return bool(LOCODE_RE.match(normalise_locode(code)))
