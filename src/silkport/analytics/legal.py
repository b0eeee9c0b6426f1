"""Legal-desk figures for the report.

The disputes context (issue #9) had no tables or figures function yet when the analytics were written:
until it is wired here, the figures say ``available=False`` (shown as "not available"), never invented zeros.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from silkport.analytics.indicators import LegalFigures, Period


def figures(session: Session, period: Period) -> LegalFigures:
    from silkport.analytics.indicators import LegalFigures

    return LegalFigures(period, False, 0, 0, {})
