"""Payment events from the payment service, applied to invoices.

- *payment confirmed* (the PSP said ok, money not yet here): the invoice shows
  *Maksettu MyRopossa*; open amounts stay;
- *money received* (a settled PSP payment or a bank reference payment): the amount
  is allocated to the ledger; nothing open → *Maksettu*; any excess →
  ``overpayment_detected`` (the refund service opens a case).

Both are idempotent per (invoice, payment id) in the aggregate itself, on top of
the consumer's inbox: a payment seen twice under different event ids still
counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ropo_platform.logging import get_logger
from ropo_platform.money import Money

from ropo_invoice.domain.errors import InvoiceNotFound
from ropo_invoice.domain.ledger import Allocation
from ropo_invoice.service_layer.unit_of_work import AbstractUnitOfWork

_log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ConfirmPayment:
    """The payment provider confirmed ``payment`` of ``amount`` on the invoice."""

    invoice_id: str
    payment: str
    amount: Money
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class ReceivePayment:
    """``amount`` of ``payment`` arrived for the invoice, booked on ``booked_on``."""

    invoice_id: str
    payment: str
    amount: Money
    booked_on: date
    occurred_at: datetime


async def confirm_payment(command: ConfirmPayment, uow: AbstractUnitOfWork) -> bool:
    """Mark the invoice *Maksettu MyRopossa*; ``False`` when nothing changed."""
    async with uow:
        invoice = await uow.invoices.get(command.invoice_id)
        if invoice is None:
            raise InvoiceNotFound(f"invoices/{command.invoice_id}")
        changed = invoice.confirm_payment(command.payment, command.amount, command.occurred_at)
        await uow.commit()
    return changed


async def receive_payment(command: ReceivePayment, uow: AbstractUnitOfWork) -> Allocation:
    """Allocate the money to the invoice's ledger."""
    async with uow:
        invoice = await uow.invoices.get(command.invoice_id)
        if invoice is None:
            raise InvoiceNotFound(f"invoices/{command.invoice_id}")
        allocation = invoice.receive_payment(
            command.payment, command.amount, command.booked_on, command.occurred_at
        )
        await uow.commit()
    _log.info(
        "payment_allocated",
        invoice=invoice.resource_name,
        payment=command.payment,
        excess_minor=allocation.excess.minor_units,
    )
    return allocation
