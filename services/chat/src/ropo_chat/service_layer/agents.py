"""Customer service's side: claim a queued conversation, pass it on, close it.

Who may do what is the aggregate's rule (``domain.conversation``); this module adds the
system notices the customer sees in the transcript when the person answering changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ropo_chat.domain import notices
from ropo_chat.service_layer.common import Dependencies, Mutation, existing, run_idempotent, save
from ropo_chat.service_layer.unit_of_work import AbstractUnitOfWork

CLAIM = "ClaimConversation"
TRANSFER = "TransferConversation"
CLOSE = "CloseConversation"


@dataclass(frozen=True, slots=True)
class ClaimConversation:
    mutation: Mutation
    conversation_id: str
    agent: str
    agent_display_name: str


@dataclass(frozen=True, slots=True)
class TransferConversation:
    mutation: Mutation
    conversation_id: str
    actor: str
    #: Empty: back to the queue.
    target_agent: str = ""
    target_agent_display_name: str = ""


@dataclass(frozen=True, slots=True)
class CloseConversation:
    mutation: Mutation
    conversation_id: str
    #: The customer or a staff user.
    actor: str


class AgentDesk:
    """The use cases that change who handles a conversation."""

    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    async def claim(self, command: ClaimConversation) -> bytes:
        async def work(uow: AbstractUnitOfWork) -> bytes:
            now = self._deps.clock()
            conversation = await existing(uow, command.conversation_id)
            expected = conversation.version
            conversation.claim(command.agent, command.agent_display_name, now)
            joined = notices.agent_joined(
                conversation.language_code, conversation.assignee_display_name
            )
            conversation.post_system_message(joined, now)
            await save(uow, conversation, expected)
            return self._deps.responses.changed(CLAIM, conversation)

        return await run_idempotent(self._deps.uow, command.mutation, work)

    async def transfer(self, command: TransferConversation) -> bytes:
        async def work(uow: AbstractUnitOfWork) -> bytes:
            now = self._deps.clock()
            conversation = await existing(uow, command.conversation_id)
            expected = conversation.version
            conversation.transfer(
                command.actor,
                now,
                target_agent=command.target_agent,
                target_display_name=command.target_agent_display_name,
            )
            language = conversation.language_code
            notice = (
                notices.agent_joined(language, conversation.assignee_display_name)
                if conversation.assignee
                else notices.back_to_queue(language)
            )
            conversation.post_system_message(notice, now)
            await save(uow, conversation, expected)
            return self._deps.responses.changed(TRANSFER, conversation)

        return await run_idempotent(self._deps.uow, command.mutation, work)

    async def close(self, command: CloseConversation) -> bytes:
        async def work(uow: AbstractUnitOfWork) -> bytes:
            conversation = await existing(uow, command.conversation_id)
            expected = conversation.version
            conversation.close(command.actor, self._deps.clock())
            await save(uow, conversation, expected)
            return self._deps.responses.changed(CLOSE, conversation)

        return await run_idempotent(self._deps.uow, command.mutation, work)
