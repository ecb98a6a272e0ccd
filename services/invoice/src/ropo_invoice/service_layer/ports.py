"""Ports: what the use cases need from the outside world, as abstract interfaces.

Adapters implement them (``adapters/repository.py`` with SQLAlchemy); unit
tests implement them with in-memory fakes. Nothing here imports an I/O library.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ropo_platform.errors import FieldViolation, ValidationFailed

from ropo_invoice.domain.identifiers import BusinessId
from ropo_invoice.domain.model import Creditor, Invoice


class Conflict(Exception):
    """A uniqueness rule or a version check failed at commit (a concurrent writer won,
    or a random identifier collided). The use case may retry with a fresh unit of work:
    the next attempt sees the winner's rows."""


class RequestIdReused(ValidationFailed):
    """The same ``request_id`` came with a different request (``INVALID_ARGUMENT``)."""

    default_reason = "REQUEST_ID_REUSED"

    def __init__(self, method: str) -> None:
        super().__init__(
            [FieldViolation("request_id", "was already used for a different request")],
            message=f"request_id was already used for a different {method} request",
            metadata={"method": method},
        )


@dataclass(frozen=True, slots=True)
class InvoiceCursor:
    """Keyset position in the list order (due date descending, then id descending)."""

    due_date: date
    invoice_id: str


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    """Which invoices a list wants; every set criterion must match."""

    invoice_ids: tuple[str, ...] | None = None
    debtor_party: str = ""
    creditor_id: str = ""
    open_only: bool = False
    closed_only: bool = False
    text: str = ""


class CreditorRepository(abc.ABC):
    """Creditors by id and by business ID."""

    @abc.abstractmethod
    def add(self, creditor: Creditor) -> None:
        """Stage a new creditor for insertion at commit."""

    @abc.abstractmethod
    async def get(self, creditor_id: str) -> Creditor | None:
        """The creditor with ``creditor_id``."""

    @abc.abstractmethod
    async def get_by_business_id(self, business_id: BusinessId) -> Creditor | None:
        """The creditor with ``business_id``."""

    async def flush(self) -> None:  # noqa: B027 - optional hook, fakes need not stage
        """Write staged changes (called by the unit of work before committing)."""


class InvoiceRepository(abc.ABC):
    """Invoice aggregates (with ledger and lines). Remembers every aggregate it handed
    out or received (``seen``) so the unit of work can collect their events."""

    def __init__(self) -> None:
        self.seen: set[Invoice] = set()

    def add(self, invoice: Invoice) -> None:
        """Stage a new invoice for insertion at commit."""
        self._add(invoice)
        self.seen.add(invoice)

    async def get(self, invoice_id: str) -> Invoice | None:
        """The invoice with ``invoice_id``."""
        invoice = await self._get(invoice_id)
        if invoice is not None:
            self.seen.add(invoice)
        return invoice

    async def get_by_number(self, creditor_id: str, invoice_number: str) -> Invoice | None:
        """The creditor's invoice with ``invoice_number`` (the import idempotency key)."""
        invoice = await self._get_by_number(creditor_id, invoice_number)
        if invoice is not None:
            self.seen.add(invoice)
        return invoice

    async def flush(self) -> None:  # noqa: B027 - optional hook, fakes need not stage
        """Write staged changes (called by the unit of work before committing)."""

    @abc.abstractmethod
    def _add(self, invoice: Invoice) -> None: ...

    @abc.abstractmethod
    async def _get(self, invoice_id: str) -> Invoice | None: ...

    @abc.abstractmethod
    async def _get_by_number(self, creditor_id: str, invoice_number: str) -> Invoice | None: ...

    @abc.abstractmethod
    async def list(
        self,
        invoice_filter: InvoiceFilter,
        after: InvoiceCursor | None,
        limit: int,
        *,
        include_lines: bool = False,
    ) -> Sequence[Invoice]:
        """Up to ``limit`` invoices matching the filter, in list order (due date
        descending, then id descending), after ``after``. Lines are loaded only when
        asked for. Read-only: listed invoices are not tracked for events."""


class RequestLog(abc.ABC):
    """Stored results of mutating requests by ``(method, request_id)`` for replay."""

    @abc.abstractmethod
    async def find(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        """The stored result, ``None`` on first use; ``RequestIdReused`` (service layer)
        when the id was used with a different request."""

    @abc.abstractmethod
    async def record(self, method: str, request_id: str, fingerprint: str, result: bytes) -> None:
        """Store the result of a first call, in the current transaction."""
