"""Live chat updates as Server-Sent Events, shared by MyRopo's and Ropo One's chat pages.

``GET .../events`` answers ``text/event-stream`` fed by the chat service's
``WatchConversation``: ``event: message`` with ``{id, sender_type, sender_display_name,
text, links, create_time}`` (the event id is the message name, so a browser that
reconnects sends it back in ``Last-Event-ID`` and resumes after it) and ``event: state``
with ``{state, assignee_display_name}``. A comment line every ``KEEP_ALIVE_SECONDS`` keeps
proxies from closing an idle stream and lets the gateway notice a browser that went
away; the gRPC call is cancelled then, and when the stream ends for any other reason.

The gRPC stream is read by a task of its own into a queue: waiting on the queue with a
timeout is safe, while a timeout around the stream's own read would cancel the call.
Text goes out as JSON (the page's script inserts it with ``textContent``), and a bot's
link only when it is a path within the site.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final, Protocol

from ropo_platform.logging import get_logger
from starlette.responses import StreamingResponse

from ropo_gateway.clients.chat import ChatLink, ChatUpdate, ConversationView, MessageView
from ropo_gateway.errors import UpstreamError

_log = get_logger("ropo_gateway.chat")

KEEP_ALIVE_SECONDS: Final = 15.0
#: How long a browser waits before it reconnects after the stream broke.
RECONNECT_MILLISECONDS: Final = 3000
#: Updates read ahead of a slow browser; the gRPC stream waits beyond that.
QUEUE_SIZE: Final = 64
SSE_HEADERS: Final = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
MEDIA_TYPE: Final = "text/event-stream"
# A path within the site: one leading slash, no scheme, no backslash, no whitespace.
_SITE_PATH: Final = re.compile(r"^/(?![/\\])[^\s\\]*$")
_MESSAGE_ID: Final = re.compile(
    r"^conversations/[A-Za-z0-9][A-Za-z0-9._~-]{0,127}/messages/[0-9]{1,20}$"
)


class ConversationWatch(Protocol):
    """The live updates of one conversation (``clients.chat.ConversationWatch``)."""

    def __aiter__(self) -> AsyncIterator[ChatUpdate]: ...

    def cancel(self) -> None: ...


def site_links(message: MessageView) -> tuple[ChatLink, ...]:
    """The message's links that lead to a page of this site (anything else is dropped: the
    text of a link comes from the chat service, its target must not lead elsewhere)."""
    return tuple(link for link in message.links if _SITE_PATH.match(link.path))


def message_data(message: MessageView) -> dict[str, Any]:
    """The JSON of one message, as the SSE and the chat form's fetch answer send it."""
    return {
        "id": message.name,
        "sender_type": message.sender_type.value,
        "sender_display_name": message.sender_display_name,
        "text": message.text,
        "links": [{"path": link.path, "label": link.label} for link in site_links(message)],
        "create_time": message.create_time.isoformat() if message.create_time else "",
    }


def state_data(conversation: ConversationView) -> dict[str, Any]:
    return {
        "state": conversation.state.value,
        "assignee_display_name": conversation.assignee_display_name,
    }


def _data_lines(payload: dict[str, Any]) -> str:
    # json.dumps escapes newlines, so the data is always one line.
    return "data: " + json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def encode(update: ChatUpdate) -> str:
    """One SSE event (``message`` with the message name as its id, or ``state``)."""
    if isinstance(update, MessageView):
        return f"event: message\nid: {update.name}\n{_data_lines(message_data(update))}\n\n"
    return f"event: state\n{_data_lines(state_data(update))}\n\n"


def resume_point(conversation: str, last_event_id: str | None, after: str | None) -> str:
    """Where the stream starts: after the last message the browser has (``Last-Event-ID`` on
    a reconnect, else the page's ``?after=``); '' when neither names a message of
    ``conversation``."""
    for candidate in (last_event_id, after):
        value = (candidate or "").strip()
        if _MESSAGE_ID.match(value) and value.startswith(f"{conversation}/messages/"):
            return value
    return ""


_END: Final = object()


async def _pump(watch: ConversationWatch, queue: asyncio.Queue[object]) -> None:
    try:
        async for update in watch:
            await queue.put(update)
    except UpstreamError as error:
        # The page keeps working without live updates; the browser reconnects later.
        _log.warning("chat_watch_failed", code=error.rpc_error.code.name)
    finally:
        await queue.put(_END)


async def event_stream(
    watch: ConversationWatch,
    is_disconnected: Callable[[], Awaitable[bool]],
    *,
    keep_alive_seconds: float = KEEP_ALIVE_SECONDS,
) -> AsyncIterator[str]:
    """The SSE text of ``watch`` until the conversation closes, the stream fails or the
    browser goes away; the gRPC call is cancelled on the way out in every case."""
    queue: asyncio.Queue[object] = asyncio.Queue(QUEUE_SIZE)
    reader = asyncio.create_task(_pump(watch, queue), name="chat-watch")
    try:
        yield f"retry: {RECONNECT_MILLISECONDS}\n\n"
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), keep_alive_seconds)
            except TimeoutError:
                if await is_disconnected():
                    return
                yield ": keep-alive\n\n"
                continue
            if item is _END:
                return
            if isinstance(item, MessageView | ConversationView):
                yield encode(item)
            if await is_disconnected():
                return
    finally:
        watch.cancel()
        reader.cancel()


def sse_response(
    watch: ConversationWatch,
    is_disconnected: Callable[[], Awaitable[bool]],
    *,
    keep_alive_seconds: float = KEEP_ALIVE_SECONDS,
) -> StreamingResponse:
    """``text/event-stream`` of ``watch``, never cached nor buffered by a proxy."""
    return StreamingResponse(
        event_stream(watch, is_disconnected, keep_alive_seconds=keep_alive_seconds),
        media_type=MEDIA_TYPE,
        headers=SSE_HEADERS,
    )
