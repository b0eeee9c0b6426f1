"""Value objects shared by every context."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from silkport.shared.clock import FixedClock, local
from silkport.shared.codes import is_country, is_currency, is_locode_shaped, normalise_locode
from silkport.shared.errors import ValidationFailed
from silkport.shared.money import Money, Quantity
from silkport.shared.paging import decode_cursor, encode_cursor

amounts = st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False, allow_infinity=False)


def test_money_refuses_floats_and_unknown_currencies() -> None:
    with pytest.raises(TypeError):
        Money(0.1, "CNY")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(Decimal(1), "XYZ1")
    with pytest.raises(ValueError, match="cannot combine"):
        Money(Decimal(1), "CNY") + Money(Decimal(1), "USD")


@given(amounts, amounts)
def test_money_addition_is_exact(a: Decimal, b: Decimal) -> None:
    total = Money(a, "CNY") + Money(b, "CNY")
    assert total.amount == a + b
    assert (total - Money(b, "CNY")).amount == a


def test_rounding_to_the_fen_is_half_up() -> None:
    assert Money(Decimal("1.005"), "CNY").rounded().amount == Decimal("1.01")
    assert Money(Decimal("-1.005"), "CNY").rounded().amount == Decimal("-1.01")


def test_quantities_keep_their_unit() -> None:
    assert (Quantity(Decimal("1.5"), "KGM") + Quantity(Decimal("2"), "KGM")).value == Decimal("3.5")
    with pytest.raises(ValueError):
        Quantity(Decimal(1), "KGM") + Quantity(Decimal(1), "LTR")


def test_codes_come_from_iso_lists() -> None:
    assert is_country("KZ") and is_country("CN") and not is_country("XX")
    assert is_currency("CNY") and is_currency("KZT") and not is_currency("RMB")


@given(st.sampled_from(["CNURC", "KZALA", "KGFRU"]), st.sampled_from(["", " ", "-"]), st.booleans())
def test_locode_spellings_normalise_to_one(code: str, sep: str, lower: bool) -> None:
    spelled = code[:2] + sep + code[2:]
    spelled = spelled.lower() if lower else spelled
    assert normalise_locode(spelled) == code
    assert is_locode_shaped(spelled)


def test_fixed_clock_moves_only_when_told_and_shows_urumqi_time() -> None:
    clock = FixedClock(datetime(2025, 1, 1, 0, 0, tzinfo=UTC))
    clock.advance(timedelta(hours=1))
    assert clock.now() == datetime(2025, 1, 1, 1, 0, tzinfo=UTC)
    assert local(clock.now()).hour == 7  # Asia/Urumqi is UTC+6
    with pytest.raises(ValueError):
        FixedClock(datetime(2025, 1, 1))


@given(st.lists(st.one_of(st.text(max_size=20), st.integers()), min_size=1, max_size=3))
def test_cursors_round_trip(values: list[object]) -> None:
    assert decode_cursor(encode_cursor(values), len(values)) == values


def test_a_forged_cursor_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed):
        decode_cursor("not-a-cursor!!", 2)
