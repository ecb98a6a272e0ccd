"""*Ilmoita tilinumero* in the MyRopo JSON API (``/api/myropo/v1``), the twin of the pages:

- ``POST /refund-cases:verify`` — step 1 (``case_number``, ``myropo_id``);
- ``GET /refund-cases/{refund_case_id}`` — a case the person verified;
- ``POST /refund-cases/{refund_case_id}/account`` — step 2;
- ``POST /refund-cases/{refund_case_id}/confirm`` — step 3.

Every miss of step 1 is the same 404 ``REFUND_CASE_NOT_FOUND``, too many 429
``REFUND_VERIFICATION_LOCKED``; a case the person did not verify is the 404 of a missing one
(audited). Refused accounts are 400 ``REFUND_ACCOUNT_INVALID`` with a field violation per
field in the request's language (``iban_problem`` in the ErrorInfo metadata).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Final

from fastapi import APIRouter, Depends
from ropo_platform.errors import FieldViolation

from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.clients.refunds import AccountInput
from ropo_gateway.errors import ApiError
from ropo_gateway.i18n import Translator
from ropo_gateway.myropo.api import PREFIX, require_json
from ropo_gateway.myropo.api_models import ErrorResponse
from ropo_gateway.myropo.deps import CustomerDep, LanguageDep, RefundWizardDep
from ropo_gateway.myropo.refund_api_models import (
    ConfirmRefundAccountRequest,
    RefundAccountRequest,
    RefundCase,
    RefundCaseResponse,
    VerifyRefundCaseRequest,
)
from ropo_gateway.myropo.refunds import AccountRejected, RefundProblem

api = APIRouter(prefix=PREFIX, tags=["MyRopo"])

REFUND_ACCOUNT_INVALID: Final = "REFUND_ACCOUNT_INVALID"
_MESSAGES: Final = {
    "not_found": "No refund case matches the case number and MyRopo ID.",
    "locked": "Too many failed attempts. Try again later.",
    "changed": "The refund case changed; fetch it again and confirm what it shows.",
    "already_confirmed": "The account has already been confirmed.",
    "not_submitted": "Submit the account first.",
}
_IBAN_KEY: Final = "refund.error.iban."


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


_COMMON: Final[dict[int | str, dict[str, Any]]] = {
    401: _error("Not logged in (SESSION_REQUIRED)."),
    503: _error("SERVICE_UNAVAILABLE: the refund service is unavailable."),
}
_CASE: Final[dict[int | str, dict[str, Any]]] = {
    **_COMMON,
    404: _error(
        "REFUND_CASE_NOT_FOUND: no such case, or one the person has not verified (same answer)."
    ),
}


def problem_error(problem: RefundProblem) -> ApiError:
    """The AIP-193 answer of a refused step."""
    headers: dict[str, str] = {}
    metadata: dict[str, str] = {}
    if problem.retry_after_seconds:
        headers["Retry-After"] = str(problem.retry_after_seconds)
        metadata["retry_after_seconds"] = headers["Retry-After"]
    return ApiError(
        problem.status,
        problem.reason,
        _MESSAGES.get(problem.key, "Refused."),
        page="conflict",
        metadata=metadata,
        headers=headers,
    )


def account_error(rejected: AccountRejected, language: str) -> ApiError:
    """400 with a readable violation per refused field (in the request's language)."""
    t = Translator(language)
    violations = [
        FieldViolation(
            name if name != "form" else "account",
            t(key),
            key.removeprefix(_IBAN_KEY).upper() if key.startswith(_IBAN_KEY) else "",
        )
        for name, key in rejected.errors.items()
    ]
    iban = rejected.errors.get("iban", "")
    metadata = {"iban_problem": iban.removeprefix(_IBAN_KEY)} if iban else {}
    return ApiError(
        HTTPStatus.BAD_REQUEST,
        REFUND_ACCOUNT_INVALID,
        "The account was not accepted.",
        metadata=metadata,
        field_violations=violations,
    )


@api.post(
    "/refund-cases:verify",
    response_model=RefundCaseResponse,
    summary="Verify a refund case (Ilmoita tilinumero 1/3)",
    dependencies=[Depends(require_json)],
    responses={
        **_COMMON,
        404: _error("REFUND_CASE_NOT_FOUND: every kind of miss answers the same."),
        415: _error("The body is not application/json."),
        429: _error("REFUND_VERIFICATION_LOCKED: too many failed attempts (Retry-After)."),
    },
)
async def verify_refund_case(
    body: VerifyRefundCaseRequest, customer: CustomerDep, wizard: RefundWizardDep
) -> RefundCaseResponse:
    """Prove the person holds the letter: its case number and MyRopo ID. The person may then
    read the case and report an account for a while (steps 2 and 3)."""
    try:
        case = await wizard.verify(customer.subject, body.case_number, body.myropo_id)
    except RefundProblem as problem:
        raise problem_error(problem) from None
    return RefundCaseResponse(refund_case=RefundCase.of(case))


@api.get(
    "/refund-cases/{refund_case_id}",
    response_model=RefundCaseResponse,
    summary="A refund case the person verified",
    responses=_CASE,
)
async def get_refund_case(
    refund_case_id: str, customer: CustomerDep, wizard: RefundWizardDep
) -> RefundCaseResponse:
    """The amounts, the fee, the masked account and the state of a verified case."""
    case = await wizard.case_of(customer.subject, refund_case_id)
    return RefundCaseResponse(refund_case=RefundCase.of(case))


@api.post(
    "/refund-cases/{refund_case_id}/account",
    response_model=RefundCaseResponse,
    summary="Submit the account (Ilmoita tilinumero 2/3)",
    dependencies=[Depends(require_json)],
    responses={
        **_CASE,
        400: _error("REFUND_ACCOUNT_INVALID: field violations on iban, bic or holder_name."),
        409: _error("REFUND_ACCOUNT_ALREADY_CONFIRMED: the account can no longer change."),
        415: _error("The body is not application/json."),
    },
)
async def submit_refund_account(
    refund_case_id: str,
    body: RefundAccountRequest,
    customer: CustomerDep,
    wizard: RefundWizardDep,
    language: LanguageDep,
) -> RefundCaseResponse:
    """The account the refund is paid to; the answer shows it masked with the etag to
    confirm. Submitting again before confirming replaces it."""
    case = await wizard.case_of(customer.subject, refund_case_id)
    account = AccountInput(iban=body.iban, bic=body.bic, holder_name=body.holder_name)
    request_id = str(body.request_id) if body.request_id else new_request_id()
    try:
        updated = await wizard.submit(customer.subject, case, account, request_id)
    except AccountRejected as rejected:
        raise account_error(rejected, language) from None
    except RefundProblem as problem:
        raise problem_error(problem) from None
    return RefundCaseResponse(refund_case=RefundCase.of(updated))


@api.post(
    "/refund-cases/{refund_case_id}/confirm",
    response_model=RefundCaseResponse,
    summary="Confirm the account (Ilmoita tilinumero 3/3)",
    dependencies=[Depends(require_json)],
    responses={
        **_CASE,
        409: _error(
            "REFUND_CASE_CHANGED (the etag is stale), REFUND_ACCOUNT_ALREADY_CONFIRMED or "
            "REFUND_ACCOUNT_NOT_SUBMITTED."
        ),
        415: _error("The body is not application/json."),
    },
)
async def confirm_refund_account(
    refund_case_id: str,
    body: ConfirmRefundAccountRequest,
    customer: CustomerDep,
    wizard: RefundWizardDep,
) -> RefundCaseResponse:
    """Confirm the account the case shows (its ``etag``). Retrying with the same
    ``request_id`` returns the first answer."""
    case = await wizard.case_of(customer.subject, refund_case_id)
    request_id = str(body.request_id) if body.request_id else new_request_id()
    try:
        confirmed = await wizard.confirm(customer.subject, case, body.etag, request_id)
    except RefundProblem as problem:
        raise problem_error(problem) from None
    except AccountRejected:
        changed = RefundProblem("changed", HTTPStatus.CONFLICT, "REFUND_CASE_CHANGED")
        raise problem_error(changed) from None
    return RefundCaseResponse(refund_case=RefundCase.of(confirmed))
