"""*Maksuaika* in the MyRopo JSON API (``/api/myropo/v1``), the twin of the pages:

- ``GET /invoices/{invoice_id}/payment-time`` — the options now (or why not);
- ``POST /invoices/{invoice_id}/due-date-extension`` — *Eräpäivän siirto*;
- ``POST /invoices/{invoice_id}/payment-plan`` — *Maksusuunnitelma*.

Each asks ``CheckAccess(ACTION_MANAGE_PAYMENT_TIME)`` first: anyone else's invoice is the
one 404 ``INVOICE_NOT_FOUND`` (audited). Refusals are AIP-193 bodies: 409
``FEE_CHANGED`` / the service's reason, 400 ``INVALID_REQUEST``, 503 when the invoice
service is down.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Final

from fastapi import APIRouter, Depends

from ropo_gateway.errors import ApiError
from ropo_gateway.myropo.api import PREFIX, require_json
from ropo_gateway.myropo.api_models import (
    DueDateExtensionRequest,
    DueDateExtensionResponse,
    ErrorResponse,
    InvoiceDetail,
    Money,
    PaymentPlan,
    PaymentPlanRequest,
    PaymentPlanResponse,
    PaymentTimeOptionsResponse,
)
from ropo_gateway.myropo.deps import CustomerDep, LanguageDep, PaymentTimeDep
from ropo_gateway.myropo.payment_time import PaymentTimeProblem, parse_fee
from ropo_gateway.myropo.views import detail_from_invoice

api = APIRouter(prefix=PREFIX, tags=["MyRopo"])

_MESSAGES: Final = {
    "fee_changed": "The fee has changed; fetch the options again.",
    "not_allowed": "This is no longer possible for the invoice.",
    "invalid": "Invalid request.",
    "unavailable": "The service is temporarily unavailable. Please try again shortly.",
}


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    401: _error("Not logged in (SESSION_REQUIRED)."),
    404: _error(
        "INVOICE_NOT_FOUND: no such invoice, or one the person may not manage (same answer)."
    ),
    503: _error("SERVICE_UNAVAILABLE: the invoice service is unavailable."),
}
_MUTATION_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    **_RESPONSES,
    400: _error("INVALID_REQUEST: a bad date, count or fee."),
    409: _error("FEE_CHANGED, or the service's reason why it is no longer possible."),
    415: _error("The body is not application/json."),
}


def api_error(problem: PaymentTimeProblem) -> ApiError:
    """The AIP-193 answer of a refused payment-time request."""
    reason = {
        "unavailable": "SERVICE_UNAVAILABLE",
        "invalid": "INVALID_REQUEST",
    }.get(problem.key, problem.reason)
    return ApiError(
        problem.status,
        reason,
        _MESSAGES.get(problem.key, "Refused."),
        page="unavailable" if problem.status == HTTPStatus.SERVICE_UNAVAILABLE else "conflict",
    )


@api.get(
    "/invoices/{invoice_id}/payment-time",
    response_model=PaymentTimeOptionsResponse,
    summary="Payment time options (Eräpäivän siirto, Maksusuunnitelma)",
    responses=_RESPONSES,
)
async def get_payment_time(
    invoice_id: str, customer: CustomerDep, payment_time: PaymentTimeDep, language: LanguageDep
) -> PaymentTimeOptionsResponse:
    """The latest possible new due date and its fee, and the plan choices with every
    instalment; for an option that is not possible, the reason and a sentence."""
    access = await payment_time.require(customer.subject, invoice_id)
    try:
        options = await payment_time.options(access, language)
    except PaymentTimeProblem as problem:
        raise api_error(problem) from None
    return PaymentTimeOptionsResponse.of(options)


def _document_url(invoice_id: str) -> str:
    return f"{PREFIX}/invoices/{invoice_id}/document"


@api.post(
    "/invoices/{invoice_id}/due-date-extension",
    response_model=DueDateExtensionResponse,
    summary="Extend the due date (Eräpäivän siirto)",
    dependencies=[Depends(require_json)],
    responses=_MUTATION_RESPONSES,
)
async def extend_due_date(
    invoice_id: str,
    body: DueDateExtensionRequest,
    customer: CustomerDep,
    payment_time: PaymentTimeDep,
    language: LanguageDep,
) -> DueDateExtensionResponse:
    """Move the due date to ``new_due_date`` at the fee shown (``accepted_fee``). Retrying
    with the same ``request_id`` returns the first answer."""
    access = await payment_time.require(customer.subject, invoice_id)
    try:
        result = await payment_time.extend(
            access,
            body.new_due_date,
            parse_fee(body.accepted_fee),
            str(body.request_id),
            language,
        )
    except PaymentTimeProblem as problem:
        raise api_error(problem) from None
    detail = detail_from_invoice(result.invoice, access.reason)
    return DueDateExtensionResponse(
        invoice=InvoiceDetail.from_view(detail, _document_url(access.id)),
        fee=Money.of(result.fee),
    )


@api.post(
    "/invoices/{invoice_id}/payment-plan",
    response_model=PaymentPlanResponse,
    status_code=HTTPStatus.CREATED,
    summary="Make a payment plan (Maksusuunnitelma)",
    dependencies=[Depends(require_json)],
    responses=_MUTATION_RESPONSES,
)
async def create_payment_plan(
    invoice_id: str,
    body: PaymentPlanRequest,
    customer: CustomerDep,
    payment_time: PaymentTimeDep,
    language: LanguageDep,
) -> PaymentPlanResponse:
    """Replace the due date by ``instalment_count`` monthly instalments at the fee shown.
    Retrying with the same ``request_id`` returns the same plan."""
    access = await payment_time.require(customer.subject, invoice_id)
    try:
        result = await payment_time.create_plan(
            access,
            body.instalment_count,
            parse_fee(body.accepted_fee),
            str(body.request_id),
            language,
        )
    except PaymentTimeProblem as problem:
        raise api_error(problem) from None
    detail = detail_from_invoice(result.invoice, access.reason)
    return PaymentPlanResponse(
        invoice=InvoiceDetail.from_view(detail, _document_url(access.id)),
        payment_plan=PaymentPlan.of(result.plan),
    )
