"""Composition root: the one place that wires the real implementations together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ropo.chat.v1 import chat_service_pb2, chat_service_pb2_grpc
from ropo_platform import telemetry
from ropo_platform.db import Database, EngineOptions
from ropo_platform.rpc import service_full_name

from ropo_chat.adapters.migrations import migrations_dir
from ropo_chat.config import ChatSettings
from ropo_chat.entrypoints.grpc_servicer import ChatServicer

SERVICE_NAME = service_full_name(chat_service_pb2, "ChatService")
#: ``ce-source`` of the events this service publishes (from issue 8 on).
EVENT_SOURCE = "/ropo/chat"


@dataclass(slots=True)
class ChatApp:
    """The wired chat service, shared by the ``serve`` and ``worker`` roles."""

    settings: ChatSettings
    database: Database
    migrations: Path

    def register(self, server: Any) -> Iterable[str]:
        """Add the servicer to a ``grpc.aio`` server; returns the service names for health."""
        chat_service_pb2_grpc.add_ChatServiceServicer_to_server(ChatServicer(), server)
        return [SERVICE_NAME]

    async def readiness(self) -> None:
        """Raise until the database answers and is at the migration head (health stays
        ``NOT_SERVING`` until then)."""
        await self.database.check_ready(self.migrations)

    async def close(self) -> None:
        """Release database connections (on shutdown)."""
        await self.database.dispose()


def bootstrap(settings: ChatSettings, *, database: Database | None = None) -> ChatApp:
    """Wire the chat service from ``settings``."""
    database = database or Database(
        settings.database_url, EngineOptions(application_name="ropo-chat")
    )
    telemetry.instrument_sqlalchemy(database.engine)
    return ChatApp(settings, database, migrations_dir(settings.migrations_dir))
