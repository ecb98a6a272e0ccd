"""The bot's facts about a logged-in person, from the services that own them.

Which invoices: exactly those the authorization service lists for the person
(``ListAccessibleInvoices`` — their own, authorized, continuous or looked-up ones); the
invoice service is asked only about those (``GetInvoice``, and ``GetPaymentTimeOptions``
for an open one: may the due date move, is a payment plan possible). Nothing else is
ever read, so an answer cannot name another person's invoice.

Everything runs under one deadline (``peer_timeout_seconds``). A failure or a late answer
of either service gives ``None``: the bot then answers in general terms, and the customer's
message is never refused because a peer is down. Only the payment-time options are allowed
to be missing per invoice (the answer then points to the invoice page).
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import grpc.aio
from ropo.authorization.v1 import authorization_service_pb2 as authorization_pb
from ropo.authorization.v1 import authorization_service_pb2_grpc as authorization_grpc
from ropo.invoice.v1 import invoice_service_pb2 as invoice_pb
from ropo.invoice.v1 import invoice_service_pb2_grpc as invoice_grpc
from ropo_platform.errors import DomainError
from ropo_platform.logging import get_logger
from ropo_platform.money_proto import money_from_proto
from ropo_platform.rpc import create_channel

from ropo_chat.domain.bot import InvoiceFact, PersonFacts
from ropo_chat.domain.conversation import INVOICES

_log = get_logger(__name__)

#: The most invoices one answer is built from (the bot lists five and counts the rest).
MAX_INVOICES = 50
#: Calls to the invoice service in flight at once for one message.
CONCURRENT_CALLS = 8


class _Unusable(Exception):
    """A peer's answer that cannot be turned into facts."""


class GrpcPersonFacts:
    """``PersonFactsSource`` over gRPC."""

    def __init__(
        self,
        authorization: Any,
        invoices: Any,
        timeout_seconds: float,
        *,
        addresses: tuple[str, str] | None = None,
    ) -> None:
        """``authorization``: an ``AuthorizationServiceStub``; ``invoices``: an
        ``InvoiceServiceStub`` (both on ``grpc.aio`` channels); or ``None`` for both and the
        services' ``addresses``, to open the channels on first use."""
        self._authorization = authorization
        self._invoices = invoices
        self._timeout = timeout_seconds
        self._addresses = addresses
        self._channels: list[Any] = []

    @classmethod
    def connect(
        cls, authorization_addr: str, invoice_addr: str, timeout_seconds: float
    ) -> GrpcPersonFacts:
        """Facts from the services at these addresses. The channels open on the first call:
        a ``grpc.aio`` channel belongs to the event loop it was made in, and the server's
        loop is not running yet while the service is being wired."""
        return cls(None, None, timeout_seconds, addresses=(authorization_addr, invoice_addr))

    def _open(self) -> None:
        if self._authorization is not None or self._addresses is None:
            return
        authorization_addr, invoice_addr = self._addresses
        authorization_channel = create_channel(authorization_addr, default_timeout=self._timeout)
        invoice_channel = create_channel(invoice_addr, default_timeout=self._timeout)
        self._channels = [authorization_channel, invoice_channel]
        self._authorization = authorization_grpc.AuthorizationServiceStub(authorization_channel)
        self._invoices = invoice_grpc.InvoiceServiceStub(invoice_channel)

    async def close(self) -> None:
        for channel in self._channels:
            await channel.close()
        self._channels = []

    async def facts_for(self, person: str, language_code: str) -> PersonFacts | None:
        self._open()
        try:
            async with asyncio.timeout(self._timeout):
                return await self._read(person, language_code)
        except TimeoutError:
            _log.warning("chat_facts_unavailable", problem="timeout")
        except grpc.aio.AioRpcError as error:
            _log.warning("chat_facts_unavailable", problem=error.code().name)
        except _Unusable as error:
            _log.warning("chat_facts_unavailable", problem=str(error))
        return None

    async def _read(self, person: str, language_code: str) -> PersonFacts:
        listed = await self._authorization.ListAccessibleInvoices(
            authorization_pb.ListAccessibleInvoicesRequest(subject=person, page_size=MAX_INVOICES)
        )
        names = sorted({entry.invoice for entry in listed.accessible_invoices})[:MAX_INVOICES]
        limiter = asyncio.Semaphore(CONCURRENT_CALLS)

        async def one(name: str) -> InvoiceFact:
            async with limiter:
                return await self._invoice(name, language_code)

        return PersonFacts(tuple(await asyncio.gather(*(one(name) for name in names))))

    async def _invoice(self, name: str, language_code: str) -> InvoiceFact:
        response = await self._invoices.GetInvoice(
            invoice_pb.GetInvoiceRequest(
                name=name, language_code=language_code, view=invoice_pb.INVOICE_VIEW_BASIC
            )
        )
        invoice = response.invoice
        if invoice.name != name:
            raise _Unusable("the invoice service answered about another invoice")
        try:
            open_amount = money_from_proto(invoice.open_amount, field="open_amount")
            due = invoice.due_date
            due_date = date(due.year, due.month, due.day)
        except (DomainError, ValueError):
            raise _Unusable("an invoice without a usable amount or due date") from None
        extension: bool | None = None
        plan: bool | None = None
        if open_amount.is_positive():
            extension, plan = await self._payment_time(name, language_code)
        return InvoiceFact(
            invoice_id=name.removeprefix(INVOICES),
            invoice_number=invoice.invoice_number,
            creditor_name=invoice.creditor_display_name,
            open_amount=open_amount,
            due_date=due_date,
            extension_possible=extension,
            plan_possible=plan,
        )

    async def _payment_time(self, name: str, language_code: str) -> tuple[bool | None, bool | None]:
        """Whether the due date may move and a plan may be made; unknown when the invoice
        service cannot say (the rest of the facts are still good)."""
        try:
            options = await self._invoices.GetPaymentTimeOptions(
                invoice_pb.GetPaymentTimeOptionsRequest(invoice=name, language_code=language_code)
            )
        except grpc.aio.AioRpcError:
            return None, None
        return options.due_date_extension.available, options.payment_plan.available
