"""Progress journal of long imports, kept in the database they fill (so a wiped database forgets it too)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from silkport.infra.db import Base
from silkport.shared.clock import Clock


class ImportJournalRow(Base):
    __tablename__ = "import_journal"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the input file
    name: Mapped[str] = mapped_column(String(500))
    done: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ImportJournal:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._sf = session_factory
        self._clock = clock

    def done(self, digest: str) -> int:
        with self._sf() as s:
            row = s.get(ImportJournalRow, digest)
            return row.done if row else 0

    def record(self, digest: str, name: str, done: int, total: int) -> None:
        with self._sf() as s:
            row = s.get(ImportJournalRow, digest)
            if row is None:
                row = ImportJournalRow(digest=digest, name=name, done=done, total=total, updated_at=self._clock.now())
                s.add(row)
            row.done, row.total, row.updated_at = done, total, self._clock.now()
            s.commit()

    def forget(self, digest: str) -> None:
        with self._sf() as s:
            row = s.get(ImportJournalRow, digest)
            if row is not None:
                s.delete(row)
                s.commit()
