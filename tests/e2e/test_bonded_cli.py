"""``silkport bonded check|alerts|reconciliation`` as an operator runs them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from silkport.bonded.services import handlers
from silkport.bonded.services.handlers import Admission, Pick, Withdrawal
from silkport.bootstrap import bootstrap
from silkport.entrypoints.cli.main import app
from silkport.infra.settings import Settings, get_settings
from silkport.shared.actor import Actor, Role

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SILKPORT_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_check_alerts_and_reconciliation(cli_db: str) -> None:
    assert invoke("db", "upgrade")[0] == 0
    platform = bootstrap(Settings(database_url=cli_db), fast_hashing=True)
    config = replace(platform.bonded_config(), declarations=None)  # references on trust: the CLI is under test
    keeper = Actor("k", "keeper", Role.WAREHOUSE_KEEPER, enterprise_id="ent-cli")
    cmd = Admission("HRS-ROAD", "BE-CLI-1", "610910", "T-shirts", "KZ", "H87", "40", "100.00", "USD", storage_days=10)
    _, lot = handlers.admit(platform.bonded_uow, keeper, config, cmd)
    handlers.withdraw(
        platform.bonded_uow, keeper, config, Withdrawal("HRS-ROAD", "re_export", "BX-CLI", Pick(((lot.id, "15"),)))
    )

    code, out = invoke("bonded", "check")
    assert code == 0 and "OK" in out
    code, out = invoke("bonded", "alerts", "--within-days", "30")
    assert code == 0 and "storage_expiry" in out and "1 alert(s)" in out
    today = platform.clock.now().date().isoformat()
    code, out = invoke("bonded", "reconciliation", "--from", today, "--to", today, "--csv")
    assert code == 0
    stock = [line for line in out.splitlines() if line.startswith("stock:ent-cli:HRS-ROAD")]
    assert len(stock) == 1 and stock[0].endswith(",0,40.000,0,0,15.000,0,0,25.000,True")
    assert invoke("bonded", "reconciliation", "--from", "2025-13-01", "--to", today)[0] == 2

    # a balance tampered with outside the ledger is found
    with platform.engine.begin() as conn:
        conn.execute(text("UPDATE bonded_balances SET quantity = 26 WHERE account_id = 'stock:ent-cli:HRS-ROAD'"))
    code, out = invoke("bonded", "check")
    assert code == 1 and "postings 25.000 != stored 26" in out
    platform.dispose()
