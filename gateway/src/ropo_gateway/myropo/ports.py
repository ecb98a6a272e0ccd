"""What MyRopo needs from the services (implemented by the gRPC clients; fakes in tests)."""

from __future__ import annotations

from typing import Protocol

from ropo.invoice.v1 import invoice_event_pb2, invoice_pb2

from ropo_gateway.clients.authorization import AccessDecision, InvoiceAccess
from ropo_gateway.clients.invoices import InvoiceDocument, InvoiceListQuery, InvoicePage


class AccessSource(Protocol):
    """Who may see what (``AuthorizationClient``)."""

    async def accessible_invoices(self, subject: str, limit: int) -> list[InvoiceAccess]: ...

    async def check_access(self, subject: str, invoice: str) -> AccessDecision: ...


class InvoiceSource(Protocol):
    """Invoices, their timeline, image and lookup (``InvoiceClient``)."""

    async def list_invoices(self, query: InvoiceListQuery, language_code: str) -> InvoicePage: ...

    async def get_invoice(self, name: str, language_code: str) -> invoice_pb2.Invoice: ...

    async def list_invoice_events(
        self, invoice: str, language_code: str
    ) -> list[invoice_event_pb2.InvoiceEvent]: ...

    async def get_invoice_document(self, invoice: str) -> InvoiceDocument: ...

    async def lookup_by_details(
        self, invoice_number: str, reference: str, postal_code: str, language_code: str
    ) -> invoice_pb2.Invoice: ...

    async def lookup_by_myropo_id(
        self, myropo_id: str, language_code: str
    ) -> invoice_pb2.Invoice: ...
