"""The calibrated demo zone, built at the test suite's tiny scale through the services, read back through them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest

from silkport.bootstrap import Platform, bootstrap
from silkport.clearance.domain.model import Declaration, DeclarationType, Stage, Status
from silkport.clearance.services import handlers as clearance
from silkport.clearance.services.ports import DeclarationFilter
from silkport.disputes.services import handlers as disputes
from silkport.disputes.services.ports import DisputesUnitOfWork
from silkport.enterprises.services import handlers as enterprises
from silkport.enterprises.services.ports import EnterpriseFilter
from silkport.entrypoints.cli.demo_zone import SWITCH, DemoExists, build_demo, existing_demo
from silkport.entrypoints.cli.setup import migrate_and_seed
from silkport.infra.audit import verify_chain
from silkport.infra.settings import Settings
from silkport.logistics.domain.consignment import Status as ConsignmentStatus
from silkport.logistics.domain.vehicles import CountBy
from silkport.logistics.services import handlers as logistics
from silkport.logistics.services import modes
from silkport.logistics.services.ports import ConsignmentFilter
from silkport.shared.actor import Actor, Role
from silkport.shared.clock import FixedClock
from silkport.transit.services import handlers as transit

ANALYST = Actor("u-analyst", "analyst", Role.ANALYST)
OFFICER = Actor("u-officer", "officer", Role.CUSTOMS_OFFICER, office_code="KSS-TIR")


def _declarations(platform: Platform) -> list[Declaration]:
    out: list[Declaration] = []
    cursor: str | None = None
    while True:
        page = clearance.list_declarations(platform.clearance_uow(), ANALYST, DeclarationFilter(), cursor, 500)
        out += page.items
        cursor = page.next_cursor
        if cursor is None:
            return out


def test_the_demo_zone_is_consistent_deterministic_and_built_once(
    platform: Platform, clock: FixedClock, tmp_path: Path
) -> None:
    summary, built = build_demo(platform, clock, "test", seed=7)
    assert built
    counts, figures = summary.counts, summary.figures

    # what the services read back is what the generator says it made
    assert (
        enterprises.count_enterprises(platform.enterprises_uow(), ANALYST, EnterpriseFilter()) == counts["enterprises"]
    )
    by_area = {
        area: enterprises.count_enterprises(platform.enterprises_uow(), ANALYST, EnterpriseFilter(area=area))
        for area in ("URUMQI", "HORGOS", "KASHGAR")
    }
    assert by_area == {a: counts[f"enterprises.{a.lower()}"] for a in by_area}

    declarations = _declarations(platform)
    assert len(declarations) == counts["declarations"] == counts["declarations.released"]
    assert all(d.status is Status.RELEASED for d in declarations)
    ids = {d.id for d in declarations}
    # Horgos clearance: before the smart-port rulebook every declaration was checked by an officer
    horgos = [d for d in declarations if d.content.office_code in ("HRS-ROAD", "HRS-RAIL")]
    before = [d for d in horgos if d.stages[Stage.LODGEMENT] < SWITCH]
    after = [d for d in horgos if d.stages[Stage.LODGEMENT] >= SWITCH]
    assert before and after
    assert all(d.rulebook_version == "2023.0-manual" for d in before)
    assert all(d.rulebook_version != "2023.0-manual" for d in after)

    def mean_hours(ds: list[Declaration]) -> float:
        spans = [(d.stages[Stage.RELEASE] - d.stages[Stage.LODGEMENT]).total_seconds() / 3600 for d in ds]
        return sum(spans) / len(spans)

    assert f"{mean_hours(before):.2f}" == figures["horgos_clearance_mean_hours_before_switch"]
    assert f"{mean_hours(after):.2f}" == figures["horgos_clearance_mean_hours_after_switch"]
    assert mean_hours(before) > mean_hours(after)
    # Kashgar - Kyrgyzstan trade: the customs values of the declarations with KG as partner
    kg = Decimal(0)
    for d in declarations:
        c = d.content
        partner = c.destination_country if c.type is DeclarationType.EXPORT else c.dispatch_country
        lodged = d.stages[Stage.LODGEMENT]
        if (
            partner == "KG"
            and c.office_code == "KSS-TIR"
            and datetime(2025, 1, 1, tzinfo=UTC) <= lodged < datetime(2025, 10, 1, tzinfo=UTC)
        ):
            kg += sum((i.value for i in c.items), Decimal(0))
    assert f"{kg:.2f}" == figures["kashgar_kyrgyzstan_trade_cny_jan_sep_2025"]

    # vehicle exports: registered in bulk, each under one of the export declarations
    by_month = modes.count_vehicle_exports(platform.freight_uow(), ANALYST, CountBy.MONTH)
    assert sum(by_month.values()) == counts["vehicle_exports"] > 0
    assert min(by_month) >= "2023-11" and max(by_month) <= "2025-09"
    exports = modes.list_vehicle_exports(platform.freight_uow(), ANALYST, limit=500, offset=0)
    assert exports and all(e.declaration_id in ids for e in exports)

    # air cargo: the tonnage the service computes is the generator's figure
    tonnes_2025 = sum(
        (m.tonnes for m in modes.air_tonnage(platform.freight_uow(), ANALYST, 2025) if m.month <= 8), Decimal(0)
    )
    assert f"{tonnes_2025:.1f}" == figures["urumqi_air_tonnes_jan_aug_2025"]

    # TIR transports: every one delivered (terminated in Kyrgyzstan)
    page = transit.list_transports(
        platform.transit_uow(), OFFICER, state=None, guarantee_reference=None, limit=500, cursor=None
    )
    assert len(page.items) == counts["tir_transports"]
    assert all(op.terminated_at is not None for t in page.items for op in t.operations)

    # and each truck as a consignment on the Kashgar - Kyrgyzstan corridor, delivered by its EPCIS events
    booked = logistics.list_consignments(
        platform.logistics_uow(), ANALYST, ConsignmentFilter(corridor="KSS-KG"), None, 500
    ).items
    assert len(booked) == counts["consignments"] == counts["tir_transports"]
    assert all(b.consignment.status is ConsignmentStatus.DELIVERED for b in booked)

    # the legal desk: litigation cases and cross-border disputes resolved (settlements and judgments)
    legal = disputes.figures(
        cast(DisputesUnitOfWork, platform.disputes_uow()), None, date(2024, 8, 1), date(2025, 9, 30)
    )
    assert legal["litigation_cases"] == counts["legal.litigation_support"] > 0
    assert legal["resolved_cross_border"] == counts.get("legal.settlement", 0) + counts.get("legal.judgment", 0)
    assert legal["total"] == counts["legal.litigation_support"] + counts["legal.mediation"]

    with platform.session_factory() as session:
        assert verify_chain(session).ok

    # the same seed and scale again: found, nothing added
    again, built_again = build_demo(platform, clock, "test", seed=7)
    assert not built_again and again.counts == counts
    assert (
        enterprises.count_enterprises(platform.enterprises_uow(), ANALYST, EnterpriseFilter()) == counts["enterprises"]
    )
    # another demo would mix with this one: refused, nothing added
    with pytest.raises(DemoExists, match="test:7"):
        build_demo(platform, clock, "test", seed=8)
    assert len(_declarations(platform)) == counts["declarations"]

    # deterministic: the same seed on a fresh database (SQLite, whatever this suite runs on) gives the same zone
    other_clock = FixedClock(datetime(2025, 9, 1, tzinfo=UTC))
    other = bootstrap(Settings(database_url=f"sqlite:///{tmp_path / 'other.db'}"), clock=other_clock, fast_hashing=True)
    try:
        migrate_and_seed(other)
        twin, _ = build_demo(other, other_clock, "test", seed=7)
        found = existing_demo(other)
    finally:
        other.dispose()
    assert twin.counts == counts and twin.figures == figures
    assert found is not None and found[:2] == ("demo.finished", "test:7")
