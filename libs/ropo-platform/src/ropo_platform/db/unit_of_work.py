"""The two transactions a service's unit of work runs in.

- ``OwnTransaction`` begins and ends its own (gRPC calls, background jobs); a
  ``read_only`` one runs queries without a transaction of its own
  (``Database.read_session``) and cannot commit;
- ``JoinedTransaction`` works inside a transaction someone else owns — an event
  consumer's, which also holds the inbox row, so the effect and the "processed" mark
  commit together. Its ``commit`` only flushes; the owner commits or rolls back.

A service combines one of them with its own ``UnitOfWork`` subclass, whose ``_bind``
puts the repositories on the session::

    class _Repositories(AbstractUnitOfWork):
        def _bind(self, session: AsyncSession) -> None:
            self.cases = SqlCaseRepository(session)

    class SqlAlchemyUnitOfWork(_Repositories, OwnTransaction): ...
    class JoinedUnitOfWork(_Repositories, JoinedTransaction): ...
"""

from __future__ import annotations

import abc
from contextlib import AsyncExitStack, suppress

from sqlalchemy.ext.asyncio import AsyncSession

from ropo_platform.db.database import Database
from ropo_platform.unit_of_work import UnitOfWork


class _Rollback(Exception):
    """Thrown into the transaction context to make it roll back."""


class OwnTransaction(UnitOfWork):
    """One transaction of its own; ``read_only`` ones skip the write lock and cannot commit."""

    def __init__(self, database: Database, *, read_only: bool = False) -> None:
        self._database = database
        self._read_only = read_only
        self._stack: AsyncExitStack | None = None

    @abc.abstractmethod
    def _bind(self, session: AsyncSession) -> None:
        """Put the repositories of this unit of work on ``session``."""

    async def _begin(self) -> None:
        stack = AsyncExitStack()
        if self._read_only:
            # Queries only: no transaction of our own (see Database.read_session).
            session = await stack.enter_async_context(self._database.read_session())
        else:
            # BEGIN IMMEDIATE on SQLite: read-then-write must not fail at the lock upgrade.
            session = await stack.enter_async_context(self._database.transaction())
        self._stack = stack
        self._bind(session)

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        stack, self._stack = self._stack, None
        if stack is None:
            raise RuntimeError("the unit of work is not open")
        await stack.aclose()  # leaves Database.transaction() normally: COMMIT

    async def rollback(self) -> None:
        stack, self._stack = self._stack, None
        if stack is None:
            return
        if self._read_only:
            await stack.aclose()  # a read transaction has nothing to keep
            return
        with suppress(_Rollback):
            await stack.__aexit__(_Rollback, _Rollback(), None)


class JoinedTransaction(UnitOfWork):
    """Joins a transaction the caller owns (and commits or rolls back)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @abc.abstractmethod
    def _bind(self, session: AsyncSession) -> None:
        """Put the repositories of this unit of work on ``session``."""

    async def _begin(self) -> None:
        self._bind(self._session)

    async def commit(self) -> None:
        await self._session.flush()

    async def rollback(self) -> None:
        # The owner rolls back the whole transaction when the caller raises.
        return None
