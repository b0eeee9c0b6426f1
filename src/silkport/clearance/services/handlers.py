"""Clearance use cases: file, lodge, assess, check, inspect, pay, release, exit, amend, invalidate.

Every state change is audited and emits an event for the declarant's webhooks. Authorisation is
enforced here: a trader acts only on their own enterprise's declarations (others answer 404).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from silkport.clearance.domain.duties import (
    DutyAssessment,
    ExchangeRates,
    TariffSchedule,
    assess_duties,
    check_exchange_rate,
)
from silkport.clearance.domain.model import (
    FINAL,
    Declaration,
    DeclarationContent,
    Finding,
    Lane,
    Settlement,
    Stage,
    Status,
)
from silkport.clearance.domain.recognition import (
    InspectedContainer,
    Recognition,
    RecognitionPolicy,
    apply_recognition,
    find_recognition,
    seal_key,
)
from silkport.clearance.domain.rules import (
    RiskAssessment,
    RiskContext,
    Rulebook,
    TraderProfile,
    apply_budget,
    assess,
)
from silkport.clearance.domain.validation import ClearanceReference, ValidationResult, validate
from silkport.clearance.services.ports import (
    ClearanceUnitOfWork,
    DeclarationFilter,
    ModelScore,
    QueueStat,
    RiskModel,
    StoredAssessment,
)
from silkport.shared.actor import Actor, Role
from silkport.shared.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from silkport.shared.paging import Page
from silkport.shared.text import templated

OFFICERS = frozenset({Role.CUSTOMS_OFFICER, Role.CUSTOMS_SUPERVISOR})
FILERS = frozenset({Role.TRADER, Role.ADMIN})
READERS = frozenset({Role.TRADER, Role.CUSTOMS_OFFICER, Role.CUSTOMS_SUPERVISOR, Role.ADMIN, Role.ANALYST})


@dataclass(frozen=True, slots=True)
class ClearanceConfig:
    """What the services need besides the unit of work (built once by the composition root)."""

    reference: ClearanceReference
    tariff: TariffSchedule
    value_ranges: Mapping[str, tuple[Decimal, Decimal]]
    duty_threshold: Decimal = Decimal("50")
    exchange_rates: ExchangeRates | None = None  # customs' own rates by date; a declared rate far off is flagged
    model: RiskModel | None = None  # the learned risk score and the inspection budget, when a model is trained
    recognition: RecognitionPolicy | None = None  # streamlined highway: inspections recognised along corridors


@dataclass(frozen=True, slots=True)
class Extras:
    """What a declaration's view shows besides the aggregate: its latest risk assessment and tax breakdown."""

    assessment: StoredAssessment | None
    taxes: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class Outcome:
    declaration: Declaration
    warnings: tuple[FieldError, ...] = ()
    extras: Extras | None = None  # known when the command itself assessed and taxed (no need to read them back)


def _require(actor: Actor, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"a {actor.role.label.lower()} may not {what}")


def _visible(uow: ClearanceUnitOfWork, actor: Actor, declaration_id: str, for_update: bool = False) -> Declaration:
    if actor.role not in READERS:
        raise PermissionDenied(f"a {actor.role.label.lower()} may not read declarations")
    d = uow.declarations.get(declaration_id, for_update=for_update)
    if d is None or (actor.is_enterprise_bound and d.content.declarant_id != actor.enterprise_id):
        raise NotFound(f"declaration {declaration_id} not found")
    return d


def _emit(uow: ClearanceUnitOfWork, d: Declaration, event: str, extra: Mapping[str, Any] | None = None) -> None:
    payload: dict[str, Any] = {
        "declaration_id": d.id,
        "lrn": d.content.lrn,
        "status": d.status.value,
        "lane": d.lane.value if d.lane else None,
        "version": d.version,
    }
    payload.update(extra or {})
    uow.outbox.emit(d.content.declarant_id, event, payload, uow.clock.now())


def _audit(
    uow: ClearanceUnitOfWork, actor: Actor, d: Declaration, action: str, before: Status | None, reason: str | None
) -> None:
    uow.audit.record(
        actor=actor,
        action=f"declaration.{action}",
        object_type="declaration",
        object_id=d.id,
        before={"status": before.value} if before else None,
        after={"status": d.status.value, "lane": d.lane.value if d.lane else None, "version": d.version},
        reason=reason,
    )


def _move(
    uow: ClearanceUnitOfWork, actor: Actor, d: Declaration, target: Status, action: str, reason: str | None = None
) -> None:
    before = d.status
    d.move(target, uow.clock.now(), actor.username, reason)
    _audit(uow, actor, d, action, before, reason)
    _emit(uow, d, f"declaration.{action}", {"reason": reason} if reason and actor.role in OFFICERS else None)


def check(content: DeclarationContent, config: ClearanceConfig, rulebook: Rulebook | None = None) -> ValidationResult:
    """Validate against the reference data; the active rulebook says which HS codes are controlled."""
    reference = config.reference
    if rulebook is not None and rulebook.controlled_hs != reference.controlled_hs:
        reference = replace(reference, controlled_hs=rulebook.controlled_hs)
    result = validate(content, reference)
    if config.exchange_rates is not None and content.invoice_currency != "CNY":
        off = check_exchange_rate(content, config.exchange_rates)
        if off is not None:
            # the officer sees it; customs recomputes with its own rate when it assesses
            result = ValidationResult(result.errors, (*result.warnings, off))
    return result


def _raise_if_invalid(result: ValidationResult) -> None:
    if result.errors:
        raise ValidationFailed(list(result.errors))


def file_declaration(
    uow: ClearanceUnitOfWork,
    actor: Actor,
    config: ClearanceConfig,
    content: DeclarationContent,
    *,
    lodge: bool = True,
    pre_arrival: bool = True,
    declaration_id: str | None = None,
) -> Outcome:
    """Create a declaration (a draft, or lodged at once). Invalid content is a 422 and stores nothing."""
    _require(actor, FILERS, "file declarations")
    if actor.is_enterprise_bound and content.declarant_id != actor.enterprise_id:
        raise PermissionDenied("a trader files declarations for their own enterprise only")
    with uow:
        # until the commit a filing only reads (the rulebook, the registry, the declarant's record) and keeps
        # what it creates in memory: its writes need no protection from writers in between (inserts, counter
        # increments, the LRN's unique key), so the store need not hold other writers up while it works
        uow.reads_until_commit()
        uow.prefetch_filing(content.declarant_id)
        result = check(content, config, uow.rulebooks.active())
        _raise_if_invalid(result)
        # an LRN the declarant used before is refused by the store when the declaration is written (a 409
        # Conflict from the commit, concurrent filings included): no lookup on every lodgement
        registered = uow.enterprises.status_and_grade(content.declarant_id)
        if registered is None:
            raise ValidationFailed(FieldError("declarant", f"no enterprise {content.declarant_id} in the registry"))
        d = Declaration(id=declaration_id or uuid.uuid4().hex, content=content, pre_arrival=pre_arrival)
        uow.declarations.add(d, actor.username, "filed")
        _audit(uow, actor, d, "filed", None, None)
        extras = _lodge(uow, actor, config, d) if lodge else Extras(None, None)
        uow.declarations.save(d)
        uow.commit()
    return Outcome(d, result.warnings, extras)


def resolve_declarant(uow: ClearanceUnitOfWork, actor: Actor, content: DeclarationContent) -> DeclarationContent:
    """Trade formats name the declarant by USCC (or ``country:national id``): find the enterprise.

    A trader may only declare for their own enterprise; for anyone else the stated enterprise must exist.
    """
    with uow:
        found = uow.enterprises.id_by_identifier(content.declarant_id)
    if found is None:
        raise ValidationFailed(FieldError("declarant", f"no enterprise {content.declarant_id} in the registry"))
    if actor.is_enterprise_bound and found != actor.enterprise_id:
        raise ValidationFailed(FieldError("declarant", "a trader declares for their own enterprise only"))
    return replace(content, declarant_id=found)


def lodge(uow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, declaration_id: str) -> Outcome:
    with uow:
        d = _visible(uow, actor, declaration_id, for_update=True)
        _require(actor, FILERS, "lodge declarations")
        d.require(Status.DRAFT)
        result = check(d.content, config, uow.rulebooks.active())
        _raise_if_invalid(result)
        extras = _lodge(uow, actor, config, d)
        uow.declarations.save(d)
        uow.commit()
    return Outcome(d, result.warnings, extras)


def _lodge(uow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, d: Declaration) -> Extras:
    """Lodge, accept and assess a draft; the assessment and taxes it stored (none when rejected)."""
    now = uow.clock.now()
    _move(uow, actor, d, Status.LODGED, "lodged")
    d.stamp(Stage.LODGEMENT, now)
    if not d.pre_arrival:
        d.stamp(Stage.ARRIVAL, now)
    status, _grade = uow.enterprises.status_and_grade(d.content.declarant_id) or ("unknown", "general")
    if status != "active":
        _move(uow, _system(actor), d, Status.REJECTED, "rejected", f"the declarant enterprise is {status}")
        return Extras(None, None)
    _move(uow, _system(actor), d, Status.ACCEPTED, "accepted")
    d.stamp(Stage.ACCEPTANCE, now)
    return _assess(uow, actor, config, d)


def _system(actor: Actor) -> Actor:
    """The engine's own steps are recorded as the system acting on the caller's request."""
    return Actor(user_id="system", username=f"engine (for {actor.username})", role=Role.ADMIN)


def trader_profile(uow: ClearanceUnitOfWork, enterprise_id: str) -> TraderProfile:
    declared, inspected, discrepancies = uow.declarations.trader_history(enterprise_id)
    found = uow.enterprises.status_and_grade(enterprise_id)
    grade = found[1] if found else "general"
    return TraderProfile(
        enterprise_id=enterprise_id,
        credit_grade=grade,
        declarations=declared,
        inspected=inspected,
        discrepancies=discrepancies,
    )


def _taxes(d: Declaration, config: ClearanceConfig) -> DutyAssessment:
    return assess_duties(d.content, config.tariff, threshold=config.duty_threshold)


def _assess(uow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, d: Declaration) -> Extras:
    """One explainable decision: the rules (with the model's score as one input), then the inspection budget."""
    now = uow.clock.now()
    rulebook = uow.rulebooks.active()
    profile = trader_profile(uow, d.content.declarant_id)
    opinion: ModelScore | None = config.model.score(d.id, d.content, now.date()) if config.model else None
    ctx = RiskContext(
        trader=profile,
        value_ranges=config.value_ranges,
        model_score=opinion.score if opinion else None,
        model_version=opinion.version if opinion else None,
    )
    result = assess(d.id, d.content, rulebook, ctx)
    threshold = None
    if config.model is not None and opinion is not None:
        threshold = config.model.threshold(opinion.score, forced_red=result.lane is Lane.RED)
    lane, budget_reason = apply_budget(result.lane, opinion.score if opinion else None, threshold)
    recognition = _recognised(uow, config, d, now) if lane is Lane.RED else None
    lane, recognised = apply_recognition(lane, [(f.kind, f.forced_lane) for f in result.fired], recognition)
    if recognised and recognition is not None:
        uow.declarations.add_recognition(d.id, d.content.office_code, recognition, now)
    stored = _stored(d, result, ctx, now, lane, opinion, threshold, budget_reason, recognition if recognised else None)
    uow.declarations.add_assessment(stored)
    d.lane = lane
    d.risk_score = result.score
    d.rulebook_version = result.rulebook_version
    d.model_version = opinion.version if opinion else None
    d.stamp(Stage.RISK_ASSESSMENT, now)
    taxes = _taxes(d, config)
    breakdown = taxes_json(taxes)
    uow.declarations.set_taxes(d.id, d.version, breakdown)
    d.settlement = taxes.settlement
    _move(uow, _system(actor), d, Status.ASSESSED, "risk_assessed", None)
    if lane is Lane.YELLOW:
        _move(uow, _system(actor), d, Status.DOCUMENT_CHECK, "sent_to_document_check")
    elif lane is Lane.RED:
        _move(uow, _system(actor), d, Status.INSPECTION, "sent_to_inspection", budget_reason)
    else:
        _clear(uow, _system(actor), d, "green lane: no check needed")
    return Extras(stored, breakdown)


def _recognised(uow: ClearanceUnitOfWork, config: ClearanceConfig, d: Declaration, now: datetime) -> Recognition | None:
    """The upstream inspection the streamlined highway recognises for this declaration's containers, if any."""
    policy = config.recognition
    if policy is None or not d.content.containers:
        return None
    numbers = [c.number for c in d.content.containers]
    return find_recognition(
        d.content, uow.declarations.inspected_containers(numbers, now - policy.max_age), policy, now
    )


def _stored(
    d: Declaration,
    result: RiskAssessment,
    ctx: RiskContext,
    now: datetime,
    lane: Lane,
    opinion: ModelScore | None,
    threshold: Decimal | None,
    budget_reason: str | None,
    recognition: Recognition | None = None,
) -> StoredAssessment:
    officer = result.officer_view()
    trader = result.trader_view()
    fired = list(officer.get("fired", []))
    trader_reasons = [str(r) for r in trader.get("reasons", [])]
    if budget_reason:
        fired.append({"rule_id": "inspection-budget", "kind": "budget", "contribution": None, "reason": budget_reason})
        if recognition is None:
            trader_reasons.append("Your declaration is selected for a physical inspection.")
    if recognition is not None:
        _, reason = apply_recognition(Lane.RED, (), recognition)
        fired.append({"rule_id": "streamlined-highway", "kind": "recognition", "contribution": None, "reason": reason})
        trader_reasons.append(
            f"The goods were inspected at {recognition.office_code} and arrived under intact seals: "
            "no new inspection (streamlined highway)."
        )
    return StoredAssessment(
        declaration_id=d.id,
        content_version=d.version,
        rulebook_version=result.rulebook_version,
        model_version=opinion.version if opinion else None,
        score=result.score,
        lane=lane,
        fired=fired,
        trader_reasons=trader_reasons,
        inputs={
            "trader": {
                "enterprise_id": ctx.trader.enterprise_id,
                "credit_grade": ctx.trader.credit_grade,
                "declarations": ctx.trader.declarations,
                "inspected": ctx.trader.inspected,
                "discrepancies": ctx.trader.discrepancies,
            },
            "model_score": str(opinion.score) if opinion else None,
            "model_version": opinion.version if opinion else None,
            # JSON has no NaN: a missing feature value is stored as null
            "model_features": [f if math.isfinite(f) else None for f in map(float, opinion.features)]
            if opinion
            else None,
            "budget_threshold": str(threshold) if threshold is not None else None,
            "recognised_inspection": recognition.as_json() if recognition is not None else None,
        },
        at=now,
    )


def _clear(uow: ClearanceUnitOfWork, actor: Actor, d: Declaration, reason: str) -> None:
    """Every check is done: release now if the goods are here and duty is settled, else when they are."""
    d.assigned_to = None
    _move(uow, actor, d, Status.CLEARED, "cleared", reason)
    _try_release(uow, actor, d)


def _try_release(uow: ClearanceUnitOfWork, actor: Actor, d: Declaration) -> bool:
    if d.status is not Status.CLEARED or not d.arrived or not d.settled:
        return False
    _move(uow, _system(actor), d, Status.RELEASED, "released", "cleared, arrived and settled")
    d.stamp(Stage.RELEASE, uow.clock.now())
    return True


def confirm_arrival(uow: ClearanceUnitOfWork, actor: Actor, declaration_id: str) -> Outcome:
    """The goods are at the office (a gate read, a train or flight arrival): release a waiting green one."""
    _require(actor, OFFICERS | {Role.LOGISTICS_OPERATOR, Role.ADMIN, Role.TRADER}, "confirm arrivals")
    with uow:
        d = _visible_or_logistics(uow, actor, declaration_id)
        if d.status in FINAL or d.status is Status.RELEASED:
            raise Conflict(templated("declaration is %(status)s: arrival no longer matters", status=d.status.value))
        if d.arrived:
            raise Conflict(templated("arrival was already confirmed"))
        d.stamp(Stage.ARRIVAL, uow.clock.now())
        uow.audit.record(
            actor=actor,
            action="declaration.arrived",
            object_type="declaration",
            object_id=d.id,
            before=None,
            after={"arrival": d.stages[Stage.ARRIVAL].isoformat()},
        )
        _emit(uow, d, "declaration.arrived")
        _try_release(uow, actor, d)
        uow.declarations.save(d)
        uow.commit()
    return Outcome(d)


def _visible_or_logistics(uow: ClearanceUnitOfWork, actor: Actor, declaration_id: str) -> Declaration:
    if actor.role is Role.LOGISTICS_OPERATOR:
        d = uow.declarations.get(declaration_id, for_update=True)
        if d is None:
            raise NotFound(f"declaration {declaration_id} not found")
        return d
    return _visible(uow, actor, declaration_id, for_update=True)


def settle(uow: ClearanceUnitOfWork, actor: Actor, declaration_id: str, method: Settlement, reference: str) -> Outcome:
    """Duty paid, or deferred under a guarantee; a green declaration that has arrived is then released."""
    if method not in (Settlement.PAID, Settlement.GUARANTEED):
        raise ValidationFailed(FieldError("method", "must be paid or guaranteed"))
    with uow:
        d = _visible(uow, actor, declaration_id, for_update=True)
        _require(actor, FILERS | OFFICERS, "settle duties")
        if d.settlement is not Settlement.UNPAID:
            raise Conflict(templated("nothing to settle: settlement is %(settlement)s", settlement=d.settlement.value))
        if d.status in FINAL or d.status in (Status.DRAFT, Status.LODGED, Status.ACCEPTED):
            raise Conflict(templated("a %(status)s declaration has no duties to settle", status=d.status.value))
        d.settlement = method
        d.stamp(Stage.DUTY_PAYMENT, uow.clock.now())
        uow.audit.record(
            actor=actor,
            action=f"declaration.duty_{method.value}",
            object_type="declaration",
            object_id=d.id,
            before={"settlement": "unpaid"},
            after={"settlement": method.value, "reference": reference},
        )
        _emit(uow, d, "declaration.duty_settled", {"settlement": method.value})
        _try_release(uow, actor, d)
        uow.declarations.save(d)
        uow.commit()
    return Outcome(d)


def claim(uow: ClearanceUnitOfWork, actor: Actor, declaration_id: str) -> Outcome:
    _require(actor, OFFICERS, "claim declarations")
    with uow:
        d = _visible(uow, actor, declaration_id, for_update=True)
        d.require(Status.DOCUMENT_CHECK, Status.INSPECTION, Status.HELD, Status.DOCUMENTS_REQUESTED)
        if d.assigned_to and d.assigned_to != actor.user_id:
            raise Conflict(templated("already claimed by another officer (%(officer)s)", officer=d.assigned_to))
        d.assigned_to = actor.user_id
        uow.audit.record(
            actor=actor,
            action="declaration.claimed",
            object_type="declaration",
            object_id=d.id,
            before=None,
            after={"assigned_to": actor.user_id},
        )
        uow.declarations.save(d)
        uow.commit()
    return Outcome(d)


def reassign(uow: ClearanceUnitOfWork, actor: Actor, declaration_id: str, officer_id: str) -> Outcome:
    _require(actor, frozenset({Role.CUSTOMS_SUPERVISOR}), "reassign declarations")
    with uow:
        d = _visible(uow, actor, declaration_id, for_update=True)
        before = d.assigned_to
        d.assigned_to = officer_id
        uow.audit.record(
            actor=actor,
            action="declaration.reassigned",
            object_type="declaration",
            object_id=d.id,
            before={"assigned_to": before},
            after={"assigned_to": officer_id},
        )
        uow.declarations.save(d)
        uow.commit()
    return Outcome(d)


def decide_document_check(
    uow: ClearanceUnitOfWork, actor: Actor, declaration_id: str, decision: str, reason: str
) -> Outcome:
    """Yellow lane: an officer approves, asks for documents, rejects, or escalates to inspection."""
    _require(actor, OFFICERS, "decide document checks")
    with uow:
        d = _visible(uow, actor, declaration_id, for_update=True)
        d.require(Status.DOCUMENT_CHECK)
        now = uow.clock.now()
        if decision == "approve":
            d.stamp(Stage.DOCUMENT_CHECK, now)
            _clear(uow, actor, d, reason)
        elif decision == "request_documents":
            _move(uow, actor, d, Status.DOCUMENTS_REQUESTED, "documents_requested", reason)
        elif decision == "reject":
            d.stamp(Stage.DOCUMENT_CHECK, now)
            _move(uow, actor, d, Status.REJECTED, "rejected", reason)
        elif decision == "inspect":
            d.stamp(Stage.DOCUMENT_CHECK, now)
            _move(uow, actor, d, Status.INSPECTION, "sent_to_inspection", reason)
        else:
            raise ValidationFailed(FieldError("decision", "approve, request_documents, reject or inspect"))
        uow.declarations.save(d)
        uow.commit()
    return Outcome(d)


def provide_documents(uow: ClearanceUnitOfWork, actor: Actor, declaration_id: str, note: str) -> Outcome:
    """The trader answers a request for documents; the declaration goes back to the officer."""
    with uow:
        d = _visible(uow, actor, declaration_id, for_update=True)
        _require(actor, FILERS, "provide documents")
        d.require(Status.DOCUMENTS_REQUESTED)
        _move(uow, actor, d, Status.DOCUMENT_CHECK, "documents_provided", note)
        uow.declarations.save(d)
        uow.commit()
    return Outcome(d)


def record_inspection(
    uow: ClearanceUnitOfWork,
    actor: Actor,
    config: ClearanceConfig,
    declaration_id: str,
    *,
    method: str,
    finding: Finding,
    note: str,
    amended: DeclarationContent | None = None,
) -> Outcome:
    """Red lane: the findings of a scanner or manual inspection.

    conform -> cleared; discrepancy with amendment -> the corrected content becomes a new version and
    the taxes are recomputed, then cleared; discrepancy with penalty -> cleared with an audit flag;
    seizure -> held. Every outcome feeds the declarant's compliance history.
    """
    _require(actor, OFFICERS, "record inspections")
    if method not in ("scanner", "manual"):
        raise ValidationFailed(FieldError("method", "scanner or manual"))
    with uow:
        d = _visible(uow, actor, declaration_id, for_update=True)
        d.require(Status.INSPECTION)
        now = uow.clock.now()
        d.stamp(Stage.INSPECTION, now)
        uow.declarations.add_inspection(d.id, d.content.declarant_id, method, finding, note, now, actor.user_id)
        if finding is Finding.DISCREPANCY_AMENDMENT:
            if amended is None:
                raise ValidationFailed(FieldError("amended", "an amendment finding carries the corrected declaration"))
            taxes = _apply_amendment(uow, actor, config, d, amended, f"inspection: {note}")
            if d.settlement is Settlement.NONE_DUE:
                d.settlement = taxes.settlement
        if finding is not Finding.DISCREPANCY_SEIZURE:
            # inspected and (re)sealed here: offices downstream on a streamlined corridor recognise it
            uow.declarations.add_inspected_containers(
                [
                    InspectedContainer(c.number.upper(), seal_key(c.seals), d.content.office_code, d.id, now)
                    for c in d.content.containers
                    if seal_key(c.seals)
                ]
            )
        if finding is Finding.DISCREPANCY_SEIZURE:
            _move(uow, actor, d, Status.HELD, "held", note)
        else:
            if finding is Finding.DISCREPANCY_PENALTY:
                d.audit_flags.append(f"penalty: {note}")
            _clear(uow, actor, d, f"inspection {finding.value}: {note}")
        uow.declarations.save(d)
        uow.commit()
    return Outcome(d)


def resolve_hold(uow: ClearanceUnitOfWork, actor: Actor, declaration_id: str, reason: str) -> Outcome:
    _require(actor, frozenset({Role.CUSTOMS_SUPERVISOR}), "lift a hold")
    with uow:
        d = _visible(uow, actor, declaration_id, for_update=True)
        d.require(Status.HELD)
        _clear(uow, actor, d, reason)
        uow.declarations.save(d)
        uow.commit()
    return Outcome(d)


def confirm_exit(uow: ClearanceUnitOfWork, actor: Actor, declaration_id: str) -> Outcome:
    """The goods left customs control (gate out, departure)."""
    _require(actor, OFFICERS | {Role.LOGISTICS_OPERATOR, Role.ADMIN}, "confirm exits")
    with uow:
        d = _visible_or_logistics(uow, actor, declaration_id)
        d.require(Status.RELEASED)
        _move(uow, actor, d, Status.EXITED, "exited")
        d.stamp(Stage.EXIT, uow.clock.now())
        uow.declarations.save(d)
        uow.commit()
    return Outcome(d)


def _apply_amendment(
    uow: ClearanceUnitOfWork,
    actor: Actor,
    config: ClearanceConfig,
    d: Declaration,
    content: DeclarationContent,
    reason: str,
) -> DutyAssessment:
    if content.declarant_id != d.content.declarant_id:
        raise ValidationFailed(FieldError("declarant", "an amendment cannot change the declarant"))
    result = check(content, config, uow.rulebooks.active())
    before = d.version
    d.amend(content, list(result.errors))
    uow.declarations.add_version(d.id, d.version, content, uow.clock.now(), actor.username, reason)
    taxes = _taxes(d, config)
    uow.declarations.set_taxes(d.id, d.version, taxes_json(taxes))
    uow.audit.record(
        actor=actor,
        action="declaration.amended",
        object_type="declaration",
        object_id=d.id,
        before={"version": before},
        after={"version": d.version},
        reason=reason,
    )
    _emit(uow, d, "declaration.amended")
    return taxes


def amend(
    uow: ClearanceUnitOfWork,
    actor: Actor,
    config: ClearanceConfig,
    declaration_id: str,
    content: DeclarationContent,
    reason: str,
) -> Outcome:
    """A new version of the content. After release it is recorded and flagged for post-clearance audit."""
    _require(actor, FILERS | OFFICERS, "amend declarations")
    with uow:
        d = _visible(uow, actor, declaration_id, for_update=True)
        warnings = check(content, config, uow.rulebooks.active()).warnings
        _apply_amendment(uow, actor, config, d, content, reason)
        if d.status in (Status.RELEASED, Status.EXITED):
            d.audit_flags.append(f"amended after release (v{d.version}): {reason}")
        uow.declarations.save(d)
        uow.commit()
    return Outcome(d, warnings)


def invalidate(uow: ClearanceUnitOfWork, actor: Actor, declaration_id: str, reason: str) -> Outcome:
    """Withdrawal by the declarant, or invalidation by customs, before release."""
    _require(actor, FILERS | OFFICERS, "invalidate declarations")
    with uow:
        d = _visible(uow, actor, declaration_id, for_update=True)
        _move(uow, actor, d, Status.INVALIDATED, "invalidated", reason)
        uow.declarations.save(d)
        uow.commit()
    return Outcome(d)


def flag_for_audit(uow: ClearanceUnitOfWork, actor: Actor, declaration_id: str, reason: str) -> Outcome:
    """Post-clearance audit flag, set by customs on any declaration."""
    _require(actor, OFFICERS, "flag declarations for audit")
    with uow:
        d = _visible(uow, actor, declaration_id, for_update=True)
        d.audit_flags.append(reason)
        uow.audit.record(
            actor=actor,
            action="declaration.audit_flagged",
            object_type="declaration",
            object_id=d.id,
            before=None,
            after={"flag": reason},
            reason=reason,
        )
        uow.declarations.save(d)
        uow.commit()
    return Outcome(d)


def get_declaration(uow: ClearanceUnitOfWork, actor: Actor, declaration_id: str) -> Declaration:
    with uow:
        return _visible(uow, actor, declaration_id)


def assessment_of(uow: ClearanceUnitOfWork, actor: Actor, declaration_id: str) -> StoredAssessment | None:
    with uow:
        _visible(uow, actor, declaration_id)
        return uow.declarations.latest_assessment(declaration_id)


def extras_of(uow: ClearanceUnitOfWork, actor: Actor, declarations: Sequence[Declaration]) -> dict[str, Extras]:
    """The latest assessment and taxes of declarations the actor was given by another call, in one read."""
    if actor.role not in READERS:
        raise PermissionDenied(f"a {actor.role.label.lower()} may not read declarations")
    ids = [d.id for d in declarations if not actor.is_enterprise_bound or d.content.declarant_id == actor.enterprise_id]
    if not ids:
        return {}
    with uow:
        assessments = uow.declarations.latest_assessments(ids)
        taxes = uow.declarations.latest_taxes(ids)
    return {i: Extras(assessments.get(i), taxes.get(i)) for i in ids}


def list_declarations(
    uow: ClearanceUnitOfWork, actor: Actor, flt: DeclarationFilter, cursor: str | None = None, limit: int = 50
) -> Page[Declaration]:
    if actor.role not in READERS:
        raise PermissionDenied(f"a {actor.role.label.lower()} may not read declarations")
    if not 1 <= limit <= 500:
        raise ValidationFailed(FieldError("limit", "must be between 1 and 500"))
    if actor.is_enterprise_bound:
        flt = replace(flt, declarant_id=actor.enterprise_id or "")
    with uow:
        return uow.declarations.search(flt, cursor, limit)


def queue(
    uow: ClearanceUnitOfWork,
    actor: Actor,
    office: str | None,
    lane: Lane | None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Declaration]:
    """An officer's work queue: declarations waiting for a document check, an inspection or a hold decision."""
    _require(actor, OFFICERS, "see work queues")
    statuses = frozenset({Status.DOCUMENT_CHECK, Status.INSPECTION, Status.HELD})
    flt = DeclarationFilter(office=office or actor.office_code, statuses=statuses, lane=lane)
    with uow:
        return uow.declarations.search(flt, cursor, limit)


def workload(uow: ClearanceUnitOfWork, actor: Actor, office: str | None) -> list[QueueStat]:
    """Supervisors: how many declarations wait where, and since when."""
    _require(actor, frozenset({Role.CUSTOMS_SUPERVISOR, Role.ADMIN}), "see workload")
    with uow:
        return uow.declarations.queue_stats(office)


def replay(uow: ClearanceUnitOfWork, actor: Actor, config: ClearanceConfig, declaration_id: str) -> RiskAssessment:
    """Run the risk engine again with the recorded rulebook version, content version and inputs."""
    _require(actor, OFFICERS | {Role.ADMIN}, "replay risk decisions")
    with uow:
        d = _visible(uow, actor, declaration_id)
        stored = uow.declarations.latest_assessment(d.id)
        if stored is None:
            raise NotFound(f"declaration {declaration_id} was never risk-assessed")
        rulebook = uow.rulebooks.get(stored.rulebook_version)
        content = uow.declarations.content_at(d.id, stored.content_version)
        if rulebook is None or content is None:
            raise NotFound("the recorded rulebook or content version is missing")
        t = stored.inputs["trader"]
        ctx = RiskContext(
            trader=TraderProfile(
                enterprise_id=t["enterprise_id"],
                credit_grade=t["credit_grade"],
                declarations=t["declarations"],
                inspected=t["inspected"],
                discrepancies=t["discrepancies"],
            ),
            value_ranges=config.value_ranges,
            model_score=Decimal(stored.inputs["model_score"]) if stored.inputs.get("model_score") else None,
            model_version=stored.inputs.get("model_version"),
        )
        result = assess(d.id, content, rulebook, ctx)
        threshold = stored.inputs.get("budget_threshold")
        lane, _ = apply_budget(result.lane, ctx.model_score, Decimal(threshold) if threshold else None)
        return replace(result, lane=lane)


def publish_rulebook(uow: ClearanceUnitOfWork, actor: Actor, rulebook: Rulebook) -> Rulebook:
    """A supervisor switches a new rulebook version on; every change is audited."""
    _require(actor, frozenset({Role.CUSTOMS_SUPERVISOR}), "change the rulebook")
    with uow:
        if uow.rulebooks.get(rulebook.version) is not None:
            raise Conflict(
                templated(
                    "version: rulebook %(version)s exists already; versions are immutable", version=rulebook.version
                )
            )
        previous = uow.rulebooks.active()
        uow.rulebooks.publish(rulebook, uow.clock.now(), actor.username)
        uow.audit.record(
            actor=actor,
            action="rulebook.published",
            object_type="rulebook",
            object_id=rulebook.version,
            before={"active": previous.version},
            after={"active": rulebook.version, "fingerprint": rulebook.fingerprint()},
        )
        uow.commit()
    return rulebook


def taxes_json(taxes: DutyAssessment) -> dict[str, Any]:
    return taxes.as_dict()


def inspections_avoided(
    uow: ClearanceUnitOfWork, actor: Actor, first_month: date, last_month: date, office: str | None = None
) -> list[tuple[str, int]]:
    """Streamlined highway: red lanes lifted because an upstream inspection was recognised, per month (UTC),
    every month from ``first_month`` to ``last_month`` included (zero when none)."""
    if actor.role not in frozenset({*OFFICERS, Role.ANALYST, Role.ADMIN}):
        raise PermissionDenied(f"a {actor.role.label.lower()} may not see clearance figures")
    start = first_month.replace(day=1)
    stop = last_month.replace(day=1)
    if stop < start:
        raise ValidationFailed(FieldError("to", "is before from"))
    months: list[date] = []
    m = start
    while m <= stop:
        months.append(m)
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    if len(months) > 120:
        raise ValidationFailed(FieldError("to", "at most 120 months at a time"))
    until = datetime.combine(months[-1], time(), UTC) + timedelta(days=32)
    until = until.replace(day=1)
    with uow:
        found = dict(uow.declarations.recognitions_by_month(datetime.combine(start, time(), UTC), until, office))
    return [(f"{m:%Y-%m}", found.get(f"{m:%Y-%m}", 0)) for m in months]
