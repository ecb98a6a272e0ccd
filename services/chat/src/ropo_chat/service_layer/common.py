"""What every chat use case shares: its dependencies, idempotent replay of mutating calls,
the retry when a concurrent writer won, and finding a conversation.

A mutating call runs in one transaction: look up ``(method, request_id)`` in the request
log (a hit replays the stored response byte for byte), do the work, store the response,
commit. A lost optimistic-lock race (``StaleConversation``) re-runs the whole transaction
on fresh data; after a few lost races the caller gets ``ABORTED`` and may retry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ropo_platform.errors import Aborted, NotFound

from ropo_chat.domain.conversation import Conversation, conversation_name
from ropo_chat.service_layer.ports import Conflict, IdSource, Responses
from ropo_chat.service_layer.unit_of_work import AbstractUnitOfWork, UnitOfWorkFactory

Clock = Callable[[], datetime]
ATTEMPTS = 5
REQUEST_IN_PROGRESS = "REQUEST_IN_PROGRESS"
CONVERSATION_NOT_FOUND = "CHAT_CONVERSATION_NOT_FOUND"
CONVERSATION_TYPE = "ropo.chat.v1.Conversation"


def utc_now() -> datetime:
    return datetime.now(UTC)


class StaleConversation(Exception):
    """The conversation changed between our read and our write; run the work again."""


@dataclass(frozen=True, slots=True)
class Mutation:
    """The idempotency identity of one mutating call."""

    method: str
    request_id: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Dependencies:
    """The ports every use case group is built with (``bootstrap`` wires them)."""

    uow: UnitOfWorkFactory
    responses: Responses
    ids: IdSource
    clock: Clock = utc_now


async def replayed(uow_factory: UnitOfWorkFactory, mutation: Mutation) -> bytes | None:
    """The stored response of an earlier call with the same request id, if any (a cheap
    look before work that calls other services)."""
    async with uow_factory(read_only=True) as uow:
        return await uow.requests.find(mutation.method, mutation.request_id, mutation.fingerprint)


async def run_idempotent(
    uow_factory: UnitOfWorkFactory,
    mutation: Mutation,
    work: Callable[[AbstractUnitOfWork], Awaitable[bytes]],
) -> bytes:
    """``work``'s response, stored under ``mutation``, or the stored one on a replay."""
    for _ in range(ATTEMPTS):
        async with uow_factory() as uow:
            stored = await uow.requests.find(
                mutation.method, mutation.request_id, mutation.fingerprint
            )
            if stored is not None:
                return stored
            try:
                response = await work(uow)
                await uow.requests.record(
                    mutation.method, mutation.request_id, mutation.fingerprint, response
                )
            except (StaleConversation, Conflict):
                # Lost a race (the same request id, or the same conversation): the next
                # round reads what the winner committed.
                continue
            await uow.commit()
            return response
    raise Aborted(REQUEST_IN_PROGRESS, "A concurrent change won; retry the request.")


async def existing(uow: AbstractUnitOfWork, conversation_id: str) -> Conversation:
    """The conversation, or ``NOT_FOUND`` ``CHAT_CONVERSATION_NOT_FOUND``."""
    conversation = await uow.conversations.get(conversation_id)
    if conversation is None:
        raise NotFound(
            CONVERSATION_NOT_FOUND,
            "The conversation does not exist.",
            resource_type=CONVERSATION_TYPE,
            resource_name=conversation_name(conversation_id),
        )
    return conversation


async def save(uow: AbstractUnitOfWork, conversation: Conversation, expected_version: int) -> None:
    """Store the conversation, its new messages and its events; ``StaleConversation`` when
    a concurrent change won."""
    if not await uow.conversations.update(conversation, expected_version):
        raise StaleConversation(conversation.id)
    await uow.events.publish(conversation.pull_events())
