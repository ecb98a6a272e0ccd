"""The unit of work: the transaction boundary the refund use cases see.

``async with uow:`` opens it; ``await uow.commit()`` makes the changes durable;
leaving the block without committing rolls back. Each use case call takes a fresh
unit of work from a factory (gRPC calls run concurrently); an event consumer passes
one joined to its own transaction (with its inbox row).
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Protocol, Self

from ropo_refund.service_layer.ports import (
    PayoutBatchRepository,
    RefundCaseRepository,
    RefundEventOutbox,
    RequestLog,
    VerificationLog,
)


class AbstractUnitOfWork(abc.ABC):
    """Repositories of one transaction."""

    cases: RefundCaseRepository
    batches: PayoutBatchRepository
    verifications: VerificationLog
    requests: RequestLog
    events: RefundEventOutbox

    async def __aenter__(self) -> Self:
        await self._begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Anything not committed explicitly is undone (also after an exception).
        await self.rollback()

    @abc.abstractmethod
    async def _begin(self) -> None: ...

    @abc.abstractmethod
    async def commit(self) -> None:
        """Make the changes of this unit of work durable."""

    @abc.abstractmethod
    async def rollback(self) -> None:
        """Undo everything since ``__aenter__`` (no-op after a commit)."""


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work; ``read_only`` ones cannot commit."""

    def __call__(self, *, read_only: bool = False) -> AbstractUnitOfWork: ...
