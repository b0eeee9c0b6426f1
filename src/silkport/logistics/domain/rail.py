"""China-Europe trains: train runs, wagons, containers on wagons and break-of-gauge transshipment.

Pure: standard library, ``silkport.shared`` and this context's domain only.

A train run carries wagons; each wagon runs on one track gauge (1520 mm: China's neighbours Kazakhstan,
Russia, Belarus; 1435 mm: China and the EU). Containers (ISO 6346) ride on wagons and carry consignments
(consignment note / document references). At a break-of-gauge station (Horgos, Alashankou, Brest...) the
containers are lifted from the wagons of one gauge onto wagons of the other: a transshipment, recorded
with its time and place. The invariants the run keeps:

- a container is on at most one wagon at a time;
- transshipments are in time order, between departure and arrival;
- a transshipment happens only at a break-of-gauge point, moves a container from a wagon of one gauge to
  a wagon of the *other* gauge of the same run, and names each container once;
- a refused operation changes nothing.

Wagon numbers: the 12-digit UIC number (UIC leaflet 438 / OTIF), whose 12th digit is the self-check
digit — the 11 digits weighted 2, 1, 2, 1... from the left, the digits of the products summed, and the
check digit taking the sum up to the next multiple of ten (Luhn); and the 8-digit numbers of the 1520 mm
network (OSJD), whose 8th digit is computed the same way over the first seven.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from silkport.logistics.domain.identifiers import container_problem, normalise_container
from silkport.shared.codes import is_locode_shaped, normalise_locode
from silkport.shared.errors import Conflict, FieldError, ValidationFailed
from silkport.shared.text import field_error, templated

_TRAIN_NUMBER_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-/]{0,19}$")


class Gauge(IntEnum):
    BROAD = 1520
    STANDARD = 1435

    @property
    def other(self) -> Gauge:
        return Gauge.STANDARD if self is Gauge.BROAD else Gauge.BROAD


def luhn_check_digit(digits: str) -> str:
    """The self-check digit of ``digits``: weights 2, 1, 2, 1... from the left, digit sum, up to the next ten."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"only digits have a check digit, not {digits!r}")
    total = 0
    for i, d in enumerate(digits):
        product = int(d) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return str(-total % 10)


def normalise_wagon(value: str) -> str:
    return re.sub(r"[\s\-.]", "", value)


def wagon_problem(value: str) -> str | None:
    """None if ``value`` is a valid UIC (12-digit) or 1520 mm (8-digit) wagon number, else what is wrong."""
    number = normalise_wagon(value)
    if not number.isascii() or not number.isdigit():
        return "wagon number may contain only digits, spaces and hyphens"
    if len(number) not in (8, 12):
        return f"wagon number must have 12 digits (UIC) or 8 digits (1520 mm network), not {len(number)}"
    expected = luhn_check_digit(number[:-1])
    if number[-1] != expected:
        return f"self-check digit should be {expected}, not {number[-1]}"
    return None


@dataclass(frozen=True, slots=True)
class Wagon:
    number: str
    gauge: Gauge


@dataclass(frozen=True, slots=True)
class Transshipment:
    """Containers lifted from one gauge to the other at a break-of-gauge station."""

    station: str
    at: datetime
    from_gauge: Gauge
    to_gauge: Gauge
    #: container -> (from wagon, to wagon)
    moves: tuple[tuple[str, str, str], ...]


@dataclass
class TrainRun:
    id: str
    enterprise_id: str
    train_number: str
    origin: str
    destination: str
    departure: datetime
    arrival: datetime | None = None
    wagons: dict[str, Wagon] = field(default_factory=dict)
    #: container -> the wagon it is on (one wagon at a time, by construction)
    placements: dict[str, str] = field(default_factory=dict)
    #: container -> consignment references it carries
    consignments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    transshipments: list[Transshipment] = field(default_factory=list)

    # -- creation ---------------------------------------------------------------------------------
    @staticmethod
    def create(
        id: str,
        enterprise_id: str,
        train_number: str,
        origin: str,
        destination: str,
        departure: datetime,
        arrival: datetime | None = None,
    ) -> TrainRun:
        errors: list[FieldError] = []
        number = train_number.strip().upper()
        if not _TRAIN_NUMBER_RE.match(number):
            errors.append(field_error("train_number", "1-20 letters, digits, '-' or '/', e.g. X8017 or 80001/80002"))
        for name, code in (("origin", origin), ("destination", destination)):
            if not is_locode_shaped(code):
                errors.append(
                    field_error(name, "%(code)r is not a UN/LOCODE (2-letter country + 3 characters)", code=code)
                )
        if is_locode_shaped(origin) and normalise_locode(origin) == normalise_locode(destination):
            errors.append(field_error("destination", "must differ from the origin"))
        if departure.tzinfo is None:
            errors.append(field_error("departure", "must carry a time zone"))
        if arrival is not None:
            if arrival.tzinfo is None:
                errors.append(field_error("arrival", "must carry a time zone"))
            elif departure.tzinfo is not None and arrival < departure:
                errors.append(field_error("arrival", "cannot be before the departure"))
        if errors:
            raise ValidationFailed(errors)
        return TrainRun(
            id, enterprise_id, number, normalise_locode(origin), normalise_locode(destination), departure, arrival
        )

    def record_arrival(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValidationFailed(field_error("arrival", "must carry a time zone"))
        if at < self.departure:
            raise ValidationFailed(field_error("arrival", "cannot be before the departure"))
        if self.transshipments and at < self.transshipments[-1].at:
            raise ValidationFailed(field_error("arrival", "cannot be before the train's last transshipment"))
        self.arrival = at

    # -- wagons and containers --------------------------------------------------------------------
    def add_wagon(self, number: str, gauge: int) -> Wagon:
        problem = wagon_problem(number)
        errors = [FieldError("number", problem)] if problem else []
        if gauge not in (Gauge.BROAD, Gauge.STANDARD):
            errors.append(field_error("gauge", "must be 1520 (broad) or 1435 (standard) mm"))
        if errors:
            raise ValidationFailed(errors)
        wagon = Wagon(normalise_wagon(number), Gauge(gauge))
        if wagon.number in self.wagons:
            raise Conflict(
                templated("wagon %(number)s is already in train run %(id)s", number=wagon.number, id=self.id)
            )
        self.wagons[wagon.number] = wagon
        return wagon

    def load(self, container: str, wagon: str, consignments: list[str]) -> str:
        """Put ``container`` on ``wagon`` with the consignments it carries; returns the normalised number."""
        problem = container_problem(container)
        errors = [FieldError("container", problem)] if problem else []
        refs = tuple(c.strip() for c in consignments)
        for i, ref in enumerate(refs):
            if not ref or len(ref) > 35:
                errors.append(field_error(f"consignments[{i}]", "a consignment reference is 1-35 characters"))
        if len(set(refs)) != len(refs):
            errors.append(field_error("consignments", "lists a consignment reference twice"))
        if errors:
            raise ValidationFailed(errors)
        number = normalise_container(container)
        wagon_number = normalise_wagon(wagon)
        if wagon_number not in self.wagons:
            raise ValidationFailed(
                field_error(
                    "wagon", "wagon %(wagon_number)s is not in train run %(id)s", wagon_number=wagon_number, id=self.id
                )
            )
        if number in self.placements:
            raise Conflict(
                templated(
                    "container %(number)s is already on wagon %(number2)s",
                    number=number,
                    number2=self.placements[number],
                )
            )
        self.placements[number] = wagon_number
        self.consignments[number] = refs
        return number

    def unload(self, container: str) -> str:
        number = normalise_container(container)
        if number not in self.placements:
            raise Conflict(
                templated("container %(number)s is not on any wagon of train run %(id)s", number=number, id=self.id)
            )
        wagon = self.placements.pop(number)
        self.consignments.pop(number, None)
        return wagon

    def containers_on(self, wagon: str) -> list[str]:
        return sorted(c for c, w in self.placements.items() if w == wagon)

    # -- break of gauge ---------------------------------------------------------------------------
    def transship(
        self, station: str, at: datetime, moves: list[tuple[str, str]], break_of_gauge: frozenset[str]
    ) -> Transshipment:
        """Lift each (container, target wagon) across the gauge at ``station``; all or nothing."""
        errors: list[FieldError] = []
        place = normalise_locode(station)
        if place not in break_of_gauge:
            errors.append(field_error("station", "%(place)s is not a break-of-gauge point", place=place))
        if at.tzinfo is None:
            errors.append(field_error("at", "must carry a time zone"))
        elif at < self.departure:
            errors.append(field_error("at", "cannot be before the train's departure"))
        elif self.transshipments and at < self.transshipments[-1].at:
            errors.append(field_error("at", "cannot be before the previous transshipment of this train"))
        elif self.arrival is not None and at > self.arrival:
            errors.append(field_error("at", "cannot be after the train's arrival"))
        if not moves:
            errors.append(field_error("moves", "name at least one container"))
        seen: set[str] = set()
        resolved: list[tuple[str, str, str]] = []
        gauges: set[Gauge] = set()
        for i, (container, target) in enumerate(moves):
            number = normalise_container(container)
            target_number = normalise_wagon(target)
            if number in seen:
                errors.append(field_error(f"moves[{i}].container", "%(number)s is named twice", number=number))
                continue
            seen.add(number)
            source = self.placements.get(number)
            if source is None:
                errors.append(
                    field_error(f"moves[{i}].container", "%(number)s is not on a wagon of this train", number=number)
                )
                continue
            wagon = self.wagons.get(target_number)
            if wagon is None:
                errors.append(
                    field_error(
                        f"moves[{i}].wagon",
                        "wagon %(target_number)s is not in this train run",
                        target_number=target_number,
                    )
                )
                continue
            from_gauge = self.wagons[source].gauge
            if wagon.gauge is from_gauge:
                errors.append(
                    field_error(
                        f"moves[{i}].wagon",
                        "wagon %(target_number)s runs on the same gauge (%(from_gauge)s mm)",
                        target_number=target_number,
                        from_gauge=int(from_gauge),
                    )
                )
                continue
            gauges.add(from_gauge)
            resolved.append((number, source, target_number))
        if len(gauges) > 1:
            errors.append(field_error("moves", "one transshipment goes one way: all containers from the same gauge"))
        if errors:
            raise ValidationFailed(errors)
        from_gauge = gauges.pop()
        for number, _, target_number in resolved:
            self.placements[number] = target_number
        record = Transshipment(place, at, from_gauge, from_gauge.other, tuple(resolved))
        self.transshipments.append(record)
        return record
