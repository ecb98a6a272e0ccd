"""Ropo One's JSON API (``/api/ropo-one/v1``): the same search, case and timeline as the pages.

Same staff session and role checks as the pages; errors are AIP-193 JSON bodies
(DESIGN §6): 401 without a staff session (a customer session is not one), 403
without a usable role, 404 ``CASE_NOT_FOUND`` alike for a missing case and another
creditor's, 400 with ``BadRequest`` field violations for refused criteria.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from ropo_platform.errors import FieldViolation

from ropo_gateway.errors import invalid_input
from ropo_gateway.i18n import LANGUAGES
from ropo_gateway.myropo.api_models import ErrorResponse
from ropo_gateway.ropo_one import audit
from ropo_gateway.ropo_one.access import load_case, visible
from ropo_gateway.ropo_one.deps import CasesDep, StaffDep
from ropo_gateway.ropo_one.rendering import staff_translator
from ropo_gateway.ropo_one.schemas import CaseEventOut, CaseEventsOut, CaseOut, CaseSearchOut
from ropo_gateway.ropo_one.schemas import CaseSummaryOut as Summary
from ropo_gateway.ropo_one.search import parse_criteria
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
    audit.record_search(staff.identity, len(rows), "api")
    return CaseSearchOut(
        invoices=[Summary.of(row) for row in rows], next_page_token=found.next_page_token
    )


@router.get("/invoices/{invoice_id}", responses=_CASE_ERRORS)
async def get_case(
    request: Request,
    invoice_id: str,
    staff: StaffDep,
    cases: CasesDep,
    language_code: str | None = None,
) -> CaseOut:
    """One case: status, customer type, capital, open capital, debtor (masked), dates, ledger."""
    language = _language(request, language_code)
    invoice = await load_case(cases, staff.identity, invoice_id, language)
    audit.record_case_view(staff.identity, invoice.name, "api")
    return CaseOut.of(case_from_invoice(invoice, []))


@router.get("/invoices/{invoice_id}/events", responses=_CASE_ERRORS)
async def list_case_events(
    request: Request,
    invoice_id: str,
    staff: StaffDep,
    cases: CasesDep,
    language_code: str | None = None,
) -> CaseEventsOut:
    """The case's timeline, oldest first, titles in the request's language."""
    language = _language(request, language_code)
    invoice = await load_case(cases, staff.identity, invoice_id, language)
    events = await cases.list_invoice_events(invoice.name, language)
    audit.record_case_view(staff.identity, invoice.name, "api")
    return CaseEventsOut(events=[CaseEventOut.of(timeline_row(event)) for event in events])
