"""The desk's cases: parties, workflow per case type, procedural time limits, hearings, conflict checks,
fees, outcome and enforcement abroad. Pure: no I/O, time is passed in."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from silkport.shared.codes import is_country, is_currency
from silkport.shared.errors import FieldError, IllegalTransition, ValidationFailed
from silkport.shared.text import field_error


class CaseType(StrEnum):
    CONSULTATION = "consultation"
    MEDIATION = "mediation"
    ARBITRATION = "arbitration"
    LITIGATION_SUPPORT = "litigation_support"


class Status(StrEnum):
    INTAKE = "intake"
    IN_PROGRESS = "in_progress"  # consultation: counsel working on the advice
    NOTIFIED = "notified"  # notice served on the respondent (request, claim or complaint)
    ANSWERED = "answered"  # the respondent's answer is in
    NEUTRAL_APPOINTED = "neutral_appointed"  # mediator appointed / tribunal constituted
    HEARINGS = "hearings"
    DECIDED = "decided"  # outcome recorded: advice given, settlement, award or judgment
    ENFORCEMENT = "enforcement"  # enforcement (at home or abroad) under way
    WITHDRAWN = "withdrawn"
    DISMISSED = "dismissed"
    CLOSED = "closed"


class PartyRole(StrEnum):
    CLAIMANT = "claimant"
    RESPONDENT = "respondent"
    THIRD_PARTY = "third_party"


class OutcomeKind(StrEnum):
    ADVICE = "advice"  # a consultation's written advice
    SETTLEMENT = "settlement"
    AWARD = "award"
    JUDGMENT = "judgment"
    WITHDRAWAL = "withdrawal"
    DISMISSAL = "dismissal"


class NeutralRole(StrEnum):
    MEDIATOR = "mediator"
    ARBITRATOR = "arbitrator"


class Intake(StrEnum):
    PARTY = "party"
    DESK = "desk"


S = Status
_ENDINGS = {S.WITHDRAWN, S.DISMISSED}
#: the legal edges of each case type's workflow (target statuses per current status)
WORKFLOWS: dict[CaseType, dict[Status, frozenset[Status]]] = {
    CaseType.CONSULTATION: {
        S.INTAKE: frozenset({S.IN_PROGRESS, S.WITHDRAWN}),
        S.IN_PROGRESS: frozenset({S.DECIDED, S.WITHDRAWN}),
        S.DECIDED: frozenset({S.CLOSED}),
    },
    CaseType.MEDIATION: {
        S.INTAKE: frozenset({S.NOTIFIED} | _ENDINGS),
        S.NOTIFIED: frozenset({S.NEUTRAL_APPOINTED} | _ENDINGS),
        S.NEUTRAL_APPOINTED: frozenset({S.HEARINGS} | _ENDINGS),
        S.HEARINGS: frozenset({S.DECIDED} | _ENDINGS),
        S.DECIDED: frozenset({S.ENFORCEMENT, S.CLOSED}),
        S.ENFORCEMENT: frozenset({S.CLOSED}),
    },
    CaseType.ARBITRATION: {
        S.INTAKE: frozenset({S.NOTIFIED} | _ENDINGS),
        S.NOTIFIED: frozenset({S.ANSWERED} | _ENDINGS),
        S.ANSWERED: frozenset({S.NEUTRAL_APPOINTED} | _ENDINGS),
        S.NEUTRAL_APPOINTED: frozenset({S.HEARINGS} | _ENDINGS),
        S.HEARINGS: frozenset({S.DECIDED} | _ENDINGS),
        S.DECIDED: frozenset({S.ENFORCEMENT, S.CLOSED}),
        S.ENFORCEMENT: frozenset({S.CLOSED}),
    },
    CaseType.LITIGATION_SUPPORT: {
        S.INTAKE: frozenset({S.NOTIFIED} | _ENDINGS),
        S.NOTIFIED: frozenset({S.ANSWERED} | _ENDINGS),
        S.ANSWERED: frozenset({S.HEARINGS} | _ENDINGS),
        S.HEARINGS: frozenset({S.DECIDED} | _ENDINGS),
        S.DECIDED: frozenset({S.ENFORCEMENT, S.CLOSED}),
        S.ENFORCEMENT: frozenset({S.CLOSED}),
    },
}
for _edges in WORKFLOWS.values():
    _edges.setdefault(S.WITHDRAWN, frozenset({S.CLOSED}))
    _edges.setdefault(S.DISMISSED, frozenset({S.CLOSED}))

#: statuses reached only by recording an outcome of one of these kinds
OUTCOME_TARGETS: dict[Status, frozenset[OutcomeKind]] = {
    S.DECIDED: frozenset({OutcomeKind.ADVICE, OutcomeKind.SETTLEMENT, OutcomeKind.AWARD, OutcomeKind.JUDGMENT}),
    S.WITHDRAWN: frozenset({OutcomeKind.WITHDRAWAL}),
    S.DISMISSED: frozenset({OutcomeKind.DISMISSAL}),
}
#: the outcome a decision of each case type can be
DECISIONS: dict[CaseType, OutcomeKind] = {
    CaseType.CONSULTATION: OutcomeKind.ADVICE,
    CaseType.MEDIATION: OutcomeKind.SETTLEMENT,
    CaseType.ARBITRATION: OutcomeKind.AWARD,
    CaseType.LITIGATION_SUPPORT: OutcomeKind.JUDGMENT,
}


def legal_targets(case_type: CaseType, current: Status) -> frozenset[Status]:
    return WORKFLOWS[case_type].get(current, frozenset())


_KEY_RE = re.compile(r"[^0-9a-z]+")


def person_key(name: str, identifier: str | None) -> str:
    """Who a party, counsel or neutral is, for conflict checks: the identifier if known, else the name."""
    if identifier and identifier.strip():
        return "id:" + _KEY_RE.sub("", identifier.casefold())
    return "name:" + _KEY_RE.sub("", name.casefold())


@dataclass(frozen=True, slots=True)
class Counsel:
    name: str
    firm: str | None = None
    identifier: str | None = None

    @property
    def key(self) -> str:
        return person_key(self.name, self.identifier)


@dataclass(frozen=True, slots=True)
class Party:
    id: str
    name: str
    country: str
    role: PartyRole
    enterprise_id: str | None = None  # set when the party is an enterprise of the zone
    identifier: str | None = None
    time_zone: str = "UTC"
    counsel: Counsel | None = None

    @property
    def key(self) -> str:
        return person_key(self.name, self.identifier or self.enterprise_id)


@dataclass(frozen=True, slots=True)
class Extension:
    previous_due: date
    new_due: date
    reason: str
    granted_by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Deadline:
    code: str
    label: str
    due: date
    met_by: Status
    remind_days_before: int
    met_on: date | None = None
    extensions: tuple[Extension, ...] = ()
    reminded_on: date | None = None

    def state(self, today: date) -> str:
        if self.met_on is not None:
            return "met" if self.met_on <= self.due else "met_late"
        return "overdue" if today > self.due else "open"


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """A procedural time limit as data: starts when the case enters ``starts_on``, met when it enters ``met_by``."""

    code: str
    label: str
    case_type: CaseType
    starts_on: Status
    met_by: Status
    days: int = 0
    months: int = 0
    remind_days_before: int = 7
    #: the name in other languages, as (locale, name) pairs: shown on pages; ``label`` (English) is recorded
    names: tuple[tuple[str, str], ...] = ()

    def name_in(self, locale: str) -> str:
        """The limit's name in ``locale`` (English when the desk's table has no such translation)."""
        return dict(self.names).get(locale) or self.label


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Hearing:
    id: str
    starts_at: datetime  # aware UTC
    minutes: int
    place: str

    def local_times(self, parties: tuple[Party, ...]) -> dict[str, str]:
        """The hearing's start in each party's own time zone (ISO 8601 with offset)."""
        return {p.id: self.starts_at.astimezone(ZoneInfo(p.time_zone)).isoformat() for p in parties}


@dataclass(frozen=True, slots=True)
class Neutral:
    name: str
    role: NeutralRole
    identifier: str | None
    independence_declaration: str
    appointed_at: datetime

    @property
    def key(self) -> str:
        return person_key(self.name, self.identifier)


@dataclass(frozen=True, slots=True)
class Fee:
    kind: str
    description: str
    amount: Decimal
    currency: str
    borne_by: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: OutcomeKind
    decided_on: date
    amount: Decimal | None
    currency: str | None
    in_favour_of: str | None
    note: str


@dataclass(frozen=True, slots=True)
class Enforcement:
    id: str
    country: str
    court: str
    filed_on: date
    new_york_convention: bool | None  # None: the desk's table cannot tell
    status: str = "filed"  # filed -> recognised | refused -> enforced


ENFORCEMENT_EDGES = {"filed": {"recognised", "refused"}, "recognised": {"enforced"}}
#: every state an enforcement abroad may be in, in the order it moves through them
ENFORCEMENT_STATUSES = ("filed", "recognised", "refused", "enforced")


def enforcement_targets(status: str) -> list[str]:
    """The states an enforcement in ``status`` may move to next (none: refused and enforced are final)."""
    return [s for s in ENFORCEMENT_STATUSES if s in ENFORCEMENT_EDGES.get(status, set())]


@dataclass(frozen=True, slots=True)
class ConventionParty:
    """One contracting state of the 1958 New York Convention as the desk's table records it."""

    country: str
    participant: str
    action: str  # r ratification, a accession, d succession, "" (only the entry into force was read)
    action_date: date | None
    in_force: date | None
    #: article I(3) reservations ("reciprocity", "commercial"); empty: none made; None: the source does not say
    reservations: frozenset[str] | None
    source: str


FEE_KINDS = frozenset({"filing_fee", "neutral_fee", "desk_fee", "counsel_fee", "expense"})
LINK_KINDS = frozenset({"declaration", "consignment", "bonded_movement", "contract"})


@dataclass(frozen=True, slots=True)
class Link:
    kind: str
    ref: str


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    reference: str
    type: CaseType
    status: Status
    intake: Intake
    subject: str
    parties: tuple[Party, ...]
    languages: tuple[str, ...]
    governing_law: str | None
    seat: str | None
    amount: Decimal | None
    currency: str | None
    opened_at: datetime
    links: tuple[Link, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    hearings: tuple[Hearing, ...] = ()
    neutrals: tuple[Neutral, ...] = ()
    fees: tuple[Fee, ...] = ()
    outcome: Outcome | None = None
    enforcements: tuple[Enforcement, ...] = ()
    status_since: datetime | None = None

    @property
    def countries(self) -> frozenset[str]:
        return frozenset(p.country for p in self.parties)

    @property
    def cross_border(self) -> bool:
        return len(self.countries) > 1

    @property
    def enterprise_ids(self) -> frozenset[str]:
        return frozenset(p.enterprise_id for p in self.parties if p.enterprise_id)

    def party(self, party_id: str) -> Party | None:
        return next((p for p in self.parties if p.id == party_id), None)

    def participant_keys(self) -> frozenset[str]:
        keys = {p.key for p in self.parties}
        keys |= {p.counsel.key for p in self.parties if p.counsel}
        return frozenset(keys)

    def participant_roles(self) -> dict[str, list[tuple[str, tuple[str, str]]]]:
        """Who each participant key of this case is: [(capacity, (name, role)), ...]; role as "claimant" or
        "counsel of <party>"."""
        out: dict[str, list[tuple[str, tuple[str, str]]]] = {}
        for p in self.parties:
            out.setdefault(p.key, []).append(("party", (p.name, p.role.value)))
            if p.counsel:
                out.setdefault(p.counsel.key, []).append(("counsel", (p.counsel.name, f"counsel of {p.name}")))
        return out

    def fee_totals(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for f in self.fees:
            totals[f.currency] = totals.get(f.currency, Decimal(0)) + f.amount
        return totals


def _errors(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)


def validate_parties(case_type: CaseType, parties: tuple[Party, ...]) -> None:
    errors: list[FieldError] = []
    if not parties:
        errors.append(field_error("parties", "name at least one party"))
    for i, p in enumerate(parties):
        if not p.name.strip():
            errors.append(field_error(f"parties[{i}].name", "must not be empty"))
        if not is_country(p.country):
            errors.append(
                field_error(f"parties[{i}].country", "%(country)r is not an ISO 3166 alpha-2 code", country=p.country)
            )
        try:
            ZoneInfo(p.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(
                field_error(f"parties[{i}].time_zone", "%(time_zone)r is not an IANA time zone", time_zone=p.time_zone)
            )
    roles = [p.role for p in parties]
    if case_type is not CaseType.CONSULTATION and parties:
        if PartyRole.CLAIMANT not in roles:
            errors.append(field_error("parties", "a %(case_type)s needs a claimant", case_type=case_type.value))
        if PartyRole.RESPONDENT not in roles:
            errors.append(field_error("parties", "a %(case_type)s needs a respondent", case_type=case_type.value))
    keys = [p.key for p in parties]
    if len(set(keys)) != len(keys):
        errors.append(field_error("parties", "the same party is named twice"))
    _errors(errors)


def open_case(
    *,
    id: str,
    reference: str,
    case_type: CaseType,
    intake: Intake,
    subject: str,
    parties: tuple[Party, ...],
    languages: tuple[str, ...],
    governing_law: str | None,
    seat: str | None,
    amount: Decimal | None,
    currency: str | None,
    links: tuple[Link, ...],
    at: datetime,
) -> Case:
    errors: list[FieldError] = []
    if not subject.strip():
        errors.append(field_error("subject", "must not be empty"))
    if not languages:
        errors.append(field_error("languages", "name at least one language of the proceedings"))
    for i, lang in enumerate(languages):
        if not re.fullmatch(r"[a-z]{2,3}", lang):
            errors.append(field_error(f"languages[{i}]", "%(lang)r is not an ISO 639 code", lang=lang))
    if seat is not None and not is_country(seat):
        errors.append(field_error("seat", "%(seat)r is not an ISO 3166 alpha-2 code", seat=seat))
    if (amount is None) != (currency is None):
        errors.append(field_error("amount", "an amount in dispute needs its currency (and a currency an amount)"))
    if amount is not None and amount < 0:
        errors.append(field_error("amount", "must not be negative"))
    if currency is not None and not is_currency(currency):
        errors.append(field_error("currency", "%(currency)r is not an ISO 4217 code", currency=currency))
    for i, link in enumerate(links):
        if link.kind not in LINK_KINDS:
            errors.append(
                field_error(
                    f"links[{i}].kind", "must be one of %(LINK_KINDS)s", LINK_KINDS=", ".join(sorted(LINK_KINDS))
                )
            )
        if not link.ref.strip():
            errors.append(field_error(f"links[{i}].ref", "must not be empty"))
    try:
        validate_parties(case_type, parties)
    except ValidationFailed as exc:
        errors += exc.errors
    _errors(errors)
    return Case(
        id, reference, case_type, Status.INTAKE, intake, subject.strip(), parties, languages, governing_law,
        seat, amount, currency, at, links, status_since=at,
    )  # fmt: skip


def _start_limits(case: Case, entered: Status, limits: tuple[TimeLimit, ...], on: date) -> tuple[Deadline, ...]:
    deadlines = list(case.deadlines)
    for limit in limits:
        if limit.case_type is case.type and limit.starts_on is entered:
            if any(d.code == limit.code for d in deadlines):
                continue
            due = add_months(on, limit.months) + timedelta(days=limit.days)
            deadlines.append(Deadline(limit.code, limit.label, due, limit.met_by, limit.remind_days_before))
    return tuple(replace(d, met_on=on) if d.met_by is entered and d.met_on is None else d for d in deadlines)


def transition(case: Case, target: Status, limits: tuple[TimeLimit, ...], at: datetime) -> Case:
    """Move along a legal edge; the time limits that start on entering ``target`` start, those it meets are met."""
    if target not in legal_targets(case.type, case.status):
        raise IllegalTransition(f"a {case.type.value} case", case.status.value, target.value)
    if target is Status.NEUTRAL_APPOINTED and not case.neutrals:
        raise ValidationFailed(field_error("neutrals", "appoint a mediator or arbitrator first"))
    if target in OUTCOME_TARGETS and case.outcome is None:
        raise ValidationFailed(
            field_error("outcome", "record the outcome to move the case to %(target)s", target=target.value)
        )
    if target is Status.ENFORCEMENT and not case.enforcements:
        raise ValidationFailed(field_error("enforcements", "file an enforcement first"))
    deadlines = _start_limits(case, target, limits, at.date())
    return replace(case, status=target, deadlines=deadlines, status_since=at)


def record_outcome(case: Case, outcome: Outcome, limits: tuple[TimeLimit, ...], at: datetime) -> Case:
    """Record the outcome and move the case to decided, withdrawn or dismissed accordingly."""
    target = next(s for s, kinds in OUTCOME_TARGETS.items() if outcome.kind in kinds)
    errors: list[FieldError] = []
    if case.outcome is not None:
        errors.append(field_error("kind", "the case already has an outcome"))
    if target is Status.DECIDED and outcome.kind is not DECISIONS[case.type]:
        errors.append(
            field_error(
                "kind", "a %(type)s is decided by %(type2)s", type=case.type.value, type2=DECISIONS[case.type].value
            )
        )
    if (outcome.amount is None) != (outcome.currency is None):
        errors.append(field_error("amount", "an amount needs its currency (and a currency an amount)"))
    if outcome.amount is not None and outcome.amount < 0:
        errors.append(field_error("amount", "must not be negative"))
    if outcome.currency is not None and not is_currency(outcome.currency):
        errors.append(field_error("currency", "%(currency)r is not an ISO 4217 code", currency=outcome.currency))
    if outcome.in_favour_of is not None and case.party(outcome.in_favour_of) is None:
        errors.append(field_error("in_favour_of", "is not a party to this case"))
    if outcome.decided_on > at.date():
        errors.append(field_error("decided_on", "must not be in the future"))
    if outcome.decided_on < case.opened_at.date():
        errors.append(field_error("decided_on", "must not be before the case was opened"))
    if target not in legal_targets(case.type, case.status):
        raise IllegalTransition(f"a {case.type.value} case", case.status.value, target.value)
    _errors(errors)
    return transition(replace(case, outcome=outcome), target, limits, at)


def extend(case: Case, code: str, new_due: date, reason: str, by: str, at: datetime) -> Case:
    deadline = next((d for d in case.deadlines if d.code == code), None)
    if deadline is None:
        raise ValidationFailed(field_error("code", "the case has no running time limit %(code)r", code=code))
    errors: list[FieldError] = []
    if deadline.met_on is not None:
        errors.append(field_error("code", "the time limit has already been met"))
    if new_due <= deadline.due:
        errors.append(
            field_error("new_due", "must be after the current due date %(due)s", due=deadline.due.isoformat())
        )
    if not reason.strip():
        errors.append(field_error("reason", "an extension needs its reason"))
    _errors(errors)
    ext = Extension(deadline.due, new_due, reason.strip(), by, at)
    new = replace(deadline, due=new_due, extensions=(*deadline.extensions, ext), reminded_on=None)
    return replace(case, deadlines=tuple(new if d.code == code else d for d in case.deadlines))


def reminders_due(case: Case, today: date) -> tuple[Deadline, ...]:
    """Open time limits inside their reminder window (or overdue) not yet reminded since their due date was set."""
    if case.status in (Status.CLOSED, Status.WITHDRAWN, Status.DISMISSED):
        return ()
    return tuple(
        d
        for d in case.deadlines
        if d.met_on is None and d.reminded_on is None and today >= d.due - timedelta(days=d.remind_days_before)
    )


def mark_reminded(case: Case, codes: set[str], today: date) -> Case:
    return replace(
        case, deadlines=tuple(replace(d, reminded_on=today) if d.code in codes else d for d in case.deadlines)
    )


def add_hearing(case: Case, hearing: Hearing, now: datetime) -> Case:
    errors: list[FieldError] = []
    if case.status in (Status.CLOSED, Status.WITHDRAWN, Status.DISMISSED, Status.DECIDED):
        errors.append(field_error("starts_at", "a %(status)s case takes no hearings", status=case.status.value))
    if hearing.starts_at.tzinfo is None:
        errors.append(field_error("starts_at", "give a time zone offset"))
    elif hearing.starts_at <= now:
        errors.append(field_error("starts_at", "must be in the future"))
    if not 1 <= hearing.minutes <= 24 * 60:
        errors.append(field_error("minutes", "must be between 1 and 1440"))
    if not hearing.place.strip():
        errors.append(field_error("place", "must not be empty (a room, or 'online')"))
    _errors(errors)
    return replace(case, hearings=tuple(sorted((*case.hearings, hearing), key=lambda h: h.starts_at)))


@dataclass(frozen=True, slots=True)
class PriorRecord:
    """One earlier case of the desk's records, as the conflict check sees it."""

    case_id: str
    reference: str
    keys: frozenset[str]  # everyone in it: parties, counsel, neutrals
    #: (key, capacity) of everyone in it: capacity "party", "counsel" or "neutral"
    capacities: tuple[tuple[str, str], ...] = ()

    def capacities_of(self, key: str) -> tuple[str, ...]:
        return tuple(sorted({c for k, c in self.capacities if k == key}))


@dataclass(frozen=True, slots=True)
class ConflictFinding:
    case_reference: str
    reason: str
    #: the candidate's capacities in that case ("party", "counsel", "neutral")
    roles: tuple[str, ...] = ()
    #: this case's parties and counsel who appeared there too, as "name (role)"
    shared_with: tuple[str, ...] = ()


def conflicts(case: Case, candidate_key: str, records: list[PriorRecord]) -> list[ConflictFinding]:
    """A neutral must have had no role with any party or its counsel: not in this case, nor in any earlier one
    where one of them appeared too."""
    mine = case.participant_keys()
    who = case.participant_roles()
    found: list[ConflictFinding] = []
    if candidate_key in mine:
        roles = tuple(sorted({capacity for capacity, _ in who[candidate_key]}))
        found.append(ConflictFinding(case.reference, "is a party or counsel in this case", roles))
    for r in records:
        if r.case_id == case.id or candidate_key not in r.keys:
            continue
        shared = mine & r.keys
        if shared:
            names = tuple(sorted(f"{name} ({role})" for k in shared for _, (name, role) in [who[k][0]]))
            found.append(
                ConflictFinding(
                    r.reference, f"appeared with {len(shared)} of this case's parties or counsel",
                    r.capacities_of(candidate_key), names,
                )
            )  # fmt: skip
    return found


def appoint(case: Case, neutral: Neutral, findings: list[ConflictFinding]) -> Case:
    errors: list[FieldError] = []
    if case.type in (CaseType.CONSULTATION, CaseType.LITIGATION_SUPPORT):
        errors.append(field_error("role", "a %(type)s has no mediator or arbitrator", type=case.type.value))
    elif case.type is CaseType.MEDIATION and neutral.role is not NeutralRole.MEDIATOR:
        errors.append(field_error("role", "a mediation appoints a mediator"))
    elif case.type is CaseType.ARBITRATION and neutral.role is not NeutralRole.ARBITRATOR:
        errors.append(field_error("role", "an arbitration appoints arbitrators"))
    if case.status not in (Status.NOTIFIED, Status.ANSWERED):
        errors.append(
            field_error(
                "role", "neutrals are appointed after notice, not in status %(status)s", status=case.status.value
            )
        )
    if not neutral.independence_declaration.strip():
        errors.append(field_error("independence_declaration", "the declaration of independence must be recorded"))
    if any(n.key == neutral.key for n in case.neutrals):
        errors.append(field_error("name", "already appointed"))
    for f in findings:
        errors.append(
            field_error(
                "name",
                "conflict of interest: %(reason)s (%(case_reference)s)",
                reason=f.reason,
                case_reference=f.case_reference,
            )
        )
    _errors(errors)
    return replace(case, neutrals=(*case.neutrals, neutral))


def add_fee(case: Case, fee: Fee) -> Case:
    errors: list[FieldError] = []
    if fee.kind not in FEE_KINDS:
        errors.append(field_error("kind", "must be one of %(FEE_KINDS)s", FEE_KINDS=", ".join(sorted(FEE_KINDS))))
    if fee.amount <= 0:
        errors.append(field_error("amount", "must be positive"))
    if not is_currency(fee.currency):
        errors.append(field_error("currency", "%(currency)r is not an ISO 4217 code", currency=fee.currency))
    if fee.borne_by is not None and case.party(fee.borne_by) is None:
        errors.append(field_error("borne_by", "is not a party to this case"))
    _errors(errors)
    return replace(case, fees=(*case.fees, fee))


def file_enforcement(case: Case, enforcement: Enforcement, today: date) -> Case:
    errors: list[FieldError] = []
    enforceable = (OutcomeKind.AWARD, OutcomeKind.JUDGMENT, OutcomeKind.SETTLEMENT)
    if case.outcome is None or case.outcome.kind not in enforceable:
        errors.append(field_error("country", "only an award, judgment or settlement is enforced"))
    if case.status not in (Status.DECIDED, Status.ENFORCEMENT):
        errors.append(field_error("country", "a %(status)s case takes no enforcement", status=case.status.value))
    if not is_country(enforcement.country):
        errors.append(
            field_error("country", "%(country)r is not an ISO 3166 alpha-2 code", country=enforcement.country)
        )
    if not enforcement.court.strip():
        errors.append(field_error("court", "must not be empty"))
    if enforcement.filed_on > today:
        errors.append(field_error("filed_on", "must not be in the future"))
    _errors(errors)
    return replace(case, enforcements=(*case.enforcements, enforcement))


def update_enforcement(case: Case, enforcement_id: str, status: str) -> Case:
    e = next((x for x in case.enforcements if x.id == enforcement_id), None)
    if e is None:
        raise ValidationFailed(field_error("enforcement_id", "no such enforcement in this case"))
    if status not in ENFORCEMENT_EDGES.get(e.status, set()):
        raise IllegalTransition("an enforcement", e.status, status)
    new = replace(e, status=status)
    return replace(case, enforcements=tuple(new if x.id == enforcement_id else x for x in case.enforcements))


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the figures need of one case."""

    type: CaseType
    status: Status
    countries: frozenset[str]
    opened_at: datetime
    decided_on: date | None
    outcome: OutcomeKind | None


RESOLVED = frozenset({OutcomeKind.ADVICE, OutcomeKind.SETTLEMENT, OutcomeKind.AWARD, OutcomeKind.JUDGMENT})


@dataclass(frozen=True, slots=True)
class Figures:
    total: int
    by_type: dict[str, int]
    by_status: dict[str, int]
    by_country: dict[str, int]
    by_month: dict[str, int]
    resolved: int
    resolved_cross_border: int
    litigation_cases: int
    median_days_to_resolution: Decimal | None
    extra: dict[str, int] = field(default_factory=dict)


def figures(cases: list[CaseFacts]) -> Figures:
    """Counts by type, status, party country and opening month; resolutions (a decision on the merits:
    advice, settlement, award or judgment) and the median days from intake to it."""
    by_type: dict[str, int] = {}
    by_status: dict[str, int] = {}
    by_country: dict[str, int] = {}
    by_month: dict[str, int] = {}
    durations: list[int] = []
    cross = 0
    for c in cases:
        by_type[c.type.value] = by_type.get(c.type.value, 0) + 1
        by_status[c.status.value] = by_status.get(c.status.value, 0) + 1
        for country in c.countries:
            by_country[country] = by_country.get(country, 0) + 1
        month = c.opened_at.strftime("%Y-%m")
        by_month[month] = by_month.get(month, 0) + 1
        if c.outcome in RESOLVED and c.decided_on is not None:
            durations.append((c.decided_on - c.opened_at.date()).days)
            cross += len(c.countries) > 1
    durations.sort()
    median: Decimal | None = None
    if durations:
        mid = len(durations) // 2
        median = Decimal(durations[mid]) if len(durations) % 2 else (Decimal(durations[mid - 1] + durations[mid]) / 2)
    litigation = by_type.get(CaseType.LITIGATION_SUPPORT.value, 0)
    return Figures(
        len(cases), dict(sorted(by_type.items())), dict(sorted(by_status.items())), dict(sorted(by_country.items())),
        dict(sorted(by_month.items())), len(durations), cross, litigation, median,
    )  # fmt: skip
