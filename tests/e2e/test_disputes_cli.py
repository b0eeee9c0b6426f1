"""``silkport worker reminders``: the desk's time-limit reminders sent by the worker as the system, once per due
date, with what it sent printed and logged; a failed round does not stop the worker."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from silkport.bootstrap import bootstrap
from silkport.disputes.domain import model as m
from silkport.disputes.services import handlers as h
from silkport.disputes.services.ports import DisputesUnitOfWork
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import handlers as enterprise_handlers
from silkport.entrypoints.cli.disputes import remind_forever
from silkport.entrypoints.cli.main import app
from silkport.infra.audit import AuditEntryRow
from silkport.infra.outbox import OutboxRow
from silkport.infra.settings import Settings, get_settings
from silkport.shared.actor import SYSTEM, Actor, Role
from silkport.shared.clock import FixedClock
from tests.conftest import make_details

runner = CliRunner()
OFFICER = Actor("u-legal", "legal", Role.LEGAL_OFFICER)


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SILKPORT_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_worker_reminders_sends_each_reminder_once(cli_db: str, caplog: pytest.LogCaptureFixture) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    # the case was notified 40 days before the wall clock's today: its answer (45 days) is due in 5 days
    notified = datetime.now(UTC) - timedelta(days=40)
    platform = bootstrap(Settings(database_url=cli_db), clock=FixedClock(notified), fast_hashing=True)
    try:
        enterprise = enterprise_handlers.register_enterprise(
            platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(501, "KASHGAR"))
        ).id
        parties = (
            h.PartyIn("Kashgar Trading", "CN", m.PartyRole.CLAIMANT, enterprise_id=enterprise),
            h.PartyIn("Osh Buyer", "KG", m.PartyRole.RESPONDENT),
        )
        uow = cast(DisputesUnitOfWork, platform.disputes_uow())
        case = h.intake(uow, OFFICER, h.IntakeIn(m.CaseType.ARBITRATION, "unpaid goods", parties, ("zh", "ru")))
        case = h.advance(cast(DisputesUnitOfWork, platform.disputes_uow()), OFFICER, case.id, m.Status.NOTIFIED)
        due = case.deadlines[0].due
        with caplog.at_level(logging.INFO, logger="silkport.disputes.reminders"):
            first = runner.invoke(app, ["worker", "reminders", "--once"])
        assert first.exit_code == 0, first.output
        assert f"reminded {case.reference} answer_due (due {due.isoformat()}, open)" in first.output
        assert "1 reminders sent" in first.output
        assert any(case.reference in r.getMessage() and "answer_due" in r.getMessage() for r in caplog.records)
        second = runner.invoke(app, ["worker", "reminders", "--once"])
        assert second.exit_code == 0 and "0 reminders sent" in second.output
        with platform.session_factory() as s:
            events = list(s.scalars(select(OutboxRow).where(OutboxRow.event_type == "disputes.deadline_reminder")))
            audit = list(s.scalars(select(AuditEntryRow).where(AuditEntryRow.action == "disputes.reminded")))
        assert [(e.enterprise_id, e.payload["code"], e.payload["due"]) for e in events] == [
            (enterprise, "answer_due", due.isoformat())
        ]
        assert [a.actor_id for a in audit] == ["system"]  # the worker acts as the system
    finally:
        platform.dispose()


def test_a_failed_round_is_logged_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    class Flaky:
        calls = 0

        def disputes_uow(self) -> object:
            Flaky.calls += 1
            raise RuntimeError("database restarting")

    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt  # stop the loop after two failed rounds

    with caplog.at_level(logging.ERROR, logger="silkport.disputes.reminders"), pytest.raises(KeyboardInterrupt):
        remind_forever(Flaky(), once=False, interval=30.0, out=lambda _: None, sleep=sleep)  # type: ignore[arg-type]
    assert Flaky.calls == 2 and naps == [30.0, 30.0]
    assert sum("reminder round failed" in r.getMessage() for r in caplog.records) == 2
    with pytest.raises(RuntimeError):
        remind_forever(Flaky(), once=True, interval=30.0, out=lambda _: None)  # type: ignore[arg-type]
