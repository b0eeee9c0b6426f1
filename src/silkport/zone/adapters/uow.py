"""The zone's unit of work over SQLAlchemy, and the zone data file."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from sqlalchemy.orm import Session

from silkport.infra.uow import SqlAlchemyUnitOfWork
from silkport.zone.adapters.repository import SqlZoneRepository


class SqlZoneUnitOfWork(SqlAlchemyUnitOfWork):
    zone: SqlZoneRepository

    def _open(self, session: Session) -> None:
        self.zone = SqlZoneRepository(session)


def load_zone_data() -> dict[str, Any]:
    text = resources.files("silkport.zone").joinpath("data/zone.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError("zone.yaml must be a mapping with 'areas' and 'ports'")
    return data
