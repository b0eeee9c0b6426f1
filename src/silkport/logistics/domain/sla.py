"""Corridor service levels (as data) and their pure evaluation against a consignment and "now".

Pure domain: the corridor definitions arrive as a mapping (an adapter reads ``data/corridors.yaml``);
"now" is passed in. Durations are measured in exact ``timedelta`` and reported in Decimal hours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from silkport.logistics.domain.consignment import Consignment, MilestoneKind, Mode
from silkport.shared.clock import ZONE_TZ
from silkport.shared.errors import FieldError, ValidationFailed
from silkport.shared.text import field_error


class Rule(StrEnum):
    SAME_LOCAL_DAY = "same_local_day"  # end on the same local calendar day as start
    WITHIN = "within"  # end no later than start + limit


class Anchor(StrEnum):
    RELEASED = "released"  # the first customs release
    FIRST_DEPARTURE = "first_departure"  # the first leg's actual departure
    DELIVERED = "delivered"  # the last leg's actual arrival


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    corridor: str
    name: str
    modes: tuple[Mode, ...]
    rule: Rule
    start: Anchor
    end: Anchor
    timezone: ZoneInfo
    at_risk_margin: timedelta
    limit: timedelta | None = None  # WITHIN only
    target: timedelta | None = None  # optional aim inside the limit
    source: str = ""


def _hours(raw: Any, where: str, errors: list[FieldError]) -> timedelta | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        errors.append(field_error(where, "hours must be an integer or a decimal string"))
        return None
    try:
        value = Decimal(raw)
    except ArithmeticError:
        errors.append(field_error(where, "%(raw)r is not a number of hours", raw=raw))
        return None
    if not value.is_finite() or value < 0:
        errors.append(field_error(where, "hours must be a finite non-negative number"))
        return None
    return timedelta(seconds=int(value * 3600))


def parse_corridors(data: Mapping[str, Any]) -> dict[str, ServiceLevel]:
    """Service levels from the parsed ``corridors.yaml`` mapping; every problem is reported at once."""
    errors: list[FieldError] = []
    levels: dict[str, ServiceLevel] = {}
    corridors = data.get("corridors")
    if not isinstance(corridors, Mapping):
        raise ValidationFailed(field_error("corridors", "a mapping of corridor code to service level is required"))
    for code, raw in corridors.items():
        where = f"corridors.{code}"
        if not isinstance(raw, Mapping):
            errors.append(field_error(where, "must be a mapping"))
            continue
        before = len(errors)
        try:
            rule = Rule(str(raw.get("rule")))
            start = Anchor(str(raw.get("start")))
            end = Anchor(str(raw.get("end")))
            modes = tuple(Mode(m) for m in raw.get("modes", ()))
        except ValueError as exc:
            errors.append(FieldError(where, str(exc)))
            continue
        try:
            tz = ZoneInfo(str(raw.get("timezone", ZONE_TZ.key)))
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(
                field_error(f"{where}.timezone", "%(timezone)r is not an IANA time zone", timezone=raw.get("timezone"))
            )
            continue
        limit = _hours(raw.get("limit_hours"), f"{where}.limit_hours", errors)
        target = _hours(raw.get("target_hours"), f"{where}.target_hours", errors)
        margin = _hours(raw.get("at_risk_margin_hours", 0), f"{where}.at_risk_margin_hours", errors)
        if rule is Rule.WITHIN and limit is None:
            errors.append(field_error(f"{where}.limit_hours", "rule 'within' needs limit_hours"))
        if limit is not None and target is not None and target > limit:
            errors.append(field_error(f"{where}.target_hours", "target is beyond the limit"))
        if start is end:
            errors.append(field_error(f"{where}.end", "start and end anchors must differ"))
        if len(errors) > before:
            continue
        levels[str(code)] = ServiceLevel(
            corridor=str(code),
            name=str(raw.get("name", code)),
            modes=modes,
            rule=rule,
            start=start,
            end=end,
            timezone=tz,
            at_risk_margin=margin or timedelta(0),
            limit=limit,
            target=target,
            source=str(raw.get("source", "")),
        )
    if errors:
        raise ValidationFailed(errors)
    return levels


class SlaStatus(StrEnum):
    ON_TIME = "on_time"
    AT_RISK = "at_risk"
    BREACHED = "breached"


@dataclass(frozen=True, slots=True)
class SlaResult:
    corridor: str
    status: SlaStatus
    started_at: datetime | None  # None: the clock has not started
    deadline: datetime | None
    finished_at: datetime | None  # when the end anchor happened, if it has
    breached_at: datetime | None  # the instant the clock ran out, if it did
    culprit_leg: int | None  # index of the leg that caused the breach (or puts it at risk)
    elapsed: timedelta | None  # start -> finish, or start -> now while open
    target_met: bool | None  # None when there is no target or the clock is still open

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


def anchor_time(consignment: Consignment, anchor: Anchor) -> datetime | None:
    if anchor is Anchor.RELEASED:
        return consignment.first_time(MilestoneKind.RELEASED)
    if anchor is Anchor.FIRST_DEPARTURE:
        return consignment.departed_at
    return consignment.delivered_at


def deadline_for(level: ServiceLevel, start: datetime) -> datetime:
    """SAME_LOCAL_DAY: the next local midnight (exclusive); WITHIN: start + limit (inclusive)."""
    if level.rule is Rule.SAME_LOCAL_DAY:
        day = start.astimezone(level.timezone).date() + timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=level.timezone)
    assert level.limit is not None
    return start + level.limit


def _late(level: ServiceLevel, when: datetime, deadline: datetime) -> bool:
    return when >= deadline if level.rule is Rule.SAME_LOCAL_DAY else when > deadline


def _planned(consignment: Consignment, anchor: Anchor) -> datetime | None:
    if anchor is Anchor.FIRST_DEPARTURE:
        return consignment.legs[0].planned_departure
    if anchor is Anchor.DELIVERED:
        return consignment.legs[-1].planned_arrival
    return None


def _current_delay(consignment: Consignment) -> timedelta:
    """The delay of the latest actual time recorded against its plan (never negative)."""
    delay = timedelta(0)
    for leg in consignment.legs:
        for observed in (leg.departure_delay, leg.arrival_delay):
            if observed is not None:
                delay = observed
    return max(delay, timedelta(0))


def _projected_end(level: ServiceLevel, consignment: Consignment, now: datetime) -> datetime:
    planned = _planned(consignment, level.end)
    if planned is None:
        return now
    return max(now, planned + _current_delay(consignment))


def _us(duration: timedelta) -> int:
    return duration // timedelta(microseconds=1)


def culprit_leg(level: ServiceLevel, consignment: Consignment, start: datetime, now: datetime) -> int | None:
    """The leg whose time exceeded its share of the limit, else the first late leg.

    A leg's segment runs from the previous leg's actual arrival (the first from the clock's start) to
    its own actual arrival, so border dwell counts against the leg that leaves the border. Its share of
    the limit is proportional to its planned segment.
    """
    legs = consignment.legs
    if level.end is not Anchor.DELIVERED or level.limit is None:
        return 0
    planned_segments: list[timedelta] = []
    previous = legs[0].planned_departure
    for leg in legs:
        planned_segments.append(leg.planned_arrival - previous)
        previous = leg.planned_arrival
    total = sum(planned_segments, timedelta(0))
    segment_start = start
    for i, leg in enumerate(legs):
        share = timedelta(microseconds=_us(level.limit) * _us(planned_segments[i]) // max(_us(total), 1))
        segment_end = leg.actual_arrival or now
        if segment_end - segment_start > share:
            return i
        if leg.actual_arrival is None:
            break
        segment_start = leg.actual_arrival
    for i, leg in enumerate(legs):
        arrival = leg.actual_arrival
        if (arrival is not None and arrival > leg.planned_arrival) or (arrival is None and now > leg.planned_arrival):
            return i
    for i, leg in enumerate(legs):
        if leg.actual_arrival is None:
            return i
    return len(legs) - 1


def evaluate(level: ServiceLevel, consignment: Consignment, now: datetime) -> SlaResult:
    """On time, at risk or breached at ``now``, with the deadline, breach time and the leg to blame."""
    if now.tzinfo is None:
        raise ValidationFailed(field_error("now", "time must be timezone-aware"))
    start = anchor_time(consignment, level.start)
    if start is None:
        return SlaResult(level.corridor, SlaStatus.ON_TIME, None, None, None, None, None, None, None)
    deadline = deadline_for(level, start)
    end = anchor_time(consignment, level.end)
    if end is not None:
        elapsed = end - start
        late = _late(level, end, deadline)
        target_met = None if level.target is None else elapsed <= level.target
        return SlaResult(
            level.corridor,
            SlaStatus.BREACHED if late else SlaStatus.ON_TIME,
            start,
            deadline,
            end,
            deadline if late else None,
            culprit_leg(level, consignment, start, end) if late else None,
            elapsed,
            target_met,
        )
    elapsed = max(now - start, timedelta(0))
    if _late(level, now, deadline):
        status = SlaStatus.BREACHED
    elif (
        now >= deadline - level.at_risk_margin
        or (level.target is not None and elapsed > level.target)
        or _late(level, _projected_end(level, consignment, now), deadline)
    ):
        status = SlaStatus.AT_RISK
    else:
        status = SlaStatus.ON_TIME
    culprit = None if status is SlaStatus.ON_TIME else culprit_leg(level, consignment, start, now)
    return SlaResult(
        level.corridor,
        status,
        start,
        deadline,
        None,
        deadline if status is SlaStatus.BREACHED else None,
        culprit,
        elapsed,
        None,
    )


# -- figures per corridor and month -----------------------------------------------------------

HOURS = Decimal("0.01")
SHARE = Decimal("0.0001")


def hours(duration: timedelta) -> Decimal:
    """Exact hours of a duration (to the second), rounded to 0.01 h."""
    return (Decimal(duration // timedelta(seconds=1)) / Decimal(3600)).quantize(HOURS)


def median(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return ((ordered[mid - 1] + ordered[mid]) / 2).quantize(HOURS)


def percentile_nearest_rank(values: list[Decimal], pct: int) -> Decimal | None:
    """The nearest-rank percentile: the smallest value with at least ``pct``% of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-pct * len(ordered) // 100))
    return ordered[rank - 1]


@dataclass(frozen=True, slots=True)
class CorridorMonth:
    corridor: str
    month: str  # YYYY-MM, of the clock's finish in local time
    finished: int  # consignments whose clock finished that month
    on_time: int
    share_on_time: Decimal | None  # on_time / finished, 4 places
    delivered: int  # of those, how many have a door-to-door time
    median_hours: Decimal | None  # door to door
    p90_hours: Decimal | None  # door to door, nearest rank


def corridor_figures(evaluated: Iterable[tuple[Consignment, SlaResult]], tz: ZoneInfo = ZONE_TZ) -> list[CorridorMonth]:
    """Share on time, median and p90 door-to-door hours per corridor and local month.

    Counted: consignments whose clock has finished, in the month (in ``tz``) it finished. Door-to-door
    times (first departure to last arrival) are taken over those of them already delivered.
    """
    groups: dict[tuple[str, str], list[tuple[Consignment, SlaResult]]] = defaultdict(list)
    for consignment, result in evaluated:
        if result.finished_at is None:
            continue
        month = result.finished_at.astimezone(tz).strftime("%Y-%m")
        groups[(result.corridor, month)].append((consignment, result))
    figures: list[CorridorMonth] = []
    for (corridor, month), rows in sorted(groups.items()):
        on_time = sum(1 for _, r in rows if r.status is SlaStatus.ON_TIME)
        durations = [hours(c.door_to_door) for c, _ in rows if c.door_to_door is not None]
        figures.append(
            CorridorMonth(
                corridor=corridor,
                month=month,
                finished=len(rows),
                on_time=on_time,
                share_on_time=(Decimal(on_time) / Decimal(len(rows))).quantize(SHARE),
                delivered=len(durations),
                median_hours=median(durations),
                p90_hours=percentile_nearest_rank(durations, 90),
            )
        )
    return figures
