"""Units of work on the refund database.

- ``SqlAlchemyUnitOfWork`` owns its transaction (gRPC calls);
- ``JoinedUnitOfWork`` works inside a transaction someone else owns (an event
  consumer's, with its inbox row); its ``commit`` only flushes, the owner commits.
"""

from __future__ import annotations

from contextlib import AsyncExitStack, suppress

from ropo_platform.db import Database
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_refund.adapters.outbox import SqlRefundEventOutbox
from ropo_refund.adapters.payout_repository import SqlPayoutBatchRepository
from ropo_refund.adapters.records import SqlRequestLog, SqlVerificationLog
from ropo_refund.adapters.repository import SqlRefundCaseRepository
from ropo_refund.service_layer.unit_of_work import AbstractUnitOfWork


class _Rollback(Exception):
    """Thrown into the transaction context to make it roll back."""


class _SessionBound(AbstractUnitOfWork):
    def _bind(self, session: AsyncSession) -> None:
        self.cases = SqlRefundCaseRepository(session)
        self.batches = SqlPayoutBatchRepository(session)
        self.verifications = SqlVerificationLog(session)
        self.requests = SqlRequestLog(session)
        self.events = SqlRefundEventOutbox(session)


class SqlAlchemyUnitOfWork(_SessionBound):
    """One transaction of its own; ``read_only`` ones skip the write lock and cannot commit."""

    def __init__(self, database: Database, *, read_only: bool = False) -> None:
        self._database = database
        self._read_only = read_only
        self._stack: AsyncExitStack | None = None

    async def _begin(self) -> None:
        stack = AsyncExitStack()
        if self._read_only:
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
            await stack.aclose()
            return
        with suppress(_Rollback):
            await stack.__aexit__(_Rollback, _Rollback(), None)


class JoinedUnitOfWork(_SessionBound):
    """Joins a transaction the caller owns (and commits or rolls back)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _begin(self) -> None:
        self._bind(self._session)

    async def commit(self) -> None:
        await self._session.flush()

    async def rollback(self) -> None:
        # The owner rolls back the whole transaction when the caller raises.
        return None
