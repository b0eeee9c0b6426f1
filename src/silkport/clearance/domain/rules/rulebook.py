"""The selectivity rulebook: versioned data (not code) that a customs supervisor edits.

A :class:`Rulebook` is an immutable value: a version string, the lane thresholds, the random sampling rate,
the HS prefixes of controlled goods, and a tuple of :class:`Rule` rows. It is read from a plain mapping
(:meth:`Rulebook.from_mapping`, e.g. parsed from YAML by ``silkport.clearance.adapters.rulebook_file``) that is
validated field by field, and written back to one (:meth:`Rulebook.to_mapping`, JSON-compatible: decimals as
strings). :meth:`Rulebook.fingerprint` is the sha256 of the canonical mapping, so a stored version can be
checked against its content.

Each rule has a ``kind`` and typed ``params`` (one params class per kind). How a rule contributes:

``contribution = weight x factor`` where the factor is 1 for a rule that simply fires, the grade's points for
``credit_grade`` and the model's score in [0, 1] for ``model_score``; contributions are rounded half-up to
0.001 (the precision the score is stored with). A rule with a ``force_lane`` (yellow or red) forces at least
that lane whenever it fires; ``controlled_goods`` forces its own lanes (red without a licence, yellow with one).

Officer reasons may name placeholders filled from the evaluation (``{hs}``, ``{value_per_kg}``... see
:data:`OFFICER_FIELDS`); trader reasons are redacted text and may only name ``{item}``. Placeholders are
checked when the rulebook is built, so a typo fails at load time, never while assessing a declaration.

A reason is English text, or a mapping of languages to text with English required
(``reason: {en: "...", zh_Hans: "...", ru: "..."}``): the English text is what is assessed, recorded and shown by
the API; the other languages are what the web pages show to a reader in that language (English when a language
is missing). Translations take no part in the fingerprint: they change neither a decision nor its record.

Pure domain: no I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, localcontext
from enum import StrEnum
from types import MappingProxyType
from typing import Any, ClassVar, TypeAlias

from silkport.clearance.domain.model import Lane
from silkport.shared.codes import is_country
from silkport.shared.errors import FieldError, ValidationFailed

#: contributions and the score are kept to this precision (the score is stored as NUMERIC(8, 3))
MILLI = Decimal("0.001")
HUNDRED = Decimal(100)
MAX_WEIGHT = Decimal(100)

VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
RULE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
GRADE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: a language of a translated reason: a Babel identifier such as ``ru`` or ``zh_Hans``
LOCALE_RE = re.compile(r"^[a-z]{2,3}(_[A-Za-z]{2,8})?$")
HS_PREFIX_LENGTHS = frozenset({2, 4, 6})


class RuleKind(StrEnum):
    HS_WATCH = "hs_watch"
    COUNTRY_WATCH = "country_watch"
    CREDIT_GRADE = "credit_grade"
    COMPLIANCE_HISTORY = "compliance_history"
    VALUE_PER_KG = "value_per_kg"
    MASS_INCONSISTENCY = "mass_inconsistency"
    FIRST_TIME_TRADER = "first_time_trader"
    CONTROLLED_GOODS = "controlled_goods"
    RANDOM = "random"
    MODEL_SCORE = "model_score"
    ALWAYS = "always"  # fires for every declaration (e.g. "document-check everything" before the smart port)


#: kinds a rulebook may hold at most once (two would fire on exactly the same declarations)
SINGLETON_KINDS = frozenset({RuleKind.RANDOM, RuleKind.MODEL_SCORE, RuleKind.CONTROLLED_GOODS})

#: placeholders an officer reason may use, per kind
OFFICER_FIELDS: Mapping[RuleKind, frozenset[str]] = MappingProxyType(
    {
        RuleKind.HS_WATCH: frozenset({"item", "hs", "prefix", "description", "count"}),
        RuleKind.COUNTRY_WATCH: frozenset({"country", "role"}),
        RuleKind.CREDIT_GRADE: frozenset({"grade", "points"}),
        RuleKind.COMPLIANCE_HISTORY: frozenset({"rate", "threshold", "inspected", "discrepancies"}),
        RuleKind.VALUE_PER_KG: frozenset({"item", "hs", "hs4", "value_per_kg", "low", "high", "direction", "count"}),
        RuleKind.MASS_INCONSISTENCY: frozenset({"item", "detail", "count"}),
        RuleKind.FIRST_TIME_TRADER: frozenset({"declarations", "min_declarations"}),
        RuleKind.CONTROLLED_GOODS: frozenset({"item", "hs", "prefix", "licence", "count"}),
        RuleKind.RANDOM: frozenset({"rate"}),
        RuleKind.MODEL_SCORE: frozenset({"model_score", "model_version"}),
        RuleKind.ALWAYS: frozenset(),
    }
)
#: placeholders a trader reason may use: nothing that reveals a watch list, a weight or a threshold
TRADER_FIELDS = frozenset({"item"})


class ValueDirection(StrEnum):
    """Which side of the reference value-per-kg range is suspicious."""

    BELOW = "below"  # under-valuation (duty evasion)
    ABOVE = "above"  # over-valuation (export refund fraud, money moved as goods)
    BOTH = "both"


# --------------------------------------------------------------------------------------------- params


@dataclass(frozen=True, slots=True)
class HsWatchParams:
    """Fires when an item's HS code starts with one of ``prefixes`` (chapter, heading or subheading)."""

    KIND: ClassVar[RuleKind] = RuleKind.HS_WATCH
    prefixes: tuple[str, ...]

    def problems(self) -> list[FieldError]:
        out = [FieldError("prefixes", "list at least one HS prefix")] if not self.prefixes else []
        out += _hs_prefix_problems(self.prefixes, "prefixes")
        return out

    def to_mapping(self) -> dict[str, Any]:
        return {"prefixes": list(self.prefixes)}


@dataclass(frozen=True, slots=True)
class CountryWatchParams:
    """Fires when the origin (of the declaration or of any item), dispatch or destination country is listed."""

    KIND: ClassVar[RuleKind] = RuleKind.COUNTRY_WATCH
    origin: frozenset[str] = frozenset()
    dispatch: frozenset[str] = frozenset()
    destination: frozenset[str] = frozenset()

    def problems(self) -> list[FieldError]:
        out: list[FieldError] = []
        if not (self.origin or self.dispatch or self.destination):
            out.append(FieldError("origin", "list at least one origin, dispatch or destination country"))
        for name in ("origin", "dispatch", "destination"):
            for code in sorted(getattr(self, name)):
                if not is_country(code):
                    out.append(FieldError(name, f"{code!r} is not an ISO 3166-1 alpha-2 country code"))
        return out

    def to_mapping(self) -> dict[str, Any]:
        return {
            "origin": sorted(self.origin),
            "dispatch": sorted(self.dispatch),
            "destination": sorted(self.destination),
        }


@dataclass(frozen=True, slots=True)
class CreditGradeParams:
    """Points per customs credit grade (factor of the weight); a grade not listed, or at 0, does not fire."""

    KIND: ClassVar[RuleKind] = RuleKind.CREDIT_GRADE
    grades: Mapping[str, Decimal] = field(hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "grades", MappingProxyType(dict(self.grades)))

    def __reduce__(self) -> tuple[type[CreditGradeParams], tuple[dict[str, Decimal]]]:
        # a read-only mapping proxy cannot be pickled: rebuild from a plain dict (the digital twin may pickle)
        return (CreditGradeParams, (dict(self.grades),))

    def problems(self) -> list[FieldError]:
        out = [FieldError("grades", "list at least one credit grade")] if not self.grades else []
        for grade, points in self.grades.items():
            if not GRADE_RE.match(grade):
                out.append(FieldError(f"grades.{grade}", "a grade is a lower-case name like advanced_certified"))
            out += _decimal_problems(points, f"grades.{grade}", -MAX_WEIGHT, MAX_WEIGHT)
        return out

    def to_mapping(self) -> dict[str, Any]:
        return {"grades": {g: canonical(p) for g, p in sorted(self.grades.items())}}


@dataclass(frozen=True, slots=True)
class ComplianceHistoryParams:
    """Fires when the trader's discrepancy rate over at least ``min_inspected`` inspections exceeds ``threshold``."""

    KIND: ClassVar[RuleKind] = RuleKind.COMPLIANCE_HISTORY
    threshold: Decimal
    min_inspected: int

    def problems(self) -> list[FieldError]:
        out = _decimal_problems(self.threshold, "threshold", Decimal(0), Decimal(1))
        if self.min_inspected < 1:
            out.append(FieldError("min_inspected", "must be at least 1"))
        return out

    def to_mapping(self) -> dict[str, Any]:
        return {"threshold": canonical(self.threshold), "min_inspected": self.min_inspected}


@dataclass(frozen=True, slots=True)
class ValuePerKgParams:
    """Fires when an item's value in CNY per net kg falls outside the reference range for its HS heading.

    The ranges are reference data handed to the engine (``RiskContext.value_ranges``), not rulebook content.
    """

    KIND: ClassVar[RuleKind] = RuleKind.VALUE_PER_KG
    direction: ValueDirection = ValueDirection.BOTH

    def problems(self) -> list[FieldError]:
        return []

    def to_mapping(self) -> dict[str, Any]:
        return {"direction": self.direction.value}


@dataclass(frozen=True, slots=True)
class MassInconsistencyParams:
    """Fires on net mass above gross mass, on a quantity in KGM/GRM/TNE that disagrees with the net mass, and
    on items' gross masses that disagree with the manifest's total (when the engine is given one).
    ``tolerance`` is the share two masses may differ by."""

    KIND: ClassVar[RuleKind] = RuleKind.MASS_INCONSISTENCY
    tolerance: Decimal = Decimal("0.02")

    def problems(self) -> list[FieldError]:
        out = _decimal_problems(self.tolerance, "tolerance", Decimal(0), Decimal(1))
        if self.tolerance == 1:
            out.append(FieldError("tolerance", "must be below 1"))
        return out

    def to_mapping(self) -> dict[str, Any]:
        return {"tolerance": canonical(self.tolerance)}


@dataclass(frozen=True, slots=True)
class FirstTimeTraderParams:
    """Fires when the trader has fewer than ``min_declarations`` earlier declarations."""

    KIND: ClassVar[RuleKind] = RuleKind.FIRST_TIME_TRADER
    min_declarations: int = 1

    def problems(self) -> list[FieldError]:
        return [FieldError("min_declarations", "must be at least 1")] if self.min_declarations < 1 else []

    def to_mapping(self) -> dict[str, Any]:
        return {"min_declarations": self.min_declarations}


@dataclass(frozen=True, slots=True)
class ControlledGoodsParams:
    """Fires on items whose HS code starts with one of the rulebook's ``controlled_hs`` prefixes: forces red
    when such an item has no licence reference, at least yellow when every such item has one."""

    KIND: ClassVar[RuleKind] = RuleKind.CONTROLLED_GOODS

    def problems(self) -> list[FieldError]:
        return []

    def to_mapping(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, slots=True)
class RandomParams:
    """Fires for a deterministic share of declarations: the rulebook's ``random_rate``."""

    KIND: ClassVar[RuleKind] = RuleKind.RANDOM

    def problems(self) -> list[FieldError]:
        return []

    def to_mapping(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, slots=True)
class ModelScoreParams:
    """Adds weight x the learned model's score in [0, 1] when the engine is given one."""

    KIND: ClassVar[RuleKind] = RuleKind.MODEL_SCORE

    def problems(self) -> list[FieldError]:
        return []

    def to_mapping(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, slots=True)
class AlwaysParams:
    """Fires for every declaration."""

    KIND: ClassVar[RuleKind] = RuleKind.ALWAYS

    def problems(self) -> list[FieldError]:
        return []

    def to_mapping(self) -> dict[str, Any]:
        return {}


RuleParams: TypeAlias = (
    HsWatchParams
    | CountryWatchParams
    | CreditGradeParams
    | ComplianceHistoryParams
    | ValuePerKgParams
    | MassInconsistencyParams
    | FirstTimeTraderParams
    | ControlledGoodsParams
    | RandomParams
    | ModelScoreParams
    | AlwaysParams
)

# ----------------------------------------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: RuleKind
    params: RuleParams
    weight: Decimal
    force_lane: Lane | None = None
    reason: str = ""  # officer text, may name placeholders (OFFICER_FIELDS[kind])
    trader_reason: str = ""  # redacted text for the trader; empty = the trader is told nothing for this rule
    enabled: bool = True
    #: the reasons in other languages, as (locale, text) pairs sorted by locale: shown on pages, never assessed
    reason_i18n: tuple[tuple[str, str], ...] = ()
    trader_reason_i18n: tuple[tuple[str, str], ...] = ()

    def reason_in(self, locale: str) -> str:
        """The officer reason's template in ``locale`` (English when the rulebook has no such translation)."""
        return dict(self.reason_i18n).get(locale) or self.reason

    def trader_reason_in(self, locale: str) -> str:
        """The trader reason's template in ``locale`` (English when the rulebook has no such translation)."""
        return dict(self.trader_reason_i18n).get(locale) or self.trader_reason

    def problems(self) -> list[FieldError]:
        """Everything wrong with this rule, with field paths relative to the rule."""
        out: list[FieldError] = []
        if not RULE_ID_RE.match(self.id):
            out.append(FieldError("id", "a rule id is 1-64 lower-case letters, digits, '.', '_' or '-'"))
        if self.params.KIND is not self.kind:
            out.append(FieldError("params", f"are {self.params.KIND.value} parameters, not {self.kind.value}"))
        else:
            out += [FieldError(f"params.{e.field}", e.message) for e in self.params.problems()]
        out += _decimal_problems(self.weight, "weight", -MAX_WEIGHT, MAX_WEIGHT)
        if self.force_lane is Lane.GREEN:
            out.append(FieldError("force_lane", "a rule forces yellow or red; green is what no rule forces"))
        elif self.force_lane is not None and self.kind is RuleKind.CONTROLLED_GOODS:
            out.append(
                FieldError("force_lane", "controlled goods force red without a licence, yellow with one: leave empty")
            )
        if not self.reason.strip():
            out.append(FieldError("reason", "officers need a reason"))
        out += _template_problems(self.reason, "reason", OFFICER_FIELDS[self.kind])
        out += _template_problems(self.trader_reason, "trader_reason", TRADER_FIELDS)
        for name, english, translations, allowed in (
            ("reason", self.reason, self.reason_i18n, OFFICER_FIELDS[self.kind]),
            ("trader_reason", self.trader_reason, self.trader_reason_i18n, TRADER_FIELDS),
        ):
            for locale, text in translations:
                if not LOCALE_RE.match(locale) or locale == "en":
                    out.append(FieldError(f"{name}.{locale}", "is not a language (e.g. zh_Hans, ru)"))
                elif not text.strip():
                    out.append(FieldError(f"{name}.{locale}", "is empty: leave the language out to show English"))
                elif not english.strip():
                    out.append(FieldError(f"{name}.{locale}", "translates nothing: the English text is empty"))
                else:
                    out += _template_problems(text, f"{name}.{locale}", allowed)
        return out

    def to_mapping(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "params": self.params.to_mapping(),
            "weight": canonical(self.weight),
            "force_lane": self.force_lane.value if self.force_lane is not None else None,
            "reason": _text_mapping(self.reason, self.reason_i18n),
            "trader_reason": _text_mapping(self.trader_reason, self.trader_reason_i18n),
            "enabled": self.enabled,
        }

    def english_mapping(self) -> dict[str, Any]:
        """:meth:`to_mapping` with the reasons in English only (what the fingerprint covers)."""
        return {**self.to_mapping(), "reason": self.reason, "trader_reason": self.trader_reason}


def _text_mapping(english: str, translations: tuple[tuple[str, str], ...]) -> str | dict[str, str]:
    """A reason as the rulebook writes it: plain English text, or ``{en: ..., zh_Hans: ..., ru: ...}``."""
    return {"en": english, **dict(translations)} if translations else english


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """An enabled rule with what the engine precomputes once per rulebook."""

    rule: Rule
    reason_has_fields: bool
    trader_has_fields: bool


@dataclass(frozen=True, slots=True)
class Rulebook:
    version: str
    description: str
    yellow_at: Decimal
    red_at: Decimal
    random_rate: Decimal
    controlled_hs: tuple[str, ...]
    rules: tuple[Rule, ...]
    #: enabled rules in order, with their precomputed lookups (built once, in __post_init__)
    compiled: tuple[CompiledRule, ...] = field(init=False, repr=False, compare=False)
    #: a declaration is sampled when the first 8 bytes of its draw hash are below this
    random_threshold: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        errors = self.problems()
        if errors:
            raise ValidationFailed(errors)
        compiled = tuple(
            CompiledRule(r, _has_fields(r.reason), _has_fields(r.trader_reason)) for r in self.rules if r.enabled
        )
        object.__setattr__(self, "compiled", compiled)
        with localcontext() as ctx:
            ctx.prec = 60
            threshold = int((self.random_rate * (1 << 64)).to_integral_value(rounding=ROUND_CEILING))
        object.__setattr__(self, "random_threshold", threshold)

    def problems(self) -> list[FieldError]:
        """Everything wrong with this rulebook, with field paths (``rules[3].params.prefixes[1]``)."""
        return _book_problems(
            self.version,
            self.yellow_at,
            self.red_at,
            self.random_rate,
            self.controlled_hs,
            list(enumerate(self.rules)),
            check_rules=True,
        )

    def lane_for(self, score: Decimal) -> Lane:
        """The lane a score alone leads to."""
        if score >= self.red_at:
            return Lane.RED
        if score >= self.yellow_at:
            return Lane.YELLOW
        return Lane.GREEN

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    # ------------------------------------------------------------------------------- serialisation

    def to_mapping(self) -> dict[str, Any]:
        """The canonical, JSON-compatible mapping (decimals as strings) that :meth:`from_mapping` reads back."""
        return {
            "version": self.version,
            "description": self.description,
            "yellow_at": canonical(self.yellow_at),
            "red_at": canonical(self.red_at),
            "random_rate": canonical(self.random_rate),
            "controlled_hs": list(self.controlled_hs),
            "rules": [r.to_mapping() for r in self.rules],
        }

    def fingerprint(self) -> str:
        """sha256 (hex) of the canonical mapping: equal rulebooks have equal fingerprints. The reasons'
        translations are left out (they change neither a decision nor its record), so translating a rulebook's
        reasons keeps its fingerprint."""
        mapping = {**self.to_mapping(), "rules": [r.english_mapping() for r in self.rules]}
        text = json.dumps(mapping, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @classmethod
    def from_mapping(cls, data: Any) -> Rulebook:
        """Read and validate a rulebook; every problem is reported at once, each with its field path
        (``rules[3].params.prefixes[1]``). Decimals may be given as Decimal, int or string, never float."""
        p = _Parser()
        top = p.mapping(data, "", required=_TOP_REQUIRED, optional=_TOP_OPTIONAL)
        if top is None:
            raise ValidationFailed(p.errors)
        version = p.text(top.get("version"), "version")
        description = p.text(top.get("description", ""), "description")
        yellow_at = p.decimal(top.get("yellow_at"), "yellow_at")
        red_at = p.decimal(top.get("red_at"), "red_at")
        random_rate = p.decimal(top.get("random_rate", 0), "random_rate")
        controlled_hs = p.strings(top.get("controlled_hs", []), "controlled_hs")
        raw_rules = top.get("rules")
        rules: list[tuple[int, Rule]] = []  # (position in the input, rule) of the rules that parsed
        if not isinstance(raw_rules, list | tuple):
            p.fail("rules", "must be a list of rules")
        else:
            for i, raw in enumerate(raw_rules):
                rule = p.rule(raw, f"rules[{i}]")
                if rule is not None:
                    rules.append((i, rule))
        p.errors += _book_problems(
            version, yellow_at, red_at, random_rate, controlled_hs or (), rules, check_rules=False
        )
        if p.errors:
            raise ValidationFailed(p.errors)
        assert version is not None and description is not None and controlled_hs is not None
        assert yellow_at is not None and red_at is not None and random_rate is not None
        return cls(
            version=version,
            description=description,
            yellow_at=yellow_at,
            red_at=red_at,
            random_rate=random_rate,
            controlled_hs=tuple(controlled_hs),
            rules=tuple(r for _, r in rules),
        )


def _book_problems(
    version: str | None,
    yellow_at: Decimal | None,
    red_at: Decimal | None,
    random_rate: Decimal | None,
    controlled_hs: Sequence[str],
    rules: Sequence[tuple[int, Rule]],
    *,
    check_rules: bool,
) -> list[FieldError]:
    """The rulebook-level checks; a None field was missing or unreadable (already reported) and is skipped."""
    out: list[FieldError] = []
    if version is not None and not VERSION_RE.match(version):
        out.append(FieldError("version", "a version is 1-64 letters, digits, '.', '_', '+' or '-'"))
    if yellow_at is not None:
        out += _decimal_problems(yellow_at, "yellow_at", Decimal(0), HUNDRED)
    if red_at is not None:
        out += _decimal_problems(red_at, "red_at", Decimal(0), HUNDRED)
    if yellow_at is not None and red_at is not None and _finite_above(yellow_at, red_at):
        out.append(FieldError("red_at", f"must not be below yellow_at ({yellow_at})"))
    if random_rate is not None:
        out += _decimal_problems(random_rate, "random_rate", Decimal(0), Decimal(1), places=6)
    out += _hs_prefix_problems(controlled_hs, "controlled_hs")
    seen: dict[str, int] = {}
    singletons: dict[RuleKind, int] = {}
    for i, rule in rules:
        at = f"rules[{i}]"
        if check_rules:
            out += [FieldError(f"{at}.{e.field}", e.message) for e in rule.problems()]
        if rule.id in seen:
            out.append(FieldError(f"{at}.id", f"{rule.id!r} is already the id of rules[{seen[rule.id]}]"))
        seen.setdefault(rule.id, i)
        if rule.kind in SINGLETON_KINDS:
            if rule.kind in singletons:
                out.append(
                    FieldError(f"{at}.kind", f"only one {rule.kind.value} rule (rules[{singletons[rule.kind]}])")
                )
            singletons.setdefault(rule.kind, i)
    return out


# ----------------------------------------------------------------------------------------- helpers


def _finite_above(a: Decimal, b: Decimal) -> bool:
    return a.is_finite() and b.is_finite() and a > b


def canonical(value: Decimal) -> str:
    """A decimal as a plain string without exponent or trailing zeros: equal values give equal strings."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def _decimal_problems(value: Decimal, path: str, low: Decimal, high: Decimal, *, places: int = 3) -> list[FieldError]:
    if not isinstance(value, Decimal) or not value.is_finite():
        return [FieldError(path, "must be a finite decimal")]
    if not low <= value <= high:
        return [FieldError(path, f"must be between {canonical(low)} and {canonical(high)}")]
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        return [FieldError(path, f"at most {places} decimal places")]
    return []


def _hs_prefix_problems(prefixes: Sequence[str], path: str) -> list[FieldError]:
    out: list[FieldError] = []
    seen: set[str] = set()
    for i, prefix in enumerate(prefixes):
        if not (prefix.isascii() and prefix.isdigit() and len(prefix) in HS_PREFIX_LENGTHS):
            out.append(
                FieldError(f"{path}[{i}]", f"{prefix!r} is not an HS chapter, heading or subheading (2/4/6 digits)")
            )
        elif prefix in seen:
            out.append(FieldError(f"{path}[{i}]", f"{prefix!r} is listed twice"))
        seen.add(prefix)
    return out


_FORMATTER = string.Formatter()


def _template_problems(text: str, path: str, allowed: frozenset[str]) -> list[FieldError]:
    try:
        parts = list(_FORMATTER.parse(text))
    except ValueError:
        return [FieldError(path, "unbalanced braces (write {{ or }} for a literal brace)")]
    out: list[FieldError] = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed:
            known = ", ".join("{" + f + "}" for f in sorted(allowed)) or "none"
            out.append(FieldError(path, f"unknown placeholder {{{name}}} (this rule knows: {known})"))
        elif spec or conversion:
            out.append(FieldError(path, f"placeholder {{{name}}} takes no format or conversion"))
    return out


def _has_fields(text: str) -> bool:
    return any(name is not None for _, name, _, _ in _FORMATTER.parse(text))


_TOP_REQUIRED = frozenset({"version", "yellow_at", "red_at", "rules"})
_TOP_OPTIONAL = frozenset({"description", "random_rate", "controlled_hs"})
_RULE_REQUIRED = frozenset({"id", "kind", "weight", "reason"})
_RULE_OPTIONAL = frozenset({"params", "force_lane", "trader_reason", "enabled"})


class _Parser:
    """Shape and type checks of the raw mapping, collecting every error with its path."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path or "rulebook", message))

    def mapping(
        self, raw: Any, path: str, *, required: frozenset[str], optional: frozenset[str]
    ) -> Mapping[str, Any] | None:
        if not isinstance(raw, Mapping):
            self.fail(path, "must be a mapping of fields")
            return None
        prefix = f"{path}." if path else ""
        for key in raw:
            if not isinstance(key, str) or key not in required | optional:
                known = ", ".join(sorted(required | optional)) or "none"
                self.fail(f"{prefix}{key}", f"unknown field (known: {known})")
        for key in sorted(required - set(raw)):
            self.fail(f"{prefix}{key}", "is required")
        return raw

    def text(self, raw: Any, path: str) -> str | None:
        if raw is None:
            return None  # a missing required field is reported by mapping()
        if not isinstance(raw, str):
            self.fail(path, "must be text")
            return None
        return raw

    def translated(self, raw: Any, path: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
        """A reason: English text, or a mapping of languages to text with ``en`` required."""
        if not isinstance(raw, Mapping):
            return self.text(raw, path), ()
        english = raw.get("en")
        if english is None:
            self.fail(f"{path}.en", "is required (the English text is what is assessed and recorded)")
        english = self.text(english, f"{path}.en") if english is not None else None
        translations: list[tuple[str, str]] = []
        for locale, text in raw.items():
            if locale == "en":
                continue
            if not isinstance(locale, str):
                self.fail(f"{path}.{locale}", "is not a language (e.g. zh_Hans, ru)")
            elif (checked := self.text(text, f"{path}.{locale}")) is not None:
                translations.append((locale, checked))
        return english, tuple(sorted(translations))

    def decimal(self, raw: Any, path: str) -> Decimal | None:
        if raw is None:
            return None
        if isinstance(raw, bool | float):
            self.fail(path, "must be a decimal written exactly (a number or a quoted string), not a float")
            return None
        if isinstance(raw, Decimal):
            value = raw
        elif isinstance(raw, int):
            value = Decimal(raw)
        elif isinstance(raw, str):
            try:
                value = Decimal(raw.strip())
            except ArithmeticError:
                self.fail(path, f"{raw!r} is not a number")
                return None
        else:
            self.fail(path, "must be a number")
            return None
        if not value.is_finite():
            self.fail(path, "must be a finite number")
            return None
        return value

    def integer(self, raw: Any, path: str) -> int | None:
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.fail(path, "must be a whole number")
            return None
        return raw

    def boolean(self, raw: Any, path: str) -> bool | None:
        if not isinstance(raw, bool):
            self.fail(path, "must be true or false")
            return None
        return raw

    def strings(self, raw: Any, path: str) -> list[str] | None:
        if not isinstance(raw, list | tuple):
            self.fail(path, "must be a list")
            return None
        out: list[str] = []
        for i, item in enumerate(raw):
            if isinstance(item, str):
                out.append(item.strip())
            else:
                self.fail(f"{path}[{i}]", "must be text (quote HS codes: '0101' is not the number 101)")
        return out

    def lane(self, raw: Any, path: str) -> Lane | None:
        if raw is None:
            return None
        try:
            return Lane(raw)
        except ValueError:
            self.fail(path, f"{raw!r} is not a lane (yellow or red)")
            return None

    def rule(self, raw: Any, path: str) -> Rule | None:
        before = len(self.errors)
        m = self.mapping(raw, path, required=_RULE_REQUIRED, optional=_RULE_OPTIONAL)
        if m is None:
            return None
        rule_id = self.text(m.get("id"), f"{path}.id")
        kind: RuleKind | None = None
        if "kind" in m:
            try:
                kind = RuleKind(m["kind"])
            except ValueError:
                kinds = ", ".join(k.value for k in RuleKind)
                self.fail(f"{path}.kind", f"{m['kind']!r} is not a rule kind ({kinds})")
        weight = self.decimal(m.get("weight"), f"{path}.weight")
        force_lane = self.lane(m.get("force_lane"), f"{path}.force_lane")
        reason, reason_i18n = self.translated(m.get("reason"), f"{path}.reason")
        trader_reason, trader_reason_i18n = self.translated(m.get("trader_reason", ""), f"{path}.trader_reason")
        enabled = self.boolean(m.get("enabled", True), f"{path}.enabled")
        raw_params = m.get("params")
        raw_params = {} if raw_params is None else raw_params
        params = self.params(kind, raw_params, f"{path}.params") if kind is not None else None
        if len(self.errors) > before:
            return None
        assert rule_id is not None and kind is not None and params is not None and weight is not None
        assert reason is not None and trader_reason is not None and enabled is not None
        rule = Rule(
            rule_id, kind, params, weight, force_lane, reason, trader_reason, enabled, reason_i18n, trader_reason_i18n
        )
        self.errors += [FieldError(f"{path}.{e.field}", e.message) for e in rule.problems()]
        return rule

    def params(self, kind: RuleKind, raw: Any, path: str) -> RuleParams | None:
        spec = _PARAM_FIELDS[kind]
        m = self.mapping(raw, path, required=spec[0], optional=spec[1])
        if m is None:
            return None
        before = len(self.errors)
        result: RuleParams
        match kind:
            case RuleKind.HS_WATCH:
                prefixes = self.strings(m.get("prefixes", []), f"{path}.prefixes")
                result = HsWatchParams(tuple(prefixes or ()))
            case RuleKind.COUNTRY_WATCH:
                lists = {
                    name: frozenset(c.upper() for c in self.strings(m.get(name, []), f"{path}.{name}") or ())
                    for name in ("origin", "dispatch", "destination")
                }
                result = CountryWatchParams(lists["origin"], lists["dispatch"], lists["destination"])
            case RuleKind.CREDIT_GRADE:
                raw_grades = m.get("grades")
                grades: dict[str, Decimal] = {}
                if not isinstance(raw_grades, Mapping):
                    self.fail(f"{path}.grades", "must map each credit grade to its points")
                else:
                    for grade, pts in raw_grades.items():
                        at = f"{path}.grades.{grade}"
                        if not isinstance(grade, str):
                            self.fail(at, "a grade is a name")
                        elif pts is None:
                            self.fail(at, "give the grade's points")
                        elif (value := self.decimal(pts, at)) is not None:
                            grades[grade] = value
                result = CreditGradeParams(grades)
            case RuleKind.COMPLIANCE_HISTORY:
                threshold = self.decimal(m.get("threshold"), f"{path}.threshold")
                min_inspected = self.integer(m.get("min_inspected"), f"{path}.min_inspected")
                result = ComplianceHistoryParams(threshold or Decimal(0), min_inspected or 0)
            case RuleKind.VALUE_PER_KG:
                raw_direction = m.get("direction", ValueDirection.BOTH.value)
                try:
                    direction = ValueDirection(raw_direction)
                except ValueError:
                    self.fail(f"{path}.direction", f"{raw_direction!r} is not one of below, above, both")
                    direction = ValueDirection.BOTH
                result = ValuePerKgParams(direction)
            case RuleKind.MASS_INCONSISTENCY:
                tolerance = self.decimal(m.get("tolerance", "0.02"), f"{path}.tolerance")
                result = MassInconsistencyParams(tolerance if tolerance is not None else Decimal(0))
            case RuleKind.FIRST_TIME_TRADER:
                n = self.integer(m.get("min_declarations", 1), f"{path}.min_declarations")
                result = FirstTimeTraderParams(n if n is not None else 1)
            case RuleKind.CONTROLLED_GOODS:
                result = ControlledGoodsParams()
            case RuleKind.RANDOM:
                result = RandomParams()
            case RuleKind.MODEL_SCORE:
                result = ModelScoreParams()
            case RuleKind.ALWAYS:
                result = AlwaysParams()
        return result if len(self.errors) == before else None


_NONE: frozenset[str] = frozenset()
#: (required, optional) params of each kind
_PARAM_FIELDS: Mapping[RuleKind, tuple[frozenset[str], frozenset[str]]] = MappingProxyType(
    {
        RuleKind.HS_WATCH: (frozenset({"prefixes"}), _NONE),
        RuleKind.COUNTRY_WATCH: (_NONE, frozenset({"origin", "dispatch", "destination"})),
        RuleKind.CREDIT_GRADE: (frozenset({"grades"}), _NONE),
        RuleKind.COMPLIANCE_HISTORY: (frozenset({"threshold", "min_inspected"}), _NONE),
        RuleKind.VALUE_PER_KG: (_NONE, frozenset({"direction"})),
        RuleKind.MASS_INCONSISTENCY: (_NONE, frozenset({"tolerance"})),
        RuleKind.FIRST_TIME_TRADER: (_NONE, frozenset({"min_declarations"})),
        RuleKind.CONTROLLED_GOODS: (_NONE, _NONE),
        RuleKind.RANDOM: (_NONE, _NONE),
        RuleKind.MODEL_SCORE: (_NONE, _NONE),
        RuleKind.ALWAYS: (_NONE, _NONE),
    }
)
