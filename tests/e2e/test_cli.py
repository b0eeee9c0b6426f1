"""The command line as an operator uses it: migrate, create users, verify the audit chain, serve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from silkport.entrypoints.cli.main import app
from silkport.infra.settings import get_settings

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


def test_db_upgrade_is_repeatable_and_seeds_the_zone(cli_db: str) -> None:
    code, out = invoke("db", "upgrade")
    assert code == 0, out
    assert "seeded 3 areas, 6 ports" in out
    code, out = invoke("db", "upgrade")
    assert code == 0 and "seeded 0 areas, 0 ports" in out
    with create_engine(cli_db).connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_users_create_binds_roles(cli_db: str) -> None:
    invoke("db", "upgrade")
    code, out = invoke("users", "create", "boss", "--role", "admin", "--password", "a long password")
    assert code == 0, out
    code, out = invoke(
        "users",
        "create",
        "officer1",
        "--role",
        "customs_officer",
        "--office",
        "CN URC",
        "--password",
        "a long password",
    )
    assert code == 0, out
    code, out = invoke("users", "create", "t1", "--role", "trader", "--password", "a long password")
    assert code == 2 and "bound to one enterprise" in out
    code, out = invoke("users", "list")
    assert "officer1" in out and "URC-AIR" in out


def test_audit_verify_catches_a_tampered_row(cli_db: str) -> None:
    invoke("db", "upgrade")
    invoke("users", "create", "boss", "--role", "admin", "--password", "a long password")
    code, out = invoke("audit", "verify")
    assert code == 0 and "audit chain intact" in out
    with create_engine(cli_db).begin() as conn:
        conn.execute(text("UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3"))
    code, out = invoke("audit", "verify")
    assert code == 1 and "broken at entry 3" in out


def test_demo_prepares_one_user_per_role(cli_db: str) -> None:
    code, out = invoke("demo", "--no-serve")
    assert code == 0, out
    for username in (
        "admin",
        "trader",
        "officer",
        "supervisor",
        "logistics",
        "warehouse",
        "airline",
        "legal",
        "analyst",
    ):
        assert username in out
    code, out = invoke("demo", "--no-serve")  # idempotent
    assert code == 0, out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_health_ready_openapi_and_metrics(cli_db: str) -> None:
    invoke("db", "upgrade")
    port = _free_port()
    env = {**os.environ, "SILKPORT_DATABASE_URL": cli_db}
    proc = subprocess.Popen(
        [sys.executable, "-m", "silkport.entrypoints.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        assert httpx.get(f"{base}/ready").json()["status"] == "ready"
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "silkport"
        bad = httpx.post(f"{base}/api/v1/auth/token", json={"username": "x"})
        assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
        assert 'route="/api/v1/auth/token"' in httpx.get(f"{base}/metrics").text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
