"""The learned model as the clearance engine sees it (implements ``clearance.services.ports.RiskModel``)."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from silkport.clearance.domain.duties import TariffSchedule
from silkport.clearance.domain.model import DeclarationContent, GoodsItem
from silkport.clearance.services.ports import ModelScore
from silkport.riskmodel.budget import InspectionBudget
from silkport.riskmodel.kcs import declaration_goods
from silkport.riskmodel.model import ModelArtifact, load_latest

#: KCS prices are in Korean won; silkport's in yuan. About 176 KRW to the yuan (2020-2021 average).
KRW_PER_CNY = 176.0
PLACES = Decimal("0.000001")


class ZoneRiskModel:
    """A trained artifact, its compiled scorer and the zone's inspection budget (thread-safe)."""

    def __init__(self, artifact: ModelArtifact, budget_share: float, tariff: TariffSchedule | None = None) -> None:
        self._artifact = artifact
        self._version = artifact.version
        self._scorer = artifact.scorer()
        self._budget = InspectionBudget(budget_share, seed=artifact.score_sample)
        self._tariff = tariff
        self._rates: dict[str, float] = {}
        self._lock = threading.Lock()
        self._last_threshold: tuple[float, Decimal] = (math.nan, Decimal(-1))  # NaN equals nothing

    @classmethod
    def load(cls, models: Path, budget_share: float, tariff: TariffSchedule | None = None) -> ZoneRiskModel | None:
        """The latest model under ``models``, or None when none was trained yet."""
        try:
            artifact = load_latest(models)
        except FileNotFoundError:
            return None
        return cls(artifact, budget_share, tariff)

    @property
    def version(self) -> str:
        return self._version

    def _tax_rate(self, item: GoodsItem) -> float:
        code = item.hs_code
        rate = self._rates.get(code)
        if rate is None:  # the tariff is immutable: one lookup per tariff line (a few thousand at most)
            line = self._tariff.lookup(code) if self._tariff is not None else None
            rate = float(line.mfn_rate) if line is not None else 0.0
            if len(self._rates) >= 100_000:  # national extensions are open-ended: keep the cache bounded
                self._rates.clear()
            self._rates[code] = rate
        return rate

    def score(self, declaration_id: str, content: DeclarationContent, on: date) -> ModelScore:
        header, goods = declaration_goods(content, tax_rate=self._tax_rate, price_scale=KRW_PER_CNY)
        with self._lock:  # the features of to_records(content, ...), without building the records
            vectors = self._scorer.history.features_of_goods(on, header, goods, declaration_id)
        scores = self._scorer.scores_of(vectors)
        worst = 0  # the first of the riskiest items
        for i in range(1, len(scores)):
            if scores[i] > scores[worst]:
                worst = i
        value = Decimal(repr(scores[worst])).quantize(PLACES)
        return ModelScore(value, self._version, vectors[worst])  # positional: half the cost of keywords

    def threshold(self, score: Decimal, forced_red: bool) -> Decimal | None:
        with self._lock:
            t = self._budget.admit(float(score), forced_red=forced_red)
        if t in (math.inf, -math.inf):
            return None if t > 0 else Decimal(-1)
        last = self._last_threshold  # the threshold moves rarely: its decimal is usually the one made last time
        if last[0] == t:
            return last[1]
        value = Decimal(repr(t)).quantize(PLACES)
        self._last_threshold = (t, value)
        return value

    def explain(self, features: Sequence[float], top: int = 5) -> list[tuple[str, float, float]]:
        return [(c.feature, c.value, c.contribution) for c in self._scorer.explain(list(features), top)]
