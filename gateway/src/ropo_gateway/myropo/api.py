"""The MyRopo JSON API under ``/api/myropo/v1`` — the same data as the pages.

Authentication is the page session (cookie); every endpoint answers 401 without
one. Errors are AIP-193 bodies (``ErrorResponse``). An invoice the person may not
see answers exactly like a missing one (404 ``INVOICE_NOT_FOUND``), and every
lookup miss is the same 404 ``INVOICE_LOOKUP_FAILED``.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from ropo_platform.errors import FieldViolation
from starlette.responses import Response

from ropo_gateway.errors import invalid_input, unsupported_media_type
from ropo_gateway.myropo.api_models import (
    ErrorResponse,
    InvoiceDetail,
    InvoiceEvents,
    InvoiceList,
    InvoiceSummary,
    LookupRequest,
    LookupResult,
    TimelineEvent,
)
from ropo_gateway.myropo.dashboard import MAX_QUERY_LENGTH, ListingRequest, Tab, load_dashboard
from ropo_gateway.myropo.deps import (
    AccessPolicyDep,
    CustomerDep,
    InvoiceLookupDep,
    InvoiceReaderDep,
    InvoiceSourceDep,
    LanguageDep,
)
from ropo_gateway.myropo.lookup import (
    LookupInputError,
    LookupQuery,
    details_query,
    myropo_id_query,
)
from ropo_gateway.myropo.responses import pdf_response
from ropo_gateway.web.deps import RuntimeDep

PREFIX: Final = "/api/myropo/v1"
_TAG: Final = "MyRopo"
_NOT_BOTH: Final = "give either myropo_id or the invoice details, not both"


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


_Responses = dict[int | str, dict[str, Any]]

_UNAUTHENTICATED: Final[_Responses] = {401: _error("Not logged in (SESSION_REQUIRED).")}
_NOT_FOUND: Final[_Responses] = {
    404: _error("INVOICE_NOT_FOUND: no such invoice, or one the person may not see (same answer).")
}
_UNAVAILABLE: Final[_Responses] = {503: _error("A service the gateway needs is unavailable.")}


def require_json(request: Request) -> None:
    """JSON bodies only: a cross-site HTML form cannot send ``application/json``."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        raise unsupported_media_type()


api = APIRouter(prefix=PREFIX, tags=[_TAG])


@api.get(
    "/invoices",
    response_model=InvoiceList,
    summary="List the person's invoices",
    responses={**_UNAUTHENTICATED, 400: _error("Bad query or page token."), **_UNAVAILABLE},
)
async def list_invoices(
    runtime: RuntimeDep,
    customer: CustomerDep,
    policy: AccessPolicyDep,
    invoices: InvoiceSourceDep,
    language: LanguageDep,
    tab: Annotated[
        Tab, Query(description="open: Laskut (something open); archive: Arkisto.")
    ] = Tab.OPEN,
    query: Annotated[
        str,
        Query(
            max_length=MAX_QUERY_LENGTH,
            description="Etsi laskua listauksesta: text in creditor, invoice number or reference.",
        ),
    ] = "",
    page_token: Annotated[
        str, Query(max_length=512, description="next_page_token of the previous page.")
    ] = "",
) -> InvoiceList:
    """The invoices the person sees — own, authorized, and found with *Hae lasku* in this
    session — one tab and one page at a time, newest due date first."""
    dashboard = await load_dashboard(
        customer.identity,
        customer.holder,
        policy,
        invoices,
        ListingRequest(tab=tab, query=query.strip(), page_token=page_token),
        language=language,
        page_size=runtime.settings.myropo_page_size,
        max_invoices=runtime.settings.dashboard_max_invoices,
    )
    return InvoiceList.of(dashboard)


@api.get(
    "/invoices/{invoice_id}",
    response_model=InvoiceDetail,
    summary="Get one invoice",
    responses={**_UNAUTHENTICATED, **_NOT_FOUND, **_UNAVAILABLE},
)
async def get_invoice(
    invoice_id: str, customer: CustomerDep, reader: InvoiceReaderDep, language: LanguageDep
) -> InvoiceDetail:
    """The invoice with its status, amounts, ledger components (capital, interest, fees)
    and rows; texts in the language of the ``ropo_lang`` cookie."""
    detail = await reader.detail(customer.holder, invoice_id, language)
    return InvoiceDetail.from_view(detail, f"{PREFIX}/invoices/{detail.row.id}/document")


@api.get(
    "/invoices/{invoice_id}/events",
    response_model=InvoiceEvents,
    summary="The invoice's status timeline",
    responses={**_UNAUTHENTICATED, **_NOT_FOUND, **_UNAVAILABLE},
)
async def list_invoice_events(
    invoice_id: str, customer: CustomerDep, reader: InvoiceReaderDep, language: LanguageDep
) -> InvoiceEvents:
    """What happened to the invoice, oldest first, titles in the request's language."""
    entries = await reader.timeline(customer.holder, invoice_id, language)
    return InvoiceEvents(events=[TimelineEvent.of(entry) for entry in entries])


@api.get(
    "/invoices/{invoice_id}/document",
    response_class=Response,
    summary="The invoice image (PDF)",
    responses={
        200: {
            "description": "The creditor's original or an image rendered by Ropo.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
        **_UNAUTHENTICATED,
        **_NOT_FOUND,
        502: _error("The image could not be produced as a PDF."),
        **_UNAVAILABLE,
    },
)
async def get_invoice_document(
    invoice_id: str, customer: CustomerDep, reader: InvoiceReaderDep
) -> Response:
    """*Avaa lasku*: the PDF, shown inline, never cached."""
    return pdf_response(await reader.document(customer.holder, invoice_id))


def lookup_query(body: LookupRequest) -> LookupQuery:
    """The one way the body asks for; ``invalid_input`` names the fields otherwise."""
    details = (body.invoice_number, body.reference, body.postal_code)
    try:
        if body.myropo_id is not None:
            if any(value is not None for value in details):
                raise invalid_input([FieldViolation("myropo_id", _NOT_BOTH)])
            return myropo_id_query(body.myropo_id)
        return details_query(*details)
    except LookupInputError as error:
        raise invalid_input(error.violations) from None


@api.post(
    "/lookups",
    response_model=LookupResult,
    summary="Find an invoice (Hae lasku)",
    dependencies=[Depends(require_json)],
    responses={
        **_UNAUTHENTICATED,
        400: _error("A field is empty or too long (INVALID_REQUEST, names the field)."),
        404: _error(
            "INVOICE_LOOKUP_FAILED: nothing matches. The same answer whichever part of the "
            "input was wrong."
        ),
        415: _error("The body is not application/json."),
        429: _error("LOOKUP_RATE_LIMITED: too many attempts; see Retry-After."),
        **_UNAVAILABLE,
    },
)
async def create_lookup(
    body: LookupRequest,
    customer: CustomerDep,
    lookup: InvoiceLookupDep,
    language: LanguageDep,
) -> LookupResult:
    """Find an invoice by its number, reference and the postal code on it, or by its
    MyRopo ID. On a match the session may open the invoice (a lookup grant) and it is
    listed with the person's invoices until logout. Attempts are limited per person."""
    row = await lookup.find(customer.holder, lookup_query(body), language)
    return LookupResult(invoice=InvoiceSummary.of(row), invoice_url=f"{PREFIX}/invoices/{row.id}")
