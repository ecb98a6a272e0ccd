"""Units of work on the service database.

- ``SqlAlchemyUnitOfWork`` owns its transaction (gRPC calls);
- ``JoinedUnitOfWork`` works inside a transaction someone else owns: the event
  consumer's, which also holds the inbox row, so the effect and the "processed"
  mark commit together. Its ``commit`` only flushes; the owner commits.
"""

from __future__ import annotations

from contextlib import AsyncExitStack, suppress

from ropo_platform.db import Database
from ropo_platform.messaging import OutboxWriter
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_authorization.adapters.access_facts import SqlAccessFacts
from ropo_authorization.adapters.outbox import SqlEventOutbox
from ropo_authorization.adapters.repository import (
    SqlAccessibleInvoiceView,
    SqlAuthorizationRepository,
    SqlLookupGrantRepository,
    SqlOwnershipRepository,
    SqlRequestLog,
)
from ropo_authorization.service_layer.unit_of_work import AbstractUnitOfWork


class _Rollback(Exception):
    """Thrown into the transaction context to make it roll back."""


#: ``ce-source`` of the events this service publishes.
EVENT_SOURCE = "/ropo/authorization"
_WRITER = OutboxWriter(EVENT_SOURCE)


class _SessionBound(AbstractUnitOfWork):
    def _bind(self, session: AsyncSession) -> None:
        self.ownerships = SqlOwnershipRepository(session)
        self.access_facts = SqlAccessFacts(session)
        self.accessible_invoices = SqlAccessibleInvoiceView(session)
        self.authorizations = SqlAuthorizationRepository(session)
        self.lookup_grants = SqlLookupGrantRepository(session)
        self.requests = SqlRequestLog(session)
        self.events = SqlEventOutbox(session, _WRITER)


class SqlAlchemyUnitOfWork(_SessionBound):
    """One transaction of its own; ``read_only`` ones skip the write lock and cannot commit."""

    def __init__(self, database: Database, *, read_only: bool = False) -> None:
        self._database = database
        self._read_only = read_only
        self._stack: AsyncExitStack | None = None

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


class JoinedUnitOfWork(_SessionBound):
    """Joins a transaction the caller owns (and commits or rolls back)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _begin(self) -> None:
        self._bind(self._session)

    async def commit(self) -> None:
        await self._session.flush()

    async def rollback(self) -> None:
        # The owner rolls back the whole transaction when the handler raises.
        return None
