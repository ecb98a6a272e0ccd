"""Helpers of the authorization tests: names, settings, in-memory fakes, a running server."""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import grpc.aio
from ropo.authorization.v1 import authorization_service_pb2_grpc
from ropo_authorization.bootstrap import AuthorizationApp
from ropo_authorization.config import AuthorizationSettings
from ropo_authorization.domain.access import AccessibleInvoice, AccessReason
from ropo_authorization.domain.ownership import InvoiceOwnership
from ropo_authorization.service_layer.ports import AccessibleInvoiceView, OwnershipRepository
from ropo_authorization.service_layer.unit_of_work import AbstractUnitOfWork
from ropo_platform.rpc import RpcServer

PERSON_KEY_SECRET = "authorization-test-person-key-secret-0123456789"
# A henkilötunnus from the test range (900–999): must never come back in any answer.
HETU = "010190-900P"
REGISTERED = datetime(2026, 9, 1, 8, 30, tzinfo=UTC)


def person(letter: str) -> str:
    """A well-formed ``persons/{key}`` (32 base32 characters)."""
    assert letter in string.ascii_lowercase
    return f"persons/{letter * 32}"


ALICE, BOB = person("a"), person("b")
CREDITOR = "creditors/testi-yritys"


def ownership(invoice_id: str, debtor: str = ALICE) -> InvoiceOwnership:
    return InvoiceOwnership(f"invoices/{invoice_id}", CREDITOR, debtor, REGISTERED)


def authorization_settings(database_url: str, **overrides: Any) -> AuthorizationSettings:
    """Settings for a test: own database, ephemeral ports, no metrics servers."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "grpc_port": 0,
        "metrics_port": None,
        "worker_metrics_port": None,
        "person_key_secret": PERSON_KEY_SECRET,
        "environment": "test",
    }
    values.update(overrides)
    return AuthorizationSettings(**values)


# --------------------------------------------------------------------------- fakes


class FakeOwnerships(OwnershipRepository, AccessibleInvoiceView):
    """Ownership entries in a dict; also serves the accessible-invoice view."""

    def __init__(self, entries: Sequence[InvoiceOwnership] = ()) -> None:
        self.entries = {entry.invoice: entry for entry in entries}

    async def get(self, invoice: str) -> InvoiceOwnership | None:
        return self.entries.get(invoice)

    async def add(self, ownership: InvoiceOwnership) -> bool:
        if ownership.invoice in self.entries:
            return False
        self.entries[ownership.invoice] = ownership
        return True

    async def list_for_person(
        self, person: str, reasons: frozenset[AccessReason], *, after: str | None, limit: int
    ) -> Sequence[AccessibleInvoice]:
        if AccessReason.OWN not in reasons:
            return []
        names = sorted(
            name
            for name, entry in self.entries.items()
            if entry.debtor == person and (after is None or name > after)
        )
        return [AccessibleInvoice(name, AccessReason.OWN) for name in names[:limit]]


class FakeUnitOfWork(AbstractUnitOfWork):
    """Shares one ``FakeOwnerships``; counts commits, so tests see what was committed."""

    def __init__(self, store: FakeOwnerships) -> None:
        self.ownerships = store
        self.accessible_invoices = store
        self.commits = 0

    async def _begin(self) -> None:
        return None

    async def commit(self) -> None:
        self.commits += 1

    async def rollback(self) -> None:
        return None


# --------------------------------------------------------------------------- server


@dataclass
class RunningServer:
    """A started gRPC server with the service, and a client channel to it."""

    server: RpcServer
    channel: grpc.aio.Channel
    # The grpc.aio flavour of the stub (what the generated stub's constructor returns for an
    # aio channel); type-check-only, so it is named only in this (unevaluated) annotation.
    stub: authorization_service_pb2_grpc.AuthorizationServiceAsyncStub
    app: AuthorizationApp


async def start_server(app: AuthorizationApp) -> tuple[RpcServer, grpc.aio.Channel]:
    server = RpcServer(service_name="authorization", port=0)
    port = await server.start(app.register)
    return server, grpc.aio.insecure_channel(f"127.0.0.1:{port}")
