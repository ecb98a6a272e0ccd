"""Composition root: the one place that wires the real implementations together.

``bootstrap(settings)`` builds the database, the units of work, the peers (gRPC clients
of the authorization and invoice services), the live feed (NATS) and the use cases;
``serve`` and ``worker`` (``__main__``) and the integration tests start from it (tests
may pass their own ``clock``, ``ids`` or ``rate_limit``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ropo.chat.v1 import chat_service_pb2, chat_service_pb2_grpc
from ropo_platform import telemetry
from ropo_platform.db import Database, EngineOptions
from ropo_platform.rpc import service_full_name

from ropo_chat.adapters.ids import RandomIds
from ropo_chat.adapters.live_feed import NatsLiveFeed
from ropo_chat.adapters.migrations import migrations_dir
from ropo_chat.adapters.outbox import EVENT_SOURCE
from ropo_chat.adapters.peers import GrpcPersonFacts
from ropo_chat.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_chat.config import ChatSettings
from ropo_chat.domain.limits import MessageRateLimit
from ropo_chat.entrypoints.grpc_servicer import ChatServicer
from ropo_chat.entrypoints.proto_mapping import ProtoResponses
from ropo_chat.service_layer.agents import AgentDesk
from ropo_chat.service_layer.common import Clock, Dependencies, utc_now
from ropo_chat.service_layer.customers import CustomerDesk
from ropo_chat.service_layer.handlers import ChatHandlers
from ropo_chat.service_layer.ports import IdSource
from ropo_chat.service_layer.reading import Reader
from ropo_chat.service_layer.unit_of_work import AbstractUnitOfWork
from ropo_chat.service_layer.watching import Watcher

SERVICE_NAME = service_full_name(chat_service_pb2, "ChatService")
__all__ = ["EVENT_SOURCE", "SERVICE_NAME", "ChatApp", "bootstrap"]


@dataclass(slots=True)
class ChatApp:
    """The wired chat service, shared by the ``serve`` and ``worker`` roles."""

    settings: ChatSettings
    database: Database
    handlers: ChatHandlers
    migrations: Path
    live: NatsLiveFeed
    facts: GrpcPersonFacts

    def register(self, server: Any) -> Iterable[str]:
        """Add the servicer to a ``grpc.aio`` server; returns the service names for health."""
        chat_service_pb2_grpc.add_ChatServiceServicer_to_server(ChatServicer(self.handlers), server)
        return [SERVICE_NAME]

    async def readiness(self) -> None:
        """Raise until the database answers and is at the migration head (health stays
        ``NOT_SERVING`` until then). Starts listening for live updates; NATS is not needed
        to be ready (watchers poll the database while it is away)."""
        await self.database.check_ready(self.migrations)
        self.live.start()

    async def close(self) -> None:
        """Stop listening, close the peer channels, release database connections."""
        await self.live.close()
        await self.facts.close()
        await self.database.dispose()


def bootstrap(
    settings: ChatSettings,
    *,
    database: Database | None = None,
    clock: Clock = utc_now,
    ids: IdSource | None = None,
    rate_limit: MessageRateLimit | None = None,
) -> ChatApp:
    """Wire the chat service from ``settings``."""
    database = database or Database(
        settings.database_url, EngineOptions(application_name="ropo-chat")
    )
    telemetry.instrument_sqlalchemy(database.engine)

    def unit_of_work(*, read_only: bool = False) -> AbstractUnitOfWork:
        return SqlAlchemyUnitOfWork(database, read_only=read_only)

    deps = Dependencies(
        uow=unit_of_work, responses=ProtoResponses(), ids=ids or RandomIds(), clock=clock
    )
    facts = GrpcPersonFacts.connect(
        settings.authorization_addr, settings.invoice_addr, settings.peer_timeout_seconds
    )
    live = NatsLiveFeed(settings.nats_url)
    handlers = ChatHandlers(
        customers=CustomerDesk(deps, facts, rate_limit=rate_limit),
        agents=AgentDesk(deps),
        reader=Reader(deps),
        watcher=Watcher(
            unit_of_work,
            live,
            heartbeat_seconds=settings.watch_heartbeat_seconds,
            poll_seconds=settings.watch_poll_seconds,
        ),
    )
    return ChatApp(
        settings, database, handlers, migrations_dir(settings.migrations_dir), live, facts
    )
