"""The zone itself: its areas and the ports and customs offices inside them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from silkport.shared.codes import is_locode_shaped, normalise_locode
from silkport.shared.errors import FieldError, ValidationFailed
from silkport.shared.text import field_error


class Mode(StrEnum):
    """Modes of transport a port handles (after UN/ECE Rec. 19, plus mail)."""

    AIR = "air"
    RAIL = "rail"
    ROAD = "road"
    MAIL = "mail"
    SEA = "sea"
    PIPELINE = "pipeline"


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    name_en: str
    name_zh: str
    area_km2: Decimal
    locode: str


HOURS_RE = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d-(?:[01]\d|2[0-4]):[0-5]\d$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Per weekday a list of 'HH:MM-HH:MM' windows in local time; '24h' is 00:00-24:00."""

    windows: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def parse(cls, raw: dict[str, list[str]] | str) -> OpeningHours:
        if raw == "24h":
            return cls(tuple((d, ("00:00-24:00",)) for d in DAYS))
        if not isinstance(raw, dict):
            raise ValidationFailed(field_error("opening_hours", "'24h' or a mapping of weekday to windows"))
        errors: list[FieldError] = []
        out: list[tuple[str, tuple[str, ...]]] = []
        for day, windows in raw.items():
            if day not in DAYS:
                errors.append(
                    field_error(f"opening_hours.{day}", "weekday must be one of %(DAYS)s", DAYS=", ".join(DAYS))
                )
                continue
            for i, window in enumerate(windows):
                if not HOURS_RE.match(window) or window[:5] >= window[6:]:
                    errors.append(
                        field_error(f"opening_hours.{day}[{i}]", "%(window)r is not 'HH:MM-HH:MM'", window=window)
                    )
            out.append((day, tuple(windows)))
        if errors:
            raise ValidationFailed(errors)
        return cls(tuple(sorted(out, key=lambda dw: DAYS.index(dw[0]))))

    def as_dict(self) -> dict[str, list[str]]:
        return {day: list(ws) for day, ws in self.windows}

    def summary(self) -> str:
        if all(ws == ("00:00-24:00",) for _, ws in self.windows) and len(self.windows) == 7:
            return "24/7"
        return "; ".join(f"{d.capitalize()} {', '.join(ws)}" for d, ws in self.windows if ws) or "closed"


class PortKind(StrEnum):
    PORT = "port"
    CUSTOMS_OFFICE = "customs_office"
    MAIL_EXCHANGE = "mail_exchange"


@dataclass(slots=True)
class Port:
    """A port of entry or a customs office of the zone; ``code`` is silkport's own stable id."""

    code: str
    name_en: str
    name_zh: str
    area_code: str
    locode: str
    kind: PortKind
    modes: frozenset[Mode]
    opening_hours: OpeningHours
    active: bool = True

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        self.locode = normalise_locode(self.locode)
        if not is_locode_shaped(self.locode):
            errors.append(
                field_error(
                    "locode", "%(locode)r is not a UN/LOCODE (2 letters + 3 letters/digits)", locode=self.locode
                )
            )
        if not self.modes:
            errors.append(field_error("modes", "a port handles at least one mode"))
        if not self.name_en.strip():
            errors.append(field_error("name_en", "a name is required"))
        if errors:
            raise ValidationFailed(errors)
