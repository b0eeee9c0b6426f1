"""In-process clearance engine vs decoding the same declaration from JSON, on one core, measured side by side.

Goal (the clearance issue): validate + risk-assess + tax a 5-item declaration at >= 10,000 declarations/s on
one core, in <= 3x the time it takes merely to decode that declaration from JSON.

What is timed, per call, on the same 5-item import declaration (the shape of ``tests/factories.py``):

``json.loads``
    the JSON text to a dict (printed as a machine-independent yardstick).
``decode`` -- the baseline of the ratio
    ``json.loads`` + pydantic ``DeclarationIn.model_validate`` + ``to_content``: what the API does to a body
    before the engine sees it.
``engine``
    ``validate`` (a ``ClearanceReference`` built exactly as ``Platform.clearance_config()`` builds it:
    the HS 2022 lookup, the zone's offices read from a migrated database, Rec. 20 units, the controlled
    headings of the shipped rulebook; reference data loaded before timing) + ``assess`` with the shipped
    smart-port rulebook + ``assess_duties`` with the sample tariff. Each stage is also timed alone, and so is
    ``handlers.check`` (validate + the exchange-rate check that lodging runs) for information.

The rows are measured in interleaved rounds (every round times each row once, in a rotating order) and the
median round is reported, so a slow moment of the machine hits every row alike.

    .venv/bin/python bench/bench_clearance.py [--rounds 11] [--seconds 0.25] [--profile]

``--profile`` adds a cProfile of the engine: where its time goes, by function.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform as pyplatform
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from silkport.bootstrap import bootstrap
from silkport.clearance.adapters.rulebook_file import default_rulebook
from silkport.clearance.domain.duties import assess_duties
from silkport.clearance.domain.model import DeclarationContent
from silkport.clearance.domain.rules import RiskContext, TraderProfile, assess
from silkport.clearance.domain.validation import validate
from silkport.clearance.schemas import DeclarationIn
from silkport.clearance.services import handlers
from silkport.entrypoints.cli.setup import migrate_and_seed
from silkport.infra.settings import Settings

GOAL_PER_SECOND = 10_000
GOAL_RATIO = 3.0
DECLARANT = "0b5f1c2e9a4d4f7e8c3b2a1d0e9f8a7b"


def item(hs: str, description: str, quantity: str, unit: str, gross: str, net: str, value: str, origin: str) -> dict:
    return {
        "hs_code": hs,
        "description": description,
        "quantity": quantity,
        "unit": unit,
        "gross_mass_kg": gross,
        "net_mass_kg": net,
        "value": value,
        "origin_country": origin,
    }


def five_item_declaration() -> dict[str, Any]:
    """An import by road from Almaty through the Horgos highway port: 5 items, every one in the sample tariff."""
    items = [
        item("847130", "Portable computers, 14-inch", "200", "H87", "520.0", "400.0", "60000.00", "CN"),
        item("851713", "Smartphones, 6.1-inch", "500", "H87", "160.0", "110.0", "90000.00", "VN"),
        item("401110", "New pneumatic tyres for passenger cars", "400", "H87", "4200.0", "4000.0", "24000.00", "KZ"),
        item("610910", "T-shirts of cotton, knitted", "3000", "H87", "640.0", "600.0", "9000.00", "PK"),
        item("220421", "Red wine in 0.75 l bottles", "1800", "LTR", "2900.0", "1850.0", "12000.00", "GE"),
    ]
    return {
        "type": "import",
        "declarant": DECLARANT,
        "lrn": "HRS-2025-000001",
        "consignor": {"name": "Almaty Electronics LLP", "country": "KZ", "identifier": "KZ-BIN-120340012345"},
        "consignee": {"name": "Horgos Silk Road Trading Co., Ltd.", "country": "CN"},
        "office": "HRS-ROAD",
        "transport_mode": "road",
        "transport_id": "KZ 123 ABC 02",
        "dispatch_country": "KZ",
        "origin_country": "CN",
        "destination_country": "CN",
        "loading_locode": "KZALA",
        "unloading_locode": "CNHRS",
        "incoterm": "CIF",
        "invoice_currency": "USD",
        "invoice_amount": "195000.00",
        "freight": "0",
        "insurance": "0",
        "exchange_rate": "7.1789",  # the customs rate in force (sample table), so no warning
        "exchange_rate_date": "2025-09-01",
        "items": items,
        "documents": [{"kind": "invoice", "reference": "INV-2025-0901"}],
        "containers": [],
    }


#: what a round is timed with: wall time (``perf_counter``) or this thread's CPU time (``--clock cpu``: on a
#: machine shared with other work, the time the process waited for a core does not count)
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.thread_time}
_clock = time.perf_counter


def per_call_seconds(fn: Callable[[], object], calls: int) -> float:
    start = _clock()
    for _ in range(calls):
        fn()
    return (_clock() - start) / calls


def calibrate(fn: Callable[[], object], seconds: float) -> int:
    """How many calls of ``fn`` take about ``seconds`` (after a warm-up)."""
    for _ in range(200):
        fn()
    return max(100, int(seconds / per_call_seconds(fn, 2000)))


def machine() -> str:
    model = "unknown CPU"
    with Path("/proc/cpuinfo").open(encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{model}, nproc {os.cpu_count()}, Python {pyplatform.python_version()} ({sys.implementation.name}), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=11, help="interleaved rounds (the median is reported)")
    parser.add_argument("--seconds", type=float, default=0.25, help="time per row per round")
    parser.add_argument("--profile", action="store_true", help="cProfile the engine afterwards")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="time with the wall clock or with this thread's CPU time (steadier on a shared, loaded machine)",
    )
    parser.add_argument(
        "--models",
        type=Path,
        default=None,
        help="a folder of trained risk models (silkport risk train): also time the engine with the learned score",
    )
    args = parser.parse_args()
    global _clock
    _clock = CLOCKS[args.clock]
    console = Console(width=None if Console().is_terminal else 130)

    # the configuration the composition root builds, from a freshly migrated database
    with tempfile.TemporaryDirectory(prefix="silkport-bench-") as tmp:
        platform = bootstrap(Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}"), fast_hashing=True)
        migrate_and_seed(platform)
        config = platform.clearance_config()
        platform.dispose()
    reference, tariff, threshold = config.reference, config.tariff, config.duty_threshold
    rulebook = default_rulebook()
    # an established trader of the zone: general credit grade, a clean record of inspections
    ctx = RiskContext(TraderProfile(DECLARANT, "general", 120, 12, 0), config.value_ranges)

    text = json.dumps(five_item_declaration(), ensure_ascii=False)

    def loads() -> object:
        return json.loads(text)

    def decode() -> DeclarationContent:
        body = DeclarationIn.model_validate(json.loads(text))
        return body.to_content(body.declarant or "")

    content = decode()

    def validate_only() -> object:
        return validate(content, reference)

    def assess_only() -> object:
        return assess("d2c5a3e4b1f04e6a9c8d7b6a5f4e3d2c", content, rulebook, ctx)

    def duties_only() -> object:
        return assess_duties(content, tariff, threshold=threshold)

    def check_as_lodged() -> object:  # what lodging runs today instead of bare validate (for information)
        return handlers.check(content, config)

    def engine() -> object:
        validate(content, reference)
        assess("d2c5a3e4b1f04e6a9c8d7b6a5f4e3d2c", content, rulebook, ctx)
        return assess_duties(content, tariff, threshold=threshold)

    def decode_and_engine() -> object:
        body = DeclarationIn.model_validate(json.loads(text))
        c = body.to_content(body.declarant or "")
        validate(c, reference)
        assess("d2c5a3e4b1f04e6a9c8d7b6a5f4e3d2c", c, rulebook, ctx)
        return assess_duties(c, tariff, threshold=threshold)

    # what the engine says of this declaration (and it must be valid, or we would time the error path)
    checked = validate(content, reference)
    if checked.errors:
        raise SystemExit(f"the bench declaration is invalid: {checked.errors}")
    risk = assess("d2c5a3e4b1f04e6a9c8d7b6a5f4e3d2c", content, rulebook, ctx)
    taxes = assess_duties(content, tariff, threshold=threshold)
    console.print(f"[bold]machine[/bold]: {machine()}; load average {os.getloadavg()[0]:.2f}; clock: {args.clock}")
    console.print(
        f"declaration: 5 items, {len(text)} chars of JSON; valid ({len(checked.warnings)} warnings); "
        f"rulebook {risk.rulebook_version}: score {risk.score}, lane {risk.lane.value}, "
        f"fired {[f.rule_id for f in risk.fired] or 'nothing'}; taxes {taxes.total} CNY; "
        f"value ranges shipped: {len(config.value_ranges)}"
    )

    model = None
    if args.models is not None:
        from silkport.riskmodel.service import ZoneRiskModel

        model = ZoneRiskModel.load(args.models, 0.05, tariff)
        if model is None:
            raise SystemExit(f"no trained model under {args.models}: run `silkport risk train` first")
    day = date(2025, 9, 1)

    def engine_with_model() -> object:
        validate(content, reference)
        assert model is not None
        scored = model.score("d2c5a3e4b1f04e6a9c8d7b6a5f4e3d2c", content, day)
        model_ctx = RiskContext(ctx.trader, ctx.value_ranges, scored.score, scored.version)
        result = assess("d2c5a3e4b1f04e6a9c8d7b6a5f4e3d2c", content, rulebook, model_ctx)
        model.threshold(scored.score, forced_red=result.lane.value == "red")
        return assess_duties(content, tariff, threshold=threshold)

    def model_only() -> object:
        assert model is not None
        scored = model.score("d2c5a3e4b1f04e6a9c8d7b6a5f4e3d2c", content, day)
        return model.threshold(scored.score, forced_red=False)

    rows: dict[str, Callable[[], object]] = {
        "json.loads": loads,
        "decode = json.loads + DeclarationIn + to_content": decode,
        "  validate": validate_only,
        "  assess (risk, smart-port rulebook)": assess_only,
        "  assess_duties (sample tariff)": duties_only,
        "  (handlers.check: validate + exchange-rate check)": check_as_lodged,
        "engine = validate + assess + assess_duties": engine,
        "decode + engine (JSON text to taxes)": decode_and_engine,
    }
    if model is not None:
        rows["  learned score and budget alone"] = model_only
        rows[f"engine + learned score and budget ({model.version})"] = engine_with_model
    calls = {name: calibrate(fn, args.seconds) for name, fn in rows.items()}
    samples: dict[str, list[float]] = {name: [] for name in rows}
    names = list(rows)
    for r in range(args.rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            samples[name].append(per_call_seconds(rows[name], calls[name]))
    median = {name: statistics.median(s) for name, s in samples.items()}

    base = median["decode = json.loads + DeclarationIn + to_content"]
    plain = median["json.loads"]
    table = Table(
        title=f"5-item declaration, one core, median of {args.rounds} interleaved rounds (baseline: decode)",
        title_justify="left",
    )
    for col in ("what", "decl/s", "µs each", "spread µs (min-max)", "x decode", "x json.loads"):
        table.add_column(col, justify="left" if col == "what" else "right")
    for name in rows:
        us = median[name] * 1e6
        spread = f"{min(samples[name]) * 1e6:.1f}-{max(samples[name]) * 1e6:.1f}"
        table.add_row(
            name,
            f"{1 / median[name]:,.0f}",
            f"{us:.1f}",
            spread,
            f"{median[name] / base:.2f}",
            f"{median[name] / plain:.1f}",
        )
    console.print(table)

    engine_s = median["engine = validate + assess + assess_duties"]
    rate_ok = 1 / engine_s >= GOAL_PER_SECOND
    ratio_ok = engine_s / base <= GOAL_RATIO
    verdict = Table(title="goals", title_justify="left")
    for col in ("goal", "measured", "met"):
        verdict.add_column(col)
    verdict.add_row(f">= {GOAL_PER_SECOND:,} declarations/s (engine)", f"{1 / engine_s:,.0f}/s", _yes(rate_ok))
    verdict.add_row(
        f"engine <= {GOAL_RATIO:g}x decode",
        f"{engine_s / base:.2f}x decode ({engine_s / plain:.1f}x plain json.loads)",
        _yes(ratio_ok),
    )
    if model is not None:
        with_model = median[f"engine + learned score and budget ({model.version})"]
        verdict.add_row(
            f">= {GOAL_PER_SECOND:,} declarations/s (engine + learned score)",
            f"{1 / with_model:,.0f}/s",
            _yes(1 / with_model >= GOAL_PER_SECOND),
        )
    console.print(verdict)
    console.print(f"load average at the end: {os.getloadavg()[0]:.2f}")

    if args.profile:
        if model is not None:
            name = f"engine + learned score and budget ({model.version})"
            profile(engine_with_model, calls[name] * 4, console, name)
        else:
            profile(engine, calls["engine = validate + assess + assess_duties"] * 4, console, "the engine")


def _yes(ok: bool) -> str:
    return "[green]yes[/green]" if ok else "[red]no[/red]"


def profile(fn: Callable[[], object], calls: int, console: Console, what: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(key).print_stats(22)
        console.print(f"\n[bold]cProfile of {what}, {calls:,} calls, by {key}[/bold] (times include cProfile's own)")
        lines = out.getvalue().splitlines()
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        console.print("\n".join(lines[start:]), markup=False, highlight=False)


if __name__ == "__main__":
    main()
