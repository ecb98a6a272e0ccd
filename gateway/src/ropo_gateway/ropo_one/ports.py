"""What Ropo One needs from the invoice service (the gRPC clients implement these; tests fake
them)."""

from __future__ import annotations

from typing import Protocol

from ropo.invoice.v1 import creditor_pb2, invoice_event_pb2, invoice_pb2

from ropo_gateway.clients.invoices import InvoicePage, InvoiceSearch


class CaseSource(Protocol):
    """Cases: one invoice, the staff search and the timeline (``InvoiceClient``)."""

    async def get_invoice(self, name: str, language_code: str) -> invoice_pb2.Invoice: ...

    async def search_invoices(self, search: InvoiceSearch, language_code: str) -> InvoicePage: ...

    async def list_invoice_events(
        self, invoice: str, language_code: str, limit: int = ...
    ) -> list[invoice_event_pb2.InvoiceEvent]: ...


class CreditorDirectory(Protocol):
    """Creditors by business id: binds a creditor user to its creditor at login."""

    async def creditor_by_business_id(self, business_id: str) -> creditor_pb2.Creditor | None: ...
