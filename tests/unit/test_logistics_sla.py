"""Corridor clocks: the data file, exact boundaries, the local-day rule and the monthly figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import yaml

import silkport.logistics
from silkport.logistics.domain.consignment import (
    Consignment,
    DocumentKind,
    GoodsSummary,
    Leg,
    Milestone,
    MilestoneKind,
    Mode,
    Party,
    TransportDocument,
)
from silkport.logistics.domain.sla import SlaStatus, corridor_figures, evaluate, parse_corridors

LEVELS = parse_corridors(
    yaml.safe_load((Path(silkport.logistics.__file__).parent / "data" / "corridors.yaml").read_text("utf-8"))
)
T0 = datetime(2025, 9, 1, 0, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def kss(planned_hours: tuple[int, ...] = (24, 24), corridor: str = "KSS-KG") -> Consignment:
    chain = ["CNKSS", "KGTOR", "KGFRU"]
    legs, t = [], T0
    for i, h in enumerate(planned_hours):
        legs.append(Leg(Mode.ROAD, "c", chain[i], chain[i + 1], t, t + timedelta(hours=h)))
        t += timedelta(hours=h)
    return Consignment.book(
        id="C",
        document=TransportDocument.of(DocumentKind.ROAD_CMR, "CMR-1"),
        shipper=Party("A", "CN"),
        consignee=Party("B", "KG"),
        goods=GoodsSummary("g", 1, Decimal(1)),
        legs=legs,
        corridor=corridor,
    )


def run(c: Consignment, *times: tuple[int, datetime, datetime]) -> Consignment:
    for leg, dep, arr in times:
        c.record(Milestone(MilestoneKind.DEPARTED, dep, leg=leg))
        c.record(Milestone(MilestoneKind.ARRIVED, arr, leg=leg))
    return c


def test_every_corridor_is_defined() -> None:
    assert set(LEVELS) == {"HRS-ALA", "KSS-KG", "URC-AIR", "CHINA-EUROPE", "KSS-MAIL"}
    assert LEVELS["KSS-KG"].limit == timedelta(hours=72)
    assert LEVELS["KSS-KG"].target == timedelta(hours=48)


def test_within_72h_exact_boundary() -> None:
    level = LEVELS["KSS-KG"]
    just = run(kss(), (0, T0, T0 + timedelta(hours=24)), (1, T0 + timedelta(hours=24), T0 + timedelta(hours=72)))
    result = evaluate(level, just, T0 + timedelta(days=10))
    assert result.status is SlaStatus.ON_TIME and result.target_met is False
    late = run(
        kss(), (0, T0, T0 + timedelta(hours=24)), (1, T0 + timedelta(hours=24), T0 + timedelta(hours=72) + SECOND)
    )
    result = evaluate(level, late, T0 + timedelta(days=10))
    assert result.status is SlaStatus.BREACHED
    assert result.breached_at == T0 + timedelta(hours=72)
    assert result.culprit_leg == 1  # leg 0 kept to its 36 h share, leg 1 took 48 h + 1 s


def test_open_clock_on_time_at_risk_breached() -> None:
    level = LEVELS["KSS-KG"]
    c = kss()
    c.record(Milestone(MilestoneKind.DEPARTED, T0, leg=0))
    assert evaluate(level, c, T0 + timedelta(hours=10)).status is SlaStatus.ON_TIME
    at_risk = evaluate(level, c, T0 + timedelta(hours=49))  # past the 48 h target
    assert at_risk.status is SlaStatus.AT_RISK and at_risk.culprit_leg == 0
    assert evaluate(level, c, T0 + timedelta(hours=72)).status is SlaStatus.AT_RISK
    breached = evaluate(level, c, T0 + timedelta(hours=72) + SECOND)
    assert breached.status is SlaStatus.BREACHED and breached.breached_at == T0 + timedelta(hours=72)


def test_projected_delay_puts_the_clock_at_risk() -> None:
    level = LEVELS["KSS-KG"]
    c = kss((30, 30))  # planned 60 h
    c.record(Milestone(MilestoneKind.DEPARTED, T0, leg=0))
    c.record(Milestone(MilestoneKind.ARRIVED, T0 + timedelta(hours=45), leg=0))  # 15 h late: projected 75 h
    assert evaluate(level, c, T0 + timedelta(hours=45)).status is SlaStatus.AT_RISK


def hrs(released_utc: datetime, departed_utc: datetime | None) -> Consignment:
    c = Consignment.book(
        id="H",
        document=TransportDocument.of(DocumentKind.ROAD_CMR, "CMR-2"),
        shipper=Party("A", "CN"),
        consignee=Party("B", "KZ"),
        goods=GoodsSummary("g", 1, Decimal(1)),
        legs=[Leg(Mode.ROAD, "c", "CNHRS", "KZALA", released_utc, released_utc + timedelta(hours=8))],
        corridor="HRS-ALA",
    )
    c.record(Milestone(MilestoneKind.AT_BORDER, released_utc - timedelta(hours=1)))
    c.record(Milestone(MilestoneKind.RELEASED, released_utc))
    if departed_utc is not None:
        c.record(Milestone(MilestoneKind.DEPARTED, departed_utc, leg=0))
    return c


def test_same_local_day_across_midnight_urumqi() -> None:
    level = LEVELS["HRS-ALA"]
    # Urumqi is UTC+6: local midnight of 2 Sep is 1 Sep 18:00 UTC
    released = datetime(2025, 9, 1, 10, 0, tzinfo=UTC)  # 16:00 local
    midnight = datetime(2025, 9, 1, 18, 0, tzinfo=UTC)
    on_time = evaluate(level, hrs(released, midnight - SECOND), midnight + timedelta(days=1))
    assert on_time.status is SlaStatus.ON_TIME and on_time.deadline == midnight
    late = evaluate(level, hrs(released, midnight), midnight + timedelta(days=1))
    assert late.status is SlaStatus.BREACHED and late.breached_at == midnight and late.culprit_leg == 0
    # released 23:30 local on 1 Sep = 17:30 UTC; departing 00:10 local on 2 Sep (same UTC day) is late
    late_night = evaluate(
        level, hrs(datetime(2025, 9, 1, 17, 30, tzinfo=UTC), datetime(2025, 9, 1, 18, 10, tzinfo=UTC)), midnight
    )
    assert late_night.status is SlaStatus.BREACHED
    # released 00:30 local on 2 Sep (18:30 UTC on 1 Sep): a whole local day ahead
    early = hrs(datetime(2025, 9, 1, 18, 30, tzinfo=UTC), None)
    assert evaluate(level, early, datetime(2025, 9, 2, 10, 0, tzinfo=UTC)).status is SlaStatus.ON_TIME
    assert evaluate(level, early, datetime(2025, 9, 2, 16, 30, tzinfo=UTC)).status is SlaStatus.AT_RISK
    assert evaluate(level, early, datetime(2025, 9, 2, 18, 0, tzinfo=UTC)).status is SlaStatus.BREACHED


def test_figures_against_hand_computation() -> None:
    level = LEVELS["KSS-KG"]
    hours = [20, 30, 40, 50, 80]  # one breach (80 h)
    rows = []
    for h in hours:
        c = run(kss(), (0, T0, T0 + timedelta(hours=10)), (1, T0 + timedelta(hours=10), T0 + timedelta(hours=h)))
        rows.append((c, evaluate(level, c, T0 + timedelta(days=30))))
    [fig] = corridor_figures(rows)
    assert (fig.corridor, fig.month, fig.finished, fig.on_time) == ("KSS-KG", "2025-09", 5, 4)
    assert fig.share_on_time == Decimal("0.8000")
    assert fig.median_hours == Decimal("40.00")
    assert fig.p90_hours == Decimal("80.00")  # nearest rank: ceil(0.9 * 5) = 5th value
    even = corridor_figures(rows[:4])[0]
    assert even.median_hours == Decimal("35.00") and even.p90_hours == Decimal("50.00")
