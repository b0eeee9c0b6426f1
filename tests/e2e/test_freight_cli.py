"""``silkport freight import-itmatt | vehicle-counts | air-tonnage`` as an operator runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from silkport.bootstrap import bootstrap
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import handlers
from silkport.entrypoints.cli.main import app
from silkport.infra.settings import get_settings
from silkport.logistics.domain.identifiers import s10_check_digit
from silkport.shared.actor import SYSTEM
from tests.conftest import make_details

runner = CliRunner()
DISPATCH = "CNKSSAKGFRUAAUN50001"
RECEPTACLE = DISPATCH + "001" + "9" + "0" + "0040"


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SILKPORT_DATABASE_URL", url)
    get_settings.cache_clear()
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    yield url
    get_settings.cache_clear()


def s10(serial: int) -> str:
    digits = f"{serial:08d}"
    return f"CP{digits}{s10_check_digit(digits)}CN"


def test_import_itmatt_json_and_csv(cli_db: str, tmp_path: Path) -> None:
    item = {
        "item_id": s10(1), "receptacle_id": RECEPTACLE, "sender_country": "CN", "addressee_country": "KG",
        "category": "gift", "form": "CN22", "gross_weight_kg": "2", "currency": "CNY",
        "contents": [{"description": "tea", "quantity": 2, "net_weight_kg": "1.5", "value": "120",
                      "hs_code": "090230", "origin_country": "CN"}],
    }  # fmt: skip
    path = tmp_path / "itmatt.json"
    path.write_text(json.dumps({"message": "ITMATT", "items": [item]}))
    result = runner.invoke(app, ["freight", "import-itmatt", str(path), "--enterprise", "ent_unknown"])
    assert result.exit_code == 2 and "no enterprise" in result.output
    platform = bootstrap()
    post = handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(401, "KASHGAR"))
    )
    platform.dispose()
    result = runner.invoke(app, ["freight", "import-itmatt", str(path), "--enterprise", post.id])
    assert result.exit_code == 0, result.output
    assert "1 items, 1 new receptacles" in result.output and DISPATCH in result.output
    again = runner.invoke(app, ["freight", "import-itmatt", str(path), "--enterprise", post.id])
    assert again.exit_code == 2 and "already in dispatch" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_text("item_id,receptacle_id\nx,y\n")
    result = runner.invoke(app, ["freight", "import-itmatt", str(bad), "--enterprise", post.id])
    assert result.exit_code == 2 and "header" in result.output


def test_counts_and_tonnage_print_on_an_empty_zone(cli_db: str) -> None:
    result = runner.invoke(app, ["freight", "vehicle-counts", "--by", "make"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "total" in result.output
    result = runner.invoke(app, ["freight", "air-tonnage", "--year", "2025"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "2025-12" in result.output
