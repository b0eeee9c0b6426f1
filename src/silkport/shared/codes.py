"""ISO 3166 countries and ISO 4217 currencies (pycountry), and code-shaped value checks."""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

LOCODE_RE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
HS_RE = re.compile(r"^\d{6}(\d{2}){0,2}$")
_LOCODE_NOISE_RE = re.compile(r"[\s\-]")


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    return {c.alpha_2: c.name for c in pycountry.countries}


@lru_cache(maxsize=1)
def _currencies() -> dict[str, str]:
    return {c.alpha_3: c.name for c in pycountry.currencies}


def is_country(code: str) -> bool:
    return code in _countries()


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes: ``code in country_codes()`` is ``is_country(code)`` (for hot loops)."""
    return frozenset(_countries())


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
    return _LOCODE_NOISE_RE.sub("", code).upper()


def is_locode_shaped(code: str) -> bool:
    # a code that has the shape keeps it once normalised (nothing to strip or upper-case): skip the rewrite
    return LOCODE_RE.match(code) is not None or LOCODE_RE.match(normalise_locode(code)) is not None
