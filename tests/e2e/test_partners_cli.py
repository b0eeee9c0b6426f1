"""``silkport partners ...`` and ``silkport worker partners --once`` as an operator runs them."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from silkport.bootstrap import bootstrap
from silkport.entrypoints.cli.main import app
from silkport.infra.partners import OutboundMessageRow, SqlPartnerOutbox
from silkport.infra.settings import Settings, get_settings

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


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens there once the socket is closed


def test_partners_cli_add_list_worker_dead_letters_requeue(cli_db: str) -> None:
    assert invoke("db", "upgrade")[0] == 0
    url = f"http://127.0.0.1:{_closed_port()}/api/v1/partners/inbound"
    code, out = invoke(
        "partners", "add", "KG", "--name", "Kyrgyz customs", "--url", url,
        "--outbound-key-id", "cn-to-kg", "--outbound-secret", "s" * 40,
    )  # fmt: skip
    assert code == 0, out
    assert "inbound key id: kg-" in out and "inbound secret: " in out
    code, out = invoke("partners", "add", "KG", "--name", "again")
    assert code == 2 and "already registered" in out
    code, out = invoke("partners", "add", "kg", "--name", "lower")
    assert code == 2 and "code" in out
    code, out = invoke("partners", "list")
    assert code == 0 and "KG" in out and "cn-to-kg" in out and "s" * 40 not in out

    platform = bootstrap(Settings(database_url=cli_db))
    with platform.session_factory() as s:
        mid = SqlPartnerOutbox(s).send("KG", "TIR.I9", {"n": 1}, at=platform.clock.now())
        s.commit()
    code, out = invoke("worker", "partners", "--once")
    assert code == 0, out
    assert "attempted 1, delivered 0, retrying 1, dead 0" in out  # the partner is not listening

    code, out = invoke("partners", "requeue", mid)
    assert code == 2 and f"outbound message {mid} is pending: only a dead letter can be requeued" in out
    with platform.session_factory() as s:  # as the dispatcher leaves it after its last attempt
        s.execute(update(OutboundMessageRow).values(dead_at=platform.clock.now()))
        s.commit()
    code, out = invoke("partners", "dead-letters")
    assert code == 0 and mid in out and "1 dead letter(s)" in out
    code, out = invoke("partners", "requeue", mid)
    assert code == 0 and "requeued 1 message(s)" in out
    code, out = invoke("partners", "dead-letters", "--partner", "KG")
    assert "0 dead letter(s)" in out
    code, out = invoke("partners", "requeue", "--all")
    assert code == 0 and "requeued 0 message(s)" in out
    code, out = invoke("partners", "requeue")
    assert code == 2
    platform.dispose()
