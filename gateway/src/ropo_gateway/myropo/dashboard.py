"""The MyRopo front page as data: one tab (*Laskut* or *Arkisto*) of the invoices a person
sees, optionally filtered by *Etsi laskua listauksesta*, one page at a time.

Which invoices: the authorization service's ListAccessibleInvoices (own, authorized
and found with *Hae lasku*, each with its reason; ``InvoiceAccessPolicy``). The
invoice service is then asked for exactly those names with the tab's filter, the
search text and its own keyset page token; its order (newest due date first) is
kept so that pages never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

import grpc

from ropo_gateway.auth.model import Identity
from ropo_gateway.clients.invoices import InvoiceListQuery
from ropo_gateway.errors import UpstreamError
from ropo_gateway.myropo.access import InvoiceAccessPolicy
from ropo_gateway.myropo.formatting import compact_search_text
from ropo_gateway.myropo.ports import InvoiceSource
from ropo_gateway.myropo.views import InvoiceRow, row_from_invoice

#: Longest search text the invoice service accepts.
MAX_QUERY_LENGTH: Final = 100


class Tab(StrEnum):
    """*Laskut* (something open) or *Arkisto* (paid, credited, cancelled)."""

    OPEN = "open"
    ARCHIVE = "archive"


@dataclass(frozen=True, slots=True)
class ListingRequest:
    """What the person asked for: the tab, the search text and the page."""

    tab: Tab = Tab.OPEN
    query: str = ""
    page_token: str = ""


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the front page (and ``GET /api/myropo/v1/invoices``) shows."""

    identity: Identity
    request: ListingRequest
    rows: list[InvoiceRow]
    next_page_token: str = ""


def _is_bad_page_token(error: UpstreamError) -> bool:
    return error.rpc_error.code == grpc.StatusCode.INVALID_ARGUMENT and any(
        violation.field == "page_token" for violation in error.rpc_error.field_violations
    )


async def load_dashboard(
    identity: Identity,
    policy: InvoiceAccessPolicy,
    invoices: InvoiceSource,
    request: ListingRequest,
    *,
    language: str,
    page_size: int,
    max_invoices: int,
    restart_on_stale_token: bool = False,
) -> Dashboard:
    """One page of the requested tab. With ``restart_on_stale_token`` a page token that no
    longer fits (the visible set changed since it was issued) gives the first page instead
    of an error — what a person clicking *Seuraava sivu* expects; the API reports it."""
    visible = await policy.visible_invoices(identity.subject, max_invoices)
    if not visible:
        return Dashboard(identity, request, [])
    query = InvoiceListQuery(
        # Sorted: the service binds page tokens to the filter, names included.
        names=sorted(visible),
        open_only=request.tab is Tab.OPEN,
        closed_only=request.tab is Tab.ARCHIVE,
        query=compact_search_text(request.query),
        page_size=page_size,
        page_token=request.page_token,
    )
    try:
        page = await invoices.list_invoices(query, language)
    except UpstreamError as error:
        if not (restart_on_stale_token and request.page_token and _is_bad_page_token(error)):
            raise
        request = replace(request, page_token="")
        page = await invoices.list_invoices(replace(query, page_token=""), language)
    rows = [
        row_from_invoice(invoice, visible[invoice.name])
        for invoice in page.invoices
        # Defence in depth: never show a name we did not ask for.
        if invoice.name in visible
    ]
    return Dashboard(identity, request, rows, page.next_page_token)
