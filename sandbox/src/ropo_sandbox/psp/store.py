"""In-memory state of the sandbox PSP: transactions, stamps, nonces and settlements.

Everything runs on the app's one event loop and no method awaits, so each method is
atomic with respect to concurrent requests. A restart loses the state (a dev tool).
"""

from __future__ import annotations

import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ropo_sandbox.psp.orders import PaymentOrder

Clock = Callable[[], float]

#: How long a nonce is remembered (docs/payments.md, a project choice).
NONCE_MEMORY_SECONDS = 600.0


class Status(StrEnum):
    """Payment statuses the sandbox produces (docs/payments.md)."""

    NEW = "new"
    OK = "ok"
    FAIL = "fail"
    PENDING = "pending"


class Outcome(StrEnum):
    """What the payer did on the hosted page (or what a test asks for)."""

    SUCCESS = "success"
    CANCEL = "cancel"
    PENDING = "pending"


_RESULT = {Outcome.SUCCESS: Status.OK, Outcome.CANCEL: Status.FAIL, Outcome.PENDING: Status.PENDING}
FINAL_STATUSES = frozenset({Status.OK, Status.FAIL})


class DuplicateStamp(Exception):
    """The stamp was already used for a payment with a different amount, reference or items."""


class PaymentFinished(Exception):
    """The payment is already ``ok`` or ``fail``; it can no longer be completed."""


@dataclass(slots=True)
class Transaction:
    """One PSP transaction."""

    transaction_id: str
    order: PaymentOrder
    created_at: float
    status: Status = Status.NEW
    provider: str | None = None
    paid_at: float | None = None
    settlement_id: str | None = None


@dataclass(frozen=True, slots=True)
class Completion:
    """The result of :meth:`PaymentStore.complete`; ``changed`` is false for a repeat."""

    transaction: Transaction
    changed: bool


@dataclass
class PaymentStore:
    """All PSP state of one app instance."""

    clock: Clock
    transactions: dict[str, Transaction] = field(default_factory=dict)
    by_stamp: dict[str, str] = field(default_factory=dict)
    creates_per_stamp: Counter[str] = field(default_factory=Counter)
    transactions_per_stamp: Counter[str] = field(default_factory=Counter)
    settlements: dict[str, dict[str, Any]] = field(default_factory=dict)
    _nonces: set[str] = field(default_factory=set)
    # Oldest first, so forgetting expired nonces never scans the whole memory.
    _nonce_order: deque[tuple[float, str]] = field(default_factory=deque)

    def remember_nonce(self, nonce: str) -> bool:
        """Record ``nonce``; false when it was already seen in the last 10 minutes."""
        now = self.clock()
        while self._nonce_order and now - self._nonce_order[0][0] > NONCE_MEMORY_SECONDS:
            _, expired = self._nonce_order.popleft()
            self._nonces.discard(expired)
        if nonce in self._nonces:
            return False
        self._nonces.add(nonce)
        self._nonce_order.append((now, nonce))
        return True

    def create(self, order: PaymentOrder) -> Transaction:
        """A new transaction, or the existing one for a repeated identical stamp.

        Raises :class:`DuplicateStamp` when the stamp's earlier body differs.
        """
        existing_id = self.by_stamp.get(order.stamp)
        if existing_id is not None:
            existing = self.transactions[existing_id]
            if not existing.order.same_payment_as(order):
                raise DuplicateStamp(order.stamp)
            self.creates_per_stamp[order.stamp] += 1
            return existing
        transaction = Transaction(str(uuid.uuid4()), order, created_at=self.clock())
        self.transactions[transaction.transaction_id] = transaction
        self.by_stamp[order.stamp] = transaction.transaction_id
        self.creates_per_stamp[order.stamp] += 1
        self.transactions_per_stamp[order.stamp] += 1
        return transaction

    def get(self, transaction_id: str) -> Transaction | None:
        """The transaction, or ``None``."""
        return self.transactions.get(transaction_id)

    def complete(self, transaction: Transaction, outcome: Outcome, provider: str) -> Completion:
        """Apply the payer's choice: new/pending → ok, fail or pending.

        Raises :class:`PaymentFinished` for an ``ok`` or ``fail`` payment: the state
        only moves forward (docs/payments.md).
        """
        if transaction.status in FINAL_STATUSES:
            raise PaymentFinished(transaction.transaction_id)
        status = _RESULT[outcome]
        changed = status != transaction.status
        transaction.status = status
        transaction.provider = provider
        if status is Status.OK:
            transaction.paid_at = self.clock()
        return Completion(transaction, changed)

    def unsettled_paid(self) -> list[Transaction]:
        """``ok`` transactions not yet in a settlement, oldest first."""
        paid = [
            transaction
            for transaction in self.transactions.values()
            if transaction.status is Status.OK and transaction.settlement_id is None
        ]
        return sorted(paid, key=lambda transaction: transaction.paid_at or 0.0)
