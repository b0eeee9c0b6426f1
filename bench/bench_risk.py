"""Risk assessments per second for a 5-item declaration against the shipped rulebooks, on one core.

The bench goal for validate + risk-assess + tax is 10,000 declarations/s (a 100 us budget), so the risk engine
should take a small share of it. Prints, measured in this run: declarations/s for a quiet declaration (nothing
fires but the credit grade), a busy one (watch list, valuation, mass, controlled goods with a licence, a new
trader, the model score all fire) and under the "before smart port" rulebook; and each rate as a ratio to
``json.loads`` of the same declaration's JSON (a machine-independent yardstick the clearance bench combines).

    .venv/bin/python bench/bench_risk.py [calls]
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from silkport.clearance.adapters.rulebook_file import load_shipped
from silkport.clearance.domain.model import (
    DeclarationContent,
    DeclarationType,
    Document,
    DocumentKind,
    GoodsItem,
    Incoterm,
    Party,
    TransportMode,
)
from silkport.clearance.domain.rules import RiskContext, Rulebook, TraderProfile, assess

GOAL_PER_SECOND = 10_000
D = Decimal

#: CNY per net kg (low, high) for the headings of the declarations below
VALUE_RANGES = {
    "8703": (D(30), D(2000)),
    "8471": (D(100), D(20000)),
    "2204": (D(10), D(800)),
    "6109": (D(20), D(400)),
    "0207": (D(8), D(60)),
    "3002": (D(100), D(1_000_000)),
}


def five_items(busy: bool) -> DeclarationContent:
    rows = [
        # hs, quantity, unit, net kg, gross kg, value USD, licences
        ("8703235010", "2", "H87", "2600", "2800", "60000.00" if not busy else "6000.00", ()),
        ("84713000", "100", "H87", "250", "300", "50000.00", ()),
        ("22042100", "900", "LTR", "950", "1100", "8000.00", ()),
        ("61091000", "5000", "H87", "1000", "1080", "12000.00", ()),
        (
            ("30021500", "20", "KGM", "20", "26", "9000.00", ("QZ-2025-0042",))
            if busy
            else ("02071400", "2000", "KGM", "2000", "2150", "16000.00", ())
        ),
    ]
    items = tuple(
        GoodsItem(hs, "goods", D(q), unit, D(gross), D(net), D(value), "CN", None, licences)
        for hs, q, unit, net, gross, value, licences in rows
    )
    return DeclarationContent(
        type=DeclarationType.EXPORT,
        declarant_id="ent-1",
        consignor=Party("Horgos Export Co.", "CN"),
        consignee=Party("Almaty Trading LLP", "KZ"),
        office_code="CNHGS",
        transport_mode=TransportMode.ROAD,
        transport_id="新F 12345",
        dispatch_country="CN",
        origin_country="CN",
        destination_country="KZ",
        loading_locode="CNHGS",
        unloading_locode="KZALA",
        incoterm=Incoterm.FCA,
        invoice_currency="USD",
        invoice_amount=sum((i.value for i in items), D(0)),
        freight=D("3500.00"),
        insurance=D(0),
        exchange_rate=D("7.1789"),
        exchange_rate_date=date(2025, 7, 10),
        items=items,
        documents=(Document(DocumentKind.INVOICE, "INV-2025-0001"),),
    )


def with_model(rulebook: Rulebook) -> Rulebook:
    """The rulebook with its learned-model slot switched on (as the next issue will)."""
    rules = tuple(dataclasses.replace(r, enabled=True) if r.kind == "model_score" else r for r in rulebook.rules)
    return dataclasses.replace(rulebook, version=rulebook.version + "+model", rules=rules)


def timed(fn: Callable[[], object], calls: int) -> float:
    """Calls per second of ``fn`` over ``calls`` calls (after a warm-up)."""
    for _ in range(min(calls, 1000)):
        fn()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return calls / (time.perf_counter() - start)


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    smart, manual = load_shipped("smart-port"), load_shipped("manual")
    quiet, busy = five_items(busy=False), five_items(busy=True)
    known = RiskContext(TraderProfile("ent-1", "general_certified", 400, 40, 1), VALUE_RANGES)
    newcomer = RiskContext(
        TraderProfile("ent-2", "general", 1, 0, 0),
        VALUE_RANGES,
        model_score=D("0.42"),
        model_version="gbm-2025.11",
        manifest_gross_kg=D("5000"),
    )
    smart_model = with_model(smart)
    text = json.dumps(dataclasses.asdict(quiet), default=str, ensure_ascii=False)

    for name, rb, content, ctx in (("quiet", smart, quiet, known), ("busy", smart_model, busy, newcomer)):
        result = assess("2025-HGS-000001", content, rb, ctx)
        fired = ", ".join(f"{f.rule_id} {f.contribution}" for f in result.fired)
        print(f"{name}: score {result.score}, lane {result.lane.value}; fired: {fired or 'nothing'}")

    baseline = timed(lambda: json.loads(text), calls)
    results = {
        "assess, quiet declaration, smart-port rulebook": timed(lambda: assess("D-1", quiet, smart, known), calls),
        "assess, busy declaration, smart-port + model": timed(
            lambda: assess("D-1", busy, smart_model, newcomer), calls
        ),
        "assess, quiet declaration, manual rulebook": timed(lambda: assess("D-1", quiet, manual, known), calls),
    }
    budget_us = 1e6 / GOAL_PER_SECOND
    print(f"\n{calls:,} calls each; json.loads of the declaration's JSON ({len(text)} chars): {baseline:,.0f}/s")
    for name, per_second in results.items():
        us = 1e6 / per_second
        print(
            f"{name:48s} {per_second:>10,.0f}/s  {us:6.1f} us  {us / budget_us:6.1%} of the {budget_us:.0f} us budget"
            f"  {baseline / per_second:5.2f} x json.loads"
        )


if __name__ == "__main__":
    main()
