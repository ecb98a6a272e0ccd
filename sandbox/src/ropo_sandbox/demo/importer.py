"""Import the demo invoices through the invoice service's real gRPC import path."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import grpc
from ropo.invoice.v1 import invoice_service_pb2, invoice_service_pb2_grpc

from ropo_sandbox.demo.finvoice import file_name, finvoice_xml
from ropo_sandbox.demo.model import DemoInvoice
from ropo_sandbox.logs import scrub


def request_id_for(document: bytes) -> str:
    """A UUID4-shaped idempotency key derived from the document's bytes.

    A retry of the same document reuses the key (the service replays its
    answer); a document that changed (another day's due dates) gets a new key
    and is then recognised by creditor + invoice number.
    """
    return str(uuid.UUID(bytes=hashlib.sha256(document).digest()[:16], version=4))


@dataclass
class ImportSummary:
    """Counts of one import run and one line per failure (no personal data)."""

    created: int = 0
    existing: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Invoices attempted."""
        return self.created + self.existing + len(self.failures)

    def line(self, target: str) -> str:
        """The one-line summary printed by ``demo-import``."""
        return (
            f"demo-import: {self.total} invoices to {target}: {self.created} created, "
            f"{self.existing} already existed, {len(self.failures)} failed"
        )


def import_invoices(
    channel: grpc.Channel, invoices: Iterable[DemoInvoice], timeout: float
) -> ImportSummary:
    """Call ``ImportFinvoice`` once per invoice, sequentially."""
    stub = invoice_service_pb2_grpc.InvoiceServiceStub(channel)
    summary = ImportSummary()
    for invoice in invoices:
        document = finvoice_xml(invoice)
        request = invoice_service_pb2.ImportFinvoiceRequest(
            request_id=request_id_for(document), finvoice_xml=document
        )
        try:
            response = stub.ImportFinvoice(request, timeout=timeout)
        except grpc.RpcError as exc:
            code = exc.code() if isinstance(exc, grpc.Call) else None
            details = exc.details() if isinstance(exc, grpc.Call) else str(exc)
            # The service should never echo the hetu; scrub anyway before printing.
            name = code.name if code else "UNKNOWN"
            summary.failures.append(f"{file_name(invoice)}: {name}: {scrub(details or '')}")
            continue
        if response.created:
            summary.created += 1
        else:
            summary.existing += 1
    return summary
