"""The composition root wires the contexts together: partner customs' TIR answers reach the transit context."""

from __future__ import annotations

from silkport.bootstrap import Platform


def test_partner_results_of_tir_operations_have_handlers(platform: Platform) -> None:
    assert {"I8", "I10", "I12", "I14", "I18"} <= set(platform.partner_handlers), "eTIR results from partners"
    assert "PING" in platform.partner_handlers
