"""Money and quantities: Decimal with an explicit currency or unit, never float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from silkport.shared.codes import is_currency


def to_decimal(value: object, what: str = "amount") -> Decimal:
    """Decimal from str/int/Decimal; floats are refused so binary rounding never sneaks in."""
    if isinstance(value, (bool, float)):
        raise TypeError(f"{what} must be a Decimal, int or numeric string, not {type(value).__name__}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except InvalidOperation as exc:
            raise ValueError(f"{what} {value!r} is not a number") from exc
    else:
        raise TypeError(f"{what} must be a Decimal, int or numeric string")
    if not result.is_finite():
        raise ValueError(f"{what} must be finite")
    return result


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        if not is_currency(self.currency):
            raise ValueError(f"{self.currency!r} is not an ISO 4217 currency code")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def rounded(self, places: int = 2) -> Money:
        """Rounded half-up to ``places`` decimals (2 = the fen for CNY)."""
        quantum = Decimal(1).scaleb(-places)
        return Money(self.amount.quantize(quantum, rounding=ROUND_HALF_UP), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


@dataclass(frozen=True, slots=True)
class Quantity:
    """An amount of something in a UN/ECE Recommendation 20 unit (e.g. KGM, LTR, H87)."""

    value: Decimal
    unit: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", to_decimal(self.value, "quantity"))
        if not self.unit or not self.unit.isalnum() or len(self.unit) > 3:
            raise ValueError(f"{self.unit!r} is not a UN/ECE Rec. 20 unit code")

    def __add__(self, other: Quantity) -> Quantity:
        if other.unit != self.unit:
            raise ValueError(f"cannot add {other.unit} to {self.unit}")
        return Quantity(self.value + other.value, self.unit)

    def __str__(self) -> str:
        return f"{self.value} {self.unit}"
