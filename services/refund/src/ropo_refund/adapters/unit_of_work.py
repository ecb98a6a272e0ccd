"""Units of work on the refund database.

- ``SqlAlchemyUnitOfWork`` owns its transaction (gRPC calls);
- ``JoinedUnitOfWork`` works inside a transaction someone else owns (an event
  consumer's, with its inbox row); its ``commit`` only flushes, the owner commits.
"""

from __future__ import annotations

from ropo_platform.db.unit_of_work import JoinedTransaction, OwnTransaction
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_refund.adapters.outbox import SqlRefundEventOutbox
from ropo_refund.adapters.payout_repository import SqlPayoutBatchRepository
from ropo_refund.adapters.records import SqlRequestLog, SqlVerificationLog
from ropo_refund.adapters.repository import SqlRefundCaseRepository
from ropo_refund.service_layer.unit_of_work import AbstractUnitOfWork


class _Repositories(AbstractUnitOfWork):
    def _bind(self, session: AsyncSession) -> None:
        self.cases = SqlRefundCaseRepository(session)
        self.batches = SqlPayoutBatchRepository(session)
        self.verifications = SqlVerificationLog(session)
        self.requests = SqlRequestLog(session)
        self.events = SqlRefundEventOutbox(session)


class SqlAlchemyUnitOfWork(_Repositories, OwnTransaction):
    """One transaction of its own; ``read_only`` ones skip the write lock and cannot commit."""


class JoinedUnitOfWork(_Repositories, JoinedTransaction):
    """Joins a transaction the caller owns (and commits or rolls back)."""
