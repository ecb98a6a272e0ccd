"""Ports: what the use cases need from storage, as abstract interfaces.

``adapters`` implement them with SQLAlchemy; unit tests with in-memory fakes.
Nothing here imports an I/O library.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence

from ropo_authorization.domain.access import AccessibleInvoice, AccessReason
from ropo_authorization.domain.ownership import InvoiceOwnership


class OwnershipRepository(abc.ABC):
    """The debtor ownership read model (write side and point reads)."""

    @abc.abstractmethod
    async def get(self, invoice: str) -> InvoiceOwnership | None:
        """The ownership entry of ``invoice`` (``invoices/{id}``), if registered."""

    @abc.abstractmethod
    async def add(self, ownership: InvoiceOwnership) -> bool:
        """Insert unless the invoice is already there; False when it was (a concurrent
        writer won — the caller re-reads and compares)."""


class AccessibleInvoiceView(abc.ABC):
    """Read side of "which invoices may this person see, and why".

    One entry per invoice, ordered by invoice name (the keyset order). Today only
    ownership feeds it; issue 4 adds authorizations and lookup grants behind the
    same method, so the use case does not change.
    """

    @abc.abstractmethod
    async def list_for_person(
        self,
        person: str,
        reasons: frozenset[AccessReason],
        *,
        after: str | None,
        limit: int,
    ) -> Sequence[AccessibleInvoice]:
        """Up to ``limit`` entries of ``person`` with invoice name > ``after``, whose reason
        is in ``reasons``, ordered by invoice name."""
