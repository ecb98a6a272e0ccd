"""Client of ``ropo.payment.v1.PaymentService``: payments through the PSP.

The payment service trusts its callers: the gateway checks ``ACTION_PAY`` for every
invoice before ``create_payment`` and shows a payment only to its payer (MyRopo) or
to staff who may see the invoice (Ropo One). PSP redirects and callbacks are passed
through untouched (``handle_psp_return``): the service verifies their signature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Final

import grpc.aio
from google.protobuf.message import Message
from ropo.payment.v1 import payment_pb2, payment_service_pb2, payment_service_pb2_grpc
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto, optional_money_from_proto

from ropo_gateway.clients.base import translate_errors

PEER: Final = "payment"
PAYMENTS_PREFIX: Final = "payments/"
PAGE_SIZE: Final = 200
DEFAULT_CURRENCY: Final = "EUR"


class PaymentState(StrEnum):
    """Lifecycle of a payment (``Payment.State`` without the prefix)."""

    UNSPECIFIED = "UNSPECIFIED"
    #: Created at the PSP; the person has not finished paying (*Odottaa maksua*).
    PENDING = "PENDING"
    #: The PSP confirmed it, the money has not settled (*Maksettu MyRopossa*).
    SUCCEEDED = "SUCCEEDED"
    #: The money settled and was allocated (*Tilitetty*).
    SETTLED = "SETTLED"
    #: Failed or cancelled (*Epäonnistui*).
    FAILED = "FAILED"


class PspReturnKind(IntEnum):
    """How a PSP message reached the gateway (``ropo.payment.v1.PspReturnKind``)."""

    REDIRECT = payment_service_pb2.PSP_RETURN_KIND_REDIRECT
    CALLBACK = payment_service_pb2.PSP_RETURN_KIND_CALLBACK


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """One invoice of a payment and the amount paid on it."""

    invoice: str
    amount: Money
    reference: str = ""

    @property
    def invoice_id(self) -> str:
        """The id in ``invoices/{id}`` (for links)."""
        return self.invoice.removeprefix("invoices/")


@dataclass(frozen=True, slots=True)
class PaymentView:
    """A payment as the pages and the APIs show it (mapped once from the wire)."""

    name: str
    state: PaymentState
    items: tuple[PaymentLine, ...]
    amount: Money
    payer: str
    payment_page_url: str
    provider_transaction_id: str
    provider_method: str
    create_time: datetime | None
    update_time: datetime | None
    succeed_time: datetime | None
    settle_time: datetime | None

    @property
    def id(self) -> str:
        """The id used in URLs (``payments/{id}`` → ``{id}``)."""
        return self.name.removeprefix(PAYMENTS_PREFIX)


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    """What ``CreatePayment`` is asked for: who pays which invoices how much, where the PSP
    sends the browser back, and the idempotency key (a retry reuses it)."""

    request_id: str
    payer: str
    items: Sequence[PaymentLine]
    success_url: str
    cancel_url: str
    language_code: str = "fi"


def _time(parent: Message, name: str) -> datetime | None:
    if not parent.HasField(name):
        return None
    return getattr(parent, name).ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


def _state(value: int) -> PaymentState:
    name = payment_pb2.Payment.State.Name(value).removeprefix("STATE_")  # type: ignore[arg-type]
    try:
        return PaymentState(name)
    except ValueError:
        return PaymentState.UNSPECIFIED


def payment_view(message: payment_pb2.Payment) -> PaymentView:
    """Map the wire message; pages and APIs read only this."""
    items = tuple(
        PaymentLine(
            invoice=item.invoice,
            amount=optional_money_from_proto(item, "amount") or Money.zero(DEFAULT_CURRENCY),
            reference=item.reference,
        )
        for item in message.items
    )
    currency = items[0].amount.currency if items else DEFAULT_CURRENCY
    amount = optional_money_from_proto(message, "amount") or Money.sum(
        (item.amount for item in items), currency
    )
    return PaymentView(
        name=message.name,
        state=_state(message.state),
        items=items,
        amount=amount,
        payer=message.payer,
        payment_page_url=message.payment_page_url,
        provider_transaction_id=message.provider_transaction_id,
        provider_method=message.provider_method,
        create_time=_time(message, "create_time"),
        update_time=_time(message, "update_time"),
        succeed_time=_time(message, "succeed_time"),
        settle_time=_time(message, "settle_time"),
    )


class PaymentClient:
    """Typed wrapper of the generated stub; every call has the channel's deadline."""

    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float) -> None:
        self._stub = payment_service_pb2_grpc.PaymentServiceStub(channel)
        self._timeout = timeout_seconds

    async def create_payment(self, order: PaymentOrder) -> PaymentView:
        """Start a PSP payment; send the browser to ``payment_page_url`` of the answer."""
        async with translate_errors(PEER):
            response = await self._stub.CreatePayment(
                payment_service_pb2.CreatePaymentRequest(
                    request_id=order.request_id,
                    payer=order.payer,
                    items=[
                        payment_pb2.PaymentItem(
                            invoice=item.invoice, amount=money_to_proto(item.amount)
                        )
                        for item in order.items
                    ],
                    success_url=order.success_url,
                    cancel_url=order.cancel_url,
                    language_code=order.language_code,
                ),
                timeout=self._timeout,
            )
        return payment_view(response.payment)

    async def get_payment(self, name: str) -> PaymentView:
        """One payment (``payments/{id}``)."""
        async with translate_errors(PEER):
            response = await self._stub.GetPayment(
                payment_service_pb2.GetPaymentRequest(name=name), timeout=self._timeout
            )
        return payment_view(response.payment)

    async def list_payments(
        self, *, invoice: str = "", payer: str = "", limit: int = PAGE_SIZE
    ) -> list[PaymentView]:
        """Payments covering ``invoice`` or made by ``payer``, newest first, at most
        ``limit``."""
        found: list[PaymentView] = []
        token = ""
        async with translate_errors(PEER):
            while len(found) < limit:
                response = await self._stub.ListPayments(
                    payment_service_pb2.ListPaymentsRequest(
                        page_size=min(PAGE_SIZE, limit - len(found)),
                        page_token=token,
                        invoice=invoice,
                        payer=payer,
                    ),
                    timeout=self._timeout,
                )
                found.extend(payment_view(item) for item in response.payments)
                token = response.next_page_token
                if not token:
                    break
        return found[:limit]

    async def handle_psp_return(
        self, kind: PspReturnKind, query: Mapping[str, str], request_id: str
    ) -> PaymentView:
        """Pass a PSP redirect or callback through; ``INVALID_ARGUMENT`` when its signature
        does not verify, ``NOT_FOUND`` for an unknown transaction."""
        async with translate_errors(PEER):
            response = await self._stub.HandlePspReturn(
                payment_service_pb2.HandlePspReturnRequest(
                    request_id=request_id,
                    kind=int(kind),  # type: ignore[arg-type]
                    query_parameters=dict(query),
                ),
                timeout=self._timeout,
            )
        return payment_view(response.payment)
