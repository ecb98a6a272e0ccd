"""Units of work on the payment database.

- ``SqlAlchemyUnitOfWork`` owns its transaction (gRPC calls, the reconciler);
- ``JoinedUnitOfWork`` works inside a transaction someone else owns (the statement
  import settling PSP payments); its ``commit`` only flushes, the owner commits.
"""

from __future__ import annotations

from ropo_platform.db.unit_of_work import JoinedTransaction, OwnTransaction
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_payment.adapters.outbox import SqlPaymentEventOutbox
from ropo_payment.adapters.repository import (
    SqlCreateRequestLog,
    SqlInvoiceDirectory,
    SqlPaymentRepository,
    SqlPspMessageLog,
)
from ropo_payment.service_layer.unit_of_work import AbstractUnitOfWork


class _Repositories(AbstractUnitOfWork):
    def _bind(self, session: AsyncSession) -> None:
        self.payments = SqlPaymentRepository(session)
        self.create_requests = SqlCreateRequestLog(session)
        self.psp_messages = SqlPspMessageLog(session)
        self.invoices = SqlInvoiceDirectory(session)
        self.events = SqlPaymentEventOutbox(session)


class SqlAlchemyUnitOfWork(_Repositories, OwnTransaction):
    """One transaction of its own; ``read_only`` ones skip the write lock and cannot commit."""


class JoinedUnitOfWork(_Repositories, JoinedTransaction):
    """Joins a transaction the caller owns (and commits or rolls back)."""
