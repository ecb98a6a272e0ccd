"""*Maksa* through the PSP: starting a payment for invoices a person may pay, and reading a
payment back for its payer.

Every invoice is checked with ``CheckAccess`` for ``ACTION_PAY`` first (someone
else's invoice ends in the one ``invoice_not_found()``), then read from the invoice
service: the amount paid is what is open *now*, never a number from the browser. An
invoice with nothing to pay (closed, nothing open, or already *Maksettu MyRopossa*)
refuses the whole payment (``NothingToPay``): the person chose a set and a total, and
silently paying fewer invoices would surprise them.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

import grpc

from ropo_gateway.clients.authorization import Action
from ropo_gateway.clients.payments import PaymentLine, PaymentOrder, PaymentView, PspReturnKind
from ropo_gateway.errors import ApiError, UpstreamError
from ropo_gateway.myropo.access import MALFORMED_ID, InvoiceAccessPolicy
from ropo_gateway.myropo.invoice_page import InvoiceReader
from ropo_gateway.myropo.views import InvoiceDetail, InvoiceRow

#: The most invoices one payment covers (one PSP transaction, one page of *Laskut*).
MAX_INVOICES_PER_PAYMENT: Final = 50
PAYMENTS_PREFIX: Final = "payments/"
#: The audit record's resource for an id that cannot name a payment.
MALFORMED_PAYMENT: Final = "payments/-"
#: The payment service's id grammar; anything else cannot name a payment.
_PAYMENT_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
#: gRPC codes of CreatePayment that mean "this cannot be paid (now)", not "try later".
_REFUSED_CODES: Final = frozenset(
    {
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.ALREADY_EXISTS,
        grpc.StatusCode.OUT_OF_RANGE,
    }
)


class PaymentSource(Protocol):
    """The payment service (``PaymentClient``)."""

    async def create_payment(self, order: PaymentOrder) -> PaymentView: ...

    async def get_payment(self, name: str) -> PaymentView: ...

    async def list_payments(
        self, *, invoice: str = "", payer: str = "", limit: int = ...
    ) -> list[PaymentView]: ...

    async def handle_psp_return(
        self, kind: PspReturnKind, query: Mapping[str, str], request_id: str
    ) -> PaymentView: ...


class NothingToPay(Exception):
    """One of the invoices is closed, has nothing open or is already paid in MyRopo."""

    def __init__(self, invoice_id: str) -> None:
        super().__init__("invoice not payable")
        self.invoice_id = invoice_id


def payable_row(row: InvoiceRow) -> bool:
    """True when *Maksa verkkopankissa* makes sense: something open, not closed, and not
    already paid in MyRopo (the money of that payment is still on its way)."""
    return not row.archived and row.open_amount.is_positive() and not row.paid_in_myropo


def idempotency_key(submitted: str | None) -> str:
    """The form's or body's key when it is a UUID (a double submission then pays once),
    else a new one."""
    try:
        return str(uuid.UUID(submitted or ""))
    except ValueError:
        return str(uuid.uuid4())


def is_payment_id(value: str) -> bool:
    """True when ``value`` has the shape of a payment id (checked before any call)."""
    return bool(_PAYMENT_ID.match(value))


def payment_not_found() -> ApiError:
    """The one answer for a payment that does not exist and for someone else's."""
    return ApiError(404, "PAYMENT_NOT_FOUND", "Payment not found.", page="payment_not_found")


def payment_problem(error: UpstreamError) -> str:
    """What the page says about a failed ``CreatePayment`` (``maksu.problem.<key>``)."""
    code = error.rpc_error.code
    if code == grpc.StatusCode.ABORTED:
        return "in_progress"
    if code in _REFUSED_CODES:
        return "not_payable"
    return "unavailable"


@dataclass(frozen=True, slots=True)
class PaymentStart:
    """What the person asked to pay and where the PSP brings them back."""

    invoice_ids: Sequence[str]
    request_id: str
    return_url: str
    language: str


class OnlinePayments:
    """Starts PSP payments and reads them back on behalf of one person."""

    def __init__(
        self, reader: InvoiceReader, policy: InvoiceAccessPolicy, payments: PaymentSource
    ) -> None:
        self._reader = reader
        self._policy = policy
        self._payments = payments

    async def _payable_detail(self, subject: str, invoice_id: str, language: str) -> InvoiceDetail:
        # ACTION_PAY first; the read of a delegate is recorded like any other read.
        access = await self._policy.require(subject, invoice_id, Action.PAY)
        detail = await self._reader.detail_of(access, language)
        if not payable_row(detail.row):
            raise NothingToPay(detail.row.id)
        return detail

    async def start(self, subject: str, start: PaymentStart) -> PaymentView:
        """Create one payment for every invoice of ``start`` (each at its open amount)."""
        wanted = list(dict.fromkeys(start.invoice_ids))
        # Access is checked one invoice at a time so that a refusal stops before any read.
        details = [
            await self._payable_detail(subject, invoice_id, start.language) for invoice_id in wanted
        ]
        order = PaymentOrder(
            request_id=start.request_id,
            payer=subject,
            items=[
                PaymentLine(invoice=detail.row.name, amount=detail.row.open_amount)
                for detail in details
            ],
            success_url=start.return_url,
            cancel_url=start.return_url,
            language_code=start.language,
        )
        return await self._payments.create_payment(order)

    async def of_payer(self, subject: str, payment_id: str) -> PaymentView:
        """The payment ``payment_id`` when ``subject`` made it; otherwise, and for an unknown
        or malformed id, the one ``payment_not_found()`` after one audit record (someone
        else's payment answers exactly like a missing one)."""
        if not is_payment_id(payment_id):
            raise await self._refuse(subject, MALFORMED_PAYMENT, MALFORMED_ID)
        name = f"{PAYMENTS_PREFIX}{payment_id}"
        try:
            payment = await self._payments.get_payment(name)
        except UpstreamError as error:
            if error.rpc_error.code == grpc.StatusCode.NOT_FOUND:
                raise await self._refuse(subject, name, "PAYMENT_NOT_FOUND") from None
            raise
        if payment.payer != subject:
            raise await self._refuse(subject, name, "NOT_PAYER")
        return payment

    async def _refuse(self, subject: str, resource: str, reason: str) -> ApiError:
        await self._policy.record_denial(subject, resource, reason)
        return payment_not_found()


async def viewable_invoices(
    policy: InvoiceAccessPolicy, subject: str, payment: PaymentView
) -> set[str]:
    """The invoice names of ``payment`` the person may open (links on the receipt); a probe,
    so a "no" is neither an error nor recorded."""
    names = [item.invoice for item in payment.items]
    allowed = await asyncio.gather(*(policy.may_view(subject, name) for name in names))
    return {name for name, ok in zip(names, allowed, strict=True) if ok}
