"""Pydantic models of the bonded HTTP API (quantities and amounts as decimal strings or integers, never floats)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from silkport.bonded.domain.model import Category, CustomsStatus, Lot, Movement, litres_at_15c, quantity
from silkport.bonded.services.handlers import Pick
from silkport.shared.errors import FieldError, ValidationFailed
from silkport.shared.money import to_decimal

Number = str | int  # "12.500" or 12; a JSON float is refused (binary rounding never enters the ledger)


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LotQty(In):
    lot: str = Field(min_length=1, max_length=32)
    quantity: Number


class PickIn(In):
    lots: list[LotQty] = Field(default_factory=list, max_length=500)
    quantity: Number | None = None
    hs_code: str | None = Field(default=None, max_length=10)

    def pick(self) -> Pick:
        return Pick(tuple((x.lot, x.quantity) for x in self.lots), self.quantity, self.hs_code)


class AdmissionIn(In):
    owner: str | None = Field(default=None, max_length=32)
    site: str = Field(max_length=64)
    declaration_ref: str = Field(max_length=64, description="the bonded-entry declaration that admits the goods")
    hs_code: str = Field(max_length=10)
    description: str = Field(max_length=300)
    origin: str = Field(min_length=2, max_length=2)
    unit: str = Field(max_length=3, description="UN/ECE Rec. 20 code (KGM, LTR, H87...)")
    quantity: Number
    value: Number
    currency: str = Field(min_length=3, max_length=3)
    category: Literal["goods", "awaiting_repair", "repair_material"] = "goods"
    status: Literal["bonded", "domestic"] = "bonded"
    storage_days: int | None = None
    reexport_by: date | None = None
    loss_allowance_pct: Number = "0"
    key: str | None = Field(default=None, max_length=100, description="movement key: a repeat is a no-op")


class FuelReceiptIn(In):
    owner: str | None = Field(default=None, max_length=32)
    tank: str = Field(max_length=64, description="PORT/TANK, e.g. URC-AIR/T1")
    delivery_ref: str = Field(max_length=64, description="the bonded-entry declaration of the delivery")
    litres_15c: Number | None = None
    observed_litres: Number | None = Field(default=None, description="with temperature_c and density_15c")
    temperature_c: Number | None = None
    density_15c: Number | None = Field(default=None, description="kg/m3 at 15 degC (jet fuel 787.5-838.5)")
    value: Number
    currency: str = Field(min_length=3, max_length=3)
    origin: str = Field(min_length=2, max_length=2)
    hs_code: str = Field(default="27101911", max_length=10)
    description: str = Field(default="Aviation kerosene (Jet A-1)", max_length=300)
    key: str | None = Field(default=None, max_length=100)


class OutputIn(In):
    quantity: Number
    description: str | None = Field(default=None, max_length=300)
    hs_code: str | None = Field(default=None, max_length=10)
    unit: str | None = Field(default=None, max_length=3)


class HandlingIn(In):
    owner: str | None = Field(default=None, max_length=32)
    site: str = Field(max_length=64)
    operation: str = Field(max_length=16)
    inputs: list[LotQty] = Field(max_length=100)
    outputs: list[OutputIn] = Field(max_length=100)
    norm_id: str | None = Field(default=None, max_length=32)
    key: str | None = Field(default=None, max_length=100)


class TransferIn(PickIn):
    owner: str | None = Field(default=None, max_length=32)
    from_site: str = Field(max_length=64)
    to_site: str = Field(max_length=64)
    key: str | None = Field(default=None, max_length=100)


class WithdrawalIn(PickIn):
    owner: str | None = Field(default=None, max_length=32)
    site: str = Field(max_length=64)
    purpose: Literal["re_export", "home_consumption"]
    declaration_ref: str = Field(max_length=64)
    key: str | None = Field(default=None, max_length=100)


class ReleaseIn(In):
    declaration_ref: str = Field(max_length=64)


class LossIn(In):
    site: str = Field(max_length=64)
    lot: str = Field(max_length=32)
    quantity: Number
    reason: str = Field(max_length=500)


class DecisionIn(In):
    approve: bool


class NormIn(In):
    owner: str = Field(max_length=32)
    name: str = Field(max_length=200)
    input_per_output: Number
    allowed_loss_pct: Number


class CountIn(In):
    lot: str = Field(max_length=32)
    counted: Number


class StocktakeIn(In):
    owner: str | None = Field(default=None, max_length=32)
    site: str = Field(max_length=64)
    counts: list[CountIn] = Field(max_length=5000)
    key: str | None = Field(default=None, max_length=32, description="32 hex digits: a repeat records nothing")


class CountDecisionIn(In):
    decision: Literal["write_off", "correction"]


class CloseAlertIn(In):
    note: str = Field(max_length=500)


class WorkOrderIn(In):
    owner: str | None = Field(default=None, max_length=32)
    aircraft_registration: str = Field(max_length=16)
    description: str = Field(max_length=500)


class DrawIn(PickIn):
    site: str = Field(max_length=64)
    key: str | None = Field(default=None, max_length=100)


class FitIn(In):
    lots: list[LotQty] = Field(max_length=500)
    declaration_ref: str = Field(max_length=64)
    key: str | None = Field(default=None, max_length=100)


class RemovalIn(In):
    site: str = Field(max_length=64)
    description: str = Field(max_length=300)
    hs_code: str = Field(max_length=10)
    quantity: Number
    unit: str = Field(max_length=3)
    value: Number
    currency: str = Field(min_length=3, max_length=3)
    origin: str = Field(min_length=2, max_length=2)
    key: str | None = Field(default=None, max_length=100)


class CategoryIn(In):
    category: Literal["repaired", "unrepairable"]


class DestructionIn(In):
    site: str = Field(max_length=64)
    lot: str = Field(max_length=32)
    quantity: Number
    certificate_ref: str = Field(max_length=64)
    key: str | None = Field(default=None, max_length=100)


class UpliftIn(In):
    owner: str | None = Field(default=None, max_length=32)
    tank: str = Field(max_length=64)
    airline: str = Field(max_length=32)
    flight_number: str = Field(max_length=10)
    aircraft_registration: str = Field(max_length=16)
    next_airport: str = Field(max_length=5, description="UN/LOCODE of the next airport")
    litres_15c: Number
    density_15c: Number | None = Field(default=None, description="kg/m3 at 15 degC from the delivery ticket")
    key: str | None = Field(default=None, max_length=100)


class MonthlyDeclarationIn(In):
    declaration_ref: str = Field(max_length=64)


class ReadingIn(In):
    owner: str | None = Field(default=None, max_length=32)
    tank: str = Field(max_length=64)
    day: date
    measured_litres_15c: Number | None = None
    observed_litres: Number | None = None
    temperature_c: Number | None = None
    density_15c: Number | None = None
    method: Literal["dip", "meter"]
    tolerance_pct: Number | None = None


def litres_15c(
    stated: Number | None,
    observed: Number | None,
    temperature: Number | None,
    density: Number | None,
    field: str = "litres_15c",
) -> Any:
    """Litres at 15 degC as stated, or corrected from observed litres, temperature and density (Table 54B)."""
    observed_given = [v is not None for v in (observed, temperature, density)]
    if stated is not None and not any(observed_given):
        return stated
    if stated is None and all(observed_given):
        return litres_at_15c(
            quantity(observed, "observed_litres"),
            to_number(temperature, "temperature_c"),
            to_number(density, "density_15c"),
        )
    raise ValidationFailed(FieldError(field, f"give {field}, or observed_litres with temperature_c and density_15c"))


def to_number(value: object, field: str) -> Decimal:
    try:
        return to_decimal(value, field)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(FieldError(field, str(exc))) from exc


def lot_out(lot: Lot, held: list[tuple[str, Decimal]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": lot.id,
        "owner": lot.owner_id,
        "status": lot.status.value,
        "category": lot.category.value,
        "hs_code": lot.hs_code,
        "description": lot.description,
        "origin": lot.origin,
        "unit": lot.unit,
        "quantity": str(lot.quantity),
        "value": str(lot.value),
        "currency": lot.currency,
        "declaration_ref": lot.declaration_ref,
        "admitted_at": lot.admitted_at.isoformat(),
        "expires_on": lot.expires_on.isoformat() if lot.expires_on else None,
        "reexport_by": lot.reexport_by.isoformat() if lot.reexport_by else None,
        "loss_allowance_pct": str(lot.loss_allowance_pct),
        "parent": lot.parent_id,
    }
    if held is not None:
        out["balances"] = {account: str(q) for account, q in held}
    return out


def movement_out(m: Movement) -> dict[str, Any]:
    from silkport.bonded.services.handlers import movement_view

    return movement_view(m)


__all__ = ["Category", "CustomsStatus"]
