"""The unit of work: the transaction boundary the use cases see.

``async with uow:`` opens it; ``await uow.commit()`` makes the changes durable;
leaving the block without committing rolls back. Each use case call takes a
fresh unit of work from a factory: gRPC calls run concurrently, so a shared
instance would mix their state. Implementations live in ``adapters``.
"""

from __future__ import annotations

from typing import Protocol

from ropo_platform.unit_of_work import UnitOfWork

from ropo_authorization.service_layer.ports import (
    AccessFactsReader,
    AccessibleInvoiceView,
    AuthorizationRepository,
    EventOutbox,
    LookupGrantRepository,
    OwnershipRepository,
    RequestLog,
)


class AbstractUnitOfWork(UnitOfWork):
    """Repositories of one transaction."""

    ownerships: OwnershipRepository
    access_facts: AccessFactsReader
    accessible_invoices: AccessibleInvoiceView
    authorizations: AuthorizationRepository
    lookup_grants: LookupGrantRepository
    requests: RequestLog
    events: EventOutbox


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work; ``read_only`` ones cannot commit."""

    def __call__(self, *, read_only: bool = False) -> AbstractUnitOfWork: ...
