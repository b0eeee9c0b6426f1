"""Errors of the clearance context."""

from __future__ import annotations

from silkport.shared.errors import FieldError, ValidationFailed


class FormatError(ValidationFailed):
    """A message in a trade format (EDIFACT, XML, JSONL) could not be read.

    ``location`` names where: an EDIFACT segment and element (``segment 12 GIS, element 1``) or an
    XML path and line (``/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[2] (line 40)``).
    """

    title = "Unreadable message"

    def __init__(self, location: str, message: str) -> None:
        super().__init__(FieldError(location, message))
        self.location = location
        self.message = message
