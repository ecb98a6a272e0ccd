"""Client of ``ropo.invoice.v1.InvoiceService``.

The invoice service trusts its callers: every method here must only be called
after the gateway decided the caller may see the invoice (authorization service,
or a lookup grant of the session).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

import grpc.aio
from ropo.invoice.v1 import (
    invoice_event_pb2,
    invoice_pb2,
    invoice_service_pb2,
    invoice_service_pb2_grpc,
)
from ropo_platform.money import Money
from ropo_platform.money_proto import money_to_proto, optional_money_from_proto

from ropo_gateway.clients.base import translate_errors
from ropo_gateway.clients.payment_time import (
    DEFAULT_CURRENCY,
    PaymentPlanView,
    PaymentTimeOptions,
    date_to_proto,
    extension_option,
    plan_option,
    plan_view,
)

PEER = "invoice"
# ListInvoices accepts up to 1000 names; smaller batches keep each response small.
NAMES_PER_CALL = 200
#: The most names one ListInvoices request may carry (the service's limit).
MAX_NAMES_PER_REQUEST: Final = 1000
#: Timeline entries fetched per call, and the most one invoice page shows.
EVENTS_PER_CALL: Final = 200
MAX_EVENTS: Final = 1000


@dataclass(frozen=True, slots=True)
class InvoicePage:
    """One page of ``ListInvoices`` or ``SearchInvoices``."""

    invoices: list[invoice_pb2.Invoice]
    next_page_token: str = ""


@dataclass(frozen=True, slots=True)
class InvoiceListQuery:
    """What ``ListInvoices`` is asked for (the MyRopo front page and its JSON twin)."""

    names: Sequence[str]
    open_only: bool = False
    closed_only: bool = False
    query: str = ""
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class InvoiceSearch:
    """Filters of ``SearchInvoices`` (Ropo One); an empty field does not filter."""

    query: str = ""
    case_number: str = ""
    invoice_number: str = ""
    reference: str = ""
    debtor_name: str = ""
    creditor: str = ""
    states: Sequence[int] = field(default_factory=tuple)
    open_only: bool = False
    debtor_party: str = ""
    page_size: int = 0
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    """The invoice image as the invoice service returns it."""

    media_type: str
    content: bytes
    filename: str
    original: bool


@dataclass(frozen=True, slots=True)
class ExtensionOrder:
    """What ``ExtendDueDate`` is asked for: the date and fee the person saw and accepted,
    who asked (``persons/{key}``) and the idempotency key (a double submit reuses it)."""

    request_id: str
    invoice: str
    new_due_date: date
    accepted_fee: Money
    actor: str
    language_code: str = "fi"


@dataclass(frozen=True, slots=True)
class PlanOrder:
    """What ``CreatePaymentPlan`` is asked for (see ``ExtensionOrder``)."""

    request_id: str
    invoice: str
    instalment_count: int
    accepted_fee: Money
    actor: str
    language_code: str = "fi"


@dataclass(frozen=True, slots=True)
class ExtensionResult:
    """The invoice with its new due date, and the fee charged."""

    invoice: invoice_pb2.Invoice
    fee: Money


@dataclass(frozen=True, slots=True)
class PlanResult:
    """The invoice with the plan's fee in its ledger, and the plan made."""

    invoice: invoice_pb2.Invoice
    plan: PaymentPlanView


class InvoiceClient:
    """Typed wrapper of the generated stub; every call has the channel's deadline."""

    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float) -> None:
        self._stub = invoice_service_pb2_grpc.InvoiceServiceStub(channel)
        self._timeout = timeout_seconds

    async def invoices_by_name(
        self, names: Sequence[str], language_code: str
    ) -> list[invoice_pb2.Invoice]:
        """The invoices named (unknown names are skipped by the service), basic view."""
        result: list[invoice_pb2.Invoice] = []
        async with translate_errors(PEER):
            for start in range(0, len(names), NAMES_PER_CALL):
                batch = list(names[start : start + NAMES_PER_CALL])
                token = ""
                while True:
                    response = await self._stub.ListInvoices(
                        invoice_service_pb2.ListInvoicesRequest(
                            names=batch,
                            page_size=len(batch),
                            page_token=token,
                            language_code=language_code,
                        ),
                        timeout=self._timeout,
                    )
                    result.extend(response.invoices)
                    token = response.next_page_token
                    if not token:
                        break
        return result

    async def list_invoices(self, query: InvoiceListQuery, language_code: str) -> InvoicePage:
        """One page of the named invoices with the filters of ``query``, basic view,
        newest due date first. ``names`` must hold at most ``MAX_NAMES_PER_REQUEST``."""
        async with translate_errors(PEER):
            response = await self._stub.ListInvoices(
                invoice_service_pb2.ListInvoicesRequest(
                    names=list(query.names),
                    open_only=query.open_only,
                    closed_only=query.closed_only,
                    query=query.query,
                    page_size=query.page_size,
                    page_token=query.page_token,
                    language_code=language_code,
                    view=invoice_service_pb2.INVOICE_VIEW_BASIC,
                ),
                timeout=self._timeout,
            )
        return InvoicePage(list(response.invoices), response.next_page_token)

    async def get_invoice(self, name: str, language_code: str) -> invoice_pb2.Invoice:
        """One invoice with every field (ledger components, rows, payment plan)."""
        async with translate_errors(PEER):
            response = await self._stub.GetInvoice(
                invoice_service_pb2.GetInvoiceRequest(
                    name=name,
                    language_code=language_code,
                    view=invoice_service_pb2.INVOICE_VIEW_FULL,
                ),
                timeout=self._timeout,
            )
        return response.invoice

    async def search_invoices(self, search: InvoiceSearch, language_code: str) -> InvoicePage:
        """One page of the staff search (Ropo One); the caller scopes ``creditor`` for
        creditor users."""
        async with translate_errors(PEER):
            response = await self._stub.SearchInvoices(
                invoice_service_pb2.SearchInvoicesRequest(
                    query=search.query,
                    case_number=search.case_number,
                    invoice_number=search.invoice_number,
                    reference=search.reference,
                    debtor_name=search.debtor_name,
                    creditor=search.creditor,
                    states=list(search.states),  # type: ignore[arg-type]
                    open_only=search.open_only,
                    debtor_party=search.debtor_party,
                    page_size=search.page_size,
                    page_token=search.page_token,
                    language_code=language_code,
                ),
                timeout=self._timeout,
            )
        return InvoicePage(list(response.invoices), response.next_page_token)

    async def lookup_by_details(
        self, invoice_number: str, reference: str, postal_code: str, language_code: str
    ) -> invoice_pb2.Invoice:
        """*Hae laskun tiedolla*; every miss is ``NOT_FOUND`` (``INVOICE_LOOKUP_FAILED``)."""
        return await self._lookup(
            invoice_service_pb2.LookupInvoiceRequest(
                invoice_details=invoice_service_pb2.InvoiceDetailsQuery(
                    invoice_number=invoice_number,
                    reference=reference,
                    postal_code=postal_code,
                ),
                language_code=language_code,
            )
        )

    async def lookup_by_myropo_id(self, myropo_id: str, language_code: str) -> invoice_pb2.Invoice:
        """*Hae MyRopo-tunnuksella*; every miss is ``NOT_FOUND`` (``INVOICE_LOOKUP_FAILED``)."""
        return await self._lookup(
            invoice_service_pb2.LookupInvoiceRequest(
                myropo_id=myropo_id, language_code=language_code
            )
        )

    async def _lookup(
        self, request: invoice_service_pb2.LookupInvoiceRequest
    ) -> invoice_pb2.Invoice:
        async with translate_errors(PEER):
            response = await self._stub.LookupInvoice(request, timeout=self._timeout)
        return response.invoice

    async def list_invoice_events(
        self, invoice: str, language_code: str, limit: int = MAX_EVENTS
    ) -> list[invoice_event_pb2.InvoiceEvent]:
        """The status timeline of ``invoice``, oldest first, at most ``limit`` entries."""
        events: list[invoice_event_pb2.InvoiceEvent] = []
        token = ""
        async with translate_errors(PEER):
            while len(events) < limit:
                response = await self._stub.ListInvoiceEvents(
                    invoice_service_pb2.ListInvoiceEventsRequest(
                        invoice=invoice,
                        page_size=min(EVENTS_PER_CALL, limit - len(events)),
                        page_token=token,
                        language_code=language_code,
                    ),
                    timeout=self._timeout,
                )
                events.extend(response.invoice_events)
                token = response.next_page_token
                if not token:
                    break
        return events[:limit]

    async def get_invoice_document(self, invoice: str, language_code: str = "") -> InvoiceDocument:
        """The invoice image: the creditor's original PDF or one rendered from the data
        (in ``language_code``, default the invoice's language)."""
        async with translate_errors(PEER):
            response = await self._stub.GetInvoiceDocument(
                invoice_service_pb2.GetInvoiceDocumentRequest(
                    invoice=invoice, language_code=language_code
                ),
                timeout=self._timeout,
            )
        return InvoiceDocument(
            media_type=response.media_type,
            content=response.content,
            filename=response.filename,
            original=response.original,
        )

    async def payment_time_options(self, invoice: str, language_code: str) -> PaymentTimeOptions:
        """What the person may choose now for ``invoice``: *Eräpäivän siirto* and
        *Maksusuunnitelma*, or why not (sentences in ``language_code``)."""
        async with translate_errors(PEER):
            response = await self._stub.GetPaymentTimeOptions(
                invoice_service_pb2.GetPaymentTimeOptionsRequest(
                    invoice=invoice, language_code=language_code
                ),
                timeout=self._timeout,
            )
        return PaymentTimeOptions(
            extension=extension_option(response.due_date_extension),
            plan=plan_option(response.payment_plan),
        )

    async def extend_due_date(self, order: ExtensionOrder) -> ExtensionResult:
        """*Eräpäivän siirto*; ``FAILED_PRECONDITION`` (``FEE_CHANGED``, ...) when the terms
        shown no longer hold. A retry with the same ``request_id`` returns the first answer."""
        async with translate_errors(PEER):
            response = await self._stub.ExtendDueDate(
                invoice_service_pb2.ExtendDueDateRequest(
                    request_id=order.request_id,
                    invoice=order.invoice,
                    new_due_date=date_to_proto(order.new_due_date),
                    accepted_fee=money_to_proto(order.accepted_fee),
                    actor=order.actor,
                    language_code=order.language_code,
                ),
                timeout=self._timeout,
            )
        return ExtensionResult(
            invoice=response.invoice,
            fee=optional_money_from_proto(response, "fee") or Money.zero(DEFAULT_CURRENCY),
        )

    async def create_payment_plan(self, order: PlanOrder) -> PlanResult:
        """*Maksusuunnitelma* with ``order.instalment_count`` instalments."""
        async with translate_errors(PEER):
            response = await self._stub.CreatePaymentPlan(
                invoice_service_pb2.CreatePaymentPlanRequest(
                    request_id=order.request_id,
                    invoice=order.invoice,
                    instalment_count=order.instalment_count,
                    accepted_fee=money_to_proto(order.accepted_fee),
                    actor=order.actor,
                    language_code=order.language_code,
                ),
                timeout=self._timeout,
            )
        return PlanResult(invoice=response.invoice, plan=plan_view(response.payment_plan))

    async def cancel_payment_plan(
        self, request_id: str, name: str, actor: str, reason: str
    ) -> PaymentPlanView:
        """*Peru maksusuunnitelma* (staff): the plan ``name`` is cancelled, collection goes on."""
        async with translate_errors(PEER):
            response = await self._stub.CancelPaymentPlan(
                invoice_service_pb2.CancelPaymentPlanRequest(
                    request_id=request_id, name=name, actor=actor, reason=reason
                ),
                timeout=self._timeout,
            )
        return plan_view(response.payment_plan)
