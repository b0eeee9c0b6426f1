"""The risk engine: a declaration, a rulebook and a context in; a score, a lane and the fired rules out.

``assess`` is a pure function of its inputs (no I/O, no clock, no global state): the same inputs give the same
:class:`RiskAssessment`, so a decision can be replayed with the rulebook version it was judged by, and the
digital twin can drive it. Random sampling is a hash of (declaration id, rulebook version), not a generator.

How the lane is decided
    score = the sum of the fired rules' contributions, clipped to [0, 100]; the score gives green, yellow
    (>= ``yellow_at``) or red (>= ``red_at``). Rules that force a lane (watch lists, controlled goods, random
    sampling...) force *at least* that lane: the strictest of the forced lanes and the score's lane wins, so a
    declaration is green only when its score is low and nothing forces otherwise.

A learned model's score is one more input (``RiskContext.model_score``) that a ``model_score`` rule weighs;
``RiskAssessment.forced_lane`` tells a later inspection-budget allocator which lanes the law forces.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, TypeAlias

from silkport.clearance.domain.model import DeclarationContent, GoodsItem, Lane
from silkport.clearance.domain.rules.rulebook import (
    HUNDRED,
    MILLI,
    ComplianceHistoryParams,
    CountryWatchParams,
    CreditGradeParams,
    FirstTimeTraderParams,
    HsWatchParams,
    MassInconsistencyParams,
    Rulebook,
    RuleKind,
    RuleParams,
    ValueDirection,
    ValuePerKgParams,
    canonical,
)
from silkport.shared.errors import FieldError, ValidationFailed

_ZERO = Decimal(0)
_ONE = Decimal(1)
_CENT = Decimal("0.01")
_RANK = {Lane.GREEN: 0, Lane.YELLOW: 1, Lane.RED: 2}
#: quantity units that are masses, with their size in kg
_MASS_UNITS = {"KGM": Decimal(1), "GRM": Decimal("0.001"), "TNE": Decimal(1000)}


@dataclass(frozen=True, slots=True)
class TraderProfile:
    """What the engine knows of the declarant: its credit grade and compliance history."""

    enterprise_id: str
    credit_grade: str  # a China Customs credit grade: advanced_certified, general_certified, general, discredited
    declarations: int  # earlier declarations
    inspected: int  # of which physically inspected (an outcome is known)
    discrepancies: int  # of which found not conform

    def __post_init__(self) -> None:
        counts = {"declarations": self.declarations, "inspected": self.inspected, "discrepancies": self.discrepancies}
        errors = [FieldError(name, "must not be negative") for name, n in counts.items() if n < 0]
        if self.discrepancies > self.inspected:
            errors.append(FieldError("discrepancies", "cannot exceed the number of inspections"))
        if errors:
            raise ValidationFailed(errors)

    @property
    def discrepancy_rate(self) -> Decimal | None:
        """Share of inspections that found a discrepancy; None before the first inspection."""
        return Decimal(self.discrepancies) / self.inspected if self.inspected else None

    def after_declaration(self) -> TraderProfile:
        return replace(self, declarations=self.declarations + 1)

    def after_inspection(self, finding_conform: bool) -> TraderProfile:
        """The profile once an inspection's outcome is known: it feeds the compliance history of later scores."""
        return replace(
            self,
            inspected=self.inspected + 1,
            discrepancies=self.discrepancies + (0 if finding_conform else 1),
        )


@dataclass(frozen=True, slots=True)
class RiskContext:
    """Everything besides the declaration and the rulebook that the engine weighs."""

    trader: TraderProfile
    value_ranges: Mapping[str, tuple[Decimal, Decimal]]  # HS heading (4 digits) -> CNY per net kg (low, high)
    model_score: Decimal | None = None  # a learned model's risk score in [0, 1]
    model_version: str | None = None
    manifest_gross_kg: Decimal | None = None  # the transport document's total gross mass, when known

    def __post_init__(self) -> None:
        if self.model_score is not None and not (_ZERO <= self.model_score <= _ONE):
            raise ValidationFailed(FieldError("model_score", "must be between 0 and 1"))


@dataclass(frozen=True, slots=True)
class FiredRule:
    rule_id: str
    kind: RuleKind
    contribution: Decimal
    reason: str  # for officers
    trader_reason: str  # redacted; may be empty
    forced_lane: Lane | None
    #: the placeholder values the reasons were filled with (``{"hs": "930200", ...}``): stored with the
    #: assessment, so a page fills the rule's template in the reader's language with them
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    score: Decimal  # in [0, 100], to 0.001
    lane: Lane
    fired: tuple[FiredRule, ...]
    rulebook_version: str
    model_version: str | None  # the learned model whose score was weighed (None: no model score was used)
    forced_lane: Lane | None = None  # the strictest lane a rule forced (None: the score alone decided)

    def officer_view(self) -> dict[str, Any]:
        """Everything, JSON-compatible (decimals as strings)."""
        return {
            "score": canonical(self.score),
            "lane": self.lane.value,
            "forced_lane": self.forced_lane.value if self.forced_lane else None,
            "rulebook_version": self.rulebook_version,
            "model_version": self.model_version,
            "fired": [
                {
                    "rule_id": f.rule_id,
                    "kind": f.kind.value,
                    "contribution": canonical(f.contribution),
                    "reason": f.reason,
                    "trader_reason": f.trader_reason,
                    "forced_lane": f.forced_lane.value if f.forced_lane else None,
                    "values": dict(f.values),
                }
                for f in self.fired
            ],
        }

    def trader_view(self) -> dict[str, Any]:
        """The lane and the redacted reasons only: no score, weights, rule ids, kinds or watch lists.

        A green lane gives no reasons (nothing to explain); otherwise each distinct non-empty trader reason."""
        reasons: list[str] = []
        for f in self.fired if self.lane is not Lane.GREEN else ():
            if f.trader_reason and f.trader_reason not in reasons:
                reasons.append(f.trader_reason)
        return {"lane": self.lane.value, "reasons": reasons}


# ---------------------------------------------------------------------------------------- the engine

#: what a rule's evaluation returns when it fires: (factor of the weight, placeholder values, forced lane)
_Hit: TypeAlias = tuple[Decimal, dict[str, str], Lane | None]
_Evaluator: TypeAlias = Callable[[RuleParams, str, DeclarationContent, Rulebook, RiskContext], _Hit | None]


def assess(declaration_id: str, content: DeclarationContent, rulebook: Rulebook, ctx: RiskContext) -> RiskAssessment:
    """Score a declaration against a rulebook. Pure and deterministic."""
    fired: list[FiredRule] = []
    total = _ZERO
    forced: Lane | None = None
    forced_rank = 0
    model_used = False
    for compiled in rulebook.compiled:
        rule = compiled.rule
        hit = _EVALUATORS[rule.kind](rule.params, declaration_id, content, rulebook, ctx)
        if hit is None:
            continue
        factor, values, lane = hit
        if rule.kind is RuleKind.MODEL_SCORE:
            model_used = True
        contribution = rule.weight if factor is _ONE else (rule.weight * factor).quantize(MILLI, ROUND_HALF_UP)
        total += contribution
        if lane is None:
            lane = rule.force_lane
        if lane is not None and _RANK[lane] > forced_rank:
            forced, forced_rank = lane, _RANK[lane]
        fired.append(
            FiredRule(
                rule.id,
                rule.kind,
                contribution,
                rule.reason.format_map(values) if compiled.reason_has_fields else rule.reason,
                rule.trader_reason.format_map(values) if compiled.trader_has_fields else rule.trader_reason,
                lane,
                values,
            )
        )
    score = _ZERO if total < _ZERO else HUNDRED if total > HUNDRED else total
    lane = rulebook.lane_for(score)
    if forced is not None and forced_rank > _RANK[lane]:
        lane = forced
    model_version = ctx.model_version if model_used else None
    return RiskAssessment(score, lane, tuple(fired), rulebook.version, model_version, forced)


def sampling_draw(declaration_id: str, rulebook_version: str) -> Decimal:
    """The declaration's random draw in [0, 1): the first 8 bytes of sha256 of ``"{declaration_id}|{rulebook_version}"``
    over 2**64, exactly (it is sampled when the draw is below the rulebook's ``random_rate``)."""
    with localcontext() as exact:
        exact.prec = 80  # 2**-64 has 64 decimal places: enough digits for an exact quotient
        return Decimal(_draw(declaration_id, rulebook_version)) / Decimal(1 << 64)


def _draw(declaration_id: str, rulebook_version: str) -> int:
    digest = hashlib.sha256(f"{declaration_id}|{rulebook_version}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _percent(share: Decimal) -> str:
    return canonical((share * HUNDRED).quantize(Decimal("0.1"), ROUND_HALF_UP)) + "%"


# ------------------------------------------------------------------------------------- per kind


def _hs_watch(p: RuleParams, _id: str, c: DeclarationContent, _rb: Rulebook, _ctx: RiskContext) -> _Hit | None:
    assert isinstance(p, HsWatchParams)
    prefixes = p.prefixes
    for item in c.items:  # the usual case: no item on the list, and no list built to say so
        if item.hs_code.startswith(prefixes):
            break
    else:
        return None
    hits = [(n, item) for n, item in enumerate(c.items, 1) if item.hs_code.startswith(prefixes)]
    n, item = hits[0]
    prefix = max((x for x in prefixes if item.hs_code.startswith(x)), key=len)
    values = {
        "item": str(n),
        "hs": item.hs_code,
        "prefix": prefix,
        "description": item.description,
        "count": str(len(hits)),
    }
    return _ONE, values, None


def _country_watch(p: RuleParams, _id: str, c: DeclarationContent, _rb: Rulebook, _ctx: RiskContext) -> _Hit | None:
    assert isinstance(p, CountryWatchParams)
    if p.origin:
        if c.origin_country in p.origin:
            return _ONE, {"country": c.origin_country, "role": "origin"}, None
        for item in c.items:
            if item.origin_country in p.origin:
                return _ONE, {"country": item.origin_country, "role": "origin"}, None
    if c.dispatch_country in p.dispatch:
        return _ONE, {"country": c.dispatch_country, "role": "dispatch"}, None
    if c.destination_country in p.destination:
        return _ONE, {"country": c.destination_country, "role": "destination"}, None
    return None


def _credit_grade(p: RuleParams, _id: str, _c: DeclarationContent, _rb: Rulebook, ctx: RiskContext) -> _Hit | None:
    assert isinstance(p, CreditGradeParams)
    points = p.grades.get(ctx.trader.credit_grade)
    if not points:
        return None
    return points, {"grade": ctx.trader.credit_grade, "points": canonical(points)}, None


def _compliance(p: RuleParams, _id: str, _c: DeclarationContent, _rb: Rulebook, ctx: RiskContext) -> _Hit | None:
    assert isinstance(p, ComplianceHistoryParams)
    t = ctx.trader
    if t.inspected < p.min_inspected or t.discrepancies <= p.threshold * t.inspected:
        return None
    values = {
        "rate": _percent(Decimal(t.discrepancies) / t.inspected),
        "threshold": _percent(p.threshold),
        "inspected": str(t.inspected),
        "discrepancies": str(t.discrepancies),
    }
    return _ONE, values, None


def _value_per_kg(p: RuleParams, _id: str, c: DeclarationContent, _rb: Rulebook, ctx: RiskContext) -> _Hit | None:
    assert isinstance(p, ValuePerKgParams)
    ranges = ctx.value_ranges
    if not ranges:
        return None
    below = p.direction is not ValueDirection.ABOVE
    above = p.direction is not ValueDirection.BELOW
    rate = c.exchange_rate
    first: tuple[int, GoodsItem, Decimal, tuple[Decimal, Decimal], str] | None = None
    count = 0
    for n, item in enumerate(c.items, 1):
        reference = ranges.get(item.hs_code[:4])
        net = item.net_mass_kg
        if reference is None or net <= 0:
            continue
        cny = item.value * rate  # compare cny / net with the range without dividing
        if below and cny < reference[0] * net:
            side = "below"
        elif above and cny > reference[1] * net:
            side = "above"
        else:
            continue
        count += 1
        if first is None:
            first = (n, item, cny / net, reference, side)
    if first is None:
        return None
    n, item, per_kg, (low, high), side = first
    values = {
        "item": str(n),
        "hs": item.hs_code,
        "hs4": item.hs_code[:4],
        "value_per_kg": str(per_kg.quantize(_CENT, ROUND_HALF_UP)),
        "low": canonical(low),
        "high": canonical(high),
        "direction": side,
        "count": str(count),
    }
    return _ONE, values, None


def _mass(p: RuleParams, _id: str, c: DeclarationContent, _rb: Rulebook, ctx: RiskContext) -> _Hit | None:
    assert isinstance(p, MassInconsistencyParams)
    tol = p.tolerance
    problems: list[tuple[int, str]] = []
    for n, item in enumerate(c.items, 1):
        net, gross = item.net_mass_kg, item.gross_mass_kg
        if net > gross:
            problems.append((n, f"net mass {net} kg exceeds gross mass {gross} kg"))
            continue
        unit_kg = _MASS_UNITS.get(item.unit)
        if unit_kg is not None:
            stated = item.quantity * unit_kg
            if abs(stated - net) > tol * max(stated, net):
                problems.append((n, f"quantity {item.quantity} {item.unit} but net mass {net} kg"))
    manifest = ctx.manifest_gross_kg
    if manifest is not None and manifest > 0:
        items_gross = c.total_gross_mass_kg
        if abs(items_gross - manifest) > tol * manifest:
            problems.append((0, f"the items' gross masses add up to {items_gross} kg, the manifest says {manifest} kg"))
    if not problems:
        return None
    n, detail = problems[0]
    return _ONE, {"item": str(n) if n else "all", "detail": detail, "count": str(len(problems))}, None


def _first_time(p: RuleParams, _id: str, _c: DeclarationContent, _rb: Rulebook, ctx: RiskContext) -> _Hit | None:
    assert isinstance(p, FirstTimeTraderParams)
    if ctx.trader.declarations >= p.min_declarations:
        return None
    return _ONE, {"declarations": str(ctx.trader.declarations), "min_declarations": str(p.min_declarations)}, None


def _controlled(_p: RuleParams, _id: str, c: DeclarationContent, rb: Rulebook, _ctx: RiskContext) -> _Hit | None:
    controlled = rb.controlled_hs
    if not controlled:
        return None
    for item in c.items:  # the usual case: no controlled goods, and no list built to say so
        if item.hs_code.startswith(controlled):
            break
    else:
        return None
    hits = [(n, item) for n, item in enumerate(c.items, 1) if item.hs_code.startswith(controlled)]
    unlicensed = [(n, item) for n, item in hits if not any(ref.strip() for ref in item.licences)]
    n, item = (unlicensed or hits)[0]
    prefix = max((x for x in controlled if item.hs_code.startswith(x)), key=len)
    values = {
        "item": str(n),
        "hs": item.hs_code,
        "prefix": prefix,
        "licence": ", ".join(item.licences) if not unlicensed else "none",
        "count": str(len(hits)),
    }
    return _ONE, values, Lane.RED if unlicensed else Lane.YELLOW


def _random(
    _p: RuleParams, declaration_id: str, _c: DeclarationContent, rb: Rulebook, _ctx: RiskContext
) -> _Hit | None:
    if _draw(declaration_id, rb.version) >= rb.random_threshold:
        return None
    return _ONE, {"rate": _percent(rb.random_rate)}, None


def _model(_p: RuleParams, _id: str, _c: DeclarationContent, _rb: Rulebook, ctx: RiskContext) -> _Hit | None:
    score = ctx.model_score
    if score is None:
        return None
    return score, {"model_score": canonical(score), "model_version": ctx.model_version or "unversioned"}, None


def _always(_p: RuleParams, _id: str, _c: DeclarationContent, _rb: Rulebook, _ctx: RiskContext) -> _Hit | None:
    return _ONE, {}, None


_EVALUATORS: Mapping[RuleKind, _Evaluator] = {
    RuleKind.HS_WATCH: _hs_watch,
    RuleKind.COUNTRY_WATCH: _country_watch,
    RuleKind.CREDIT_GRADE: _credit_grade,
    RuleKind.COMPLIANCE_HISTORY: _compliance,
    RuleKind.VALUE_PER_KG: _value_per_kg,
    RuleKind.MASS_INCONSISTENCY: _mass,
    RuleKind.FIRST_TIME_TRADER: _first_time,
    RuleKind.CONTROLLED_GOODS: _controlled,
    RuleKind.RANDOM: _random,
    RuleKind.MODEL_SCORE: _model,
    RuleKind.ALWAYS: _always,
}


def apply_budget(lane: Lane, model_score: Decimal | None, threshold: Decimal | None) -> tuple[Lane, str | None]:
    """The inspection budget: a declaration whose model score is above the budget's threshold goes red.

    Rules that force a lane keep it (they are the law); the threshold is recorded with the decision so a
    replay gives the same lane. Returns the lane and, when the budget moved it, the officer's reason.
    """
    if model_score is None or threshold is None or lane is Lane.RED or model_score <= threshold:
        return lane, None
    return Lane.RED, f"inspection budget: model score {model_score} is above the threshold {threshold}"
