"""MyRopo pages (server-rendered, no JavaScript needed).

- ``GET /`` — landing page without a session; otherwise the front page: *Tervetuloa!*,
  the *Hae lasku* and *Ilmoita tilinumero* cards, the *Laskut* / *Arkisto* tabs
  (``?tab=arkisto``), *Etsi laskua listauksesta* (``?q=``) and the invoice table, one
  page at a time (``?page=<token>``);
- ``GET /laskut/{id}`` — one invoice: status, amounts, ledger, rows, *Lisätoiminnot*
  and the timeline; ``GET /laskut/{id}/lasku.pdf`` — *Avaa lasku*;
- ``GET /hae-lasku`` and ``POST /hae-lasku`` — *Hae lasku* both ways (CSRF-protected);
- ``GET /tilinumero`` — *Ilmoita tilinumero* (explains what is needed; the form comes
  with the refund issue).

The JSON twin of these is ``myropo.api``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from ropo_platform.logging import get_logger
from starlette.responses import RedirectResponse, Response

from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.errors import ApiError
from ropo_gateway.myropo.dashboard import MAX_QUERY_LENGTH, ListingRequest, Tab, load_dashboard
from ropo_gateway.myropo.deps import (
    AccessPolicyDep,
    CustomerDep,
    InvoiceLookupDep,
    InvoiceReaderDep,
    InvoiceSourceDep,
    LanguageDep,
    get_customer,
)
from ropo_gateway.myropo.lookup import (
    LookupInputError,
    LookupQuery,
    details_query,
    myropo_id_query,
)
from ropo_gateway.myropo.responses import pdf_response
from ropo_gateway.web.cookies import clear_session_cookie
from ropo_gateway.web.deps import RuntimeDep, SessionDep, session_token
from ropo_gateway.web.pages import render, render_error

router = APIRouter(include_in_schema=False)
_log = get_logger("ropo_gateway.myropo")

LOOKUP_PATH: Final = "/hae-lasku"
ARCHIVE_TAB: Final = "arkisto"
#: Page tokens longer than this are not ones the invoice service issued.
MAX_PAGE_TOKEN_LENGTH: Final = 512
WAY_DETAILS: Final = "details"
WAY_MYROPO_ID: Final = "myropo_id"


def invoice_path(invoice_id: str) -> str:
    """The invoice page of ``invoice_id``."""
    return f"/laskut/{invoice_id}"


def front_page_url(tab: Tab, query: str = "", page_token: str = "") -> str:
    """``/`` with the tab, search and page parameters that are set."""
    params = {
        "tab": ARCHIVE_TAB if tab is Tab.ARCHIVE else "",
        "q": query,
        "page": page_token,
    }
    encoded = urlencode({key: value for key, value in params.items() if value})
    return f"/?{encoded}" if encoded else "/"


@router.get("/")
async def first_page(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    policy: AccessPolicyDep,
    invoices: InvoiceSourceDep,
    language: LanguageDep,
    tab: str = "",
    q: str = "",
    page: str = "",
) -> Response:
    if session is None:
        response = render(request, "landing.html")
        if session_token(request, runtime):
            # An expired or unknown id: drop it so the browser stops sending it.
            clear_session_cookie(response, runtime.settings)
        return response
    customer = await get_customer(request, runtime, session)
    listing = ListingRequest(
        tab=Tab.ARCHIVE if tab == ARCHIVE_TAB else Tab.OPEN,
        query=" ".join(q.split())[:MAX_QUERY_LENGTH],
        page_token=page if len(page) <= MAX_PAGE_TOKEN_LENGTH else "",
    )
    dashboard = await load_dashboard(
        customer.identity,
        customer.holder,
        policy,
        invoices,
        listing,
        language=language,
        page_size=runtime.settings.myropo_page_size,
        max_invoices=runtime.settings.dashboard_max_invoices,
        restart_on_stale_token=True,
    )
    shown = dashboard.request
    return render(
        request,
        "dashboard.html",
        session=session,
        dashboard=dashboard,
        archive=shown.tab is Tab.ARCHIVE,
        open_url=front_page_url(Tab.OPEN),
        archive_url=front_page_url(Tab.ARCHIVE),
        clear_url=front_page_url(shown.tab),
        first_url=front_page_url(shown.tab, shown.query) if shown.page_token else "",
        next_url=(
            front_page_url(shown.tab, shown.query, dashboard.next_page_token)
            if dashboard.next_page_token
            else ""
        ),
        lookup_path=LOOKUP_PATH,
        invoice_path=invoice_path,
    )


@router.get("/laskut/{invoice_id}")
async def invoice_page(
    request: Request,
    invoice_id: str,
    customer: CustomerDep,
    reader: InvoiceReaderDep,
    language: LanguageDep,
) -> Response:
    data = await reader.page(customer.holder, invoice_id, language)
    return render(
        request,
        "invoice.html",
        session=customer.session,
        invoice=data.detail,
        timeline=data.timeline,
        document_url=f"{invoice_path(data.detail.row.id)}/lasku.pdf",
    )


@router.get("/laskut/{invoice_id}/lasku.pdf")
async def invoice_document(
    invoice_id: str, customer: CustomerDep, reader: InvoiceReaderDep
) -> Response:
    return pdf_response(await reader.document(customer.holder, invoice_id))


@dataclass
class LookupForm:
    """What the *Hae lasku* page shows besides the two empty forms."""

    #: Which form the errors and values belong to.
    way: str = WAY_DETAILS
    #: Field → message key (``lookup.error.required`` / ``lookup.error.too_long``).
    errors: dict[str, str] = field(default_factory=dict)
    #: Values typed, shown again only with format errors (never after a miss).
    values: dict[str, str] = field(default_factory=dict)
    #: True after a miss: the one message for every kind of wrong input.
    failed: bool = False


def _render_lookup(
    request: Request, customer: CustomerDep, runtime: RuntimeDep, form: LookupForm, status: int
) -> Response:
    limit = runtime.lookup_limiter.limit
    return render(
        request,
        "lookup.html",
        session=customer.session,
        status_code=status,
        form=form,
        lookup_path=LOOKUP_PATH,
        way_details=WAY_DETAILS,
        way_myropo_id=WAY_MYROPO_ID,
        limit_count=limit.max_attempts,
        limit_minutes=max(1, int(limit.window.total_seconds()) // 60),
    )


@router.get(LOOKUP_PATH)
async def lookup_page(request: Request, runtime: RuntimeDep, customer: CustomerDep) -> Response:
    return _render_lookup(request, customer, runtime, LookupForm(), 200)


_ERROR_KEYS: Final = {"REQUIRED": "lookup.error.required", "TOO_LONG": "lookup.error.too_long"}


def _form_query(
    way: str,
    invoice_number: str | None,
    reference: str | None,
    postal_code: str | None,
    myropo_id: str | None,
) -> LookupQuery:
    if way == WAY_MYROPO_ID:
        return myropo_id_query(myropo_id)
    return details_query(invoice_number, reference, postal_code)


@router.post(LOOKUP_PATH)
async def lookup_submit(
    request: Request,
    runtime: RuntimeDep,
    customer: CustomerDep,
    lookup: InvoiceLookupDep,
    language: LanguageDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    way: Annotated[str, Form()] = WAY_DETAILS,
    invoice_number: Annotated[str | None, Form()] = None,
    reference: Annotated[str | None, Form()] = None,
    postal_code: Annotated[str | None, Form()] = None,
    myropo_id: Annotated[str | None, Form()] = None,
) -> Response:
    if not csrf_valid(customer.session, csrf_token):
        _log.warning("csrf_rejected", route=LOOKUP_PATH)
        return render_error(request, "forbidden", 403, session=customer.session)
    way = WAY_MYROPO_ID if way == WAY_MYROPO_ID else WAY_DETAILS
    try:
        query = _form_query(way, invoice_number, reference, postal_code, myropo_id)
    except LookupInputError as error:
        typed = {
            "invoice_number": invoice_number,
            "reference": reference,
            "postal_code": postal_code,
            "myropo_id": myropo_id,
        }
        form = LookupForm(
            way=way,
            errors={item.field: _ERROR_KEYS.get(item.reason, "") for item in error.violations},
            values={key: value.strip() for key, value in typed.items() if value},
        )
        return _render_lookup(request, customer, runtime, form, 400)
    try:
        row = await lookup.find(customer.holder, query, language)
    except ApiError as error:
        if error.reason != "INVOICE_LOOKUP_FAILED":
            raise
        # Nothing of the input is echoed: every miss renders the very same page.
        return _render_lookup(request, customer, runtime, LookupForm(failed=True), 404)
    return RedirectResponse(invoice_path(row.id), status_code=303)


@router.get("/tilinumero")
async def refund_account_page(request: Request, session: SessionDep) -> Response:
    return render(request, "refund_account.html", session=session)
