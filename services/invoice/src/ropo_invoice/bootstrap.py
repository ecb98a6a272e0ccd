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

from nats.aio.client import Client
from ropo.invoice.v1 import invoice_service_pb2, invoice_service_pb2_grpc
from ropo_platform import telemetry
from ropo_platform.db import Database, EngineOptions
from ropo_platform.db.types import utcnow
from ropo_platform.messaging import ConsumerSettings
from ropo_platform.messaging.outbox import OutboxWriter
from ropo_platform.messaging.worker import Runnable
from ropo_platform.rpc import service_full_name
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_invoice.adapters.attachment_inspector import PdfAndImageInspector
from ropo_invoice.adapters.documents.balance_certificate_pdf import BalanceCertificatePdfRenderer
from ropo_invoice.adapters.finvoice import load_finvoice_schemas, parse_finvoice
from ropo_invoice.adapters.migrations import migrations_dir
from ropo_invoice.adapters.national_id_protector import AesGcmNationalIdProtector
from ropo_invoice.adapters.pdf_renderer import PdfRenderer
from ropo_invoice.adapters.reference_rates import load_reference_rates
from ropo_invoice.adapters.repository import sql_repositories
from ropo_invoice.adapters.smtp_mailer import SmtpMailer
from ropo_invoice.config import InvoiceSettings
from ropo_invoice.entrypoints.events import (
    authorization_event_consumer,
    payment_event_consumer,
)
from ropo_invoice.entrypoints.grpc_servicer import InvoiceServicer
from ropo_invoice.entrypoints.refund_events import refund_event_consumer
from ropo_invoice.service_layer.balance_certificate import BalanceCertificates
from ropo_invoice.service_layer.collection import CollectionRun, CollectionScheduler
from ropo_invoice.service_layer.disputes import DisputeHandlers
from ropo_invoice.service_layer.documents import InvoiceDocuments
from ropo_invoice.service_layer.email_dispatch import EmailDispatcher
from ropo_invoice.service_layer.handlers import Clock, InvoiceHandlers
from ropo_invoice.service_layer.integration_events import EVENT_SOURCE
from ropo_invoice.service_layer.lookup import InvoiceLookup
from ropo_invoice.service_layer.message_centre import MessageCentre
from ropo_invoice.service_layer.notifications import NotificationRun, NotificationScheduler
from ropo_invoice.service_layer.payment_time import PaymentTimeHandlers
from ropo_invoice.service_layer.unit_of_work import (
    AbstractUnitOfWork,
    JoinedUnitOfWork,
    SqlAlchemyUnitOfWork,
)

SERVICE_NAME = service_full_name(invoice_service_pb2, "InvoiceService")


@dataclass(slots=True)
class InvoiceApp:
    """The wired invoice service, shared by the ``serve`` and ``worker`` roles."""

    settings: InvoiceSettings
    database: Database
    handlers: InvoiceHandlers
    lookup: InvoiceLookup
    documents: InvoiceDocuments
    collection: CollectionRun
    outbox: OutboxWriter
    migrations: Path
    payment_time: PaymentTimeHandlers
    balance_certificates: BalanceCertificates
    message_centre: MessageCentre
    notifications: NotificationRun
    disputes: DisputeHandlers

    def register(self, server: Any) -> Iterable[str]:
        """Add the servicer to a ``grpc.aio`` server; returns the service names for health."""
        invoice_service_pb2_grpc.add_InvoiceServiceServicer_to_server(
            InvoiceServicer(
                self.handlers,
                self.lookup,
                self.documents,
                max_document_bytes=self.settings.original_document_max_bytes,
                payment_time=self.payment_time,
                balance_certificates=self.balance_certificates,
                message_centre=self.message_centre,
                disputes=self.disputes,
            ),
            server,
        )
        return [SERVICE_NAME]

    def worker_tasks(
        self,
        nc: Client,
        consumer_settings: ConsumerSettings | None = None,
        authorization_consumer_settings: ConsumerSettings | None = None,
    ) -> list[Runnable]:
        """What the worker runs beside the relay: the payment-, authorization- and
        refund-event consumers, the collection and notification schedules and the
        e-mail dispatcher (the settings override the consumers' own, for tests)."""
        outbox = self.outbox

        def joined(session: AsyncSession) -> AbstractUnitOfWork:
            return JoinedUnitOfWork(session, outbox, sql_repositories)

        payments = payment_event_consumer(self.database, nc, joined, consumer_settings)
        authorizations = authorization_event_consumer(
            self.database, nc, joined, authorization_consumer_settings
        )
        scheduler = CollectionScheduler(self.collection, self.settings.collection_interval)
        refunds = refund_event_consumer(self.database, nc, joined, self.message_centre.clock)
        # Notifications look ahead on the collection run's schedule.
        notices = NotificationScheduler(self.notifications, self.settings.collection_interval)
        return [payments, authorizations, scheduler, refunds, notices, self.email_dispatcher()]

    def email_dispatcher(self) -> EmailDispatcher:
        """A fresh dispatcher of the e-mail outbox (the worker's task; tests drive one).
        Without ``smtp_host`` it sends nothing and only samples the backlog."""
        settings = self.settings
        mailer = None
        if settings.smtp_host:
            mailer = SmtpMailer(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_from,
                settings.smtp_username,
                settings.smtp_password.get_secret_value(),
                settings.smtp_starttls,
            )
        return EmailDispatcher(
            self.message_centre.uow,
            mailer,
            settings.portal_url,
            self.message_centre.clock,
            interval=settings.email_interval,
        )

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
            settings.hetu_key_ring, settings.person_key_secret_bytes
        ),
        parse_finvoice=partial(
            parse_finvoice,
            max_bytes=settings.finvoice_max_bytes,
            schemas=(
                load_finvoice_schemas(settings.finvoice_xsd_dir)
                if settings.finvoice_xsd_dir
                else None
            ),
        ),
        clock=clock,
    )
    lookup = InvoiceLookup(unit_of_work, min_duration=settings.lookup_min_duration)
    renderer = PdfRenderer()
    documents = InvoiceDocuments(unit_of_work, renderer)
    collection = CollectionRun(
        unit_of_work, load_reference_rates(settings.reference_rates_file), renderer, clock
    )
    return InvoiceApp(
        settings,
        database,
        handlers,
        lookup,
        documents,
        collection,
        outbox,
        migrations_dir(settings.migrations_dir),
        PaymentTimeHandlers(unit_of_work, clock, renderer),
        balance_certificates=BalanceCertificates(
            unit_of_work, collection.rates, BalanceCertificatePdfRenderer(), clock
        ),
        message_centre=MessageCentre(unit_of_work, clock),
        notifications=NotificationRun(unit_of_work, clock, settings.notify_days_before),
        disputes=DisputeHandlers(
            unit_of_work, PdfAndImageInspector(), renderer, collection.rates, clock
        ),
    )
