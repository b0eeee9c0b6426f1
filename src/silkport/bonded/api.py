"""HTTP API of bonded operations: warehouses, aircraft maintenance, aviation fuel, reports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from silkport.bonded import schemas as s
from silkport.bonded.domain.model import Category, CustomsStatus, MovementKind
from silkport.bonded.services import handlers
from silkport.bonded.services.handlers import BondedConfig
from silkport.bonded.services.ports import BondedUnitOfWork
from silkport.infra.web import CurrentActor, service

router = APIRouter(prefix="/api/v1/bonded", tags=["bonded"])


def _factory(request: Request) -> Callable[[], BondedUnitOfWork]:
    factory: Callable[[], BondedUnitOfWork] = request.app.state.services["bonded"]
    return factory


Uow = Annotated[BondedUnitOfWork, Depends(service("bonded"))]
Factory = Annotated[Callable[[], BondedUnitOfWork], Depends(_factory)]
Config = Annotated[BondedConfig, Depends(service("bonded_config"))]
Json = dict[str, Any]


def _csv(rows: list[dict[str, Any]], name: str) -> Response:
    buffer = io.StringIO()
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    writer = csv.DictWriter(buffer, fieldnames=columns or ["empty"])
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in row.items()})
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


Format = Annotated[str, Query(pattern="^(json|csv)$")]


# -- warehouses -------------------------------------------------------------------------------------------
@router.post("/lots", status_code=status.HTTP_201_CREATED)
def admit(body: s.AdmissionIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    """Admission under bond (or of domestic goods) at a site, linked to its bonded-entry declaration."""
    movement, lot = handlers.admit(
        uows,
        actor,
        config,
        handlers.Admission(
            site=body.site,
            declaration_ref=body.declaration_ref,
            hs_code=body.hs_code,
            description=body.description,
            origin=body.origin.upper(),
            unit=body.unit,
            quantity=body.quantity,
            value=body.value,
            currency=body.currency.upper(),
            owner=body.owner,
            category=Category(body.category),
            status=CustomsStatus(body.status),
            storage_days=body.storage_days,
            reexport_by=body.reexport_by,
            loss_allowance_pct=body.loss_allowance_pct,
            key=body.key,
        ),
    )
    return {"movement": s.movement_out(movement), "lot": s.lot_out(lot)}


@router.get("/lots")
def list_lots(uow: Uow, actor: CurrentActor) -> list[Json]:
    owner = handlers.visible_owner(actor)
    with uow:
        return [s.lot_out(lot) for lot in uow.bonded.list_lots(owner)]


@router.get("/lots/{lot_id}")
def get_lot(lot_id: str, uow: Uow, actor: CurrentActor) -> Json:
    lot, held = handlers.get_lot(uow, actor, lot_id)
    return s.lot_out(lot, held)


@router.post("/lots/{lot_id}/release")
def release_in_place(lot_id: str, body: s.ReleaseIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    """A whole bonded lot released for home consumption where it lies (status bonded -> duty_paid)."""
    return handlers.release_in_place(uows, actor, config, lot_id, body.declaration_ref)


@router.post("/lots/{lot_id}/category")
def set_category(lot_id: str, body: s.CategoryIn, uows: Factory, actor: CurrentActor) -> Json:
    """A repair's outcome: awaiting_repair -> repaired | unrepairable; removed_part -> unrepairable."""
    return handlers.set_category(uows, actor, lot_id, Category(body.category))


@router.post("/handling", status_code=status.HTTP_201_CREATED)
def handle(body: s.HandlingIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    """Repacking, splitting, labelling or processing: inputs consumed, output lots created."""
    movement, outputs = handlers.handle(
        uows,
        actor,
        config,
        handlers.Handling(
            site=body.site,
            operation=body.operation,
            inputs=tuple((x.lot, x.quantity) for x in body.inputs),
            outputs=tuple(handlers.HandlingOutput(o.quantity, o.description, o.hs_code, o.unit) for o in body.outputs),
            norm_id=body.norm_id,
            owner=body.owner,
            key=body.key,
        ),
    )
    return {"movement": s.movement_out(movement), "outputs": outputs}


@router.post("/transfers", status_code=status.HTTP_201_CREATED)
def transfer(body: s.TransferIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    m = handlers.transfer_stock(
        uows, actor, config, handlers.Transfer(body.from_site, body.to_site, body.pick(), body.owner, body.key)
    )
    return s.movement_out(m)


@router.post("/withdrawals", status_code=status.HTTP_201_CREATED)
def withdraw(body: s.WithdrawalIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    """Out of bond: re-export (nothing due) or home consumption (duty and taxes from the tariff)."""
    m = handlers.withdraw(
        uows,
        actor,
        config,
        handlers.Withdrawal(body.site, body.purpose, body.declaration_ref, body.pick(), body.owner, body.key),
    )
    return s.movement_out(m)


@router.post("/losses", status_code=status.HTTP_201_CREATED)
def report_loss(body: s.LossIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    return handlers.report_loss(
        uows, actor, config, site=body.site, lot_id=body.lot, quantity_=body.quantity, reason=body.reason
    )


@router.post("/losses/{loss_id}/decision")
def decide_loss(loss_id: str, body: s.DecisionIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    """Customs approves (within the allowance no duty; beyond it duty) or rejects a reported loss."""
    return handlers.decide_loss(uows, actor, config, loss_id, body.approve)


@router.post("/norms", status_code=status.HTTP_201_CREATED)
def register_norm(body: s.NormIn, uows: Factory, actor: CurrentActor) -> Json:
    """Customs registers a unit consumption (input per unit of output, allowed process loss %)."""
    return handlers.register_norm(
        uows,
        actor,
        owner=body.owner,
        name=body.name,
        input_per_output=body.input_per_output,
        allowed_loss_pct=body.allowed_loss_pct,
    )


@router.post("/stocktakes", status_code=status.HTTP_201_CREATED)
def stocktake(body: s.StocktakeIn, uows: Factory, config: Config, actor: CurrentActor) -> list[Json]:
    """A stocktake or cycle count of lots at a site: counted vs book; differences await customs."""
    return handlers.stocktake(
        uows,
        actor,
        config,
        site=body.site,
        counts=[(c.lot, c.counted) for c in body.counts],
        owner=body.owner,
        key=body.key,
    )


@router.post("/counts/{count_id}/decision")
def decide_count(count_id: str, body: s.CountDecisionIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    return handlers.decide_count(uows, actor, config, count_id, body.decision)


@router.get("/alerts")
def alerts(
    uow: Uow, config: Config, actor: CurrentActor, within_days: Annotated[int | None, Query(ge=0, le=3650)] = None
) -> list[Json]:
    """Open shortage alerts, storage limits and re-export deadlines due within ``within_days``."""
    return handlers.alerts(uow, actor, config, within_days)


@router.post("/alerts/{alert_id}/close")
def close_alert(alert_id: str, body: s.CloseAlertIn, uows: Factory, actor: CurrentActor) -> Json:
    return handlers.close_alert(uows, actor, alert_id, body.note)


# -- aircraft maintenance --------------------------------------------------------------------------------
@router.post("/work-orders", status_code=status.HTTP_201_CREATED)
def open_work_order(body: s.WorkOrderIn, uows: Factory, actor: CurrentActor) -> Json:
    return handlers.open_work_order(
        uows, actor, aircraft_registration=body.aircraft_registration, description=body.description, owner=body.owner
    )


@router.get("/work-orders/{wo_id}")
def get_work_order(wo_id: str, uow: Uow, actor: CurrentActor) -> Json:
    return handlers.work_order(uow, actor, wo_id)


@router.post("/work-orders/{wo_id}/draw", status_code=status.HTTP_201_CREATED)
def draw_parts(wo_id: str, body: s.DrawIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    """Parts drawn from bonded stock into the work order (duty stays suspended)."""
    return s.movement_out(
        handlers.draw_parts(uows, actor, config, wo_id, site=body.site, pick=body.pick(), key=body.key)
    )


@router.post("/work-orders/{wo_id}/fit", status_code=status.HTTP_201_CREATED)
def fit_parts(wo_id: str, body: s.FitIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    """Parts fitted: to a foreign-registered aircraft duty-free (re-export), to a domestic one with duty."""
    m = handlers.fit_parts(
        uows,
        actor,
        config,
        wo_id,
        lots=[(x.lot, x.quantity) for x in body.lots],
        declaration_ref=body.declaration_ref,
        key=body.key,
    )
    return s.movement_out(m)


@router.post("/work-orders/{wo_id}/removals", status_code=status.HTTP_201_CREATED)
def remove_part(wo_id: str, body: s.RemovalIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    """A part or scrap taken off the aircraft: a bonded lot to re-export or destroy, never to sell at home."""
    m, lot = handlers.remove_part(
        uows,
        actor,
        config,
        wo_id,
        site=body.site,
        description=body.description,
        hs_code=body.hs_code,
        quantity_=body.quantity,
        unit=body.unit,
        value=body.value,
        currency=body.currency.upper(),
        origin=body.origin.upper(),
        key=body.key,
    )
    return {"movement": s.movement_out(m), "lot": s.lot_out(lot)}


@router.post("/work-orders/{wo_id}/close")
def close_work_order(wo_id: str, uows: Factory, actor: CurrentActor) -> Json:
    return handlers.close_work_order(uows, actor, wo_id)


@router.post("/destructions", status_code=status.HTTP_201_CREATED)
def destroy(body: s.DestructionIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    m = handlers.destroy(
        uows,
        actor,
        config,
        site=body.site,
        lot_id=body.lot,
        quantity_=body.quantity,
        certificate_ref=body.certificate_ref,
        key=body.key,
    )
    return s.movement_out(m)


# -- aviation fuel --------------------------------------------------------------------------------------
@router.post("/fuel/receipts", status_code=status.HTTP_201_CREATED)
def fuel_receipt(body: s.FuelReceiptIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    """A delivery into a bonded tank, in litres at 15 degC, under the supplier's total-quantity control."""
    movement, lot = handlers.admit(
        uows,
        actor,
        config,
        handlers.Admission(
            site=body.tank,
            declaration_ref=body.delivery_ref,
            hs_code=body.hs_code,
            description=body.description,
            origin=body.origin.upper(),
            unit="LTR",
            quantity=s.litres_15c(body.litres_15c, body.observed_litres, body.temperature_c, body.density_15c),
            value=body.value,
            currency=body.currency.upper(),
            owner=body.owner,
            category=Category.FUEL,
            key=body.key,
            kind=MovementKind.FUEL_RECEIPT,
        ),
    )
    return {"movement": s.movement_out(movement), "lot": s.lot_out(lot)}


@router.post("/fuel/uplifts", status_code=status.HTTP_201_CREATED)
def uplift(body: s.UpliftIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    """Fuel into an aircraft: international departure duty-free, domestic with duty and taxes."""
    m = handlers.uplift(
        uows,
        actor,
        config,
        handlers.Uplift(
            tank=body.tank,
            airline_id=body.airline,
            flight_number=body.flight_number,
            aircraft_registration=body.aircraft_registration,
            next_airport=body.next_airport,
            quantity=body.litres_15c,
            owner=body.owner,
            key=body.key,
            density_15c=body.density_15c,
        ),
    )
    return s.movement_out(m)


@router.get("/fuel/declarations/{airline}/{month}", response_model=None)
def monthly_declaration(
    airline: str, month: str, uow: Uow, actor: CurrentActor, format: Format = "json"
) -> Json | Response:
    """The airline's consolidated declaration of a month's uplifts."""
    view = handlers.monthly_declaration(uow, actor, airline, month)
    if format == "csv":
        return _csv(view["uplifts"], f"uplifts-{airline}-{month}")
    return view


@router.post("/fuel/declarations/{airline}/{month}")
def declare_month(airline: str, month: str, body: s.MonthlyDeclarationIn, uows: Factory, actor: CurrentActor) -> Json:
    return handlers.declare_month(uows, actor, airline, month, body.declaration_ref)


@router.post("/fuel/readings", status_code=status.HTTP_201_CREATED)
def fuel_reading(body: s.ReadingIn, uows: Factory, config: Config, actor: CurrentActor) -> Json:
    """A daily dip or meter reading against the book (litres at 15 degC)."""
    return handlers.fuel_reading(
        uows,
        actor,
        config,
        tank=body.tank,
        day=body.day,
        measured=s.litres_15c(
            body.measured_litres_15c, body.observed_litres, body.temperature_c, body.density_15c, "measured_litres_15c"
        ),
        method=body.method,
        tolerance_pct=body.tolerance_pct,
        owner=body.owner,
    )


@router.get("/fuel/reconciliation", response_model=None)
def fuel_reconciliation(uow: Uow, actor: CurrentActor, day: date, format: Format = "json") -> Json | Response:
    view = handlers.fuel_reconciliation(uow, actor, day)
    if format == "csv":
        return _csv(view["readings"], f"fuel-{day.isoformat()}")
    return view


# -- movements and reports ------------------------------------------------------------------------------
@router.get("/movements", response_model=None)
def list_movements(
    uow: Uow,
    actor: CurrentActor,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    format: Format = "json",
) -> list[Json] | Response:
    """Movements with their declarations (and duty), oldest first."""
    rows = [s.movement_out(m) for m in handlers.list_movements(uow, actor, start, end, limit)]
    if format == "csv":
        return _csv(rows, "movements")
    return rows


@router.get("/movements/{movement_id}")
def get_movement(movement_id: str, uow: Uow, actor: CurrentActor) -> Json:
    return s.movement_out(handlers.get_movement(uow, actor, movement_id))


@router.get("/reports/statement", response_model=None)
def statement(
    uow: Uow,
    actor: CurrentActor,
    account: str,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    format: Format = "json",
) -> Json | Response:
    view = handlers.statement(uow, actor, account, start, end)
    if format == "csv":
        return _csv(view["lines"], "statement")
    return view


@router.get("/reports/stock", response_model=None)
def stock(
    uow: Uow,
    actor: CurrentActor,
    group_by: Annotated[list[str] | None, Query()] = None,
    format: Format = "json",
) -> list[Json] | Response:
    """Stock held in bond by status / owner / hs_code / site / category (repeat ``group_by``)."""
    rows = handlers.stock(uow, actor, group_by or ["status", "site"])
    return _csv(rows, "stock") if format == "csv" else rows


@router.get("/reports/ageing", response_model=None)
def ageing(uow: Uow, actor: CurrentActor, on: date | None = None, format: Format = "json") -> list[Json] | Response:
    rows = handlers.ageing(uow, actor, on)
    return _csv(rows, "ageing") if format == "csv" else rows


@router.get("/reports/reconciliation", response_model=None)
def reconciliation(
    uow: Uow,
    actor: CurrentActor,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    format: Format = "json",
) -> Json | Response:
    """Per lot and status: opening, receipts, transfers, removals, adjustments (reason codes), closing;
    counted vs book and the discrepancies awaiting a customs decision."""
    view = handlers.reconciliation(uow, actor, start, end)
    if format == "csv":
        return _csv(view["lines"], f"reconciliation-{start.isoformat()}-{end.isoformat()}")
    return view


@router.get("/check")
def check(uow: Uow, actor: CurrentActor) -> Json:
    """Every ledger invariant over the whole ledger (customs and admin): the problems found."""
    handlers.require(actor, handlers.CUSTOMS, "run the ledger check")
    problems = handlers.check_ledger(uow)
    return {"ok": not problems, "problems": problems}
