"""Composition root: the one place that wires the real implementations together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ropo.payment.v1 import payment_service_pb2, payment_service_pb2_grpc
from ropo_platform import telemetry
from ropo_platform.db import Database, EngineOptions
from ropo_platform.rpc import service_full_name

from ropo_payment.adapters.migrations import migrations_dir
from ropo_payment.config import PaymentSettings
from ropo_payment.entrypoints.grpc_servicer import PaymentServicer

SERVICE_NAME = service_full_name(payment_service_pb2, "PaymentService")
#: ``ce-source`` of the events this service publishes (from issue 5 on).
EVENT_SOURCE = "/ropo/payment"


@dataclass(slots=True)
class PaymentApp:
    """The wired payment service, shared by the ``serve`` and ``worker`` roles."""

    settings: PaymentSettings
    database: Database
    migrations: Path

    def register(self, server: Any) -> Iterable[str]:
        """Add the servicer to a ``grpc.aio`` server; returns the service names for health."""
        payment_service_pb2_grpc.add_PaymentServiceServicer_to_server(PaymentServicer(), server)
        return [SERVICE_NAME]

    async def readiness(self) -> None:
        """Raise until the database answers and is at the migration head (health stays
        ``NOT_SERVING`` until then)."""
        await self.database.check_ready(self.migrations)

    async def close(self) -> None:
        """Release database connections (on shutdown)."""
        await self.database.dispose()


def bootstrap(settings: PaymentSettings, *, database: Database | None = None) -> PaymentApp:
    """Wire the payment service from ``settings``."""
    database = database or Database(
        settings.database_url, EngineOptions(application_name="ropo-payment")
    )
    telemetry.instrument_sqlalchemy(database.engine)
    return PaymentApp(settings, database, migrations_dir(settings.migrations_dir))
