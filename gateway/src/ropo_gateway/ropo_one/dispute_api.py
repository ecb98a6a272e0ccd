"""The JSON twins (``/api/ropo-one/v1``) of *Reklamaatiot* and *Siirrä maksuvalvontaan*.

Same staff session, roles, access checks, input checks and audit records as the pages
(``dispute_access``, ``dispute_resolution``, ``payment_monitoring``): agents and supervisors
only — a creditor user gets 403 on the queue and the one 404 ``CASE_NOT_FOUND`` on anything
that names a case — 400 with ``BadRequest`` field violations naming the field (never its
value), 409 when the dispute is no longer open or the case not in collection. Mutations take
an ``application/json`` body (a cross-site form cannot send one) and an optional
``request_id`` so that a retry acts once.
"""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from ropo.invoice.v1 import invoice_pb2
from ropo_platform.errors import FieldViolation

from ropo_gateway.clients.authorization import Action, new_request_id
from ropo_gateway.clients.disputes import DisputeState, Resolution
from ropo_gateway.clients.letters import letter_view
from ropo_gateway.errors import ApiError, UpstreamError, invalid_input
from ropo_gateway.myropo.api_models import ErrorResponse
from ropo_gateway.ropo_one.access import OpenCase
from ropo_gateway.ropo_one.api import API_PREFIX, require_json
from ropo_gateway.ropo_one.chat import InvoicesByNameDep
from ropo_gateway.ropo_one.deps import ApiGuardDep, CasesDep, DisputesDep, StaffDep
from ropo_gateway.ropo_one.dispute_access import DisputeGuard, OpenDispute, invoice_disputes
from ropo_gateway.ropo_one.dispute_resolution import (
    Problem,
    ResolutionInput,
    ResolutionRefused,
    check_decision,
    service_refusal,
)
from ropo_gateway.ropo_one.dispute_schemas import (
    DisputeOut,
    DisputesOut,
    LetterOut,
    PaymentMonitoringIn,
    PaymentMonitoringOut,
    ResolvedDisputeOut,
    ResolveDisputeIn,
)
from ropo_gateway.ropo_one.disputes import case_open_amount
from ropo_gateway.ropo_one.payment_monitoring import (
    MonitoringInput,
    MonitoringRefused,
    start_monitoring,
)
from ropo_gateway.ropo_one.payment_monitoring import Problem as MonitoringProblem
from ropo_gateway.ropo_one.ports import CaseSource
from ropo_gateway.ropo_one.rendering import staff_translator
from ropo_gateway.ropo_one.schemas import CaseOut
from ropo_gateway.ropo_one.texts import FINNISH_TIME
from ropo_gateway.ropo_one.views import case_from_invoice

router = APIRouter(prefix=API_PREFIX, tags=["Ropo One"])

DEFAULT_PAGE_SIZE: Final = 50
DEFAULT_CURRENCY: Final = "EUR"
MAX_PAGE_SIZE: Final = 1000
MAX_PAGE_TOKEN_LENGTH: Final = 512


def api_dispute_guard(cases: ApiGuardDep, desk: DisputesDep) -> DisputeGuard:
    """The dispute guard of the API (audit channel ``ropo_one_api``)."""
    return DisputeGuard(cases, desk)


ApiDisputeGuardDep = Annotated[DisputeGuard, Depends(api_dispute_guard)]

_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    401: {"model": ErrorResponse, "description": "No Ropo One staff session."},
    403: {
        "model": ErrorResponse,
        "description": "No Ropo One role, or DISPUTES_STAFF_ONLY: a creditor user.",
    },
}
_CASE_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    **_ERRORS,
    404: {
        "model": ErrorResponse,
        "description": "CASE_NOT_FOUND: no such case or dispute, or the user may not handle "
        "disputes (creditor users never may).",
    },
}
_MUTATION_ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    **_CASE_ERRORS,
    415: {"model": ErrorResponse, "description": "The body is not application/json."},
}

# What the API says about a refused field (fixed texts: never the value sent).
_DESCRIPTIONS: Final = {
    "required": "is required",
    "invalid": "is not valid",
    "not_positive": "must be more than zero",
    "too_large": "must not be more than the disputed amount",
    "too_long": "is too long",
    "identity_code": "must not contain a personal identity code",
    "future": "must not be in the future",
    "rejected": "was refused by the invoice service",
}


def _language(request: Request) -> str:
    return staff_translator(request).language


def _violations(problems: list[Problem] | list[MonitoringProblem]) -> list[FieldViolation]:
    return [
        FieldViolation(problem.field, _DESCRIPTIONS.get(problem.code, "was refused"))
        for problem in problems
        if problem.field != "form"
    ]


def _states(values: list[str] | None) -> tuple[DisputeState, ...]:
    if not values:
        return (DisputeState.OPEN,)
    states = []
    for value in values:
        state = DisputeState.__members__.get(value.upper())
        if state is None or state is DisputeState.UNSPECIFIED:
            raise invalid_input(
                [FieldViolation("state", "must be OPEN, ACCEPTED, PARTIALLY_ACCEPTED or REJECTED")]
            )
        states.append(state)
    return tuple(dict.fromkeys(states))


@router.get("/disputes", responses=_ERRORS)
async def list_disputes(
    request: Request,
    staff: StaffDep,
    guard: ApiDisputeGuardDep,
    invoices: InvoicesByNameDep,
    state: Annotated[list[str] | None, Query()] = None,
    page_size: Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE)] = None,
    page_token: Annotated[str, Query(max_length=MAX_PAGE_TOKEN_LENGTH)] = "",
) -> DisputesOut:
    """Disputes of every invoice in ``state`` (default OPEN: the agents' queue), newest
    first, with each invoice's number, case number and debtor. Agents and supervisors only."""
    guard.require_queue(staff.identity)
    page = await guard.desk.list_disputes(
        states=_states(state),
        page_size=page_size or DEFAULT_PAGE_SIZE,
        page_token=page_token,
    )
    names = list(dict.fromkeys(item.invoice for item in page.disputes))
    found = {item.name: item for item in await invoices.invoices_by_name(names, _language(request))}
    await guard.listed(staff.identity, len(page.disputes))
    return DisputesOut(
        disputes=[DisputeOut.of(item, found.get(item.invoice)) for item in page.disputes],
        next_page_token=page.next_page_token,
    )


@router.get("/invoices/{invoice_id}/disputes", responses=_CASE_ERRORS)
async def list_invoice_disputes(
    request: Request, invoice_id: str, staff: StaffDep, guard: ApiDisputeGuardDep
) -> DisputesOut:
    """Every dispute of the case's invoice, newest first."""
    case = await guard.open_case(staff.identity, invoice_id, _language(request))
    disputes = await invoice_disputes(guard.desk, case.name)
    await guard.case_listed(staff.identity, case, len(disputes))
    return DisputesOut(
        disputes=[DisputeOut.of(item, case.invoice) for item in disputes], next_page_token=""
    )


@router.get("/invoices/{invoice_id}/disputes/{dispute_id}", responses=_CASE_ERRORS)
async def get_dispute(
    request: Request,
    invoice_id: str,
    dispute_id: str,
    staff: StaffDep,
    guard: ApiDisputeGuardDep,
) -> DisputeOut:
    """One dispute with the names, types and sizes of its files."""
    opened = await guard.open(staff.identity, invoice_id, dispute_id, _language(request))
    await guard.viewed(staff.identity, opened)
    return DisputeOut.of(opened.dispute, opened.case.invoice)


def _decision_error(refused: ResolutionRefused) -> ApiError:
    if any(problem.code == "not_open" for problem in refused.problems):
        return ApiError(
            HTTPStatus.CONFLICT, "DISPUTE_NOT_OPEN", "The dispute has already been resolved."
        )
    return invalid_input(_violations(refused.problems) or [FieldViolation("body", "was refused")])


def _typed_amount(body: ResolveDisputeIn) -> str:
    if body.credited_amount is None:
        return ""
    if body.credited_amount.currency != DEFAULT_CURRENCY:
        # Invoices are in euros; another currency cannot be credited on one.
        raise invalid_input([FieldViolation("credited_amount.currency", "must be EUR")])
    return body.credited_amount.amount


async def _fresh(cases: CaseSource, case: OpenCase, language: str) -> invoice_pb2.Invoice:
    try:
        return await cases.get_invoice(case.name, language)
    except UpstreamError:
        return case.invoice


@router.post(
    "/invoices/{invoice_id}/disputes/{dispute_id}/resolve",
    dependencies=[Depends(require_json)],
    responses={
        **_MUTATION_ERRORS,
        400: {
            "model": ErrorResponse,
            "description": "INVALID_REQUEST with BadRequest field violations (outcome, "
            "credited_amount, message), never echoing the value.",
        },
        409: {"model": ErrorResponse, "description": "DISPUTE_NOT_OPEN: already resolved."},
    },
)
async def resolve_dispute(
    request: Request,
    body: ResolveDisputeIn,
    invoice_id: str,
    dispute_id: str,
    staff: StaffDep,
    guard: ApiDisputeGuardDep,
    cases: CasesDep,
) -> ResolvedDisputeOut:
    """Accept in full (the disputed amount is credited), accept in part (``credited_amount``)
    or reject (collection resumes); the message is sent to the customer as a letter."""
    language = _language(request)
    identity = staff.identity
    opened = await guard.open(identity, invoice_id, dispute_id, language, Action.ADMINISTER)
    typed = ResolutionInput(body.outcome, _typed_amount(body), body.message)
    try:
        decision = check_decision(typed, opened.dispute, case_open_amount(opened.case))
    except ResolutionRefused as refused:
        raise _decision_error(refused) from None
    try:
        result = await guard.desk.resolve_dispute(
            Resolution(
                request_id=str(body.request_id or new_request_id()),
                name=opened.dispute.name,
                actor=identity.subject,
                outcome=decision.outcome,
                message=decision.message,
                credited_amount=decision.credited_amount,
            )
        )
    except UpstreamError as error:
        await guard.acted(identity, opened, error.rpc_error.reason or "", refused=True)
        found = service_refusal(error)
        if found is None:
            raise
        raise _decision_error(found) from None
    await guard.acted(identity, opened, f"DISPUTE_{result.dispute.state.value}")
    invoice = await _fresh(cases, opened.case, language)
    resolved = OpenDispute(OpenCase(invoice, opened.case.decision), result.dispute)
    return ResolvedDisputeOut(
        dispute=DisputeOut.of(resolved.dispute, invoice),
        case=CaseOut.of(case_from_invoice(invoice, [])),
    )


@router.post(
    "/invoices/{invoice_id}/payment-monitoring",
    dependencies=[Depends(require_json)],
    responses={
        **_MUTATION_ERRORS,
        400: {
            "model": ErrorResponse,
            "description": "INVALID_REQUEST with BadRequest field violations (judgment_date, "
            "judgment_reference), never echoing the value.",
        },
        409: {
            "model": ErrorResponse,
            "description": "INVOICE_NOT_IN_COLLECTION: only a case in collection moves.",
        },
    },
)
async def start_payment_monitoring(
    request: Request,
    body: PaymentMonitoringIn,
    invoice_id: str,
    staff: StaffDep,
    guard: ApiDisputeGuardDep,
    cases: CasesDep,
) -> PaymentMonitoringOut:
    """*Siirrä maksuvalvontaan*: after a court judgment the case in collection moves to
    payment monitoring and the payment-monitoring letter is sent. Agents and supervisors."""
    language = _language(request)
    identity = staff.identity
    case = await guard.open_case(identity, invoice_id, language, Action.ADMINISTER)
    typed = MonitoringInput(
        body.judgment_date.isoformat() if body.judgment_date else "", body.judgment_reference
    )
    today = datetime.now(FINNISH_TIME).date()
    try:
        result = await start_monitoring(
            guard.cases,
            guard.desk,
            identity,
            case,
            typed,
            str(body.request_id or new_request_id()),
            today,
        )
    except MonitoringRefused as refused:
        if refused.wrong_stage:
            raise ApiError(
                HTTPStatus.CONFLICT,
                "INVOICE_NOT_IN_COLLECTION",
                "Only a case in collection can be moved to payment monitoring.",
            ) from None
        raise invalid_input(
            _violations(refused.problems) or [FieldViolation("body", "was refused")]
        ) from None
    invoice = await _fresh(cases, case, language)
    return PaymentMonitoringOut(
        case=CaseOut.of(case_from_invoice(invoice, [])),
        letter=LetterOut.of(letter_view(result.letter)),
    )
