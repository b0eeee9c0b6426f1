"""The unit-of-work shape every context's services rely on: one transaction, committed explicitly."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self


class UnitOfWork(Protocol):
    """``with uow: ... uow.commit()``; leaving the block without a commit rolls everything back."""

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
