"""Tracking events modelled on GS1 EPCIS 2.0 (JSON / JSON-LD), and the pure history built from them.

What / when / where / why of each event: the objects (``epcList``, ``parentID`` + ``childEPCs``,
quantity lists, business transactions), the event time with its declared time zone offset, the read
point and business location (a UN/LOCODE, an ``urn:epc:id:sgln:`` site or a silkport site id) and the
CBV business step and disposition (kept as CBV short names such as ``departing`` / ``in_transit``).

``parse_document`` reads an ``EPCISDocument`` (or a bare list of events); every malformed input raises
:class:`EpcisFormatError` naming the JSON path, never anything else. ``to_document`` writes EPCIS 2.0
JSON that ``parse_document`` reads back identically. :class:`History` orders events by event time
(then event id) whatever order they arrived in, is idempotent by event id, reports conflicting
re-sends, and derives any object's history and current status. Pure: no I/O, no clock reads.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Final

from silkport.shared.errors import Conflict, FieldError, ValidationFailed

EPCIS_CONTEXT: Final = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SCHEMA_VERSION: Final = "2.0"


# --------------------------------------------------------------------------------------------- errors
class EpcisFormatError(ValidationFailed):
    """An EPCIS document could not be read; ``location`` is the JSON path (``epcisBody.eventList[3].eventTime``)."""

    title = "Unreadable EPCIS document"

    def __init__(self, location: str, message: str) -> None:
        super().__init__(FieldError(location, message))
        self.location = location
        self.message = message


class EventConflict(Conflict):
    """The same event id was sent again with different content (the first one recorded is kept)."""

    title = "Conflicting tracking event"

    def __init__(self, event_id: str, kept: TrackingEvent, rejected: TrackingEvent) -> None:
        super().__init__(f"event {event_id!r} was already recorded with different content")
        self.event_id = event_id
        self.kept = kept
        self.rejected = rejected


# ------------------------------------------------------------------------------------- vocabularies
class EventType(StrEnum):
    OBJECT = "ObjectEvent"
    AGGREGATION = "AggregationEvent"
    TRANSACTION = "TransactionEvent"


class Action(StrEnum):
    ADD = "ADD"
    OBSERVE = "OBSERVE"
    DELETE = "DELETE"


#: CBV 2.0 business steps (short names)
BIZ_STEPS: Final = frozenset(
    {
        "accepting", "arriving", "assembling", "collecting", "commissioning", "consigning",
        "creating_class_instance", "cycle_counting", "decommissioning", "departing", "destroying",
        "disassembling", "dispensing", "encoding", "entering_exiting", "holding", "inspecting",
        "installing", "killing", "loading", "other", "packing", "picking", "receiving", "removing",
        "repackaging", "repairing", "replacing", "reserving", "retail_selling", "sampling",
        "sensor_reporting", "shipping", "staging_outbound", "stock_taking", "stocking", "storing",
        "transporting", "unloading", "unpacking", "void_shipping",
    }
)  # fmt: skip

#: CBV 2.0 dispositions (short names)
DISPOSITIONS: Final = frozenset(
    {
        "active", "available", "completeness_inferred", "completeness_verified", "conformant",
        "container_closed", "container_open", "damaged", "destroyed", "dispensed", "disposed", "encoded",
        "expired", "in_progress", "in_transit", "inactive", "mismatch_instance", "mismatch_class",
        "mismatch_quantity", "needs_replacement", "no_pedigree_match", "non_conformant",
        "non_sellable_other", "partially_dispensed", "recalled", "reserved", "retail_sold", "returned",
        "sellable_accessible", "sellable_not_accessible", "stolen", "unavailable", "unknown",
    }
)  # fmt: skip

#: CBV 2.0 business transaction types; silkport adds its own (``awb``, ``declaration``, ``consignment``...)
CBV_BIZ_TRANSACTION_TYPES: Final = frozenset(
    {"bol", "cert", "desadv", "inv", "pedigree", "po", "poc", "prodorder", "recadv", "rma", "testprd", "upevt"}
)

_BIZ_STEP_PREFIXES: Final = ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-", "cbv:BizStep-")
_DISPOSITION_PREFIXES: Final = ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-", "cbv:Disp-")
_BTT_PREFIXES: Final = ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-", "cbv:BTT-")

_OFFSET_RE: Final = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_LOCODE_RE: Final = re.compile(r"^([A-Za-z]{2})[ \-]?([A-Za-z2-9]{3})$")
_MAX_ID_LENGTH: Final = 2000


# ------------------------------------------------------------------------------------ value objects
@dataclass(frozen=True, slots=True)
class QuantityElement:
    """A class-level quantity (``quantityList`` / ``childQuantityList``): e.g. 1200 KGM of an LGTIN."""

    epc_class: str
    quantity: Decimal
    uom: str | None = None


@dataclass(frozen=True, slots=True)
class BizTransaction:
    """A business transaction the event belongs to: ``type`` (CBV short name or silkport's own) and ``id``."""

    id: str
    type: str | None = None


@dataclass(frozen=True, kw_only=True)
class _EventBase:
    event_id: str
    event_time: datetime  # aware, expressed in the declared offset
    time_zone_offset: str  # "+08:00"
    action: Action
    record_time: datetime | None = None
    biz_step: str | None = None
    disposition: str | None = None
    read_point: str | None = None
    biz_location: str | None = None
    biz_transactions: tuple[BizTransaction, ...] = ()

    @property
    def location(self) -> str | None:
        """Where it happened: the business location, else the read point."""
        return self.biz_location or self.read_point


@dataclass(frozen=True, kw_only=True)
class ObjectEvent(_EventBase):
    epcs: tuple[str, ...] = ()
    quantities: tuple[QuantityElement, ...] = ()

    @property
    def type(self) -> EventType:
        return EventType.OBJECT


@dataclass(frozen=True, kw_only=True)
class AggregationEvent(_EventBase):
    """Children (containers, vehicles, postal items) packed onto / into a parent (wagon, train, bag)."""

    parent_id: str | None = None
    child_epcs: tuple[str, ...] = ()
    child_quantities: tuple[QuantityElement, ...] = ()

    @property
    def type(self) -> EventType:
        return EventType.AGGREGATION


@dataclass(frozen=True, kw_only=True)
class TransactionEvent(_EventBase):
    """Objects associated with (ADD) or dissociated from (DELETE) business transactions."""

    parent_id: str | None = None
    epcs: tuple[str, ...] = ()
    quantities: tuple[QuantityElement, ...] = ()

    @property
    def type(self) -> EventType:
        return EventType.TRANSACTION


TrackingEvent = ObjectEvent | AggregationEvent | TransactionEvent


def objects_of(event: TrackingEvent) -> frozenset[str]:
    """Every object id an event names directly: EPCs, parent, children, quantity classes, transactions."""
    names: set[str] = {bt.id for bt in event.biz_transactions}
    if isinstance(event, AggregationEvent):
        names.update(event.child_epcs)
        names.update(q.epc_class for q in event.child_quantities)
    else:
        names.update(event.epcs)
        names.update(q.epc_class for q in event.quantities)
    if not isinstance(event, ObjectEvent) and event.parent_id is not None:
        names.add(event.parent_id)
    return frozenset(names)


# ------------------------------------------------------------------------------------- normalisers
def _strip_prefix(value: str, prefixes: Sequence[str]) -> tuple[str, bool]:
    for prefix in prefixes:
        if value.startswith(prefix):
            return value[len(prefix) :], True
    return value, False


def normalise_biz_step(value: str) -> str:
    """CBV short name from a short name or a CBV URI; other (extension) URIs are kept verbatim."""
    return _normalise_vocab(value, _BIZ_STEP_PREFIXES, BIZ_STEPS, "business step")


def normalise_disposition(value: str) -> str:
    return _normalise_vocab(value, _DISPOSITION_PREFIXES, DISPOSITIONS, "disposition")


def _normalise_vocab(value: str, prefixes: Sequence[str], known: frozenset[str], what: str) -> str:
    short, was_cbv = _strip_prefix(value.strip(), prefixes)
    if short in known:
        return short
    if not was_cbv and ":" in short and short.strip() == short and " " not in short:
        return short  # an extension vocabulary URI, e.g. https://silkport.example/bizstep/gauge_change
    raise ValueError(f"{value!r} is not a CBV {what} (e.g. {sorted(known)[:3]}) nor an extension URI")


def normalise_biz_transaction_type(value: str) -> str:
    short, _ = _strip_prefix(value.strip(), _BTT_PREFIXES)
    if not short:
        raise ValueError("business transaction type is empty")
    return short


def normalise_location(value: str) -> str:
    """A plain UN/LOCODE (``CN HRS``, ``cn-hrs``) becomes ``CNHRS``; SGLN URIs and site ids stay as given."""
    stripped = value.strip()
    if not stripped:
        raise ValueError("location id is empty")
    match = _LOCODE_RE.match(stripped)
    if match:
        return (match.group(1) + match.group(2)).upper()
    return stripped


def format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def _parse_offset(value: str) -> timedelta:
    match = _OFFSET_RE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a time zone offset like +08:00")
    hours, minutes = int(match.group(2)), int(match.group(3))
    if hours > 14 or minutes > 59 or (hours == 14 and minutes):
        raise ValueError(f"{value!r} is outside -14:00..+14:00")
    delta = timedelta(hours=hours, minutes=minutes)
    return -delta if match.group(1) == "-" else delta


# ------------------------------------------------------------------------------------------ parsing
class _Reader:
    """Typed access to decoded JSON, raising EpcisFormatError with the JSON path."""

    def __init__(self, data: Mapping[str, Any], path: str) -> None:
        self.data = data
        self.path = path

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> EpcisFormatError:
        return EpcisFormatError(self.at(key), message)

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, "is required")
            return None
        return _text(value, self.at(key))

    def required_text(self, key: str) -> str:
        value = self.text(key, required=True)
        assert value is not None
        return value

    def items(self, key: str) -> list[tuple[str, Any]]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, f"must be a list, not {_kind(value)}")
        return [(f"{self.at(key)}[{i}]", item) for i, item in enumerate(value)]


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", Decimal: "a number", str: "a string"}.get(
        type(value), "an object" if isinstance(value, Mapping) else "a list" if isinstance(value, list) else "a value"
    )


def _text(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise EpcisFormatError(path, f"must be a string, not {_kind(value)}")
    if not value.strip():
        raise EpcisFormatError(path, "must not be empty")
    if len(value) > _MAX_ID_LENGTH:
        raise EpcisFormatError(path, f"is longer than {_MAX_ID_LENGTH} characters")
    if any(ord(ch) < 32 for ch in value):
        raise EpcisFormatError(path, "contains control characters")
    return value


def _object(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise EpcisFormatError(path, f"must be an object, not {_kind(value)}")
    return value


def _time(value: str, path: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise EpcisFormatError(path, f"{value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise EpcisFormatError(path, f"{value!r} has no time zone (add Z or an offset such as +08:00)")
    return parsed


def _decimal(value: object, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise EpcisFormatError(path, f"must be a number, not {_kind(value)}")
    try:
        result = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError):
        raise EpcisFormatError(path, f"{value!r} is not a number") from None
    if not result.is_finite():
        raise EpcisFormatError(path, "must be a finite number")
    if result < 0:
        raise EpcisFormatError(path, "must not be negative")
    return result


def _epc_list(reader: _Reader, key: str) -> tuple[str, ...]:
    return tuple(_text(item, path) for path, item in reader.items(key))


def _quantity_list(reader: _Reader, key: str) -> tuple[QuantityElement, ...]:
    result = []
    for path, item in reader.items(key):
        element = _Reader(_object(item, path), path)
        if "quantity" not in element.data:
            raise element.fail("quantity", "is required")
        result.append(
            QuantityElement(
                epc_class=element.required_text("epcClass"),
                quantity=_decimal(element.data["quantity"], element.at("quantity")),
                uom=element.text("uom"),
            )
        )
    return tuple(result)


def _place(reader: _Reader, key: str) -> str | None:
    value = reader.data.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        raw, path = _text(value, reader.at(key)), reader.at(key)
    else:
        inner = _Reader(_object(value, reader.at(key)), reader.at(key))
        raw, path = inner.required_text("id"), inner.at("id")
    try:
        return normalise_location(raw)
    except ValueError as exc:
        raise EpcisFormatError(path, str(exc)) from None


def _vocab(reader: _Reader, key: str, normalise: Any) -> str | None:
    raw = reader.text(key)
    if raw is None:
        return None
    try:
        result: str = normalise(raw)
    except ValueError as exc:
        raise reader.fail(key, str(exc)) from None
    return result


def _biz_transactions(reader: _Reader) -> tuple[BizTransaction, ...]:
    result = []
    for path, item in reader.items("bizTransactionList"):
        element = _Reader(_object(item, path), path)
        btt = _vocab(element, "type", normalise_biz_transaction_type)
        result.append(BizTransaction(id=element.required_text("bizTransaction"), type=btt))
    return tuple(result)


def _event(raw: object, path: str) -> TrackingEvent:
    reader = _Reader(_object(raw, path), path)
    kind = reader.required_text("type")
    if kind not in {t.value for t in EventType}:
        raise reader.fail("type", f"{kind!r} is not a supported event type ({', '.join(t.value for t in EventType)})")
    event_id = reader.required_text("eventID")
    event_time = _time(reader.required_text("eventTime"), reader.at("eventTime"))
    offset_text = reader.required_text("eventTimeZoneOffset")
    try:
        offset = _parse_offset(offset_text)
    except ValueError as exc:
        raise reader.fail("eventTimeZoneOffset", str(exc)) from None
    try:
        event_time = event_time.astimezone(timezone(offset))
    except OverflowError:
        raise reader.fail("eventTime", "is out of range") from None
    record_text = reader.text("recordTime")
    record_time = None if record_text is None else _time(record_text, reader.at("recordTime"))
    action_text = reader.required_text("action")
    if action_text not in {a.value for a in Action}:
        raise reader.fail("action", f"{action_text!r} must be one of ADD, OBSERVE, DELETE")
    common: dict[str, Any] = {
        "event_id": event_id,
        "event_time": event_time,
        "time_zone_offset": format_offset(offset),
        "record_time": record_time,
        "action": Action(action_text),
        "biz_step": _vocab(reader, "bizStep", normalise_biz_step),
        "disposition": _vocab(reader, "disposition", normalise_disposition),
        "read_point": _place(reader, "readPoint"),
        "biz_location": _place(reader, "bizLocation"),
        "biz_transactions": _biz_transactions(reader),
    }
    if kind == EventType.OBJECT:
        epcs, quantities = _epc_list(reader, "epcList"), _quantity_list(reader, "quantityList")
        if not epcs and not quantities:
            raise reader.fail("epcList", "an ObjectEvent needs at least one EPC or a quantityList")
        return ObjectEvent(**common, epcs=epcs, quantities=quantities)
    parent_id = reader.text("parentID")
    if kind == EventType.AGGREGATION:
        if parent_id is None and common["action"] is not Action.OBSERVE:
            raise reader.fail("parentID", f"is required when action is {action_text}")
        children, child_quantities = _epc_list(reader, "childEPCs"), _quantity_list(reader, "childQuantityList")
        if not children and not child_quantities and common["action"] is Action.ADD:
            raise reader.fail("childEPCs", "an ADD AggregationEvent needs at least one child")
        return AggregationEvent(**common, parent_id=parent_id, child_epcs=children, child_quantities=child_quantities)
    if not common["biz_transactions"]:
        raise reader.fail("bizTransactionList", "a TransactionEvent needs at least one business transaction")
    return TransactionEvent(
        **common,
        parent_id=parent_id,
        epcs=_epc_list(reader, "epcList"),
        quantities=_quantity_list(reader, "quantityList"),
    )


def _reject_constant(name: str) -> Decimal:
    raise ValueError(f"{name} is not allowed in EPCIS JSON")


def parse_document(data: bytes | str) -> list[TrackingEvent]:
    """The events of an EPCIS 2.0 JSON(-LD) ``EPCISDocument`` (or a bare JSON list of events)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        decoded = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise EpcisFormatError("(document)", f"is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise EpcisFormatError(
            "(document)", f"is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise EpcisFormatError("(document)", f"is not acceptable JSON: {exc}") from None
    return parse_json(decoded)


def parse_json(decoded: object) -> list[TrackingEvent]:
    """Like :func:`parse_document`, from JSON already decoded (dicts, lists, str, numbers)."""
    if isinstance(decoded, list):
        return [_event(item, f"[{i}]") for i, item in enumerate(decoded)]
    root = _Reader(_object(decoded, "(document)"), "")
    kind = root.text("type")
    if kind not in {"EPCISDocument", "EPCISQueryDocument"}:
        raise root.fail("type", "must be EPCISDocument (or a bare list of events)")
    body = _Reader(_object(root.data.get("epcisBody"), "epcisBody"), "epcisBody")
    if kind == "EPCISQueryDocument":
        results = _Reader(_object(body.data.get("queryResults"), body.at("queryResults")), body.at("queryResults"))
        body = _Reader(_object(results.data.get("resultsBody"), results.at("resultsBody")), results.at("resultsBody"))
    if "eventList" not in body.data:
        raise body.fail("eventList", "is required")
    return [_event(item, path) for path, item in body.items("eventList")]


# -------------------------------------------------------------------------------------- serialising
def _json_number(value: Decimal) -> int | float | str:
    if value == value.to_integral_value() and abs(value.adjusted()) < 300:
        return int(value)
    as_float = float(value)
    if math.isfinite(as_float) and Decimal(repr(as_float)) == value:
        return as_float
    return str(value)  # exactness beats type: parse_document reads numeric strings too


def _time_text(value: datetime) -> str:
    return value.isoformat()


def _quantities_json(items: Sequence[QuantityElement]) -> list[dict[str, Any]]:
    out = []
    for q in items:
        item: dict[str, Any] = {"epcClass": q.epc_class, "quantity": _json_number(q.quantity)}
        if q.uom is not None:
            item["uom"] = q.uom
        out.append(item)
    return out


def event_to_json(event: TrackingEvent) -> dict[str, Any]:
    """One event as EPCIS 2.0 JSON (CBV short names, as the EPCIS 2.0 JSON-LD context allows)."""
    out: dict[str, Any] = {
        "type": event.type.value,
        "eventID": event.event_id,
        "eventTime": _time_text(event.event_time),
        "eventTimeZoneOffset": event.time_zone_offset,
    }
    if event.record_time is not None:
        out["recordTime"] = _time_text(event.record_time)
    if isinstance(event, AggregationEvent | TransactionEvent) and event.parent_id is not None:
        out["parentID"] = event.parent_id
    if isinstance(event, AggregationEvent):
        out["childEPCs"] = list(event.child_epcs)
        if event.child_quantities:
            out["childQuantityList"] = _quantities_json(event.child_quantities)
    else:
        out["epcList"] = list(event.epcs)
        if event.quantities:
            out["quantityList"] = _quantities_json(event.quantities)
    out["action"] = event.action.value
    if event.biz_step is not None:
        out["bizStep"] = event.biz_step
    if event.disposition is not None:
        out["disposition"] = event.disposition
    if event.read_point is not None:
        out["readPoint"] = {"id": event.read_point}
    if event.biz_location is not None:
        out["bizLocation"] = {"id": event.biz_location}
    if event.biz_transactions:
        out["bizTransactionList"] = [
            {"bizTransaction": bt.id} if bt.type is None else {"type": bt.type, "bizTransaction": bt.id}
            for bt in event.biz_transactions
        ]
    return out


def to_document(events: Iterable[TrackingEvent], *, creation_date: datetime | None = None) -> dict[str, Any]:
    """An EPCIS 2.0 ``EPCISDocument``; ``creation_date`` is passed in (the domain reads no clock)."""
    document: dict[str, Any] = {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
    }
    if creation_date is not None:
        document["creationDate"] = _time_text(creation_date)
    document["epcisBody"] = {"eventList": [event_to_json(e) for e in events]}
    return document


# ------------------------------------------------------------------------------------------ history
class TrackingStatus(StrEnum):
    REGISTERED = "registered"
    DISPATCHED = "dispatched"
    LOADED = "loaded"
    IN_TRANSIT = "in_transit"
    ARRIVED = "arrived"
    UNLOADED = "unloaded"
    UNDER_INSPECTION = "under_inspection"
    HELD = "held"
    RECEIVED = "received"  # received somewhere other than the destination (a hub, a bonded warehouse)
    DELIVERED = "delivered"
    RETURNED = "returned"
    DAMAGED = "damaged"
    LOST = "lost"
    DESTROYED = "destroyed"


_STEP_STATUS: Final[Mapping[str, TrackingStatus]] = {
    "commissioning": TrackingStatus.REGISTERED,
    "consigning": TrackingStatus.REGISTERED,
    "shipping": TrackingStatus.DISPATCHED,
    "staging_outbound": TrackingStatus.DISPATCHED,
    "loading": TrackingStatus.LOADED,
    "departing": TrackingStatus.IN_TRANSIT,
    "transporting": TrackingStatus.IN_TRANSIT,
    "arriving": TrackingStatus.ARRIVED,
    "unloading": TrackingStatus.UNLOADED,
    "inspecting": TrackingStatus.UNDER_INSPECTION,
    "sampling": TrackingStatus.UNDER_INSPECTION,
    "holding": TrackingStatus.HELD,
    "storing": TrackingStatus.RECEIVED,
    "accepting": TrackingStatus.RECEIVED,
    "receiving": TrackingStatus.RECEIVED,
    "destroying": TrackingStatus.DESTROYED,
}
#: dispositions that say more than any business step
_OVERRIDING_DISPOSITION: Final[Mapping[str, TrackingStatus]] = {
    "returned": TrackingStatus.RETURNED,
    "damaged": TrackingStatus.DAMAGED,
    "stolen": TrackingStatus.LOST,
    "destroyed": TrackingStatus.DESTROYED,
}
#: dispositions used when the business step says nothing about status
_FALLBACK_DISPOSITION: Final[Mapping[str, TrackingStatus]] = {
    "in_transit": TrackingStatus.IN_TRANSIT,
    "in_progress": TrackingStatus.IN_TRANSIT,
    "unavailable": TrackingStatus.HELD,
}


def status_of_event(event: TrackingEvent, destination: str | None = None) -> TrackingStatus | None:
    """The status one event implies, or None when it says nothing about status (e.g. packing)."""
    if event.disposition is not None and event.disposition in _OVERRIDING_DISPOSITION:
        return _OVERRIDING_DISPOSITION[event.disposition]
    if event.biz_step is not None and event.biz_step in _STEP_STATUS:
        status = _STEP_STATUS[event.biz_step]
        if event.biz_step == "receiving" and destination is not None:
            target = normalise_location(destination)
            if target in {event.biz_location, event.read_point}:
                return TrackingStatus.DELIVERED
        return status
    if event.disposition is not None:
        return _FALLBACK_DISPOSITION.get(event.disposition)
    return None


class Outcome(StrEnum):
    ADDED = "added"
    DUPLICATE = "duplicate"  # the same event again: a no-op
    CONFLICT = "conflict"  # the same id with different content: kept the first, reported


def _order_key(event: TrackingEvent) -> tuple[datetime, str]:
    return (event.event_time, event.event_id)


class History:
    """Tracking events in event-time order, idempotent by event id, whatever order they arrived in."""

    def __init__(self, events: Iterable[TrackingEvent] = ()) -> None:
        self._by_id: dict[str, TrackingEvent] = {}
        self._conflicts: list[EventConflict] = []
        self.add_all(events)

    @classmethod
    def of(cls, events: Iterable[TrackingEvent]) -> History:
        return cls(events)

    def add(self, event: TrackingEvent) -> Outcome:
        known = self._by_id.get(event.event_id)
        if known is None:
            self._by_id[event.event_id] = event
            return Outcome.ADDED
        if known == event or _same_content(known, event):
            return Outcome.DUPLICATE
        self._conflicts.append(EventConflict(event.event_id, known, event))
        return Outcome.CONFLICT

    def add_all(self, events: Iterable[TrackingEvent]) -> list[Outcome]:
        return [self.add(e) for e in events]

    @property
    def conflicts(self) -> tuple[EventConflict, ...]:
        return tuple(self._conflicts)

    @property
    def events(self) -> tuple[TrackingEvent, ...]:
        return tuple(sorted(self._by_id.values(), key=_order_key))

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._by_id

    def history_of(self, object_id: str) -> tuple[TrackingEvent, ...]:
        """Events about an object: naming it, or naming what it is packed in / linked to at the time."""
        groups: dict[str, set[str]] = {}  # member -> containers / transactions it belongs to right now
        found: list[TrackingEvent] = []
        for event in self.events:
            named = objects_of(event)
            if object_id in named or not named.isdisjoint(_ancestors(object_id, groups)):
                found.append(event)
            _apply_links(event, groups)
        return tuple(found)

    def status_event(self, object_id: str, destination: str | None = None) -> TrackingEvent | None:
        """The latest event of the object's history that implies a status."""
        for event in reversed(self.history_of(object_id)):
            if status_of_event(event, destination) is not None:
                return event
        return None

    def current_status(self, object_id: str, destination: str | None = None) -> TrackingStatus | None:
        """Status from the latest status-bearing event; ``receiving`` at ``destination`` means delivered."""
        event = self.status_event(object_id, destination)
        return None if event is None else status_of_event(event, destination)


def _same_content(a: TrackingEvent, b: TrackingEvent) -> bool:
    """Equal apart from recordTime (a capture server stamps that; a re-send may differ)."""
    return type(a) is type(b) and event_to_json(a) | {"recordTime": None} == event_to_json(b) | {"recordTime": None}


def _ancestors(object_id: str, groups: Mapping[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [object_id]
    while todo:
        for group in groups.get(todo.pop(), ()):
            if group not in seen and group != object_id:
                seen.add(group)
                todo.append(group)
    return seen


def _apply_links(event: TrackingEvent, groups: dict[str, set[str]]) -> None:
    if isinstance(event, AggregationEvent) and event.parent_id is not None:
        parent = event.parent_id
        members = list(event.child_epcs) + [q.epc_class for q in event.child_quantities]
        if event.action is Action.DELETE:
            if not members:  # DELETE without children: everything is unpacked
                members = [m for m, gs in groups.items() if parent in gs]
            for member in members:
                groups.get(member, set()).discard(parent)
        else:
            for member in members:
                if member != parent:
                    groups.setdefault(member, set()).add(parent)
    elif isinstance(event, TransactionEvent):
        members = list(event.epcs) + [q.epc_class for q in event.quantities]
        if event.parent_id is not None:
            members.append(event.parent_id)
        for bt in event.biz_transactions:
            for member in members:
                if member == bt.id:
                    continue
                if event.action is Action.DELETE:
                    groups.get(member, set()).discard(bt.id)
                else:
                    groups.setdefault(member, set()).add(bt.id)
