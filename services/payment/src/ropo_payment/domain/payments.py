"""The Payment aggregate: a person's PSP payment for one or more invoices.

Lifecycle (``PaymentState``), monotonic — a succeeded payment never goes back::

    PENDING ──ok──▶ SUCCEEDED ──settle──▶ SETTLED
       │
       └──fail──▶ FAILED

``apply_psp_status`` takes one verified PSP status message (redirect, callback or the
reconciler's query) and says what happened (``StatusOutcome``). Messages arrive many
times and in any order, so applying the same status twice is ``UNCHANGED`` and a
status that would move a finished payment backwards is ``IGNORED`` with a reason the
caller logs. Amounts are integer cents (EUR). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ropo_payment.domain.psp import PspStatus

#: Paytrail's upper bound of one payment, in cents.
MAX_PAYMENT_MINOR = 99_999_998
MAX_ITEMS = 50
CURRENCY = "EUR"
LANGUAGES = ("fi", "sv", "en")


class PaymentState(StrEnum):
    """Where a payment is in its lifecycle (stored values)."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    SETTLED = "settled"
    FAILED = "failed"


class StatusOutcome(StrEnum):
    """What one PSP status message did to a payment."""

    SUCCEEDED = "succeeded"  # pending → succeeded: publish payment_succeeded
    FAILED = "failed"  # pending → failed: publish payment_failed
    NOTED = "noted"  # pending/delayed recorded; still pending
    UNCHANGED = "unchanged"  # the payment already has this status
    IGNORED = "ignored"  # would move a finished payment backwards; see ``reason``

    @property
    def changes_state(self) -> bool:
        """Whether the payment's lifecycle state moved (an event is due)."""
        return self in (StatusOutcome.SUCCEEDED, StatusOutcome.FAILED)


#: ``IGNORED`` reasons (log event names).
STATUS_REGRESSION = "payment_status_regression"
OK_AFTER_FAIL = "payment_ok_after_fail"

# PSP statuses that mean "not decided yet".
_OPEN_STATUSES = frozenset({PspStatus.PENDING, PspStatus.DELAYED, PspStatus.AUTHORIZATION_HOLD})


@dataclass(frozen=True, slots=True)
class StatusChange:
    """The outcome of ``apply_psp_status``; ``reason`` explains an ``IGNORED``."""

    outcome: StatusOutcome
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PaymentItem:
    """One invoice paid by a payment (``invoice_id`` without ``invoices/``)."""

    invoice_id: str
    amount_minor: int
    reference: str

    @property
    def invoice(self) -> str:
        """Resource name, ``invoices/{id}``."""
        return f"invoices/{self.invoice_id}"


class InvalidTransition(Exception):
    """A lifecycle step the payment's state does not allow."""


@dataclass(slots=True)
class Payment:
    """A PSP payment. ``version`` guards concurrent updates (optimistic locking)."""

    id: str
    payer: str  # persons/{key}
    items: tuple[PaymentItem, ...]
    language: str  # fi | sv | en
    reference: str  # sent to the PSP: the invoice's reference for one invoice, else the id
    create_time: datetime
    update_time: datetime
    state: PaymentState = PaymentState.PENDING
    psp_status: PspStatus = PspStatus.NEW
    provider_transaction_id: str = ""
    payment_page_url: str = ""
    provider_method: str = ""
    succeed_time: datetime | None = None
    settle_time: datetime | None = None
    fail_time: datetime | None = None
    version: int = 1
    currency: str = field(default=CURRENCY)

    @property
    def name(self) -> str:
        """Resource name, ``payments/{id}``."""
        return f"payments/{self.id}"

    @property
    def amount_minor(self) -> int:
        """Sum of the items, in cents."""
        return sum(item.amount_minor for item in self.items)

    def apply_psp_status(self, status: PspStatus, provider: str, at: datetime) -> StatusChange:
        """Apply one verified PSP status; see the module docstring for the rules."""
        if self.state is PaymentState.PENDING:
            return self._apply_while_pending(status, provider, at)
        if self.state is PaymentState.FAILED:
            if status is PspStatus.FAIL:
                return StatusChange(StatusOutcome.UNCHANGED)
            if status is PspStatus.OK:
                # The person may have paid again with a new payment; turning this one into a
                # success could pay the invoice twice. Customer service sorts it out.
                return StatusChange(StatusOutcome.IGNORED, OK_AFTER_FAIL)
            return StatusChange(StatusOutcome.IGNORED, STATUS_REGRESSION)
        # SUCCEEDED or SETTLED: ok never goes back.
        if status is PspStatus.OK:
            return StatusChange(StatusOutcome.UNCHANGED)
        return StatusChange(StatusOutcome.IGNORED, STATUS_REGRESSION)

    def _apply_while_pending(self, status: PspStatus, provider: str, at: datetime) -> StatusChange:
        if status is PspStatus.OK:
            self.state = PaymentState.SUCCEEDED
            self.succeed_time = at
            self._note(status, provider, at)
            return StatusChange(StatusOutcome.SUCCEEDED)
        if status is PspStatus.FAIL:
            self.state = PaymentState.FAILED
            self.fail_time = at
            self._note(status, provider, at)
            return StatusChange(StatusOutcome.FAILED)
        if status is self.psp_status and (not provider or provider == self.provider_method):
            return StatusChange(StatusOutcome.UNCHANGED)
        if status is PspStatus.NEW:
            # "new" is where every payment starts; after pending it is old news.
            if self.psp_status is PspStatus.NEW:
                self._note(status, provider, at)
                return StatusChange(StatusOutcome.NOTED)
            return StatusChange(StatusOutcome.IGNORED, STATUS_REGRESSION)
        assert status in _OPEN_STATUSES
        self._note(status, provider, at)
        return StatusChange(StatusOutcome.NOTED)

    def _note(self, status: PspStatus, provider: str, at: datetime) -> None:
        self.psp_status = status
        if provider:
            self.provider_method = provider
        self.update_time = at

    def settle(self, at: datetime) -> None:
        """The money arrived: SUCCEEDED → SETTLED (``InvalidTransition`` otherwise)."""
        if self.state is not PaymentState.SUCCEEDED:
            raise InvalidTransition(f"cannot settle a {self.state.value} payment")
        self.state = PaymentState.SETTLED
        self.settle_time = at
        self.update_time = at

    def fail_rejected(self, at: datetime) -> None:
        """The PSP refused to create the payment: PENDING → FAILED."""
        if self.state is not PaymentState.PENDING:
            raise InvalidTransition(f"cannot fail a {self.state.value} payment")
        self.state = PaymentState.FAILED
        self.fail_time = at
        self.update_time = at


def psp_reference(payment_id: str, items: tuple[PaymentItem, ...]) -> str:
    """The reference sent to the PSP: the invoice's own for one invoice (so the bank
    statement shows it), else the payment id (no single reference fits several)."""
    if len(items) == 1 and items[0].reference:
        return items[0].reference
    return payment_id
