"""Ports: what the refund use cases need from storage and from the pure helpers that
make and read files (payout file, bank status report, letter) or know the calendar.

``adapters`` implement them (SQLAlchemy, the pain.001/pain.002/letter modules);
unit tests use fakes. Nothing here imports an I/O library.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from ropo_platform.errors import FieldViolation, ValidationFailed
from ropo_platform.money import Money

from ropo_refund.domain.events import DomainEvent
from ropo_refund.domain.payouts import PayoutBatch, PayoutItem
from ropo_refund.domain.refund_case import RefundCase, RefundState
from ropo_refund.domain.verification import FailureCount

REQUEST_ID_REUSED = "REQUEST_ID_REUSED"


class Conflict(Exception):
    """A unique key was taken by a concurrent writer; the caller decides what to do."""


class RequestIdReused(ValidationFailed):
    """The same ``request_id`` came with a different request (``INVALID_ARGUMENT``)."""

    def __init__(self, method: str) -> None:
        super().__init__(
            [FieldViolation("request_id", "was already used for a different request")],
            message=f"request_id was already used for a different {method} request",
            reason=REQUEST_ID_REUSED,
        )


# ------------------------------------------------------------------ refund cases


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """ListRefundCases: every field optional."""

    states: frozenset[RefundState] = frozenset()
    debtor_party: str = ""
    invoice: str = ""


@dataclass(frozen=True, slots=True)
class CaseCursor:
    """Keyset position: the last case of the previous page (oldest first)."""

    create_time: datetime
    case_id: str


class RefundCaseRepository(abc.ABC):
    @abc.abstractmethod
    async def get(self, case_id: str) -> RefundCase | None: ...

    @abc.abstractmethod
    async def get_by_case_number(self, case_number: str) -> RefundCase | None: ...

    @abc.abstractmethod
    async def get_by_source(self, source_key: str) -> RefundCase | None:
        """The case opened for ``source_key`` (``overpayment:{invoice}:{payment}`` …)."""

    @abc.abstractmethod
    async def add(self, case: RefundCase) -> None:
        """Insert; ``Conflict`` when its case number or source key is taken (the
        transaction stays usable)."""

    @abc.abstractmethod
    async def update(self, case: RefundCase, expected_version: int) -> bool:
        """Store ``case`` (version already bumped) if the stored row is still at
        ``expected_version``; False when another writer changed it first."""

    @abc.abstractmethod
    async def list(
        self, where: CaseFilter, after: CaseCursor | None, limit: int
    ) -> Sequence[RefundCase]:
        """Oldest first (create time, then id)."""

    @abc.abstractmethod
    async def payable(self) -> Sequence[RefundCase]:
        """Approved cases in no batch whose approval is of the current account, oldest
        first."""


# ------------------------------------------------------------------ payout batches


@dataclass(frozen=True, slots=True)
class BatchCursor:
    """Keyset position: the last batch of the previous page (newest first)."""

    create_time: datetime
    batch_id: str


class PayoutBatchRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, batch: PayoutBatch) -> None:
        """Insert the batch and its items; ``Conflict`` when a case's payout attempt is
        in another batch already."""

    @abc.abstractmethod
    async def get(self, batch_id: str) -> PayoutBatch | None: ...

    @abc.abstractmethod
    async def get_by_message_id(self, message_id: str) -> PayoutBatch | None: ...

    @abc.abstractmethod
    async def update(self, batch: PayoutBatch) -> None:
        """Store the state, status time and item outcomes."""

    @abc.abstractmethod
    async def list(self, after: BatchCursor | None, limit: int) -> Sequence[PayoutBatch]:
        """Newest first; without file content."""


# ------------------------------------------------------------------ verification


class VerificationLog(abc.ABC):
    """Successful verifications and counted failures of wizard step 1."""

    @abc.abstractmethod
    async def serialise(self, subject: str, case_number_key: str) -> None:
        """Make concurrent attempts of one subject or case number take turns until the end of
        the transaction, so that counting and recording a failure cannot interleave and
        overshoot the limit. Nothing to do where the database already serialises writers."""

    @abc.abstractmethod
    async def failures_of_subject(self, subject: str, since: datetime) -> FailureCount: ...

    @abc.abstractmethod
    async def failures_of_case_number(self, key: str, since: datetime) -> FailureCount: ...

    @abc.abstractmethod
    async def record_failure(self, subject: str, case_number_key: str, at: datetime) -> None: ...

    @abc.abstractmethod
    async def record_success(self, case_id: str, subject: str, at: datetime) -> None: ...

    @abc.abstractmethod
    async def verified_since(self, case_id: str, subject: str, since: datetime) -> bool: ...


# ------------------------------------------------------------------ requests and events


class RequestLog(abc.ABC):
    """Stored responses of mutating requests by ``(method, request_id)``."""

    @abc.abstractmethod
    async def find(self, method: str, request_id: str, fingerprint: str) -> bytes | None:
        """The stored response; ``RequestIdReused`` when the fingerprint differs."""

    @abc.abstractmethod
    async def record(self, method: str, request_id: str, fingerprint: str, response: bytes) -> None:
        """``Conflict`` when a concurrent call with the same id recorded first."""


class RefundEventOutbox(abc.ABC):
    """Integration events, written in the state change's transaction."""

    @abc.abstractmethod
    async def publish(self, events: Sequence[DomainEvent]) -> None: ...


# ------------------------------------------------------------------ files and calendar


@dataclass(frozen=True, slots=True)
class PayoutDebtor:
    """Ropo's own account the refunds are paid from."""

    name: str
    iban: str
    bic: str


@dataclass(frozen=True, slots=True)
class PayoutFile:
    message_id: str
    created_at: datetime
    execution_date: date
    debtor: PayoutDebtor
    items: Sequence[PayoutItem]


class PayoutFileRejected(Exception):
    """The file did not pass its schema check (a bug or bad configuration, not the
    caller's fault). The message names the element, never an account."""


class PayoutFileBuilder(Protocol):
    def build(self, payout: PayoutFile) -> bytes:
        """The pain.001 XML; ``PayoutFileRejected`` when it fails validation."""
        ...


class StatusOutcome(StrEnum):
    PAID = "paid"
    REJECTED = "rejected"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class TransactionStatus:
    outcome: StatusOutcome
    reason_code: str = ""
    reason_text: str = ""


class StatusReport(Protocol):
    @property
    def original_message_id(self) -> str: ...

    def outcome_for(self, end_to_end_id: str) -> TransactionStatus | None:
        """The transaction's status (its own, or the group's), ``None`` when the report
        says nothing about it."""
        ...


class StatusReportInvalid(Exception):
    """The content is not a status report we can read; the message is safe to show."""


class StatusReportParser(Protocol):
    def parse(self, content: bytes) -> StatusReport: ...


@dataclass(frozen=True, slots=True)
class LetterContent:
    case_number: str
    myropo_id: str
    recipient_name: str
    origin: str
    refundable_amount: Money
    handling_fee: Money
    payout_amount: Money
    opened_on: date
    portal_url: str
    language: str


class LetterRenderer(Protocol):
    def render(self, letter: LetterContent) -> bytes:
        """The PDF."""
        ...


class BankingCalendar(Protocol):
    def next_banking_day(self, after: date) -> date: ...


class RandomSource(Protocol):
    """Where new ids and codes come from (``secrets`` in production)."""

    def new_id(self) -> str:
        """A UUID4 string (36 characters)."""
        ...

    def randbelow(self, upper: int) -> int: ...


class Responses(Protocol):
    """Serialized responses of mutating calls, stored for idempotent replay."""

    def refund_case(self, method: str, case: RefundCase) -> bytes: ...

    def payout_export(self, batch: PayoutBatch) -> bytes: ...

    def payout_status(self, batch: PayoutBatch, paid: int, failed: int) -> bytes: ...
