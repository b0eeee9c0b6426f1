"""Reminders of the desk's time limits run by workers: two workers at once, or one run after another, never
send a reminder twice (SQLite by default, PostgreSQL with SILKPORT_DATABASE_URL, and always on the
PostgreSQL test server when one is configured)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import func, select

from silkport.bootstrap import Platform
from silkport.disputes.adapters.orm import DisputeEventRow
from silkport.disputes.domain import model as m
from silkport.disputes.services import handlers as h
from silkport.disputes.services.ports import DisputesUnitOfWork
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import handlers as enterprise_handlers
from silkport.infra.outbox import OutboxRow
from silkport.shared.actor import SYSTEM, Actor, Role
from silkport.shared.clock import FixedClock
from tests.conftest import make_details

OFFICER = Actor("u-legal", "legal", Role.LEGAL_OFFICER)
CASES = 6


def uow(platform: Platform) -> DisputesUnitOfWork:
    return cast(DisputesUnitOfWork, platform.disputes_uow())


def open_cases(platform: Platform) -> list[m.Case]:
    """Six arbitrations notified today (answer due in 45 days, reminded from 7 days before)."""
    enterprise = enterprise_handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(301, "HORGOS"))
    ).id
    parties = (
        h.PartyIn("Horgos Trading", "CN", m.PartyRole.CLAIMANT, enterprise_id=enterprise),
        h.PartyIn("Almaty Buyer", "KZ", m.PartyRole.RESPONDENT),
    )
    cases = []
    for n in range(CASES):
        case = h.intake(uow(platform), OFFICER, h.IntakeIn(m.CaseType.ARBITRATION, f"dispute {n}", parties, ("zh",)))
        cases.append(h.advance(uow(platform), OFFICER, case.id, m.Status.NOTIFIED))
    return cases


def reminders_sent(platform: Platform) -> tuple[int, int]:
    """(webhook events, timeline entries) of reminders in the database."""
    with platform.session_factory() as s:
        events = s.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.event_type == "disputes.deadline_reminder")
        )
        entries = s.scalar(
            select(func.count()).select_from(DisputeEventRow).where(DisputeEventRow.action == "reminded")
        )
    return events or 0, entries or 0


def two_workers_at_once(platform: Platform) -> list[list[dict[str, Any]]]:
    start = threading.Barrier(2)

    def worker(_: int) -> list[dict[str, Any]]:
        start.wait()
        return h.run_reminders(uow(platform), SYSTEM)

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(worker, range(2)))


def check_two_workers_send_each_reminder_once(platform: Platform) -> None:
    cases = open_cases(platform)
    clock = platform.clock
    assert isinstance(clock, FixedClock)
    assert two_workers_at_once(platform) == [[], []]  # nothing is due yet
    clock.advance(timedelta(days=39))  # six days before the answer is due: inside the window
    rounds = two_workers_at_once(platform)
    sent = [s["case_id"] for r in rounds for s in r]
    assert sorted(sent) == sorted(c.id for c in cases)  # each case once, between the two workers
    assert reminders_sent(platform) == (CASES, CASES)
    # later rounds, alone or together, send nothing more for the same due date
    assert h.run_reminders(uow(platform), SYSTEM) == []
    clock.advance(timedelta(days=10))  # now overdue: still reminded once per due date
    assert two_workers_at_once(platform) == [[], []]
    assert reminders_sent(platform) == (CASES, CASES)
    # an extension sets a new due date: its reminder goes out once more
    h.extend_deadline(uow(platform), OFFICER, cases[0].id, "answer_due", clock.now().date() + timedelta(days=3), "ill")
    rounds = two_workers_at_once(platform)
    assert [s["case_id"] for r in rounds for s in r] == [cases[0].id]
    assert reminders_sent(platform) == (CASES + 1, CASES + 1)


def test_two_workers_send_each_reminder_once(platform: Platform) -> None:
    check_two_workers_send_each_reminder_once(platform)


def test_two_workers_send_each_reminder_once_on_postgresql(pg_platform: Platform) -> None:
    check_two_workers_send_each_reminder_once(pg_platform)


def test_a_case_being_changed_is_left_to_the_next_round_on_postgresql(pg_platform: Platform) -> None:
    """A worker skips a case another transaction holds (no waiting, no lost update) and reminds it next round."""
    cases = open_cases(pg_platform)
    clock = pg_platform.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(days=39))
    held = pg_platform.disputes_uow()
    with held:
        assert held.cases.get(cases[0].id, for_update=True) is not None  # e.g. a desk officer's action under way
        first = h.run_reminders(uow(pg_platform), SYSTEM)
        assert sorted(s["case_id"] for s in first) == sorted(c.id for c in cases[1:])
    second = h.run_reminders(uow(pg_platform), SYSTEM)
    assert [s["case_id"] for s in second] == [cases[0].id]
    assert reminders_sent(pg_platform) == (CASES, CASES)
