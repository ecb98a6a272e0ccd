"""Composition root: the one place that wires the real implementations together.

``bootstrap(settings)`` builds the database, the units of work, the file adapters and
the use cases; ``serve`` and ``worker`` (``__main__``) and the integration tests start
from it (tests may pass their own ``clock`` and ``random``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nats.aio.client import Client
from ropo.refund.v1 import refund_service_pb2, refund_service_pb2_grpc
from ropo_platform import telemetry
from ropo_platform.db import Database, EngineOptions
from ropo_platform.messaging import ConsumerSettings, EventConsumer, Runnable
from ropo_platform.rpc import service_full_name

from ropo_refund.adapters.banking_calendar import FinnishBankingCalendar
from ropo_refund.adapters.letters import PdfLetters
from ropo_refund.adapters.migrations import migrations_dir
from ropo_refund.adapters.outbox import EVENT_SOURCE
from ropo_refund.adapters.payout_files import Pain001Builder, Pain002Parser
from ropo_refund.adapters.randomness import SystemRandom
from ropo_refund.adapters.unit_of_work import SqlAlchemyUnitOfWork
from ropo_refund.config import RefundSettings
from ropo_refund.domain.fees import FeePolicy
from ropo_refund.entrypoints.grpc_servicer import RefundServicer
from ropo_refund.entrypoints.invoice_events import invoice_event_consumer
from ropo_refund.entrypoints.payment_events import payment_event_consumer
from ropo_refund.entrypoints.proto_mapping import ProtoResponses
from ropo_refund.service_layer.common import Clock, Dependencies, utc_now
from ropo_refund.service_layer.handlers import RefundHandlers
from ropo_refund.service_layer.opening import CaseOpener
from ropo_refund.service_layer.payouts import PayoutDesk
from ropo_refund.service_layer.ports import PayoutDebtor, RandomSource
from ropo_refund.service_layer.staff import StaffDesk
from ropo_refund.service_layer.unit_of_work import AbstractUnitOfWork
from ropo_refund.service_layer.wizard import Wizard, verification_policy

SERVICE_NAME = service_full_name(refund_service_pb2, "RefundService")
__all__ = ["EVENT_SOURCE", "SERVICE_NAME", "RefundApp", "bootstrap"]


@dataclass(frozen=True, slots=True)
class ConsumerOverrides:
    """Consumer settings for tests (short fetch timeouts); ``None`` keeps the defaults."""

    invoice: ConsumerSettings | None = None
    payment: ConsumerSettings | None = None


@dataclass(slots=True)
class RefundApp:
    """The wired refund service, shared by the ``serve`` and ``worker`` roles."""

    settings: RefundSettings
    database: Database
    handlers: RefundHandlers
    migrations: Path

    def register(self, server: Any) -> Iterable[str]:
        """Add the servicer to a ``grpc.aio`` server; returns the service names for health."""
        refund_service_pb2_grpc.add_RefundServiceServicer_to_server(
            RefundServicer(self.handlers), server
        )
        return [SERVICE_NAME]

    async def readiness(self) -> None:
        """Raise until the database answers and is at the migration head (health stays
        ``NOT_SERVING`` until then)."""
        await self.database.check_ready(self.migrations)

    def event_consumers(
        self, nc: Client, overrides: ConsumerOverrides | None = None
    ) -> list[EventConsumer]:
        """The worker's consumers of invoice and payment events."""
        overrides = overrides or ConsumerOverrides()
        opener = self.handlers.opener
        return [
            invoice_event_consumer(self.database, nc, opener, overrides.invoice),
            payment_event_consumer(self.database, nc, opener, overrides.payment),
        ]

    def worker_components(
        self, nc: Client, overrides: ConsumerOverrides | None = None
    ) -> list[Runnable]:
        """Everything the worker runs beside the outbox relay."""
        return [*self.event_consumers(nc, overrides)]

    async def close(self) -> None:
        """Release database connections (on shutdown)."""
        await self.database.dispose()


def bootstrap(
    settings: RefundSettings,
    *,
    database: Database | None = None,
    clock: Clock = utc_now,
    random: RandomSource | None = None,
) -> RefundApp:
    """Wire the refund service from ``settings``."""
    database = database or Database(
        settings.database_url, EngineOptions(application_name="ropo-refund")
    )
    telemetry.instrument_sqlalchemy(database.engine)

    def unit_of_work(*, read_only: bool = False) -> AbstractUnitOfWork:
        return SqlAlchemyUnitOfWork(database, read_only=read_only)

    source = random or SystemRandom()
    deps = Dependencies(uow=unit_of_work, responses=ProtoResponses(), random=source, clock=clock)
    fees = FeePolicy(
        overpayment=settings.fee_overpayment,
        unclear_payment=settings.fee_unclear_payment,
        credit_note=settings.fee_credit_note,
    )
    handlers = RefundHandlers(
        wizard=Wizard(deps, verification_policy(settings.verification_ttl_seconds)),
        staff=StaffDesk(deps, PdfLetters(), settings.portal_url),
        payouts=PayoutDesk(
            deps,
            debtor=PayoutDebtor(
                settings.payout_debtor_name,
                settings.payout_debtor_iban,
                settings.payout_debtor_bic,
            ),
            files=Pain001Builder(settings.payout_xsd),
            reports=Pain002Parser(),
            calendar=FinnishBankingCalendar(),
        ),
        opener=CaseOpener(fees, source, clock),
    )
    return RefundApp(settings, database, handlers, migrations_dir(settings.migrations_dir))
