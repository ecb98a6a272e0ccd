"""*Viestikeskus*, *Sähköiset kirjeet* and *Saldotodistus* pages (server-rendered).

- ``GET /viestit`` (``?sivu=`` the next page) — the person's letters, newest first, unread
  ones marked *Uusi*, *Näytä lisää*;
- ``GET /viestit/{invoice_id}/{letter_id}`` — one letter (opening marks it read): a
  customer-service message as text, other letters with a link to
  ``GET /viestit/{invoice_id}/{letter_id}.pdf``;
- ``GET``/``POST /asetukset/sahkoiset-kirjeet`` — the consent to electronic letters (give with
  an e-mail address, change the address, withdraw; CSRF);
- ``GET /saldotodistus`` and ``GET /saldotodistus.pdf`` — the balance certificate of the
  person's own open cases (a download);
- ``GET /laskut/{invoice_id}/maksuvalvontakirje.pdf`` — the latest payment-monitoring letter
  of an invoice the person may handle (linked from the invoice page).

``unread_letters_badge`` is an app-wide dependency: for a logged-in person's page it looks
up the unread count once, for the header's *Viestikeskus (n)*.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from ropo_platform.logging import get_logger
from starlette.responses import RedirectResponse, Response

from ropo_gateway.auth.csrf import CSRF_FIELD, csrf_valid
from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.clients.letters import LetterConsentView, LetterType, LetterView
from ropo_gateway.errors import UpstreamError
from ropo_gateway.myropo.deps import (
    BalanceCertificatesDep,
    Customer,
    CustomerDep,
    DisputeDeskDep,
    InvoiceReaderDep,
    LanguageDep,
    LetterConsentsDep,
    LetterSourceDep,
    MessageCentreDep,
)
from ropo_gateway.myropo.letter_consent import (
    EMAIL_FIELD,
    MAX_EMAIL_LENGTH,
    ConsentInputError,
    ConsentRequest,
    normalised_email,
)
from ropo_gateway.myropo.messages import StalePageToken, UnreadCount, unread_count
from ropo_gateway.myropo.payment_time import idempotency_key
from ropo_gateway.myropo.responses import pdf_response
from ropo_gateway.web.deps import RuntimeDep, get_session
from ropo_gateway.web.pages import render, render_error

router = APIRouter(include_in_schema=False)
_log = get_logger("ropo_gateway.messages")

MESSAGES_PATH: Final = "/viestit"
LETTER_PATH: Final = "/viestit/{invoice_id}/{letter_id}"
LETTER_PDF_PATH: Final = "/viestit/{invoice_id}/{letter_id}.pdf"
CONSENT_PATH: Final = "/asetukset/sahkoiset-kirjeet"
CERTIFICATE_PATH: Final = "/saldotodistus"
CERTIFICATE_PDF_PATH: Final = "/saldotodistus.pdf"
MONITORING_LETTER_PATH: Final = "/laskut/{invoice_id}/maksuvalvontakirje.pdf"
#: Page tokens longer than this are not ones the invoice service issued.
MAX_PAGE_TOKEN_LENGTH: Final = 512
#: ``?tallennettu=`` after a change: which notice the consent page shows.
SAVED_GIVEN: Final = "annettu"
SAVED_WITHDRAWN: Final = "peruttu"
ACTION_GIVE: Final = "give"
ACTION_WITHDRAW: Final = "withdraw"
#: Requests that never show the header's count: the API, Ropo One, files, login and the
#: payment and chat plumbing.
_NO_BADGE_PREFIXES: Final = (
    "/api/",
    "/ropo-one",
    "/static/",
    "/auth/",
    "/kieli/",
    "/maksu/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/login",
    "/logout",
    "/logged-out",
)
_NO_BADGE_SUFFIXES: Final = (".pdf", "/events")


def letter_url(letter: LetterView) -> str:
    return f"{MESSAGES_PATH}/{letter.invoice_id}/{letter.letter_id}"


def letter_pdf_url(letter: LetterView) -> str:
    return f"{letter_url(letter)}.pdf"


def monitoring_letter_url(invoice_id: str) -> str:
    return f"/laskut/{invoice_id}/maksuvalvontakirje.pdf"


def _messages_url(page_token: str = "") -> str:
    return f"{MESSAGES_PATH}?sivu={page_token}" if page_token else MESSAGES_PATH


async def unread_letters_badge(
    request: Request, runtime: RuntimeDep, letters: LetterSourceDep
) -> None:
    """The unread count of a logged-in person's page (``request.state.unread_letters``); a
    failing service only hides the count."""
    path = request.url.path
    if (
        request.method != "GET"
        or path.startswith(_NO_BADGE_PREFIXES)
        or path.endswith(_NO_BADGE_SUFFIXES)
    ):
        return
    session = await get_session(request, runtime)
    if session is None:
        return
    try:
        request.state.unread_letters = await unread_count(letters, session.identity.subject)
    except UpstreamError as error:
        _log.warning("unread_count_unavailable", code=error.rpc_error.code.name)


def _read_one(request: Request, letter: LetterView) -> None:
    """The header counted the letter just opened as unread: count it read."""
    shown: UnreadCount | None = getattr(request.state, "unread_letters", None)
    if shown is not None and not letter.read and shown.count > 0 and not shown.more:
        request.state.unread_letters = UnreadCount(shown.count - 1)


@router.get(MESSAGES_PATH)
async def messages_page(
    request: Request,
    customer: CustomerDep,
    centre: MessageCentreDep,
    language: LanguageDep,
    sivu: str = "",
) -> Response:
    token = sivu if len(sivu) <= MAX_PAGE_TOKEN_LENGTH else ""
    try:
        page = await centre.page(customer.subject, token, language)
    except StalePageToken:
        return RedirectResponse(MESSAGES_PATH, status_code=303)
    return render(
        request,
        "messages.html",
        session=customer.session,
        letters=page.letters,
        letter_url=letter_url,
        next_url=_messages_url(page.next_page_token) if page.next_page_token else "",
        first_url=MESSAGES_PATH if token else "",
        consent_url=CONSENT_PATH,
    )


@router.get(LETTER_PDF_PATH)
async def letter_document(
    invoice_id: str,
    letter_id: str,
    customer: CustomerDep,
    centre: MessageCentreDep,
    language: LanguageDep,
) -> Response:
    return pdf_response(await centre.document(customer.subject, invoice_id, letter_id, language))


@router.get(LETTER_PATH)
async def letter_page(
    request: Request,
    invoice_id: str,
    letter_id: str,
    customer: CustomerDep,
    centre: MessageCentreDep,
    language: LanguageDep,
) -> Response:
    found = await centre.find(customer.subject, invoice_id, letter_id, language)
    letter = await centre.mark_read(customer.subject, found)
    _read_one(request, found)
    # A message from customer service is its text; every other letter is its PDF.
    message = found.type is LetterType.CUSTOMER_SERVICE_MESSAGE and bool(found.body)
    return render(
        request,
        "message.html",
        session=customer.session,
        letter=letter,
        show_body=message,
        pdf_url="" if message else letter_pdf_url(found),
        invoice_url=f"/laskut/{found.invoice_id}",
        back_url=MESSAGES_PATH,
    )


@router.get(MONITORING_LETTER_PATH)
async def monitoring_letter_document(
    invoice_id: str,
    customer: CustomerDep,
    disputes: DisputeDeskDep,
    reader: InvoiceReaderDep,
    centre: MessageCentreDep,
    language: LanguageDep,
) -> Response:
    # Whoever may handle the invoice, as on the invoice page (the one audited 404 otherwise).
    access = await disputes.require(customer.subject, invoice_id)
    document = await centre.payment_monitoring_document(access, language)
    if access.delegate:
        # A delegate read the debtor's letter: recorded with the debtor (read from the invoice).
        await reader.detail_of(access, language)
    return pdf_response(document)


def _consent_page(
    request: Request,
    customer: Customer,
    consent: LetterConsentView,
    *,
    email: str = "",
    error: str = "",
    saved: str = "",
    status: int = 200,
) -> Response:
    return render(
        request,
        "letter_consent.html",
        session=customer.session,
        status_code=status,
        consent=consent,
        email=email or consent.notification_email,
        error=error,
        saved=saved,
        action=CONSENT_PATH,
        request_id=new_request_id(),
        withdraw_request_id=new_request_id(),
        email_field=EMAIL_FIELD,
        max_email_length=MAX_EMAIL_LENGTH,
        messages_url=MESSAGES_PATH,
        give=ACTION_GIVE,
        withdraw=ACTION_WITHDRAW,
    )


@router.get(CONSENT_PATH)
async def consent_page(
    request: Request,
    customer: CustomerDep,
    consents: LetterConsentsDep,
    tallennettu: str = "",
) -> Response:
    saved = tallennettu if tallennettu in (SAVED_GIVEN, SAVED_WITHDRAWN) else ""
    consent = await consents.current(customer.subject)
    return _consent_page(request, customer, consent, saved=saved)


@router.post(CONSENT_PATH)
async def consent_submit(
    request: Request,
    customer: CustomerDep,
    consents: LetterConsentsDep,
    csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None,
    request_id: Annotated[str | None, Form()] = None,
    action: Annotated[str | None, Form()] = None,
    notification_email: Annotated[str | None, Form()] = None,
) -> Response:
    if not csrf_valid(customer.session, csrf_token):
        _log.warning("csrf_rejected", route=CONSENT_PATH)
        return render_error(request, "forbidden", 403, session=customer.session)
    electronic = action != ACTION_WITHDRAW
    typed = (notification_email or "").strip()[: MAX_EMAIL_LENGTH * 2]
    try:
        email = normalised_email(typed) if electronic else ""
        await consents.change(
            customer.subject, ConsentRequest(electronic, email, idempotency_key(request_id))
        )
    except ConsentInputError as refused:
        consent = await consents.current(customer.subject)
        return _consent_page(
            request, customer, consent, email=typed, error=refused.reason, status=400
        )
    saved = SAVED_GIVEN if electronic else SAVED_WITHDRAWN
    return RedirectResponse(f"{CONSENT_PATH}?tallennettu={saved}", status_code=303)


@router.get(CERTIFICATE_PATH)
async def certificate_page(request: Request, customer: CustomerDep) -> Response:
    return render(
        request,
        "balance_certificate.html",
        session=customer.session,
        download_url=CERTIFICATE_PDF_PATH,
    )


@router.get(CERTIFICATE_PDF_PATH)
async def certificate_document(
    customer: CustomerDep, certificates: BalanceCertificatesDep, language: LanguageDep
) -> Response:
    certificate = await certificates.download(customer.subject, language)
    return Response(
        content=certificate.content,
        media_type=certificate.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{certificate.filename}"',
            "Cache-Control": "no-store",
        },
    )
