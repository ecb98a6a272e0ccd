"""The chat database: the migrations create exactly the ORM tables, a conversation with
its messages survives a round trip, and a stale writer changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from chat_support import AGENT, ALICE
from ropo_chat.adapters.orm import metadata
from ropo_chat.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_chat.bootstrap import ChatApp
from ropo_chat.domain.bot import Intent
from ropo_chat.domain.conversation import Conversation, HandoffReason, MessageLink
from ropo_chat.service_layer.ports import Conflict, ConversationFilter

pytestmark = pytest.mark.postgres
AT = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
CONVERSATION = "00000000-0000-4000-8000-00000000c001"


async def test_migrations_create_exactly_the_orm_tables(app: ChatApp) -> None:
    def diff(connection: sa.Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with app.database.engine.connect() as connection:
        assert await connection.run_sync(diff) == []
    await app.database.check_ready(app.migrations)


async def test_a_conversation_and_its_messages_round_trip(app: ChatApp) -> None:
    conversation = Conversation.start(CONVERSATION, customer=ALICE, language_code="fi", at=AT)
    conversation.post_bot_message(
        Intent.GREETING, 1.0, "Hei!", AT, links=[MessageLink("/", "Laskut")]
    )
    async with SqlAlchemyUnitOfWork(app.database) as uow:
        await uow.conversations.add(conversation)
        with pytest.raises(Conflict):
            await uow.conversations.add(conversation)
        await uow.commit()
    expected = conversation.version
    later = AT + timedelta(minutes=1)
    conversation.post_customer_message(ALICE, "Haluan puhua ihmisen kanssa", later)
    conversation.hand_off(HandoffReason.CUSTOMER_REQUEST, later)
    conversation.claim(AGENT, "Anna", later)
    conversation.pull_events()
    async with SqlAlchemyUnitOfWork(app.database) as uow:
        assert await uow.conversations.update(conversation, expected)
        assert not await uow.conversations.update(conversation, expected)  # moved on
        await uow.commit()
    async with SqlAlchemyUnitOfWork(app.database, read_only=True) as uow:
        stored = await uow.conversations.get(CONVERSATION)
        assert stored == conversation
        messages = await uow.conversations.messages(CONVERSATION, 0, 10)
        assert [message.sequence for message in messages] == [1, 2]
        assert messages[0].links == (MessageLink("/", "Laskut"),)
        assert messages[0].intent == "greeting" and messages[0].confidence == 1.0
        assert [m.sequence for m in await uow.conversations.bot_messages(CONVERSATION, 5)] == [1]
        assert await uow.conversations.post_times(ALICE, AT, 10) == [later]
        mine = await uow.conversations.list(ConversationFilter(assignee=AGENT), None, 10)
        assert [item.id for item in mine] == [CONVERSATION]
