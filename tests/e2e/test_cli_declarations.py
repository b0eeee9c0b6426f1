"""``silkport import declarations`` / ``export declarations`` on real fixture files, resumable."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from silkport.bootstrap import Platform
from silkport.clearance.adapters import wcodm
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.services import handlers
from silkport.entrypoints.cli.main import app
from silkport.infra.settings import get_settings
from silkport.shared.actor import SYSTEM
from tests.conftest import make_details

FIXTURES = Path(__file__).parents[1] / "fixtures"
DECLARANTS = [
    "91654004MA78X4KD1Q",
    "91650100MA7AC3LD5Y",
    "91650000MA776QXK8X",
    "91654004MA79B1T5XG",
    "91650100MA775PRW37",
    "91650100MA79FJ8K2Q",
]
runner = CliRunner()


@pytest.fixture
def cli_platform(platform: Platform, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Platform]:
    for serial, uscc in enumerate(DECLARANTS, start=900):
        handlers.register_enterprise(
            platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(serial, uscc=uscc))
        )
    monkeypatch.setenv("SILKPORT_DATABASE_URL", platform.settings.database_url)
    monkeypatch.chdir(tmp_path)  # the import journal of a PostgreSQL run goes under ./var
    get_settings.cache_clear()
    yield platform
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_import_xml_report_and_resume(cli_platform: Platform, tmp_path: Path) -> None:
    files = [
        str(FIXTURES / "wcodm" / n)
        for n in ("import-cars-horgos.xml", "export-rail-urumqi-duisburg.xml", "bonded-fuel-urumqi-airport.xml")
    ]
    report = tmp_path / "report.csv"
    code, out = run("import", "declarations", *files, "--report", str(report))
    assert code == 0, out
    outcomes = rows(report)
    assert [o["result"] for o in outcomes] == ["accepted"] * 3
    assert all(o["lane"] in ("green", "yellow", "red") for o in outcomes)
    # a second run resumes from the journal: nothing is filed twice
    code, out = run("import", "declarations", *files)
    assert code == 0 and "resuming after 1 of 1" in out
    # even ignoring the journal, the LRNs are already filed
    code, out = run("import", "declarations", *files, "--restart", "--report", str(report))
    assert code == 0, out
    assert [o["result"] for o in rows(report)] == ["already imported"] * 3


def test_import_reports_unreadable_files_precisely(cli_platform: Platform, tmp_path: Path) -> None:
    report = tmp_path / "bad.csv"
    code, _out = run(
        "import", "declarations", str(FIXTURES / "wcodm" / "broken-bad-number.xml"), "--report", str(report)
    )
    assert code == 1
    [bad] = rows(report)
    assert bad["result"] == "rejected" and "(line " in bad["reasons"]


def test_import_jsonl_with_a_field_error(cli_platform: Platform, tmp_path: Path) -> None:
    from tests.factories import declaration

    enterprise = cli_platform.enterprises_uow()
    with enterprise:
        found = enterprise.enterprises.find_by_identifier(DECLARANTS[0], "CN", None)
    assert found is not None
    good = {**declaration(lrn="J-1"), "declarant": DECLARANTS[0]}
    bad = {**declaration(lrn="J-2"), "declarant": found.id, "office": "NOWHERE"}
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n{not json\n", encoding="utf-8")
    report = tmp_path / "r.csv"
    code, _ = run("import", "declarations", str(source), "--report", str(report))
    assert code == 1
    outcome = rows(report)
    assert outcome[0]["result"] == "accepted"
    assert outcome[1]["result"] == "rejected" and "office" in outcome[1]["reasons"]
    assert outcome[2]["result"] == "rejected" and outcome[2]["ref"] == "line 3"


def test_export_round_trips_through_xml_and_jsonl(cli_platform: Platform, tmp_path: Path) -> None:
    files = [str(FIXTURES / "wcodm" / n) for n in ("import-cars-horgos.xml", "export-rail-urumqi-duisburg.xml")]
    assert run("import", "declarations", *files)[0] == 0
    xml_out, jsonl_out = tmp_path / "out.xml", tmp_path / "out.jsonl"
    code, out = run("export", "declarations", "--output", str(xml_out))
    assert code == 0 and "wrote 2 declarations" in out
    parsed = wcodm.parse_declarations(xml_out.read_bytes())
    assert sorted(p.content.lrn or "" for p in parsed) == sorted(
        p.content.lrn or "" for f in files for p in wcodm.parse_declarations(Path(f).read_bytes())
    )
    assert run("export", "declarations", "--output", str(jsonl_out))[0] == 0
    assert len(jsonl_out.read_text().splitlines()) == 2


def test_import_edifact_interchanges(cli_platform: Platform, tmp_path: Path) -> None:
    files = [
        str(FIXTURES / "cusdec" / n)
        for n in (
            "import-cars-horgos-road.edi",
            "export-rail-urumqi-duisburg.edi",
            "bonded-entry-jet-fuel-urumqi-airport.edi",
        )
    ]
    report = tmp_path / "edi.csv"
    code, out = run("import", "declarations", *files, "--report", str(report))
    assert code == 0, out
    assert [o["result"] for o in rows(report)] == ["accepted"] * 3
    code, out = run(
        "import", "declarations", str(FIXTURES / "cusdec" / "broken-mea-not-a-number.edi"), "--report", str(report)
    )
    assert code == 1 and "(MEA)" in rows(report)[0]["reasons"]
    edi_out = tmp_path / "out.edi"
    assert run("export", "declarations", "--output", str(edi_out))[0] == 0
    from silkport.clearance.adapters import edifact

    assert len(edifact.parse_cusdec(edi_out.read_text())) == 3
