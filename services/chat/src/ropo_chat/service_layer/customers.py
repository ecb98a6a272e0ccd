"""The customer's side of a conversation, and the bot that answers while nobody else does.

- ``start``: a new conversation; the bot greets (one message, intent GREETING);
- ``post``: the customer's or the assignee's message. While the conversation is with the
  bot, the bot's reply is posted in the same transaction; when the bot decides a person
  should answer, the conversation goes to the agent queue (its reply says so).

A logged-in person's invoice facts come from other services, so they are fetched before the
write transaction opens (a slow peer never holds a database lock) and only when the bot is
going to answer. A customer's messages are rate-limited per sender, from the post times in
this service's own database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ropo_chat.domain.bot import BotReply, BotTurn, Chatbot, HandoffReason, Intent, PersonFacts
from ropo_chat.domain.conversation import (
    PERSONS,
    Conversation,
    ConversationState,
    Message,
    MessageLink,
    is_agent,
)
from ropo_chat.domain.conversation import HandoffReason as ConversationHandoff
from ropo_chat.domain.limits import MessageRateLimit
from ropo_chat.domain.messages import clean_message_text
from ropo_chat.service_layer.common import (
    Dependencies,
    Mutation,
    existing,
    replayed,
    run_idempotent,
    save,
)
from ropo_chat.service_layer.ports import PersonFactsSource
from ropo_chat.service_layer.unit_of_work import AbstractUnitOfWork

START = "StartConversation"
POST = "PostMessage"
#: How many earlier bot answers the hand-off policy looks at.
HISTORY_TURNS = 5

_HANDOFF_REASONS = {
    HandoffReason.REQUESTED: ConversationHandoff.CUSTOMER_REQUEST,
    HandoffReason.LOW_CONFIDENCE: ConversationHandoff.LOW_CONFIDENCE,
    HandoffReason.UNHELPFUL_TWICE: ConversationHandoff.UNHELPFUL_ANSWERS,
}


@dataclass(frozen=True, slots=True)
class StartConversation:
    mutation: Mutation
    customer: str
    language_code: str
    invoice: str = ""


@dataclass(frozen=True, slots=True)
class PostMessage:
    mutation: Mutation
    conversation_id: str
    sender: str
    text: str
    sender_display_name: str = ""
    #: The page's language; empty for the conversation's.
    language_code: str = ""


class CustomerDesk:
    """Starting conversations and posting messages."""

    def __init__(
        self,
        deps: Dependencies,
        facts: PersonFactsSource,
        bot: Chatbot | None = None,
        rate_limit: MessageRateLimit | None = None,
    ) -> None:
        self._deps = deps
        self._facts = facts
        self._bot = bot or Chatbot()
        self._rate_limit = rate_limit or MessageRateLimit()

    async def start(self, command: StartConversation) -> bytes:
        stored = await replayed(self._deps.uow, command.mutation)
        if stored is not None:
            return stored
        facts = await self._facts_of(command.customer, command.language_code)

        async def work(uow: AbstractUnitOfWork) -> bytes:
            now = self._deps.clock()
            conversation = Conversation.start(
                self._deps.ids.new_id(),
                customer=command.customer,
                language_code=command.language_code,
                invoice=command.invoice,
                at=now,
            )
            greeting = _post_reply(conversation, self._bot.greet(command.language_code, facts), now)
            await uow.conversations.add(conversation)
            await uow.events.publish(conversation.pull_events())
            return self._deps.responses.started(conversation, [greeting])

        return await run_idempotent(self._deps.uow, command.mutation, work)

    async def post(self, command: PostMessage) -> bytes:
        stored = await replayed(self._deps.uow, command.mutation)
        if stored is not None:
            return stored
        facts = await self._facts_before_posting(command)

        async def work(uow: AbstractUnitOfWork) -> bytes:
            now = self._deps.clock()
            conversation = await existing(uow, command.conversation_id)
            expected = conversation.version
            replies: list[Message] = []
            if is_agent(command.sender):
                message = conversation.post_agent_message(
                    command.sender, command.text, now, display_name=command.sender_display_name
                )
            else:
                await self._check_rate(uow, command.sender, now)
                message, replies = await self._customer_writes(
                    uow, conversation, command, facts, now
                )
            await save(uow, conversation, expected)
            return self._deps.responses.posted(message, replies, conversation)

        return await run_idempotent(self._deps.uow, command.mutation, work)

    # ------------------------------------------------------------------ helpers

    async def _facts_before_posting(self, command: PostMessage) -> PersonFacts | None:
        """The person's facts when the bot is going to answer them; nothing otherwise. The
        refusals the write transaction would give anyway (a bad text, the rate limit) come
        here first, so that a refused message costs no calls to other services."""
        async with self._deps.uow(read_only=True) as uow:
            conversation = await existing(uow, command.conversation_id)
            if command.sender != conversation.customer:
                return None
            clean_message_text(command.text)
            await self._check_rate(uow, command.sender, self._deps.clock())
        if conversation.state is not ConversationState.BOT:
            return None
        return await self._facts_of(
            conversation.customer, command.language_code or conversation.language_code
        )

    async def _facts_of(self, customer: str, language_code: str) -> PersonFacts | None:
        if not customer.startswith(PERSONS):
            return None  # an anonymous visitor: general answers only
        return await self._facts.facts_for(customer, language_code)

    async def _check_rate(self, uow: AbstractUnitOfWork, sender: str, now: datetime) -> None:
        limit = self._rate_limit
        times = await uow.conversations.post_times(sender, now - limit.lookback, limit.max_relevant)
        limit.enforce(times, now)

    async def _customer_writes(
        self,
        uow: AbstractUnitOfWork,
        conversation: Conversation,
        command: PostMessage,
        facts: PersonFacts | None,
        now: datetime,
    ) -> tuple[Message, list[Message]]:
        if conversation.state is not ConversationState.BOT or command.sender != (
            conversation.customer
        ):
            # Queued or with an agent (or not the customer: the aggregate refuses it).
            message = conversation.post_customer_message(
                command.sender, command.text, now, language_code=command.language_code
            )
            return message, []
        # The bot reads what is stored: the text cleaned and a typed code masked.
        text = clean_message_text(command.text)
        earlier = await uow.conversations.bot_messages(conversation.id, HISTORY_TURNS)
        reply = self._bot.reply(
            text,
            command.language_code or conversation.language_code,
            facts,
            _history(earlier),
        )
        message = conversation.post_customer_message(
            command.sender, text, now, language_code=reply.language
        )
        answer = _post_reply(conversation, reply, now)
        if reply.handoff.hand_off and reply.handoff.reason is not None:
            conversation.hand_off(_HANDOFF_REASONS[reply.handoff.reason], now)
        return message, [answer]


def _post_reply(conversation: Conversation, reply: BotReply, at: datetime) -> Message:
    return conversation.post_bot_message(
        reply.intent,
        reply.confidence,
        reply.answer.text,
        at,
        language_code=reply.language,
        links=[MessageLink(link.path, link.label) for link in reply.answer.links],
    )


def _history(messages: Sequence[Message]) -> list[BotTurn]:
    turns = []
    for message in messages:
        try:
            turns.append(BotTurn(Intent(message.intent), message.confidence))
        except ValueError:
            continue  # an intent this version no longer knows says nothing about helpfulness
    return turns
