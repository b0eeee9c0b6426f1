"""Use cases of the freight modes: train runs, vehicle exports, flights and AWBs, international mail.

Each handler takes a unit of work and the acting :class:`Actor`. Who may do what:

- train runs: logistics operators (their own enterprise's runs), administrators;
- vehicle exports: traders (their own), administrators;
- flights and air waybills: airlines (their own), administrators;
- mail advance data (ITMATT): the posts operator (logistics operator role, their own), administrators;
- mail clearance: customs officers and supervisors only.

Enterprise-bound users see only their enterprise's objects (another enterprise's object is a 404);
customs, administrators and analysts see all.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from silkport.logistics.domain.air import AwbLoad, Flight, MonthTonnage, new_load, tonnage
from silkport.logistics.domain.mail import Answer, Dispatch, PostalItem, parse_item, receptacle_dispatch
from silkport.logistics.domain.rail import TrainRun, Transshipment
from silkport.logistics.domain.vehicles import CountBy, VehicleExport, new_export
from silkport.logistics.services.modes_ports import FreightUnitOfWork
from silkport.shared.actor import Actor, Role
from silkport.shared.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from silkport.shared.text import field_error, templated

TRAIN_WRITERS = frozenset({Role.LOGISTICS_OPERATOR, Role.ADMIN})
VEHICLE_WRITERS = frozenset({Role.TRADER, Role.ADMIN})
AIR_WRITERS = frozenset({Role.AIRLINE, Role.ADMIN})
MAIL_WRITERS = frozenset({Role.LOGISTICS_OPERATOR, Role.ADMIN})
MAIL_CLEARERS = frozenset({Role.CUSTOMS_OFFICER, Role.CUSTOMS_SUPERVISOR})
MAX_BULK = 10_000


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def _owner(actor: Actor, writers: frozenset[Role], enterprise_id: str | None, what: str) -> str:
    """The enterprise a new object belongs to: the actor's own, or the one an administrator names."""
    if actor.role not in writers:
        raise PermissionDenied(f"a {actor.role.label.lower()} may not record {what}")
    if actor.is_enterprise_bound:
        if enterprise_id is not None and enterprise_id != actor.enterprise_id:
            raise PermissionDenied(f"{what} can only be recorded for your own enterprise")
        assert actor.enterprise_id is not None
        return actor.enterprise_id
    if not enterprise_id:
        raise ValidationFailed(field_error("enterprise_id", "name the enterprise the %(what)s belong to", what=what))
    return enterprise_id


def _registered(uow: FreightUnitOfWork, actor: Actor, owner: str) -> None:
    """An enterprise an administrator names must be in the registry (a user's own enterprise is)."""
    if not actor.is_enterprise_bound and uow.enterprises.status_and_grade(owner) is None:
        raise ValidationFailed(field_error("enterprise_id", "no enterprise %(owner)r in the registry", owner=owner))


def _may_write(actor: Actor, writers: frozenset[Role], what: str) -> None:
    if actor.role not in writers:
        raise PermissionDenied(f"a {actor.role.label.lower()} may not change {what}")


def _scope(actor: Actor) -> str | None:
    """The enterprise whose objects a listing is limited to (None: all)."""
    return actor.enterprise_id if actor.is_enterprise_bound else None


# -- trains ---------------------------------------------------------------------------------------


def _train_snapshot(run: TrainRun) -> dict[str, Any]:
    return {
        "train_number": run.train_number,
        "arrival": run.arrival.isoformat() if run.arrival else None,
        "wagons": len(run.wagons),
        "containers": len(run.placements),
        "transshipments": len(run.transshipments),
    }


def create_train_run(
    uow: FreightUnitOfWork,
    actor: Actor,
    *,
    train_number: str,
    origin: str,
    destination: str,
    departure: datetime,
    arrival: datetime | None = None,
    enterprise_id: str | None = None,
) -> TrainRun:
    owner = _owner(actor, TRAIN_WRITERS, enterprise_id, "train runs")
    with uow:
        _registered(uow, actor, owner)
        run = TrainRun.create(_new_id("trn"), owner, train_number, origin, destination, departure, arrival)
        now = uow.clock.now()
        uow.trains.add(run, now)
        uow.audit.record(
            actor=actor, action="train_run.created", object_type="train_run", object_id=run.id,
            before=None, after=_train_snapshot(run),
        )  # fmt: skip
        uow.outbox.emit(
            owner, "freight.train_run.created",
            {"train_run_id": run.id, "train_number": run.train_number, "origin": run.origin,
             "destination": run.destination}, now,
        )  # fmt: skip
        uow.commit()
    return run


def get_train_run(uow: FreightUnitOfWork, actor: Actor, run_id: str) -> TrainRun:
    with uow:
        return _visible_run(uow, actor, run_id, for_update=False)


def _visible_run(uow: FreightUnitOfWork, actor: Actor, run_id: str, for_update: bool) -> TrainRun:
    run = uow.trains.get(run_id, for_update=for_update)
    if run is None or not actor.sees_enterprise(run.enterprise_id):
        raise NotFound(templated("train run %(run_id)s not found", run_id=run_id))
    return run


def list_train_runs(uow: FreightUnitOfWork, actor: Actor, limit: int = 50, offset: int = 0) -> Sequence[TrainRun]:
    with uow:
        return uow.trains.list(_scope(actor), limit, offset)


def _change_run(uow: FreightUnitOfWork, actor: Actor, run_id: str) -> TrainRun:
    run = _visible_run(uow, actor, run_id, for_update=True)
    _may_write(actor, TRAIN_WRITERS, "train runs")
    return run


def record_arrival(uow: FreightUnitOfWork, actor: Actor, run_id: str, arrival: datetime) -> TrainRun:
    with uow:
        run = _change_run(uow, actor, run_id)
        before = _train_snapshot(run)
        run.record_arrival(arrival)
        uow.trains.save(run)
        uow.audit.record(
            actor=actor, action="train_run.arrived", object_type="train_run", object_id=run.id,
            before=before, after=_train_snapshot(run),
        )  # fmt: skip
        uow.commit()
    return run


def delete_train_run(uow: FreightUnitOfWork, actor: Actor, run_id: str) -> None:
    with uow:
        run = _change_run(uow, actor, run_id)
        if run.placements or run.transshipments:
            raise Conflict(
                templated(
                    "train run %(run_id)s carries containers or has transshipments: it cannot be deleted", run_id=run_id
                )
            )
        uow.trains.delete(run.id)
        uow.audit.record(
            actor=actor, action="train_run.deleted", object_type="train_run", object_id=run.id,
            before=_train_snapshot(run), after=None,
        )  # fmt: skip
        uow.commit()


def add_wagon(uow: FreightUnitOfWork, actor: Actor, run_id: str, *, number: str, gauge: int) -> TrainRun:
    with uow:
        run = _change_run(uow, actor, run_id)
        before = _train_snapshot(run)
        wagon = run.add_wagon(number, gauge)
        uow.trains.save(run)
        uow.audit.record(
            actor=actor, action="train_run.wagon_added", object_type="train_run", object_id=run.id,
            before=before, after={**_train_snapshot(run), "wagon": wagon.number, "gauge": int(wagon.gauge)},
        )  # fmt: skip
        uow.commit()
    return run


def load_container(
    uow: FreightUnitOfWork, actor: Actor, run_id: str, *, container: str, wagon: str, consignments: list[str]
) -> TrainRun:
    with uow:
        run = _change_run(uow, actor, run_id)
        before = _train_snapshot(run)
        number = run.load(container, wagon, consignments)
        uow.trains.save(run)
        uow.audit.record(
            actor=actor, action="train_run.container_loaded", object_type="train_run", object_id=run.id,
            before=before, after={**_train_snapshot(run), "container": number, "wagon": run.placements[number]},
        )  # fmt: skip
        uow.commit()
    return run


def unload_container(uow: FreightUnitOfWork, actor: Actor, run_id: str, container: str) -> TrainRun:
    with uow:
        run = _change_run(uow, actor, run_id)
        before = _train_snapshot(run)
        wagon = run.unload(container)
        uow.trains.save(run)
        uow.audit.record(
            actor=actor, action="train_run.container_unloaded", object_type="train_run", object_id=run.id,
            before={**before, "container": container, "wagon": wagon}, after=_train_snapshot(run),
        )  # fmt: skip
        uow.commit()
    return run


def transship(
    uow: FreightUnitOfWork, actor: Actor, run_id: str, *, station: str, at: datetime, moves: list[tuple[str, str]]
) -> tuple[TrainRun, Transshipment]:
    with uow:
        run = _change_run(uow, actor, run_id)
        before = _train_snapshot(run)
        record = run.transship(station, at, moves, uow.reference.break_of_gauge)
        uow.trains.save(run)
        uow.audit.record(
            actor=actor, action="train_run.transshipped", object_type="train_run", object_id=run.id,
            before=before, after={**_train_snapshot(run), "station": record.station,
                                  "containers": [m[0] for m in record.moves]},
        )  # fmt: skip
        uow.outbox.emit(
            run.enterprise_id, "freight.containers.transshipped",
            {"train_run_id": run.id, "train_number": run.train_number, "station": record.station,
             "at": record.at.isoformat(), "from_gauge": int(record.from_gauge), "to_gauge": int(record.to_gauge),
             "moves": [{"container": c, "from_wagon": f, "to_wagon": t} for c, f, t in record.moves]},
            uow.clock.now(),
        )  # fmt: skip
        uow.commit()
    return run, record


# -- vehicle exports ------------------------------------------------------------------------------


def register_vehicle_exports(
    uow: FreightUnitOfWork,
    actor: Actor,
    rows: Sequence[Mapping[str, Any]],
    *,
    enterprise_id: str | None = None,
    bulk: bool = True,
) -> list[VehicleExport]:
    """Register exports, all or nothing: every row's problems are named (``rows[i].field``)."""
    owner = _owner(actor, VEHICLE_WRITERS, enterprise_id, "vehicle exports")
    if not rows:
        raise ValidationFailed(field_error("rows", "no vehicles"))
    if len(rows) > MAX_BULK:
        raise ValidationFailed(field_error("rows", "at most %(MAX_BULK)s vehicles per request", MAX_BULK=MAX_BULK))
    errors: list[FieldError] = []
    exports: list[VehicleExport] = []
    first_row: dict[str, int] = {}
    for i, row in enumerate(rows):
        prefix = f"rows[{i}]." if bulk else ""
        try:
            export = new_export(
                _new_id("veh"), owner, vin=str(row.get("vin") or ""), make=str(row.get("make") or ""),
                model=str(row.get("model") or ""), category=str(row.get("category") or ""),
                destination=str(row.get("destination") or ""), exit_port=str(row.get("exit_port") or ""),
                exit_date=_as_date(row.get("exit_date"), f"{prefix}exit_date"),
                declaration_id=(str(row["declaration_id"]) if row.get("declaration_id") else None), prefix=prefix,
            )  # fmt: skip
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        if export.vin in first_row:
            errors.append(
                field_error(
                    f"{prefix}vin", "%(vin)s is also on row %(vin2)s", vin=export.vin, vin2=first_row[export.vin]
                )
            )
            continue
        first_row[export.vin] = i
        exports.append(export)
    if errors:
        raise ValidationFailed(errors)
    with uow:
        _registered(uow, actor, owner)
        taken = uow.vehicles.existing_vins([e.vin for e in exports])
        if taken:
            if not bulk:
                raise Conflict(templated("vehicle %(vin)s is already registered as exported", vin=exports[0].vin))
            raise ValidationFailed(
                [
                    field_error(f"rows[{first_row[v]}].vin", "%(v)s is already registered as exported", v=v)
                    for v in sorted(taken)
                ]
            )
        now = uow.clock.now()
        uow.vehicles.add_all(exports, now)
        for e in exports:
            uow.audit.record(
                actor=actor, action="vehicle_export.registered", object_type="vehicle_export", object_id=e.id,
                before=None, after={"vin": e.vin, "make": e.make, "destination": e.destination,
                                    "exit_date": e.exit_date.isoformat()},
            )  # fmt: skip
        uow.outbox.emit(
            owner, "freight.vehicle_exports.registered",
            {"count": len(exports), "ids": [e.id for e in exports][:1000]}, now,
        )  # fmt: skip
        uow.commit()
    return exports


def _as_date(value: object, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationFailed(field_error(field, "a date YYYY-MM-DD"))


def get_vehicle_export(uow: FreightUnitOfWork, actor: Actor, export_id: str) -> VehicleExport:
    with uow:
        export = uow.vehicles.get(export_id)
    if export is None or not actor.sees_enterprise(export.enterprise_id):
        raise NotFound(templated("vehicle export %(export_id)s not found", export_id=export_id))
    return export


def list_vehicle_exports(
    uow: FreightUnitOfWork, actor: Actor, limit: int = 50, offset: int = 0
) -> Sequence[VehicleExport]:
    with uow:
        return uow.vehicles.list(_scope(actor), limit, offset)


def count_vehicle_exports(uow: FreightUnitOfWork, actor: Actor, by: CountBy, year: int | None = None) -> dict[str, int]:
    with uow:
        return uow.vehicles.count(by, _scope(actor), year)


# -- air ------------------------------------------------------------------------------------------


def create_flight(
    uow: FreightUnitOfWork,
    actor: Actor,
    *,
    flight_number: str,
    flight_date: date,
    origin: str,
    destination: str,
    enterprise_id: str | None = None,
) -> Flight:
    owner = _owner(actor, AIR_WRITERS, enterprise_id, "flights")
    flight = Flight.create(_new_id("flt"), owner, flight_number, flight_date, origin, destination)
    with uow:
        _registered(uow, actor, owner)
        if uow.flights.exists(flight.flight_number, flight.flight_date):
            raise Conflict(
                templated(
                    "flight %(flight_number)s on %(flight_date)s is already recorded",
                    flight_number=flight.flight_number,
                    flight_date=flight.flight_date,
                )
            )
        now = uow.clock.now()
        uow.flights.add(flight, now)
        uow.audit.record(
            actor=actor, action="flight.created", object_type="flight", object_id=flight.id, before=None,
            after={"flight_number": flight.flight_number, "flight_date": flight.flight_date.isoformat(),
                   "origin": flight.origin, "destination": flight.destination},
        )  # fmt: skip
        uow.commit()
    return flight


def _visible_flight(uow: FreightUnitOfWork, actor: Actor, flight_id: str, for_update: bool) -> Flight:
    flight = uow.flights.get(flight_id, for_update=for_update)
    if flight is None or not actor.sees_enterprise(flight.enterprise_id):
        raise NotFound(templated("flight %(flight_id)s not found", flight_id=flight_id))
    return flight


def get_flight(uow: FreightUnitOfWork, actor: Actor, flight_id: str) -> Flight:
    with uow:
        return _visible_flight(uow, actor, flight_id, for_update=False)


def list_flights(uow: FreightUnitOfWork, actor: Actor, limit: int = 50, offset: int = 0) -> Sequence[Flight]:
    with uow:
        return uow.flights.list(_scope(actor), limit, offset)


def load_awb(
    uow: FreightUnitOfWork,
    actor: Actor,
    flight_id: str,
    *,
    awb: str,
    pieces: int,
    gross_weight_kg: Decimal,
    chargeable_weight_kg: Decimal,
) -> tuple[Flight, AwbLoad]:
    with uow:
        flight = _visible_flight(uow, actor, flight_id, for_update=True)
        _may_write(actor, AIR_WRITERS, "flights")
        load = new_load(awb, pieces, gross_weight_kg, chargeable_weight_kg)
        flight.load(load)
        uow.flights.save(flight)
        now = uow.clock.now()
        uow.audit.record(
            actor=actor, action="flight.awb_loaded", object_type="flight", object_id=flight.id, before=None,
            after={"awb": load.awb, "pieces": load.pieces, "gross_weight_kg": str(load.gross_weight_kg),
                   "chargeable_weight_kg": str(load.chargeable_weight_kg)},
        )  # fmt: skip
        uow.outbox.emit(
            flight.enterprise_id, "freight.awb.loaded",
            {"flight_id": flight.id, "flight_number": flight.flight_number,
             "flight_date": flight.flight_date.isoformat(), "awb": load.awb, "pieces": load.pieces,
             "gross_weight_kg": str(load.gross_weight_kg)}, now,
        )  # fmt: skip
        uow.commit()
    return flight, load


def offload_awb(uow: FreightUnitOfWork, actor: Actor, flight_id: str, awb: str) -> Flight:
    with uow:
        flight = _visible_flight(uow, actor, flight_id, for_update=True)
        _may_write(actor, AIR_WRITERS, "flights")
        load = flight.offload(awb)
        uow.flights.save(flight)
        uow.audit.record(
            actor=actor, action="flight.awb_offloaded", object_type="flight", object_id=flight.id,
            before={"awb": load.awb, "gross_weight_kg": str(load.gross_weight_kg)}, after=None,
        )  # fmt: skip
        uow.commit()
    return flight


def air_tonnage(uow: FreightUnitOfWork, actor: Actor, year: int) -> list[MonthTonnage]:
    if not 1900 < year < 3000:
        raise ValidationFailed(field_error("year", "a four-digit year"))
    with uow:
        weights = uow.flights.weights((year - 1, year), _scope(actor))
    return tonnage(year, weights)


# -- mail -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItmattResult:
    dispatches: list[Dispatch]
    items: int
    receptacles: int


def receive_itmatt(
    uow: FreightUnitOfWork, actor: Actor, raw_items: Sequence[Mapping[str, Any]], enterprise_id: str | None = None
) -> ItmattResult:
    """Store ITMATT advance data: items, their receptacles and dispatches; all or nothing."""
    owner = _owner(actor, MAIL_WRITERS, enterprise_id, "mail")
    errors: list[FieldError] = []
    items: list[PostalItem] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_items):
        try:
            item = parse_item(raw, prefix=f"items[{i}].")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        if item.item_id in seen:
            errors.append(
                field_error(
                    f"items[{i}].item_id",
                    "%(item_id)s is also items[%(item_id2)s]",
                    item_id=item.item_id,
                    item_id2=seen[item.item_id],
                )
            )
            continue
        seen[item.item_id] = i
        items.append(item)
    if errors:
        raise ValidationFailed(errors)
    by_dispatch: dict[str, list[PostalItem]] = {}
    for item in items:
        by_dispatch.setdefault(receptacle_dispatch(item.receptacle_id), []).append(item)
    now_dispatches: list[Dispatch] = []
    with uow:
        _registered(uow, actor, owner)
        pending = uow.mail.pending_dispatch_of([i.item_id for i in items])
        if pending:
            item_id, dispatch_id = min(pending.items())
            raise Conflict(
                f"item {item_id} is already in dispatch {dispatch_id}, not yet cleared"
                + (f" (and {len(pending) - 1} more)" if len(pending) > 1 else "")
            )
        now = uow.clock.now()
        receptacles = 0
        for dispatch_id in sorted(by_dispatch):
            dispatch = uow.mail.get(dispatch_id, for_update=True)
            new = dispatch is None
            if dispatch is None:
                dispatch = Dispatch(dispatch_id, owner, now)
            elif dispatch.enterprise_id != owner:
                raise Conflict(
                    templated("dispatch %(dispatch_id)s was announced by another operator", dispatch_id=dispatch_id)
                )
            known = set(dispatch.receptacles)
            for item in by_dispatch[dispatch_id]:
                dispatch.add(item)
            receptacles += len(set(dispatch.receptacles) - known)
            if new:
                uow.mail.add(dispatch)
            else:
                uow.mail.save(dispatch)
            uow.audit.record(
                actor=actor, action="mail.itmatt_received", object_type="mail_dispatch", object_id=dispatch_id,
                before=None, after={"items": [i.item_id for i in by_dispatch[dispatch_id]]},
            )  # fmt: skip
            uow.outbox.emit(
                owner, "freight.mail.dispatch_received",
                {"dispatch_id": dispatch_id, "items": len(by_dispatch[dispatch_id]),
                 "receptacles": len(dispatch.receptacles)}, now,
            )  # fmt: skip
            now_dispatches.append(dispatch)
        uow.commit()
    return ItmattResult(now_dispatches, len(items), receptacles)


def _visible_dispatch(uow: FreightUnitOfWork, actor: Actor, dispatch_id: str, for_update: bool) -> Dispatch:
    dispatch = uow.mail.get(dispatch_id.upper(), for_update=for_update)
    if dispatch is None or not actor.sees_enterprise(dispatch.enterprise_id):
        raise NotFound(templated("dispatch %(dispatch_id)s not found", dispatch_id=dispatch_id))
    return dispatch


def get_dispatch(uow: FreightUnitOfWork, actor: Actor, dispatch_id: str) -> Dispatch:
    with uow:
        return _visible_dispatch(uow, actor, dispatch_id, for_update=False)


def list_dispatches(uow: FreightUnitOfWork, actor: Actor, limit: int = 50, offset: int = 0) -> Sequence[Dispatch]:
    with uow:
        return uow.mail.list(_scope(actor), limit, offset)


def clear_dispatch(uow: FreightUnitOfWork, actor: Actor, dispatch_id: str) -> tuple[Dispatch, list[Answer]]:
    """Bulk clearance by customs: every item gets exactly one answer (released / held / returned)."""
    if actor.role not in MAIL_CLEARERS:
        raise PermissionDenied("only customs clears mail")
    with uow:
        dispatch = _visible_dispatch(uow, actor, dispatch_id, for_update=True)
        answers = dispatch.clear(uow.reference.mail_rules, actor.username, uow.clock.now())
        uow.mail.save(dispatch)
        tally = {o: sum(1 for a in answers if a.outcome.value == o) for o in ("released", "held", "returned")}
        uow.audit.record(
            actor=actor, action="mail.dispatch_cleared", object_type="mail_dispatch", object_id=dispatch.id,
            before={"state": "received"}, after={"state": dispatch.state.value, **tally},
        )  # fmt: skip
        uow.outbox.emit(
            dispatch.enterprise_id, "freight.mail.dispatch_cleared",
            {"dispatch_id": dispatch.id, **tally, "rules_version": uow.reference.mail_rules.version},
            uow.clock.now(),
        )  # fmt: skip
        uow.commit()
    return dispatch, answers
