"""Composition root: the one place that wires the real implementations together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ropo.refund.v1 import refund_service_pb2, refund_service_pb2_grpc
from ropo_platform import telemetry
from ropo_platform.db import Database, EngineOptions
from ropo_platform.rpc import service_full_name

from ropo_refund.adapters.migrations import migrations_dir
from ropo_refund.config import RefundSettings
from ropo_refund.entrypoints.grpc_servicer import RefundServicer

SERVICE_NAME = service_full_name(refund_service_pb2, "RefundService")
#: ``ce-source`` of the events this service publishes (from issue 7 on).
EVENT_SOURCE = "/ropo/refund"


@dataclass(slots=True)
class RefundApp:
    """The wired refund service, shared by the ``serve`` and ``worker`` roles."""

    settings: RefundSettings
    database: Database
    migrations: Path

    def register(self, server: Any) -> Iterable[str]:
        """Add the servicer to a ``grpc.aio`` server; returns the service names for health."""
        refund_service_pb2_grpc.add_RefundServiceServicer_to_server(RefundServicer(), server)
        return [SERVICE_NAME]

    async def readiness(self) -> None:
        """Raise until the database answers and is at the migration head (health stays
        ``NOT_SERVING`` until then)."""
        await self.database.check_ready(self.migrations)

    async def close(self) -> None:
        """Release database connections (on shutdown)."""
        await self.database.dispose()


def bootstrap(settings: RefundSettings, *, database: Database | None = None) -> RefundApp:
    """Wire the refund service from ``settings``."""
    database = database or Database(
        settings.database_url, EngineOptions(application_name="ropo-refund")
    )
    telemetry.instrument_sqlalchemy(database.engine)
    return RefundApp(settings, database, migrations_dir(settings.migrations_dir))
