"""The live feed of the ``serve`` process: wakes the watchers of a conversation when an
event about it arrives from NATS.

The worker's relay publishes every chat event to JetStream on ``ropo.chat.v1.<event>``
with ``ce-subject`` = the conversation's name. Each ``serve`` replica listens with one core
NATS subscription on ``ropo.chat.v1.>`` (no consumer state: a replica that was away has
nothing to catch up — its watchers re-read the database) and fans out in-process by
conversation name. The connection is made in the background on first use and retried
forever; until it stands, ``connected`` is False and watchers poll the database.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Self

from nats.aio.client import Client
from nats.aio.msg import Msg
from ropo_platform.logging import get_logger
from ropo_platform.messaging import connect_nats
from ropo_platform.messaging.envelope import CE_SUBJECT, decode_value

from ropo_chat.adapters.outbox import SUBJECTS

_log = get_logger(__name__)


class _Subscription:
    def __init__(self, feed: NatsLiveFeed, conversation: str) -> None:
        self._feed = feed
        self.conversation = conversation
        self._changed = asyncio.Event()

    def notify(self) -> None:
        self._changed.set()

    async def wait(self, within: float) -> bool:
        try:
            await asyncio.wait_for(self._changed.wait(), within)
        except TimeoutError:
            return False
        self._changed.clear()
        return True

    def close(self) -> None:
        self._feed.unsubscribe(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class NatsLiveFeed:
    """One NATS subscription per process, many watchers."""

    def __init__(self, nats_url: str, *, name: str = "chat-serve") -> None:
        self._url = nats_url
        self._name = name
        self._watchers: dict[str, set[_Subscription]] = {}
        self._client: Client | None = None
        self._listening = False
        self._task: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        client = self._client
        return self._listening and client is not None and client.is_connected

    def start(self) -> None:
        """Begin connecting in the background (idempotent; needs a running event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        client = await connect_nats(self._url, name=self._name, reconnect_time_wait=0.5)
        self._client = client
        try:
            # The client re-subscribes by itself after a reconnect.
            await client.subscribe(SUBJECTS, cb=self._on_event)
        except Exception as error:  # watchers keep polling; say why once
            _log.warning("chat_live_feed_unavailable", error=type(error).__name__)
            return
        self._listening = True
        _log.info("chat_live_feed_listening", subjects=SUBJECTS)

    async def _on_event(self, msg: Msg) -> None:
        conversation = decode_value((msg.headers or {}).get(CE_SUBJECT, ""))
        for subscription in tuple(self._watchers.get(conversation, ())):
            subscription.notify()

    def subscribe(self, conversation: str) -> _Subscription:
        self.start()
        subscription = _Subscription(self, conversation)
        self._watchers.setdefault(conversation, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: _Subscription) -> None:
        watchers = self._watchers.get(subscription.conversation)
        if watchers is None:
            return
        watchers.discard(subscription)
        if not watchers:
            del self._watchers[subscription.conversation]

    async def close(self) -> None:
        """Stop listening (on shutdown); a connection still being made is abandoned."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        client, self._client = self._client, None
        self._listening = False
        if client is not None and not client.is_closed:
            await client.close()
