"""Units of work on the service database.

- ``SqlAlchemyUnitOfWork`` owns its transaction (gRPC calls);
- ``JoinedUnitOfWork`` works inside a transaction someone else owns: the event
  consumer's, which also holds the inbox row, so the effect and the "processed"
  mark commit together. Its ``commit`` only flushes; the owner commits.
"""

from __future__ import annotations

from ropo_platform.db.unit_of_work import JoinedTransaction, OwnTransaction
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

#: ``ce-source`` of the events this service publishes.
EVENT_SOURCE = "/ropo/authorization"
_WRITER = OutboxWriter(EVENT_SOURCE)


class _Repositories(AbstractUnitOfWork):
    def _bind(self, session: AsyncSession) -> None:
        self.ownerships = SqlOwnershipRepository(session)
        self.access_facts = SqlAccessFacts(session)
        self.accessible_invoices = SqlAccessibleInvoiceView(session)
        self.authorizations = SqlAuthorizationRepository(session)
        self.lookup_grants = SqlLookupGrantRepository(session)
        self.requests = SqlRequestLog(session)
        self.events = SqlEventOutbox(session, _WRITER)


class SqlAlchemyUnitOfWork(_Repositories, OwnTransaction):
    """One transaction of its own; ``read_only`` ones skip the write lock and cannot commit."""


class JoinedUnitOfWork(_Repositories, JoinedTransaction):
    """Joins a transaction the caller owns (and commits or rolls back)."""
