"""SQLAlchemy repositories of the freight modes, and the reference data they decide with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from silkport.logistics.adapters.modes_orm import (
    AwbLoadRow,
    FlightRow,
    MailDispatchRow,
    MailReceptacleRow,
    PostalItemRow,
    TrainRunRow,
    VehicleExportRow,
)
from silkport.logistics.domain.air import AwbLoad, Flight, FlightWeight
from silkport.logistics.domain.mail import (
    Answer,
    ClearanceRules,
    ContentLine,
    CustomsForm,
    Dispatch,
    DispatchState,
    ItemCategory,
    Outcome,
    PostalItem,
    Reason,
    receptacle_weight_kg,
)
from silkport.logistics.domain.rail import Gauge, TrainRun, Transshipment, Wagon
from silkport.logistics.domain.vehicles import CountBy, VehicleCategory, VehicleExport
from silkport.logistics.services.modes_ports import FreightReference
from silkport.shared.clock import ensure_utc
from silkport.shared.errors import Conflict


def _flush(session: Session, what: str) -> None:
    """Flush; a unique key taken meanwhile by a concurrent request is a 409, not a storage error."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{what} was recorded at the same time by another request") from exc


def _data(name: str) -> dict[str, Any]:
    text = resources.files("silkport.logistics").joinpath("data", name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):  # pragma: no cover - shipped files
        raise ValueError(f"{name} is not a mapping")
    return data


@lru_cache(maxsize=1)
def freight_reference() -> FreightReference:
    """Break-of-gauge points and mail clearance rules, from ``silkport/logistics/data``."""
    points = frozenset(str(p["locode"]) for p in _data("break_of_gauge.yaml")["points"])
    return FreightReference(points, ClearanceRules.from_mapping(_data("mail_clearance.yaml")))


def _opt(value: datetime | None) -> datetime | None:
    return ensure_utc(value) if value is not None else None


# -- trains -----------------------------------------------------------------------------------------


class SqlTrainRunRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, run: TrainRun, at: datetime) -> None:
        row = TrainRunRow(id=run.id, enterprise_id=run.enterprise_id, created_at=at)
        self._fill(row, run)
        self._s.add(row)
        self._s.flush()

    def _fill(self, row: TrainRunRow, run: TrainRun) -> None:
        row.train_number = run.train_number
        row.origin = run.origin
        row.destination = run.destination
        row.departure = run.departure
        row.arrival = run.arrival
        row.wagons = [[w.number, int(w.gauge)] for w in run.wagons.values()]
        row.placements = {c: [w, list(run.consignments.get(c, ()))] for c, w in run.placements.items()}
        row.transshipments = [
            {"station": t.station, "at": t.at.isoformat(), "from": int(t.from_gauge), "to": int(t.to_gauge),
             "moves": [list(m) for m in t.moves]}
            for t in run.transshipments
        ]  # fmt: skip

    def _run(self, row: TrainRunRow) -> TrainRun:
        run = TrainRun(
            row.id, row.enterprise_id, row.train_number, row.origin, row.destination,
            ensure_utc(row.departure), _opt(row.arrival),
        )  # fmt: skip
        run.wagons = {n: Wagon(n, Gauge(g)) for n, g in row.wagons}
        run.placements = {c: v[0] for c, v in row.placements.items()}
        run.consignments = {c: tuple(v[1]) for c, v in row.placements.items()}
        run.transshipments = [
            Transshipment(
                t["station"],
                datetime.fromisoformat(t["at"]),
                Gauge(t["from"]),
                Gauge(t["to"]),
                tuple((m[0], m[1], m[2]) for m in t["moves"]),
            )
            for t in row.transshipments
        ]
        return run

    def get(self, run_id: str, for_update: bool = False) -> TrainRun | None:
        stmt = select(TrainRunRow).where(TrainRunRow.id == run_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self._s.scalars(stmt).first()
        return self._run(row) if row is not None else None

    def save(self, run: TrainRun) -> None:
        row = self._s.get(TrainRunRow, run.id)
        if row is None:  # pragma: no cover - save follows get
            raise LookupError(f"train run {run.id} is not stored")
        self._fill(row, run)
        self._s.flush()

    def delete(self, run_id: str) -> None:
        self._s.execute(delete(TrainRunRow).where(TrainRunRow.id == run_id))

    def list(self, enterprise_id: str | None, limit: int, offset: int) -> Sequence[TrainRun]:
        stmt = select(TrainRunRow).order_by(TrainRunRow.departure.desc(), TrainRunRow.id)
        if enterprise_id is not None:
            stmt = stmt.where(TrainRunRow.enterprise_id == enterprise_id)
        return [self._run(r) for r in self._s.scalars(stmt.limit(limit).offset(offset))]


# -- vehicles ---------------------------------------------------------------------------------------


def _export(row: VehicleExportRow) -> VehicleExport:
    return VehicleExport(
        row.id, row.enterprise_id, row.vin, row.make, row.model, VehicleCategory(row.category), row.destination,
        row.exit_port, row.exit_date, row.declaration_id,
    )  # fmt: skip


class SqlVehicleExportRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add_all(self, exports: Sequence[VehicleExport], at: datetime) -> None:
        self._s.add_all(
            VehicleExportRow(
                id=e.id,
                enterprise_id=e.enterprise_id,
                vin=e.vin,
                make=e.make,
                model=e.model,
                category=e.category.value,
                destination=e.destination,
                exit_port=e.exit_port,
                exit_date=e.exit_date,
                exit_month=e.month,
                declaration_id=e.declaration_id,
                created_at=at,
            )
            for e in exports
        )
        _flush(self._s, "one of these vehicles")

    def get(self, export_id: str) -> VehicleExport | None:
        row = self._s.get(VehicleExportRow, export_id)
        return _export(row) if row is not None else None

    def existing_vins(self, vins: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(vins), 500):
            chunk = list(vins[start : start + 500])
            found.update(self._s.scalars(select(VehicleExportRow.vin).where(VehicleExportRow.vin.in_(chunk))))
        return found

    def list(self, enterprise_id: str | None, limit: int, offset: int) -> Sequence[VehicleExport]:
        stmt = select(VehicleExportRow).order_by(VehicleExportRow.exit_date.desc(), VehicleExportRow.id)
        if enterprise_id is not None:
            stmt = stmt.where(VehicleExportRow.enterprise_id == enterprise_id)
        return [_export(r) for r in self._s.scalars(stmt.limit(limit).offset(offset))]

    def count(self, by: CountBy, enterprise_id: str | None, year: int | None) -> dict[str, int]:
        column = {
            CountBy.MAKE: VehicleExportRow.make,
            CountBy.DESTINATION: VehicleExportRow.destination,
            CountBy.MONTH: VehicleExportRow.exit_month,
        }[by]
        stmt = select(column, func.count()).group_by(column).order_by(column)
        if enterprise_id is not None:
            stmt = stmt.where(VehicleExportRow.enterprise_id == enterprise_id)
        if year is not None:
            stmt = stmt.where(VehicleExportRow.exit_month.like(f"{year:04d}-%"))
        return {str(key): int(n) for key, n in self._s.execute(stmt)}


# -- air --------------------------------------------------------------------------------------------


class SqlFlightRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, flight: Flight, at: datetime) -> None:
        self._s.add(
            FlightRow(
                id=flight.id,
                enterprise_id=flight.enterprise_id,
                flight_number=flight.flight_number,
                flight_date=flight.flight_date,
                origin=flight.origin,
                destination=flight.destination,
                created_at=at,
            )
        )
        _flush(self._s, f"flight {flight.flight_number} on {flight.flight_date}")
        self.save(flight)

    def _flight(self, row: FlightRow) -> Flight:
        flight = Flight(row.id, row.enterprise_id, row.flight_number, row.flight_date, row.origin, row.destination)
        loads = self._s.scalars(select(AwbLoadRow).where(AwbLoadRow.flight_id == row.id).order_by(AwbLoadRow.awb))
        flight.loads = {
            a.awb: AwbLoad(a.awb, a.pieces, Decimal(a.gross_weight_kg), Decimal(a.chargeable_weight_kg)) for a in loads
        }
        return flight

    def get(self, flight_id: str, for_update: bool = False) -> Flight | None:
        stmt = select(FlightRow).where(FlightRow.id == flight_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self._s.scalars(stmt).first()
        return self._flight(row) if row is not None else None

    def exists(self, flight_number: str, flight_date: date) -> bool:
        stmt = select(FlightRow.id).where(
            FlightRow.flight_number == flight_number, FlightRow.flight_date == flight_date
        )
        return self._s.scalars(stmt).first() is not None

    def save(self, flight: Flight) -> None:
        stored = {a.awb: a for a in self._s.scalars(select(AwbLoadRow).where(AwbLoadRow.flight_id == flight.id))}
        for awb, row in stored.items():
            if awb not in flight.loads:
                self._s.delete(row)
        for awb, load in flight.loads.items():
            if awb not in stored:
                self._s.add(
                    AwbLoadRow(
                        flight_id=flight.id,
                        awb=awb,
                        pieces=load.pieces,
                        gross_weight_kg=load.gross_weight_kg,
                        chargeable_weight_kg=load.chargeable_weight_kg,
                    )
                )
        self._s.flush()

    def list(self, enterprise_id: str | None, limit: int, offset: int) -> Sequence[Flight]:
        stmt = select(FlightRow).order_by(FlightRow.flight_date.desc(), FlightRow.id)
        if enterprise_id is not None:
            stmt = stmt.where(FlightRow.enterprise_id == enterprise_id)
        return [self._flight(r) for r in self._s.scalars(stmt.limit(limit).offset(offset))]

    def weights(self, years: tuple[int, int], enterprise_id: str | None) -> Sequence[FlightWeight]:
        """Per flight of the two years: date, gross kg and AWB count (summed in SQL)."""
        stmt = (
            select(
                FlightRow.flight_date,
                func.coalesce(func.sum(AwbLoadRow.gross_weight_kg), 0),
                func.count(AwbLoadRow.awb),
            )
            .select_from(FlightRow)
            .outerjoin(AwbLoadRow, AwbLoadRow.flight_id == FlightRow.id)
            .where(FlightRow.flight_date >= date(years[0], 1, 1), FlightRow.flight_date <= date(years[1], 12, 31))
            .group_by(FlightRow.id, FlightRow.flight_date)
        )
        if enterprise_id is not None:
            stmt = stmt.where(FlightRow.enterprise_id == enterprise_id)
        return [FlightWeight(d, Decimal(str(kg)), int(n)) for d, kg, n in self._s.execute(stmt)]


# -- mail -------------------------------------------------------------------------------------------


def _item(row: PostalItemRow) -> PostalItem:
    return PostalItem(
        row.item_id, row.receptacle_id, row.sender_country, row.addressee_country, ItemCategory(row.category),
        CustomsForm(row.form), Decimal(row.gross_weight_kg), row.currency,
        tuple(
            ContentLine(c["description"], int(c["quantity"]), Decimal(c["net_weight_kg"]), Decimal(c["value"]),
                        c["hs_code"], c["origin_country"])
            for c in row.contents
        ),
    )  # fmt: skip


class SqlMailRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _dispatch(self, row: MailDispatchRow) -> Dispatch:
        dispatch = Dispatch(row.id, row.enterprise_id, ensure_utc(row.received_at), state=DispatchState(row.state))
        rows = self._s.scalars(
            select(PostalItemRow).where(PostalItemRow.dispatch_id == row.id).order_by(PostalItemRow.item_id)
        )
        for r in rows:
            dispatch.items[r.item_id] = _item(r)
            if r.outcome is not None and r.decided_at is not None:
                dispatch.answers[r.item_id] = Answer(
                    r.item_id, Outcome(r.outcome), tuple(Reason(x["code"], x["text"]) for x in r.reasons or ()),
                    ensure_utc(r.decided_at), r.officer or "", r.rules_version or "",
                )  # fmt: skip
        return dispatch

    def get(self, dispatch_id: str, for_update: bool = False) -> Dispatch | None:
        stmt = select(MailDispatchRow).where(MailDispatchRow.id == dispatch_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self._s.scalars(stmt).first()
        return self._dispatch(row) if row is not None else None

    def add(self, dispatch: Dispatch) -> None:
        self._s.add(
            MailDispatchRow(
                id=dispatch.id,
                enterprise_id=dispatch.enterprise_id,
                state=dispatch.state.value,
                received_at=dispatch.received_at,
                cleared_at=None,
            )
        )
        _flush(self._s, f"dispatch {dispatch.id}")
        self.save(dispatch)

    def save(self, dispatch: Dispatch) -> None:
        row = self._s.get(MailDispatchRow, dispatch.id)
        if row is None:  # pragma: no cover - save follows get/add
            raise LookupError(f"dispatch {dispatch.id} is not stored")
        row.state = dispatch.state.value
        if dispatch.answers and row.cleared_at is None:
            row.cleared_at = max(a.decided_at for a in dispatch.answers.values())
        known_receptacles = set(
            self._s.scalars(select(MailReceptacleRow.id).where(MailReceptacleRow.dispatch_id == dispatch.id))
        )
        for receptacle in dispatch.receptacles:
            if receptacle not in known_receptacles:
                self._s.add(
                    MailReceptacleRow(
                        id=receptacle, dispatch_id=dispatch.id, weight_kg=receptacle_weight_kg(receptacle)
                    )
                )
        _flush(self._s, f"a receptacle of dispatch {dispatch.id}")
        stored = {
            r.item_id: r for r in self._s.scalars(select(PostalItemRow).where(PostalItemRow.dispatch_id == dispatch.id))
        }
        for item_id, item in dispatch.items.items():
            item_row = stored.get(item_id)
            if item_row is None:
                d = item.as_dict()
                item_row = PostalItemRow(
                    dispatch_id=dispatch.id, item_id=item_id, receptacle_id=item.receptacle_id,
                    sender_country=item.sender_country, addressee_country=item.addressee_country,
                    category=item.category.value, form=item.form.value, gross_weight_kg=item.gross_weight_kg,
                    currency=item.currency, contents=d["contents"],
                )  # fmt: skip
                self._s.add(item_row)
            answer = dispatch.answers.get(item_id)
            if answer is not None:
                item_row.outcome = answer.outcome.value
                item_row.reasons = [{"code": r.code, "text": r.text} for r in answer.reasons]
                item_row.decided_at = answer.decided_at
                item_row.officer = answer.officer
                item_row.rules_version = answer.rules_version
        _flush(self._s, f"an item of dispatch {dispatch.id}")

    def list(self, enterprise_id: str | None, limit: int, offset: int) -> Sequence[Dispatch]:
        stmt = select(MailDispatchRow).order_by(MailDispatchRow.received_at.desc(), MailDispatchRow.id)
        if enterprise_id is not None:
            stmt = stmt.where(MailDispatchRow.enterprise_id == enterprise_id)
        return [self._dispatch(r) for r in self._s.scalars(stmt.limit(limit).offset(offset))]

    def pending_dispatch_of(self, item_ids: Sequence[str]) -> dict[str, str]:
        """Item id -> the not yet cleared dispatch that already carries it."""
        found: dict[str, str] = {}
        for start in range(0, len(item_ids), 500):
            chunk = list(item_ids[start : start + 500])
            stmt = (
                select(PostalItemRow.item_id, PostalItemRow.dispatch_id)
                .join(MailDispatchRow, MailDispatchRow.id == PostalItemRow.dispatch_id)
                .where(PostalItemRow.item_id.in_(chunk), MailDispatchRow.state == DispatchState.RECEIVED.value)
            )
            found.update({str(item): str(dispatch) for item, dispatch in self._s.execute(stmt)})
        return found
