"""ChatService over a real gRPC server on a real database (SQLite; PostgreSQL too when
ROPO_TEST_POSTGRES_URL is set), with the bot's facts read from real gRPC stand-ins of the
authorization and invoice services: the bot, the hand-off to the agent queue, agents,
masking, the rate limit, idempotent replay and every way a call must be refused."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import grpc
import pytest
import sqlalchemy as sa
from chat_support import (
    AGENT,
    AGENT_2,
    ALICE,
    ALICE_OPEN,
    BOB,
    BOB_OPEN,
    HETU,
    VISITOR,
    Peers,
    RunningChat,
    call_error,
    chat_settings,
    claim,
    close,
    count_rows,
    new_request_id,
    post,
    start,
    start_chat,
    stop_chat,
)
from ropo.chat.v1 import chat_service_pb2 as pb
from ropo.chat.v1 import conversation_pb2, message_pb2
from ropo_chat.adapters.outbox import (
    CONVERSATION_CLOSED,
    CONVERSATION_HANDED_OFF,
    CONVERSATION_STARTED,
    MESSAGE_POSTED,
)
from ropo_chat.bootstrap import bootstrap
from ropo_chat.domain.limits import MessageRateLimit, RateWindow

pytestmark = pytest.mark.postgres
Conversation = conversation_pb2.Conversation
OUTBOX_COUNT = "SELECT count(*) FROM outbox WHERE event_type = :t"


async def started(running: RunningChat, customer: str = ALICE, language: str = "fi") -> str:
    response = await running.stub.StartConversation(start(customer, language))
    return response.conversation.name


async def queued(running: RunningChat, customer: str = ALICE) -> str:
    name = await started(running, customer)
    await running.stub.PostMessage(post(name, "Haluan puhua ihmisen kanssa", customer))
    return name


async def transcript(running: RunningChat, name: str) -> list[message_pb2.Message]:
    response = await running.stub.ListMessages(pb.ListMessagesRequest(conversation=name))
    return list(response.messages)


# --------------------------------------------------------------------------- the bot


async def test_the_bot_greets_a_person_with_their_own_invoices(running: RunningChat) -> None:
    response = await running.stub.StartConversation(start(ALICE, "fi", invoice=ALICE_OPEN.name))
    conversation = response.conversation
    assert conversation.name.startswith("conversations/")
    assert (conversation.state, conversation.customer) == (Conversation.STATE_BOT, ALICE)
    assert (conversation.language_code, conversation.invoice) == ("fi", ALICE_OPEN.name)
    [greeting] = response.messages
    assert greeting.sender_type == message_pb2.SENDER_TYPE_BOT
    assert greeting.intent == message_pb2.INTENT_GREETING
    assert greeting.sender_display_name == "Ropo-botti"
    assert "yksi avoin lasku" in greeting.text  # the paid one does not count
    assert greeting.name == f"{conversation.name}/messages/0000000001"
    assert running.peers is not None
    assert running.peers.authorization.subjects == [ALICE]
    database = running.app.database
    assert await count_rows(database, OUTBOX_COUNT, t=CONVERSATION_STARTED) == 1
    assert await count_rows(database, OUTBOX_COUNT, t=MESSAGE_POSTED) == 1


async def test_answers_name_only_the_invoices_the_authorization_service_lists(
    running: RunningChat,
) -> None:
    alice = await started(running, ALICE)
    bob = await started(running, BOB)

    answer = await running.stub.PostMessage(post(alice, "Voinko siirtää eräpäivää?", ALICE))
    [reply] = answer.replies
    assert reply.intent == message_pb2.INTENT_DUE_DATE_EXTENSION
    assert "A-1001" in reply.text and "Laskuttaja Oy" in reply.text
    assert [link.path for link in reply.links] == ["/laskut/inv-a1#maksuaika"]
    # BOB's invoice is known to the invoice service, but not listed for ALICE.
    assert "B-9999" not in answer.SerializeToString().decode("utf-8", "replace")
    assert "inv-b1" not in answer.SerializeToString().decode("utf-8", "replace")
    assert answer.conversation.state == Conversation.STATE_BOT

    bobs = await running.stub.PostMessage(post(bob, "Miten maksan laskun?", BOB))
    [bob_reply] = bobs.replies
    assert "B-9999" in bob_reply.text and "A-1001" not in bob_reply.text
    assert [link.path for link in bob_reply.links] == ["/laskut/inv-b1/maksa"]
    assert running.peers is not None
    assert set(running.peers.authorization.subjects) == {ALICE, BOB}


async def test_a_visitor_gets_general_answers_and_no_peer_is_asked(running: RunningChat) -> None:
    name = await started(running, VISITOR, "en")
    answer = await running.stub.PostMessage(post(name, "How do I pay my invoice?", VISITOR))
    [reply] = answer.replies
    assert reply.intent == message_pb2.INTENT_PAY_INVOICE
    assert reply.language_code == "en"
    assert "A-1001" not in reply.text and "B-9999" not in reply.text
    assert running.peers is not None
    assert running.peers.authorization.subjects == []


async def test_a_failing_peer_leaves_the_bot_answering_without_facts(
    running: RunningChat,
) -> None:
    name = await started(running, ALICE)
    assert running.peers is not None
    running.peers.authorization.fail_with = grpc.StatusCode.UNAVAILABLE
    answer = await running.stub.PostMessage(post(name, "Voinko siirtää eräpäivää?", ALICE))
    [reply] = answer.replies
    assert reply.intent == message_pb2.INTENT_DUE_DATE_EXTENSION
    assert "A-1001" not in reply.text
    assert answer.message.text == "Voinko siirtää eräpäivää?"


async def test_a_slow_peer_is_not_waited_for_beyond_the_timeout(
    migrated_url: str, peers: Peers
) -> None:
    app = bootstrap(
        chat_settings(
            migrated_url,
            authorization_addr=peers.address,
            invoice_addr=peers.address,
            peer_timeout_seconds=0.3,
        )
    )
    running = await start_chat(app, peers)
    try:
        peers.invoices.delay_seconds = 2.0
        loop = asyncio.get_running_loop()
        began = loop.time()
        response = await running.stub.StartConversation(start(ALICE))
        assert loop.time() - began < 1.5
        assert "avoin" not in response.messages[0].text  # greeted without facts
    finally:
        peers.invoices.delay_seconds = 0.0
        await stop_chat(running)
        await app.close()


# --------------------------------------------------------------------------- hand-off and agents


async def test_handoff_queue_claim_answer_and_close(running: RunningChat) -> None:
    name = await started(running, ALICE)
    handed = await running.stub.PostMessage(post(name, "Haluan puhua ihmisen kanssa", ALICE))
    assert handed.conversation.state == Conversation.STATE_QUEUED
    assert handed.conversation.handoff_reason == conversation_pb2.HANDOFF_REASON_CUSTOMER_REQUEST
    assert handed.conversation.HasField("handoff_time")
    [notice] = handed.replies
    assert notice.intent == message_pb2.INTENT_CONTACT_HUMAN
    assert "asiakaspalvelijalle" in notice.text

    queue = await running.stub.ListQueue(pb.ListQueueRequest(language_code="fi"))
    assert [item.name for item in queue.conversations] == [name]
    assert queue.conversations[0].last_message_text == notice.text
    swedish = await running.stub.ListQueue(pb.ListQueueRequest(language_code="sv"))
    assert list(swedish.conversations) == []

    waiting = await running.stub.PostMessage(post(name, "Odotan vastausta.", ALICE))
    assert list(waiting.replies) == []  # no bot while queued
    assert waiting.conversation.state == Conversation.STATE_QUEUED

    claimed = (await running.stub.ClaimConversation(claim(name, AGENT, "Anna"))).conversation
    assert (claimed.state, claimed.assignee) == (Conversation.STATE_WITH_AGENT, AGENT)
    assert claimed.assignee_display_name == "Anna"
    assert list((await running.stub.ListQueue(pb.ListQueueRequest())).conversations) == []
    again = await call_error(running.stub.ClaimConversation(claim(name, AGENT_2, "Bertil")))
    assert (again.code, again.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "CHAT_CONVERSATION_ALREADY_CLAIMED",
    )

    stranger = await call_error(running.stub.PostMessage(post(name, "Minäkin!", AGENT_2)))
    assert (stranger.code, stranger.reason) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "CHAT_NOT_ASSIGNEE",
    )
    answered = await running.stub.PostMessage(
        post(name, "Hei, olen Anna. Miten voin auttaa?", AGENT)
    )
    assert answered.message.sender_type == message_pb2.SENDER_TYPE_AGENT
    assert (answered.message.sender, answered.message.sender_display_name) == (AGENT, "Anna")
    assert list(answered.replies) == []
    mine = await running.stub.ListConversations(pb.ListConversationsRequest(assignee=AGENT))
    assert [item.name for item in mine.conversations] == [name]

    closed = (await running.stub.CloseConversation(close(name, AGENT))).conversation
    assert closed.state == Conversation.STATE_CLOSED and closed.HasField("close_time")
    refused = await call_error(running.stub.PostMessage(post(name, "Vielä yksi asia", ALICE)))
    assert (refused.code, refused.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "CHAT_CONVERSATION_CLOSED",
    )

    messages = await transcript(running, name)
    assert [message.sender_type for message in messages] == [
        message_pb2.SENDER_TYPE_BOT,
        message_pb2.SENDER_TYPE_CUSTOMER,
        message_pb2.SENDER_TYPE_BOT,
        message_pb2.SENDER_TYPE_CUSTOMER,
        message_pb2.SENDER_TYPE_SYSTEM,
        message_pb2.SENDER_TYPE_AGENT,
    ]
    assert "Anna" in messages[4].text
    assert [message.name for message in messages] == sorted(message.name for message in messages)
    database = running.app.database
    assert await count_rows(database, OUTBOX_COUNT, t=CONVERSATION_HANDED_OFF) == 1
    assert await count_rows(database, OUTBOX_COUNT, t=CONVERSATION_CLOSED) == 1
    assert await count_rows(database, OUTBOX_COUNT, t=MESSAGE_POSTED) == 6


async def test_transfer_to_another_agent_and_back_to_the_queue(running: RunningChat) -> None:
    name = await queued(running)
    await running.stub.ClaimConversation(claim(name, AGENT, "Anna"))
    moved = await running.stub.TransferConversation(
        pb.TransferConversationRequest(
            request_id=new_request_id(),
            conversation=name,
            actor=AGENT,
            target_agent=AGENT_2,
            target_agent_display_name="Bertil",
        )
    )
    assert (moved.conversation.assignee, moved.conversation.state) == (
        AGENT_2,
        Conversation.STATE_WITH_AGENT,
    )
    assert moved.conversation.handoff_reason == conversation_pb2.HANDOFF_REASON_TRANSFER
    former = await call_error(running.stub.PostMessage(post(name, "Olen yhä täällä", AGENT)))
    assert former.reason == "CHAT_NOT_ASSIGNEE"
    back = await running.stub.TransferConversation(
        pb.TransferConversationRequest(
            request_id=new_request_id(), conversation=name, actor=AGENT_2
        )
    )
    assert (back.conversation.state, back.conversation.assignee) == (Conversation.STATE_QUEUED, "")
    queue = await running.stub.ListQueue(pb.ListQueueRequest())
    assert [item.name for item in queue.conversations] == [name]
    texts = [message.text for message in await transcript(running, name)]
    assert any("Bertil" in text for text in texts)


async def test_the_bot_hands_off_when_it_cannot_help(running: RunningChat) -> None:
    name = await started(running, VISITOR, "en")
    response = await running.stub.PostMessage(post(name, "qwzx vbnm plkj", VISITOR))
    assert response.conversation.state == Conversation.STATE_QUEUED
    assert response.conversation.handoff_reason == conversation_pb2.HANDOFF_REASON_LOW_CONFIDENCE


async def test_the_queue_is_oldest_handoff_first_and_pages(running: RunningChat) -> None:
    names = [await queued(running, customer) for customer in (ALICE, BOB, VISITOR)]
    first = await running.stub.ListQueue(pb.ListQueueRequest(page_size=2))
    assert [item.name for item in first.conversations] == names[:2]
    rest = await running.stub.ListQueue(
        pb.ListQueueRequest(page_size=2, page_token=first.next_page_token)
    )
    assert [item.name for item in rest.conversations] == names[2:]
    assert rest.next_page_token == ""
    foreign = await call_error(
        running.stub.ListQueue(
            pb.ListQueueRequest(page_token=first.next_page_token, language_code="fi")
        )
    )
    assert foreign.code == grpc.StatusCode.INVALID_ARGUMENT


# --------------------------------------------------------------------------- messages


async def test_a_typed_henkilotunnus_is_stored_and_returned_masked(running: RunningChat) -> None:
    name = await started(running, ALICE)
    response = await running.stub.PostMessage(
        post(name, f"Henkilötunnukseni on {HETU}, auttakaa", ALICE)
    )
    assert response.message.text == "Henkilötunnukseni on 131052-****, auttakaa"
    assert HETU not in response.SerializeToString().decode("utf-8", "replace")
    listed = await transcript(running, name)
    assert all(HETU not in message.text for message in listed)
    database = running.app.database
    stored_texts = (
        "SELECT count(*) FROM chat_messages WHERE text LIKE :pattern",
        "SELECT count(*) FROM conversations WHERE last_message_text LIKE :pattern",
    )
    for sql in stored_texts:
        assert await count_rows(database, sql, pattern="%308T%") == 0
    async with database.session() as session:
        payloads = (await session.execute(sa.text("SELECT payload FROM outbox"))).all()
    assert all(b"308T" not in bytes(row[0]) for row in payloads)


async def test_too_many_messages_are_refused_with_a_retry_delay(
    migrated_url: str, peers: Peers
) -> None:
    limit = MessageRateLimit((RateWindow(timedelta(seconds=60), 3),))
    app = bootstrap(
        chat_settings(migrated_url, authorization_addr=peers.address, invoice_addr=peers.address),
        rate_limit=limit,
    )
    running = await start_chat(app, peers)
    try:
        name = await started(running, VISITOR)
        for text in ("hei", "miten maksan", "kiitos"):
            await running.stub.PostMessage(post(name, text, VISITOR))
        error = await call_error(running.stub.PostMessage(post(name, "vielä", VISITOR)))
        assert error.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert error.reason == "CHAT_MESSAGE_RATE_LIMITED"
        assert error.retry_after_seconds is not None and 0 < error.retry_after_seconds <= 60
        assert error.error_info is not None and error.error_info.domain == "chat.ropo"
        customer_messages = "SELECT count(*) FROM chat_messages WHERE sender = :s"
        assert await count_rows(app.database, customer_messages, s=VISITOR) == 3
    finally:
        await stop_chat(running)
        await app.close()


async def test_post_message_replays_its_response_for_the_same_request_id(
    running: RunningChat,
) -> None:
    name = await started(running, ALICE)
    request = post(name, "Miten maksan laskun?", ALICE)
    first = await running.stub.PostMessage(request)
    second = await running.stub.PostMessage(request)
    assert second.SerializeToString() == first.SerializeToString()
    sql = "SELECT count(*) FROM chat_messages WHERE conversation_id = :c"
    conversation_id = name.removeprefix("conversations/")
    assert await count_rows(running.app.database, sql, c=conversation_id) == 3  # greeting, Q, A
    reused = await call_error(
        running.stub.PostMessage(post(name, "Jotain muuta", ALICE, request_id=request.request_id))
    )
    assert (reused.code, reused.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED")
    replayed_start = start(ALICE)
    one = await running.stub.StartConversation(replayed_start)
    two = await running.stub.StartConversation(replayed_start)
    assert one.conversation.name == two.conversation.name


async def test_list_messages_pages_in_posting_order(running: RunningChat) -> None:
    name = await started(running, VISITOR, "en")
    for text in ("hello", "how do I pay", "thanks"):
        await running.stub.PostMessage(post(name, text, VISITOR))
    seen: list[str] = []
    token = ""
    while True:
        page = await running.stub.ListMessages(
            pb.ListMessagesRequest(conversation=name, page_size=3, page_token=token)
        )
        seen.extend(message.name for message in page.messages)
        token = page.next_page_token
        if not token:
            break
    assert len(seen) == 7 and seen == sorted(seen)


async def test_list_conversations_of_a_customer_newest_first(running: RunningChat) -> None:
    older = await started(running, ALICE)
    newer = await started(running, ALICE)
    await started(running, BOB)
    listed = await running.stub.ListConversations(pb.ListConversationsRequest(customer=ALICE))
    assert [item.name for item in listed.conversations] == [newer, older]
    await running.stub.PostMessage(post(older, "hei", ALICE))
    listed = await running.stub.ListConversations(pb.ListConversationsRequest(customer=ALICE))
    assert [item.name for item in listed.conversations] == [older, newer]
    only_bot = await running.stub.ListConversations(
        pb.ListConversationsRequest(customer=BOB, state=Conversation.STATE_QUEUED)
    )
    assert list(only_bot.conversations) == []
    got = await running.stub.GetConversation(pb.GetConversationRequest(name=older))
    assert got.conversation.last_message_text and got.conversation.customer == ALICE


# --------------------------------------------------------------------------- refusals


async def test_bad_requests_name_every_field(running: RunningChat) -> None:
    error = await call_error(running.stub.StartConversation(pb.StartConversationRequest()))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {violation.field for violation in error.field_violations} == {
        "request_id",
        "customer",
        "language_code",
    }
    bad_post = await call_error(
        running.stub.PostMessage(pb.PostMessageRequest(request_id="x", conversation="c/1"))
    )
    assert {violation.field for violation in bad_post.field_violations} == {
        "request_id",
        "conversation",
        "sender",
    }
    listing = await call_error(running.stub.ListConversations(pb.ListConversationsRequest()))
    assert [violation.field for violation in listing.field_violations] == ["customer"]
    name = await started(running, ALICE)
    empty = await call_error(running.stub.PostMessage(post(name, "   ", ALICE)))
    assert (empty.code, empty.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "CHAT_MESSAGE_EMPTY")


async def test_unknown_conversations_and_strangers_are_refused(running: RunningChat) -> None:
    missing = "conversations/00000000-0000-4000-8000-000000000000"
    error = await call_error(running.stub.GetConversation(pb.GetConversationRequest(name=missing)))
    assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "CHAT_CONVERSATION_NOT_FOUND")
    error = await call_error(running.stub.PostMessage(post(missing, "hei", ALICE)))
    assert error.code == grpc.StatusCode.NOT_FOUND
    name = await started(running, ALICE)
    stranger = await call_error(running.stub.PostMessage(post(name, "hei", BOB)))
    assert (stranger.code, stranger.reason) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "CHAT_NOT_CONVERSATION_CUSTOMER",
    )
    not_queued = await call_error(running.stub.ClaimConversation(claim(name)))
    assert not_queued.reason == "CHAT_CONVERSATION_NOT_QUEUED"
    closer = await call_error(running.stub.CloseConversation(close(name, BOB)))
    assert closer.code == grpc.StatusCode.PERMISSION_DENIED
    assert (await running.stub.CloseConversation(close(name, ALICE))).conversation.state == (
        Conversation.STATE_CLOSED
    )
    assert BOB_OPEN.name not in str(await transcript(running, name))
