"""Use cases of payment time: options, due-date extensions and payment plans.

Every mutating use case runs in its own unit of work and is ``request_id``
idempotent: the first outcome is recorded with the change (same transaction)
and a retry with the same id replays it from the stored invoice. Two changes of
one invoice at once cannot both win: the invoice's version check (and, for
plans, a unique index on the active plan) makes the loser's commit fail; it is
retried on a fresh unit of work, where it sees the winner's change and is
refused by the rules (e.g. ``ACTIVE_PAYMENT_PLAN``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from ropo_platform.db.types import utcnow
from ropo_platform.errors import Aborted
from ropo_platform.money import Money

from ropo_invoice.domain.errors import InvoiceNotFound
from ropo_invoice.domain.model import Invoice
from ropo_invoice.domain.payment_plan import PaymentPlan
from ropo_invoice.domain.payment_time import PaymentTimeOptions, payment_time_options
from ropo_invoice.domain.payment_time_policy import PaymentTimePolicy
from ropo_invoice.service_layer.letter_delivery import (
    LetterRenderer,
    keep_new_letters,
    letter_ids,
)
from ropo_invoice.service_layer.ports import Conflict
from ropo_invoice.service_layer.replays import find_replay, record_replay
from ropo_invoice.service_layer.unit_of_work import AbstractUnitOfWork, UnitOfWorkFactory

Clock = Callable[[], datetime]
T = TypeVar("T")

EXTEND_DUE_DATE = "ropo.invoice.v1.InvoiceService/ExtendDueDate"
CREATE_PAYMENT_PLAN = "ropo.invoice.v1.InvoiceService/CreatePaymentPlan"
CANCEL_PAYMENT_PLAN = "ropo.invoice.v1.InvoiceService/CancelPaymentPlan"
#: A conflict means a concurrent change of the same invoice won; the retry sees it.
MAX_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class ExtendDueDate:
    """Move an invoice's due date to ``new_due_date`` for ``accepted_fee``."""

    invoice_id: str
    new_due_date: date
    accepted_fee: Money
    actor: str
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class CreatePaymentPlan:
    """Make a plan of ``instalment_count`` instalments for ``accepted_fee``."""

    invoice_id: str
    instalment_count: int
    accepted_fee: Money
    actor: str
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class CancelPaymentPlan:
    """Staff cancel the plan ``plan_id`` of ``invoice_id`` with a ``reason``."""

    invoice_id: str
    plan_id: str
    actor: str
    reason: str
    request_id: str = ""


@dataclass(frozen=True, slots=True)
class ExtensionResult:
    """The invoice after the extension and the fee charged."""

    invoice: Invoice
    fee: Money


@dataclass(frozen=True, slots=True)
class PlanResult:
    """The invoice and the plan made or cancelled."""

    invoice: Invoice
    plan: PaymentPlan


@dataclass(slots=True)
class PaymentTimeHandlers:
    """The payment-time use cases, with their dependencies."""

    uow: UnitOfWorkFactory
    clock: Clock = field(default=utcnow)
    #: Draws the confirmation letter; ``None`` keeps the letter unrendered (tests).
    renderer: LetterRenderer | None = None

    async def options(self, invoice_id: str) -> PaymentTimeOptions:
        """What the person may choose for ``invoice_id`` today."""
        async with self.uow(read_only=True) as uow:
            invoice = await _invoice(uow, invoice_id)
            policy = await uow.creditors.payment_time_policy(invoice.creditor_id)
        return payment_time_options(invoice, policy, self.clock().date())

    async def set_policy(self, creditor_id: str, policy: PaymentTimePolicy) -> None:
        """Store a creditor's policy (admin; not on the public API)."""
        async with self.uow() as uow:
            await uow.creditors.save_payment_time_policy(creditor_id, policy, self.clock())
            await uow.commit()

    async def extend_due_date(self, command: ExtendDueDate) -> ExtensionResult:
        """Extend the due date as offered; replays a seen ``request_id``."""

        async def change(uow: AbstractUnitOfWork) -> ExtensionResult:
            stored = await find_replay(uow, EXTEND_DUE_DATE, command.request_id, command)
            if stored is not None:
                invoice = await _invoice(uow, stored["invoice"])
                fee = Money.from_minor_units(int(stored["fee_minor"]), invoice.currency)
                return ExtensionResult(invoice, fee)
            invoice = await _invoice(uow, command.invoice_id)
            policy = await uow.creditors.payment_time_policy(invoice.creditor_id)
            now = self.clock()
            before = letter_ids(invoice)
            fee = invoice.extend_due_date(
                command.new_due_date,
                command.accepted_fee,
                policy,
                now.date(),
                now,
                command.actor,
            )
            await self._keep_letters(uow, invoice, before, now)
            record = {"invoice": invoice.id, "fee_minor": str(fee.minor_units)}
            await record_replay(uow, EXTEND_DUE_DATE, command.request_id, command, record)
            return ExtensionResult(invoice, fee)

        return await self._in_transaction(change)

    async def create_payment_plan(self, command: CreatePaymentPlan) -> PlanResult:
        """Make the offered plan; replays a seen ``request_id``."""

        async def change(uow: AbstractUnitOfWork) -> PlanResult:
            stored = await find_replay(uow, CREATE_PAYMENT_PLAN, command.request_id, command)
            if stored is not None:
                return await _replay_plan(uow, stored)
            invoice = await _invoice(uow, command.invoice_id)
            policy = await uow.creditors.payment_time_policy(invoice.creditor_id)
            now = self.clock()
            before = letter_ids(invoice)
            plan = invoice.create_payment_plan(
                command.instalment_count,
                command.accepted_fee,
                policy,
                now.date(),
                now,
                command.actor,
            )
            await self._keep_letters(uow, invoice, before, now)
            record = {"invoice": invoice.id, "plan": plan.id}
            await record_replay(uow, CREATE_PAYMENT_PLAN, command.request_id, command, record)
            return PlanResult(invoice, plan)

        return await self._in_transaction(change)

    async def cancel_payment_plan(self, command: CancelPaymentPlan) -> PlanResult:
        """Cancel an active plan (staff); replays a seen ``request_id``."""

        async def change(uow: AbstractUnitOfWork) -> PlanResult:
            stored = await find_replay(uow, CANCEL_PAYMENT_PLAN, command.request_id, command)
            if stored is not None:
                return await _replay_plan(uow, stored)
            invoice = await _invoice(uow, command.invoice_id)
            plan = invoice.cancel_payment_plan(
                command.plan_id, self.clock(), actor=command.actor, reason=command.reason
            )
            record = {"invoice": invoice.id, "plan": plan.id}
            await record_replay(uow, CANCEL_PAYMENT_PLAN, command.request_id, command, record)
            return PlanResult(invoice, plan)

        return await self._in_transaction(change)

    async def _keep_letters(
        self, uow: AbstractUnitOfWork, invoice: Invoice, before: frozenset[str], now: datetime
    ) -> None:
        # The confirmation is kept as sent, in the same transaction as the change.
        if self.renderer is not None:
            await keep_new_letters(uow, self.renderer, invoice, before, now)

    async def _in_transaction(self, change: Callable[[AbstractUnitOfWork], Awaitable[T]]) -> T:
        for _attempt in range(MAX_ATTEMPTS):
            try:
                async with self.uow() as uow:
                    result = await change(uow)
                    await uow.commit()
                return result
            except Conflict:
                continue
        raise Aborted(
            "CONCURRENT_MODIFICATION", "the invoice was changed concurrently; retry the request"
        )


async def _invoice(uow: AbstractUnitOfWork, invoice_id: str) -> Invoice:
    invoice = await uow.invoices.get(invoice_id)
    if invoice is None:
        raise InvoiceNotFound(f"invoices/{invoice_id}")
    return invoice


async def _replay_plan(uow: AbstractUnitOfWork, stored: dict[str, str]) -> PlanResult:
    invoice = await _invoice(uow, stored["invoice"])
    plan = next(p for p in invoice.payment_plans if p.id == stored["plan"])
    return PlanResult(invoice, plan)
