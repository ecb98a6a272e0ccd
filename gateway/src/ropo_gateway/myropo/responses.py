"""HTTP responses shared by the MyRopo pages and API."""

from __future__ import annotations

from starlette.responses import Response

from ropo_gateway.clients.invoices import InvoiceDocument


def pdf_response(document: InvoiceDocument) -> Response:
    """The invoice image inline in the browser's PDF viewer. ``no-store``: it carries
    personal data; the file name was made safe by ``safe_pdf_filename``."""
    return Response(
        content=document.content,
        media_type=document.media_type,
        headers={
            "Content-Disposition": f'inline; filename="{document.filename}"',
            "Cache-Control": "no-store",
        },
    )
