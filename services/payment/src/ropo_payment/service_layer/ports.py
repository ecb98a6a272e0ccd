"""Ports: what the payment use cases need from the PSP and from storage.

``adapters`` implement them (``PaytrailClient``, SQLAlchemy); unit tests use fakes.
Nothing here imports an I/O library. The PSP client's own errors subclass
``ProviderUnavailable`` / ``ProviderRejected`` so the use cases catch these only.
"""

from __future__ import annotations

import abc
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ropo_payment.domain.payments import Payment, PaymentState
from ropo_payment.domain.psp import (
    PspCreatedPayment,
    PspPaymentRequest,
    PspPaymentStatus,
    PspStatus,
)


class ProviderUnavailable(Exception):
    """The PSP could not be reached or gave no trustworthy answer; retry later."""


class ProviderRejected(Exception):
    """The PSP refused the request (4xx); retrying the same request will not help."""


class PaymentProvider(Protocol):
    """The PSP's payment API (Paytrail protocol)."""

    async def create_payment(self, request: PspPaymentRequest) -> PspCreatedPayment: ...

    async def get_payment(self, transaction_id: str) -> PspPaymentStatus: ...


class Conflict(Exception):
    """A concurrent writer won (a unique key); the caller decides how to answer."""


# ------------------------------------------------------------------ invoice index


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    """What CreatePayment needs to know about an invoice (from the invoice index)."""

    invoice_id: str
    reference: str
    closed: bool


class InvoiceDirectory(abc.ABC):
    """The read model of invoices this service learns from invoice events."""

    @abc.abstractmethod
    async def find(self, invoice_ids: Collection[str]) -> dict[str, InvoiceFacts]:
        """The known ones among ``invoice_ids`` (ids without ``invoices/``)."""


# ------------------------------------------------------------------ payments


@dataclass(frozen=True, slots=True)
class PaymentFilter:
    """ListPayments: at least one of ``invoice_id`` and ``payer``."""

    invoice_id: str = ""
    payer: str = ""


@dataclass(frozen=True, slots=True)
class PaymentCursor:
    """Keyset position: the last payment of the previous page (newest first)."""

    create_time: datetime
    payment_id: str


class PaymentRepository(abc.ABC):
    """Payments and their items."""

    @abc.abstractmethod
    async def get(self, payment_id: str) -> Payment | None: ...

    @abc.abstractmethod
    async def get_by_transaction(self, transaction_id: str) -> Payment | None:
        """The payment the PSP knows as ``transaction_id``."""

    @abc.abstractmethod
    async def add(self, payment: Payment) -> None: ...

    @abc.abstractmethod
    async def update(self, payment: Payment, expected_version: int) -> bool:
        """Store ``payment`` (its ``version`` already bumped) if the stored row is still at
        ``expected_version``; False when another writer changed it first."""

    @abc.abstractmethod
    async def list(
        self, where: PaymentFilter, after: PaymentCursor | None, limit: int
    ) -> Sequence[Payment]:
        """Newest first (create time, then id, descending)."""

    @abc.abstractmethod
    async def due_for_reconcile(
        self,
        unchanged_since: datetime,
        created_after: datetime,
        checked_before: datetime,
        limit: int,
    ) -> Sequence[Payment]:
        """PENDING payments with a transaction id, created after ``created_after``, not
        updated since ``unchanged_since`` and not asked about since ``checked_before``;
        the least recently asked first, so abandoned payments never crowd out new ones."""

    @abc.abstractmethod
    async def mark_checked(self, payment_ids: Collection[str], at: datetime) -> None:
        """Remember that the PSP was asked about ``payment_ids`` at ``at``."""

    @abc.abstractmethod
    async def invoices_with_payment(
        self, invoice_ids: Collection[str], states: Collection[PaymentState]
    ) -> set[str]:
        """Which of ``invoice_ids`` have a payment in one of ``states``."""


# ------------------------------------------------------------------ CreatePayment requests


class RequestPhase(StrEnum):
    """Recovery point of a CreatePayment call."""

    STARTED = "started"  # payment stored, PSP maybe not called yet
    FINISHED = "finished"  # response or error stored: replay it


@dataclass(frozen=True, slots=True)
class StoredError:
    """An error answer kept for replay."""

    code: str  # ropo_platform.errors.ErrorCode value
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class CreateRequest:
    """One ``request_id`` of CreatePayment and how far it got."""

    request_id: str
    fingerprint: str
    payer: str
    payment_id: str
    phase: RequestPhase
    locked_until: datetime
    created_at: datetime
    updated_at: datetime
    response: bytes | None = None
    error: StoredError | None = None


class CreateRequestLog(abc.ABC):
    """The ``create_payment_requests`` table (idempotency with recovery points)."""

    @abc.abstractmethod
    async def get(self, request_id: str) -> CreateRequest | None: ...

    @abc.abstractmethod
    async def add(self, request: CreateRequest) -> None:
        """Insert; ``Conflict`` when the request id exists (a concurrent first call)."""

    @abc.abstractmethod
    async def take_over(
        self, request_id: str, expired_lease: datetime, locked_until: datetime, at: datetime
    ) -> bool:
        """Claim a started request whose lease (``expired_lease``) ran out; False when
        someone else claimed or finished it first."""

    @abc.abstractmethod
    async def release(self, request_id: str, locked_until: datetime, at: datetime) -> None:
        """End our lease (``locked_until`` = ours) so that a retry may resume at once."""

    @abc.abstractmethod
    async def finish(
        self,
        request_id: str,
        at: datetime,
        *,
        response: bytes | None = None,
        error: StoredError | None = None,
    ) -> bool:
        """Store the answer; False when the request was finished already."""

    @abc.abstractmethod
    async def prune(self, finished_before: datetime) -> int:
        """Delete finished requests older than ``finished_before``; how many."""


# ------------------------------------------------------------------ PSP messages


class MessageKind(StrEnum):
    REDIRECT = "redirect"
    CALLBACK = "callback"
    RECONCILE = "reconcile"


class MessageOutcome(StrEnum):
    ACCEPTED = "accepted"  # verified and applied (changed something)
    IGNORED = "ignored"  # verified; nothing to change (duplicate or regression)
    REJECTED = "rejected"  # bad signature, unknown payment, amount mismatch


@dataclass(frozen=True, slots=True)
class PspMessage:
    """The audit record of one status message. ``query`` never holds ``signature``."""

    id: str
    kind: MessageKind
    outcome: MessageOutcome
    reason: str
    query: dict[str, str]
    received_at: datetime
    request_id: str = ""
    transaction_id: str = ""
    stamp: str = ""
    status: str = ""
    amount_minor: int | None = None
    payment_id: str = ""


class PspMessageLog(abc.ABC):
    @abc.abstractmethod
    async def add(self, message: PspMessage) -> None: ...


# ------------------------------------------------------------------ events


class PaymentEventOutbox(abc.ABC):
    """The integration events, written in the state change's transaction."""

    @abc.abstractmethod
    async def payment_succeeded(self, payment: Payment) -> None: ...

    @abc.abstractmethod
    async def payment_failed(self, payment: Payment) -> None: ...

    @abc.abstractmethod
    async def payment_settled(self, payment: Payment) -> None: ...


__all__ = [
    "Conflict",
    "CreateRequest",
    "CreateRequestLog",
    "InvoiceDirectory",
    "InvoiceFacts",
    "MessageKind",
    "MessageOutcome",
    "PaymentCursor",
    "PaymentEventOutbox",
    "PaymentFilter",
    "PaymentProvider",
    "PaymentRepository",
    "ProviderRejected",
    "ProviderUnavailable",
    "PspMessage",
    "PspMessageLog",
    "PspStatus",
    "RequestPhase",
    "StoredError",
]
