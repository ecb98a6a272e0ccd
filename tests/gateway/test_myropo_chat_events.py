"""Live chat updates as Server-Sent Events: the headers (no caching, no proxy buffering), the
events (``message`` with the message name as id, ``state``), where a stream resumes (the
page's ``?after=``, a reconnecting browser's ``Last-Event-ID``), the keep-alive comment, and
that the gRPC watch is cancelled whenever the stream ends — the conversation closed, the
watch failed, or the browser went away."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest_asyncio
from myropo_fakes import MAIJA, FakeWatch, Harness, chat_error, running_gateway
from ropo_gateway.chat_events import encode, event_stream, resume_point
from ropo_gateway.clients.chat import ChatLink, ConversationState, ConversationView, MessageView
from ropo_gateway.clients.chat import SenderType as Sender


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_gateway(tmp_path) as h:
        yield h


def events(body: str) -> list[dict[str, Any]]:
    """The events of an SSE body: their fields, ``data`` parsed (comments left out)."""
    found: list[dict[str, Any]] = []
    for block in body.split("\n\n"):
        fields: dict[str, Any] = {}
        for line in block.splitlines():
            if line.startswith(":") or ": " not in line:
                continue
            name, value = line.split(": ", 1)
            fields[name] = json.loads(value) if name == "data" else value
        if "event" in fields:
            found.append(fields)
    return found


def agent_message(conversation: ConversationView, number: int, text: str) -> MessageView:
    return MessageView(
        name=f"{conversation.name}/messages/{number:010d}",
        sender_type=Sender.AGENT,
        sender="staffUsers/aino",
        sender_display_name="Aino",
        text=text,
        links=(),
        language_code="fi",
        create_time=None,
    )


async def test_the_stream_sends_messages_and_states_and_ends_when_the_conversation_closes(
    gateway: Harness,
) -> None:
    conversation = gateway.chat.open_conversation(MAIJA.subject)
    greeting = gateway.chat.transcript(conversation.name)[0]
    await gateway.chat.post_message("k1", conversation.name, MAIJA.subject, "Hei", "fi")
    joined = gateway.chat._update(
        conversation.name,
        state=ConversationState.WITH_AGENT,
        assignee="staffUsers/aino",
        assignee_display_name="Aino",
    )
    closed = gateway.chat._update(conversation.name, state=ConversationState.CLOSED)
    gateway.chat.conversations[conversation.name] = joined
    reply = agent_message(conversation, 4, "Autan mielelläni.")
    gateway.chat.live = [joined, reply, closed]

    answer = await gateway.client.get(
        f"/chat/{conversation.id}/events", params={"after": greeting.name}
    )

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert answer.headers["cache-control"] == "no-cache"
    assert answer.headers["x-accel-buffering"] == "no"
    assert answer.text.startswith("retry: 3000\n\n")
    sent = events(answer.text)
    assert [(item.get("event"), item.get("id")) for item in sent] == [
        ("message", f"{conversation.name}/messages/0000000002"),
        ("message", f"{conversation.name}/messages/0000000003"),
        ("state", None),
        ("message", reply.name),
        ("state", None),
    ]
    assert sent[0]["data"]["text"] == "Hei"
    assert sent[0]["data"]["sender_type"] == "CUSTOMER"
    assert sent[1]["data"]["links"][0]["path"] == "/laskut/maija-1#maksuaika"
    assert [link["path"] for link in sent[1]["data"]["links"]] == ["/laskut/maija-1#maksuaika"]
    assert sent[2]["data"] == {"state": "WITH_AGENT", "assignee_display_name": "Aino"}
    assert sent[3]["data"] == {
        "id": reply.name,
        "sender_type": "AGENT",
        "sender_display_name": "Aino",
        "text": "Autan mielelläni.",
        "links": [],
        "create_time": "",
    }
    assert sent[4]["data"]["state"] == "CLOSED"
    [(watched, after, watch)] = gateway.chat.watches
    assert (watched, after) == (conversation.name, greeting.name)
    assert watch.cancelled


async def test_a_reconnecting_browser_resumes_after_its_last_event(gateway: Harness) -> None:
    conversation = gateway.chat.open_conversation(MAIJA.subject)
    other = gateway.chat.open_conversation("persons/" + "d" * 64)
    mine = f"{conversation.name}/messages/0000000007"

    await gateway.client.get(
        f"/chat/{conversation.id}/events",
        params={"after": f"{conversation.name}/messages/0000000001"},
        headers={"Last-Event-ID": mine},
    )
    # Another conversation's message is no resume point.
    await gateway.client.get(
        f"/chat/{conversation.id}/events",
        headers={"Last-Event-ID": f"{other.name}/messages/0000000001"},
    )

    assert [after for _, after, _ in gateway.chat.watches] == [mine, ""]


def test_resume_point_takes_only_a_message_of_the_conversation() -> None:
    name = "conversations/abc"
    assert resume_point(name, None, f"{name}/messages/0000000003") == f"{name}/messages/0000000003"
    assert resume_point(name, f"{name}/messages/9", "x") == f"{name}/messages/9"
    assert resume_point(name, "conversations/abcd/messages/1", None) == ""
    assert resume_point(name, f"{name}/messages/1\nevent: x", None) == ""
    assert resume_point(name, f"{name}/messages/", "") == ""


async def test_a_closed_conversation_has_no_stream(gateway: Harness) -> None:
    conversation = gateway.chat.open_conversation(MAIJA.subject, state=ConversationState.CLOSED)

    answer = await gateway.client.get(f"/chat/{conversation.id}/events")

    # 204 tells EventSource to stop reconnecting.
    assert answer.status_code == 204
    assert gateway.chat.watches == []


async def test_a_failed_watch_ends_the_stream_and_is_cancelled(gateway: Harness) -> None:
    conversation = gateway.chat.open_conversation(MAIJA.subject)
    gateway.chat.live = [agent_message(conversation, 2, "Hetkinen")]
    gateway.chat.watch_error = chat_error(grpc.StatusCode.UNAVAILABLE, "UNAVAILABLE")

    answer = await gateway.client.get(f"/chat/{conversation.id}/events")

    assert answer.status_code == 200
    assert [item["data"]["text"] for item in events(answer.text)] == ["Hetkinen"]
    assert gateway.chat.watches[0][2].cancelled


def test_an_event_is_one_json_line_whatever_the_text() -> None:
    message = MessageView(
        name="conversations/c/messages/0000000001",
        sender_type=Sender.CUSTOMER,
        sender="persons/x",
        sender_display_name="",
        text='rivi 1\n\ndata: {"x":1}\n<script>alert(1)</script>',
        links=(ChatLink("javascript:alert(1)", "x"), ChatLink("//evil.example", "y")),
        language_code="fi",
        create_time=None,
    )

    encoded = encode(message)

    lines = encoded.split("\n")
    assert lines[:2] == ["event: message", "id: conversations/c/messages/0000000001"]
    assert lines[2].startswith("data: ")
    assert lines[3:] == ["", ""]
    data = json.loads(lines[2].removeprefix("data: "))
    assert data["text"] == message.text
    assert data["links"] == []


async def test_keep_alive_comments_flow_until_the_browser_is_gone() -> None:
    watch = FakeWatch([], [], hold=True)
    checks = 0

    async def disconnected() -> bool:
        nonlocal checks
        checks += 1
        return checks > 2

    chunks = [chunk async for chunk in event_stream(watch, disconnected, keep_alive_seconds=0.02)]

    assert chunks == ["retry: 3000\n\n", ": keep-alive\n\n", ": keep-alive\n\n"]
    assert watch.cancelled


async def test_a_browser_that_goes_away_cancels_the_watch(gateway: Harness) -> None:
    """The app called as a server would: the browser disconnects while the stream waits."""
    conversation = gateway.chat.open_conversation(MAIJA.subject)
    gateway.chat.hold_watches = True
    app = gateway.client._transport.app  # type: ignore[attr-defined]
    sent: list[dict[str, Any]] = []
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and b"retry:" in message.get("body", b""):
            gone.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": f"/chat/{conversation.id}/events",
        "raw_path": f"/chat/{conversation.id}/events".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"localhost"),
            (b"cookie", f"ropo_session={gateway.session_token}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
        "state": {"runtime": gateway.runtime},
    }

    await asyncio.wait_for(app(scope, receive, send), timeout=5)

    assert sent[0]["status"] == 200
    [(_, _, watch)] = gateway.chat.watches
    assert watch.cancelled
