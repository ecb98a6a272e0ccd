"""Use cases of the authorization service.

Plain coroutines that take a command or query and a unit of work, so the same
code runs under a gRPC call (a fresh unit of work per call, see
``AuthorizationHandlers``) and under the event consumer (a unit of work joined
to the consumer's transaction, which also holds the inbox row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ropo_platform.logging import get_logger

from ropo_authorization.domain.access import (
    AccessDecision,
    AccessFacts,
    AccessibleInvoice,
    AccessReason,
    Action,
    decide,
)
from ropo_authorization.domain.ownership import (
    InvoiceOwnership,
    RecordOutcome,
    compare_registration,
)
from ropo_authorization.domain.subjects import Party, Subject
from ropo_authorization.service_layer.pagination import (
    decode_page_token,
    effective_page_size,
    encode_page_token,
    query_digest,
)
from ropo_authorization.service_layer.unit_of_work import AbstractUnitOfWork, UnitOfWorkFactory

_log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RecordInvoiceRegistered:
    """The invoice service registered an invoice for a debtor."""

    invoice: str
    creditor: str
    debtor: str
    register_time: datetime


@dataclass(frozen=True, slots=True)
class CheckAccess:
    """May ``subject`` perform ``action`` (``None``: unspecified) on ``invoice``?"""

    subject: Subject
    invoice: str
    action: Action | None


@dataclass(frozen=True, slots=True)
class ListAccessibleInvoices:
    """A page of the invoices ``person`` may see; empty ``reasons`` means all."""

    person: Party
    reasons: frozenset[AccessReason] = frozenset()
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class AccessibleInvoicePage:
    """One page and the token for the next (empty on the last page)."""

    invoices: tuple[AccessibleInvoice, ...]
    next_page_token: str


async def record_invoice_registered(
    command: RecordInvoiceRegistered, uow: AbstractUnitOfWork
) -> RecordOutcome:
    """Learn the debtor of a new invoice; a repeat is a no-op, a conflict changes nothing."""
    incoming = InvoiceOwnership(
        command.invoice, command.creditor, command.debtor, command.register_time
    )
    async with uow:
        outcome = compare_registration(await uow.ownerships.get(command.invoice), incoming)
        if outcome is RecordOutcome.RECORDED and not await uow.ownerships.add(incoming):
            # Another transaction recorded it between our read and write: compare with it.
            outcome = compare_registration(await uow.ownerships.get(command.invoice), incoming)
        await uow.commit()
    if outcome is RecordOutcome.CONFLICTING:
        _log.warning("conflicting_invoice_registration", invoice=command.invoice)
    return outcome


async def check_access(query: CheckAccess, uow: AbstractUnitOfWork) -> AccessDecision:
    """The access decision for one subject, invoice and action."""
    async with uow:
        ownership = await uow.ownerships.get(query.invoice)
    return decide(query.subject, AccessFacts(query.invoice, ownership), query.action)


async def list_accessible_invoices(
    query: ListAccessibleInvoices, uow: AbstractUnitOfWork
) -> AccessibleInvoicePage:
    """A keyset-paginated page, ordered by invoice name."""
    page_size = effective_page_size(query.page_size)
    reasons = query.reasons or frozenset(AccessReason)
    digest = query_digest([query.person.name, *sorted(query.reasons)])
    after = decode_page_token(query.page_token, digest)
    async with uow:
        # One extra row tells whether another page exists without a COUNT.
        rows = await uow.accessible_invoices.list_for_person(
            query.person.name, reasons, after=after, limit=page_size + 1
        )
    items = tuple(rows[:page_size])
    more = len(rows) > page_size
    token = encode_page_token(items[-1].invoice, digest) if more and items else ""
    return AccessibleInvoicePage(items, token)


class AuthorizationHandlers:
    """The use cases with their unit-of-work factory bound (what the servicer calls)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def check_access(self, query: CheckAccess) -> AccessDecision:
        return await check_access(query, self._uow(read_only=True))

    async def list_accessible_invoices(
        self, query: ListAccessibleInvoices
    ) -> AccessibleInvoicePage:
        return await list_accessible_invoices(query, self._uow(read_only=True))

    async def record_invoice_registered(self, command: RecordInvoiceRegistered) -> RecordOutcome:
        return await record_invoice_registered(command, self._uow())
