"""TIR transit modelled on the UNECE eTIR specifications (v4.3): guarantees, transports, operations.

A TIR transport is a chain of TIR operations, one per country crossed. Each operation runs from its
office of start (departure in the first country, entry in the others) to its office of end (exit, or
destination in the last country)::

    operation:  planned --I7--> accepted --I9--> started --I11--> terminated --I13--> discharged
                planned/accepted --I17--> refused

    transport:  declared (E9) -> accepted -> in_transit -> terminated -> discharged
                declared/accepted --E13--> cancelled;  any not-yet-started operation --I17--> refused

    guarantee:  registered (E1) --I7 at departure--> accepted (in use) --all operations discharged--> discharged
                registered --E3--> cancelled;  registered and past its validity: expired

Every step is checked completely before anything changes, so a refused message (an :class:`EtirError`
with eTIR's error class and code) leaves the transport and its guarantee exactly as they were.
Warehouse-to-warehouse time: an operation's runs from its start to its termination; the transport's
from the start at departure to the termination at destination (border waits included).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from silkport.shared.codes import is_country, is_currency
from silkport.transit.domain.errors import EtirError

#: TIR carnet / guarantee reference: two letters and eight digits (e.g. XZ81234567)
GUARANTEE_REF_RE = re.compile(r"^[A-Z]{2}\d{8}$")
#: guarantee chain (the international organisation guaranteeing, e.g. IRU)
CHAIN_RE = re.compile(r"^[A-Z0-9]{2,10}$")
#: TIR holder identification number: ISO 3166 alpha-3 country / association / holder (e.g. CHN/080/123456)
HOLDER_ID_RE = re.compile(r"^[A-Z]{3}/\d{3}/\d{1,9}$")
#: customs office: the UN/LOCODE of its place, optionally a suffix naming the office there (CNKSS-TIR)
OFFICE_RE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}(-[A-Z0-9]{1,10})?$")
SEAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/-]{0,34}$")


class MessagePair(StrEnum):
    """The eTIR message pairs (request/response) each step is named after."""

    REGISTER_GUARANTEE = "E1/E2"
    CANCEL_GUARANTEE = "E3/E4"
    QUERY_GUARANTEE = "E5/E6"
    ADVANCE_TIR_DATA = "E9/E10"
    CANCEL_ADVANCE_DATA = "E13/E14"
    RECORD_DECLARATION_DATA = "I7/I8"
    START = "I9/I10"
    TERMINATE = "I11/I12"
    DISCHARGE = "I13/I14"
    NOTIFY_CUSTOMS = "I15/I16"
    REFUSAL_TO_START = "I17/I18"
    INCIDENT = "incident"

    @property
    def request(self) -> str:
        return self.value.split("/")[0]

    @property
    def response(self) -> str | None:
        parts = self.value.split("/")
        return parts[1] if len(parts) == 2 else None


class GuaranteeState(StrEnum):
    REGISTERED = "registered"
    ACCEPTED = "accepted"  # in use by a transport accepted at departure
    DISCHARGED = "discharged"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # derived: registered, unused, and past its validity


class OperationState(StrEnum):
    PLANNED = "planned"
    ACCEPTED = "accepted"
    STARTED = "started"
    TERMINATED = "terminated"
    DISCHARGED = "discharged"
    REFUSED = "refused"


class TransportState(StrEnum):
    DECLARED = "declared"
    ACCEPTED = "accepted"
    IN_TRANSIT = "in_transit"
    TERMINATED = "terminated"
    DISCHARGED = "discharged"
    CANCELLED = "cancelled"
    REFUSED = "refused"


class IncidentKind(StrEnum):
    BROKEN_SEALS = "broken_seals"
    ACCIDENT = "accident"
    OTHER = "other"


#: the operation states each I-message may move from, and where to
OPERATION_EDGES: dict[MessagePair, tuple[frozenset[OperationState], OperationState]] = {
    MessagePair.RECORD_DECLARATION_DATA: (frozenset({OperationState.PLANNED}), OperationState.ACCEPTED),
    MessagePair.START: (frozenset({OperationState.ACCEPTED}), OperationState.STARTED),
    MessagePair.TERMINATE: (frozenset({OperationState.STARTED}), OperationState.TERMINATED),
    MessagePair.DISCHARGE: (frozenset({OperationState.TERMINATED}), OperationState.DISCHARGED),
    MessagePair.REFUSAL_TO_START: (
        frozenset({OperationState.PLANNED, OperationState.ACCEPTED}),
        OperationState.REFUSED,
    ),
}


@dataclass(frozen=True, slots=True)
class Stamp:
    """Who sent a message, when, and under which message id (the idempotency key of partner messages)."""

    at: datetime
    by: str
    message_id: str


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """One entry of a transport's message log."""

    pair: MessagePair
    at: datetime
    by: str
    message_id: str
    operation: int | None = None
    details: tuple[tuple[str, str], ...] = ()


@dataclass
class Guarantee:
    reference: str
    chain: str
    holder_id: str
    holder_enterprise_id: str
    amount: Decimal
    currency: str
    valid_until: datetime
    registered_at: datetime
    state: GuaranteeState = GuaranteeState.REGISTERED
    transport_id: str | None = None
    updated_at: datetime | None = None

    def state_at(self, now: datetime) -> GuaranteeState:
        """The state as of ``now``: an unused registered guarantee past its validity has expired."""
        if self.state is GuaranteeState.REGISTERED and self.transport_id is None and now > self.valid_until:
            return GuaranteeState.EXPIRED
        return self.state

    def cancel(self, at: datetime) -> None:
        """E3 cancel guarantee: only an unused guarantee can be cancelled."""
        m = MessagePair.CANCEL_GUARANTEE.value
        if self.state is GuaranteeState.CANCELLED:
            raise EtirError(205, f"guarantee {self.reference} is already cancelled", message=m)
        if self.state is not GuaranteeState.REGISTERED or self.transport_id is not None:
            used = f" by transport {self.transport_id}" if self.transport_id else ""
            raise EtirError(
                203, f"guarantee {self.reference} is {self.state.value}{used} and cannot be cancelled", message=m
            )
        self.state = GuaranteeState.CANCELLED
        self.updated_at = at


def register_guarantee(
    *,
    reference: str,
    chain: str,
    holder_id: str,
    holder_enterprise_id: str,
    amount: Decimal,
    currency: str,
    valid_until: datetime,
    at: datetime,
) -> Guarantee:
    """E1 register guarantee (by the guarantee chain): the values are checked, uniqueness is the caller's."""
    m = MessagePair.REGISTER_GUARANTEE.value
    if valid_until.tzinfo is None:
        raise EtirError(103, "valid_until: a time needs its UTC offset", message=m, pointer="valid_until")
    checks: list[tuple[bool, int, str, str]] = [
        (bool(GUARANTEE_REF_RE.match(reference)), 106, "reference", "must be two letters and eight digits"),
        (bool(CHAIN_RE.match(chain)), 106, "chain", "must be 2-10 upper-case letters or digits (e.g. IRU)"),
        (
            bool(HOLDER_ID_RE.match(holder_id)),
            106,
            "holder_id",
            "must be a TIR holder id COUNTRY/ASSOCIATION/NUMBER (e.g. CHN/080/123456)",
        ),
        (amount.is_finite() and amount > 0, 102, "amount", "must be greater than zero"),
        (is_currency(currency), 102, "currency", f"{currency!r} is not an ISO 4217 currency code"),
        (valid_until > at, 102, "valid_until", "must be later than the time of registration"),
    ]
    for ok, code, pointer, why in checks:
        if not ok:
            raise EtirError(code, f"{pointer}: {why}", message=m, pointer=pointer)
    return Guarantee(
        reference=reference,
        chain=chain,
        holder_id=holder_id,
        holder_enterprise_id=holder_enterprise_id,
        amount=amount,
        currency=currency,
        valid_until=valid_until,
        registered_at=at,
        updated_at=at,
    )


@dataclass(frozen=True, slots=True)
class Leg:
    """One country of the itinerary as the holder declares it in the advance TIR data."""

    country: str
    office_of_start: str
    office_of_end: str


@dataclass
class Operation:
    sequence: int
    country: str
    office_of_start: str  # departure (first operation) or entry
    office_of_end: str  # exit, or destination (last operation)
    state: OperationState = OperationState.PLANNED
    accepted_at: datetime | None = None
    started_at: datetime | None = None
    terminated_at: datetime | None = None
    discharged_at: datetime | None = None
    refused_at: datetime | None = None
    seals_at_start: tuple[str, ...] = ()
    seals_at_termination: tuple[str, ...] = ()
    refusal_reason: str | None = None

    @property
    def w2w(self) -> timedelta | None:
        """Warehouse-to-warehouse time of this operation: start to termination."""
        if self.started_at is None or self.terminated_at is None:
            return None
        return self.terminated_at - self.started_at


@dataclass(frozen=True, slots=True)
class Incident:
    operation: int
    kind: IncidentKind
    at: datetime
    place: str
    description: str
    certified_by: str
    seals_before: tuple[str, ...]
    seals_after: tuple[str, ...]

    @property
    def seals_replaced(self) -> bool:
        return self.seals_after != self.seals_before


def _seals(seals: Sequence[str], m: str, pointer: str = "seals") -> tuple[str, ...]:
    if not seals:
        raise EtirError(101, f"{pointer}: at least one seal is required", message=m, pointer=pointer)
    for i, seal in enumerate(seals):
        if not SEAL_RE.match(seal):
            raise EtirError(106, f"{pointer}[{i}]: {seal!r} is not a seal id", message=m, pointer=f"{pointer}[{i}]")
    if len(set(seals)) != len(seals):
        raise EtirError(102, f"{pointer}: a seal is listed twice", message=m, pointer=pointer)
    return tuple(sorted(seals))


def _check_itinerary(legs: Sequence[Leg]) -> None:
    m = MessagePair.ADVANCE_TIR_DATA.value
    if not legs:
        raise EtirError(101, "itinerary: at least one country is required", message=m, pointer="itinerary")
    for i, leg in enumerate(legs):
        p = f"itinerary[{i}]"
        if not is_country(leg.country):
            raise EtirError(
                305, f"{p}.country: {leg.country!r} is not an ISO 3166 country", message=m, pointer=f"{p}.country"
            )
        for name, office in (("office_of_start", leg.office_of_start), ("office_of_end", leg.office_of_end)):
            if not OFFICE_RE.match(office):
                raise EtirError(
                    106,
                    f"{p}.{name}: {office!r} is not an office code (UN/LOCODE, optional -SUFFIX)",
                    message=m,
                    pointer=f"{p}.{name}",
                )
            if office[:2] != leg.country:
                raise EtirError(
                    102, f"{p}.{name}: office {office} is not in {leg.country}", message=m, pointer=f"{p}.{name}"
                )
        if i and legs[i - 1].country == leg.country:
            raise EtirError(
                102,
                f"{p}.country: one operation per country crossed ({leg.country} twice in a row)",
                message=m,
                pointer=f"{p}.country",
            )


_ALREADY = {
    OperationState.STARTED: (210, "is already started"),
    OperationState.TERMINATED: (211, "is already terminated"),
    OperationState.DISCHARGED: (212, "is already discharged"),
    OperationState.REFUSED: (200, "was refused (I17)"),
}


@dataclass
class TirTransport:
    id: str
    guarantee_reference: str
    holder_id: str
    holder_enterprise_id: str
    vehicle: str
    goods_description: str
    gross_mass_kg: Decimal
    operations: list[Operation]
    created_at: datetime
    current_seals: tuple[str, ...] = ()
    incidents: list[Incident] = field(default_factory=list)
    messages: list[MessageRecord] = field(default_factory=list)
    cancelled_at: datetime | None = None
    last_at: datetime | None = None

    # -- reading ---------------------------------------------------------------------------------
    @property
    def state(self) -> TransportState:
        ops = self.operations
        if self.cancelled_at is not None:
            return TransportState.CANCELLED
        if any(o.state is OperationState.REFUSED for o in ops):
            return TransportState.REFUSED
        if all(o.state is OperationState.DISCHARGED for o in ops):
            return TransportState.DISCHARGED
        if ops[-1].state in (OperationState.TERMINATED, OperationState.DISCHARGED):
            return TransportState.TERMINATED
        if any(o.state is not OperationState.PLANNED and o.state is not OperationState.ACCEPTED for o in ops):
            return TransportState.IN_TRANSIT
        if ops[0].state is OperationState.ACCEPTED:
            return TransportState.ACCEPTED
        return TransportState.DECLARED

    def operation(self, sequence: int, message: str) -> Operation:
        if not 1 <= sequence <= len(self.operations):
            raise EtirError(
                102,
                f"operation {sequence}: transport {self.id} has operations 1-{len(self.operations)}",
                message=message,
                pointer="operation",
            )
        return self.operations[sequence - 1]

    @property
    def w2w(self) -> timedelta | None:
        """Warehouse-to-warehouse time of the transport: start at departure to termination at destination."""
        first, last = self.operations[0], self.operations[-1]
        if first.started_at is None or last.terminated_at is None:
            return None
        return last.terminated_at - first.started_at

    @property
    def closed(self) -> bool:
        """No further operation can start: terminated at destination, refused or cancelled."""
        return self.state in (
            TransportState.TERMINATED,
            TransportState.DISCHARGED,
            TransportState.REFUSED,
            TransportState.CANCELLED,
        )

    def next_operation(self, sequence: int) -> Operation | None:
        return self.operations[sequence] if sequence < len(self.operations) else None

    # -- checks shared by the I-messages ----------------------------------------------------------
    def _check_time(self, stamp: Stamp, m: str) -> None:
        if stamp.at.tzinfo is None:
            raise EtirError(103, "at: a time needs its UTC offset", message=m, pointer="at")
        if self.last_at is not None and stamp.at < self.last_at:
            raise EtirError(
                100,
                f"at: {stamp.at.isoformat()} precedes the transport's previous step ({self.last_at.isoformat()})",
                message=m,
                pointer="at",
            )

    def _check_open(self, m: str) -> None:
        if self.cancelled_at is not None:
            raise EtirError(200, f"transport {self.id} is cancelled", message=m)

    def _check_from(self, op: Operation, pair: MessagePair, not_yet: tuple[int, str] | None = None) -> None:
        allowed, _ = OPERATION_EDGES[pair]
        if op.state in allowed:
            return
        m = pair.value
        if not_yet is not None and op.state in (OperationState.PLANNED, OperationState.ACCEPTED):
            code, why = not_yet
            raise EtirError(code, f"operation {op.sequence} ({op.country}) {why}", message=m)
        if op.state in _ALREADY:
            code, why = _ALREADY[op.state]
            raise EtirError(code, f"operation {op.sequence} ({op.country}) {why}", message=m)
        raise EtirError(200, f"operation {op.sequence} ({op.country}) is {op.state.value}", message=m)

    def _log(self, pair: MessagePair, stamp: Stamp, operation: int | None, **details: str) -> MessageRecord:
        record = MessageRecord(
            pair=pair,
            at=stamp.at,
            by=stamp.by,
            message_id=stamp.message_id,
            operation=operation,
            details=tuple(sorted(details.items())),
        )
        self.messages.append(record)
        self.last_at = stamp.at
        return record

    def _settle(self, guarantee: Guarantee, at: datetime) -> None:
        """Discharge the guarantee once the transport is closed and every operation it started is discharged."""
        if guarantee.state is not GuaranteeState.ACCEPTED or not self.closed:
            return
        started = [o for o in self.operations if o.started_at is not None]
        if all(o.state is OperationState.DISCHARGED for o in started):
            guarantee.state = GuaranteeState.DISCHARGED
            guarantee.updated_at = at

    def _check_guarantee(self, guarantee: Guarantee, m: str) -> None:
        if guarantee.reference != self.guarantee_reference:
            raise EtirError(320, f"guarantee {guarantee.reference} does not cover transport {self.id}", message=m)

    # -- the messages ------------------------------------------------------------------------------
    def record_declaration_data(self, sequence: int, guarantee: Guarantee, stamp: Stamp) -> MessageRecord:
        """I7 record declaration data: the office of departure (or entry) accepts the declaration."""
        pair = MessagePair.RECORD_DECLARATION_DATA
        m = pair.value
        self._check_time(stamp, m)
        self._check_open(m)
        self._check_guarantee(guarantee, m)
        op = self.operation(sequence, m)
        if op.state is OperationState.ACCEPTED:
            raise EtirError(200, f"operation {sequence}: declaration data are already recorded", message=m)
        self._check_from(op, pair)
        if self.state is TransportState.REFUSED:
            raise EtirError(200, f"transport {self.id} was refused", message=m)
        if sequence == 1:
            state = guarantee.state_at(stamp.at)
            if state is not GuaranteeState.REGISTERED:
                raise EtirError(201, f"guarantee {guarantee.reference} is {state.value}", message=m)
            if stamp.at > guarantee.valid_until:
                raise EtirError(
                    201,
                    f"guarantee {guarantee.reference} expired on {guarantee.valid_until.isoformat()}",
                    message=m,
                )
        elif self.operations[0].state in (OperationState.PLANNED,):
            raise EtirError(200, "the office of departure has not accepted the declaration (I7) yet", message=m)
        op.state = OperationState.ACCEPTED
        op.accepted_at = stamp.at
        if sequence == 1:
            guarantee.state = GuaranteeState.ACCEPTED
            guarantee.updated_at = stamp.at
        return self._log(pair, stamp, sequence, office=op.office_of_start)

    def refuse_to_start(self, sequence: int, reason: str, guarantee: Guarantee, stamp: Stamp) -> MessageRecord:
        """I17 refusal to start: the office of departure or entry refuses the operation; the transport ends."""
        pair = MessagePair.REFUSAL_TO_START
        m = pair.value
        self._check_time(stamp, m)
        self._check_open(m)
        self._check_guarantee(guarantee, m)
        op = self.operation(sequence, m)
        if not reason.strip():
            raise EtirError(101, "reason: a refusal states its reason", message=m, pointer="reason")
        self._check_from(op, pair)
        if self.state is TransportState.REFUSED:
            raise EtirError(200, f"transport {self.id} was refused already", message=m)
        if sequence > 1 and self.operations[sequence - 2].state not in (
            OperationState.TERMINATED,
            OperationState.DISCHARGED,
        ):
            raise EtirError(
                216,
                f"operation {sequence - 1} ({self.operations[sequence - 2].country}) is not terminated at exit",
                message=m,
            )
        op.state = OperationState.REFUSED
        op.refused_at = stamp.at
        op.refusal_reason = reason.strip()
        if sequence == 1:  # nothing moved under the guarantee: it is free again
            guarantee.state = GuaranteeState.REGISTERED
            guarantee.transport_id = None
            guarantee.updated_at = stamp.at
        else:
            self._settle(guarantee, stamp.at)
        return self._log(pair, stamp, sequence, office=op.office_of_start, reason=reason.strip())

    def start(self, sequence: int, seals: Sequence[str], guarantee: Guarantee, stamp: Stamp) -> MessageRecord:
        """I9 start TIR operation at the office of departure or entry, with the seals affixed or found."""
        pair = MessagePair.START
        m = pair.value
        self._check_time(stamp, m)
        self._check_open(m)
        self._check_guarantee(guarantee, m)
        op = self.operation(sequence, m)
        if op.state is OperationState.PLANNED:
            raise EtirError(
                200, f"operation {sequence}: declaration data are not recorded (I7) at {op.office_of_start}", message=m
            )
        self._check_from(op, pair)
        if self.state is TransportState.REFUSED:
            raise EtirError(200, f"transport {self.id} was refused", message=m)
        if sequence > 1:
            before = self.operations[sequence - 2]
            if before.state not in (OperationState.TERMINATED, OperationState.DISCHARGED):
                raise EtirError(
                    200,
                    f"operation {sequence - 1} ({before.country}) is not terminated at exit ({before.state.value})",
                    message=m,
                )
        if guarantee.state is not GuaranteeState.ACCEPTED:
            raise EtirError(200, f"guarantee {guarantee.reference} is {guarantee.state.value}", message=m)
        if sequence == 1 and stamp.at > guarantee.valid_until:
            raise EtirError(
                200, f"guarantee {guarantee.reference} expired on {guarantee.valid_until.isoformat()}", message=m
            )
        sealed = _seals(seals, m)
        op.state = OperationState.STARTED
        op.started_at = stamp.at
        op.seals_at_start = sealed
        self.current_seals = sealed
        return self._log(pair, stamp, sequence, office=op.office_of_start, seals=" ".join(sealed))

    def terminate(self, sequence: int, seals: Sequence[str], stamp: Stamp) -> MessageRecord:
        """I11 terminate TIR operation at the office of exit or destination; the seals must be those recorded."""
        pair = MessagePair.TERMINATE
        m = pair.value
        self._check_time(stamp, m)
        self._check_open(m)
        op = self.operation(sequence, m)
        self._check_from(op, pair, not_yet=(213, "is not yet started"))
        found = _seals(seals, m)
        if found != self.current_seals:
            raise EtirError(
                300,
                f"seals found ({', '.join(found)}) differ from the seals recorded ({', '.join(self.current_seals)}); "
                "record a certified incident first if seals were replaced",
                message=m,
                pointer="seals",
            )
        op.state = OperationState.TERMINATED
        op.terminated_at = stamp.at
        op.seals_at_termination = found
        kind = "destination" if sequence == len(self.operations) else "exit"
        return self._log(pair, stamp, sequence, office=op.office_of_end, termination=kind)

    def discharge(self, sequence: int, guarantee: Guarantee, stamp: Stamp) -> MessageRecord:
        """I13 discharge TIR operation: the terminated operation is closed; last one discharges the guarantee."""
        pair = MessagePair.DISCHARGE
        m = pair.value
        self._check_time(stamp, m)
        self._check_open(m)
        self._check_guarantee(guarantee, m)
        op = self.operation(sequence, m)
        if op.state is OperationState.STARTED:
            raise EtirError(200, f"operation {sequence} ({op.country}) is not terminated yet", message=m)
        self._check_from(op, pair, not_yet=(213, "is not yet started"))
        op.state = OperationState.DISCHARGED
        op.discharged_at = stamp.at
        self._settle(guarantee, stamp.at)
        return self._log(pair, stamp, sequence, office=op.office_of_end)

    def cancel(self, guarantee: Guarantee, stamp: Stamp) -> MessageRecord:
        """E13 cancel advance data: the holder withdraws the transport before it starts; the guarantee is freed."""
        pair = MessagePair.CANCEL_ADVANCE_DATA
        m = pair.value
        self._check_time(stamp, m)
        self._check_open(m)
        self._check_guarantee(guarantee, m)
        if self.state is TransportState.REFUSED:
            raise EtirError(200, f"transport {self.id} was refused", message=m)
        if any(o.started_at is not None for o in self.operations):
            raise EtirError(210, f"transport {self.id} has started; it can no longer be cancelled", message=m)
        self.cancelled_at = stamp.at
        if guarantee.transport_id == self.id and guarantee.state in (
            GuaranteeState.REGISTERED,
            GuaranteeState.ACCEPTED,
        ):
            guarantee.state = GuaranteeState.REGISTERED
            guarantee.transport_id = None
            guarantee.updated_at = stamp.at
        return self._log(pair, stamp, None)

    def record_incident(
        self,
        sequence: int,
        *,
        kind: IncidentKind,
        place: str,
        description: str,
        new_seals: Sequence[str] | None,
        stamp: Stamp,
    ) -> Incident:
        """A certified incident report (broken seals, accident) during an operation; new seals replace the old."""
        pair = MessagePair.INCIDENT
        m = pair.value
        self._check_time(stamp, m)
        self._check_open(m)
        op = self.operation(sequence, m)
        if op.state is not OperationState.STARTED:
            if op.state in (OperationState.PLANNED, OperationState.ACCEPTED):
                raise EtirError(213, f"operation {sequence} ({op.country}) is not yet started", message=m)
            code, why = _ALREADY[op.state]
            raise EtirError(code, f"operation {sequence} ({op.country}) {why}", message=m)
        if not description.strip():
            raise EtirError(101, "description: the report describes the incident", message=m, pointer="description")
        if not place.strip():
            raise EtirError(101, "place: the report says where it happened", message=m, pointer="place")
        if kind is IncidentKind.BROKEN_SEALS and not new_seals:
            raise EtirError(
                101, "new_seals: broken seals are replaced by the certifying officer", message=m, pointer="new_seals"
            )
        after = _seals(new_seals, m, "new_seals") if new_seals else self.current_seals
        incident = Incident(
            operation=sequence,
            kind=kind,
            at=stamp.at,
            place=place.strip(),
            description=description.strip(),
            certified_by=stamp.by,
            seals_before=self.current_seals,
            seals_after=after,
        )
        self.incidents.append(incident)
        self.current_seals = after
        self._log(pair, stamp, sequence, kind=kind.value, seals=" ".join(after))
        return incident


def advance_tir_data(
    *,
    transport_id: str,
    guarantee: Guarantee,
    holder_id: str,
    holder_enterprise_id: str,
    vehicle: str,
    goods_description: str,
    gross_mass_kg: Decimal,
    itinerary: Sequence[Leg],
    stamp: Stamp,
) -> TirTransport:
    """E9 advance TIR data: the holder declares the transport under an unused, valid guarantee of theirs."""
    pair = MessagePair.ADVANCE_TIR_DATA
    m = pair.value
    if stamp.at.tzinfo is None:
        raise EtirError(103, "at: a time needs its UTC offset", message=m, pointer="at")
    if guarantee.holder_id != holder_id or guarantee.holder_enterprise_id != holder_enterprise_id:
        raise EtirError(
            320, f"holder {holder_id} does not hold guarantee {guarantee.reference}", message=m, pointer="holder_id"
        )
    if not vehicle.strip():
        raise EtirError(101, "vehicle: the road vehicle's registration is required", message=m, pointer="vehicle")
    if not goods_description.strip():
        raise EtirError(101, "goods_description: is required", message=m, pointer="goods_description")
    if gross_mass_kg <= 0:
        raise EtirError(102, "gross_mass_kg: must be greater than zero", message=m, pointer="gross_mass_kg")
    _check_itinerary(itinerary)
    state = guarantee.state_at(stamp.at)
    if state is not GuaranteeState.REGISTERED or guarantee.transport_id is not None:
        used = f" (used by transport {guarantee.transport_id})" if guarantee.transport_id else ""
        raise EtirError(201, f"guarantee {guarantee.reference} is {state.value}{used}", message=m)
    transport = TirTransport(
        id=transport_id,
        guarantee_reference=guarantee.reference,
        holder_id=holder_id,
        holder_enterprise_id=holder_enterprise_id,
        vehicle=vehicle.strip(),
        goods_description=goods_description.strip(),
        gross_mass_kg=gross_mass_kg,
        operations=[
            Operation(
                sequence=i + 1,
                country=leg.country,
                office_of_start=leg.office_of_start,
                office_of_end=leg.office_of_end,
            )
            for i, leg in enumerate(itinerary)
        ],
        created_at=stamp.at,
    )
    guarantee.transport_id = transport_id
    guarantee.updated_at = stamp.at
    transport._log(pair, stamp, None, guarantee=guarantee.reference)
    return transport
