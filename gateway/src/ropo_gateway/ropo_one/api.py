"""Ropo One's JSON API (``/api/ropo-one/v1``): the same search, case, timeline and
authorizations as the pages.

Same staff session, role and access checks as the pages (``CheckAccess`` before any
case is read, every read and refusal audited); errors are AIP-193 JSON bodies
(DESIGN §6): 401 without a staff session (a customer session is not one), 403
without a usable role, 404 ``CASE_NOT_FOUND`` alike for a missing case, a malformed
id and one the user may not see or act on, 400 with ``BadRequest`` field violations
for refused input (naming the field, never echoing the value). Mutations are POSTs
with an ``application/json`` body (a cross-site form cannot send one).
"""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus
from typing import Annotated, Any, Final

import grpc
from fastapi import APIRouter, Depends, Query, Request
from ropo_platform.errors import FieldViolation

from ropo_gateway.clients.authorization import Action, new_request_id
from ropo_gateway.errors import ApiError, invalid_input, unsupported_media_type
from ropo_gateway.i18n import LANGUAGES
from ropo_gateway.myropo.api_models import ErrorResponse
from ropo_gateway.ropo_one.access import visible
from ropo_gateway.ropo_one.admin import AuthorizationAdmin, Refused
from ropo_gateway.ropo_one.authorizations import FORM, MAX_NATIONAL_ID_LENGTH, ContinuousInput
from ropo_gateway.ropo_one.deps import (
    ApiGuardDep,
    AuthorizationsDep,
    CasesDep,
    PaymentsDep,
    StaffDep,
)
from ropo_gateway.ropo_one.payments import case_payments
from ropo_gateway.ropo_one.rendering import staff_translator
from ropo_gateway.ropo_one.schemas import (
    AuthorizationOut,
    AuthorizationsOut,
    CaseEventOut,
    CaseEventsOut,
    CaseOut,
    CaseSearchOut,
    ContinuousAuthorizationIn,
)
from ropo_gateway.ropo_one.schemas import CaseSummaryOut as Summary
from ropo_gateway.ropo_one.search import parse_criteria
from ropo_gateway.ropo_one.texts import FINNISH_TIME
from ropo_gateway.ropo_one.views import case_from_invoice, row_from_invoice, timeline_row
from ropo_gateway.web.deps import RuntimeDep

API_PREFIX: Final = "/api/ropo-one/v1"
MAX_PAGE_SIZE: Final = 200

router = APIRouter(prefix=API_PREFIX, tags=["Ropo One"])


_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    401: {"model": ErrorResponse, "description": "No Ropo One staff session."},
    403: {"model": ErrorResponse, "description": "The staff user has no Ropo One role."},
}
_CASE_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    **_ERRORS,
    404: {"model": ErrorResponse, "description": "No such case, or not the user's creditor's."},
}


def _language(request: Request, language_code: str | None) -> str:
    """``language_code`` when given (fi, sv, en), else the browser's chosen language."""
    if language_code is None:
        return staff_translator(request).language
    if language_code not in LANGUAGES:
        raise invalid_input([FieldViolation("language_code", "must be one of fi, sv, en")])
    return language_code


_SEARCH_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    **_ERRORS,
    400: {
        "model": ErrorResponse,
        "description": "Refused criteria (one that looks like a henkilötunnus among them): "
        "BadRequest field violations naming each field, never its value.",
    },
}


@router.get("/invoices", responses=_SEARCH_ERRORS)
async def search_cases(
    request: Request,
    runtime: RuntimeDep,
    staff: StaffDep,
    cases: CasesDep,
    guard: ApiGuardDep,
    query: str | None = None,
    case_number: str | None = None,
    invoice_number: str | None = None,
    reference: str | None = None,
    debtor_name: str | None = None,
    state: Annotated[list[str] | None, Query()] = None,
    open_only: bool = False,
    page_size: Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE)] = None,
    page_token: str = "",
    language_code: str | None = None,
) -> CaseSearchOut:
    """Search cases (*Hae vain avoimet* = ``open_only``); a creditor user's search is always
    limited to its own creditor. Most recently updated first, keyset-paginated.

    The criteria travel in the query string, which proxies and browsers may record:
    clients must never send a henkilötunnus (personal identity code) in any of them.
    A criterion that looks like one is refused with 400 before any search is made,
    the response naming the field without echoing the value. Search by name, case
    number, invoice number or reference instead."""
    language = _language(request, language_code)
    criteria, problems = parse_criteria(
        {
            "query": query,
            "case_number": case_number,
            "invoice_number": invoice_number,
            "reference": reference,
            "debtor_name": debtor_name,
        },
        state or [],
        open_only,
    )
    if problems:
        raise invalid_input([problem.violation() for problem in problems])
    found = await cases.search_invoices(
        criteria.to_search(
            staff.identity,
            page_size=page_size or runtime.settings.staff_search_page_size,
            page_token=page_token,
        ),
        language,
    )
    rows = [row_from_invoice(item) for item in visible(staff.identity, found.invoices)]
    await guard.searched(staff.identity, len(rows))
    return CaseSearchOut(
        invoices=[Summary.of(row) for row in rows], next_page_token=found.next_page_token
    )


@router.get("/invoices/{invoice_id}", responses=_CASE_ERRORS)
async def get_case(
    request: Request,
    invoice_id: str,
    staff: StaffDep,
    guard: ApiGuardDep,
    payments: PaymentsDep,
    language_code: str | None = None,
) -> CaseOut:
    """One case: status, customer type, capital, open capital, debtor (masked), dates, ledger
    and the PSP payments covering it (``payments`` is null when they could not be read)."""
    language = _language(request, language_code)
    case = await guard.open(staff.identity, invoice_id, language)
    rows = await case_payments(payments, case.name)
    await guard.viewed(staff.identity, case)
    return CaseOut.of(case_from_invoice(case.invoice, []), rows)


@router.get("/invoices/{invoice_id}/events", responses=_CASE_ERRORS)
async def list_case_events(
    request: Request,
    invoice_id: str,
    staff: StaffDep,
    cases: CasesDep,
    guard: ApiGuardDep,
    language_code: str | None = None,
) -> CaseEventsOut:
    """The case's timeline, oldest first, titles in the request's language."""
    language = _language(request, language_code)
    case = await guard.open(staff.identity, invoice_id, language)
    events = await cases.list_invoice_events(case.name, language)
    await guard.viewed(staff.identity, case)
    return CaseEventsOut(events=[CaseEventOut.of(timeline_row(event)) for event in events])


def require_json(request: Request) -> None:
    """JSON bodies only: a cross-site HTML form cannot send ``application/json``."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        raise unsupported_media_type()


_ADMIN_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    **_ERRORS,
    404: {
        "model": ErrorResponse,
        "description": "CASE_NOT_FOUND: no such case, or the user may not administer its "
        "authorizations (creditor users never may).",
    },
}
_MUTATION_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    **_ADMIN_ERRORS,
    415: {"model": ErrorResponse, "description": "The body is not application/json."},
}

# What the API says about a refused field (fixed texts: never the value typed).
_DESCRIPTIONS: Final = {
    "required": "is required",
    "too_long": "is too long",
    "identity_code": "must not contain a personal identity code",
    "invalid": "is not valid",
    "self": "must not be the debtor's own personal identity code",
    "past": "must not be in the past",
}
_NATIONAL_ID_INVALID: Final = "is not a valid Finnish personal identity code"
_VIOLATION_REASONS: Final = {"self": "SELF_AUTHORIZATION"}


def _refusal(refused: Refused) -> Exception:
    """The API's answer to a refused authorization action."""
    upstream = refused.upstream
    if upstream is not None and upstream.rpc_error.code == grpc.StatusCode.FAILED_PRECONDITION:
        return upstream  # INVOICE_CLOSED, AUTHORIZATION_ALREADY_ACTIVE, ..._NOT_ACTIVE
    if any(problem.code == "not_person" for problem in refused.problems):
        return ApiError(
            HTTPStatus.BAD_REQUEST,
            "DEBTOR_NOT_A_PERSON",
            "Continuous authorizations are made for a private person's invoices only.",
        )
    violations = []
    for problem in refused.problems:
        description = _DESCRIPTIONS.get(problem.code, "was refused")
        if problem.field == "grantee_national_id" and problem.code == "invalid":
            description = _NATIONAL_ID_INVALID
        violations.append(
            FieldViolation(
                problem.field if problem.field != FORM else "body",
                description,
                _VIOLATION_REASONS.get(problem.code, ""),
            )
        )
    return invalid_input(violations)


@router.get("/invoices/{invoice_id}/authorizations", responses=_ADMIN_ERRORS)
async def list_case_authorizations(
    invoice_id: str,
    staff: StaffDep,
    guard: ApiGuardDep,
    authorizations: AuthorizationsDep,
) -> AuthorizationsOut:
    """The case's authorizations (*Valtuutukset*): per-invoice ones made by the debtor and
    continuous ones covering the invoice, newest first. Agents and supervisors only."""
    case = await guard.open(staff.identity, invoice_id, "fi", Action.ADMINISTER)
    rows = await AuthorizationAdmin(guard, authorizations).listed(case)
    await guard.viewed(staff.identity, case)
    return AuthorizationsOut(authorizations=[AuthorizationOut.of(row) for row in rows])


@router.post(
    "/invoices/{invoice_id}/continuous-authorizations",
    status_code=HTTPStatus.CREATED,
    dependencies=[Depends(require_json)],
    responses={
        **_MUTATION_ERRORS,
        400: {
            "model": ErrorResponse,
            "description": "INVALID_REQUEST with BadRequest field violations naming each "
            "refused field (grantee_national_id with reason SELF_AUTHORIZATION for the "
            f"debtor's own code; at most {MAX_NATIONAL_ID_LENGTH} characters) — never its "
            "value; DEBTOR_NOT_A_PERSON for a company's case; the authorization service's "
            "FAILED_PRECONDITION reasons (AUTHORIZATION_ALREADY_ACTIVE, INVOICE_CLOSED).",
        },
    },
)
async def create_continuous_authorization(
    body: ContinuousAuthorizationIn,
    invoice_id: str,
    staff: StaffDep,
    guard: ApiGuardDep,
    authorizations: AuthorizationsDep,
) -> AuthorizationOut:
    """Authorize a person for every invoice of the case's debtor (or only those of the case's
    creditor), as customer service does after the debtor asked in a chat. Agents and
    supervisors only; the debtor must be a private person."""
    case = await guard.open(staff.identity, invoice_id, "fi", Action.AUTHORIZE)
    typed = ContinuousInput(
        grantee_name=body.grantee_name,
        national_id=body.grantee_national_id,
        creditor_only=body.creditor_only,
        expire_date=body.expire_date.isoformat() if body.expire_date else "",
        conversation=body.conversation,
    )
    today = datetime.now(FINNISH_TIME).date()
    try:
        row = await AuthorizationAdmin(guard, authorizations).create(
            staff.identity, case, typed, new_request_id(), today
        )
    except Refused as refused:
        raise _refusal(refused) from None
    return AuthorizationOut.of(row)


@router.post(
    "/invoices/{invoice_id}/authorizations/{authorization_id}/revoke",
    dependencies=[Depends(require_json)],
    responses={
        **_MUTATION_ERRORS,
        400: {
            "model": ErrorResponse,
            "description": "AUTHORIZATION_NOT_ACTIVE: it has already ended.",
        },
        404: {
            "model": ErrorResponse,
            "description": "CASE_NOT_FOUND: no such case or authorization, an authorization "
            "of another case, or one the user may not end.",
        },
    },
)
async def revoke_case_authorization(
    invoice_id: str,
    authorization_id: str,
    staff: StaffDep,
    guard: ApiGuardDep,
    authorizations: AuthorizationsDep,
) -> AuthorizationOut:
    """End one of the case's authorizations (send an empty JSON object); the authorized
    person's very next request is denied. Agents and supervisors only."""
    case = await guard.open(staff.identity, invoice_id, "fi", Action.ADMINISTER)
    try:
        row = await AuthorizationAdmin(guard, authorizations).revoke(
            staff.identity, case, authorization_id, new_request_id()
        )
    except Refused as refused:
        raise _refusal(refused) from None
    return AuthorizationOut.of(row)
