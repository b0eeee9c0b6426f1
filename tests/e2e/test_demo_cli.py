"""``silkport demo --no-serve`` as a newcomer runs it: built once, found again, a different demo refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from silkport.bootstrap import bootstrap
from silkport.enterprises.services import auth
from silkport.entrypoints.cli.main import app
from silkport.infra.settings import Settings, get_settings

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("SILKPORT_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _flat(text: str) -> str:
    """The console's output with its line wrapping undone."""
    return " ".join(text.split())


def test_demo_builds_once_and_signs_in_the_roles_on_its_enterprises(cli_db: str) -> None:
    first = runner.invoke(app, ["demo", "--scale", "test", "--seed", "3", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "demo zone test:3 built" in _flat(first.output) and "Demo sign-ins" in first.output

    again = runner.invoke(app, ["demo", "--scale", "test", "--seed", "3", "--no-serve"])
    assert again.exit_code == 0, again.output
    assert "found (built before with the same scale and seed; nothing added)" in _flat(again.output)

    other = runner.invoke(app, ["demo", "--scale", "test", "--seed", "4", "--no-serve"])
    assert other.exit_code == 2
    assert "already holds a finished demo test:3" in _flat(other.output) and "hint:" in other.output
    assert runner.invoke(app, ["demo", "--scale", "huge", "--no-serve"]).exit_code == 2

    # the trader sign-in acts for the vehicle exporter whose declarations the demo filed
    platform = bootstrap(Settings(database_url=cli_db), fast_hashing=True)
    try:
        uow = platform.enterprises_uow()
        trader = auth.authenticate(uow, platform.hasher, "trader", platform.settings.demo_password)
        with uow:
            exporter = uow.enterprises.get(trader.enterprise_id or "")
        assert exporter is not None and exporter.details.area_code == "HORGOS"
        assert "vehicles" in {s.value for s in exporter.details.sectors}
    finally:
        platform.dispose()
