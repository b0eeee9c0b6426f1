"""Duty assessments per second for a 5-item declaration against the sample tariff, on one core.

The bench goal for validate + risk-assess + tax is 10,000 declarations/s, so taxing should take a small
share of the 100 us budget. Prints the rates and the share of that budget, measured in this run.

    .venv/bin/python bench/bench_duties.py [seconds]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from silkport.clearance.adapters.tariff_csv import sample_exchange_rates, sample_tariff
from silkport.clearance.domain.duties import assess_duties, check_exchange_rate
from silkport.clearance.domain.model import (
    DeclarationContent,
    DeclarationType,
    GoodsItem,
    Incoterm,
    Party,
    TransportMode,
)

GOAL_PER_SECOND = 10_000


def five_items(incoterm: Incoterm = Incoterm.FCA) -> DeclarationContent:
    rows = [
        ("8703235010", "2", "H87", "60000.00", "DE", None),  # car: duty, excise, VAT
        ("84713000", "100", "H87", "50000.00", "CN", None),  # laptops: 0% duty, VAT
        ("22042100", "900", "LTR", "8000.00", "GE", "CN-GE"),  # wine: preference accepted, excise
        ("24022000", "10000", "NAR", "6000.00", "KR", "APTA"),  # cigarettes: compound excise, claim refused
        ("02071400", "2000", "KGM", "16000.00", "BR", None),  # fowl cuts: specific duty
    ]
    items = tuple(
        GoodsItem(hs, "goods", Decimal(q), unit, Decimal(q), Decimal(q), Decimal(value), origin, preference)
        for hs, q, unit, value, origin, preference in rows
    )
    return DeclarationContent(
        type=DeclarationType.IMPORT,
        declarant_id="ent-1",
        consignor=Party("Almaty Trading LLP", "KZ"),
        consignee=Party("Horgos Import Co.", "CN"),
        office_code="CNHGS",
        transport_mode=TransportMode.ROAD,
        transport_id="KZ 123 ABC",
        dispatch_country="KZ",
        origin_country="DE",
        destination_country="CN",
        loading_locode="KZALA",
        unloading_locode="CNHGS",
        incoterm=incoterm,
        invoice_currency="USD",
        invoice_amount=sum((i.value for i in items), Decimal(0)),
        freight=Decimal("3500.00"),
        insurance=Decimal(0),
        exchange_rate=Decimal("7.1789"),
        exchange_rate_date=date(2025, 7, 10),
        items=items,
    )


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds`` (after a warm-up)."""
    for _ in range(200):
        fn()
    n, batch = 0, 1000
    start = time.perf_counter()
    while True:
        for _ in range(batch):
            fn()
        n += batch
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    schedule = sample_tariff()
    rates = sample_exchange_rates()
    fca = five_items(Incoterm.FCA)
    cif = five_items(Incoterm.CIF)
    assessment = assess_duties(fca, schedule)
    print(f"5-item declaration ({fca.incoterm}): total {assessment.total} CNY, {assessment.totals}")
    results = {
        "assess_duties, FCA (freight + 0.3% insurance added)": rate(lambda: assess_duties(fca, schedule), seconds),
        "assess_duties, CIF": rate(lambda: assess_duties(cif, schedule), seconds),
        "check_exchange_rate": rate(lambda: check_exchange_rate(fca, rates), seconds),
        "5 tariff lookups": rate(lambda: [schedule.lookup(i.hs_code) for i in fca.items], seconds),
    }
    budget_us = 1e6 / GOAL_PER_SECOND
    for name, per_second in results.items():
        us = 1e6 / per_second
        print(
            f"{name:55s} {per_second:>10,.0f}/s  {us:7.1f} us  {us / budget_us:6.1%} of the {budget_us:.0f} us budget"
        )


if __name__ == "__main__":
    main()
