"""The unit of work: the transaction boundary a service's use cases see.

``async with uow:`` opens it; ``await uow.commit()`` makes the changes durable; leaving
the block without committing rolls back (also after an exception). Each service
subclasses ``UnitOfWork`` in its service layer with the repositories it offers, and
its adapters combine that with one of the SQL transactions of
``ropo_platform.db.unit_of_work``. Nothing here touches I/O, so a service layer may
import it.
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Self


class UnitOfWork(abc.ABC):
    """One transaction's worth of repositories (declared by the subclass)."""

    async def __aenter__(self) -> Self:
        await self._begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Anything not committed explicitly is undone.
        await self.rollback()

    @abc.abstractmethod
    async def _begin(self) -> None: ...

    @abc.abstractmethod
    async def commit(self) -> None:
        """Make the changes of this unit of work durable."""

    @abc.abstractmethod
    async def rollback(self) -> None:
        """Undo everything since ``__aenter__`` (no-op after a commit)."""
