"""Scenario files: a port's arrivals, declaration mix, lodgement habits, resources and task times, as YAML.

Validated with pydantic (``extra="forbid"``): every problem is a ``ValidationFailed`` whose field paths point
into the file (``stations.inspection_bays.shifts.0.servers``). Times in the file are minutes; the engine uses
hours. Shipped scenarios live in ``silkport/twin/scenarios/*.yaml`` and run by name.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from silkport.clearance.adapters.rulebook_file import SHIPPED, load_rulebook_path, load_shipped, parse_yaml
from silkport.clearance.domain.rules import Rulebook
from silkport.shared.errors import FieldError, ValidationFailed

FloatArray = npt.NDArray[np.float64]
MODES = ("road", "rail", "air", "mail")
TASKS = (
    "lodgement",
    "acceptance",
    "risk_assessment",
    "document_check",
    "entry_check",
    "inspection",
    "duty_payment",
    "release",
    "exit",
)
GRADES = ("advanced_certified", "general_certified", "general", "discredited")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Exponential(_Strict):
    dist: Literal["exponential"]
    mean: float = Field(gt=0)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        return rng.exponential(self.mean / 60.0, n)


class Deterministic(_Strict):
    dist: Literal["deterministic"]
    value: float = Field(ge=0)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        rng.random(n)  # keep the stream in step with the other distributions (common random numbers)
        return np.full(n, self.value / 60.0)


class LogNormal(_Strict):
    """Parametrised by its mean and coefficient of variation (both of the minutes, not of the log)."""

    dist: Literal["lognormal"]
    mean: float = Field(gt=0)
    cv: float = Field(gt=0)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        s2 = np.log1p(self.cv**2)
        mu = np.log(self.mean / 60.0) - s2 / 2
        return rng.lognormal(mu, np.sqrt(s2), n)


class Gamma(_Strict):
    dist: Literal["gamma"]
    mean: float = Field(gt=0)
    cv: float = Field(gt=0)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean / 60.0 / shape, n)


class Uniform(_Strict):
    dist: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must not be below low")
        return self

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        return rng.uniform(self.low / 60.0, self.high / 60.0, n)


class Triangular(_Strict):
    dist: Literal["triangular"]
    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(gt=0)

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("needs low <= mode <= high and low < high")
        return self

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        return rng.triangular(self.low / 60.0, self.mode / 60.0, self.high / 60.0, n)


Distribution = Annotated[
    Exponential | Deterministic | LogNormal | Gamma | Uniform | Triangular, Field(discriminator="dist")
]


class Shift(_Strict):
    start: int = Field(ge=0, le=23, description="first hour of the shift (0-23)")
    end: int = Field(ge=1, le=24, description="hour the shift ends (1-24); a shift may not cross midnight")
    servers: int = Field(ge=0)

    @model_validator(mode="after")
    def _order(self) -> Shift:
        if self.end <= self.start:
            raise ValueError("end must be after start (split a shift that crosses midnight in two)")
        return self


class StationSpec(_Strict):
    servers: int | None = Field(default=None, ge=1, description="servers at all hours; omit for shifts")
    shifts: tuple[Shift, ...] = ()
    discipline: Literal["fifo", "priority"] = "fifo"

    @model_validator(mode="after")
    def _one(self) -> StationSpec:
        if (self.servers is None) == (not self.shifts):
            raise ValueError("give either servers or shifts")
        return self

    def schedule(self) -> tuple[int, ...] | None:
        if not self.shifts:
            return None
        hours = [0] * 24
        for shift in self.shifts:
            for h in range(shift.start, shift.end):
                hours[h] += shift.servers
        return tuple(hours)


class Task(_Strict):
    station: str | None = Field(default=None, description="a station's name; omit for a pure delay")
    service: Distribution
    skip_share: float = Field(default=0.0, ge=0, le=1, description="share of declarations that skip the task")


class Arrivals(_Strict):
    mode: Literal["road", "rail", "air", "mail"]
    per_day: float = Field(gt=0, description="vehicles, trains, flights or dispatches a day")
    declarations_per_arrival: int = Field(default=1, ge=1, le=500)
    profile: tuple[float, ...] | None = Field(default=None, description="24 relative weights by hour of day")

    @field_validator("profile")
    @classmethod
    def _profile(cls, v: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if v is None:
            return v
        if len(v) != 24:
            raise ValueError(f"needs 24 hourly weights, got {len(v)}")
        if any(w < 0 for w in v) or sum(v) <= 0:
            raise ValueError("weights must be non-negative with a positive sum")
        return v


class GoodsShare(_Strict):
    template: str
    weight: float = Field(gt=0)


class TraderShare(_Strict):
    grade: Literal["advanced_certified", "general_certified", "general", "discredited"]
    weight: float = Field(gt=0)
    declarations: int = Field(default=100, ge=0)
    inspected: int = Field(default=10, ge=0)
    discrepancies: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _history(self) -> TraderShare:
        if self.discrepancies > self.inspected:
            raise ValueError("discrepancies cannot exceed inspected")
        return self


class Lodgement(_Strict):
    pre_arrival_share: float = Field(ge=0, le=1)
    lead_time: Distribution | None = Field(default=None, description="how long before arrival, when pre-lodged")

    @model_validator(mode="after")
    def _lead(self) -> Lodgement:
        if self.pre_arrival_share > 0 and self.lead_time is None:
            raise ValueError("a pre-arrival share needs a lead_time")
        return self


class Scenario(_Strict):
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    rulebook: str = Field(description="a shipped rulebook (smart-port, manual...) or a YAML path, relative to the file")
    days: float = Field(default=28, gt=0, le=3660)
    warmup_days: float = Field(default=1, ge=0)
    target_hours: float = Field(default=2.0, gt=0, description="a declaration meets the target if cleared within")
    priority_grades: tuple[str, ...] = Field(default=("advanced_certified",))
    red_document_check: bool = Field(default=True, description="red-lane declarations are document-checked first")
    arrivals: tuple[Arrivals, ...] = Field(min_length=1)
    goods: tuple[GoodsShare, ...] = Field(min_length=1)
    traders: tuple[TraderShare, ...] = Field(min_length=1)
    lodgement: Lodgement
    stations: dict[str, StationSpec]
    tasks: dict[Literal[TASKS], Task]  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        missing = [t for t in TASKS if t not in self.tasks]
        if missing:
            raise ValueError(f"tasks missing: {', '.join(missing)}")
        for name, task in self.tasks.items():
            if task.station is not None and task.station not in self.stations:
                raise ValueError(f"task {name}: no station named {task.station!r}")
        for grade in self.priority_grades:
            if grade not in GRADES:
                raise ValueError(f"priority_grades: {grade!r} is not a credit grade ({', '.join(GRADES)})")
        if self.warmup_days >= self.days:
            raise ValueError("warmup_days must be shorter than days")
        from silkport.twin.declarations import TEMPLATES

        for share in self.goods:
            if share.template not in TEMPLATES:
                raise ValueError(f"goods: unknown template {share.template!r} ({', '.join(sorted(TEMPLATES))})")
        return self


class LoadedScenario:
    """A validated scenario with its rulebook object (the real one the clearance context uses)."""

    def __init__(self, scenario: Scenario, rulebook: Rulebook, source: str) -> None:
        self.scenario = scenario
        self.rulebook = rulebook
        self.source = source


def shipped_scenarios() -> list[str]:
    folder = files("silkport.twin").joinpath("scenarios")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def _errors(exc: ValidationError) -> ValidationFailed:
    out = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"] if not (isinstance(p, str) and p in _DISTS)) or "scenario"
        out.append(FieldError(loc, e["msg"]))
    return ValidationFailed(out)


_DISTS = {"exponential", "deterministic", "lognormal", "gamma", "uniform", "triangular"}


def parse_scenario(text: str, base: Path | None = None, source: str = "<text>") -> LoadedScenario:
    """Validate scenario YAML text; ``base`` resolves a rulebook path."""
    data = parse_yaml(text)
    if not isinstance(data, dict):
        raise ValidationFailed(FieldError("scenario", "must be a mapping"))
    try:
        scenario = Scenario.model_validate(_floats(data))
    except ValidationError as exc:
        raise _errors(exc) from exc
    if scenario.rulebook in SHIPPED:
        rulebook = load_shipped(scenario.rulebook)
    else:
        path = Path(scenario.rulebook)
        if base is not None and not path.is_absolute():
            path = base / path
        if not path.is_file():
            known = ", ".join(sorted(SHIPPED))
            raise ValidationFailed(
                FieldError("rulebook", f"{scenario.rulebook!r}: neither shipped ({known}) nor a file")
            )
        rulebook = load_rulebook_path(path)
    return LoadedScenario(scenario, rulebook, source)


def load_scenario(name_or_path: str) -> LoadedScenario:
    """A shipped scenario by name, or a YAML file."""
    path = Path(name_or_path)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        if not path.is_file():
            raise ValidationFailed(FieldError("scenario", f"no such file: {name_or_path}"))
        return parse_scenario(path.read_text(encoding="utf-8"), path.parent, str(path))
    if name_or_path not in shipped_scenarios():
        known = ", ".join(shipped_scenarios())
        raise ValidationFailed(FieldError("scenario", f"{name_or_path!r} is neither a file nor shipped ({known})"))
    text = files("silkport.twin").joinpath("scenarios", f"{name_or_path}.yaml").read_text(encoding="utf-8")
    return parse_scenario(text, None, name_or_path)


def _floats(value: object) -> object:
    """The rulebook YAML loader reads fractions as Decimal; the scenario's numbers are floats."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return value
