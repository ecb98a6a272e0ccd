"""Units of work on the chat database: ``SqlAlchemyUnitOfWork`` owns its transaction
(gRPC calls); read-only ones run queries without one and cannot commit."""

from __future__ import annotations

from ropo_platform.db.unit_of_work import OwnTransaction
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_chat.adapters.outbox import SqlChatEventOutbox
from ropo_chat.adapters.records import SqlRequestLog
from ropo_chat.adapters.repository import SqlConversationRepository
from ropo_chat.service_layer.unit_of_work import AbstractUnitOfWork


class _Repositories(AbstractUnitOfWork):
    def _bind(self, session: AsyncSession) -> None:
        self.conversations = SqlConversationRepository(session)
        self.requests = SqlRequestLog(session)
        self.events = SqlChatEventOutbox(session)


class SqlAlchemyUnitOfWork(_Repositories, OwnTransaction):
    """One transaction of its own; ``read_only`` ones skip the write lock and cannot commit."""
