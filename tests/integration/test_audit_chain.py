"""The audit log is a hash chain: appends link, tampering is caught, concurrent writers cannot fork it."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, func, select, update

from silkport.bootstrap import Platform
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import handlers
from silkport.infra.audit import GENESIS, AuditEntryRow, verify_chain
from silkport.shared.actor import SYSTEM
from tests.conftest import make_details


def _register(platform: Platform, serial: int) -> None:
    handlers.register_enterprise(platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(serial)))


def test_entries_link_from_genesis(platform: Platform) -> None:
    for i in range(5):
        _register(platform, 200 + i)
    with platform.session_factory() as s:
        rows = s.scalars(select(AuditEntryRow).order_by(AuditEntryRow.seq)).all()
        report = verify_chain(s)
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert report.ok and report.entries == len(rows)


@pytest.mark.parametrize("tamper", ["edit", "delete"])
def test_tampering_names_the_first_broken_entry(platform: Platform, tamper: str) -> None:
    for i in range(4):
        _register(platform, 300 + i)
    with platform.session_factory() as s:
        seqs = s.scalars(select(AuditEntryRow.seq).order_by(AuditEntryRow.seq)).all()
        victim = seqs[len(seqs) // 2]
        if tamper == "edit":
            s.execute(update(AuditEntryRow).where(AuditEntryRow.seq == victim).values(after='{"status":"forged"}'))
            expected = victim
        else:
            s.execute(delete(AuditEntryRow).where(AuditEntryRow.seq == victim))
            expected = seqs[seqs.index(victim) + 1]
        s.commit()
        report = verify_chain(s)
    assert not report.ok and report.first_broken == expected


def test_a_failed_command_writes_no_audit_entry(platform: Platform) -> None:
    _register(platform, 400)
    with platform.session_factory() as s:
        before = s.scalar(select(func.count()).select_from(AuditEntryRow))
    with pytest.raises(Exception, match="already registered"):
        _register(platform, 400)
    with platform.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntryRow)) == before


@pytest.mark.postgres
def test_concurrent_writers_on_postgresql_keep_one_chain(pg_platform: Platform) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: _register(pg_platform, 500 + i), range(40)))
    with pg_platform.session_factory() as s:
        report = verify_chain(s)
        registered = s.scalar(
            select(func.count()).select_from(AuditEntryRow).where(AuditEntryRow.action == "enterprise.registered")
        )
    assert registered == 40
    assert report.ok, report.problem
