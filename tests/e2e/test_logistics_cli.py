"""``silkport worker clocks --once``: clocks that run out with no event are alerted once, with a webhook event."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from silkport.bootstrap import bootstrap
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import handlers as enterprise_handlers
from silkport.entrypoints.cli.main import app
from silkport.infra.outbox import OutboxRow
from silkport.infra.settings import Settings, get_settings
from silkport.logistics.domain.consignment import GoodsSummary, Party
from silkport.logistics.domain.epcis import parse_json
from silkport.logistics.services import handlers
from silkport.logistics.services.handlers import BookConsignment, LegSpec
from silkport.shared.actor import SYSTEM
from silkport.shared.clock import FixedClock
from tests.conftest import make_details

runner = CliRunner()
T0 = datetime(2025, 9, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SILKPORT_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_worker_clocks_alerts_a_clock_that_ran_out_once(cli_db: str) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    platform = bootstrap(Settings(database_url=cli_db), clock=FixedClock(T0 + timedelta(hours=1)), fast_hashing=True)
    try:
        enterprise = enterprise_handlers.register_enterprise(
            platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(401, "KASHGAR"))
        ).id
        booked = handlers.book(
            platform.logistics_uow(),
            SYSTEM,
            BookConsignment(
                document_kind="road_cmr",
                document_number="CMR-CLI-1",
                shipper=Party("Shipper", "CN"),
                consignee=Party("Consignee", "KG"),
                goods=GoodsSummary("goods", 1, Decimal("5")),
                legs=[LegSpec("road", "carrier", "CNKSS", "KGFRU", T0, T0 + timedelta(hours=30))],
                corridor="KSS-KG",
                enterprise_id=enterprise,
            ),
        )
        departed = {
            "type": "ObjectEvent", "eventID": "urn:uuid:cli-1", "eventTime": T0.isoformat(),
            "eventTimeZoneOffset": "+08:00", "epcList": [booked.id], "action": "OBSERVE", "bizStep": "departing",
            "readPoint": {"id": "CNKSS"},
        }  # fmt: skip
        report = handlers.capture(platform.logistics_uow(), SYSTEM, parse_json([departed]))
        assert report.alerts == ()  # an hour after departure: on time
        first = runner.invoke(app, ["worker", "clocks", "--once"])  # the wall clock is long past 72 h
        assert first.exit_code == 0, first.output
        assert "1 new breach alerts" in first.output
        second = runner.invoke(app, ["worker", "clocks", "--once"])
        assert second.exit_code == 0 and "new breach alerts" not in second.output
        with platform.session_factory() as s:
            payloads = [
                r.payload for r in s.scalars(select(OutboxRow).where(OutboxRow.event_type == "logistics.sla_breached"))
            ]
        assert len(payloads) == 1 and payloads[0]["consignment_id"] == booked.id
        assert payloads[0]["breached_at"].startswith("2025-09-04T")
    finally:
        platform.dispose()
