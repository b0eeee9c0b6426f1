"""The learned score inside the clearance engine: recorded on each declaration, explained to officers,
and the inspection budget sending the riskiest to red while the rules still force what the law says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from silkport.clearance.domain.model import DeclarationContent, Finding
from silkport.clearance.schemas import content_from_json
from silkport.clearance.services import handlers
from silkport.clearance.services.ports import ModelScore
from silkport.entrypoints.cli.main import app as cli
from silkport.infra.settings import get_settings
from silkport.riskmodel.model import ModelArtifact
from silkport.riskmodel.service import ZoneRiskModel
from silkport.shared.actor import Actor, Role
from tests.conftest import Zone
from tests.e2e.test_clearance_api import file, no_random  # noqa: F401  (fixture)
from tests.factories import declaration, item, sanctioned
from tests.integration.test_riskmodel_train import slices, trained  # noqa: F401  (fixtures)


class FixedModel:
    """A stand-in whose score is known: laptops look risky, everything else does not."""

    version = "fixed-1"

    def score(self, declaration_id: str, content: DeclarationContent, on: date) -> ModelScore:
        risky = any(i.hs_code.startswith("8471") for i in content.items)
        return ModelScore(score=Decimal("0.97") if risky else Decimal("0.02"), version=self.version, features=[1.0])

    def threshold(self, score: Decimal, forced_red: bool) -> Decimal | None:
        return Decimal("0.5")

    def explain(self, features: Sequence[float], top: int = 5) -> list[tuple[str, float, float]]:
        return [("hs6_price_fraud_rate", 1.0, 2.5)]


def with_model(zone: Zone, model: object) -> None:
    config = zone.platform.clearance_config()
    zone.platform.extras["clearance_config"] = replace(config, model=model)


def test_the_budget_sends_a_high_score_to_red_and_the_rules_keep_their_lanes(no_random: Zone) -> None:  # noqa: F811
    z = no_random
    with_model(z, FixedModel())
    risky = file(z, "trader_a", declaration())
    assert (risky["lane"], risky["status"], risky["model_version"]) == ("red", "inspection", "fixed-1")
    assert risky["model_score"] is None, "traders do not see the model's score"
    assert risky["reasons"] == [
        {
            "rule": None,
            "kind": None,
            "contribution": None,
            "reason": "Your declaration is selected for a physical inspection.",
            "values": None,
        }
    ]
    officer = z.client.get(f"/api/v1/declarations/{risky['id']}/explanation", headers=z.headers("officer")).json()
    assert officer["model_score"] == "0.97" and officer["budget_threshold"] == "0.5"
    assert officer["rules"][-1]["rule"] == "inspection-budget"
    assert officer["top_features"] == [{"feature": "hs6_price_fraud_rate", "value": 1.0, "contribution": 2.5}]
    replay = z.client.get(f"/api/v1/declarations/{risky['id']}/replay", headers=z.headers("officer")).json()
    assert replay["same"] is True and replay["replayed_lane"] == "red"
    calm = file(z, "trader_a", declaration(items=[item(hs_code="851713", description="Smartphones")]))
    assert calm["lane"] == "green" and calm["model_version"] == "fixed-1"
    # sanctions force red whatever the model says
    assert file(z, "trader_a", sanctioned(items=[item(origin_country="KP", hs_code="851713")]))["lane"] == "red"
    assert (
        z.client.get(f"/api/v1/declarations/{risky['id']}/explanation", headers=z.headers("trader_a")).status_code
        == 403
    )


def test_a_trained_model_judges_api_declarations(no_random: Zone, trained: ModelArtifact) -> None:  # noqa: F811
    z = no_random
    model = ZoneRiskModel(trained, budget_share=0.05, tariff=z.platform.clearance_config().tariff)
    with_model(z, model)
    d = file(z, "trader_a", declaration())
    assert d["model_version"] == trained.version
    officer = z.client.get(f"/api/v1/declarations/{d['id']}", headers=z.headers("officer")).json()
    assert Decimal(0) <= Decimal(officer["model_score"]) <= Decimal(1)
    explained = z.client.get(f"/api/v1/declarations/{d['id']}/explanation", headers=z.headers("officer")).json()
    assert len(explained["top_features"]) == 5
    assert explained["budget_threshold"] is None or Decimal(explained["budget_threshold"]) >= 0


def test_retraining_on_the_zones_own_inspection_outcomes(
    no_random: Zone,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    z = no_random
    officer = Actor("o", "officer", Role.CUSTOMS_OFFICER, office_code="HRS-ROAD")
    trader = Actor("t", "trader_a", Role.TRADER, enterprise_id=z.enterprise_a)
    config = z.platform.clearance_config()
    for n in range(64):
        # DPRK origin forces every one of them to inspection; heavier consignments hide discrepancies
        mass = 400 + 40 * n
        body = sanctioned(
            lrn=f"S-{n}", items=[item(origin_country="KP", net_mass_kg=str(mass), gross_mass_kg=str(mass + 100))]
        )
        content = content_from_json({**body, "declarant": z.enterprise_a})
        d = handlers.file_declaration(z.platform.clearance_uow(), trader, config, content).declaration
        z.platform.clock.advance(timedelta(hours=7))  # type: ignore[attr-defined]
        finding = Finding.DISCREPANCY_PENALTY if n % 3 == 0 else Finding.CONFORM
        handlers.record_inspection(
            z.platform.clearance_uow(), officer, config, d.id, method="scanner", finding=finding, note="scanned"
        )
    monkeypatch.setenv("SILKPORT_DATABASE_URL", z.platform.settings.database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli, ["risk", "train", "--from-store", "--models", str(tmp_path)], env={"COLUMNS": "200"}
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "trained on 64 inspected items" in result.output
    assert (tmp_path / "LATEST").is_file()


def test_retraining_refuses_a_store_without_outcomes(
    zone: Zone, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SILKPORT_DATABASE_URL", zone.platform.settings.database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["risk", "train", "--from-store", "--models", str(tmp_path)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2 and "training needs at least 50" in result.output
