"""The MyRopo JSON API under ``/api/myropo/v1`` — the same data as the pages.

Authentication is the page session (cookie); every endpoint answers 401 without
one. Errors are AIP-193 bodies (``ErrorResponse``). An invoice the person may not
see or act on answers exactly like a missing one (404 ``INVOICE_NOT_FOUND``, one
audit record), and every lookup miss is the same 404 ``INVOICE_LOOKUP_FAILED``.
Mutations take ``application/json`` only.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from ropo_platform.errors import FieldViolation
from starlette.responses import Response

from ropo_gateway.errors import ApiError, invalid_input, unsupported_media_type
from ropo_gateway.myropo.api_models import (
    Authorization,
    AuthorizationList,
    AuthorizationRequest,
    ErrorResponse,
    InvoiceDetail,
    InvoiceEvents,
    InvoiceList,
    InvoiceSummary,
    LookupRequest,
    LookupResult,
    Payment,
    PaymentDetails,
    PaymentRequest,
    PaymentResponse,
    TimelineEvent,
)
from ropo_gateway.myropo.authorizations import (
    AuthorizationConflict,
    AuthorizationInputError,
    grantee_details,
    revocable,
)
from ropo_gateway.myropo.dashboard import MAX_QUERY_LENGTH, ListingRequest, Tab, load_dashboard
from ropo_gateway.myropo.deps import (
    AccessPolicyDep,
    CustomerDep,
    InvoiceAuthorizationsDep,
    InvoiceLookupDep,
    InvoiceReaderDep,
    InvoiceSourceDep,
    LanguageDep,
    OnlinePaymentsDep,
)
from ropo_gateway.myropo.lookup import (
    LookupInputError,
    LookupQuery,
    details_query,
    myropo_id_query,
)
from ropo_gateway.myropo.payments import NothingToPay, PaymentStart
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
_NOT_FOUND_OR_NOT_ALLOWED: Final[_Responses] = {
    404: _error(
        "INVOICE_NOT_FOUND: no such invoice or authorization, or one the person may not act "
        "on (only the invoice's debtor manages its authorizations). Always the same answer."
    )
}
_CONFLICT_DESCRIPTION: Final = {
    "AUTHORIZATION_ALREADY_ACTIVE": "The person already holds an active authorization for it.",
    "INVOICE_CLOSED": "The invoice is paid or closed: it can no longer be authorized.",
    "AUTHORIZATION_NOT_ACTIVE": "The authorization has already ended.",
}


def conflict(reason: str) -> ApiError:
    """409: refused because of the state of things, not the input."""
    return ApiError(
        HTTPStatus.CONFLICT,
        reason,
        _CONFLICT_DESCRIPTION.get(reason, "Conflict."),
        page="conflict",
    )


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
    detail = await reader.detail(customer.subject, invoice_id, language)
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
    entries = await reader.timeline(customer.subject, invoice_id, language)
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
    return pdf_response(await reader.document(customer.subject, invoice_id))


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
    row = await lookup.find(customer.subject, lookup_query(body), language)
    return LookupResult(invoice=InvoiceSummary.of(row), invoice_url=f"{PREFIX}/invoices/{row.id}")


@api.get(
    "/invoices/{invoice_id}/payment",
    response_model=PaymentDetails,
    summary="How to pay the invoice now (Maksa)",
    responses={**_UNAUTHENTICATED, **_NOT_FOUND, **_UNAVAILABLE},
)
async def get_payment(
    invoice_id: str, customer: CustomerDep, reader: InvoiceReaderDep, language: LanguageDep
) -> PaymentDetails:
    """The bank transfer details: amount open, payee, IBAN, BIC, reference, due date and the
    virtual bank barcode. For anyone who may pay the invoice (its debtor, an authorized
    person, a person who found it with *Hae lasku*)."""
    return PaymentDetails.of(await reader.payment(customer.subject, invoice_id, language))


@api.get(
    "/invoices/{invoice_id}/authorizations",
    response_model=AuthorizationList,
    summary="The authorizations given for an invoice (Valtuutus)",
    responses={**_UNAUTHENTICATED, **_NOT_FOUND_OR_NOT_ALLOWED, **_UNAVAILABLE},
)
async def list_authorizations(
    invoice_id: str, customer: CustomerDep, valtuutus: InvoiceAuthorizationsDep
) -> AuthorizationList:
    """For the invoice's debtor: whom they authorized for this invoice (and continuous
    authorizations covering it), newest first, with the henkilötunnus masked."""
    access = await valtuutus.require(customer.subject, invoice_id)
    given = await valtuutus.given(access)
    return AuthorizationList(
        authorizations=[Authorization.of(item, revocable(item, access)) for item in given]
    )


@api.post(
    "/invoices/{invoice_id}/authorizations",
    response_model=Authorization,
    status_code=HTTPStatus.CREATED,
    summary="Authorize a person for this invoice (Valtuutus)",
    dependencies=[Depends(require_json)],
    responses={
        **_UNAUTHENTICATED,
        400: _error(
            "INVALID_REQUEST: a field is wrong; the BadRequest detail names it with a reason "
            "(REQUIRED, TOO_LONG, INVALID_NATIONAL_ID, SELF_AUTHORIZATION, INVALID_DATE, "
            "EXPIRE_DATE_IN_PAST, ...). The values are never echoed."
        ),
        **_NOT_FOUND_OR_NOT_ALLOWED,
        409: _error("AUTHORIZATION_ALREADY_ACTIVE or INVOICE_CLOSED."),
        415: _error("The body is not application/json."),
        **_UNAVAILABLE,
    },
)
async def create_authorization(
    invoice_id: str,
    body: AuthorizationRequest,
    customer: CustomerDep,
    valtuutus: InvoiceAuthorizationsDep,
) -> Authorization:
    """The invoice's debtor authorizes a person, named by name and henkilötunnus, to handle
    this invoice only (see it, pay it, ask for payment time, chat about it), optionally
    until a date. Continuous authorizations are made through customer service chat."""
    access = await valtuutus.require(customer.subject, invoice_id)
    try:
        details = grantee_details(body.name, body.national_id, body.expire_date)
        created = await valtuutus.grant(access, details)
    except AuthorizationInputError as error:
        raise invalid_input(error.violations) from None
    except AuthorizationConflict as refused:
        raise conflict(refused.reason) from None
    return Authorization.of(created, revocable(created, access))


@api.post(
    "/invoices/{invoice_id}/authorizations/{authorization_id}/revoke",
    response_model=Authorization,
    summary="Revoke an authorization given for this invoice (Peru valtuutus)",
    dependencies=[Depends(require_json)],
    responses={
        **_UNAUTHENTICATED,
        **_NOT_FOUND_OR_NOT_ALLOWED,
        409: _error("AUTHORIZATION_NOT_ACTIVE: it has already ended."),
        415: _error("The body is not application/json."),
        **_UNAVAILABLE,
    },
)
async def revoke_authorization(
    invoice_id: str,
    authorization_id: str,
    customer: CustomerDep,
    valtuutus: InvoiceAuthorizationsDep,
) -> Authorization:
    """End an authorization the person gave for this invoice; the authorized person's very
    next request is refused. The body is an empty JSON object."""
    access = await valtuutus.require(customer.subject, invoice_id)
    try:
        revoked = await valtuutus.revoke(access, authorization_id)
    except AuthorizationConflict as refused:
        raise conflict(refused.reason) from None
    return Authorization.of(revoked, revocable(revoked, access))


_PAYMENT_NOT_FOUND: Final[_Responses] = {
    404: _error("PAYMENT_NOT_FOUND: no such payment, or someone else's (the same answer).")
}


@api.post(
    "/payments",
    response_model=PaymentResponse,
    status_code=HTTPStatus.CREATED,
    summary="Pay invoices online (Maksa verkkopankissa)",
    dependencies=[Depends(require_json)],
    responses={
        **_UNAUTHENTICATED,
        400: _error("INVALID_REQUEST: no invoices, too many, or a bad request_id."),
        **_NOT_FOUND,
        409: _error(
            "INVOICE_NOT_PAYABLE: an invoice is closed, has nothing open or is already paid "
            "in MyRopo; or the payment service refused the payment."
        ),
        415: _error("The body is not application/json."),
        **_UNAVAILABLE,
    },
)
async def create_payment(
    body: PaymentRequest,
    runtime: RuntimeDep,
    customer: CustomerDep,
    payments: OnlinePaymentsDep,
    language: LanguageDep,
) -> PaymentResponse:
    """Start one payment at the payment service provider for the invoices named, each at its
    open amount, for any invoice the person may pay (own, authorized, found with *Hae
    lasku*). Send the browser to ``payment.payment_page_url``; it comes back to MyRopo's
    receipt page. Retrying with the same ``request_id`` returns the same payment."""
    start = PaymentStart(
        invoice_ids=body.invoice_ids,
        request_id=str(body.request_id),
        return_url=runtime.settings.payment_return_url,
        language=language,
    )
    try:
        payment = await payments.start(customer.subject, start)
    except NothingToPay as refused:
        raise ApiError(
            HTTPStatus.CONFLICT,
            "INVOICE_NOT_PAYABLE",
            "The invoice cannot be paid online now.",
            page="conflict",
            metadata={"invoice_id": refused.invoice_id},
        ) from None
    return PaymentResponse(payment=Payment.of(payment))


@api.get(
    "/payments/{payment_id}",
    response_model=PaymentResponse,
    summary="Get one of the person's payments",
    responses={**_UNAUTHENTICATED, **_PAYMENT_NOT_FOUND, **_UNAVAILABLE},
)
async def get_payment_by_id(
    payment_id: str, customer: CustomerDep, payments: OnlinePaymentsDep
) -> PaymentResponse:
    """A payment the person made, with its state (SUCCEEDED = *Maksettu MyRopossa*)."""
    return PaymentResponse(
        payment=Payment.of(await payments.of_payer(customer.subject, payment_id))
    )
