"""What the duty engine keeps to go fast never changes an answer: the tariff's lookup memo gives the
longest-prefix line a fresh walk gives, and the item taxes built positionally keep their fields in order."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from silkport.clearance.domain.duties import ItemTaxes, TariffLine, TariffSchedule

LINES = [
    TariffLine("8471", "computers", Decimal(0)),
    TariffLine("847130", "portable computers", Decimal(0)),
    TariffLine("87032310", "cars 1.5-2 l", Decimal(15), excise_rate=Decimal(5)),
    TariffLine("8703231090", "other cars 1.5-2 l", Decimal(15), excise_rate=Decimal(9)),
    TariffLine("2204", "wine", Decimal(14)),
]


def walk(hs_code: str) -> TariffLine | None:
    """The longest prefix of ``hs_code`` among the lines, found the slow, obvious way."""
    best = None
    for line in LINES:
        if hs_code.startswith(line.hs_prefix) and (best is None or len(line.hs_prefix) > len(best.hs_prefix)):
            best = line
    return best


codes = st.one_of(
    st.sampled_from(["847130", "84713000", "847150", "8703231090", "8703231010", "87032310", "220421", "0101"]),
    st.text(alphabet="0123456789", min_size=0, max_size=10),
)


@settings(max_examples=200, deadline=None)
@given(queries=st.lists(codes, max_size=40))
def test_the_memo_answers_as_a_fresh_walk(queries: list[str]) -> None:
    schedule = TariffSchedule(LINES)
    for code in queries * 2:  # asked twice: the second answer comes from the memo
        assert schedule.lookup(code) is walk(code)


def test_the_item_taxes_fields_are_in_the_order_the_engine_builds_them() -> None:
    assert ItemTaxes._fields == (
        "item",
        "hs_code",
        "customs_value",
        "basis",
        "tariff_line",
        "agreement",
        "duty_rate",
        "duty_specific",
        "duty_unit",
        "duty",
        "excise_rate",
        "excise_specific",
        "excise_unit",
        "excise",
        "vat_rate",
        "vat",
        "export_rate",
        "export_duty",
        "notes",
    )
