"""*Viestikeskus* and the consent to electronic letters in the MyRopo JSON API
(``/api/myropo/v1``), the twins of the pages:

- ``GET /letters`` — the person's letters, newest first (``page_token``, ``unread_only``);
- ``GET /letters/{invoice_id}/{letter_id}`` — one of them (reading it does not mark it read);
- ``POST /letters/{invoice_id}/{letter_id}:markRead`` — mark it read (idempotent);
- ``GET``/``PUT /letter-consent`` — the person's consent to electronic letters.

A letter addressed to someone else answers exactly like a missing one (404
``LETTER_NOT_FOUND``, audited). A refused address is 400 ``INVALID_REQUEST`` naming
``notification_email`` in the request's language.
"""

from __future__ import annotations

from datetime import date, datetime
from http import HTTPStatus
from typing import Annotated, Any, Final
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from ropo_platform.errors import FieldViolation

from ropo_gateway.clients.authorization import new_request_id
from ropo_gateway.clients.letters import (
    LetterChannel,
    LetterConsentView,
    LetterType,
    LetterView,
)
from ropo_gateway.errors import ApiError, invalid_input
from ropo_gateway.i18n import Translator
from ropo_gateway.myropo.api import PREFIX, require_json
from ropo_gateway.myropo.api_models import ErrorResponse
from ropo_gateway.myropo.deps import (
    CustomerDep,
    LanguageDep,
    LetterConsentsDep,
    MessageCentreDep,
)
from ropo_gateway.myropo.letter_consent import (
    EMAIL_FIELD,
    MAX_EMAIL_LENGTH,
    ConsentInputError,
    ConsentRequest,
    normalised_email,
)
from ropo_gateway.myropo.messages import StalePageToken
from ropo_gateway.myropo.messages_routes import letter_pdf_url

api = APIRouter(prefix=PREFIX, tags=["MyRopo"])


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


_COMMON: Final[dict[int | str, dict[str, Any]]] = {
    401: _error("Not logged in (SESSION_REQUIRED)."),
    503: _error("SERVICE_UNAVAILABLE: the invoice service is unavailable."),
}
_LETTER: Final[dict[int | str, dict[str, Any]]] = {
    **_COMMON,
    404: _error(
        "LETTER_NOT_FOUND: no such letter, or one addressed to someone else (same answer)."
    ),
}


class Letter(BaseModel):
    """A letter or customer-service message of the person."""

    id: str = Field(description="Letter id (the invoice's own id for the invoice itself).")
    invoice_id: str = Field(description="The invoice the letter is about.")
    name: str = Field(description='Resource name, "invoices/{invoice_id}/letters/{id}".')
    type: LetterType
    title: str = Field(description="Title in the request's language.")
    channel: LetterChannel = Field(description="PAPER, or ELECTRONIC (only with a consent).")
    read: bool = Field(description="True once the person opened it.")
    create_time: datetime | None
    read_time: datetime | None
    invoice_number: str
    creditor: str = Field(description="The creditor's name.")
    due_date: date | None = Field(description="The pay-by date the letter gives, if any.")
    body: str = Field(description="Text of a customer-service message; empty for other letters.")
    document_url: str = Field(description="The letter's PDF (opening it marks the letter read).")

    @classmethod
    def of(cls, letter: LetterView) -> Letter:
        return cls(
            id=letter.letter_id,
            invoice_id=letter.invoice_id,
            name=letter.name,
            type=letter.type,
            title=letter.title,
            channel=letter.channel,
            read=letter.read,
            create_time=letter.create_time,
            read_time=letter.read_time,
            invoice_number=letter.invoice_number,
            creditor=letter.creditor_display_name,
            due_date=letter.due_date,
            body=letter.body,
            document_url=letter_pdf_url(letter),
        )


class LetterList(BaseModel):
    """One page of letters, newest first."""

    letters: list[Letter]
    next_page_token: str = Field(description="Token of the next page; empty on the last.")


class LetterResponse(BaseModel):
    letter: Letter


class MarkReadRequest(BaseModel):
    """An empty JSON object (the route's path names the letter)."""

    model_config = ConfigDict(extra="forbid")


class LetterConsent(BaseModel):
    """The person's consent to electronic letters."""

    electronic: bool = Field(
        description="True: collection letters arrive only in Viestikeskus, with an e-mail "
        "notice; false: on paper."
    )
    notification_email: str = Field(description="Where notices go; empty without a consent.")
    update_time: datetime | None = Field(description="When the consent last changed.")

    @classmethod
    def of(cls, consent: LetterConsentView) -> LetterConsent:
        return cls(
            electronic=consent.electronic,
            notification_email=consent.notification_email if consent.electronic else "",
            update_time=consent.update_time,
        )


class LetterConsentResponse(BaseModel):
    letter_consent: LetterConsent


class LetterConsentRequest(BaseModel):
    """Give (``electronic`` true, with the address) or withdraw the consent."""

    model_config = ConfigDict(extra="forbid")

    electronic: bool
    notification_email: str = Field(
        default="",
        max_length=2 * MAX_EMAIL_LENGTH,
        description="Required when giving the consent; ignored when withdrawing.",
    )
    request_id: UUID | None = Field(
        default=None, description="Idempotency key: a retry with the same key acts once."
    )


@api.get(
    "/letters",
    response_model=LetterList,
    summary="The person's letters (Viestikeskus)",
    responses={**_COMMON, 400: _error("INVALID_PAGE_TOKEN: the token is not for this list.")},
)
async def list_letters(
    customer: CustomerDep,
    centre: MessageCentreDep,
    language: LanguageDep,
    page_token: Annotated[
        str, Query(max_length=512, description="next_page_token of the previous page.")
    ] = "",
) -> LetterList:
    """Letters and customer-service messages addressed to the person, newest first, titles in
    the request's language."""
    try:
        page = await centre.page(customer.subject, page_token, language)
    except StalePageToken:
        raise ApiError(
            HTTPStatus.BAD_REQUEST, "INVALID_PAGE_TOKEN", "The page token is not valid."
        ) from None
    return LetterList(
        letters=[Letter.of(item) for item in page.letters],
        next_page_token=page.next_page_token,
    )


@api.get(
    "/letters/{invoice_id}/{letter_id}",
    response_model=LetterResponse,
    summary="One of the person's letters",
    responses=_LETTER,
)
async def get_letter(
    invoice_id: str,
    letter_id: str,
    customer: CustomerDep,
    centre: MessageCentreDep,
    language: LanguageDep,
) -> LetterResponse:
    """The letter without marking it read."""
    letter = await centre.find(customer.subject, invoice_id, letter_id, language)
    return LetterResponse(letter=Letter.of(letter))


@api.post(
    "/letters/{invoice_id}/{letter_id}:markRead",
    response_model=LetterResponse,
    summary="Mark a letter read",
    dependencies=[Depends(require_json)],
    responses={**_LETTER, 415: _error("The body is not application/json.")},
)
async def mark_letter_read(
    invoice_id: str,
    letter_id: str,
    body: MarkReadRequest,
    customer: CustomerDep,
    centre: MessageCentreDep,
    language: LanguageDep,
) -> LetterResponse:
    """The letter, read; the first read time is kept. The body is an empty JSON object."""
    letter = await centre.open(customer.subject, invoice_id, letter_id, language)
    return LetterResponse(letter=Letter.of(letter))


@api.get(
    "/letter-consent",
    response_model=LetterConsentResponse,
    summary="The consent to electronic letters",
    responses=_COMMON,
)
async def get_letter_consent(
    customer: CustomerDep, consents: LetterConsentsDep
) -> LetterConsentResponse:
    """Whether the person receives collection letters electronically, and where notices go."""
    consent = await consents.current(customer.subject)
    return LetterConsentResponse(letter_consent=LetterConsent.of(consent))


def _email_error(reason: str, language: str) -> ApiError:
    return invalid_input(
        [
            FieldViolation(
                EMAIL_FIELD, Translator(language)(f"consent.error.{reason}"), reason.upper()
            )
        ]
    )


@api.put(
    "/letter-consent",
    response_model=LetterConsentResponse,
    summary="Give or withdraw the consent to electronic letters",
    dependencies=[Depends(require_json)],
    responses={
        **_COMMON,
        400: _error(
            "INVALID_REQUEST: notification_email is missing (REQUIRED), too long (TOO_LONG) "
            "or not an address (INVALID); the description is in the request's language."
        ),
        415: _error("The body is not application/json."),
    },
)
async def put_letter_consent(
    body: LetterConsentRequest,
    customer: CustomerDep,
    consents: LetterConsentsDep,
    language: LanguageDep,
) -> LetterConsentResponse:
    """With the consent, collection letters arrive only in Viestikeskus and an e-mail notice
    goes to ``notification_email``; without it, on paper. Every change is recorded."""
    request_id = str(body.request_id) if body.request_id else new_request_id()
    try:
        email = normalised_email(body.notification_email) if body.electronic else ""
        consent = await consents.change(
            customer.subject, ConsentRequest(body.electronic, email, request_id)
        )
    except ConsentInputError as refused:
        raise _email_error(refused.reason, language) from None
    return LetterConsentResponse(letter_consent=LetterConsent.of(consent))
