"""Composition root: the one place that wires the real implementations together.

``bootstrap(settings)`` builds the database, the units of work and the use
cases; ``serve`` and ``worker`` (``__main__``) and the integration tests start
from it. Unit tests wire fakes into ``AuthorizationHandlers`` directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from nats.aio.client import Client
from ropo.authorization.v1 import authorization_service_pb2, authorization_service_pb2_grpc
from ropo_platform import telemetry
from ropo_platform.db import Database, EngineOptions
from ropo_platform.messaging import ConsumerSettings, EventConsumer, Runnable
from ropo_platform.rpc import service_full_name
from sqlalchemy.ext.asyncio import AsyncSession

from ropo_authorization.adapters.identity import SealingIdentityProtector
from ropo_authorization.adapters.migrations import migrations_dir
from ropo_authorization.adapters.unit_of_work import (
    EVENT_SOURCE,
    JoinedUnitOfWork,
    SqlAlchemyUnitOfWork,
)
from ropo_authorization.config import AuthorizationSettings
from ropo_authorization.entrypoints.events import invoice_event_consumer
from ropo_authorization.entrypoints.expiry import ExpirySweeper
from ropo_authorization.entrypoints.grpc_servicer import AuthorizationServicer
from ropo_authorization.service_layer.handlers import AuthorizationHandlers
from ropo_authorization.service_layer.unit_of_work import AbstractUnitOfWork

SERVICE_NAME = service_full_name(authorization_service_pb2, "AuthorizationService")
__all__ = ["EVENT_SOURCE", "SERVICE_NAME", "AuthorizationApp", "bootstrap"]


@dataclass(slots=True)
class AuthorizationApp:
    """The wired authorization service, shared by the ``serve`` and ``worker`` roles."""

    settings: AuthorizationSettings
    database: Database
    handlers: AuthorizationHandlers
    migrations: Path

    def register(self, server: Any) -> Iterable[str]:
        """Add the servicer to a ``grpc.aio`` server; returns the service names for health."""
        authorization_service_pb2_grpc.add_AuthorizationServiceServicer_to_server(
            AuthorizationServicer(self.handlers), server
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
        return [invoice_event_consumer(self.database, nc, _joined_uow, settings)]

    def expiry_sweeper(self) -> ExpirySweeper:
        """The worker's periodic sweep of authorizations past their last day."""
        return ExpirySweeper(self.handlers, self.settings.expiry_sweep_interval)

    def worker_components(
        self, nc: Client, settings: ConsumerSettings | None = None
    ) -> list[Runnable]:
        """Everything the worker runs beside the outbox relay."""
        return [*self.event_consumers(nc, settings), self.expiry_sweeper()]

    async def close(self) -> None:
        """Release database connections (on shutdown)."""
        await self.database.dispose()


def _joined_uow(session: AsyncSession) -> AbstractUnitOfWork:
    return JoinedUnitOfWork(session)


def bootstrap(
    settings: AuthorizationSettings, *, database: Database | None = None
) -> AuthorizationApp:
    """Wire the authorization service from ``settings``."""
    database = database or Database(
        settings.database_url, EngineOptions(application_name="ropo-authorization")
    )
    telemetry.instrument_sqlalchemy(database.engine)

    def unit_of_work(*, read_only: bool = False) -> AbstractUnitOfWork:
        return SqlAlchemyUnitOfWork(database, read_only=read_only)

    identities = SealingIdentityProtector(settings.hetu_key_ring, settings.person_key_secret_bytes)
    return AuthorizationApp(
        settings,
        database,
        AuthorizationHandlers(
            unit_of_work,
            identities,
            lookup_grant_duration=timedelta(minutes=settings.lookup_grant_minutes),
        ),
        migrations_dir(settings.migrations_dir),
    )
