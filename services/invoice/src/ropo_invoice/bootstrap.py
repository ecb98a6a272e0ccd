"""Composition root: the one place that wires the real implementations together.

``bootstrap(settings)`` builds the database, the henkilötunnus protector, the
units of work and the use cases; ``serve`` and ``worker`` (``__main__``) and the
integration tests all start from it. Unit tests wire fakes into
``InvoiceHandlers`` directly instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from ropo.invoice.v1 import invoice_service_pb2, invoice_service_pb2_grpc
from ropo_platform import telemetry
from ropo_platform.db import Database, EngineOptions
from ropo_platform.db.types import utcnow
from ropo_platform.messaging.outbox import OutboxWriter
from ropo_platform.rpc import service_full_name

from ropo_invoice.adapters.finvoice import parse_finvoice
from ropo_invoice.adapters.migrations import migrations_dir
from ropo_invoice.adapters.national_id_protector import AesGcmNationalIdProtector
from ropo_invoice.adapters.repository import sql_repositories
from ropo_invoice.config import InvoiceSettings
from ropo_invoice.entrypoints.grpc_servicer import InvoiceServicer
from ropo_invoice.service_layer.handlers import Clock, InvoiceHandlers
from ropo_invoice.service_layer.integration_events import EVENT_SOURCE
from ropo_invoice.service_layer.unit_of_work import AbstractUnitOfWork, SqlAlchemyUnitOfWork

SERVICE_NAME = service_full_name(invoice_service_pb2, "InvoiceService")


@dataclass(slots=True)
class InvoiceApp:
    """The wired invoice service, shared by the ``serve`` and ``worker`` roles."""

    settings: InvoiceSettings
    database: Database
    handlers: InvoiceHandlers
    migrations: Path

    def register(self, server: Any) -> Iterable[str]:
        """Add the servicer to a ``grpc.aio`` server; returns the service names for health."""
        invoice_service_pb2_grpc.add_InvoiceServiceServicer_to_server(
            InvoiceServicer(self.handlers), server
        )
        return [SERVICE_NAME]

    async def readiness(self) -> None:
        """Raise until the database is reachable and its schema is at the migration head
        (health stays ``NOT_SERVING`` until then)."""
        await self.database.check_ready(self.migrations)

    async def close(self) -> None:
        """Release database connections (on shutdown)."""
        await self.database.dispose()


def bootstrap(
    settings: InvoiceSettings,
    *,
    database: Database | None = None,
    clock: Clock = utcnow,
) -> InvoiceApp:
    """Wire the invoice service from ``settings``."""
    database = database or Database(
        settings.database_url, EngineOptions(application_name="ropo-invoice")
    )
    telemetry.instrument_sqlalchemy(database.engine)
    outbox = OutboxWriter(EVENT_SOURCE)

    def unit_of_work(*, read_only: bool = False) -> AbstractUnitOfWork:
        return SqlAlchemyUnitOfWork(database, outbox, sql_repositories, read_only=read_only)

    handlers = InvoiceHandlers(
        uow=unit_of_work,
        protector=AesGcmNationalIdProtector(
            settings.hetu_encryption_key_bytes, settings.person_key_secret_bytes
        ),
        parse_finvoice=partial(parse_finvoice, max_bytes=settings.finvoice_max_bytes),
        clock=clock,
    )
    return InvoiceApp(settings, database, handlers, migrations_dir(settings.migrations_dir))
