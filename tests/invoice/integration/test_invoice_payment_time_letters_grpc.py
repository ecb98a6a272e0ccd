"""The payment-time confirmation over the real gRPC server on a real database: the
letter is stored with the case and GetInvoiceDocument returns it as sent."""

from __future__ import annotations

import io
import uuid
from datetime import date

from invoice_server_support import RunningServer
from pypdf import PdfReader
from ropo.invoice.v1 import invoice_service_pb2 as pb
from ropo_invoice.domain.letters import LetterType
from test_invoice_payment_time_grpc import (  # noqa: F401  (fixtures)
    clock,
    eur,
    import_invoice,
    proto_date,
    service,
)


async def test_an_extension_letter_is_kept_and_returned(service: RunningServer) -> None:  # noqa: F811
    invoice = await import_invoice(service)
    request = pb.ExtendDueDateRequest(
        request_id=str(uuid.uuid4()),
        invoice=invoice.name,
        new_due_date=proto_date(date(2026, 10, 4)),
        accepted_fee=eur("5.00"),
        actor=invoice.debtor.party,
    )
    await service.stub.ExtendDueDate(request)
    await service.stub.ExtendDueDate(request)  # replayed: still one letter

    invoice_id = invoice.name.removeprefix("invoices/")
    async with service.app.handlers.uow(read_only=True) as uow:
        stored = await uow.invoices.get(invoice_id)
    assert stored is not None
    letters = [
        letter for letter in stored.letters if letter.type is LetterType.PAYMENT_TIME_CONFIRMATION
    ]
    assert len(letters) == 1
    document = await service.stub.GetInvoiceDocument(
        pb.GetInvoiceDocumentRequest(
            invoice=invoice.name, letter=f"{invoice.name}/letters/{letters[0].id}"
        )
    )
    reader = PdfReader(io.BytesIO(document.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split()).replace(
        "\xa0", " "
    )
    assert "4.10.2026" in text
    assert "5,00 €" in text
