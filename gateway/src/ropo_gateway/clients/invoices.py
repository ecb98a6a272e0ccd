"""Client of ``ropo.invoice.v1.InvoiceService``."""

from __future__ import annotations

from collections.abc import Sequence

import grpc.aio
from ropo.invoice.v1 import invoice_pb2, invoice_service_pb2, invoice_service_pb2_grpc

from ropo_gateway.clients.base import translate_errors

PEER = "invoice"
# ListInvoices accepts up to 1000 names; smaller batches keep each response small.
NAMES_PER_CALL = 200


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
