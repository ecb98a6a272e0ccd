"""MyRopo pages (server-rendered, no JavaScript needed).

- ``GET /`` — landing page without a session; otherwise the front page: *Tervetuloa!*,
  the *Hae lasku* and *Ilmoita tilinumero* cards, the *Laskut* / *Arkisto* tabs
  (``?tab=arkisto``), *Etsi laskua listauksesta* (``?q=``) and the invoice table, one
  page at a time (``?page=<token>``);
- ``GET /laskut/{invoice_id}`` — one invoice: status, amounts, ledger, rows,
  *Lisätoiminnot* (*Avaa lasku*, *Maksa*), the timeline and, for its debtor, *Valtuutus*;
  ``GET /laskut/{invoice_id}/lasku.pdf`` — *Avaa lasku*;
- ``GET /laskut/{invoice_id}/maksa`` — *Maksa*: how to pay it now by bank transfer, and
  *Maksa verkkopankissa* (the PSP; ``payment_routes``);
- *Maksuaika* (*Eräpäivän siirto*, *Maksusuunnitelma*) on the invoice page for people who
  may manage its payment time; its forms are ``payment_time_routes``;
- ``POST /laskut/{invoice_id}/valtuutukset`` — *Valtuutus*: authorize a person (CSRF);
- ``POST /laskut/{invoice_id}/valtuutukset/{authorization_id}/peru`` — *Peru valtuutus*;
- ``GET /hae-lasku`` and ``POST /hae-lasku`` — *Hae lasku* both ways (CSRF-protected);
- *Ilmoita tilinumero* (``/tilinumero``, ``refund_routes``): the front page and the invoice
  page point to it with a notice for every refund waiting for an account.

The JSON twin of these is ``myropo.api``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from ropo_platform.logging import get_logger
from ropo_platform.redaction import contains_hetu
from starlette.responses import RedirectResponse, Response

from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.clients.authorization import Action, new_request_id
from ropo_gateway.clients.refunds import RefundCaseView
from ropo_gateway.errors import ApiError
from ropo_gateway.myropo.access import DELEGATE_REASONS, LOOKUP_REASON, InvoiceAccessPolicy
from ropo_gateway.myropo.authorizations import (
    EXPIRE_DATE,
    MAX_NAME_LENGTH,
    NAME,
    AuthorizationConflict,
    AuthorizationInputError,
    InvoiceAuthorizations,
    ValtuutusSection,
    grantee_details,
    revocable,
)
from ropo_gateway.myropo.dashboard import MAX_QUERY_LENGTH, ListingRequest, Tab, load_dashboard
from ropo_gateway.myropo.deps import (
    AccessPolicyDep,
    Customer,
    CustomerDep,
    InvoiceAuthorizationsDep,
    InvoiceLookupDep,
    InvoiceReaderDep,
    InvoiceSourceDep,
    LanguageDep,
    PaymentTimeDep,
    RefundSourceDep,
    get_customer,
)
from ropo_gateway.myropo.invoice_page import InvoicePageData, InvoiceReader
from ropo_gateway.myropo.lookup import (
    LookupInputError,
    LookupQuery,
    details_query,
    myropo_id_query,
)
from ropo_gateway.myropo.notices import (
    Notice,
    clear_notice,
    pending_notice_details,
    set_notice,
)
from ropo_gateway.myropo.payment_time import PaymentTime, PaymentTimeSection
from ropo_gateway.myropo.payment_time_views import (
    ExtensionForm,
    payment_time_notice,
    payment_time_paths,
)
from ropo_gateway.myropo.payments import payable_row
from ropo_gateway.myropo.ports import InvoiceSource
from ropo_gateway.myropo.refund_views import start_url
from ropo_gateway.myropo.refunds import RefundSource, awaiting_refunds, invoice_refunds
from ropo_gateway.myropo.responses import pdf_response
from ropo_gateway.myropo.views import InvoiceDetail
from ropo_gateway.runtime import Runtime
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
#: *Maksa valitut* of the *Laskut* list.
PAY_SELECTED_PATH: Final = "/laskut/maksa"


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


async def render_front_page(
    request: Request,
    runtime: Runtime,
    customer: Customer,
    policy: InvoiceAccessPolicy,
    invoices: InvoiceSource,
    language: str,
    listing: ListingRequest,
    *,
    payment_problem: str = "",
    status: int = 200,
    refunds: RefundSource | None = None,
) -> Response:
    """*Laskut* or *Arkisto*: one page of the person's invoices, with the *Maksa valitut*
    form on the open tab (``payment_problem`` says why a payment did not start) and, when
    ``refunds`` is given, a notice per refund waiting for the person's account."""
    dashboard = await load_dashboard(
        customer.identity,
        policy,
        invoices,
        listing,
        language=language,
        page_size=runtime.settings.myropo_page_size,
        max_invoices=runtime.settings.dashboard_max_invoices,
        restart_on_stale_token=True,
    )
    shown = dashboard.request
    archive = shown.tab is Tab.ARCHIVE
    selectable = not archive and any(payable_row(row) for row in dashboard.rows)
    owed = await awaiting_refunds(refunds, customer.subject) if refunds is not None else []
    return render(
        request,
        "dashboard.html",
        session=customer.session,
        status_code=status,
        dashboard=dashboard,
        archive=archive,
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
        delegate_reasons=DELEGATE_REASONS,
        lookup_reason=LOOKUP_REASON,
        selectable=selectable,
        payable=payable_row,
        pay_selected_url=PAY_SELECTED_PATH,
        pay_request_id=new_request_id(),
        payment_problem=payment_problem,
        refund_notices=owed,
        refund_start_url=start_url,
    )


@router.get("/")
async def first_page(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    policy: AccessPolicyDep,
    invoices: InvoiceSourceDep,
    language: LanguageDep,
    refunds: RefundSourceDep,
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
    return await render_front_page(
        request, runtime, customer, policy, invoices, language, listing, refunds=refunds
    )


@dataclass
class AuthorizationForm:
    """What the *Valtuutus* form shows again after a refusal: the typed name and date (never
    the henkilötunnus), the reason per bad field and a refusal of the whole request."""

    #: Field → violation reason (``valtuutus.error.<reason>`` in ``i18n``).
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    #: ``AUTHORIZATION_ALREADY_ACTIVE``, ``INVOICE_CLOSED``, ``AUTHORIZATION_NOT_ACTIVE``.
    problem: str = ""


def _typed_values(name: str | None, expire_date: str | None) -> dict[str, str]:
    # A henkilötunnus typed into the name field is not shown again either.
    values = {NAME: " ".join((name or "").split()), EXPIRE_DATE: (expire_date or "").strip()}
    return {
        key: value
        for key, value in values.items()
        if value and len(value) <= MAX_NAME_LENGTH and not contains_hetu(value)
    }


def _invoice_response(
    request: Request,
    runtime: Runtime,
    customer: Customer,
    data: InvoicePageData,
    valtuutus: ValtuutusSection | None,
    *,
    form: AuthorizationForm | None = None,
    status: int = 200,
    may_pay_online: bool = False,
    payment_problem: str = "",
    payment_time: PaymentTimeSection | None = None,
    payment_time_problem: str = "",
    refund_notices: Sequence[RefundCaseView] = (),
) -> Response:
    detail = data.detail
    pending = (
        pending_notice_details(request, runtime.settings, detail.row.id) if status == 200 else None
    )
    # A payment-time notice is shown in its own section; the others in *Valtuutus*.
    time_notice = payment_time_notice(request, pending)
    notice = pending.notice if pending is not None and not time_notice else None
    base = invoice_path(detail.row.id)
    response = render(
        request,
        "invoice.html",
        session=customer.session,
        status_code=status,
        invoice=detail,
        timeline=data.timeline,
        access=data.access,
        document_url=f"{base}/lasku.pdf",
        pay_url=f"{base}/maksa" if payable(detail) else "",
        online_pay_url=f"{base}/maksa" if may_pay_online else "",
        pay_request_id=new_request_id(),
        payment_problem=payment_problem,
        valtuutus=valtuutus,
        authorization_form=form or AuthorizationForm(),
        authorize_url=f"{base}/valtuutukset",
        revoke_url=lambda authorization: f"{base}/valtuutukset/{authorization.id}/peru",
        revocable=lambda authorization: revocable(authorization, data.access),
        notice=notice,
        payment_time=payment_time,
        payment_time_problem=payment_time_problem,
        payment_time_notice=time_notice,
        payment_time_paths=payment_time_paths(detail.row.id),
        extension_form=ExtensionForm.of(payment_time),
        refund_notices=refund_notices,
        refund_start_url=start_url,
        dispute=data.dispute,
        monitoring_letter=data.monitoring_letter,
    )
    if pending is not None:
        clear_notice(response, runtime.settings)
    return response


def payable(detail: InvoiceDetail) -> bool:
    """*Maksa* is offered while something is open."""
    return not detail.row.archived and detail.row.open_amount.is_positive()


async def _render_invoice(
    request: Request,
    runtime: Runtime,
    customer: Customer,
    reader: InvoiceReader,
    valtuutus: InvoiceAuthorizations,
    invoice_id: str,
    language: str,
    *,
    form: AuthorizationForm | None = None,
    status: int = 200,
    payment_problem: str = "",
    payment_time: PaymentTime | None = None,
    payment_time_problem: str = "",
    refunds: RefundSource | None = None,
) -> Response:
    data = await reader.page(customer.subject, invoice_id, language)
    # The page is already authorised: a refund of the invoice waiting for an account is
    # pointed out to whoever sees it (the letter's details are still needed to report one).
    owed = await invoice_refunds(refunds, data.access.invoice) if refunds is not None else []
    section = await valtuutus.section(data.access, archived=data.detail.row.archived)
    # *Maksuaika* for those who may manage it, while something is open.
    time_section = (
        await payment_time.section(data.access, language)
        if payment_time is not None and not data.detail.row.archived
        else None
    )
    # *Maksa verkkopankissa* only where it can work: something to pay and ACTION_PAY.
    may_pay_online = payable_row(data.detail.row) and await reader.policy.permits(
        data.access, Action.PAY
    )
    return _invoice_response(
        request,
        runtime,
        customer,
        data,
        section,
        form=form,
        status=status,
        may_pay_online=may_pay_online,
        payment_problem=payment_problem,
        payment_time=time_section,
        payment_time_problem=payment_time_problem,
        refund_notices=owed,
    )


async def render_invoice_page(
    request: Request,
    runtime: Runtime,
    customer: Customer,
    reader: InvoiceReader,
    valtuutus: InvoiceAuthorizations,
    invoice_id: str,
    language: str,
    *,
    status: int,
    payment_problem: str = "",
    payment_time: PaymentTime | None = None,
    payment_time_problem: str = "",
) -> Response:
    """The invoice page again, saying why a payment or a payment-time request did not go
    through."""
    return await _render_invoice(
        request,
        runtime,
        customer,
        reader,
        valtuutus,
        invoice_id,
        language,
        status=status,
        payment_problem=payment_problem,
        payment_time=payment_time,
        payment_time_problem=payment_time_problem,
    )


@router.get("/laskut/{invoice_id}")
async def invoice_page(
    request: Request,
    runtime: RuntimeDep,
    invoice_id: str,
    customer: CustomerDep,
    reader: InvoiceReaderDep,
    valtuutus: InvoiceAuthorizationsDep,
    language: LanguageDep,
    payment_time: PaymentTimeDep,
    refunds: RefundSourceDep,
) -> Response:
    return await _render_invoice(
        request,
        runtime,
        customer,
        reader,
        valtuutus,
        invoice_id,
        language,
        payment_time=payment_time,
        refunds=refunds,
    )


@router.get("/laskut/{invoice_id}/lasku.pdf")
async def invoice_document(
    invoice_id: str, customer: CustomerDep, reader: InvoiceReaderDep
) -> Response:
    return pdf_response(await reader.document(customer.subject, invoice_id))


@router.get("/laskut/{invoice_id}/maksa")
async def payment_page(
    request: Request,
    invoice_id: str,
    customer: CustomerDep,
    reader: InvoiceReaderDep,
    language: LanguageDep,
) -> Response:
    payment = await reader.payment(customer.subject, invoice_id, language)
    # The page itself needed ACTION_PAY: online payment only hinges on the invoice's state.
    online = payable_row(payment.row)
    return render(
        request,
        "payment.html",
        session=customer.session,
        payment=payment,
        invoice_url=invoice_path(payment.row.id),
        online_pay_url=f"{invoice_path(payment.row.id)}/maksa" if online else "",
        pay_request_id=new_request_id(),
    )


def _csrf_refused(request: Request, customer: Customer, route: str) -> Response:
    _log.warning("csrf_rejected", route=route)
    return render_error(request, "forbidden", 403, session=customer.session)


@router.post("/laskut/{invoice_id}/valtuutukset")
async def authorization_submit(
    request: Request,
    runtime: RuntimeDep,
    invoice_id: str,
    customer: CustomerDep,
    reader: InvoiceReaderDep,
    valtuutus: InvoiceAuthorizationsDep,
    language: LanguageDep,
    payment_time: PaymentTimeDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    name: Annotated[str | None, Form()] = None,
    national_id: Annotated[str | None, Form()] = None,
    expire_date: Annotated[str | None, Form()] = None,
) -> Response:
    if not csrf_valid(customer.session, csrf_token):
        return _csrf_refused(request, customer, "/laskut/{invoice_id}/valtuutukset")
    access = await valtuutus.require(customer.subject, invoice_id)
    typed = _typed_values(name, expire_date)
    try:
        await valtuutus.grant(access, grantee_details(name, national_id, expire_date))
    except AuthorizationInputError as error:
        form = AuthorizationForm(
            errors={item.field: item.reason for item in error.violations}, values=typed
        )
        return await _render_invoice(
            request,
            runtime,
            customer,
            reader,
            valtuutus,
            invoice_id,
            language,
            form=form,
            status=400,
            payment_time=payment_time,
        )
    except AuthorizationConflict as conflict:
        form = AuthorizationForm(problem=conflict.reason, values=typed)
        return await _render_invoice(
            request,
            runtime,
            customer,
            reader,
            valtuutus,
            invoice_id,
            language,
            form=form,
            status=409,
            payment_time=payment_time,
        )
    response = RedirectResponse(invoice_path(access.id), status_code=303)
    set_notice(response, runtime.settings, Notice.AUTHORIZATION_SAVED, access.id)
    return response


@router.post("/laskut/{invoice_id}/valtuutukset/{authorization_id}/peru")
async def authorization_revoke(
    request: Request,
    runtime: RuntimeDep,
    invoice_id: str,
    authorization_id: str,
    customer: CustomerDep,
    reader: InvoiceReaderDep,
    valtuutus: InvoiceAuthorizationsDep,
    language: LanguageDep,
    payment_time: PaymentTimeDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
) -> Response:
    if not csrf_valid(customer.session, csrf_token):
        return _csrf_refused(
            request, customer, "/laskut/{invoice_id}/valtuutukset/{authorization_id}/peru"
        )
    access = await valtuutus.require(customer.subject, invoice_id)
    try:
        await valtuutus.revoke(access, authorization_id)
    except AuthorizationConflict as conflict:
        form = AuthorizationForm(problem=conflict.reason)
        return await _render_invoice(
            request,
            runtime,
            customer,
            reader,
            valtuutus,
            invoice_id,
            language,
            form=form,
            status=409,
            payment_time=payment_time,
        )
    response = RedirectResponse(invoice_path(access.id), status_code=303)
    set_notice(response, runtime.settings, Notice.AUTHORIZATION_REVOKED, access.id)
    return response


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
        row = await lookup.find(customer.subject, query, language)
    except ApiError as error:
        if error.reason != "INVOICE_LOOKUP_FAILED":
            raise
        # Nothing of the input is echoed: every miss renders the very same page.
        return _render_lookup(request, customer, runtime, LookupForm(failed=True), 404)
    return RedirectResponse(invoice_path(row.id), status_code=303)
