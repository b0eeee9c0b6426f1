"""Concurrent lodgements on the configured database: every one succeeds and the audit chain stays one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from silkport.bootstrap import Platform
from silkport.clearance.schemas import content_from_json
from silkport.clearance.services import handlers
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import handlers as registry
from silkport.infra.audit import verify_chain
from silkport.shared.actor import SYSTEM, Actor, Role
from tests.conftest import make_details
from tests.factories import declaration


def test_eight_writers_lodge_at_once(platform: Platform) -> None:
    enterprise = registry.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(700))
    )
    trader = Actor("t", "trader", Role.TRADER, enterprise_id=enterprise.id)
    config = platform.clearance_config()

    def lodge(n: int) -> str:
        content = content_from_json({**declaration(lrn=f"C-{n}"), "declarant": enterprise.id})
        return handlers.file_declaration(platform.clearance_uow(), trader, config, content).declaration.status.value

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lodge, range(40)))
    assert len(statuses) == 40 and all(s in ("cleared", "document_check", "inspection") for s in statuses)
    with platform.session_factory() as s:
        report = verify_chain(s)
    assert report.ok, report.problem
