"""Composition root: the one place that wires the real implementations together.

``bootstrap(settings)`` builds the database, the PSP client, the units of work and
the use cases; ``serve`` and ``worker`` (``__main__``) and the integration tests
start from it (tests may pass their own ``provider`` and ``clock``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from nats.aio.client import Client
from ropo.payment.v1 import payment_service_pb2, payment_service_pb2_grpc
from ropo_platform import telemetry
from ropo_platform.db import Database, EngineOptions
from ropo_platform.messaging import ConsumerSettings, EventConsumer, Runnable
from ropo_platform.rpc import service_full_name

from ropo_payment.adapters.migrations import migrations_dir
from ropo_payment.adapters.outbox import EVENT_SOURCE
from ropo_payment.adapters.paytrail import PaytrailClient
from ropo_payment.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_payment.config import PaymentSettings
from ropo_payment.entrypoints.bank_rpc import BankStatementRpc
from ropo_payment.entrypoints.grpc_servicer import PaymentServicer
from ropo_payment.entrypoints.invoice_events import invoice_event_consumer
from ropo_payment.entrypoints.proto_mapping import create_response_bytes
from ropo_payment.entrypoints.reconciler import Reconciler
from ropo_payment.service_layer.handlers import (
    Clock,
    PaymentHandlers,
    PspOptions,
    new_id,
    utc_now,
)
from ropo_payment.service_layer.ports import PaymentProvider
from ropo_payment.service_layer.unit_of_work import AbstractUnitOfWork

SERVICE_NAME = service_full_name(payment_service_pb2, "PaymentService")
__all__ = ["EVENT_SOURCE", "SERVICE_NAME", "PaymentApp", "bootstrap"]


@dataclass(slots=True)
class PaymentApp:
    """The wired payment service, shared by the ``serve`` and ``worker`` roles."""

    settings: PaymentSettings
    database: Database
    handlers: PaymentHandlers
    bank: BankStatementRpc
    provider: PaymentProvider
    migrations: Path

    def register(self, server: Any) -> Iterable[str]:
        """Add the servicer to a ``grpc.aio`` server; returns the service names for health."""
        payment_service_pb2_grpc.add_PaymentServiceServicer_to_server(
            PaymentServicer(self.handlers, self.bank), server
        )
        return [SERVICE_NAME]

    async def readiness(self) -> None:
        """Raise until the database answers and is at the migration head (health stays
        ``NOT_SERVING`` until then)."""
        await self.database.check_ready(self.migrations)

    def event_consumers(
        self, nc: Client, settings: ConsumerSettings | None = None
    ) -> list[EventConsumer]:
        """The worker's consumers (``settings`` overrides the invoice consumer's, for tests)."""
        return [invoice_event_consumer(self.database, nc, settings)]

    def reconciler(self) -> Reconciler:
        """The worker's periodic PSP status queries for payments whose status never came."""
        return Reconciler(self.handlers, self.settings.reconcile_interval_seconds)

    def worker_components(
        self, nc: Client, settings: ConsumerSettings | None = None
    ) -> list[Runnable]:
        """Everything the worker runs beside the outbox relay."""
        return [*self.event_consumers(nc, settings), self.reconciler()]

    async def close(self) -> None:
        """Release the PSP client and the database connections (on shutdown)."""
        closer = getattr(self.provider, "aclose", None)
        if closer is not None:
            await closer()
        await self.database.dispose()


def bootstrap(
    settings: PaymentSettings,
    *,
    database: Database | None = None,
    provider: PaymentProvider | None = None,
    clock: Clock = utc_now,
) -> PaymentApp:
    """Wire the payment service from ``settings``."""
    database = database or Database(
        settings.database_url, EngineOptions(application_name="ropo-payment")
    )
    telemetry.instrument_sqlalchemy(database.engine)
    secret = settings.psp_secret.get_secret_value()
    provider = provider or PaytrailClient(
        settings.psp_base_url,
        account=settings.psp_account,
        secret=secret,
        algorithm=settings.psp_algorithm,
        timeout=settings.psp_timeout_seconds,
    )

    def unit_of_work(*, read_only: bool = False) -> AbstractUnitOfWork:
        return SqlAlchemyUnitOfWork(database, read_only=read_only)

    handlers = PaymentHandlers(
        unit_of_work,
        provider,
        PspOptions(
            account=settings.psp_account,
            secret=secret,
            callback_url=settings.psp_callback_url,
            customer_email=settings.psp_customer_email,
            page_origin=settings.psp_origin,
        ),
        create_response_bytes,
        lease=timedelta(seconds=settings.create_lease_seconds),
        reconcile_after=timedelta(seconds=settings.reconcile_after_seconds),
        reconcile_max_age=timedelta(seconds=settings.reconcile_max_age_seconds),
        clock=clock,
    )
    return PaymentApp(
        settings,
        database,
        handlers,
        BankStatementRpc(database, clock=clock, ids=new_id),
        provider,
        migrations_dir(settings.migrations_dir),
    )
