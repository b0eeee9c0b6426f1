"""The legal desk's cases in the analytics: litigation cases and resolved cross-border disputes, from cases
filed and decided through the disputes API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from silkport.analytics import indicators as ind
from silkport.analytics.claims import compute_claims
from silkport.analytics.indicators import Period
from tests.conftest import Zone
from tests.e2e.test_disputes_api import desk, go, intake, post

__all__ = ["desk"]  # the fixture, used by name below


def test_litigation_cases_and_resolved_cross_border_disputes(desk: Zone) -> None:
    z = desk
    intake(z, case_type="litigation_support")
    intake(z, case_type="litigation_support")
    advice = intake(z, case_type="consultation")  # CN and KZ parties: cross-border
    advice = go(z, advice, "in_progress")
    post(z, f"/cases/{advice['id']}/outcome", {"kind": "advice", "decided_on": "2025-09-01"})
    intake(z, case_type="consultation")  # open: not resolved
    with z.platform.read_sessions()() as s:
        legal = ind.legal_cases(s, Period(date(2025, 9, 1), date(2025, 9, 30)))
        assert legal.available
        assert (legal.litigation_cases, legal.disputes_resolved) == (2, 1)
        assert legal.by_kind == {"consultation": 2, "litigation_support": 2}
        assert ind.legal_cases(s, Period(date(2025, 8, 1), date(2025, 8, 31))).litigation_cases == 0
        claims = {c.key: c for c in compute_claims(s)}
    assert claims["litigation_cases"].computed_value == Decimal(2)
    assert claims["disputes_resolved"].computed_value == Decimal(1)
