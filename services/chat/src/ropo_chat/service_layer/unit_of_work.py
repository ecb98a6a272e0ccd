"""The unit of work: the transaction boundary the chat use cases see.

``async with uow:`` opens it; ``await uow.commit()`` makes the changes durable; leaving
the block without committing rolls back. Each use case call takes a fresh unit of work
from a factory (gRPC calls run concurrently).
"""

from __future__ import annotations

from typing import Protocol

from ropo_platform.unit_of_work import UnitOfWork

from ropo_chat.service_layer.ports import ChatEventOutbox, ConversationRepository, RequestLog


class AbstractUnitOfWork(UnitOfWork):
    """Repositories of one transaction."""

    conversations: ConversationRepository
    requests: RequestLog
    events: ChatEventOutbox


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work; ``read_only`` ones cannot commit."""

    def __call__(self, *, read_only: bool = False) -> AbstractUnitOfWork: ...
