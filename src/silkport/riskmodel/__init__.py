"""The learned risk score: a model that learns fraud risk from past inspection outcomes.

- :mod:`.kcs`: declarations as the model sees them (one goods item per row, the KCS data set's attributes),
  read from KCS CSV files or mapped from a silkport ``DeclarationContent`` (:func:`to_records`).
- :mod:`.features`: the time-aware features; :class:`HistoryState` is fed declarations in date order and
  answers from strictly earlier days only (training, batch and single scoring share it).
- :mod:`.model`: training (LightGBM, seeded), the label-encoded baseline, precision@n% and evaded duty
  recovered, the versioned :class:`~silkport.riskmodel.model.ModelArtifact` and ``load_latest``. It imports
  LightGBM and numpy, so it is not imported here: ``from silkport.riskmodel.model import load_latest``.
- :mod:`.scorer`: the compiled trees (one declaration in microseconds) and the officer's explanation.
- :mod:`.budget`: the inspection budget (pure): the score threshold that keeps red at the zone's share.

The typical serving loop::

    artifact = load_latest(Path("var/models"))
    scorer = artifact.scorer()                        # holds its own copy of the history
    budget = InspectionBudget(0.05, seed=artifact.score_sample)
    records = to_records(content, declaration_id, today, tax_rate=...)
    score = scorer.score_declaration(records)         # in [0, 1]; artifact.version is the model version
    decision = budget.decide(score, forced_red=...)   # decision.red, decision.threshold (record both)
    for r in records:
        scorer.observe(r)                             # the filing enters the history (visible tomorrow)
    scorer.history.record_outcome(r, fraud, None, on=day_of_finding)   # after an inspection

The clearance engine's path (:class:`~silkport.riskmodel.service.ZoneRiskModel`, on every lodgement) is the
same computation, built to keep the in-process goal of 10,000 declarations/s: ``kcs.declaration_goods``
maps the declaration (what ``to_records`` maps, without building records), ``HistoryState.features_of_goods``
looks up what the goods items share once and what an HS6 code derives from a per-HS6 cache,
``RiskScorer.scores_of`` runs the generated trees over all items in one call (LightGBM's raw score to the
bit), and ``InspectionBudget.admit`` gives the threshold (``decide`` without the record). The tests hold
each fast path equal to the reference one (``features``, ``Booster.predict``, ``decide``).
"""

from silkport.riskmodel.budget import BudgetDecision, InspectionBudget
from silkport.riskmodel.features import FEATURES, FeatureSpec, HistoryState, LookAheadError
from silkport.riskmodel.kcs import KcsRecord, read_kcs, to_record, to_records
from silkport.riskmodel.scorer import CompiledTrees, Contribution, RiskScorer

__all__ = [
    "FEATURES",
    "BudgetDecision",
    "CompiledTrees",
    "Contribution",
    "FeatureSpec",
    "HistoryState",
    "InspectionBudget",
    "KcsRecord",
    "LookAheadError",
    "RiskScorer",
    "read_kcs",
    "to_record",
    "to_records",
]
