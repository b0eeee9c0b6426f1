"""The article's claims about the zone, each beside the figure computed from the zone's own data.

Each claim has its own period (the article's) and, for some, its own area. ``compute_claims`` uses them
unless told otherwise: a ``period`` given replaces every claim's period, an ``area`` given replaces every
claim's area (zone-wide claims then cover that area only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from silkport.analytics import indicators as ind
from silkport.analytics import stats
from silkport.analytics.indicators import Period
from silkport.analytics.reference import References, load_references
from silkport.shared.text import N_, templated


@dataclass(frozen=True, slots=True)
class Claim:
    key: str
    claim: str  # the article's words, short
    unit: str
    article_value: Decimal
    period: Period
    area: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimResult:
    key: str
    claim: str
    unit: str
    period: Period
    area: str | None
    article_value: Decimal
    computed_value: Decimal | None  # None: nothing to compute it from (e.g. no data, no reference total)
    difference_pct: Decimal | None  # (computed - article) / article, in %
    note: str
    #: the computed figure before rounding for display (a share in % to many places), when it differs:
    #: what a scaled-down demo's figure is scaled back from
    unrounded_value: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ScaledBack:
    """A figure of a scaled-down demo brought back to the article's scale: ``value`` = computed / ``factor``."""

    factor: Decimal  # the share of the article's volume the demo generated for this figure (1 for ratios, times)
    value: Decimal | None
    difference_pct: Decimal | None  # (scaled back - article) / article, in %

    @property
    def scaled(self) -> bool:
        return self.factor != 1


def scale_back(result: ClaimResult, factor: Decimal) -> ScaledBack:
    """Divide the computed figure by the demo's factor (kept to the computed figure's decimal places)."""
    if factor <= 0:
        raise ValueError(f"scale factor {factor} is not positive")
    value = result.computed_value
    if value is not None and factor != 1:
        exact = result.unrounded_value if result.unrounded_value is not None else value
        value = (exact / factor).quantize(Decimal(1).scaleb(value.as_tuple().exponent))  # type: ignore[arg-type]
    return ScaledBack(factor, value, stats.difference_pct(value, result.article_value))


TWO_YEARS = Period(date(2023, 11, 1), date(2025, 9, 30))
JAN_SEP_2025 = Period(date(2025, 1, 1), date(2025, 9, 30))
JAN_AUG_2025 = Period(date(2025, 1, 1), date(2025, 8, 31))
SINCE_LEGAL_ZONE = Period(date(2024, 8, 1), date(2025, 9, 30))

CLAIMS: tuple[Claim, ...] = (
    Claim("new_enterprises", N_("new enterprises, Nov 2023 - Sep 2025"), N_("enterprises"), Decimal(18000), TWO_YEARS),
    Claim("foreign_trade_share", N_("share of Xinjiang's foreign trade, Jan-Sep 2025"), "%", Decimal(40), JAN_SEP_2025),
    Claim(
        "air_cargo_tonnes",
        N_("Urumqi airport international cargo, Jan-Aug 2025"),
        N_("t"),
        Decimal(68100),
        JAN_AUG_2025,
        "URUMQI",
    ),
    Claim("air_cargo_yoy", N_("air cargo change on Jan-Aug 2024"), "%", Decimal(370), JAN_AUG_2025, "URUMQI"),
    Claim(
        "vehicle_exports",
        N_("commercial vehicle exports via Horgos, Nov 2023 - Sep 2025"),
        N_("vehicles"),
        Decimal(780000),
        TWO_YEARS,
        "HORGOS",
    ),
    Claim(
        "kashgar_kyrgyzstan_trade",
        N_("Kashgar-Kyrgyzstan bilateral trade, Jan-Sep 2025"),
        "CNY",
        Decimal("3660000000"),
        JAN_SEP_2025,
        "KASHGAR",
    ),
    Claim(
        "horgos_clearance_before",
        N_("Horgos clearance time before the smart port (median)"),
        N_("h"),
        Decimal(3),
        TWO_YEARS,
        "HORGOS",
    ),
    Claim(
        "horgos_clearance_after",
        N_("Horgos clearance time with the smart port (median)"),
        N_("h"),
        Decimal(1),
        TWO_YEARS,
        "HORGOS",
    ),
    Claim(
        "kashgar_kyrgyzstan_w2w",
        N_("Kashgar-Kyrgyzstan warehouse to warehouse within 48-72 h (p90)"),
        N_("h"),
        Decimal(72),
        TWO_YEARS,
    ),
    Claim(
        "litigation_cases",
        N_("litigation cases since Aug 2024 (more than)"),
        N_("cases"),
        Decimal(100),
        SINCE_LEGAL_ZONE,
    ),
    Claim(
        "disputes_resolved",
        N_("cross-border disputes resolved since Aug 2024 (about)"),
        N_("disputes"),
        Decimal(270),
        SINCE_LEGAL_ZONE,
    ),
)

#: (computed figure, note) or (computed figure, note, the figure before rounding)
Computed = tuple[Decimal | None, str] | tuple[Decimal | None, str, Decimal | None]
T = TypeVar("T")


class _Memo:
    """Each indicator once per (period, area) for a whole report (before/after, tonnes/change share one)."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, Period, str | None], Any] = {}

    def get(self, name: str, period: Period, area: str | None, compute: Callable[[], T]) -> T:
        key = (name, period, area)
        if key not in self.values:
            self.values[key] = compute()
        result: T = self.values[key]
        return result


def _compute(
    session: Session, claim: Claim, period: Period, area: str | None, refs: References, memo: _Memo
) -> Computed:
    k = claim.key
    if k == "new_enterprises":
        return Decimal(ind.new_enterprises(session, period, area).total), templated(
            "enterprises registered in the period"
        )
    if k == "foreign_trade_share":
        t = ind.foreign_trade(session, period, area, refs)
        if t.region_total_cny is None:
            return None, templated(
                "no Xinjiang total configured for %(period)s; zone trade %(zone)s CNY",
                period=period.label(),
                zone=t.total_cny,
            )
        template = (
            N_("zone %(zone)s CNY of Xinjiang %(region)s CNY (regional total ESTIMATED)")
            if t.region_total_estimated
            else N_("zone %(zone)s CNY of Xinjiang %(region)s CNY")
        )
        note = templated(template, zone=t.total_cny, region=t.region_total_cny)
        exact = t.total_cny / t.region_total_cny * 100 if t.region_total_cny else None
        return t.share_of_region_pct, note, exact
    if k in ("air_cargo_tonnes", "air_cargo_yoy"):
        a = memo.get("air", period, area, lambda: ind.air_cargo(session, period, area, refs))
        if k == "air_cargo_tonnes":
            return a.tonnes, templated("%(flights)s flights", flights=a.flights)
        return a.change_pct, templated(
            "%(tonnes)s t against %(previous)s t a year before", tonnes=a.tonnes, previous=a.previous_tonnes
        )
    if k == "vehicle_exports":
        return Decimal(ind.vehicle_exports(session, period, area).total), templated("vehicles by exit date")
    if k == "kashgar_kyrgyzstan_trade":
        rows = ind.bilateral_trade(session, period, area, partner="KG")
        total = sum((r.total_cny for r in rows), Decimal(0))
        return total, templated("%(count)s declarations with KG as partner", count=sum(r.declarations for r in rows))
    if k in ("horgos_clearance_before", "horgos_clearance_after"):
        c = memo.get("clearance", period, area, lambda: ind.clearance_times(session, period, area, stages=False))
        d = c.before if k.endswith("before") else c.after
        if d is None:
            return None, templated("no rulebook change among the declarations released in the period")
        book = c.before_rulebook if k.endswith("before") else c.after_rulebook
        return d.p50_hours, templated(
            "%(count)s declarations under rulebook %(book)s; p90 %(p90)s h", count=d.count, book=book, p90=d.p90_hours
        )
    if k == "kashgar_kyrgyzstan_w2w":
        tir = ind.tir_deliveries(session, period, "KG")
        note = templated(
            "%(count)s TIR transports; p50 %(p50)s h; %(share)s%% within 72 h",
            count=tir.delivered,
            p50=tir.p50_hours,
            share=tir.share_within_72h_pct,
        )
        return tir.p90_hours, note
    if k in ("litigation_cases", "disputes_resolved"):
        legal = memo.get("legal", period, None, lambda: ind.legal_cases(session, period))
        if not legal.available:
            return None, templated("not available: the legal desk has no figures")
        if k == "litigation_cases":
            return Decimal(legal.litigation_cases), templated("litigation-support cases opened in the period")
        return Decimal(legal.disputes_resolved), templated("cross-border cases opened in the period and resolved")
    raise KeyError(k)


def compute_claims(
    session: Session,
    period: Period | None = None,
    area: str | None = None,
    references: References | None = None,
    keys: Callable[[str], bool] | None = None,
) -> list[ClaimResult]:
    refs = references or load_references()
    memo = _Memo()
    out = []
    for claim in CLAIMS:
        if keys is not None and not keys(claim.key):
            continue
        p = period or claim.period
        a = area if area is not None else claim.area
        computed = _compute(session, claim, p, a, refs, memo)
        value, note = computed[0], computed[1]
        unrounded = computed[2] if len(computed) == 3 else None
        out.append(
            ClaimResult(
                claim.key,
                claim.claim,
                claim.unit,
                p,
                a,
                claim.article_value,
                value,
                stats.difference_pct(value, claim.article_value),
                note,
                unrounded,
            )
        )
    return out
