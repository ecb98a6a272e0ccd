"""Creditors by business id, through ``ListCreditors`` of the invoice service.

A creditor user's token names its creditor by business id (creditor resource ids
are minted by the invoice service at import); the login resolves it once and the
staff session keeps the resource name. The list is walked page by page; a
business id matches in any spelling (``1234567-8`` or ``12345678``).
"""

from __future__ import annotations

from typing import Final

import grpc.aio
from ropo.invoice.v1 import creditor_pb2, invoice_service_pb2, invoice_service_pb2_grpc
from stdnum.exceptions import ValidationError
from stdnum.fi import ytunnus

from ropo_gateway.clients.base import translate_errors

PEER: Final = "invoice"
PAGE_SIZE: Final = 1000
#: Loop guard: more creditors than this is not a directory to walk on every login.
MAX_PAGES: Final = 100


def _compact(business_id: str) -> str:
    try:
        return str(ytunnus.compact(business_id))
    except ValidationError:
        return business_id


class GrpcCreditorDirectory:
    """``CreditorDirectory`` over the invoice service's channel."""

    def __init__(self, channel: grpc.aio.Channel, timeout_seconds: float) -> None:
        self._stub = invoice_service_pb2_grpc.InvoiceServiceStub(channel)
        self._timeout = timeout_seconds

    async def creditor_by_business_id(self, business_id: str) -> creditor_pb2.Creditor | None:
        """The creditor with this business id, or ``None`` when the service knows none."""
        wanted = _compact(business_id)
        token = ""
        async with translate_errors(PEER):
            for _ in range(MAX_PAGES):
                response = await self._stub.ListCreditors(
                    invoice_service_pb2.ListCreditorsRequest(page_size=PAGE_SIZE, page_token=token),
                    timeout=self._timeout,
                )
                for creditor in response.creditors:
                    if _compact(creditor.business_id) == wanted:
                        return creditor
                token = response.next_page_token
                if not token:
                    break
        return None
