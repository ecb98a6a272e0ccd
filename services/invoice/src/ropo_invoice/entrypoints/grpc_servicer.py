"""The gRPC servicer of ``ropo.invoice.v1.InvoiceService``.

Thin: validate the request, call a use case, map the result. Domain errors are
raised, not handled: the platform's interceptor turns them into
``google.rpc.Status`` with ``ErrorInfo`` (domain ``invoice.ropo``) and
``BadRequest``. Methods that later issues build answer ``UNIMPLEMENTED`` with
the reason ``NOT_IMPLEMENTED_YET``; they are generated from the service
descriptor, so a method added to the proto is covered without code here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ropo.invoice.v1 import invoice_service_pb2, invoice_service_pb2_grpc
from ropo_platform.errors import DomainError, ValidationFailed, Violations
from ropo_platform.logging import get_logger
from ropo_platform.money_proto import money_to_proto
from ropo_platform.rpc import answer_unimplemented
from ropo_platform.rpc.errors import error_domain, internal_status, status_for_error

from ropo_invoice.domain.model import CREDITORS_PREFIX
from ropo_invoice.domain.party import Language
from ropo_invoice.entrypoints import validation
from ropo_invoice.entrypoints.balance_servicer import BalanceCertificateServicer
from ropo_invoice.entrypoints.disputes_servicer import DisputesServicer
from ropo_invoice.entrypoints.letters_servicer import LettersServicerMixin
from ropo_invoice.entrypoints.proto_mapping import (
    View,
    creditor_to_proto,
    invoice_to_proto,
    payment_time_options_to_proto,
    timeline_entry_to_proto,
)
from ropo_invoice.service_layer.balance_certificate import BalanceCertificates
from ropo_invoice.service_layer.disputes import DisputeHandlers
from ropo_invoice.service_layer.documents import InvoiceDocuments
from ropo_invoice.service_layer.handlers import (
    ImportFinvoice as ImportCommand,
)
from ropo_invoice.service_layer.handlers import (
    ImportResult,
    InvoiceHandlers,
    ListInvoiceEvents,
    ListInvoices,
)
from ropo_invoice.service_layer.lookup import InvoiceLookup
from ropo_invoice.service_layer.message_centre import MessageCentre
from ropo_invoice.service_layer.payment_time import PaymentTimeHandlers
from ropo_invoice.service_layer.proto_values import payment_plan_to_proto

_log = get_logger(__name__)
#: Messages of a bulk import that share one transaction.
IMPORT_BATCH_SIZE = 100

SERVICE = invoice_service_pb2.DESCRIPTOR.services_by_name["InvoiceService"]
DOMAIN = error_domain("invoice")

Context = Any  # grpc.aio.ServicerContext; grpc ships no type information


class InvoiceServicer(
    LettersServicerMixin,
    BalanceCertificateServicer,
    DisputesServicer,
    invoice_service_pb2_grpc.InvoiceServiceServicer,
):
    """Implements the import, the reads, the lookups, the timeline, the documents and
    payment time (options, due-date extensions, payment plans)."""

    def __init__(
        self,
        handlers: InvoiceHandlers,
        lookup: InvoiceLookup,
        documents: InvoiceDocuments,
        *,
        max_document_bytes: int,
        payment_time: PaymentTimeHandlers,
        message_centre: MessageCentre,
        balance_certificates: BalanceCertificates,
        disputes: DisputeHandlers,
    ) -> None:
        self._handlers = handlers
        self._payment_time = payment_time
        self._message_centre = message_centre
        self._max_document_bytes = max_document_bytes
        self._lookup = lookup
        self._documents = documents
        self._balance_certificates = balance_certificates
        self._disputes = disputes

    async def ImportFinvoice(
        self, request: invoice_service_pb2.ImportFinvoiceRequest, context: Context
    ) -> invoice_service_pb2.ImportFinvoiceResponse:
        violations = Violations()
        validation.check_import(
            violations,
            request.request_id,
            request.finvoice_xml,
            request.original_document,
            request.original_document_media_type,
            max_document_bytes=self._max_document_bytes,
        )
        violations.raise_if_any()
        result = await self._handlers.import_finvoice(
            ImportCommand(request.finvoice_xml, request.request_id, request.original_document)
        )
        return invoice_service_pb2.ImportFinvoiceResponse(
            invoice=invoice_to_proto(result.invoice, Language.FI, View.FULL),
            created=result.created,
        )

    async def ImportInvoices(
        self,
        request_iterator: AsyncIterator[invoice_service_pb2.ImportInvoicesRequest],
        context: Context,
    ) -> invoice_service_pb2.ImportInvoicesResponse:
        # Messages are imported in batches of IMPORT_BATCH_SIZE, one transaction each;
        # a bad message is rejected on its own and does not undo the others, and a
        # client retrying the whole stream is safe (imports are idempotent).
        response = invoice_service_pb2.ImportInvoicesResponse()
        pending: list[tuple[int, ImportCommand]] = []
        index = 0
        async for item in request_iterator:
            result = response.results.add(index=index)
            violations = Violations()
            validation.check_import(
                violations,
                item.request_id,
                item.finvoice_xml,
                item.original_document,
                item.original_document_media_type,
                max_document_bytes=self._max_document_bytes,
            )
            if violations:
                _reject(response, result, ValidationFailed(violations.items))
            else:
                command = ImportCommand(item.finvoice_xml, item.request_id, item.original_document)
                pending.append((index, command))
            index += 1
            if len(pending) >= IMPORT_BATCH_SIZE:
                await self._import_pending(response, pending)
                pending = []
        await self._import_pending(response, pending)
        return response

    async def _import_pending(
        self,
        response: invoice_service_pb2.ImportInvoicesResponse,
        pending: list[tuple[int, ImportCommand]],
    ) -> None:
        if not pending:
            return
        try:
            outcomes: list[ImportResult | DomainError | None] = list(
                await self._handlers.import_batch([command for _, command in pending])
            )
        except Exception:
            _log.exception("bulk_import_batch_failed", first_index=pending[0][0])
            outcomes = [None] * len(pending)
        for (index, _), outcome in zip(pending, outcomes, strict=True):
            result = response.results[index]
            if isinstance(outcome, ImportResult):
                result.invoice = outcome.invoice.resource_name
                result.created = outcome.created
                if outcome.created:
                    response.created_count += 1
                else:
                    response.existing_count += 1
            else:
                _reject(response, result, outcome)

    async def GetInvoice(
        self, request: invoice_service_pb2.GetInvoiceRequest, context: Context
    ) -> invoice_service_pb2.GetInvoiceResponse:
        invoice_id, language, view = validation.check_get(request)
        invoice = await self._handlers.get_invoice(invoice_id)
        message = invoice_to_proto(invoice, language, view)
        await self._add_latest_disputes([message], view)
        return invoice_service_pb2.GetInvoiceResponse(invoice=message)

    async def ListInvoices(
        self, request: invoice_service_pb2.ListInvoicesRequest, context: Context
    ) -> invoice_service_pb2.ListInvoicesResponse:
        invoice_filter, language, view = validation.check_list(request)
        page = await self._handlers.list_invoices(
            ListInvoices(
                invoice_filter,
                request.page_size,
                request.page_token,
                include_lines=view is View.FULL,
            )
        )
        messages = [invoice_to_proto(invoice, language, view) for invoice in page.invoices]
        await self._add_latest_disputes(messages, view)
        return invoice_service_pb2.ListInvoicesResponse(
            invoices=messages, next_page_token=page.next_page_token
        )

    async def SearchInvoices(
        self, request: invoice_service_pb2.SearchInvoicesRequest, context: Context
    ) -> invoice_service_pb2.SearchInvoicesResponse:
        invoice_filter, language, view = validation.check_search(request)
        page = await self._handlers.list_invoices(
            ListInvoices(
                invoice_filter,
                request.page_size,
                request.page_token,
                include_lines=view is View.FULL,
            )
        )
        messages = [invoice_to_proto(invoice, language, view) for invoice in page.invoices]
        await self._add_latest_disputes(messages, view)
        return invoice_service_pb2.SearchInvoicesResponse(
            invoices=messages, next_page_token=page.next_page_token
        )

    async def GetCreditor(
        self, request: invoice_service_pb2.GetCreditorRequest, context: Context
    ) -> invoice_service_pb2.GetCreditorResponse:
        violations = Violations()
        creditor_id = validation.resource_id(request.name, CREDITORS_PREFIX)
        if creditor_id is None:
            violations.add("name", 'must be "creditors/{creditor}"')
        violations.raise_if_any()
        assert creditor_id is not None
        creditor = await self._handlers.get_creditor(creditor_id)
        return invoice_service_pb2.GetCreditorResponse(creditor=creditor_to_proto(creditor))

    async def ListCreditors(
        self, request: invoice_service_pb2.ListCreditorsRequest, context: Context
    ) -> invoice_service_pb2.ListCreditorsResponse:
        page = await self._handlers.list_creditors(request.page_size, request.page_token)
        return invoice_service_pb2.ListCreditorsResponse(
            creditors=[creditor_to_proto(creditor) for creditor in page.creditors],
            next_page_token=page.next_page_token,
        )

    async def LookupInvoice(
        self, request: invoice_service_pb2.LookupInvoiceRequest, context: Context
    ) -> invoice_service_pb2.LookupInvoiceResponse:
        query, language = validation.check_lookup(request)
        invoice = await self._lookup.lookup(query)
        return invoice_service_pb2.LookupInvoiceResponse(
            invoice=invoice_to_proto(invoice, language, View.BASIC)
        )

    async def ListInvoiceEvents(
        self, request: invoice_service_pb2.ListInvoiceEventsRequest, context: Context
    ) -> invoice_service_pb2.ListInvoiceEventsResponse:
        invoice_id, language = validation.check_list_events(request)
        page = await self._handlers.list_invoice_events(
            ListInvoiceEvents(invoice_id, request.page_size, request.page_token)
        )
        return invoice_service_pb2.ListInvoiceEventsResponse(
            invoice_events=[timeline_entry_to_proto(entry, language) for entry in page.entries],
            next_page_token=page.next_page_token,
        )

    async def GetInvoiceDocument(
        self, request: invoice_service_pb2.GetInvoiceDocumentRequest, context: Context
    ) -> invoice_service_pb2.GetInvoiceDocumentResponse:
        invoice_id, letter_id, language = validation.check_document(request)
        # The invoice's own entry in the message centre is the letter named by its id.
        if letter_id and letter_id != invoice_id:
            document = await self._documents.letter(invoice_id, letter_id)
        else:
            document = await self._documents.invoice_image(invoice_id, language)
        return invoice_service_pb2.GetInvoiceDocumentResponse(
            media_type=document.media_type,
            content=document.content,
            filename=document.filename,
            original=document.original,
        )

    async def GetPaymentTimeOptions(
        self, request: invoice_service_pb2.GetPaymentTimeOptionsRequest, context: Context
    ) -> invoice_service_pb2.GetPaymentTimeOptionsResponse:
        invoice_id, language = validation.check_payment_time_options(request)
        options = await self._payment_time.options(invoice_id)
        return payment_time_options_to_proto(options, language)

    async def ExtendDueDate(
        self, request: invoice_service_pb2.ExtendDueDateRequest, context: Context
    ) -> invoice_service_pb2.ExtendDueDateResponse:
        command, language = validation.check_extend_due_date(request)
        result = await self._payment_time.extend_due_date(command)
        return invoice_service_pb2.ExtendDueDateResponse(
            invoice=invoice_to_proto(result.invoice, language, View.FULL),
            fee=money_to_proto(result.fee),
        )

    async def CreatePaymentPlan(
        self, request: invoice_service_pb2.CreatePaymentPlanRequest, context: Context
    ) -> invoice_service_pb2.CreatePaymentPlanResponse:
        command, language = validation.check_create_payment_plan(request)
        result = await self._payment_time.create_payment_plan(command)
        return invoice_service_pb2.CreatePaymentPlanResponse(
            invoice=invoice_to_proto(result.invoice, language, View.FULL),
            payment_plan=payment_plan_to_proto(result.invoice.id, result.plan),
        )

    async def CancelPaymentPlan(
        self, request: invoice_service_pb2.CancelPaymentPlanRequest, context: Context
    ) -> invoice_service_pb2.CancelPaymentPlanResponse:
        command = validation.check_cancel_payment_plan(request)
        result = await self._payment_time.cancel_payment_plan(command)
        return invoice_service_pb2.CancelPaymentPlanResponse(
            payment_plan=payment_plan_to_proto(result.invoice.id, result.plan)
        )


def _reject(
    response: invoice_service_pb2.ImportInvoicesResponse,
    result: invoice_service_pb2.ImportInvoicesResult,
    error: DomainError | None,
) -> None:
    """Record one rejected message; ``None`` means an unexpected failure (INTERNAL)."""
    if error is None:
        result.error.CopyFrom(internal_status(domain=DOMAIN))
    else:
        result.error.CopyFrom(status_for_error(error, domain=DOMAIN))
    response.rejected_count += 1


NOT_IMPLEMENTED = answer_unimplemented(InvoiceServicer, SERVICE, domain=DOMAIN)
