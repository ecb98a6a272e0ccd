"""*Reklamaatio* in the MyRopo JSON API (``/api/myropo/v1``), the twin of the form:

- ``GET /invoices/{invoice_id}/disputes`` — the invoice's disputes, newest first, whether a
  new one may be made, and the session's CSRF token for the upload;
- ``POST /invoices/{invoice_id}/disputes`` — ``multipart/form-data`` (``reason``,
  optional ``disputed_amount`` in euros, up to five ``attachments``, optional
  ``request_id``), with the CSRF token in ``X-CSRF-Token`` (or a ``csrf_token`` part): a
  cross-site form could send this body, so the token is what tells it apart.

Both need ``ACTION_MANAGE_PAYMENT_TIME`` (the one audited 404 ``INVOICE_NOT_FOUND`` for anyone
else). Refusals: 400 ``DISPUTE_INVALID`` with a field violation per problem (``reason``,
``disputed_amount``, ``attachments``, ``attachments[i]``) described in the request's language,
409 ``DISPUTE_ALREADY_OPEN`` / ``INVOICE_NOT_OPEN``, 413 ``REQUEST_TOO_LARGE``, 403
``CSRF_TOKEN_INVALID``.
"""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus
from typing import Any, Final

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from ropo_platform.errors import FieldViolation

from ropo_gateway.auth.csrf import csrf_valid
from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.clients.disputes import DisputeState, DisputeView
from ropo_gateway.errors import ApiError
from ropo_gateway.i18n import Translator
from ropo_gateway.myropo.api import PREFIX
from ropo_gateway.myropo.api_models import ErrorResponse, Money
from ropo_gateway.myropo.deps import CustomerDep, DisputeDeskDep, InvoiceReaderDep, LanguageDep
from ropo_gateway.myropo.dispute_routes import FormUnreadable, read_dispute_fields
from ropo_gateway.myropo.disputes import (
    ACCEPT,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    MAX_REASON_LENGTH,
    DisputeProblem,
    DisputeRejected,
    checked,
    may_dispute,
)
from ropo_gateway.myropo.payment_time import idempotency_key
from ropo_gateway.web.middleware import BodyTooLarge

api = APIRouter(prefix=PREFIX, tags=["MyRopo"])

CSRF_HEADER: Final = "x-csrf-token"
DISPUTE_INVALID: Final = "DISPUTE_INVALID"
_MESSAGES: Final = {
    "already_open": "The invoice already has an open dispute.",
    "not_open": "The invoice can no longer be disputed.",
    "unavailable": "The service is temporarily unavailable. Please try again shortly.",
}


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


_COMMON: Final[dict[int | str, dict[str, Any]]] = {
    401: _error("Not logged in (SESSION_REQUIRED)."),
    404: _error(
        "INVOICE_NOT_FOUND: no such invoice, or one the person may not handle (same answer)."
    ),
    503: _error("SERVICE_UNAVAILABLE: the invoice service is unavailable."),
}
_UPLOAD_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["reason"],
                    "properties": {
                        "reason": {"type": "string", "maxLength": MAX_REASON_LENGTH},
                        "disputed_amount": {
                            "type": "string",
                            "description": "Part amount in euros (12.50 or 12,50); "
                            "leave out to dispute the whole invoice.",
                        },
                        "attachments": {
                            "type": "array",
                            "maxItems": MAX_ATTACHMENTS,
                            "items": {"type": "string", "format": "binary"},
                            "description": f"PDF, JPEG or PNG ({ACCEPT}), each at most "
                            f"{MAX_ATTACHMENT_BYTES} bytes; name, declared type and content "
                            "must agree.",
                        },
                        "request_id": {"type": "string", "format": "uuid"},
                        "csrf_token": {
                            "type": "string",
                            "description": "The session's CSRF token, unless sent in X-CSRF-Token.",
                        },
                    },
                }
            }
        },
    }
}


class Dispute(BaseModel):
    """A dispute (reklamaatio) of the invoice."""

    id: str
    name: str = Field(description='Resource name, "invoices/{invoice_id}/disputes/{id}".')
    state: DisputeState
    disputed_amount: Money | None = Field(description="The disputed part; null: the whole.")
    reason: str
    attachment_filenames: list[str]
    resolution_message: str = Field(description="Customer service's message once resolved.")
    credited_amount: Money | None
    create_time: datetime | None
    resolve_time: datetime | None

    @classmethod
    def of(cls, view: DisputeView) -> Dispute:
        return cls(
            id=view.dispute_id,
            name=view.name,
            state=view.state,
            disputed_amount=Money.optional(view.disputed_amount),
            reason=view.reason,
            attachment_filenames=[item.filename for item in view.attachments],
            resolution_message=view.resolution_message,
            credited_amount=Money.optional(view.credited_amount),
            create_time=view.create_time,
            resolve_time=view.resolve_time,
        )


class DisputeList(BaseModel):
    disputes: list[Dispute] = Field(description="Newest first.")
    may_dispute: bool = Field(description="Something is open and no dispute is waiting.")
    csrf_token: str = Field(description="Send it in X-CSRF-Token when disputing.")


class DisputeResponse(BaseModel):
    dispute: Dispute


def _rejected(rejected: DisputeRejected, language: str) -> ApiError:
    t = Translator(language)
    violations = [
        FieldViolation(
            item.field,
            t(f"dispute.error.{item.key}", filename=item.filename),
            item.key.replace(".", "_").upper(),
        )
        for item in rejected.errors
    ]
    return ApiError(
        HTTPStatus.BAD_REQUEST,
        DISPUTE_INVALID,
        "The dispute was not accepted.",
        field_violations=violations,
    )


def _problem(problem: DisputeProblem) -> ApiError:
    return ApiError(
        problem.status,
        problem.reason,
        _MESSAGES.get(problem.key, "Refused."),
        page="unavailable" if problem.status == HTTPStatus.SERVICE_UNAVAILABLE else "conflict",
    )


@api.get(
    "/invoices/{invoice_id}/disputes",
    response_model=DisputeList,
    summary="The invoice's disputes (Reklamaatio)",
    responses=_COMMON,
)
async def list_disputes(
    invoice_id: str,
    customer: CustomerDep,
    desk: DisputeDeskDep,
    reader: InvoiceReaderDep,
    language: LanguageDep,
) -> DisputeList:
    """Every dispute of the invoice with its state, and the outcome and customer service's
    message once resolved."""
    access = await desk.require(customer.subject, invoice_id)
    detail = await reader.detail_of(access, language)
    disputes = await desk.history(access)
    return DisputeList(
        disputes=[Dispute.of(item) for item in disputes],
        may_dispute=may_dispute(detail.row, disputes),
        csrf_token=customer.session.csrf_token,
    )


@api.post(
    "/invoices/{invoice_id}/disputes",
    response_model=DisputeResponse,
    status_code=HTTPStatus.CREATED,
    summary="Dispute the invoice (Reklamaatio)",
    openapi_extra=_UPLOAD_BODY,
    responses={
        **_COMMON,
        400: _error("DISPUTE_INVALID: a violation per problem, in the request's language."),
        403: _error("CSRF_TOKEN_INVALID: X-CSRF-Token is missing or not the session's."),
        409: _error("DISPUTE_ALREADY_OPEN or INVOICE_NOT_OPEN."),
        413: _error("REQUEST_TOO_LARGE: the body is over the cap."),
    },
)
async def create_dispute(
    request: Request,
    invoice_id: str,
    customer: CustomerDep,
    desk: DisputeDeskDep,
    reader: InvoiceReaderDep,
    language: LanguageDep,
) -> DisputeResponse:
    """Dispute the whole invoice or ``disputed_amount`` of it; collection is on hold until
    customer service has handled it. Retrying with the same ``request_id`` acts once."""
    access = await desk.require(customer.subject, invoice_id)
    try:
        sent = await read_dispute_fields(request)
    except BodyTooLarge:
        raise ApiError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "REQUEST_TOO_LARGE", "Request body too large."
        ) from None
    except FormUnreadable:
        raise ApiError(
            HTTPStatus.BAD_REQUEST, "INVALID_REQUEST", "The multipart body could not be read."
        ) from None
    token = request.headers.get(CSRF_HEADER) or sent.csrf_token
    if sent.fields_read and not csrf_valid(customer.session, token):
        raise ApiError(HTTPStatus.FORBIDDEN, "CSRF_TOKEN_INVALID", "CSRF token missing or wrong.")
    detail = await reader.detail_of(access, language)
    request_id = idempotency_key(sent.request_id) if sent.request_id else new_request_id()
    try:
        submission = checked(sent.input(), detail.row.open_amount)
        dispute = await desk.submit(access, submission, request_id)
    except DisputeRejected as rejected:
        raise _rejected(rejected, language) from None
    except DisputeProblem as problem:
        raise _problem(problem) from None
    return DisputeResponse(dispute=Dispute.of(dispute))
