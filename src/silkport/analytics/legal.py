"""Legal-desk figures for the report and the dashboard, from the disputes context's own figures.

Counted over the cases **opened** in the period (local days, like every indicator): litigation cases =
cases of type ``litigation_support``; disputes resolved = resolved cross-border cases (a decision on the
merits: advice, settlement, award or judgment, with parties from more than one country), as the desk's
``figures`` define them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from silkport.disputes.adapters.repository import SqlCaseRepository
from silkport.disputes.domain import model as disputes

if TYPE_CHECKING:
    from silkport.analytics.indicators import LegalFigures, Period


def figures(session: Session, period: Period) -> LegalFigures:
    from silkport.analytics.indicators import LegalFigures

    f = disputes.figures(SqlCaseRepository(session).facts(period.start_at, period.end_at))
    return LegalFigures(period, True, f.litigation_cases, f.resolved_cross_border, dict(f.by_type))
