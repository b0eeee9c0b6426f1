"""The bonded unit of work: one transaction over the ledger, its audit trail and the outbox."""

from __future__ import annotations

import csv
import io
from importlib import resources

from sqlalchemy.orm import Session

from silkport.bonded.adapters.repository import SqlBondedRepository
from silkport.infra.outbox import SqlOutbox
from silkport.infra.uow import SqlAlchemyUnitOfWork


class SqlBondedUnitOfWork(SqlAlchemyUnitOfWork):
    bonded: SqlBondedRepository
    outbox: SqlOutbox

    def _open(self, session: Session) -> None:
        self.bonded = SqlBondedRepository(session)
        self.outbox = SqlOutbox(session)


def load_units() -> dict[str, int]:
    """The UN/ECE Rec. 20 units the ledger takes, with the decimals a quantity may carry (data/units.csv)."""
    text = resources.files("silkport.bonded").joinpath("data/units.csv").read_text(encoding="utf-8")
    return {row["code"]: int(row["decimals"]) for row in csv.DictReader(io.StringIO(text))}
